/* Engine accuracy end to end, through the real path: ONNX -> dla_builder_build (rewrites, placement with GPU
 * fallback, precision plan, lowering, loadable bytes) -> dla_module_load on a runtime device -> dla_submit ->
 * outputs, against the host FP32 executor (dla_model_run) on held-out inputs.
 *
 *   FP16 (default DLA precision):                       cosine >= 0.9999 on every held-out input;
 *   INT8, max calibration on 32 calibration inputs:     cosine >= 0.98.
 *
 * Networks: torchvision classifiers exported with realistic batch-norm statistics by
 *   /usr/bin/python3 models/export_torchvision.py NAME cache/models/NAME.onnx --inputs cache/models/NAME --num-inputs 32
 * (tests/e2e_engine.sh makes the exports). The calibration inputs are cache/models/NAME/input_0..31.npy (N(0,1)
 * noise, numpy seed 0); the held-out inputs are other N(0,1) draws made here (seed 1000 + k), never calibrated on.
 * A network whose export is absent is skipped (all absent: exit 77).
 *
 *   test_e2e_engine [--calib N] [--eval K] [--fp16 | --int8] [--bench ITERS] [--quiet] [--verbose]
 *                   [NAME | PATH.onnx]...
 *
 * --bench ITERS: after the accuracy check, runs the INT8 module ITERS more times on one held-out image and prints
 * images/s and where the time goes (per-layer wall times of the runtime's statistics, summed per engine unit;
 * HOST tasks apart). Per network the program prints the placement (layers on the DLA / host), the INT8 layer
 * count of the loadable, the worst and mean cosine and the top-1 agreement. */
#include "check.h"
#include "dla/calib.h"
#include "dla/compiler.h"
#include "dla/model.h"
#include "dla/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cosine(const float *a, const float *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

static size_t argmax(const float *a, size_t n)
{
    size_t k = 0;
    for (size_t i = 1; i < n; i++)
        if (a[i] > a[k])
            k = i;
    return k;
}

/* N(0,1) by Box-Muller over a 64-bit LCG */
static void randn(float *x, size_t n, unsigned seed)
{
    uint64_t s = 0x9E3779B97F4A7C15ull ^ (uint64_t)seed * 0x100000001B3ull;
    for (size_t i = 0; i < n; i += 2) {
        double u[2];
        for (int k = 0; k < 2; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            u[k] = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
        }
        double r = sqrt(-2 * log(u[0]));
        x[i] = (float)(r * cos(6.283185307179586 * u[1]));
        if (i + 1 < n)
            x[i + 1] = (float)(r * sin(6.283185307179586 * u[1]));
    }
}

typedef struct run_cfg {
    int n_calib, n_eval, do_fp16, do_int8, bench, quiet, verbose;
} run_cfg;

typedef struct evalset {
    int n;
    dla_tensor **x;
    float **ref;
    size_t n_out;
} evalset;

typedef struct result {
    double worst, mean;
    int top1, n;
    int layers, int8_layers;
    double ms; /* mean wall time of one run */
} result;

