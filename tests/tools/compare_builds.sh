#!/bin/bash
# compare_builds.sh OLD NEW [options] — run two seqwatch programs over the same
# captures and show where their reports differ: the alert documents (every field, one
# sorted JSON line each) and the summary counters. It is the check that a refactor or
# a speed-up changed no behaviour, and the review list of a change that meant to.
#
# Captures: the bundled traces (tests/traces), every public capture under
# $SW_SHARED_DIR/pcaps (default ../shared/pcaps beside the repository), and every
# capture under each --corpus DIR (e.g. a kept e2e lab run: tests/e2e/run_e2e.sh
# --keep DIR). tests/expect/<capture>.args adds options for one capture.
#
# Options:
#   --corpus DIR        also compare the captures under DIR (repeatable)
#   --alerts-only       do not compare the summaries
#   --drop KEY[,KEY]    remove these top-level alert keys before comparing (fields a
#                       change added on purpose, e.g. --drop host,pcap_cnt)
#   --drop-summary K    remove these summary keys (dotted paths, comma-separated)
#   --args "OPTS"       extra options for both programs' runs
#   --old-args "OPTS"   extra options for OLD only;  --new-args "OPTS" for NEW only
#   --keep DIR          keep the outputs in DIR
#   -v                  print the whole diff of each differing capture (default: 20 lines)
# Exit status: 0 when every capture gives the same report, 1 otherwise, 2 on misuse.
set -u
here=$(cd "$(dirname "$0")" && pwd); src=$(cd "$here/../.." && pwd)
[ $# -ge 2 ] || { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
old=$1 new=$2; shift 2
[ -x "$old" ] || { echo "compare_builds: $old is not an executable" >&2; exit 2; }
[ -x "$new" ] || { echo "compare_builds: $new is not an executable" >&2; exit 2; }
corpora=() alerts_only=0 drop="" drop_summary="" args="" old_args="" new_args="" keep="" verbose=0
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) corpora+=("$2"); shift 2 ;;
    --alerts-only) alerts_only=1; shift ;;
    --drop) drop=$2; shift 2 ;;
    --drop-summary) drop_summary=$2; shift 2 ;;
    --args) args=$2; shift 2 ;;
    --old-args) old_args=$2; shift 2 ;;
    --new-args) new_args=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -v) verbose=1; shift ;;
    *) echo "compare_builds: unknown option $1" >&2; exit 2 ;;
  esac
done
pcaps=${SW_SHARED_DIR:-$src/../shared}/pcaps
tmp=${keep:-$(mktemp -d)}; mkdir -p "$tmp"; [ -n "$keep" ] || trap 'rm -rf "$tmp"' EXIT

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find "$src/tests/traces" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z)
if [ -d "$pcaps" ]; then
  while IFS= read -r -d '' f; do
    [ "${f#"$pcaps"/}" = "zeek/ldap/gap-data-missing.pcapng" ] && continue  # libpcap cannot read it
    files+=("$f")
  done < <(find "$pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.tcpdump' \) -print0 | sort -z)
else
  echo "note: $pcaps not found; the public captures are not compared"
fi
for d in "${corpora[@]}"; do
  [ -d "$d" ] || { echo "compare_builds: no such directory $d" >&2; exit 2; }
  while IFS= read -r -d '' f; do files+=("$f"); done < <(
    find "$d" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z)
done
[ ${#files[@]} -gt 0 ] || { echo "compare_builds: no captures found" >&2; exit 2; }

norm() {  # alerts file, summary file -> one normalised text
  python3 - "$1" "$2" "$drop" "$drop_summary" "$alerts_only" <<'PY'
import json, os, sys
alerts, summ, drop, drop_s, alerts_only = sys.argv[1:6]
drop = [k for k in drop.split(",") if k]
rows = []
if os.path.exists(alerts):
    for l in open(alerts):
        d = json.loads(l)
        for k in drop:
            d.pop(k, None)
        rows.append(json.dumps(d, sort_keys=True))
print("\n".join(sorted(rows)))
if alerts_only != "1" and os.path.exists(summ):
    s = json.load(open(summ))
    for k in ["elapsed_seconds", "packets_per_second"] + [k for k in drop_s.split(",") if k]:
        o, parts = s, k.split(".")
        for p in parts[:-1]:
            o = o.get(p, {}) if isinstance(o, dict) else {}
        if isinstance(o, dict):
            o.pop(parts[-1], None)
    print(json.dumps(s, sort_keys=True, indent=0))
PY
}

run_one() {  # program, capture, out-prefix, extra options...
  local prog=$1 f=$2 out=$3; shift 3
  rm -f "$out.json" "$out.summary"
  "$prog" run -r "$f" --no-db --json "$out.json" --summary-json "$out.summary" -q --sensor same "$@" \
    >"$out.stdout" 2>"$out.stderr"
  echo $? >"$out.rc"
}

same=0 differ=0 n_old=0 n_new=0 i=0
for f in "${files[@]}"; do
  rel=${f#"$pcaps"/}; rel=${rel#"$src"/}   # pcaps may lie under $src/..: strip it first
  extra=(); [ -f "$src/tests/expect/$rel.args" ] && read -r -a extra <"$src/tests/expect/$rel.args"
  i=$((i + 1)); o=$tmp/$i
  # shellcheck disable=SC2086
  run_one "$old" "$f" "$o.old" "${extra[@]}" $args $old_args
  # shellcheck disable=SC2086
  run_one "$new" "$f" "$o.new" "${extra[@]}" $args $new_args
  norm "$o.old.json" "$o.old.summary" >"$o.old.norm"; echo "rc $(cat "$o.old.rc")" >>"$o.old.norm"
  norm "$o.new.json" "$o.new.summary" >"$o.new.norm"; echo "rc $(cat "$o.new.rc")" >>"$o.new.norm"
  [ -s "$o.old.json" ] && n_old=$((n_old + $(wc -l <"$o.old.json")))
  [ -s "$o.new.json" ] && n_new=$((n_new + $(wc -l <"$o.new.json")))
  if diff -u "$o.old.norm" "$o.new.norm" >"$o.diff"; then
    same=$((same + 1))
  else
    differ=$((differ + 1))
    echo "DIFFERS $rel"
    if [ $verbose = 1 ]; then tail -n +3 "$o.diff" | cut -c1-600; else tail -n +3 "$o.diff" | cut -c1-300 | head -20; fi
  fi
done
echo "$same captures report the same, $differ differ (alerts: old $n_old, new $n_new)"
[ $differ -eq 0 ]
