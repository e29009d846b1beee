/* nn: the oneDNN convolution / matmul wrappers against naive references written here, and the Conv,
 * ConvTranspose, Gemm and MatMul shape inference and host execution. `test_nn --bench [threads]` times the
 * ResNet-50 convolutions instead (not part of ctest). */
#include "check.h"
#include "host/host.h"
#include "ir/conv_geom.h"
#include "kernels/kernels.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    {"1x1_plain", 2, 2, 8, 16, 1, {16, 14}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 1}, /* the NCHW path */
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


/* ---- IR inference and host execution ------------------------------------------------------------------ */

static ir_tensor *mk(ir_graph *g, const char *name, ir_dtype dt, int rank, const int64_t *dims, const void *data)
{
    ir_tensor *t;
    CHECK_OK(ir_graph_tensor(g, name, &t));
    t->dtype = dt;
    if (rank >= 0)
        ir_tensor_set_shape(t, rank, dims);
    if (data) {
        CHECK_OK(ir_tensor_alloc_const(g, t));
        memcpy(t->data, data, ir_tensor_nbytes(t));
    }
    return t;
}

static void attr_ints(ir_graph *g, ir_attr *a, const char *name, int cnt, const int64_t *v)
{
    a->name = name;
    a->type = IR_ATTR_INTS;
    a->n = cnt;
    a->ints = base_arena_alloc(g->arena, sizeof(int64_t) * (size_t)cnt);
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)cnt);
}

static void attr_int(ir_attr *a, const char *name, int64_t v)
{
    a->name = name;
    a->type = IR_ATTR_INT;
    a->i = v;
}

static void attr_float(ir_attr *a, const char *name, float v)
{
    a->name = name;
    a->type = IR_ATTR_FLOAT;
    a->f = v;
}

static void attr_str(ir_attr *a, const char *name, const char *v)
{
    a->name = name;
    a->type = IR_ATTR_STRING;
    a->s = v;
}

static ir_node *node(ir_graph *g, ir_op op, int n_in, int n_attrs, ir_tensor **in)
{
    ir_node *n;
    CHECK_OK(ir_graph_add_node(g, op, "n0", n_in, 1, n_attrs, &n));
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    CHECK_OK(ir_graph_tensor(g, "y", &n->out[0]));
    n->opset = 13;
    return n;
}

/* infers, allocates the output and runs the node on the host */
static dla_status run_node(host_ctx *ctx, ir_node *n)
{
    dla_status st = ir_infer_node(n);
    if (st != DLA_OK)
        return st;
    ir_tensor *y = n->out[0];
    free(y->data);
    y->data = calloc(ir_tensor_nbytes(y) + 8, 1);
    y->data_kind = IR_DATA_RUNTIME;
    return host_exec_node(ctx, n);
}

static void drop_output(ir_node *n)
{
    free(n->out[0]->data);
    n->out[0]->data = NULL;
    n->out[0]->data_kind = IR_DATA_NONE;
}

