/*
 * packet.h — the decoded view of one captured frame.
 * sw_decode() fills an sw_packet with pointers into the captured frame and the
 * header fields seqwatch needs; nothing is copied and nothing is allocated. The
 * view is valid only as long as the frame is.
 */
#ifndef SW_PACKET_H
#define SW_PACKET_H
#include <stdint.h>
#include <stddef.h>

/* TCP flag bits as in the header. */
#define SW_TH_FIN 0x01
#define SW_TH_SYN 0x02
#define SW_TH_RST 0x04
#define SW_TH_PSH 0x08
#define SW_TH_ACK 0x10
#define SW_TH_URG 0x20
#define SW_TH_ECE 0x40
#define SW_TH_CWR 0x80

#define SW_MAX_SACK 4

/* Outcome of decoding. SW_DEC_TCP is the only one that goes on to the flow table;
 * the others are counted. Keep sw_decode_reason_name() in decode.c in step, and
 * docs/decoding.md. Two conditions are NOT results but notes on an SW_DEC_TCP
 * packet (count them from the flags): sw_packet.bad_options (a malformed TCP option:
 * parsing stopped or the option was ignored, as Linux does) and
 * sw_packet.snap_truncated (the payload was cut by the snap length). */
typedef enum sw_decode_result {
    SW_DEC_TCP = 0,          /* a complete, valid TCP segment */
    SW_DEC_NOT_IP,           /* ARP, LLDP, ...: not an error */
    SW_DEC_NOT_TCP,          /* UDP, ICMP, ...: not an error */
    SW_DEC_FRAGMENT,         /* IP fragment: recognised, not reassembled, not an error */
    /* errors, counted by reason */
    SW_DEC_ERR_FIRST,
    SW_DEC_ERR_LINK_TRUNCATED = SW_DEC_ERR_FIRST,
    SW_DEC_ERR_VLAN_TRUNCATED,
    SW_DEC_ERR_VLAN_TOO_MANY,      /* more than 2 VLAN tags */
    SW_DEC_ERR_IPV4_TRUNCATED,
    SW_DEC_ERR_IPV4_BAD_VERSION,
    SW_DEC_ERR_IPV4_BAD_HLEN,
    SW_DEC_ERR_IPV4_BAD_TOTLEN,
    SW_DEC_ERR_IPV4_BAD_CHECKSUM,
    SW_DEC_ERR_IPV6_TRUNCATED,
    SW_DEC_ERR_IPV6_BAD_VERSION,
    SW_DEC_ERR_IPV6_BAD_PAYLEN,
    SW_DEC_ERR_IPV6_BAD_EXT,
    SW_DEC_ERR_IPV6_EXT_CHAIN_TOO_LONG,
    SW_DEC_ERR_TCP_TRUNCATED,
    SW_DEC_ERR_TCP_BAD_HLEN,
    SW_DEC_ERR_TCP_BAD_CHECKSUM,
    SW_DEC_ERR_TCP_BAD_PORT,       /* port 0 */
    SW_DEC_ERR_UNKNOWN_LINK,
    SW_DEC_NRESULTS
} sw_decode_result;

const char *sw_decode_reason_name(sw_decode_result r);

typedef struct sw_tcp_opts {
    uint16_t mss;
    uint8_t  wscale;            /* as sent (may be > 14: caller clamps) */
    uint8_t  has_mss:1, has_wscale:1, sack_perm:1, has_ts:1, has_tfo:1, has_sack:1;
    uint8_t  nsack;
    uint8_t  tfo_cookie_len;
    uint32_t tsval, tsecr;
    uint32_t sack_left[SW_MAX_SACK], sack_right[SW_MAX_SACK];
} sw_tcp_opts;

