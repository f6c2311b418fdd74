#!/bin/bash
# fetch-suricata-schema.sh BUILD_DIR — get Suricata's EVE JSON schema (etc/schema.json
# of Suricata's source) from Debian's source package in sid, through a private apt
# configuration under BUILD_DIR/apt (the system's apt sources are not touched), and
# leave it at BUILD_DIR/suricata-schema/schema.json (with VERSION beside it). A copy
# already there is kept. apt checks the downloaded files against the signed index.
# Exit 0 when the schema is there, 1 (with a message) when it cannot be had.
set -euo pipefail
build=$(realpath "${1:?usage: fetch-suricata-schema.sh BUILD_DIR}")
out=$build/suricata-schema
[ -s "$out/schema.json" ] && { echo "fetch-suricata-schema: have $out/schema.json ($(cat "$out/VERSION" 2>/dev/null))"; exit 0; }
apt=$build/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/src" "$out"
echo "deb-src http://deb.debian.org/debian sid main" > "$apt/sources.list"
cat > "$apt/apt.conf" <<CONF
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::State "$apt/state";
Dir::State::Lists "$apt/lists";
Dir::Cache "$apt/cache";
Debug::NoLocking "1";
CONF
export APT_CONFIG=$apt/apt.conf
apt-get -q update > "$apt/update.log" 2>&1 || { echo "fetch-suricata-schema: apt-get update failed (see $apt/update.log)"; exit 1; }
cd "$apt/src"
# The .dsc can be missing from the mirror while the orig tarball is there: the
# tarball alone is enough (apt verifies each file it fetches against the index).
apt-get -q source --download-only suricata > "$apt/source.log" 2>&1 || true
tarball=$(ls -1 suricata_*.orig.tar.* 2>/dev/null | head -1 || true)
if [ -z "$tarball" ]; then
  # fall back to the pool path the index names
  file=$(apt-get source --print-uris suricata 2>/dev/null | tr -d "'" | awk '/orig\.tar/ {print $1; exit}')
  [ -n "$file" ] && (command -v curl > /dev/null && curl -fsSLO "$file" || wget -q "$file") || true
  tarball=$(ls -1 suricata_*.orig.tar.* 2>/dev/null | head -1 || true)
fi
[ -n "$tarball" ] || { echo "fetch-suricata-schema: cannot download Suricata's source (see $apt/source.log)"; exit 1; }
tar xf "$tarball" --wildcards '*/etc/schema.json' || { echo "fetch-suricata-schema: no etc/schema.json in $tarball"; exit 1; }
cp "$(ls -1 ./*/etc/schema.json | head -1)" "$out/schema.json"
echo "$tarball" | sed -E 's/^suricata_([^.]+\.[^.]+\.[^.]+).*/\1/' > "$out/VERSION"
rm -rf ./suricata-*/ "$tarball"
echo "fetch-suricata-schema: $out/schema.json from $tarball"
