/* DLA rules for the convolution core: Conv, ConvTranspose, and the Gemm/MatMul leftovers of the 1x1-Conv
 * rewrite (dla-facts §2.2, Convolution / FC and Deconvolution rows). */
#include "compiler/rules.h"

#include "ir/conv_geom.h"

#define CONV_MAX_KERNEL 32
#define CONV_MAX_STRIDE 8
#define CONV_MAX_DILATION 32
#define CONV_MAX_PAD 31
#define CONV_MAX_OUT_CHANNELS 8192
#define CONV_MAX_GROUPS 8192
#define INT8_GROUP_CHANNEL_MULTIPLE 4

static const char *const axis_name[2] = {"height", "width"};

/* Reads the geometry of an inferred Conv/ConvTranspose; 0 with a reason when its attributes are invalid. */
static int geometry(const ir_node *n, int transposed, ir_conv_geom *g, char *reason, size_t size)
{
    if (!cc_has_in(n, 1) || n->in[1]->rank != 4)
        return cc_fail(reason, size, "weights must be 4-D (a 2-D convolution)");
    if (!cc_is_const(n->in[1]))
        return cc_fail(reason, size, "weights are not a build-time constant");
    if (!cc_need_const(n, 2, "the bias is", reason, size))
        return 0;
    if (ir_conv_geom_get(n, transposed, g) != DLA_OK) {
        cc_fail(reason, size, "invalid convolution attributes: %s", dla_last_error());
        base_clear_error();
        return 0;
    }
    return 1;
}

static int need_2d(const ir_node *n, char *reason, size_t size)
{
    const ir_tensor *x = n->in[0];
    if (x->rank != 4)
        return cc_fail(reason, size, "DLA only supports 2-D convolution (4-D tensors); input 0 is %d-D", x->rank);
    return 1;
}

/* INT8-only builds: grouped convolutions need channels per group that are multiples of 4 (TensorRT's INT8 grouped
 * convolution rule); depthwise convolutions (one input channel per group) are exempt: the DLA runs them per
 * channel. With FP16 allowed, such a layer runs in FP16 instead, so the rule does not apply. */
static int check_int8_groups(const cc_target *t, const ir_conv_geom *g, char *reason, size_t size)
{
    if (g->group == 1 || (t->precisions & CC_FP16) || !(t->precisions & CC_INT8))
        return 1;
    int64_t cin = g->c_in / g->group, cout = g->c_out / g->group;
    if (cin == 1)
        return 1;
    if (cin % INT8_GROUP_CHANNEL_MULTIPLE)
        return cc_fail(reason, size,
                       "INT8 grouped convolution: %lld input channels per group is not a multiple of %d (INT8-only "
                       "build; allow FP16 to run it in FP16)",
                       (long long)cin, INT8_GROUP_CHANNEL_MULTIPLE);
    if (cout % INT8_GROUP_CHANNEL_MULTIPLE)
        return cc_fail(reason, size,
                       "INT8 grouped convolution: %lld output channels per group is not a multiple of %d (INT8-only "
                       "build; allow FP16 to run it in FP16)",
                       (long long)cout, INT8_GROUP_CHANNEL_MULTIPLE);
    return 1;
}

int cc_check_conv(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    ir_conv_geom g;
    if (!need_2d(n, reason, size) || !geometry(n, 0, &g, reason, size))
        return 0;
    for (int i = 0; i < 2; i++)
        if (g.k[i] > CONV_MAX_KERNEL)
            return cc_fail(reason, size, "kernel %lldx%lld: %s %lld exceeds the DLA limit of %d", (long long)g.k[0],
                           (long long)g.k[1], axis_name[i], (long long)g.k[i], CONV_MAX_KERNEL);
    for (int i = 0; i < 2; i++)
        if (g.s[i] > CONV_MAX_STRIDE)
            return cc_fail(reason, size, "stride %lld (%s) exceeds the DLA limit of %d", (long long)g.s[i],
                           axis_name[i], CONV_MAX_STRIDE);
    for (int i = 0; i < 2; i++)
        if (g.d[i] > CONV_MAX_DILATION)
            return cc_fail(reason, size, "dilation %lld (%s) exceeds the DLA limit of %d", (long long)g.d[i],
                           axis_name[i], CONV_MAX_DILATION);
    static const char *const side[2][2] = {{"top", "left"}, {"bottom", "right"}};
    for (int e = 0; e < 2; e++)
        for (int i = 0; i < 2; i++) {
            int64_t p = e ? g.pe[i] : g.pb[i], extent = g.d[i] * (g.k[i] - 1) + 1;
            if (p > CONV_MAX_PAD)
                return cc_fail(reason, size, "padding %lld (%s) exceeds the DLA limit of %d", (long long)p,
                               side[e][i], CONV_MAX_PAD);
            if (p >= extent)
                return cc_fail(reason, size,
                               "padding %lld (%s) is not below the kernel %s %lld; the DLA limit is padding < kernel",
                               (long long)p, side[e][i], axis_name[i], (long long)extent);
        }
    if (g.group > CONV_MAX_GROUPS)
        return cc_fail(reason, size, "groups %lld exceed the DLA limit of %d", (long long)g.group, CONV_MAX_GROUPS);
    if (g.c_out > CONV_MAX_OUT_CHANNELS)
        return cc_fail(reason, size, "output channels %lld exceed the DLA limit of %d", (long long)g.c_out,
                       CONV_MAX_OUT_CHANNELS);
    return check_int8_groups(t, &g, reason, size);
}

