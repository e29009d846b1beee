/* Host normalizations: BatchNormalization, InstanceNormalization, LRN, LayerNormalization, GroupNormalization,
 * MeanVarianceNormalization, LpNormalization. Each runs one float32 kernel (statistics accumulated in double);
 * float16/bfloat16/double tensors are staged through float32 copies (norm_pool.h). */
#include "host/norm_pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NP_MAX_IO 5
#define NP_PAR_MIN 32768 /* elements below which a loop stays on one thread */

typedef struct stage {
    np_f32 in[NP_MAX_IO], out[NP_MAX_IO];
} stage;

static void stage_close(ir_node *n, stage *s, int commit)
{
    for (int j = 0; j < NP_MAX_IO; j++) {
        if (commit && j < n->n_out)
            np_f32_commit(n->out[j], &s->out[j]);
        else
            np_f32_free(&s->out[j]);
        np_f32_free(&s->in[j]);
    }
}

/* float32 views of every present input and output. */
static dla_status stage_open(ir_node *n, stage *s)
{
    memset(s, 0, sizeof *s);
    dla_status st = DLA_OK;
    for (int i = 0; i < n->n_in && i < NP_MAX_IO && st == DLA_OK; i++)
        st = np_f32_in(n, n->in[i], &s->in[i]);
    for (int j = 0; j < n->n_out && j < NP_MAX_IO && st == DLA_OK; j++)
        st = np_f32_out(n, n->out[j], &s->out[j]);
    if (st != DLA_OK)
        stage_close(n, s, 0);
    return st;
}

static int64_t prod(const int64_t *d, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p *= d[i];
    return p;
}

/* A per-channel parameter must hold exactly `want` values. */
static dla_status need_numel(const ir_node *n, int idx, int64_t want, const char *what)
{
    const ir_tensor *t = n->in[idx];
    if (t && ir_tensor_numel(t) != want)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "%s '%s' has %lld values; the input needs %lld", what,
                             t->name, (long long)ir_tensor_numel(t), (long long)want);
    return DLA_OK;
}

/* ---- BatchNormalization ------------------------------------------------------------------------------------ */

/* y = x * a[c] + b[c] over N x C x inner. */
static void channel_affine(const float *x, float *y, int64_t nb, int64_t c, int64_t inner, const float *a,
                           const float *b)
{
    int64_t rows = nb * c;
#pragma omp parallel for if (rows * inner >= NP_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        float ar = a[r % c], br = b[r % c];
        const float *xr = x + r * inner;
        float *yr = y + r * inner;
        for (int64_t i = 0; i < inner; i++)
            yr[i] = xr[i] * ar + br;
    }
}

/* Batch mean and population variance per channel. */
static void channel_stats(const float *x, int64_t nb, int64_t c, int64_t inner, double *mean, double *var)
{
#pragma omp parallel for if (nb * c * inner >= NP_PAR_MIN)
    for (int64_t ch = 0; ch < c; ch++) {
        double s = 0, q = 0;
        for (int64_t b = 0; b < nb; b++)
            for (int64_t i = 0; i < inner; i++)
                s += x[(b * c + ch) * inner + i];
        double m = s / (double)(nb * inner);
        for (int64_t b = 0; b < nb; b++)
            for (int64_t i = 0; i < inner; i++) {
                double d = x[(b * c + ch) * inner + i] - m;
                q += d * d;
            }
        mean[ch] = m;
        var[ch] = q / (double)(nb * inner);
    }
}

static int bn_training(const ir_node *n)
{
    if (n->opset >= 14)
        return ir_attr_int(n, "training_mode", 0) != 0;
    /* opsets < 14: the optional mean/var/saved outputs exist only in training form (is_test=0 before opset 7) */
    int extra = 0;
    for (int j = 1; j < n->n_out; j++)
        extra |= n->out[j] != NULL;
    return extra && (n->opset >= 7 || ir_attr_int(n, "is_test", 0) == 0);
}

