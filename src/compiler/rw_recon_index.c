/* Gather and ScatterElements with constant indices -> 1x1 Convs with one-hot weights (DLA-SW
 * operators/op_reconstruction Gather.py, ScatterElements.py). A one-hot 1x1 conv copies one input channel per
 * output channel (x*1 plus zeros), so the result is exact in float32 for finite inputs (0*inf would be NaN).
 * An axis other than C (2 or 3) is moved to C by a Transpose that swaps it with axis 1, and back afterwards. */
#include "compiler/rw_recon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RC_MAX_INDICES 8192 /* the DLA's output-map limit: a longer index list makes a conv it cannot run */

/* The normalised axis of n in [1, 3] for a 4-D input, or 0. */
static int conv_axis(const ir_node *n, int64_t dflt)
{
    int64_t axis = ir_attr_int(n, "axis", dflt);
    if (axis < 0)
        axis += 4;
    return axis >= 1 && axis <= 3 ? (int)axis : 0;
}

/* Normalises indices into [0, dim); 0 when one is out of range. */
static int normalise(int64_t *idx, int64_t count, int64_t dim)
{
    for (int64_t k = 0; k < count; k++) {
        if (idx[k] < 0)
            idx[k] += dim;
        if (idx[k] < 0 || idx[k] >= dim)
            return 0;
    }
    return 1;
}

/* One-hot weight for a 1x1 conv: (rows, cols, 1, 1) with w[r][c] = 1 where (r, c) = (k, idx[k]) (gather) or
 * (idx[k], k) (scatter). */
static dla_status one_hot(ir_graph *g, const char *node, int64_t rows, int64_t cols, const int64_t *idx,
                          int64_t count, int scatter, ir_tensor **w)
{
    const int64_t d[4] = {rows, cols, 1, 1};
    char base[256];
    snprintf(base, sizeof base, "%.230s/weight", node);
    BASE_TRY(rc_const(g, base, IR_F32, 4, d, w));
    float *p = (*w)->data;
    for (int64_t k = 0; k < count; k++)
        p[scatter ? idx[k] * cols + k : k * cols + idx[k]] = 1.0f;
    return DLA_OK;
}

/* out = 1x1 conv of x (4-D) along `axis` with weight w, named `name`; out NULL: a new tensor. The transposes
 * around it (axis 2, 3) are named "<name>/to_c" and "<name>/from_c". */
static dla_status conv_along(ir_graph *g, const char *name, ir_tensor *x, int axis, ir_tensor *w, ir_tensor *out,
                             ir_tensor **res)
{
    if (axis == 1)
        return rc_conv(g, IR_OP_Conv, name, x, w, 1, out, res);
    ir_tensor *xt, *yt;
    BASE_TRY(rc_swap_to_c(g, rc_name(g, name, "to_c"), x, axis, NULL, &xt));
    BASE_TRY(rc_conv(g, IR_OP_Conv, name, xt, w, 1, NULL, &yt));
    return rc_swap_to_c(g, rc_name(g, name, "from_c"), yt, axis, out, res);
}

/* ---- Gather ------------------------------------------------------------------------------------------------ */

/* Gather(data 4-D float32 activation, constant 1-D or scalar indices, axis 1..3): 1 with the normalised indices
 * in idx[0..*count) (room for RC_MAX_INDICES) and the axis; else 0 with the reason. */
