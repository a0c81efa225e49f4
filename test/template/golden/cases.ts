// The conformance corpus. Every case is rendered by Go's text/template (see main.go,
// regenerate.sh) and the outputs and errors are committed in golden.json; the test
// (../golden.test.ts) renders each case with alertwire's engine and compares.
// Cases marked handChecked need a newer Go than the generator's (Debian's 1.19):
// their expectation was written by hand from Go's documented behaviour.

export interface GoldenCase {
  name: string;
  template: string;
  /** A payload from fixtures.json, turned into notification template data. */
  fixture?: string;
  /** Plain JSON data (decoded as Go decodes JSON into interface{}). */
  json?: unknown;
  /** Execute this defined template instead of the main text. */
  exec?: string;
  /** More template texts parsed before the main one. */
  extra?: string[];
  vars?: Record<string, string>;
  handChecked?: { go: string; output?: string; error?: string };
}

const cases: GoldenCase[] = [];

function add(name: string, template: string, opts: Omit<GoldenCase, 'name' | 'template'> = {}): void {
  cases.push({ name, template, ...opts });
}

const am = { fixture: 'am' };
const gf = { fixture: 'grafana' };
const mixed = { fixture: 'mixed' };
const resolved = { fixture: 'resolved' };
const obj = {
  json: {
    str: 'hello',
    empty: '',
    num: 42,
    float: 3.5,
    neg: -7.25,
    big: 12345678,
    huge: 1e21,
    tiny: 0.000001234,
    zero: 0,
    yes: true,
    no: false,
    nil: null,
    list: ['a', 'b', 'c'],
    nums: [3, 1, 2],
    mixedList: [1, 'two', true, null, 4.5],
    emptyList: [],
    map: { b: 2, a: 1, c: 'three' },
    emptyMap: {},
    nested: { inner: { deep: 'value', n: 1 }, list: [{ name: 'x' }, { name: 'y' }] },
    html: '<a href="x">Tom & "Jerry"</a>',
    unicode: 'héllo wörld ✓',
    spaces: '  padded \t\n',
    url: 'a b&c=d/é',
    fmt: '%d items',
  },
};

// --- text, trim markers, comments ---
add('text/plain', 'just text, no actions');
add('text/empty', '');
add('text/braces-alone', 'a { b } c }} d');
add('trim/left', 'a   {{- "b" }}');
add('trim/right', '{{ "a" -}}   b');
add('trim/both', 'x \n\t {{- "y" -}} \n z');
add('trim/newlines-only', 'line1\n{{- /* gone */ -}}\nline2');
add('trim/minus-number-not-trim', '{{-3}}');
add('trim/number-after-trim', '{{- -3 }}');
add('comment/simple', 'a{{/* a comment */}}b');
add('comment/multiline', 'a{{/* line1\nline2 */}}b');
add('comment/trimmed', 'a {{- /* c */ -}} b');
add('comment/unclosed', 'a{{/* never closed }}b');
add('comment/not-at-end', 'a{{/* c */ .x}}b');
add('text/unicode', 'grüße ✓ {{ "日本" }}');

// --- constants ---
add('const/string', '{{ "a\\tb\\n\\"q\\"" }}');
add('const/raw-string', '{{ `raw \\n string` }}');
add('const/raw-multiline', '{{ `line1\nline2` }}');
add('const/char', "{{ 'a' }}");
add('const/char-escape', "{{ '\\n' }} {{ '\\x41' }} {{ '\\u00e9' }}");
add('const/int', '{{ 42 }} {{ -7 }} {{ +3 }}');
add('const/hex-octal-binary', '{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }}');
add('const/underscores', '{{ 1_000_000 }} {{ 0x_FF }}');
add('const/float', '{{ 3.5 }} {{ 1e3 }} {{ 1.5e-7 }} {{ 2.0 }} {{ .5 }}');
add('const/float-large', '{{ 1e21 }} {{ 123456789.0 }} {{ 100000.0 }} {{ 1000000.0 }}');
add('const/hex-float', '{{ 0x1p-2 }} {{ 0x1.8p1 }}');
add('const/bool', '{{ true }} {{ false }}');
add('const/nil-command', '{{ nil }}');
add('const/int-overflow', '{{ 9223372036854775808 }}');
add('const/uint-max', '{{ 18446744073709551615 }}');
add('const/bad-number', '{{ 3k }}');
add('const/bad-string', '{{ "abc }}');
add('const/bad-escape', '{{ "\\q" }}');
add('const/bad-char', "{{ 'ab' }}");
add('const/unterminated-char', "{{ 'a }}");
add('const/unterminated-raw', '{{ `abc }}');
add('const/dot-root', '{{ . }}', { json: 'just a string' });
add('const/dot-number', '{{ . }}', { json: 12.5 });

// --- fields, maps, missing keys ---
add('field/simple', '{{ .str }} {{ .num }} {{ .float }} {{ .yes }}', obj);
add('field/nested', '{{ .nested.inner.deep }} {{ .nested.inner.n }}', obj);
add('field/missing', '[{{ .missing }}]', obj);
add('field/missing-nested', '[{{ .missing.deeper.still }}]', obj);
add('field/null', '[{{ .nil }}]', obj);
add('field/null-nested', '[{{ .nil.x }}]', obj);
add('field/on-string', '{{ .str.x }}', obj);
add('field/on-number', '{{ .num.x }}', obj);
add('field/list', '{{ .list }} {{ .nums }} {{ .mixedList }} {{ .emptyList }}', obj);
add('field/map', '{{ .map }} {{ .emptyMap }} {{ .nested }}', obj);
add('field/numbers', '{{ .big }} {{ .huge }} {{ .tiny }} {{ .zero }} {{ .neg }}', obj);
add('field/nil-data', '[{{ .x }}]');
add('field/nil-data-deep', '[{{ .x.y }}]');
add('field/dollar', '{{ $.str }} {{ $.nested.inner.deep }}', obj);
add('field/chain-paren', '{{ (.nested).inner.deep }}', obj);
add('field/map-args', '{{ .map.a 1 }}', obj);
add('field/key-with-dash-index', '{{ index . "my-key" }}', { json: { 'my-key': 'dashed' } });
add('field/unicode-key', '{{ .ключ }}', { json: { ключ: 'значение' } });
add('field/unexported-like', '{{ .Str }}', obj);
add('field/on-list', '{{ .list.x }}', obj);

// --- variables ---
add('var/declare', '{{ $x := "v" }}{{ $x }}');
add('var/assign', '{{ $x := 1 }}{{ $x = 2 }}{{ $x }}');
add('var/dollar', '{{ $ }}', { json: 'root' });
add('var/dollar-in-range', '{{ range .list }}{{ $.str }}{{ end }}', obj);
add('var/scope-if', '{{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }} {{ $x }}');
add('var/assign-in-if', '{{ $x := "outer" }}{{ if true }}{{ $x = "changed" }}{{ end }}{{ $x }}');
add('var/assign-in-range', '{{ $n := 0 }}{{ range .list }}{{ $n = . }}{{ end }}{{ $n }}', obj);
add('var/undefined', '{{ $nope }}');
add('var/undefined-assign', '{{ $nope = 1 }}');
add('var/out-of-scope', '{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}');
add('var/field-of-var', '{{ $n := .nested }}{{ $n.inner.deep }}', obj);
add('var/decl-prints-nothing', '[{{ $x := "hidden" }}]');
add('var/paren-decl', '{{ ($x := 5) }}{{ $x }}');
add('var/two-decls-outside-range', '{{ $a, $b := 1 }}');
add('var/in-template-call', '{{ define "t" }}{{ $ }}{{ end }}{{ $x := "y" }}{{ template "t" "dot" }}');

