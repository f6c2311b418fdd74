/*
 * test_show.c — `seqwatch show` rendering: header lines, evidence with the two
 * versions of overlapping bytes compared (differences marked under exactly the
 * differing bytes), the ladder (client left, server right, arrow directions,
 * numeric or textual flags/directions, the offending packet marked), graceful output
 * for Suricata records, and no crash on documents whose fields have the wrong types.
 * On the bundled demo's real alerts (tests/data/show_demo_alerts.jsonl: the JSON
 * lines of `seqwatch run -r tests/traces/demo-hijack.pcap`): the verdict sentence,
 * the forged packet marked besides the trigger, a verdict's ladder holding its
 * chain's injected segment once, relative and absolute sequence numbers; the
 * HTML/SVG flow graph (marked packets, both byte versions, every hostile string
 * escaped, nothing fetched); the capture of the held headers read back through
 * libpcap; the tshark and BPF filters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <pcap/pcap.h>

#include "storage/show.h"

static const char *doc_text =
    "{\"timestamp\":\"2024-03-05T13:02:12.013004+0000\",\"flow_id\":4242,\"event_type\":\"alert\","
    "\"src_ip\":\"203.0.113.66\",\"src_port\":80,\"dest_ip\":\"10.20.0.40\",\"dest_port\":51000,"
    "\"proto\":\"TCP\",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2300011,"
    "\"rev\":1,\"signature\":\"SEQWATCH overlap\",\"category\":\"Misc Attack\",\"severity\":1},"
    "\"sensor\":\"lab\",\"alert_id\":\"9412ac45-6874-8339-ad7c-25319cc51147\","
    "\"hijack\":{\"event\":\"overlap_mismatch\",\"description\":\"same range, other bytes\","
    "\"direction\":\"to_client\",\"client_state\":\"ESTABLISHED\",\"server_state\":\"ESTABLISHED\","
    "\"conn_instance\":1,\"evidence\":{\"seq\":1001,"
    "\"first_version\":{\"hex\":\"48545450\",\"printable\":\"HTTP\",\"ttl\":57},"
    "\"second_version\":{\"hex\":\"48545851\",\"printable\":\"HTXQ\",\"ttl\":61}},"
    "\"packets\":["
    "{\"ts_us\":1709643732000000,\"dir\":\"to_server\",\"flags\":\"PA\",\"seq\":3000000001,\"ack\":1001,\"len\":80,\"ttl\":64},"
    "{\"ts_us\":1709643732012000,\"dir\":1,\"flags\":24,\"seq\":1001,\"ack\":3000000081,\"len\":4,\"ttl\":57},"
    "{\"ts_us\":1709643732013004,\"dir\":\"to_client\",\"flags\":\"PA\",\"seq\":1001,\"ack\":3000000081,\"len\":4,\"ttl\":61,\"trigger\":true}],"
    "\"related\":[{\"event\":\"ttl_anomaly\",\"delta\":4}],\"ruled_out\":[\"retransmission\"]}}";

typedef enum { TEXT, HTML, SVG, FILTERS } what;

/* Rendered through a temporary file: open_memstream's pointer-to-local trips GCC
 * 12's -Wdangling-pointer at -O2 (a false positive). */
