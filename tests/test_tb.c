/* The task builder and dla_builder_build: the Fashion-MNIST model and small hand-built graphs compiled into
 * loadables, each parsed back with ldb_parse and checked (tasks, events, memories, bindings, tensor descriptors,
 * pools, fused layer names, host subgraphs as ONNX, op records); plus the pool, I/O format and interval
 * planning helpers with hand-computed values. */
#include "check.h"
#include "compiler/tb.h"
#include "dla/compiler.h"
#include "engine/codec.h"
#include "loadable/loadable.h"
#include "onnx/onnx_import.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* onnx_build.h: this test uses a few of its helpers */
#include "onnx_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FASHION "models/fashion/fashion_resnet.onnx"
#define SAMPLES "models/fashion/samples"

/* ---- helpers ---------------------------------------------------------------------------------------------- */

static char log_text[16384];
static void log_hook(dla_log_level level, const char *msg, void *user)
{
    (void)level;
    (void)user;
    size_t n = strlen(log_text);
    snprintf(log_text + n, sizeof log_text - n, "%s\n", msg);
}

typedef struct built {
    void *bytes;
    size_t size;
    ldb_view v;
    int ok;
} built;

static dla_status build_model(dla_model *m, const dla_build_options *o, built *b)
{
    memset(b, 0, sizeof *b);
    dla_status st = dla_builder_build(m, o, &b->bytes, &b->size);
    if (st != DLA_OK)
        return st;
    st = ldb_parse(b->bytes, b->size, &b->v);
    b->ok = st == DLA_OK;
    return st;
}

static dla_status build_fashion(const dla_build_options *o, built *b)
{
    dla_model *m;
    dla_load_options lo = {.shapes = "input:1x1x28x28"};
    BASE_TRY(dla_model_load_file(FASHION, &lo, &m));
    dla_status st = build_model(m, o, b);
    dla_model_destroy(m);
    return st;
}

static void release(built *b)
{
    if (b->ok)
        ldb_view_free(&b->v);
    free(b->bytes);
    memset(b, 0, sizeof *b);
}

static const ldb_tensor *tensor_named(const ldb_view *v, const char *name)
{
    for (uint32_t i = 0; i < v->n_tensors; i++)
        if (strcmp(v->tensors[i].name, name) == 0)
            return &v->tensors[i];
    return NULL;
}

static uint32_t tensor_id(const ldb_view *v, const char *name)
{
    const ldb_tensor *t = tensor_named(v, name);
    return t ? t->id : LDB_NONE;
}

static int has_index(const uint32_t *list, uint32_t n, uint32_t x)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i] == x)
            return 1;
    return 0;
}

/* Task i signals event i and waits on event i - 1. */
static void check_chain(const ldb_view *v)
{
    CHECK(v->n_events == v->n_tasks);
    for (uint32_t i = 0; i < v->n_tasks; i++) {
        const ldb_task *t = &v->tasks[i];
        CHECK(t->n_signal == 1 && t->signal_events[0] == i);
        CHECK(t->n_wait == (i > 0));
        if (i > 0 && t->n_wait == 1)
            CHECK(t->wait_events[0] == i - 1);
    }
}

/* Every op record decodes, is in order, chains, names its layer, and its memory cubes index the address list. */
static void check_ops(const ldb_task *t)
{
    eng_codec_limits lim = {(int)t->ops.count, (int)t->luts.count, (int)t->n_addresses};
    const uint8_t *rec = t->ops.data;
    for (uint32_t i = 0; i < t->ops.count; i++) {
        int fused_next = 0;
        eng_op op;
        dla_status st = eng_op_decode(rec + (size_t)i * ENG_OP_RECORD_BYTES, ENG_OP_RECORD_BYTES, (int)i, &lim, &op);
        CHECK(st == DLA_OK);
        if (st != DLA_OK)
            return;
        CHECK(op.index == (int)i && op.layer < t->n_layers);
        const ldb_layer *l = &t->layers[op.layer];
        CHECK(i >= l->first_op && i < l->first_op + l->op_count && (l->units & (1u << op.type)));
        if (i + 1 < t->ops.count) {
            eng_op nx;
            eng_op_decode(rec + (size_t)(i + 1) * ENG_OP_RECORD_BYTES, ENG_OP_RECORD_BYTES, (int)i + 1, &lim, &nx);
            int fused = (nx.type == ENG_OP_SDP && nx.u.sdp.src.mem_type == ENG_MEM_HW) ||
                        (nx.type == ENG_OP_PDP && nx.u.pdp.src.mem_type == ENG_MEM_HW);
            CHECK(op.consumers[nx.type].index == (int)i + 1);
            CHECK(op.consumers[nx.type].event == (fused ? ENG_EVENT_PROGRAMMED : ENG_EVENT_COMPLETED));
            CHECK(!fused || (nx.fused_parent.index == (int)i && nx.fused_parent.event == ENG_EVENT_ENABLED));
            /* one from the op before (if any), one from a fused follower */
            fused_next = fused;
        }
        CHECK(op.dependency_count == (i > 0) + fused_next);
    }
}

