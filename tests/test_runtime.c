/* The runtime (dla/runtime.h): loadables built by hand with ldb_builder + the engine codec, run on the engine
 * model and the host executor through the cuDLA-shaped API.
 *   (a) a DLA task with one FP16 CONV+SDP pair (native formats) against a direct computation; the scheduler's
 *       NVDLA-style fused encoding and a simple completion chain give the same bytes;
 *   (b) a HOST task (ONNX Relu from the backend test data) with a CHW16 input and an NCHW float output;
 *   (c) DLA -> HOST -> DLA: three modules chained by user events across both cores, and one module holding the
 *       three tasks, give identical bytes and agree with a float reference;
 *   (d) two threads submitting to both cores (50 iterations each) give results identical to serial runs;
 *   (e) corrupt loadables are refused at load (every byte flipped, resealed bad records, cube bounds, LUT index,
 *       deadlocked dependencies, bad HOST subgraph, STANDALONE device with a HOST task), never a crash;
 *   (f) the statistics CSV has the cuDLA layer-wise columns and one row per fused layer.
 */
#include "check.h"
#include "base/base.h"
#include "dla/runtime.h"
#include "engine/codec.h"
#include "engine/format.h"
#include "loadable/loadable.h"
#include "runtime/rt.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a minimal ONNX writer (one single-input single-output node) ------------------------------------------ */

typedef struct pb {
    uint8_t b[1024];
    size_t n;
} pb;

static void pb_varint(pb *p, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        p->b[p->n++] = (uint8_t)(c | (v ? 0x80 : 0));
    } while (v);
}
static void pb_key(pb *p, int field, int wire) { pb_varint(p, (uint64_t)(field << 3 | wire)); }
static void pb_bytes(pb *p, int field, const void *d, size_t n)
{
    pb_key(p, field, 2);
    pb_varint(p, n);
    memcpy(p->b + p->n, d, n);
    p->n += n;
}
static void pb_str(pb *p, int field, const char *s) { pb_bytes(p, field, s, strlen(s)); }
static void pb_msg(pb *p, int field, const pb *m) { pb_bytes(p, field, m->b, m->n); }
static void pb_int(pb *p, int field, uint64_t v)
{
    pb_key(p, field, 0);
    pb_varint(p, v);
}

static void value_info(pb *out, int field, const char *name, int rank, const int64_t *dims)
{
    pb shape = {0}, tt = {0}, type = {0}, vi = {0};
    for (int d = 0; d < rank; d++) {
        pb dim = {0};
        pb_int(&dim, 1, (uint64_t)dims[d]);
        pb_msg(&shape, 1, &dim);
    }
    pb_int(&tt, 1, 1); /* float */
    pb_msg(&tt, 2, &shape);
    pb_msg(&type, 1, &tt);
    pb_str(&vi, 1, name);
    pb_msg(&vi, 2, &type);
    pb_msg(out, field, &vi);
}

/* ModelProto with one `op` node x -> y (float, shape dims), opset 13. */
static size_t onnx_unary(const char *op, const char *x, const char *y, int rank, const int64_t *dims, uint8_t *out)
{
    pb node = {0}, graph = {0}, opset = {0}, model = {0};
    pb_str(&node, 1, x);
    pb_str(&node, 2, y);
    pb_str(&node, 3, "host_node");
    pb_str(&node, 4, op);
    pb_msg(&graph, 1, &node);
    pb_str(&graph, 2, "host_segment");
    value_info(&graph, 11, x, rank, dims);
    value_info(&graph, 12, y, rank, dims);
    pb_int(&model, 1, 8);
    pb_msg(&model, 7, &graph);
    pb_str(&opset, 1, "");
    pb_int(&opset, 2, 13);
    pb_msg(&model, 8, &opset);
    memcpy(out, model.b, model.n);
    return model.n;
}

/* ---- loadable building blocks ------------------------------------------------------------------------------ */

enum { C0 = 3, H0 = 5, W0 = 4, K0 = 4, C1 = K0, K1 = 5, KR = 3 };

static int rnd_r(unsigned *r, int lo, int hi)
{
    *r = *r * 1103515245u + 12345u;
    return lo + (int)((*r >> 8) % (unsigned)(hi - lo + 1));
}
static unsigned rng = 12345;
static int rnd(int lo, int hi) { return rnd_r(&rng, lo, hi); }

static float fp16r(float x) { return eng_fp16_to_f32(eng_f32_to_fp16(x, NULL), 0); }

/* Weights of one 3x3 conv (FP16-exact values, [K][C][3][3]) and bias, and their blob (weights, then bias at
 * offset bias_off). */
typedef struct convw {
    int C, K;
    float w[K1][C1 > C0 ? C1 : C0][KR][KR], bias[K1];
    uint8_t blob[4096];
    uint32_t wbytes, bias_off, size;
} convw;

static void make_convw(convw *cw, int C, int K, unsigned seed)
{
    rng = seed;
    memset(cw, 0, sizeof *cw);
    cw->C = C;
    cw->K = K;
    cw->wbytes = (uint32_t)(K * C * KR * KR * 2);
    cw->bias_off = (cw->wbytes + 63) / 64 * 64;
    cw->size = cw->bias_off + 64;
    for (int k = 0; k < K; k++) {
        for (int c = 0; c < C; c++)
            for (int r = 0; r < KR; r++)
                for (int s = 0; s < KR; s++) {
                    float v = fp16r((float)rnd(-1000, 1000) / 1500.0f);
                    cw->w[k][c][r][s] = v;
                    eng_st_u16(cw->blob + 2 * (((k * C + c) * KR + r) * KR + s), eng_f32_to_fp16(v, NULL));
                }
        cw->bias[k] = fp16r((float)rnd(-300, 300) / 100.0f);
        eng_st_u16(cw->blob + cw->bias_off + 2 * k, eng_f32_to_fp16(cw->bias[k], NULL));
    }
}

static uint32_t batch = 1; /* images per tensor of the modules built next */
static uint32_t addr_extra = 0; /* bytes added to the activation addresses (a bad batch layout) */

static ldb_tensor feat_tensor(const char *name, uint32_t mem, int c, int h, int w)
{
    eng_geom g;
    eng_geom_make(c, h, w, ENG_FP16, ENG_LAYOUT_FEATURE, &g);
    ldb_tensor t = {.name = name, .mem = mem, .dtype = LDB_DT_HALF, .format = LDB_FMT_CHW16, .rank = 4,
                    .size = (uint64_t)g.size * batch + addr_extra, .n = batch, .c = (uint32_t)c, .h = (uint32_t)h,
                    .w = (uint32_t)w, .dims = {batch, c, h, w}, .strides = {g.size, g.surf_stride, g.line_stride, 32}};
    return t;
}

static uint32_t feat_size(int c, int h, int w)
{
    eng_geom g;
    eng_geom_make(c, h, w, ENG_FP16, ENG_LAYOUT_FEATURE, &g);
    return g.size;
}

static uint32_t add_mem(ldb_builder *b, const char *name, uint64_t size, uint8_t flags, uint32_t bind,
                        uint32_t tensor, uint32_t blob, uint8_t pool)
{
    return ldb_add_memory(b, &(ldb_memory){.name = name, .size = size, .alignment = 64, .domain = LDB_DOMAIN_DRAM,
                                           .flags = flags, .pool = pool, .bind_id = bind, .tensor = tensor,
                                           .blob = blob});
}

