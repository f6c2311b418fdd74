/* SPDX-License-Identifier: GPL-2.0-only
 *
 * layout-asserts.h — the offsets this plugin relies on, per supported Suricata
 * package (Debian 1:7.0.10 amd64; sid's 1:8.0.7 amd64), checked at compile time.
 * The values are those of the Debian binary:
 * sizeof(Packet), pktlen, ext_pkt, datalink and Flow's flow_hash/startts were read
 * from its machine code (PacketCopyDataOffset, PacketTunnelPktSetup, CreateEveFlowId;
 * see docs/suricata.md); the others are those of the pinned configure header, and
 * the runtime self-test in Init checks pktlen/ext_pkt/data/flow/root/pcap_cnt against
 * the running binary. A build against another configuration or package fails here
 * instead of reading garbage at run time.
 */
#ifndef SW_SURICATA_LAYOUT_ASSERTS_H
#define SW_SURICATA_LAYOUT_ASSERTS_H

#include <stddef.h>

#define SW_LAYOUT_IS(type, field, off)                   \
    _Static_assert(offsetof(type, field) == (off), #type \
                   "." #field " is not at " #off " as in Debian's suricata " SW_LAYOUT_PACKAGE)
#define SW_LAYOUT_SIZE(type, size)                                           \
    _Static_assert(sizeof(type) == (size), "sizeof(" #type ") is not " #size \
                                           " as in Debian's suricata " SW_LAYOUT_PACKAGE)

#if defined(SW_LAYOUT_7_0_10_DEBIAN_AMD64)
#define SW_LAYOUT_PACKAGE "1:7.0.10 amd64"
SW_LAYOUT_SIZE(Packet, 0x248);
SW_LAYOUT_IS(Packet, flags, 0x38);
SW_LAYOUT_IS(Packet, flow, 0x40);
SW_LAYOUT_IS(Packet, ts, 0x50);
SW_LAYOUT_IS(Packet, pkt_src, 0x19b);
SW_LAYOUT_IS(Packet, pktlen, 0x19c);
SW_LAYOUT_IS(Packet, ext_pkt, 0x1a0);
SW_LAYOUT_IS(Packet, livedev, 0x1a8);
SW_LAYOUT_IS(Packet, pcap_cnt, 0x1f0);
SW_LAYOUT_IS(Packet, datalink, 0x220);
SW_LAYOUT_IS(Packet, root, 0x228);
SW_LAYOUT_IS(Flow, flow_hash, 0x48);
SW_LAYOUT_IS(Flow, flow_state, 0x58);
SW_LAYOUT_IS(Flow, startts, 0xf0);
SW_LAYOUT_IS(LiveDevice, dev, 0x0);
#elif defined(SW_LAYOUT_8_0_7_DEBIAN_AMD64)
/* Debian sid's suricata 1:8.0.7-2 amd64. Read from its machine code (the test
 * suricata8_link checks them again against the extracted binary):
 * PacketCopyDataOffset reads ext_pkt at 0x120, writes pktlen at 0x11c and copies
 * to the packet's own data at p + 0x1cc (the flexible array pkt_data);
 * PacketTunnelPktSetup stores datalink (DLT_RAW) at 0x1a8 and root at 0x1b0;
 * CreateEveFlowId reads Flow.startts at 0xf0 and flow_hash at 0x48. */
#define SW_LAYOUT_PACKAGE "1:8.0.7 amd64"
SW_LAYOUT_SIZE(Packet, 0x1d0);
SW_LAYOUT_IS(Packet, flags, 0x3c);
SW_LAYOUT_IS(Packet, flow, 0x40);
SW_LAYOUT_IS(Packet, ts, 0x50);
SW_LAYOUT_IS(Packet, pkt_src, 0x11b);
SW_LAYOUT_IS(Packet, pktlen, 0x11c);
SW_LAYOUT_IS(Packet, ext_pkt, 0x120);
SW_LAYOUT_IS(Packet, livedev, 0x128);
SW_LAYOUT_IS(Packet, pcap_cnt, 0x178);
SW_LAYOUT_IS(Packet, datalink, 0x1a8);
SW_LAYOUT_IS(Packet, root, 0x1b0);
SW_LAYOUT_IS(Packet, pkt_data, 0x1cc);
SW_LAYOUT_IS(Flow, flow_hash, 0x48);
SW_LAYOUT_IS(Flow, flow_state, 0x58);
SW_LAYOUT_IS(Flow, startts, 0xf0);
SW_LAYOUT_IS(LiveDevice, dev, 0x0);
#else
#error "seqwatch-suricata: no layout assertions for this Suricata package (set SURICATA_LAYOUT)"
#endif

#endif
