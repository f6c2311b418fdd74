/*
 * capture.h — the libpcap wrapper the program reads frames through: capture files
 * (pcap and pcapng, "-" = standard input) and live interfaces, an optional BPF
 * filter, one frame at a time with microsecond packet time. Error messages are one
 * line, ready to print after the program's name.
 */
#ifndef SW_CAPTURE_H
#define SW_CAPTURE_H
#include <stddef.h>
#include <stdint.h>

typedef struct sw_capture sw_capture;

/* Open a capture file (pcap or pcapng; nanosecond files are read with microsecond
 * precision). path "-" reads standard input. bpf may be NULL or "" for no filter.
 * On failure returns NULL with "cannot read capture FILE: <reason>" or
 * "bad filter expression 'X': <reason>" in err. */
sw_capture *sw_capture_open_file(const char *path, const char *bpf, char *err, size_t errlen);

/* Open a live interface. snaplen <= 0 means 262144; buffer_size_bytes <= 0 keeps
 * libpcap's default; immediate: deliver packets as they arrive. Reads time out after
 * 100 ms (sw_capture_next returns 2). On failure returns NULL with a one-line reason
 * (no such interface, interface down, permission denied, bad filter ...). */
sw_capture *sw_capture_open_live(const char *iface, const char *bpf, int promisc, int snaplen,
                                 int buffer_size_bytes, int immediate, char *err, size_t errlen);

/* Join the live capture's socket to Linux PACKET_FANOUT group `group` (0..65535) in
 * hash mode, IP fragments reassembled before hashing: the kernel then gives each of
 * the group's sockets (several processes on one interface, same filter) a share of
 * the packets, both directions of a connection to the same socket. Returns 0, or -1
 * with a one-line reason (not a live capture, not Linux, the group exists with
 * another mode, ...). */
int sw_capture_join_fanout(sw_capture *c, unsigned group, char *err, size_t errlen);

/* The pcap link type (DLT) of the capture. */
int sw_capture_linktype(const sw_capture *c);

/* Next frame. Returns 1 with the frame (valid until the next call), 0 at the end of
 * the file or after sw_capture_breakloop, 2 when a live read timed out (no packet:
 * call again), -1 on an error (sw_capture_error says what, and for a file where
 * reading stopped, as a byte offset). */
int sw_capture_next(sw_capture *c, const uint8_t **frame, uint32_t *caplen,
                    uint32_t *wirelen, uint64_t *ts_us);

/* The last error ("" if none). */
const char *sw_capture_error(const sw_capture *c);

/* A non-fatal note from opening a live interface (e.g. promiscuous mode not
 * supported), or NULL. */
const char *sw_capture_warning(const sw_capture *c);

/* Live captures: packets received and dropped by the kernel, dropped by the
 * interface. Returns 0, or -1 for files or if libpcap cannot tell. */
int sw_capture_stats(sw_capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop);

/* Files: bytes read so far and the total size, for a progress line; 0 if unknown
 * (a pipe, a live capture). */
uint64_t sw_capture_offset(sw_capture *c);
uint64_t sw_capture_size(const sw_capture *c);

/* Make a pending or the next sw_capture_next return 0. Safe in a signal handler. */
void sw_capture_breakloop(sw_capture *c);
int sw_capture_is_live(const sw_capture *c);
void sw_capture_close(sw_capture *c);

#endif
