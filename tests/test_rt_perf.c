/* The runtime's layer-wise statistics hold the performance model's prediction (src/runtime/stats_perf.c): models
 * built in process (a DLA-only one for Orin and for Xavier, a hybrid one with a HOST task between two DLA tasks),
 * loaded and run. Each layer's duration equals dla_perf_get_layer's time_us / 1000 (times the batch) for the row
 * its perf_layer names, to 1e-9 ms; layers are contiguous and ordered inside their tasks, tasks contiguous, and
 * the timeline ends at the model's single-core time; the CSV keeps cuDLA's header with one row per layer; the
 * measured wall times move to the wall_* fields; dla_module_set_perf_options re-predicts (and refuses a bad mode
 * keeping the previous prediction). The mapping by loadable layer index is checked on loadables whose layer table
 * is patched so that the model emits a catch-all row (ops outside a layer) or skips a layer. */
#include "check.h"
#include "dla/compiler.h"
#include "dla/model.h"
#include "dla/perf.h"
#include "dla/runtime.h"
#include "loadable/loadable.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* onnx_build.h: helpers this test does not use */
#include "onnx_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char csv_header[] =
    "layer_name,start_ms,end_ms,net_duration_cpipes_ms,net_duration_rubik_ms,net_duration_bdma_ms,"
    "src_precisions,compute_precisions,dst_precisions,uses_sram,uses_fp16_conv,uses_int8_conv,max_num_cpipes,"
    "uses_weight_compression,uses_structured_sparsity,uses_sdp,uses_pool,uses_square_sum_unit\n";

static void conv_weights(Onnx__ModelProto *m, const char *name, int k, int c, int r, float scale)
{
    const int64_t d[4] = {k, c, r, r};
    size_t n = (size_t)(k * c * r * r);
    float *w = mb_alloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = scale * (float)((int)(i * 7 % 11) - 5);
    Onnx__TensorProto *t = mb_tensor(name, 1, 4, d);
    mb_floats(t, n, w);
    mb_init(m, t);
}

/* x [1,8,8,8] -> Conv 3x3 (16) -> Relu -> MaxPool 2x2 -> Conv 1x1 (16) -> Relu -> y [1,16,4,4] */
static uint8_t *model_dla(size_t *len)
{
    Onnx__ModelProto *m = mb_model(13);
    const int64_t xd[4] = {1, 8, 8, 8}, yd[4] = {1, 16, 4, 4};
    conv_weights(m, "w1", 16, 8, 3, 0.05f);
    conv_weights(m, "w2", 16, 16, 1, 0.05f);
    Onnx__NodeProto *c1 = mb_node(m, "Conv", "conv1", "x,w1", "a");
    const int64_t pads[4] = {1, 1, 1, 1}, k2[2] = {2, 2};
    mb_attr_ints(c1, "pads", 4, pads);
    mb_node(m, "Relu", "relu1", "a", "b");
    Onnx__NodeProto *p = mb_node(m, "MaxPool", "pool", "b", "c");
    mb_attr_ints(p, "kernel_shape", 2, k2);
    mb_attr_ints(p, "strides", 2, k2);
    mb_node(m, "Conv", "conv2", "c,w2", "d");
    mb_node(m, "Relu", "relu2", "d", "y");
    mb_input(m, "x", 1, 4, xd);
    mb_output(m, "y", 1, 4, yd);
    return mb_pack(m, len);
}

/* x [1,4,3,3] -> Conv 1x1 -> Relu -> Sqrt (host: dlakit does not lower it) -> Conv 1x1 -> y */
static uint8_t *model_hybrid(size_t *len)
{
    Onnx__ModelProto *m = mb_model(13);
    const int64_t xd[4] = {1, 4, 3, 3};
    conv_weights(m, "w1", 4, 4, 1, 0.25f);
    conv_weights(m, "w2", 4, 4, 1, 0.25f);
    mb_node(m, "Conv", "conv1", "x,w1", "a");
    mb_node(m, "Relu", "relu", "a", "r");
    mb_node(m, "Sqrt", "sqrt", "r", "s");
    mb_node(m, "Conv", "conv2", "s,w2", "y");
    mb_input(m, "x", 1, 4, xd);
    mb_output(m, "y", 1, 4, xd);
    return mb_pack(m, len);
}

