/* Lowering end to end (lower*.c, tile.c): small ONNX-level graphs are lowered through a test-only task builder
 * (lower4_tb.c), the recorded engine ops run on the engine model over plain buffers, and the output is compared
 * with the host FP32 executor: FP16 cosine >= 0.9999 and max error <= 1e-2 of the largest |value|; INT8 (scales
 * from max calibration on the same input) cosine >= 0.99 and a few quantization steps. One INT8 convolution is
 * checked integer for integer against an independent computation of the documented arithmetic. */
#include "check.h"
#include "compiler/lower.h"
#include "engine/format.h"
#include "host/host.h"
#include "lower4_tb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- graph building --------------------------------------------------------------------------------------- */

static ir_graph *G;
static int uniq;
static unsigned wseed;

static float wrand(void)
{
    wseed = wseed * 1664525u + 1013904223u;
    return ((float)(wseed >> 8) / 16777216.0f) * 2.0f - 1.0f;
}

static void begin(void)
{
    CHECK_OK(ir_graph_create(&G));
    G->opset = 17;
    uniq = 0;
    wseed = 777;
}

static ir_tensor *named(const char *prefix)
{
    char name[32];
    ir_tensor *t = NULL;
    snprintf(name, sizeof name, "%s%d", prefix, uniq++);
    CHECK_OK(ir_graph_tensor(G, name, &t));
    return t;
}

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})

static ir_tensor *input(int rank, const int64_t *dims)
{
    ir_tensor *x = named("in");
    x->dtype = IR_F32;
    ir_tensor_set_shape(x, rank, dims);
    CHECK_OK(ir_graph_add_input(G, x));
    return x;
}

/* Random float constant in [lo - a, lo + a]. */
static ir_tensor *cf(int rank, const int64_t *dims, float lo, float a)
{
    ir_tensor *x = named("c");
    x->dtype = IR_F32;
    ir_tensor_set_shape(x, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(G, x));
    float *p = x->data;
    for (int64_t i = 0; i < ir_tensor_numel(x); i++)
        p[i] = lo + a * wrand();
    return x;
}

static ir_node *nd(ir_op op, const char *name, int n_in, ir_tensor *const *in)
{
    ir_node *n = NULL;
    CHECK_OK(ir_graph_add_node(G, op, name, n_in, 1, 8, &n));
    n->n_attrs = 0;
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    char out[64];
    snprintf(out, sizeof out, "%s_out", name);
    CHECK_OK(ir_graph_tensor(G, out, &n->out[0]));
    n->opset = G->opset;
    return n;
}
#define IN(...) ((ir_tensor *const[]){__VA_ARGS__})
#define NODE(op, name, ...) nd(op, name, (int)(sizeof IN(__VA_ARGS__) / sizeof(ir_tensor *)), IN(__VA_ARGS__))

static ir_attr *attr(ir_node *n, const char *name, ir_attr_type type)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->type = type;
    return a;
}
static void ai(ir_node *n, const char *name, int64_t v) { attr(n, name, IR_ATTR_INT)->i = v; }
static void af(ir_node *n, const char *name, float v) { attr(n, name, IR_ATTR_FLOAT)->f = v; }
static void ais(ir_node *n, const char *name, int k, const int64_t *v)
{
    ir_attr *a = attr(n, name, IR_ATTR_INTS);
    a->n = k;
    a->ints = base_arena_alloc(G->arena, sizeof(int64_t) * (size_t)k);
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)k);
}

static ir_tensor *out0(ir_node *n)
{
    CHECK_OK(ir_infer_node(n));
    return n->out[0];
}

static ir_tensor *conv(const char *name, ir_tensor *x, int K, int kh, int kw, int stride, int pad, int group,
                       int dil, int bias)
{
    int64_t C = x->dims[1];
    float a = 1.5f / sqrtf((float)(C / group * kh * kw));
    ir_tensor *w = cf(4, DIMS(K, C / group, kh, kw), 0, a);
    ir_node *n = bias ? NODE(IR_OP_Conv, name, x, w, cf(1, DIMS(K), 0, 0.5f)) : NODE(IR_OP_Conv, name, x, w);
    ais(n, "kernel_shape", 2, DIMS(kh, kw));
    ais(n, "strides", 2, DIMS(stride, stride));
    ais(n, "pads", 4, DIMS(pad, pad, pad, pad));
    ais(n, "dilations", 2, DIMS(dil, dil));
    ai(n, "group", group);
    return out0(n);
}

static ir_tensor *unary(ir_op op, const char *name, ir_tensor *x) { return out0(NODE(op, name, x)); }