// --- pipelines ---
add('pipe/simple', '{{ "abc" | printf "%s!" }}');
add('pipe/chain', '{{ "x" | printf "%s-%s" "a" | printf "[%s]" }}');
add('pipe/paren', '{{ printf "%s %s" (printf "%d" 1) ("two") }}');
add('pipe/non-executable', '{{ "a" | "b" }}');
add('pipe/to-field-method', '{{ .str | len }}', obj);
add('pipe/decl', '{{ $v := "a" | printf "%s%s" "b" }}{{ $v }}');
add('pipe/empty-command', '{{ }}');
add('pipe/unclosed-paren', '{{ (1 }}');
add('pipe/extra-paren', '{{ 1) }}');
add('pipe/arg-to-nonfunction', '{{ .str "x" }}', obj);
add('pipe/pipe-into-dot', '{{ 1 | . }}');
add('pipe/chain-of-function', '{{ (index .nested "inner").deep }}', obj);
add('pipe/nil-chain', '{{ nil.x }}');
add('pipe/dot-after-string', '{{ "x".y }}');
add('pipe/nested-parens', '{{ ((("deep"))) }}');

// --- if / else ---
add('if/true', '{{ if true }}yes{{ end }}');
add('if/false-else', '{{ if false }}yes{{ else }}no{{ end }}');
add('if/else-if', '{{ if eq .num 1.0 }}one{{ else if eq .num 42.0 }}forty-two{{ else }}other{{ end }}', obj);
add('if/else-if-chain', '{{ if .no }}a{{ else if .zero }}b{{ else if .empty }}c{{ else if .list }}d{{ end }}', obj);
add('if/truthiness', '{{ if .str }}s{{ end }}{{ if .empty }}E{{ end }}{{ if .zero }}Z{{ end }}{{ if .num }}n{{ end }}{{ if .emptyList }}L{{ end }}{{ if .list }}l{{ end }}{{ if .emptyMap }}M{{ end }}{{ if .map }}m{{ end }}{{ if .nil }}N{{ end }}{{ if .missing }}X{{ end }}', obj);
add('if/var-scope-else', '{{ if $x := .str }}{{ $x }}{{ else }}{{ $x }}none{{ end }}', obj);
add('if/missing-end', '{{ if true }}x');
add('if/missing-cond', '{{ if }}x{{ end }}');
add('if/extra-else', '{{ if true }}a{{ else }}b{{ else }}c{{ end }}');
add('if/unexpected-end', '{{ end }}');
add('if/unexpected-else', 'a{{ else }}b');
add('if/struct-true', '{{ if .Alerts }}has{{ end }}{{ with index .Alerts 0 }}{{ if . }}struct-true{{ end }}{{ end }}', am);

// --- with ---
add('with/basic', '{{ with .nested.inner }}{{ .deep }}{{ end }}', obj);
add('with/else', '{{ with .missing }}x{{ else }}none{{ end }}', obj);
add('with/var', '{{ with $v := .str }}{{ $v }}/{{ . }}{{ end }}', obj);
add('with/empty-string', '{{ with .empty }}x{{ else }}empty{{ end }}', obj);
add('with/else-if', '{{ with .missing }}x{{ else if .str }}{{ . }}{{ end }}', obj);
add('with/else-with', '{{ with .missing }}x{{ else with .str }}{{ . }}{{ end }}', {
  ...obj,
  handChecked: { go: '1.23', output: 'hello' },
});
add('with/else-with-chain', '{{ with .missing }}a{{ else with .nil }}b{{ else with .num }}{{ . }}{{ else }}c{{ end }}', {
  ...obj,
  handChecked: { go: '1.23', output: '42' },
});
add('with/else-with-fallback', '{{ with .missing }}a{{ else with .empty }}b{{ else }}none{{ end }}', {
  ...obj,
  handChecked: { go: '1.23', output: 'none' },
});

// --- range ---
add('range/list', '{{ range .list }}[{{ . }}]{{ end }}', obj);
add('range/index-value', '{{ range $i, $v := .list }}{{ $i }}={{ $v }} {{ end }}', obj);
add('range/value-only', '{{ range $v := .list }}{{ $v }}{{ end }}', obj);
add('range/map-sorted', '{{ range $k, $v := .map }}{{ $k }}:{{ $v }} {{ end }}', obj);
add('range/map-values', '{{ range .map }}{{ . }},{{ end }}', obj);
add('range/empty-else', '{{ range .emptyList }}x{{ else }}empty{{ end }}', obj);
add('range/nil-else', '{{ range .missing }}x{{ else }}nothing{{ end }}', obj);
add('range/empty-map-else', '{{ range .emptyMap }}x{{ else }}no entries{{ end }}', obj);
add('range/nested', '{{ range .nested.list }}{{ .name }}:{{ range $.list }}{{ . }}{{ end }};{{ end }}', obj);
add('range/break', '{{ range .list }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}', obj);
add('range/continue', '{{ range .list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}', obj);
add('range/break-outside', '{{ break }}');
add('range/continue-outside', '{{ if true }}{{ continue }}{{ end }}');
add('range/break-in-else', '{{ range .list }}{{ else }}{{ break }}{{ end }}', obj);
add('range/break-in-define', '{{ range .list }}{{ end }}{{ define "x" }}{{ break }}{{ end }}', obj);
add('range/over-string', '{{ range .str }}{{ . }}{{ end }}', obj);
add('range/over-float', '{{ range .num }}{{ . }}{{ end }}', obj);
add('range/over-int-literal', '{{ range 3 }}{{ . }}{{ end }}', {
  handChecked: { go: '1.22', output: '012' },
});
add('range/over-int-var', '{{ range $i := 4 }}{{ $i }},{{ end }}', {
  handChecked: { go: '1.22', output: '0,1,2,3,' },
});
add('range/over-int-zero-else', '{{ range 0 }}x{{ else }}none{{ end }}', {
  handChecked: { go: '1.22', output: 'none' },
});
add('range/too-many-vars', '{{ range $a, $b, $c := .list }}{{ end }}', obj);
add('range/decl-not-var', '{{ range $a, 1 }}{{ end }}', obj);
add('range/mixed-list', '{{ range .mixedList }}<{{ . }}>{{ end }}', obj);
add('range/vars-restored', '{{ $x := "before" }}{{ range .list }}{{ $x := . }}{{ end }}{{ $x }}', obj);
add('range/alerts', '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}', am);
add('range/index-with-dollar', '{{ range $i, $a := .Alerts }}{{ $i }}:{{ $a.Status }} {{ end }}', am);
add('range/kv', '{{ range $k, $v := .CommonLabels }}{{ $k }}={{ $v }};{{ end }}', am);
add('range/break-nested-if-with', '{{ range .nums }}{{ with . }}{{ if gt . 2.0 }}{{ break }}{{ end }}{{ . }}{{ end }}{{ end }}', obj);

