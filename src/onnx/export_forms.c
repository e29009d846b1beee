/* Per-opset operator forms for the exporter. The IR keeps each node as it was imported (or as a rewrite made it),
 * and n->opset says which form that is. A model has one opset, so when nodes of different opsets are written
 * together (rewrites add opset-13 nodes to opset-11 models) every node is converted to its form at the export
 * opset: attributes that became inputs (Squeeze/Unsqueeze/Split/ReduceSum 13, other Reduce* 18, Slice 10,
 * Clip/Pad 11, Reshape 5, TopK 10, Upsample 9), removed attributes (consumed_inputs 6, is_test 7, legacy
 * broadcast 7, spatial 9, Dropout ratio 12), changed meanings (Softmax family 13, Resize 10 -> 11 defaults,
 * Cast 'to' 6, LpPool 'p' 2, Concat axis 4) and ops that were replaced (Upsample -> Resize 10, Scatter ->
 * ScatterElements 11). The only backward step is 18 -> 17, taken when every opset-18 node allows it. */
#include "onnx/export_private.h"

#include <float.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Attribute -> input migrations: `attr` of `op` became input `input` in opset `since`. */
static const struct {
    ir_op op;
    int since;
    const char *attr;
    int input;
} migrations[] = {
    {IR_OP_Reshape, 5, "shape", 1},       {IR_OP_TopK, 10, "k", 1},
    {IR_OP_Squeeze, 13, "axes", 1},       {IR_OP_Unsqueeze, 13, "axes", 1},
    {IR_OP_Split, 13, "split", 1},        {IR_OP_ReduceSum, 13, "axes", 1},
    {IR_OP_ReduceMean, 18, "axes", 1},    {IR_OP_ReduceMax, 18, "axes", 1},
    {IR_OP_ReduceMin, 18, "axes", 1},     {IR_OP_ReduceL1, 18, "axes", 1},
    {IR_OP_ReduceL2, 18, "axes", 1},      {IR_OP_ReduceSumSquare, 18, "axes", 1},
    {IR_OP_ReduceProd, 18, "axes", 1},    {IR_OP_ReduceLogSum, 18, "axes", 1},
    {IR_OP_ReduceLogSumExp, 18, "axes", 1},
};

static int is_reduce18(ir_op op)
{
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++)
        if (migrations[i].op == op && migrations[i].since == 18)
            return 1;
    return 0;
}

static int is_const(const ir_tensor *t) { return t && t->data_kind == IR_DATA_CONST && t->data; }

/* ---- choosing the opset --------------------------------------------------------------------------------- */

/* Whether an opset-18 node has a form at opset 17 (see the opset-18 changes in ONNX's changelog). */
static int fits_17(const ir_node *n)
{
    if (n->opset < 18)
        return 1;
    if (is_reduce18(n->op))
        return ir_attr_int(n, "noop_with_empty_axes", 0) == 0 && (n->n_in < 2 || !n->in[1] || is_const(n->in[1]));
    switch (n->op) {
    case IR_OP_Pad:
        return n->n_in < 4 || !n->in[3];
    case IR_OP_Resize:
        return ir_attr_int(n, "antialias", 0) == 0 && !ir_node_attr(n, "axes") &&
               strcmp(ir_attr_str(n, "keep_aspect_ratio_policy", "stretch"), "stretch") == 0;
    case IR_OP_ScatterElements:
    case IR_OP_ScatterND: {
        const char *r = ir_attr_str(n, "reduction", "none");
        return strcmp(r, "max") != 0 && strcmp(r, "min") != 0;
    }
    case IR_OP_LpPool:
        return ir_attr_int(n, "ceil_mode", 0) == 0;
    case IR_OP_Mish:
    case IR_OP_GroupNormalization:
        return 0;
    default:
        return 1;
    }
}

int ex_choose_opset(const ir_graph *g)
{
    int max = 0, all17 = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        if (!n)
            continue;
        if (n->opset > max)
            max = n->opset;
        all17 &= fits_17(n);
    }
    if (max <= 0)
        max = g->opset > 0 ? g->opset : 17;
    return max == 18 && all17 ? 17 : max;
}

/* ---- helpers -------------------------------------------------------------------------------------------- */

static char *base_name(const ir_node *n, const char *what, char *buf, size_t size)
{
    snprintf(buf, size, "%.250s_%s", n->name, what);
    return buf;
}

