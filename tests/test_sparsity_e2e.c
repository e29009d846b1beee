/* 2:4 structured sparsity end to end (dla_build_options.sparsity, trtexec --sparsity): a model made here,
 *   x [1,67,64,64] -> conv1 3x3 (136, C = 67: a tail group of 3) -> Relu -> conv2 1x1 group 2 (16, C/groups = 68)
 *   -> Relu -> conv3 3x3 (8, C = 16: not eligible) -> y,
 * built INT8 with scales calibrated on the PRUNED model (the test prunes the weights itself):
 *   force   conv1's and conv2's CONV ops carry sparse = 1, conv3's 0; dla_loadable_sparsity counts 3 / 2 / 1 / 0; the
 *           engine's output (through the runtime) matches the host FP32 run of the pruned model within INT8
 *           tolerance, and is much further from the unpruned model's (so the weights really were pruned);
 *   enable  on the pruned weights: the same flags and a byte-identical output; on the dense weights: no sparse op;
 *   disable, Xavier with force, FP16 with force: no sparse op; a bad value is an error naming --sparsity;
 *   deconv  an INT8 ConvTranspose (C = 72, stride 2: four phase convolutions): force flags every phase op and the
 *           output matches the host FP32 run of its pruned weights; enable on its dense weights flags none;
 *   runtime the module's statistics flag the sparse layers (uses_structured_sparsity) and its default prediction
 *           equals dla_perf_predict with ENABLE (the ops' flags honoured); with DISABLE no conv is sparse. */
#include "check.h"
#include "dla/calib.h"
#include "dla/compiler.h"
#include "dla/model.h"
#include "dla/perf.h"
#include "dla/runtime.h"
#include "engine/codec.h"
#include "loadable/loadable.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* onnx_build.h: helpers this test does not use */
#include "onnx_build.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C1 = 67, K1 = 136, K2 = 16, G2 = 2, K3 = 8, HW = 64, NB = 4 };
#define N1 (K1 * C1 * 9)
#define N2 (K2 * (K1 / G2))
#define N3 (K3 * K2 * 9)
#define NY (K3 * HW * HW)

static float w1[N1], w2[N2], w3[N3], b1[K1];
static float p1[N1], p2[N2], p3[N3]; /* pruned */
static unsigned seed = 2024;