static void *build(uint8_t *(*make)(size_t *), int xavier, int fallback, size_t *size)
{
    size_t len;
    uint8_t *onnx = make(&len);
    dla_model *m = NULL;
    void *bytes = NULL;
    *size = 0;
    CHECK_OK(dla_model_load_memory(onnx, len, NULL, &m));
    dla_build_options o;
    memset(&o, 0, sizeof o);
    o.fp16 = 1;
    o.allow_gpu_fallback = fallback;
    o.platform = xavier ? DLA_PLATFORM_XAVIER : DLA_PLATFORM_ORIN;
    if (m)
        CHECK_OK(dla_builder_build(m, &o, &bytes, size));
    dla_model_destroy(m);
    return bytes;
}

static int count_of(const dla_module *mod, dla_module_attribute_type t)
{
    dla_module_attribute a;
    if (dla_module_get_attributes(mod, t, &a) != DLA_OK)
        return 0;
    return t == DLA_NUM_LAYERS ? (int)a.num_layers : (int)a.num_tasks;
}

/* The module's statistics against dla_perf_predict on the same loadable with the same options: durations by
 * perf_layer, the timeline's layout and end, the CSV. Returns the number of layers with a row. */
static int check_prediction(const dla_module *mod, const void *bytes, size_t size, const dla_perf_options *po)
{
    dla_perf_report *r = NULL;
    CHECK_OK(dla_perf_predict(bytes, size, po, &r));
    if (!r)
        return 0;
    dla_perf_summary sum;
    dla_perf_get_summary(r, &sum);
    dla_module_perf_info info;
    CHECK_OK(dla_module_get_perf_info(mod, &info));
    CHECK(info.predicted == 1 && info.error[0] == '\0');
    CHECK(strcmp(info.platform, sum.platform) == 0 && strcmp(info.power_mode, sum.power_mode) == 0);
    CHECK(info.cores == sum.cores && info.batch == sum.batch);
    CHECK_NEAR(info.inference_ms, sum.single_core_ms, 1e-9);
    CHECK_NEAR(info.latency_ms, sum.latency_ms, 1e-9);
    int n_layers = count_of(mod, DLA_NUM_LAYERS), n_tasks = count_of(mod, DLA_NUM_TASKS), mapped = 0, last_row = -1;
    CHECK(n_layers > 0 && n_tasks > 0);
    for (int i = 0; i < n_layers; i++) {
        dla_layer_stats s;
        CHECK_OK(dla_module_layer_stats(mod, i, &s));
        double d = s.end_ms - s.start_ms, net = s.net_duration_cpipes_ms + s.net_duration_rubik_ms +
                                                 s.net_duration_bdma_ms;
        CHECK(d >= 0);
        CHECK_NEAR(net, d, 1e-12);
        if (s.perf_layer < 0) {
            CHECK(d == 0 && s.bound[0] == '\0');
            continue;
        }
        dla_perf_layer L;
        CHECK_OK(dla_perf_get_layer(r, s.perf_layer, &L));
        CHECK(strcmp(L.name, s.layer_name) == 0);
        CHECK_NEAR(d, sum.batch * L.time_us / 1000.0, 1e-9);
        CHECK(strcmp(L.bound, s.bound) == 0);
        CHECK(s.perf_layer > last_row); /* rows follow the loadable's layer order */
        last_row = s.perf_layer;
        if (strcmp(L.engines, "BDMA") == 0)
            CHECK_NEAR(s.net_duration_bdma_ms, d, 1e-12);
        else if (!strstr(L.engines, "RUBIK") && !strstr(L.engines, "BDMA"))
            CHECK_NEAR(s.net_duration_cpipes_ms, d, 1e-12);
        mapped++;
    }
    /* tasks contiguous from 0; a DLA task's layers contiguous from its start, in order; the end is the model's */
    double t_end = 0;
    int layer = 0;
    for (int ti = 0; ti < n_tasks; ti++) {
        dla_task_stats ts;
        CHECK_OK(dla_module_task_stats(mod, ti, &ts));
        CHECK(ts.start_ms == t_end && ts.end_ms > ts.start_ms);
        double at = ts.start_ms;
        while (layer < n_layers) {
            dla_layer_stats s;
            CHECK_OK(dla_module_layer_stats(mod, layer, &s));
            if (s.task != ti)
                break;
            CHECK(!ts.is_host && s.start_ms == at && s.end_ms <= ts.end_ms);
            at = s.end_ms;
            layer++;
        }
        t_end = ts.end_ms;
    }
    CHECK(layer == n_layers);
    CHECK_NEAR(t_end, sum.single_core_ms, 1e-9);
    CHECK_NEAR(t_end, info.inference_ms, 1e-12);
    /* the CSV: cuDLA's header, one row per layer, the same predicted times */
    char *csv = NULL;
    CHECK_OK(dla_module_stats_csv(mod, &csv));
    if (csv) {
        CHECK(strncmp(csv, csv_header, strlen(csv_header)) == 0);
        int lines = 0;
        for (const char *q = csv; *q; q++)
            lines += *q == '\n';
        CHECK(lines == n_layers + 1);
        const char *row = strchr(csv, '\n') + 1;
        for (int i = 0; i < n_layers && row && *row; i++) {
            dla_layer_stats s;
            CHECK_OK(dla_module_layer_stats(mod, i, &s));
            char want[512];
            snprintf(want, sizeof want, "%s,%.6f,%.6f,", s.layer_name, s.start_ms, s.end_ms);
            CHECK(strncmp(row, want, strlen(want)) == 0);
            row = strchr(row, '\n');
            row = row ? row + 1 : NULL;
        }
        free(csv);
    }
    dla_perf_report_destroy(r);
    return mapped;
}

