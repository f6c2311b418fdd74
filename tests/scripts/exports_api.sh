#!/bin/bash
# exports_api.sh — libseqwatch.so exports exactly the functions include/seqwatch.h
# declares, each declaration carries SW_API, and the program and the embedding
# example still link (they use the static library, where hidden visibility must not
# matter). The header's functions are read from the header itself (comments
# stripped by the preprocessor, typedefs skipped), not from the build's version
# script, so the two cannot agree by construction.
set -u
src=${SW_SOURCE_DIR:?}; bin=${SW_BINARY_DIR:?}
hdr=$src/include/seqwatch.h
lib=$(ls "$bin"/libseqwatch.so 2>/dev/null | head -1)
fail=0; pass=0
[ -n "$lib" ] || { echo "FAIL: no libseqwatch.so in $bin"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Declarations of the header: comments removed, one per ';', typedefs dropped.
cc -fpreprocessed -dD -E -P "$hdr" 2>/dev/null | grep -v '^#' | tr '\n' ' ' | tr ';{}' '\n\n\n' |
  grep -v 'typedef' | grep -E '\bsw_[a-z0-9_]+ *\(' >"$tmp/decls"
grep -oE '\bsw_[a-z0-9_]+ *\(' "$tmp/decls" | tr -d ' (' | sort -u >"$tmp/header"
n=$(wc -l <"$tmp/header")
if [ "$n" -ge 10 ]; then pass=$((pass+1)); else echo "FAIL: only $n functions found in $hdr"; fail=$((fail+1)); fi

while read -r d; do
  name=$(grep -oE '\bsw_[a-z0-9_]+ *\(' <<<"$d" | head -1 | tr -d ' (')
  if grep -qE '^ *SW_API ' <<<"$d"; then pass=$((pass+1));
  else echo "FAIL: $name is declared in seqwatch.h without SW_API"; fail=$((fail+1)); fi
done <"$tmp/decls"

nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$tmp/exported"
while read -r s; do
  if grep -qxF "$s" "$tmp/header"; then pass=$((pass+1));
  else echo "FAIL: $(basename "$lib") exports $s, which include/seqwatch.h does not declare"; fail=$((fail+1)); fi
done <"$tmp/exported"
while read -r s; do
  if grep -qxF "$s" "$tmp/exported"; then pass=$((pass+1));
  else echo "FAIL: $s is declared in include/seqwatch.h but not exported by $(basename "$lib")"; fail=$((fail+1)); fi
done <"$tmp/header"

for exe in seqwatch embed_example; do
  if [ -x "$bin/$exe" ]; then pass=$((pass+1)); else echo "FAIL: $bin/$exe was not built"; fail=$((fail+1)); fi
done
echo "exported: $(wc -l <"$tmp/exported") symbols, header: $n functions"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
