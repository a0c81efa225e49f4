// Command golden renders the conformance corpus (cases.json, exported from
// cases.ts) with Go's own text/template and the Alertmanager and Grafana
// function sets, and writes the expected outputs and errors as JSON.
//
// Run: go run . < cases.json > golden.json   (see regenerate.sh)
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	tt "text/template"
	"time"
	"unicode"

	"alertwire/golden/gomplate"
	"alertwire/golden/template"
	"alertwire/golden/templates"
)

type caseSpec struct {
	Name     string            `json:"name"`
	Template string            `json:"template"`
	Fixture  string            `json:"fixture,omitempty"`
	JSON     json.RawMessage   `json:"json,omitempty"`
	Exec     string            `json:"exec,omitempty"`
	Extra    []string          `json:"extra,omitempty"`
	Vars     map[string]string `json:"vars,omitempty"`
	Skip     bool              `json:"skipGo,omitempty"`
}

type namedText struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type corpus struct {
	Now      string                     `json:"now"`
	Defaults []namedText                `json:"defaults"`
	Fixtures map[string]json.RawMessage `json:"fixtures"`
	Cases    []caseSpec                 `json:"cases"`
}

type result struct {
	Name     string  `json:"name"`
	Template string  `json:"template"`
	Output   *string `json:"output,omitempty"`
	Error    *string `json:"error,omitempty"`
}

var now time.Time

// --- Alertmanager functions ---

func toFloat(i any) (float64, error) {
	switch v := i.(type) {
	case float64:
		return v, nil
	case string:
		return strconv.ParseFloat(v, 64)
	case int:
		return float64(v), nil
	case uint:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case time.Duration:
		return v.Seconds(), nil
	default:
		return 0, fmt.Errorf("can't convert %T to float", v)
	}
}

func humanizeDuration(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%.4g", v), nil
	}
	if v == 0 {
		return fmt.Sprintf("%.4gs", v), nil
	}
	if math.Abs(v) >= 1 {
		sign := ""
		if v < 0 {
			sign = "-"
			v = -v
		}
		d := int64(v)
		seconds, minutes, hours, days := d%60, (d/60)%60, (d/3600)%24, d/86400
		if days != 0 {
			return fmt.Sprintf("%s%dd %dh %dm %ds", sign, days, hours, minutes, seconds), nil
		}
		if hours != 0 {
			return fmt.Sprintf("%s%dh %dm %ds", sign, hours, minutes, seconds), nil
		}
		if minutes != 0 {
			return fmt.Sprintf("%s%dm %ds", sign, minutes, seconds), nil
		}
		return fmt.Sprintf("%s%.4gs", sign, v), nil
	}
	prefix := ""
	for _, p := range []string{"m", "u", "n", "p", "f", "a", "z", "y"} {
		if math.Abs(v) >= 1 {
			break
		}
		prefix = p
		v *= 1000
	}
	return fmt.Sprintf("%.4g%ss", v, prefix), nil
}

var midLetter = map[rune]bool{'\'': true, '.': true, ':': true, '\u00b7': true, '\u2019': true, '\u2018': true}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || r == '_'
}