/* Loads bytes on core 0, runs every held-out input, compares. bench > 0: then ITERS timed runs + breakdown. */
static int run_module(const char *tag, const void *bytes, size_t size, const evalset *es, int bench, result *r)
{
    memset(r, 0, sizeof *r);
    r->worst = 2;
    dla_device *dev = NULL;
    CHECK_OK(dla_device_create(0, DLA_MODE_HYBRID, &dev));
    dla_module *mod = NULL;
    CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    if (!mod) {
        dla_device_destroy(dev);
        return 0;
    }
    dla_module_attribute a;
    dla_tensor_desc in, out;
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_INPUT_TENSORS, &a));
    CHECK(a.num_input_tensors == 1);
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_OUTPUT_TENSORS, &a));
    CHECK(a.num_output_tensors == 1);
    a.input_tensor_desc = &in;
    CHECK_OK(dla_module_get_attributes(mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a));
    a.output_tensor_desc = &out;
    CHECK_OK(dla_module_get_attributes(mod, DLA_OUTPUT_TENSOR_DESCRIPTORS, &a));
    CHECK(out.n * out.c * out.h * out.w == es->n_out);
    void *x = calloc(1, in.size), *y = calloc(1, out.size);
    float *yf = calloc(es->n_out, sizeof(float));
    dla_mem *xm = NULL, *ym = NULL;
    CHECK_OK(dla_mem_register(dev, x, in.size, &xm));
    CHECK_OK(dla_mem_register(dev, y, out.size, &ym));
    double total = 0;
    for (int s = 0; xm && ym && s < es->n; s++) {
        CHECK_OK(dla_tensor_pack(&in, es->x[s]->data, x, in.size));
        dla_task t = {.module = mod, .inputs = &xm, .n_inputs = 1, .outputs = &ym, .n_outputs = 1};
        double t0 = now();
        CHECK_OK(dla_submit(dev, &t, 1));
        dla_status st = dla_synchronize(dev);
        total += now() - t0;
        CHECK_OK(st);
        CHECK_OK(dla_tensor_unpack(&out, y, out.size, yf));
        double c = cosine(yf, es->ref[s], es->n_out);
        r->worst = fmin(r->worst, c);
        r->mean += c / es->n;
        r->top1 += argmax(yf, es->n_out) == argmax(es->ref[s], es->n_out);
        r->n++;
    }
    r->ms = r->n ? total * 1e3 / r->n : 0;
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_LAYERS, &a));
    r->layers = (int)a.num_layers;
    for (int i = 0; i < r->layers; i++) {
        dla_layer_stats ls;
        if (dla_module_layer_stats(mod, i, &ls) == DLA_OK && strstr(ls.compute_precisions, "INT8"))
            r->int8_layers++;
    }
    if (bench > 0 && xm && ym) {
        /* timed runs on held-out image 0; per-unit wall time summed from the runtime's statistics */
        CHECK_OK(dla_tensor_pack(&in, es->x[0]->data, x, in.size));
        dla_task t = {.module = mod, .inputs = &xm, .n_inputs = 1, .outputs = &ym, .n_outputs = 1};
        double conv = 0, sdp = 0, pdp = 0, cdp = 0, rubik = 0, bdma = 0, host = 0, dla_task_ms = 0, run_ms = 0;
        int n_conv = 0, n_sdp = 0, n_pdp = 0, n_other = 0, n_host = 0;
        double t0 = now();
        for (int it = 0; it < bench; it++) {
            CHECK_OK(dla_submit(dev, &t, 1));
            CHECK_OK(dla_synchronize(dev));
            uint64_t runs;
            double last;
            CHECK_OK(dla_module_run_count(mod, &runs, &last));
            run_ms += last;
            for (int i = 0; i < r->layers; i++) {
                dla_layer_stats ls;
                if (dla_module_layer_stats(mod, i, &ls) != DLA_OK)
                    continue;
                double d = ls.wall_end_ms - ls.wall_start_ms;
                if (ls.uses_int8_conv || ls.uses_fp16_conv)
                    conv += d, n_conv += it == 0;
                else if (ls.uses_pool)
                    pdp += d, n_pdp += it == 0;
                else if (ls.uses_square_sum_unit)
                    cdp += d, n_other += it == 0;
                else if (ls.net_duration_rubik_ms > 0)
                    rubik += d, n_other += it == 0;
                else if (ls.net_duration_bdma_ms > 0)
                    bdma += d, n_other += it == 0;
                else
                    sdp += d, n_sdp += it == 0;
            }
            CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_TASKS, &a));
            for (int i = 0; i < (int)a.num_tasks; i++) {
                dla_task_stats ts;
                if (dla_module_task_stats(mod, i, &ts) != DLA_OK)
                    continue;
                if (ts.is_host)
                    host += ts.wall_end_ms - ts.wall_start_ms, n_host += it == 0;
                else
                    dla_task_ms += ts.wall_end_ms - ts.wall_start_ms;
            }
        }
        double wall = now() - t0;
        printf("%s bench: %d runs, %.3f images/s (%.1f ms per image, runtime's run time %.1f ms)\n", tag, bench,
               bench / wall, wall * 1e3 / bench, run_ms / bench);
        printf("%s time per image: DLA tasks %.1f ms = CONV layers (CONV+SDP[+PDP], %d) %.1f ms, standalone SDP "
               "(%d) %.1f ms, PDP (%d) %.1f ms, CDP %.1f ms, RUBIK %.1f ms, BDMA %.1f ms (%d other); HOST tasks "
               "(%d) %.1f ms\n", tag, dla_task_ms / bench, n_conv, conv / bench, n_sdp, sdp / bench, n_pdp,
               pdp / bench, cdp / bench, rubik / bench, bdma / bench, n_other, n_host, host / bench);
    }
    if (xm)
        CHECK_OK(dla_mem_unregister(dev, xm));
    if (ym)
        CHECK_OK(dla_mem_unregister(dev, ym));
    free(x);
    free(y);
    free(yf);
    CHECK_OK(dla_module_unload(mod));
    dla_device_destroy(dev);
    return r->n > 0;
}