/* A constant input holding the INTS (or INT, as a 1-element list) attribute `attr`, placed at input `idx`;
 * the attribute is removed. Nothing happens when the attribute is absent. */
static dla_status attr_to_input(ex_ctx *c, ex_node *e, const char *attr, int idx)
{
    int k = ex_attr_find(e, attr);
    if (k < 0)
        return DLA_OK;
    const ir_attr *a = &e->attrs[k];
    const int64_t *v = a->type == IR_ATTR_INT ? &a->i : a->ints;
    int cnt = a->type == IR_ATTR_INT ? 1 : a->n;
    if (a->type != IR_ATTR_INT && a->type != IR_ATTR_INTS)
        return ir_node_error(e->src, DLA_ERR_FORMAT, "attribute '%s' is not an integer list", attr);
    char buf[300];
    const char *name;
    BASE_TRY(ex_const_ints(c, base_name(e->src, attr, buf, sizeof buf), v, cnt, &name));
    ex_set_input(e, idx, name);
    ex_attr_remove(e, attr);
    return DLA_OK;
}

/* The reverse: constant input `idx` becomes the INTS attribute `attr` (an empty list: no attribute). */
static dla_status input_to_attr(ex_ctx *c, ex_node *e, const char *attr, int idx)
{
    const ir_node *n = e->src;
    if (idx >= n->n_in || !n->in[idx])
        return DLA_OK;
    const ir_tensor *t = n->in[idx];
    int64_t v[IR_MAX_RANK * 2];
    int cnt = ir_input_ints(n, idx, v, IR_MAX_RANK * 2);
    if (!is_const(t) || cnt < 0 || ir_tensor_numel(t) > IR_MAX_RANK * 2)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED,
                             "input '%s' must be a constant to become attribute '%s' at opset %d", t->name, attr,
                             c->opset);
    e->in[idx] = "";
    return cnt ? ex_attr_ints(c, e, attr, v, cnt) : DLA_OK;
}

static ir_dtype in_dtype(const ir_node *n, int i)
{
    return i < n->n_in && n->in[i] && n->in[i]->dtype != IR_UNDEFINED ? n->in[i]->dtype : IR_F32;
}

/* A FLOAT attribute (if present) as a scalar constant of the input's type at input idx. */
static dla_status float_attr_to_input(ex_ctx *c, ex_node *e, const char *attr, int idx, int keep_zero)
{
    int k = ex_attr_find(e, attr);
    if (k < 0)
        return DLA_OK;
    double v = e->attrs[k].type == IR_ATTR_INT ? (double)e->attrs[k].i : (double)e->attrs[k].f;
    ex_attr_remove(e, attr);
    if (v == 0 && !keep_zero)
        return DLA_OK;
    char buf[300];
    const char *name;
    BASE_TRY(ex_const_scalar(c, base_name(e->src, attr, buf, sizeof buf), in_dtype(e->src, 0), v, &name));
    ex_set_input(e, idx, name);
    return DLA_OK;
}

/* ---- op-specific forms ---------------------------------------------------------------------------------- */

/* Slice-1 starts/ends/axes attributes -> inputs 1..3 (opset 10). */
static dla_status slice_forms(ex_ctx *c, ex_node *e, int o)
{
    if (o >= 10 || c->opset < 10)
        return DLA_OK;
    if (ex_attr_find(e, "starts") < 0 || ex_attr_find(e, "ends") < 0)
        return ir_node_error(e->src, DLA_ERR_FORMAT, "opset %d Slice needs 'starts' and 'ends'", o);
    BASE_TRY(attr_to_input(c, e, "starts", 1));
    BASE_TRY(attr_to_input(c, e, "ends", 2));
    return attr_to_input(c, e, "axes", 3);
}

/* Clip-6 min/max attributes -> optional inputs 1 and 2 of the input's type (opset 11). */
static dla_status clip_forms(ex_ctx *c, ex_node *e, int o)
{
    if (o >= 11 || c->opset < 11)
        return DLA_OK;
    BASE_TRY(float_attr_to_input(c, e, "min", 1, 1));
    return float_attr_to_input(c, e, "max", 2, 1);
}