/* Optional corruption of the ops before they are encoded (tests of load-time validation). */
static void (*mutate)(eng_op *conv, eng_op *sdp);
static uint32_t op_record_size = ENG_OP_RECORD_BYTES;
static uint32_t conv_ops_per_unit = 1;

/* How the conv+SDP pair encodes its dependencies. */
enum { DEP_NVDLA = 0, DEP_CHAIN = 1 };

/* The engine ops of a 3x3 pad-1 FP16 conv (address 0 = input, 1 = weights, 2 = output) + SDP bias + ReLU. */
static void conv_sdp_ops(const convw *cw, int H, int W, int deps, uint8_t rec[2][ENG_OP_RECORD_BYTES])
{
    eng_geom gin, gout;
    eng_geom_make(cw->C, H, W, ENG_FP16, ENG_LAYOUT_FEATURE, &gin);
    eng_geom_make(cw->K, H, W, ENG_FP16, ENG_LAYOUT_FEATURE, &gout);
    eng_op conv, sdp;
    memset(&conv, 0, sizeof conv);
    memset(&sdp, 0, sizeof sdp);
    for (int i = 0; i < ENG_MAX_CONSUMERS; i++)
        conv.consumers[i].index = sdp.consumers[i].index = -1;
    conv.fused_parent.index = sdp.fused_parent.index = -1;
    conv.type = ENG_OP_CONV;
    conv.index = 0;
    eng_conv_op *cv = &conv.u.conv;
    cv->in_precision = cv->out_precision = ENG_FP16;
    cv->stride_x = cv->stride_y = 1;
    cv->pad_left = cv->pad_right = cv->pad_top = cv->pad_bottom = 1;
    cv->dilation_x = cv->dilation_y = 1;
    cv->kernel_w = cv->kernel_h = KR;
    cv->groups = 1;
    cv->out_width = (uint16_t)W;
    cv->out_height = (uint16_t)H;
    cv->out_channel = (uint16_t)cw->K;
    eng_geom_to_cube(&gin, ENG_MEM_DRAM, 0, 0, &cv->src);
    cv->weight = (eng_cube){.mem_type = ENG_MEM_DRAM, .layout = ENG_LAYOUT_WEIGHT, .precision = ENG_FP16, .mem = 1,
                            .offset = 0, .size = cw->wbytes};
    cv->dst = (eng_cube){.mem_type = ENG_MEM_HW, .precision = ENG_FP16, .mem = -1, .width = (uint16_t)W,
                         .height = (uint16_t)H, .channel = (uint16_t)cw->K};
    sdp.type = ENG_OP_SDP;
    sdp.index = 1;
    eng_sdp_op *sd = &sdp.u.sdp;
    sd->src_precision = sd->dst_precision = ENG_FP16;
    sd->lut_index = -1;
    sd->src = cv->dst;
    sd->x1 = (eng_sdp_stage){.enable = 1, .alu_type = ENG_ALU_SUM, .kind = ENG_SDP_ADD, .mode = ENG_SDP_PER_KERNEL,
                             .act = ENG_ACT_RELU, .precision = ENG_FP16};
    sd->x1_data = (eng_cube){.mem_type = ENG_MEM_DRAM, .layout = ENG_LAYOUT_PARAM, .precision = ENG_FP16, .mem = 1,
                             .offset = cw->bias_off, .size = (uint32_t)(2 * cw->K)};
    eng_geom_to_cube(&gout, ENG_MEM_DRAM, 2, 0, &sd->dst);
    if (deps == DEP_NVDLA) {
        /* conv.consumers[SDP] on PROGRAMMED; SDP.fused_parent = conv on ENABLED: the SDP is enabled first */
        conv.dependency_count = 1;
        conv.consumers[ENG_OP_SDP] = (eng_consumer){1, ENG_EVENT_PROGRAMMED, 0};
        sdp.dependency_count = 1;
        sdp.fused_parent = (eng_consumer){0, ENG_EVENT_ENABLED, 0};
    } else {
        conv.consumers[ENG_OP_SDP] = (eng_consumer){1, ENG_EVENT_COMPLETED, 0};
        sdp.dependency_count = 1;
    }
    if (mutate)
        mutate(&conv, &sdp);
    eng_op_encode(&conv, rec[0]);
    eng_op_encode(&sdp, rec[1]);
}

typedef struct dla_spec {
    const convw *cw;
    int H, W, deps;
    uint32_t in_mem, out_mem, in_tensor, out_tensor;
    uint32_t wait, signal; /* event ids or LDB_NONE */
    const char *layer;
} dla_spec;

/* Adds the weights memory, the addresses and the DLA task of one conv+SDP. */
static void add_conv_task(ldb_builder *b, const dla_spec *s)
{
    const convw *cw = s->cw;
    uint32_t wb = ldb_add_blob(b, "conv.weights", LDB_BLOB_WEIGHTS, cw->blob, cw->size);
    uint32_t wm = add_mem(b, "weights", cw->size, LDB_MEM_ALLOC | LDB_MEM_SET, LDB_NONE, LDB_NONE, wb,
                          LDB_POOL_GLOBAL_DRAM);
    uint32_t addr[3];
    addr[0] = ldb_add_address(b, &(ldb_address){.mem = s->in_mem,
                                                 .size = feat_size(cw->C, s->H, s->W) * batch + addr_extra});
    addr[1] = ldb_add_address(b, &(ldb_address){.mem = wm, .size = cw->size});
    addr[2] = ldb_add_address(b, &(ldb_address){.mem = s->out_mem,
                                                 .size = feat_size(cw->K, s->H, s->W) * batch + addr_extra});
    static uint8_t rec[2][ENG_OP_RECORD_BYTES];
    conv_sdp_ops(cw, s->H, s->W, s->deps, rec);
    ldb_layer layer = {s->layer, "FP16", 0, 2, 1u << LDB_UNIT_CONV | 1u << LDB_UNIT_SDP, s->out_tensor};
    uint32_t in[1] = {s->in_tensor}, out[1] = {s->out_tensor}, wait[1] = {s->wait}, sig[1] = {s->signal};
    ldb_add_task(b, &(ldb_task){.type = LDB_TASK_DLA, .core = -1, .name = s->layer, .addresses = addr,
                                .n_addresses = 3, .wait_events = wait, .n_wait = s->wait != LDB_NONE,
                                .signal_events = sig, .n_signal = s->signal != LDB_NONE, .inputs = in, .n_inputs = 1,
                                .outputs = out, .n_outputs = 1, .ops = {rec, 2 * ENG_OP_RECORD_BYTES / op_record_size, op_record_size, 0},
                                .layers = &layer, .n_layers = 1,
                                .ops_per_unit = {[LDB_UNIT_CONV] = conv_ops_per_unit,
                                                 [LDB_UNIT_SDP] = 2 * ENG_OP_RECORD_BYTES / op_record_size -
                                                                  conv_ops_per_unit}});
}

static void begin(ldb_builder **b, const char *model)
{
    CHECK_OK(ldb_builder_create(b));
    ldb_set_build_info(*b, &(ldb_build_info){"0.1.0", "orin", model, "", LDB_BUILD_FP16});
}

static void finish(ldb_builder *b, void **bytes, size_t *size)
{
    *bytes = NULL;
    *size = 0;
    CHECK_OK(ldb_finish(b, bytes, size));
    ldb_builder_destroy(b);
}