static void test_conv_infer(void)
{
    ir_graph *g;
    CHECK_OK(ir_graph_create(&g));
    int64_t xd[] = {1, 3, 5, 5}, wd[] = {4, 2, 3, 3};
    ir_tensor *in[3] = {mk(g, "x", IR_F32, 4, xd, NULL), mk(g, "w", IR_F32, 4, wd, NULL), NULL};
    ir_node *n = node(g, IR_OP_Conv, 2, 0, in);
    /* channels: 3 != 2 x group 1 */
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "input channels 3") != NULL);
    CHECK(strstr(dla_last_error(), "Conv 'n0'") != NULL);
    ir_graph_destroy(g);

    /* kernel larger than the padded input */
    CHECK_OK(ir_graph_create(&g));
    int64_t xd2[] = {1, 2, 2, 9}, wd2[] = {4, 2, 3, 3};
    in[0] = mk(g, "x", IR_F32, 4, xd2, NULL);
    in[1] = mk(g, "w", IR_F32, 4, wd2, NULL);
    n = node(g, IR_OP_Conv, 2, 0, in);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "spans 3") != NULL);
    ir_graph_destroy(g);

    /* SAME_UPPER / SAME_LOWER / explicit pads / unknown dims */
    const char *modes[] = {"SAME_UPPER", "SAME_LOWER"};
    for (int m = 0; m < 2; m++) {
        CHECK_OK(ir_graph_create(&g));
        int64_t xd3[] = {2, 4, 6, -1}, wd3[] = {6, 2, 3, 3}, st[] = {2, 2};
        in[0] = mk(g, "x", IR_F32, 4, xd3, NULL);
        in[1] = mk(g, "w", IR_F32, 4, wd3, NULL);
        n = node(g, IR_OP_Conv, 2, 3, in);
        attr_str(&n->attrs[0], "auto_pad", modes[m]);
        attr_ints(g, &n->attrs[1], "strides", 2, st);
        attr_int(&n->attrs[2], "group", 2);
        CHECK_OK(ir_infer_node(n));
        ir_tensor *y = n->out[0];
        CHECK(y->rank == 4 && y->dims[0] == 2 && y->dims[1] == 6 && y->dims[2] == 3 && y->dims[3] == -1);
        ir_conv_geom geo;
        CHECK_OK(ir_conv_geom_get(n, 0, &geo));
        /* in 6, k 3, s 2: out 3, total pad 1 goes to the end (UPPER) or the beginning (LOWER) */
        CHECK(geo.pb[0] == (m == 0 ? 0 : 1) && geo.pe[0] == (m == 0 ? 1 : 0));
        ir_graph_destroy(g);
    }

    /* asymmetric pads, dilation, 1-D; bias of the wrong length */
    CHECK_OK(ir_graph_create(&g));
    int64_t xd4[] = {1, 2, 10}, wd4[] = {3, 2, 3}, pads[] = {2, 1}, dil[] = {2}, bd[] = {4};
    in[0] = mk(g, "x", IR_F32, 3, xd4, NULL);
    in[1] = mk(g, "w", IR_F32, 3, wd4, NULL);
    in[2] = mk(g, "b", IR_F32, 1, bd, NULL);
    n = node(g, IR_OP_Conv, 3, 2, in);
    attr_ints(g, &n->attrs[0], "pads", 2, pads);
    attr_ints(g, &n->attrs[1], "dilations", 1, dil);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "3 values") != NULL);
    in[2]->dims[0] = 3;
    CHECK_OK(ir_infer_node(n));
    CHECK(n->out[0]->rank == 3 && n->out[0]->dims[2] == 9); /* (10 + 3 - 5) / 1 + 1 */
    ir_graph_destroy(g);

    /* ConvTranspose: output_shape gives negative end pads; output_padding adds zeros at the end */
    CHECK_OK(ir_graph_create(&g));
    int64_t xd5[] = {1, 1, 3, 3}, wd5[] = {1, 2, 3, 3}, os[] = {10, 8}, st5[] = {3, 2};
    in[0] = mk(g, "x", IR_F32, 4, xd5, NULL);
    in[1] = mk(g, "w", IR_F32, 4, wd5, NULL);
    n = node(g, IR_OP_ConvTranspose, 2, 2, in);
    attr_ints(g, &n->attrs[0], "output_shape", 2, os);
    attr_ints(g, &n->attrs[1], "strides", 2, st5);
    CHECK_OK(ir_infer_node(n));
    CHECK(n->out[0]->dims[1] == 2 && n->out[0]->dims[2] == 10 && n->out[0]->dims[3] == 8);
    ir_conv_geom geo;
    CHECK_OK(ir_conv_geom_get(n, 1, &geo));
    CHECK(geo.pb[0] == 0 && geo.pe[0] == -1 && geo.pb[1] == 0 && geo.pe[1] == -1);
    ir_graph_destroy(g);
}

