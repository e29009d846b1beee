/* Public placement API (dla/compiler.h) over the compiler's rewrites, rule table and partitioning. */
#include "dla/compiler.h"
#include "api_internal.h"
#include "compiler/cc.h"
#include "compiler/fold_shapes.h"
#include "compiler/partition.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct layer_rec {
    char *name, *op, *reason;
    int on_dla, subgraph, forced;
    int64_t macs;
} layer_rec;

struct dla_placement {
    int n_layers;
    layer_rec *layers;
    dla_placement_summary sum;
    dla_subgraph_info *sg; /* sum.subgraphs entries; strings point into layers */
    char *errors, *log;
};

/* ---- a growable string ------------------------------------------------------------------------------------ */

/* ---- placement -------------------------------------------------------------------------------------------- */

void dla_placement_destroy(dla_placement *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n_layers; i++) {
        free(p->layers[i].name);
        free(p->layers[i].op);
        free(p->layers[i].reason);
    }
    free(p->layers);
    free(p->sg);
    free(p->errors);
    free(p->log);
    free(p);
}

static void format_macs(char *buf, size_t size, int64_t macs)
{
    if (macs >= 1000000000)
        snprintf(buf, size, "%.3f GMACs", (double)macs / 1e9);
    else if (macs >= 1000000)
        snprintf(buf, size, "%.3f MMACs", (double)macs / 1e6);
    else
        snprintf(buf, size, "%lld MACs", (long long)macs);
}

static dla_status texts(dla_placement *p)
{
    base_sb err = {0}, log = {0};
    for (int i = 0; i < p->n_layers; i++) {
        const layer_rec *l = &p->layers[i];
        if (!l->on_dla && !l->forced)
            base_sb_printf(&err, "%s '%s': %s\n", l->op, l->name, l->reason);
    }
    for (int s = 0; s < p->sum.subgraphs; s++) {
        const dla_subgraph_info *g = &p->sg[s];
        char macs[48];
        format_macs(macs, sizeof macs, g->macs);
        if (g->layers == 1)
            base_sb_printf(&log, "Layers running on DLA: {ForeignNode[%s]} (1 layer, %s)\n", g->first, macs);
        else
            base_sb_printf(&log, "Layers running on DLA: {ForeignNode[%s...%s]} (%d layers, %s)\n", g->first, g->last,
                      g->layers, macs);
    }
    for (int i = 0; i < p->n_layers; i++) {
        const layer_rec *l = &p->layers[i];
        if (!l->on_dla)
            base_sb_printf(&log, "Layers running on GPU (host fallback): %s '%s': %s\n", l->op, l->name, l->reason);
    }
    p->errors = base_sb_take(&err);
    p->log = base_sb_take(&log);
    if (!p->errors || !p->log)
        return base_error(DLA_ERR_NOMEM, "out of memory for the placement report");
    return DLA_OK;
}

