/* Host FP32 executor: nn family — Conv, ConvTranspose, Gemm, MatMul (see host.h, host_op_entry).
 * Float32 runs on the oneDNN wrappers in kernels/; other float types go through float32 copies (the kernels
 * have no f64/f16 paths; f32 accuracy is within the host's tolerance); integer Gemm/MatMul use exact int64
 * loops. */
#include "host/host.h"
#include "ir/conv_geom.h"
#include "kernels/kernels.h"

#include <stdlib.h>
#include <string.h>

/* A float32 copy of t's data (or t's own buffer when it is float32; *owned tells which). */
static dla_status as_f32(const ir_node *n, const ir_tensor *t, const float **out, float **owned)
{
    *owned = NULL;
    if (!t) {
        *out = NULL;
        return DLA_OK;
    }
    if (t->dtype == IR_F32) {
        *out = t->data;
        return DLA_OK;
    }
    size_t cnt = (size_t)ir_tensor_numel(t);
    float *p = malloc(cnt * sizeof(float) + 1);
    if (!p)
        return ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate a float32 copy of '%s' (%zu values)", t->name, cnt);
    for (size_t i = 0; i < cnt; i++)
        p[i] = (float)ir_get_f64(t->dtype, t->data, i);
    *out = *owned = p;
    return DLA_OK;
}

static dla_status exec_conv_any(host_ctx *ctx, ir_node *n, int transposed)
{
    ir_tensor *x = n->in[0], *w = n->in[1], *b = n->n_in > 2 ? n->in[2] : NULL, *y = n->out[0];
    if (!ir_dtype_is_float(x->dtype))
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input type %s: %s takes float types",
                             ir_dtype_name(x->dtype), ir_op_name(n->op));
    ir_conv_geom g;
    BASE_TRY(ir_conv_geom_get(n, transposed, &g));
    if (g.nsp > K_MAX_SPATIAL)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "%d spatial dims; the host supports at most %d", g.nsp,
                             K_MAX_SPATIAL);
    k_conv_desc d = {.nsp = g.nsp, .n = x->dims[0], .c_in = g.c_in, .c_out = g.c_out, .group = g.group};
    for (int i = 0; i < g.nsp; i++) {
        d.in[i] = g.in[i];
        d.out[i] = g.out[i];
        d.k[i] = g.k[i];
        d.stride[i] = g.s[i];
        d.dil[i] = g.d[i];
        d.pad_l[i] = g.pb[i];
        d.pad_r[i] = g.pe[i];
    }
    const float *xf, *wf, *bf;
    float *xo = NULL, *wo = NULL, *bo = NULL, *yf = y->data;
    dla_status st = as_f32(n, x, &xf, &xo);
    if (st == DLA_OK)
        st = as_f32(n, w, &wf, &wo);
    if (st == DLA_OK)
        st = as_f32(n, b, &bf, &bo);
    size_t ny = (size_t)ir_tensor_numel(y);
    if (st == DLA_OK && y->dtype != IR_F32 && !(yf = malloc(ny * sizeof(float) + 1)))
        st = ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate a float32 result (%zu values)", ny);
    if (st == DLA_OK) {
        int w_const = w->data_kind == IR_DATA_CONST && !wo;
        if (transposed)
            st = k_f32_deconv(ctx->kernel_state, &d, xf, wf, w_const, bf, yf);
        else /* the executor's fused epilogue / channels-last layouts, when it set them (float32 only) */
            st = k_f32_conv_post(ctx->kernel_state, &d, ctx->conv_post, xf, wf, w_const, bf, yf);
        if (st != DLA_OK)
            st = ir_node_error(n, st, "%s", dla_last_error());
    }
    if (st == DLA_OK && yf != y->data)
        for (size_t i = 0; i < ny; i++)
            ir_set_f64(y->dtype, y->data, i, yf[i]);
    if (yf != y->data)
        free(yf);
    free(xo);
    free(wo);
    free(bo);
    return st;
}