/* A module with one DLA conv task: input CHW16 (bind 0) -> output CHW16 (bind 0). */
static void build_dla(const convw *cw, int deps, const char *layer, void **bytes, size_t *size)
{
    ldb_builder *b;
    begin(&b, "conv_module");
    ldb_tensor tin = feat_tensor("x", 0, cw->C, H0, W0), tout = feat_tensor("y", 1, cw->K, H0, W0);
    uint32_t ti = ldb_add_tensor(b, &tin), to = ldb_add_tensor(b, &tout);
    add_mem(b, "x", tin.size, LDB_MEM_INPUT, 0, ti, LDB_NONE, LDB_POOL_LOCAL_DRAM);
    add_mem(b, "y", tout.size, LDB_MEM_OUTPUT, 0, to, LDB_NONE, LDB_POOL_LOCAL_DRAM);
    add_conv_task(b, &(dla_spec){cw, H0, W0, deps, 0, 1, ti, to, LDB_NONE, LDB_NONE, layer});
    finish(b, bytes, size);
}

/* A module with one HOST task running `onnx` (x -> y): both CHW16 of (c, H0, W0) unless y_nchw. */
static void build_host(const uint8_t *onnx, size_t onnx_size, int c, int h, int w, int rank, int y_nchw,
                       void **bytes, size_t *size)
{
    ldb_builder *b;
    begin(&b, "host_module");
    ldb_tensor tin = feat_tensor("x", 0, c, h, w), tout = feat_tensor("y", 1, c, h, w);
    if (rank == 3) {
        tin.rank = 3;
        tin.dims[0] = c, tin.dims[1] = h, tin.dims[2] = w, tin.dims[3] = 0, tin.strides[3] = 0;
    }
    if (y_nchw) {
        tout = (ldb_tensor){.name = "y", .mem = 1, .dtype = LDB_DT_FLOAT, .format = LDB_FMT_NCHW,
                            .rank = (uint8_t)rank, .size = (uint64_t)(4 * c * h * w), .n = 1, .c = (uint32_t)c,
                            .h = (uint32_t)h, .w = (uint32_t)w};
        int64_t d4[4] = {1, c, h, w}, *d = rank == 3 ? d4 + 1 : d4;
        uint64_t st = 4;
        for (int k = rank - 1; k >= 0; k--) {
            tout.dims[k] = d[k];
            tout.strides[k] = st;
            st *= (uint64_t)d[k];
        }
    }
    uint32_t ti = ldb_add_tensor(b, &tin), to = ldb_add_tensor(b, &tout);
    add_mem(b, "x", tin.size, LDB_MEM_INPUT, 0, ti, LDB_NONE, LDB_POOL_LOCAL_DRAM);
    add_mem(b, "y", tout.size, LDB_MEM_OUTPUT, 0, to, LDB_NONE, LDB_POOL_LOCAL_DRAM);
    uint32_t in[1] = {ti}, out[1] = {to};
    ldb_add_task(b, &(ldb_task){.type = LDB_TASK_HOST, .core = -1, .name = "host0", .inputs = in, .n_inputs = 1,
                                .outputs = out, .n_outputs = 1, .subgraph = {onnx, onnx_size, 0}});
    finish(b, bytes, size);
}

/* One module: DLA conv A (x -> a) -> HOST sigmoid (a -> s) -> DLA conv B (s -> y), chained by loadable events. */
static void build_chain(const convw *ca, const convw *cb, void **bytes, size_t *size)
{
    static uint8_t onnx[1024];
    int64_t dims[4] = {1, K0, H0, W0};
    size_t on = onnx_unary("Sigmoid", "a", "s", 4, dims, onnx);
    ldb_builder *b;
    begin(&b, "chain_module");
    ldb_tensor tx = feat_tensor("x", 0, C0, H0, W0), ta = feat_tensor("a", 1, K0, H0, W0),
               ts = feat_tensor("s", 2, K0, H0, W0), ty = feat_tensor("y", 3, K1, H0, W0);
    uint32_t tix = ldb_add_tensor(b, &tx), tia = ldb_add_tensor(b, &ta), tis = ldb_add_tensor(b, &ts),
             tiy = ldb_add_tensor(b, &ty);
    add_mem(b, "x", tx.size, LDB_MEM_INPUT, 0, tix, LDB_NONE, LDB_POOL_LOCAL_DRAM);
    add_mem(b, "a", ta.size, LDB_MEM_ALLOC, LDB_NONE, tia, LDB_NONE, LDB_POOL_LOCAL_DRAM);
    add_mem(b, "s", ts.size, LDB_MEM_ALLOC, LDB_NONE, tis, LDB_NONE, LDB_POOL_LOCAL_DRAM);
    add_mem(b, "y", ty.size, LDB_MEM_OUTPUT, 0, tiy, LDB_NONE, LDB_POOL_LOCAL_DRAM);
    uint32_t e0 = ldb_add_event(b, &(ldb_event){.type = LDB_EVENT_SYNC, .target = 0, .value = 1});
    uint32_t e1 = ldb_add_event(b, &(ldb_event){.type = LDB_EVENT_SYNC, .target = 0, .value = 2});
    add_conv_task(b, &(dla_spec){ca, H0, W0, DEP_NVDLA, 0, 1, tix, tia, LDB_NONE, e0, "Conv_0 + Relu_1"});
    uint32_t in[1] = {tia}, out[1] = {tis}, wait[1] = {e0}, sig[1] = {e1};
    ldb_add_task(b, &(ldb_task){.type = LDB_TASK_HOST, .core = -1, .name = "Sigmoid_2", .wait_events = wait,
                                .n_wait = 1, .signal_events = sig, .n_signal = 1, .inputs = in, .n_inputs = 1,
                                .outputs = out, .n_outputs = 1, .subgraph = {onnx, on, 0}});
    add_conv_task(b, &(dla_spec){cb, H0, W0, DEP_CHAIN, 2, 3, tis, tiy, e1, LDB_NONE, "Conv_3 + Relu_4"});
    finish(b, bytes, size);
}

/* ---- helpers over the API ---------------------------------------------------------------------------------- */

typedef struct bound {
    dla_tensor_desc in, out;
    uint8_t *x, *y;
    dla_mem *xm, *ym;
} bound;

static int bind(dla_device *dev, dla_module *mod, bound *bd)
{
    memset(bd, 0, sizeof *bd);
    dla_module_attribute a;
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_INPUT_TENSORS, &a));
    CHECK(a.num_input_tensors == 1);
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_OUTPUT_TENSORS, &a));
    CHECK(a.num_output_tensors == 1);
    a.input_tensor_desc = &bd->in;
    CHECK_OK(dla_module_get_attributes(mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a));
    a.output_tensor_desc = &bd->out;
    CHECK_OK(dla_module_get_attributes(mod, DLA_OUTPUT_TENSOR_DESCRIPTORS, &a));
    bd->x = calloc(1, bd->in.size);
    bd->y = calloc(1, bd->out.size);
    if (!bd->x || !bd->y)
        return 0;
    CHECK_OK(dla_mem_register(dev, bd->x, bd->in.size, &bd->xm));
    CHECK_OK(dla_mem_register(dev, bd->y, bd->out.size, &bd->ym));
    return bd->xm && bd->ym;
}

static void unbind(dla_device *dev, bound *bd)
{
    if (bd->xm)
        CHECK_OK(dla_mem_unregister(dev, bd->xm));
    if (bd->ym)
        CHECK_OK(dla_mem_unregister(dev, bd->ym));
    free(bd->x);
    free(bd->y);
}

