/* Leftovers of the reconstructions (DLA-SW op_reconstruction recipes, dla-facts §1.4): a node that is still here
 * at placement did not meet its rewrite's conditions, and the reason names the first one that failed. Also the
 * Q/DQ leftovers and the build-time ops. */
#include "compiler/rules.h"

#include <string.h>

#include "compiler/rw_recon.h"

/* The reconstruction passes own their conditions (cc_recon_applies, rw_recon*.c): a leftover quotes the one that
 * failed, or says the passes did not run when every condition holds. */
static int recon_leftover(const ir_node *n, const char *what, char *reason, size_t size)
{
    if (!cc_recon_applies(n, reason, size))
        return 0;
    return cc_leftover(n, what, reason, size);
}

int cc_check_neg(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    return recon_leftover(n, "Mul by -1", reason, size);
}

int cc_check_logical(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const char *what = n->op == IR_OP_Not ? "Sub(1, x)"
                       : n->op == IR_OP_And ? "Mul"
                       : n->op == IR_OP_Or  ? "Add + Clip(0, 1)"
                                            : "Sub + Abs";
    return recon_leftover(n, what, reason, size);
}

int cc_check_gather(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    return recon_leftover(n, "a 1x1 Conv", reason, size);
}

int cc_check_where(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    return recon_leftover(n, "Concat + a 1x1 Conv", reason, size);
}

int cc_check_scatter(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    return recon_leftover(n, "Mul + Add + a 1x1 Conv", reason, size);
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
        if (zp->dtype != IR_I8)
            return cc_fail(reason, size, "the zero point is %s; DLA INT8 is signed and symmetric (int8, zero point 0)",
                           ir_dtype_name(zp->dtype));
        for (int64_t i = 0; i < ir_tensor_numel(zp); i++) {
            int64_t z = ir_get_i64(zp->dtype, zp->data, (size_t)i);
            if (z != 0)
                return cc_fail(reason, size, "zero point %lld is not 0; DLA INT8 is symmetric (zero point 0)",
                               (long long)z);
        }
    }
    if (ir_attr_int(n, "block_size", 0) != 0)
        return cc_fail(reason, size, "blocked quantization (block_size %lld); DLA INT8 scales are per tensor",
                       (long long)ir_attr_int(n, "block_size", 0));
    int64_t cnt = ir_tensor_numel(sc);
    if (cnt > 1 && !cc_is_const(x))
        return cc_fail(reason, size, "per-axis scale (%lld values) on an activation; DLA activations take one "
                       "per-tensor scale", (long long)cnt);
    char sh[96];
    if (!ir_tensor_shape_known(x))
        return cc_fail(reason, size, "input 0 has a dynamic shape (%s); DLA needs static shapes",
                       ir_shape_str(x, sh, sizeof sh));
    return cc_fail(reason, size, "not part of a Q/DQ pair that the rewrite folds into an INT8 scale (the rewrite "
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
            return cc_fail(reason, size, "the input shape (%s) is not static, so it is not known at build time",
                           ir_shape_str(n->in[0], s, sizeof s));
        return 1;
    }
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && !cc_is_const(n->in[i]))
            return cc_fail(reason, size, "input %d is not a build-time constant, so the value is not known at build "
                           "time", i);
    return 1;
}
