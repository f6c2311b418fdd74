/*
 * cli.c — option-value parsers shared by the subcommands. Each rejects trailing
 * garbage and overflow rather than guessing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/cli.h"
#include "common/sw_config_table.h"
#include "seqwatch.h"

int sw_cli_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int sw_cli_parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return -1;
        }
        end++;
        if (toupper((unsigned char)*end) == 'I')
            end++;
        if (toupper((unsigned char)*end) == 'B')
            end++;
        if (*end)
            return -1;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int sw_cli_parse_seed(const char *s, uint8_t out[16])
{
    if (!s || strlen(s) != 32)
        return -1;
    for (int i = 0; i < 16; i++) {
        char b[3] = {s[2 * i], s[2 * i + 1], 0};
        if (!isxdigit((unsigned char)b[0]) || !isxdigit((unsigned char)b[1]))
            return -1;
        out[i] = (uint8_t)strtoul(b, NULL, 16);
    }
    return 0;
}

int sw_cli_parse_bool(const char *s)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "on") || !strcasecmp(s, "yes") || !strcmp(s, "1") || !strcasecmp(s, "true"))
        return 1;
    if (!strcasecmp(s, "off") || !strcasecmp(s, "no") || !strcmp(s, "0") || !strcasecmp(s, "false"))
        return 0;
    return -1;
}

int sw_cli_parse_checksum(const char *s, struct sw_config *cfg)
{
    int b = s && strcmp(s, "auto") == 0 ? 2 : sw_cli_parse_bool(s);
    if (b < 0)
        return -1;
    cfg->checksum = b == 2 ? SW_CHECKSUM_AUTO : b ? SW_CHECKSUM_ON : SW_CHECKSUM_OFF;
    return 0;
}

int sw_cli_parse_vlan(const char *s, struct sw_config *cfg)
{
    if (s && strcmp(s, "aware") == 0)
        cfg->vlan_ignore = 0;
    else if (s && strcmp(s, "ignore") == 0)
        cfg->vlan_ignore = 1;
    else
        return -1;
    return 0;
}

int sw_cli_parse_frag_policy(const char *s, struct sw_config *cfg)
{
    int fp = sw_frag_policy_from_name(s);
    if (fp < 0)
        return -1;
    cfg->frag_policy = (sw_frag_policy)fp;
    return 0;
}

static const sw_config_row config_rows[] = { SW_CONFIG_TABLE(SW_CONFIG_ROW) };

int sw_cli_parse_config_option(const char *option, const char *s, struct sw_config *cfg)
{
    for (size_t i = 0; i < sizeof(config_rows) / sizeof(config_rows[0]); i++) {
        const sw_config_row *r = &config_rows[i];
        if (!r->option || strcmp(r->option, option) != 0)
            continue;
        uint64_t v;
        int bad = r->kind == SW_CFG_SIZE ? sw_cli_parse_size(s, &v) : sw_cli_parse_uint(s, r->max, &v);
        if (bad || v < r->min || v > r->max)
            return -1;
        unsigned char *field = (unsigned char *)cfg + r->offset;
        if (r->size == sizeof(uint64_t)) {
            memcpy(field, &v, sizeof(uint64_t));
        } else {
            uint32_t v32 = (uint32_t)v;     /* max fits: the table's rows are checked */
            memcpy(field, &v32, sizeof(uint32_t));
        }
        return 0;
    }
    return 1;
}
