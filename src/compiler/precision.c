/* The precision plan: which DLA subgraphs run INT8 and with which per-tensor scales (tb.h has the rule).
 *
 * TensorRT runs a layer INT8 when the build allows INT8 and it knows the dynamic range of the layer's tensors,
 * FP16 otherwise. dlakit decides per DLA subgraph (one loadable runs one precision): a subgraph with any
 * tensor lacking a scale runs FP16, and the build log names that tensor so the user can see what calibration
 * missed. --layerPrecisions and --precisionConstraints follow trtexec: under obey an impossible request is an
 * error, under prefer a warning. */
#include "compiler/partition.h"
#include "compiler/tb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

dla_status cc_parse_constraints(const char *s, cc_constraints *out)
{
    if (!s || !*s || strcasecmp(s, "prefer") == 0)
        *out = CC_CONSTRAINTS_PREFER;
    else if (strcasecmp(s, "obey") == 0)
        *out = CC_CONSTRAINTS_OBEY;
    else if (strcasecmp(s, "none") == 0)
        *out = CC_CONSTRAINTS_NONE;
    else
        return base_error(DLA_ERR_INVALID_ARG, "--precisionConstraints: '%s' is not none, prefer or obey", s);
    return DLA_OK;
}

/* ---- --layerPrecisions ------------------------------------------------------------------------------------ */

enum { REQ_NONE = 0, REQ_FP16 = 1, REQ_INT8 = 2, REQ_OTHER = 3 };

/* --layerPrecisions values: fp16 / int8 matter on the DLA; the other trtexec types are accepted (and reported). */
static int classify_precision(const char *v)
{
    if (strcasecmp(v, "fp16") == 0)
        return REQ_FP16;
    if (strcasecmp(v, "int8") == 0)
        return REQ_INT8;
    static const char *const other[] = {"fp32", "bf16", "fp8", "int32", "int64"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (strcasecmp(v, other[i]) == 0)
            return REQ_OTHER;
    return -1;
}

/* ---- the plan --------------------------------------------------------------------------------------------- */

static int is_activation(const ir_tensor *t)
{
    return t && t->data_kind != IR_DATA_CONST && ir_dtype_is_float(t->dtype);
}

static int in_subgraph(const cc_placement *pl, const ir_node *n)
{
    const cc_node_place *np = &pl->nodes[n->id];
    return np->device == CC_DEV_DLA && np->subgraph >= 0 ? np->subgraph : -1;
}

/* Why subgraph s cannot run INT8 (first reason into why), or 0 when it can as far as its own tensors go. */
static int int8_blocker(const ir_graph *g, const cc_placement *pl, const float *scales, int s, char *why,
                        size_t size)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        if (in_subgraph(pl, n) != s)
            continue;
        if (!(cc_rule_for(n->op)->precisions & CC_INT8)) {
            snprintf(why, size, "%s '%s' has no INT8 implementation on the DLA", n->op_type, n->name);
            return 1;
        }
        for (int k = 0; k < n->n_in + n->n_out; k++) {
            const ir_tensor *t = k < n->n_in ? n->in[k] : n->out[k - n->n_in];
            if (k < n->n_in && t && t->data_kind != IR_DATA_CONST && !ir_dtype_is_float(t->dtype)) {
                /* a Cast from bool/int on the DLA reads its input as FP16 (0/1 exactly): no INT8 form */
                snprintf(why, size, "input '%s' of %s '%s' is %s, not a float tensor with an INT8 scale", t->name,
                         n->op_type, n->name, ir_dtype_name(t->dtype));
                return 1;
            }
            if (!is_activation(t))
                continue;
            if (!scales || !(scales[t->id] > 0)) {
                snprintf(why, size, "tensor '%s' (of %s '%s') has no INT8 scale", t->name, n->op_type, n->name);
                return 1;
            }
        }
    }
    return 0;
}

typedef struct sg_req {
    const ir_node *fp16, *int8, *other; /* first layer asking for each */
    const char *other_type;
} sg_req;

/* Applies the requests of one subgraph; returns the error status under obey, DLA_OK otherwise. *want_fp16 set
 * when an FP16 request forces the subgraph to FP16. */
