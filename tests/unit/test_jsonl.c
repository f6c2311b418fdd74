/*
 * test_jsonl.c — JSON-lines output: files created mode 0640 whatever the umask,
 * appended to (never truncated), one line per document, visible in the file as soon
 * as written (no buffering), reopened after a rotation (rename + reopen writes a new
 * file, nothing lost), and write errors (a full device) counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "storage/jsonl.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_write_rotate(void **state)
{
    (void)state;
    char dir[] = "/tmp/sw_test_jsonl.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], rotated[128], err[256];
    snprintf(path, sizeof path, "%s/alerts.json", dir);
    snprintf(rotated, sizeof rotated, "%s/alerts.json.1", dir);

    mode_t old = umask(0);
    sw_jsonl *j = sw_jsonl_open(path, err, sizeof err);
    umask(old);
    assert_non_null(j);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_int_equal(sw_jsonl_write(j, "{\"a\":1}"), 0);
    char *text = slurp(path);   /* visible before any flush or close */
    assert_string_equal(text, "{\"a\":1}\n");
    free(text);

    /* rotation: rename, reopen; later lines go to the new file */
    assert_int_equal(rename(path, rotated), 0);
    assert_int_equal(sw_jsonl_write(j, "{\"a\":2}"), 0);   /* still the old file */
    assert_int_equal(sw_jsonl_reopen(j, err, sizeof err), 0);
    assert_int_equal(sw_jsonl_write(j, "{\"a\":3}"), 0);
    sw_jsonl_flush(j);
    sw_jsonl_close(j, NULL);
    text = slurp(rotated);
    assert_string_equal(text, "{\"a\":1}\n{\"a\":2}\n");
    free(text);
    text = slurp(path);
    assert_string_equal(text, "{\"a\":3}\n");
    free(text);

    /* reopening appends */
    j = sw_jsonl_open(path, err, sizeof err);
    assert_int_equal(sw_jsonl_write(j, "{\"a\":4}"), 0);
    assert_int_equal(sw_jsonl_errors(j), 0);
    sw_jsonl_close(j, NULL);
    text = slurp(path);
    assert_string_equal(text, "{\"a\":3}\n{\"a\":4}\n");
    free(text);

    /* a directory that does not exist: clear error */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no/such/dir.json", dir);
    assert_null(sw_jsonl_open(bad, err, sizeof err));
    assert_non_null(strstr(err, "No such file or directory"));
    unlink(path);
    unlink(rotated);
    rmdir(dir);
}

static void test_full_device(void **state)
{
    (void)state;
    char err[256];
    if (access("/dev/full", W_OK) != 0)
        skip();
    sw_jsonl *j = sw_jsonl_open("/dev/full", err, sizeof err);
    assert_non_null(j);
    assert_int_equal(sw_jsonl_write(j, "{\"a\":1}"), -1);
    assert_int_equal(sw_jsonl_write(j, "{\"a\":2}"), -1);
    assert_int_equal(sw_jsonl_errors(j), 2);
    sw_jsonl_stats st;
    sw_jsonl_counts(j, &st);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.failed, 2);
    assert_int_equal(st.failing, 1);
    /* a reopen of a device is a fresh start; it fails again, and close says so */
    assert_int_equal(sw_jsonl_reopen(j, err, sizeof err), 0);
    assert_int_equal(sw_jsonl_write(j, "{\"a\":3}"), -1);
    sw_jsonl_stats fin;
    assert_int_equal(sw_jsonl_close(j, &fin), -1);
    assert_int_equal(fin.failed, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_rotate),
        cmocka_unit_test(test_full_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