static ir_tensor *pool(ir_op op, const char *name, ir_tensor *x, int k, int s, int p)
{
    ir_node *n = NODE(op, name, x);
    ais(n, "kernel_shape", 2, DIMS(k, k));
    ais(n, "strides", 2, DIMS(s, s));
    ais(n, "pads", 4, DIMS(p, p, p, p));
    if (op == IR_OP_AveragePool)
        ai(n, "count_include_pad", 1);
    return out0(n);
}

static ir_graph *finish(ir_tensor *y)
{
    CHECK_OK(ir_graph_add_output(G, y));
    CHECK_OK(ir_graph_toposort(G));
    CHECK_OK(ir_graph_infer(G));
    ir_graph *g = G;
    G = NULL;
    return g;
}

/* ---- running ---------------------------------------------------------------------------------------------- */

static void observe(void *user, const ir_node *n)
{
    double *m = user;
    for (int j = 0; j < n->n_out; j++) {
        const ir_tensor *t = n->out[j];
        if (!t || !t->data || t->dtype != IR_F32)
            continue;
        for (int64_t i = 0; i < ir_tensor_numel(t); i++)
            m[t->id] = fmax(m[t->id], fabs(((const float *)t->data)[i]));
    }
}

typedef struct result {
    double cosine, maxrel;
    int n_ops;
} result;

/* Runs g on the host and through the lowering; returns the comparison. keep: the builder (caller destroys). */
static result run_case(const char *label, ir_graph *g, cc_prec prec, uint32_t cbuf, cc_task_builder **keep)
{
    result r = {0, 1e9, 0};
    unsigned seed = 4242;
    double *mx = calloc((size_t)g->n_tensors + 1, sizeof(double));
    float **in = calloc((size_t)g->n_inputs + 1, sizeof(float *));
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = g->inputs[i];
        int64_t n = ir_tensor_numel(t);
        in[i] = malloc(sizeof(float) * (size_t)n);
        for (int64_t k = 0; k < n; k++) {
            seed = seed * 1664525u + 1013904223u;
            in[i][k] = ((float)(seed >> 8) / 16777216.0f) * 2.0f - 1.0f;
            mx[t->id] = fmax(mx[t->id], fabs(in[i][k]));
        }
        t->data = in[i];
        t->data_kind = IR_DATA_RUNTIME;
    }
    host_options ho;
    memset(&ho, 0, sizeof ho);
    ho.on_output = observe;
    ho.user = mx;
    ho.no_fusion = 1;
    host_exec *x = NULL;
    float *ref = NULL;
    CHECK_OK(host_exec_create(g, &ho, &x));
    if (x) {
        CHECK_OK(host_exec_run(x));
        ref = host_exec_take_output(x, 0);
        host_exec_destroy(x);
    }
    for (int i = 0; i < g->n_inputs; i++) {
        g->inputs[i]->data = NULL;
        g->inputs[i]->data_kind = IR_DATA_NONE;
    }
    cc_task_builder *tb = l4tb_create(g, prec);
    if (prec == CC_PREC_INT8)
        for (int i = 0; i < g->n_tensors; i++)
            if (g->tensors[i]->data_kind != IR_DATA_CONST)
                l4tb_set(tb, g->tensors[i], CC_PREC_INT8, (float)(mx[i] > 0 ? mx[i] / 127.0 : 1.0 / 127.0));
    int *ids = malloc(sizeof(int) * (size_t)g->n_nodes);
    for (int i = 0; i < g->n_nodes; i++)
        ids[i] = i;
    dla_status st = lw_lower_task(tb, g, ids, g->n_nodes, cbuf);
    CHECK_OK(st);
    const ir_tensor *y = g->outputs[0];
    int64_t n = ir_tensor_numel(y);
    float *out = calloc((size_t)n, sizeof(float));
    if (st == DLA_OK) {
        for (int i = 0; i < g->n_inputs; i++)
            CHECK_OK(l4tb_write(tb, g->inputs[i], in[i]));
        CHECK_OK(l4tb_run(tb, NULL));
        CHECK_OK(l4tb_read(tb, y, out));
    }
    if (ref && st == DLA_OK) {
        double dot = 0, na = 0, nb = 0, m = 1e-12, e = 0;
        for (int64_t i = 0; i < n; i++) {
            dot += (double)ref[i] * out[i];
            na += (double)ref[i] * ref[i];
            nb += (double)out[i] * out[i];
            m = fmax(m, fabs(ref[i]));
            e = fmax(e, fabs((double)ref[i] - out[i]));
        }
        r.cosine = dot / (sqrt(na * nb) + 1e-30);
        r.maxrel = e / m;
    }
    r.n_ops = l4tb_n_ops(tb);
    printf("%-34s %s ops %2d  cosine %.6f  max err %.2e of max|y|\n", label, prec == CC_PREC_INT8 ? "INT8" : "FP16",
           r.n_ops, r.cosine, r.maxrel);
    for (int i = 0; i < r.n_ops && getenv("L4_VERBOSE"); i++)
        printf("    op %d type %d  %s\n", i, l4tb_op(tb, i)->type, l4tb_layer(tb, i));
    if (keep)
        *keep = tb;
    else
        l4tb_destroy(tb);
    free(ids);
    free(out);
    free(ref);
    for (int i = 0; i < g->n_inputs; i++)
        free(in[i]);
    free(in);
    free(mx);
    return r;
}

