/* Convolution geometry shared by Conv / ConvTranspose shape inference and execution (see conv_geom.h). */
#include "ir/conv_geom.h"

#include <string.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

enum { PAD_NOTSET, PAD_SAME_UPPER, PAD_SAME_LOWER, PAD_VALID };

static dla_status read_auto_pad(const ir_node *n, int *mode)
{
    const char *ap = ir_attr_str(n, "auto_pad", "NOTSET");
    if (!strcmp(ap, "NOTSET") || !*ap)
        *mode = PAD_NOTSET;
    else if (!strcmp(ap, "SAME_UPPER"))
        *mode = PAD_SAME_UPPER;
    else if (!strcmp(ap, "SAME_LOWER"))
        *mode = PAD_SAME_LOWER;
    else if (!strcmp(ap, "VALID"))
        *mode = PAD_VALID;
    else
        return ir_node_error(n, DLA_ERR_INVALID_ARG,
                             "auto_pad '%s' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", ap);
    return DLA_OK;
}

/* An INTS attribute of exactly `want` values each >= lo, copied into dst; absent: dst filled with dflt. */
static dla_status read_ints(const ir_node *n, const char *name, int want, int64_t lo, int64_t dflt, int64_t *dst)
{
    int cnt;
    const int64_t *v = ir_attr_ints(n, name, &cnt);
    if (!v) {
        for (int i = 0; i < want; i++)
            dst[i] = dflt;
        return DLA_OK;
    }
    if (cnt != want)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "attribute %s has %d values; the input needs %d", name, cnt,
                             want);
    for (int i = 0; i < want; i++) {
        if (v[i] < lo)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "%s[%d] = %lld is below the minimum %lld", name, i,
                                 (long long)v[i], (long long)lo);
        dst[i] = v[i];
    }
    return DLA_OK;
}

static dla_status common(const ir_node *n, ir_conv_geom *g, int *mode)
{
    const ir_tensor *x = n->in[0], *w = n->in[1];
    memset(g, 0, sizeof *g);
    if (x->rank < 3)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input X has rank %d; it needs rank >= 3 (N, C, spatial...)",
                             x->rank);
    if (w->rank != x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "weights W have rank %d; X has rank %d and they must match",
                             w->rank, x->rank);
    g->nsp = x->rank - 2;
    g->group = ir_attr_int(n, "group", 1);
    if (g->group < 1)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "group = %lld; it must be >= 1", (long long)g->group);
    for (int i = 0; i < g->nsp; i++) {
        g->in[i] = x->dims[2 + i];
        g->k[i] = w->dims[2 + i];
    }
    int cnt;
    const int64_t *ks = ir_attr_ints(n, "kernel_shape", &cnt);
    if (ks && cnt != g->nsp)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "kernel_shape has %d values; the input has %d spatial dims",
                             cnt, g->nsp);
    for (int i = 0; ks && i < g->nsp; i++)
        if (ks[i] != g->k[i])
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "kernel_shape[%d] = %lld but W's dim %d is %lld", i,
                                 (long long)ks[i], 2 + i, (long long)g->k[i]);
    for (int i = 0; i < g->nsp; i++)
        if (g->k[i] < 1)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "kernel dim %d is %lld; it must be >= 1", i,
                                 (long long)g->k[i]);
    BASE_TRY(read_ints(n, "strides", g->nsp, 1, 1, g->s));
    BASE_TRY(read_ints(n, "dilations", g->nsp, 1, 1, g->d));
    int64_t pads[2 * IR_CONV_MAX_SPATIAL];
    BASE_TRY(read_ints(n, "pads", 2 * g->nsp, 0, 0, pads));
    for (int i = 0; i < g->nsp; i++) {
        g->pb[i] = pads[i];
        g->pe[i] = pads[g->nsp + i];
    }
    return read_auto_pad(n, mode);
}