static dla_status exec_conv(host_ctx *ctx, ir_node *n) { return exec_conv_any(ctx, n, 0); }
static dla_status exec_conv_transpose(host_ctx *ctx, ir_node *n) { return exec_conv_any(ctx, n, 1); }

/* ---- Gemm --------------------------------------------------------------------------------------------- */

/* Index into C (rank 0..2, unidirectionally broadcast onto m x n) for result element (i, j). */
static size_t c_index(const ir_tensor *c, int64_t i, int64_t j)
{
    if (c->rank == 0)
        return 0;
    int64_t cn = c->dims[c->rank - 1], cm = c->rank == 2 ? c->dims[0] : 1;
    return (size_t)((cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j));
}

static dla_status gemm_generic(ir_node *n, int64_t m, int64_t nn, int64_t k, int ta, int tb, double alpha,
                               double beta)
{
    const ir_tensor *a = n->in[0], *b = n->in[1], *c = n->n_in > 2 ? n->in[2] : NULL;
    ir_tensor *y = n->out[0];
    int exact = !ir_dtype_is_float(y->dtype) && alpha == (double)(int64_t)alpha && beta == (double)(int64_t)beta;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < nn; j++) {
            size_t yi = (size_t)(i * nn + j);
            if (exact) {
                int64_t acc = 0;
                for (int64_t q = 0; q < k; q++)
                    acc += ir_get_i64(a->dtype, a->data, (size_t)(ta ? q * m + i : i * k + q)) *
                           ir_get_i64(b->dtype, b->data, (size_t)(tb ? j * k + q : q * nn + j));
                acc *= (int64_t)alpha;
                if (c && beta != 0)
                    acc += (int64_t)beta * ir_get_i64(c->dtype, c->data, c_index(c, i, j));
                ir_set_i64(y->dtype, y->data, yi, acc);
            } else {
                double acc = 0;
                for (int64_t q = 0; q < k; q++)
                    acc += ir_get_f64(a->dtype, a->data, (size_t)(ta ? q * m + i : i * k + q)) *
                           ir_get_f64(b->dtype, b->data, (size_t)(tb ? j * k + q : q * nn + j));
                acc *= alpha;
                if (c && beta != 0)
                    acc += beta * ir_get_f64(c->dtype, c->data, c_index(c, i, j));
                ir_set_f64(y->dtype, y->data, yi, acc);
            }
        }
    return DLA_OK;
}

static dla_status exec_gemm(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *a = n->in[0], *b = n->in[1], *c = n->n_in > 2 ? n->in[2] : NULL;
    ir_tensor *y = n->out[0];
    int ta = ir_attr_int(n, "transA", 0) != 0, tb = ir_attr_int(n, "transB", 0) != 0;
    float alpha = ir_attr_float(n, "alpha", 1.0f), beta = ir_attr_float(n, "beta", 1.0f);
    int64_t m = y->dims[0], nn = y->dims[1], k = a->dims[ta ? 0 : 1];
    if (c && c->dtype != y->dtype)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "C is %s but A is %s; they must match",
                             ir_dtype_name(c->dtype), ir_dtype_name(y->dtype));
    if (y->dtype != IR_F32 || a->dtype != IR_F32 || b->dtype != IR_F32)
        return gemm_generic(n, m, nn, k, ta, tb, alpha, beta);
    float *yd = y->data;
    int acc = c && beta != 0.0f;
    if (acc) {
        const float *cd = c->data;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < nn; j++)
                yd[i * nn + j] = beta * cd[c_index(c, i, j)];
    }
    k_gemm_desc d = {.m = m, .n = nn, .k = k, .trans_a = ta, .trans_b = tb, .alpha = alpha, .accumulate = acc};
    dla_status st = k_f32_gemm(ctx->kernel_state, &d, a->data, b->data, yd);
    return st == DLA_OK ? st : ir_node_error(n, st, "%s", dla_last_error());
}

/* ---- MatMul ------------------------------------------------------------------------------------------- */