static void expect(result r, cc_prec prec)
{
    if (prec == CC_PREC_FP16) {
        CHECK(r.cosine >= 0.9999);
        CHECK(r.maxrel <= 1e-2);
    } else {
        CHECK(r.cosine >= 0.99);
        CHECK(r.maxrel <= 0.06);
    }
}

/* ---- cases -------------------------------------------------------------------------------------------------- */

static ir_graph *g_conv_relu(int C, int K, int H, int W)
{
    begin();
    ir_tensor *x = input(4, DIMS(1, C, H, W));
    ir_tensor *y = conv("Conv_1", x, K, 3, 3, 1, 1, 1, 1, 1);
    return finish(unary(IR_OP_Relu, "Relu_2", y));
}

static void test_conv_relu(void)
{
    for (int p = 0; p < 2; p++) {
        ir_graph *g = g_conv_relu(8, 24, 10, 12);
        cc_task_builder *tb = NULL;
        result r = run_case("conv3x3+relu", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, &tb);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        CHECK(r.n_ops == 2); /* CONV + fused SDP */
        if (tb && r.n_ops >= 2) {
            CHECK(l4tb_op(tb, 0)->type == ENG_OP_CONV);
            CHECK(l4tb_op(tb, 1)->type == ENG_OP_SDP);
            CHECK(strcmp(l4tb_layer(tb, 1), "Conv_1 + Relu_2") == 0);
        }
        l4tb_destroy(tb);
        ir_graph_destroy(g);
    }
}

/* Independent integer model of an INT8 Conv(3x3, pad 1, bias) + Relu, from the documented derivation. */
static int64_t rhaz_div_pow2(int64_t x, int n)
{
    if (n == 0)
        return x;
    int64_t a = x < 0 ? -x : x, q = (a + ((int64_t)1 << (n - 1))) >> n;
    return x < 0 ? -q : q;
}
static int64_t rnd(double v) { return (int64_t)(v < 0 ? -floor(-v + 0.5) : floor(v + 0.5)); }
static int64_t sat(int64_t v, int bits)
{
    int64_t hi = ((int64_t)1 << (bits - 1)) - 1, lo = -hi - 1;
    return v > hi ? hi : v < lo ? lo : v;
}

