/* dla perf: predicted per-layer and total time of a network on the DLA (dla/perf.h, docs/perf-model.md). */
#include "cli.h"

#include "dla/compiler.h"
#include "dla/model.h"
#include "dla/perf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void perf_usage(FILE *f)
{
    fputs("usage: dla perf MODEL.onnx|FILE.dla [--platform orin|xavier|nv_full] [--power-mode MODE]\n"
          "                [--cores 1|2] [--batch N] [--int8|--fp16] [--sparsity=disable|enable|force]\n"
          "                [--shapes=NAME:DIMS] [--params=name=value,...] [--save=FILE.dla] [--json]\n"
          "\n"
          "Predicts the DLA's time per fused layer (engines, MACs, DRAM bytes, what bounds it: math, memory or\n"
          "overhead) and the total latency and images/s, from the loadable's engine operations. An ONNX model is\n"
          "built first (INT8 with --int8: timing-only scales, no calibration; FP16 otherwise; a network with\n"
          "GPU (host) layers keeps FP32 I/O and its host tasks are costed at a fixed time each).\n"
          "  --platform     orin (default), xavier, nv_full (NVDLA at 1 GHz, the open spreadsheet's config)\n"
          "  --power-mode   orin: MAXN (default) 50W 30W 15W; xavier: MAXN 30W 15W 10W; nv_full: 20GB 10GB\n"
          "  --cores N      cores running a copy each at once (they share the DRAM); default 1\n"
          "  --batch N      images per inference (ONNX: the first input's first dimension; .dla: scales)\n"
          "  --shapes       static input shapes (NAME:DIMS,...); without it and --batch, dynamic dims become 1\n"
          "  --sparsity     force: every INT8 conv with C > 64 runs 2:4 sparse; enable: where the weights\n"
          "                 carry the pattern; disable (default)\n"
          "  --params       override model parameters (bench/perf_fit.py)\n"
          "  --save FILE    (ONNX) also write the loadable it predicts from\n"
          "  --json         the report as JSON\n",
          f);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* "--batch N" for an ONNX model: the first input's first dimension becomes N. */
static int batch_shapes(const char *path, int batch, char *spec, size_t size)
{
    dla_model *m;
    if (dla_model_load_file(path, NULL, &m) != DLA_OK)
        return cli_fail("perf", DLA_ERR_INVALID_ARG);
    size_t len = 0;
    spec[0] = '\0';
    for (int i = 0; i < dla_model_num_inputs(m) && len < size; i++) {
        dla_tensor t;
        if (dla_model_input(m, i, &t) != DLA_OK || t.rank < 1)
            continue;
        len += (size_t)snprintf(spec + len, size - len, "%s%s:", len ? "," : "", t.name);
        for (int d = 0; d < t.rank && len < size; d++)
            len += (size_t)snprintf(spec + len, size - len, "%s%lld", d ? "x" : "",
                                    (long long)(d == 0 ? batch : t.dims[d] < 1 ? 1 : t.dims[d]));
    }
    dla_model_destroy(m);
    return 0;
}

int cmd_perf(int argc, char **argv)
{
    const char *path = NULL, *shapes = NULL, *save = NULL;
    dla_perf_options po;
    memset(&po, 0, sizeof po);
    int json = 0, int8 = 0, fp16 = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            perf_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--int8")) {
            int8 = 1;
        } else if (!strcmp(argv[i], "--fp16")) {
            fp16 = 1;
        } else if ((v = cli_value(argc, argv, &i, "--platform"))) {
            po.platform = v;
        } else if ((v = cli_value(argc, argv, &i, "--power-mode"))) {
            po.power_mode = v;
        } else if ((v = cli_value(argc, argv, &i, "--cores"))) {
            long n = cli_int("perf", "--cores", v, 1, 2);
            if (n < 0)
                return 2;
            po.cores = (int)n;
        } else if ((v = cli_value(argc, argv, &i, "--batch"))) {
            long n = cli_int("perf", "--batch", v, 1, 4096);
            if (n < 0)
                return 2;
            po.batch = (int)n;
        } else if ((v = cli_value(argc, argv, &i, "--sparsity"))) {
            if (!strcmp(v, "disable"))
                po.sparsity = DLA_PERF_SPARSITY_DISABLE;
            else if (!strcmp(v, "enable"))
                po.sparsity = DLA_PERF_SPARSITY_ENABLE;
            else if (!strcmp(v, "force"))
                po.sparsity = DLA_PERF_SPARSITY_FORCE;
            else {
                fprintf(stderr, "dla perf: --sparsity expects disable, enable or force, got '%s'\n", v);
                return 2;
            }
        } else if ((v = cli_value(argc, argv, &i, "--params"))) {
            po.params = v;
        } else if ((v = cli_value(argc, argv, &i, "--save"))) {
            save = v;
        } else if ((v = cli_value(argc, argv, &i, "--shapes"))) {
            shapes = v;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "dla perf: unknown option '%s'\n", argv[i]);
            perf_usage(stderr);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "dla perf: one model or loadable, got '%s' and '%s'\n", path, argv[i]);
            return 2;
        }
    }
    if (!path) {
        perf_usage(stderr);
        return 2;
    }
    dla_perf_report *r = NULL;
    if (ends_with(path, ".onnx")) {
        char spec[4096];
        if (po.batch && !shapes) {
            if (batch_shapes(path, po.batch, spec, sizeof spec))
                return 1;
            shapes = spec;
        }
        dla_load_options lo = {.shapes = shapes};
        dla_model *m;
        if (dla_model_load_file(path, &lo, &m) != DLA_OK)
            return cli_fail("perf", DLA_ERR_INVALID_ARG);
        int dynamic = 0;
        for (int i = 0; !shapes && i < dla_model_num_inputs(m); i++) {
            dla_tensor t;
            if (dla_model_input(m, i, &t) == DLA_OK)
                for (int d = 0; d < t.rank; d++)
                    dynamic |= t.dims[d] < 1;
        }
        if (dynamic) { /* the DLA needs static shapes: unknown dimensions become 1 (batch 1), as a note says */
            dla_model_destroy(m);
            if (batch_shapes(path, 1, spec, sizeof spec))
                return 1;
            if (!json)
                printf("[I] dynamic input dimensions set to 1: --shapes=%s (pass --shapes or --batch to choose)\n",
                       spec);
            lo.shapes = spec;
            if (dla_model_load_file(path, &lo, &m) != DLA_OK)
                return cli_fail("perf", DLA_ERR_INVALID_ARG);
        }
        dla_build_options bo;
        memset(&bo, 0, sizeof bo);
        bo.int8 = int8;
        bo.fp16 = fp16 || !int8;
        bo.allow_gpu_fallback = 1;
        bo.input_io_formats = int8 ? "int8:dla_hwc4" : "fp16:chw16";
        bo.output_io_formats = int8 ? "int8:chw32" : "fp16:chw16";
        bo.mem_pool_size = "dlaSRAM:1";
        bo.model_name = path;
        /* enable: the build marks the convs whose weights already carry the 2:4 pattern, and the prediction
         * honours the marks; force needs no pruned build (the model times every eligible conv as sparse) */
        if (int8 && po.sparsity == DLA_PERF_SPARSITY_ENABLE)
            bo.sparsity = "enable";
        /* The DLA-native I/O formats of the calibration setup suit a network that runs whole on the DLA. A network
         * with GPU (host) layers keeps the default FP32 I/O: its inputs and outputs may be host tensors. */
        dla_placement *pl = NULL;
        if (dla_model_place(m, &bo, &pl) != DLA_OK) {
            dla_model_destroy(m);
            return cli_fail("perf", DLA_ERR_UNSUPPORTED);
        }
        dla_placement_summary ps;
        dla_placement_get_summary(pl, &ps);
        dla_placement_destroy(pl);
        if (ps.on_gpu > 0) {
            bo.input_io_formats = NULL;
            bo.output_io_formats = NULL;
            if (!json)
                printf("[I] %d of %d layers run on the GPU (host): default FP32 network I/O\n", ps.on_gpu,
                       ps.layers);
        }
        dla_perf_options mo = po;
        mo.batch = 0; /* the model's own batch after --shapes */
        void *bytes = NULL;
        size_t size = 0;
        dla_status st = dla_perf_build_model(m, &bo, po.platform, &bytes, &size);
        dla_model_destroy(m);
        if (st == DLA_OK && save) {
            FILE *f = fopen(save, "wb");
            if (!f || fwrite(bytes, 1, size, f) != size) {
                fprintf(stderr, "dla perf: cannot write '%s'\n", save);
                st = DLA_ERR_IO;
            }
            if (f)
                fclose(f);
            if (st != DLA_OK) {
                free(bytes);
                return 1;
            }
        }
        if (st == DLA_OK)
            st = dla_perf_predict(bytes, size, &mo, &r);
        free(bytes);
        if (st != DLA_OK)
            return cli_fail("perf", st);
        if (int8 && !json)
            printf("[I] INT8 with timing-only scales (the time does not depend on the scale values; use dla exec "
                   "with --calib for accuracy)\n");
    } else {
        void *bytes = NULL;
        size_t size = 0;
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "dla perf: cannot open '%s'\n", path);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        bytes = n > 0 ? malloc((size_t)n) : NULL;
        size = bytes && fread(bytes, 1, (size_t)n, f) == (size_t)n ? (size_t)n : 0;
        fclose(f);
        if (!size) {
            free(bytes);
            fprintf(stderr, "dla perf: cannot read '%s'\n", path);
            return 1;
        }
        dla_status st = dla_perf_predict(bytes, size, &po, &r);
        free(bytes);
        if (st != DLA_OK) {
            fprintf(stderr, "dla perf: %s: %s: %s\n", path, dla_status_str(st), dla_last_error());
            return 1;
        }
    }
    char *text = NULL;
    dla_status st = dla_perf_format(r, json, &text);
    dla_perf_report_destroy(r);
    if (st != DLA_OK)
        return cli_fail("perf", st);
    fputs(text, stdout);
    free(text);
    return 0;
}
