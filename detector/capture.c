/*
 * capture.c — libpcap wrapper: files (pcap/pcapng, stdin) and live interfaces, BPF
 * filters, one frame per call with microsecond packet time.
 *
 * Invariants: every error message is one line and names what failed; a file is
 * always read with microsecond precision so timestamps are consistent whatever the
 * file's own precision; after an error or the end, sw_capture_next keeps returning
 * the same result without touching libpcap again. A gzip-compressed regular file
 * (.pcap.gz, recognised by its magic bytes, not its name) is read through zlib: a stdio stream
 * whose reads are gzread() calls (fopencookie) is handed to libpcap, which cannot
 * read compressed files itself; nothing is decompressed to disk or held in memory
 * beyond zlib's and stdio's buffers.
 */
#include "detector/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>
#include <zlib.h>
#ifdef __linux__
#include <sys/socket.h>
#include <linux/if_packet.h>
#endif

#define SW_CAP_DEFAULT_SNAPLEN 262144
#define SW_CAP_TIMEOUT_MS 100
/* stdio buffer of a capture file: libpcap reads each record with two fread() calls,
 * and with the default buffer (st_blksize, 4 KiB on tmpfs) that is a read() system
 * call every few packets. 64 KiB makes them 16 times rarer while the buffer still
 * stays in the L2 cache between the kernel's copy and libpcap's (measured on the
 * real-traffic capture: 4 KiB 1.22 s, 32-128 KiB 0.99-1.02 s, 256 KiB-1 MiB 1.45 s). */
#define SW_CAP_FILE_BUF (64u << 10)

struct sw_capture {
    pcap_t *p;
    int live;
    int linktype;
    int done;                     /* 0 running, 1 end, -1 error */
    int fd;                       /* live: selectable descriptor, or -1 */
    volatile sig_atomic_t stop;
    uint64_t size;                /* file size, 0 unknown */
    uint64_t last_off;            /* offset after the file header (before any packet) */
    uint64_t npackets;
    char *iobuf;                  /* the FILE's buffer (files only); freed after pcap_close */
    char name[256];               /* "capture FILE", "standard input" or the interface */
    char err[PCAP_ERRBUF_SIZE + 512];
    char warn[PCAP_ERRBUF_SIZE + 128];
};

/* libpcap often prefixes a message with the path: drop it, we name the file. */
static const char *strip_prefix(const char *msg, const char *path)
{
    size_t n = strlen(path);
    if (n && strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        return msg + n + 2;
    return msg;
}

/* Format a message into err, cutting it at the first newline. */
static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    char *nl;
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    nl = strchr(err, '\n');
    if (nl)
        *nl = '\0';
}

static int apply_filter(sw_capture *c, const char *bpf, bpf_u_int32 netmask, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (!bpf || !*bpf)
        return 0;
    if (pcap_compile(c->p, &prog, bpf, 1, netmask) != 0) {
        set_err(err, errlen, "bad filter expression '%s': %s", bpf, pcap_geterr(c->p));
        return -1;
    }
    if (pcap_setfilter(c->p, &prog) != 0) {
        set_err(err, errlen, "cannot set filter '%s': %s", bpf, pcap_geterr(c->p));
        pcap_freecode(&prog);
        return -1;
    }
    pcap_freecode(&prog);
    return 0;
}

/* The stdio side of a gzip-compressed capture. */
static ssize_t gz_cookie_read(void *cookie, char *buf, size_t size)
{
    int n = gzread((gzFile)cookie, buf, size > INT_MAX ? INT_MAX : (unsigned)size);
    if (n < 0) {
        errno = EIO;    /* corrupt or cut-short compressed data */
        return -1;
    }
    return n;
}

static int gz_cookie_close(void *cookie)
{
    return gzclose((gzFile)cookie) == Z_OK ? 0 : EOF;
}

/* f is at its start: if it is a regular file holding gzip data, replace it by a
 * stream of the decompressed bytes (f is then owned by that stream). Returns the
 * stream to read. */