/* Pad-1 'paddings' -> Pad-2 'pads'; Pad-2 pads/value attributes -> inputs 1 and 2 (opset 11). */
static dla_status pad_forms(ex_ctx *c, ex_node *e, int o)
{
    if (o < 2 && c->opset >= 2) {
        int k = ex_attr_find(e, "paddings");
        if (k >= 0)
            e->attrs[k].name = "pads";
    }
    if (o >= 11 || c->opset < 11)
        return DLA_OK;
    if (ex_attr_find(e, "pads") < 0)
        return ir_node_error(e->src, DLA_ERR_FORMAT, "opset %d Pad needs the 'pads' attribute", o);
    BASE_TRY(attr_to_input(c, e, "pads", 1));
    return float_attr_to_input(c, e, "value", 2, 0);
}

/* Upsample-7/9 and Resize-10 (asymmetric coordinates; nearest rounds down when upsampling, up when
 * downsampling) in the form of the export opset: Upsample-9 (scales input) below 10, Resize-10 at 10,
 * Resize-11+ with explicit coordinate_transformation_mode and nearest_mode above. */
static dla_status resize_forms(ex_ctx *c, ex_node *e, int o)
{
    const ir_node *n = e->src;
    int legacy = n->op == IR_OP_Upsample || (n->op == IR_OP_Resize && o < 11);
    if (n->op == IR_OP_Resize && o >= 11) {
        if (o < 13 && c->opset >= 13 &&
            strcmp(ir_attr_str(n, "coordinate_transformation_mode", ""), "tf_half_pixel_for_nn") == 0)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED,
                                 "coordinate_transformation_mode 'tf_half_pixel_for_nn' was removed in opset 13; "
                                 "the node (opset %d) cannot be written at opset %d", o, c->opset);
        if (o >= 18 && c->opset < 18) { /* the defaults of the opset-18 attributes (fits_17 checked them) */
            ex_attr_remove(e, "antialias");
            ex_attr_remove(e, "keep_aspect_ratio_policy");
        }
        return DLA_OK;
    }
    if (!legacy || (n->op == IR_OP_Resize && c->opset < 11) || (n->op == IR_OP_Upsample && c->opset < 9) ||
        (n->op == IR_OP_Upsample && o >= 9 && c->opset < 10))
        return DLA_OK;
    double sc[IR_MAX_RANK];
    int ns = -1; /* scale count, -1 when unknown */
    char buf[300];
    const char *scales = e->in[1];
    if (n->op == IR_OP_Upsample && o < 9) {
        int cnt;
        const float *f = ir_attr_floats(n, "scales", &cnt);
        if (!f || cnt > IR_MAX_RANK)
            return ir_node_error(n, DLA_ERR_FORMAT, "opset %d Upsample needs the 'scales' attribute", o);
        float fs[IR_MAX_RANK];
        int64_t dims[1] = {cnt};
        for (int i = 0; i < cnt; i++)
            sc[i] = fs[i] = f[i];
        ns = cnt;
        BASE_TRY(ex_const(c, base_name(n, "scales", buf, sizeof buf), IR_F32, 1, dims, fs, &scales));
        ex_attr_remove(e, "scales");
    } else if (n->n_in > 1 && is_const(n->in[1]) && ir_tensor_numel(n->in[1]) <= IR_MAX_RANK) {
        ns = (int)ir_tensor_numel(n->in[1]);
        for (int i = 0; i < ns; i++)
            sc[i] = ir_get_f64(n->in[1]->dtype, n->in[1]->data, (size_t)i);
    }
    const char *mode = ir_attr_str(n, "mode", "nearest");
    if (strcmp(mode, "bilinear") == 0 || strcmp(mode, "trilinear") == 0)
        mode = "linear";
    BASE_TRY(ex_attr_str(c, e, "mode", mode));
    if (c->opset < 10) { /* Upsample-9 */
        ex_set_input(e, 1, scales);
        return DLA_OK;
    }
    e->op_type = "Resize";
    if (c->opset == 10) {
        ex_set_input(e, 1, scales);
        return DLA_OK;
    }
    const char *roi = "";
    if (c->opset < 13) { /* roi is a required input of Resize-11/12: an empty one */
        int64_t zero[1] = {0};
        float none = 0;
        BASE_TRY(ex_const(c, base_name(n, "roi", buf, sizeof buf), IR_F32, 1, zero, &none, &roi));
    }
    ex_set_input(e, 1, roi);
    ex_set_input(e, 2, scales);
    BASE_TRY(ex_attr_str(c, e, "coordinate_transformation_mode", "asymmetric"));
    if (strcmp(mode, "nearest") != 0)
        return DLA_OK;
    int down = 0, up = 0;
    for (int i = 0; i < ns; i++) {
        down |= sc[i] < 1;
        up |= sc[i] > 1;
    }
    if (down && up)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED,
                             "nearest %s with scales both below and above 1 rounds per axis; Resize-%d has one "
                             "nearest_mode", ir_op_name(n->op), c->opset);
    return ex_attr_str(c, e, "nearest_mode", down ? "ceil" : "floor");
}