static char *render_as(what w, const json_t *doc, const char *id, const sw_show_opts *o)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    if (w == TEXT)
        sw_show_alert_opts(f, id, doc, o);
    else if (w == FILTERS)
        sw_show_filters(f, doc, o);
    else
        assert_int_equal(sw_show_graph(f, id, doc, o, w == SVG), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static char *render(const json_t *doc, const char *id)
{
    return render_as(TEXT, doc, id, NULL);
}

/* The line of out containing needle (a copy), or NULL. */
static char *line_with(const char *out, const char *needle)
{
    const char *p = strstr(out, needle);
    if (!p)
        return NULL;
    const char *b = p;
    while (b > out && b[-1] != '\n')
        b--;
    const char *e = strchr(p, '\n');
    return strndup(b, e ? (size_t)(e - b) : strlen(b));
}

static void test_alert(void **state)
{
    (void)state;
    json_error_t je;
    json_t *doc = json_loads(doc_text, 0, &je);
    assert_non_null(doc);
    char *out = render(doc, "9412ac45-6874-8339-ad7c-25319cc51147");
    assert_non_null(strstr(out, "alert     9412ac45-6874-8339-ad7c-25319cc51147\n"));
    assert_non_null(strstr(out, "time      2024-03-05T13:02:12.013004+0000\n"));
    assert_non_null(strstr(out, "event     overlap_mismatch (alert)\n"));
    assert_non_null(strstr(out, "rule      [1:2300011:1] SEQWATCH overlap\n"));
    assert_non_null(strstr(out, "severity 1 (high)"));
    assert_non_null(strstr(out, "packet    203.0.113.66:80 -> 10.20.0.40:51000 TCP, flow_id 4242\n"));
    assert_non_null(strstr(out, "to_client (sent by the server)"));
    assert_non_null(strstr(out, "states    client ESTABLISHED, server ESTABLISHED\n"));
    assert_non_null(strstr(out, "\nruled out\n  - retransmission\n"));
    assert_non_null(strstr(out, "\nrelated\n  - ttl_anomaly\n      delta: 4\n"));

    /* evidence: scalars, the versions' other fields, then the byte comparison with
     * marks under bytes 2 and 3 (the "printable" copies are not repeated) */
    assert_non_null(strstr(out, "\nevidence\n  seq  1001 (relative 0)\n  first_version\n    ttl  57\n"
                                "  second_version\n    ttl  61\n"));
    assert_null(strstr(out, "printable"));
    assert_non_null(strstr(out, "first_version vs second_version: 4 and 4 bytes, 2 differ"));
    char *l1 = line_with(out, "48 54 54 50");
    char *l2 = line_with(out, "48 54 58 51");
    assert_non_null(l1);
    assert_non_null(l2);
    assert_non_null(strstr(l1, "|HTTP|"));
    assert_non_null(strstr(l2, "|HTXQ|"));
    const char *after = strstr(out, l2) + strlen(l2) + 1;
    size_t col = (size_t)(strstr(l2, "58") - l2);
    assert_memory_equal(after + col, "^^ ^^", 5);
    for (size_t i = 0; i < col; i++)
        assert_int_equal(after[i], ' ');
    free(l1);
    free(l2);

    /* ladder: client is the destination (the alert went to the client) */
    char *hdr = line_with(out, "client 10.20.0.40:51000");
    assert_non_null(hdr);
    assert_non_null(strstr(hdr, "server 203.0.113.66:80"));
    char *p0 = line_with(out, "+0.000000");
    char *p1 = line_with(out, "+0.012000");
    char *p2 = line_with(out, "+0.013004");
    assert_non_null(p0);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_non_null(strstr(p0, "|--- PA seq=0 ack=0 len=80 ttl=64 "));   /* relative */
    assert_non_null(strstr(p0, "->|"));
    assert_null(strstr(p0, "ALERT"));
    assert_non_null(strstr(p1, "|<-- PA seq=0 ack=80 len=4 ttl=57 "));  /* 24 = PSH|ACK */
    assert_null(strstr(p1, "ALERT"));
    assert_non_null(strstr(p2, "|<-- PA seq=0 "));
    assert_non_null(strstr(p2, "-|  <== ALERT"));
    /* the bars line up, and the client header starts over the left bar */
    size_t bar = (size_t)(strchr(p0, '|') - p0);
    assert_int_equal((size_t)(strchr(p1, '|') - p1), bar);
    assert_int_equal((size_t)(strstr(hdr, "client") - hdr), bar);
    size_t right = (size_t)(strrchr(p0, '|') - p0);
    assert_int_equal((size_t)(strstr(p1, "-|") + 1 - p1), right);
    assert_int_equal(strlen(hdr), right + 1);   /* the server header ends over the right bar */
    free(hdr);
    free(p0);
    free(p1);
    free(p2);
    free(out);
    json_decref(doc);
}

static void test_suricata_record(void **state)
{
    (void)state;
    json_error_t je;
    json_t *doc = json_loads(
        "{\"timestamp\":\"2024-03-05T14:02:12.013004+0100\",\"flow_id\":1,\"event_type\":\"alert\","
        "\"src_ip\":\"2001:db8::1\",\"src_port\":22,\"dest_ip\":\"2001:db8::2\",\"dest_port\":5000,"
        "\"proto\":\"TCP\",\"alert\":{\"signature_id\":2210045,\"gid\":1,\"rev\":2,"
        "\"signature\":\"SURICATA STREAM Packet with invalid ack\",\"severity\":3},"
        "\"app_proto\":\"ssh\",\"host\":\"ids-1\"}", 0, &je);
    char *out = render(doc, "c61f61c0-2510-8000-8000-000000000000");
    assert_non_null(strstr(out, "time      2024-03-05T13:02:12.013004+0000 (logged as "
                                "2024-03-05T14:02:12.013004+0100)\n"));
    assert_non_null(strstr(out, "event     alert record from another sensor"));
    assert_non_null(strstr(out, "packet    [2001:db8::1]:22 -> [2001:db8::2]:5000 TCP"));
    assert_non_null(strstr(out, "sensor    ids-1\n"));
    assert_non_null(strstr(out, "\nother fields\n  app_proto     ssh\n"));
    assert_non_null(strstr(out, "ladder    not available"));
    free(out);
    json_decref(doc);
}

/* Every field replaced by a value of each wrong type: still renders. */
static void test_wrong_types(void **state)
{
    (void)state;
    json_error_t je;
    json_t *base = json_loads(doc_text, 0, &je);
    json_t *values[] = {json_null(), json_true(), json_integer(-1), json_real(1e300),
                        json_string(""), json_string("zz"), json_array(), json_object()};
    const char *paths[][2] = {{NULL, "timestamp"}, {NULL, "src_ip"}, {NULL, "src_port"},
                              {NULL, "alert"}, {NULL, "hijack"}, {NULL, "vlan"},
                              {"hijack", "evidence"}, {"hijack", "packets"},
                              {"hijack", "related"}, {"hijack", "ruled_out"},
                              {"hijack", "direction"}, {"alert", "severity"}};
    for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++)
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            json_t *doc = json_deep_copy(base);
            json_t *obj = paths[p][0] ? json_object_get(doc, paths[p][0]) : doc;
            json_object_set(obj, paths[p][1], values[v]);
            char *out = render(doc, NULL);
            assert_non_null(out);
            assert_non_null(strstr(out, "alert     "));
            free(out);
            /* the flow graph and the filters too */
            out = render_as(HTML, doc, NULL, NULL);
            assert_non_null(strstr(out, "</svg>\n<h2"));
            free(out);
            out = render_as(SVG, doc, NULL, NULL);
            assert_non_null(strstr(out, "</svg>\n"));
            free(out);
            free(render_as(FILTERS, doc, NULL, NULL));
            json_decref(doc);
        }
    /* packets with junk inside */
    json_t *doc = json_deep_copy(base);
    json_t *pk = json_object_get(json_object_get(doc, "hijack"), "packets");
    json_array_append_new(pk, json_string("not a packet"));
    json_array_append_new(pk, json_pack("{s:s, s:s, s:s}", "ts", "garbage", "dir", "sideways",
                                        "flags", ""));
    json_array_append_new(pk, json_pack("{s:I, s:i}", "ts", (json_int_t)1, "flags", 0xff));
    char *out = render(doc, NULL);
    assert_non_null(strstr(out, "SFRPAUEC"));
    /* drawn in time order: the packet of time 1 us comes first */
    char *first = line_with(out, "00:00:00.000001");
    assert_non_null(first);
    assert_non_null(strstr(first, "+0.000000"));
    free(first);
    free(out);
    json_decref(doc);
    /* a byte string that is long and odd-length */
    doc = json_deep_copy(base);
    json_t *ev = json_object_get(json_object_get(doc, "hijack"), "evidence");
    char *big = malloc(5001);
    memset(big, 'a', 5000);
    big[5000] = '\0';
    json_object_clear(ev);
    json_object_set_new(ev, "old_bytes", json_string(big));
    json_object_set_new(ev, "new_bytes", json_string("aa"));
    json_object_set_new(ev, "extra_data", json_string("abc"));
    out = render(doc, NULL);
    assert_non_null(strstr(out, "only the first 1024 bytes are shown"));
    assert_non_null(strstr(out, "extra_data"));
    free(out);
    free(big);
    json_decref(doc);
    for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
        json_decref(values[v]);
    json_decref(base);
}

