/*
 * validate_harness.h — what the validator tests share (common/sw_assert.h): check
 * that a validator's message names the invariant broken, and run a piece of code in
 * a child process that must abort on a broken invariant (SW_VALIDATE builds), with
 * its stderr. Used by tests/unit/test_validate.c, test_fold.c, test_incident.c;
 * include after cmocka.h.
 */
#ifndef SW_VALIDATE_HARNESS_H
#define SW_VALIDATE_HARNESS_H
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/sw_assert.h"

static inline void expect_broken(const char *msg, const char *what)
{
    if (!msg || !strstr(msg, what))
        fail_msg("validator said \"%s\", expected a message with \"%s\"", msg ? msg : "(nothing)", what);
}

/* SW_VALIDATE builds: run fn() in a child with its stderr captured: it must not
 * return (the child then exits 0 and the test fails), but abort with "invariant
 * broken" and a message containing `what`. Without SW_VALIDATE the test is skipped. */
static inline void expect_abort(void (*fn)(void), const char *what)
{
    if (!SW_VALIDATE_ON) {
        skip();
        return;
    }
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        fn();
        _exit(0);
    }
    close(fd[1]);
    char buf[512] = { 0 };
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    close(fd[0]);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
    if (!strstr(buf, "invariant broken") || !strstr(buf, what))
        fail_msg("the child said \"%s\", expected \"invariant broken\" and \"%s\"", buf, what);
}

#endif
