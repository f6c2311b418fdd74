#!/bin/bash
# gen-evidence-keys-doc.sh [--write] — the per-event evidence key list of
# docs/schema.md, made from rules/evidence_keys.h (the one table of evidence keys).
# Without --write it prints the section (between the two marker lines, included);
# with --write it replaces that section of docs/schema.md.
# tests/scripts/evidence_keys_doc.sh fails when the docs and the table disagree.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
section() {
  echo '<!-- evidence-keys:begin (generated from rules/evidence_keys.h by scripts/gen-evidence-keys-doc.sh) -->'
  echo '| event | evidence keys (U unsigned, I signed, S string, B boolean, O object or array) |'
  echo '|---|---|'
  sed -nE 's/^[[:space:]]*X\(([a-z_0-9]+), ([a-z_0-9]+), ([UISBO])\).*/\1 \2 \3/p' "$src/rules/evidence_keys.h" |
    awk '{ if ($1 != ev) { if (ev != "") print line " |"; ev = $1; line = "| `" ev "` | "; sep = "" }
           line = line sep "`" $2 "` " $3; sep = ", " }
         END { if (ev != "") print line " |" }'
  echo '<!-- evidence-keys:end -->'
}
if [ "${1:-}" = --write ]; then
  doc=$src/docs/schema.md tmp=$(mktemp)
  grep -q '^<!-- evidence-keys:begin' "$doc" || { echo "no evidence-keys markers in $doc" >&2; exit 1; }
  awk -v sec="$(section)" '/^<!-- evidence-keys:begin/ { print sec; skip = 1; next }
                          /^<!-- evidence-keys:end/ { skip = 0; next }
                          !skip { print }' "$doc" >"$tmp"
  mv "$tmp" "$doc"
else
  section
fi
