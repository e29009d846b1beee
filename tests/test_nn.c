/* nn: the oneDNN convolution / matmul wrappers against naive references written here, and the Conv,
 * ConvTranspose, Gemm and MatMul shape inference and host execution. */
#include "check.h"
#include "host/host.h"
#include "kernels/kernels.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rng = 12345;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}
static float *rand_buf(size_t n)
{
    float *p = malloc(n * sizeof(float) + 4);
    for (size_t i = 0; i < n; i++)
        p[i] = frand();
    return p;
}

/* relative-to-scale comparison: |a-b| <= 1e-4 * (1 + max|ref|) */
static int close_all(const float *a, const float *ref, size_t n, const char *what)
{
    double mx = 0;
    for (size_t i = 0; i < n; i++)
        mx = fabs(ref[i]) > mx ? fabs(ref[i]) : mx;
    for (size_t i = 0; i < n; i++)
        if (!(fabs((double)a[i] - ref[i]) <= 1e-4 * (1 + mx))) {
            fprintf(stderr, "%s: element %zu: got %.7g, want %.7g\n", what, i, a[i], ref[i]);
            return 0;
        }
    return 1;
}

/* ---- naive references ------------------------------------------------------------------------------- */

static size_t prod(int n, const int64_t *d)
{
    size_t p = 1;
    for (int i = 0; i < n; i++)
        p *= (size_t)d[i];
    return p;
}

/* spatial index helpers over up to 3 dims */
static void unravel(int nsp, const int64_t *dims, size_t i, int64_t *idx)
{
    for (int j = nsp - 1; j >= 0; j--) {
        idx[j] = (int64_t)(i % (size_t)dims[j]);
        i /= (size_t)dims[j];
    }
}
static int64_t ravel(int nsp, const int64_t *dims, const int64_t *idx)
{
    int64_t r = 0;
    for (int j = 0; j < nsp; j++)
        r = r * dims[j] + idx[j];
    return r;
}

static void naive_conv(const k_conv_desc *d, const float *x, const float *w, const float *b, float *y)
{
    int64_t og = d->c_out / d->group, ig = d->c_in / d->group;
    size_t osz = prod(d->nsp, d->out), isz = prod(d->nsp, d->in), ksz = prod(d->nsp, d->k);
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t oc = 0; oc < d->c_out; oc++)
            for (size_t o = 0; o < osz; o++) {
                int64_t oi[3], ki[3], ii[3];
                unravel(d->nsp, d->out, o, oi);
                double acc = b ? b[oc] : 0;
                for (int64_t ic = 0; ic < ig; ic++)
                    for (size_t kk = 0; kk < ksz; kk++) {
                        unravel(d->nsp, d->k, kk, ki);
                        int ok = 1;
                        for (int j = 0; j < d->nsp; j++) {
                            ii[j] = oi[j] * d->stride[j] - d->pad_l[j] + ki[j] * d->dil[j];
                            ok &= ii[j] >= 0 && ii[j] < d->in[j];
                        }
                        if (ok)
                            acc += (double)x[(size_t)(n * d->c_in + (oc / og) * ig + ic) * isz +
                                             (size_t)ravel(d->nsp, d->in, ii)] *
                                   w[(size_t)(oc * ig + ic) * ksz + kk];
                    }
                y[(size_t)(n * d->c_out + oc) * osz + o] = (float)acc;
            }
}

/* transposed conv as a gather: y[o] = sum over i, k with o = i*s - pad + k*dil */
static void naive_deconv(const k_conv_desc *d, const float *x, const float *w, const float *b, float *y)
{
    int64_t og = d->c_out / d->group, ig = d->c_in / d->group;
    size_t osz = prod(d->nsp, d->out), isz = prod(d->nsp, d->in), ksz = prod(d->nsp, d->k);
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t oc = 0; oc < d->c_out; oc++)
            for (size_t o = 0; o < osz; o++) {
                int64_t oi[3], ki[3], ii[3];
                unravel(d->nsp, d->out, o, oi);
                double acc = b ? b[oc] : 0;
                int64_t grp = oc / og;
                for (int64_t icg = 0; icg < ig; icg++)
                    for (size_t kk = 0; kk < ksz; kk++) {
                        unravel(d->nsp, d->k, kk, ki);
                        int ok = 1;
                        for (int j = 0; j < d->nsp && ok; j++) {
                            int64_t t = oi[j] + d->pad_l[j] - ki[j] * d->dil[j];
                            ok = t >= 0 && t % d->stride[j] == 0 && t / d->stride[j] < d->in[j];
                            ii[j] = ok ? t / d->stride[j] : 0;
                        }
                        int64_t ic = grp * ig + icg;
                        if (ok)
                            acc += (double)x[(size_t)(n * d->c_in + ic) * isz + (size_t)ravel(d->nsp, d->in, ii)] *
                                   w[(size_t)(ic * og + oc % og) * ksz + kk];
                    }
                y[(size_t)(n * d->c_out + oc) * osz + o] = (float)acc;
            }
}