static void test_int8_exact(void)
{
    ir_graph *g = g_conv_relu(5, 7, 6, 7);
    cc_task_builder *tb = NULL;
    result r = run_case("conv+relu exact ints", g, CC_PREC_INT8, 0, &tb);
    expect(r, CC_PREC_INT8);
    if (!tb) {
        ir_graph_destroy(g);
        return;
    }
    const ir_node *cn = g->nodes[0]->op == IR_OP_Conv ? g->nodes[0] : g->nodes[1];
    const ir_tensor *x = cn->in[0], *wt = cn->in[1], *bt = cn->in[2], *y = g->outputs[0];
    int C = 5, K = 7, H = 6, W = 7;
    double s_in = cc_tb_scale(tb, x), s_out = cc_tb_scale(tb, y);
    cc_surface sx, sy;
    uint8_t *bx, *by;
    CHECK_OK(l4tb_raw(tb, x, &sx, &bx));
    CHECK_OK(l4tb_raw(tb, y, &sy, &by));
    const float *w = wt->data, *b = bt->data;
    int per_k = C * 9, mism = 0, total = 0;
    int8_t *q = malloc((size_t)K * per_k);
    double *s_w = malloc(sizeof(double) * K);
    int64_t worst = 0;
    for (int k = 0; k < K; k++) {
        double m = 0;
        int64_t sum = 0;
        for (int i = 0; i < per_k; i++)
            m = fmax(m, fabs(w[k * per_k + i]));
        s_w[k] = m / 127.0;
        for (int i = 0; i < per_k; i++) {
            q[k * per_k + i] = (int8_t)sat(rnd(w[k * per_k + i] / s_w[k]), 8);
            sum += llabs(q[k * per_k + i]);
        }
        worst = sum * 128 > worst ? sum * 128 : worst;
    }
    int ct = 0;
    while ((worst >> ct) > INT32_MAX)
        ct++;
    double s_fine = ldexp(s_out, -8), R = 0;
    for (int k = 0; k < K; k++)
        R = fmax(R, s_in * s_w[k] * ldexp(1.0, ct) / s_fine);
    int16_t nmax, on;
    uint8_t t, om;
    CHECK_OK(eng_scale_shift(R, 63, &nmax, &t));
    CHECK_OK(eng_scale_shift(s_fine / s_out, 63, &on, &om));
    /* bias: one shift for all channels */
    int64_t Q[16];
    int sh = 0;
    for (int k = 0; k < K; k++)
        Q[k] = rnd(b[k] / (s_in * s_w[k] * ldexp(1.0, ct)));
    for (;;) {
        int ok = 1;
        for (int k = 0; k < K; k++)
            ok &= llabs(rhaz_div_pow2(Q[k], sh)) <= 32767;
        if (ok)
            break;
        sh++;
    }
    for (int k = 0; k < K; k++) {
        int64_t bias = rhaz_div_pow2(Q[k], sh) * ((int64_t)1 << sh);
        int64_t n_k = rnd(ldexp(s_in * s_w[k] * ldexp(1.0, ct) / s_fine, t));
        for (int oy = 0; oy < H; oy++)
            for (int ox = 0; ox < W; ox++) {
                int64_t acc = 0;
                for (int c = 0; c < C; c++)
                    for (int r = 0; r < 3; r++)
                        for (int s = 0; s < 3; s++) {
                            int iy = oy + r - 1, ix = ox + s - 1;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            int8_t xv = (int8_t)bx[eng_geom_at(&sx.geom, (uint32_t)c, (uint32_t)iy, (uint32_t)ix)];
                            acc += (int64_t)xv * q[k * per_k + c * 9 + r * 3 + s];
                        }
                int64_t v = sat(rhaz_div_pow2(acc, ct), 32) + bias;
                v = sat(rhaz_div_pow2(v * n_k, t), 32);
                v = v < 0 ? 0 : v;
                v = sat(sat(rhaz_div_pow2(v * on, om), 17), 8);
                int8_t got = (int8_t)by[eng_geom_at(&sy.geom, (uint32_t)k, (uint32_t)oy, (uint32_t)ox)];
                mism += got != v;
                total++;
            }
    }
    printf("    exact INT8 check: %d of %d outputs differ (clip_truncate %d, X1 truncate %u, bias shift %d)\n", mism,
           total, ct, t, sh);
    CHECK(mism == 0);
    free(q);
    free(s_w);
    l4tb_destroy(tb);
    ir_graph_destroy(g);
}

static void test_residual(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 16, 9, 9));
        ir_tensor *a = unary(IR_OP_Relu, "Relu_1", conv("Conv_1", x, 16, 3, 3, 1, 1, 1, 1, 1));
        ir_tensor *b = conv("Conv_2", a, 16, 3, 3, 1, 1, 1, 1, 1);
        ir_tensor *s = out0(NODE(IR_OP_Add, "Add_3", b, x));
        ir_graph *g = finish(unary(IR_OP_Relu, "Relu_4", s));
        cc_task_builder *tb = NULL;
        result r = run_case("conv+add+relu residual", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, &tb);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        CHECK(r.n_ops == 4);
        if (tb && r.n_ops == 4)
            CHECK(strcmp(l4tb_layer(tb, 3), "Conv_2 + Add_3 + Relu_4") == 0);
        l4tb_destroy(tb);
        ir_graph_destroy(g);
    }
}

static void test_conv_pool(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 3, 16, 16));
        ir_tensor *a = unary(IR_OP_Relu, "Relu_2", conv("Conv_1", x, 32, 3, 3, 2, 1, 1, 1, 1));
        ir_graph *g = finish(pool(IR_OP_MaxPool, "MaxPool_3", a, 3, 2, 1));
        result r = run_case("conv+relu+maxpool (fused PDP)", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, NULL);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        CHECK(r.n_ops == 3);
        ir_graph_destroy(g);
    }
}

static void test_depthwise_dilated(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 24, 11, 10));
        ir_tensor *a = conv("Conv_dw", x, 24, 3, 3, 1, 1, 24, 1, 1);
        ir_tensor *b = conv("Conv_dil", a, 20, 3, 3, 1, 2, 1, 2, 0);
        ir_graph *g = finish(unary(IR_OP_Relu, "Relu", b));
        result r = run_case("depthwise + dilated conv", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, NULL);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        ir_graph_destroy(g);
    }
}

