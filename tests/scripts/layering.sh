#!/bin/bash
# layering.sh — #includes follow the layers of docs/architecture.md: data moves
# detector/ -> rules/ -> storage/, and a layer includes nothing from a later one.
#   detector/  may include detector/, common/ and the public seqwatch.h
#   rules/     may include rules/, detector/, common/
#   storage/   may include storage/, rules/ (the event catalogue and rule
#              metadata an alert document names), common/ — nothing from detector/
#   common/    includes nothing of the project (it is neutral ground)
# src/ (engine and program) is where the layers meet and may include all of them.
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

# self-test: the checker must catch a detector file that includes storage/ and a
# storage file that includes detector/
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '#include "storage/store.h"\n' >"$tmp/a.c"
printf '#include "detector/tcp_conn.h"\n' >"$tmp/b.c"
if check_file detector "$tmp/a.c" >/dev/null; then echo "FAIL: self-test: detector -> storage not caught"; fail=$((fail+1)); else pass=$((pass+1)); fi
if check_file storage "$tmp/b.c" >/dev/null; then echo "FAIL: self-test: storage -> detector not caught"; fail=$((fail+1)); else pass=$((pass+1)); fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
