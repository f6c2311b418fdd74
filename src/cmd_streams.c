/*
 * cmd_streams.c — `seqwatch streams`: read a capture file, reassemble every TCP
 * connection through the public engine API, and write each direction's bytes to
 * its own file; one JSON line per direction (the manifest) says where the bytes
 * are, how many, which ranges were never seen (gaps, not filled in the file) and
 * their SHA-256.
 *
 * Invariants: state is held only for live directions (created on their first
 * chunk, finished and freed on their CLOSE notice); at most --max-open-files
 * files are open at once (least recently written closed first, reopened in append
 * mode); the gap list of a direction is capped (the counts never are). Output is
 * deterministic for a given capture: manifest lines come in the order directions
 * end.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <jansson.h>
#include <sodium.h>

#include "seqwatch.h"
#include "common/sw_list.h"
#include "detector/capture.h"
#include "src/cli.h"
#include "src/commands.h"

#define GAP_LIST_MAX 64

typedef struct sdir {
    struct sdir *hnext;                 /* hash chain */
    struct sdir *lru_prev, *lru_next;   /* open files, most recent at the tail */
    uint64_t flow_id;
    uint32_t instance;
    int dir;
    FILE *fp;
    int created;                        /* the file exists (first open truncates) */
    uint64_t bytes, gaps, gap_bytes, urgent_chunks;
    uint64_t start_us, end_us;
    uint16_t src_port, dest_port;
    uint8_t fin, rst, midstream;
    uint8_t ngap;
    struct { uint64_t off, len, file_off; } gap[GAP_LIST_MAX];
    uint64_t gap_end, gap_end_file;   /* where the last gap notice ended (gap_end 0: none) */
    crypto_hash_sha256_state sha;
    char src_ip[64], dest_ip[64];
    char name[256];
} sdir;

typedef struct streams {
    const char *outdir;
    FILE *manifest;
    sdir **bucket;
    size_t nbucket, nlive;
    sdir *lru_head, *lru_tail;
    size_t nopen, max_open;
    sdir *last;                         /* last looked up */
    int failed;                         /* a write failed: stop with status 1 */
    char errmsg[512];
    uint64_t ndirs, total_bytes;
    int urgent_inline;                  /* --stream-urgent inline: write the OOB byte */
} streams;