dla_status host_batchnorm(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int64_t nb = x->dims[0], c = x->dims[1], inner = prod(x->dims, 2, x->rank);
    for (int i = 1; i < 5; i++)
        BASE_TRY(need_numel(n, i, c, i < 3 ? "scale/B" : "mean/var"));
    double eps = ir_attr_float(n, "epsilon", 1e-5f), mom = ir_attr_float(n, "momentum", 0.9f);
    int train = bn_training(n);
    stage s;
    BASE_TRY(stage_open(n, &s));
    float *a = malloc(sizeof(float) * (size_t)c * 2 + 1);
    double *bm = malloc(sizeof(double) * (size_t)c * 2 + 1);
    if (!a || !bm) {
        free(a);
        free(bm);
        stage_close(n, &s, 0);
        return ir_node_error(n, DLA_ERR_NOMEM, "out of memory for %lld channels", (long long)c);
    }
    float *b = a + c;
    double *bv = bm + c;
    const float *scale = s.in[1].p, *bias = s.in[2].p, *rmean = s.in[3].p, *rvar = s.in[4].p;
    if (train)
        channel_stats(s.in[0].p, nb, c, inner, bm, bv);
    for (int64_t ch = 0; ch < c; ch++) {
        double m = train ? bm[ch] : rmean[ch], v = train ? bv[ch] : rvar[ch];
        double k = scale[ch] / sqrt(v + eps);
        a[ch] = (float)k;
        b[ch] = (float)(bias[ch] - m * k);
    }
    channel_affine(s.in[0].p, s.out[0].p, nb, c, inner, a, b);
    for (int64_t ch = 0; ch < c; ch++) {
        /* running statistics; the pre-14 saved_mean/saved_var are the batch's own */
        double run_m = train ? rmean[ch] * mom + bm[ch] * (1 - mom) : rmean[ch];
        double run_v = train ? rvar[ch] * mom + bv[ch] * (1 - mom) : rvar[ch];
        if (n->n_out > 1 && s.out[1].p)
            s.out[1].p[ch] = (float)run_m;
        if (n->n_out > 2 && s.out[2].p)
            s.out[2].p[ch] = (float)run_v;
        if (n->n_out > 3 && s.out[3].p)
            s.out[3].p[ch] = (float)(train ? bm[ch] : rmean[ch]);
        if (n->n_out > 4 && s.out[4].p)
            s.out[4].p[ch] = (float)(train ? bv[ch] : rvar[ch]);
    }
    free(a);
    free(bm);
    stage_close(n, &s, 1);
    return DLA_OK;
}

/* ---- InstanceNormalization and GroupNormalization ---------------------------------------------------------- */

/* Mean and inverse standard deviation of each of `rows` rows of `len` values (two passes, double sums). */
static void row_stats(const float *x, int64_t rows, int64_t len, double eps, double *mean, double *inv)
{
#pragma omp parallel for if (rows * len >= NP_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * len;
        double s = 0, q = 0;
        for (int64_t i = 0; i < len; i++)
            s += xr[i];
        double m = s / (double)len;
        for (int64_t i = 0; i < len; i++)
            q += (xr[i] - m) * (xr[i] - m);
        mean[r] = m;
        inv[r] = 1.0 / sqrt(q / (double)len + eps);
    }
}

/* Channel-wise normalization where the statistics rows are groups of `cpg` channels of `inner` values. */
static dla_status group_norm(ir_node *n, int64_t groups, int per_group_params)
{
    const ir_tensor *x = n->in[0];
    int64_t nb = x->dims[0], c = x->dims[1], inner = prod(x->dims, 2, x->rank);
    int64_t cpg = c / groups, rows = nb * groups, len = cpg * inner;
    double eps = ir_attr_float(n, "epsilon", 1e-5f);
    stage s;
    BASE_TRY(stage_open(n, &s));
    double *mean = malloc(sizeof(double) * (size_t)(rows > 0 ? rows : 1) * 2);
    if (!mean) {
        stage_close(n, &s, 0);
        return ir_node_error(n, DLA_ERR_NOMEM, "out of memory for %lld statistics", (long long)rows);
    }
    double *inv = mean + rows;
    const float *xp = s.in[0].p, *scale = s.in[1].p, *bias = s.in[2].p;
    float *y = s.out[0].p;
    row_stats(xp, rows, len, eps, mean, inv);
    int64_t planes = nb * c;
#pragma omp parallel for if (planes * inner >= NP_PAR_MIN)
    for (int64_t pl = 0; pl < planes; pl++) {
        int64_t ch = pl % c, r = (pl / c) * groups + ch / cpg;
        int64_t pi = per_group_params ? ch / cpg : ch;
        double k = scale[pi] * inv[r];
        float a = (float)k, b = (float)(bias[pi] - mean[r] * k);
        const float *xr = xp + pl * inner;
        float *yr = y + pl * inner;
        for (int64_t i = 0; i < inner; i++)
            yr[i] = xr[i] * a + b;
    }
    free(mean);
    stage_close(n, &s, 1);
    return DLA_OK;
}