static float urand(void)
{
    seed = seed * 1664525u + 1013904223u;
    return (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* The test's own pruning: per (k, tap), each group of 4 channels keeps its two largest |w| (lower channel on a
 * tie); a shorter last group likewise. */
static void prune(const float *w, float *out, int K, int Cg, int rs)
{
    memcpy(out, w, sizeof(float) * (size_t)K * Cg * rs);
    for (int k = 0; k < K; k++)
        for (int c0 = 0; c0 < Cg; c0 += 4)
            for (int t = 0; t < rs; t++) {
                int n = Cg - c0 < 4 ? Cg - c0 : 4, keep[2] = {-1, -1};
                for (int j = 0; j < 2; j++)
                    for (int i = 0; i < n; i++) {
                        float a = fabsf(w[((size_t)k * Cg + c0 + i) * rs + t]);
                        if (i != keep[0] && (keep[j] < 0 || a > fabsf(w[((size_t)k * Cg + c0 + keep[j]) * rs + t])))
                            keep[j] = i;
                    }
                for (int i = 0; i < n; i++)
                    if (i != keep[0] && i != keep[1])
                        out[((size_t)k * Cg + c0 + i) * rs + t] = 0;
            }
}

static void weights(Onnx__ModelProto *m, const char *name, int rank, const int64_t *d, const float *v, size_t n)
{
    Onnx__TensorProto *t = mb_tensor(name, 1, (size_t)rank, d);
    mb_floats(t, n, v);
    mb_init(m, t);
}

static uint8_t *model(const float *a, const float *b, const float *c, size_t *len)
{
    Onnx__ModelProto *m = mb_model(13);
    const int64_t xd[4] = {1, C1, HW, HW}, yd[4] = {1, K3, HW, HW};
    const int64_t d1[4] = {K1, C1, 3, 3}, db[1] = {K1}, d2[4] = {K2, K1 / G2, 1, 1}, d3[4] = {K3, K2, 3, 3};
    const int64_t pads[4] = {1, 1, 1, 1};
    weights(m, "w1", 4, d1, a, N1);
    weights(m, "b1", 1, db, b1, K1);
    weights(m, "w2", 4, d2, b, N2);
    weights(m, "w3", 4, d3, c, N3);
    Onnx__NodeProto *n1 = mb_node(m, "Conv", "conv1", "x,w1,b1", "a");
    mb_attr_ints(n1, "pads", 4, pads);
    mb_node(m, "Relu", "relu1", "a", "ar");
    Onnx__NodeProto *n2 = mb_node(m, "Conv", "conv2", "ar,w2", "b");
    mb_attr_int(n2, "group", G2);
    mb_node(m, "Relu", "relu2", "b", "br");
    Onnx__NodeProto *n3 = mb_node(m, "Conv", "conv3", "br,w3", "y");
    mb_attr_ints(n3, "pads", 4, pads);
    mb_input(m, "x", 1, 4, xd);
    mb_output(m, "y", 1, 4, yd);
    return mb_pack(m, len);
}

static dla_model *load(int pruned)
{
    size_t len;
    uint8_t *b = pruned ? model(p1, p2, p3, &len) : model(w1, w2, w3, &len);
    dla_model *m = NULL;
    CHECK_OK(dla_model_load_memory(b, len, NULL, &m));
    return m;
}

static dla_tensor *inputs[NB];
static dla_calib *calib;

/* Builds the (pruned or dense) model with the given sparsity; NULL on failure (status in *st when st given). */
static void *build(int pruned, int int8, int xavier, const char *sparsity, size_t *size, dla_status *st)
{
    dla_model *m = load(pruned);
    void *bytes = NULL;
    *size = 0;
    dla_build_options o;
    memset(&o, 0, sizeof o);
    o.int8 = int8;
    o.fp16 = !int8;
    o.calib = int8 ? calib : NULL;
    o.platform = xavier ? DLA_PLATFORM_XAVIER : DLA_PLATFORM_ORIN;
    o.sparsity = sparsity;
    dla_status s = m ? dla_builder_build(m, &o, &bytes, size) : DLA_ERR_INTERNAL;
    if (st)
        *st = s;
    else
        CHECK_OK(s);
    dla_model_destroy(m);
    return bytes;
}

/* Per conv (by its weight channels: conv1 67, conv2 68, conv3 16): CONV ops, INT8 ones and sparse ones. */
typedef struct conv_count {
    int ops[3], int8[3], sparse[3], other;
} conv_count;

static void count_convs(const void *bytes, size_t size, conv_count *cc)
{
    memset(cc, 0, sizeof *cc);
    ldb_view v;
    CHECK_OK(ldb_parse(bytes, size, &v));
    for (uint32_t t = 0; t < v.n_tasks; t++) {
        const ldb_task *tk = &v.tasks[t];
        for (uint32_t i = 0; tk->type == LDB_TASK_DLA && i < tk->ops.count; i++) {
            eng_op op;
            CHECK_OK(eng_op_decode((const uint8_t *)tk->ops.data + (size_t)i * ENG_OP_RECORD_BYTES,
                                   ENG_OP_RECORD_BYTES, (int)i, NULL, &op));
            if (op.type != ENG_OP_CONV)
                continue;
            int ch = op.u.conv.weight.channel, j = ch == C1 ? 0 : ch == K1 / G2 ? 1 : ch == K2 ? 2 : -1;
            if (j < 0) {
                cc->other++;
                continue;
            }
            cc->ops[j]++;
            cc->int8[j] += op.u.conv.in_precision == ENG_INT8;
            cc->sparse[j] += op.u.conv.sparse != 0;
        }
    }
    ldb_view_free(&v);
}

static int dla_task_index(const void *bytes, size_t size, int *host_task)
{
    ldb_view v;
    int dla = -1;
    *host_task = -1;
    if (ldb_parse(bytes, size, &v) != DLA_OK)
        return -1;
    for (uint32_t t = 0; t < v.n_tasks; t++) {
        if (v.tasks[t].type == LDB_TASK_DLA && dla < 0)
            dla = (int)t;
        else if (v.tasks[t].type != LDB_TASK_DLA && *host_task < 0)
            *host_task = (int)t;
    }
    ldb_view_free(&v);
    return dla;
}

/* Runs input 0 through the runtime; out gets NY floats. Returns the module (loaded) in *mod_out when not NULL. */
static int run_runtime(const void *bytes, size_t size, float *out, dla_device **dev_out, dla_module **mod_out)
{
    dla_device *dev = NULL;
    dla_module *mod = NULL;
    dla_tensor_desc di, dout;
    void *xb = NULL, *yb = NULL;
    dla_mem *xm = NULL, *ym = NULL;
    int ok = 0;
    if (dla_device_create(0, DLA_MODE_HYBRID, &dev) != DLA_OK || dla_module_load(dev, bytes, size, &mod) != DLA_OK)
        goto out;
    dla_module_attribute a;
    a.input_tensor_desc = &di;
    if (dla_module_get_attributes(mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a) != DLA_OK)
        goto out;
    a.output_tensor_desc = &dout;
    if (dla_module_get_attributes(mod, DLA_OUTPUT_TENSOR_DESCRIPTORS, &a) != DLA_OK)
        goto out;
    xb = calloc(1, di.size);
    yb = calloc(1, dout.size);
    if (!xb || !yb || dla_mem_register(dev, xb, di.size, &xm) != DLA_OK ||
        dla_mem_register(dev, yb, dout.size, &ym) != DLA_OK)
        goto out;
    dla_task t = {.module = mod, .inputs = &xm, .n_inputs = 1, .outputs = &ym, .n_outputs = 1};
    ok = dla_tensor_pack(&di, inputs[0]->data, xb, di.size) == DLA_OK && dla_submit(dev, &t, 1) == DLA_OK &&
         dla_synchronize(dev) == DLA_OK && dla_tensor_unpack(&dout, yb, dout.size, out) == DLA_OK;
out:
    CHECK(ok);
    if (xm)
        dla_mem_unregister(dev, xm);
    if (ym)
        dla_mem_unregister(dev, ym);
    free(xb);
    free(yb);
    if (mod_out && ok) {
        *mod_out = mod;
        *dev_out = dev;
        return ok;
    }
    if (mod)
        dla_module_unload(mod);
    dla_device_destroy(dev);
    return ok;
}

static void host_ref(int pruned, float *out)
{
    dla_model *m = load(pruned);
    dla_tensor **ys = NULL;
    int n = 0;
    if (m)
        CHECK_OK(dla_model_run(m, NULL, 1, (const dla_tensor *const *)&inputs[0], &ys, &n));
    if (n == 1 && ys[0]->nbytes == sizeof(float) * NY)
        memcpy(out, ys[0]->data, sizeof(float) * NY);
    else
        CHECK(0);
    dla_tensors_destroy(ys, n);
    dla_model_destroy(m);
}

static void compare(const float *got, const float *ref, double *max_err, double *cosine, double *ref_max)
{
    double ab = 0, aa = 0, bb = 0;
    *max_err = *ref_max = 0;
    for (int i = 0; i < NY; i++) {
        *max_err = fmax(*max_err, fabs(got[i] - ref[i]));
        *ref_max = fmax(*ref_max, fabs(ref[i]));
        ab += (double)got[i] * ref[i];
        aa += (double)ref[i] * ref[i];
        bb += (double)got[i] * got[i];
    }
    *cosine = ab / sqrt(aa * bb + 1e-30);
}

static float y_force[NY], y_enable[NY], y_pruned_ref[NY], y_dense_ref[NY];

static void test_force(void)
{
    size_t size;
    void *bytes = build(0, 1, 0, "force", &size, NULL);
    if (!bytes)
        return;
    conv_count cc;
    count_convs(bytes, size, &cc);
    for (int j = 0; j < 3; j++)
        CHECK(cc.ops[j] >= 1 && cc.int8[j] == cc.ops[j]);
    CHECK(cc.other == 0);
    printf("force: CONV ops conv1 %d, conv2 %d, conv3 %d\n", cc.ops[0], cc.ops[1], cc.ops[2]);
    CHECK(cc.ops[0] + cc.ops[1] > 2); /* a conv in partial-H bands (conv2 at 64x64): every band's op is flagged */
    CHECK(cc.sparse[0] == cc.ops[0] && cc.sparse[1] == cc.ops[1] && cc.sparse[2] == 0);
    dla_sparsity_summary s;
    CHECK_OK(dla_loadable_sparsity(bytes, size, -1, &s));
    CHECK(s.int8_convs == 3 && s.sparse_convs == 2 && s.small_c == 1 && s.dense == 0 && s.fp16_convs == 0);
    int host = -1, dla = dla_task_index(bytes, size, &host);
    dla_sparsity_summary s1;
    CHECK(dla >= 0);
    CHECK_OK(dla_loadable_sparsity(bytes, size, dla, &s1));
    CHECK(memcmp(&s, &s1, sizeof s) == 0);
    if (host >= 0)
        CHECK_STATUS(dla_loadable_sparsity(bytes, size, host, &s1), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(dla_loadable_sparsity(bytes, size, 99, &s1), DLA_ERR_INVALID_ARG);

    /* the engine against the host FP32 run of the pruned model */
    dla_device *dev = NULL;
    dla_module *mod = NULL;
    if (!run_runtime(bytes, size, y_force, &dev, &mod)) {
        free(bytes);
        return;
    }
    double e_p, c_p, m_p, e_d, c_d, m_d;
    compare(y_force, y_pruned_ref, &e_p, &c_p, &m_p);
    compare(y_force, y_dense_ref, &e_d, &c_d, &m_d);
    printf("force: vs the pruned FP32 model max |err| %.4f (of max |y| %.3f), cosine %.6f; vs the dense model "
           "max |err| %.4f, cosine %.6f\n", e_p, m_p, c_p, e_d, c_d);
    CHECK(c_p >= 0.999);
    CHECK(e_p <= 0.03 * m_p);
    CHECK(e_d >= 4 * e_p && c_d < 0.99); /* the pruning changed the function: the weights were pruned */

    /* the runtime: sparse layers flagged, its prediction honours the flags */
    dla_module_attribute a;
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_LAYERS, &a));
    int flagged = 0;
    for (int i = 0; i < (int)a.num_layers; i++) {
        dla_layer_stats ls;
        CHECK_OK(dla_module_layer_stats(mod, i, &ls));
        flagged += ls.uses_structured_sparsity;
        if (ls.uses_structured_sparsity)
            CHECK(strstr(ls.layer_name, "conv1") || strstr(ls.layer_name, "conv2"));
    }
    CHECK(flagged == 2);
    dla_module_perf_info info;
    CHECK_OK(dla_module_get_perf_info(mod, &info));
    dla_perf_options po;
    memset(&po, 0, sizeof po);
    double t[3] = {0, 0, 0};
    int sparse_rows[3] = {0, 0, 0};
    for (int sp = 0; sp < 3; sp++) {
        po.sparsity = (dla_perf_sparsity)sp;
        dla_perf_report *r = NULL;
        CHECK_OK(dla_perf_predict(bytes, size, &po, &r));
        if (!r)
            continue;
        dla_perf_summary sum;
        dla_perf_get_summary(r, &sum);
        t[sp] = sum.single_core_ms;
        for (int i = 0; i < dla_perf_num_layers(r); i++) {
            dla_perf_layer L;
            CHECK_OK(dla_perf_get_layer(r, i, &L));
            sparse_rows[sp] += L.sparse_convs;
        }
        dla_perf_report_destroy(r);
    }
    printf("predicted: runtime %.5f ms; dla_perf disable %.5f, enable %.5f, force %.5f ms; sparse conv ops %d / %d "
           "/ %d\n", info.inference_ms, t[0], t[1], t[2], sparse_rows[0], sparse_rows[1], sparse_rows[2]);
    CHECK_NEAR(info.inference_ms, t[1], 1e-9);
    CHECK(sparse_rows[0] == 0 && sparse_rows[1] == cc.ops[0] + cc.ops[1] && sparse_rows[2] == sparse_rows[1]);
    CHECK(t[1] < t[0]); /* conv1 (84 M MACs per image) is math-bound: 2:4 makes it faster */
    dla_module_unload(mod);
    dla_device_destroy(dev);
    free(bytes);
}