/* Softmax/LogSoftmax/Hardmax before 13 normalise the input flattened to 2-D at `axis`; from 13 along one axis.
 * The last axis is the same in both; otherwise Flatten -> op(axis -1) -> Reshape to Shape(x). */
static dla_status softmax_forms(ex_ctx *c, ex_node *e, int o)
{
    if (o >= 13 || c->opset < 13)
        return ex_emit(c, e);
    const ir_node *n = e->src;
    int64_t axis = ir_attr_int(n, "axis", 1);
    int rank = n->in[0] ? n->in[0]->rank : -1;
    if (rank >= 0 && axis < 0)
        axis += rank;
    if (rank > 0 && axis == rank - 1) {
        BASE_TRY(ex_attr_int(c, e, "axis", -1));
        return ex_emit(c, e);
    }
    char buf[300];
    const char *flat, *norm, *shape;
    BASE_TRY(ex_unique_name(c, base_name(n, "flat", buf, sizeof buf), &flat));
    BASE_TRY(ex_unique_name(c, base_name(n, "2d", buf, sizeof buf), &norm));
    BASE_TRY(ex_unique_name(c, base_name(n, "shape", buf, sizeof buf), &shape));
    ex_node f, s, r;
    const char *x = e->in[0];
    BASE_TRY(ex_node_new(c, n, "Flatten", flat, 1, 1, 1, &f));
    f.in[0] = x;
    f.out[0] = flat;
    BASE_TRY(ex_attr_int(c, &f, "axis", axis));
    BASE_TRY(ex_emit(c, &f));
    BASE_TRY(ex_attr_int(c, e, "axis", -1));
    e->in[0] = flat;
    const char *final_out = e->out[0];
    e->out[0] = norm;
    BASE_TRY(ex_emit(c, e));
    BASE_TRY(ex_node_new(c, n, "Shape", shape, 1, 1, 0, &s));
    s.in[0] = x;
    s.out[0] = shape;
    BASE_TRY(ex_emit(c, &s));
    BASE_TRY(ex_node_new(c, n, "Reshape", norm, 2, 1, 0, &r));
    r.in[0] = norm;
    r.in[1] = shape;
    r.out[0] = final_out;
    return ex_emit(c, &r);
}

/* Legacy broadcasting (before 7): B aligned at `axis` of A. From 7 numpy rules align trailing dims, so a B that
 * is not aligned at the end gets trailing ones (a reshaped constant, or an Unsqueeze). */
static dla_status broadcast_forms(ex_ctx *c, ex_node *e, int o)
{
    if (o >= 7 || c->opset < 7)
        return DLA_OK;
    const ir_node *n = e->src;
    int bc = (int)ir_attr_int(n, "broadcast", 0);
    int has_axis = ex_attr_find(e, "axis") >= 0;
    ex_attr_remove(e, "broadcast");
    ex_attr_remove(e, "axis");
    if (n->op == IR_OP_Gemm || !bc || !has_axis || n->n_in < 2 || !n->in[1])
        return DLA_OK;
    const ir_tensor *a = n->in[0], *b = n->in[1];
    if (a->rank < 0 || b->rank < 0)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED,
                             "legacy broadcast with an axis needs both input ranks to be written at opset %d",
                             c->opset);
    int64_t axis = ir_attr_int(n, "axis", 0);
    if (axis < 0)
        axis += a->rank;
    int extra = a->rank - (int)axis - b->rank;
    if (extra <= 0)
        return DLA_OK;
    char buf[300];
    if (is_const(b)) {
        int64_t dims[IR_MAX_RANK];
        for (int i = 0; i < b->rank; i++)
            dims[i] = b->dims[i];
        for (int i = 0; i < extra; i++)
            dims[b->rank + i] = 1;
        const char *name;
        BASE_TRY(ex_const(c, base_name(n, "B", buf, sizeof buf), b->dtype, b->rank + extra, dims, b->data, &name));
        e->in[1] = name;
        return DLA_OK;
    }
    int64_t axes[IR_MAX_RANK];
    for (int i = 0; i < extra; i++)
        axes[i] = b->rank + i;
    const char *name;
    BASE_TRY(ex_unique_name(c, base_name(n, "B", buf, sizeof buf), &name));
    ex_node u;
    BASE_TRY(ex_node_new(c, n, "Unsqueeze", name, 1, 1, 1, &u));
    u.in[0] = b->name;
    u.out[0] = name;
    BASE_TRY(ex_attr_ints(c, &u, "axes", axes, extra));
    if (c->opset >= 13)
        BASE_TRY(attr_to_input(c, &u, "axes", 1));
    BASE_TRY(ex_emit(c, &u));
    e->in[1] = name;
    return DLA_OK;
}

