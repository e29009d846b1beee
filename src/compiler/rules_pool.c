/* DLA rules for the PDP and CDP: pooling windows, global pooling leftovers, LRN, Lp normalization, reductions,
 * and Softmax (dla-facts §2.2, Pooling, LRN, SoftMax and Reduce rows). */
#include "compiler/rules.h"

#include <math.h>
#include <string.h>

#include "ir/pool_geom.h"

#define POOL_MAX_WINDOW 8
#define POOL_MAX_STRIDE 16
#define POOL_MAX_PAD 7
#define SOFTMAX_MAX_AXIS 8192        /* when every other non-batch dim is 1 */
#define SOFTMAX_MAX_AXIS_GENERAL 1024 /* otherwise */

static const char *const axis_name[2] = {"height", "width"};

static int need_2d_pool(const ir_node *n, char *reason, size_t size)
{
    if (n->in[0]->rank != 4)
        return cc_fail(reason, size, "DLA only supports 2-D pooling (4-D tensors); input 0 is %d-D", n->in[0]->rank);
    return 1;
}

static int check_p(const ir_node *n, char *reason, size_t size)
{
    int64_t p = ir_attr_int(n, "p", 2);
    if (p != 1 && p != 2)
        return cc_fail(reason, size, "p %lld: DLA Lp pooling and normalization support p 1 or 2", (long long)p);
    return 1;
}

static int check_window(const ir_pool_geom *g, char *reason, size_t size)
{
    for (int i = 0; i < 2; i++)
        if (g->k[i] > POOL_MAX_WINDOW)
            return cc_fail(reason, size, "window %lldx%lld: %s %lld exceeds the DLA limit of %d", (long long)g->k[0],
                           (long long)g->k[1], axis_name[i], (long long)g->k[i], POOL_MAX_WINDOW);
    for (int i = 0; i < 2; i++)
        if (g->s[i] > POOL_MAX_STRIDE)
            return cc_fail(reason, size, "stride %lld (%s) exceeds the DLA limit of %d", (long long)g->s[i],
                           axis_name[i], POOL_MAX_STRIDE);
    for (int i = 0; i < 2; i++)
        if (g->d[i] != 1)
            return cc_fail(reason, size, "dilation %lld (%s): DLA pooling supports only dilation 1",
                           (long long)g->d[i], axis_name[i]);
    static const char *const side[2][2] = {{"top", "left"}, {"bottom", "right"}};
    for (int i = 0; i < 2; i++) {
        /* ceil_mode can make the last window reach past the declared end padding: that extra row counts */
        int64_t reach = (g->out[i] - 1) * g->s[i] + g->k[i] - g->in[i] - g->pb[i];
        int64_t pe = reach > g->pe[i] ? reach : g->pe[i];
        if (g->pb[i] > POOL_MAX_PAD)
            return cc_fail(reason, size, "padding %lld (%s) exceeds the DLA limit of %d", (long long)g->pb[i],
                           side[0][i], POOL_MAX_PAD);
        if (pe > POOL_MAX_PAD)
            return cc_fail(reason, size, "padding %lld (%s) exceeds the DLA limit of %d", (long long)pe, side[1][i],
                           POOL_MAX_PAD);
    }
    return 1;
}

static int pool_geometry(const ir_node *n, ir_pool_geom *g, char *reason, size_t size)
{
    if (ir_pool_geom_get(n, n->in[0], g) != DLA_OK) {
        cc_fail(reason, size, "invalid pooling attributes: %s", dla_last_error());
        base_clear_error();
        return 0;
    }
    return 1;
}