/* ConvTranspose through the host: the node/test_convtranspose_output_shape expectations, by hand */
static void test_convtranspose_exec(host_ctx *ctx)
{
    ir_graph *g;
    CHECK_OK(ir_graph_create(&g));
    float xv[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8}, wv[18];
    for (int i = 0; i < 18; i++)
        wv[i] = 1.0f;
    int64_t xd[] = {1, 1, 3, 3}, wd[] = {1, 2, 3, 3}, os[] = {10, 8}, st[] = {3, 2};
    ir_tensor *in[2] = {mk(g, "x", IR_F32, 4, xd, xv), mk(g, "w", IR_F32, 4, wd, wv)};
    ir_node *n = node(g, IR_OP_ConvTranspose, 2, 2, in);
    attr_ints(g, &n->attrs[0], "output_shape", 2, os);
    attr_ints(g, &n->attrs[1], "strides", 2, st);
    CHECK_OK(run_node(ctx, n));
    const float *y = n->out[0]->data;
    static const float row0[8] = {0, 0, 1, 1, 3, 2, 2, 0}, row6[8] = {6, 6, 13, 7, 15, 8, 8, 0};
    for (int j = 0; j < 8; j++) {
        CHECK_NEAR(y[j], row0[j], 1e-5);
        CHECK_NEAR(y[6 * 8 + j], row6[j], 1e-5);
        CHECK_NEAR(y[9 * 8 + j], 0, 1e-5);      /* the row past the full result */
        CHECK_NEAR(y[80 + 6 * 8 + j], row6[j], 1e-5); /* channel 1 is the same */
    }
    drop_output(n);
    ir_graph_destroy(g);
}

static void test_gemm_exec(host_ctx *ctx)
{
    const int64_t M = 3, N = 4, K = 5;
    const int64_t cshapes[][3] = {{0}, {1, N}, {2, 1, N}, {2, M, 1}, {2, M, N}, {1, 1}, {-1}};
    for (size_t ci = 0; ci < sizeof cshapes / sizeof cshapes[0]; ci++)
        for (int combo = 0; combo < 4; combo++) {
            ir_graph *g;
            CHECK_OK(ir_graph_create(&g));
            int ta = combo & 1, tb = combo >> 1;
            float av[15], bv[20], cv[12];
            for (int i = 0; i < 15; i++)
                av[i] = frand();
            for (int i = 0; i < 20; i++)
                bv[i] = frand();
            for (int i = 0; i < 12; i++)
                cv[i] = frand();
            int64_t ad[2] = {ta ? K : M, ta ? M : K}, bd[2] = {tb ? N : K, tb ? K : N};
            int has_c = cshapes[ci][0] >= 0;
            ir_tensor *in[3] = {mk(g, "a", IR_F32, 2, ad, av), mk(g, "b", IR_F32, 2, bd, bv),
                                has_c ? mk(g, "c", IR_F32, (int)cshapes[ci][0], cshapes[ci] + 1, cv) : NULL};
            ir_node *n = node(g, IR_OP_Gemm, has_c ? 3 : 2, 4, in);
            attr_int(&n->attrs[0], "transA", ta);
            attr_int(&n->attrs[1], "transB", tb);
            attr_float(&n->attrs[2], "alpha", 0.5f);
            attr_float(&n->attrs[3], "beta", 0.25f);
            CHECK_OK(run_node(ctx, n));
            CHECK(n->out[0]->rank == 2 && n->out[0]->dims[0] == M && n->out[0]->dims[1] == N);
            const float *y = n->out[0]->data;
            for (int64_t i = 0; i < M; i++)
                for (int64_t j = 0; j < N; j++) {
                    double acc = 0;
                    for (int64_t q = 0; q < K; q++)
                        acc += (double)(ta ? av[q * M + i] : av[i * K + q]) * (tb ? bv[j * K + q] : bv[q * N + j]);
                    double c = 0;
                    if (has_c) {
                        int r = (int)cshapes[ci][0];
                        int64_t cn = r ? cshapes[ci][r] : 1, cm = r == 2 ? cshapes[ci][1] : 1;
                        c = cv[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
                    }
                    CHECK_NEAR(y[i * N + j], 0.5 * acc + 0.25 * c, 1e-5);
                }
            drop_output(n);
            ir_graph_destroy(g);
        }

    /* float64 and int32 take the generic paths */
    ir_graph *g;
    CHECK_OK(ir_graph_create(&g));
    double ad64[4] = {1, 2, 3, 4}, bd64[4] = {5, 6, 7, 8};
    int64_t d22[2] = {2, 2};
    ir_tensor *in[2] = {mk(g, "a", IR_F64, 2, d22, ad64), mk(g, "b", IR_F64, 2, d22, bd64)};
    ir_node *n = node(g, IR_OP_Gemm, 2, 0, in);
    CHECK_OK(run_node(ctx, n));
    const double *y64 = n->out[0]->data;
    CHECK(n->out[0]->dtype == IR_F64);
    CHECK_NEAR(y64[0], 19, 1e-12);
    CHECK_NEAR(y64[3], 50, 1e-12);
    drop_output(n);
    ir_graph_destroy(g);

    /* inner dims that differ are an error naming both */
    CHECK_OK(ir_graph_create(&g));
    int64_t d23[2] = {2, 3};
    in[0] = mk(g, "a", IR_F32, 2, d23, NULL);
    in[1] = mk(g, "b", IR_F32, 2, d23, NULL);
    n = node(g, IR_OP_Gemm, 2, 0, in);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "inner dims") != NULL);
    ir_graph_destroy(g);
}

