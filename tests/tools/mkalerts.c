/*
 * mkalerts.c — writes a capture that makes many alerts, for the storage tests
 * (round trip, SIGTERM flush, kill -9, concurrent reader). N connections, 1 ms
 * apart, on distinct client ports, alternating two hijack marks:
 *   even: the client's SYN is answered by a SYN-ACK whose ACK is not ISN + 1
 *         (synack_bad_ack), then the correct SYN-ACK and the handshake completes;
 *   odd:  a completed handshake, some data, then a RST "from the server" whose
 *         sequence number is far outside the client's window (rst_out_of_window),
 *         and the connection goes on as if nothing happened.
 * Deterministic: the same arguments always write the same bytes.
 *
 * usage: mkalerts OUT.pcap N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector/packet.h"
#include "pktbuild.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mkalerts OUT.pcap N\n");
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    if (n <= 0 || n > 1000000) {
        fprintf(stderr, "mkalerts: N must be 1..1000000\n");
        return 2;
    }
    pb_trace t;
    pb_trace_init(&t, 1, 1709643732000000ull);
    for (long i = 0; i < n; i++) {
        pb_conn c;
        char cip[32], sip[32];
        snprintf(cip, sizeof cip, "10.%ld.%ld.%ld", 1 + (i >> 16) % 200, (i >> 8) & 255, 1 + (i & 127));
        snprintf(sip, sizeof sip, "192.0.2.%ld", 1 + i % 50);
        uint32_t cisn = 0x10000000u + (uint32_t)i * 7919u, sisn = 0x60000000u + (uint32_t)i * 104729u;
        pb_conn_init(&c, &t, cip, (uint16_t)(20000 + i % 40000), sip, 80, cisn, sisn);
        pb_seg s;
        if (i % 2 == 0) {
            /* SYN, a SYN-ACK with a wrong ACK, then the real handshake */
            pb_conn_seg(&c, 0, &s);
            s.flags = SW_TH_SYN;
            s.seq = cisn;
            s.ack = 0;
            s.mss = 1460;
            pb_trace_add(&t, &s);
            pb_tick(&t, 100);
            pb_conn_seg(&c, 1, &s);
            s.flags = SW_TH_SYN | SW_TH_ACK;
            s.seq = sisn;
            s.ack = cisn + 1 + 5000;
            s.mss = 1460;
            s.ttl = 37;
            pb_trace_add(&t, &s);
            pb_tick(&t, 100);
            pb_conn_handshake(&c);
            pb_conn_send(&c, 0, "GET / HTTP/1.1\r\n\r\n", 18);
            pb_conn_ack(&c, 1);
        } else {
            pb_conn_handshake(&c);
            pb_conn_send(&c, 0, "GET / HTTP/1.1\r\n\r\n", 18);
            pb_conn_ack(&c, 1);
            pb_conn_raw(&c, 1, &(pb_seg){.flags = SW_TH_RST, .seq = c.nxt[1] + 0x40000000u,
                                         .ttl = 33});
            pb_tick(&t, 100);
            pb_conn_send(&c, 1, "HTTP/1.1 200 OK\r\n\r\n", 19);
            pb_conn_ack(&c, 0);
        }
        pb_tick(&t, 1000);
    }
    if (pb_trace_write(&t, argv[1]) != 0) {
        fprintf(stderr, "mkalerts: cannot write %s\n", argv[1]);
        pb_trace_free(&t);
        return 1;
    }
    printf("wrote %s: %zu packets, %ld connections\n", argv[1], t.n, n);
    pb_trace_free(&t);
    return 0;
}