static dla_status apply_reqs(const sg_req *r, int s, int int8_ok, const char *why, cc_constraints c, int *want_fp16)
{
    *want_fp16 = r->fp16 != NULL;
    int obey = c == CC_CONSTRAINTS_OBEY;
    if (r->other) {
        if (obey)
            return base_error(DLA_ERR_UNSUPPORTED,
                              "--layerPrecisions: %s '%s' asks for %s, the DLA runs FP16 and INT8 only "
                              "(--precisionConstraints=obey)",
                              r->other->op_type, r->other->name, r->other_type);
        base_log(DLA_LOG_WARN, "--layerPrecisions: %s '%s' asks for %s; the DLA runs it in FP16 or INT8",
                 r->other->op_type, r->other->name, r->other_type);
    }
    if (r->int8 && r->fp16) {
        if (obey)
            return base_error(DLA_ERR_UNSUPPORTED,
                              "--layerPrecisions: %s '%s' asks for int8 and %s '%s' for fp16, but they run in one "
                              "DLA subgraph (%d), which runs one precision (--precisionConstraints=obey)",
                              r->int8->op_type, r->int8->name, r->fp16->op_type, r->fp16->name, s);
        base_log(DLA_LOG_WARN, "--layerPrecisions: %s '%s' asks for int8 and %s '%s' for fp16 in one DLA subgraph "
                 "(%d): it runs FP16", r->int8->op_type, r->int8->name, r->fp16->op_type, r->fp16->name, s);
        return DLA_OK;
    }
    if (r->int8 && !int8_ok) {
        if (obey)
            return base_error(DLA_ERR_UNSUPPORTED, "--layerPrecisions: %s '%s' cannot run INT8: %s "
                              "(--precisionConstraints=obey)", r->int8->op_type, r->int8->name, why);
        base_log(DLA_LOG_WARN, "--layerPrecisions: %s '%s' runs FP16, not INT8: %s", r->int8->op_type,
                 r->int8->name, why);
    }
    return DLA_OK;
}

static dla_status collect_reqs(const ir_graph *g, const cc_placement *pl, cc_layer_spec *specs, int n_specs,
                               cc_constraints c, sg_req *reqs)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        cc_layer_spec *r = cc_layer_specs_find(specs, n_specs, n->name);
        if (!r)
            continue;
        r->matched = 1;
        if (pl->nodes[i].subgraph == CC_SUBGRAPH_BUILD_TIME)
            continue;
        int s = in_subgraph(pl, n);
        if (s < 0) {
            if (c == CC_CONSTRAINTS_OBEY && !strchr(r->name, '*') && r->code != REQ_OTHER)
                return base_error(DLA_ERR_UNSUPPORTED, "--layerPrecisions: %s '%s' asks for %s but runs on the "
                                  "host, which computes FP32 (--precisionConstraints=obey)", n->op_type, n->name,
                                  r->value);
            base_log(DLA_LOG_INFO, "--layerPrecisions: %s '%s' runs on the host (FP32)", n->op_type, n->name);
            continue;
        }
        sg_req *q = &reqs[s];
        if (r->code == REQ_FP16 && !q->fp16)
            q->fp16 = n;
        else if (r->code == REQ_INT8 && !q->int8)
            q->int8 = n;
        else if (r->code == REQ_OTHER && !q->other) {
            q->other = n;
            q->other_type = r->value;
        }
    }
    for (int k = 0; k < n_specs; k++)
        if (!specs[k].matched && !strchr(specs[k].name, '*'))
            return base_error(DLA_ERR_INVALID_ARG, "--layerPrecisions: no layer is named '%s'", specs[k].name);
    return DLA_OK;
}

/* A boundary tensor has one precision: a subgraph that shares a float tensor with an FP16 subgraph runs FP16.
 * Returns the number of subgraphs demoted in this sweep. */
static int demote_shared(const ir_graph *g, const cc_placement *pl, cc_prec *sp, int *sg_of_tensor)
{
    for (int t = 0; t < g->n_tensors; t++)
        sg_of_tensor[t] = -1;
    int changed = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < g->n_nodes; i++) {
            const ir_node *n = g->nodes[i];
            int s = in_subgraph(pl, n);
            if (s < 0)
                continue;
            for (int k = 0; k < n->n_in + n->n_out; k++) {
                const ir_tensor *t = k < n->n_in ? n->in[k] : n->out[k - n->n_in];
                if (!is_activation(t))
                    continue;
                int *o = &sg_of_tensor[t->id];
                if (pass == 0) { /* remember one FP16 subgraph touching t, else any */
                    if (*o < 0 || sp[s] == CC_PREC_FP16)
                        *o = s;
                } else if (sp[s] == CC_PREC_INT8 && *o >= 0 && sp[*o] == CC_PREC_FP16) {
                    base_log(DLA_LOG_INFO, "DLA subgraph %d runs FP16: tensor '%s' is shared with FP16 subgraph %d",
                             s, t->name, *o);
                    sp[s] = CC_PREC_FP16;
                    changed++;
                }
            }
        }
    return changed;
}