/* ---- kernel tests ----------------------------------------------------------------------------------- */

typedef struct conv_case {
    const char *name;
    int nsp;
    int64_t n, ci, co, g, in[3], k[3], s[3], dl[3], pl[3], pr[3];
    int bias;
} conv_case;

static void fill_desc(const conv_case *c, int transposed, k_conv_desc *d)
{
    memset(d, 0, sizeof *d);
    d->nsp = c->nsp;
    d->n = c->n;
    d->c_in = c->ci;
    d->c_out = c->co;
    d->group = c->g;
    for (int i = 0; i < c->nsp; i++) {
        d->in[i] = c->in[i];
        d->k[i] = c->k[i];
        d->stride[i] = c->s[i];
        d->dil[i] = c->dl[i];
        d->pad_l[i] = c->pl[i];
        d->pad_r[i] = c->pr[i];
        int64_t span = c->dl[i] * (c->k[i] - 1) + 1;
        d->out[i] = transposed ? (c->in[i] - 1) * c->s[i] + span - c->pl[i] - c->pr[i]
                               : (c->in[i] + c->pl[i] + c->pr[i] - span) / c->s[i] + 1;
    }
}

static void run_conv_case(k_state *ks, const conv_case *c, int transposed)
{
    k_conv_desc d;
    fill_desc(c, transposed, &d);
    size_t xn = (size_t)d.n * (size_t)d.c_in * prod(d.nsp, d.in);
    size_t wn = (size_t)d.c_out * (size_t)(d.c_in / d.group) * prod(d.nsp, d.k);
    size_t yn = (size_t)d.n * (size_t)d.c_out * prod(d.nsp, d.out);
    float *x = rand_buf(xn), *w = rand_buf(wn), *b = rand_buf((size_t)d.c_out);
    float *y = malloc(yn * sizeof(float) + 4), *want = malloc(yn * sizeof(float) + 4);
    const float *bp = c->bias ? b : NULL;
    char what[160];
    (transposed ? naive_deconv : naive_conv)(&d, x, w, bp, want);
    /* constant weights twice (the second run hits both caches), then non-constant weights, then new values
     * under the same non-constant pointer */
    for (int pass = 0; pass < 3; pass++) {
        memset(y, 0xff, yn * sizeof(float));
        dla_status st = (transposed ? k_f32_deconv : k_f32_conv)(ks, &d, x, w, pass < 2, bp, y);
        snprintf(what, sizeof what, "%s %s pass %d (%s)", transposed ? "deconv" : "conv", c->name, pass,
                 k_state_last_impl(ks));
        CHECK_OK(st);
        CHECK(close_all(y, want, yn, what));
    }
    for (size_t i = 0; i < wn; i++)
        w[i] = frand();
    (transposed ? naive_deconv : naive_conv)(&d, x, w, bp, want);
    CHECK_OK((transposed ? k_f32_deconv : k_f32_conv)(ks, &d, x, w, 0, bp, y));
    snprintf(what, sizeof what, "%s %s new weights", transposed ? "deconv" : "conv", c->name);
    CHECK(close_all(y, want, yn, what));
    /* the library's own reference agrees too */
    memset(y, 0xff, yn * sizeof(float));
    (transposed ? k_f32_deconv_ref : k_f32_conv_ref)(&d, x, w, bp, y);
    snprintf(what, sizeof what, "%s %s ref", transposed ? "deconv" : "conv", c->name);
    CHECK(close_all(y, want, yn, what));
    free(x);
    free(w);
    free(b);
    free(y);
    free(want);
}