/* Cast-1 names the target type with a string; from 6 it is the TensorProto data type number. */
static dla_status cast_forms(ex_ctx *c, ex_node *e, int o)
{
    if (o >= 6 || c->opset < 6)
        return DLA_OK;
    static const char *const names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
                                        "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64"};
    const char *to = ir_attr_str(e->src, "to", NULL);
    if (!to)
        return DLA_OK;
    for (int i = 1; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcasecmp(to, names[i]) == 0)
            return ex_attr_int(c, e, "to", i);
    return ir_node_error(e->src, DLA_ERR_FORMAT, "Cast to '%s': not a data type name", to);
}

/* Split: the 'split' attribute became input 1 at 13 (a migration); at 18 a Split without sizes names its
 * part count in num_outputs. Going back to 17, explicit sizes replace num_outputs when the shape is known. */
static dla_status split_forms(ex_ctx *c, ex_node *e, int o)
{
    const ir_node *n = e->src;
    int has_sizes = ex_attr_find(e, "split") >= 0 || (e->n_in > 1 && *e->in[1]);
    if (o < 18 && c->opset >= 18 && !has_sizes)
        return ex_attr_int(c, e, "num_outputs", n->n_out);
    if (o < 18 || c->opset >= 18 || ex_attr_find(e, "num_outputs") < 0)
        return DLA_OK;
    ex_attr_remove(e, "num_outputs");
    const ir_tensor *x = n->in[0];
    int64_t axis = ir_attr_int(n, "axis", 0);
    if (!x || x->rank <= 0 || has_sizes)
        return DLA_OK;
    if (axis < 0)
        axis += x->rank;
    int64_t dim = axis >= 0 && axis < x->rank ? x->dims[axis] : -1;
    if (dim < 0 || n->n_out < 1 || dim % n->n_out == 0)
        return DLA_OK;
    int64_t chunk = (dim + n->n_out - 1) / n->n_out, sizes[64];
    if (n->n_out > 64)
        return DLA_OK;
    for (int i = 0; i < n->n_out; i++)
        sizes[i] = i < n->n_out - 1 ? chunk : dim - chunk * (n->n_out - 1);
    char buf[300];
    const char *name;
    BASE_TRY(ex_const_ints(c, base_name(n, "split", buf, sizeof buf), sizes, n->n_out, &name));
    ex_set_input(e, 1, name);
    return DLA_OK;
}

