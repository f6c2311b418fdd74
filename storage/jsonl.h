/*
 * jsonl.h — JSON-lines output: one document per line, to a file or stdout,
 * reopened on request (SIGHUP log rotation). Each line is written with one
 * unbuffered writev; sw_jsonl_flush / sw_jsonl_close fdatasync a file.
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
void sw_jsonl_close(sw_jsonl *j);
/* Lines that could not be written (disk full, closed pipe...). */
uint64_t sw_jsonl_errors(sw_jsonl *j);

#endif