static int gather_check(const ir_node *n, int64_t *idx, int64_t *count, int *axis, char *reason, size_t size)
{
    char s[96];
    if (n->n_in < 2 || !n->in[0] || !n->in[1] || !n->out[0])
        return cc_fail(reason, size, "it lacks an input");
    const ir_tensor *x = n->in[0], *ind = n->in[1];
    if (!cc_is_const(ind) || (ind->dtype != IR_I32 && ind->dtype != IR_I64))
        return cc_fail(reason, size, "indices are not a build-time integer constant; the rewrite into a 1x1 Conv "
                       "needs them");
    if (x->dtype != IR_F32)
        return cc_fail(reason, size, "data is %s; the rewrite into a 1x1 Conv needs float32",
                       ir_dtype_name(x->dtype));
    if (!rc_shape_is(x, 4))
        return cc_fail(reason, size, "data shape %s is not a known 4-D shape; the rewrite into a 1x1 Conv needs one",
                       ir_shape_str(x, s, sizeof s));
    if (cc_is_const(x))
        return cc_fail(reason, size, "data is a constant too; constant folding computes it at build time");
    *axis = conv_axis(n, 0);
    if (!*axis)
        return cc_fail(reason, size, "axis %lld is not 1, 2 or 3 (C, H or W) of the 4-D data; the rewrite into a "
                       "1x1 Conv needs one of those", (long long)ir_attr_int(n, "axis", 0));
    if (ind->rank > 1)
        return cc_fail(reason, size, "indices are %d-D (%s); the rewrite into a 1x1 Conv needs 1-D indices or a "
                       "scalar", ind->rank, ir_shape_str(ind, s, sizeof s));
    int64_t numel = ir_tensor_numel(ind);
    if (numel < 1 || numel > RC_MAX_INDICES)
        return cc_fail(reason, size, "%lld indices; the rewrite into a 1x1 Conv needs 1 to %d (the DLA's limit of "
                       "output channels)", (long long)numel, RC_MAX_INDICES);
    *count = numel;
    rc_const_ints(ind, idx, RC_MAX_INDICES);
    const int64_t dim = x->dims[*axis];
    for (int64_t k = 0; k < *count; k++)
        if (idx[k] < -dim || idx[k] >= dim)
            return cc_fail(reason, size, "index %lld is outside [%lld, %lld)", (long long)idx[k], (long long)-dim,
                           (long long)dim);
    normalise(idx, *count, dim);
    return 1;
}

int rc_gather_applies(const ir_node *n, char *reason, size_t size)
{
    int64_t *idx = malloc(sizeof(int64_t) * RC_MAX_INDICES), count = 0;
    int axis = 0;
    if (!idx)
        return cc_fail(reason, size, "out of memory reading its indices");
    int ok = gather_check(n, idx, &count, &axis, reason, size);
    free(idx);
    return ok;
}

/* Rewrites Gather n (its conditions hold). A scalar index drops the axis: the conv gives one channel and a
 * Reshape ("<name>/squeeze") removes it. */
static dla_status gather_rewrite(ir_graph *g, ir_node *n, const int64_t *idx, int64_t count, int axis)
{
    ir_tensor *x = n->in[0], *w, *out = n->out[0];
    BASE_TRY(one_hot(g, n->name, count, x->dims[axis], idx, count, 0, &w));
    rc_drop_node(g, n);
    if (n->in[1]->rank == 1)
        return conv_along(g, n->name, x, axis, w, out, NULL);
    int64_t d[3];
    for (int i = 0, j = 0; i < 4; i++)
        if (i != axis)
            d[j++] = x->dims[i];
    ir_tensor *y;
    BASE_TRY(conv_along(g, n->name, x, axis, w, NULL, &y));
    out->dtype = IR_F32;
    ir_tensor_set_shape(out, 3, d);
    return rc_reshape(g, rc_name(g, n->name, "squeeze"), y, out);
}

dla_status cc_recon_gather(ir_graph *g, int *n_changed)
{
    *n_changed = 0;
    int64_t *idx = malloc(sizeof(int64_t) * RC_MAX_INDICES);
    if (!idx)
        return base_error(DLA_ERR_NOMEM, "out of memory for Gather indices");
    const int n_nodes = g->n_nodes;
    for (int i = 0; i < n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || n->op != IR_OP_Gather)
            continue;
        int64_t count = 0;
        int axis = 0;
        if (!gather_check(n, idx, &count, &axis, NULL, 0))
            continue;
        dla_status st = gather_rewrite(g, n, idx, count, axis);
        if (st != DLA_OK) {
            free(idx);
            return st;
        }
        ++*n_changed;
    }
    free(idx);
    return DLA_OK;
}

/* ---- ScatterElements ------------------------------------------------------------------------------------- */

/* The per-slice index list of a 4-D index tensor that is uniform along every dim but `axis`: idx[k] for k along
 * the axis; 0 when it is not uniform. */
