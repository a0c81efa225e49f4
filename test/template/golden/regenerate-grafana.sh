#!/usr/bin/env bash
# Regenerates grafana-golden.json: every definition of alertwire's grafana namespace,
# rendered by Go's text/template (main.go) with Grafana's own default templates parsed
# over Alertmanager's, as Grafana's alerting code loads them.
#
# Grafana's code is not installable here, so its default templates come from a file you
# give: the DefaultTemplateString of templates/default_template.go in github.com/grafana/alerting
# (the text between the backquotes), saved as a .tmpl file. Alertmanager's files come from
# Debian's prometheus-alertmanager. Only the outputs are committed.
#
#   bash test/template/golden/regenerate-grafana.sh /path/to/grafana-default.tmpl
set -euo pipefail
grafana="${1:?usage: regenerate-grafana.sh <file with the Grafana default templates>}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
corpus="$(mktemp)"
trap 'rm -f "$corpus"' EXIT
cd "$root"
node --import tsx "$here/export-grafana-cases.ts" /usr/share/prometheus/alertmanager "$(realpath "$grafana")" > "$corpus"
cd "$here"
GOFLAGS=-mod=mod GOPROXY=off TZ=UTC go run . < "$corpus" > grafana-golden.json.tmp
mv grafana-golden.json.tmp grafana-golden.json
echo "wrote $here/grafana-golden.json"