static dla_status run_once(dla_device *dev, dla_module *mod, bound *bd)
{
    dla_task t = {.module = mod, .inputs = &bd->xm, .n_inputs = 1, .outputs = &bd->ym, .n_outputs = 1};
    dla_status st = dla_submit(dev, &t, 1);
    if (st != DLA_OK)
        return st;
    return dla_synchronize(dev);
}

static void random_input(float *x, int n, unsigned seed)
{
    unsigned r = seed;
    for (int i = 0; i < n; i++)
        x[i] = (float)rnd_r(&r, -2000, 2000) / 997.0f;
}

static float fp16_ulp(float v)
{
    float a = fabsf(v);
    if (a < 0x1p-14f)
        return 0x1p-24f;
    int e;
    frexpf(a, &e);
    return ldexpf(1.0f, e - 11);
}

/* conv 3x3 pad 1 + bias + ReLU in double over FP16-rounded inputs, [K][H0][W0]. */
static void ref_conv(const convw *cw, const float *x, double *y)
{
    for (int k = 0; k < cw->K; k++)
        for (int oy = 0; oy < H0; oy++)
            for (int ox = 0; ox < W0; ox++) {
                double acc = 0;
                for (int c = 0; c < cw->C; c++)
                    for (int r = 0; r < KR; r++)
                        for (int s = 0; s < KR; s++) {
                            int iy = oy - 1 + r, ix = ox - 1 + s;
                            if (iy >= 0 && iy < H0 && ix >= 0 && ix < W0)
                                acc += (double)cw->w[k][c][r][s] * fp16r(x[(c * H0 + iy) * W0 + ix]);
                        }
                acc += cw->bias[k];
                y[(k * H0 + oy) * W0 + ox] = acc > 0 ? acc : 0;
            }
}

/* ---- (a) DLA task: CONV + SDP ------------------------------------------------------------------------------ */

static convw cwa, cwb;

static void test_dla_conv(void)
{
    dla_device *dev;
    CHECK_OK(dla_device_create(0, DLA_MODE_STANDALONE, &dev));
    uint8_t *out[2] = {NULL, NULL};
    for (int deps = 0; deps < 2; deps++) {
        void *bytes;
        size_t size;
        build_dla(&cwa, deps, "Conv_0 + Relu_1", &bytes, &size);
        dla_module *mod = NULL;
        CHECK_OK(dla_module_load(dev, bytes, size, &mod));
        free(bytes);
        if (!mod)
            continue;
        bound bd;
        if (!bind(dev, mod, &bd)) {
            CHECK(0);
            continue;
        }
        CHECK(bd.in.format == DLA_FORMAT_CHW16 && bd.in.dtype == DLA_FLOAT16 && bd.in.c == C0 && bd.in.h == H0 &&
              bd.in.w == W0 && bd.in.size == feat_size(C0, H0, W0) && strcmp(bd.in.name, "x") == 0);
        CHECK(bd.out.format == DLA_FORMAT_CHW16 && bd.out.c == K0 && bd.out.rank == 4 && bd.out.dims[1] == K0);
        float x[C0 * H0 * W0], y[K0 * H0 * W0];
        double want[K0 * H0 * W0];
        random_input(x, C0 * H0 * W0, 99);
        CHECK_OK(dla_tensor_pack(&bd.in, x, bd.x, bd.in.size));
        memset(bd.y, 0x7f, bd.out.size); /* stale bytes must not survive */
        CHECK_OK(run_once(dev, mod, &bd));
        CHECK_OK(dla_tensor_unpack(&bd.out, bd.y, bd.out.size, y));
        ref_conv(&cwa, x, want);
        int bad = 0, pos = 0;
        for (int i = 0; i < K0 * H0 * W0; i++) {
            pos += y[i] > 0;
            if (fabs(y[i] - want[i]) > fp16_ulp((float)want[i]) && bad++ < 5)
                fprintf(stderr, "conv[%d]: got %.8g want %.8g\n", i, y[i], want[i]);
        }
        CHECK(bad == 0);
        CHECK(pos > 10 && pos < K0 * H0 * W0);
        out[deps] = malloc(bd.out.size);
        if (out[deps])
            memcpy(out[deps], bd.y, bd.out.size);
        uint64_t runs = 0;
        CHECK_OK(dla_module_run_count(mod, &runs, NULL));
        CHECK(runs == 1);
        unbind(dev, &bd);
        CHECK_OK(dla_module_unload(mod));
    }
    /* the NVDLA fused encoding and the completion chain run the same ops in the same order */
    CHECK(out[0] && out[1] && memcmp(out[0], out[1], feat_size(K0, H0, W0)) == 0);
    free(out[0]);
    free(out[1]);
    dla_device_destroy(dev);
}

/* A batch of 3 images: the task's ops run once per image over its slice of each activation buffer. */
static void test_batch(void)
{
    enum { NB = 3 };
    dla_device *dev;
    CHECK_OK(dla_device_create(1, DLA_MODE_STANDALONE, &dev));
    batch = NB;
    void *bytes;
    size_t size;
    build_dla(&cwa, DEP_NVDLA, "Conv_0 + Relu_1", &bytes, &size);
    dla_module *mod = NULL;
    CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    free(bytes);
    bound bd;
    if (mod && bind(dev, mod, &bd)) {
        CHECK(bd.in.n == NB && bd.in.size == NB * feat_size(C0, H0, W0));
        float x[NB][C0 * H0 * W0], y[NB][K0 * H0 * W0];
        double want[K0 * H0 * W0];
        for (int i = 0; i < NB; i++)
            random_input(x[i], C0 * H0 * W0, 300u + (unsigned)i);
        CHECK_OK(dla_tensor_pack(&bd.in, &x[0][0], bd.x, bd.in.size));
        CHECK_OK(run_once(dev, mod, &bd));
        CHECK_OK(dla_tensor_unpack(&bd.out, bd.y, bd.out.size, &y[0][0]));
        int bad = 0;
        for (int i = 0; i < NB; i++) {
            ref_conv(&cwa, x[i], want);
            for (int k = 0; k < K0 * H0 * W0; k++)
                bad += fabs(y[i][k] - want[k]) > fp16_ulp((float)want[k]);
        }
        CHECK(bad == 0);
        unbind(dev, &bd);
    }
    /* activation buffers that do not split into the images are refused */
    addr_extra = 32;
    build_dla(&cwa, DEP_NVDLA, "Conv_0 + Relu_1", &bytes, &size);
    mod = NULL;
    CHECK_STATUS(dla_module_load(dev, bytes, size, &mod), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "not a multiple of the task's 3 images"));
    free(bytes);
    addr_extra = 0;
    batch = 1;
    dla_device_destroy(dev);
}

/* ---- (b) HOST task: ONNX Relu, CHW16 in, NCHW float out ---------------------------------------------------- */