static void test_matmul_exec(host_ctx *ctx)
{
    struct {
        int ra, rb;
        int64_t a[4], b[4];
        int ry;
        int64_t y[4];
    } cases[] = {
        {1, 1, {3}, {3}, 0, {0}},
        {3, 1, {2, 3, 4}, {4}, 2, {2, 3}},
        {1, 3, {4}, {2, 4, 5}, 2, {2, 5}},
        {4, 3, {2, 1, 3, 4}, {5, 4, 6}, 4, {2, 5, 3, 6}},
        {2, 2, {3, 4}, {4, 2}, 2, {3, 2}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int ti = 0; ti < 2; ti++) {
            ir_dtype dt = ti ? IR_I32 : IR_F32;
            ir_graph *g;
            CHECK_OK(ir_graph_create(&g));
            size_t na = prod(cases[c].ra, cases[c].a), nb = prod(cases[c].rb, cases[c].b);
            float af[256], bf[256];
            int32_t ai[256], bi[256];
            for (size_t i = 0; i < na; i++)
                af[i] = (float)(ai[i] = (int32_t)(i % 7) - 3);
            for (size_t i = 0; i < nb; i++)
                bf[i] = (float)(bi[i] = (int32_t)(i % 5) - 2);
            ir_tensor *in[2] = {mk(g, "a", dt, cases[c].ra, cases[c].a, ti ? (void *)ai : (void *)af),
                                mk(g, "b", dt, cases[c].rb, cases[c].b, ti ? (void *)bi : (void *)bf)};
            ir_node *n = node(g, IR_OP_MatMul, 2, 0, in);
            CHECK_OK(run_node(ctx, n));
            ir_tensor *y = n->out[0];
            CHECK(y->rank == cases[c].ry);
            for (int i = 0; i < y->rank && i < cases[c].ry; i++)
                CHECK(y->dims[i] == cases[c].y[i]);
            /* expected through the padded-rank naive product */
            int64_t ad[4], bd[4];
            int r = cases[c].ra > cases[c].rb ? cases[c].ra : cases[c].rb;
            r = r < 2 ? 2 : r;
            int64_t ea[4], eb[4];
            int ra = cases[c].ra, rb = cases[c].rb;
            if (ra == 1) {
                ea[0] = 1;
                ea[1] = cases[c].a[0];
                ra = 2;
            } else
                memcpy(ea, cases[c].a, sizeof ea);
            if (rb == 1) {
                eb[0] = cases[c].b[0];
                eb[1] = 1;
                rb = 2;
            } else
                memcpy(eb, cases[c].b, sizeof eb);
            for (int i = 0; i < r; i++) {
                ad[i] = i < r - ra ? 1 : ea[i - (r - ra)];
                bd[i] = i < r - rb ? 1 : eb[i - (r - rb)];
            }
            float want[256];
            naive_matmul(r, ad, bd, af, bf, want);
            size_t ny = (size_t)ir_tensor_numel(y);
            for (size_t i = 0; i < ny; i++) {
                double got = ti ? ((int32_t *)y->data)[i] : ((float *)y->data)[i];
                CHECK_NEAR(got, want[i], 1e-4);
            }
            drop_output(n);
            ir_graph_destroy(g);
        }

    ir_graph *g;
    CHECK_OK(ir_graph_create(&g));
    int64_t a[3] = {2, 3, 4}, b[3] = {3, 5, 6};
    ir_tensor *in[2] = {mk(g, "a", IR_F32, 3, a, NULL), mk(g, "b", IR_F32, 3, b, NULL)};
    ir_node *n = node(g, IR_OP_MatMul, 2, 0, in);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "4 vs 5") != NULL);
    ir_graph_destroy(g);
}