static void test_gemm(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(2, DIMS(1, 40));
        ir_node *n = NODE(IR_OP_Gemm, "Gemm_1", x, cf(2, DIMS(30, 40), 0, 0.3f), cf(1, DIMS(30), 0, 0.5f));
        ai(n, "transB", 1);
        af(n, "alpha", 0.8f);
        ir_graph *g = finish(unary(IR_OP_Relu, "Relu_2", out0(n)));
        result r = run_case("gemm as 1x1 conv", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, NULL);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        CHECK(r.n_ops == 2);
        ir_graph_destroy(g);
    }
}

static void test_deconv(void)
{
    const int ks[3] = {3, 2, 4};
    for (int v = 0; v < 3; v++)
        for (int p = 0; p < 2; p++) {
            begin();
            ir_tensor *x = input(4, DIMS(1, 8, 5, 6));
            int k = ks[v];
            ir_node *n = NODE(IR_OP_ConvTranspose, "ConvT_1", x, cf(4, DIMS(8, 12, k, k), 0, 0.4f), cf(1, DIMS(12), 0, 0.3f));
            ais(n, "kernel_shape", 2, DIMS(k, k));
            ais(n, "strides", 2, DIMS(2, 2));
            ir_graph *g = finish(unary(IR_OP_Relu, "Relu_2", out0(n)));
            char label[64];
            snprintf(label, sizeof label, "convtranspose k%d s2", k);
            result r = run_case(label, g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, NULL);
            expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
            CHECK(r.n_ops == 9); /* 4 phases x (CONV + SDP) + RUBIK contract */
            ir_graph_destroy(g);
        }
}

static void test_avgpool_bn_sigmoid(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 20, 8, 8));
        ir_tensor *a = pool(IR_OP_AveragePool, "AvgPool_1", x, 3, 1, 1);
        ir_node *bn = NODE(IR_OP_BatchNormalization, "BN_2", a, cf(1, DIMS(20), 1, 0.5f), cf(1, DIMS(20), 0, 0.5f),
                           cf(1, DIMS(20), 0, 0.2f), cf(1, DIMS(20), 0.5f, 0.3f));
        ir_tensor *b = out0(bn);
        ir_graph *g = finish(unary(IR_OP_Sigmoid, "Sigmoid_3", b));
        cc_task_builder *tb = NULL;
        result r = run_case("avgpool, batchnorm+sigmoid (LUT)", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, &tb);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        /* FP16: PDP + SDP; INT8: the pooled scale differs from the input's (max calibration), so the pooling runs
         * as a depthwise CONV (weights 1/9) whose SDP rescales once and fuses the BN + sigmoid (lw_avgpool_as_conv) */
        CHECK(r.n_ops == 2);
        if (tb && l4tb_n_ops(tb) > 0)
            CHECK(l4tb_op(tb, 0)->type == (p ? ENG_OP_CONV : ENG_OP_PDP));
        l4tb_destroy(tb);
        ir_graph_destroy(g);
    }
}

static void test_concat_alias(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 8, 7, 7));
        ir_tensor *a = unary(IR_OP_Relu, "Relu_a", conv("Conv_a", x, 32, 1, 1, 1, 0, 1, 1, 1));
        ir_tensor *b = unary(IR_OP_Tanh, "Tanh_b", conv("Conv_b", x, 16, 3, 3, 1, 1, 1, 1, 1));
        ir_node *c = NODE(IR_OP_Concat, "Concat_c", a, b);
        ai(c, "axis", 1);
        ir_graph *g = finish(unary(IR_OP_Relu, "Relu_out", out0(c)));
        cc_task_builder *tb = NULL;
        result r = run_case("concat on C (aliases)", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, &tb);
        /* INT8: the inputs' scales differ from the output's, so the concat copies with requantization */
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        if (!p)
            CHECK(r.n_ops == 5); /* two CONV+SDP writing into the output, the final ReLU */
        l4tb_destroy(tb);
        ir_graph_destroy(g);
    }
}

static void test_bands(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 16, 40, 20));
        ir_tensor *a = unary(IR_OP_Relu, "Relu", conv("Conv", x, 16, 3, 3, 1, 1, 1, 1, 1));
        ir_graph *g = finish(a);
        cc_task_builder *tb = NULL;
        /* 16 KB buffer: 1 KB banks; a 20-pixel row of 16 channels is 640 (INT8) / 640 (FP16) bytes */
        result r = run_case("partial-H bands (16 KB CBUF)", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 16 * 1024, &tb);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        CHECK(r.n_ops > 2 && r.n_ops % 2 == 0);
        if (tb && r.n_ops > 2)
            CHECK(l4tb_op(tb, 0)->u.conv.split_count == r.n_ops / 2);
        l4tb_destroy(tb);
        ir_graph_destroy(g);
    }
}