static void test_host_relu(void)
{
    void *onnx;
    size_t on;
    if (base_read_file("/usr/share/libonnx-testdata/data/node/test_relu/model.onnx", &onnx, &on) != DLA_OK) {
        fprintf(stderr, "test_relu model missing: skipping (b)\n");
        return;
    }
    void *bytes;
    size_t size;
    build_host(onnx, on, 3, 4, 5, 3, 1, &bytes, &size);
    free(onnx);
    dla_device *dev;
    CHECK_OK(dla_device_create(1, DLA_MODE_HYBRID, &dev));
    dla_module *mod = NULL;
    CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    bound bd;
    if (mod && bind(dev, mod, &bd)) {
        CHECK(bd.in.format == DLA_FORMAT_CHW16 && bd.in.rank == 3);
        CHECK(bd.out.format == DLA_FORMAT_NCHW && bd.out.dtype == DLA_FLOAT32 && bd.out.size == 4 * 60);
        float x[60], y[60];
        random_input(x, 60, 7);
        x[0] = -0.0f;
        x[1] = 70000.0f; /* saturates to 65504 in FP16 (never INF) */
        CHECK_OK(dla_tensor_pack(&bd.in, x, bd.x, bd.in.size));
        /* the pad channels of the CHW16 atom (13 of 16) are written as zero */
        CHECK(bd.x[2 * 3] == 0 && bd.x[31] == 0);
        CHECK_OK(run_once(dev, mod, &bd));
        memcpy(y, bd.y, sizeof y);
        int bad = 0;
        for (int i = 0; i < 60; i++) {
            float want = fp16r(x[i]) > 0 ? fp16r(x[i]) : 0.0f;
            bad += y[i] != want;
        }
        CHECK(bad == 0);
        CHECK(y[1] == 65504.0f);
        dla_task_stats ts;
        CHECK_OK(dla_module_task_stats(mod, 0, &ts));
        CHECK(ts.is_host == 1 && ts.n_ops == 1 && ts.end_ms >= ts.start_ms && strcmp(ts.name, "host0") == 0);
        unbind(dev, &bd);
    }
    dla_device_destroy(dev); /* unloads the module */
    /* a STANDALONE device refuses HOST tasks */
    CHECK_OK(dla_device_create(0, DLA_MODE_STANDALONE, &dev));
    mod = NULL;
    CHECK_STATUS(dla_module_load(dev, bytes, size, &mod), DLA_ERR_UNSUPPORTED);
    CHECK(mod == NULL && strstr(dla_device_last_error(dev), "STANDALONE"));
    dla_device_destroy(dev);
    free(bytes);
}

/* ---- (c) DLA -> HOST -> DLA ------------------------------------------------------------------------------ */

typedef struct chain {
    dla_device *dev[2];
    dla_module *a, *h, *b, *all;
    bound ba, bh, bb, ball;
} chain;

static void *chain_bytes;
static size_t chain_size;

static void test_chain(void)
{
    chain c;
    memset(&c, 0, sizeof c);
    CHECK_OK(dla_device_create(0, DLA_MODE_HYBRID, &c.dev[0]));
    CHECK_OK(dla_device_create(1, DLA_MODE_HYBRID, &c.dev[1]));
    void *bytes;
    size_t size;
    static uint8_t onnx[1024];
    int64_t dims[4] = {1, K0, H0, W0};
    size_t on = onnx_unary("Sigmoid", "x", "y", 4, dims, onnx);
    build_dla(&cwa, DEP_NVDLA, "Conv_0 + Relu_1", &bytes, &size);
    CHECK_OK(dla_module_load(c.dev[0], bytes, size, &c.a));
    free(bytes);
    build_host(onnx, on, K0, H0, W0, 4, 0, &bytes, &size);
    CHECK_OK(dla_module_load(c.dev[1], bytes, size, &c.h));
    free(bytes);
    build_dla(&cwb, DEP_CHAIN, "Conv_3 + Relu_4", &bytes, &size);
    CHECK_OK(dla_module_load(c.dev[0], bytes, size, &c.b));
    free(bytes);
    build_chain(&cwa, &cwb, &chain_bytes, &chain_size);
    CHECK_OK(dla_module_load(c.dev[1], chain_bytes, chain_size, &c.all));
    if (!c.a || !c.h || !c.b || !c.all || !bind(c.dev[0], c.a, &c.ba) || !bind(c.dev[1], c.h, &c.bh) ||
        !bind(c.dev[0], c.b, &c.bb) || !bind(c.dev[1], c.all, &c.ball)) {
        CHECK(0);
        dla_device_destroy(c.dev[0]);
        dla_device_destroy(c.dev[1]);
        return;
    }
    float x[C0 * H0 * W0];
    random_input(x, C0 * H0 * W0, 2024);
    CHECK_OK(dla_tensor_pack(&c.ba.in, x, c.ba.x, c.ba.in.size));
    memcpy(c.ball.x, c.ba.x, c.ba.in.size);
    /* the three modules chained by events across both cores: the host task (core 1) is queued first and waits */
    dla_event *e1, *e2, *e3;
    CHECK_OK(dla_event_create(&e1));
    CHECK_OK(dla_event_create(&e2));
    CHECK_OK(dla_event_create(&e3));
    dla_task th = {.module = c.h, .inputs = &c.ba.ym, .n_inputs = 1, .outputs = &c.bb.xm, .n_outputs = 1,
                   .wait_events = &e1, .n_wait = 1, .signal_events = &e2, .n_signal = 1};
    dla_task ta = {.module = c.a, .inputs = &c.ba.xm, .n_inputs = 1, .outputs = &c.ba.ym, .n_outputs = 1,
                   .signal_events = &e1, .n_signal = 1};
    dla_task tb = {.module = c.b, .inputs = &c.bb.xm, .n_inputs = 1, .outputs = &c.bb.ym, .n_outputs = 1,
                   .wait_events = &e2, .n_wait = 1, .signal_events = &e3, .n_signal = 1};
    /* memory of another device is refused at submit */
    CHECK_STATUS(dla_submit(c.dev[1], &th, 1), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "not memory registered"));
    dla_mem *hx, *hy;
    CHECK_OK(dla_mem_register(c.dev[1], c.ba.y, c.ba.out.size, &hx));
    CHECK_OK(dla_mem_register(c.dev[1], c.bb.x, c.bb.in.size, &hy));
    th.inputs = &hx;
    th.outputs = &hy;
    CHECK_OK(dla_submit(c.dev[1], &th, 1));
    CHECK(!dla_event_query(e2));
    dla_task tab[2] = {ta, tb};
    CHECK_OK(dla_submit(c.dev[0], tab, 2));
    CHECK_OK(dla_event_wait(e3));
    CHECK(dla_event_query(e1) && dla_event_query(e2));
    CHECK_OK(dla_synchronize(c.dev[0]));
    CHECK_OK(dla_synchronize(c.dev[1]));
    /* one module holding the three tasks gives the same bytes */
    CHECK_OK(run_once(c.dev[1], c.all, &c.ball));
    CHECK(memcmp(c.ball.y, c.bb.y, c.bb.out.size) == 0);
    dla_module_attribute a;
    CHECK_OK(dla_module_get_attributes(c.all, DLA_NUM_TASKS, &a));
    CHECK(a.num_tasks == 3);
    /* and agree with a float reference (FP16 rounding of the intermediate tensors in between) */
    double ya[K0 * H0 * W0], yb[K1 * H0 * W0];
    float s[K0 * H0 * W0], y[K1 * H0 * W0];
    ref_conv(&cwa, x, ya);
    for (int i = 0; i < K0 * H0 * W0; i++)
        s[i] = (float)(1.0 / (1.0 + exp(-ya[i])));
    ref_conv(&cwb, s, yb);
    CHECK_OK(dla_tensor_unpack(&c.bb.out, c.bb.y, c.bb.out.size, y));
    double maxerr = 0;
    int pos = 0;
    for (int i = 0; i < K1 * H0 * W0; i++) {
        maxerr = fmax(maxerr, fabs(y[i] - yb[i]));
        pos += y[i] > 0;
    }
    CHECK(maxerr < 0.02);
    CHECK(pos > 5);
    /* a failing task fails its waiters: an event signalled by the host with reset semantics */
    dla_event_reset(e1);
    CHECK(!dla_event_query(e1));
    CHECK_OK(dla_event_signal(e1));
    CHECK_STATUS(dla_event_signal(e1), DLA_ERR_INVALID_ARG);
    CHECK_OK(dla_mem_unregister(c.dev[1], hx));
    CHECK_OK(dla_mem_unregister(c.dev[1], hy));
    unbind(c.dev[0], &c.ba);
    unbind(c.dev[1], &c.bh);
    unbind(c.dev[0], &c.bb);
    unbind(c.dev[1], &c.ball);
    dla_event_destroy(e1);
    dla_event_destroy(e2);
    dla_event_destroy(e3);
    dla_device_destroy(c.dev[0]);
    dla_device_destroy(c.dev[1]);
}