int cc_check_pool(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    ir_pool_geom g;
    if (!need_2d_pool(n, reason, size))
        return 0;
    if (n->op == IR_OP_MaxPool && n->n_out > 1 && n->out[1] &&
        (n->out[1]->n_consumers > 0 || (n->out[1]->flags & IR_T_OUTPUT)))
        return cc_fail(reason, size, "the Indices output is used; DLA max pooling has none");
    if (!pool_geometry(n, &g, reason, size) || !check_window(&g, reason, size))
        return 0;
    /* INT8 pooling keeps the input's scale: explicit (Q/DQ) scales that differ leave an INT8-only build no form */
    float si = n->in[0]->quant_scale, so = n->out[0]->quant_scale;
    if (t->precisions == CC_INT8 && si > 0 && so > 0 && fabsf(si - so) > 1e-6f * fmaxf(si, so))
        return cc_fail(reason, size,
                       "INT8 pooling needs equal input and output ranges; the Q/DQ scales %g and %g differ (INT8-only "
                       "build; allow FP16 to run it in FP16)",
                       (double)si, (double)so);
    int padded = g.pb[0] || g.pb[1] || g.pe[0] || g.pe[1];
    if (n->op == IR_OP_AveragePool && t->platform == CC_XAVIER && padded && !ir_attr_int(n, "count_include_pad", 0))
        return cc_fail(reason, size,
                       "count_include_pad 0 with padding: Xavier's DLA averages only with inclusive padding "
                       "(count_include_pad 1)");
    return 1;
}

int cc_check_lp_pool(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    return check_p(n, reason, size) && cc_check_pool(t, n, reason, size);
}

/* 1 if v has a prime factor above the pooling window limit (then equal windows <= 8 cannot tile it). */
static int big_prime_factor(int64_t v)
{
    for (int64_t f = 2; f <= POOL_MAX_WINDOW; f++)
        while (v % f == 0)
            v /= f;
    return v > 1;
}

/* GlobalAveragePool/GlobalMaxPool leftovers (the pooling rewrite did not apply) and GlobalLpPool: one window. */
int cc_check_global_pool(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const ir_tensor *x = n->in[0];
    if (x->rank != 4)
        return cc_fail(reason, size, "DLA only supports 2-D pooling (4-D tensors); input 0 is %d-D", x->rank);
    if (n->op == IR_OP_GlobalLpPool && !check_p(n, reason, size))
        return 0;
    for (int i = 0; i < 2; i++) {
        int64_t v = x->dims[2 + i];
        if (v < 0)
            return cc_fail(reason, size, "input 0 has a dynamic %s; DLA needs static shapes", axis_name[i]);
        if (v <= POOL_MAX_WINDOW)
            continue;
        const char *why = n->op == IR_OP_GlobalLpPool ? ""
                          : big_prime_factor(v) ? " and has a prime factor above 8, so no chain of pooling windows "
                                                  "covers it"
                                                : " and the rewrite into a chain of pools did not apply";
        return cc_fail(reason, size, "window %lldx%lld (the whole input): %s %lld exceeds the DLA limit of %d%s",
                       (long long)x->dims[2], (long long)x->dims[3], axis_name[i], (long long)v, POOL_MAX_WINDOW, why);
    }
    return 1;
}

int cc_check_lrn(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (!cc_need_4d(n, 0, reason, size))
        return 0;
    int64_t s = ir_attr_int(n, "size", 0);
    if (s != 3 && s != 5 && s != 7 && s != 9)
        return cc_fail(reason, size, "LRN window %lld is not one of the DLA windows 3, 5, 7, 9", (long long)s);
    return 1;
}

int cc_check_lp_norm(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (!cc_need_4d(n, 0, reason, size) || !check_p(n, reason, size))
        return 0;
    int axis = cc_norm_axis(ir_attr_int(n, "axis", -1), 4);
    if (axis != 1)
        return cc_fail(reason, size, "axis %d: DLA Lp normalization runs across channels only (axis 1)", axis);
    return 1;
}