static void streams_usage(FILE *f)
{
    fprintf(f,
"usage: seqwatch streams -r FILE -o DIR [OPTIONS]\n"
"\n"
"Reassemble every TCP connection of a capture file and write each direction's\n"
"bytes to its own file in DIR, exactly as seqwatch's reassembly delivers them:\n"
"in order, the first version of any byte sent twice, and nothing for bytes that\n"
"were never captured (gaps are listed in the manifest, not filled in the file).\n"
"For every direction that carried data, one JSON line (the manifest) goes to\n"
"stdout, or to --manifest FILE.\n"
"\n"
"File names: START_US-SRC.SPORT-DST.DPORT-INSTANCE-c2s|s2c.bin, where START_US is\n"
"the connection's first packet time in microseconds, INSTANCE numbers reuses of\n"
"one address/port pair (0, 1, ...), ':' in IPv6 addresses is written as '_', and\n"
"c2s is the client-to-server direction.\n"
"\n"
"Manifest fields: src_ip, src_port, dest_ip, dest_port, start (ISO 8601 UTC),\n"
"start_us, end_us, dir (c2s|s2c), file, bytes, gaps, gap_bytes, gap_list\n"
"([{offset, len, file_offset}], at most %d entries, gap_list_truncated says when\n"
"more), fin, rst, midstream, flow_id, conn_instance, sha256 (of the file).\n"
"\n"
"Options:\n"
"  -r, --read FILE          capture file to read (pcap or pcapng; '-' = stdin)\n"
"  -o, --output-dir DIR     directory for the stream files (created if missing)\n"
"      --manifest FILE      write the manifest to FILE instead of stdout ('-' = stdout)\n"
"  -f, --filter BPF         only packets matching this BPF expression\n"
"      --checksum auto|on|off  verify IP/TCP checksums (a packet with a bad checksum\n"
"                           is not used). auto (default): also take the packets of a\n"
"                           host whose own outgoing TCP packets carry the checksum\n"
"                           offload signature; on: take none; off: verify nothing\n"
"      --vlan aware|ignore  aware (default): VLAN tags are part of a connection's\n"
"                           identity; ignore: a connection whose directions carry\n"
"                           different VLAN IDs (trunk capture at a router) is one\n"
"      --frag-policy P      which bytes IP reassembly keeps where fragments overlap:\n"
"                           linux (default: Linux 6.x, an overlap drops the datagram),\n"
"                           first, last, bsd, windows, solaris (docs/decoding.md)\n"
"      --stream-overlap linux|first  which copy of a byte still queued out of order\n"
"                           is written where segments overlap: linux (default: the\n"
"                           segment that starts earlier, as Linux reads it), first\n"
"                           (the first copy seen; docs/reassembly.md)\n"
"      --stream-urgent oob|inline  the byte named by an urgent pointer: oob (default:\n"
"                           left out, as a socket without SO_OOBINLINE reads), inline\n"
"      --stream-depth SIZE  write at most SIZE bytes per direction (default 0 =\n"
"                           unlimited); e.g. 1M\n"
"      --stream-memcap SIZE out-of-order bytes held in all flows (default 256M)\n"
"      --stream-flow-cap SIZE  out-of-order bytes held per flow (default 4M); data\n"
"                           refused at a cap becomes a gap\n"
"      --max-flows N        flows tracked at once (default 1000000)\n"
"      --timeout-established S  idle timeout of established connections (default 3600 s)\n"
"      --max-open-files N   stream files kept open at once (default 256)\n"
"  -q, --quiet              no summary line on stderr\n"
"  -h, --help               this help\n"
"\n"
"Exit status: 0 success, 1 runtime error (unreadable capture, write failure),\n"
"2 usage error.\n", GAP_LIST_MAX);
}

enum { O_MANIFEST = 256, O_CFG, O_CHECKSUM, O_MAXOPEN, O_FRAG_POLICY, O_VLAN, O_OVERLAP, O_URGENT };

static const struct option streams_opts[] = {
    {"read", required_argument, 0, 'r'},
    {"output-dir", required_argument, 0, 'o'},
    {"manifest", required_argument, 0, O_MANIFEST},
    {"filter", required_argument, 0, 'f'},
    {"checksum", required_argument, 0, O_CHECKSUM},
    {"frag-policy", required_argument, 0, O_FRAG_POLICY},
    {"vlan", required_argument, 0, O_VLAN},
    {"stream-overlap", required_argument, 0, O_OVERLAP},
    {"stream-urgent", required_argument, 0, O_URGENT},
    {"stream-depth", required_argument, 0, O_CFG},
    {"stream-memcap", required_argument, 0, O_CFG},
    {"stream-flow-cap", required_argument, 0, O_CFG},
    {"max-flows", required_argument, 0, O_CFG},
    {"timeout-established", required_argument, 0, O_CFG},
    {"max-open-files", required_argument, 0, O_MAXOPEN},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static int bad_value(const char *opt, const char *val)
{
    fprintf(stderr, "seqwatch streams: invalid value '%s' for --%s (see 'seqwatch streams --help')\n",
            val, opt);
    return 2;
}

/* ---- per-direction table ---- */

static size_t hash_key(uint64_t flow_id, uint32_t inst, int dir, size_t nbucket)
{
    uint64_t x = flow_id ^ ((uint64_t)inst << 1) ^ (uint64_t)dir ^ 0x9e3779b97f4a7c15ull;
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return (size_t)(x & (nbucket - 1));
}

static int table_grow(streams *s)
{
    size_t nb = s->nbucket ? s->nbucket * 2 : 1024;
    sdir **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < s->nbucket; i++) {
        sdir *d = s->bucket[i];
        while (d) {
            sdir *nx = d->hnext;
            size_t h = hash_key(d->flow_id, d->instance, d->dir, nb);
            d->hnext = b[h];
            b[h] = d;
            d = nx;
        }
    }
    free(s->bucket);
    s->bucket = b;
    s->nbucket = nb;
    return 0;
}

