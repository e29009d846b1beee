/* dla exec: trtexec's flags with trtexec's spelling and meaning (TensorRT samples/common/sampleOptions.cpp), parsed
 * and checked before anything is loaded, so that a wrong command fails at once, naming the flag and the limit. */
#include "exec_flags.h"
#include "cli.h"
#include "dla/compiler.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage_text[] =
    "usage: dla exec --onnx=MODEL.onnx | --loadEngine=FILE [options]      (also: dlaexec [options])\n"
    "\n"
    "Builds an ONNX model for the DLA (the loadable TensorRT would build for it) and runs it on dlakit's\n"
    "software DLA, with trtexec's flags, spelling and meaning: a trtexec command runs with only the program\n"
    "name changed. Layers the DLA cannot run go to the host FP32 executor (TensorRT's GPU fallback).\n"
    "\n"
    "Model:\n"
    "  --onnx=FILE                 the ONNX model\n"
    "  --loadEngine=FILE           run a loadable written by --saveEngine (no build; conflicts with --onnx)\n"
    "  --shapes=NAME:DIMS,...      input shapes, e.g. input:1x3x224x224 (the name may contain ':';\n"
    "                              the last ':' separates the dims)\n"
    "Build:\n"
    "  --useDLACore=N              build for DLA core N (0 or 1). Without it the whole network runs on the\n"
    "                              host executor (trtexec's GPU), in FP32\n"
    "  --allowGPUFallback          layers the DLA cannot run go to the host instead of failing the build\n"
    "  --fp16, --int8, --best      precisions (--best = --int8 --fp16). With a DLA core and neither, FP16;\n"
    "                              INT8 applies where a scale is known, other layers run FP16 (as TensorRT)\n"
    "  --calib=FILE                INT8 scales from a TensorRT calibration cache\n"
    "  --calibData=DIR             (dlakit) INT8 scales from max calibration over DIR's .npy inputs. With\n"
    "                              --int8 and neither flag, Q/DQ scales in the model are used, else the\n"
    "                              network is calibrated on RANDOM inputs (a warning: accuracy is meaningless)\n"
    "  --precisionConstraints=none|prefer|obey, --layerPrecisions=NAME:fp16|int8|fp32,...\n"
    "  --layerDeviceTypes=NAME:GPU|DLA,...   per-layer device (one '*' wildcard per name)\n"
    "  --inputIOFormats=T:F[,T:F]  I/O types and formats, one per input in model order or one for all:\n"
    "  --outputIOFormats=T:F[,..]  fp32:chw (default), fp16:chw16, int8:chw32, fp16|int8:dla_linear,\n"
    "                              fp16|int8:dla_hwc4 (inputs only; alias hwc4), fp16|int8|int32|...:chw\n"
    "  --memPoolSize=dlaSRAM:S,dlaLocalDRAM:S,dlaGlobalDRAM:S   pool limits, MiB unless suffixed B, K, M or\n"
    "                              G (0.5M is fine); powers of two of at least 4 KiB (dlaSRAM is rounded down\n"
    "                              to one, at most 1 GiB). Defaults: 0.5 MiB, 1024 MiB, 512 MiB\n"
    "  --buildDLAStandalone        one DLA loadable for cuDLA: DLA I/O formats only, no GPU fallback; implies\n"
    "                              --skipInference (--safe with a DLA core means the same)\n"
    "  --sparsity=disable|enable|force   2:4 structured sparsity (Orin) of INT8 convs with more than 64\n"
    "                              input channels per group: enable where the quantized weights already have\n"
    "                              it, force prunes the weights to it (performance evaluation only: accuracy\n"
    "                              is not preserved). Default disable\n"
    "  --saveEngine=FILE           write the loadable\n"
    ;
static const char usage_text2[] =
    "Inference:\n"
    "  --loadInputs=NAME:FILE.npy,...   input data (.npy or ONNX .pb); random uniform [-1, 1] otherwise\n"
    "  --iterations=N (10), --warmUp=MS (200), --duration=S (3): run at least N timed iterations and S seconds\n"
    "                              after MS of warm-up (the software engine is slow on big networks: use\n"
    "                              --iterations=1 --duration=0 --warmUp=0 for one run)\n"
    "  --skipInference             build (and save) only\n"
    "  --exportOutput=DIR|FILE.json   (dlakit) each output as DIR/<name>.npy; a path ending in .json gets\n"
    "                              trtexec's JSON ([{name, dimensions, values}]) instead\n"
    "  --checkFP32[=MODEL.onnx]    (dlakit) also run the inputs on the host FP32 reference executor and print\n"
    "                              each output's cosine, max |difference| and top-1 agreement. The model:\n"
    "                              --onnx's; with --loadEngine, MODEL or the one the loadable's build info names\n"
    "Reporting:\n"
    "  --dumpLayerInfo, --exportLayerInfo=FILE   per-layer device, fused layers, precision, engine units (JSON)\n"
    "  --dumpProfile, --exportProfile=FILE       per-layer times (JSON): the performance model's predicted\n"
    "                              time of each DLA layer (ms, % of the DLA layers' total) with the software\n"
    "                              engine's wall time beside it; HOST tasks with their host wall time\n"
    "  --perfPlatform=orin|xavier  (dlakit) the platform the profile's times are predicted for (default: the\n"
    "                              loadable's target)\n"
    "  --perfPowerMode=MODE        (dlakit) its power mode: MAXN (default), 50W, 30W, 15W (Xavier: MAXN, 30W,\n"
    "                              15W, 10W); one core, the loadable's batch, dense\n"
    "  --noDataTransfers           leave the format conversions at the edges out of the timed loop\n"
    "  --verbose                   the library's log too\n"
    "  --separateProfileRun, --useSpinWait, --profilingVerbosity=...: accepted (no effect)\n"
    "\n"
    "The performance summary's times are the software engine's wall time on this machine, not Orin's; the\n"
    "profile's DLA layer times are predicted. Exit 0 on success, 1 when the build or the run fails, 2 for a wrong\n"
    "command line.\n";

