/* Leftovers of the reconstructions (DLA-SW op_reconstruction recipes, dla-facts §1.4): a node that is still here
 * at placement did not meet its rewrite's conditions, and the reason names the first one that failed. Also the
 * Q/DQ leftovers and the build-time ops. */
#include "compiler/rules.h"

#include <string.h>

static const char *const nchw_name[4] = {"N", "C", "H", "W"};

static int not_run(const char *what, char *reason, size_t size)
{
    return cc_fail(reason, size, "the rewrite into %s did not apply (the rewrite passes did not run)", what);
}

static int rank_at_most_4(const ir_node *n, const char *what, char *reason, size_t size)
{
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && n->in[i]->rank > 4)
            return cc_fail(reason, size, "input %d is %d-D; the rewrite into %s needs rank <= 4", i, n->in[i]->rank,
                           what);
    return 1;
}

int cc_check_neg(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const ir_tensor *x = n->in[0];
    if (x->dtype != IR_F32 && x->dtype != IR_F16)
        return cc_fail(reason, size, "input 0 is a %s tensor; the rewrite into Mul by -1 works on float tensors",
                       ir_dtype_name(x->dtype));
    if (!rank_at_most_4(n, "Mul by -1", reason, size))
        return 0;
    return not_run("Mul by -1", reason, size);
}

int cc_check_logical(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const char *what = n->op == IR_OP_Not ? "Sub(1, x)"
                       : n->op == IR_OP_And ? "Mul"
                       : n->op == IR_OP_Or  ? "Add + Clip(0, 1)"
                                            : "Sub + Abs";
    if (!rank_at_most_4(n, what, reason, size))
        return 0;
    return not_run(what, reason, size);
}

int cc_check_gather(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    char s[96];
    const ir_tensor *x = n->in[0], *idx = cc_has_in(n, 1) ? n->in[1] : NULL;
    if (!idx || !cc_is_const(idx))
        return cc_fail(reason, size, "indices are not a build-time constant, so it cannot be reconstructed as a 1x1 "
                       "Conv");
    if (x->rank != 4)
        return cc_fail(reason, size, "data is %d-D; the reconstruction as a 1x1 Conv needs 4-D data", x->rank);
    int axis = cc_norm_axis(ir_attr_int(n, "axis", 0), 4);
    if (axis == 0)
        return cc_fail(reason, size, "axis 0 is the batch axis; the reconstruction as a 1x1 Conv needs axis 1, 2 "
                       "or 3");
    if (idx->rank != 1)
        return cc_fail(reason, size, "indices are %d-D (%s); the reconstruction as a 1x1 Conv needs 1-D indices",
                       idx->rank, ir_shape_str(idx, s, sizeof s));
    return not_run("a 1x1 Conv", reason, size);
}

/* 1 if the constant tensor c (right-aligned to 4-D) changes value along axis a. */
static int varies_along(const ir_tensor *c, int a)
{
    int64_t d[4];
    cc_nchw(c, d);
    if (d[a] <= 1)
        return 0;
    int64_t inner = 1;
    for (int i = a + 1; i < 4; i++)
        inner *= d[i];
    int64_t n = ir_tensor_numel(c);
    for (int64_t k = 0; k < n; k++) {
        int64_t base = k - ((k / inner) % d[a]) * inner; /* same position with coordinate a = 0 */
        if (ir_get_i64(c->dtype, c->data, (size_t)k) != ir_get_i64(c->dtype, c->data, (size_t)base))
            return 1;
    }
    return 0;
}

int cc_check_where(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    char a[96], b[96];
    const ir_tensor *c = n->in[0], *x = n->in[1], *y = n->in[2];
    if (!cc_is_const(c))
        return cc_fail(reason, size, "the condition is not a build-time constant, so it cannot be reconstructed as "
                       "Concat + a 1x1 Conv");
    int same = x->rank == 4 && y->rank == 4;
    for (int i = 0; same && i < 4; i++)
        same = x->dims[i] == y->dims[i];
    if (!same)
        return cc_fail(reason, size, "X (%s) and Y (%s) are not of one 4-D shape; the reconstruction as Concat + a "
                       "1x1 Conv needs that", ir_shape_str(x, a, sizeof a), ir_shape_str(y, b, sizeof b));
    if (c->rank > 4)
        return cc_fail(reason, size, "the condition is %d-D; the reconstruction needs rank <= 4", c->rank);
    int count = 0;
    for (int ax = 1; ax < 4; ax++)
        count += varies_along(c, ax);
    if (count > 1)
        return cc_fail(reason, size, "the condition varies along %d of C, H, W; the reconstruction as Concat + a 1x1 "
                       "Conv needs it to vary along at most one", count);
    return not_run("Concat + a 1x1 Conv", reason, size);
}

