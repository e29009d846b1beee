/* Pooling window geometry: the ONNX rules for output size and padding, in one place (see pool_geom.h). */
#include "ir/pool_geom.h"

#include <string.h>

/* Copies an optional per-axis INTS attribute (count must be nsp) or fills dflt. */
static dla_status axis_ints(const ir_node *n, const char *name, int want, int64_t dflt, int64_t min,
                            int64_t *dst)
{
    int cnt;
    const int64_t *v = ir_attr_ints(n, name, &cnt);
    if (!v) {
        for (int i = 0; i < want; i++)
            dst[i] = dflt;
        return DLA_OK;
    }
    if (cnt != want)
        return ir_node_error(n, DLA_ERR_FORMAT, "attribute %s has %d values; the input needs %d", name, cnt, want);
    for (int i = 0; i < want; i++) {
        if (v[i] < min)
            return ir_node_error(n, DLA_ERR_FORMAT, "%s[%d] = %lld is below the minimum %lld", name, i,
                                 (long long)v[i], (long long)min);
        dst[i] = v[i];
    }
    return DLA_OK;
}

static int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Explicit pads (auto_pad NOTSET or VALID): floor or ceil of the window count; in ceil mode the last window
 * must start inside the input or its left padding, else it is dropped. */
static dla_status explicit_out(const ir_node *n, ir_pool_geom *g, int i, int ceil_mode)
{
    int64_t ek = (g->k[i] - 1) * g->d[i] + 1;
    int64_t span = g->in[i] + g->pb[i] + g->pe[i] - ek;
    if (span < 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG,
                             "spatial axis %d: input %lld plus pads %lld+%lld is smaller than the dilated kernel %lld",
                             i, (long long)g->in[i], (long long)g->pb[i], (long long)g->pe[i], (long long)ek);
    int64_t o = (ceil_mode ? ceil_div(span, g->s[i]) : floor_div(span, g->s[i])) + 1;
    if (ceil_mode && (o - 1) * g->s[i] >= g->in[i] + g->pb[i])
        o--;
    g->out[i] = o;
    return DLA_OK;
}

dla_status ir_pool_geom_get(const ir_node *n, const ir_tensor *x, ir_pool_geom *g)
{
    memset(g, 0, sizeof *g);
    if (x->rank < 3)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input rank is %d; pooling needs N x C x spatial (rank >= 3)",
                             x->rank);
    g->nsp = x->rank - 2;
    int nsp = g->nsp;
    for (int i = 0; i < nsp; i++)
        g->in[i] = x->dims[i + 2];

    int kc;
    const int64_t *k = ir_attr_ints(n, "kernel_shape", &kc);
    if (!k)
        return ir_node_error(n, DLA_ERR_FORMAT, "attribute kernel_shape is required");
    BASE_TRY(axis_ints(n, "kernel_shape", nsp, 1, 1, g->k));
    BASE_TRY(axis_ints(n, "strides", nsp, 1, 1, g->s));
    BASE_TRY(axis_ints(n, "dilations", nsp, 1, 1, g->d));

    int pc;
    const int64_t *pads = ir_attr_ints(n, "pads", &pc);
    if (pads && pc != 2 * nsp)
        return ir_node_error(n, DLA_ERR_FORMAT, "attribute pads has %d values; the input needs %d", pc, 2 * nsp);
    for (int i = 0; pads && i < 2 * nsp; i++)
        if (pads[i] < 0)
            return ir_node_error(n, DLA_ERR_FORMAT, "pads[%d] = %lld is negative", i, (long long)pads[i]);

    const char *ap = ir_attr_str(n, "auto_pad", "NOTSET");
    int ceil_mode = (int)ir_attr_int(n, "ceil_mode", 0);
    int same_upper = strcmp(ap, "SAME_UPPER") == 0, same_lower = strcmp(ap, "SAME_LOWER") == 0;
    int valid = strcmp(ap, "VALID") == 0;
    if (!same_upper && !same_lower && !valid && strcmp(ap, "NOTSET") != 0 && ap[0] != '\0')
        return ir_node_error(n, DLA_ERR_FORMAT, "auto_pad '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", ap);

    for (int i = 0; i < nsp; i++) {
        if (!valid && !same_upper && !same_lower && pads) {
            g->pb[i] = pads[i];
            g->pe[i] = pads[i + nsp];
        }
        if (g->in[i] < 0) {
            g->out[i] = -1;
            continue;
        }
        if (same_upper || same_lower) {
            int64_t ek = (g->k[i] - 1) * g->d[i] + 1;
            g->out[i] = ceil_div(g->in[i], g->s[i]);
            int64_t total = (g->out[i] - 1) * g->s[i] + ek - g->in[i];
            if (total < 0)
                total = 0;
            g->pb[i] = same_upper ? total / 2 : total - total / 2;
            g->pe[i] = total - g->pb[i];
        } else {
            BASE_TRY(explicit_out(n, g, i, ceil_mode));
        }
    }
    return DLA_OK;
}