/* The other forms show accepts: byte strings directly under *_bytes keys, packet
 * time as "ts" (number or string), the offending packet as "mark". */
static void test_alternate_forms(void **state)
{
    (void)state;
    json_error_t je;
    json_t *doc = json_loads(doc_text, 0, &je);
    json_t *h = json_object_get(doc, "hijack");
    json_object_set_new(h, "evidence", json_pack("{s:s, s:s, s:i}", "old_bytes", "41424344",
                                                 "new_bytes", "41424345", "n", 1));
    json_object_set_new(h, "packets",
        json_pack("[{s:I, s:s, s:s, s:b}, {s:s, s:i, s:s, s:b}]",
                  "ts", (json_int_t)1709643732000000ll, "dir", "to_server", "flags", "S", "mark", 0,
                  "ts", "2024-03-05T13:02:12.5Z", "dir", 1, "flags", "SA", "mark", 1));
    char *out = render(doc, NULL);
    assert_non_null(strstr(out, "old_bytes vs new_bytes: 4 and 4 bytes, 1 differ"));
    assert_non_null(strstr(out, "|ABCD|"));
    char *l = line_with(out, "+0.500000");
    assert_non_null(l);
    assert_non_null(strstr(l, "|<-- SA "));
    assert_non_null(strstr(l, "<== ALERT"));
    free(l);
    l = line_with(out, "+0.000000");
    assert_non_null(strstr(l, "|--- S "));
    assert_null(strstr(l, "ALERT"));
    free(l);
    free(out);
    /* a single byte string is dumped on its own */
    json_object_set_new(h, "evidence", json_pack("{s:s}", "payload", "00ff41"));
    out = render(doc, NULL);
    assert_non_null(strstr(out, "payload (3 bytes)\n    0000  00 ff 41 "));
    assert_non_null(strstr(out, "|..A|"));
    free(out);
    json_decref(doc);
}

