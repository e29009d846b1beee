/* Public build API (dla/compiler.h: dla_builder_build): rewrites and placement, INT8 scales, the precision plan,
 * and cc_build with the ONNX exporter serializing the host segments. */
#include "api_internal.h"
#include "calib_internal.h"
#include "compiler/partition.h"
#include "compiler/sparsity.h"
#include "compiler/tb.h"
#include "dla/compiler.h"
#include "onnx/onnx_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dla_status serialize_onnx(void *user, const ir_graph *g, void **bytes, size_t *size)
{
    (void)user;
    return onnx_export(g, bytes, size);
}

/* The build's placement check: the DLA's rules, then whether dlakit can lower the op. */
static int check_buildable(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    return cc_check_node(t, n, reason, size) && cc_lower_supports(n, reason, size);
}

static void place_options(const dla_build_options *o, cc_place_options *po)
{
    memset(po, 0, sizeof *po);
    po->target.platform = o->platform == DLA_PLATFORM_XAVIER ? CC_XAVIER : CC_ORIN;
    po->target.precisions = (o->fp16 ? CC_FP16 : 0u) | (o->int8 ? CC_INT8 : 0u);
    if (!po->target.precisions)
        po->target.precisions = CC_FP16;
    po->allow_gpu_fallback = o->allow_gpu_fallback;
    po->layer_device_types = o->layer_device_types;
    po->max_subgraphs = o->max_subgraphs;
    po->min_island_nodes = o->min_island_layers;
    po->min_island_macs = o->min_island_macs == 0 ? -1 : o->min_island_macs < 0 ? 0 : o->min_island_macs;
}

/* Merges the INT8 scale sources of o into *out (a new table). */
static dla_status gather_scales(dla_model *m, const dla_build_options *o, cc_scale_table **out)
{
    ir_graph *g = api_model_graph(m);
    cc_scale_table *t;
    BASE_TRY(cc_scale_table_create(&t));
    int n_qdq = 0;
    dla_status st = cc_scales_from_qdq(g, 0, t, &n_qdq);
    if (st == DLA_OK && n_qdq)
        base_log(DLA_LOG_INFO, "INT8: %d scales from the model's Q/DQ pairs", n_qdq);
    if (st == DLA_OK && o->calib_cache && *o->calib_cache) {
        cc_scale_table *c;
        st = cc_scale_table_create(&c);
        if (st == DLA_OK)
            st = cc_calib_cache_read(o->calib_cache, c);
        if (st == DLA_OK) {
            base_log(DLA_LOG_INFO, "INT8: %d scales from %s", c->n, o->calib_cache);
            st = cc_scale_table_merge(t, c, 1);
        }
        cc_scale_table_free(c);
    }
    if (st == DLA_OK && o->calib)
        st = cc_scale_table_merge(t, api_calib_table(o->calib), 1);
    int have = t->n > 0;
    dla_calib_options co;
    memset(&co, 0, sizeof co);
    if (st == DLA_OK && o->calib_method && *o->calib_method)
        st = dla_calib_parse_method(o->calib_method, &co);
    dla_calib *c = NULL;
    if (st == DLA_OK && o->calib_data && *o->calib_data) {
        st = dla_model_calibrate_dir(m, o->calib_data, &co, &c);
        if (st == DLA_OK)
            base_log(DLA_LOG_INFO, "INT8: %d scales calibrated (%s) on %s", dla_calib_count(c),
                     o->calib_method ? o->calib_method : "max", o->calib_data);
    } else if (st == DLA_OK && !have && o->calib_random) {
        st = dla_model_calibrate_random(m, &co, &c);
    } else if (st == DLA_OK && !have) {
        base_log(DLA_LOG_WARN, "--int8 without scales (no --calib, calibration data or Q/DQ pairs): the DLA "
                 "subgraphs run FP16");
    }
    if (st == DLA_OK && c)
        st = cc_scale_table_merge(t, api_calib_table(c), 0);
    dla_calib_destroy(c);
    if (st != DLA_OK) {
        cc_scale_table_free(t);
        return st;
    }
    *out = t;
    return DLA_OK;
}

static dla_status build(dla_model *m, const dla_build_options *o, void **bytes, size_t *size)
{
    ir_graph *g = api_model_graph(m);
    cc_constraints cons;
    BASE_TRY(cc_parse_constraints(o->precision_constraints, &cons));
    cc_sparsity sparsity;
    BASE_TRY(cc_parse_sparsity(o->sparsity, &sparsity));
    cc_scale_table *scales = NULL;
    if (o->int8)
        BASE_TRY(gather_scales(m, o, &scales));
    cc_place_options po;
    place_options(o, &po);
    cc_placement pl;
    dla_status st = cc_place_with(g, &po, check_buildable, &pl);
    cc_precision_plan pp;
    memset(&pp, 0, sizeof pp);
    if (st == DLA_OK) {
        cc_precision_options pro = {.precisions = po.target.precisions, .scales = scales,
                                    .layer_precisions = o->layer_precisions, .constraints = cons};
        st = cc_precision_plan_make(g, &pl, &pro, &pp);
    }
    if (st == DLA_OK) {
        if (o->int8)
            base_log(DLA_LOG_INFO, "precision: %d of %d DLA subgraphs run INT8", pp.n_int8, pp.n_subgraphs);
        cc_build_options bo = {.target = po.target, .prec = &pp, .input_formats = o->input_io_formats,
                               .output_formats = o->output_io_formats, .standalone = o->build_dla_standalone,
                               .allow_gpu_fallback = o->allow_gpu_fallback, .mem_pool_size = o->mem_pool_size,
                               .serialize = serialize_onnx, .model_name = o->model_name,
                               .options_text = o->build_command, .sparsity = (int)sparsity};
        st = cc_build(g, &pl, &bo, bytes, size);
        if (st == DLA_OK)
            st = api_log_sparsity(*bytes, *size, o->sparsity, o->platform == DLA_PLATFORM_XAVIER, o->int8);
    }
    cc_precision_plan_release(&pp);
    cc_placement_release(&pl);
    cc_scale_table_free(scales);
    return st;
}

dla_status dla_builder_build_placed(dla_model *m, const dla_build_options *opts, dla_placement **placement,
                                    void **loadable, size_t *size)
{
    *loadable = NULL;
    *size = 0;
    if (placement)
        *placement = NULL;
    base_clear_error();
    dla_build_options dflt;
    memset(&dflt, 0, sizeof dflt);
    const dla_build_options *o = opts ? opts : &dflt;
    if (o->build_dla_standalone && o->allow_gpu_fallback)
        return api_model_fail(m, base_error(DLA_ERR_INVALID_ARG, "--buildDLAStandalone cannot be combined with "
                                            "--allowGPUFallback (a standalone loadable has no host tasks)"));
    cc_sparsity sparsity; /* a bad value fails before the placement */
    if (cc_parse_sparsity(o->sparsity, &sparsity) != DLA_OK)
        return api_model_fail(m, DLA_ERR_INVALID_ARG);
    dla_placement *p = NULL;
    dla_status st = api_model_place(m, o, check_buildable, &p);
    if (st == DLA_OK)
        st = build(m, o, loadable, size);
    if (placement)
        *placement = p;
    else
        dla_placement_destroy(p);
    if (st != DLA_OK) {
        free(*loadable);
        *loadable = NULL;
        *size = 0;
    }
    return api_model_fail(m, st);
}

dla_status dla_builder_build(dla_model *m, const dla_build_options *opts, void **loadable, size_t *size)
{
    return dla_builder_build_placed(m, opts, NULL, loadable, size);
}