static const conv_case conv_cases[] = {
    /* name            nsp n ci co g  in          k          s          dl         pl         pr      bias */
    {"basic", 2, 1, 1, 1, 1, {5, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 0},
    {"batch_bias", 2, 2, 3, 4, 1, {7, 5}, {3, 2}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 1},
    {"stride_asym", 2, 1, 2, 3, 1, {7, 5}, {3, 3}, {2, 2}, {1, 1}, {1, 0}, {1, 0}, 1},
    {"asym_lr", 2, 1, 3, 5, 1, {6, 6}, {3, 3}, {1, 2}, {1, 1}, {0, 2}, {2, 1}, 1},
    {"groups", 2, 2, 4, 6, 2, {6, 5}, {3, 2}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 1},
    {"depthwise", 2, 2, 4, 4, 4, {6, 6}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1},
    {"dw_mult", 2, 1, 4, 8, 4, {6, 6}, {3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 1},
    {"dilated", 2, 2, 3, 2, 1, {8, 8}, {3, 3}, {2, 2}, {2, 2}, {1, 1}, {1, 1}, 1},
    {"dil_asym", 2, 1, 2, 2, 1, {9, 7}, {2, 3}, {1, 2}, {3, 2}, {2, 0}, {1, 3}, 0},
    {"1d", 1, 2, 4, 5, 1, {10}, {3}, {2}, {1}, {1}, {2}, 1},
    {"1d_groups", 1, 2, 4, 6, 2, {6}, {3}, {1}, {2}, {1}, {1}, 1},
    {"3d", 3, 2, 3, 4, 1, {3, 4, 5}, {2, 3, 4}, {1, 1, 1}, {1, 1, 1}, {0, 1, 0}, {0, 0, 1}, 1},
    {"3d_group_dil", 3, 1, 4, 6, 2, {5, 5, 5}, {2, 2, 2}, {2, 1, 2}, {2, 2, 1}, {1, 0, 0}, {0, 1, 1}, 1},
    {"1x1", 2, 1, 32, 48, 1, {7, 7}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 1},
    {"resnet_like", 2, 1, 32, 32, 1, {10, 10}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1},
    {"stem_like", 2, 1, 3, 16, 1, {17, 17}, {7, 7}, {2, 2}, {1, 1}, {3, 3}, {3, 3}, 1},
    {"dw32", 2, 1, 32, 32, 32, {9, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1},
};

static const conv_case deconv_cases[] = {
    {"basic", 2, 1, 1, 2, 1, {3, 3}, {3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 0},
    {"stride_pads", 2, 1, 1, 2, 1, {3, 3}, {3, 3}, {3, 2}, {1, 1}, {1, 2}, {1, 2}, 0},
    {"out_pad", 2, 1, 3, 4, 1, {7, 6}, {3, 3}, {3, 2}, {1, 1}, {1, 1}, {0, 0}, 1},
    {"out_pad_neg", 2, 2, 3, 3, 1, {4, 5}, {3, 3}, {3, 3}, {1, 1}, {1, 1}, {-1, -1}, 1},
    {"shape_neg_l", 2, 1, 2, 2, 1, {3, 3}, {3, 3}, {3, 2}, {1, 1}, {-1, 0}, {0, -2}, 1},
    {"groups", 2, 2, 4, 6, 2, {4, 3}, {3, 2}, {2, 1}, {1, 1}, {0, 1}, {1, 0}, 1},
    {"dilated", 2, 1, 1, 1, 1, {3, 3}, {2, 2}, {1, 1}, {2, 2}, {0, 0}, {0, 0}, 0},
    {"1d", 1, 1, 1, 2, 1, {3}, {3}, {1}, {1}, {0}, {0}, 0},
    {"3d", 3, 1, 1, 2, 1, {3, 4, 5}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, 1},
    {"big", 2, 1, 32, 16, 1, {8, 8}, {4, 4}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1},
};

static void test_conv_kernels(k_state *ks)
{
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++)
        run_conv_case(ks, &conv_cases[i], 0);
    for (size_t i = 0; i < sizeof deconv_cases / sizeof deconv_cases[0]; i++)
        run_conv_case(ks, &deconv_cases[i], 1);
}

/* a hand-computed case: 1x1x3x3 input of 0..8, 2x2 kernel of ones, stride 1, no pads */
static void test_conv_hand(k_state *ks)
{
    float x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8}, w[4] = {1, 1, 1, 1}, b[1] = {0.5f}, y[4];
    k_conv_desc d = {.nsp = 2, .n = 1, .c_in = 1, .c_out = 1, .group = 1, .in = {3, 3}, .out = {2, 2},
                     .k = {2, 2}, .stride = {1, 1}, .dil = {1, 1}};
    CHECK_OK(k_f32_conv(ks, &d, x, w, 0, b, y));
    CHECK_NEAR(y[0], 8.5, 1e-6);
    CHECK_NEAR(y[1], 12.5, 1e-6);
    CHECK_NEAR(y[2], 20.5, 1e-6);
    CHECK_NEAR(y[3], 24.5, 1e-6);
}

static void naive_gemm(const k_gemm_desc *d, const float *a, const float *b, float *y)
{
    for (int64_t i = 0; i < d->m; i++)
        for (int64_t j = 0; j < d->n; j++) {
            double acc = 0;
            for (int64_t k = 0; k < d->k; k++)
                acc += (double)(d->trans_a ? a[k * d->m + i] : a[i * d->k + k]) *
                       (d->trans_b ? b[j * d->k + k] : b[k * d->n + j]);
            y[i * d->n + j] = (float)(d->alpha * acc + (d->accumulate ? y[i * d->n + j] : 0));
        }
}

static void test_gemm_kernel(k_state *ks)
{
    const int64_t shapes[][3] = {{3, 4, 5}, {1, 7, 3}, {17, 1, 9}, {33, 65, 70}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++)
        for (int combo = 0; combo < 16; combo++) {
            k_gemm_desc d = {.m = shapes[si][0], .n = shapes[si][1], .k = shapes[si][2], .trans_a = combo & 1,
                             .trans_b = (combo >> 1) & 1, .alpha = (combo & 4) ? 0.25f : 1.0f,
                             .accumulate = (combo >> 3) & 1};
            size_t yn = (size_t)(d.m * d.n);
            float *a = rand_buf((size_t)(d.m * d.k)), *b = rand_buf((size_t)(d.k * d.n)), *y0 = rand_buf(yn);
            float *y = malloc(yn * sizeof(float)), *want = malloc(yn * sizeof(float));
            memcpy(y, y0, yn * sizeof(float));
            memcpy(want, y0, yn * sizeof(float));
            naive_gemm(&d, a, b, want);
            CHECK_OK(k_f32_gemm(ks, &d, a, b, y));
            char what[96];
            snprintf(what, sizeof what, "gemm %lldx%lldx%lld combo %d", (long long)d.m, (long long)d.n,
                     (long long)d.k, combo);
            CHECK(close_all(y, want, yn, what));
            free(a);
            free(b);
            free(y0);
            free(y);
            free(want);
        }
}

static void naive_matmul(int r, const int64_t *ad, const int64_t *bd, const float *a, const float *b, float *y)
{
    int64_t yd[8], nb = 1, m = ad[r - 2], k = ad[r - 1], n = bd[r - 1];
    for (int i = 0; i < r - 2; i++) {
        yd[i] = ad[i] > bd[i] ? ad[i] : bd[i];
        nb *= yd[i];
    }
    for (int64_t bi = 0; bi < nb; bi++) {
        int64_t rem = bi, ao = 0, bo = 0, as = m * k, bs = k * n;
        for (int i = r - 3; i >= 0; i--) {
            int64_t idx = rem % yd[i];
            rem /= yd[i];
            ao += (ad[i] == 1 ? 0 : idx) * as;
            bo += (bd[i] == 1 ? 0 : idx) * bs;
            as *= ad[i];
            bs *= bd[i];
        }
        k_gemm_desc g = {.m = m, .n = n, .k = k, .alpha = 1.0f};
        naive_gemm(&g, a + ao, b + bo, y + bi * m * n);
    }
}

static void test_matmul_kernel(k_state *ks)
{
    struct {
        int r;
        int64_t a[4], b[4];
    } cases[] = {
        {2, {3, 4}, {4, 5}},
        {3, {2, 3, 4}, {2, 4, 3}},
        {4, {1, 2, 3, 4}, {1, 2, 4, 3}},
        {3, {5, 3, 4}, {1, 4, 6}},       /* shared right operand */
        {3, {1, 3, 4}, {5, 4, 6}},       /* broadcast left */
        {4, {2, 1, 3, 4}, {1, 3, 4, 2}}, /* both broadcast */
        {3, {4, 1, 8}, {4, 8, 1}},       /* batched dot products */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int r = cases[c].r;
        int64_t yd[4];
        for (int i = 0; i < r - 2; i++)
            yd[i] = cases[c].a[i] > cases[c].b[i] ? cases[c].a[i] : cases[c].b[i];
        yd[r - 2] = cases[c].a[r - 2];
        yd[r - 1] = cases[c].b[r - 1];
        size_t yn = prod(r, yd);
        float *a = rand_buf(prod(r, cases[c].a)), *b = rand_buf(prod(r, cases[c].b));
        float *y = malloc(yn * sizeof(float)), *want = malloc(yn * sizeof(float));
        naive_matmul(r, cases[c].a, cases[c].b, a, b, want);
        for (int pass = 0; pass < 2; pass++) {
            memset(y, 0xff, yn * sizeof(float));
            CHECK_OK(k_f32_matmul(ks, r, cases[c].a, cases[c].b, a, b, y));
            char what[64];
            snprintf(what, sizeof what, "matmul case %zu pass %d", c, pass);
            CHECK(close_all(y, want, yn, what));
        }
        free(a);
        free(b);
        free(y);
        free(want);
    }
}

int main(void)
{
    k_state *ks;
    CHECK_OK(k_state_create(2, &ks));
    test_conv_hand(ks);
    test_conv_kernels(ks);
    test_gemm_kernel(ks);
    test_matmul_kernel(ks);
    k_state_destroy(ks);
    k_state_destroy(NULL);
    return TEST_RESULT();
}
