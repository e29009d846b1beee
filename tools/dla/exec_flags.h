/* dla exec: trtexec's DLA-relevant flags, parsed and checked (exec_flags.c), and the report writers
 * (exec_report.c). Private to cmd_exec.c and exec_*.c. */
#ifndef DLA_TOOLS_EXEC_FLAGS_H
#define DLA_TOOLS_EXEC_FLAGS_H

#include <stdint.h>
#include <stdio.h>

#define EXEC_MAX_IO 64
#define EXEC_DLA_CORES 2 /* Orin: two DLA cores (dla_device_get_count) */

/* One --inputIOFormats / --outputIOFormats entry ("int8:dla_hwc4"). */
typedef struct exec_io_format {
    char type[8];    /* fp32 fp16 int8 int32 int64 uint8 bool */
    char format[16]; /* chw chw16 chw32 dla_linear dla_hwc4 */
} exec_io_format;

/* One NAME:FILE pair of --loadInputs. */
typedef struct exec_input_file {
    char *name;
    char *file;
} exec_input_file;

typedef struct exec_opts {
    /* model */
    const char *onnx, *load_engine, *save_engine, *shapes;
    /* build */
    int dla_core; /* -1: not given (the whole network runs on the host executor, trtexec's GPU) */
    int allow_gpu_fallback, int8, fp16, best, standalone;
    const char *calib, *calib_data;
    const char *input_formats, *output_formats;
    exec_io_format in_fmt[EXEC_MAX_IO], out_fmt[EXEC_MAX_IO];
    int n_in_fmt, n_out_fmt;
    const char *mem_pool_size;
    uint64_t pool[3];    /* bytes: dlaGlobalDRAM, dlaLocalDRAM, dlaSRAM (loadable pool order); 0 = default */
    char pool_spec[160]; /* the same as "dlaSRAM:1048576B,..." for the builder ("" when none) */
    const char *sparsity; /* disable | enable | force (NULL: disable) */
    const char *layer_precisions, *precision_constraints, *layer_device_types, *profiling_verbosity;
    /* inference */
    exec_input_file *inputs;
    int n_inputs;
    const char *export_output, *export_layer_info, *export_profile;
    int dump_layer_info, dump_profile, separate_profile_run, no_data_transfers, skip_inference, verbose;
    int skip_inference_implied; /* by --buildDLAStandalone */
    long iterations;
    double warmup_ms, duration_s;
    int check_fp32; /* dlakit extension: compare the outputs with the host FP32 reference executor */
    const char *check_fp32_model; /* --checkFP32=MODEL.onnx (with --loadEngine); NULL: --onnx, or the model the
                                   * loadable's build info names */
    const char *perf_platform;    /* dlakit: --perfPlatform=orin|xavier for the profile's predicted times; NULL:
                                   * the loadable's target */
    const char *perf_power_mode;  /* dlakit: --perfPowerMode=MAXN|50W|30W|15W (xavier: MAXN|30W|15W|10W); NULL: MAXN */
} exec_opts;

/* Parses and checks argv (argv[0] is the command name). Returns 0 when o is ready, 1 when --help was printed
 * (exit 0), 2 when an error naming the flag was printed to stderr (exit 2). Release o with exec_opts_release. */
int exec_parse(int argc, char **argv, exec_opts *o);
void exec_opts_release(exec_opts *o);
/* trtexec's option sections (=== Model Options === ... === Reporting Options ===). */
void exec_print_options(FILE *f, const exec_opts *o);
/* After a build with --sparsity=enable|force and --int8: "[I] 2:4 sparsity (force): N of M INT8 convs ..." */
void exec_print_sparsity(const exec_opts *o, const void *bytes, size_t size);
/* "FP16", "INT8", "FP16+INT8", or "FP32" without a DLA core. */
const char *exec_precision_name(const exec_opts *o);

/* Splits "name:value" at its last ':' ("input_tensor:0:2x3x224x224" -> "input_tensor:0", "2x3x224x224"); a name
 * in single quotes may hold anything ("'a:b':x"). Returns 0, or -1 when there is no ':' or a part is empty. The
 * parts are malloc'd. */
int exec_split_name_value(const char *spec, char **name, char **value);

#endif
