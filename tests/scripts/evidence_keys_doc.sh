#!/bin/bash
# evidence_keys_doc.sh — docs/schema.md's per-event evidence key list is the one
# rules/evidence_keys.h makes (scripts/gen-evidence-keys-doc.sh); and every evidence
# key a check sets in rules/ (a literal key of ck_ev_u/i/s/b/o) has a row in the
# table. A self-test checks that a changed row is caught.
set -u
src=${SW_SOURCE_DIR:?}
fail=0
doc=$src/docs/schema.md
want=$(bash "$src/scripts/gen-evidence-keys-doc.sh")
have=$(sed -n '/^<!-- evidence-keys:begin/,/^<!-- evidence-keys:end/p' "$doc")
if [ "$want" != "$have" ]; then
  echo "FAIL: docs/schema.md's evidence key list differs from rules/evidence_keys.h" \
       "(bash scripts/gen-evidence-keys-doc.sh --write):"
  diff <(echo "$want") <(echo "$have") | head -20
  fail=$((fail+1))
fi
# every literal key of the checks is in the table
table=$(sed -nE 's/^[[:space:]]*X\([a-z_0-9]+, ([a-z_0-9]+), [UISBO]\).*/\1/p' "$src/rules/evidence_keys.h" | sort -u)
code=$(grep -hoE 'ck_ev_[uisbo]\([^,]*, *"[a-z_0-9]+"' "$src"/rules/*.c | sed -E 's/.*"([a-z_0-9]+)"$/\1/' | sort -u)
missing=$(comm -23 <(echo "$code") <(echo "$table"))
if [ -n "$missing" ]; then
  echo "FAIL: evidence keys set in rules/ without a row in rules/evidence_keys.h: $missing"
  fail=$((fail+1))
fi
n=$(echo "$code" | wc -l)
[ "$n" -gt 100 ] || { echo "FAIL: only $n literal evidence keys found in rules/ (the grep broke?)"; fail=$((fail+1)); }
# self-test: a table with one row changed must give a different list
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rules" "$tmp/scripts"
sed '0,/X(synack_bad_ack, ack, U)/s//X(synack_bad_ack, ack, S)/' "$src/rules/evidence_keys.h" >"$tmp/rules/evidence_keys.h"
cp "$src/scripts/gen-evidence-keys-doc.sh" "$tmp/scripts/"
if [ "$(bash "$tmp/scripts/gen-evidence-keys-doc.sh")" = "$want" ]; then
  echo "FAIL: self-test: a changed table row was not caught"; fail=$((fail+1))
fi
[ $fail -eq 0 ] && echo "evidence keys: docs and table agree, $n keys set in rules/ all listed"
[ $fail -eq 0 ]