/* trtexec flags that dlakit does not implement, with the reason. */
static const struct {
    const char *flag, *why;
} unsupported_flags[] = {
    {"--minShapes", "dlakit builds static shapes (the DLA needs them): use --shapes"},
    {"--optShapes", "dlakit builds static shapes (the DLA needs them): use --shapes"},
    {"--maxShapes", "dlakit builds static shapes (the DLA needs them): use --shapes"},
    {"--bf16", "the DLA computes INT8 and FP16 only"},
    {"--fp8", "the DLA computes INT8 and FP16 only"},
    {"--int4", "the DLA computes INT8 and FP16 only"},
    {"--useCudaGraph", "there is no CUDA in dlakit"},
    {"--infStreams", "dlakit runs one stream per command"},
    {"--streams", "dlakit runs one stream per command"},
    {"--workspace", "a GPU pool; the DLA pools are set with --memPoolSize=dlaSRAM:..,dlaLocalDRAM:..,dlaGlobalDRAM:.."},
    {"--timingCacheFile", "dlakit has no GPU tactics to time"},
    {"--plugins", "dlakit has no plugins"},
    {"--uff", "dlakit reads ONNX models only"},
    {"--deploy", "dlakit reads ONNX models only"},
};

static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dla exec: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    return 2;
}

static void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("[W] ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
}

int exec_split_name_value(const char *spec, char **name, char **value)
{
    *name = *value = NULL;
    const char *sep;
    if (spec[0] == '\'') {
        const char *q = strchr(spec + 1, '\'');
        if (!q || q[1] != ':')
            return -1;
        *name = strndup(spec + 1, (size_t)(q - spec - 1));
        sep = q + 1;
    } else {
        sep = strrchr(spec, ':');
        if (!sep)
            return -1;
        *name = strndup(spec, (size_t)(sep - spec));
    }
    *value = strdup(sep + 1);
    if (!*name || !*value || !**name || !**value) {
        free(*name);
        free(*value);
        *name = *value = NULL;
        return -1;
    }
    return 0;
}

/* ---- value checkers (each prints its error and returns 2, or 0) ---------------------------------------- */

/* A comma-separated list of NAME:VALUE where VALUE passes ok(); what names the accepted values. */
static int check_pairs(const char *flag, const char *spec, int (*ok)(const char *), const char *what)
{
    char *copy = strdup(spec);
    if (!copy)
        return fail("out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        char *name, *value;
        if (exec_split_name_value(item, &name, &value) != 0)
            rc = fail("%s: '%s' is not NAME:VALUE", flag, item);
        else if (!ok(value))
            rc = fail("%s: '%s' for '%s' is not one of %s", flag, value, name, what);
        free(name);
        free(value);
    }
    free(copy);
    if (!rc && !*spec)
        rc = fail("%s is empty", flag);
    return rc;
}

static int is_precision(const char *v) { return !strcmp(v, "fp32") || !strcmp(v, "fp16") || !strcmp(v, "int8"); }
static int is_device(const char *v) { return !strcasecmp(v, "GPU") || !strcasecmp(v, "DLA"); }

static int is_dims(const char *v)
{
    if (!*v)
        return 0;
    for (const char *p = v; *p;) {
        char *end;
        long d = strtol(p, &end, 10);
        if (end == p || d < 1)
            return 0;
        if (*end == 'x')
            end++;
        else if (*end)
            return 0;
        p = end;
    }
    return v[strlen(v) - 1] != 'x';
}

static int check_shapes(const char *spec)
{
    return check_pairs("--shapes", spec, is_dims, "dimensions like 1x3x224x224 (each at least 1)");
}

static const char *const io_types[] = {"fp32", "fp16", "int8", "int32", "int64", "uint8", "bool"};
static const char *const gpu_formats[] = {"chw2", "chw4", "hwc8", "hwc16", "dhwc8", "cdhw32", "hwc", "dhwc"};