// --- define, template, block ---
add('define/basic', '{{ define "greet" }}Hello {{ . }}{{ end }}{{ template "greet" "world" }}');
add('define/no-pipeline', '{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" }}');
add('define/undefined', '{{ template "nope" }}');
add('define/exec-named', 'main text', { exec: 'named', extra: ['{{ define "named" }}named output{{ end }}'] });
add('define/exec-missing', 'main', { exec: 'missing' });
add('define/redefine-same-text', '{{ define "a" }}1{{ end }}{{ define "a" }}2{{ end }}');
add('define/redefine-across-texts', '{{ template "a" }}', { extra: ['{{ define "a" }}first{{ end }}', '{{ define "a" }}second{{ end }}'] });
add('define/empty-does-not-replace', '{{ template "a" }}', { extra: ['{{ define "a" }}kept{{ end }}', '{{ define "a" }} {{ end }}'] });
add('define/block', '{{ block "b" . }}default {{ .str }}{{ end }}', obj);
add('define/block-overridden', '{{ block "b" . }}default{{ end }}', { ...obj, extra: [] });
add('define/nested-define', '{{ define "a" }}{{ define "b" }}{{ end }}{{ end }}');
add('define/bad-name', '{{ define x }}{{ end }}');
add('define/missing-end', '{{ define "a" }}text');
add('define/recursion-list', '{{ define "walk" }}{{ range . }}({{ template "walk" .children }}){{ end }}{{ end }}{{ template "walk" .tree }}', {
  json: { tree: [{ children: [{ children: [] }, { children: [{ children: [] }] }] }] },
});
add('define/dollar-is-arg', '{{ define "t" }}{{ $.name }}{{ end }}{{ template "t" .nested.list }}', obj);
add('define/default-title', '{{ template "default.title" . }}', gf);
add('define/default-message', '{{ template "default.message" . }}', gf);
add('define/default-title-am', '{{ template "default.title" . }}', am);
add('define/default-message-am', '{{ template "default.message" . }}', am);
add('define/default-title-resolved', '{{ template "default.title" . }}', resolved);
add('define/default-message-resolved', '{{ template "default.message" . }}', resolved);
add('define/default-mixed', '{{ template "default.title" . }}\n{{ template "default.message" . }}', mixed);
add('define/default-empty', '[{{ template "default.title" . }}][{{ template "default.message" . }}]', { fixture: 'empty' });
add('define/default-computed', '{{ template "default.title" . }}|{{ template "default.message" . }}', { fixture: 'computed' });
add('define/subject', '{{ template "__subject" . }}', am);
add('define/alert-list', '{{ template "__text_alert_list" .Alerts.Resolved }}', am);
add('define/alertmanager-url', '{{ template "__alertmanager" . }} {{ template "__alertmanagerURL" . }}', am);
add('define/exec-default-title', '', { ...gf, exec: 'default.title' });

// --- and / or / not ---
add('logic/and', '{{ and 1 2 3 }} {{ and 1 0 3 }} {{ and "" "x" }}');
add('logic/or', '{{ or 0 "" "x" }} {{ or 0 false }} {{ or .missing "default" }}', obj);
add('logic/not', '{{ not true }} {{ not "" }} {{ not .list }}', obj);
add('logic/short-circuit', '{{ or true (index .list 10) }} {{ and false (index .list 10) }}', obj);
add('logic/and-pipe', '{{ "x" | and true }} {{ "" | or "y" }}');
add('logic/and-no-args', '{{ and }}');
add('logic/not-two-args', '{{ not 1 2 }}');
add('logic/or-nil', '{{ or .missing .nil }}', obj);

// --- len / index / slice ---
add('len/values', '{{ len .str }} {{ len .list }} {{ len .map }} {{ len .unicode }} {{ len .emptyList }}', obj);
add('len/int', '{{ len 3 }}');
add('len/missing', '{{ len .missing }}', obj);
add('len/alerts', '{{ len .Alerts }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }} {{ len .CommonLabels }}', am);
add('index/list', '{{ index .list 1 }} {{ index .nums 0 }}', obj);
add('index/map', '{{ index .map "a" }} [{{ index .map "zzz" }}]', obj);
add('index/nested', '{{ index .nested "inner" "deep" }} {{ index .nested.list 1 "name" }}', obj);
add('index/out-of-range', '{{ index .list 3 }}', obj);
add('index/out-of-range-far', '{{ index .list 5 }}', obj);
add('index/negative', '{{ index .list -1 }}', obj);
add('index/float-index', '{{ index .list 1.0 }}', obj);
add('index/string', '{{ index .str 1 }}', obj);
add('index/nil', '{{ index .missing 1 }}', obj);
add('index/map-int-key', '{{ index .map 1 }}', obj);
add('index/no-indexes', '{{ index .list }}', obj);
add('index/kv', '{{ index .CommonLabels "job" }} [{{ index .CommonLabels "nope" }}]', am);
add('index/alerts', '{{ (index .Alerts 2).Labels.zone }}', am);
add('index/values-map', '{{ index (index .Alerts 0).Values "B" }} {{ index (index .Alerts 0).Values "Z" }}', gf);
add('slice/list', '{{ slice .list 1 }} {{ slice .list 0 2 }} {{ slice .list }} {{ slice .list 1 1 }}', obj);
add('slice/string', '{{ slice .str 1 3 }} {{ slice .str 2 }}', obj);
add('slice/three-index', '{{ slice .list 0 1 2 }}', obj);
add('slice/string-three', '{{ slice .str 0 1 2 }}', obj);
add('slice/bad-order', '{{ slice .list 2 1 }}', obj);
add('slice/out-of-range', '{{ slice .list 0 9 }}', obj);
add('slice/map', '{{ slice .map 0 }}', obj);
add('slice/alerts', '{{ range slice .Alerts 1 }}{{ .Fingerprint }} {{ end }}', am);