/* One run with zero inputs (the statistics' wall fields). */
static void run_once(dla_device *dev, dla_module *mod)
{
    dla_module_attribute a;
    dla_tensor_desc in[4], out[4];
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_INPUT_TENSORS, &a));
    int ni = (int)a.num_input_tensors;
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_OUTPUT_TENSORS, &a));
    int no = (int)a.num_output_tensors;
    if (ni != 1 || no != 1) {
        CHECK(0);
        return;
    }
    a.input_tensor_desc = in;
    CHECK_OK(dla_module_get_attributes(mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a));
    a.output_tensor_desc = out;
    CHECK_OK(dla_module_get_attributes(mod, DLA_OUTPUT_TENSOR_DESCRIPTORS, &a));
    void *x = calloc(1, in[0].size), *y = calloc(1, out[0].size);
    dla_mem *xm = NULL, *ym = NULL;
    CHECK_OK(dla_mem_register(dev, x, in[0].size, &xm));
    CHECK_OK(dla_mem_register(dev, y, out[0].size, &ym));
    dla_task t = {.module = mod, .inputs = &xm, .n_inputs = 1, .outputs = &ym, .n_outputs = 1};
    if (xm && ym) {
        CHECK_OK(dla_submit(dev, &t, 1));
        CHECK_OK(dla_synchronize(dev));
    }
    if (xm)
        CHECK_OK(dla_mem_unregister(dev, xm));
    if (ym)
        CHECK_OK(dla_mem_unregister(dev, ym));
    free(x);
    free(y);
}