/* The host task's subgraph is an ONNX model whose inputs/outputs are named like its descriptors; returns it. */
static ir_graph *host_graph(const ldb_view *v, const ldb_task *t)
{
    ir_graph *g = NULL;
    dla_status st = onnx_import(t->subgraph.data, t->subgraph.size, NULL, &g);
    CHECK(st == DLA_OK);
    if (st != DLA_OK)
        return NULL;
    CHECK(g->n_inputs == (int)t->n_inputs && g->n_outputs == (int)t->n_outputs);
    for (int i = 0; i < g->n_inputs && i < (int)t->n_inputs; i++)
        CHECK(strcmp(g->inputs[i]->name, v->tensors[t->inputs[i]].name) == 0);
    for (int i = 0; i < g->n_outputs && i < (int)t->n_outputs; i++)
        CHECK(strcmp(g->outputs[i]->name, v->tensors[t->outputs[i]].name) == 0);
    return g;
}

static uint64_t round64(uint64_t x) { return (x + 63) / 64 * 64; }

/* ---- Fashion-MNIST, FP16, all on the DLA ------------------------------------------------------------------ */

static void test_fashion_fp16(void)
{
    built b;
    dla_build_options o = {.fp16 = 1};
    CHECK_OK(build_fashion(&o, &b));
    if (!b.ok)
        return;
    const ldb_view *v = &b.v;
    CHECK(v->n_tasks == 3);
    if (v->n_tasks != 3)
        goto out;
    CHECK(v->tasks[0].type == LDB_TASK_HOST && v->tasks[1].type == LDB_TASK_DLA && v->tasks[2].type == LDB_TASK_HOST);
    check_chain(v);
    CHECK(!(v->flags & LDB_FLAG_STANDALONE) && v->build.precision == LDB_BUILD_FP16);
    CHECK(strcmp(v->build.platform, "orin") == 0);
    /* bindings: FP32 NCHW input and output, each with a DLA-side FP16 copy */
    CHECK(v->n_inputs == 1 && v->n_outputs == 1);
    const ldb_memory *mi = &v->memory[ldb_view_binding(v, 0, 0)], *mo = &v->memory[ldb_view_binding(v, 1, 0)];
    CHECK(strcmp(mi->name, "input") == 0 && mi->flags == LDB_MEM_INPUT && mi->size == 28 * 28 * 4);
    CHECK(strcmp(mo->name, "logits") == 0 && mo->flags == LDB_MEM_OUTPUT && mo->size == 40);
    const ldb_tensor *ti = tensor_named(v, "input"), *td = tensor_named(v, "input/dla");
    const ldb_tensor *to = tensor_named(v, "logits"), *tod = tensor_named(v, "logits/dla");
    CHECK(ti && td && to && tod);
    if (!ti || !td || !to || !tod)
        goto out;
    CHECK(mi->tensor == ti->id && mo->tensor == to->id);
    CHECK(ti->dtype == LDB_DT_FLOAT && ti->format == LDB_FMT_NCHW && ti->rank == 4 && ti->dims[2] == 28);
    CHECK(ti->strides[3] == 4 && ti->strides[2] == 112 && ti->strides[0] == 3136);
    /* chw16: 1 channel padded to one 16-channel atom of 32 bytes per pixel */
    CHECK(td->dtype == LDB_DT_HALF && td->format == LDB_FMT_CHW16 && td->size == 28 * 28 * 32 && !td->flags);
    CHECK(td->c == 1 && td->h == 28 && td->w == 28 && td->strides[3] == 32 && td->strides[2] == 28 * 32);
    CHECK(to->rank == 2 && to->dims[1] == 10 && to->dtype == LDB_DT_FLOAT && to->size == 40);
    CHECK(tod->format == LDB_FMT_CHW16 && tod->c == 10 && tod->size == 32);
    /* task wiring: reformat input -> DLA -> reformat output */
    const ldb_task *r0 = &v->tasks[0], *d = &v->tasks[1], *r1 = &v->tasks[2];
    CHECK(r0->n_inputs == 1 && r0->inputs[0] == ti->id && r0->n_outputs == 1 && r0->outputs[0] == td->id);
    CHECK(d->n_inputs == 1 && d->inputs[0] == td->id && d->n_outputs == 1 && d->outputs[0] == tod->id);
    CHECK(r1->n_inputs == 1 && r1->inputs[0] == tod->id && r1->outputs[0] == to->id);
    ir_graph *hg = host_graph(v, r0);
    if (hg) {
        CHECK(hg->n_nodes == 1 && hg->nodes[0]->op == IR_OP_Identity);
        ir_graph_destroy(hg);
    }
    /* the DLA task: fused layers with TensorRT-style names, FP16, ops in the engine codec */
    CHECK(d->n_layers >= 5 && d->ops.count >= d->n_layers && d->surfaces.count == 0);
    CHECK(strncmp(d->layers[0].name, "/stem/stem.0/Conv + /Relu", 25) == 0);
    CHECK((d->layers[0].units & (1u << LDB_UNIT_CONV)) && (d->layers[0].units & (1u << LDB_UNIT_SDP)));
    int fused_add = 0;
    for (uint32_t i = 0; i < d->n_layers; i++) {
        CHECK(strcmp(d->layers[i].precision, "FP16") == 0);
        fused_add |= strstr(d->layers[i].name, "/res1/b/b.0/Conv + /res1/Add") != NULL;
    }
    CHECK(fused_add);
    /* the last layer writes the network output's DLA-side copy: it names that descriptor */
    CHECK(d->layers[d->n_layers - 1].tensor == tod->id && d->layers[0].tensor == LDB_NONE);
    check_ops(d);
    /* every address of the DLA task lies in its weights, its arena or the I/O copies */
    for (uint32_t i = 0; i < d->n_addresses; i++) {
        const ldb_memory *m = &v->memory[v->addresses[d->addresses[i]].mem];
        CHECK(m->pool == LDB_POOL_GLOBAL_DRAM ? (m->flags & LDB_MEM_SET) != 0 : m->flags == LDB_MEM_ALLOC);
    }
    /* pools: the two DLA-side copies in local DRAM, the (small) arena in managed SRAM, weights in global DRAM */
    CHECK(v->pools.used[LDB_POOL_LOCAL_DRAM] == round64(td->size) + round64(tod->size));
    CHECK(v->pools.used[LDB_POOL_SRAM] > 0 && v->pools.used[LDB_POOL_SRAM] <= 512 * 1024);
    CHECK(v->pools.used[LDB_POOL_GLOBAL_DRAM] == round64(ldb_view_weight_bytes(v)));
    CHECK(v->pools.limit[LDB_POOL_SRAM] == 512 * 1024 && v->pools.limit[LDB_POOL_GLOBAL_DRAM] == 512u << 20);
    /* FP16 weights: at least 2 bytes per parameter of the convolutions (~100k parameters) */
    CHECK(ldb_view_weight_bytes(v) > 2 * 100000);
out:
    release(&b);
}