static void table_remove(streams *s, sdir *d)
{
    sdir **pp = &s->bucket[hash_key(d->flow_id, d->instance, d->dir, s->nbucket)];
    while (*pp && *pp != d)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = d->hnext;
    s->nlive--;
    if (s->last == d)
        s->last = NULL;
}

/* Write an address into a file-name-safe form. */
static void addr_for_name(const char *ip, char *out, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; ip && ip[i] && j + 1 < len; i++) {
        char ch = ip[i];
        out[j++] = (ch == ':' || ch == '/' || ch == '%') ? '_' : ch;
    }
    out[j] = 0;
}

static sdir *lookup(streams *s, const sw_stream_chunk *c)
{
    sdir *d = s->last;
    if (d && d->flow_id == c->flow_id && d->instance == c->conn_instance && d->dir == c->dir)
        return d;
    if (s->nbucket) {
        for (d = s->bucket[hash_key(c->flow_id, c->conn_instance, c->dir, s->nbucket)]; d; d = d->hnext)
            if (d->flow_id == c->flow_id && d->instance == c->conn_instance && d->dir == c->dir)
                return s->last = d;
    }
    if (s->nlive >= s->nbucket && table_grow(s))
        return NULL;
    d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->flow_id = c->flow_id;
    d->instance = c->conn_instance;
    d->dir = c->dir;
    d->start_us = c->conn_start_us;
    d->src_port = c->src_port;
    d->dest_port = c->dest_port;
    d->midstream = (c->flags & SW_CHUNK_MIDSTREAM) ? 1 : 0;
    snprintf(d->src_ip, sizeof d->src_ip, "%s", c->src_ip ? c->src_ip : "?");
    snprintf(d->dest_ip, sizeof d->dest_ip, "%s", c->dest_ip ? c->dest_ip : "?");
    char a[64], b[64];
    addr_for_name(d->src_ip, a, sizeof a);
    addr_for_name(d->dest_ip, b, sizeof b);
    snprintf(d->name, sizeof d->name, "%llu-%s.%u-%s.%u-%u-%s.bin",
             (unsigned long long)d->start_us, a, (unsigned)d->src_port, b,
             (unsigned)d->dest_port, (unsigned)d->instance, d->dir ? "s2c" : "c2s");
    crypto_hash_sha256_init(&d->sha);
    size_t h = hash_key(d->flow_id, d->instance, d->dir, s->nbucket);
    d->hnext = s->bucket[h];
    s->bucket[h] = d;
    s->nlive++;
    return s->last = d;
}

/* ---- open files ---- */

static void lru_unlink(streams *s, sdir *d)
{
    SW_DLIST_UNLINK(s->lru_head, s->lru_tail, d, lru_prev, lru_next);
}

static void fail(streams *s, const char *what, const char *name)
{
    if (!s->failed)
        snprintf(s->errmsg, sizeof s->errmsg, "%s %s/%s: %s", what, s->outdir, name, strerror(errno));
    s->failed = 1;
}

static void file_close(streams *s, sdir *d)
{
    if (!d->fp)
        return;
    if (fclose(d->fp) != 0)
        fail(s, "cannot write", d->name);
    d->fp = NULL;
    lru_unlink(s, d);
    s->nopen--;
}