static int uniform_indices(const ir_tensor *ind, const int64_t *all, int axis, int64_t *idx)
{
    const int64_t *d = ind->dims;
    int64_t stride = 1;
    for (int i = 3; i > axis; i--)
        stride *= d[i];
    for (int64_t k = 0; k < d[axis]; k++)
        idx[k] = all[k * stride];
    for (int64_t e = 0, total = ir_tensor_numel(ind); e < total; e++)
        if (all[e] != idx[(e / stride) % d[axis]])
            return 0;
    return 1;
}

static int has_duplicates(const int64_t *idx, int64_t count, int64_t dim, unsigned char *seen)
{
    memset(seen, 0, (size_t)dim);
    for (int64_t k = 0; k < count; k++) {
        if (seen[idx[k]])
            return 1;
        seen[idx[k]] = 1;
    }
    return 0;
}

/* 1 if ScatterElements n meets the conditions; fills idx[0..*count) with the normalised per-slice indices
 * (all: room for every index; seen: one byte per slice of the axis). Else 0 with the reason. */
static int scatter_check(const ir_node *n, int axis, int64_t *all, int64_t *idx, int64_t *count, unsigned char *seen,
                         char *reason, size_t size)
{
    static const char *const dim_name[4] = {"N", "C", "H", "W"};
    const ir_tensor *x = n->in[0], *ind = n->in[1], *upd = n->in[2];
    const char *red = ir_attr_str(n, "reduction", "none");
    if (strcmp(red, "none") != 0)
        return cc_fail(reason, size, "reduction '%s'; the rewrite into Mul + Add + a 1x1 Conv needs reduction none",
                       red);
    if (!cc_is_const(ind) || (ind->dtype != IR_I32 && ind->dtype != IR_I64))
        return cc_fail(reason, size, "indices are not a build-time integer constant; the rewrite into Mul + Add + "
                       "a 1x1 Conv needs them");
    if (x->dtype != IR_F32 || upd->dtype != IR_F32)
        return cc_fail(reason, size, "data is %s and updates %s; the rewrite needs float32",
                       ir_dtype_name(x->dtype), ir_dtype_name(upd->dtype));
    if (!rc_shape_is(x, 4) || !rc_shape_is(upd, 4) || !rc_shape_is(ind, 4))
        return cc_fail(reason, size, "data, indices and updates are not all of known 4-D shapes; the rewrite needs "
                       "them");
    if (cc_is_const(x))
        return cc_fail(reason, size, "data is a constant; the rewrite needs an activation");
    if (!axis)
        return cc_fail(reason, size, "axis %lld is not 1, 2 or 3 (C, H or W); the rewrite needs one of those",
                       (long long)ir_attr_int(n, "axis", 0));
    for (int i = 0; i < 4; i++) {
        if (ind->dims[i] != upd->dims[i])
            return cc_fail(reason, size, "indices and updates differ in %s (%lld vs %lld)", dim_name[i],
                           (long long)ind->dims[i], (long long)upd->dims[i]);
        if (i != axis && upd->dims[i] != x->dims[i])
            return cc_fail(reason, size, "updates cover %lld of data's %lld along %s; the rewrite needs them to span "
                           "every dim but the axis", (long long)upd->dims[i], (long long)x->dims[i], dim_name[i]);
    }
    *count = upd->dims[axis];
    int64_t total = ir_tensor_numel(ind), dim = x->dims[axis];
    if (*count > RC_MAX_INDICES)
        return cc_fail(reason, size, "%lld slices are scattered; the rewrite needs at most %d", (long long)*count,
                       RC_MAX_INDICES);
    rc_const_ints(ind, all, total);
    if (!uniform_indices(ind, all, axis, idx))
        return cc_fail(reason, size, "the indices vary along a dim other than the axis %s; the rewrite needs them "
                       "uniform there", dim_name[axis]);
    for (int64_t k = 0; k < *count; k++)
        if (idx[k] < -dim || idx[k] >= dim)
            return cc_fail(reason, size, "index %lld is outside [%lld, %lld)", (long long)idx[k], (long long)-dim,
                           (long long)dim);
    normalise(idx, *count, dim);
    if (has_duplicates(idx, *count, dim, seen))
        return cc_fail(reason, size, "an index repeats; the rewrite needs distinct indices (the Conv would add "
                       "the updates)");
    return 1;
}