/* Pads A and B to one rank >= 2 (1-D: A gets a leading 1, B a trailing 1; then leading 1s). */
static int matmul_dims(const ir_tensor *a, const ir_tensor *b, int64_t *ad, int64_t *bd)
{
    int64_t ea[IR_MAX_RANK + 1], eb[IR_MAX_RANK + 1];
    int ra = a->rank, rb = b->rank;
    if (ra == 1) {
        ea[0] = 1;
        ea[1] = a->dims[0];
        ra = 2;
    } else {
        memcpy(ea, a->dims, sizeof(int64_t) * (size_t)ra);
    }
    if (rb == 1) {
        eb[0] = b->dims[0];
        eb[1] = 1;
        rb = 2;
    } else {
        memcpy(eb, b->dims, sizeof(int64_t) * (size_t)rb);
    }
    int r = ra > rb ? ra : rb;
    for (int i = 0; i < r; i++) {
        ad[i] = i < r - ra ? 1 : ea[i - (r - ra)];
        bd[i] = i < r - rb ? 1 : eb[i - (r - rb)];
    }
    return r;
}

static dla_status matmul_generic(ir_node *n, int r, const int64_t *ad, const int64_t *bd)
{
    const ir_tensor *a = n->in[0], *b = n->in[1];
    ir_tensor *y = n->out[0];
    int64_t m = ad[r - 2], k = ad[r - 1], nn = bd[r - 1], nb = 1, yd[IR_MAX_RANK + 1];
    for (int i = 0; i < r - 2; i++) {
        yd[i] = ad[i] > bd[i] ? ad[i] : bd[i];
        nb *= yd[i];
    }
    int fl = ir_dtype_is_float(y->dtype);
    for (int64_t bi = 0; bi < nb; bi++) {
        int64_t rem = bi, ao = 0, bo = 0, as = m * k, bs = k * nn;
        for (int i = r - 3; i >= 0; i--) {
            int64_t idx = rem % yd[i];
            rem /= yd[i];
            ao += (ad[i] == 1 ? 0 : idx) * as;
            bo += (bd[i] == 1 ? 0 : idx) * bs;
            as *= ad[i];
            bs *= bd[i];
        }
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < nn; j++) {
                size_t yi = (size_t)((bi * m + i) * nn + j);
                double facc = 0;
                int64_t iacc = 0;
                for (int64_t q = 0; q < k; q++) {
                    size_t ai = (size_t)(ao + i * k + q), bj = (size_t)(bo + q * nn + j);
                    if (fl)
                        facc += ir_get_f64(a->dtype, a->data, ai) * ir_get_f64(b->dtype, b->data, bj);
                    else
                        iacc += ir_get_i64(a->dtype, a->data, ai) * ir_get_i64(b->dtype, b->data, bj);
                }
                if (fl)
                    ir_set_f64(y->dtype, y->data, yi, facc);
                else
                    ir_set_i64(y->dtype, y->data, yi, iacc);
            }
    }
    return DLA_OK;
}

static dla_status exec_matmul(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *a = n->in[0], *b = n->in[1];
    ir_tensor *y = n->out[0];
    int64_t ad[IR_MAX_RANK + 1], bd[IR_MAX_RANK + 1];
    int r = matmul_dims(a, b, ad, bd);
    if (a->dtype != IR_F32 || b->dtype != IR_F32 || y->dtype != IR_F32)
        return matmul_generic(n, r, ad, bd);
    dla_status st = k_f32_matmul(ctx->kernel_state, r, ad, bd, a->data, b->data, y->data);
    return st == DLA_OK ? st : ir_node_error(n, st, "%s", dla_last_error());
}

const host_op_entry host_ops_nn[] = {
    {IR_OP_Conv, exec_conv},
    {IR_OP_ConvTranspose, exec_conv_transpose},
    {IR_OP_Gemm, exec_gemm},
    {IR_OP_MatMul, exec_matmul},
    {-1, NULL},
};
