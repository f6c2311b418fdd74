/*
 * cmd_run.c — `seqwatch run`: read a capture file (-r) or a live interface (-i),
 * feed every frame to the engine, and end with a summary (text on stderr, and
 * optionally one JSON object with --summary-json). Signals: SIGINT/SIGTERM stop
 * cleanly (flows flushed, every alert committed, summary printed); SIGHUP reopens
 * the JSON-lines file and, in live mode, reloads the rules.
 *
 * Holds no detection logic: options, the read loop, signals, progress and printing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "seqwatch.h"
#include "detector/capture.h"
#include "src/cli.h"
#include "src/commands.h"
#include "src/rules_opts.h"
#include "storage/show.h"

static volatile sig_atomic_t g_stop, g_hup;

static void on_stop(int sig) { (void)sig; g_stop = 1; }
static void on_hup(int sig) { (void)sig; g_hup = 1; }

static void run_usage(FILE *f)
{
    fprintf(f,
"usage: seqwatch run (-r FILE | -i IFACE) [OPTIONS]\n"
"\n"
"Watch TCP traffic and raise alerts on session hijacking and injection. Alerts go\n"
"to stdout as JSON lines (EVE-compatible) unless --json says otherwise — on a\n"
"terminal, as one readable line each instead (--fast) — and into the SQLite\n"
"database (seqwatch.db in the working directory unless --db/--no-db).\n"
"Progress and the end-of-run summary go to stderr.\n"
"\n"
"Input:\n"
"  -r, --read FILE          read a pcap or pcapng file, also gzip-compressed (.gz);\n"
"                           '-' = stdin (not compressed)\n"
"  -i, --interface IFACE    capture live from IFACE (needs root or CAP_NET_RAW)\n"
"  -f, --filter BPF         only packets matching this BPF expression\n"
"  -c, --count N            stop after N packets\n"
"      --no-promisc         do not put the interface in promiscuous mode\n"
"      --snaplen N          live capture snap length (default 262144)\n"
"      --buffer-size SIZE   live capture kernel buffer (default 64M)\n"
"      --fanout GROUP       Linux: join PACKET_FANOUT group GROUP (0..65535) in hash\n"
"                           mode, so several seqwatch processes on one interface\n"
"                           (same filter) each get a share of the connections, both\n"
"                           directions to the same process: one sensor per core\n"
"      --checksum auto|on|off  verify IP/TCP checksums; a bad packet is counted and\n"
"                           changes no state. auto (default): also take the packets\n"
"                           of a host whose own outgoing TCP packets carry the\n"
"                           checksum offload signature (a capture on that host);\n"
"                           on: take none; off: verify nothing\n"
"      --vlan aware|ignore  aware (default): VLAN tags are part of a connection's\n"
"                           identity; ignore: a connection whose directions carry\n"
"                           different VLAN IDs (trunk capture at a router) is one\n"
"      --frag-policy P      which bytes IP reassembly keeps where fragments overlap:\n"
"                           linux (default: Linux 6.x, an overlap drops the datagram),\n"
"                           first, last, bsd, windows, solaris (docs/decoding.md)\n"
"\n"
"Detection:\n"
"      --rules FILE         add a site rule file (repeatable); the built-in default\n"
"                           rules stay loaded, a site rule with a default rule's sid\n"
"                           replaces it, a pass rule silences what it matches\n"
"      --no-default-rules   leave the built-in default rules out (only --rules files)\n"
"      --var NAME=VALUE     set a rule variable, e.g. --var HOME_NET=10.0.0.0/8\n"
"                           (HOME_NET and EXTERNAL_NET are 'any' unless set)\n"
"      --threshold-file FILE  suppress and threshold lines in Suricata's\n"
"                           threshold.config syntax (suppress gen_id 1, sig_id N,\n"
"                           track by_src, ip 10.0.0.0/8; threshold ... type limit)\n"
"      --config FILE        read 'var NAME = VALUE', 'rules = FILE',\n"
"                           'threshold-file = FILE' and 'default-rules = no' lines\n"
"                           from FILE (the command line wins; see docs/rules.md)\n"
"      --anomalies          also write informational events as anomaly records\n"
"      --history N          packets per connection kept for the alert ladder (default 8)\n"
"\n"
"Output:\n"
"      --json FILE|-        JSON-lines alerts to FILE ('-' = stdout, the default)\n"
"      --no-json            no JSON-lines output\n"
"      --fast               one line per alert on stdout, like Suricata's fast.log:\n"
"                           time, severity, event, connection, the verdict in\n"
"                           one sentence (as show says it), [gid:sid:rev]. The\n"
"                           default when stdout is a terminal and --json does not\n"
"                           name it (JSON lines then go only where --json says);\n"
"                           to a pipe, JSON lines as before\n"
"      --no-fast            never print the one-line form (on a terminal without\n"
"                           --json: JSON lines on stdout, as before)\n"
"      --db FILE            SQLite alert database (default seqwatch.db)\n"
"      --no-db              no database\n"
"      --sensor NAME        sensor name, the host field of every alert (default: the\n"
"                           host name)\n"
"      --summary-json FILE  write the end-of-run summary as one JSON object ('-' = stdout)\n"
"  -q, --quiet              no summary and no progress line on stderr\n"
"      --no-progress        no progress line (shown on a terminal for file runs)\n"
"\n"
"Tracking and reassembly limits:\n"
"      --max-flows N        flows tracked at once (default 1000000); the stalest is\n"
"                           evicted when full, and counted\n"
"      --timeout-syn S      idle timeout of half-open connections (default 30 s)\n"
"      --timeout-established S  idle timeout of established connections (default 3600 s)\n"
"      --timeout-closing S  idle timeout after FIN/RST (default 60 s)\n"
"      --stream-memcap SIZE stream bytes held in all flows (default 256M)\n"
"      --stream-flow-cap SIZE stream bytes held per flow (default 4M)\n"
"      --stream-depth SIZE  stop storing a direction after SIZE bytes (default 0 = unlimited)\n"
"      --retain-seconds S   keep delivered bytes comparable for S seconds (default 30)\n"
"      --retain-bytes SIZE  ... and at most SIZE per direction (default 256K)\n"
"      --seed HEX           32 hex digits: fixed flow-hash seed (tests; default random)\n"
"      --workers N          spread connections over N worker threads (default 1;\n"
"                           at most 256). Both directions of a connection go to one\n"
"                           worker; --max-flows and --stream-memcap are shared out\n"
"                           equally. The alerts are the same for every N (their\n"
"                           order can differ among connections that end at once).\n"
"\n"
"Privileges (live capture):\n"
"      --user USER          after opening the capture, switch to USER (default: the\n"
"                           'nobody' user when run as root)\n"
"      --group GROUP        ... and to GROUP (default: USER's primary group)\n"
"\n"
"  -h, --help               this help\n"
"\n"
"Signals: SIGINT/SIGTERM stop cleanly; SIGHUP reopens the --json file (log rotation)\n"
"and, on a live interface, reloads the rules (a bad file keeps the old rules).\n"
"Exit status: 0 success, 1 runtime error (also when an alert could not be written to\n"
"an output: the summary's outputs line says which and how many), 2 usage error.\n");
}

enum {
    O_NO_PROMISC = 256, O_CFG, O_SNAPLEN, O_BUFSIZE, O_CHECKSUM, O_RULES, O_VAR, O_ANOM,
    O_JSON, O_NO_JSON, O_DB, O_NO_DB, O_SENSOR, O_SUMMARY_JSON, O_NO_PROGRESS, O_SEED,
    O_USER, O_GROUP, O_FANOUT, O_NO_DEFAULT_RULES, O_CONFIG,
    O_THRESHOLD_FILE, O_FAST, O_NO_FAST, O_FRAG_POLICY, O_VLAN,
};

static const struct option run_opts[] = {
    {"read", required_argument, 0, 'r'},
    {"interface", required_argument, 0, 'i'},
    {"filter", required_argument, 0, 'f'},
    {"count", required_argument, 0, 'c'},
    {"no-promisc", no_argument, 0, O_NO_PROMISC},
    {"snaplen", required_argument, 0, O_SNAPLEN},
    {"buffer-size", required_argument, 0, O_BUFSIZE},
    {"checksum", required_argument, 0, O_CHECKSUM},
    {"frag-policy", required_argument, 0, O_FRAG_POLICY},
    {"vlan", required_argument, 0, O_VLAN},
    {"rules", required_argument, 0, O_RULES},
    {"var", required_argument, 0, O_VAR},
    {"no-default-rules", no_argument, 0, O_NO_DEFAULT_RULES},
    {"config", required_argument, 0, O_CONFIG},
    {"threshold-file", required_argument, 0, O_THRESHOLD_FILE},
    {"anomalies", no_argument, 0, O_ANOM},
    {"history", required_argument, 0, O_CFG},
    {"json", required_argument, 0, O_JSON},
    {"no-json", no_argument, 0, O_NO_JSON},
    {"fast", no_argument, 0, O_FAST},
    {"no-fast", no_argument, 0, O_NO_FAST},
    {"db", required_argument, 0, O_DB},
    {"no-db", no_argument, 0, O_NO_DB},
    {"sensor", required_argument, 0, O_SENSOR},
    {"summary-json", required_argument, 0, O_SUMMARY_JSON},
    {"quiet", no_argument, 0, 'q'},
    {"no-progress", no_argument, 0, O_NO_PROGRESS},
    {"max-flows", required_argument, 0, O_CFG},
    {"timeout-syn", required_argument, 0, O_CFG},
    {"timeout-established", required_argument, 0, O_CFG},
    {"timeout-closing", required_argument, 0, O_CFG},
    {"stream-memcap", required_argument, 0, O_CFG},
    {"stream-flow-cap", required_argument, 0, O_CFG},
    {"stream-depth", required_argument, 0, O_CFG},
    {"retain-seconds", required_argument, 0, O_CFG},
    {"retain-bytes", required_argument, 0, O_CFG},
    {"seed", required_argument, 0, O_SEED},
    {"workers", required_argument, 0, O_CFG},
    {"fanout", required_argument, 0, O_FANOUT},
    {"user", required_argument, 0, O_USER},
    {"group", required_argument, 0, O_GROUP},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};


static double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bad_value(const char *opt, const char *val)
{
    fprintf(stderr, "seqwatch run: invalid value '%s' for --%s (see 'seqwatch run --help')\n", val, opt);
    return 2;
}

/* Give a file seqwatch created as root to the user it is about to become, so it can
 * reopen it later (the database writer reconnects after repeated failures; SQLite
 * reopens its -wal and -shm files). The final path component is not followed (no
 * chown through a symbolic link planted there), and only regular files are touched.
 * A missing file is fine; another failure is a warning. */
