/* dla exec: the build — load the ONNX model, choose the INT8 scales, place and compile it into a loadable, print
 * TensorRT's build log, save the engine. */
#include "cli.h"
#include "exec_steps.h"

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

/* The loud warning of a latency-only INT8 build: --int8 with no --calib, no --calibData and no Q/DQ pairs in the
 * model means the builder calibrates on random inputs. */
static void warn_random_scales(const exec_opts *o, const dla_model *m)
{
    if (!o->int8 || o->dla_core < 0 || o->calib || o->calib_data)
        return;
    for (int i = 0; i < dla_model_num_layers(m); i++) {
        dla_layer_info l;
        if (dla_model_layer(m, i, &l) == DLA_OK &&
            (!strcmp(l.op, "QuantizeLinear") || !strcmp(l.op, "DequantizeLinear")))
            return;
    }
    fflush(stdout);
    fprintf(stderr, "[W] ============================================================================\n"
                    "[W] --int8 without --calib, --calibData or Q/DQ scales: CALIBRATING ON RANDOM INPUTS.\n"
                    "[W] The INT8 scales are meaningless for accuracy (a latency-only build, like\n"
                    "[W] trtexec's dummy scales). Pass --calibData=DIR of .npy inputs or --calib=FILE.\n"
                    "[W] ============================================================================\n");
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

/* Tasks and the precision of the fused DLA layers, from the loadable itself. */
static void print_loadable_summary(const exec_engine *e)
{
    dla_loadable *l;
    if (dla_loadable_load(e->bytes, e->size, &l) != DLA_OK)
        return;
    dla_loadable_info in;
    dla_loadable_get_info(l, &in);
    int n_int8 = 0, n_fp16 = 0;
    for (int i = 0; i < in.n_layers; i++) {
        dla_loadable_layer y;
        if (dla_loadable_layer_info(l, i, &y) == DLA_OK) {
            n_int8 += strcmp(y.precision, "INT8") == 0;
            n_fp16 += strcmp(y.precision, "FP16") == 0;
        }
    }
    printf("[I] Loadable: %d task%s (%d DLA, %d HOST), %d fused DLA layer%s: %d INT8, %d FP16; weights %.3f MiB%s\n",
           in.n_tasks, in.n_tasks == 1 ? "" : "s", in.n_dla_tasks, in.n_host_tasks, in.n_layers,
           in.n_layers == 1 ? "" : "s", n_int8, n_fp16, in.weight_bytes / 1048576.0,
           in.standalone ? "; DLA standalone" : "");
    dla_loadable_destroy(l);
}

/* The flags again, for the loadable's build info. */
static void command_text(const exec_opts *o, char *buf, size_t size)
{
    snprintf(buf, size, "dla exec --onnx=%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s", o->onnx,
             o->dla_core >= 0 ? (o->dla_core ? " --useDLACore=1" : " --useDLACore=0") : "",
             o->int8 ? " --int8" : "", o->fp16 ? " --fp16" : "", o->allow_gpu_fallback ? " --allowGPUFallback" : "",
             o->standalone ? " --buildDLAStandalone" : "", o->input_formats ? " --inputIOFormats=" : "",
             o->input_formats ? o->input_formats : "", o->output_formats ? " --outputIOFormats=" : "",
             o->output_formats ? o->output_formats : "", o->mem_pool_size ? " --memPoolSize=" : "",
             o->mem_pool_size ? o->mem_pool_size : "", o->shapes ? " --shapes=" : "", o->shapes ? o->shapes : "",
             o->calib ? " --calib=" : "", o->calib ? o->calib : "", o->calib_data ? " --calibData=" : "",
             o->calib_data ? o->calib_data : "", o->layer_precisions ? " --layerPrecisions=..." : "",
             o->sparsity ? " --sparsity=" : "", o->sparsity ? o->sparsity : "");
}

int exec_build(const exec_opts *o, exec_engine *e)
{
    double t0 = cli_now();
    dla_load_options lo = {.shapes = o->shapes};
    if (dla_model_load_file(o->onnx, &lo, &e->model) != DLA_OK)
        return fail_api("--onnx");
    if (fix_dynamic_shapes(o, e))
        return 1;
    warn_random_scales(o, e->model);
    char command[2048];
    command_text(o, command, sizeof command);
    dla_build_options bo = {.fp16 = o->fp16, .int8 = o->int8, .allow_gpu_fallback = o->allow_gpu_fallback,
                            .layer_device_types = o->layer_device_types, .calib_cache = o->calib,
                            .calib_data = o->calib_data, .calib_random = 1, .layer_precisions = o->layer_precisions,
                            .precision_constraints = o->precision_constraints, .input_io_formats = o->input_formats,
                            .output_io_formats = o->output_formats, .build_dla_standalone = o->standalone,
                            .mem_pool_size = o->pool_spec[0] ? o->pool_spec : NULL, .model_name = o->onnx,
                            .build_command = command, .sparsity = o->sparsity};
    char in_spec[1024], out_spec[1024];
    if (!bo.input_io_formats)
        bo.input_io_formats = cli_default_io_spec(e->model, 1, in_spec, sizeof in_spec);
    if (!bo.output_io_formats)
        bo.output_io_formats = cli_default_io_spec(e->model, 0, out_spec, sizeof out_spec);
    if (o->dla_core < 0) { /* no DLA core: everything on the host executor (trtexec's GPU) */
        bo.allow_gpu_fallback = 1;
        bo.layer_device_types = "*:GPU";
    }
    dla_status st = dla_builder_build_placed(e->model, &bo, &e->placement, &e->bytes, &e->size);
    if (e->placement)
        print_placement(e->placement);
    if (st != DLA_OK) {
        fflush(stdout);
        fprintf(stderr, "dla exec: build failed: %s\n", dla_last_error());
        return 1;
    }
    print_loadable_summary(e);
    exec_print_sparsity(o, e->bytes, e->size);
    printf("[I] Engine built in %.3f sec.\n", cli_now() - t0);
    printf("[I] Created engine with size: %.4f MiB (%zu bytes)\n", e->size / 1048576.0, e->size);
    if (o->save_engine) {
        if (exec_write_file("--saveEngine", o->save_engine, e->bytes, e->size))
            return 1;
        printf("[I] Engine saved to %s\n", o->save_engine);
    }
    return 0;
}