static FILE *file_get(streams *s, sdir *d)
{
    if (d->fp) {
        if (s->lru_tail != d) {
            lru_unlink(s, d);
            SW_DLIST_PUSH_TAIL(s->lru_head, s->lru_tail, d, lru_prev, lru_next);
        }
        return d->fp;
    }
    while (s->nopen >= s->max_open && s->lru_head)
        file_close(s, s->lru_head);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s->outdir, d->name);
    d->fp = fopen(path, d->created ? "ab" : "wb");
    if (!d->fp) {
        fail(s, "cannot open", d->name);
        return NULL;
    }
    d->created = 1;
    SW_DLIST_PUSH_TAIL(s->lru_head, s->lru_tail, d, lru_prev, lru_next);
    s->nopen++;
    return d->fp;
}

/* ---- manifest ---- */

static void iso_time(uint64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[32];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06uZ", b, (unsigned)(us % 1000000u));
}

static void finish(streams *s, sdir *d)
{
    file_close(s, d);
    table_remove(s, d);
    if (d->bytes || d->gaps) {
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[2 * crypto_hash_sha256_BYTES + 1];
        crypto_hash_sha256_final(&d->sha, h);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        char when[64];
        iso_time(d->start_us, when, sizeof when);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", s->outdir, d->name);

        json_t *o = json_object();
        json_object_set_new(o, "src_ip", json_string(d->src_ip));
        json_object_set_new(o, "src_port", json_integer(d->src_port));
        json_object_set_new(o, "dest_ip", json_string(d->dest_ip));
        json_object_set_new(o, "dest_port", json_integer(d->dest_port));
        json_object_set_new(o, "start", json_string(when));
        json_object_set_new(o, "start_us", json_integer((json_int_t)d->start_us));
        json_object_set_new(o, "end_us", json_integer((json_int_t)d->end_us));
        json_object_set_new(o, "dir", json_string(d->dir ? "s2c" : "c2s"));
        json_object_set_new(o, "file", d->created ? json_string(path) : json_null());
        json_object_set_new(o, "bytes", json_integer((json_int_t)d->bytes));
        json_object_set_new(o, "gaps", json_integer((json_int_t)d->gaps));
        json_object_set_new(o, "gap_bytes", json_integer((json_int_t)d->gap_bytes));
        json_t *gl = json_array();
        for (unsigned i = 0; i < d->ngap; i++) {
            json_t *g = json_object();
            json_object_set_new(g, "offset", json_integer((json_int_t)d->gap[i].off));
            json_object_set_new(g, "len", json_integer((json_int_t)d->gap[i].len));
            json_object_set_new(g, "file_offset", json_integer((json_int_t)d->gap[i].file_off));
            json_array_append_new(gl, g);
        }
        json_object_set_new(o, "gap_list", gl);
        json_object_set_new(o, "gap_list_truncated", json_boolean(d->gaps > d->ngap));
        json_object_set_new(o, "fin", json_boolean(d->fin));
        json_object_set_new(o, "rst", json_boolean(d->rst));
        json_object_set_new(o, "midstream", json_boolean(d->midstream));
        json_object_set_new(o, "flow_id", json_integer((json_int_t)(d->flow_id & 0x7fffffffffffffffull)));
        json_object_set_new(o, "conn_instance", json_integer(d->instance));
        json_object_set_new(o, "sha256", json_string(hex));
        char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (line) {
            if (fprintf(s->manifest, "%s\n", line) < 0 && !s->failed) {
                snprintf(s->errmsg, sizeof s->errmsg, "cannot write the manifest: %s", strerror(errno));
                s->failed = 1;
            }
            free(line);
        }
        s->ndirs++;
        s->total_bytes += d->bytes;
    }
    free(d);
}

