#!/bin/bash
# layering.sh — #includes follow the layers of docs/architecture.md: data moves
# detector/ -> rules/ -> storage/, and a layer includes nothing from a later one.
#   detector/  may include detector/, common/ and the public seqwatch.h
#   rules/     may include rules/, detector/, common/
#   storage/   may include storage/, rules/ (the event catalogue and rule
#              metadata an alert document names), common/ — nothing from detector/
#   common/    includes nothing of the project (it is neutral ground)
# src/ (engine and program) is where the layers meet and may include all of them.
# In rules/, the check helpers (ck_*, fingerprint_cmp) never include the families.
# A deliberate self-test feeds the checker a file that breaks the rule.
set -u
src=${SW_SOURCE_DIR:?}
fail=0; pass=0

allowed() {  # allowed LAYER INCLUDED-DIR
  case "$1:$2" in
    detector:detector|detector:common) return 0 ;;
    rules:rules|rules:detector|rules:common) return 0 ;;
    storage:storage|storage:rules|storage:common) return 0 ;;
    common:common) return 0 ;;
  esac
  return 1
}

check_file() {  # check_file LAYER FILE -> prints violations, returns their count
  local layer=$1 f=$2 bad=0 inc dir
  while read -r inc; do
    dir=${inc%%/*}
    [ "$dir" = "$inc" ] && continue          # no folder: a system or public header
    case "$dir" in detector|rules|storage|common|src) ;; *) continue ;; esac
    if ! allowed "$layer" "$dir"; then
      echo "FAIL: ${f#$src/} includes \"$inc\": $layer/ must not include from $dir/"
      bad=$((bad+1))
    fi
  done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$f")
  return $bad
}

for layer in detector rules storage common; do
  for f in "$src/$layer"/*.[ch]; do
    [ -e "$f" ] || continue
    if check_file "$layer" "$f"; then pass=$((pass+1)); else fail=$((fail+1)); fi
  done
done

# Inside rules/: the check helper modules (ck_*.[ch], fingerprint_cmp.[ch]) are what
# the families (check_*.c) build on; they never include the families' header, so the
# families -> helpers dependency has no way back (checks.c lists the families).
helper_ok() {  # helper_ok FILE -> 0 when it does not include rules/ck_families.h
  if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"rules/ck_families\.h"' "$1"; then
    echo "FAIL: ${1#$src/} is a check helper and includes rules/ck_families.h"
    return 1
  fi
  return 0
}
for f in "$src"/rules/ck_*.[ch] "$src"/rules/fingerprint_cmp.[ch]; do
  [ -e "$f" ] || continue
  [ "${f##*/}" = ck_families.h ] && continue
  if helper_ok "$f"; then pass=$((pass+1)); else fail=$((fail+1)); fi
done

# self-test: the checker must catch a detector file that includes storage/ and a
# storage file that includes detector/
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '#include "storage/store.h"\n' >"$tmp/a.c"
printf '#include "detector/tcp_conn.h"\n' >"$tmp/b.c"
if check_file detector "$tmp/a.c" >/dev/null; then echo "FAIL: self-test: detector -> storage not caught"; fail=$((fail+1)); else pass=$((pass+1)); fi
if check_file storage "$tmp/b.c" >/dev/null; then echo "FAIL: self-test: storage -> detector not caught"; fail=$((fail+1)); else pass=$((pass+1)); fi
printf '#include "rules/ck_families.h"\n' >"$tmp/c.c"
if helper_ok "$tmp/c.c" >/dev/null; then echo "FAIL: self-test: helper -> families not caught"; fail=$((fail+1)); else pass=$((pass+1)); fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
