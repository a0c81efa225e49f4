// alertwire's default notification templates. They produce Grafana's default title
// and message layout (see docs/templates.md) and keep the template names users'
// own templates commonly call: default.title, default.message, __subject,
// __text_alert_list, __alertmanager, __alertmanagerURL, __description.

export const DEFAULT_TEMPLATES_NAME = 'defaults';

export const DEFAULT_TEMPLATES = `{{ define "__alertmanager" }}alertwire{{ end }}

{{ define "__alertmanagerURL" }}{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}{{ end }}

{{ define "__description" }}{{ end }}

{{- /* [FIRING:2, RESOLVED:1] <group label values> (<common labels that are not group labels>) */ -}}
{{ define "__subject" -}}
[{{ toUpper .Status }}
{{- if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ with .Alerts.Resolved }}, RESOLVED:{{ len . }}{{ end }}{{ end -}}
] {{ join " " .GroupLabels.SortedPairs.Values }} {{ if gt (len .CommonLabels) (len .GroupLabels) -}}
({{ join " " (.CommonLabels.Remove .GroupLabels.Names).Values }})
{{- end }}
{{- end }}

{{ define "default.title" }}{{ template "__subject" . }}{{ end }}

{{- /* One block per alert: labels, annotations, then whichever links the alert has. */ -}}
{{ define "__text_alert_list" }}
{{- range . }}
Labels:
{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Annotations:
{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}
{{- with .GeneratorURL }}Source: {{ . }}
{{ end }}
{{- with .SilenceURL }}Silence: {{ . }}
{{ end }}
{{- with .DashboardURL }}Dashboard: {{ . }}
{{ end }}
{{- with .PanelURL }}Panel: {{ . }}
{{ end }}
{{- end }}
{{- end }}

{{ define "default.message" }}
{{- with .Alerts.Firing }}**Firing**
{{ template "__text_alert_list" . }}{{ end }}
{{- if and .Alerts.Firing .Alerts.Resolved }}

{{ end }}
{{- with .Alerts.Resolved }}**Resolved**
{{ template "__text_alert_list" . }}{{ end }}
{{- end }}
`;