void cc_precision_plan_release(cc_precision_plan *p)
{
    if (!p)
        return;
    free(p->subgraph);
    free(p->tensor);
    free(p->scale);
    memset(p, 0, sizeof *p);
}

static dla_status decide(const ir_graph *g, const cc_placement *pl, const cc_precision_options *o,
                         const float *scales, sg_req *reqs, cc_precision_plan *p)
{
    int int8 = (o->precisions & CC_INT8) != 0;
    for (int s = 0; s < pl->n_subgraphs; s++) {
        char why[320] = "INT8 is not enabled (--int8)";
        int blocked = !int8 || int8_blocker(g, pl, scales, s, why, sizeof why);
        int want_fp16 = 0;
        BASE_TRY(apply_reqs(&reqs[s], s, !blocked, why, o->constraints, &want_fp16));
        p->subgraph[s] = blocked || want_fp16 ? CC_PREC_FP16 : CC_PREC_INT8;
        if (int8 && blocked) /* TensorRT warns too ("Missing scale and zero-point for tensor ...") */
            base_log(DLA_LOG_WARN, "DLA subgraph %d runs FP16: %s", s, why);
        else if (int8 && want_fp16)
            base_log(DLA_LOG_INFO, "DLA subgraph %d runs FP16: %s '%s' asks for fp16 (--layerPrecisions)", s,
                     reqs[s].fp16->op_type, reqs[s].fp16->name);
    }
    int *tmp = malloc(sizeof(int) * ((size_t)g->n_tensors + 1));
    if (!tmp)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    while (demote_shared(g, pl, p->subgraph, tmp))
        ;
    free(tmp);
    return DLA_OK;
}

dla_status cc_precision_plan_make(const ir_graph *g, const cc_placement *pl, const cc_precision_options *o,
                                  cc_precision_plan *out)
{
    memset(out, 0, sizeof *out);
    cc_precision_options dflt = {.precisions = CC_FP16};
    if (!o)
        o = &dflt;
    cc_layer_spec *specs = NULL;
    int n_specs = 0;
    if (o->constraints == CC_CONSTRAINTS_NONE) {
        if (o->layer_precisions && *o->layer_precisions)
            base_log(DLA_LOG_WARN, "--layerPrecisions has no effect with --precisionConstraints=none");
    } else {
        BASE_TRY(cc_layer_specs_parse(o->layer_precisions, "--layerPrecisions", "NAME:TYPE (fp32, fp16, bf16, int8, ...)",
                                      classify_precision, &specs, &n_specs));
    }
    out->n_subgraphs = pl->n_subgraphs;
    out->n_tensors = g->n_tensors;
    out->subgraph = calloc((size_t)pl->n_subgraphs + 1, sizeof *out->subgraph);
    out->tensor = calloc((size_t)g->n_tensors + 1, sizeof *out->tensor);
    out->scale = calloc((size_t)g->n_tensors + 1, sizeof *out->scale);
    sg_req *reqs = calloc((size_t)pl->n_subgraphs + 1, sizeof *reqs);
    float *known = calloc((size_t)g->n_tensors + 1, sizeof *known);
    unsigned char *act = calloc((size_t)g->n_tensors + 1, 1);
    dla_status st = DLA_OK;
    if (!out->subgraph || !out->tensor || !out->scale || !reqs || !known || !act)
        st = base_error(DLA_ERR_NOMEM, "out of memory for the precision plan");
    if (st == DLA_OK && o->scales) {
        /* the table's scales by tensor; a tensor the DLA rewrites made (the Conv output of a Gemm between its
         * reshapes, ...) takes the scale of the tensor it is a reshaped / moved copy of */
        for (int t = 0; t < g->n_tensors; t++) {
            float sc = 0;
            act[t] = is_activation(g->tensors[t]);
            if (act[t] && cc_scale_table_find(o->scales, g->tensors[t]->name, &sc) && sc > 0)
                known[t] = sc;
        }
        int filled = cc_unify_scales(g, act, known, 1);
        if (filled)
            base_log(DLA_LOG_INFO, "INT8: %d tensors made by the DLA rewrites take the scale of the tensor they "
                     "reshape or move", filled);
    }
    if (st == DLA_OK)
        st = collect_reqs(g, pl, specs, n_specs, o->constraints, reqs);
    if (st == DLA_OK)
        st = decide(g, pl, o, o->scales ? known : NULL, reqs, out);
    free(reqs);
    free(act);
    cc_layer_specs_free(specs, n_specs);
    if (st != DLA_OK) {
        free(known);
        cc_precision_plan_release(out);
        return st;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        int s = in_subgraph(pl, n);
        if (s < 0 || out->subgraph[s] != CC_PREC_INT8)
            continue;
        for (int k = 0; k < n->n_in + n->n_out; k++) {
            const ir_tensor *t = k < n->n_in ? n->in[k] : n->out[k - n->n_in];
            if (is_activation(t) && known[t->id] > 0) {
                out->tensor[t->id] = CC_PREC_INT8;
                out->scale[t->id] = known[t->id];
            }
        }
    }
    free(known);
    unsigned char *is8 = malloc((size_t)g->n_tensors + 1);
    if (!is8) {
        cc_precision_plan_release(out);
        return base_error(DLA_ERR_NOMEM, "out of memory for the precision plan");
    }
    for (int t = 0; t < g->n_tensors; t++)
        is8[t] = out->tensor[t] == CC_PREC_INT8;
    int unified = cc_unify_scales(g, is8, out->scale, 0);
    free(is8);
    if (unified)
        base_log(DLA_LOG_INFO, "INT8: %d scales raised to their group's (Concat, Slice, reshapes, max pooling "
                 "share one scale)", unified);
    for (int s = 0; s < pl->n_subgraphs; s++)
        out->n_int8 += out->subgraph[s] == CC_PREC_INT8;
    return DLA_OK;
}

