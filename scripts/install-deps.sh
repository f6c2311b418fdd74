#!/bin/bash
# install-deps.sh [build|test] — install the Debian packages seqwatch needs, only
# those missing (apt-get update is run once, and only if something is missing).
# "build": what building and running needs. "test": also what the test suite, the
# end-to-end lab and the fuzz smoke runs need.
set -euo pipefail
what=${1:-build}
pkgs=(build-essential cmake pkg-config libpcap-dev libjansson-dev libsqlite3-dev libsodium-dev nettle-dev zlib1g-dev)
if [ "$what" = test ]; then
  pkgs+=(libcmocka-dev sqlite3 tshark tcpflow tcpdump python3 python3-scapy python3-jsonschema nftables
         iproute2 ethtool clang libclang-rt-14-dev procps time util-linux
         tcpreplay    # tcpreplay: the Suricata plugin's live test (tests/suricata/suricata_live.sh)
         libelf-dev libbpf-dev libcap-ng-dev libyaml-dev libpcre2-dev  # Suricata 8.0's configure check (scripts/fetch-suricata8.sh)
         chromium)    # chromium: renders `seqwatch show --html/--svg` headless (tests/scripts/show_graph.sh)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
