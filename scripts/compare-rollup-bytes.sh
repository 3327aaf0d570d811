#!/usr/bin/env bash
# Compares two stores' rollup outputs file by file (sha256 of every file under rollup/ but the manifests, which carry
# run ids and times) and exits 1 on any difference. Used to check that a change leaves the output bytes as they were:
#   node bin/telemetry-rollup.js run --store A ...   (old build)    node bin/telemetry-rollup.js run --store B ...   (new)
#   scripts/compare-rollup-bytes.sh A B
set -euo pipefail
list() { (cd "$1" && find rollup -type f ! -name '_manifest.json' -print0 | sort -z | xargs -0 sha256sum); }
old=$(list "$1")
new=$(list "$2")
if [[ "$old" == "$new" ]]; then
  echo "identical: $(wc -l <<<"$old") files under rollup/"
else
  diff <(echo "$old") <(echo "$new") || true
  echo "outputs differ" >&2
  exit 1
fi