static dla_status build(const ir_graph *g, const cc_placement *pl, dla_placement **out)
{
    dla_placement *p = calloc(1, sizeof *p);
    if (!p)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    p->layers = calloc((size_t)pl->n_nodes + 1, sizeof *p->layers);
    p->sg = calloc((size_t)pl->n_subgraphs + 1, sizeof *p->sg);
    if (!p->layers || !p->sg) {
        dla_placement_destroy(p);
        return base_error(DLA_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < pl->n_nodes; i++) {
        const cc_node_place *np = &pl->nodes[i];
        if (np->subgraph == CC_SUBGRAPH_BUILD_TIME) /* folded: never reaches a device */
            continue;
        const ir_node *n = g->nodes[i];
        layer_rec *l = &p->layers[p->n_layers++];
        l->name = strdup(n->name);
        l->op = strdup(n->op_type ? n->op_type : "?");
        l->reason = strdup(np->device == CC_DEV_HOST ? np->reason : "");
        if (!l->name || !l->op || !l->reason) {
            dla_placement_destroy(p);
            return base_error(DLA_ERR_NOMEM, "out of memory");
        }
        l->on_dla = np->device == CC_DEV_DLA;
        l->subgraph = l->on_dla ? np->subgraph : -1;
        l->forced = np->forced;
        l->macs = ir_node_macs(n);
        if (l->on_dla && l->subgraph >= 0 && l->subgraph < pl->n_subgraphs) {
            dla_subgraph_info *s = &p->sg[l->subgraph];
            if (!s->first)
                s->first = l->name;
            s->last = l->name;
            s->layers++;
            s->macs += l->macs;
        }
    }
    p->sum.layers = p->n_layers;
    p->sum.on_dla = pl->n_dla;
    p->sum.on_gpu = pl->n_host;
    p->sum.subgraphs = pl->n_subgraphs;
    p->sum.macs_dla = pl->macs_dla;
    p->sum.macs_gpu = pl->macs_host;
    dla_status st = texts(p);
    if (st != DLA_OK) {
        dla_placement_destroy(p);
        return st;
    }
    *out = p;
    return DLA_OK;
}

static void log_lines(dla_log_level level, const char *text)
{
    while (*text) {
        size_t n = strcspn(text, "\n");
        base_log(level, "%.*s", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

dla_status dla_model_place(dla_model *m, const dla_build_options *opts, dla_placement **out)
{
    return api_model_place(m, opts, cc_check_node, out);
}

dla_status api_model_place(dla_model *m, const dla_build_options *opts, cc_check_fn check, dla_placement **out)
{
    *out = NULL;
    base_clear_error();
    dla_build_options dflt;
    memset(&dflt, 0, sizeof dflt);
    if (!opts)
        opts = &dflt;
    ir_graph *g = api_model_graph(m);
    int changed = 0;
    api_model_graph_changed(m); /* drop the executor before its graph changes (it is rebuilt on the next run) */
    dla_status st = cc_fold_static_shapes(g, NULL);
    if (st == DLA_OK)
        st = cc_rewrite(g, &changed);
    if (st == DLA_OK && changed) /* a rewrite may leave shape arithmetic on static shapes behind */
        st = cc_fold_static_shapes(g, NULL);
    if (st != DLA_OK)
        return api_model_fail(m, st);
    cc_place_options po;
    memset(&po, 0, sizeof po);
    po.target.platform = opts->platform == DLA_PLATFORM_XAVIER ? CC_XAVIER : CC_ORIN;
    po.target.precisions = (opts->fp16 ? CC_FP16 : 0u) | (opts->int8 ? CC_INT8 : 0u);
    if (!po.target.precisions)
        po.target.precisions = CC_FP16;
    po.allow_gpu_fallback = opts->allow_gpu_fallback;
    po.layer_device_types = opts->layer_device_types;
    po.max_subgraphs = opts->max_subgraphs;
    po.min_island_nodes = opts->min_island_layers;
    po.min_island_macs = opts->min_island_macs == 0 ? -1 : opts->min_island_macs < 0 ? 0 : opts->min_island_macs;
    cc_placement pl;
    st = cc_place_with(g, &po, check, &pl);
    if (cc_placement_complete(&pl)) {
        dla_status bst = build(g, &pl, out);
        if (bst != DLA_OK)
            st = bst;
    }
    cc_placement_release(&pl);
    if (*out && base_log_enabled(DLA_LOG_INFO))
        log_lines(DLA_LOG_INFO, (*out)->log);
    return api_model_fail(m, st);
}

int dla_placement_num_layers(const dla_placement *p) { return p->n_layers; }

dla_status dla_placement_layer(const dla_placement *p, int i, dla_layer_placement *out)
{
    if (i < 0 || i >= p->n_layers)
        return base_error(DLA_ERR_INVALID_ARG, "layer index %d out of range (placement has %d)", i, p->n_layers);
    const layer_rec *l = &p->layers[i];
    out->name = l->name;
    out->op = l->op;
    out->device = l->on_dla ? "DLA" : "GPU";
    out->subgraph = l->subgraph;
    out->reason = l->reason;
    out->macs = l->macs;
    out->forced = l->forced;
    return DLA_OK;
}

void dla_placement_get_summary(const dla_placement *p, dla_placement_summary *out) { *out = p->sum; }

dla_status dla_placement_subgraph(const dla_placement *p, int i, dla_subgraph_info *out)
{
    if (i < 0 || i >= p->sum.subgraphs)
        return base_error(DLA_ERR_INVALID_ARG, "subgraph index %d out of range (placement has %d)", i,
                          p->sum.subgraphs);
    *out = p->sg[i];
    return DLA_OK;
}

const char *dla_placement_errors(const dla_placement *p) { return p->errors; }
const char *dla_placement_build_log(const dla_placement *p) { return p->log; }

/* ---- the operator table ----------------------------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(ir_op_name((ir_op) * (const int *)a), ir_op_name((ir_op) * (const int *)b));
}

/* The IR's ops sorted by ONNX name into ops (IR_OP_COUNT entries); returns the count. */
static int sorted_ops(int *ops)
{
    int n = 0;
    for (int op = 0; op < IR_OP_COUNT; op++)
        if (ir_op_name((ir_op)op))
            ops[n++] = op;
    qsort(ops, (size_t)n, sizeof *ops, by_name);
    return n;
}

int dla_op_support_count(void)
{
    int ops[IR_OP_COUNT];
    return sorted_ops(ops);
}

dla_status dla_op_support_at(int i, dla_op_support *out)
{
    int ops[IR_OP_COUNT];
    int n = sorted_ops(ops);
    if (i < 0 || i >= n)
        return base_error(DLA_ERR_INVALID_ARG, "operator index %d out of range (the table has %d)", i, n);
    const cc_rule *r = cc_rule_for((ir_op)ops[i]);
    out->op = ir_op_name((ir_op)ops[i]);
    out->unit = cc_unit_name(r->unit);
    unsigned pr = r->how == CC_HOW_HOST || r->how == CC_HOW_BUILD_TIME ? 0u : r->precisions;
    out->precisions = (pr & CC_FP16) && (pr & CC_INT8) ? "FP16, INT8"
                      : (pr & CC_FP16)                 ? "FP16"
                      : (pr & CC_INT8)                 ? "INT8"
                                                       : "-";
    out->how = cc_how_name(r->how);
    out->restrictions = r->restrictions ? r->restrictions : "";
    return DLA_OK;
}