/* ---- a forced host layer: DLA, HOST, DLA -------------------------------------------------------------------- */

static void test_fashion_forced_host(void)
{
    built b;
    dla_build_options o = {.fp16 = 1, .allow_gpu_fallback = 1, .layer_device_types = "/down/down.0/Conv:GPU"};
    CHECK_OK(build_fashion(&o, &b));
    if (!b.ok)
        return;
    const ldb_view *v = &b.v;
    CHECK(v->n_tasks == 5);
    if (v->n_tasks != 5)
        goto out;
    static const uint8_t types[5] = {LDB_TASK_HOST, LDB_TASK_DLA, LDB_TASK_HOST, LDB_TASK_DLA, LDB_TASK_HOST};
    for (int i = 0; i < 5; i++)
        CHECK(v->tasks[i].type == types[i]);
    check_chain(v);
    CHECK(v->build.precision == (LDB_BUILD_FP16 | LDB_BUILD_GPU_FALLBACK));
    /* the tensors around the host layer: DLA-native FP16, each in its own local-DRAM entry */
    const ldb_tensor *a = tensor_named(v, "/res1/Relu_1_output_0"), *c = tensor_named(v, "/down/down.0/Conv_output_0");
    CHECK(a && c);
    if (!a || !c)
        goto out;
    CHECK(a->format == LDB_FMT_CHW16 && a->dtype == LDB_DT_HALF && a->c == 32 && a->h == 14 && a->w == 14);
    CHECK(a->size == 2 * 14 * 14 * 32 && a->strides[1] == 14 * 14 * 32 && a->strides[2] == 14 * 32);
    CHECK(c->format == LDB_FMT_CHW16 && c->c == 64 && c->h == 7 && c->size == 4 * 7 * 7 * 32);
    CHECK(v->memory[a->mem].pool == LDB_POOL_LOCAL_DRAM && v->memory[a->mem].flags == LDB_MEM_ALLOC);
    CHECK(a->mem != c->mem && v->memory[a->mem].size == a->size);
    const ldb_task *d0 = &v->tasks[1], *h = &v->tasks[2], *d1 = &v->tasks[3];
    CHECK(d0->n_outputs == 1 && d0->outputs[0] == a->id);
    CHECK(h->n_inputs == 1 && h->inputs[0] == a->id && h->n_outputs == 1 && h->outputs[0] == c->id);
    CHECK(d1->n_inputs == 1 && d1->inputs[0] == c->id);
    CHECK(has_index(d1->outputs, d1->n_outputs, tensor_id(v, "logits/dla")));
    ir_graph *hg = host_graph(v, h);
    if (hg) {
        CHECK(hg->n_nodes == 1 && hg->nodes[0]->op == IR_OP_Conv && strcmp(hg->nodes[0]->name, "/down/down.0/Conv") == 0);
        ir_graph_destroy(hg);
    }
    /* the host layer's weights travel in the subgraph, not as DLA weights: two DLA weight blobs */
    uint32_t n_w = 0;
    for (uint32_t i = 0; i < v->n_blobs; i++)
        n_w += v->blobs[i].kind == LDB_BLOB_WEIGHTS;
    CHECK(n_w == 2);
    check_ops(d0);
    check_ops(d1);
out:
    release(&b);
}