/* ---- (d) two threads on both cores ------------------------------------------------------------------------- */

enum { ITERS = 50 };
static uint8_t *serial_out[ITERS];

typedef struct worker {
    int core;
    int failures;
} worker;

static void *submit_thread(void *arg)
{
    worker *w = arg;
    dla_device *dev;
    if (dla_device_create(w->core, DLA_MODE_HYBRID, &dev) != DLA_OK) {
        w->failures++;
        return NULL;
    }
    dla_module *mod = NULL;
    bound bd;
    if (dla_module_load(dev, chain_bytes, chain_size, &mod) != DLA_OK || !bind(dev, mod, &bd)) {
        w->failures++;
        dla_device_destroy(dev);
        return NULL;
    }
    float x[C0 * H0 * W0];
    for (int it = 0; it < ITERS; it++) {
        int i = w->core ? ITERS - 1 - it : it; /* the two threads walk the inputs in opposite orders */
        random_input(x, C0 * H0 * W0, 5000u + (unsigned)i);
        if (dla_tensor_pack(&bd.in, x, bd.x, bd.in.size) != DLA_OK || run_once(dev, mod, &bd) != DLA_OK ||
            !serial_out[i] || memcmp(bd.y, serial_out[i], bd.out.size) != 0)
            w->failures++;
    }
    unbind(dev, &bd);
    dla_device_destroy(dev);
    return NULL;
}

static void test_threads(void)
{
    if (!chain_bytes)
        return;
    /* serial reference runs */
    dla_device *dev;
    CHECK_OK(dla_device_create(0, DLA_MODE_HYBRID, &dev));
    dla_module *mod = NULL;
    CHECK_OK(dla_module_load(dev, chain_bytes, chain_size, &mod));
    bound bd;
    if (!mod || !bind(dev, mod, &bd)) {
        CHECK(0);
        dla_device_destroy(dev);
        return;
    }
    float x[C0 * H0 * W0];
    for (int i = 0; i < ITERS; i++) {
        random_input(x, C0 * H0 * W0, 5000u + (unsigned)i);
        CHECK_OK(dla_tensor_pack(&bd.in, x, bd.x, bd.in.size));
        CHECK_OK(run_once(dev, mod, &bd));
        serial_out[i] = malloc(bd.out.size);
        if (serial_out[i])
            memcpy(serial_out[i], bd.y, bd.out.size);
    }
    /* distinct inputs give distinct outputs (the comparison below can fail) */
    CHECK(serial_out[0] && serial_out[1] && memcmp(serial_out[0], serial_out[1], bd.out.size) != 0);
    unbind(dev, &bd);
    dla_device_destroy(dev);
    worker w[2] = {{0, 0}, {1, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&th[i], NULL, submit_thread, &w[i]) == 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK(w[0].failures == 0);
    CHECK(w[1].failures == 0);
    for (int i = 0; i < ITERS; i++)
        free(serial_out[i]);
}

/* ---- (e) corrupt loadables are refused at load ------------------------------------------------------------- */

static dla_status load_status(dla_device *dev, const void *bytes, size_t size)
{
    dla_module *mod = NULL;
    dla_status st = dla_module_load(dev, bytes, size, &mod);
    if (st == DLA_OK)
        CHECK_OK(dla_module_unload(mod));
    else
        CHECK(mod == NULL);
    return st;
}

static void m_weight_oob(eng_op *conv, eng_op *sdp) { (void)sdp, conv->u.conv.weight.offset = 4096; }
static void m_deadlock(eng_op *conv, eng_op *sdp) { (void)sdp, conv->dependency_count = 2; }
static void m_underflow(eng_op *conv, eng_op *sdp) { (void)conv, sdp->dependency_count = 0; }
static void m_lut(eng_op *conv, eng_op *sdp) { (void)conv, sdp->u.sdp.lut_index = 0; }
static void m_no_consumer(eng_op *conv, eng_op *sdp)
{
    (void)conv;
    sdp->u.sdp.src = sdp->u.sdp.dst; /* the SDP reads memory: nobody reads the CONV's pipe */
}
static void m_x1_small(eng_op *conv, eng_op *sdp) { (void)conv, sdp->u.sdp.x1_data.size = 2; }

/* Loads the conv module built with `m` and returns the status; *msg gets the message. */
static dla_status load_mutated(dla_device *dev, void (*m)(eng_op *, eng_op *), const char *want)
{
    mutate = m;
    void *bytes;
    size_t size;
    build_dla(&cwa, DEP_NVDLA, "Conv_0 + Relu_1", &bytes, &size);
    mutate = NULL;
    dla_status st = load_status(dev, bytes, size);
    if (want && !strstr(dla_last_error(), want)) {
        fprintf(stderr, "expected '%s' in: %s\n", want, dla_last_error());
        CHECK(0);
    }
    free(bytes);
    return st;
}

static void test_corrupt(void)
{
    dla_device *dev;
    CHECK_OK(dla_device_create(0, DLA_MODE_HYBRID, &dev));
    void *bytes;
    size_t size;
    build_dla(&cwa, DEP_NVDLA, "Conv_0 + Relu_1", &bytes, &size);
    CHECK_OK(load_status(dev, bytes, size));
    /* every single byte flipped, and cuts */
    uint8_t *p = bytes;
    int accepted = 0;
    for (size_t i = 0; i < size; i++) {
        p[i] ^= 0x5a;
        dla_status st = load_status(dev, p, size);
        accepted += st == DLA_OK;
        CHECK(st == DLA_OK || st == DLA_ERR_FORMAT || st == DLA_ERR_VERSION);
        p[i] ^= 0x5a;
    }
    CHECK(accepted == 0);
    for (size_t cut = 0; cut < size; cut += 97)
        CHECK(load_status(dev, p, cut) != DLA_OK);
    /* op records corrupted and resealed (CRC valid): refused or, when still a valid op, loaded — never a crash */
    ldb_view v;
    CHECK_OK(ldb_parse(p, size, &v));
    size_t ops_off = (size_t)((const uint8_t *)v.tasks[0].ops.data - p);
    ldb_view_free(&v);
    int refused = 0;
    for (size_t i = 0; i < 2 * ENG_OP_RECORD_BYTES; i += 3) {
        uint8_t old = p[ops_off + i];
        p[ops_off + i] = (uint8_t)(old ^ (0x81u << (i % 2)));
        ldb_reseal(p, size);
        dla_status st = load_status(dev, p, size);
        CHECK(st == DLA_OK || st == DLA_ERR_FORMAT || st == DLA_ERR_VERSION);
        refused += st != DLA_OK;
        p[ops_off + i] = old;
    }
    ldb_reseal(p, size);
    CHECK(refused > 100);
    CHECK_OK(load_status(dev, p, size));
    free(bytes);
    /* consistent loadables (valid CRC, valid structure) with bad engine content */
    CHECK_STATUS(load_mutated(dev, m_weight_oob, "weights"), DLA_ERR_FORMAT);
    CHECK_STATUS(load_mutated(dev, m_deadlock, "deadlocks"), DLA_ERR_FORMAT);
    CHECK_STATUS(load_mutated(dev, m_underflow, "below zero"), DLA_ERR_FORMAT);
    CHECK_STATUS(load_mutated(dev, m_lut, "lut"), DLA_ERR_FORMAT);
    CHECK_STATUS(load_mutated(dev, m_no_consumer, "no later op reads it"), DLA_ERR_FORMAT);
    CHECK(strstr(dla_device_last_error(dev), "module 'conv_module' task 0"));
    op_record_size = 512;
    CHECK_STATUS(load_mutated(dev, NULL, "op records are 512 bytes"), DLA_ERR_FORMAT);
    op_record_size = ENG_OP_RECORD_BYTES;
    conv_ops_per_unit = 2;
    CHECK_STATUS(load_mutated(dev, NULL, "counts 2 ops of processor CONV"), DLA_ERR_FORMAT);
    conv_ops_per_unit = 1;
    /* HOST subgraphs that do not deserialize or do not match the task's tensors */
    static const uint8_t junk[] = "\x08\x07\x12\x04not-a-model-at-all\xff\xff";
    build_host(junk, sizeof junk - 1, K0, H0, W0, 4, 0, &bytes, &size);
    CHECK_STATUS(load_status(dev, bytes, size), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "does not deserialize"));
    free(bytes);
    static uint8_t onnx[1024];
    int64_t dims[4] = {1, K0, H0, W0};
    size_t on = onnx_unary("Relu", "x", "other", 4, dims, onnx);
    build_host(onnx, on, K0, H0, W0, 4, 0, &bytes, &size);
    CHECK_STATUS(load_status(dev, bytes, size), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "subgraph output 'other'"));
    free(bytes);
    dims[1] = K0 + 1; /* the subgraph's shape differs from the descriptors' */
    on = onnx_unary("Relu", "x", "y", 4, dims, onnx);
    build_host(onnx, on, K0, H0, W0, 4, 0, &bytes, &size);
    CHECK_STATUS(load_status(dev, bytes, size), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "has shape 1x5x5x4; the task's descriptor has 1x4x5x4"));
    free(bytes);
    dla_device_destroy(dev);
}

