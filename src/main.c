/*
 * main.c — the seqwatch program: dispatches to one subcommand per file
 * (src/cmd_*.c). Holds no detection logic.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "seqwatch.h"
#include "src/commands.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"run", sw_cmd_run, "watch a capture file or a live interface and raise alerts"},
    {"streams", sw_cmd_streams, "write every reassembled TCP stream of a capture to files"},
    {"query", sw_cmd_query, "search the alert database"},
    {"show", sw_cmd_show, "print one alert: verdict, evidence, ladder (also as a flow graph)"},
    {"ingest", sw_cmd_ingest, "load JSON-lines alert logs (seqwatch or Suricata EVE) into the database"},
    {"rules", sw_cmd_rules, "check or list a rule file"},
    {"events", sw_cmd_events, "print the catalogue of events seqwatch can detect"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fprintf(f,
            "usage: seqwatch COMMAND [OPTIONS]\n"
            "\n"
            "seqwatch is a passive TCP session-hijacking detector: it tracks every TCP\n"
            "connection on a link or in a capture file, reassembles every stream and\n"
            "raises alerts on the marks of hijacking and injection.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "Run 'seqwatch COMMAND --help' for a command's options.\n"
            "Examples:\n"
            "  seqwatch run -r capture.pcap            alerts as JSON lines on stdout, into seqwatch.db\n"
            "  seqwatch run -i eth0 --json /var/log/seqwatch/alerts.json\n"
            "  seqwatch query --since 2h --event overlap_mismatch\n"
            "  seqwatch show ALERT_ID --html f.html  one alert; its flow graph in f.html\n"
            "\n"
            "Options:\n"
            "  -h, --help      this help\n"
            "  -V, --version   print the version\n"
            "\n"
            "Documentation: docs/operations.md, docs/detections.md, docs/rules.md,\n"
            "docs/schema.md, and the seqwatch(1) man page.\n");
}

/* A closed standard descriptor would be reused by the next open() (a capture, the
 * database), and output meant for stdout would land in that file. Occupy it: stdin
 * and stderr with /dev/null, stdout with a read-only /dev/null so every write to it
 * fails (EBADF) and is reported as a closed stdout would be. */
static void reserve_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int n = open("/dev/null", fd == 2 ? O_WRONLY : O_RDONLY);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

/* Everything a command printed on stdout must have reached it: a buffered write
 * that fails only at exit (a full disk, a closed pipe) is an error too. */
static int close_stdout(int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0;
    int en = errno;
    if (!bad && ferror(stdout)) {
        /* An earlier buffered write failed and its errno is long gone: the output
         * is broken anyway, so ask the descriptor once more for the reason. */
        bad = 1;
        en = write(STDOUT_FILENO, "\n", 1) < 0 ? errno : 0;
    }
    errno = 0;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        en = errno;
    }
    if (bad) {
        fprintf(stderr, "seqwatch: cannot write to stdout: %s\n", en ? strerror(en) : "write error");
        return rc ? rc : 1;
    }
    return rc;
}

static int run_main(int argc, char **argv);

int main(int argc, char **argv)
{
    reserve_std_fds();
    return close_stdout(run_main(argc, argv));
}

static int run_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            for (size_t i = 0; i < NCOMMANDS; i++) {
                if (!strcmp(argv[2], commands[i].name)) {
                    char *av[] = {argv[2], "--help", NULL};
                    return commands[i].fn(2, av);
                }
            }
        }
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("seqwatch %s\n", sw_version());
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (!strcmp(cmd, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "seqwatch: unknown command '%s' (try 'seqwatch --help')\n", cmd);
    return 2;
}