static FILE *maybe_gunzip(FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        return f;       /* a pipe or FIFO cannot be peeked at and rewound: read as it is */
    int c0 = getc(f), c1 = c0 == EOF ? EOF : getc(f);
    if (c0 != 0x1f || c1 != 0x8b) {
        rewind(f);
        return f;
    }
    rewind(f);
    int fd = dup(fileno(f));
    gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
    if (!gz) {
        if (fd >= 0)
            close(fd);
        return f;       /* libpcap will say the file is not a capture */
    }
    gzbuffer(gz, 1u << 16);
    cookie_io_functions_t io = {.read = gz_cookie_read, .close = gz_cookie_close};
    FILE *z = fopencookie(gz, "rb", io);
    if (!z) {
        gzclose(gz);
        return f;
    }
    fclose(f);
    return z;
}

sw_capture *sw_capture_open_file(const char *path, const char *bpf, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    sw_capture *c;
    FILE *f;
    int is_stdin;

    if (!path || !*path) {
        set_err(err, errlen, "cannot read capture: no file name given");
        return NULL;
    }
    is_stdin = strcmp(path, "-") == 0;
    c = calloc(1, sizeof *c);
    if (!c) {
        set_err(err, errlen, "cannot read capture %s: %s", path, strerror(ENOMEM));
        return NULL;
    }
    if (is_stdin)
        snprintf(c->name, sizeof c->name, "from standard input");
    else
        snprintf(c->name, sizeof c->name, "%s", path);
    ebuf[0] = '\0';
    if (is_stdin) {
        c->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    } else {
        /* Opened here rather than by pcap_open_offline so that the FILE gets a large
         * buffer before its first read; libpcap still does all the reading. */
        f = fopen(path, "rb");
        if (!f) {
            set_err(err, errlen, "cannot read capture %s: %s", c->name, strerror(errno));
            free(c);
            return NULL;
        }
        f = maybe_gunzip(f);
        c->iobuf = malloc(SW_CAP_FILE_BUF);
        if (c->iobuf && setvbuf(f, c->iobuf, _IOFBF, SW_CAP_FILE_BUF) != 0) {
            free(c->iobuf);
            c->iobuf = NULL;
        }
        c->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
        if (!c->p) {
            fclose(f);             /* libpcap leaves a FILE it was given open on failure */
            free(c->iobuf);
            c->iobuf = NULL;
        }
    }
    if (!c->p) {
        set_err(err, errlen, "cannot read capture %s: %s", c->name,
                strip_prefix(ebuf[0] ? ebuf : "unknown error", path));
        free(c);
        return NULL;
    }
    c->linktype = pcap_datalink(c->p);
    f = pcap_file(c->p);
    if (f) {
        struct stat st;
        long off;
        if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
            c->size = (uint64_t)st.st_size;
        off = ftell(f);
        if (off > 0)
            c->last_off = (uint64_t)off;
    }
    if (apply_filter(c, bpf, PCAP_NETMASK_UNKNOWN, err, errlen) != 0) {
        pcap_close(c->p);
        free(c->iobuf);
        free(c);
        return NULL;
    }
    return c;
}

