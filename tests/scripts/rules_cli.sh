#!/bin/bash
# rules_cli.sh — `seqwatch rules check/list` and `seqwatch events` as a user runs
# them: exit statuses, the "FILE: N rules OK" and "FILE:LINE: what is wrong" lines,
# --var precedence, the listing of the built-in rules, and the catalogue as text and
# JSON (22 events, names as in the code, informational ones flagged).
set -u
P=${SW_PROGRAM:?SW_PROGRAM not set}
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
[ -x "$P" ] || { echo "program not built: $P"; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# the shipped rules check clean; as a site file, each of its rules replaces the
# built-in rule with its sid, and nothing is left to warn about
out=$("$P" rules check "$SRC/rules/default.rules" 2>"$T/err") || fail "default.rules rejected"
[ "$out" = "$SRC/rules/default.rules: 22 rules OK
<built-in default.rules>: 0 rules (22 replaced by site rules with their sid)" ] || fail "check output: $out"
[ ! -s "$T/err" ] || fail "default.rules warned: $(cat "$T/err")"
out=$("$P" rules check --no-default-rules "$SRC/rules/default.rules" 2>"$T/err") || fail "--no-default-rules"
[ "$out" = "$SRC/rules/default.rules: 22 rules OK" ] || fail "check --no-default-rules output: $out"
[ ! -s "$T/err" ] || fail "default.rules alone warned: $(cat "$T/err")"
out=$("$P" rules check 2>"$T/err") || fail "check of the built-in rules"
[ "$out" = "<built-in default.rules>: 22 rules (0 replaced by site rules with their sid)" ] || fail "check without FILE: $out"

# the issue's local.rules: one pass rule loads on top of the defaults, and check says
# which default rule it silences entirely
printf 'pass tcp any any <> any any (event:overlap_mismatch; sid:1000001;)\n' > "$T/local.rules"
out=$("$P" rules check "$T/local.rules" 2>"$T/err") || fail "local.rules rejected"
[ "$(head -1 <<<"$out")" = "$T/local.rules: 1 rules OK" ] || fail "local.rules: $out"
grep -Fxq "warning: <built-in default.rules>:77: alert rule sid 2300011 (overlap_mismatch) never alerts: pass rule sid 1000001 at $T/local.rules:1 silences everything it matches" "$T/err" \
    || fail "no shadow warning: $(cat "$T/err")"
"$P" rules check --no-default-rules "$T/local.rules" >/dev/null 2>"$T/err" || fail "local.rules alone"
grep -q '^warning: 22 events have no alert rule and never raise an alert: synack_bad_ack, ' "$T/err" \
    || fail "no uncovered-events warning: $(cat "$T/err")"
"$P" rules check --no-default-rules 2>/dev/null; [ $? = 2 ] || fail "--no-default-rules without a file"

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
# ... and without --var, a site file cannot change the HOME_NET the default rules used
"$P" rules check "$T/v.rules" 2>"$T/err" >/dev/null && fail "site var HOME_NET accepted"
grep -q "^$T/v.rules:1: variable HOME_NET was already used with its built-in value 'any' (<built-in default.rules>:[0-9]*); set it with --var or --config instead\$" "$T/err" \
    || fail "site HOME_NET message: $(cat "$T/err")"
"$P" rules check --no-default-rules "$T/v.rules" >/dev/null 2>&1 || fail "v.rules alone"

# --config: variables and rule files (relative to the config's folder); the command
# line wins; errors name the config line
mkdir "$T/etc"
cp "$T/local.rules" "$T/etc/local.rules"
cat > "$T/etc/seqwatch.conf" <<'C'
# site settings
var HOME_NET = [10.0.0.0/8, 192.168.0.0/16]
var EXTERNAL_NET = !$HOME_NET
rules = local.rules
C
out=$("$P" rules check --config "$T/etc/seqwatch.conf" 2>/dev/null) || fail "--config rejected"
[ "$(head -1 <<<"$out")" = "$T/etc/local.rules: 1 rules OK" ] || fail "--config rules: $out"
"$P" rules list --json --config "$T/etc/seqwatch.conf" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert len(r) == 23, len(r)
site = [x for x in r if not x["default"]]
assert [x["sid"] for x in site] == [1000001] and site[0]["file"].endswith("/etc/local.rules"), site
' || fail "rules list --config"
"$P" rules check --config "$T/etc/seqwatch.conf" --var HOME_NET=10.0.0.0/40 2>"$T/err" >/dev/null && fail "bad --var over --config accepted"
grep -q '^--var HOME_NET=10.0.0.0/40: ' "$T/err" || fail "--var over --config: $(cat "$T/err")"
printf 'var HOME_NET = 10.0.0.0/8\nvar DNS = [1.2.3.4/40]\n' > "$T/bad.conf"
"$P" rules check --config "$T/bad.conf" 2>"$T/err" >/dev/null; [ $? = 1 ] || fail "bad config var: exit"
grep -q "^$T/bad.conf:2: var DNS: neither an address (bad prefix length" "$T/err" || fail "bad config var: $(cat "$T/err")"
printf 'rules = a.rules\nfrob = 1\n' > "$T/bad.conf"
"$P" rules check --config "$T/bad.conf" 2>"$T/err" >/dev/null; [ $? = 1 ] || fail "unknown setting: exit"
grep -Fxq "$T/bad.conf:2: unknown setting 'frob' (var NAME, rules, threshold-file, default-rules)" "$T/err" || fail "unknown setting: $(cat "$T/err")"
printf 'default-rules = no\n' > "$T/nodef.conf"
"$P" rules check --config "$T/nodef.conf" "$SRC/rules/default.rules" >"$T/out" 2>/dev/null || fail "default-rules = no"
[ "$(cat "$T/out")" = "$SRC/rules/default.rules: 22 rules OK" ] || fail "default-rules = no: $(cat "$T/out")"

# usage errors exit 2
"$P" rules frob 2>/dev/null; [ $? = 2 ] || fail "unknown action"
"$P" rules --help | grep -q '^usage: seqwatch rules check' || fail "rules --help"

# list: the built-in rules are the shipped file
"$P" rules list >"$T/builtin" || fail "rules list"
"$P" rules list "$SRC/rules/default.rules" >"$T/file" || fail "rules list FILE"
cmp -s "$T/builtin" "$T/file" || fail "built-in rules differ from rules/default.rules"
[ "$(wc -l <"$T/builtin")" = 23 ] || fail "list: $(wc -l <"$T/builtin") lines"
grep -Eq '^2300011 +alert +overlap_mismatch +SEQWATCH ' "$T/builtin" || fail "list lacks overlap_mismatch"
"$P" rules list --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert len(r) == 22, len(r)
assert all(x["action"] == "alert" and x["gid"] == 1 for x in r)
assert len({x["sid"] for x in r}) == 22
' || fail "rules list --json"

# events
"$P" events >"$T/ev" || fail "events"
[ "$(wc -l <"$T/ev")" = 25 ] || fail "events: $(wc -l <"$T/ev") lines"
grep -Eq '^challenge_ack +3 +yes ' "$T/ev" || fail "challenge_ack not informational"
grep -Eq '^session_takeover +1 +- ' "$T/ev" || fail "session_takeover line"
"$P" events --json | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert len(e) == 24
assert [x["name"] for x in e if x["informational"]] == ["challenge_ack", "isn_predictable"]
assert [x["default_sid"] for x in e] == list(range(2300001, 2300025))
assert all(set(x["equivalent"]) == {"suricata", "snort", "zeek"} for x in e)
' || fail "events --json"
"$P" events mac_change | grep -q '^  Snort 3: *129:9' || fail "events mac_change"
"$P" events nosuch 2>"$T/err"; [ $? = 2 ] || fail "unknown event exit"
grep -q "^seqwatch events: unknown event 'nosuch'" "$T/err" || fail "unknown event message"

# --threshold-file: Suricata's threshold.config syntax, counted by check, errors as
# FILE:LINE, lines naming no loaded alert rule warned about; also from --config
cat > "$T/etc/threshold.config" <<'C'
suppress gen_id 1, sig_id 2300012, track by_either, ip [10.0.0.0/8, 192.168.0.0/16]
threshold gen_id 1, sig_id 2300011, type limit, track by_rule, count 1, seconds 3600
suppress gen_id 1, sig_id 9999
C
"$P" rules check --threshold-file "$T/etc/threshold.config" >"$T/out" 2>"$T/err" || fail "threshold file rejected: $(cat "$T/err")"
grep -Fxq "$T/etc/threshold.config: 3 entries OK" "$T/out" || fail "threshold check: $(cat "$T/out")"
grep -Fxq "warning: $T/etc/threshold.config:3: suppress gen_id 1, sig_id 9999 names no loaded alert rule" "$T/err" \
    || fail "threshold lint: $(cat "$T/err")"
printf 'threshold-file = threshold.config\n' > "$T/etc/t.conf"
"$P" rules check --config "$T/etc/t.conf" 2>/dev/null | grep -Fxq "$T/etc/threshold.config: 3 entries OK" || fail "threshold-file in --config"
printf 'suppress gen_id 1, sig_id 2300012\nrate_filter gen_id 1, sig_id 2300011, track by_rule, count 1, seconds 1, new_action pass, timeout 10\n' > "$T/bad.thr"
"$P" rules check --threshold-file "$T/bad.thr" >/dev/null 2>"$T/err"; [ $? = 1 ] || fail "rate_filter: exit"
grep -q "^$T/bad.thr:2: rate_filter is not supported: " "$T/err" || fail "rate_filter: $(cat "$T/err")"

echo "rules_cli: ok"
