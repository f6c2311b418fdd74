#!/bin/bash
# eve_schema.sh — every record seqwatch writes (alerts and anomaly records, from the
# generated alert capture and the bundled traces) validates against Suricata's EVE
# JSON schema (etc/schema.json of Suricata 8, from Debian's source package in sid,
# fetched by scripts/fetch-suricata-schema.sh through a private apt configuration
# under the build directory), with seqwatch's vendor keys (alert_id, hijack) allowed
# by tests/data/eve-seqwatch-extension.schema.json. Skipped (77) when the schema
# cannot be fetched or no python3 with jsonschema (Debian: python3-jsonschema) exists.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
[ -x "$MKA" ] || fail "tool not built: $MKA"
bash "$SRC/scripts/fetch-suricata-schema.sh" "$BIN" > fetch.log 2>&1 ||
  { echo "SKIP: Suricata's EVE schema cannot be fetched: $(tail -1 fetch.log)"; exit 77; }
PY=""
for p in /usr/bin/python3 python3; do
  "$p" -c "import jsonschema" 2> /dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || { echo "SKIP: no python3 with jsonschema (apt-get install python3-jsonschema)"; exit 77; }
"$MKA" a.pcap 600 > /dev/null || fail "mkalerts"
: > all.jsonl
for f in a.pcap "$SRC"/tests/traces/*.pcap; do
  [ -f "$f" ] || continue
  "$P" run -r "$f" --no-db --json - -q --anomalies >> all.jsonl 2> run.err ||
    { [ "$?" -eq 1 ] && grep -q "seqwatch run: " run.err && ! grep -q "JSON output" run.err; } ||
    fail "run $f: $(cat run.err)"
done
"$PY" - "$BIN/suricata-schema/schema.json" "$SRC/tests/data/eve-seqwatch-extension.schema.json" all.jsonl <<'PYX' || fail "schema"
import collections, json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
ext = json.load(open(sys.argv[2]))
for k, v in ext["properties"].items():
    assert k not in schema["properties"], "the extension redefines Suricata's key " + k
    schema["properties"][k] = v
cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
cls.check_schema(schema)
val = cls(schema)
kinds = collections.Counter()
bad = 0
for n, line in enumerate(open(sys.argv[3]), 1):
    doc = json.loads(line)
    kinds[doc["event_type"]] += 1
    errs = sorted(val.iter_errors(doc), key=lambda e: list(e.path))
    for e in errs[:3]:
        print("record %d (%s): %s at %s" % (n, doc.get("hijack", {}).get("event"), e.message,
                                            "/".join(map(str, e.path))))
    bad += bool(errs)
assert sum(kinds.values()) > 0, "no records"
assert kinds["alert"] > 0 and kinds["anomaly"] > 0, kinds
assert bad == 0, "%d records do not validate" % bad
print("   %d records valid (%s) against Suricata %s's schema + the extension" %
      (sum(kinds.values()), dict(kinds), open(sys.argv[1].replace("schema.json", "VERSION")).read().strip()))
PYX
echo "ok: EVE schema"