static void print_placement(const char *tag, dla_placement *p)
{
    if (!p)
        return;
    dla_placement_summary s;
    dla_placement_get_summary(p, &s);
    printf("%s placement: %d layers, %d on the DLA in %d subgraphs, %d on the host (%.4f%% of MACs)\n", tag,
           s.layers, s.on_dla, s.subgraphs, s.on_gpu,
           s.macs_dla + s.macs_gpu ? 100.0 * (double)s.macs_gpu / (double)(s.macs_dla + s.macs_gpu) : 0.0);
}

/* Loads input_0..n-1.npy of dir and calibrates m with max calibration. */
static dla_calib *calibrate(dla_model *m, const char *dir, int n)
{
    dla_tensor **t = calloc((size_t)n, sizeof *t);
    const dla_tensor ***batches = calloc((size_t)n, sizeof *batches);
    dla_calib *c = NULL;
    int ok = t && batches;
    for (int k = 0; ok && k < n; k++) {
        char path[600];
        snprintf(path, sizeof path, "%s/input_%d.npy", dir, k);
        if (dla_tensor_load(path, &t[k]) != DLA_OK) {
            printf("calibration input %s: %s\n", path, dla_last_error());
            ok = 0;
            break;
        }
        batches[k] = calloc(1, sizeof(dla_tensor *));
        if (!batches[k]) {
            ok = 0;
            break;
        }
        batches[k][0] = t[k];
    }
    dla_calib_options co = {.method = DLA_CALIB_MAX};
    if (ok)
        CHECK_OK(dla_model_calibrate(m, &co, n, 1, (const dla_tensor *const *const *)batches, &c));
    for (int k = 0; k < n; k++) {
        if (batches && batches[k])
            free((void *)batches[k]);
        if (t && t[k])
            dla_tensor_destroy(t[k]);
    }
    free(batches);
    free(t);
    return c;
}