/* One "type:fmt[+fmt...]" entry; input: whether it is an --inputIOFormats entry. */
static int parse_io_format(const char *flag, const char *item, int input, exec_io_format *out)
{
    const char *colon = strchr(item, ':');
    if (!colon)
        return fail("%s: '%s' is not TYPE:FORMAT (e.g. fp16:chw16)", flag, item);
    size_t tn = (size_t)(colon - item);
    int known = 0;
    for (size_t k = 0; k < sizeof io_types / sizeof *io_types; k++)
        known |= strlen(io_types[k]) == tn && !strncmp(item, io_types[k], tn);
    if (!known) {
        if ((tn == 4 && !strncmp(item, "bf16", 4)) || (tn == 3 && !strncmp(item, "fp8", 3)))
            return fail("%s: type '%.*s' is not supported: the DLA computes INT8 and FP16 (types: fp32, fp16, "
                        "int8, int32, int64, uint8, bool)", flag, (int)tn, item);
        return fail("%s: unknown type '%.*s' in '%s' (types: fp32, fp16, int8, int32, int64, uint8, bool)", flag,
                    (int)tn, item, item);
    }
    snprintf(out->type, sizeof out->type, "%.*s", (int)tn, item);
    /* "fmt1+fmt2": trtexec allows several; dlakit binds the first and checks them all. */
    char fmts[64];
    snprintf(fmts, sizeof fmts, "%s", colon + 1);
    out->format[0] = '\0';
    char *save = NULL;
    for (char *f = strtok_r(fmts, "+", &save); f; f = strtok_r(NULL, "+", &save)) {
        const char *fmt = strcmp(f, "hwc4") == 0 ? "dla_hwc4" : f;
        for (size_t k = 0; k < sizeof gpu_formats / sizeof *gpu_formats; k++)
            if (!strcmp(fmt, gpu_formats[k]))
                return fail("%s: format '%s' is a GPU format; dlakit has chw, chw16, chw32, dla_linear and "
                            "dla_hwc4", flag, fmt);
        if (strcmp(fmt, "chw") && strcmp(fmt, "chw16") && strcmp(fmt, "chw32") && strcmp(fmt, "dla_linear") &&
            strcmp(fmt, "dla_hwc4"))
            return fail("%s: unknown format '%s' in '%s' (formats: chw, chw16, chw32, dla_linear, dla_hwc4)", flag,
                        f, item);
        int dla_type = !strcmp(out->type, "fp16") || !strcmp(out->type, "int8");
        if (!strcmp(fmt, "chw16") && strcmp(out->type, "fp16"))
            return fail("%s: '%s': chw16 holds fp16 only (the DLA's FP16 feature format)", flag, item);
        if (!strcmp(fmt, "chw32") && strcmp(out->type, "int8"))
            return fail("%s: '%s': chw32 holds int8 only (the DLA's INT8 feature format)", flag, item);
        if ((!strcmp(fmt, "dla_linear") || !strcmp(fmt, "dla_hwc4")) && !dla_type)
            return fail("%s: '%s': %s holds fp16 or int8 only", flag, item, fmt);
        if (!strcmp(fmt, "dla_hwc4") && !input)
            return fail("%s: '%s': dla_hwc4 is an input format only (the DLA's image input)", flag, item);
        if (!out->format[0])
            snprintf(out->format, sizeof out->format, "%s", fmt);
    }
    if (!out->format[0])
        return fail("%s: '%s' has no format", flag, item);
    return 0;
}

static int parse_io_formats(const char *flag, const char *spec, int input, exec_io_format *out, int *n)
{
    *n = 0;
    if (!*spec)
        return fail("%s is empty (e.g. %s=fp16:chw16)", flag, flag);
    char *copy = strdup(spec);
    if (!copy)
        return fail("out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        if (*n == EXEC_MAX_IO)
            rc = fail("%s: more than %d entries", flag, EXEC_MAX_IO);
        else
            rc = parse_io_format(flag, item, input, &out[(*n)++]);
    }
    free(copy);
    return rc;
}

/* A DLA-standalone I/O format (trtexec's checkSafeDLAFormats). */
static int standalone_format(const exec_io_format *f, int input)
{
    int dla_type = !strcmp(f->type, "fp16") || !strcmp(f->type, "int8");
    return (dla_type && !strcmp(f->format, "dla_linear")) || (dla_type && input && !strcmp(f->format, "dla_hwc4")) ||
           !strcmp(f->format, "chw16") || !strcmp(f->format, "chw32");
}

static const char *const pool_names[3] = {"dlaGlobalDRAM", "dlaLocalDRAM", "dlaSRAM"};