// --- print / printf / println ---
add('print/basic', '{{ print "a" "b" 1 2 "c" 3.5 true }}');
add('print/nil', '{{ print .missing }} {{ print nil }}', obj);
add('print/values', '{{ print .list .map .nested }}', obj);
add('println/basic', '{{ println "a" 1 "b" }}');
add('printf/verbs-basic', '{{ printf "%s|%d|%v|%t|%q" "s" 42 .list true "q" }}', obj);
add('printf/width-precision', '{{ printf "[%5s][%-5s][%.2s][%5.1f][%-8.3f][%08.3f]" "ab" "ab" "abcdef" 3.14159 2.5 -3.14159 }}');
add('printf/ints', '{{ printf "%d %5d %-5d| %05d %+d %x %X %o %O %b %#x %#o" 42 42 42 -42 42 255 255 8 8 5 255 8 }}');
add('printf/float-verbs', '{{ printf "%e %E %f %F %g %G %.3e %.0f %.1f" 1234.5678 1234.5678 1234.5678 1234.5678 1234.5678 0.000012345 1234.5678 2.5 0.05 }}');
add('printf/float-rounding', '{{ printf "%.2f %.2f %.1f %.0f %.0f %.3g %.4g" 0.125 0.375 0.25 0.5 1.5 12345.0 12345.0 }}');
add('printf/g-shortest', '{{ printf "%v %v %v %v %v %v" 1e6 1e-5 123456.0 1234567.0 0.0001 100.0 }}', obj);
add('printf/string-verbs', '{{ printf "%q %x %X % x %#q %+q" "héllo" "hi" "hi" "hi" "back`tick" "é" }}');
add('printf/char', '{{ printf "%c %c %U %#U %q" 65 0x1F600 0x1F600 65 65 }}');
add('printf/bool', '{{ printf "%t %v %5t" true false true }}');
add('printf/percent', '{{ printf "100%%" }} {{ printf "%5.1f%%" 99.5 }}');
add('printf/missing-arg', '{{ printf "%s %s" "one" }}');
add('printf/extra-arg', '{{ printf "%s" "one" "two" 3 }}');
add('printf/bad-verb', '{{ printf "%d" "str" }} {{ printf "%s" 42 }} {{ printf "%z" 1 }}');
add('printf/no-verb', '{{ printf "end%" }}');
add('printf/nil-arg', '{{ printf "%v %s %d" .missing .missing .missing }}', obj);
add('printf/star', '{{ printf "[%*d] [%-*d] [%.*f]" 5 42 4 7 2 3.14159 }}');
add('printf/star-bad', '{{ printf "%*d" "x" 42 }}');
add('printf/index-args', '{{ printf "%[2]s %[1]s %[2]s" "a" "b" }}');
add('printf/bad-index', '{{ printf "%[3]s" "a" }}');
add('printf/type', '{{ printf "%T %T %T %T %T %T %T" "s" 1 1.5 true .list .map .missing }}', obj);
add('printf/type-data', '{{ printf "%T|%T|%T|%T|%T" .Alerts .CommonLabels (index .Alerts 0).StartsAt .Alerts.Firing .CommonLabels.SortedPairs }}', am);
add('printf/plus-v', '{{ printf "%+v" (index .CommonLabels.SortedPairs 0) }}', am);
add('printf/v-struct', '{{ printf "%v" (index .CommonLabels.SortedPairs 0) }}', am);
add('printf/list-verbs', '{{ printf "%q %s %d %x" .list .list .nums .list }}', obj);
add('printf/map-verbs', '{{ printf "%v %q" .map .emptyMap }}', obj);
add('printf/float-from-json', '{{ printf "%d" .num }} {{ printf "%.1f" .num }} {{ printf "%v" .big }}', obj);
add('printf/unicode-width', '{{ printf "[%6s][%-6s]" "é✓" "日本" }}');
add('printf/zero-pad-string', '{{ printf "%05s|%-05d|% d|%+.2e" "ab" 3 5 12345.678 }}');
add('printf/sharp-g', '{{ printf "%#g %#.3g %#v" 1.0 2.0 3.5 }}');
add('printf/nan-inf', '{{ printf "%v %5.1f %+v" .huge .huge .neg }}', obj);
add('printf/int-precision', '{{ printf "%.3d|%.0d|%8.3d|%x" 7 0 -7 -255 }}');
add('printf/duration-time', '{{ $a := index .Alerts 2 }}{{ printf "%v|%s|%d" ($a.EndsAt.Sub $a.StartsAt) ($a.EndsAt.Sub $a.StartsAt) ($a.EndsAt.Sub $a.StartsAt) }}', am);
add('printf/stringer-kv', '{{ printf "%v|%s|%q" .CommonLabels .GroupLabels .GroupLabels }}', am);
add('printf/wrong-format-type', '{{ printf 1 }}');

// --- html / js / urlquery ---
add('escape/html', '{{ html .html }} {{ .html | html }}', obj);
add('escape/html-multi', '{{ html "<" 1 ">" }} {{ html .missing }}', obj);
add('escape/js', '{{ js .html }} {{ js "it\'s \\\\ \\n = é \\u2028" }}', obj);
add('escape/urlquery', '{{ urlquery .url }} {{ urlquery "a" "b" 3 }}', obj);
add('escape/urlquery-labels', '{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ urlquery .Value }}&{{ end }}', am);

// --- comparisons ---
add('cmp/eq-strings', '{{ eq "a" "a" }} {{ eq "a" "b" }} {{ eq .str "hello" }}', obj);
add('cmp/eq-multi', '{{ eq .str "x" "y" "hello" }} {{ eq 1 2 3 }}', obj);
add('cmp/eq-int-float', '{{ eq 1 1.0 }}');
add('cmp/eq-json-number', '{{ eq .num 42 }}', obj);
add('cmp/eq-json-number-float', '{{ eq .num 42.0 }} {{ eq .float 3.5 }}', obj);
add('cmp/eq-missing', '{{ eq .missing "x" }} {{ eq .missing .nil }}', obj);
add('cmp/eq-bool', '{{ eq true true }} {{ eq .yes false }}', obj);
add('cmp/eq-no-args', '{{ eq 1 }}');
add('cmp/eq-lists', '{{ eq .list .list }}', obj);
add('cmp/eq-list-string', '{{ eq .list "a" }}', obj);
add('cmp/eq-struct', '{{ $p := index .CommonLabels.SortedPairs 0 }}{{ eq $p $p }}', am);
add('cmp/ne', '{{ ne 1 2 }} {{ ne "a" "a" }} {{ ne .str "x" }}', obj);
add('cmp/lt-le-gt-ge', '{{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }} {{ lt "a" "b" }} {{ gt "é" "z" }} {{ lt 1.5 2.5 }}');
add('cmp/lt-mixed', '{{ lt 1 2.5 }}');
add('cmp/lt-bool', '{{ lt true false }}');
add('cmp/lt-nil', '{{ lt .missing 1 }}', obj);
add('cmp/gt-len', '{{ gt (len .Alerts.Firing) 0 }} {{ gt (len .Alerts.Resolved) 1 }}', am);
add('cmp/gt-json-float', '{{ gt .num 40.0 }} {{ lt .neg 0.0 }}', obj);
add('cmp/eq-status', '{{ range .Alerts }}{{ if eq .Status "firing" }}F{{ else }}R{{ end }}{{ end }}', am);
add('cmp/eq-kv-value', '{{ eq .CommonLabels.job "node" }} {{ eq .CommonLabels.missing "" }}', am);
add('cmp/ge-time', '{{ $a := index .Alerts 0 }}{{ ge $a.StartsAt $a.EndsAt }}', am);
add('cmp/call-nonfunc', '{{ call .str }}', obj);
add('cmp/call-nil', '{{ call .missing }}', obj);

// --- functions: errors of arity and types ---
add('fn/undefined', '{{ nosuchfunc 1 }}');
add('fn/wrong-arity', '{{ toUpper "a" "b" }}');
add('fn/wrong-arity-variadic', '{{ printf }}');
add('fn/wrong-type-literal', '{{ toUpper 1 }}');
add('fn/wrong-type-value', '{{ toUpper .num }}', obj);
add('fn/nil-to-string', '{{ toUpper .missing }}', obj);
add('fn/nil-literal-to-string', '{{ toUpper nil }}');
add('fn/pipe-final-type', '{{ 1 | toUpper }}');
add('fn/bool-param', '{{ join true .list }}', obj);
add('fn/function-as-field', '{{ .toUpper }}');

