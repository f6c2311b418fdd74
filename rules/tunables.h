/*
 * tunables.h — the one table of the check tunables: rule options that change how an
 * event's check judges (docs/rules.md, "Tunables"). Made from it:
 *  - the fields of sw_tunables (rules/ruleset.h) and their defaults
 *    (sw_ruleset_tunables(NULL), rules/ruleset.c);
 *  - the rule option parser's names, owning events and ranges (rules/rule_parse.c),
 *    which refuses a value outside the range;
 *  - the clamping a check applies to the tunables it is given (rules/checks.c);
 *  - tests/unit/test_config.c compares docs/rules.md's table, and the values written
 *    in rules/default.rules, with it.
 *
 * X(name, event, default, min, max, unit)
 *   name   the rule option and the sw_tunables field (uint32_t)
 *   event  the only event whose rules may carry it
 *   unit   what the number counts, as docs/rules.md's range column says it
 */
#ifndef SW_TUNABLES_H
#define SW_TUNABLES_H
#include <stdint.h>

/* ISNs the isn_predictable check keeps per host: isn_min_conns cannot ask for more. */
#define SW_TUN_ISN_KEEP 16

#define SW_TUNABLES(X) \
    X(ttl_delta,          SW_EV_TTL_ANOMALY,      5,    0, 255,     "") \
    X(ack_storm_count,    SW_EV_ACK_STORM,        20,   2, 1000000, "pure ACKs") \
    X(ack_storm_ms,       SW_EV_ACK_STORM,        1000, 1, 3600000, "ms") \
    X(spray_count,        SW_EV_BLIND_SPRAY,      10,   2, 1000000, "segments") \
    X(spray_ms,           SW_EV_BLIND_SPRAY,      2000, 1, 3600000, "ms") \
    X(desync_count,       SW_EV_DESYNC,           3,    1, 1000000, "segments from each side") \
    X(tsval_jump_seconds, SW_EV_TSVAL_REGRESSION, 600,  1, 2147483, "(seconds of a 1 kHz clock)") \
    X(isn_min_conns,      SW_EV_ISN_PREDICTABLE,  5,    3, SW_TUN_ISN_KEEP, "connections")

/* A value as a check takes it: 0 for a tunable whose range excludes 0 means "not
 * set" (the default); anything else is moved into [lo, hi]. */
static inline uint32_t sw_tun_fix(uint32_t v, uint32_t def, uint32_t lo, uint32_t hi)
{
    if (v == 0 && lo > 0)
        return def;
    return v < lo ? lo : v > hi ? hi : v;
}

#endif
