#!/usr/bin/env bash
# Regenerates golden.json with Go's own text/template. Needs Go (Debian: apt-get install golang-go).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
node --import tsx "$here/export-cases.ts"
cd "$here"
GOFLAGS=-mod=mod GOPROXY=off TZ=UTC go run . < cases.json > golden.json.tmp
mv golden.json.tmp golden.json
echo "wrote $here/golden.json"