// --- Alertmanager functions ---
add('am/toUpper-toLower', '{{ toUpper "MiXed ß é" }} {{ toLower "MiXed ÉÀ" }} {{ .Status | toUpper }}', am);
add('am/trimSpace', '[{{ trimSpace .spaces }}] [{{ trimSpace "\\u00a0 x \\u3000" }}]', obj);
add('am/join', '{{ join ", " .CommonLabels.Values }} {{ join "-" (stringSlice "a" "b") }} [{{ join "," (stringSlice) }}]', am);
add('am/join-pipe', '{{ .GroupLabels.Names | join "," }}', am);
add('am/join-wrong-type', '{{ join "," .list }}', obj);
add('am/match', '{{ match "^web-" "web-1" }} {{ match "db" "web-1" }} {{ match "(?i)CPU" "high cpu" }} {{ match "b+" "abbbc" }}');
add('am/match-bad', '{{ match "(" "x" }}');
add('am/match-label', '{{ range .Alerts }}{{ if match "^web-[0-9]+" .Labels.instance }}{{ .Labels.instance }} {{ end }}{{ end }}', am);
add('am/reReplaceAll', '{{ reReplaceAll ":[0-9]+$" "" "web-1:9100" }} {{ reReplaceAll "(a)(b)" "$2$1" "abab" }} {{ reReplaceAll "(?P<x>\\\\w+)@" "${x} at " "me@host" }}');
add('am/reReplaceAll-expand-edge', '{{ reReplaceAll "(b)" "$1x|${1}x|$$|$" "abc" }} {{ reReplaceAll "a*" "-" "baaac" }} {{ reReplaceAll "" "." "ab" }}');
add('am/reReplaceAll-bad', '{{ reReplaceAll "[" "" "x" }}');
add('am/reReplaceAll-pipe', '{{ .CommonLabels.job | reReplaceAll "o" "0" }}', am);
add('am/safeHtml-safeUrl', '{{ safeHtml "<b>x</b>" }} {{ safeUrl "http://x/?a=b&c" }}');
add('am/urlUnescape', '{{ urlUnescape "a%20b+c%3D%C3%A9" }}');
add('am/urlUnescape-bad', '{{ urlUnescape "%zz" }}');
add('am/stringSlice', '{{ stringSlice "a" "b" "c" }} {{ len (stringSlice) }} {{ printf "%q" (stringSlice "x") }}');
add('am/date', '{{ range .Alerts }}{{ date "2006-01-02 15:04:05 MST" .StartsAt }}|{{ end }}', am);
add('am/date-layouts', '{{ $t := (index .Alerts 1).StartsAt }}{{ date "Mon Jan _2 3:04:05.000 PM -07:00" $t }}|{{ date "January 2, 2006 (Monday) 002 __2" $t }}|{{ date "06/1/2 15h04m05s .999999999 ,000000" $t }}|{{ date "Z07:00 Z0700 -07 -070000 pm" $t }}', am);
add('am/date-wrong-type', '{{ date "2006" "2024-01-01" }}');
add('am/tz', '{{ $t := (index .Alerts 0).StartsAt }}{{ (tz "Europe/Berlin" $t).Format "2006-01-02 15:04 MST -0700" }}|{{ tz "America/New_York" $t }}|{{ tz "Asia/Kolkata" $t | date "15:04 MST" }}|{{ tz "UTC" $t }}', am);
add('am/tz-summer', '{{ $t := (index .Alerts 0).StartsAt }}{{ (($t.Add 15552000000000000) | tz "Europe/London").Format "2006-01-02 15:04 MST" }} {{ ($t | tz "Australia/Sydney").Format "15:04 MST" }} {{ ($t | tz "America/Sao_Paulo").Format "15:04 MST" }}', am);
add('am/tz-bad', '{{ tz "Mars/Olympus" (index .Alerts 0).StartsAt }}', am);
add('am/since', '{{ range .Alerts }}{{ since .StartsAt }} | {{ end }}', am);
add('am/since-humanize', '{{ range .Alerts }}{{ since .StartsAt | humanizeDuration }} | {{ end }}', am);
add('am/humanizeDuration', '{{ humanizeDuration 0 }} {{ humanizeDuration 0.5 }} {{ humanizeDuration 1 }} {{ humanizeDuration 59.9 }} {{ humanizeDuration 3661 }} {{ humanizeDuration 90061.5 }} {{ humanizeDuration -125 }} {{ humanizeDuration 0.00012 }} {{ humanizeDuration "42" }}');
add('am/humanizeDuration-bad', '{{ humanizeDuration "abc" }}');
add('am/humanizeDuration-bool', '{{ humanizeDuration true }}');
add('am/toJson', '{{ toJson .map }} {{ toJson .list }} {{ toJson .html }} {{ toJson .tiny }} {{ toJson .huge }} {{ toJson .missing }}', obj);
add('am/toJson-data', '{{ toJson .CommonLabels }} {{ toJson (index .Alerts 1) }}', am);
add('am/toJson-grafana-alert', '{{ toJson (index .Alerts 0) }}', gf);
add('am/list-append', '{{ $l := list "a" 1 true }}{{ $l }} {{ append $l "x" 2.5 }} {{ list }} {{ len (list 1 2) }}');
add('am/append-nil', '{{ append nil "a" }}');
add('am/append-wrong-type', '{{ append (stringSlice "a") "b" }}');
add('am/dict', '{{ $d := dict "b" 2 "a" "one" }}{{ $d }} {{ $d.a }} {{ index $d "b" }} {{ toJson $d }}');
add('am/dict-odd', '{{ dict "a" }}');
add('am/dict-key-type', '{{ dict 1 2 }}');
add('am/json-roundtrip-list', '{{ toJson (list .CommonLabels.alertname (len .Alerts)) }}', am);

