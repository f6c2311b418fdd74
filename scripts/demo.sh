#!/bin/bash
# demo.sh — install what is missing, build seqwatch, and run it on the bundled demo
# capture (a Telnet session hijacked by a command injected from the link). Prints
# the alerts as a table and the run's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSW_TESTS=OFF >/dev/null
cmake --build build -j2 --target seqwatch >/dev/null
out=$(mktemp -d)
echo "== seqwatch run -r tests/traces/demo-hijack.pcap"
./build/seqwatch run -r tests/traces/demo-hijack.pcap --db "$out/demo.db" --json "$out/alerts.json"
echo
echo "== alerts (seqwatch query --db $out/demo.db)"
./build/seqwatch query --db "$out/demo.db" --format table
# the takeover verdict if there is one (it lists the chain), else the newest alert
pick=$(./build/seqwatch query --db "$out/demo.db" --event session_takeover --format jsonl --limit 1)
[ -n "$pick" ] || pick=$(./build/seqwatch query --db "$out/demo.db" --format jsonl --limit 1)
id=$(sed -n 's/.*"alert_id":"\([^"]*\)".*/\1/p' <<<"$pick")
if [ -n "$id" ]; then
  echo
  echo "== one alert in detail (seqwatch show $id)"
  ./build/seqwatch show --db "$out/demo.db" "$id"
fi
echo
echo "JSON lines: $out/alerts.json   database: $out/demo.db"
