/* dla: the dlakit command line. Subcommands live one per file (cmd_<name>.c). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fputs("usage: dla <command> [options]\n"
          "\n"
          "commands:\n"
          "  info MODEL.onnx [--shapes=NAME:DIMS]   inputs/outputs, op histogram, params and MACs per layer\n"
          "  run  MODEL.onnx --input NAME=FILE ... --output-dir DIR [--threads N]\n"
          "                                         run on the host FP32 reference executor\n"
          "  run  --onnx-test DIR                   run an ONNX backend-test directory (or a folder of them)\n"
          "  ops  [MODEL.onnx] [--allowGPUFallback] the DLA operator table, or where each layer of a model runs\n"
          "                                         (DLA or GPU fallback) and why\n"
          "  inspect LOADABLE [--json]              a loadable's tasks, fused layers, precisions, formats, pools\n"
          "  calib MODEL.onnx --calibData=DIR [--out=FILE.cache] [--method=max|percentile:P|entropy]\n"
          "                                         INT8 calibration: a TensorRT calibration cache\n"
          "  exec --onnx=MODEL.onnx [flags]         build for the DLA and run on the software DLA, as trtexec\n"
          "                                         (alias: dlaexec; see dla exec --help)\n"
          "  perf MODEL.onnx|FILE.dla [--platform P] [--power-mode M] [--cores N] [--int8] [--json]\n"
          "                                         predicted per-layer and total DLA time (performance model)\n"
          "  eval MODEL.onnx|ENGINE --dataset PATH [--compare]\n"
          "                                         accuracy on a dataset (top-1/top-5, detection mAP): host FP32\n"
          "                                         vs engine FP16 vs engine INT8 (see dla eval --help)\n"
          "\n"
          "Run 'dla <command> --help' for the command's options.\n",
          f);
}

int cli_fail(const char *cmd, dla_status st)
{
    fprintf(stderr, "dla %s: %s: %s\n", cmd, dla_status_str(st), dla_last_error());
    return 1;
}

const char *cli_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

long cli_int(const char *cmd, const char *flag, const char *value, long min, long max)
{
    char *end;
    long v = value ? strtol(value, &end, 10) : 0;
    if (!value || *end || end == value || v < min || v > max) {
        fprintf(stderr, "dla %s: %s expects an integer from %ld to %ld, got '%s'\n", cmd, flag, min, max,
                value ? value : "");
        return -1;
    }
    return v;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    if (strcmp(base ? base + 1 : argv[0], "dlaexec") == 0) /* the trtexec-style alias: dlaexec = dla exec */
        return cmd_exec(argc, argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "info") == 0)
        return cmd_info(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "ops") == 0)
        return cmd_ops(argc - 1, argv + 1);
    if (strcmp(argv[1], "inspect") == 0)
        return cmd_inspect(argc - 1, argv + 1);
    if (strcmp(argv[1], "calib") == 0)
        return cmd_calib(argc - 1, argv + 1);
    if (strcmp(argv[1], "exec") == 0)
        return cmd_exec(argc - 1, argv + 1);
    if (strcmp(argv[1], "perf") == 0)
        return cmd_perf(argc - 1, argv + 1);
    if (strcmp(argv[1], "eval") == 0)
        return cmd_eval(argc - 1, argv + 1);
    fprintf(stderr, "dla: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