/* A task failing on the worker: the error comes back from dla_synchronize naming module, task, op and layer; its
 * signal event fails the waiters on the other core. */
static void test_async_error(void)
{
    dla_device *d0, *d1;
    CHECK_OK(dla_device_create(0, DLA_MODE_HYBRID, &d0));
    CHECK_OK(dla_device_create(1, DLA_MODE_HYBRID, &d1));
    mutate = m_x1_small;
    void *bytes;
    size_t size;
    build_dla(&cwa, DEP_NVDLA, "Conv_0 + Relu_1", &bytes, &size);
    mutate = NULL;
    dla_module *bad = NULL, *good = NULL;
    CHECK_OK(dla_module_load(d0, bytes, size, &bad));
    free(bytes);
    build_dla(&cwa, DEP_NVDLA, "Conv_0 + Relu_1", &bytes, &size);
    CHECK_OK(dla_module_load(d1, bytes, size, &good));
    free(bytes);
    bound b0, b1;
    if (!bad || !good || !bind(d0, bad, &b0) || !bind(d1, good, &b1)) {
        CHECK(0);
        dla_device_destroy(d0);
        dla_device_destroy(d1);
        return;
    }
    dla_event *e;
    CHECK_OK(dla_event_create(&e));
    dla_task tw = {.module = good, .inputs = &b1.xm, .n_inputs = 1, .outputs = &b1.ym, .n_outputs = 1,
                   .wait_events = &e, .n_wait = 1};
    dla_task tf = {.module = bad, .inputs = &b0.xm, .n_inputs = 1, .outputs = &b0.ym, .n_outputs = 1,
                   .signal_events = &e, .n_signal = 1};
    CHECK_OK(dla_submit(d1, &tw, 1));
    CHECK_OK(dla_submit(d0, &tf, 1));
    /* registered memory in flight cannot be unregistered */
    dla_status st = dla_synchronize(d0);
    CHECK(st == DLA_ERR_FORMAT);
    const char *msg = dla_last_error();
    CHECK(strstr(msg, "module 'conv_module' task 0") && strstr(msg, "engine op 1 (SDP, layer 'Conv_0 + Relu_1')"));
    CHECK(dla_device_get_last_error(d0) == DLA_ERR_FORMAT);
    CHECK(dla_device_get_last_error(d0) == DLA_OK); /* read once */
    CHECK(strstr(dla_device_last_error(d0), "engine op 1"));
    CHECK_STATUS(dla_event_wait(e), DLA_ERR_FORMAT);
    st = dla_synchronize(d1);
    CHECK(st == DLA_ERR_FORMAT && strstr(dla_last_error(), "wait event 0"));
    CHECK_OK(dla_synchronize(d1)); /* reported once */
    uint64_t runs = 9;
    CHECK_OK(dla_module_run_count(good, &runs, NULL));
    CHECK(runs == 0);
    /* argument errors at submit */
    dla_task t2 = tw;
    t2.n_inputs = 0;
    CHECK_STATUS(dla_submit(d1, &t2, 1), DLA_ERR_INVALID_ARG);
    t2 = tw;
    t2.module = bad;
    CHECK_STATUS(dla_submit(d1, &t2, 1), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_device_last_error(d1), "not loaded on this device"));
    dla_mem *tiny;
    CHECK_OK(dla_mem_register(d1, b1.x, 8, &tiny));
    t2 = tw;
    t2.inputs = &tiny;
    t2.n_wait = 0;
    CHECK_STATUS(dla_submit(d1, &t2, 1), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "has 8 bytes registered"));
    CHECK_OK(dla_mem_unregister(d1, tiny));
    CHECK_STATUS(dla_mem_unregister(d1, tiny), DLA_ERR_INVALID_ARG); /* not registered any more: refused, no crash */
    unbind(d0, &b0);
    unbind(d1, &b1);
    dla_event_destroy(e);
    dla_device_destroy(d0);
    dla_device_destroy(d1);
}

/* ---- (f) statistics -------------------------------------------------------------------------------------- */

