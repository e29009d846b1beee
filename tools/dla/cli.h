/* dla command line: shared helpers for the subcommands (one file per subcommand). */
#ifndef DLA_TOOLS_CLI_H
#define DLA_TOOLS_CLI_H

#include <stddef.h>

#include "dla/status.h"

int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ops(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_calib(int argc, char **argv);
int cmd_exec(int argc, char **argv); /* also the dlaexec alias */
int cmd_perf(int argc, char **argv);
int cmd_eval(int argc, char **argv);

/* Prints "dla <cmd>: <status>: <last error>" to stderr and returns the exit code 1. */
int cli_fail(const char *cmd, dla_status st);
/* Matches "--name=value" or "--name value" (advancing *i); returns the value or NULL. */
const char *cli_value(int argc, char **argv, int *i, const char *name);
/* Parses a positive integer flag value; prints an error naming the flag and returns -1 when invalid. */
long cli_int(const char *cmd, const char *flag, const char *value, long min, long max);
/* trtexec's default I/O format is each tensor's own type, linear ("fp32:chw" for a float network). When a network
 * input (input = 1) or output is not float32, spells that default out per tensor in model order into buf; NULL
 * when every tensor is float32 (the builder's default). */
struct dla_model;
const char *cli_default_io_spec(const struct dla_model *m, int input, char *buf, size_t size);
/* Seconds on a monotonic clock. */
double cli_now(void);

#endif
