/*
 * commands.h — the seqwatch subcommands. Each lives in src/cmd_NAME.c, parses its
 * own options (getopt_long, with --help printing complete usage to stdout and
 * exiting 0), and returns the process exit status: 0 success, 1 runtime failure,
 * 2 usage error. Errors are one line on stderr starting with "seqwatch NAME: ".
 */
#ifndef SW_COMMANDS_H
#define SW_COMMANDS_H

int sw_cmd_run(int argc, char **argv);
int sw_cmd_streams(int argc, char **argv);
int sw_cmd_query(int argc, char **argv);
int sw_cmd_show(int argc, char **argv);
int sw_cmd_ingest(int argc, char **argv);
int sw_cmd_rules(int argc, char **argv);
int sw_cmd_events(int argc, char **argv);

#endif
