#!/bin/bash
# faults_rules.sh — an unusable rules file is one clear error and nothing runs: a
# missing file, a directory, a file the user cannot read, a bad line (named as
# file:line), a bad --var. Each time `seqwatch run` exits 1 with one line on stderr,
# before reading a packet: no JSON lines, no database, no summary file are created.
# `seqwatch rules check` gives the same message.
set -u
P=${SW_PROGRAM:?SW_PROGRAM not set}
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
DEMO=$SRC/tests/traces/demo-hijack.pcap
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1

# refused WHAT REGEX [run options...]: run must refuse with exit 1 and one matching line
refused() {
  local what=$1 re=$2; shift 2
  rm -rf out.jsonl out.db sum.json err
  "${RUNAS[@]}" "$P" run -r "$DEMO" --json out.jsonl --db out.db --summary-json sum.json "$@" 2>err
  local rc=$?
  [ "$rc" -eq 1 ] || fail "$what: exit $rc, want 1 ($(cat err))"
  [ "$(wc -l < err)" -eq 1 ] || fail "$what: stderr is not one line: $(cat err)"
  grep -Eq "$re" err || fail "$what: message '$(cat err)' does not match '$re'"
  for f in out.jsonl out.db sum.json; do
    [ ! -e "$f" ] || fail "$what: $f was created (something ran)"
  done
  echo "ok: $what: $(cat err)"
}
RUNAS=()

refused "missing file" "^seqwatch run: $T/none\\.rules: No such file or directory\$" --rules "$T/none.rules"
mkdir rulesdir
refused "a directory" "^seqwatch run: $T/rulesdir: Is a directory\$" --rules "$T/rulesdir"

# a bad line: the good rules before it are not half-loaded, the message is file:line
cat > bad.rules <<'EOF'
# line 1
alert tcp any any <> any any (event:rst_injection; sid:1;)
alert tcp any any <> any any (event:overlap_mismatch; \
    msg:"continued"; sid:2;)
alert tcp any any <> any any (event:no_such_event; sid:3;)
EOF
refused "unknown event" "^seqwatch run: bad\\.rules:5: unknown event 'no_such_event'" --rules bad.rules
printf 'alert tcp any any <> any any (event:rst_injection; sid:1;)\nalert tcp any any <> any any (event:rst_injection; \\\n  sid:1;)\n' > dup.rules
refused "duplicate sid (continued rule named by its first line)" "^seqwatch run: dup\\.rules:2: .*sid" --rules dup.rules
printf 'alert tcp any any <> any any (event:rst_injection; sid:1;)\n\x00\x01garbage\n' > nul.rules
refused "NUL byte" "^seqwatch run: nul\\.rules:2: " --rules nul.rules
printf 'drop tcp any any -> any any (event:rst_injection; sid:9;)\n' > drop.rules
refused "active-response action" "^seqwatch run: drop\\.rules:1: " --rules drop.rules
refused "bad --var" "^seqwatch run: .*HOME_NET" --var 'HOME_NET=[10.0.0.0/33]'

# rules check says the same
"$P" rules check bad.rules 2>err; rc=$?
[ "$rc" -eq 1 ] || fail "rules check: exit $rc"
grep -q "^bad\\.rules:5: unknown event 'no_such_event'" err || fail "rules check: $(cat err)"
"$P" rules check rulesdir 2>err; [ $? -eq 1 ] && grep -q "Is a directory" err || fail "rules check of a directory: $(cat err)"

# a file the user may not read (root reads anything: run as 'nobody' then)
printf 'alert tcp any any <> any any (event:rst_injection; sid:1;)\n' > secret.rules
chmod 000 secret.rules
if [ "$(id -u)" -eq 0 ]; then
  if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
    chmod 0777 "$T"
    RUNAS=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --)
    refused "unreadable file (as nobody)" "^seqwatch run: secret\\.rules: Permission denied\$" --rules secret.rules
    RUNAS=()
  else
    echo "note: unreadable-file case skipped (root, and no 'nobody' user or setpriv)"
  fi
else
  refused "unreadable file" "^seqwatch run: secret\\.rules: Permission denied\$" --rules secret.rules
fi

# and a good file runs
printf 'alert tcp any any <> any any (event:overlap_mismatch; sid:1;)\n' > good.rules
"$P" run -r "$DEMO" --rules good.rules --json out.jsonl --no-db -q || fail "a good rules file: exit $?"
[ "$(wc -l < out.jsonl)" -ge 1 ] || fail "a good rules file raised nothing on the demo"

# site rules load on top of the defaults: the issue's one-line local.rules silences
# the overlap alert only, and --no-default-rules leaves its pass rule alone
printf 'pass tcp any any <> any any (event:overlap_mismatch; sid:1000001;)\n' > local.rules
"$P" run -r "$DEMO" --json all.jsonl --no-db -q || fail "demo: exit $?"
"$P" run -r "$DEMO" --rules local.rules --json site.jsonl --no-db -q || fail "demo with local.rules: exit $?"
all=$(wc -l < all.jsonl); site=$(wc -l < site.jsonl); ovl=$(python3 -c 'import json,sys; print(sum(json.loads(l)["hijack"]["event"] == "overlap_mismatch" for l in open(sys.argv[1])))' all.jsonl)
[ "$ovl" -ge 1 ] && [ "$site" -eq $((all - ovl)) ] || fail "local.rules: $site alerts of $all ($ovl overlaps)"
"$P" run -r "$DEMO" --rules local.rules --no-default-rules --json none.jsonl --no-db -q || fail "--no-default-rules: exit $?"
[ ! -s none.jsonl ] || fail "--no-default-rules with one pass rule still alerted"
printf 'var HOME_NET 10.0.0.0/8\nalert tcp $HOME_NET any -> any any (event:desync; sid:7;)\n' > v.rules
printf 'rule = local.rules\n' > c.conf
refused "a site file redefining HOME_NET" "^seqwatch run: v\\.rules:1: variable HOME_NET was already used" --rules v.rules
printf 'suppress gen_id 1, sig_id 2300012, track by_src\n' > t.config
refused "a bad --threshold-file line" "^seqwatch run: t\\.config:1: suppress: track needs an ip\$" --threshold-file t.config
refused "a missing --threshold-file" "^seqwatch run: none\\.config: No such file or directory\$" --threshold-file none.config
refused "a bad --config line" "^seqwatch run: c\\.conf:1: unknown setting 'rule'" --config c.conf

# a threshold file silences what it names, and only that
printf 'suppress gen_id 1, sig_id 2300011\n' > s.config
"$P" run -r "$DEMO" --threshold-file s.config --json sup.jsonl --no-db -q || fail "--threshold-file: exit $?"
[ "$(wc -l < sup.jsonl)" -eq $((all - ovl)) ] || fail "--threshold-file: $(wc -l < sup.jsonl) alerts of $all ($ovl overlaps)"
echo "ok: every unusable rules file refused before anything ran"
