/*
 * cli.h — small option-parsing helpers shared by the subcommands.
 */
#ifndef SW_CLI_H
#define SW_CLI_H
#include <stdint.h>

/* "123", "64K", "256M", "2G" (powers of 1024). Returns 0 ok, -1 bad. */
int sw_cli_parse_size(const char *s, uint64_t *out);
/* A plain non-negative integer within [0, max]. Returns 0 ok, -1 bad. */
int sw_cli_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* 32 hex digits -> 16 bytes. Returns 0 ok, -1 bad. */
int sw_cli_parse_seed(const char *s, uint8_t out[16]);
/* "on"/"off" (also yes/no, 1/0, true/false). Returns 1, 0, or -1 bad. */
int sw_cli_parse_bool(const char *s);
/* The capture options every reading command shares, into cfg: --checksum
 * auto|on|off, --vlan aware|ignore, --frag-policy NAME. Returns 0 ok, -1 bad. */
struct sw_config;
int sw_cli_parse_checksum(const char *s, struct sw_config *cfg);
int sw_cli_parse_vlan(const char *s, struct sw_config *cfg);
int sw_cli_parse_frag_policy(const char *s, struct sw_config *cfg);
/* A numeric setting of common/sw_config_table.h by its long option name ("max-flows"):
 * the value must lie in the table's range (a size takes K/M/G suffixes). Returns 0
 * ok, -1 bad value, 1 when the table has no such option. */
int sw_cli_parse_config_option(const char *option, const char *s, struct sw_config *cfg);

#endif