// --- Grafana functions ---
add('gf/humanize', '{{ humanize 0 }} {{ humanize 1234567.0 }} {{ humanize 1000 }} {{ humanize 0.001234 }} {{ humanize -2500 }} {{ humanize "12e9" }} {{ humanize 999.99 }}');
add('gf/humanize1024', '{{ humanize1024 1048576.0 }} {{ humanize1024 1 }} {{ humanize1024 1023 }} {{ humanize1024 1536 }} {{ humanize1024 -2048 }}');
add('gf/humanizePercentage', '{{ humanizePercentage 0.1234567 }} {{ humanizePercentage 1 }} {{ humanizePercentage 0 }} {{ humanizePercentage "0.5" }}');
add('gf/humanizeTimestamp', '{{ humanizeTimestamp 1705314600 }} {{ humanizeTimestamp 1705314600.1239 }}');
add('gf/toTime', '{{ toTime 1705314600 }} {{ (toTime 1705314600).Format "2006-01-02" }} {{ date "15:04" (toTime 1705314600) }}');
add('gf/toTime-bad', '{{ toTime "x" }}');
add('gf/values', '{{ range .Alerts }}{{ .Values.B }} {{ .Values.C }} {{ .Values.Z }} | {{ end }}', gf);
add('gf/values-humanize', '{{ range .Alerts }}{{ humanize .Values.B }} {{ end }}', gf);
add('gf/values-range', '{{ range $k, $v := (index .Alerts 0).Values }}{{ $k }}={{ $v }};{{ end }}', gf);
add('gf/values-nil', '{{ $a := index .Alerts 1 }}[{{ $a.Values }}] {{ len $a.Values }} {{ toJson $a.Values }}', mixed);
add('gf/valueString', '{{ range .Alerts }}{{ .ValueString }}|{{ end }}', gf);
add('gf/urls', '{{ range .Alerts }}{{ .SilenceURL }} {{ .DashboardURL }} {{ .PanelURL }}|{{ end }}', mixed);
add('gf/orgid', '{{ range .Alerts }}{{ .OrgID }} {{ end }}', gf);
add('gf/orgid-missing', '[{{ (index .Alerts 0).OrgID }}] {{ if (index .Alerts 0).OrgID }}set{{ else }}unset{{ end }}', am);
add('gf/truncated', '{{ .TruncatedAlerts }} {{ .GroupKey }}', gf);
add('gf/vars', '{{ .Vars.environment }}-{{ .Vars.custom_field }}-[{{ .Vars.missing }}]', { ...gf, vars: { environment: 'prod', custom_field: 'cf' } });
add('gf/vars-empty', '[{{ .Vars.x }}] {{ len .Vars }}', gf);
add('gf/coll-dict', '{{ $d := coll.Dict "name" .CommonLabels.team "count" (len .Alerts) }}{{ $d.name }} {{ $d.count }} {{ data.ToJSON $d }}', gf);
add('gf/coll-dict-odd', '{{ coll.Dict "a" 1 "b" }}');
add('gf/coll-dict-nonstring-key', '{{ coll.Dict 1 "one" nil "n" }}');
add('gf/coll-slice-append', '{{ $s := coll.Slice "a" "b" }}{{ $s }} {{ coll.Append "c" $s }} {{ coll.Append 1 (stringSlice "x") }}');
add('gf/coll-append-bad', '{{ coll.Append 1 "notalist" }}');
add('gf/data-json', '{{ $o := data.JSON `{"a": 1, "b": [true, "x"], "c": {"d": 2.5}}` }}{{ $o.a }} {{ index $o.b 1 }} {{ $o.c.d }} {{ printf "%T %T" $o.a $o.c.d }}');
add('gf/data-tojson-pretty', '{{ data.ToJSONPretty "  " (coll.Dict "b" (coll.Slice 1 2) "a" "x") }}');
add('gf/data-tojson-empty', '{{ data.ToJSONPretty "\\t" (coll.Dict) }} {{ data.ToJSON (coll.Slice) }}');
add('gf/tmpl-exec', '{{ define "inner" }}[{{ . }}]{{ end }}{{ tmpl.Exec "inner" "arg" }} {{ tmpl.Exec "inner" }}');
add('gf/tmpl-exec-missing', '{{ tmpl.Exec "nope" }}');
add('gf/tmpl-exec-json', '{{ define "title" }}{{ .CommonLabels.team }} alert{{ end }}{{ data.ToJSON (coll.Dict "title" (tmpl.Exec "title" .)) }}', gf);
add('gf/tmpl-inline', '{{ tmpl.Inline "{{ . }}!" "hey" }} {{ tmpl.Inline "n" "named {{ 1 }}" }}');
add('gf/tmpl-inline-bad-args', '{{ tmpl.Inline "a" }}');
add('gf/tmpl-inline-parse-error', '{{ tmpl.Inline "{{ if }}" "x" }}');
add('gf/time-now', '{{ time.Now }} {{ (time.Now).Format "2006" }} {{ time.Now.Year }}');
add('gf/namespace-unknown-method', '{{ coll.Nope }}');
add('gf/custom-payload', `{
  "alert_name": "{{ .CommonLabels.alertname }}",
  "status": "{{ .Status }}",
  "environment": "{{ .Vars.environment }}",
  "custom_field": "{{ .Vars.custom_field }}"
}`, { ...mixed, vars: { environment: 'staging', custom_field: 'abc' } });
add('gf/custom-payload-json-funcs', `{{ $alerts := coll.Slice }}
{{- range .Alerts }}{{ $alerts = coll.Append (coll.Dict "status" .Status "labels" .Labels "summary" .Annotations.summary "startsAt" .StartsAt "values" .Values) $alerts }}{{ end }}
{{- data.ToJSONPretty "  " (coll.Dict "receiver" .Receiver "alerts" $alerts "count" (len .Alerts) "truncated" .TruncatedAlerts) }}`, mixed);

// --- data model ---
add('data/kv-sortedpairs', '{{ range (index .Alerts 2).Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}', am);
add('data/kv-names-values', '{{ (index .Alerts 0).Labels.Names }} {{ (index .Alerts 0).Labels.Values }}', am);
add('data/kv-remove', '{{ (index .Alerts 0).Labels.Remove (stringSlice "job" "severity") }}', am);
add('data/kv-remove-names', '{{ .CommonLabels.Remove .GroupLabels.Names }}', am);
add('data/kv-string', '{{ .CommonLabels }} {{ .CommonLabels.String }} [{{ .CommonAnnotations }}]', am);
add('data/kv-missing-label', '[{{ .CommonLabels.nope }}] {{ printf "%q" .CommonLabels.nope }}', am);
add('data/kv-remove-wrong-type', '{{ .CommonLabels.Remove "job" }}', am);
add('data/kv-method-args', '{{ .CommonLabels.Names "x" }}', am);
add('data/pairs-methods', '{{ .CommonLabels.SortedPairs.Names }} {{ .CommonLabels.SortedPairs.Values }} {{ .CommonLabels.SortedPairs }}', am);
add('data/pair-fields', '{{ with index .CommonLabels.SortedPairs 1 }}{{ .Name }}/{{ .Value }}/{{ . }}{{ end }}', am);
add('data/pair-missing-field', '{{ with index .CommonLabels.SortedPairs 0 }}{{ .Nope }}{{ end }}', am);
add('data/alerts-firing-resolved', '{{ range .Alerts.Firing }}{{ .Fingerprint }} {{ end }}| {{ range .Alerts.Resolved }}{{ .Fingerprint }}{{ end }}', am);
add('data/firing-not-alerts', '{{ .Alerts.Firing.Firing }}', am);
add('data/alert-fields', '{{ with index .Alerts 0 }}{{ .Status }}|{{ .GeneratorURL }}|{{ .Fingerprint }}|[{{ .SilenceURL }}]{{ end }}', am);
add('data/alert-missing-field', '{{ (index .Alerts 0).Nope }}', am);
add('data/root-missing-field', '{{ .Nope }}', am);
add('data/root-fields', '{{ .Receiver }}|{{ .Status }}|{{ .ExternalURL }}|{{ .GroupKey }}', am);
add('data/times', '{{ range .Alerts }}{{ .StartsAt }} / {{ .EndsAt }}\n{{ end }}', am);
add('data/time-format', '{{ range .Alerts }}{{ .StartsAt.Format "2006-01-02 15:04:05" }} {{ .StartsAt.Format "Jan 2 15:04:05.000" }} {{ .EndsAt.Format "2006-01-02T15:04:05Z07:00" }}\n{{ end }}', am);
add('data/time-methods', '{{ with (index .Alerts 1).StartsAt }}{{ .Unix }} {{ .UnixMilli }} {{ .Year }} {{ .Month }} {{ .Day }} {{ .Hour }} {{ .Minute }} {{ .Second }} {{ .Nanosecond }} {{ .Weekday }} {{ .YearDay }} {{ .UTC }} {{ .IsZero }}{{ end }}', am);
add('data/time-zero', '{{ with (index .Alerts 0).EndsAt }}{{ .IsZero }} {{ .Unix }} {{ .Format "Mon 2006-01-02" }}{{ end }}', am);
add('data/time-sub-add', '{{ $a := index .Alerts 2 }}{{ $a.EndsAt.Sub $a.StartsAt }} {{ ($a.EndsAt.Sub $a.StartsAt).Minutes }} {{ ($a.EndsAt.Sub $a.StartsAt).Seconds }} {{ $a.StartsAt.Add 90000000000 }} {{ $a.StartsAt.Before $a.EndsAt }} {{ $a.StartsAt.After $a.EndsAt }} {{ $a.StartsAt.Equal $a.StartsAt }}', am);
add('data/duration-string', '{{ $t := (index .Alerts 0).StartsAt }}{{ range (list 1 999 1000 1500000 1000000000 61500000000 3600000000000 90061000000000) }}{{ ($t.Add .).Sub $t }} {{ end }}', am);
add('data/duration-float-arg', '{{ (index .Alerts 0).StartsAt.Add 1.5 }}', am);
add('data/time-truncate', '{{ ((index .Alerts 1).StartsAt.Truncate 3600000000000).UTC }}', am);
add('data/time-month-compare', '{{ $m := (index .Alerts 0).StartsAt.Month }}{{ eq $m.String "January" }} {{ printf "%d %v" $m $m }}', am);
add('data/computed-common', '{{ .CommonLabels }} | {{ .CommonAnnotations }} | {{ .Status }}', { fixture: 'computed' });
add('data/empty-alerts', '{{ len .Alerts }} {{ range .Alerts }}x{{ else }}none{{ end }} {{ .Alerts.Firing }}', { fixture: 'empty' });
add('data/print-alert', '{{ index .Alerts.Resolved 0 }}', resolved);
add('data/print-firing', '{{ .Alerts.Resolved }}', resolved);
add('data/groupkey-escape', '{{ .GroupKey | js }} {{ .GroupKey | html }}', am);
add('data/dot-is-pointer', '{{ printf "%T" . }} {{ .Receiver }}', am);
add('data/annotations-html', '{{ (index .Alerts 0).Annotations.description }} | {{ html (index .Alerts 0).Annotations.description }}', am);