typedef struct sw_packet {
    /* capture */
    uint64_t ts_us;
    const uint8_t *frame;
    uint32_t caplen, wirelen;
    int linktype;

    /* link layer */
    uint8_t  has_mac;            /* 1 on Ethernet (and SLL with a 6-byte address) */
    uint8_t  src_mac[6], dst_mac[6];
    uint8_t  nvlan;              /* 0..2 tags (802.1Q, 802.1ad QinQ) */
    uint16_t vlan[2];            /* VLAN IDs, outer first */

    /* network layer */
    uint8_t  ip_version;         /* 4 or 6 */
    const uint8_t *ip_hdr;
    const uint8_t *src_ip, *dst_ip;   /* 4 or 16 bytes, pointing into the frame */
    uint8_t  ttl;                /* TTL or hop limit */
    uint16_t ip_id;              /* IPv4 identification (0 for IPv6) */
    uint8_t  ip_tos;
    uint8_t  ip_df;

    /* transport layer */
    const uint8_t *tcp_hdr;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t  flags;              /* SW_TH_* */
    uint8_t  tcp_hlen;           /* bytes */
    uint16_t window;             /* raw, unscaled */
    uint16_t urgptr;
    uint8_t  reserved_bits;      /* the 4 reserved header bits (0 normally) */
    sw_tcp_opts opt;
    const uint8_t *payload;
    uint32_t payload_len;        /* bytes present in the frame */
    uint32_t payload_wire_len;   /* bytes the IP length says there were (>= payload_len) */

    uint8_t  csum_checked;       /* 1 if IP/TCP checksums were verified */
    uint8_t  bad_options;        /* 1 if a TCP option was malformed (ignored; parsing may
                                    have stopped there, as Linux's parser does) */
    uint8_t  snap_truncated;     /* 1 if the capture cut the payload (payload_len <
                                    payload_wire_len); the TCP checksum was not verified */
    uint64_t frame_no;           /* the frame's number in the capture, from 1 (0: unknown);
                                    set by the pipeline, not by sw_decode */

    /* IP fragment (filled for SW_DEC_FRAGMENT only; see detector/defrag.h) */
    uint8_t  frag_proto;         /* IPv4 protocol / IPv6 next header after the fragment header */
    uint8_t  frag_mf;            /* more fragments follow */
    uint8_t  frag_cut;           /* the capture cut the fragment's data */
    uint32_t frag_hdr_len;       /* IPv4: header length; IPv6: bytes before the fragment header */
    uint32_t frag_nh_pos;        /* IPv6: offset from ip_hdr of the next-header byte that
                                    names the fragment header */
    uint32_t frag_id;            /* IPv4 identification / IPv6 fragment header id */
    uint32_t frag_off;           /* offset of the fragment's data in the datagram, bytes */
    const uint8_t *frag_data;    /* the fragment's data (frag_len bytes by the IP length) */
    uint32_t frag_len;

    /* a reassembled datagram: the number of fragments it came in (0: not fragmented) */
    uint16_t ip_frags;
} sw_packet;

/* Decode one frame. Returns SW_DEC_TCP and a filled view, or another result (the
 * view is then partially filled: link and IP fields as far as decoding got).
 * verify_checksums: 1 to verify IPv4 header and TCP checksums. Never reads outside
 * frame[0..caplen). */
sw_decode_result sw_decode(sw_packet *p, int linktype, uint64_t ts_us,
                           const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
                           int verify_checksums);

/* The endpoints of a frame (pointing into it), as sw_decode reads them. */
typedef struct sw_endpoints {
    const uint8_t *src, *dst;    /* 4 or 16 bytes; NULL when not IP */
    uint8_t  ip_version;         /* 4, 6, or 0 */
    uint16_t sport, dport;       /* SW_DEC_TCP only, else 0 */
} sw_endpoints;

/* Only the endpoints: the link layer and the IP header as sw_decode reads them
 * (checksums not verified, TCP options and payload not read), then the two ports.
 * Returns SW_DEC_TCP (addresses and ports), SW_DEC_FRAGMENT or SW_DEC_NOT_TCP
 * (addresses only), or another result (no endpoints). For spreading connections
 * over workers: a frame's worker is chosen before it is decoded for real. */
sw_decode_result sw_decode_endpoints(sw_endpoints *ep, int linktype, const uint8_t *frame,
                                     uint32_t caplen, uint32_t wirelen);

/* One's-complement sum of n bytes added to sum, as native-order 16-bit words
 * (unfolded: fold to 16 bits and compare with 0xffff to check a checksum; a sum in
 * parts stays valid while every part but the last has an even length). */
uint64_t sw_csum_acc(uint64_t sum, const uint8_t *p, size_t n);

/* Format an address from a packet view (4 or 16 bytes) into buf (INET6_ADDRSTRLEN). */
const char *sw_addr_str(int ip_version, const uint8_t *addr, char *buf, size_t len);

#endif