static void give_file(const char *path, const char *suffix, uid_t uid, gid_t gid)
{
    char p[4096];
    if (!path || !strcmp(path, "-") || snprintf(p, sizeof p, "%s%s", path, suffix) >= (int)sizeof p)
        return;
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            fprintf(stderr, "seqwatch run: warning: cannot give %s to the unprivileged user: %s\n",
                    p, strerror(errno));
        return;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_uid != uid || st.st_gid != gid) &&
        fchown(fd, uid, gid) != 0)
        fprintf(stderr, "seqwatch run: warning: cannot give %s to the unprivileged user: %s\n",
                p, strerror(errno));
    close(fd);
}

/* Drop root after the capture is open: to --user/--group, or to 'nobody' by
 * default. The output files (nfiles paths, NULL or "-" for none; the database's
 * -wal and -shm with it) are given to that user first. Supplementary groups are
 * cleared; no capabilities survive setuid() to a non-zero uid. Returns 0, or -1
 * with a message printed. */
static int drop_privileges(const char *user, const char *group, const char *const *files,
                           size_t nfiles, const char *db_path)
{
    if (geteuid() != 0)
        return 0;
    const char *uname = user ? user : "nobody";
    struct passwd *pw = getpwnam(uname);
    if (!pw) {
        if (!user)
            return 0; /* no unprivileged user exists: stay as we are (documented) */
        fprintf(stderr, "seqwatch run: unknown user '%s'\n", uname);
        return -1;
    }
    gid_t gid = pw->pw_gid;
    if (group) {
        struct group *gr = getgrnam(group);
        if (!gr) {
            fprintf(stderr, "seqwatch run: unknown group '%s'\n", group);
            return -1;
        }
        gid = gr->gr_gid;
    }
    for (size_t i = 0; i < nfiles; i++)
        give_file(files[i], "", pw->pw_uid, gid);
    if (db_path) {
        give_file(db_path, "", pw->pw_uid, gid);
        give_file(db_path, "-wal", pw->pw_uid, gid);
        give_file(db_path, "-shm", pw->pw_uid, gid);
    }
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "seqwatch run: cannot switch to user '%s': %s\n", uname, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) {
        fprintf(stderr, "seqwatch run: privileges could not be dropped\n");
        return -1;
    }
    return 0;
}