/* ---- INT8 with a max calibration over the bundled samples --------------------------------------------------- */

static void test_fashion_int8(void)
{
    built b, b16;
    dla_build_options o = {.int8 = 1, .calib_data = SAMPLES, .input_io_formats = "int8:chw32"};
    CHECK_OK(build_fashion(&o, &b));
    dla_build_options o16 = {.fp16 = 1};
    CHECK_OK(build_fashion(&o16, &b16));
    /* the scale the calibrator gives the input: the descriptor must carry exactly it */
    dla_model *m;
    dla_load_options lo = {.shapes = "input:1x1x28x28"};
    dla_calib *c = NULL;
    float s_in = 0;
    CHECK_OK(dla_model_load_file(FASHION, &lo, &m));
    CHECK_OK(dla_model_calibrate_dir(m, SAMPLES, NULL, &c));
    CHECK(c && dla_calib_find(c, "input", &s_in) && s_in > 0);
    dla_calib_destroy(c);
    dla_model_destroy(m);
    if (!b.ok || !b16.ok)
        goto out;
    const ldb_view *v = &b.v;
    CHECK(v->build.precision == (LDB_BUILD_FP16 | LDB_BUILD_INT8));
    /* int8:chw32 input is read by the DLA directly: DLA task + output reformat */
    CHECK(v->n_tasks == 2 && v->tasks[0].type == LDB_TASK_DLA && v->tasks[1].type == LDB_TASK_HOST);
    check_chain(v);
    const ldb_tensor *ti = tensor_named(v, "input");
    CHECK(ti && ti->dtype == LDB_DT_INT8 && ti->format == LDB_FMT_CHW32 && (ti->flags & LDB_TENSOR_HAS_SCALE));
    if (ti) {
        CHECK(ti->scale == s_in && ti->size == 28 * 28 * 32);
        CHECK(v->tasks[0].n_inputs == 1 && v->tasks[0].inputs[0] == ti->id);
        CHECK(v->memory[ldb_view_binding(v, 0, 0)].tensor == ti->id);
    }
    const ldb_tensor *tod = tensor_named(v, "logits/dla");
    CHECK(tod && tod->dtype == LDB_DT_INT8 && tod->format == LDB_FMT_CHW32 && tod->scale > 0);
    const ldb_task *d = &v->tasks[0];
    for (uint32_t i = 0; i < d->n_layers; i++)
        CHECK(strcmp(d->layers[i].precision, "INT8") == 0);
    check_ops(d);
    /* INT8 weights take about half the FP16 ones */
    CHECK(ldb_view_weight_bytes(v) * 10 < ldb_view_weight_bytes(&b16.v) * 7);
out:
    release(&b);
    release(&b16);
}