static void test_dla_orin(dla_device *dev)
{
    size_t size;
    void *bytes = build(model_dla, 0, 0, &size);
    dla_module *mod = NULL;
    if (bytes)
        CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    if (!mod) {
        free(bytes);
        return;
    }
    int n = count_of(mod, DLA_NUM_LAYERS);
    CHECK(n >= 2);
    CHECK(check_prediction(mod, bytes, size, NULL) == n); /* defaults: orin MAXN, 1 core */
    for (int i = 0; i < n; i++) {
        dla_layer_stats s;
        CHECK_OK(dla_module_layer_stats(mod, i, &s));
        CHECK(s.perf_layer == i && s.wall_start_ms == 0 && s.wall_end_ms == 0 && s.wall_net_ms == 0);
    }
    dla_layer_stats before, after;
    CHECK_OK(dla_module_layer_stats(mod, n - 1, &before));
    run_once(dev, mod);
    /* a run fills the wall fields and leaves the prediction as it was */
    double wall = 0;
    for (int i = 0; i < n; i++) {
        dla_layer_stats s;
        CHECK_OK(dla_module_layer_stats(mod, i, &s));
        CHECK(s.wall_end_ms >= s.wall_start_ms && s.wall_net_ms >= 0);
        wall += s.wall_net_ms;
    }
    CHECK(wall > 0);
    CHECK_OK(dla_module_layer_stats(mod, n - 1, &after));
    CHECK(after.start_ms == before.start_ms && after.end_ms == before.end_ms);
    dla_task_stats ts;
    CHECK_OK(dla_module_task_stats(mod, 0, &ts));
    CHECK(ts.wall_end_ms > ts.wall_start_ms);
    /* another setting: 15W, then two cores; a bad mode is refused and keeps the 15W prediction */
    dla_perf_options po;
    memset(&po, 0, sizeof po);
    po.power_mode = "15W";
    CHECK_OK(dla_module_set_perf_options(mod, &po));
    CHECK(check_prediction(mod, bytes, size, &po) == n);
    dla_layer_stats s15;
    CHECK_OK(dla_module_layer_stats(mod, 0, &s15));
    dla_layer_stats s0;
    CHECK_OK(dla_module_layer_stats(mod, 0, &s0));
    dla_perf_options bad = po;
    bad.power_mode = "5W";
    CHECK_STATUS(dla_module_set_perf_options(mod, &bad), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "5W") != NULL);
    bad.power_mode = NULL;
    bad.platform = "tx2";
    CHECK_STATUS(dla_module_set_perf_options(mod, &bad), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "tx2") != NULL);
    dla_module_perf_info info;
    CHECK_OK(dla_module_get_perf_info(mod, &info));
    CHECK(strcmp(info.power_mode, "15W") == 0);
    CHECK_OK(dla_module_layer_stats(mod, 0, &s0));
    CHECK(s0.end_ms == s15.end_ms);
    po.cores = 2;
    CHECK_OK(dla_module_set_perf_options(mod, &po));
    CHECK(check_prediction(mod, bytes, size, &po) == n);
    CHECK_OK(dla_module_set_perf_options(mod, NULL)); /* back to the defaults */
    CHECK(check_prediction(mod, bytes, size, NULL) == n);
    CHECK_OK(dla_module_get_perf_info(mod, &info));
    CHECK(strcmp(info.power_mode, "MAXN") == 0 && info.cores == 1);
    CHECK_STATUS(dla_module_set_perf_options(NULL, NULL), DLA_ERR_INVALID_ARG);
    CHECK_OK(dla_module_unload(mod));
    free(bytes);
}

static void test_dla_xavier(dla_device *dev)
{
    size_t size;
    void *bytes = build(model_dla, 1, 0, &size);
    dla_module *mod = NULL;
    if (bytes)
        CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    if (mod) {
        dla_module_perf_info info;
        CHECK_OK(dla_module_get_perf_info(mod, &info));
        CHECK(strcmp(info.platform, "xavier") == 0 && strcmp(info.power_mode, "MAXN") == 0);
        dla_perf_options po;
        memset(&po, 0, sizeof po);
        po.platform = "xavier";
        CHECK(check_prediction(mod, bytes, size, &po) == count_of(mod, DLA_NUM_LAYERS));
        CHECK_OK(dla_module_unload(mod));
    }
    free(bytes);
}