static void on_chunk(void *user, const sw_stream_chunk *c)
{
    streams *s = user;
    sdir *d = lookup(s, c);
    if (!d) {
        if (!s->failed)
            snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
        s->failed = 1;
        return;
    }
    if (c->ts_us > d->end_us)
        d->end_us = c->ts_us;
    switch (c->kind) {
    case SW_STREAM_DATA: {
        if (!c->len || s->failed)
            break;
        if ((c->flags & SW_CHUNK_OOB) && !s->urgent_inline)
            break;          /* the urgent byte: not in a default socket's stream */
        FILE *fp = file_get(s, d);
        if (!fp)
            break;
        if (fwrite(c->data, 1, c->len, fp) != c->len) {
            fail(s, "cannot write", d->name);
            break;
        }
        crypto_hash_sha256_update(&d->sha, c->data, c->len);
        d->bytes += c->len;
        break;
    }
    case SW_STREAM_GAP:
        /* one hole may come in several notices: merge those that continue the
         * previous one with no data in between */
        if (d->gap_end && d->gap_end == c->offset && d->gap_end_file == d->bytes) {
            if (d->ngap > 0 && d->gap[d->ngap - 1].off + d->gap[d->ngap - 1].len == c->offset)
                d->gap[d->ngap - 1].len += c->len;
        } else {
            if (d->ngap < GAP_LIST_MAX) {
                d->gap[d->ngap].off = c->offset;
                d->gap[d->ngap].len = c->len;
                d->gap[d->ngap].file_off = d->bytes;
                d->ngap++;
            }
            d->gaps++;
        }
        d->gap_end = c->offset + c->len;
        d->gap_end_file = d->bytes;
        d->gap_bytes += c->len;
        break;
    case SW_STREAM_FIN: d->fin = 1; break;
    case SW_STREAM_RST: d->rst = 1; break;
    case SW_STREAM_CLOSE: finish(s, d); break;
    }
}