static void test_stats(void)
{
    static const char header[] =
        "layer_name,start_ms,end_ms,net_duration_cpipes_ms,net_duration_rubik_ms,net_duration_bdma_ms,"
        "src_precisions,compute_precisions,dst_precisions,uses_sram,uses_fp16_conv,uses_int8_conv,max_num_cpipes,"
        "uses_weight_compression,uses_structured_sparsity,uses_sdp,uses_pool,uses_square_sum_unit\n";
    dla_device *dev;
    CHECK_OK(dla_device_create(1, DLA_MODE_HYBRID, &dev));
    dla_module *mod = NULL;
    CHECK_OK(dla_module_load(dev, chain_bytes, chain_size, &mod));
    bound bd;
    if (!mod || !bind(dev, mod, &bd)) {
        CHECK(0);
        dla_device_destroy(dev);
        return;
    }
    CHECK_OK(run_once(dev, mod, &bd));
    dla_module_attribute a;
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_LAYERS, &a));
    CHECK(a.num_layers == 2);
    char *csv = NULL;
    CHECK_OK(dla_module_stats_csv(mod, &csv));
    if (csv) {
        CHECK(strncmp(csv, header, strlen(header)) == 0);
        const char *row1 = strchr(csv, '\n') + 1, *row2 = strchr(row1, '\n') + 1;
        CHECK(strncmp(row1, "Conv_0 + Relu_1,", 16) == 0 && strncmp(row2, "Conv_3 + Relu_4,", 16) == 0);
        CHECK(strstr(row1, ",FP16,FP16,FP16,0,1,0,1,0,0,1,0,0\n") != NULL);
        int commas = 0, lines = 0;
        for (const char *q = csv; *q; q++)
            commas += *q == ',', lines += *q == '\n';
        CHECK(lines == 3 && commas == 3 * 17);
        free(csv);
    }
    dla_layer_stats l0, l1;
    CHECK_OK(dla_module_layer_stats(mod, 0, &l0));
    CHECK_OK(dla_module_layer_stats(mod, 1, &l1));
    CHECK(l0.task == 0 && l1.task == 2 && l0.uses_fp16_conv && l0.uses_sdp && !l0.uses_pool);
    CHECK(l0.end_ms >= l0.start_ms && l0.net_duration_cpipes_ms > 0 && l0.net_duration_rubik_ms == 0);
    CHECK(l1.start_ms >= l0.end_ms); /* the second DLA task starts after the host task */
    dla_task_stats t1;
    CHECK_OK(dla_module_task_stats(mod, 1, &t1));
    CHECK(t1.is_host && t1.start_ms >= l0.end_ms && t1.end_ms <= l1.start_ms);
    CHECK_STATUS(dla_module_layer_stats(mod, 2, &l0), DLA_ERR_INVALID_ARG);
    unbind(dev, &bd);
    CHECK_OK(dla_module_unload(mod));
    /* names with commas and quotes are quoted */
    void *bytes;
    size_t size;
    build_dla(&cwa, DEP_NVDLA, "Conv \"a\",b", &bytes, &size);
    mod = NULL;
    CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    free(bytes);
    csv = NULL;
    if (mod)
        CHECK_OK(dla_module_stats_csv(mod, &csv));
    CHECK(csv && strstr(csv, "\n\"Conv \"\"a\"\",b\",0.000000,"));
    free(csv);
    dla_device_destroy(dev);
}

/* ---- the scheduler on hand-made dependency graphs ---------------------------------------------------------- */

static void sop(eng_op *op, int index, int type, int dep, int src_hw, int dst_hw)
{
    memset(op, 0, sizeof *op);
    op->index = (int16_t)index;
    op->type = (uint8_t)type;
    op->dependency_count = (uint8_t)dep;
    for (int i = 0; i < ENG_MAX_CONSUMERS; i++)
        op->consumers[i].index = -1;
    op->fused_parent.index = -1;
    eng_cube *src = NULL, *dst = NULL;
    switch (type) {
    case ENG_OP_CONV: src = &op->u.conv.src, dst = &op->u.conv.dst; break;
    case ENG_OP_SDP: src = &op->u.sdp.src, dst = &op->u.sdp.dst; break;
    case ENG_OP_PDP: src = &op->u.pdp.src, dst = &op->u.pdp.dst; break;
    default: break;
    }
    if (src)
        src->mem_type = src_hw ? ENG_MEM_HW : ENG_MEM_DRAM;
    if (dst)
        dst->mem_type = dst_hw ? ENG_MEM_HW : ENG_MEM_DRAM;
}

static void test_scheduler(void)
{
    /* CONV -> SDP -> PDP fused (NVDLA encoding: followers enabled first), then CONV -> SDP after the PDP, and an
     * independent BDMA */
    eng_op ops[6];
    int order[6] = {-1, -1, -1, -1, -1, -1};
    sop(&ops[0], 0, ENG_OP_CONV, 1, 0, 1);
    ops[0].consumers[ENG_OP_SDP] = (eng_consumer){1, ENG_EVENT_PROGRAMMED, 0};
    sop(&ops[1], 1, ENG_OP_SDP, 2, 1, 1);
    ops[1].fused_parent = (eng_consumer){0, ENG_EVENT_ENABLED, 0};
    ops[1].consumers[ENG_OP_PDP] = (eng_consumer){2, ENG_EVENT_PROGRAMMED, 0};
    sop(&ops[2], 2, ENG_OP_PDP, 1, 1, 0);
    ops[2].fused_parent = (eng_consumer){1, ENG_EVENT_ENABLED, 0};
    ops[2].consumers[ENG_OP_CONV] = (eng_consumer){3, ENG_EVENT_COMPLETED, 0};
    sop(&ops[3], 3, ENG_OP_CONV, 2, 0, 1);
    ops[3].consumers[ENG_OP_SDP] = (eng_consumer){4, ENG_EVENT_PROGRAMMED, 0};
    sop(&ops[4], 4, ENG_OP_SDP, 1, 1, 0);
    ops[4].fused_parent = (eng_consumer){3, ENG_EVENT_ENABLED, 0};
    sop(&ops[5], 5, ENG_OP_BDMA, 0, 0, 0);
    CHECK_OK(rt_schedule(ops, 6, "sched", order));
    CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2 && order[3] == 3 && order[4] == 4 && order[5] == 5);
    /* a data dependency on a later op: BDMA 0 waits for BDMA 1 */
    sop(&ops[0], 0, ENG_OP_BDMA, 1, 0, 0);
    sop(&ops[1], 1, ENG_OP_BDMA, 0, 0, 0);
    ops[1].consumers[ENG_OP_BDMA] = (eng_consumer){0, ENG_EVENT_COMPLETED, 0};
    CHECK_OK(rt_schedule(ops, 2, "sched", order));
    CHECK(order[0] == 1 && order[1] == 0);
    /* two register groups per processor: BDMA 0 and 1 wait for BDMA 2, which can never be programmed */
    sop(&ops[0], 0, ENG_OP_BDMA, 1, 0, 0);
    sop(&ops[1], 1, ENG_OP_BDMA, 1, 0, 0);
    sop(&ops[2], 2, ENG_OP_BDMA, 0, 0, 0);
    ops[2].consumers[0] = (eng_consumer){0, ENG_EVENT_COMPLETED, 0};
    ops[2].consumers[1] = (eng_consumer){1, ENG_EVENT_COMPLETED, 0};
    CHECK_STATUS(rt_schedule(ops, 3, "sched", order), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "op 2 (BDMA) is not programmed: its processor's 2 register groups are all taken"));
    /* a pipe reader without a producer */
    sop(&ops[0], 0, ENG_OP_SDP, 0, 1, 0);
    CHECK_STATUS(rt_schedule(ops, 1, "sched", order), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "deadlocks") && strstr(dla_last_error(), "pipe producer"));
}

int main(void)
{
    make_convw(&cwa, C0, K0, 11);
    make_convw(&cwb, C1, K1, 22);
    int n = 0;
    CHECK_OK(dla_device_get_count(&n));
    CHECK(n == 2);
    test_scheduler();
    test_dla_conv();
    test_batch();
    test_host_relu();
    test_chain();
    test_threads();
    test_corrupt();
    test_async_error();
    test_stats();
    free(chain_bytes);
    return TEST_RESULT();
}