static void test_tile_plan(void)
{
    lw_tile t;
    /* fits: 56x56x64 FP16 input = 401 KB + 73 KB weights in 512 KB */
    CHECK_OK(lw_tile_plan(NULL, LW_CBUF_ORIN, 2, 64, 56, 56, 64, 64, 3, 3, 1, 3, 56, &t));
    CHECK(t.n_bands == 1 && !t.kg_stream);
    /* 112x112x64 FP16 (1.6 MB) must be banded */
    CHECK_OK(lw_tile_plan(NULL, LW_CBUF_ORIN, 2, 64, 112, 112, 64, 64, 3, 3, 1, 3, 112, &t));
    CHECK(t.n_bands > 1);
    CHECK(t.data_banks + t.weight_banks <= 16);
    /* big weights (512x512x3x3 FP16 = 4.7 MB) with a small input: kernel groups streamed */
    CHECK_OK(lw_tile_plan(NULL, LW_CBUF_ORIN, 2, 512, 7, 7, 512, 512, 3, 3, 1, 3, 7, &t));
    CHECK(t.n_bands == 1 && t.kg_stream);
    int in0, in1, pt, pb;
    lw_band_rows(0, 4, 1, 1, 3, 10, &in0, &in1, &pt, &pb);
    CHECK(in0 == 0 && in1 == 5 && pt == 1 && pb == 0);
    lw_band_rows(4, 10, 1, 1, 3, 10, &in0, &in1, &pt, &pb);
    CHECK(in0 == 3 && in1 == 10 && pt == 0 && pb == 1);
}


/* Standalone SDP ops from memory: two-surface and constant element-wise ops, activations, copies. */
static void test_sdp_ops(void)
{
    for (int v = 0; v < 12; v++)
        for (int p = 0; p < 2; p++) {
            begin();
            ir_tensor *x = input(4, DIMS(1, 12, 6, 5)), *x2 = v < 3 ? input(4, DIMS(1, 12, 6, 5)) : NULL, *y = NULL;
            const char *label = "";
            ir_node *n;
            switch (v) {
            case 0: label = "add two surfaces"; y = out0(NODE(IR_OP_Add, "Add", x, x2)); break;
            case 1: label = "sub two surfaces"; y = out0(NODE(IR_OP_Sub, "Sub", x, x2)); break;
            case 2: label = "mul two surfaces + relu"; y = unary(IR_OP_Relu, "Relu", out0(NODE(IR_OP_Mul, "Mul", x, x2))); break;
            case 3: label = "mul per-channel, sub const"; {
                ir_tensor *a = out0(NODE(IR_OP_Mul, "Mul", x, cf(3, DIMS(12, 1, 1), 0.5f, 1.0f)));
                y = out0(NODE(IR_OP_Sub, "Sub", cf(0, NULL, 0.25f, 0), a));
                break;
            }
            case 4: label = "clip(0,6) relu6"; {
                float lo = 0, hi = 0.6f;
                ir_tensor *tl = cf(0, NULL, lo, 0), *th = cf(0, NULL, hi, 0);
                y = out0(NODE(IR_OP_Clip, "Clip", x, tl, th));
                break;
            }
            case 5: label = "leakyrelu"; n = NODE(IR_OP_LeakyRelu, "LeakyRelu", x); af(n, "alpha", 0.1f); y = out0(n); break;
            case 6: label = "prelu per-channel"; y = out0(NODE(IR_OP_PRelu, "PRelu", x, cf(3, DIMS(12, 1, 1), 0.2f, 0.15f))); break;
            case 7: label = "hardsigmoid"; n = NODE(IR_OP_HardSigmoid, "HardSigmoid", x); af(n, "alpha", 0.5f); y = out0(n); break;
            case 8: label = "hardswish (LUT)"; y = unary(IR_OP_HardSwish, "HardSwish", out0(NODE(IR_OP_Mul, "Mul", x, cf(0, NULL, 4.0f, 0)))); break;
            case 9: label = "tanh + div const (LUT)"; y = out0(NODE(IR_OP_Div, "Div", unary(IR_OP_Tanh, "Tanh", x), cf(0, NULL, 2.0f, 0))); break;
            case 10: label = "max const, min per-channel"; {
                ir_tensor *a = out0(NODE(IR_OP_Max, "Max", x, cf(0, NULL, -0.3f, 0)));
                y = out0(NODE(IR_OP_Min, "Min", a, cf(4, DIMS(1, 12, 1, 1), 0.3f, 0.2f)));
                break;
            }
            default: label = "elu, softplus (LUT chain)"; y = unary(IR_OP_Softplus, "Softplus", unary(IR_OP_Elu, "Elu", x)); break;
            }
            ir_graph *g = finish(y);
            result r = run_case(label, g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, NULL);
            expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
            ir_graph_destroy(g);
        }
}