/* A scale table missing the first conv's output: the subgraph runs FP16 and the log names the tensor. */
static void test_int8_missing_scale(void)
{
    const char *path = "/tmp/dlakit_test_tb.cache";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("TRT-8601-EntropyCalibration2\ninput: 3c010204\n", f);
    fclose(f);
    built b;
    log_text[0] = '\0';
    dla_set_log_hook(log_hook, NULL);
    dla_set_log_level(DLA_LOG_INFO);
    dla_build_options o = {.int8 = 1, .calib_cache = path};
    CHECK_OK(build_fashion(&o, &b));
    dla_set_log_level(DLA_LOG_WARN);
    dla_set_log_hook(NULL, NULL);
    CHECK(strstr(log_text, "DLA subgraph 0 runs FP16: tensor '/stem/stem.0/Conv_output_0'") != NULL ||
          strstr(log_text, "DLA subgraph 0 runs FP16: tensor '/Relu_output_0'") != NULL);
    CHECK(strstr(log_text, "has no INT8 scale") != NULL);
    if (b.ok && b.v.n_tasks == 3)
        CHECK(strcmp(b.v.tasks[1].layers[0].precision, "FP16") == 0);
    release(&b);
    /* --layerPrecisions: int8 on a layer that cannot run INT8 is an error under obey, a warning under prefer */
    dla_build_options ob = {.int8 = 1, .calib_cache = path, .layer_precisions = "/res1/Relu:int8",
                            .precision_constraints = "obey"};
    CHECK_STATUS(build_fashion(&ob, &b), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "/res1/Relu") && strstr(dla_last_error(), "obey"));
    release(&b);
    ob.precision_constraints = "prefer";
    CHECK_OK(build_fashion(&ob, &b));
    release(&b);
    ob.layer_precisions = "no_such_layer:fp16";
    CHECK_STATUS(build_fashion(&ob, &b), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "no_such_layer") != NULL);
    release(&b);
    remove(path);
}

/* The scales of a calibration saved as a TensorRT cache and read back with --calib give the same loadable, byte for
 * byte, as calibrating during the build (and a build is deterministic). */
static void test_calib_cache_same(void)
{
    const char *path = "/tmp/dlakit_test_tb_same.cache";
    dla_model *m;
    dla_load_options lo = {.shapes = "input:1x1x28x28"};
    dla_calib *c = NULL;
    CHECK_OK(dla_model_load_file(FASHION, &lo, &m));
    dla_build_options po = {.fp16 = 1};
    dla_placement *p = NULL;
    CHECK_OK(dla_model_place(m, &po, &p)); /* calibrate the rewritten graph, as the build does */
    dla_placement_destroy(p);
    CHECK_OK(dla_model_calibrate_dir(m, SAMPLES, NULL, &c));
    CHECK_OK(dla_calib_save(c, path));
    dla_calib_destroy(c);
    dla_model_destroy(m);
    built a, b, a2;
    dla_build_options oa = {.int8 = 1, .calib_data = SAMPLES}, ob = {.int8 = 1, .calib_cache = path};
    CHECK_OK(build_fashion(&oa, &a));
    CHECK_OK(build_fashion(&ob, &b));
    CHECK_OK(build_fashion(&oa, &a2));
    CHECK(a.size == b.size && a.bytes && b.bytes && memcmp(a.bytes, b.bytes, a.size) == 0);
    CHECK(a.size == a2.size && a2.bytes && memcmp(a.bytes, a2.bytes, a.size) == 0);
    release(&a);
    release(&b);
    release(&a2);
    remove(path);
}

/* fp16 asked for one layer of a calibrated INT8 subgraph: the subgraph runs FP16 (one precision per task). */
static void test_layer_precision_fp16(void)
{
    built b;
    dla_build_options o = {.int8 = 1, .calib_data = SAMPLES, .layer_precisions = "/res2/Relu:fp16"};
    CHECK_OK(build_fashion(&o, &b));
    if (b.ok && b.v.n_tasks == 3)
        for (uint32_t i = 0; i < b.v.tasks[1].n_layers; i++)
            CHECK(strcmp(b.v.tasks[1].layers[i].precision, "FP16") == 0);
    release(&b);
}