/* Attribute removals and renames that need no new tensors. */
static dla_status legacy_attrs(ex_ctx *c, ex_node *e, int o)
{
    const ir_node *n = e->src;
    int to = c->opset;
    if (o < 6 && to >= 6)
        ex_attr_remove(e, "consumed_inputs");
    if (o < 7 && to >= 7 && (n->op == IR_OP_BatchNormalization || n->op == IR_OP_Dropout))
        ex_attr_remove(e, "is_test");
    if (n->op == IR_OP_BatchNormalization && o < 9 && to >= 9) {
        if (ir_attr_int(n, "spatial", 1) == 0 && n->in[0] && n->in[0]->rank > 2)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED,
                                 "spatial = 0 (per-element statistics) has no form at opset %d", to);
        ex_attr_remove(e, "spatial");
    }
    if (n->op == IR_OP_Dropout && o < 12 && to >= 12)
        ex_attr_remove(e, "ratio"); /* an inference Dropout is the identity whatever the ratio */
    if (n->op == IR_OP_Concat && o < 4 && to >= 4 && ex_attr_find(e, "axis") < 0)
        BASE_TRY(ex_attr_int(c, e, "axis", 1));
    if ((n->op == IR_OP_LpPool || n->op == IR_OP_GlobalLpPool) && o < 2 && to >= 2) {
        int k = ex_attr_find(e, "p");
        if (k >= 0 && e->attrs[k].type == IR_ATTR_FLOAT)
            BASE_TRY(ex_attr_int(c, e, "p", (int64_t)e->attrs[k].f));
    }
    if (n->op == IR_OP_Scatter && to >= 11)
        e->op_type = "ScatterElements";
    if (n->op == IR_OP_Tile && o < 6 && to >= 6)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "the opset-%d Tile form (tiles and axis inputs) is not "
                             "converted to opset %d", o, to);
    if (o >= 18 && to < 18) {
        if (is_reduce18(n->op))
            ex_attr_remove(e, "noop_with_empty_axes"); /* 0: fits_17 checked it */
        if (n->op == IR_OP_LpPool)
            ex_attr_remove(e, "ceil_mode");
    }
    return DLA_OK;
}

/* Every attribute -> input migration between the node's opset and the export opset, either way. */
static dla_status migrate(ex_ctx *c, ex_node *e, int o)
{
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        if (migrations[i].op != e->src->op)
            continue;
        int since = migrations[i].since;
        if (o < since && c->opset >= since)
            BASE_TRY(attr_to_input(c, e, migrations[i].attr, migrations[i].input));
        else if (o >= since && c->opset < since)
            BASE_TRY(input_to_attr(c, e, migrations[i].attr, migrations[i].input));
    }
    return DLA_OK;
}

dla_status ex_node_forms(ex_ctx *c, const ir_node *n)
{
    ex_node e;
    const char *op = ir_op_name(n->op);
    if (!op)
        return ir_node_error(n, DLA_ERR_INTERNAL, "invalid op value %d", (int)n->op);
    BASE_TRY(ex_node_new(c, n, op, n->name, n->n_in, n->n_out, n->n_attrs, &e));
    for (int i = 0; i < n->n_in; i++)
        e.in[i] = n->in[i] ? n->in[i]->name : "";
    for (int i = 0; i < n->n_out; i++)
        e.out[i] = n->out[i] ? n->out[i]->name : "";
    memcpy(e.attrs, n->attrs, sizeof(ir_attr) * (size_t)n->n_attrs);
    e.n_attrs = n->n_attrs;
    int o = n->opset > 0 ? n->opset : c->opset;
    if (o > c->opset && !(o == 18 && c->opset == 17 && fits_17(n)))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "opset %d node cannot be written at opset %d", o, c->opset);
    BASE_TRY(legacy_attrs(c, &e, o));
    BASE_TRY(migrate(c, &e, o));
    switch (n->op) {
    case IR_OP_Add: case IR_OP_Sub: case IR_OP_Mul: case IR_OP_Div: case IR_OP_Pow: case IR_OP_And:
    case IR_OP_Or: case IR_OP_Xor: case IR_OP_Equal: case IR_OP_Greater: case IR_OP_Less: case IR_OP_Gemm:
        BASE_TRY(broadcast_forms(c, &e, o));
        break;
    case IR_OP_Slice:
        BASE_TRY(slice_forms(c, &e, o));
        break;
    case IR_OP_Clip:
        BASE_TRY(clip_forms(c, &e, o));
        break;
    case IR_OP_Pad:
        BASE_TRY(pad_forms(c, &e, o));
        break;
    case IR_OP_Upsample:
    case IR_OP_Resize:
        BASE_TRY(resize_forms(c, &e, o));
        break;
    case IR_OP_Cast:
        BASE_TRY(cast_forms(c, &e, o));
        break;
    case IR_OP_Split:
        BASE_TRY(split_forms(c, &e, o));
        break;
    case IR_OP_Softmax:
    case IR_OP_LogSoftmax:
    case IR_OP_Hardmax:
        return softmax_forms(c, &e, o);
    default:
        break;
    }
    return ex_emit(c, &e);
}
