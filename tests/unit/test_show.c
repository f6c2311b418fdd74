/*
 * test_show.c — `seqwatch show` rendering: header lines, evidence with the two
 * versions of overlapping bytes compared (differences marked under exactly the
 * differing bytes), the ladder (client left, server right, arrow directions,
 * numeric or textual flags/directions, the offending packet marked), graceful output
 * for Suricata records, and no crash on documents whose fields have the wrong types.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

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

/* Rendered through a temporary file: open_memstream's pointer-to-local trips GCC
 * 12's -Wdangling-pointer at -O2 (a false positive). */
static char *render(const json_t *doc, const char *id)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    sw_show_alert(f, id, doc);
    long n = ftell(f);
    assert_true(n >= 0);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert),
        cmocka_unit_test(test_suricata_record),
        cmocka_unit_test(test_alternate_forms),
        cmocka_unit_test(test_wrong_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
