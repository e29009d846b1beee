/* Where with a constant condition -> Concat(x, y) on C + a 1x1 Conv selector (DLA-SW operators/op_reconstruction
 * Where.py). Conditions: x and y float32, 4-D, the same known shape, which is also the output's; the condition a
 * bool constant of rank <= 4 that broadcasts into it and varies along at most one of C, H, W (not N). Along H or
 * W, x and y are each transposed to put that axis on C (the DLA concatenates on C only), and the result back.
 * The selector has one 1 per output channel, so the result is exact for finite x and y (0*inf is NaN): constant
 * x or y with a non-finite value are refused. */
#include "compiler/rw_recon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The condition's value at 4-D index i of the output (right-aligned broadcasting). */
static int cond_at(const ir_tensor *c, const int64_t i[4])
{
    int64_t off = 0;
    for (int d = 0; d < c->rank; d++) {
        int64_t dim = c->dims[d], k = i[d + 4 - c->rank];
        off = off * dim + (dim == 1 ? 0 : k);
    }
    return ((const unsigned char *)c->data)[off] != 0;
}

/* The single axis in 1..3 the condition varies along (1 when it varies along none); 0 with the reason when it
 * varies along N or along two axes. */
static int varying_axis(const ir_tensor *c, char *reason, size_t size)
{
    static const char *const dim_name[4] = {"N", "C", "H", "W"};
    int axis = 0, n_vary = 0;
    int64_t i[4], out[4] = {1, 1, 1, 1}; /* walk the condition's own (padded) shape */
    for (int d = 0; d < c->rank; d++)
        out[d + 4 - c->rank] = c->dims[d];
    for (int a = 0; a < 4; a++) {
        int vary = 0;
        for (i[0] = 0; i[0] < out[0] && !vary; i[0]++)
            for (i[1] = 0; i[1] < out[1] && !vary; i[1]++)
                for (i[2] = 0; i[2] < out[2] && !vary; i[2]++)
                    for (i[3] = 0; i[3] < out[3] && !vary; i[3]++) {
                        int64_t j[4] = {i[0], i[1], i[2], i[3]};
                        j[a] = 0;
                        vary = cond_at(c, i) != cond_at(c, j);
                    }
        if (!vary)
            continue;
        if (a == 0)
            return cc_fail(reason, size, "the condition varies along N; the rewrite into Concat + a 1x1 Conv needs "
                           "it to vary along one of C, H, W only");
        if (n_vary++)
            return cc_fail(reason, size, "the condition varies along %s and %s; the rewrite into Concat + a 1x1 "
                           "Conv needs it to vary along one of C, H, W only", dim_name[axis], dim_name[a]);
        axis = a;
    }
    return axis ? axis : 1;
}

static int finite_if_const(const ir_tensor *t)
{
    if (!cc_is_const(t))
        return 1;
    const float *p = t->data;
    for (int64_t k = 0, n = ir_tensor_numel(t); k < n; k++)
        if (!isfinite(p[k]))
            return 0;
    return 1;
}