#define NDOCS 7
static json_t *docs[NDOCS];
static size_t ndocs;

static int load(void **state)
{
    (void)state;
    const char *src = getenv("SW_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/show_demo_alerts.jsonl", src ? src : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    while (ndocs < NDOCS && getline(&line, &cap, f) > 0) {
        docs[ndocs] = json_loads(line, 0, NULL);
        if (!docs[ndocs])
            break;
        ndocs++;
    }
    free(line);
    fclose(f);
    return ndocs == NDOCS ? 0 : -1;
}

static int unload(void **state)
{
    (void)state;
    for (size_t i = 0; i < ndocs; i++)
        json_decref(docs[i]);
    return 0;
}

static json_t *by_event(const char *ev)
{
    for (size_t i = 0; i < ndocs; i++)
        if (!strcmp(json_string_value(json_object_get(json_object_get(docs[i], "hijack"), "event")),
                    ev))
            return docs[i];
    fail_msg("no %s alert in the fixture", ev);
    return NULL;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_overlap_verdict_and_marks(void **state)
{
    (void)state;
    const json_t *doc = by_event("overlap_mismatch");
    char v[1024];
    sw_show_verdict(doc, NULL, v, sizeof v);
    /* the forged first version (TTL 51, the attacker's MAC) was delivered and ACKed
     * before the real client's retransmission came 354 ms later */
    assert_string_equal(v, "the server accepted the forged version -- TTL 51, IP-ID 4919, MAC "
                           "02:de:ad:be:ef:01 -- 354.0 ms before the genuine one (6 bytes)");
    char *out = render_as(TEXT, doc, "x", NULL);
    assert_non_null(strstr(out, "\nverdict   the server accepted the forged version"));
    /* the forged packet is marked, not only the one that confirmed the check */
    char *forged = line_with(out, "<== forged: first version");
    assert_non_null(forged);
    assert_non_null(strstr(forged, "|--- P. seq=4 ack=36 len=29 win=64256 ttl=51 "));
    assert_non_null(strstr(forged, "22:13:20.818"));
    char *trig = line_with(out, "<== ALERT");
    assert_non_null(trig);
    assert_non_null(strstr(trig, "len=6 win=64256 ttl=64"));
    assert_non_null(strstr(trig, "genuine: second version"));
    /* relative bases said, evidence values readable */
    assert_non_null(strstr(out, "client seq relative: 0 = 472727135"));
    assert_non_null(strstr(out, "  seq                      472727139 (relative 4)\n"));
    assert_non_null(strstr(out, "  interval_us              354.0 ms\n"));
    assert_non_null(strstr(out, "    ts_us                 2023-11-14T22:13:20.818000+0000\n"));
    assert_non_null(strstr(out, "  foreign_fingerprint      ttl, mac, timestamps\n"));
    assert_non_null(strstr(out, "  ranges\n    - seq 472727139 (relative 4), len 6, stream_offset 19\n"));
    free(forged);
    free(trig);
    free(out);
    /* --absolute: the raw numbers */
    sw_show_opts abs = {1, NULL, 0};
    out = render_as(TEXT, doc, "x", &abs);
    assert_non_null(strstr(out, "P. seq=472727139 ack=2053856454 len=29 win=64256 ttl=51"));
    assert_null(strstr(out, "seq relative"));
    assert_null(strstr(out, "(relative"));
    free(out);
}

static void test_takeover_chain(void **state)
{
    (void)state;
    const json_t *doc = by_event("session_takeover");
    sw_show_opts o = {0, (const json_t *const *)docs, ndocs};
    char v[1024];
    sw_show_verdict(doc, &o, v, sizeof v);
    assert_string_equal(v, "the connection was taken over: data injected toward the server at "
                           "22:13:20.818000 (tsval_regression, ttl_anomaly, mac_change, "
                           "overlap_mismatch), then the real endpoints fell out of sync (desync) "
                           "356.8 ms later");
    for (size_t i = 0; i < ndocs; i++) {
        const char *ev =
            json_string_value(json_object_get(json_object_get(docs[i], "hijack"), "event"));
        /* every alert but the verdict itself and the ack_storm (after it) is in its chain */
        int want = strcmp(ev, "session_takeover") && strcmp(ev, "ack_storm");
        assert_int_equal(sw_show_in_chain(doc, docs[i]), want);
    }
    /* an alert naming the verdict as its incident_id is a member too */
    json_t *other = json_deep_copy(by_event("ack_storm"));
    json_object_set(other, "incident_id", json_object_get(doc, "alert_id"));
    assert_true(sw_show_in_chain(doc, other));
    json_object_set_new(other, "incident_id", json_string("00000000-0000-0000-0000-000000000000"));
    assert_false(sw_show_in_chain(doc, other));
    json_decref(other);
    char *out = render_as(TEXT, doc, "x", &o);
    /* the injected segment (not in the verdict's own 8 packets: the storm) is drawn,
     * once, though three ladders hold it with slightly different rebuilt times */
    assert_int_equal(count(out, "len=29 win=64256 ttl=51"), 1);
    char *inj = line_with(out, "<== INJECTED");
    assert_non_null(inj);
    assert_non_null(strstr(inj, "22:13:20.818000"));
    assert_non_null(strstr(inj, "|--- P. seq=4 ack=82 len=29"));
    free(inj);
    /* the genuine retransmission and the storm's last ACK (the alert) */
    assert_int_equal(count(out, "len=6 win=64256 ttl=64"), 1);
    assert_non_null(strstr(out, "<== genuine: second version"));
    char *al = line_with(out, "<== ALERT");
    assert_non_null(al);
    assert_non_null(strstr(al, "22:13:21.174800"));
    free(al);
    assert_non_null(strstr(out, "and 10 from the alerts of its chain"));
    assert_non_null(strstr(out, "  chain\n    - event tsval_regression, ts_us 2023-11-14T22:13:20"));
    free(out);
    /* without the other alerts: only the storm, and no injected segment */
    out = render_as(TEXT, doc, "x", NULL);
    assert_null(strstr(out, "INJECTED"));
    assert_int_equal(count(out, "ttl=51"), 0);
    free(out);
}

static void test_graph(void **state)
{
    (void)state;
    const json_t *doc = by_event("session_takeover");
    sw_show_opts o = {0, (const json_t *const *)docs, ndocs};
    char *h = render_as(HTML, doc, "x", &o);
    assert_true(strncmp(h, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(h, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    /* one arrow group per packet: 18 (8 own + 10 from the chain), the injected one red */
    assert_int_equal(count(h, "<g class=\""), 18);
    assert_int_equal(count(h, "<g class=\"forged\""), 1);
    assert_int_equal(count(h, "<g class=\"alert\""), 1);
    assert_int_equal(count(h, "<g class=\"genuine\""), 1);
    assert_non_null(strstr(h, "INJECTED: forged: first version"));
    /* both versions of the overlapping bytes, taken from the chain's overlap */
    assert_non_null(strstr(h, "first version - forged (6 bytes)"));
    assert_non_null(strstr(h, "second version - genuine (6 bytes)"));
    assert_non_null(strstr(h, "cat /e"));
    /* the text form inside, and nothing that could fetch or run anything */
    assert_non_null(strstr(h, "<pre id=\"alert-text\">"));
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "http://"  "example"));
    assert_null(strstr(h, "src="));
    assert_null(strstr(h, "href"));
    assert_null(strstr(h, "url("));
    assert_int_equal(count(h, "://"), count(h, "http://www.w3.org/2000/svg"));
    free(h);
    char *s = render_as(SVG, doc, "x", &o);
    assert_true(strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0);
    assert_int_equal(count(s, "<g class=\"forged\""), 1);
    free(s);
}

/* Attacker-controlled strings (payload bytes, names) cannot break out. */
static void test_graph_escapes(void **state)
{
    (void)state;
    json_t *doc = json_deep_copy(by_event("overlap_mismatch"));
    json_t *h = json_object_get(doc, "hijack");
    json_t *ev = json_object_get(h, "evidence");
    /* "<script>alert(1)</script>" and "\"'&<>" + control bytes as payload */
    json_object_set_new(json_object_get(ev, "first_version"), "hex",
                        json_string("3c7363726970743e616c6572742831293c2f7363726970743e"));
    json_object_set_new(json_object_get(ev, "second_version"), "hex",
                        json_string("2227263c3e000a1b7f"));
    json_object_set_new(doc, "host", json_string("<script>alert('host')</script>"));
    json_object_set_new(doc, "pcap_filename", json_string("a\"b<c>&d'.pcap"));
    json_object_set_new(h, "event", json_string("overlap_mismatch<img src=x onerror=alert(1)>"));
    json_object_set_new(json_object_get(doc, "alert"), "signature",
                        json_string("</title><script>x</script>"));
    for (int svg = 0; svg < 2; svg++) {
        char *out = render_as(svg ? SVG : HTML, doc, "x", NULL);
        assert_null(strstr(out, "<script"));
        assert_null(strstr(out, "<img"));
        assert_null(strstr(out, "</title><"));
        assert_non_null(strstr(out, "&lt;script&gt;"));
        assert_non_null(strstr(out, "&lt;img src=x onerror=alert(1)&gt;"));
        /* the payload's printable column: <script>alert(1)</script> escaped */
        assert_non_null(strstr(out, "<tspan class=\"diff\">&lt;script&gt;alert(1)</tspan>"));
        assert_non_null(strstr(out, "<tspan class=\"diff\">&lt;/script&gt;</tspan>"));
        /* control bytes are not printed raw */
        assert_null(strchr(out, 0x1b));
        assert_null(strchr(out, 0x7f));
        if (!svg) {
            assert_non_null(strstr(out, "&lt;script&gt;alert(&#39;host&#39;)&lt;/script&gt;"));
            assert_non_null(strstr(out, "a&quot;b&lt;c&gt;&amp;d&#39;.pcap"));
        }
        free(out);
    }
    json_decref(doc);
}

static void test_pcap(void **state)
{
    (void)state;
    const json_t *doc = by_event("session_takeover");
    sw_show_opts o = {0, (const json_t *const *)docs, ndocs};
    char path[] = "/tmp/sw_show_pcap_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    assert_int_equal(sw_show_write_pcap(path, doc, &o, err, sizeof err), 18);
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, perr);
    assert_non_null(p);
    assert_int_equal(pcap_datalink(p), DLT_RAW);
    struct pcap_pkthdr *ph;
    const unsigned char *b;
    int n = 0, injected = 0;
    uint64_t prev = 0;
    while (pcap_next_ex(p, &ph, &b) == 1) {
        n++;
        uint64_t ts = (uint64_t)ph->ts.tv_sec * 1000000u + (uint64_t)ph->ts.tv_usec;
        assert_true(ts >= prev);
        prev = ts;
        assert_true(ph->caplen >= 40);
        assert_int_equal(b[0], 0x45);
        unsigned tot = (unsigned)b[2] << 8 | b[3];
        assert_int_equal(ph->len, tot);       /* the original length is kept */
        unsigned ttl = b[8];
        uint32_t seq = (uint32_t)b[24] << 24 | (uint32_t)b[25] << 16 | (uint32_t)b[26] << 8 | b[27];
        if (ttl == 51) {
            injected++;
            assert_int_equal(ts, 1700000000818000ull);
            assert_int_equal(seq, 472727139u);    /* raw numbers in the capture */
            assert_int_equal(ph->len - ph->caplen, 29);
            assert_memory_equal(b + 12, "\xc0\xa8\x38\x0a", 4);   /* from the client */
            assert_int_equal(b[33], 0x18);                         /* PSH|ACK */
        }
    }
    pcap_close(p);
    unlink(path);
    assert_int_equal(n, 18);
    assert_int_equal(injected, 1);
    assert_true(sw_show_write_pcap("/nonexistent-dir/x.pcap", doc, &o, err, sizeof err) < 0);
    assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
    /* nothing held (a Suricata record, --history 0): no file at all */
    json_t *bare = json_deep_copy(doc);
    json_object_set_new(json_object_get(bare, "hijack"), "packets", json_array());
    assert_int_equal(sw_show_write_pcap(path, bare, NULL, err, sizeof err), 0);
    assert_int_equal(access(path, F_OK), -1);
    json_decref(bare);
}

static void test_filters(void **state)
{
    (void)state;
    const json_t *doc = by_event("session_takeover");
    sw_show_opts o = {0, (const json_t *const *)docs, ndocs};
    char *out = render_as(FILTERS, doc, "x", &o);
    const char *tuple =
        "((ip.src==192.168.56.10 && tcp.srcport==50123 && ip.dst==192.168.56.20 && "
        "tcp.dstport==23) || (ip.src==192.168.56.20 && tcp.srcport==23 && "
        "ip.dst==192.168.56.10 && tcp.dstport==50123))";
    /* bounds: the real times of the oldest held packet (trace frame 12, 20.261000;
     * the ladder rebuilds it 152 us late) and of the alert's packet (frame 29,
     * 21.174800) are inside; frame 30 (21.175100) of the storm is not */
    char *tl = line_with(out, "frame.time_epoch >= ");
    assert_non_null(tl);
    assert_non_null(strstr(tl, tuple));
    unsigned long long lo_s, lo_f, hi_s, hi_f;
    assert_int_equal(sscanf(strstr(tl, "frame.time_epoch >= "),
                            "frame.time_epoch >= %llu.%llu && frame.time_epoch <= %llu.%llu",
                            &lo_s, &lo_f, &hi_s, &hi_f), 4);
    unsigned long long lo = lo_s * 1000000 + lo_f, hi = hi_s * 1000000 + hi_f;
    assert_true(lo <= 1700000000261000ull && lo > 1700000000230000ull);
    assert_true(hi >= 1700000001174800ull && hi < 1700000001175100ull);
    free(tl);
    assert_non_null(strstr(out, "tcp and ((src host 192.168.56.10 and src port 50123 and dst host "
                                "192.168.56.20 and dst port 23) or (src host 192.168.56.20 and src "
                                "port 23 and dst host 192.168.56.10 and dst port 50123))"));
    assert_non_null(strstr(out, "tshark -r 'tests/traces/demo-hijack.pcap' -w connection.pcap -Y '"));
    free(out);
    /* a hostile file name is single-quoted safely; a bad address gives no filter */
    json_t *d2 = json_deep_copy(doc);
    json_object_set_new(d2, "pcap_filename", json_string("x'; rm -rf / #.pcap"));
    out = render_as(FILTERS, d2, "x", NULL);
    assert_non_null(strstr(out, "tshark -r 'x'\\''; rm -rf / #.pcap' "));
    free(out);
    json_object_set_new(d2, "src_ip", json_string("1.2.3.4) or (host 5.6.7.8"));
    out = render_as(FILTERS, d2, "x", NULL);
    assert_non_null(strstr(out, "filters   not available"));
    assert_null(strstr(out, "5.6.7.8"));
    free(out);
    json_decref(d2);
}

/* A takeover from the e2e lab (tests/data/show_e2e_takeover.jsonl: the lab's
 * session_takeover scenario, IPv4): the attacker on the link injects with the
 * client's TTL, MAC and timestamps, so neither overlap version looks foreign; the
 * verdict's ladder marks the version the server kept as the injection and draws it
 * from the evidence (no ladder holds it any more), and the attacker's later packets
 * by their sequence numbers beyond the real client's SND.NXT. */
static void test_e2e_takeover(void **state)
{
    (void)state;
    const char *src = getenv("SW_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/show_e2e_takeover.jsonl", src ? src : ".");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    json_t *all[8];
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    while (n < 8 && getline(&line, &cap, f) > 0)
        assert_non_null(all[n++] = json_loads(line, 0, NULL));
    free(line);
    fclose(f);
    json_t *doc = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(json_string_value(json_object_get(json_object_get(all[i], "hijack"), "event")),
                    "session_takeover"))
            doc = all[i];
    assert_non_null(doc);
    sw_show_opts o = {0, (const json_t *const *)all, n};
    char v[1024];
    sw_show_verdict(doc, &o, v, sizeof v);
    assert_non_null(strstr(v, "data injected toward the server at 18:40:16.841077 "
                              "(overlap_mismatch x3), then the real endpoints fell out of sync "
                              "(desync) 414.5 ms later"));
    char *out = render_as(TEXT, doc, "x", &o);
    assert_int_equal(count(out, "headers from the evidence"), 1);
    char *inj = line_with(out, "<== INJECTED, the version the receiver kept: first version, "
                               "headers from the evidence");
    assert_non_null(inj);
    assert_non_null(strstr(inj, "18:40:13.689536"));
    assert_non_null(strstr(inj, "|--- P. seq=0 len=9 ttl=64 "));
    free(inj);
    assert_int_equal(count(out, "<== the real sender's: second version"), 2);
    /* the attacker's later segments and ACKs (evil 003, evil 004 and three ACKs: the
     * lab attacker's log) reach beyond the real client's SND.NXT at the loss of sync
     * (desync: declared 3089116341 = relative 16, the server expects 45) */
    assert_int_equal(count(out, "<== INJECTED, not the client's: beyond its SND.NXT (16)"), 5);
    static const char *const attacker[] = {"|--- . seq=27 ack=36 len=0 ", "|--- P. seq=27 ack=36 len=9 ",
                                           "|--- . seq=36 ack=48 len=0 ", "|--- P. seq=36 ack=48 len=9 ",
                                           "|--- . seq=45 ack=60 len=0 "};
    for (size_t i = 0; i < sizeof attacker / sizeof attacker[0]; i++) {
        char *l = line_with(out, attacker[i]);
        assert_non_null(l);
        assert_non_null(strstr(l, "beyond its SND.NXT"));
        free(l);
    }
    /* the real client's own segments (its retransmissions, its ACK) are not */
    static const char *const real[] = {"|--- P. seq=0 ack=0 len=8 ", "|--- . seq=8 ack=0 len=0 ",
                                       "|--- P. seq=8 ack=0 len=8 ", "|--- P. seq=0 ack=0 len=16 "};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        char *l = line_with(out, real[i]);
        assert_non_null(l);
        assert_null(strstr(l, "INJECTED"));
        free(l);
    }
    free(out);
    /* the graph: the injection red, the two real retransmissions green, the bytes of
     * the chain's overlap labelled by the same inference */
    out = render_as(HTML, doc, "x", &o);
    assert_int_equal(count(out, "<g class=\"forged\""), 6);
    assert_int_equal(count(out, "<g class=\"genuine\""), 2);
    assert_int_equal(count(out, "P. seq=0 len=9 ttl=64 (headers from the evidence)"), 1);
    assert_non_null(strstr(out, "first version - kept by the receiver: injected (8 bytes)"));
    assert_non_null(strstr(out, "second version - the real sender's (8 bytes)"));
    free(out);
    /* outside the verdict the overlap cannot say which version is forged */
    for (size_t i = 0; i < n; i++)
        if (!strcmp(json_string_value(json_object_get(json_object_get(all[i], "hijack"), "event")),
                    "overlap_mismatch")) {
            out = render_as(TEXT, all[i], "x", NULL);
            assert_null(strstr(out, "INJECTED"));
            assert_null(strstr(out, "forged"));
            assert_non_null(strstr(out, "<-- overlap: first version"));
            free(out);
            break;
        }
    /* the rebuilt row is not written to a capture (no ack, no window) */
    char tmp[] = "/tmp/sw_show_e2e_XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    long w = sw_show_write_pcap(tmp, doc, &o, err, sizeof err);
    unlink(tmp);
    out = render_as(TEXT, doc, "x", &o);
    char *hdr = line_with(out, "from the alerts of its chain");
    unsigned own = 0, chain = 0;
    assert_int_equal(sscanf(hdr, "ladder (last %u packets of the connection, and %u from", &own,
                            &chain), 2);
    assert_int_equal(w, (long)(own + chain) - 1);
    free(hdr);
    free(out);
    for (size_t i = 0; i < n; i++)
        json_decref(all[i]);
}