/* Conv with float64 data through the host (float32 inside), against the naive reference */
static void test_conv_f64(host_ctx *ctx)
{
    ir_graph *g;
    CHECK_OK(ir_graph_create(&g));
    int64_t xd[] = {1, 2, 5, 4}, wd[] = {3, 2, 2, 2}, bd[] = {3}, pads[] = {1, 0, 0, 1};
    double xv[40], wv[24], bv[3];
    float xf[40], wf[24], bf[3], want[3 * 5 * 4];
    for (int i = 0; i < 40; i++)
        xf[i] = (float)(xv[i] = frand());
    for (int i = 0; i < 24; i++)
        wf[i] = (float)(wv[i] = frand());
    for (int i = 0; i < 3; i++)
        bf[i] = (float)(bv[i] = frand());
    ir_tensor *in[3] = {mk(g, "x", IR_F64, 4, xd, xv), mk(g, "w", IR_F64, 4, wd, wv), mk(g, "b", IR_F64, 1, bd, bv)};
    ir_node *n = node(g, IR_OP_Conv, 3, 1, in);
    attr_ints(g, &n->attrs[0], "pads", 4, pads);
    CHECK_OK(run_node(ctx, n));
    ir_tensor *y = n->out[0];
    CHECK(y->dtype == IR_F64 && y->dims[2] == 5 && y->dims[3] == 4);
    k_conv_desc d = {.nsp = 2, .n = 1, .c_in = 2, .c_out = 3, .group = 1, .in = {5, 4}, .out = {5, 4},
                     .k = {2, 2}, .stride = {1, 1}, .dil = {1, 1}, .pad_l = {1, 0}, .pad_r = {0, 1}};
    naive_conv(&d, xf, wf, bf, want);
    for (int i = 0; i < 60; i++)
        CHECK_NEAR(((double *)y->data)[i], want[i], 1e-4);
    drop_output(n);
    ir_graph_destroy(g);
}

/* ---- benchmark (not run by ctest): test_nn --bench [threads] ----------------------------------------------
 * The convolutions of torchvision ResNet-50 at batch 1 (count = occurrences in the network), each timed as the
 * best of 20 warm calls through k_f32_conv, reorders included. DLA_CONV_LAYOUT=plain|blocked forces a policy. */