/* The axis (1..3) the rewrite selects along, or 0 with the reason. */
static int where_check(const ir_node *n, char *reason, size_t size)
{
    char a[96], b[96];
    if (n->n_in < 3 || !n->in[0] || !n->in[1] || !n->in[2] || !n->out[0])
        return cc_fail(reason, size, "it lacks an input");
    const ir_tensor *c = n->in[0], *x = n->in[1], *y = n->in[2], *o = n->out[0];
    if (!cc_is_const(c) || c->dtype != IR_BOOL || c->rank < 0 || c->rank > 4)
        return cc_fail(reason, size, "the condition is not a build-time bool constant of rank <= 4; the rewrite "
                       "into Concat + a 1x1 Conv needs one");
    if (x->dtype != IR_F32 || y->dtype != IR_F32)
        return cc_fail(reason, size, "X is %s and Y %s; the rewrite into Concat + a 1x1 Conv needs float32",
                       ir_dtype_name(x->dtype), ir_dtype_name(y->dtype));
    int same = rc_shape_is(x, 4) && rc_shape_is(y, 4);
    for (int d = 0; same && d < 4; d++)
        same = x->dims[d] == y->dims[d] && (o->rank != 4 || o->dims[d] == x->dims[d]);
    if (!same || (o->rank != 4 && o->rank != -1))
        return cc_fail(reason, size, "X (%s) and Y (%s) are not of one known 4-D shape that is also the output's; "
                       "the rewrite into Concat + a 1x1 Conv needs that", ir_shape_str(x, a, sizeof a),
                       ir_shape_str(y, b, sizeof b));
    for (int d = 0; d < c->rank; d++) {
        int64_t cd = c->dims[d], xd = x->dims[d + 4 - c->rank];
        if (cd != 1 && cd != xd)
            return cc_fail(reason, size, "the condition (%s) does not broadcast into X (%s) without growing it",
                           ir_shape_str(c, a, sizeof a), ir_shape_str(x, b, sizeof b));
    }
    if (!finite_if_const(x) || !finite_if_const(y))
        return cc_fail(reason, size, "constant %s holds an infinity or NaN; the selector Conv would turn 0 * inf "
                       "into NaN", finite_if_const(x) ? "Y" : "X");
    return varying_axis(c, reason, size);
}

int rc_where_applies(const ir_node *n, char *reason, size_t size)
{
    return where_check(n, reason, size) != 0;
}

static dla_status where_rewrite(ir_graph *g, ir_node *n, int axis)
{
    ir_tensor *x = n->in[1], *y = n->in[2];
    const int64_t dim = x->dims[axis];
    int64_t i[4] = {0, 0, 0, 0};
    const int64_t wd[4] = {dim, 2 * dim, 1, 1};
    ir_tensor *w;
    char base[256];
    snprintf(base, sizeof base, "%.230s/selector", n->name);
    BASE_TRY(rc_const(g, base, IR_F32, 4, wd, &w));
    float *p = w->data;
    for (int64_t k = 0; k < dim; k++) {
        i[axis] = k;
        p[k * 2 * dim + (cond_at(n->in[0], i) ? k : dim + k)] = 1.0f;
    }
    rc_drop_node(g, n);
    ir_tensor *xa = x, *ya = y, *cat, *sel;
    if (axis != 1) {
        BASE_TRY(rc_swap_to_c(g, rc_name(g, n->name, "x_to_c"), x, axis, NULL, &xa));
        BASE_TRY(rc_swap_to_c(g, rc_name(g, n->name, "y_to_c"), y, axis, NULL, &ya));
    }
    const int64_t cd[4] = {xa->dims[0], 2 * dim, xa->dims[2], xa->dims[3]};
    const char *cat_name = rc_name(g, n->name, "concat");
    BASE_TRY(rc_tensor(g, cat_name, IR_F32, 4, cd, &cat));
    ir_node *c;
    BASE_TRY(rc_node(g, IR_OP_Concat, cat_name, 2, 1, 1, &c));
    rc_attr_int(c, 0, "axis", 1);
    c->in[0] = xa;
    c->in[1] = ya;
    c->out[0] = cat;
    if (axis == 1)
        return rc_conv(g, IR_OP_Conv, n->name, cat, w, 1, n->out[0], NULL);
    BASE_TRY(rc_conv(g, IR_OP_Conv, n->name, cat, w, 1, NULL, &sel));
    return rc_swap_to_c(g, rc_name(g, n->name, "from_c"), sel, axis, n->out[0], NULL);
}

dla_status cc_recon_where(ir_graph *g, int *n_changed)
{
    *n_changed = 0;
    const int n_nodes = g->n_nodes;
    for (int i = 0; i < n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || n->op != IR_OP_Where)
            continue;
        int axis = where_check(n, NULL, 0);
        if (!axis)
            continue;
        BASE_TRY(where_rewrite(g, n, axis));
        ++*n_changed;
    }
    return DLA_OK;
}