sw_capture *sw_capture_open_live(const char *iface, const char *bpf, int promisc, int snaplen,
                                 int buffer_size_bytes, int immediate, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    bpf_u_int32 net = 0, mask = 0;
    sw_capture *c;
    int rc;

    if (!iface || !*iface) {
        set_err(err, errlen, "no interface given");
        return NULL;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        set_err(err, errlen, "cannot capture on %s: %s", iface, strerror(ENOMEM));
        return NULL;
    }
    c->live = 1;
    c->fd = -1;
    snprintf(c->name, sizeof c->name, "%s", iface);
    ebuf[0] = '\0';
    c->p = pcap_create(iface, ebuf);
    if (!c->p) {
        set_err(err, errlen, "cannot capture on %s: %s", iface, ebuf[0] ? ebuf : "pcap_create failed");
        free(c);
        return NULL;
    }
    pcap_set_snaplen(c->p, snaplen > 0 ? snaplen : SW_CAP_DEFAULT_SNAPLEN);
    pcap_set_promisc(c->p, promisc ? 1 : 0);
    pcap_set_timeout(c->p, SW_CAP_TIMEOUT_MS);
    if (immediate)
        pcap_set_immediate_mode(c->p, 1);
    if (buffer_size_bytes > 0)
        pcap_set_buffer_size(c->p, buffer_size_bytes);
    pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_MICRO);

    rc = pcap_activate(c->p);
    if (rc < 0) {
        const char *detail = pcap_geterr(c->p);
        char why[PCAP_ERRBUF_SIZE + 160];
        switch (rc) {
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            snprintf(why, sizeof why, "permission denied (run as root, or give the program "
                     "CAP_NET_RAW and CAP_NET_ADMIN)%s%s",
                     detail && *detail ? ": " : "", detail ? detail : "");
            break;
        case PCAP_ERROR_NO_SUCH_DEVICE:
            snprintf(why, sizeof why, "no such interface%s%s",
                     detail && *detail ? ": " : "", detail ? detail : "");
            break;
        case PCAP_ERROR_IFACE_NOT_UP:
            snprintf(why, sizeof why, "the interface is down");
            break;
        default:
            snprintf(why, sizeof why, "%s%s%s", pcap_statustostr(rc),
                     detail && *detail ? ": " : "", detail ? detail : "");
            break;
        }
        set_err(err, errlen, "cannot capture on %s: %s", iface, why);
        pcap_close(c->p);
        free(c);
        return NULL;
    }
    if (rc > 0) {
        const char *detail = pcap_geterr(c->p);
        snprintf(c->warn, sizeof c->warn, "%s: %s%s%s", iface, pcap_statustostr(rc),
                 detail && *detail ? ": " : "", detail ? detail : "");
        if (strchr(c->warn, '\n'))
            *strchr(c->warn, '\n') = '\0';
    }
    c->linktype = pcap_datalink(c->p);
    /* libpcap's own read timeout is not honoured everywhere (Linux TPACKET_V3 keeps
     * waiting), so reads are non-blocking and the wait is our poll(). */
    c->fd = pcap_get_selectable_fd(c->p);
    if (c->fd >= 0 && pcap_setnonblock(c->p, 1, ebuf) != 0)
        c->fd = -1;
    if (pcap_lookupnet(iface, &net, &mask, ebuf) != 0)
        mask = PCAP_NETMASK_UNKNOWN;
    if (apply_filter(c, bpf, mask, err, errlen) != 0) {
        pcap_close(c->p);
        free(c);
        return NULL;
    }
    return c;
}

int sw_capture_linktype(const sw_capture *c) { return c->linktype; }
int sw_capture_is_live(const sw_capture *c) { return c->live; }
const char *sw_capture_error(const sw_capture *c) { return c->err; }
const char *sw_capture_warning(const sw_capture *c) { return c->warn[0] ? c->warn : NULL; }

static uint64_t file_pos(sw_capture *c)
{
    FILE *f;
    long off;
    if (c->live || !c->p)
        return 0;
    f = pcap_file(c->p);
    if (!f)
        return 0;
    off = ftell(f);
    return off > 0 ? (uint64_t)off : 0;
}