/* Reductions: constant axes within C, H, W of a 4-D input (a batch of 1 may be reduced too). */
int cc_check_reduce(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    int64_t axes[IR_MAX_RANK + 1];
    int cnt = 0;
    int axes_input = n->opset >= 18 || (n->op == IR_OP_ReduceSum && n->opset >= 13);
    if (axes_input && cc_has_in(n, 1)) {
        if (!cc_is_const(n->in[1]))
            return cc_fail(reason, size, "axes are not a build-time constant");
        cnt = ir_input_ints(n, 1, axes, IR_MAX_RANK + 1);
        if (cnt < 0)
            return cc_fail(reason, size, "axes hold more values than the input has dims");
    } else if (!axes_input) {
        const int64_t *a = ir_attr_ints(n, "axes", &cnt);
        if (cnt > IR_MAX_RANK)
            return cc_fail(reason, size, "axes hold more values than the input has dims");
        for (int i = 0; i < cnt; i++)
            axes[i] = a[i];
    }
    if (cnt == 0 && axes_input && ir_attr_int(n, "noop_with_empty_axes", 0))
        return 1; /* an identity */
    if (!cc_need_4d(n, 0, reason, size))
        return 0;
    const ir_tensor *x = n->in[0];
    int batch_reduced = cnt == 0; /* no axes: every axis */
    for (int i = 0; i < cnt; i++)
        batch_reduced |= cc_norm_axis(axes[i], 4) == 0;
    if (batch_reduced && x->dims[0] != 1)
        return cc_fail(reason, size, "reduces the batch axis (N = %lld); DLA reduces only over C, H, W",
                       (long long)x->dims[0]);
    /* max and min are pooling (H, W); the sum family also runs over C as a 1x1 Conv with ones */
    int channel_reduced = cnt == 0;
    for (int i = 0; i < cnt; i++)
        channel_reduced |= cc_norm_axis(axes[i], 4) == 1;
    if ((n->op == IR_OP_ReduceMax || n->op == IR_OP_ReduceMin) && channel_reduced && x->dims[1] != 1)
        return cc_fail(reason, size, "reduces over C (C = %lld); DLA max/min reductions are pooling over H and W only",
                       (long long)x->dims[1]);
    return 1;
}

/* opset < 13 Softmax works on the input flattened to 2-D at `axis`: one axis when at most one of them is > 1. */
static int softmax_axis(const ir_node *n, int *axis, char *reason, size_t size)
{
    const ir_tensor *x = n->in[0];
    int a = cc_norm_axis(ir_attr_int(n, "axis", n->opset < 13 ? 1 : -1), x->rank);
    if (a < 0)
        return cc_fail(reason, size, "axis %lld is out of range for a %d-D input",
                       (long long)ir_attr_int(n, "axis", -1), x->rank);
    if (n->opset < 13) {
        int big = 0, which = a;
        for (int d = a; d < x->rank; d++)
            if (x->dims[d] > 1) {
                big++;
                which = d;
            }
        if (big > 1)
            return cc_fail(reason, size,
                           "normalises over %d axes at once (opset %d flattens axes %d..%d); DLA softmax works along "
                           "one axis",
                           big, n->opset, a, x->rank - 1);
        a = which;
    }
    *axis = a + (4 - x->rank);
    return 1;
}

int cc_check_softmax(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    char s[96];
    int axis = 1;
    if (t->platform != CC_ORIN)
        return cc_fail(reason, size, "Softmax runs on Orin's DLA only, not on %s", cc_platform_name(t->platform));
    if (!softmax_axis(n, &axis, reason, size))
        return 0;
    int64_t d[4];
    cc_nchw(n->in[0], d);
    if (axis == 0)
        return cc_fail(reason, size, "axis 0 is the batch axis; DLA softmax runs along C or a spatial axis");
    int others_one = 1;
    for (int i = 1; i < 4; i++)
        others_one &= i == axis || d[i] == 1;
    if (others_one && d[axis] > SOFTMAX_MAX_AXIS)
        return cc_fail(reason, size, "softmax axis size %lld exceeds the DLA limit of %d", (long long)d[axis],
                       SOFTMAX_MAX_AXIS);
    if (!others_one && d[axis] > SOFTMAX_MAX_AXIS_GENERAL)
        return cc_fail(reason, size,
                       "softmax axis size %lld exceeds the DLA limit of %d when the other non-batch dims are not all "
                       "1 (input %s; %d holds only when they are)",
                       (long long)d[axis], SOFTMAX_MAX_AXIS_GENERAL, ir_shape_str(n->in[0], s, sizeof s),
                       SOFTMAX_MAX_AXIS);
    return 1;
}
