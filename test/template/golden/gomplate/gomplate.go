// Package gomplate mirrors Grafana's namespaced custom-payload helpers
// (coll, data, tmpl, time), reimplemented from their documented behaviour.
package gomplate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	tt "text/template"
	"time"
)

type CollFuncs struct{}

func toString(in any) string {
	if in == nil {
		return "nil"
	}
	if s, ok := in.(string); ok {
		return s
	}
	if s, ok := in.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(in)
}

func (CollFuncs) Dict(in ...any) (map[string]any, error) {
	dict := map[string]any{}
	for i := 0; i < len(in); i += 2 {
		key := toString(in[i])
		if i+1 >= len(in) {
			dict[key] = ""
			continue
		}
		dict[key] = in[i+1]
	}
	return dict, nil
}

func (CollFuncs) Slice(args ...any) []any { return args }

func (CollFuncs) Append(v any, list any) ([]any, error) {
	if s, ok := list.([]any); ok {
		return append(append([]any{}, s...), v), nil
	}
	s := reflect.ValueOf(list)
	switch s.Kind() {
	case reflect.Slice, reflect.Array:
		ret := make([]any, s.Len())
		for i := 0; i < s.Len(); i++ {
			ret[i] = s.Index(i).Interface()
		}
		return append(ret, v), nil
	}
	return nil, fmt.Errorf("expected an array or slice, but got a %T", s)
}

type DataFuncs struct{}

// JSON decodes JSON text; integers become int and other numbers float64, as
// Grafana's YAML-based decoding does for JSON input.
func (DataFuncs) JSON(in any) (any, error) {
	s := toString(in)
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("unable to unmarshal object %s: %w", s, err)
	}
	return convertNumbers(out), nil
}

func convertNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = convertNumbers(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = convertNumbers(x[k])
		}
		return x
	}
	return v
}

func (DataFuncs) ToJSON(in any) (string, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (DataFuncs) ToJSONPretty(indent string, in any) (string, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	out := new(bytes.Buffer)
	if err := json.Indent(out, b, "", indent); err != nil {
		return "", err
	}
	return out.String(), nil
}

type TmplFuncs struct {
	Root *tt.Template
}

func render(t *tt.Template, ctx any) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, ctx); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (t *TmplFuncs) Exec(name string, tmplcontext ...any) (string, error) {
	var ctx any
	if len(tmplcontext) == 1 {
		ctx = tmplcontext[0]
	}
	tmpl := t.Root.Lookup(name)
	if tmpl == nil {
		return "", fmt.Errorf(`template "%s" not defined`, name)
	}
	return render(tmpl, ctx)
}

func (t *TmplFuncs) Inline(args ...any) (string, error) {
	if len(args) != 2 {
		return "", fmt.Errorf("wrong number of args for tpl: want 2 - got %d", len(args))
	}
	first, ok := args[0].(string)
	if !ok {
		return "", fmt.Errorf("wrong input: first arg must be string, got %T", args[0])
	}
	name, in := "<inline>", ""
	var ctx any
	if second, ok := args[1].(string); ok {
		name, in = first, second
	} else {
		in, ctx = first, args[1]
	}
	// Parse into a clone so the shared root is not changed by a render.
	root, err := t.Root.Clone()
	if err != nil {
		return "", err
	}
	tmpl, err := root.New(name).Parse(in)
	if err != nil {
		return "", err
	}
	return render(tmpl, ctx)
}

type TimeFuncs struct {
	now time.Time
}

func NewTimeFuncs(now time.Time) *TimeFuncs { return &TimeFuncs{now: now} }

func (t *TimeFuncs) Now() time.Time { return t.now }