dla_status host_instancenorm(host_ctx *ctx, ir_node *n)
{
    int64_t c = n->in[0]->dims[1];
    BASE_TRY(need_numel(n, 1, c, "scale"));
    BASE_TRY(need_numel(n, 2, c, "B"));
    return group_norm(n, c, 0);
}

dla_status host_groupnorm(host_ctx *ctx, ir_node *n)
{
    int64_t c = n->in[0]->dims[1], g = ir_attr_int(n, "num_groups", 0);
    if (g < 1 || c % g != 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "num_groups = %lld must be >= 1 and divide the %lld channels",
                             (long long)g, (long long)c);
    /* opset 18 has one scale/bias per group; opset 21 one per channel: the count tells which */
    int64_t k = ir_tensor_numel(n->in[1]);
    if (k != g && k != c)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "scale has %lld values; needs num_groups (%lld) or C (%lld)",
                             (long long)k, (long long)g, (long long)c);
    BASE_TRY(need_numel(n, 2, k, "bias"));
    return group_norm(n, g, k == g && g != c);
}

/* ---- LRN --------------------------------------------------------------------------------------------------- */

#define LRN_BLOCK 256

/* scale^-beta, with the common exponents done without pow. */
static inline float lrn_factor(double scale, double beta)
{
    if (beta == 0.75)
        return (float)(1.0 / (sqrt(scale) * sqrt(sqrt(scale))));
    if (beta == 0.5)
        return (float)(1.0 / sqrt(scale));
    return powf((float)scale, (float)-beta);
}

dla_status host_lrn(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int64_t nb = x->dims[0], c = x->dims[1], inner = prod(x->dims, 2, x->rank);
    int64_t size = ir_attr_int(n, "size", 1);
    double alpha = ir_attr_float(n, "alpha", 1e-4f), beta = ir_attr_float(n, "beta", 0.75f);
    double bias = ir_attr_float(n, "bias", 1.0f), k = alpha / (double)size;
    int64_t lo = (size - 1) / 2, hi = size - 1 - lo; /* floor((size-1)/2) below, ceil((size-1)/2) above */
    stage s;
    BASE_TRY(stage_open(n, &s));
    const float *xp = s.in[0].p;
    float *y = s.out[0].p;
    int64_t blocks = (inner + LRN_BLOCK - 1) / LRN_BLOCK;
    /* per batch and block of positions, the window's square sum slides along the channels */
#pragma omp parallel for if (nb * blocks > 1 && nb * c * inner >= NP_PAR_MIN)
    for (int64_t t = 0; t < nb * blocks; t++) {
        int64_t b = t / blocks, i0 = (t % blocks) * LRN_BLOCK;
        int64_t len = inner - i0 < LRN_BLOCK ? inner - i0 : LRN_BLOCK;
        const float *xb = xp + b * c * inner + i0;
        float *yb = y + b * c * inner + i0;
        double acc[LRN_BLOCK] = {0};
        for (int64_t ch = 0; ch <= hi && ch < c; ch++)
            for (int64_t i = 0; i < len; i++)
                acc[i] += (double)xb[ch * inner + i] * xb[ch * inner + i];
        for (int64_t ch = 0; ch < c; ch++) {
            int64_t in_ch = ch + hi, out_ch = ch - lo - 1;
            if (ch > 0 && in_ch < c)
                for (int64_t i = 0; i < len; i++)
                    acc[i] += (double)xb[in_ch * inner + i] * xb[in_ch * inner + i];
            if (ch > 0 && out_ch >= 0)
                for (int64_t i = 0; i < len; i++)
                    acc[i] -= (double)xb[out_ch * inner + i] * xb[out_ch * inner + i];
            for (int64_t i = 0; i < len; i++) {
                double sq = acc[i] > 0 ? acc[i] : 0;
                yb[ch * inner + i] = xb[ch * inner + i] * lrn_factor(bias + k * sq, beta);
            }
        }
    }
    stage_close(n, &s, 1);
    return DLA_OK;
}