/* ---- scale unification ------------------------------------------------------------------------------------ */

static int moves_data(const ir_node *n)
{
    switch (n->op) {
    case IR_OP_Concat: case IR_OP_Slice: case IR_OP_Split: case IR_OP_Reshape: case IR_OP_Flatten:
    case IR_OP_Squeeze: case IR_OP_Unsqueeze: case IR_OP_Transpose: case IR_OP_Identity: case IR_OP_Dropout:
    case IR_OP_MaxPool: case IR_OP_GlobalMaxPool: case IR_OP_DepthToSpace: case IR_OP_SpaceToDepth:
        return 1;
    case IR_OP_Resize: case IR_OP_Upsample: {
        const char *mode = ir_attr_str(n, "mode", "nearest");
        return mode && strcmp(mode, "nearest") == 0;
    }
    default:
        return 0;
    }
}

static int uf_find(int *parent, int i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

int cc_unify_scales(const ir_graph *g, const unsigned char *is8, float *scale, int fill_only)
{
    int nt = g->n_tensors;
    int *parent = malloc(sizeof(int) * ((size_t)nt + 1));
    float *gmax = malloc(sizeof(float) * ((size_t)nt + 1));
    if (!parent || !gmax) {
        free(parent);
        free(gmax);
        return 0;
    }
    for (int i = 0; i < nt; i++)
        parent[i] = i;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        if (!moves_data(n))
            continue;
        int first = -1;
        for (int k = 0; k < n->n_in + n->n_out; k++) {
            const ir_tensor *t = k < n->n_in ? n->in[k] : n->out[k - n->n_in];
            /* data inputs only: Slice/Reshape/Resize/Split side inputs are int64 or constants */
            if (k < n->n_in && k > 0 && n->op != IR_OP_Concat)
                continue;
            if (!is_activation(t) || !is8[t->id] || !(scale[t->id] >= 0))
                continue;
            if (first < 0)
                first = uf_find(parent, t->id);
            else
                parent[uf_find(parent, t->id)] = first;
        }
    }
    for (int i = 0; i < nt; i++)
        gmax[i] = 0;
    for (int i = 0; i < nt; i++)
        if (is8[i] && scale[i] > 0) {
            int r = uf_find(parent, i);
            if (scale[i] > gmax[r])
                gmax[r] = scale[i];
        }
    int changed = 0;
    for (int i = 0; i < nt; i++)
        if (is8[i] && (fill_only ? scale[i] == 0 : scale[i] > 0)) {
            float s = gmax[uf_find(parent, i)];
            changed += s != scale[i];
            scale[i] = s;
        }
    free(parent);
    free(gmax);
    return changed;
}