/* Layer `layer`'s op_count set to `ops` in a copy of the loadable (resealed). */
static void *patch_layer(const void *bytes, size_t size, uint32_t layer, uint32_t ops)
{
    uint8_t *b = malloc(size);
    if (!b)
        return NULL;
    memcpy(b, bytes, size);
    uint32_t n_sec = ldb_rd32(b + 28);
    for (uint32_t k = 0; k < n_sec; k++) {
        const uint8_t *e = b + LDB_HEADER_SIZE + (size_t)k * LDB_SECTION_ENTRY_SIZE;
        if (ldb_rd32(e) != LDB_SEC_LAYERS)
            continue;
        uint64_t off = ldb_rd64(e + 8);
        ldb_wr32(b + off + (size_t)layer * LDB_REC_LAYER + 12, ops);
        ldb_reseal(b, size);
        return b;
    }
    free(b);
    return NULL;
}

static void test_hybrid_mapping(dla_device *dev)
{
    size_t size;
    void *bytes = build(model_hybrid, 0, 1, &size);
    dla_module *mod = NULL;
    if (bytes)
        CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    if (!mod) {
        free(bytes);
        return;
    }
    int n = count_of(mod, DLA_NUM_LAYERS), n_tasks = count_of(mod, DLA_NUM_TASKS), n_host = 0;
    for (int i = 0; i < n_tasks; i++) {
        dla_task_stats ts;
        CHECK_OK(dla_module_task_stats(mod, i, &ts));
        n_host += ts.is_host;
    }
    CHECK(n == 2 && n_host >= 1);
    CHECK(check_prediction(mod, bytes, size, NULL) == n);
    run_once(dev, mod);
    for (int i = 0; i < n_tasks; i++) {
        dla_task_stats ts;
        CHECK_OK(dla_module_task_stats(mod, i, &ts));
        CHECK(ts.wall_end_ms >= ts.wall_start_ms && ts.end_ms > ts.start_ms);
    }
    CHECK_OK(dla_module_unload(mod));

    /* the first layer's op count before the patches */
    ldb_view v;
    CHECK_OK(ldb_parse(bytes, size, &v));
    uint32_t ops0 = v.n_layers == 2 ? v.layers[0].op_count : 0;
    ldb_view_free(&v);
    CHECK(ops0 >= 2); /* CONV + SDP */

    /* the first layer loses its last op: the model adds a catch-all row for its task, so the second layer (in a
     * later task) is row 2, not 1 */
    void *p1 = ops0 >= 2 ? patch_layer(bytes, size, 0, ops0 - 1) : NULL;
    mod = NULL;
    if (p1)
        CHECK_OK(dla_module_load(dev, p1, size, &mod));
    if (mod) {
        dla_layer_stats a, b;
        CHECK_OK(dla_module_layer_stats(mod, 0, &a));
        CHECK_OK(dla_module_layer_stats(mod, 1, &b));
        CHECK(a.perf_layer == 0 && b.perf_layer == 2);
        CHECK(check_prediction(mod, p1, size, NULL) == 2);
        CHECK_OK(dla_module_unload(mod));
    }
    free(p1);

    /* the first layer has no op: the model skips it (no row) and costs its task's ops as a catch-all */
    void *p0 = patch_layer(bytes, size, 0, 0);
    mod = NULL;
    if (p0)
        CHECK_OK(dla_module_load(dev, p0, size, &mod));
    if (mod) {
        dla_layer_stats a, b;
        CHECK_OK(dla_module_layer_stats(mod, 0, &a));
        CHECK_OK(dla_module_layer_stats(mod, 1, &b));
        CHECK(a.perf_layer == -1 && a.end_ms == a.start_ms && b.perf_layer == 1);
        CHECK(check_prediction(mod, p0, size, NULL) == 1);
        CHECK_OK(dla_module_unload(mod));
    }
    free(p0);
    free(bytes);
}

int main(void)
{
    dla_device *dev = NULL;
    CHECK_OK(dla_device_create(0, DLA_MODE_HYBRID, &dev));
    if (dev) {
        test_dla_orin(dev);
        test_dla_xavier(dev);
        test_hybrid_mapping(dev);
    }
    dla_device_destroy(dev);
    mb_free_all();
    return TEST_RESULT();
}