/* --memPoolSize: pool:size[B|K|M|G], MiB by default, decimals allowed (rounded down to whole bytes). */
static int parse_pools(const char *spec, exec_opts *o)
{
    char *copy = strdup(spec);
    if (!copy)
        return fail("out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon) {
            rc = fail("--memPoolSize: '%s' is not POOL:SIZE (e.g. dlaSRAM:1)", item);
            break;
        }
        *colon = '\0';
        const char *val = colon + 1;
        char *end;
        double v = strtod(val, &end);
        double unit = 1048576.0;
        if (*end == 'B' || *end == 'K' || *end == 'M' || *end == 'G') {
            unit = *end == 'B' ? 1.0 : *end == 'K' ? 1024.0 : *end == 'M' ? 1048576.0 : 1073741824.0;
            end++;
        }
        if (end == val || *end || !(v >= 0) || v * unit > 1e18) {
            rc = fail("--memPoolSize=%s:%s: the size must be a number of MiB, or end in B, K, M or G", item, val);
            break;
        }
        int pool = -1;
        for (int k = 0; k < 3; k++)
            if (!strcmp(item, pool_names[k]))
                pool = k;
        if (pool < 0) {
            if (strcmp(item, "workspace") && strcmp(item, "tacticSharedMem") && strcmp(item, "tacticDRAM"))
                rc = fail("--memPoolSize: unknown pool '%s' (DLA pools: dlaSRAM, dlaLocalDRAM, dlaGlobalDRAM)",
                          item);
            else if (o->verbose)
                warn("--memPoolSize=%s: a GPU pool, ignored", item);
            continue;
        }
        uint64_t bytes = (uint64_t)floor(v * unit);
        if (pool == 2) { /* trtexec: the SRAM pool is clipped to 1 GiB and rounded down to a power of two */
            if (bytes > ((uint64_t)1 << 30))
                bytes = (uint64_t)1 << 30;
            while (bytes & (bytes - 1))
                bytes &= bytes - 1;
        }
        if (bytes < 4096 || (bytes & (bytes - 1)))
            rc = fail("--memPoolSize=%s:%s is %llu bytes: a DLA pool must be a power of two of at least 4 KiB "
                      "(4096 bytes)", item, val, (unsigned long long)bytes);
        o->pool[pool] = bytes;
    }
    free(copy);
    if (rc)
        return rc;
    size_t len = 0;
    o->pool_spec[0] = '\0';
    for (int k = 2; k >= 0; k--)
        if (o->pool[k])
            len += (size_t)snprintf(o->pool_spec + len, sizeof o->pool_spec - len, "%s%s:%lluB", len ? "," : "",
                                    pool_names[k], (unsigned long long)o->pool[k]);
    return 0;
}

static int parse_inputs(const char *spec, exec_opts *o)
{
    char *copy = strdup(spec);
    if (!copy)
        return fail("out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        exec_input_file f;
        if (exec_split_name_value(item, &f.name, &f.file) != 0) {
            rc = fail("--loadInputs: '%s' is not NAME:FILE.npy", item);
            break;
        }
        exec_input_file *g = realloc(o->inputs, sizeof *g * (size_t)(o->n_inputs + 1));
        if (!g) {
            free(f.name);
            free(f.file);
            rc = fail("out of memory");
            break;
        }
        o->inputs = g;
        o->inputs[o->n_inputs++] = f;
        size_t n = strlen(f.file);
        if (!(n > 4 && (!strcmp(f.file + n - 4, ".npy") || !strcmp(f.file + n - 3, ".pb"))))
            rc = fail("--loadInputs: '%s' for '%s': dlakit reads .npy or ONNX TensorProto .pb files (trtexec's raw "
                      "binary files have no shape; save them with numpy.save)", f.file, f.name);
    }
    free(copy);
    return rc;
}

static int number(const char *flag, const char *v, double min, double max, double *out)
{
    char *end;
    double d = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end || !(d >= min && d <= max))
        return fail("%s expects a number from %g to %g, got '%s'", flag, min, max, v ? v : "");
    *out = d;
    return 0;
}

/* ---- the command line ----------------------------------------------------------------------------------- */

static const char *const value_flags[] = {
    "--onnx", "--loadEngine", "--saveEngine", "--shapes", "--useDLACore", "--calib", "--calibData",
    "--inputIOFormats", "--outputIOFormats", "--memPoolSize", "--sparsity", "--layerPrecisions",
    "--precisionConstraints", "--layerDeviceTypes", "--loadInputs", "--exportOutput", "--exportLayerInfo",
    "--exportProfile", "--iterations", "--warmUp", "--duration", "--profilingVerbosity", "--perfPlatform",
    "--perfPowerMode"};

