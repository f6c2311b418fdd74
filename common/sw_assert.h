/*
 * sw_assert.h — checked invariants, shared by every layer (it depends on nothing).
 *
 * SW_ASSERT(cond): a condition the code relies on; compiled in unless NDEBUG (the
 * Debug and sanitizer builds keep it, RelWithDebInfo and Release drop it). A failed
 * assertion prints file:line and the condition, then aborts.
 *
 * Validators are functions named *_validate that walk one structure and return NULL
 * when every invariant its file comment states holds, or a static string naming the
 * first one that is broken. They are always compiled (tests call them directly on
 * structures they corrupt). SW_VALIDATE_RUN(expr) runs one after an operation when
 * SW_VALIDATE is defined (the sanitizer and fuzz builds define it, so the unit tests,
 * the program tests and the fuzzers check the invariants, not only memory safety)
 * and aborts with the message when it fails; without SW_VALIDATE it is nothing and
 * expr is not evaluated.
 */
#ifndef SW_ASSERT_H
#define SW_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

__attribute__((noreturn, cold)) static inline void
sw_invariant_fail(const char *what, const char *msg, const char *file, int line)
{
    fprintf(stderr, "seqwatch: %s:%d: %s: %s\n", file, line, what, msg);
    fflush(stderr);
    abort();
}

#if defined(NDEBUG)
#define SW_ASSERT(cond) ((void)0)
#else
#define SW_ASSERT(cond) \
    ((cond) ? (void)0 : sw_invariant_fail("assertion failed", #cond, __FILE__, __LINE__))
#endif

#if defined(SW_VALIDATE)
#define SW_VALIDATE_ON 1
#define SW_VALIDATE_RUN(expr) do { \
        const char *sw_v_msg_ = (expr); \
        if (sw_v_msg_) \
            sw_invariant_fail("invariant broken", sw_v_msg_, __FILE__, __LINE__); \
    } while (0)
#else
#define SW_VALIDATE_ON 0
#define SW_VALIDATE_RUN(expr) ((void)0)
#endif

#endif
