#!/bin/bash
# link_check.sh 7|8 — the plugin built for one Suricata release against that
# release's Debian binary, without running it (8.0: no 8.0 binary runs here):
#   1. the plugin exports SCPluginRegister and nothing else;
#   2. every symbol it imports is exported either by the suricata binary or by a
#      library the plugin itself links (libc, jansson, sqlite, libsodium, nettle);
#      every Suricata function it calls is therefore there when dlopen binds it;
#   2b. its SCPlugin, read as that release lays it out: name, licence GPLv2, Init,
#      and for 8.0 the API version RegisterPlugin checks (SC_API_VERSION of the
#      tree) and the Suricata version (plugin_probe.c loads it without Suricata);
#   3. the offsets the plugin was compiled with (layout-asserts.h, enforced by its
#      build) are the ones the binary's own machine code uses: PacketCopyDataOffset
#      (ext_pkt, pktlen, the packet data), PacketTunnelPktSetup (datalink = DLT_RAW,
#      root), CreateEveFlowId (Flow.startts, Flow.flow_hash).
# Environment: SW_SURICATA_PLUGIN_SO / SW_SURICATA7_BINARY (7; default: suricata on PATH), SW_SURICATA8_PLUGIN_SO /
# SW_SURICATA8_BINARY (8), SW_SURICATA_LAYOUT / SW_SURICATA8_LAYOUT, SW_SOURCE_DIR.
# Exits 77 (skipped) with one line when that release's binary is not available.
set -uo pipefail
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
case ${1:-} in
  7) so=${SW_SURICATA_PLUGIN_SO:-}; bin=${SW_SURICATA7_BINARY:-$(command -v suricata || true)}
     layout=${SW_SURICATA_LAYOUT:-}
     [ -n "$bin" ] || { echo "SKIP: suricata 7.0 is not installed (scripts/install-suricata.sh)"; exit 77; } ;;
  8) so=${SW_SURICATA8_PLUGIN_SO:-}; bin=${SW_SURICATA8_BINARY:-}; layout=${SW_SURICATA8_LAYOUT:-}
     [ -n "$so" ] && [ -n "$bin" ] || { echo "SKIP: no Suricata 8.0 package here: configure with -DSURICATA8_SOURCE_DIR and -DSURICATA8_BINARY from scripts/fetch-suricata8.sh"; exit 77; } ;;
  *) echo "usage: link_check.sh 7|8"; exit 2 ;;
esac
fail() { echo "FAIL: $*"; exit 1; }
[ -f "$so" ] || fail "plugin not built: $so"
[ -x "$bin" ] && readelf -h "$bin" >/dev/null 2>&1 || fail "no suricata ELF binary at $bin"
[ -n "$layout" ] || fail "no layout name given"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
syms() { sed 's/@.*//' | sort -u; }

# 1. exports
nm -D --defined-only "$so" | awk '{print $3}' | syms >"$T/exp"
[ "$(cat "$T/exp")" = SCPluginRegister ] || fail "$so exports more than SCPluginRegister: $(tr '\n' ' ' <"$T/exp")"

# 2. imports (strong ones; weak undefined symbols such as __gmon_start__ may stay unbound)
nm -D --undefined-only "$so" | awk '$1 == "U" {print $2}' | syms >"$T/und"
: >"$T/libs"
for lib in $(ldd "$so" | awk '/=>/ && $3 ~ /^\// {print $3}'); do
  nm -D --defined-only "$lib" | awk '{print $3}'
done | syms >"$T/libs"
comm -23 "$T/und" "$T/libs" >"$T/from_suri"
nm -D --defined-only "$bin" | awk '{print $3}' | syms >"$T/bin"
missing=$(comm -23 "$T/from_suri" "$T/bin" | tr '\n' ' ')
[ -z "$missing" ] || fail "imported by the plugin but exported by neither $bin nor the plugin's libraries: $missing"
n_suri=$(wc -l <"$T/from_suri")
[ "$n_suri" -ge 10 ] || fail "only $n_suri symbols bind to Suricata: the check saw no plugin imports"
echo "imports: $(wc -l <"$T/und") symbols, $n_suri of them from suricata ($(tr '\n' ' ' <"$T/from_suri")), all exported by $bin"

