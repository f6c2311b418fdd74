/*
 * sw_config_table.h — the one table of the engine's numeric settings (the fields of
 * sw_config in include/seqwatch.h): for each, its default, its range, the command-line
 * option that sets it and what it means. Everything else is made from it:
 *  - sw_config_init's defaults (src/engine.c, SW_CONFIG_SET_DEFAULT);
 *  - the defaults a layer falls back on for a zero (detector/reasm.c, SW_CONFIG_INIT);
 *  - the range an API caller's value is clamped into (sw_engine_new, SW_CONFIG_CLAMP);
 *  - the option parser of `seqwatch run` and `seqwatch streams` (src/cli.c,
 *    sw_cli_parse_config_option), which refuses a value outside the range;
 *  - the check that the public struct has each field with the table's type
 *    (SW_CONFIG_CHECK_FIELD, in engine.c), since the struct itself stays written out
 *    in the public header for its ABI;
 *  - tests/unit/test_config.c compares docs/operations.md's option tables, and the
 *    help of `seqwatch run` / `seqwatch streams`, with it.
 *
 * X(field, type, kind, default, min, max, option, doc)
 *   kind   SW_CFG_COUNT (a plain number), SW_CFG_SECONDS, SW_CFG_SIZE (bytes, given as
 *          "64K", "256M", ... on the command line)
 *   option the long option without "--", or NULL when only the API sets it
 *
 * Zero from an API caller is passed through unclamped: there it keeps the meaning
 * the layer below gives it (a timeout of 0 never expires, a memcap of 0 is the
 * reassembler's default, 0 workers or 0 flows is 1). Every other value is clamped
 * into [min, max]. The command line accepts [min, max] only.
 *
 * The non-numeric settings (checksum, frag_policy, vlan_ignore, strings) have their
 * own parsers in src/cli.c and their defaults in sw_config_init.
 */
#ifndef SW_CONFIG_TABLE_H
#define SW_CONFIG_TABLE_H
#include <stddef.h>
#include <stdint.h>
#include "seqwatch.h"

enum { SW_CFG_COUNT, SW_CFG_SECONDS, SW_CFG_SIZE };

#define SW_CFG_DAY 86400u

/* The most worker threads an engine runs (the API and --workers alike). */
#define SW_CFG_WORKERS_MAX 256u

#define SW_CONFIG_TABLE(X) \
    X(max_flows,           uint32_t, SW_CFG_COUNT,   1000000,     1, 100000000,        "max-flows", \
      "flows tracked at once; the stalest is evicted when full") \
    X(timeout_syn,         uint32_t, SW_CFG_SECONDS, 30,          1, 7 * SW_CFG_DAY,   "timeout-syn", \
      "idle timeout of connections whose handshake has not completed") \
    X(timeout_established, uint32_t, SW_CFG_SECONDS, 3600,        1, 30 * SW_CFG_DAY,  "timeout-established", \
      "idle timeout of established connections") \
    X(timeout_closing,     uint32_t, SW_CFG_SECONDS, 60,          1, 7 * SW_CFG_DAY,   "timeout-closing", \
      "idle timeout after FIN or RST, including TIME_WAIT") \
    X(stream_memcap,       uint64_t, SW_CFG_SIZE,    256ull << 20, 1, UINT64_MAX,      "stream-memcap", \
      "stream bytes held in all flows together") \
    X(stream_flow_cap,     uint64_t, SW_CFG_SIZE,    4ull << 20,  1, UINT64_MAX,       "stream-flow-cap", \
      "stream bytes held per flow") \
    X(stream_depth,        uint64_t, SW_CFG_SIZE,    0,           0, UINT64_MAX,       "stream-depth", \
      "stop storing a direction after this many bytes (0 = unlimited)") \
    X(retain_seconds,      uint32_t, SW_CFG_SECONDS, 30,          0, SW_CFG_DAY,       "retain-seconds", \
      "keep delivered bytes comparable this long (packet time)") \
    X(retain_bytes,        uint64_t, SW_CFG_SIZE,    256ull << 10, 0, UINT64_MAX,      "retain-bytes", \
      "... and at most this many bytes per direction") \
    X(history_packets,     uint32_t, SW_CFG_COUNT,   8,           0, 64,               "history", \
      "packets per connection kept for the alert ladder") \
    X(workers,             uint32_t, SW_CFG_COUNT,   1,           1, SW_CFG_WORKERS_MAX, "workers", \
      "worker threads; connections are spread over them") \
    X(frag_max_contexts,   uint32_t, SW_CFG_COUNT,   1024,        1, UINT32_MAX,       NULL, \
      "IP datagrams being reassembled at once") \
    X(frag_memcap,         uint64_t, SW_CFG_SIZE,    4ull << 20,  1, UINT64_MAX,       NULL, \
      "bytes of IP fragment data held (as Linux's ipfrag_high_thresh)") \
    X(frag_max_fragments,  uint32_t, SW_CFG_COUNT,   128,         1, UINT32_MAX,       NULL, \
      "fragments per IP datagram")

/* sw_config_init: c->field = default. */
#define SW_CONFIG_SET_DEFAULT(field, type, kind, def, min, max, opt, doc) \
    c->field = (type)(def);

/* sw_engine_new: a nonzero value outside [min, max] is moved to the nearer end. */
static inline uint64_t sw_cfg_clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v == 0 ? 0 : v < lo ? lo : v > hi ? hi : v;
}
#define SW_CONFIG_CLAMP(field, type, kind, def, min, max, opt, doc) \
    c->field = (type)sw_cfg_clamp((uint64_t)c->field, (uint64_t)(min), (uint64_t)(max));

/* A designated initialiser of the defaults, for a layer that needs one default
 * (static const sw_config d = { SW_CONFIG_TABLE(SW_CONFIG_INIT) };). */
#define SW_CONFIG_INIT(field, type, kind, def, min, max, opt, doc) .field = (type)(def),

/* The public struct has the field, of the table's type. */
#define SW_CONFIG_CHECK_FIELD(field, type, kind, def, min, max, opt, doc)     \
    _Static_assert(sizeof(((sw_config *)0)->field) == sizeof(type),           \
                   "sw_config." #field " does not have the type of common/sw_config_table.h"); \
    _Static_assert(sizeof(type) == sizeof(uint64_t) || (uint64_t)(max) <= UINT32_MAX, \
                   "maximum of " #field " does not fit its type");

/* One row as data, for the option parser and the docs test. */
typedef struct sw_config_row {
    const char *field;
    int         kind;
    uint64_t    def, min, max;
    const char *option;
    const char *doc;
    size_t      offset, size;
} sw_config_row;

#define SW_CONFIG_ROW(field, type, kind, def, min, max, opt, doc) \
    { #field, kind, (uint64_t)(def), (uint64_t)(min), (uint64_t)(max), opt, doc, \
      offsetof(sw_config, field), sizeof(type) },

#endif