// title approximates cases.Title(language.AmericanEnglish) the same way alertwire does.
func title(s string) string {
	rs := []rune(s)
	var b strings.Builder
	inWord := false
	for i, r := range rs {
		switch {
		case isWordRune(r):
			if inWord {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			inWord = true
		case inWord && midLetter[r] && i > 0 && unicode.IsLetter(rs[i-1]) && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			b.WriteRune(r)
		default:
			b.WriteRune(r)
			inWord = false
		}
	}
	return b.String()
}

func amFuncs() tt.FuncMap {
	return tt.FuncMap{
		"toUpper":   strings.ToUpper,
		"toLower":   strings.ToLower,
		"title":     title,
		"trimSpace": strings.TrimSpace,
		"join": func(sep string, s []string) string {
			return strings.Join(s, sep)
		},
		"match":       regexp.MatchString,
		"safeHtml":    func(text string) string { return text },
		"safeUrl":     func(text string) string { return text },
		"urlUnescape": url.QueryUnescape,
		"reReplaceAll": func(pattern, repl, text string) string {
			re := regexp.MustCompile(pattern)
			return re.ReplaceAllString(text, repl)
		},
		"stringSlice": func(s ...string) []string { return s },
		"date":        func(fmt string, t time.Time) string { return t.Format(fmt) },
		"tz": func(name string, t time.Time) (time.Time, error) {
			loc, err := time.LoadLocation(name)
			if err != nil {
				return time.Time{}, err
			}
			return t.In(loc), nil
		},
		"since":            func(t time.Time) time.Duration { return now.Sub(t) },
		"humanizeDuration": humanizeDuration,
		"toJson": func(v any) (string, error) {
			b, err := json.Marshal(v)
			if err != nil {
				return "", err
			}
			return string(b), nil
		},
		"list": func(args ...any) ([]any, error) {
			if args == nil {
				return []any{}, nil
			}
			return args, nil
		},
		"append": func(slice []any, args ...any) []any { return append(slice, args...) },
		"dict": func(values ...any) (map[string]any, error) {
			if len(values)%2 != 0 {
				return nil, fmt.Errorf("dict requires an even number of arguments")
			}
			res := make(map[string]any, len(values)/2)
			for i := 0; i < len(values); i += 2 {
				key, ok := values[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict keys must be strings")
				}
				res[key] = values[i+1]
			}
			return res, nil
		},
	}
}

// --- Grafana functions ---

func floatToTime(v float64) (*time.Time, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("value is NaN or Inf")
	}
	ts := v * 1e9
	if ts > math.MaxInt64 || ts < math.MinInt64 {
		return nil, fmt.Errorf("%v cannot be represented as a nanoseconds timestamp since it overflows int64", v)
	}
	ms := int64(ts) / 1e6
	t := time.Unix(ms/1000, (ms%1000)*1e6).UTC()
	return &t, nil
}

func grafanaFuncs(root *tt.Template) tt.FuncMap {
	coll := &gomplate.CollFuncs{}
	data := &gomplate.DataFuncs{}
	tmpl := &gomplate.TmplFuncs{Root: root}
	tfn := gomplate.NewTimeFuncs(now)
	return tt.FuncMap{
		"humanize": func(i any) (string, error) {
			v, err := toFloat(i)
			if err != nil {
				return "", err
			}
			if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Sprintf("%.4g", v), nil
			}
			if math.Abs(v) >= 1 {
				prefix := ""
				for _, p := range []string{"k", "M", "G", "T", "P", "E", "Z", "Y"} {
					if math.Abs(v) < 1000 {
						break
					}
					prefix = p
					v /= 1000
				}
				return fmt.Sprintf("%.4g%s", v, prefix), nil
			}
			prefix := ""
			for _, p := range []string{"m", "u", "n", "p", "f", "a", "z", "y"} {
				if math.Abs(v) >= 1 {
					break
				}
				prefix = p
				v *= 1000
			}
			return fmt.Sprintf("%.4g%s", v, prefix), nil
		},
		"humanize1024": func(i any) (string, error) {
			v, err := toFloat(i)
			if err != nil {
				return "", err
			}
			if math.Abs(v) <= 1 || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Sprintf("%.4g", v), nil
			}
			prefix := ""
			for _, p := range []string{"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"} {
				if math.Abs(v) < 1024 {
					break
				}
				prefix = p
				v /= 1024
			}
			return fmt.Sprintf("%.4g%s", v, prefix), nil
		},
		"humanizePercentage": func(i any) (string, error) {
			v, err := toFloat(i)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%.4g%%", v*100), nil
		},
		"humanizeDuration": humanizeDuration,
		"humanizeTimestamp": func(i any) (string, error) {
			v, err := toFloat(i)
			if err != nil {
				return "", err
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Sprintf("%.4g", v), nil
			}
			t, err := floatToTime(v)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(t), nil
		},
		"toTime": func(i any) (*time.Time, error) {
			v, err := toFloat(i)
			if err != nil {
				return nil, err
			}
			return floatToTime(v)
		},
		"coll": func() any { return coll },
		"data": func() any { return data },
		"tmpl": func() any { return tmpl },
		"time": func() any { return tfn },
	}
}

// --- data ---

type payloadAlert struct {
	Status       string             `json:"status"`
	Labels       map[string]string  `json:"labels"`
	Annotations  map[string]string  `json:"annotations"`
	StartsAt     string             `json:"startsAt"`
	EndsAt       string             `json:"endsAt"`
	GeneratorURL string             `json:"generatorURL"`
	Fingerprint  string             `json:"fingerprint"`
	SilenceURL   string             `json:"silenceURL"`
	DashboardURL string             `json:"dashboardURL"`
	PanelURL     string             `json:"panelURL"`
	ImageURL     string             `json:"imageURL"`
	Values       map[string]float64 `json:"values"`
	ValueString  string             `json:"valueString"`
	OrgID        *int64             `json:"orgId"`
}

