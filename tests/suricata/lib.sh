# lib.sh — shared by the suricata tests: Debian's suricata with the plugin, the
# seqwatch program, a suricata.yaml made for the test, runs of both, and the alert-
# set comparison. Sourced, not run. A test exits 77 (skipped) only when Suricata or
# the plugin is not there, with one line saying so.
P=${SW_PROGRAM:?SW_PROGRAM not set}
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
PLUGIN=${SW_SURICATA_PLUGIN_SO:?SW_SURICATA_PLUGIN_SO not set}
SHARED=${SW_SHARED_DIR:-$SRC/../shared}
EVE="python3 $SRC/tests/suricata/eve_tool.py"
SURI=${SW_SURICATA:-$(command -v suricata || true)}
[ -n "$SURI" ] || { echo "SKIP: suricata is not installed (scripts/install-suricata.sh)"; exit 77; }
[ -f "$PLUGIN" ] || { echo "FAIL: plugin not built: $PLUGIN"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The rule variables given to both sides: Suricata's address groups, which the plugin
# takes by default, and the same as --var for the standalone program.
HOME_NET_VAL="[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"
SW_VARS=(--var "HOME_NET=$HOME_NET_VAL" --var 'EXTERNAL_NET=!$HOME_NET')

# mkyaml FILE [seqwatch option lines...]: a suricata.yaml with the plugin, eve.json
# holding seqwatch, flow and stats records, and the given options under `- seqwatch:`
# (each argument one "key: value").
mkyaml() {
  local f=$1; shift
  {
    echo '%YAML 1.1'
    echo '---'
    echo 'vars:'
    echo '  address-groups:'
    echo "    HOME_NET: \"$HOME_NET_VAL\""
    echo '    EXTERNAL_NET: "!$HOME_NET"'
    echo 'sensor-name: suricata-test'
    echo 'plugins:'
    echo "  - $PLUGIN"
    echo 'outputs:'
    echo '  - eve-log:'
    echo '      enabled: yes'
    echo '      filetype: regular'
    echo '      filename: eve.json'
    echo '      pcap-file: true'
    echo '      types:'
    echo '        - seqwatch:'
    for o in "$@"; do echo "            $o"; done
    echo '        - flow'
    echo '        - stats:'
    echo '            totals: yes'
    echo '            threads: no'
    echo 'logging:'
    echo '  default-log-level: notice'
    echo '  outputs:'
    echo '    - console:'
    echo '        enabled: no'
    echo '    - file:'
    echo '        enabled: yes'
    echo '        filename: suricata.log'
  } >"$f"
}

# suri YAML PCAP OUTDIR [suricata options...]: run Suricata on PCAP; fails the test
# when it exits non-zero or the plugin did not register.
suri() {
  local y=$1 pcap=$2 out=$3; shift 3
  rm -rf "$out"; mkdir -p "$out"
  "$SURI" -c "$y" -S /dev/null -r "$pcap" -l "$out" "$@" >"$out/stdout" 2>&1 \
    || { echo "FAIL: suricata exited $? on $pcap:"; tail -n 5 "$out/stdout" "$out/suricata.log"; return 1; }
  grep -q "seqwatch .*plugin registered.*built for Debian suricata ${SW_SURICATA_LAYOUT:-}" "$out/suricata.log" \
    || { echo "FAIL: the plugin (built for ${SW_SURICATA_LAYOUT:-?}) did not register:"; grep -i seqwatch "$out/suricata.log"; return 1; }
}

# standalone PCAP OUT [options...]: seqwatch run with the same rule variables.
standalone() {
  local pcap=$1 out=$2; shift 2
  "$P" run -r "$pcap" --no-db --json "$out" -q "${SW_VARS[@]}" "$@" 2>"$out.err"
}