/* Stores one flag's value; returns 0 or 2. */
static int set_value(exec_opts *o, const char *flag, const char *v)
{
    double d;
    if (!strcmp(flag, "--onnx"))
        o->onnx = v;
    else if (!strcmp(flag, "--loadEngine"))
        o->load_engine = v;
    else if (!strcmp(flag, "--saveEngine"))
        o->save_engine = v;
    else if (!strcmp(flag, "--shapes")) {
        o->shapes = v;
        return check_shapes(v);
    } else if (!strcmp(flag, "--useDLACore")) {
        char *end;
        long n = strtol(v, &end, 10);
        if (end == v || *end || n < 0 || n >= EXEC_DLA_CORES)
            return fail("--useDLACore=%s: dlakit models Orin's %d DLA cores, so N must be 0 or 1", v,
                        EXEC_DLA_CORES);
        o->dla_core = (int)n;
    } else if (!strcmp(flag, "--calib"))
        o->calib = v;
    else if (!strcmp(flag, "--calibData"))
        o->calib_data = v;
    else if (!strcmp(flag, "--inputIOFormats")) {
        o->input_formats = v;
        return parse_io_formats(flag, v, 1, o->in_fmt, &o->n_in_fmt);
    } else if (!strcmp(flag, "--outputIOFormats")) {
        o->output_formats = v;
        return parse_io_formats(flag, v, 0, o->out_fmt, &o->n_out_fmt);
    } else if (!strcmp(flag, "--memPoolSize")) {
        o->mem_pool_size = v;
        return parse_pools(v, o);
    } else if (!strcmp(flag, "--sparsity")) {
        if (strcmp(v, "disable") && strcmp(v, "enable") && strcmp(v, "force"))
            return fail("--sparsity=%s: expected disable, enable or force", v);
        o->sparsity = v;
    } else if (!strcmp(flag, "--layerPrecisions")) {
        o->layer_precisions = v;
        return check_pairs(flag, v, is_precision, "fp32, fp16, int8");
    } else if (!strcmp(flag, "--precisionConstraints")) {
        if (strcmp(v, "none") && strcmp(v, "prefer") && strcmp(v, "obey"))
            return fail("--precisionConstraints=%s: expected none, prefer or obey", v);
        o->precision_constraints = v;
    } else if (!strcmp(flag, "--layerDeviceTypes")) {
        o->layer_device_types = v;
        return check_pairs(flag, v, is_device, "GPU, DLA");
    } else if (!strcmp(flag, "--loadInputs"))
        return parse_inputs(v, o);
    else if (!strcmp(flag, "--exportOutput"))
        o->export_output = v;
    else if (!strcmp(flag, "--exportLayerInfo"))
        o->export_layer_info = v;
    else if (!strcmp(flag, "--exportProfile"))
        o->export_profile = v;
    else if (!strcmp(flag, "--iterations")) {
        if (number(flag, v, 1, 1e9, &d))
            return 2;
        if (d != floor(d))
            return fail("--iterations expects a whole number from 1 to 1e+09, got '%s'", v);
        o->iterations = (long)d;
    } else if (!strcmp(flag, "--warmUp")) {
        if (number(flag, v, 0, 3.6e6, &o->warmup_ms))
            return 2;
    } else if (!strcmp(flag, "--duration")) {
        if (number(flag, v, 0, 86400, &o->duration_s))
            return 2;
    } else if (!strcmp(flag, "--perfPlatform")) {
        /* the performance model's platforms for a DLA loadable (nv_full is not a Jetson: dla perf has it) */
        if (strcasecmp(v, "orin") && strcasecmp(v, "xavier"))
            return fail("--perfPlatform=%s: expected orin or xavier", v);
        o->perf_platform = strcasecmp(v, "orin") ? "xavier" : "orin";
    } else if (!strcmp(flag, "--perfPowerMode")) {
        static const char *const modes[] = {"MAXN", "50W", "30W", "15W", "10W"};
        o->perf_power_mode = NULL;
        for (size_t k = 0; k < sizeof modes / sizeof *modes; k++)
            if (!strcasecmp(v, modes[k]))
                o->perf_power_mode = modes[k];
        if (!o->perf_power_mode)
            return fail("--perfPowerMode=%s: expected MAXN, 50W, 30W or 15W (Orin; Xavier: MAXN, 30W, 15W or 10W)",
                        v);
    } else if (!strcmp(flag, "--profilingVerbosity")) {
        if (strcmp(v, "layer_names_only") && strcmp(v, "detailed") && strcmp(v, "none") && strcmp(v, "default") &&
            strcmp(v, "verbose"))
            return fail("--profilingVerbosity=%s: expected layer_names_only, detailed or none", v);
        o->profiling_verbosity = v;
    }
    return 0;
}

/* Sets a flag without a value; returns 1 when flag is one, else 0. */
static int set_switch(exec_opts *o, const char *flag)
{
    static const char *const names[] = {"--allowGPUFallback", "--int8", "--fp16", "--best", "--buildDLAStandalone",
                                        "--safe", "--dumpLayerInfo", "--dumpProfile", "--separateProfileRun",
                                        "--noDataTransfers", "--skipInference", "--verbose", "--useSpinWait",
                                        "--checkFP32"};
    int *const slots[] = {&o->allow_gpu_fallback, &o->int8, &o->fp16, &o->best, &o->standalone, &o->standalone,
                          &o->dump_layer_info, &o->dump_profile, &o->separate_profile_run, &o->no_data_transfers,
                          &o->skip_inference, &o->verbose, NULL, &o->check_fp32};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        if (!strcmp(flag, names[k])) {
            if (slots[k])
                *slots[k] = 1;
            return 1;
        }
    return 0;
}