// --- real-world templates ---
add('real/alertmanager-default-title', `{{ define "__subject" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.SortedPairs.Values | join " " }} {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}{{ end }}{{ template "__subject" . }}`, am);
add('real/alertmanager-text-list', `{{ define "__text_alert_list_am" }}{{ range . }}Labels:
{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Annotations:
{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Source: {{ .GeneratorURL }}
{{ end }}{{ end }}{{ if gt (len .Alerts.Firing) 0 }}Alerts Firing:
{{ template "__text_alert_list_am" .Alerts.Firing }}{{ end }}{{ if gt (len .Alerts.Resolved) 0 }}Alerts Resolved:
{{ template "__text_alert_list_am" .Alerts.Resolved }}{{ end }}`, am);
add('real/slack', `{{ define "slack.title" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}
{{- end }}
{{ define "slack.text" -}}
{{ range .Alerts -}}
*Alert:* {{ .Annotations.summary }}{{ if .Labels.severity }} - \`{{ .Labels.severity }}\`{{ end }}
*Description:* {{ .Annotations.description }}
*Details:*
  {{ range .Labels.SortedPairs }} • *{{ .Name }}:* \`{{ .Value }}\`
  {{ end }}
{{ end }}
{{- end }}
{{- template "slack.title" . }}
{{ template "slack.text" . }}`, am);
add('real/slack-json-payload', `{"channel":"#alerts","username":"alertwire","text":{{ printf "%s: %s" (.Status | toUpper) .CommonLabels.alertname | toJson }},"attachments":[{{ range $i, $a := .Alerts }}{{ if $i }},{{ end }}{"color":"{{ if eq $a.Status "firing" }}danger{{ else }}good{{ end }}","title":{{ $a.Annotations.summary | toJson }},"ts":{{ $a.StartsAt.Unix }}}{{ end }}]}`, am);
add('real/teams', `{
  "@type": "MessageCard",
  "@context": "http://schema.org/extensions",
  "themeColor": "{{ if eq .Status "resolved" }}2DC72D{{ else if eq .CommonLabels.severity "critical" }}8C1A1A{{ else }}FFA500{{ end }}",
  "summary": "{{ .CommonAnnotations.summary }}",
  "title": "Prometheus Alert ({{ .Status }})",
  "sections": [ {{ $externalUrl := .ExternalURL }}
  {{- range $index, $alert := .Alerts }}{{- if $index }},{{- end }}
    {
      "activityTitle": "[{{ $alert.Annotations.description | js }}]({{ $externalUrl }})",
      "facts": [
        {{- range $i, $p := $alert.Labels.SortedPairs }}{{ if $i }},{{ end }}
        { "name": "{{ $p.Name }}", "value": "{{ $p.Value }}" }
        {{- end }}
      ],
      "markdown": true
    }
  {{- end }}
  ]
}`, am);
add('real/discord', `{{ define "discord.title" }}{{ if eq .Status "firing" }}🔥{{ else }}✅{{ end }} {{ .CommonLabels.alertname }} ({{ len .Alerts }}){{ end -}}
{{ template "discord.title" . }}
{{ range .Alerts -}}
**{{ .Labels.instance }}** — {{ .Annotations.summary }}
Started: <t:{{ .StartsAt.Unix }}:R>{{ if not .EndsAt.IsZero }}, ended <t:{{ .EndsAt.Unix }}:R>{{ end }}
{{ end -}}`, am);
add('real/pagerduty', `{{ define "pagerduty.default.description" }}{{ template "__subject" . }}{{ end -}}
{
  "routing_key": "{{ .Vars.routing_key }}",
  "event_action": "{{ if eq .Status "firing" }}trigger{{ else }}resolve{{ end }}",
  "dedup_key": {{ .GroupKey | toJson }},
  "payload": {
    "summary": {{ template "pagerduty.default.description" . | toJson }},
    "source": "{{ .CommonLabels.grafana_folder }}",
    "severity": "{{ if .CommonLabels.severity }}{{ .CommonLabels.severity | toLower }}{{ else }}critical{{ end }}",
    "custom_details": {
      "firing": {{ template "__text_alert_list" .Alerts.Firing | toJson }},
      "num_firing": {{ .Alerts.Firing | len }},
      "num_resolved": {{ .Alerts.Resolved | len }}
    }
  }
}`, { ...mixed, vars: { routing_key: 'R0UTING' } });
add('real/opsgenie-tags', '{{ $tags := list }}{{ range .CommonLabels.SortedPairs }}{{ $tags = append $tags (printf "%s:%s" .Name .Value) }}{{ end }}{{ join "," (stringSlice) }}{{ toJson $tags }}', am);
add('real/email-subject', '{{ define "email.subject" }}[{{ .Status | toUpper }}] {{ .GroupLabels.alertname }} - {{ len .Alerts }} alerts{{ end }}{{ template "email.subject" . }}', am);
add('real/grafana-custom-message', `{{ define "custom.message" }}{{ range .Alerts }}{{ if eq .Status "firing" }}🔴{{ else }}🟢{{ end }} {{ .Labels.alertname }} on {{ .Labels.host }}
{{ with .Annotations.summary }}Summary: {{ . }}
{{ end }}{{ if .ValueString }}Values: {{ .ValueString }}
{{ end }}{{ if .DashboardURL }}Dashboard: {{ .DashboardURL }}
{{ end }}Started: {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}{{ if eq .Status "resolved" }} Ended: {{ .EndsAt.Format "15:04:05" }}{{ end }}
{{ end }}{{ end }}{{ template "custom.message" . }}`, mixed);
add('real/grafana-values-list', `{{ range .Alerts }}{{ if len .Values }}{{ $first := true }}{{ range $refID, $value := .Values -}}
{{ if $first }}{{ $first = false }}{{ else }}, {{ end }}{{ $refID }}={{ $value }}{{ end -}}
{{ else }}[no value]{{ end }}
{{ end }}`, mixed);
add('real/kubesphere-like', `{{ range .Alerts }}[{{ .Status }}] {{ index .Labels "alertname" }}{{ with .Labels.severity }} severity={{ . }}{{ end }}
{{ range $k, $v := .Annotations }}  {{ $k }}: {{ $v }}
{{ end }}{{ end }}`, am);
add('real/rancher-like', `{{- define "rancher.text_single" -}}
{{- if .Labels.alertname }}
*[ALERT - {{ .Labels.alertname }}]*
{{- else }}
*[ALERT]*
{{- end }}
{{- if .Labels.severity }}
*Severity:* \`{{ .Labels.severity }}\`
{{- end }}
{{- with .Labels }}
{{- with .Remove (stringSlice "alertname" "severity" "cluster") }}
{{- if gt (len .) 0 }}
*Additional Labels:*
  {{- range .SortedPairs }}
  • *{{ .Name }}:* \`{{ .Value }}\`
  {{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
{{- range .Alerts }}{{ template "rancher.text_single" . }}
{{ end }}`, am);
add('real/generic-webhook-json', '{{ toJson (dict "status" .Status "count" (len .Alerts) "labels" .CommonLabels "first" (index .Alerts 0).StartsAt) }}', am);
add('real/url-template', '{{ .ExternalURL }}/#/alerts?receiver={{ urlquery .Receiver }}&filter={{ urlquery (printf "{alertname=%q}" .CommonLabels.alertname) }}', am);
add('real/action-body', '{"service":"{{ reReplaceAll ":[0-9]+$" "" (index .Alerts 0).Labels.instance }}","replicas":{{ if eq .Status "firing" }}3{{ else }}1{{ end }}}', am);

