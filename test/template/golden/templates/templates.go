// Package templates mirrors Grafana's extended template data types.
package templates

import (
	"time"

	"alertwire/golden/template"
)

type ExtendedAlert struct {
	Status        string             `json:"status"`
	Labels        template.KV        `json:"labels"`
	Annotations   template.KV        `json:"annotations"`
	StartsAt      time.Time          `json:"startsAt"`
	EndsAt        time.Time          `json:"endsAt"`
	GeneratorURL  string             `json:"generatorURL"`
	Fingerprint   string             `json:"fingerprint"`
	SilenceURL    string             `json:"silenceURL"`
	DashboardURL  string             `json:"dashboardURL"`
	PanelURL      string             `json:"panelURL"`
	Values        map[string]float64 `json:"values"`
	ValueString   string             `json:"valueString"`
	ImageURL      string             `json:"imageURL,omitempty"`
	EmbeddedImage string             `json:"embeddedImage,omitempty"`
	OrgID         *int64             `json:"orgId,omitempty"`
}

type ExtendedAlerts []ExtendedAlert

func (as ExtendedAlerts) Firing() []ExtendedAlert {
	res := []ExtendedAlert{}
	for _, a := range as {
		if a.Status == "firing" {
			res = append(res, a)
		}
	}
	return res
}

func (as ExtendedAlerts) Resolved() []ExtendedAlert {
	res := []ExtendedAlert{}
	for _, a := range as {
		if a.Status == "resolved" {
			res = append(res, a)
		}
	}
	return res
}

type ExtendedData struct {
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	Alerts            ExtendedAlerts    `json:"alerts"`
	GroupLabels       template.KV       `json:"groupLabels"`
	CommonLabels      template.KV       `json:"commonLabels"`
	CommonAnnotations template.KV       `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   *int              `json:"truncatedAlerts,omitempty"`
	Vars              map[string]string `json:"-"`
}