/* Deconvolution kernels and strides: each dim in [1,32], or one of 64, 96, 128 with 1 in the other dim. */
static int deconv_pair(const char *what, const int64_t v[2], char *reason, size_t size)
{
    for (int i = 0; i < 2; i++) {
        int64_t x = v[i], other = v[1 - i];
        if (x >= 1 && x <= CONV_MAX_KERNEL)
            continue;
        if (x == 64 || x == 96 || x == 128) {
            if (other != 1)
                return cc_fail(reason, size, "%s %lldx%lld: deconvolution %ss above %d must be 1 in the other dimension",
                               what, (long long)v[0], (long long)v[1], what, CONV_MAX_KERNEL);
            continue;
        }
        return cc_fail(reason, size,
                       "%s %lldx%lld: %s %lld exceeds the DLA limit of %d (above it only 64, 96 or 128 with 1 in the "
                       "other dimension)",
                       what, (long long)v[0], (long long)v[1], axis_name[i], (long long)x, CONV_MAX_KERNEL);
    }
    return 1;
}

int cc_check_conv_transpose(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    ir_conv_geom g;
    if (!need_2d(n, reason, size) || !geometry(n, 1, &g, reason, size))
        return 0;
    if (!deconv_pair("kernel", g.k, reason, size) || !deconv_pair("stride", g.s, reason, size))
        return 0;
    for (int i = 0; i < 2; i++)
        if (g.d[i] != 1)
            return cc_fail(reason, size, "dilation %lld (%s): DLA deconvolution supports only dilation 1",
                           (long long)g.d[i], axis_name[i]);
    if (g.group != 1)
        return cc_fail(reason, size, "group %lld: DLA deconvolution supports only group 1", (long long)g.group);
    int cnt;
    const int64_t *op = ir_attr_ints(n, "output_padding", &cnt);
    for (int i = 0; op && i < cnt; i++)
        if (op[i] != 0)
            return cc_fail(reason, size, "output_padding %lld (%s): DLA deconvolution padding must be 0",
                           (long long)op[i], axis_name[i % 2]);
    static const char *const side[2][2] = {{"top", "left"}, {"bottom", "right"}};
    for (int e = 0; e < 2; e++)
        for (int i = 0; i < 2; i++) {
            int64_t p = e ? g.pe[i] : g.pb[i];
            if (p != 0)
                return cc_fail(reason, size, "padding %lld (%s): DLA deconvolution padding must be 0", (long long)p,
                               side[e][i]);
        }
    if (g.c_out > CONV_MAX_OUT_CHANNELS)
        return cc_fail(reason, size, "output channels %lld exceed the DLA limit of %d", (long long)g.c_out,
                       CONV_MAX_OUT_CHANNELS);
    return 1;
}

/* ---- leftovers of the Gemm/MatMul -> 1x1 Conv rewrite --------------------------------------------------- */

static int fc_features(const ir_tensor *out, char *reason, size_t size)
{
    if (out->rank >= 1 && out->dims[out->rank - 1] > CONV_MAX_OUT_CHANNELS)
        return cc_fail(reason, size,
                       "output features %lld exceed the DLA limit of %d (the output channels of the 1x1 Conv it "
                       "becomes)",
                       (long long)out->dims[out->rank - 1], CONV_MAX_OUT_CHANNELS);
    return 1;
}

int cc_check_gemm(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (!cc_has_in(n, 1) || !cc_is_const(n->in[1]))
        return cc_fail(reason, size, "B is not a build-time constant, so it cannot be rewritten as a 1x1 Conv");
    if (cc_has_in(n, 2) && !cc_is_const(n->in[2]))
        return cc_fail(reason, size, "C is not a build-time constant, so it cannot be a 1x1 Conv's bias");
    if (ir_attr_int(n, "transA", 0))
        return cc_fail(reason, size, "transA is 1 (A transposed), so it cannot be rewritten as a 1x1 Conv");
    if (!fc_features(n->out[0], reason, size))
        return 0;
    return cc_leftover(n, "a 1x1 Conv", reason, size);
}

int cc_check_matmul(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    char s[96];
    if (!cc_has_in(n, 1) || !cc_is_const(n->in[1]))
        return cc_fail(reason, size, "B is not a build-time constant, so it cannot be rewritten as a 1x1 Conv");
    if (n->in[1]->rank != 2)
        return cc_fail(reason, size, "B is %d-D (%s); the rewrite into a 1x1 Conv needs a 2-D B", n->in[1]->rank,
                       ir_shape_str(n->in[1], s, sizeof s));
    if (n->in[0]->rank != 2)
        return cc_fail(reason, size, "A is %d-D (%s); the rewrite into a 1x1 Conv takes a 2-D A", n->in[0]->rank,
                       ir_shape_str(n->in[0], s, sizeof s));
    if (!fc_features(n->out[0], reason, size))
        return 0;
    return cc_leftover(n, "a 1x1 Conv", reason, size);
}
