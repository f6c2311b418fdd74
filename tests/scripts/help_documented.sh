#!/bin/bash
# help_documented.sh — every command has a complete --help, every option any --help
# prints is documented in docs/operations.md, and the generated help sections of
# docs/operations.md and the man page are up to date with the program.
set -u
prog=${SW_PROGRAM:?}; src=${SW_SOURCE_DIR:?}
fail=0; pass=0
for c in run streams query show ingest rules events; do
  out=$("$prog" "$c" --help 2>&1); rc=$?
  if [ $rc -ne 0 ] || ! grep -q "usage: seqwatch $c" <<<"$out"; then
    echo "FAIL: seqwatch $c --help (exit $rc) does not print a usage line"; fail=$((fail+1)); continue
  fi
  for opt in $(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$out" | sort -u); do
    if grep -qF -- "$opt" "$src/docs/operations.md"; then pass=$((pass+1));
    else echo "FAIL: $c $opt is not documented in docs/operations.md"; fail=$((fail+1)); fi
  done
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/docs" "$tmp/scripts"
cp "$src/docs/operations.md" "$tmp/docs/"; cp "$src/scripts/gen-help-docs.sh" "$tmp/scripts/"
bash "$tmp/scripts/gen-help-docs.sh" "$prog" >/dev/null
for f in docs/operations.md docs/seqwatch.1; do
  if cmp -s "$tmp/$f" "$src/$f"; then pass=$((pass+1));
  else echo "FAIL: $f is out of date: run scripts/gen-help-docs.sh $prog"; fail=$((fail+1)); fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