static int parse_args(int argc, char **argv, exec_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            fputs(usage_text2, stdout);
            return 1;
        }
        if (set_switch(o, a))
            continue;
        if (!strncmp(a, "--checkFP32=", 12)) {
            if (!a[12])
                return fail("--checkFP32= needs a model (--checkFP32=MODEL.onnx), or no '='");
            o->check_fp32 = 1;
            o->check_fp32_model = a + 12;
            continue;
        }
        int matched = 0;
        for (size_t k = 0; k < sizeof value_flags / sizeof *value_flags && !matched; k++) {
            size_t n = strlen(value_flags[k]);
            if (strncmp(a, value_flags[k], n) != 0 || (a[n] != '=' && a[n] != '\0'))
                continue;
            matched = 1;
            const char *v = a[n] == '=' ? a + n + 1 : NULL; /* trtexec's spelling: --name=value only */
            if (!v || !*v)
                return fail("%s needs a value (%s=VALUE)", value_flags[k], value_flags[k]);
            if (set_value(o, value_flags[k], v))
                return 2;
        }
        if (matched)
            continue;
        for (size_t k = 0; k < sizeof unsupported_flags / sizeof *unsupported_flags; k++) {
            size_t n = strlen(unsupported_flags[k].flag);
            if (!strncmp(a, unsupported_flags[k].flag, n) && (a[n] == '=' || !a[n]))
                return fail("%s: a trtexec flag dlakit does not implement: %s", a, unsupported_flags[k].why);
        }
        if (a[0] == '-')
            return fail("unknown flag '%s' (see dla exec --help)", a);
        return fail("unexpected argument '%s': flags are written --name=value (e.g. --onnx=%s)", a, a);
    }
    return 0;
}

/* Cross-flag rules; each error names both flags or the limit. */
static int check_combinations(exec_opts *o)
{
    if (o->onnx && o->load_engine)
        return fail("--loadEngine and --onnx conflict: --loadEngine runs a built loadable, --onnx builds one");
    if (!o->onnx && !o->load_engine)
        return fail("no model: give --onnx=MODEL.onnx (build and run) or --loadEngine=FILE (run a loadable)");
    if (o->best)
        o->int8 = o->fp16 = 1;
    if (o->perf_power_mode) { /* each platform's modes (docs/perf-model.md); without --perfPlatform the runtime
                               * checks the mode against the loadable's target */
        int xavier = o->perf_platform && !strcmp(o->perf_platform, "xavier");
        if (xavier && !strcmp(o->perf_power_mode, "50W"))
            return fail("--perfPowerMode=50W with --perfPlatform=xavier: Xavier's modes are MAXN, 30W, 15W and 10W");
        if (!xavier && o->perf_platform && !strcmp(o->perf_power_mode, "10W"))
            return fail("--perfPowerMode=10W with --perfPlatform=orin: Orin's modes are MAXN, 50W, 30W and 15W");
    }
    if (o->standalone && o->allow_gpu_fallback)
        return fail("--buildDLAStandalone and --allowGPUFallback conflict: a standalone loadable runs on the DLA "
                    "alone (no GPU/host layers)");
    if (o->standalone && o->dla_core < 0)
        return fail("--buildDLAStandalone needs --useDLACore=N (a standalone loadable is for a DLA core)");
    if (o->standalone && o->load_engine)
        return fail("--buildDLAStandalone and --loadEngine conflict: the first builds a loadable, the second "
                    "loads one");
    if (o->calib && o->calib_data)
        return fail("--calib and --calibData conflict: give one source of INT8 scales (a cache, or data to "
                    "calibrate on)");
    if (o->dla_core < 0) {
        const char *f = o->int8 ? (o->best ? "--best" : "--int8") : o->fp16 ? "--fp16" : o->layer_device_types ?
                        "--layerDeviceTypes" : o->layer_precisions ? "--layerPrecisions" : NULL;
        if (f && !o->load_engine)
            return fail("%s needs --useDLACore=N: without a DLA core the network runs on dlakit's host executor "
                        "(trtexec's GPU), which computes FP32 only", f);
        for (int k = 0; k < o->n_in_fmt + o->n_out_fmt && !o->load_engine; k++) {
            const exec_io_format *x = k < o->n_in_fmt ? &o->in_fmt[k] : &o->out_fmt[k - o->n_in_fmt];
            if (strcmp(x->format, "chw") != 0)
                return fail("%s=%s:%s needs --useDLACore=N (%s is a DLA format)",
                            k < o->n_in_fmt ? "--inputIOFormats" : "--outputIOFormats", x->type, x->format,
                            x->format);
        }
    }
    for (int k = 0; k < o->n_in_fmt + o->n_out_fmt && !o->load_engine; k++) {
        const exec_io_format *x = k < o->n_in_fmt ? &o->in_fmt[k] : &o->out_fmt[k - o->n_in_fmt];
        if (!strcmp(x->type, "int8") && !o->int8)
            return fail("%s=int8:%s needs --int8 (or --best): INT8 I/O needs INT8 precision",
                        k < o->n_in_fmt ? "--inputIOFormats" : "--outputIOFormats", x->format);
    }
    if (o->standalone) {
        if (!o->n_in_fmt || !o->n_out_fmt)
            return fail("--buildDLAStandalone needs DLA I/O formats, but %s is fp32:chw (the default): pass "
                        "%s=fp16:chw16 (or int8:chw32, fp16|int8:dla_linear%s)",
                        !o->n_in_fmt ? "--inputIOFormats" : "--outputIOFormats",
                        !o->n_in_fmt ? "--inputIOFormats" : "--outputIOFormats",
                        !o->n_in_fmt ? ", fp16|int8:dla_hwc4" : "");
        for (int k = 0; k < o->n_in_fmt + o->n_out_fmt; k++) {
            int input = k < o->n_in_fmt;
            const exec_io_format *x = input ? &o->in_fmt[k] : &o->out_fmt[k - o->n_in_fmt];
            if (!standalone_format(x, input))
                return fail("--buildDLAStandalone: %s=%s:%s is not a DLA format (allowed: fp16:chw16, int8:chw32, "
                            "fp16|int8:dla_linear%s)", input ? "--inputIOFormats" : "--outputIOFormats", x->type,
                            x->format, input ? ", fp16|int8:dla_hwc4" : "");
        }
    }
    return 0;
}

