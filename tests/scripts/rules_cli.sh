#!/bin/bash
# rules_cli.sh — `seqwatch rules check/list` and `seqwatch events` as a user runs
# them: exit statuses, the "FILE: N rules OK" and "FILE:LINE: what is wrong" lines,
# --var precedence, the listing of the built-in rules, and the catalogue as text and
# JSON (21 events, names as in the code, informational ones flagged).
set -u
P=${SW_PROGRAM:?SW_PROGRAM not set}
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
[ -x "$P" ] || { echo "program not built: $P"; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# the shipped rules check clean
out=$("$P" rules check "$SRC/rules/default.rules") || fail "default.rules rejected"
[ "$out" = "$SRC/rules/default.rules: 21 rules OK" ] || fail "check output: $out"

# an error names the file and the first line of the bad rule; exit 1; nothing on stdout
cat > "$T/bad.rules" <<'R'
# header
alert tcp any any -> any any (event:desync; sid:1;)

alert tcp any any -> any any (event:ack_storm; \
    sid:1;)
R
"$P" rules check "$T/bad.rules" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] || fail "bad file: exit $rc"
[ ! -s "$T/out" ] || fail "bad file: stdout not empty"
[ "$(cat "$T/err")" = "$T/bad.rules:4: duplicate sid 1 (first used at line 2)" ] || fail "bad file: $(cat "$T/err")"

# --var wins over the file's var line, and a bad --var is reported as such
cat > "$T/v.rules" <<'R'
var HOME_NET 10.0.0.0/8
alert tcp $HOME_NET any -> any any (event:desync; sid:7;)
R
"$P" rules check "$T/v.rules" --var HOME_NET=192.168.0.0/16 >/dev/null || fail "--var rejected"
"$P" rules check --var HOME_NET=10.0.0.0/40 "$T/v.rules" 2>"$T/err" >/dev/null && fail "bad --var accepted"
grep -q '^--var HOME_NET=10.0.0.0/40: ' "$T/err" || fail "bad --var message: $(cat "$T/err")"

# usage errors exit 2
"$P" rules check 2>/dev/null; [ $? = 2 ] || fail "check without FILE"
"$P" rules frob 2>/dev/null; [ $? = 2 ] || fail "unknown action"
"$P" rules --help | grep -q '^usage: seqwatch rules check' || fail "rules --help"

# list: the built-in rules are the shipped file
"$P" rules list >"$T/builtin" || fail "rules list"
"$P" rules list "$SRC/rules/default.rules" >"$T/file" || fail "rules list FILE"
cmp -s "$T/builtin" "$T/file" || fail "built-in rules differ from rules/default.rules"
[ "$(wc -l <"$T/builtin")" = 22 ] || fail "list: $(wc -l <"$T/builtin") lines"
grep -Eq '^2300011 +alert +overlap_mismatch +SEQWATCH ' "$T/builtin" || fail "list lacks overlap_mismatch"
"$P" rules list --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert len(r) == 21, len(r)
assert all(x["action"] == "alert" and x["gid"] == 1 for x in r)
assert len({x["sid"] for x in r}) == 21
' || fail "rules list --json"

# events
"$P" events >"$T/ev" || fail "events"
[ "$(wc -l <"$T/ev")" = 24 ] || fail "events: $(wc -l <"$T/ev") lines"
grep -Eq '^challenge_ack +3 +yes ' "$T/ev" || fail "challenge_ack not informational"
grep -Eq '^session_takeover +1 +- ' "$T/ev" || fail "session_takeover line"
"$P" events --json | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert len(e) == 23
assert [x["name"] for x in e if x["informational"]] == ["challenge_ack", "isn_predictable"]
assert [x["default_sid"] for x in e] == list(range(2300001, 2300024))
assert all(set(x["equivalent"]) == {"suricata", "snort", "zeek"} for x in e)
' || fail "events --json"
"$P" events mac_change | grep -q '^  Snort 3: *129:9' || fail "events mac_change"
"$P" events nosuch 2>"$T/err"; [ $? = 2 ] || fail "unknown event exit"
grep -q "^seqwatch events: unknown event 'nosuch'" "$T/err" || fail "unknown event message"
echo "rules_cli: ok"