/* Layout: slice (C on an atom, H, W), transpose, reshape, resize, a copy of a graph input. */
static void test_layout(void)
{
    for (int v = 0; v < 7; v++)
        for (int p = 0; p < 2; p++) {
            begin();
            ir_tensor *x = input(4, DIMS(1, 48, 6, 8)), *y = NULL;
            ir_tensor *a = unary(IR_OP_Relu, "Relu", x);
            const char *label = "";
            ir_node *n;
            switch (v) {
            case 0: case 6: label = v ? "slice C[10:41] W[1:7] (unaligned C)" : "slice C[32:48] H[1:5] W[2:8]";
                n = NODE(IR_OP_Slice, "Slice", a, NULL, NULL, NULL);
                {
                    int64_t st[3] = {32, 1, 2}, en[3] = {48, 5, 100}, ax[3] = {1, 2, 3};
                    if (v) {
                        st[0] = 10, en[0] = 41, st[1] = 0, en[1] = 6, st[2] = 1, en[2] = 7;
                    }
                    ir_tensor *ts = named("c"), *te = named("c"), *ta = named("c");
                    ir_tensor *ts3[3] = {ts, te, ta};
                    const int64_t *vals[3] = {st, en, ax};
                    for (int i = 0; i < 3; i++) {
                        ts3[i]->dtype = IR_I64;
                        ir_tensor_set_shape(ts3[i], 1, DIMS(3));
                        CHECK_OK(ir_tensor_alloc_const(G, ts3[i]));
                        memcpy(ts3[i]->data, vals[i], sizeof st);
                        n->in[1 + i] = ts3[i];
                    }
                }
                y = out0(n);
                break;
            case 1: label = "transpose (0,2,3,1)"; n = NODE(IR_OP_Transpose, "Transpose", a); ais(n, "perm", 4, DIMS(0, 2, 3, 1)); y = out0(n); break;
            case 2: label = "reshape to (1,48,48)"; {
                ir_tensor *sh = named("c");
                sh->dtype = IR_I64;
                ir_tensor_set_shape(sh, 1, DIMS(3));
                CHECK_OK(ir_tensor_alloc_const(G, sh));
                memcpy(sh->data, DIMS(1, 48, 48), 3 * sizeof(int64_t));
                y = out0(NODE(IR_OP_Reshape, "Reshape", a, sh));
                break;
            }
            case 3: case 4: label = v == 3 ? "resize nearest x2" : "resize linear x2 (half_pixel)"; {
                ir_tensor *sc = cf(1, DIMS(4), 0, 0);
                float *f = sc->data;
                f[0] = f[1] = 1;
                f[2] = f[3] = 2;
                n = NODE(IR_OP_Resize, "Resize", a, NULL, sc);
                if (v == 4) {
                    attr(n, "mode", IR_ATTR_STRING)->s = "linear";
                } else {
                    attr(n, "coordinate_transformation_mode", IR_ATTR_STRING)->s = "asymmetric";
                    attr(n, "nearest_mode", IR_ATTR_STRING)->s = "floor";
                }
                y = out0(n);
                break;
            }
            case 5: label = "maxpool + global avgpool"; y = pool(IR_OP_MaxPool, "MaxPool", a, 2, 2, 0);
                y = unary(IR_OP_GlobalAveragePool, "GAP", y);
                break;
            }
            ir_graph *g = finish(y);
            result r = run_case(label, g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, NULL);
            expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
            ir_graph_destroy(g);
        }
}

/* Residual whose second operand is computed after the first branch (downsample branch): the Add joins the
 * later convolution's group. Also a node without an engine form fails naming it. */
static void test_order_and_errors(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 16, 8, 8));
        ir_tensor *a = conv("Conv_main", x, 32, 3, 3, 2, 1, 1, 1, 1);
        ir_tensor *b = conv("Conv_down", x, 32, 1, 1, 2, 0, 1, 1, 1);
        ir_tensor *s = out0(NODE(IR_OP_Add, "Add", a, b));
        ir_graph *g = finish(unary(IR_OP_Relu, "Relu", s));
        cc_task_builder *tb = NULL;
        result r = run_case("residual with downsample branch", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, &tb);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        CHECK(r.n_ops == 4);
        if (tb && r.n_ops == 4)
            CHECK(strstr(l4tb_layer(tb, 3), "+ Add + Relu") != NULL);
        l4tb_destroy(tb);
        ir_graph_destroy(g);
    }
    begin();
    ir_tensor *x = input(4, DIMS(1, 4, 4, 4));
    ir_graph *g = finish(unary(IR_OP_Softmax, "Softmax_7", x));
    cc_task_builder *tb = l4tb_create(g, CC_PREC_FP16);
    int ids[1] = {0};
    CHECK_STATUS(cc_lower_task(tb, g, ids, 1), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "Softmax_7") != NULL);
    l4tb_destroy(tb);
    ir_graph_destroy(g);
}