/* --sparsity where it cannot do anything (the build itself warns for Xavier and for builds without INT8 convs). */
static void warn_sparsity(const exec_opts *o)
{
    if (!o->sparsity || !strcmp(o->sparsity, "disable"))
        return;
    if (o->load_engine)
        warn("--sparsity=%s is a build option: ignored with --loadEngine (the loadable fixes it)", o->sparsity);
    else if (o->dla_core < 0)
        warn("--sparsity=%s does nothing without --useDLACore (everything runs on the host executor)", o->sparsity);
    else if (!o->int8)
        warn("--sparsity=%s: 2:4 sparsity applies to INT8 convolutions only; with %s every convolution runs dense",
             o->sparsity, o->fp16 ? "--fp16" : "FP16 (no --int8)");
}

/* Flags that do nothing in this combination: a warning each, as trtexec is lenient there. */
static void warn_ignored(exec_opts *o)
{
    if (o->load_engine) {
        const char *build[] = {o->int8 ? "--int8" : NULL, o->fp16 && !o->best ? "--fp16" : NULL,
                               o->best ? "--best" : NULL, o->calib ? "--calib" : NULL,
                               o->calib_data ? "--calibData" : NULL, o->input_formats ? "--inputIOFormats" : NULL,
                               o->output_formats ? "--outputIOFormats" : NULL,
                               o->mem_pool_size ? "--memPoolSize" : NULL, o->shapes ? "--shapes" : NULL,
                               o->layer_precisions ? "--layerPrecisions" : NULL,
                               o->layer_device_types ? "--layerDeviceTypes" : NULL,
                               o->allow_gpu_fallback ? "--allowGPUFallback" : NULL,
                               o->save_engine ? "--saveEngine" : NULL};
        for (size_t k = 0; k < sizeof build / sizeof *build; k++)
            if (build[k])
                warn("%s is a build option: ignored with --loadEngine (the loadable fixes it)", build[k]);
    }
    if ((o->calib || o->calib_data) && !o->int8 && o->onnx)
        warn("%s is ignored without --int8 (or --best)", o->calib ? "--calib" : "--calibData");
    if (o->allow_gpu_fallback && o->dla_core < 0)
        warn("--allowGPUFallback does nothing without --useDLACore (everything runs on the host already)");
    if (o->standalone && !o->skip_inference)
        o->skip_inference = o->skip_inference_implied = 1;
    if (o->skip_inference) {
        const char *run[] = {o->n_inputs ? "--loadInputs" : NULL, o->export_output ? "--exportOutput" : NULL,
                             o->export_profile ? "--exportProfile" : NULL, o->dump_profile ? "--dumpProfile" : NULL,
                             o->check_fp32 ? "--checkFP32" : NULL};
        for (size_t k = 0; k < sizeof run / sizeof *run; k++)
            if (run[k])
                warn("%s does nothing with %s", run[k],
                     o->skip_inference_implied ? "--buildDLAStandalone (it implies --skipInference)"
                                               : "--skipInference");
    }
}

int exec_parse(int argc, char **argv, exec_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dla_core = -1;
    o->iterations = 10;
    o->warmup_ms = 200;
    o->duration_s = 3;
    int rc = parse_args(argc, argv, o);
    if (rc)
        return rc;
    rc = check_combinations(o);
    if (rc)
        return rc;
    warn_ignored(o);
    warn_sparsity(o);
    return 0;
}

void exec_print_sparsity(const exec_opts *o, const void *bytes, size_t size)
{
    dla_sparsity_summary s;
    if (!o->sparsity || !strcmp(o->sparsity, "disable") || !o->int8 || o->dla_core < 0 ||
        dla_loadable_sparsity(bytes, size, -1, &s) != DLA_OK || !s.int8_convs)
        return;
    int force = !strcmp(o->sparsity, "force");
    printf("[I] 2:4 sparsity (%s): %d of %d INT8 convs %ssparse; %d not eligible (C <= 64)", o->sparsity,
           s.sparse_convs, s.int8_convs, force ? "pruned and " : "", s.small_c);
    if (s.dense)
        printf("; %d dense (weights not 2:4)", s.dense);
    putchar('\n');
}

void exec_opts_release(exec_opts *o)
{
    for (int i = 0; i < o->n_inputs; i++) {
        free(o->inputs[i].name);
        free(o->inputs[i].file);
    }
    free(o->inputs);
    o->inputs = NULL;
    o->n_inputs = 0;
}