/* out = Add(Mul(data, keep), conv_along(updates, one-hot)): keep is 0 on the scattered slices, 1 elsewhere. */
static dla_status scatter_rewrite(ir_graph *g, ir_node *n, int axis, const int64_t *idx, int64_t count)
{
    ir_tensor *x = n->in[0], *upd = n->in[2];
    const int64_t dim = x->dims[axis];
    int64_t md[4] = {1, 1, 1, 1};
    md[axis] = dim;
    ir_tensor *keep, *w, *kept, *scattered;
    char base[256];
    snprintf(base, sizeof base, "%.230s/keep_mask", n->name);
    BASE_TRY(rc_const(g, base, IR_F32, 4, md, &keep));
    float *m = keep->data;
    for (int64_t c = 0; c < dim; c++)
        m[c] = 1.0f;
    for (int64_t k = 0; k < count; k++)
        m[idx[k]] = 0.0f;
    BASE_TRY(one_hot(g, n->name, dim, count, idx, count, 1, &w));
    rc_drop_node(g, n);
    const char *keep_name = rc_name(g, n->name, "keep");
    BASE_TRY(rc_tensor(g, keep_name, IR_F32, 4, x->dims, &kept));
    ir_node *mul;
    BASE_TRY(rc_node(g, IR_OP_Mul, keep_name, 2, 1, 0, &mul));
    mul->in[0] = x;
    mul->in[1] = keep;
    mul->out[0] = kept;
    BASE_TRY(conv_along(g, rc_name(g, n->name, "scatter"), upd, axis, w, NULL, &scattered));
    ir_node *add;
    BASE_TRY(rc_node(g, IR_OP_Add, n->name, 2, 1, 0, &add));
    add->in[0] = kept;
    add->in[1] = scattered;
    add->out[0] = n->out[0];
    return DLA_OK;
}

/* Runs scatter_check with buffers for n's indices; then, when do_rewrite, the rewrite. *applied: 1 if it holds. */
static dla_status scatter_one(ir_graph *g, const ir_node *n, int do_rewrite, int *applied, char *reason,
                              size_t size)
{
    *applied = 0;
    if (n->n_in < 3 || !n->in[0] || !n->in[1] || !n->in[2] || !n->out[0]) {
        cc_fail(reason, size, "it lacks an input");
        return DLA_OK;
    }
    int axis = conv_axis(n, 0);
    int64_t total = ir_tensor_numel(n->in[1]), dim = rc_shape_is(n->in[0], 4) && axis ? n->in[0]->dims[axis] : 0;
    if (total > ((int64_t)1 << 26)) {
        cc_fail(reason, size, "%lld indices are too many to check at build time", (long long)total);
        return DLA_OK;
    }
    total = total < 0 ? 0 : total;
    int64_t *all = malloc(sizeof(int64_t) * (size_t)(total + RC_MAX_INDICES)), count = 0;
    unsigned char *seen = malloc((size_t)dim + 1);
    dla_status st = DLA_OK;
    if (!all || !seen)
        st = base_error(DLA_ERR_NOMEM, "out of memory reading the indices of '%s'", n->name);
    else if (scatter_check(n, axis, all, all + total, &count, seen, reason, size)) {
        *applied = 1;
        if (do_rewrite)
            st = scatter_rewrite(g, (ir_node *)n, axis, all + total, count);
    }
    free(all);
    free(seen);
    return st;
}

int rc_scatter_applies(const ir_node *n, char *reason, size_t size)
{
    int applied = 0;
    if (scatter_one(NULL, n, 0, &applied, reason, size) != DLA_OK)
        return cc_fail(reason, size, "out of memory reading its indices");
    return applied;
}

dla_status cc_recon_scatter_elements(ir_graph *g, int *n_changed)
{
    *n_changed = 0;
    const int n_nodes = g->n_nodes;
    for (int i = 0; i < n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || (n->op != IR_OP_ScatterElements && n->op != IR_OP_Scatter))
            continue;
        int applied;
        BASE_TRY(scatter_one(g, n, 1, &applied, NULL, 0));
        *n_changed += applied;
    }
    return DLA_OK;
}