// --- parse errors ---
add('perr/unclosed-action', '{{ .x');
add('perr/unclosed-action-multiline', 'line1\n{{ if .x\n}}');
add('perr/unexpected-rbrace', '{{ .x }} {{ } }}');
add('perr/bad-character', '{{ .x# }}');
add('perr/unrecognized-char', '{{ .x ^ }}');
add('perr/unrecognized-unicode', '{{ .x € }}');
add('perr/missing-value-for-if', '{{ if }}{{ end }}');
add('perr/missing-value-range', '{{ range }}{{ end }}');
add('perr/unexpected-eof-in-range', '{{ range .x }}');
add('perr/unexpected-end-after-define', '{{ define "a" }}{{ end }}{{ end }}');
add('perr/else-in-define', '{{ define "a" }}{{ else }}{{ end }}');
add('perr/else-outside', '{{ else }}');
add('perr/expected-end', '{{ range .x }}a{{ else }}b{{ else }}c{{ end }}');
add('perr/expected-colon-equals', '{{ $x : 1 }}');
add('perr/assign-no-decl', '{{ $x = 1 }}');
add('perr/too-many-decls', '{{ $a, $b := 1 }}{{ end }}');
add('perr/template-no-name', '{{ template }}');
add('perr/template-var-name', '{{ template .x }}');
add('perr/define-no-end', '{{ define "x" }}abc');
add('perr/define-twice', '{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}');
add('perr/block-no-end', '{{ block "x" . }}abc');
add('perr/block-else', '{{ block "x" . }}a{{ else }}b{{ end }}');
add('perr/unclosed-paren', '{{ (.x }}');
add('perr/unexpected-right-paren', '{{ .x) }}');
add('perr/unclosed-paren-multiline', '{{ (.x\n\n}}');
add('perr/unknown-function', '{{ foo .x }}');
add('perr/unknown-function-in-pipe', '{{ .x | bar }}');
add('perr/nil-after-dot', '{{ nil.x }}');
add('perr/pipe-to-constant', '{{ .x | 3 }}');
add('perr/empty-pipeline-stage', '{{ .x | }}');
add('perr/unterminated-quoted', '{{ "abc\n" }}');
add('perr/comment-unclosed-line', 'a\nb\n{{/* c');
add('perr/break-with-arg', '{{ range . }}{{ break 1 }}{{ end }}');
add('perr/line-number', 'line 1\nline 2\n  {{ if .x }}\n{{ .y ) }}\n{{ end }}');
add('perr/error-in-else-if', '{{ if .a }}{{ else if }}{{ end }}');
add('perr/with-else-if', '{{ with .a }}{{ else if .b }}{{ end }}');
add('perr/else-with-in-if', '{{ if .a }}{{ else with .b }}{{ end }}', {
  handChecked: { go: '1.23', error: 'template: template:1: unexpected <with> in input' },
});
add('perr/range-bad-decl', '{{ range $i, $x, $y := . }}{{ end }}');
add('perr/bad-number-hex', '{{ 0xZZ }}');
add('perr/dot-field-space', '{{ . x }}');
add('perr/number-dot', '{{ 3.x }}');
add('perr/unicode-column', 'héllo {{ .é } }}');

// --- execution errors ---
add('xerr/nil-pointer-field', '{{ (index .Alerts 0).OrgID.Foo }}', am);
add('xerr/wrong-type-method-arg', '{{ (index .Alerts 0).StartsAt.Format 1 }}', am);
add('xerr/method-arity', '{{ (index .Alerts 0).StartsAt.Format }}', am);
add('xerr/field-has-args', '{{ .Receiver "x" }}', am);
add('xerr/can-not-print-func', '{{ .str | printf "%s" | printf "%s" }}', obj);
add('xerr/error-in-template', '{{ define "t" }}{{ index . 5 }}{{ end }}{{ template "t" .list }}', obj);
add('xerr/error-in-default-template', '{{ template "default.title" . }}', obj);
add('xerr/error-location-multiline', 'ok\n  {{ index .list 9 }}', obj);
add('xerr/error-in-range', '{{ range .nested.list }}{{ .name.x }}{{ end }}', obj);
add('xerr/unicode-column', 'é✓ {{ index .list 9 }}', obj);
add('xerr/nested-call', '{{ printf "%s" (index .list 9) }}', obj);
add('xerr/not-a-method', '{{ .str.ToUpper }}', obj);
add('xerr/int-overflow-const', '{{ printf "%v" 18446744073709551615 }}');
add('xerr/with-error', '{{ with index .list 7 }}{{ end }}', obj);
add('xerr/range-error', '{{ range index .list 7 }}{{ end }}', obj);
add('xerr/dict-error-in-pipe', '{{ dict "a" | toJson }}');
add('xerr/missingkey-ok', '{{ .a.b.c }}|{{ index .nested "missing" }}|', obj);
add('xerr/tz-pipe-error', '{{ (index .Alerts 0).StartsAt | tz "Nowhere/Land" | date "15:04" }}', am);
add('xerr/call-with-args', '{{ call 1 2 }}');
add('xerr/exec-missing-template', '{{ template "default.nothing" . }}', am);

export default cases;
