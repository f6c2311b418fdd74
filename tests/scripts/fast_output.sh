#!/bin/bash
# fast_output.sh — `seqwatch run` on a terminal prints one line per alert (time,
# severity, event, connection, the one-sentence verdict of `seqwatch show` or, where
# it does not fit on one line, the event's description, [gid:sid:rev]) like Suricata's
# fast.log; to a pipe it writes JSON lines as before. --fast / --no-fast force
# either; --fast with --json FILE writes both; --fast with --json - is refused; a
# failed write of the lines is reported with exit status 1.
set -u
P=${SW_PROGRAM:?SW_PROGRAM not set}
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
DEMO=$SRC/tests/traces/demo-hijack.pcap
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# the demo: 3 alerts and the verdict's closing update (7 events: the forged packet's
# fingerprint events are one alert, the desync is in its session_takeover, the
# ack_storm after it in the verdict's update; docs/detections.md)
LINE='^2023-11-14 22:13:2[01]\.[0-9]{6}  \[sev [123]\] [a-z_]+( \+1 later verdict)?  [0-9.]+:[0-9]+ -> [0-9.]+:[0-9]+  .+  \[1:23000[0-9]{2}:1\]( \(update\))?$'

# a pipe: JSON lines, as before
"$P" run -r "$DEMO" --no-db -q >"$T/pipe" || fail "pipe run"
[ "$(wc -l <"$T/pipe")" = 4 ] && python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/pipe" \
  || fail "pipe output is not 4 JSON lines"

# forced to a pipe: the one-line form, nothing else on stdout
"$P" run -r "$DEMO" --no-db -q --fast >"$T/fast" || fail "--fast run"
[ "$(wc -l <"$T/fast")" = 4 ] || fail "--fast: $(wc -l <"$T/fast") lines"
grep -Evq "$LINE" "$T/fast" && fail "--fast line format: $(grep -Ev "$LINE" "$T/fast" | head -1)"
grep -q '  \[sev 1\] session_takeover  192.168.56.20:23 -> 192.168.56.10:50123  ' "$T/fast" || fail "--fast: no takeover line"
# the verdict sentence (storage/show.c), not the catalogue's description: the
# forged packet's timestamps and the injected bytes the server accepted
grep -q '  \[sev 3\] tsval_regression  192.168.56.10:50123 -> 192.168.56.20:23  a segment to the server lacked the TCP timestamps the client always sends, TTL 51, with 29 bytes of in-window data  \[1:2300013:1\]$' "$T/fast" \
  || fail "--fast: no tsval_regression verdict: $(grep tsval_regression "$T/fast")"
grep -Eq '  \[sev 1\] overlap_mismatch  192.168.56.10:50123 -> 192.168.56.20:23  the server accepted the forged version .* TTL 51, IP-ID 4919, MAC 02:de:ad:be:ef:01 .* 354.0 ms before the genuine one \(6 bytes\)  \[1:2300011:1\]$' "$T/fast" \
  || fail "--fast: no overlap verdict: $(grep overlap_mismatch "$T/fast")"
grep -q 'the same sequence range was seen twice' "$T/fast" && fail "--fast: the description instead of the verdict"
# one line each, the verdict at most 200 bytes, no control characters
python3 - "$T/fast" <<'PY' || fail "--fast: a verdict too long or with control characters"
import re, sys
for l in open(sys.argv[1], 'rb').read().decode().splitlines():
    what = re.match(r'^\S+ \S+  \[sev \d\] .*?  \S+ -> \S+  (.*)  \[\d+:\d+:\d+\]( \(update\))?$', l).group(1)
    assert len(what.encode()) <= 200 and not re.search(r'[\x00-\x1f\x7f]', what), l
PY

# both: lines on stdout, JSON in the file
"$P" run -r "$DEMO" --no-db -q --fast --json "$T/a.json" >"$T/fast2" || fail "--fast --json FILE"
cmp -s "$T/fast" "$T/fast2" || fail "--fast --json FILE: other lines"
[ "$(wc -l <"$T/a.json")" = 4 ] || fail "--fast --json FILE: JSON file"
"$P" run -r "$DEMO" --no-db -q --fast --json - >/dev/null 2>"$T/err"; [ $? = 2 ] || fail "--fast --json - accepted"
grep -q 'both write to stdout' "$T/err" || fail "--fast --json - message: $(cat "$T/err")"

# a write failure is reported
if [ -w /dev/full ]; then
  "$P" run -r "$DEMO" --no-db -q --fast >/dev/full 2>"$T/err"; rc=$?
  [ $rc = 1 ] || fail "--fast to /dev/full: exit $rc"
  grep -q '^seqwatch run: cannot write the alert lines to stdout' "$T/err" || fail "/dev/full message: $(cat "$T/err")"
fi

# a terminal (script(1) gives the program a pseudo-terminal)
if command -v script >/dev/null; then
  script -qec "'$P' run -r '$DEMO' --no-db -q" /dev/null | tr -d '\r' >"$T/tty"
  [ "$(wc -l <"$T/tty")" = 4 ] && ! grep -Evq "$LINE" "$T/tty" || fail "terminal: $(head -2 "$T/tty")"
  script -qec "'$P' run -r '$DEMO' --no-db -q --no-fast" /dev/null | tr -d '\r' >"$T/tty2"
  head -c 1 "$T/tty2" | grep -q '{' || fail "--no-fast on a terminal: $(head -c 80 "$T/tty2")"
  script -qec "'$P' run -r '$DEMO' --no-db -q --json -" /dev/null | tr -d '\r' >"$T/tty3"
  head -c 1 "$T/tty3" | grep -q '{' || fail "--json - on a terminal: $(head -c 80 "$T/tty3")"
else
  echo "note: script(1) not found; the terminal cases were not run"
fi
echo "fast_output: ok"