/* ---- --buildDLAStandalone ------------------------------------------------------------------------------------ */

static void test_standalone(void)
{
    built b;
    dla_build_options o = {.fp16 = 1, .build_dla_standalone = 1, .input_io_formats = "fp16:chw16",
                           .output_io_formats = "fp16:chw16"};
    CHECK_OK(build_fashion(&o, &b));
    if (b.ok) {
        const ldb_view *v = &b.v;
        CHECK(v->n_tasks == 1 && v->tasks[0].type == LDB_TASK_DLA && (v->flags & LDB_FLAG_STANDALONE));
        CHECK(v->build.precision & LDB_BUILD_STANDALONE);
        const ldb_tensor *ti = tensor_named(v, "input"), *to = tensor_named(v, "logits");
        CHECK(ti && to && v->n_tensors == 2);
        if (ti && to) {
            CHECK(ti->format == LDB_FMT_CHW16 && ti->dtype == LDB_DT_HALF && to->format == LDB_FMT_CHW16);
            CHECK(v->memory[ldb_view_binding(v, 0, 0)].tensor == ti->id);
            CHECK(v->tasks[0].inputs[0] == ti->id && v->tasks[0].outputs[0] == to->id);
        }
        check_ops(&v->tasks[0]);
    }
    release(&b);
    /* FP32 I/O (the default): the error names the flag */
    dla_build_options bad = {.fp16 = 1, .build_dla_standalone = 1};
    CHECK_STATUS(build_fashion(&bad, &b), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "--buildDLAStandalone") && strstr(dla_last_error(), "--inputIOFormats"));
    release(&b);
    bad.input_io_formats = "fp16:chw16";
    CHECK_STATUS(build_fashion(&bad, &b), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "--outputIOFormats") && strstr(dla_last_error(), "fp32:chw"));
    release(&b);
    /* a host layer, or GPU fallback, cannot be standalone */
    dla_build_options host = o;
    host.layer_device_types = "/down/down.0/Conv:GPU";
    CHECK_STATUS(build_fashion(&host, &b), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "/down/down.0/Conv") && strstr(dla_last_error(), "--buildDLAStandalone"));
    release(&b);
    host.allow_gpu_fallback = 1;
    CHECK_STATUS(build_fashion(&host, &b), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "--allowGPUFallback") != NULL);
    release(&b);
}

/* ---- pools ------------------------------------------------------------------------------------------------ */

static void test_pools(void)
{
    uint64_t l[LDB_POOL_COUNT];
    CHECK_OK(cc_parse_mem_pools("dlaSRAM:1,dlaLocalDRAM:0.5,dlaGlobalDRAM:64K,workspace:1024", l));
    CHECK(l[LDB_POOL_SRAM] == 1u << 20 && l[LDB_POOL_LOCAL_DRAM] == 512u << 10 && l[LDB_POOL_GLOBAL_DRAM] == 65536);
    CHECK_OK(cc_parse_mem_pools(NULL, l));
    CHECK(l[LDB_POOL_SRAM] == 512u << 10 && l[LDB_POOL_LOCAL_DRAM] == 1u << 30 && l[LDB_POOL_GLOBAL_DRAM] == 512u << 20);
    CHECK_STATUS(cc_parse_mem_pools("dlaSRAM:3", l), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "--memPoolSize=dlaSRAM") && strstr(dla_last_error(), "3145728"));
    CHECK_STATUS(cc_parse_mem_pools("dlaLocalDRAM:2K", l), DLA_ERR_INVALID_ARG); /* below 4 KiB */
    CHECK(strstr(dla_last_error(), "2048") != NULL);
    CHECK_OK(cc_parse_mem_pools("dlaLocalDRAM:4096B", l));
    CHECK(l[LDB_POOL_LOCAL_DRAM] == 4096);
    CHECK_STATUS(cc_parse_mem_pools("dlaFoo:1", l), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(cc_parse_mem_pools("dlaSRAM:x", l), DLA_ERR_INVALID_ARG);
    /* a weights pool below what the network needs: the error names the flag, the limit and the value */
    built b;
    dla_build_options o = {.fp16 = 1, .mem_pool_size = "dlaGlobalDRAM:64K"};
    CHECK_STATUS(build_fashion(&o, &b), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "--memPoolSize=dlaGlobalDRAM") && strstr(dla_last_error(), "65536"));
    release(&b);
    /* an SRAM pool too small for the arena: the activations go to local DRAM */
    o.mem_pool_size = "dlaSRAM:4K";
    CHECK_OK(build_fashion(&o, &b));
    if (b.ok) {
        CHECK(b.v.pools.used[LDB_POOL_SRAM] == 0 && b.v.pools.limit[LDB_POOL_SRAM] == 4096);
        CHECK(b.v.pools.used[LDB_POOL_LOCAL_DRAM] > 28 * 28 * 32);
    }
    release(&b);
}