static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int bench_resnet50(int threads)
{
    static const int shapes[][6] = {/* c_in, c_out, in, k, stride, count */
        {3, 64, 224, 7, 2, 1},      {64, 64, 56, 1, 1, 1},     {64, 64, 56, 3, 1, 3},    {64, 256, 56, 1, 1, 4},
        {256, 64, 56, 1, 1, 2},     {256, 128, 56, 1, 1, 1},   {128, 128, 56, 3, 2, 1},  {128, 512, 28, 1, 1, 4},
        {256, 512, 56, 1, 2, 1},    {512, 128, 28, 1, 1, 3},   {128, 128, 28, 3, 1, 3},  {512, 256, 28, 1, 1, 1},
        {256, 256, 28, 3, 2, 1},    {256, 1024, 14, 1, 1, 6},  {512, 1024, 28, 1, 2, 1}, {1024, 256, 14, 1, 1, 5},
        {256, 256, 14, 3, 1, 5},    {1024, 512, 14, 1, 1, 1},  {512, 512, 14, 3, 2, 1},  {512, 2048, 7, 1, 1, 3},
        {1024, 2048, 14, 1, 2, 1},  {2048, 512, 7, 1, 1, 2},   {512, 512, 7, 3, 1, 2},
    };
    omp_set_num_threads(threads);
    k_state *ks;
    if (k_state_create(threads, &ks) != DLA_OK)
        return 1;
    double total = 0, flops = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const int *c = shapes[i];
        int64_t p = c[3] / 2, out = (c[2] + 2 * p - c[3]) / c[4] + 1;
        k_conv_desc d = {.nsp = 2, .n = 1, .c_in = c[0], .c_out = c[1], .group = 1, .in = {c[2], c[2]},
                         .out = {out, out}, .k = {c[3], c[3]}, .stride = {c[4], c[4]}, .dil = {1, 1},
                         .pad_l = {p, p}, .pad_r = {p, p}};
        float *x = rand_buf((size_t)c[0] * (size_t)(c[2] * c[2])), *b = rand_buf((size_t)c[1]);
        float *w = rand_buf((size_t)c[1] * (size_t)c[0] * (size_t)(c[3] * c[3]));
        float *y = malloc(sizeof(float) * (size_t)c[1] * (size_t)(out * out));
        double t0 = now_s(), best = 1e30;
        if (k_f32_conv(ks, &d, x, w, 1, b, y) != DLA_OK)
            return 1;
        double first = now_s() - t0;
        for (int r = 0; r < 20; r++) {
            t0 = now_s();
            k_f32_conv(ks, &d, x, w, 1, b, y);
            double t = now_s() - t0;
            best = t < best ? t : best;
        }
        double f = 2.0 * c[1] * c[0] * c[3] * c[3] * (double)(out * out);
        printf("%4d->%4d %3dx%-3d k%d s%d x%d: %7.3f ms %6.1f GFLOP/s (first call %.1f ms) %s\n", c[0], c[1], c[2],
               c[2], c[3], c[4], c[5], best * 1e3, f / best * 1e-9, first * 1e3, k_state_last_impl(ks));
        total += best * c[5];
        flops += f * c[5];
        free(x);
        free(w);
        free(b);
        free(y);
    }
    printf("ResNet-50 convolutions, %d thread(s): %.2f ms, %.1f GFLOP/s (%.2f GFLOP)\n", threads, total * 1e3,
           flops / total * 1e-9, flops * 1e-9);
    k_state_destroy(ks);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--bench"))
        return bench_resnet50(argc > 2 ? atoi(argv[2]) : 2);
    k_state *ks;
    CHECK_OK(k_state_create(2, &ks));
    test_conv_hand(ks);
    test_conv_kernels(ks);
    test_gemm_kernel(ks);
    test_matmul_kernel(ks);
    k_state_destroy(ks);
    k_state_destroy(NULL);

    host_ctx ctx;
    CHECK_OK(host_ctx_init(&ctx, 2));
    test_conv_infer();
    test_convtranspose_exec(&ctx);
    test_gemm_exec(&ctx);
    test_matmul_exec(&ctx);
    test_conv_f64(&ctx);
    host_ctx_release(&ctx);
    return TEST_RESULT();
}
