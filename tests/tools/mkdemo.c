/*
 * mkdemo.c — writes tests/traces/demo-hijack.pcap, the demo capture the README runs:
 * a Telnet-style session in which a third party on the link injects a command as
 * the client (correct seq/ack, but another TTL, another MAC and no TCP timestamps).
 * The server accepts it and answers; the real client, now behind, sends its next
 * line over the same sequence range with different bytes, and both ends start
 * exchanging ACKs the other finds unacceptable (desynchronisation, ACK storm).
 * Deterministic: the same program always writes the same bytes.
 *
 * usage: mkdemo OUT.pcap
 */
#include <stdio.h>
#include <string.h>

#include "detector/packet.h"
#include "pktbuild.h"

static void say(pb_conn *c, int side, const char *text)
{
    pb_conn_ack(c, side);            /* acknowledge what the other side said */
    pb_tick(c->t, 20000);
    pb_conn_send(c, side, text, (uint32_t)strlen(text));
    pb_tick(c->t, 30000);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkdemo OUT.pcap\n");
        return 2;
    }
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "192.168.56.10", 50123, "192.168.56.20", 23, 0x1c2d3e4fu, 0x7a6b5c4du);
    c.ts = 1;
    pb_conn_handshake(&c);
    pb_tick(&t, 50000);
    say(&c, 1, "Debian GNU/Linux 12\r\nlogin: ");
    say(&c, 0, "admin\r\n");
    say(&c, 1, "Password: ");
    say(&c, 0, "s3cret\r\n");
    say(&c, 1, "Last login: Mon Nov 23 09:12:01\r\nadmin@srv:~$ ");
    say(&c, 0, "ls\r\n");
    say(&c, 1, "notes.txt  backup.tgz\r\nadmin@srv:~$ ");
    pb_conn_ack(&c, 0);
    pb_tick(&t, 400000);

    /* The attacker, sniffing the link, injects a command as the client. */
    static const char inject[] = "cat /etc/shadow; echo pwned\r\n";
    const uint32_t ilen = (uint32_t)strlen(inject);
    pb_seg s;
    pb_conn_seg(&c, 0, &s);
    s.flags = SW_TH_ACK | SW_TH_PSH;
    s.ttl = 51;
    s.ts = 0;
    s.ip_id = 0x1337;
    static const uint8_t amac[6] = {0x02, 0xde, 0xad, 0xbe, 0xef, 0x01};
    memcpy(s.src_mac, amac, 6);
    s.payload = (const uint8_t *)inject;
    s.len = ilen;
    pb_trace_add(&t, &s);
    pb_tick(&t, 2000);

    /* The server accepts it: its ACK now covers bytes the client never sent. */
    uint32_t client_real_nxt = c.nxt[0];
    c.nxt[0] += ilen;                 /* the server's view of the client */
    say(&c, 1, "root:$6$Zx9...:19700:0:99999:7:::\r\npwned\r\nadmin@srv:~$ ");
    c.nxt[0] = client_real_nxt;       /* the real client never sent those bytes */

    /* The real client types its next line over the injected range (different
     * bytes), and both ends start answering each other's unacceptable segments. */
    pb_tick(&t, 300000);
    pb_conn_send(&c, 0, "exit\r\n", 6);
    for (int i = 0; i < 12; i++) {
        /* server: the client's segment is old; re-ACK its own view */
        pb_conn_seg(&c, 1, &s);
        s.flags = SW_TH_ACK;
        s.ack = client_real_nxt + ilen;
        s.tsecr = c.ts_last[0];
        pb_trace_add(&t, &s);
        pb_tick(&t, 300);
        /* client: that ACK is for data it never sent; re-ACK with its own view */
        pb_conn_seg(&c, 0, &s);
        s.flags = SW_TH_ACK;
        s.seq = client_real_nxt + 6;
        s.ack = c.nxt[1] - (uint32_t)strlen("root:$6$Zx9...:19700:0:99999:7:::\r\npwned\r\nadmin@srv:~$ ");
        pb_trace_add(&t, &s);
        pb_tick(&t, 300);
    }
    if (pb_trace_write(&t, argv[1]) != 0) {
        fprintf(stderr, "mkdemo: cannot write %s\n", argv[1]);
        pb_trace_free(&t);
        return 1;
    }
    printf("wrote %s: %zu packets\n", argv[1], t.n);
    pb_trace_free(&t);
    return 0;
}