const char *exec_precision_name(const exec_opts *o)
{
    if (o->dla_core < 0)
        return "FP32";
    if (o->int8)
        return o->fp16 ? "FP16+INT8" : "INT8 (FP16 where no scale is known)";
    return "FP16";
}

static void print_pool(FILE *f, const exec_opts *o, int k, const char *dflt)
{
    if (!o->pool[k])
        fprintf(f, "%s: default (%s)", pool_names[k], dflt);
    else if (o->pool[k] % 1048576 == 0)
        fprintf(f, "%s: %llu MiB", pool_names[k], (unsigned long long)(o->pool[k] >> 20));
    else
        fprintf(f, "%s: %llu KiB", pool_names[k], (unsigned long long)(o->pool[k] >> 10));
}

static void print_formats(FILE *f, const exec_io_format *x, int n)
{
    if (!n)
        fputs("fp32:chw", f);
    for (int k = 0; k < n; k++)
        fprintf(f, "%s%s:%s", k ? "," : "", x[k].type, x[k].format);
    fputc('\n', f);
}

void exec_print_options(FILE *f, const exec_opts *o)
{
    fprintf(f, "=== Model Options ===\n");
    fprintf(f, "Format: %s\n", o->onnx ? "ONNX" : "*");
    fprintf(f, "Model: %s\n", o->onnx ? o->onnx : "");
    fprintf(f, "=== Build Options ===\n");
    if (o->load_engine)
        fprintf(f, "Load engine: %s (no build)\n", o->load_engine);
    else {
        fprintf(f, "Memory Pools: ");
        print_pool(f, o, 2, "0.5 MiB");
        fputs(", ", f);
        print_pool(f, o, 1, "1024 MiB");
        fputs(", ", f);
        print_pool(f, o, 0, "512 MiB");
        fputc('\n', f);
        fprintf(f, "Precision: %s\n", exec_precision_name(o));
        fprintf(f, "Calibration: %s\n", !o->int8 ? "-" : o->calib ? o->calib : o->calib_data ? o->calib_data :
                                        "Q/DQ scales in the model, else random inputs");
        fprintf(f, "Layer Precisions: %s\n", o->layer_precisions ? o->layer_precisions : "-");
        fprintf(f, "Precision Constraints: %s\n", o->precision_constraints ? o->precision_constraints : "prefer");
        fprintf(f, "Layer Device Types: %s\n", o->layer_device_types ? o->layer_device_types : "-");
        fprintf(f, "Sparsity: %s\n", o->sparsity ? o->sparsity : "Disabled");
        fprintf(f, "Engine capability: %s\n", o->standalone ? "DLA standalone" : "Standard");
        fprintf(f, "Build only: %s\n", o->skip_inference ? "Enabled" : "Disabled");
        fprintf(f, "Save engine: %s\n", o->save_engine ? o->save_engine : "");
        fprintf(f, "Input(s): ");
        print_formats(f, o->in_fmt, o->n_in_fmt);
        fprintf(f, "Output(s): ");
        print_formats(f, o->out_fmt, o->n_out_fmt);
        fprintf(f, "Input build shapes: %s\n", o->shapes ? o->shapes : "model");
    }
    fprintf(f, "=== System Options ===\n");
    if (o->dla_core >= 0)
        fprintf(f, "DLACore: %d%s\n", o->dla_core, o->allow_gpu_fallback ? " (With GPU fallback)" : "");
    else
        fprintf(f, "DLACore: none (the host executor runs everything: trtexec's GPU)\n");
    fprintf(f, "=== Inference Options ===\n");
    if (o->skip_inference)
        fprintf(f, "Skip inference: Enabled\n");
    else {
        fprintf(f, "Inputs: ");
        for (int i = 0; i < o->n_inputs; i++)
            fprintf(f, "%s%s<-%s", i ? ", " : "", o->inputs[i].name, o->inputs[i].file);
        fprintf(f, "%s\n", o->n_inputs ? "" : "random uniform [-1, 1]");
        fprintf(f, "Iterations: %ld\n", o->iterations);
        fprintf(f, "Duration: %gs (+ %gms warm up)\n", o->duration_s, o->warmup_ms);
    }
    fprintf(f, "=== Reporting Options ===\n");
    fprintf(f, "Verbose: %s\n", o->verbose ? "Enabled" : "Disabled");
    fprintf(f, "Dump layer info: %s\n", o->dump_layer_info ? "Enabled" : "Disabled");
    fprintf(f, "Export layer info: %s\n", o->export_layer_info ? o->export_layer_info : "");
    fprintf(f, "Dump profile: %s\n", o->dump_profile ? "Enabled" : "Disabled");
    fprintf(f, "Export profile: %s\n", o->export_profile ? o->export_profile : "");
    if (o->dump_profile || o->export_profile)
        fprintf(f, "Profile times: predicted for %s %s (performance model), wall time of the software engine\n",
                o->perf_platform ? o->perf_platform : "the loadable's target at",
                o->perf_power_mode ? o->perf_power_mode : "MAXN");
    fprintf(f, "Export output: %s\n", o->export_output ? o->export_output : "");
}