static void fmt_bytes(uint64_t b, char *buf, size_t len)
{
    if (b >= (1ull << 30))
        snprintf(buf, len, "%.2f GB", b / 1073741824.0);
    else if (b >= (1ull << 20))
        snprintf(buf, len, "%.1f MB", b / 1048576.0);
    else if (b >= 1024)
        snprintf(buf, len, "%.1f KB", b / 1024.0);
    else
        snprintf(buf, len, "%llu B", (unsigned long long)b);
}

/* Per-output counts (only the outputs in use). */
static json_t *outputs_json(const sw_stats *st, int json_on, int db_on)
{
    json_t *o = json_object();
    if (json_on)
        json_object_set_new(o, "json", json_pack("{sIsI}", "written", (json_int_t)st->out_json_written,
                                                 "failed", (json_int_t)st->out_json_failed));
    if (db_on)
        json_object_set_new(o, "db", json_pack("{sIsI}", "written", (json_int_t)st->out_db_written,
                                               "failed", (json_int_t)st->out_db_failed));
    json_object_set_new(o, "records", json_integer((json_int_t)st->records));
    json_object_set_new(o, "lost", json_integer((json_int_t)st->out_lost));
    return o;
}

static json_t *summary_json(sw_engine *e, const sw_stats *st, double elapsed, unsigned workers, int live,
                            uint64_t recv, uint64_t drop, uint64_t ifdrop, const char *source)
{
    json_t *o = json_object();
    json_object_set_new(o, "source", json_string(source));
    json_object_set_new(o, "packets", json_integer((json_int_t)st->packets));
    json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
    json_object_set_new(o, "tcp_packets", json_integer((json_int_t)st->tcp_packets));
    json_object_set_new(o, "non_tcp_packets", json_integer((json_int_t)st->non_tcp_packets));
    json_object_set_new(o, "non_ip_packets", json_integer((json_int_t)st->non_ip_packets));
    json_object_set_new(o, "fragments", json_integer((json_int_t)st->fragments));
    json_object_set_new(o, "checksum_errors", json_integer((json_int_t)st->checksum_errors));
    json_t *fr = json_object();
    json_object_set_new(fr, "reassembled", json_integer((json_int_t)st->frag_reassembled));
    json_object_set_new(fr, "timed_out", json_integer((json_int_t)st->frag_timed_out));
    json_object_set_new(fr, "evicted", json_integer((json_int_t)st->frag_evicted));
    json_object_set_new(fr, "too_many_fragments", json_integer((json_int_t)st->frag_too_many));
    json_object_set_new(fr, "overlaps", json_integer((json_int_t)st->frag_overlaps));
    json_object_set_new(fr, "overlap_mismatches", json_integer((json_int_t)st->frag_overlap_mismatches));
    json_object_set_new(fr, "overlap_drops", json_integer((json_int_t)st->frag_overlap_drops));
    json_object_set_new(fr, "duplicates", json_integer((json_int_t)st->frag_duplicates));
    json_object_set_new(fr, "invalid", json_integer((json_int_t)st->frag_invalid));
    json_object_set_new(fr, "cut_by_snaplen", json_integer((json_int_t)st->frag_cut));
    json_object_set_new(fr, "tiny_tcp_first", json_integer((json_int_t)st->frag_tiny_tcp));
    json_object_set_new(fr, "not_tcp", json_integer((json_int_t)st->frag_not_tcp));
    json_object_set_new(fr, "mem_peak", json_integer((json_int_t)st->frag_mem_peak));
    json_object_set_new(o, "defrag", fr);
    json_t *ck = json_object();
    json_object_set_new(ck, "offload_accepted", json_integer((json_int_t)st->checksum_offload_accepted));
    json_object_set_new(ck, "offload_hosts_refused", json_integer((json_int_t)st->offload_hosts_refused));
    json_t *hl = json_array();
    sw_offload_host oh[64];
    size_t noh = sw_engine_offload_hosts(e, oh, 64);
    for (size_t i = 0; i < noh && i < 64; i++)
        json_array_append_new(hl, json_pack("{s:s,s:I}", "host", oh[i].addr,
                                            "packets", (json_int_t)oh[i].packets));
    json_object_set_new(ck, "offload_hosts", hl);
    json_object_set_new(o, "checksum", ck);
    json_t *de = json_object();
    const char *names[64];
    uint64_t counts[64];
    size_t n = sw_engine_decode_errors(e, names, counts, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        json_object_set_new(de, names[i], json_integer((json_int_t)counts[i]));
    json_object_set_new(o, "decode_errors", de);
    json_object_set_new(o, "decode_errors_total", json_integer((json_int_t)st->decode_errors));
    json_object_set_new(o, "tcp_bad_options", json_integer((json_int_t)st->tcp_bad_options));
    json_object_set_new(o, "snap_truncated", json_integer((json_int_t)st->snap_truncated));
    json_object_set_new(o, "flows", json_integer((json_int_t)st->flows));
    json_object_set_new(o, "flows_evicted", json_integer((json_int_t)st->flows_evicted_cap));
    json_object_set_new(o, "flows_timed_out", json_integer((json_int_t)st->flows_timed_out));
    json_object_set_new(o, "tcp_connections", json_integer((json_int_t)st->tcp_connections));
    json_t *c = json_object();
    json_object_set_new(c, "handshake_completed", json_integer((json_int_t)st->conn_handshake));
    json_object_set_new(c, "midstream", json_integer((json_int_t)st->conn_midstream));
    json_object_set_new(c, "reset", json_integer((json_int_t)st->conn_reset));
    json_object_set_new(c, "closed", json_integer((json_int_t)st->conn_closed));
    json_object_set_new(c, "timed_out", json_integer((json_int_t)st->conn_timed_out));
    json_object_set_new(o, "connections", c);
    json_t *s = json_object();
    json_object_set_new(s, "bytes_delivered", json_integer((json_int_t)st->stream_bytes_delivered));
    json_object_set_new(s, "gaps", json_integer((json_int_t)st->stream_gaps));
    json_object_set_new(s, "gap_bytes", json_integer((json_int_t)st->stream_gap_bytes));
    json_object_set_new(s, "overlaps", json_integer((json_int_t)st->stream_overlaps));
    json_object_set_new(s, "overlap_mismatches", json_integer((json_int_t)st->stream_overlap_mismatches));
    json_object_set_new(s, "memcap_evictions", json_integer((json_int_t)st->stream_memcap_evictions));
    json_object_set_new(s, "depth_reached", json_integer((json_int_t)st->stream_depth_reached));
    json_object_set_new(s, "mem_peak", json_integer((json_int_t)st->stream_mem_peak));
    json_object_set_new(s, "payload_peak", json_integer((json_int_t)st->stream_payload_peak));
    json_object_set_new(s, "segments_refused", json_integer((json_int_t)st->stream_segments_refused));
    json_object_set_new(o, "stream", s);
    json_object_set_new(o, "events", json_integer((json_int_t)st->events));
    json_object_set_new(o, "alerts", json_integer((json_int_t)st->alerts));
    json_object_set_new(o, "alerts_suppressed", json_integer((json_int_t)st->alerts_suppressed));
    json_object_set_new(o, "threshold_evictions", json_integer((json_int_t)st->threshold_evictions));
    json_object_set_new(o, "alerts_folded", json_integer((json_int_t)st->alerts_folded));
    json_object_set_new(o, "fold_evictions", json_integer((json_int_t)st->fold_evictions));
    json_object_set_new(o, "incident_evictions", json_integer((json_int_t)st->incident_evictions));
    json_object_set_new(o, "anomalies", json_integer((json_int_t)st->anomalies));
    json_object_set_new(o, "workers", json_integer((json_int_t)workers));
    json_object_set_new(o, "elapsed_seconds", json_real(elapsed));
    json_object_set_new(o, "packets_per_second", json_real(elapsed > 0 ? st->packets / elapsed : 0));
    if (live) {
        json_t *cap = json_object();
        json_object_set_new(cap, "received", json_integer((json_int_t)recv));
        json_object_set_new(cap, "dropped", json_integer((json_int_t)drop));
        json_object_set_new(cap, "interface_dropped", json_integer((json_int_t)ifdrop));
        json_object_set_new(o, "capture", cap);
    }
    return o;
}

/* The hosts checksum mode auto treated as offloading. */
static void print_offload(sw_engine *e, const sw_stats *st)
{
    sw_offload_host oh[64];
    size_t n = sw_engine_offload_hosts(e, oh, 64);
    if (!n)
        return;
    fprintf(stderr, "  checksum offload %llu packets taken without a valid checksum from %zu offloading host%s:",
            (unsigned long long)st->checksum_offload_accepted, n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < 64; i++)
        fprintf(stderr, "%s %s (%llu)", i ? "," : "", oh[i].addr, (unsigned long long)oh[i].packets);
    fprintf(stderr, "%s\n", n > 64 ? ", ..." : "");
}

/* Printed even with -q: most packets were dropped for their checksum. */
static void print_checksum_note(const sw_stats *st, sw_checksum_mode mode)
{
    if (!st->checksum_errors || st->checksum_errors * 2 <= st->tcp_packets + st->checksum_errors)
        return;
    if (mode == SW_CHECKSUM_ON)
        fprintf(stderr, "seqwatch: note: most TCP/IP packets (%llu) had a bad checksum and were ignored; a capture\n"
                        "        taken on a host with checksum offload looks like this: rerun with --checksum auto\n",
                (unsigned long long)st->checksum_errors);
    else
        fprintf(stderr, "seqwatch: note: most TCP/IP packets (%llu) had a bad checksum (not the offload\n"
                        "        signature) and were ignored; rewritten or TSO traffic looks like this: rerun\n"
                        "        with --checksum off if you trust the capture\n",
                (unsigned long long)st->checksum_errors);
}

static void print_summary(sw_engine *e, const sw_stats *st, double elapsed, int live,
                          uint64_t recv, uint64_t drop, uint64_t ifdrop, int json_on, int db_on)
{
    char b[32];
    fmt_bytes(st->bytes, b, sizeof(b));
    fprintf(stderr, "seqwatch: summary\n");
    fprintf(stderr, "  packets          %llu (%s) in %.2f s, %.0f packets/s\n",
            (unsigned long long)st->packets, b, elapsed, elapsed > 0 ? st->packets / elapsed : 0.0);
    fprintf(stderr, "  tcp / other ip / non-ip  %llu / %llu / %llu, fragments %llu\n",
            (unsigned long long)st->tcp_packets, (unsigned long long)st->non_tcp_packets,
            (unsigned long long)st->non_ip_packets, (unsigned long long)st->fragments);
    if (st->fragments)
        fprintf(stderr, "  ip fragments     %llu datagrams reassembled; timed out %llu, evicted at cap %llu, "
                        "too many fragments %llu, refused %llu, cut %llu, not TCP %llu; overlaps %llu "
                        "(different bytes %llu, datagrams dropped %llu, duplicates %llu); tiny first "
                        "fragments %llu\n",
                (unsigned long long)st->frag_reassembled, (unsigned long long)st->frag_timed_out,
                (unsigned long long)st->frag_evicted, (unsigned long long)st->frag_too_many,
                (unsigned long long)st->frag_invalid, (unsigned long long)st->frag_cut,
                (unsigned long long)st->frag_not_tcp, (unsigned long long)st->frag_overlaps,
                (unsigned long long)st->frag_overlap_mismatches,
                (unsigned long long)st->frag_overlap_drops, (unsigned long long)st->frag_duplicates,
                (unsigned long long)st->frag_tiny_tcp);
    fprintf(stderr, "  decode errors    %llu", (unsigned long long)st->decode_errors);
    const char *names[64];
    uint64_t counts[64];
    size_t n = sw_engine_decode_errors(e, names, counts, 64);
    int first = 1;
    for (size_t i = 0; i < n && i < 64; i++) {
        if (!counts[i])
            continue;
        fprintf(stderr, "%s%s %llu", first ? " (" : ", ", names[i], (unsigned long long)counts[i]);
        first = 0;
    }
    fprintf(stderr, "%s\n", first ? "" : ")");
    fprintf(stderr, "  decode notes     TCP segments with a malformed option %llu, cut by the snap length %llu\n",
            (unsigned long long)st->tcp_bad_options, (unsigned long long)st->snap_truncated);
    fprintf(stderr, "  flows            %llu (evicted at cap %llu, timed out %llu)\n",
            (unsigned long long)st->flows, (unsigned long long)st->flows_evicted_cap,
            (unsigned long long)st->flows_timed_out);
    fprintf(stderr, "  tcp connections  %llu: handshake completed %llu, midstream %llu, "
                    "reset %llu, closed %llu, timed out %llu\n",
            (unsigned long long)st->tcp_connections, (unsigned long long)st->conn_handshake,
            (unsigned long long)st->conn_midstream, (unsigned long long)st->conn_reset,
            (unsigned long long)st->conn_closed, (unsigned long long)st->conn_timed_out);
    fmt_bytes(st->stream_bytes_delivered, b, sizeof(b));
    fprintf(stderr, "  streams          %s reassembled, %llu gaps, %llu overlaps (%llu with different bytes)\n",
            b, (unsigned long long)st->stream_gaps, (unsigned long long)st->stream_overlaps,
            (unsigned long long)st->stream_overlap_mismatches);
    fprintf(stderr, "  alerts           %llu (events %llu, suppressed by thresholds %llu, anomalies %llu)\n",
            (unsigned long long)st->alerts, (unsigned long long)st->events,
            (unsigned long long)st->alerts_suppressed, (unsigned long long)st->anomalies);
    if (st->alerts_folded || st->fold_evictions)
        fprintf(stderr, "  repeats folded   %llu into earlier alerts (folds closed early, table full: %llu)\n",
                (unsigned long long)st->alerts_folded, (unsigned long long)st->fold_evictions);
    if (st->incident_evictions)
        fprintf(stderr, "  incidents        %llu forgotten early (table full: their later alerts are unlinked)\n",
                (unsigned long long)st->incident_evictions);
    print_offload(e, st);
    if (live)
        fprintf(stderr, "  capture          received %llu, dropped by kernel %llu, by interface %llu\n",
                (unsigned long long)recv, (unsigned long long)drop, (unsigned long long)ifdrop);
    if (json_on || db_on) {
        fprintf(stderr, "  outputs         ");
        if (json_on)
            fprintf(stderr, " JSON lines %llu written, %llu failed;", (unsigned long long)st->out_json_written,
                    (unsigned long long)st->out_json_failed);
        if (db_on)
            fprintf(stderr, " database %llu written, %llu failed;", (unsigned long long)st->out_db_written,
                    (unsigned long long)st->out_db_failed);
        fprintf(stderr, " in neither: %llu\n", (unsigned long long)st->out_lost);
    }
}

/* Print a multi-line message, each line with the command's prefix. */
static void print_lines(const char *msg)
{
    while (*msg) {
        const char *nl = strchr(msg, '\n');
        int n = nl ? (int)(nl - msg) : (int)strlen(msg);
        if (n > 0)
            fprintf(stderr, "seqwatch run: %.*s\n", n, msg);
        msg += n + (nl ? 1 : 0);
    }
}

/* --fast: one line per alert (and per closing update of a folded alert). */
typedef struct fast_out {
    FILE *f;
    int clear_progress;          /* the progress line shares the terminal: clear it first */
    int failed;
} fast_out;

static void fast_endpoint(char *buf, size_t len, const char *ip, uint16_t port)
{
    snprintf(buf, len, strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, (unsigned)port);
}

/* The one-sentence verdict of `seqwatch show` (storage/show.c) when it fits on one
 * line: at most FAST_VERDICT_MAX bytes, no line break. Control characters (none are
 * expected: evidence bytes are shown escaped) become '?'. 1 if buf holds it. */
#define FAST_VERDICT_MAX 200
static int fast_verdict(const json_t *doc, char *buf, size_t len)
{
    if (!doc || !json_is_object(json_object_get(doc, "hijack")) || len <= FAST_VERDICT_MAX + 1)
        return 0;
    sw_show_verdict(doc, NULL, buf, len);
    size_t n = strlen(buf);
    if (!n || n > FAST_VERDICT_MAX || strchr(buf, '\n'))
        return 0;
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return 1;
}

static void fast_alert(void *user, const sw_alert *a)
{
    fast_out *fo = user;
    time_t secs = (time_t)(a->ts_us / 1000000u);
    struct tm tm;
    char when[40] = "?", src[80], dst[80], count[96] = "";
    if (gmtime_r(&secs, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    fast_endpoint(src, sizeof(src), a->src_ip, a->src_port);
    fast_endpoint(dst, sizeof(dst), a->dest_ip, a->dest_port);
    json_error_t je;
    json_t *doc = json_loads(a->json, 0, &je);
    json_t *h = doc ? json_object_get(doc, "hijack") : NULL;
    const char *what = json_string_value(json_object_get(h, "description"));
    char verdict[FAST_VERDICT_MAX * 2];
    if (fast_verdict(doc, verdict, sizeof(verdict)))
        what = verdict;
    if (a->update) {
        json_t *fold = json_object_get(h, "fold");
        const char *last = json_string_value(json_object_get(fold, "last"));
        json_int_t n = json_integer_value(json_object_get(fold, "count"));
        json_int_t absorbed = json_integer_value(json_object_get(fold, "absorbed"));
        json_int_t ranges = json_integer_value(json_object_get(fold, "range_count"));
        if (n > 1)
            snprintf(count, sizeof(count), " x%lld until %.26s", (long long)n, last ? last + 11 : "?");
        if (ranges > 1)           /* injected ranges folded into one overlap alert */
            snprintf(count + strlen(count), sizeof(count) - strlen(count), " (%lld ranges)",
                     (long long)ranges);
        if (absorbed)             /* lesser verdicts that followed (hijack.also) */
            snprintf(count + strlen(count), sizeof(count) - strlen(count), " +%lld later verdict%s",
                     (long long)absorbed, absorbed > 1 ? "s" : "");
    }
    if (fo->clear_progress)
        fputs("\r\033[K", stderr);
    if (fprintf(fo->f, "%s.%06u  [sev %d] %s%s  %s -> %s  %s  [%u:%u:%u]%s\n", when,
                (unsigned)(a->ts_us % 1000000u), a->severity, a->event, count, src, dst,
                what ? what : (a->msg ? a->msg : ""), a->gid, a->sid, a->rev,
                a->update ? " (update)" : "") < 0)
        fo->failed = 1;
    json_decref(doc);
}

static void progress(sw_capture *cap, const sw_stats *st, int final)
{
    uint64_t off = sw_capture_offset(cap), total = sw_capture_size(cap);
    char a[32], b[32];
    fmt_bytes(off, a, sizeof(a));
    if (total) {
        fmt_bytes(total, b, sizeof(b));
        fprintf(stderr, "\r  read %s of %s (%3.0f%%), %llu packets, %llu alerts   ", a, b,
                100.0 * (double)off / (double)total, (unsigned long long)st->packets,
                (unsigned long long)st->alerts);
    } else {
        fprintf(stderr, "\r  read %s, %llu packets, %llu alerts   ", a,
                (unsigned long long)st->packets, (unsigned long long)st->alerts);
    }
    if (final)
        fputc('\n', stderr);
}

int sw_cmd_run(int argc, char **argv)
{
    sw_config cfg;
    sw_config_init(&cfg);
    const char *rfile = NULL, *iface = NULL, *bpf = NULL, *summary_path = NULL;
    const char *json_path = "-", *db_path = "seqwatch.db", *user = NULL, *group = NULL;
    int json_given = 0, fast = -1;      /* fast: -1 automatic, 0 off, 1 on */
    static sw_rules_opts ro;     /* static: large, and one run per process */
    sw_rules_opts_init(&ro, "seqwatch run");
    ro.prefix = "seqwatch run: ";
    uint64_t count = 0, v;
    int promisc = 1, quiet = 0, show_progress = 1;
    long fanout = -1;
    uint64_t snaplen = 262144, bufsize = 64u << 20;

    optind = 1;
    opterr = 0;
    int c, li = 0;
    while ((c = getopt_long(argc, argv, ":r:i:f:c:qh", run_opts, &li)) != -1) {
        switch (c) {
        case 'r': rfile = optarg; break;
        case 'i': iface = optarg; break;
        case 'f': bpf = optarg; break;
        case 'c':
            if (sw_cli_parse_uint(optarg, UINT64_MAX, &count)) return bad_value("count", optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h': run_usage(stdout); return 0;
        case O_NO_PROMISC: promisc = 0; break;
        case O_SNAPLEN:
            if (sw_cli_parse_uint(optarg, 262144, &snaplen) || snaplen < 64) return bad_value("snaplen", optarg);
            break;
        case O_BUFSIZE:
            if (sw_cli_parse_size(optarg, &bufsize) || bufsize > (1ull << 31)) return bad_value("buffer-size", optarg);
            break;
        case O_CHECKSUM:
            if (sw_cli_parse_checksum(optarg, &cfg)) return bad_value("checksum", optarg);
            break;
        case O_VLAN:
            if (sw_cli_parse_vlan(optarg, &cfg)) return bad_value("vlan", optarg);
            break;
        case O_FRAG_POLICY:
            if (sw_cli_parse_frag_policy(optarg, &cfg)) return bad_value("frag-policy", optarg);
            break;
        case O_RULES:
            if (sw_rules_opts_add_file(&ro, optarg)) return 2;
            break;
        case O_NO_DEFAULT_RULES: ro.no_default_rules = 1; break;
        case O_CONFIG: ro.config = optarg; break;
        case O_THRESHOLD_FILE: ro.threshold_file = optarg; break;
        case O_VAR:
            if (!strchr(optarg, '=') || optarg[0] == '=') return bad_value("var", optarg);
            if (sw_rules_opts_add_var(&ro, optarg)) return 2;
            break;
        case O_ANOM: cfg.anomalies = 1; break;
        case O_JSON: json_path = optarg; json_given = 1; break;
        case O_NO_JSON: json_path = NULL; json_given = 1; break;
        case O_FAST: fast = 1; break;
        case O_NO_FAST: fast = 0; break;
        case O_DB: db_path = optarg; break;
        case O_NO_DB: db_path = NULL; break;
        case O_SENSOR: cfg.sensor_name = optarg; break;
        case O_SUMMARY_JSON: summary_path = optarg; break;
        case O_NO_PROGRESS: show_progress = 0; break;
        case O_SEED:
            if (sw_cli_parse_seed(optarg, cfg.hash_seed)) return bad_value("seed", optarg);
            cfg.seed_set = 1;
            break;
        case O_CFG:     /* the numeric settings of common/sw_config_table.h */
            if (sw_cli_parse_config_option(run_opts[li].name, optarg, &cfg))
                return bad_value(run_opts[li].name, optarg);
            break;
        case O_FANOUT:
            if (sw_cli_parse_uint(optarg, 65535, &v)) return bad_value("fanout", optarg);
            fanout = (long)v;
            break;
        case O_USER: user = optarg; break;
        case O_GROUP: group = optarg; break;
        case ':':
            fprintf(stderr, "seqwatch run: option '%s' needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "seqwatch run: unknown option '%s' (see 'seqwatch run --help')\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "seqwatch run: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!!rfile == !!iface) {
        fprintf(stderr, "seqwatch run: give exactly one of -r FILE or -i IFACE (see 'seqwatch run --help')\n");
        return 2;
    }
    if (fanout >= 0 && !iface) {
        fprintf(stderr, "seqwatch run: --fanout needs a live capture (-i IFACE)\n");
        return 2;
    }
    if (fast < 0)   /* a terminal gets the one-line form unless --json sends JSON there */
        fast = isatty(STDOUT_FILENO) && !(json_given && json_path && !strcmp(json_path, "-"));
    if (fast && json_given && json_path && !strcmp(json_path, "-")) {
        fprintf(stderr, "seqwatch run: --fast and --json - both write to stdout; give --json a file\n");
        return 2;
    }
    if (fast && !json_given)
        json_path = NULL;               /* JSON lines would go to stdout */
    if (sw_rules_opts_resolve(&ro) != 0) {
        sw_rules_opts_free(&ro);
        return 1;
    }
    if (ro.vars[0])
        cfg.vars = ro.vars;
    if (ro.files[0])
        cfg.rules_files = ro.files;
    cfg.no_default_rules = ro.no_default_rules;
    cfg.threshold_file = ro.threshold_file;

    char err[512];
    sw_capture *cap = rfile ? sw_capture_open_file(rfile, bpf, err, sizeof(err))
                            : sw_capture_open_live(iface, bpf, promisc, (int)snaplen, (int)bufsize, 1,
                                                   err, sizeof(err));
    if (!cap) {
        fprintf(stderr, "seqwatch run: %s\n", err);
        return 1;
    }
    int live = sw_capture_is_live(cap);
    if (fanout >= 0 && sw_capture_join_fanout(cap, (unsigned)fanout, err, sizeof(err)) != 0) {
        fprintf(stderr, "seqwatch run: %s\n", err);
        sw_capture_close(cap);
        return 1;
    }
    int lt = sw_capture_linktype(cap);
    if (!sw_linktype_supported(lt)) {
        fprintf(stderr, "seqwatch run: %s: unsupported link type %d (supported: Ethernet, Linux SLL/SLL2, raw IP, BSD loopback)\n",
                rfile ? rfile : iface, lt);
        sw_capture_close(cap);
        return 1;
    }
    umask(027);

    cfg.json_path = json_path;
    cfg.db_path = db_path;
    cfg.source_name = rfile ? rfile : iface;
    if (rfile && strcmp(rfile, "-") != 0)
        cfg.pcap_filename = rfile;
    sw_engine *e = sw_engine_new(&cfg, err, sizeof(err));
    if (!e) {
        fprintf(stderr, "seqwatch run: %s\n", err);
        sw_capture_close(cap);
        return 1;
    }
    /* The summary file is opened now too, while we may still create it where the
     * user asked (after the drop it would be created as the unprivileged user). */
    FILE *sumf = NULL;
    if (summary_path && strcmp(summary_path, "-") != 0) {
        sumf = fopen(summary_path, "w");
        if (!sumf) {
            fprintf(stderr, "seqwatch run: cannot write summary to %s: %s\n", summary_path, strerror(errno));
            sw_engine_free(e);
            sw_capture_close(cap);
            return 1;
        }
    }
    /* The capture and the output files are open: root is no longer needed. */
    const char *owned[2] = { json_path, summary_path };
    if (live && drop_privileges(user, group, owned, 2, db_path) != 0) {
        if (sumf) {
            fclose(sumf);
            remove(summary_path);
        }
        sw_engine_free(e);
        sw_capture_close(cap);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sa.sa_flags = SA_RESTART;   /* a reopen request must not break a read in progress */
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int tty_progress = !quiet && show_progress && !live && isatty(STDERR_FILENO);
    fast_out fo = { stdout, tty_progress, 0 };
    if (fast)
        sw_engine_set_alert_cb(e, fast_alert, &fo);
    double t0 = now_wall(), next_progress = t0 + 0.5;
    uint64_t npkts = 0, recv = 0, drop = 0, ifdrop = 0;
    int rc = 0;
    sw_stats st;
    for (;;) {
        if (g_stop)
            break;
        if (g_hup) {
            g_hup = 0;
            if (sw_engine_reopen_outputs(e, err, sizeof(err)) != 0)
                fprintf(stderr, "seqwatch run: cannot reopen the JSON output: %s\n", err);
            if (live && (ro.files[0] || ro.config || ro.threshold_file)) {
                /* every rule file and the threshold file are read again (the --config
                 * file is read at start only) */
                if (sw_engine_reload_rules(e, NULL, err, sizeof(err)) != 0)
                    fprintf(stderr, "seqwatch run: rules not reloaded, the old rules stay: %s\n", err);
                else
                    fprintf(stderr, "seqwatch run: rules reloaded\n");
            }
        }
        const uint8_t *frame;
        uint32_t caplen, wirelen;
        uint64_t ts;
        int r = sw_capture_next(cap, &frame, &caplen, &wirelen, &ts);
        if (r == 0)
            break;
        if (r == 2) {
            sw_engine_poll(e);      /* idle capture: alerts do not wait for the next frame */
            continue;
        }
        if (r < 0) {
            if (g_stop)
                break;
            fprintf(stderr, "%sseqwatch run: %s: %s (the packets before it were processed)\n",
                    tty_progress ? "\n" : "", rfile ? rfile : iface, sw_capture_error(cap));
            rc = 1;
            break;
        }
        sw_engine_feed(e, lt, ts, frame, caplen, wirelen);
        npkts++;
        if (count && npkts >= count)
            break;
        if (tty_progress && (npkts & 1023) == 0) {
            double t = now_wall();
            if (t >= next_progress) {
                next_progress = t + 0.5;
                sw_engine_get_stats(e, &st);
                progress(cap, &st, 0);
            }
        }
    }
    sw_engine_flush(e);
    if (fast && (fflush(stdout) != 0 || ferror(stdout) || fo.failed)) {
        fprintf(stderr, "seqwatch run: cannot write the alert lines to stdout: %s\n",
                strerror(errno ? errno : EIO));
        rc = 1;
    }
    if (live && sw_capture_stats(cap, &recv, &drop, &ifdrop) == 0)
        sw_engine_set_capture_drops(e, drop + ifdrop);
    char cerr[1100];
    if (sw_engine_close_outputs(e, cerr, sizeof(cerr)) != 0) {
        print_lines(cerr);
        rc = 1;
    }
    double elapsed = now_wall() - t0;
    sw_engine_get_stats(e, &st);
    if (tty_progress)
        progress(cap, &st, 1);
    if (!quiet)
        print_summary(e, &st, elapsed, live, recv, drop, ifdrop, json_path != NULL, db_path != NULL);
    print_checksum_note(&st, cfg.checksum);
    if (summary_path) {
        json_t *o = summary_json(e, &st, elapsed, cfg.workers ? cfg.workers : 1u, live, recv, drop, ifdrop, cfg.source_name);
        json_object_set_new(o, "outputs", outputs_json(&st, json_path != NULL, db_path != NULL));
        int ok;
        FILE *f = strcmp(summary_path, "-") ? sumf : stdout;
        errno = 0;
        ok = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0;
        ok = fputc('\n', f) != EOF && ok;
        ok = fflush(f) == 0 && !ferror(f) && ok;
        int en = errno;
        if (f != stdout) {
            ok = (fclose(sumf) == 0) && ok;
            if (!en)
                en = errno;
        } else {
            clearerr(stdout);   /* reported here, not again at exit */
        }
        if (!ok) {
            fprintf(stderr, "seqwatch run: cannot write summary to %s: %s\n",
                    f == stdout ? "stdout" : summary_path, en ? strerror(en) : "write error");
            rc = 1;
        }
        json_decref(o);
    }
    sw_engine_free(e);
    sw_capture_close(cap);
    return rc;
}