static void test_lrn(void)
{
    for (int v = 0; v < 2; v++)
        for (int p = 0; p < 2; p++) {
            begin();
            ir_tensor *x = input(4, DIMS(1, 20, 5, 6));
            ir_tensor *a = out0(NODE(IR_OP_Mul, "Scale", x, cf(0, NULL, v ? 40.0f : 3.0f, 0)));
            ir_node *n = NODE(IR_OP_LRN, "LRN", a);
            ai(n, "size", 5);
            af(n, "alpha", v ? 1e-4f : 0.5f);
            af(n, "beta", 0.75f);
            af(n, "bias", v ? 2.0f : 1.0f);
            ir_graph *g = finish(out0(n));
            result r = run_case(v ? "LRN (AlexNet constants, CDP)" : "LRN (strong, CDP)", g,
                                p ? CC_PREC_INT8 : CC_PREC_FP16, 0, NULL);
            expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
            CHECK(r.n_ops == 2);
            ir_graph_destroy(g);
        }
}

/* Concat of inputs that do not start on atoms (ShuffleNet's 58 + 58 channels): transposes + width copies. And a
 * squeeze-excitation block: Mul of the feature map by a computed per-channel vector (read as a PARAM array). */
static void test_unaligned_concat_and_se(void)
{
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 8, 6, 7));
        ir_tensor *a = unary(IR_OP_Relu, "Relu_a", conv("Conv_a", x, 10, 1, 1, 1, 0, 1, 1, 1));
        ir_tensor *b = conv("Conv_b", x, 13, 3, 3, 1, 1, 1, 1, 1);
        ir_node *c = NODE(IR_OP_Concat, "Concat", a, b, x);
        ai(c, "axis", 1);
        ir_graph *g = finish(out0(c));
        result r = run_case("concat 10+13+8 channels (transposed)", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, NULL);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        ir_graph_destroy(g);
    }
    for (int p = 0; p < 2; p++) {
        begin();
        ir_tensor *x = input(4, DIMS(1, 24, 6, 6));
        ir_tensor *f = unary(IR_OP_Relu, "Relu", conv("Conv", x, 24, 3, 3, 1, 1, 1, 1, 1));
        ir_tensor *gp = unary(IR_OP_GlobalAveragePool, "GAP", f);
        ir_tensor *sq = unary(IR_OP_Sigmoid, "Sigmoid", conv("Conv_fc", gp, 24, 1, 1, 1, 0, 1, 1, 1));
        ir_graph *g = finish(out0(NODE(IR_OP_Mul, "Mul_se", sq, f)));
        cc_task_builder *tb = NULL;
        result r = run_case("squeeze-excitation Mul (per-channel surface)", g, p ? CC_PREC_INT8 : CC_PREC_FP16, 0, &tb);
        expect(r, p ? CC_PREC_INT8 : CC_PREC_FP16);
        l4tb_destroy(tb);
        ir_graph_destroy(g);
    }
}

/* the inline rounding used per weight equals the libm form (round half away from zero) */
static void test_rhaz(void)
{
    const double v[] = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994,
                        126.5, -126.5, 127.49999, -127.5, 1e15 + 0.5, -1e15 - 0.5, 4.5e18, -4.5e18, 1e300};
    for (size_t i = 0; i + 1 < sizeof v / sizeof v[0]; i++)
        CHECK(lw_rhaz(v[i]) == lw_rhaz_slow(v[i]));
    CHECK(lw_rhaz(2.5) == 3 && lw_rhaz(-2.5) == -3 && lw_rhaz(-0.4) == 0 && lw_rhaz(-126.5) == -127);
    for (int i = -100000; i <= 100000; i++) {
        double x = i * 0.00127;
        CHECK(lw_rhaz(x) == lw_rhaz_slow(x));
    }
}

int main(void)
{
    test_rhaz();
    test_tile_plan();
    test_conv_relu();
    test_int8_exact();
    test_residual();
    test_conv_pool();
    test_depthwise_dilated();
    test_gemm();
    test_deconv();
    test_avgpool_bn_sigmoid();
    test_concat_alias();
    test_bands();
    test_sdp_ops();
    test_layout();
    test_order_and_errors();
    test_lrn();
    test_unaligned_concat_and_se();
    return TEST_RESULT();
}
