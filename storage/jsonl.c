/*
 * jsonl.c — JSON-lines output: one document per line, appended to a file (created
 * mode 0640) or written to stdout; reopened on request so log rotation (rename, then
 * SIGHUP) starts a fresh file. Unbuffered: each line goes to the kernel in one
 * writev as it is written, so a tailing pipeline sees each alert at once and nothing
 * is left in a user-space buffer when the process dies; close also fdatasyncs.
 *
 * Invariants: every line is counted once, as written or as failed. The first failed
 * write (disk full, closed stdout, read-only file system, short write) is reported
 * once on stderr with the path and the reason, and the output stays failed for the
 * rest of the run: later lines are counted as failed without being tried, so no
 * half line and no later line follow a failure. A reopen (SIGHUP) that succeeds
 * ends the failed state; if the reopened file still ends in the cut line, the next
 * line starts with a newline, so a broken line never swallows the next one. A failed
 * fdatasync or close is reported too and counted (sync_failed). Writes and reopen
 * are serialised by one mutex, so it is safe to call from several threads.
 */
#include "storage/jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

struct sw_jsonl {
    char *path;            /* NULL for stdout */
    int fd;
    int partial;           /* the last line was cut short (disk full): start with "\n" */
    int failed;            /* a write failed: no more writes until a reopen */
    int sync_failed;       /* fdatasync or close failed (data may not be on disk) */
    pthread_mutex_t mu;
    uint64_t lines, errors;
};

static const char *jname(const sw_jsonl *j) { return j->path ? j->path : "stdout"; }

/* The one stderr notice of a failure (the library's outputs report as the
 * database writer does: "seqwatch: WHAT: reason"). */
static void report(const sw_jsonl *j, const char *what, int errnum)
{
    fprintf(stderr, "seqwatch: JSON output %s: %s: %s\n", jname(j), what, strerror(errnum));
}

static int open_append(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return fd;
}

sw_jsonl *sw_jsonl_open(const char *path, char *err, size_t errlen)
{
    if (!path || !*path) {
        snprintf(err, errlen, "empty JSON-lines path");
        return NULL;
    }
    sw_jsonl *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        fflush(stdout);
        j->fd = STDOUT_FILENO;
    } else {
        j->path = strdup(path);
        if (!j->path || (j->fd = open_append(path, err, errlen)) < 0) {
            if (!j->path)
                snprintf(err, errlen, "out of memory");
            free(j->path);
            free(j);
            return NULL;
        }
    }
    pthread_mutex_init(&j->mu, NULL);
    return j;
}

/* Write all of iov; returns 0, or -1 with *written the bytes that did go out. */
static int write_all(int fd, struct iovec *iov, int n, size_t *written)
{
    *written = 0;
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        *written += (size_t)w;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

int sw_jsonl_write(sw_jsonl *j, const char *line)
{
    if (!j || !line)
        return -1;
    pthread_mutex_lock(&j->mu);
    struct iovec iov[3];
    int n = 0;
    if (j->partial)
        iov[n++] = (struct iovec){.iov_base = (void *)"\n", .iov_len = 1};
    iov[n++] = (struct iovec){.iov_base = (void *)line, .iov_len = strlen(line)};
    iov[n++] = (struct iovec){.iov_base = (void *)"\n", .iov_len = 1};
    size_t written = 0;
    if (j->failed) {
        j->errors++;       /* stays failed until a reopen: nothing after a cut line */
        pthread_mutex_unlock(&j->mu);
        return -1;
    }
    int rc = write_all(j->fd, iov, n, &written);
    if (rc < 0) {
        int en = errno;
        j->errors++;
        if (written > 0)
            j->partial = 1;
        j->failed = 1;
        report(j, j->path ? "write failed, this and later alerts are not in it (until SIGHUP "
                            "reopens it)" : "write failed, this and later alerts are not in it", en);
    } else {
        j->partial = 0;
        j->lines++;
    }
    pthread_mutex_unlock(&j->mu);
    return rc;
}

int sw_jsonl_reopen(sw_jsonl *j, char *err, size_t errlen)
{
    if (!j)
        return -1;
    if (!j->path)
        return 0;   /* stdout is not rotated */
    int rc = 0;
    pthread_mutex_lock(&j->mu);
    int fd = open_append(j->path, err, errlen);
    if (fd >= 0) {
        if (close(j->fd) != 0 && !j->sync_failed) {
            j->sync_failed = 1;
            report(j, "closing the old file failed", errno);
        }
        /* The same file reopened (not rotated) may still end in the cut line. */
        struct stat st;
        if (j->partial && (fstat(fd, &st) != 0 || st.st_size == 0))
            j->partial = 0;
        if (j->failed)
            fprintf(stderr, "seqwatch: JSON output %s: reopened, alerts are written again\n", j->path);
        j->fd = fd;
        j->failed = 0;
    } else {
        rc = -1;    /* keep writing to the old file rather than losing lines */
    }
    pthread_mutex_unlock(&j->mu);
    return rc;
}

/* fdatasync a file; EINVAL/EROFS mean the file cannot be synced (a device, a
 * pipe), which loses nothing. A real failure is reported once. */
static void sync_file(sw_jsonl *j)
{
    if (fdatasync(j->fd) != 0 && errno != EINVAL && errno != EROFS && !j->sync_failed) {
        j->sync_failed = 1;
        report(j, "fdatasync failed, alerts written may not be on disk", errno);
    }
}

void sw_jsonl_flush(sw_jsonl *j)
{
    /* Every line is handed to the kernel as it is written; flushing means making
     * a file durable, which only matters for files. */
    if (!j || !j->path)
        return;
    pthread_mutex_lock(&j->mu);
    sync_file(j);
    pthread_mutex_unlock(&j->mu);
}

uint64_t sw_jsonl_errors(sw_jsonl *j)
{
    if (!j)
        return 0;
    pthread_mutex_lock(&j->mu);
    uint64_t e = j->errors;
    pthread_mutex_unlock(&j->mu);
    return e;
}

void sw_jsonl_counts(sw_jsonl *j, sw_jsonl_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    out->written = j->lines;
    out->failed = j->errors;
    out->failing = j->failed;
    out->sync_failed = j->sync_failed;
    pthread_mutex_unlock(&j->mu);
}

int sw_jsonl_close(sw_jsonl *j, sw_jsonl_stats *final)
{
    if (!j)
        return 0;
    if (j->path) {
        sync_file(j);
        if (close(j->fd) != 0 && !j->sync_failed) {
            j->sync_failed = 1;
            report(j, "close failed, alerts written may not be on disk", errno);
        }
    }
    sw_jsonl_stats st;
    sw_jsonl_counts(j, &st);
    if (final)
        *final = st;
    pthread_mutex_destroy(&j->mu);
    free(j->path);
    free(j);
    return st.failed || st.sync_failed ? -1 : 0;
}