static int check_model(const char *arg, const run_cfg *cfg)
{
    char path[512], dir[512], name[128];
    if (strstr(arg, ".onnx")) {
        snprintf(path, sizeof path, "%s", arg);
        snprintf(dir, sizeof dir, "%.*s", (int)(strstr(arg, ".onnx") - arg), arg);
    } else {
        snprintf(path, sizeof path, "cache/models/%s.onnx", arg);
        snprintf(dir, sizeof dir, "cache/models/%s", arg);
    }
    const char *slash = strrchr(dir, '/');
    snprintf(name, sizeof name, "%s", slash ? slash + 1 : dir);
    char probe[600];
    snprintf(probe, sizeof probe, "%s/input_%d.npy", dir, cfg->n_calib - 1);
    FILE *f = fopen(path, "rb"), *fi = fopen(probe, "rb");
    if (f)
        fclose(f);
    if (fi)
        fclose(fi);
    if (!f || (cfg->do_int8 && !fi)) {
        printf("%s: no %s%s%s; skipped\n", name, !f ? path : "", !f ? "" : probe, "");
        return 0;
    }
    dla_model *m = NULL;
    CHECK_OK(dla_model_load_file(path, NULL, &m));
    if (!m)
        return 1;
    dla_tensor info;
    CHECK_OK(dla_model_input(m, 0, &info));
    evalset es = {.n = cfg->n_eval};
    es.x = calloc((size_t)es.n, sizeof *es.x);
    es.ref = calloc((size_t)es.n, sizeof *es.ref);
    double t0 = now();
    for (int k = 0; k < es.n; k++) {
        CHECK_OK(dla_tensor_create("input", DLA_FLOAT32, info.rank, info.dims, &es.x[k]));
        if (!es.x[k])
            return 1;
        randn(es.x[k]->data, es.x[k]->nbytes / sizeof(float), 1000u + (unsigned)k);
        dla_tensor **ys = NULL;
        int n_ys = 0;
        CHECK_OK(dla_model_run(m, NULL, 1, (const dla_tensor *const *)&es.x[k], &ys, &n_ys));
        if (n_ys < 1)
            return 1;
        es.n_out = ys[0]->nbytes / sizeof(float);
        es.ref[k] = malloc(ys[0]->nbytes);
        memcpy(es.ref[k], ys[0]->data, ys[0]->nbytes);
        dla_tensors_destroy(ys, n_ys);
    }
    double t_ref = now() - t0;
    char tag[200];
    for (int p = 0; p < 2; p++) {
        if ((p == 0 && !cfg->do_fp16) || (p == 1 && !cfg->do_int8))
            continue;
        snprintf(tag, sizeof tag, "%-18s %s", name, p ? "INT8" : "FP16");
        dla_calib *c = NULL;
        double tc = 0;
        if (p == 1) {
            tc = now();
            c = calibrate(m, dir, cfg->n_calib);
            tc = now() - tc;
            if (!c) {
                printf("%s: calibration failed\n", tag);
                CHECK(0);
                continue;
            }
        }
        dla_build_options o = {.fp16 = 1, .int8 = p, .allow_gpu_fallback = 1, .calib = c};
        void *bytes = NULL;
        size_t size = 0;
        dla_placement *pl = NULL;
        double tb = now();
        dla_status st = dla_builder_build_placed(m, &o, &pl, &bytes, &size);
        tb = now() - tb;
        if (st != DLA_OK) {
            printf("%s: BUILD FAILED: %s\n", tag, dla_last_error());
            CHECK_OK(st);
        }
        if (!cfg->quiet)
            print_placement(tag, pl);
        dla_placement_destroy(pl);
        result r;
        if (bytes && run_module(tag, bytes, size, &es, p == 1 ? cfg->bench : 0, &r)) {
            double bar = p ? 0.98 : 0.9999;
            printf("%s: cosine vs FP32 worst %.7f mean %.7f over %d held-out inputs, top-1 %d/%d; %d/%d DLA "
                   "layers INT8; %.1f ms/image (ref %.1f ms), build %.1f s%s; %s\n", tag, r.worst, r.mean, r.n,
                   r.top1, r.n, r.int8_layers, r.layers, r.ms, t_ref * 1e3 / es.n, tb,
                   p ? "" : "", r.worst >= bar ? "ok" : "BELOW THE BAR");
            if (p)
                printf("%s: max calibration on %d inputs took %.1f s\n", tag, cfg->n_calib, tc);
            CHECK(r.worst >= bar);
            if (p)
                CHECK(r.int8_layers > 0);
        }
        fflush(stdout);
        free(bytes);
        dla_calib_destroy(c);
    }
    for (int k = 0; k < es.n; k++) {
        dla_tensor_destroy(es.x[k]);
        free(es.ref[k]);
    }
    free(es.x);
    free(es.ref);
    dla_model_destroy(m);
    return 1;
}

int main(int argc, char **argv)
{
    static const char *dflt[] = {"resnet18", "resnet50", "mobilenet_v2", "squeezenet1_0", "googlenet",
                                 "efficientnet_b0", "shufflenet_v2_x1_0", "densenet121", "regnet_x_400mf",
                                 "mnasnet0_5", "resnext50_32x4d"};
    run_cfg cfg = {.n_calib = 32, .n_eval = 2, .do_fp16 = 1, .do_int8 = 1};
    const char *names[64];
    int n_names = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--calib") == 0 && i + 1 < argc)
            cfg.n_calib = atoi(argv[++i]);
        else if (strcmp(argv[i], "--eval") == 0 && i + 1 < argc)
            cfg.n_eval = atoi(argv[++i]);
        else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
            cfg.bench = atoi(argv[++i]);
        else if (strcmp(argv[i], "--fp16") == 0)
            cfg.do_int8 = 0;
        else if (strcmp(argv[i], "--int8") == 0)
            cfg.do_fp16 = 0;
        else if (strcmp(argv[i], "--quiet") == 0)
            cfg.quiet = 1;
        else if (strcmp(argv[i], "--verbose") == 0)
            cfg.verbose = 1;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "test_e2e_engine: unknown option %s\n", argv[i]);
            return 2;
        } else if (n_names < 64)
            names[n_names++] = argv[i];
    }
    if (cfg.n_calib < 1 || cfg.n_eval < 1) {
        fprintf(stderr, "test_e2e_engine: --calib and --eval need a positive count\n");
        return 2;
    }
    dla_set_log_level(cfg.verbose ? DLA_LOG_INFO : DLA_LOG_ERROR);
    int ran = 0;
    if (n_names)
        for (int i = 0; i < n_names; i++)
            ran += check_model(names[i], &cfg);
    else
        for (size_t i = 0; i < sizeof dflt / sizeof *dflt; i++)
            ran += check_model(dflt[i], &cfg);
    if (!ran)
        return TEST_SKIP;
    return TEST_RESULT();
}