static dla_status conv(const ir_node *n, ir_conv_geom *g, int mode)
{
    const ir_tensor *x = n->in[0], *w = n->in[1];
    g->c_in = x->dims[1];
    g->c_out = w->dims[0];
    if (g->c_out % g->group)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "output channels %lld (W dim 0) are not divisible by group %lld",
                             (long long)g->c_out, (long long)g->group);
    if (g->c_in >= 0 && g->c_in != w->dims[1] * g->group)
        return ir_node_error(n, DLA_ERR_INVALID_ARG,
                             "input channels %lld differ from W dim 1 (%lld) x group (%lld) = %lld",
                             (long long)g->c_in, (long long)w->dims[1], (long long)g->group,
                             (long long)(w->dims[1] * g->group));
    for (int i = 0; i < g->nsp; i++) {
        int64_t span = g->d[i] * (g->k[i] - 1) + 1, in = g->in[i];
        if (mode == PAD_VALID)
            g->pb[i] = g->pe[i] = 0;
        if (in < 0) {
            g->out[i] = -1;
            continue;
        }
        if (mode == PAD_SAME_UPPER || mode == PAD_SAME_LOWER) {
            g->out[i] = (in + g->s[i] - 1) / g->s[i];
            int64_t total = (g->out[i] - 1) * g->s[i] + span - in;
            total = total > 0 ? total : 0;
            g->pb[i] = mode == PAD_SAME_UPPER ? total / 2 : total - total / 2;
            g->pe[i] = total - g->pb[i];
            continue;
        }
        int64_t padded = in + g->pb[i] + g->pe[i];
        if (padded < span)
            return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                 "spatial dim %d: the dilated kernel spans %lld, more than the padded input %lld",
                                 i, (long long)span, (long long)padded);
        g->out[i] = (padded - span) / g->s[i] + 1;
    }
    return DLA_OK;
}

static dla_status conv_transpose(const ir_node *n, ir_conv_geom *g, int mode)
{
    const ir_tensor *x = n->in[0], *w = n->in[1];
    g->c_in = x->dims[1];
    g->c_out = w->dims[1] * g->group;
    if (g->c_in >= 0 && g->c_in != w->dims[0])
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input channels %lld differ from W dim 0 (%lld)",
                             (long long)g->c_in, (long long)w->dims[0]);
    if (w->dims[0] % g->group)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input channels %lld (W dim 0) are not divisible by group %lld",
                             (long long)w->dims[0], (long long)g->group);
    int64_t op[IR_CONV_MAX_SPATIAL], os[IR_CONV_MAX_SPATIAL];
    BASE_TRY(read_ints(n, "output_padding", g->nsp, 0, 0, op));
    int cnt;
    const int64_t *osa = ir_attr_ints(n, "output_shape", &cnt);
    if (osa && cnt != g->nsp && cnt != g->nsp + 2)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "output_shape has %d values; the input has %d spatial dims",
                             cnt, g->nsp);
    for (int i = 0; osa && i < g->nsp; i++)
        os[i] = osa[cnt - g->nsp + i];
    for (int i = 0; i < g->nsp; i++) {
        int64_t span = g->d[i] * (g->k[i] - 1) + 1, in = g->in[i];
        if (op[i] >= g->s[i] && op[i] >= g->d[i])
            return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                 "output_padding[%d] = %lld must be below the stride (%lld) or the dilation (%lld)",
                                 i, (long long)op[i], (long long)g->s[i], (long long)g->d[i]);
        if (in < 0) {
            g->out[i] = osa ? os[i] : -1;
            continue;
        }
        int64_t full = g->s[i] * (in - 1) + op[i] + span;
        if (osa || mode == PAD_SAME_UPPER || mode == PAD_SAME_LOWER) {
            int64_t out = osa ? os[i] : in * g->s[i], total = full - out;
            int64_t half = floor_div(total, 2);
            g->pb[i] = mode == PAD_SAME_UPPER ? half : total - half;
            g->pe[i] = total - g->pb[i];
        } else if (mode == PAD_VALID) {
            g->pb[i] = g->pe[i] = 0;
        }
        g->out[i] = full - g->pb[i] - g->pe[i];
        if (g->out[i] < 1)
            return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                 "spatial dim %d: pads %lld + %lld leave an output of %lld (full result %lld)", i,
                                 (long long)g->pb[i], (long long)g->pe[i], (long long)g->out[i], (long long)full);
        g->pe[i] -= op[i];
    }
    return DLA_OK;
}

dla_status ir_conv_geom_get(const ir_node *n, int transposed, ir_conv_geom *g)
{
    int mode = PAD_NOTSET;
    BASE_TRY(common(n, g, &mode));
    return transposed ? conv_transpose(n, g, mode) : conv(n, g, mode);
}