/* ---- LayerNormalization ------------------------------------------------------------------------------------ */

/* Index of each of the len trailing positions (shape dims[axis:]) into a parameter unidirectionally broadcast
 * to that shape. */
static dla_status bcast_index(const ir_node *n, const ir_tensor *p, const ir_tensor *x, int axis, int64_t len,
                              int64_t *idx)
{
    int tr = x->rank - axis;
    if (p->rank > tr)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "'%s' has rank %d; it must broadcast to the %d normalized axes",
                             p->name, p->rank, tr);
    int64_t pstride[IR_MAX_RANK];
    int64_t st = 1;
    for (int i = tr - 1; i >= 0; i--) {
        int pi = i - (tr - p->rank);
        int64_t pd = pi >= 0 ? p->dims[pi] : 1;
        if (pd != 1 && pd != x->dims[axis + i])
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "'%s' dim %d is %lld; the input's axis %d is %lld", p->name,
                                 pi, (long long)pd, axis + i, (long long)x->dims[axis + i]);
        pstride[i] = pd == 1 ? 0 : st;
        st *= pd;
    }
    for (int64_t j = 0; j < len; j++) {
        int64_t rem = j, off = 0;
        for (int i = tr - 1; i >= 0; i--) {
            int64_t d = x->dims[axis + i];
            off += (rem % d) * pstride[i];
            rem /= d;
        }
        idx[j] = off;
    }
    return DLA_OK;
}

dla_status host_layernorm(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int axis = (int)ir_attr_int(n, "axis", -1);
    if (axis < 0)
        axis += x->rank;
    int64_t rows = prod(x->dims, 0, axis), len = prod(x->dims, axis, x->rank);
    double eps = ir_attr_float(n, "epsilon", 1e-5f);
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)(len > 0 ? len : 1) * 2);
    double *mean = malloc(sizeof(double) * (size_t)(rows > 0 ? rows : 1) * 2);
    dla_status st = !idx || !mean ? ir_node_error(n, DLA_ERR_NOMEM, "out of memory for %lld x %lld statistics",
                                                  (long long)rows, (long long)len)
                                  : DLA_OK;
    int64_t *bidx = idx ? idx + len : NULL;
    if (st == DLA_OK)
        st = bcast_index(n, n->in[1], x, axis, len, idx);
    if (st == DLA_OK && n->n_in > 2 && n->in[2])
        st = bcast_index(n, n->in[2], x, axis, len, bidx);
    stage s;
    if (st == DLA_OK)
        st = stage_open(n, &s);
    if (st != DLA_OK) {
        free(idx);
        free(mean);
        return st;
    }
    double *inv = mean + rows;
    const float *xp = s.in[0].p, *scale = s.in[1].p, *bias = n->n_in > 2 ? s.in[2].p : NULL;
    float *y = s.out[0].p;
    row_stats(xp, rows, len, eps, mean, inv);
#pragma omp parallel for if (rows * len >= NP_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = xp + r * len;
        float *yr = y + r * len;
        float m = (float)mean[r], iv = (float)inv[r];
        for (int64_t j = 0; j < len; j++)
            yr[j] = (xr[j] - m) * iv * scale[idx[j]] + (bias ? bias[bidx[j]] : 0.0f);
    }
    for (int64_t r = 0; r < rows; r++) {
        if (n->n_out > 1 && s.out[1].p)
            s.out[1].p[r] = (float)mean[r];
        if (n->n_out > 2 && s.out[2].p)
            s.out[2].p[r] = (float)inv[r];
    }
    free(idx);
    free(mean);
    stage_close(n, &s, 1);
    return DLA_OK;
}

