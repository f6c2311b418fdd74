/*
 * seq.h — TCP sequence-number arithmetic modulo 2^32, in one place.
 * Every comparison of sequence or acknowledgement numbers in seqwatch goes through
 * these helpers; never compare two sequence numbers with < directly.
 */
#ifndef SW_SEQ_H
#define SW_SEQ_H
#include <stdint.h>

static inline int32_t sw_seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }
#define SEQ_LT(a, b)  (sw_seq_diff((a), (b)) < 0)
#define SEQ_LEQ(a, b) (sw_seq_diff((a), (b)) <= 0)
#define SEQ_GT(a, b)  (sw_seq_diff((a), (b)) > 0)
#define SEQ_GEQ(a, b) (sw_seq_diff((a), (b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT((a), (b)) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT((a), (b)) ? (a) : (b))
/* a <= x < b, modulo 2^32 */
#define SEQ_IN(x, a, b) (SEQ_GEQ((x), (a)) && SEQ_LT((x), (b)))

#endif
