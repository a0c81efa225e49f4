// Package template mirrors the data types of Alertmanager's template package
// (KV, Pair, Pairs) so that type names in Go's error messages match.
package template

import (
	"sort"
	"strings"
)

type Pair struct {
	Name, Value string
}

type Pairs []Pair

func (ps Pairs) Names() []string {
	ns := make([]string, 0, len(ps))
	for _, p := range ps {
		ns = append(ns, p.Name)
	}
	return ns
}

func (ps Pairs) Values() []string {
	vs := make([]string, 0, len(ps))
	for _, p := range ps {
		vs = append(vs, p.Value)
	}
	return vs
}

func (ps Pairs) String() string {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		parts = append(parts, p.Name+"="+p.Value)
	}
	return strings.Join(parts, ", ")
}

type KV map[string]string

// SortedPairs puts "alertname" first and sorts the other names.
func (kv KV) SortedPairs() Pairs {
	keys := make([]string, 0, len(kv))
	hasName := false
	for k := range kv {
		if k == "alertname" {
			hasName = true
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if hasName {
		keys = append([]string{"alertname"}, keys...)
	}
	pairs := make(Pairs, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, Pair{k, kv[k]})
	}
	return pairs
}

func (kv KV) Remove(keys []string) KV {
	drop := map[string]bool{}
	for _, k := range keys {
		drop[k] = true
	}
	out := KV{}
	for k, v := range kv {
		if !drop[k] {
			out[k] = v
		}
	}
	return out
}

func (kv KV) Names() []string  { return kv.SortedPairs().Names() }
func (kv KV) Values() []string { return kv.SortedPairs().Values() }
func (kv KV) String() string   { return kv.SortedPairs().String() }