/* ---- MeanVarianceNormalization ----------------------------------------------------------------------------- */

dla_status host_mvn(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int r = x->rank, na;
    static const int64_t dflt_axes[] = {0, 2, 3};
    const int64_t *axes = ir_attr_ints(n, "axes", &na);
    if (!axes) {
        axes = dflt_axes;
        na = 3;
    }
    int reduced[IR_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + r : axes[i];
        if (a < 0 || a >= r)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axes[%d] = %lld is out of range for rank %d", i,
                                 (long long)axes[i], r);
        reduced[a] = 1;
    }
    /* key of an element: its linear index over the kept axes */
    int64_t kstride[IR_MAX_RANK], nk = 1;
    for (int i = r - 1; i >= 0; i--) {
        kstride[i] = reduced[i] ? 0 : nk;
        nk *= reduced[i] ? 1 : x->dims[i];
    }
    int64_t total = ir_tensor_numel(x);
    double *sum = calloc((size_t)nk * 2, sizeof(double));
    int64_t *key = malloc(sizeof(int64_t) * (size_t)(total > 0 ? total : 1));
    stage s;
    dla_status st = !sum || !key ? ir_node_error(n, DLA_ERR_NOMEM, "out of memory for %lld elements",
                                                 (long long)total)
                                 : stage_open(n, &s);
    if (st != DLA_OK) {
        free(sum);
        free(key);
        return st;
    }
    double *sq = sum + nk;
    const float *xp = s.in[0].p;
    int64_t ix[IR_MAX_RANK] = {0}, kcur = 0;
    for (int64_t e = 0; e < total; e++) {
        key[e] = kcur;
        sum[kcur] += xp[e];
        sq[kcur] += (double)xp[e] * xp[e];
        for (int i = r - 1; i >= 0; i--) { /* advance the multi-index, keeping the key in step */
            kcur += kstride[i];
            if (++ix[i] < x->dims[i])
                break;
            kcur -= kstride[i] * x->dims[i];
            ix[i] = 0;
        }
    }
    double cnt = (double)(total / (nk > 0 ? nk : 1));
    for (int64_t k = 0; k < nk; k++) {
        double m = sum[k] / cnt, v = sq[k] / cnt - m * m;
        sum[k] = m;
        sq[k] = 1.0 / (sqrt(v > 0 ? v : 0) + 1e-9); /* ONNX's function body adds 1e-9 to the deviation */
    }
    float *y = s.out[0].p;
#pragma omp parallel for if (total >= NP_PAR_MIN)
    for (int64_t e = 0; e < total; e++)
        y[e] = (float)((xp[e] - sum[key[e]]) * sq[key[e]]);
    free(sum);
    free(key);
    stage_close(n, &s, 1);
    return DLA_OK;
}

/* ---- LpNormalization --------------------------------------------------------------------------------------- */

dla_status host_lpnorm(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int64_t axis = ir_attr_int(n, "axis", -1), p = ir_attr_int(n, "p", 2);
    if (axis < 0)
        axis += x->rank;
    if (axis < 0 || axis >= x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is out of range for rank %d",
                             (long long)ir_attr_int(n, "axis", -1), x->rank);
    int64_t outer = prod(x->dims, 0, (int)axis), a = x->dims[axis], inner = prod(x->dims, (int)axis + 1, x->rank);
    stage s;
    BASE_TRY(stage_open(n, &s));
    const float *xp = s.in[0].p;
    float *y = s.out[0].p;
    int64_t lines = outer * inner;
#pragma omp parallel for if (lines * a >= NP_PAR_MIN)
    for (int64_t l = 0; l < lines; l++) {
        int64_t base = (l / inner) * a * inner + l % inner;
        double acc = 0;
        for (int64_t k = 0; k < a; k++) {
            double v = xp[base + k * inner];
            acc += p == 1 ? fabs(v) : v * v;
        }
        double norm = p == 1 ? acc : sqrt(acc);
        for (int64_t k = 0; k < a; k++)
            y[base + k * inner] = (float)(xp[base + k * inner] / norm);
    }
    stage_close(n, &s, 1);
    return DLA_OK;
}