int sw_capture_next(sw_capture *c, const uint8_t **frame, uint32_t *caplen,
                    uint32_t *wirelen, uint64_t *ts_us)
{
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;

    if (c->done)
        return c->done > 0 ? 0 : -1;
    if (c->stop) {
        c->done = 1;
        return 0;
    }
    rc = pcap_next_ex(c->p, &h, &d);
    if (rc == 0 && c->live && c->fd >= 0) {
        struct pollfd pfd;
        pfd.fd = c->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, SW_CAP_TIMEOUT_MS) > 0 && !c->stop)
            rc = pcap_next_ex(c->p, &h, &d);
    }
    if (rc == 1) {
        int64_t sec = (int64_t)h->ts.tv_sec, usec = (int64_t)h->ts.tv_usec;
        if (sec < 0)
            sec = 0, usec = 0;
        if (usec < 0 || usec > 999999)
            usec = 0;
        *frame = d;
        *caplen = h->caplen;
        *wirelen = h->len;
        *ts_us = (uint64_t)sec * 1000000u + (uint64_t)usec;
        c->npackets++;   /* no ftell() here: it is a system call per packet */
        return 1;
    }
    if (rc == 0)                          /* live: the read timed out */
        return c->stop ? (c->done = 1, 0) : 2;
    if (rc == PCAP_ERROR_BREAK) {         /* end of file, or breakloop */
        c->done = 1;
        return 0;
    }
    /* an error */
    if (c->live) {
        snprintf(c->err, sizeof c->err, "capture error: %s", pcap_geterr(c->p));
    } else {
        uint64_t at = file_pos(c);
        if (!at)
            at = c->last_off;
        if (at && c->npackets)
            snprintf(c->err, sizeof c->err,
                     "capture file damaged: %s (reading stopped at byte %llu, after %llu good packets)",
                     pcap_geterr(c->p), (unsigned long long)at, (unsigned long long)c->npackets);
        else if (at)
            snprintf(c->err, sizeof c->err,
                     "capture file damaged: %s (reading stopped at byte %llu, before the first packet)",
                     pcap_geterr(c->p), (unsigned long long)at);
        else
            snprintf(c->err, sizeof c->err, "capture file damaged: %s (after %llu packets)",
                     pcap_geterr(c->p), (unsigned long long)c->npackets);
    }
    {
        char *nl = strchr(c->err, '\n');
        if (nl)
            *nl = '\0';
    }
    c->done = -1;
    return -1;
}

int sw_capture_stats(sw_capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop)
{
    struct pcap_stat ps;
    if (!c->live)
        return -1;
    memset(&ps, 0, sizeof ps);
    if (pcap_stats(c->p, &ps) != 0)
        return -1;
    if (recv)
        *recv = ps.ps_recv;
    if (drop)
        *drop = ps.ps_drop;
    if (ifdrop)
        *ifdrop = ps.ps_ifdrop;
    return 0;
}

uint64_t sw_capture_offset(sw_capture *c)
{
    uint64_t off = file_pos(c);
    return off ? off : c->last_off;
}

uint64_t sw_capture_size(const sw_capture *c) { return c->size; }

void sw_capture_breakloop(sw_capture *c)
{
    c->stop = 1;
    if (c->p)
        pcap_breakloop(c->p);
}

void sw_capture_close(sw_capture *c)
{
    if (!c)
        return;
    if (c->p)
        pcap_close(c->p);         /* closes the FILE, which no longer uses iobuf then */
    free(c->iobuf);
    free(c);
}

int sw_capture_join_fanout(sw_capture *c, unsigned group, char *err, size_t errlen)
{
    if (!c || !c->live) {
        set_err(err, errlen, "--fanout needs a live capture (-i)");
        return -1;
    }
    if (group > 0xffff) {
        if (err && errlen)
            snprintf(err, errlen, "fanout group %u is out of range (0..65535)", group);
        return -1;
    }
#if defined(__linux__) && defined(PACKET_FANOUT)
    /* libpcap has no fanout call; its Linux capture is an AF_PACKET socket bound to the
     * interface by pcap_activate, which is what a fanout group is made of. */
    int fd = pcap_fileno(c->p);
    /* the kernel reads an int: group id in the low 16 bits, mode and flags above (the
     * defrag flag is the top bit, so the value is built unsigned, same size) */
    unsigned arg = group | ((unsigned)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
    if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) {
        int e = fd < 0 ? EBADF : errno;
        if (err && errlen)
            snprintf(err, errlen, "cannot join fanout group %u on %s: %s", group, c->name,
                     e == EINVAL ? "the group exists with another mode, or the socket is not a "
                                   "Linux packet socket" : strerror(e));
        return -1;
    }
    return 0;
#else
    if (err && errlen)
        snprintf(err, errlen, "cannot join fanout group %u on %s: PACKET_FANOUT is Linux only",
                 group, c->name);
    return -1;
#endif
}