/* 1 if every index equals the one at the same axis coordinate with all other coordinates 0. */
static int uniform_off_axis(const ir_tensor *idx, int axis)
{
    int64_t d[4], stride[4], n = ir_tensor_numel(idx);
    cc_nchw(idx, d);
    stride[3] = 1;
    for (int i = 2; i >= 0; i--)
        stride[i] = stride[i + 1] * d[i + 1];
    for (int64_t k = 0; k < n; k++) {
        int64_t base = ((k / stride[axis]) % d[axis]) * stride[axis];
        if (ir_get_i64(idx->dtype, idx->data, (size_t)k) != ir_get_i64(idx->dtype, idx->data, (size_t)base))
            return 0;
    }
    return 1;
}

int cc_check_scatter(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const char *red = ir_attr_str(n, "reduction", "none");
    if (strcmp(red, "none") != 0)
        return cc_fail(reason, size, "reduction '%s'; the reconstruction needs reduction none", red);
    const ir_tensor *x = n->in[0], *idx = n->in[1];
    if (!cc_is_const(idx))
        return cc_fail(reason, size, "indices are not a build-time constant, so it cannot be reconstructed as "
                       "Mul + Add + a 1x1 Conv");
    if (x->rank != 4 || idx->rank != 4)
        return cc_fail(reason, size, "data is %d-D and indices %d-D; the reconstruction needs 4-D tensors", x->rank,
                       idx->rank);
    int axis = cc_norm_axis(ir_attr_int(n, "axis", 0), 4);
    if (axis == 0)
        return cc_fail(reason, size, "axis 0 is the batch axis; the reconstruction needs axis 1, 2 or 3");
    if (!uniform_off_axis(idx, axis))
        return cc_fail(reason, size, "the indices vary along a dim other than the axis (%s); the reconstruction "
                       "needs them uniform there", nchw_name[axis]);
    return not_run("Mul + Add + a 1x1 Conv", reason, size);
}

int cc_check_qdq(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const ir_tensor *x = n->in[0], *sc = cc_has_in(n, 1) ? n->in[1] : NULL;
    if (!sc || !cc_is_const(sc))
        return cc_fail(reason, size, "the scale is not a build-time constant; Q/DQ collapse into fixed INT8 scales");
    if (cc_has_in(n, 2)) {
        const ir_tensor *zp = n->in[2];
        if (!cc_is_const(zp))
            return cc_fail(reason, size, "the zero point is not a build-time constant");
        for (int64_t i = 0; i < ir_tensor_numel(zp); i++) {
            int64_t z = ir_get_i64(zp->dtype, zp->data, (size_t)i);
            if (z != 0)
                return cc_fail(reason, size, "zero point %lld is not 0; DLA INT8 is symmetric (zero point 0)",
                               (long long)z);
        }
    }
    int64_t cnt = ir_tensor_numel(sc);
    if (cnt > 1 && !cc_is_const(x))
        return cc_fail(reason, size, "per-axis scale (%lld values) on an activation; DLA activations take one "
                       "per-tensor scale", (long long)cnt);
    return cc_fail(reason, size, "not part of a Q/DQ pair that the rewrite folds into INT8 scales (the rewrite "
                   "passes did not run)");
}

int cc_check_build_time(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    char s[96];
    if (n->op == IR_OP_Constant)
        return 1;
    if (n->op == IR_OP_Shape || n->op == IR_OP_Size) {
        if (!ir_tensor_shape_known(n->in[0]))
            return cc_fail(reason, size, "the input shape %s is not static, so it is not known at build time",
                           ir_shape_str(n->in[0], s, sizeof s));
        return 1;
    }
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && !cc_is_const(n->in[i]))
            return cc_fail(reason, size, "input %d is not a build-time constant, so the value is not known at build "
                           "time", i);
    return 1;
}
