/* dla exec: the build — load the ONNX model, choose the INT8 scales, place and compile it into a loadable, print
 * TensorRT's build log, save the engine. */
#include "cli.h"
#include "exec_steps.h"

#include "dla/calib.h"
#include "dla/compiler.h"
#include "dla/loadable.h"
#include "dla/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void exec_engine_release(exec_engine *e)
{
    free(e->bytes);
    dla_placement_destroy(e->placement);
    dla_model_destroy(e->model);
    memset(e, 0, sizeof *e);
}

static int fail_api(const char *what)
{
    const char *msg = dla_last_error();
    fflush(stdout);
    if (strncmp(msg, what, strlen(what)) == 0) /* the message names the flag already */
        fprintf(stderr, "dla exec: %s\n", msg);
    else
        fprintf(stderr, "dla exec: %s: %s\n", what, msg);
    return 1;
}

/* The INT8 scales: --calib cache, --calibData max calibration, the model's Q/DQ scales, or random inputs with a
 * loud warning. *out stays NULL when INT8 is off. */
static int choose_scales(const exec_opts *o, dla_model *m, dla_calib **out)
{
    *out = NULL;
    if (!o->int8 || o->dla_core < 0)
        return 0;
    dla_calib_options co = {.method = DLA_CALIB_MAX};
    double t0 = cli_now();
    if (o->calib) {
        if (dla_calib_load(o->calib, out) != DLA_OK)
            return fail_api("--calib");
        printf("[I] INT8 scales: %d from the calibration cache %s (%s)\n", dla_calib_count(*out), o->calib,
               *dla_calib_header(*out) ? dla_calib_header(*out) : "no header");
        return 0;
    }
    if (o->calib_data) {
        if (dla_model_calibrate_dir(m, o->calib_data, &co, out) != DLA_OK)
            return fail_api("--calibData");
        printf("[I] INT8 scales: %d by max calibration over %s in %.2f s\n", dla_calib_count(*out), o->calib_data,
               cli_now() - t0);
        return 0;
    }
    if (dla_model_qdq_scales(m, out) != DLA_OK)
        return fail_api("Q/DQ scales");
    if (dla_calib_count(*out) > 0) {
        printf("[I] INT8 scales: %d from the model's QuantizeLinear/DequantizeLinear pairs\n", dla_calib_count(*out));
        return 0;
    }
    dla_calib_destroy(*out);
    *out = NULL;
    fprintf(stderr, "[W] ============================================================================\n"
                    "[W] --int8 without --calib, --calibData or Q/DQ scales: CALIBRATING ON RANDOM INPUTS.\n"
                    "[W] The INT8 scales are meaningless for accuracy (a latency-only build, like\n"
                    "[W] trtexec's dummy scales). Pass --calibData=DIR of .npy inputs or --calib=FILE.\n"
                    "[W] ============================================================================\n");
    if (dla_model_calibrate_random(m, &co, out) != DLA_OK)
        return fail_api("random calibration");
    printf("[I] INT8 scales: %d by max calibration over RANDOM inputs (meaningless for accuracy)\n",
           dla_calib_count(*out));
    return 0;
}

static void print_placement(const dla_placement *p)
{
    dla_placement_summary s;
    dla_placement_get_summary(p, &s);
    fputs(dla_placement_build_log(p), stdout);
    printf("[I] Placement: %d layer%s, %d on DLA in %d subgraph%s, %d on GPU (host fallback)\n", s.layers,
           s.layers == 1 ? "" : "s", s.on_dla, s.subgraphs, s.subgraphs == 1 ? "" : "s", s.on_gpu);
}

/* trtexec's rule for dynamic input dimensions without --shapes: each becomes 1, with a warning. Reloads the model
 * with the completed shapes when one is dynamic. */
static int fix_dynamic_shapes(const exec_opts *o, exec_engine *e)
{
    char spec[4096];
    size_t len = 0;
    if (o->shapes)
        len = (size_t)snprintf(spec, sizeof spec, "%s", o->shapes);
    int changed = 0;
    for (int i = 0; i < dla_model_num_inputs(e->model) && len < sizeof spec; i++) {
        dla_tensor t;
        if (dla_model_input(e->model, i, &t) != DLA_OK)
            continue;
        int dynamic = t.rank < 0;
        for (int d = 0; d < t.rank; d++)
            dynamic |= t.dims[d] < 1;
        if (!dynamic)
            continue;
        char dims[256];
        size_t n = 0;
        for (int d = 0; d < t.rank && n < sizeof dims; d++)
            n += (size_t)snprintf(dims + n, sizeof dims - n, "%s%lld", d ? "x" : "",
                                  (long long)(t.dims[d] < 1 ? 1 : t.dims[d]));
        fprintf(stderr, "[W] Dynamic dimensions required for input: %s, but no shapes were provided. "
                        "Automatically overriding shape to: %s\n", t.name, dims);
        len += (size_t)snprintf(spec + len, sizeof spec - len, "%s%s:%s", len ? "," : "", t.name, dims);
        changed = 1;
    }
    if (!changed)
        return 0;
    if (len >= sizeof spec) {
        fprintf(stderr, "dla exec: the inputs' shapes do not fit %zu characters: give --shapes\n", sizeof spec);
        return 1;
    }
    dla_model_destroy(e->model);
    e->model = NULL;
    dla_load_options lo = {.shapes = spec};
    if (dla_model_load_file(o->onnx, &lo, &e->model) != DLA_OK)
        return fail_api("--onnx");
    return 0;
}

int exec_build(const exec_opts *o, exec_engine *e)
{
    double t0 = cli_now();
    dla_load_options lo = {.shapes = o->shapes};
    if (dla_model_load_file(o->onnx, &lo, &e->model) != DLA_OK)
        return fail_api("--onnx");
    if (fix_dynamic_shapes(o, e))
        return 1;
    dla_calib *scales = NULL;
    if (choose_scales(o, e->model, &scales))
        return 1;
    dla_build_options bo = {.fp16 = o->fp16, .int8 = o->int8, .allow_gpu_fallback = o->allow_gpu_fallback,
                            .layer_device_types = o->layer_device_types};
    if (o->dla_core < 0) { /* no DLA core: everything on the host executor (trtexec's GPU) */
        bo.allow_gpu_fallback = 1;
        bo.layer_device_types = "*:GPU";
    }
    dla_status st = dla_model_place(e->model, &bo, &e->placement);
    if (e->placement)
        print_placement(e->placement);
    if (st != DLA_OK) {
        dla_calib_destroy(scales);
        fprintf(stderr, "dla exec: build failed: %s%s\n", dla_last_error(),
                st == DLA_ERR_UNSUPPORTED && !o->allow_gpu_fallback ? " (--allowGPUFallback runs them on the host)"
                                                                     : "");
        return 1;
    }
    dla_calib_destroy(scales);
    (void)t0;
    fprintf(stderr, "dla exec: building the loadable is not wired yet (waiting for the dla_builder API)\n");
    return 1;
}
