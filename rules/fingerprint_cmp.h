/*
 * fingerprint_cmp.h — is a packet its direction's real sender? The marks by which a
 * packet differs from its sender's fingerprint (TTL, MAC, timestamps, IP ID,
 * window), shared by the fingerprint, injection, window and desync checks. Private
 * to rules/; depends on ck_state.h.
 */
#ifndef SW_FINGERPRINT_CMP_H
#define SW_FINGERPRINT_CMP_H
#include <jansson.h>
#include "rules/ck_state.h"

#define CK_FP_TTL        0x01u   /* TTL / hop limit other than the baseline */
#define CK_FP_MAC        0x02u   /* source MAC other than the baseline */
#define CK_FP_TS_MISSING 0x04u   /* no timestamps although negotiated and sent so far */
#define CK_FP_TS_CLOCK   0x08u   /* TSval behind the sender's clock */
#define CK_FP_IP_ID      0x10u   /* IPv4 ID off a sequential sender's sequence */
#define CK_FP_WINDOW     0x20u   /* raw window far from the sender's (weak: not counted) */
#define CK_FP_STRONG     (CK_FP_TTL | CK_FP_MAC | CK_FP_TS_MISSING | CK_FP_TS_CLOCK | CK_FP_IP_ID)
/* The marks by which packet o differs from its sender's fingerprint as the checks
 * know it before o (CK_FP_*). */
uint32_t ck_fp_diff(const ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);
/* Foreign: at least two strong marks. */
int ck_fp_foreign(uint32_t marks);
/* The marks as evidence: [{"mark", "seen", "expected"}...]. New reference. */
json_t *ck_fp_json(const ck_flow *fs, const sw_flow *f, const sw_packet *p, int dir,
                   uint32_t marks);
/* The names of the marks (ttl, mac, timestamps, tsval, ip_id, window). New reference. */
json_t *ck_fp_names(uint32_t marks);
/* Enter a packet judged the sender's own into its IP ID / window fingerprint. */
void ck_fp_learn(ck_flow *fs, const sw_pkt_obs *o);


#endif