/* Relative numbers count from the ISN when the handshake is in the ladder: a
 * server's SYN-ACK gives both (its own seq, the client's ISN + 1 in its ack). */
static void test_relative_isn(void **state)
{
    (void)state;
    json_error_t je;
    json_t *doc = json_loads(doc_text, 0, &je);
    json_t *h = json_object_get(doc, "hijack");
    json_object_set_new(h, "evidence", json_object());
    json_object_set_new(h, "packets",
        json_pack("[{s:I,s:s,s:s,s:I,s:I,s:i}, {s:I,s:s,s:s,s:I,s:I,s:i}, {s:I,s:s,s:s,s:I,s:I,s:i,s:b}]",
                  "ts_us", (json_int_t)1000, "dir", "to_client", "flags", "S.", "seq",
                  (json_int_t)4294967000ll, "ack", (json_int_t)1001, "len", 0,
                  "ts_us", (json_int_t)2000, "dir", "to_server", "flags", ".", "seq",
                  (json_int_t)1001, "ack", (json_int_t)4294967001ll, "len", 0,
                  "ts_us", (json_int_t)3000, "dir", "to_client", "flags", "P.", "seq",
                  (json_int_t)4294967001ll, "ack", (json_int_t)1001, "len", 400, "trigger", 1));
    char *out = render(doc, NULL);
    assert_non_null(strstr(out, "client seq relative: 0 = 1000 (its ISN)"));
    assert_non_null(strstr(out, "server seq relative: 0 = 4294967000 (its ISN)"));
    assert_non_null(strstr(out, "|<-- S. seq=0 ack=1 len=0 "));
    assert_non_null(strstr(out, "|--- . seq=1 ack=1 len=0 "));
    assert_non_null(strstr(out, "|<-- P. seq=1 ack=1 len=400 "));   /* across the wrap */
    free(out);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert),
        cmocka_unit_test(test_suricata_record),
        cmocka_unit_test(test_alternate_forms),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_relative_isn),
    };
    const struct CMUnitTest demo[] = {
        cmocka_unit_test(test_overlap_verdict_and_marks),
        cmocka_unit_test(test_takeover_chain),
        cmocka_unit_test(test_graph),
        cmocka_unit_test(test_graph_escapes),
        cmocka_unit_test(test_pcap),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_e2e_takeover),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("demo alerts", demo, load, unload);
}