static void test_enable(void)
{
    size_t size;
    /* weights already 2:4 (pruned): the same flags as force, the same output */
    void *bytes = build(1, 1, 0, "enable", &size, NULL);
    conv_count cc;
    if (bytes) {
        count_convs(bytes, size, &cc);
        CHECK(cc.sparse[0] == cc.ops[0] && cc.sparse[1] == cc.ops[1] && cc.sparse[2] == 0 && cc.ops[0] > 0);
        if (run_runtime(bytes, size, y_enable, NULL, NULL))
            CHECK(memcmp(y_enable, y_force, sizeof y_force) == 0);
        free(bytes);
    }
    /* dense weights: nothing sparse */
    bytes = build(0, 1, 0, "enable", &size, NULL);
    if (bytes) {
        count_convs(bytes, size, &cc);
        CHECK(cc.ops[0] > 0 && cc.sparse[0] + cc.sparse[1] + cc.sparse[2] == 0);
        dla_sparsity_summary s;
        CHECK_OK(dla_loadable_sparsity(bytes, size, -1, &s));
        CHECK(s.int8_convs == 3 && s.sparse_convs == 0 && s.small_c == 1 && s.dense == 2);
        free(bytes);
    }
}

/* Builds that must come out dense. */
static void test_dense(void)
{
    struct {
        int pruned, int8, xavier;
        const char *sparsity;
    } cases[] = {{1, 1, 0, "disable"}, {1, 1, 0, NULL}, {0, 1, 1, "force"}, {1, 1, 1, "enable"}, {0, 0, 0, "force"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t size;
        void *bytes = build(cases[i].pruned, cases[i].int8, cases[i].xavier, cases[i].sparsity, &size, NULL);
        if (!bytes)
            continue;
        conv_count cc;
        count_convs(bytes, size, &cc);
        CHECK(cc.ops[0] > 0 && cc.ops[1] > 0 && cc.ops[2] > 0);
        CHECK(cc.sparse[0] + cc.sparse[1] + cc.sparse[2] == 0);
        CHECK(cc.int8[0] == (cases[i].int8 ? cc.ops[0] : 0));
        dla_sparsity_summary s;
        CHECK_OK(dla_loadable_sparsity(bytes, size, -1, &s));
        CHECK(s.sparse_convs == 0 && s.int8_convs + s.fp16_convs == 3);
        free(bytes);
    }
    size_t size;
    dla_status st;
    void *bytes = build(0, 1, 0, "sparse", &size, &st);
    CHECK(st == DLA_ERR_INVALID_ARG && !bytes && size == 0);
    CHECK(strstr(dla_last_error(), "--sparsity=sparse") && strstr(dla_last_error(), "disable, enable or force"));
    free(bytes);
}

/* x [1,72,8,8] -> ConvTranspose 2x2 stride 2 (W [72][8][2][2]: C first) -> y [1,8,16,16] */
enum { DC = 72, DK = 8, DH = 8 };
static uint8_t *deconv_model(const float *w, size_t *len)
{
    Onnx__ModelProto *m = mb_model(13);
    const int64_t xd[4] = {1, DC, DH, DH}, yd[4] = {1, DK, 2 * DH, 2 * DH}, wd[4] = {DC, DK, 2, 2}, st[2] = {2, 2};
    weights(m, "wt", 4, wd, w, DC * DK * 4);
    Onnx__NodeProto *n = mb_node(m, "ConvTranspose", "deconv", "x,wt", "y");
    mb_attr_ints(n, "strides", 2, st);
    mb_input(m, "x", 1, 4, xd);
    mb_output(m, "y", 1, 4, yd);
    return mb_pack(m, len);
}

static void test_deconv(void)
{
    static float w[DC * DK * 4], wk[DK * DC * 4], pk[DK * DC * 4], pw[DC * DK * 4];
    for (int i = 0; i < DC * DK * 4; i++)
        w[i] = urand() / 8.0f;
    /* prune along C per (k, tap): through the kernel-major copy [K][C][2x2] */
    for (int c = 0; c < DC; c++)
        for (int k = 0; k < DK; k++)
            for (int t = 0; t < 4; t++)
                wk[(k * DC + c) * 4 + t] = w[(c * DK + k) * 4 + t];
    prune(wk, pk, DK, DC, 4);
    for (int c = 0; c < DC; c++)
        for (int k = 0; k < DK; k++)
            for (int t = 0; t < 4; t++)
                pw[(c * DK + k) * 4 + t] = pk[(k * DC + c) * 4 + t];
    const int64_t xd[4] = {1, DC, DH, DH};
    dla_tensor *x = NULL;
    CHECK_OK(dla_tensor_create("x", DLA_FLOAT32, 4, xd, &x));
    if (!x)
        return;
    for (int i = 0; i < DC * DH * DH; i++)
        ((float *)x->data)[i] = urand();
    size_t len_d, len_p;
    uint8_t *dense = deconv_model(w, &len_d), *pruned = deconv_model(pw, &len_p);
    dla_model *mp = NULL;
    CHECK_OK(dla_model_load_memory(pruned, len_p, NULL, &mp));
    dla_calib *c = NULL;
    const dla_tensor *const *batch[1] = {(const dla_tensor *const *)&x};
    dla_tensor **ys = NULL;
    int ny = 0;
    if (mp) {
        CHECK_OK(dla_model_calibrate(mp, NULL, 1, 1, batch, &c));
        CHECK_OK(dla_model_run(mp, NULL, 1, (const dla_tensor *const *)&x, &ys, &ny));
    }
    dla_model_destroy(mp);
    for (int force = 1; force >= 0 && c && ny == 1; force--) {
        dla_model *m = NULL;
        CHECK_OK(dla_model_load_memory(dense, len_d, NULL, &m));
        dla_build_options o;
        memset(&o, 0, sizeof o);
        o.int8 = 1;
        o.calib = c;
        o.sparsity = force ? "force" : "enable";
        void *bytes = NULL;
        size_t size = 0;
        if (m)
            CHECK_OK(dla_builder_build(m, &o, &bytes, &size));
        dla_model_destroy(m);
        if (!bytes)
            continue;
        int n_conv = 0, n_sparse = 0;
        ldb_view v;
        CHECK_OK(ldb_parse(bytes, size, &v));
        for (uint32_t t = 0; t < v.n_tasks; t++)
            for (uint32_t i = 0; v.tasks[t].type == LDB_TASK_DLA && i < v.tasks[t].ops.count; i++) {
                eng_op op;
                CHECK_OK(eng_op_decode((const uint8_t *)v.tasks[t].ops.data + (size_t)i * ENG_OP_RECORD_BYTES,
                                       ENG_OP_RECORD_BYTES, (int)i, NULL, &op));
                if (op.type == ENG_OP_CONV) {
                    n_conv++;
                    n_sparse += op.u.conv.sparse != 0;
                    CHECK(op.u.conv.in_precision == ENG_INT8 && op.u.conv.weight.channel == DC);
                }
            }
        ldb_view_free(&v);
        printf("deconv %s: %d phase convs, %d sparse\n", o.sparsity, n_conv, n_sparse);
        CHECK(n_conv == 4 && n_sparse == (force ? 4 : 0));
        if (force) { /* the engine against the host FP32 run of the pruned weights */
            dla_device *dev = NULL;
            dla_module *mod = NULL;
            dla_tensor *saved = inputs[0];
            static float y[DK * 4 * DH * DH];
            inputs[0] = x;
            int ok = run_runtime(bytes, size, y, &dev, &mod);
            inputs[0] = saved;
            double e = 0, mx = 0;
            for (int i = 0; ok && i < DK * 4 * DH * DH; i++) {
                e = fmax(e, fabs(y[i] - ((float *)ys[0]->data)[i]));
                mx = fmax(mx, fabs(((float *)ys[0]->data)[i]));
            }
            printf("deconv force: max |err| %.4f of max |y| %.3f\n", e, mx);
            CHECK(ok && e <= 0.03 * mx && mx > 0);
            if (mod)
                dla_module_unload(mod);
            dla_device_destroy(dev);
        }
        free(bytes);
    }
    dla_tensors_destroy(ys, ny);
    dla_calib_destroy(c);
    dla_tensor_destroy(x);
}

int main(void)
{
    for (int i = 0; i < N1; i++)
        w1[i] = urand() / 8.0f;
    for (int i = 0; i < K1; i++)
        b1[i] = urand() / 16.0f;
    for (int i = 0; i < N2; i++)
        w2[i] = urand() / 6.0f;
    for (int i = 0; i < N3; i++)
        w3[i] = urand() / 10.0f;
    prune(w1, p1, K1, C1, 9);
    prune(w2, p2, K2, K1 / G2, 1);
    memcpy(p3, w3, sizeof w3); /* conv3 (C = 16) is not eligible: force leaves it alone */
    const int64_t xd[4] = {1, C1, HW, HW};
    for (int b = 0; b < NB; b++) {
        CHECK_OK(dla_tensor_create("x", DLA_FLOAT32, 4, xd, &inputs[b]));
        if (!inputs[b])
            return 1;
        float *x = inputs[b]->data;
        for (int i = 0; i < C1 * HW * HW; i++)
            x[i] = urand();
    }
    dla_model *m = load(1);
    const dla_tensor *const *batches[NB];
    for (int b = 0; b < NB; b++)
        batches[b] = (const dla_tensor *const *)&inputs[b];
    if (m)
        CHECK_OK(dla_model_calibrate(m, NULL, NB, 1, batches, &calib));
    dla_model_destroy(m);
    host_ref(1, y_pruned_ref);
    host_ref(0, y_dense_ref);
    if (calib) {
        test_force();
        test_enable();
        test_dense();
    }
    test_deconv();
    dla_calib_destroy(calib);
    for (int b = 0; b < NB; b++)
        dla_tensor_destroy(inputs[b]);
    mb_free_all();
    return TEST_RESULT();
}