static void test_io_formats(void)
{
    cc_io_format f[4];
    int n;
    CHECK_OK(cc_parse_io_formats("--inputIOFormats", "fp16:chw16,int8:chw32,int8:hwc4,fp32:chw", f, 4, &n));
    CHECK(n == 4 && f[0].dtype == LDB_DT_HALF && f[0].format == LDB_FMT_CHW16 && f[1].format == LDB_FMT_CHW32);
    CHECK(f[2].dtype == LDB_DT_INT8 && f[2].format == LDB_FMT_DLA_HWC4 && f[3].format == LDB_FMT_NCHW);
    CHECK_OK(cc_parse_io_formats("--outputIOFormats", "fp16:dla_linear+chw16", f, 4, &n));
    CHECK(n == 1 && f[0].format == LDB_FMT_DLA_LINEAR);
    CHECK_OK(cc_parse_io_formats("--inputIOFormats", NULL, f, 4, &n));
    CHECK(n == 0);
    CHECK_STATUS(cc_parse_io_formats("--inputIOFormats", "fp16:chw32", f, 4, &n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "--inputIOFormats") && strstr(dla_last_error(), "int8"));
    CHECK_STATUS(cc_parse_io_formats("--inputIOFormats", "fp32:dla_linear", f, 4, &n), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(cc_parse_io_formats("--outputIOFormats", "fp16:hwc8", f, 4, &n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "--outputIOFormats") != NULL);
}

static void test_intervals(void)
{
    /* sizes 100 (ops 0-1), 200 (1-2), 50 (2-3), 64 (4-4), align 64: by size, 200 at 0; 100 lives with it -> 256;
     * 50 lives with 200 only -> 256 (the 100 is dead by then); 64 lives alone -> 0. Arena 356 -> 384. */
    cc_interval iv[4] = {{100, 0, 1, 0}, {200, 1, 2, 0}, {50, 2, 3, 0}, {64, 4, 4, 0}};
    uint64_t total;
    CHECK_OK(cc_plan_intervals(iv, 4, 64, &total));
    CHECK(iv[1].offset == 0 && iv[0].offset == 256 && iv[2].offset == 256 && iv[3].offset == 0);
    CHECK(total == 384);
    CHECK_OK(cc_plan_intervals(iv, 0, 64, &total));
    CHECK(total == 0);
}

/* ---- hand-built graphs -------------------------------------------------------------------------------------- */

/* a -> Relu (DLA) -> r (a network output, also read by the host) -> LogSoftmax (host) -> ls;
 * Add(ls, b) (DLA) -> y. Two inputs (fp16:chw16 bound directly, fp32:chw reformatted), two outputs. */
static dla_status two_branch_model(dla_model **m)
{
    Onnx__ModelProto *mp = mb_model(13);
    int64_t d[4] = {1, 8, 4, 4};
    mb_input(mp, "a", 1, 4, d);
    mb_input(mp, "b", 1, 4, d);
    mb_node(mp, "Relu", "relu", "a", "r");
    Onnx__NodeProto *ls = mb_node(mp, "LogSoftmax", "logsoftmax", "r", "ls");
    mb_attr_int(ls, "axis", 1);
    mb_node(mp, "Add", "add", "ls,b", "y");
    mb_output(mp, "y", 1, 4, d);
    mb_output(mp, "r", 1, 4, d);
    size_t len;
    uint8_t *bytes = mb_pack(mp, &len);
    dla_status st = dla_model_load_memory(bytes, len, NULL, m);
    mb_free_all();
    return st;
}

static void test_two_branch(void)
{
    dla_model *m;
    CHECK_OK(two_branch_model(&m));
    if (!m)
        return;
    built b;
    dla_build_options o = {.fp16 = 1, .allow_gpu_fallback = 1, .min_island_macs = -1,
                           .input_io_formats = "fp16:chw16,fp32:chw", .output_io_formats = "fp32:chw"};
    CHECK_OK(build_model(m, &o, &b));
    dla_model_destroy(m);
    if (!b.ok)
        return;
    const ldb_view *v = &b.v;
    /* reformat b, DLA relu, reformat r (right after its producer), host logsoftmax, DLA add, reformat y */
    CHECK(v->n_tasks == 6);
    check_chain(v);
    if (v->n_tasks == 6) {
        static const char *const names[6] = {"reformat b/dla", "dla0", "reformat r", "host0", "dla1", "reformat y"};
        for (int i = 0; i < 6; i++)
            CHECK(strcmp(v->tasks[i].name, names[i]) == 0);
        const ldb_tensor *a = tensor_named(v, "a"), *r = tensor_named(v, "r"), *rd = tensor_named(v, "r/dla");
        const ldb_tensor *ls = tensor_named(v, "ls"), *bd = tensor_named(v, "b/dla");
        CHECK(a && r && rd && ls && bd);
        if (a && r && rd && ls && bd) {
            /* a is bound as chw16 and read by the DLA directly: no reformat, no copy */
            CHECK(a->format == LDB_FMT_CHW16 && !tensor_named(v, "a/dla"));
            CHECK(v->tasks[1].n_inputs == 1 && v->tasks[1].inputs[0] == a->id);
            CHECK(v->tasks[1].n_outputs == 1 && v->tasks[1].outputs[0] == rd->id);
            /* the host reads the bound FP32 output r; ls crosses to the DLA in FP16 chw16 */
            CHECK(v->tasks[3].n_inputs == 1 && v->tasks[3].inputs[0] == r->id);
            CHECK(ls->format == LDB_FMT_CHW16 && v->tasks[3].outputs[0] == ls->id);
            CHECK(has_index(v->tasks[4].inputs, v->tasks[4].n_inputs, ls->id));
            CHECK(has_index(v->tasks[4].inputs, v->tasks[4].n_inputs, bd->id));
            CHECK(v->memory[ldb_view_binding(v, 1, 1)].tensor == r->id);
            CHECK(strcmp(v->memory[ldb_view_binding(v, 0, 1)].name, "b") == 0);
        }
        ir_graph *hg = host_graph(v, &v->tasks[3]);
        if (hg) {
            CHECK(hg->n_nodes == 1 && hg->nodes[0]->op == IR_OP_LogSoftmax);
            ir_graph_destroy(hg);
        }
    }
    release(&b);
}

/* Everything on the host (trtexec without --useDLACore): one HOST task reading and writing the bindings. */
static void test_all_host(void)
{
    dla_model *m;
    CHECK_OK(two_branch_model(&m));
    if (!m)
        return;
    built b;
    dla_build_options o = {.fp16 = 1, .allow_gpu_fallback = 1, .layer_device_types = "*:GPU"};
    CHECK_OK(build_model(m, &o, &b));
    dla_model_destroy(m);
    if (b.ok) {
        CHECK(b.v.n_tasks == 1 && b.v.tasks[0].type == LDB_TASK_HOST && b.v.n_tensors == 4);
        CHECK(b.v.tasks[0].n_inputs == 2 && b.v.tasks[0].n_outputs == 2);
        CHECK(b.v.pools.used[LDB_POOL_GLOBAL_DRAM] == 0 && b.v.pools.used[LDB_POOL_LOCAL_DRAM] == 0);
        ir_graph *hg = host_graph(&b.v, &b.v.tasks[0]);
        if (hg) {
            CHECK(hg->n_nodes == 3);
            ir_graph_destroy(hg);
        }
    }
    release(&b);
}

int main(void)
{
    FILE *f = fopen(FASHION, "rb");
    if (!f) {
        fprintf(stderr, "test_tb: %s not found (run from the source root)\n", FASHION);
        return TEST_SKIP;
    }
    fclose(f);
    test_pools();
    test_io_formats();
    test_intervals();
    test_fashion_fp16();
    test_fashion_forced_host();
    test_fashion_int8();
    test_int8_missing_scale();
    test_calib_cache_same();
    test_layer_precision_fp16();
    test_standalone();
    test_two_branch();
    test_all_host();
    return TEST_RESULT();
}