int sw_cmd_streams(int argc, char **argv)
{
    sw_config cfg;
    sw_config_init(&cfg);
    const char *rfile = NULL, *outdir = NULL, *manifest_path = NULL, *bpf = NULL;
    int quiet = 0, urgent_inline = 0;
    uint64_t max_open = 256;

    optind = 1;
    opterr = 0;
    int ch, li = 0;
    while ((ch = getopt_long(argc, argv, ":r:o:f:qh", streams_opts, &li)) != -1) {
        switch (ch) {
        case 'r': rfile = optarg; break;
        case 'o': outdir = optarg; break;
        case 'f': bpf = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': streams_usage(stdout); return 0;
        case O_MANIFEST: manifest_path = optarg; break;
        case O_CHECKSUM:
            if (sw_cli_parse_checksum(optarg, &cfg)) return bad_value("checksum", optarg);
            break;
        case O_VLAN:
            if (sw_cli_parse_vlan(optarg, &cfg)) return bad_value("vlan", optarg);
            break;
        case O_FRAG_POLICY:
            if (sw_cli_parse_frag_policy(optarg, &cfg)) return bad_value("frag-policy", optarg);
            break;
        case O_OVERLAP:
            if (!strcmp(optarg, "linux")) cfg.stream_overlap = 0;
            else if (!strcmp(optarg, "first")) cfg.stream_overlap = 1;
            else return bad_value("stream-overlap", optarg);
            break;
        case O_URGENT:
            if (!strcmp(optarg, "oob")) urgent_inline = 0;
            else if (!strcmp(optarg, "inline")) urgent_inline = 1;
            else return bad_value("stream-urgent", optarg);
            break;
        case O_CFG:     /* the numeric settings of common/sw_config_table.h */
            if (sw_cli_parse_config_option(streams_opts[li].name, optarg, &cfg))
                return bad_value(streams_opts[li].name, optarg);
            break;
        case O_MAXOPEN:
            if (sw_cli_parse_uint(optarg, 65536, &max_open) || max_open == 0)
                return bad_value("max-open-files", optarg);
            break;
        case ':':
            fprintf(stderr, "seqwatch streams: option %s needs a value (see 'seqwatch streams --help')\n",
                    argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "seqwatch streams: unknown option %s (see 'seqwatch streams --help')\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "seqwatch streams: unexpected argument '%s' (see 'seqwatch streams --help')\n",
                argv[optind]);
        return 2;
    }
    if (!rfile || !outdir) {
        fprintf(stderr, "seqwatch streams: -r FILE and -o DIR are required (see 'seqwatch streams --help')\n");
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "seqwatch streams: cannot initialise libsodium\n");
        return 1;
    }
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "seqwatch streams: cannot create directory %s: %s\n", outdir, strerror(errno));
        return 1;
    }
    struct stat stt;
    if (stat(outdir, &stt) != 0 || !S_ISDIR(stt.st_mode)) {
        fprintf(stderr, "seqwatch streams: %s is not a directory\n", outdir);
        return 1;
    }

    char err[512];
    sw_capture *cap = sw_capture_open_file(rfile, bpf, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "seqwatch streams: %s\n", err);
        return 1;
    }
    int linktype = sw_capture_linktype(cap);
    if (!sw_linktype_supported(linktype)) {
        fprintf(stderr, "seqwatch streams: %s: link type %d is not supported\n", rfile, linktype);
        sw_capture_close(cap);
        return 1;
    }

    streams s;
    memset(&s, 0, sizeof s);
    s.outdir = outdir;
    s.max_open = (size_t)max_open;
    s.urgent_inline = urgent_inline;
    s.manifest = stdout;
    if (manifest_path && strcmp(manifest_path, "-") != 0) {
        s.manifest = fopen(manifest_path, "w");
        if (!s.manifest) {
            fprintf(stderr, "seqwatch streams: cannot open %s: %s\n", manifest_path, strerror(errno));
            sw_capture_close(cap);
            return 1;
        }
    }
    if (table_grow(&s)) {
        fprintf(stderr, "seqwatch streams: out of memory\n");
        sw_capture_close(cap);
        return 1;
    }

    sw_engine *e = sw_engine_new(&cfg, err, sizeof err);
    if (!e) {
        fprintf(stderr, "seqwatch streams: %s\n", err);
        sw_capture_close(cap);
        if (s.manifest != stdout)
            fclose(s.manifest);
        free(s.bucket);
        return 1;
    }
    sw_engine_set_stream_cb(e, on_chunk, &s);

    int status = 0, r;
    const uint8_t *frame;
    uint32_t caplen, wirelen;
    uint64_t ts;
    while (!s.failed && (r = sw_capture_next(cap, &frame, &caplen, &wirelen, &ts)) != 0) {
        if (r == 2)
            continue;
        if (r < 0) {
            fprintf(stderr, "seqwatch streams: %s\n", sw_capture_error(cap));
            status = 1;
            break;
        }
        sw_engine_feed(e, linktype, ts, frame, caplen, wirelen);
    }
    sw_engine_flush(e);

    /* Directions the engine never closed (should not happen): finish them too. */
    for (size_t i = 0; i < s.nbucket; i++)
        while (s.bucket[i])
            finish(&s, s.bucket[i]);

    sw_stats st;
    sw_engine_get_stats(e, &st);
    sw_engine_free(e);
    sw_capture_close(cap);
    if (fflush(s.manifest) != 0 && !s.failed) {
        snprintf(s.errmsg, sizeof s.errmsg, "cannot write the manifest: %s", strerror(errno));
        s.failed = 1;
    }
    if (s.manifest != stdout && fclose(s.manifest) != 0 && !s.failed) {
        snprintf(s.errmsg, sizeof s.errmsg, "cannot write the manifest: %s", strerror(errno));
        s.failed = 1;
    }
    free(s.bucket);
    if (s.failed) {
        fprintf(stderr, "seqwatch streams: %s\n", s.errmsg);
        return 1;
    }
    if (!quiet)
        fprintf(stderr, "seqwatch streams: %llu packets, %llu directions written to %s "
                        "(%llu bytes, %llu gaps of %llu bytes, %llu overlaps, %llu with different bytes)\n",
                (unsigned long long)st.packets, (unsigned long long)s.ndirs, outdir,
                (unsigned long long)s.total_bytes, (unsigned long long)st.stream_gaps,
                (unsigned long long)st.stream_gap_bytes, (unsigned long long)st.stream_overlaps,
                (unsigned long long)st.stream_overlap_mismatches);
    return status;
}