# 2b. the registration as that release's RegisterPlugin reads it
probe=${SW_SURICATA_PLUGIN_PROBE:?SW_SURICATA_PLUGIN_PROBE not set}
reg=$("$probe" "$1" "$so") || fail "$probe could not load $so"
echo "registration: $reg"
case " $reg " in *" name=seqwatch license=GPLv2 init=1 "*) ;; *) fail "SCPlugin name/license/Init: $reg" ;; esac
if [ "$1" = 8 ]; then
  # 8.0's RegisterPlugin refuses a version other than its SC_API_VERSION
  tree=${SW_SURICATA8_SOURCE_DIR:?SW_SURICATA8_SOURCE_DIR not set}
  api=$(sed -nE 's/^static const uint64_t SC_API_VERSION = (0x[0-9a-fA-F]+);.*/\1/p' "$tree/src/suricata-plugin.h")
  [ -n "$api" ] || fail "no SC_API_VERSION in $tree/src/suricata-plugin.h"
  rel=$(sed -nE 's/.*AC_INIT\(\[suricata\], *\[([^]]+)\]\).*/\1/p' "$tree/configure.ac")
  [ "$(printf '0x%x' "$api")" = "$(sed -nE 's/.* version=(0x[0-9a-f]+) .*/\1/p' <<<"$reg")" ] \
    || fail "SCPlugin.version is not SC_API_VERSION $api: $reg"
  case " $reg " in *" suricata_version=$rel "*) ;; *) fail "SCPlugin.suricata_version is not $rel: $reg" ;; esac
fi

# 3. offsets against the binary's machine code
section=$(awk -v m="defined(SW_LAYOUT_$(tr 'a-z.-' 'A-Z__' <<<"$layout"))" '
  index($0, m) && /^#(el)?if/ { on = 1; next }
  on && /^#(elif|else|endif)/ { exit }
  on { print }' "$SRC/plugins/suricata/layout-asserts.h")
[ -n "$section" ] || fail "layout-asserts.h has no section for $layout"
off() {  # off TYPE FIELD: the asserted offset
  local v
  v=$(sed -nE "s/^SW_LAYOUT_IS\($1, $2, (0x[0-9a-f]+)\);/\1/p" <<<"$section")
  [ -n "$v" ] || fail "layout-asserts.h ($layout) asserts no offset for $1.$2"
  echo "$v"
}
size=$(sed -nE 's/^SW_LAYOUT_SIZE\(Packet, (0x[0-9a-f]+)\);/\1/p' <<<"$section")
[ -n "$size" ] || fail "layout-asserts.h ($layout) asserts no sizeof(Packet)"
ext=$(off Packet ext_pkt); len=$(off Packet pktlen); dl=$(off Packet datalink); root=$(off Packet root)
fh=$(off Flow flow_hash); st=$(off Flow startts)
# the packet's own data: after the struct in 7.0, the flexible array pkt_data in 8.0
if grep -q 'SW_LAYOUT_IS(Packet, pkt_data' <<<"$section"; then data=$(off Packet pkt_data); else data=$size; fi
dis() { objdump -d --no-show-raw-insn --disassemble="$1" "$bin" >"$T/$1.s" 2>/dev/null
        [ "$(grep -c . "$T/$1.s")" -gt 10 ] || fail "$bin: cannot disassemble $1"; }
want() {  # want FUNC REGEX WHAT
  grep -Eq "$2" "$T/$1.s" || fail "$1 in $bin does not use $3 as this build has it ($2)"
}
dis PacketCopyDataOffset; dis PacketTunnelPktSetup; dis CreateEveFlowId
want PacketCopyDataOffset "mov +$ext\(%r[a-z0-9]+\),%r" "Packet.ext_pkt at $ext"
want PacketCopyDataOffset "lea +$data\(%r[a-z0-9]+,%r[a-z0-9]+,1\)" "the packet data at p+$data"
want PacketCopyDataOffset "$len\(%r[a-z0-9]+\)" "Packet.pktlen at $len"
want PacketTunnelPktSetup "movl +\\\$0xc,$dl\(%r" "Packet.datalink at $dl (DLT_RAW stored)"
want PacketTunnelPktSetup "$root\(%r" "Packet.root at $root"
want CreateEveFlowId "$st\(%rsi\)" "Flow.startts at $st"
want CreateEveFlowId "mov +$fh\(%rsi\)" "Flow.flow_hash at $fh"
echo "layout $layout: ext_pkt $ext, pktlen $len, data p+$data, datalink $dl, root $root, Flow.startts $st, Flow.flow_hash $fh: all used so by $bin"
echo "PASS"
