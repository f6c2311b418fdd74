/* SPDX-License-Identifier: GPL-2.0-only
 *
 * layout-asserts.h — the offsets this plugin relies on, per supported Suricata
 * package, checked at compile time. The values are those of the Debian binary:
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

#if defined(SW_LAYOUT_7_0_10_DEBIAN_AMD64)
#define SW_LAYOUT_IS(type, field, off) \
    _Static_assert(offsetof(type, field) == (off), #type "." #field " is not at " #off \
                   " as in Debian's suricata 1:7.0.10 amd64")
_Static_assert(sizeof(Packet) == 0x248, "sizeof(Packet) is not 0x248 as in Debian's suricata 1:7.0.10 amd64");
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
#else
#error "seqwatch-suricata: no layout assertions for this Suricata package (set SURICATA_LAYOUT)"
#endif

#endif
