/*
 * jsonl.h — JSON-lines output: one document per line, to a file or stdout,
 * reopened on request (SIGHUP log rotation). Each line is written with one
 * unbuffered writev; sw_jsonl_flush / sw_jsonl_close fdatasync a file. The first
 * failure is reported on stderr; the output then stays failed (lines counted, not
 * written) until a reopen.
 */
#ifndef SW_JSONL_H
#define SW_JSONL_H
#include <stddef.h>
#include <stdint.h>

typedef struct sw_jsonl sw_jsonl;
/* path "-" is stdout. Files are created with mode 0640 and appended to. */
sw_jsonl *sw_jsonl_open(const char *path, char *err, size_t errlen);
int  sw_jsonl_write(sw_jsonl *j, const char *line);   /* adds the newline */
int  sw_jsonl_reopen(sw_jsonl *j, char *err, size_t errlen);
void sw_jsonl_flush(sw_jsonl *j);
/* Lines that could not be written (disk full, closed pipe...). */
uint64_t sw_jsonl_errors(sw_jsonl *j);

typedef struct sw_jsonl_stats {
    uint64_t written;      /* lines handed to the kernel whole */
    uint64_t failed;       /* lines not written (or cut short) */
    int failing;           /* in the failed state now (until a reopen) */
    int sync_failed;       /* an fdatasync or close failed */
} sw_jsonl_stats;
void sw_jsonl_counts(sw_jsonl *j, sw_jsonl_stats *out);
/* fdatasync and close a file; the final counts go to *final (may be NULL). Returns
 * 0, or -1 if a line failed or the file could not be synced/closed. */
int  sw_jsonl_close(sw_jsonl *j, sw_jsonl_stats *final);

#endif