type payload struct {
	Receiver          string            `json:"receiver"`
	Status            *string           `json:"status"`
	Alerts            []payloadAlert    `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   *int              `json:"truncatedAlerts"`
	OrgID             *int64            `json:"orgId"`
}

func kv(m map[string]string) template.KV {
	out := template.KV{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func common(alerts []payloadAlert, pick func(payloadAlert) map[string]string) map[string]string {
	if len(alerts) == 0 {
		return map[string]string{}
	}
	out := map[string]string{}
	for k, v := range pick(alerts[0]) {
		out[k] = v
	}
	for _, a := range alerts[1:] {
		m := pick(a)
		for k, v := range out {
			if w, ok := m[k]; !ok || w != v {
				delete(out, k)
			}
		}
	}
	return out
}

func buildData(raw json.RawMessage, vars map[string]string) (*templates.ExtendedData, error) {
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	status := "resolved"
	for _, a := range p.Alerts {
		if a.Status == "firing" {
			status = "firing"
		}
	}
	if p.Status != nil {
		status = *p.Status
	}
	alerts := templates.ExtendedAlerts{}
	for _, a := range p.Alerts {
		org := a.OrgID
		if org == nil {
			org = p.OrgID
		}
		alerts = append(alerts, templates.ExtendedAlert{
			Status: a.Status, Labels: kv(a.Labels), Annotations: kv(a.Annotations),
			StartsAt: parseTime(a.StartsAt), EndsAt: parseTime(a.EndsAt),
			GeneratorURL: a.GeneratorURL, Fingerprint: a.Fingerprint, SilenceURL: a.SilenceURL,
			DashboardURL: a.DashboardURL, PanelURL: a.PanelURL, Values: a.Values, ValueString: a.ValueString,
			ImageURL: a.ImageURL, OrgID: org,
		})
	}
	cl := p.CommonLabels
	if cl == nil {
		cl = common(p.Alerts, func(a payloadAlert) map[string]string { return a.Labels })
	}
	ca := p.CommonAnnotations
	if ca == nil {
		ca = common(p.Alerts, func(a payloadAlert) map[string]string { return a.Annotations })
	}
	if vars == nil {
		vars = map[string]string{}
	}
	return &templates.ExtendedData{
		Receiver: p.Receiver, Status: status, Alerts: alerts,
		GroupLabels: kv(p.GroupLabels), CommonLabels: kv(cl), CommonAnnotations: kv(ca),
		ExternalURL: p.ExternalURL, GroupKey: p.GroupKey, TruncatedAlerts: p.TruncatedAlerts, Vars: vars,
	}, nil
}

func run(c corpus, cs caseSpec) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	root := tt.New("").Option("missingkey=zero")
	root.Funcs(grafanaFuncs(root)).Funcs(amFuncs())
	for _, d := range c.Defaults {
		if _, err := root.New(d.Name).Parse(d.Text); err != nil {
			return "", err
		}
	}
	for i, e := range cs.Extra {
		if _, err := root.New(fmt.Sprintf("extra%d", i+1)).Parse(e); err != nil {
			return "", err
		}
	}
	main, err := root.New("template").Parse(cs.Template)
	if err != nil {
		return "", err
	}
	var data any
	switch {
	case cs.Fixture != "":
		fx, ok := c.Fixtures[cs.Fixture]
		if !ok {
			return "", fmt.Errorf("no fixture %q", cs.Fixture)
		}
		data, err = buildData(fx, cs.Vars)
		if err != nil {
			return "", err
		}
	case len(cs.JSON) > 0:
		if err := json.Unmarshal(cs.JSON, &data); err != nil {
			return "", err
		}
	}
	var b bytes.Buffer
	if cs.Exec != "" {
		err = main.ExecuteTemplate(&b, cs.Exec, data)
	} else {
		err = main.Execute(&b, data)
	}
	return b.String(), err
}

func main() {
	time.Local = time.UTC
	var c corpus
	if err := json.NewDecoder(os.Stdin).Decode(&c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var err error
	now, err = time.Parse(time.RFC3339Nano, c.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	results := []result{}
	for _, cs := range c.Cases {
		if cs.Skip {
			continue
		}
		out, err := run(c, cs)
		r := result{Name: cs.Name, Template: cs.Template}
		if err != nil {
			msg := err.Error()
			r.Error = &msg
		} else {
			r.Output = &out
		}
		results = append(results, r)
	}
	sort.SliceStable(results, func(i, j int) bool { return false })
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"go": runtime.Version(), "cases": results}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
