/* The loadable: round trip of every section kind, version checks, every single-byte flip and every truncation
 * rejected, resealed corruptions (CRC recomputed) parsed without out-of-bounds reads and cross-references out of
 * range rejected, builder errors, the description and `dla inspect`'s public API. */
#include "check.h"
#include "dla/loadable.h"
#include "engine/codec.h"
#include "loadable/loadable.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUSED "Conv_226 + BatchNormalization_227 + Add_228 + Relu_229"

static uint8_t weights[200], ops0[3 * 40], surfs0[2 * 24], lut0[700], ops2[56];
static const char subgraph[] = "\x08\x07\x12\x04onnx-serialized-subgraph";

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 31u + (i >> 3));
}

static ldb_tensor tensor4(const char *name, uint32_t mem, uint8_t dtype, uint8_t format, int64_t n, int64_t c,
                          int64_t h, int64_t w, uint64_t size)
{
    ldb_tensor t = {.name = name, .mem = mem, .dtype = dtype, .format = format, .rank = 4, .size = size,
                    .n = (uint32_t)n, .c = (uint32_t)c, .h = (uint32_t)h, .w = (uint32_t)w,
                    .dims = {n, c, h, w}};
    uint64_t es = ldb_dtype_size(dtype);
    t.strides[3] = es;
    t.strides[2] = es * (uint64_t)w;
    t.strides[1] = es * (uint64_t)(w * h);
    t.strides[0] = es * (uint64_t)(w * h * c);
    return t;
}

/* A loadable with every section kind: 2 DLA tasks and a HOST task between them, chained by 2 events. */
static void build_sample(void **bytes, size_t *size, uint32_t flags)
{
    fill(weights, sizeof weights, 1);
    fill(ops0, sizeof ops0, 2);
    fill(surfs0, sizeof surfs0, 3);
    fill(lut0, sizeof lut0, 4);
    fill(ops2, sizeof ops2, 5);
    ldb_builder *b;
    CHECK_OK(ldb_builder_create(&b));
    ldb_set_build_info(b, &(ldb_build_info){"0.1.0", "orin", "resnet_tiny.onnx", "--int8 --allowGPUFallback",
                                            LDB_BUILD_INT8 | LDB_BUILD_FP16 | LDB_BUILD_GPU_FALLBACK});
    ldb_set_pool_limits(b, (uint64_t[]){1u << 29, 1u << 30, 1u << 19});
    ldb_set_flags(b, flags);
    uint32_t wb = ldb_add_blob(b, "conv1.weight", LDB_BLOB_WEIGHTS, weights, sizeof weights);
    uint32_t db = ldb_add_blob(b, "table", LDB_BLOB_DATA, "\1\2\3\4\5", 5);
    CHECK(wb == 0 && db == 1);
    /* memory 0..5 */
    CHECK(ldb_add_memory(b, &(ldb_memory){.name = "weights", .size = 256, .alignment = 64, .domain = LDB_DOMAIN_DRAM,
                                          .flags = LDB_MEM_ALLOC | LDB_MEM_SET, .pool = LDB_POOL_GLOBAL_DRAM,
                                          .bind_id = LDB_NONE, .tensor = LDB_NONE, .blob = wb,
                                          .content_offset = 32}) == 0);
    CHECK(ldb_add_memory(b, &(ldb_memory){.name = "activations", .size = 1000, .alignment = 256,
                                          .flags = LDB_MEM_ALLOC, .pool = LDB_POOL_LOCAL_DRAM, .bind_id = LDB_NONE,
                                          .tensor = 1, .blob = LDB_NONE}) == 1);
    CHECK(ldb_add_memory(b, &(ldb_memory){.name = "sram", .size = 4096, .alignment = 4096,
                                          .domain = LDB_DOMAIN_SRAM, .flags = LDB_MEM_ALLOC, .pool = LDB_POOL_SRAM,
                                          .bind_id = LDB_NONE, .tensor = LDB_NONE, .blob = LDB_NONE}) == 2);
    CHECK(ldb_add_memory(b, &(ldb_memory){.name = "input", .size = 1024, .alignment = 64, .flags = LDB_MEM_INPUT,
                                          .pool = LDB_POOL_LOCAL_DRAM, .bind_id = 0, .tensor = 0,
                                          .blob = LDB_NONE}) == 3);
    CHECK(ldb_add_memory(b, &(ldb_memory){.name = "output", .size = 40, .alignment = 4, .flags = LDB_MEM_OUTPUT,
                                          .pool = LDB_POOL_LOCAL_DRAM, .bind_id = 0, .tensor = 2,
                                          .blob = LDB_NONE}) == 4);
    CHECK(ldb_add_memory(b, &(ldb_memory){.name = "consts", .size = 8, .alignment = 8,
                                          .flags = LDB_MEM_ALLOC | LDB_MEM_SET, .pool = LDB_POOL_GLOBAL_DRAM,
                                          .bind_id = LDB_NONE, .tensor = LDB_NONE, .blob = db}) == 5);
    /* addresses 0..4 */
    CHECK(ldb_add_address(b, &(ldb_address){.mem = 0, .offset = 0, .size = 256}) == 0);
    CHECK(ldb_add_address(b, &(ldb_address){.mem = 1, .offset = 64, .size = 128}) == 1);
    CHECK(ldb_add_address(b, &(ldb_address){.mem = 3, .offset = 0, .size = 1024}) == 2);
    CHECK(ldb_add_address(b, &(ldb_address){.mem = 4, .offset = 0, .size = 40}) == 3);
    CHECK(ldb_add_address(b, &(ldb_address){.mem = 2, .offset = 1024, .size = 3072}) == 4);
    /* tensors 0..3 */
    ldb_tensor t0 = tensor4("input", 3, LDB_DT_HALF, LDB_FMT_DLA_HWC4, 1, 3, 8, 8, 1024);
    CHECK(ldb_add_tensor(b, &t0) == 0);
    ldb_tensor t1 = tensor4("conv_out", 1, LDB_DT_INT8, LDB_FMT_CHW32, 1, 16, 4, 4, 512);
    t1.offset = 64;
    t1.flags = LDB_TENSOR_HAS_SCALE;
    t1.scale = 0.0421875f;
    CHECK(ldb_add_tensor(b, &t1) == 1);
    ldb_tensor t2 = {.name = "output", .mem = 4, .dtype = LDB_DT_FLOAT, .format = LDB_FMT_NCHW, .rank = 2,
                     .size = 40, .n = 1, .c = 10, .h = 1, .w = 1, .dims = {1, 10}, .strides = {40, 4}};
    CHECK(ldb_add_tensor(b, &t2) == 2);
    ldb_tensor t3 = {.name = "host_out", .mem = LDB_NONE, .dtype = LDB_DT_FLOAT, .format = LDB_FMT_NCHW,
                     .rank = 5, .size = 4 * 2 * 3 * 2 * 2, .n = 2 * 3, .c = 2, .h = 2, .w = 1,
                     .dims = {2, 3, 2, 2, 1}, .strides = {96, 32, 16, 8, 4}};
    CHECK(ldb_add_tensor(b, &t3) == 3);
    CHECK(ldb_add_event(b, &(ldb_event){.type = LDB_EVENT_SYNC, .target = 0, .value = 1}) == 0);
    CHECK(ldb_add_event(b, &(ldb_event){.type = LDB_EVENT_SYNC, .target = 0, .value = 2}) == 1);
    /* task 0: DLA */
    ldb_layer layers0[2] = {
        {FUSED, "INT8", 0, 2, 1u << LDB_UNIT_CONV | 1u << LDB_UNIT_SDP, 1},
        {"MaxPool_230", "FP16", 2, 1, 1u << LDB_UNIT_PDP, LDB_NONE},
    };
    uint32_t addr0[] = {0, 1, 2, 4}, sig0[] = {0}, in0[] = {0}, out0[] = {1};
    ldb_task task0 = {.type = LDB_TASK_DLA, .core = 0, .name = "dla0", .addresses = addr0, .n_addresses = 4,
                      .signal_events = sig0, .n_signal = 1, .inputs = in0, .n_inputs = 1, .outputs = out0,
                      .n_outputs = 1, .ops = {ops0, 3, 40, 0}, .surfaces = {surfs0, 2, 24, 0},
                      .luts = {lut0, 1, 700, 0}, .layers = layers0, .n_layers = 2,
                      .ops_per_unit = {[LDB_UNIT_CONV] = 1, [LDB_UNIT_SDP] = 1, [LDB_UNIT_PDP] = 1}};
    CHECK(ldb_add_task(b, &task0) == 0);
    /* task 1: HOST */
    uint32_t wait1[] = {0}, sig1[] = {1}, in1[] = {1}, out1[] = {3};
    ldb_task task1 = {.type = LDB_TASK_HOST, .core = -1, .name = "host0", .wait_events = wait1, .n_wait = 1,
                      .signal_events = sig1, .n_signal = 1, .inputs = in1, .n_inputs = 1, .outputs = out1,
                      .n_outputs = 1, .subgraph = {subgraph, sizeof subgraph - 1, 0}};
    CHECK(ldb_add_task(b, &task1) == 1);
    /* task 2: DLA, any core */
    ldb_layer layers2[1] = {{"Gemm_231", "FP16", 0, 1, 1u << LDB_UNIT_BDMA, 2}};
    uint32_t addr2[] = {3, 0}, wait2[] = {1}, out2[] = {2};
    ldb_task task2 = {.type = LDB_TASK_DLA, .core = -1, .name = "dla1", .addresses = addr2, .n_addresses = 2,
                      .wait_events = wait2, .n_wait = 1, .outputs = out2, .n_outputs = 1, .ops = {ops2, 1, 56, 0},
                      .layers = layers2, .n_layers = 1, .ops_per_unit = {[LDB_UNIT_BDMA] = 1}};
    CHECK(ldb_add_task(b, &task2) == 2);
    CHECK_OK(ldb_finish(b, bytes, size));
    ldb_builder_destroy(b);
}

/* ---- byte-level helpers (the layout of docs/loadable.md) -------------------------------------------------- */

static uint8_t *section(uint8_t *p, uint32_t type, uint32_t *count)
{
    uint32_t n = ldb_rd32(p + 28);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = p + 64 + 32 * i;
        if (ldb_rd32(e) == type) {
            if (count)
                *count = ldb_rd32(e + 24);
            return p + ldb_rd64(e + 8);
        }
    }
    return NULL;
}

static dla_status parse_only(const void *p, size_t n)
{
    ldb_view v;
    dla_status st = ldb_parse(p, n, &v);
    ldb_view_free(&v);
    return st;
}

/* ---- tests ------------------------------------------------------------------------------------------------ */

static void test_crc(void)
{
    CHECK(ldb_crc32(0, "123456789", 9) == 0xCBF43926u);
    CHECK(ldb_crc32(ldb_crc32(0, "1234", 4), "56789", 5) == 0xCBF43926u);
    CHECK(ldb_crc32(0, "", 0) == 0);
    /* the 8-byte path against a bitwise CRC on every length and split point up to 40 bytes */
    uint8_t buf[40];
    for (int i = 0; i < 40; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof buf; n++) {
        uint32_t c = 0xFFFFFFFFu;
        for (size_t i = 0; i < n; i++) {
            c ^= buf[i];
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        CHECK(ldb_crc32(0, buf, n) == ~c);
        CHECK(ldb_crc32(ldb_crc32(0, buf, n / 3), buf + n / 3, n - n / 3) == ~c);
    }
}

static void test_round_trip(void)
{
    void *bytes;
    size_t size;
    build_sample(&bytes, &size, 0);
    ldb_view v;
    CHECK_OK(ldb_parse(bytes, size, &v));
    const uint8_t *p = bytes;
    CHECK(memcmp(p, "DLAK", 4) == 0 && ldb_rd64(p + 16) == size);
    CHECK(v.major == 1 && v.minor == 0 && v.patch == 0 && v.flags == 0 && v.total_size == size);
    CHECK(strcmp(v.build.dlakit_version, "0.1.0") == 0 && strcmp(v.build.platform, "orin") == 0);
    CHECK(strcmp(v.build.model, "resnet_tiny.onnx") == 0 && strcmp(v.build.options, "--int8 --allowGPUFallback") == 0);
    CHECK(v.build.precision == (LDB_BUILD_INT8 | LDB_BUILD_FP16 | LDB_BUILD_GPU_FALLBACK));
    CHECK(v.pools.limit[0] == 1u << 29 && v.pools.limit[1] == 1u << 30 && v.pools.limit[2] == 1u << 19);
    /* used: weights 256 + consts 8 (global); activations 1000 -> 1024 (local); sram 4096; I/O not counted */
    CHECK(v.pools.used[0] == 264 && v.pools.used[1] == 1024 && v.pools.used[2] == 4096);
    /* blobs: 2 added + task0 ops/surfaces/luts + host subgraph + task2 ops, each 64-aligned */
    CHECK(v.n_blobs == 7);
    for (uint32_t i = 0; i < v.n_blobs; i++)
        CHECK(v.blobs[i].offset % 64 == 0 && ((uintptr_t)v.blobs[i].data - (uintptr_t)bytes) % 64 == 0);
    CHECK(strcmp(v.blobs[0].name, "conv1.weight") == 0 && v.blobs[0].kind == LDB_BLOB_WEIGHTS);
    CHECK(v.blobs[0].size == sizeof weights && memcmp(v.blobs[0].data, weights, sizeof weights) == 0);
    CHECK(v.blobs[1].size == 5 && memcmp(v.blobs[1].data, "\1\2\3\4\5", 5) == 0);
    CHECK(ldb_view_weight_bytes(&v) == sizeof weights);
    CHECK(v.n_memory == 6 && v.n_inputs == 1 && v.n_outputs == 1);
    const ldb_memory *m = v.memory;
    CHECK(strcmp(m[0].name, "weights") == 0 && m[0].size == 256 && m[0].alignment == 64);
    CHECK(m[0].flags == (LDB_MEM_ALLOC | LDB_MEM_SET) && m[0].blob == 0 && m[0].content_offset == 32);
    CHECK(m[0].pool == LDB_POOL_GLOBAL_DRAM && m[0].domain == LDB_DOMAIN_DRAM && m[0].bind_id == LDB_NONE);
    CHECK(m[1].tensor == 1 && m[1].alignment == 256 && m[1].pool == LDB_POOL_LOCAL_DRAM);
    CHECK(m[2].domain == LDB_DOMAIN_SRAM && m[2].pool == LDB_POOL_SRAM && m[2].size == 4096);
    CHECK(m[3].flags == LDB_MEM_INPUT && m[3].bind_id == 0 && m[3].tensor == 0);
    CHECK(m[4].flags == LDB_MEM_OUTPUT && m[4].bind_id == 0 && m[4].tensor == 2);
    CHECK(ldb_view_binding(&v, 0, 0) == 3 && ldb_view_binding(&v, 1, 0) == 4 && ldb_view_binding(&v, 0, 1) == LDB_NONE);
    CHECK(v.n_addresses == 5 && v.addresses[1].mem == 1 && v.addresses[1].offset == 64 && v.addresses[1].size == 128);
    CHECK(v.addresses[4].mem == 2 && v.addresses[4].offset == 1024 && v.addresses[4].size == 3072);
    CHECK(v.n_tensors == 4);
    const ldb_tensor *t = v.tensors;
    CHECK(strcmp(t[0].name, "input") == 0 && t[0].dtype == LDB_DT_HALF && t[0].format == LDB_FMT_DLA_HWC4);
    CHECK(t[0].rank == 4 && t[0].dims[1] == 3 && t[0].dims[3] == 8 && t[0].c == 3 && t[0].strides[2] == 16);
    CHECK(t[1].flags == LDB_TENSOR_HAS_SCALE && t[1].scale == 0.0421875f && t[1].offset == 64 && t[1].size == 512);
    CHECK(t[1].format == LDB_FMT_CHW32 && t[1].dtype == LDB_DT_INT8 && t[1].mem == 1);
    CHECK(t[2].rank == 2 && t[2].dims[1] == 10 && t[2].dims[2] == 0 && t[2].strides[0] == 40 && t[2].c == 10);
    CHECK(t[3].mem == LDB_NONE && t[3].rank == 5 && t[3].dims[4] == 1 && t[3].n == 6 && t[3].strides[4] == 4);
    CHECK(ldb_view_find_tensor(&v, "host_out") == 3 && ldb_view_find_tensor(&v, "nope") == LDB_NONE);
    CHECK(v.n_events == 2 && v.events[1].value == 2 && v.events[1].type == LDB_EVENT_SYNC);
    CHECK(v.n_layers == 3 && v.n_tasks == 3);
    const ldb_task *k = v.tasks;
    CHECK(k[0].type == LDB_TASK_DLA && k[0].core == 0 && strcmp(k[0].name, "dla0") == 0);
    CHECK(k[0].n_addresses == 4 && k[0].addresses[3] == 4 && k[0].n_signal == 1 && k[0].signal_events[0] == 0);
    CHECK(k[0].n_wait == 0 && k[0].n_inputs == 1 && k[0].inputs[0] == 0 && k[0].outputs[0] == 1);
    CHECK(k[0].ops.count == 3 && k[0].ops.record_size == 40 && memcmp(k[0].ops.data, ops0, sizeof ops0) == 0);
    CHECK(k[0].surfaces.count == 2 && memcmp(k[0].surfaces.data, surfs0, sizeof surfs0) == 0);
    CHECK(k[0].luts.count == 1 && k[0].luts.record_size == 700 && memcmp(k[0].luts.data, lut0, sizeof lut0) == 0);
    CHECK(v.blobs[k[0].ops.blob].kind == LDB_BLOB_OPS && strcmp(v.blobs[k[0].ops.blob].name, "dla0/ops") == 0);
    CHECK(k[0].n_layers == 2 && k[0].layer_first == 0 && strcmp(k[0].layers[0].name, FUSED) == 0);
    CHECK(strcmp(k[0].layers[0].precision, "INT8") == 0 && k[0].layers[0].op_count == 2);
    CHECK(k[0].layers[0].units == (1u << LDB_UNIT_CONV | 1u << LDB_UNIT_SDP) && k[0].layers[0].tensor == 1);
    CHECK(k[0].layers[1].first_op == 2 && k[0].layers[1].tensor == LDB_NONE);
    CHECK(k[0].ops_per_unit[LDB_UNIT_CONV] == 1 && k[0].ops_per_unit[LDB_UNIT_PDP] == 1);
    CHECK(k[1].type == LDB_TASK_HOST && k[1].core == -1 && k[1].n_wait == 1 && k[1].wait_events[0] == 0);
    CHECK(k[1].subgraph.size == sizeof subgraph - 1 && memcmp(k[1].subgraph.data, subgraph, sizeof subgraph - 1) == 0);
    CHECK(k[1].ops.count == 0 && k[1].ops.blob == LDB_NONE && k[1].n_layers == 0 && k[1].outputs[0] == 3);
    CHECK(k[2].core == -1 && k[2].layer_first == 2 && strcmp(k[2].layers[0].name, "Gemm_231") == 0);
    CHECK(k[2].ops.count == 1 && memcmp(k[2].ops.data, ops2, sizeof ops2) == 0 && k[2].surfaces.blob == LDB_NONE);
    CHECK(k[2].n_addresses == 2 && k[2].addresses[0] == 3 && k[2].wait_events[0] == 1);
    ldb_view_free(&v);
    ldb_view_free(&v); /* freeing twice is harmless: the view is zeroed */
    free(bytes);
}

static void test_versions(void)
{
    void *bytes;
    size_t size;
    build_sample(&bytes, &size, 0);
    uint8_t *p = bytes;
    ldb_wr16(p + 8, 2); /* another major */
    ldb_reseal(p, size);
    CHECK_STATUS(parse_only(p, size), DLA_ERR_VERSION);
    ldb_wr16(p + 8, 0);
    ldb_reseal(p, size);
    CHECK_STATUS(parse_only(p, size), DLA_ERR_VERSION);
    ldb_wr16(p + 8, 1);
    ldb_wr16(p + 10, 2); /* a newer minor */
    ldb_reseal(p, size);
    CHECK_STATUS(parse_only(p, size), DLA_ERR_VERSION);
    CHECK(strstr(dla_last_error(), "1.2.0") != NULL);
    ldb_wr16(p + 10, 1); /* 1.1 reads a 1.0 file's records unchanged */
    ldb_reseal(p, size);
    CHECK_OK(parse_only(p, size));
    ldb_wr16(p + 10, 0);
    ldb_wr16(p + 12, 7); /* another patch: readable */
    ldb_reseal(p, size);
    CHECK_OK(parse_only(p, size));
    ldb_wr16(p + 12, 0);
    ldb_reseal(p, size);
    ldb_wr16(p + 8, 3); /* the version is checked before the CRC: a stale CRC with a new major is a version error */
    CHECK_STATUS(parse_only(p, size), DLA_ERR_VERSION);
    ldb_wr16(p + 8, 1);
    CHECK_OK(parse_only(p, size));
    memcpy(p, "DLAX", 4);
    CHECK_STATUS(parse_only(p, size), DLA_ERR_FORMAT);
    free(bytes);
}

static void test_flips_and_truncations(void)
{
    void *bytes;
    size_t size;
    build_sample(&bytes, &size, 0);
    uint8_t *p = bytes;
    size_t accepted = 0, wrong_status = 0;
    static const uint8_t masks[] = {0xFF, 0x01, 0x80};
    for (size_t m = 0; m < sizeof masks; m++)
        for (size_t i = 0; i < size; i++) {
            p[i] ^= masks[m];
            dla_status st = parse_only(p, size);
            accepted += st == DLA_OK;
            wrong_status += st != DLA_OK && st != DLA_ERR_FORMAT && st != DLA_ERR_VERSION;
            p[i] ^= masks[m];
        }
    CHECK(accepted == 0);
    CHECK(wrong_status == 0);
    size_t truncated_ok = 0;
    for (size_t n = 0; n < size; n++)
        truncated_ok += parse_only(p, n) != DLA_ERR_FORMAT;
    CHECK(truncated_ok == 0);
    CHECK_STATUS(parse_only(p, 0), DLA_ERR_FORMAT);
    CHECK_OK(parse_only(p, size));
    fprintf(stderr, "loadable: %zu bytes; %zu flips and %zu truncations all rejected\n", size, size * sizeof masks,
            size);
    free(bytes);
}

/* Corruptions with a valid CRC reach the validator itself: whatever it accepts must be safe to use. */
static size_t use_view(const ldb_view *v)
{
    size_t sum = 0;
    char *text = NULL;
    if (ldb_describe(v, 0, &text) == DLA_OK)
        sum += strlen(text);
    free(text);
    if (ldb_describe(v, 1, &text) == DLA_OK)
        sum += strlen(text);
    free(text);
    for (uint32_t i = 0; i < v->n_tasks; i++) {
        const ldb_task *t = &v->tasks[i];
        const uint8_t *o = t->ops.data;
        for (uint64_t b = 0; b < (uint64_t)t->ops.count * t->ops.record_size; b++)
            sum += o[b];
        for (uint32_t a = 0; a < t->n_addresses; a++)
            sum += v->memory[v->addresses[t->addresses[a]].mem].size & 1;
    }
    for (uint32_t i = 0; i < v->n_memory; i++)
        if (v->memory[i].blob != LDB_NONE)
            sum += v->blobs[v->memory[i].blob].size ? v->blobs[v->memory[i].blob].data[0] : 0;
    return sum;
}

static void test_resealed_corruption(void)
{
    void *bytes;
    size_t size;
    build_sample(&bytes, &size, 0);
    uint8_t *p = malloc(size);
    size_t accepted = 0, wrong = 0, sum = 0;
    static const uint8_t masks[] = {0xFF, 0x01, 0x80, 0x10};
    for (size_t m = 0; m < sizeof masks; m++)
        for (size_t i = LDB_CRC_START; i < size; i++) {
            memcpy(p, bytes, size);
            p[i] ^= masks[m];
            ldb_reseal(p, size);
            ldb_view v;
            dla_status st = ldb_parse(p, size, &v);
            if (st == DLA_OK) {
                accepted++;
                sum += use_view(&v);
            }
            wrong += st != DLA_OK && st != DLA_ERR_FORMAT && st != DLA_ERR_VERSION;
            ldb_view_free(&v);
        }
    /* random multi-byte corruption, resealed */
    uint64_t seed = 0x9E3779B97F4A7C15u;
    const char *env = getenv("LDB_FUZZ_ITERS"); /* longer runs by hand: LDB_FUZZ_ITERS=1000000 */
    int iters = env ? atoi(env) : 3000;
    for (int it = 0; it < iters; it++) {
        memcpy(p, bytes, size);
        int k = 1 + it % 8;
        for (int j = 0; j < k; j++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            size_t at = LDB_CRC_START + (size_t)(seed >> 33) % (size - LDB_CRC_START);
            p[at] = (uint8_t)(it & 1 ? p[at] ^ (seed >> 24) : seed >> 40);
        }
        ldb_reseal(p, size);
        ldb_view v;
        dla_status st = ldb_parse(p, size, &v);
        if (st == DLA_OK) {
            accepted++;
            sum += use_view(&v);
        }
        wrong += st != DLA_OK && st != DLA_ERR_FORMAT && st != DLA_ERR_VERSION;
        ldb_view_free(&v);
    }
    /* truncations with the size field and the CRC fixed */
    for (size_t n = LDB_HEADER_SIZE; n < size; n++) {
        memcpy(p, bytes, n);
        ldb_wr64(p + 16, n);
        ldb_reseal(p, n);
        dla_status st = parse_only(p, n);
        wrong += st != DLA_ERR_FORMAT;
    }
    CHECK(wrong == 0);
    fprintf(stderr, "loadable: resealed corruptions: %zu of %zu accepted (payload bytes, names, values), "
            "checksum %zu\n", accepted, (size - LDB_CRC_START) * sizeof masks + (size_t)iters, sum);
    free(p);
    free(bytes);
}

/* Writes a u32 at `field` of record `rec` of section `type`, reseals, and expects DLA_ERR_FORMAT naming `what`. */
static void expect_bad(const void *good, size_t size, uint32_t type, uint32_t rec, uint32_t rs, uint32_t field,
                       uint32_t value, const char *what)
{
    uint8_t *p = malloc(size);
    memcpy(p, good, size);
    uint32_t count = 0;
    uint8_t *s = section(p, type, &count);
    CHECK(s != NULL && rec < count);
    if (s && rec < count) {
        ldb_wr32(s + (size_t)rec * rs + field, value);
        ldb_reseal(p, size);
        CHECK_STATUS(parse_only(p, size), DLA_ERR_FORMAT);
        if (!strstr(dla_last_error(), what)) {
            fprintf(stderr, "expected '%s' in: %s\n", what, dla_last_error());
            CHECK(0);
        }
    }
    free(p);
}

static void test_cross_references(void)
{
    void *b;
    size_t n;
    build_sample(&b, &n, 0);
    expect_bad(b, n, LDB_SEC_ADDRESSES, 1, LDB_REC_ADDRESS, 4, 6, "address[1]: memory 6 of 6");
    expect_bad(b, n, LDB_SEC_ADDRESSES, 1, LDB_REC_ADDRESS, 16, 2000, "address[1]");  /* size past the memory */
    expect_bad(b, n, LDB_SEC_MEMORY, 0, LDB_REC_MEMORY, 32, 9, "content blob 9");
    expect_bad(b, n, LDB_SEC_MEMORY, 0, LDB_REC_MEMORY, 32, 2, "kind-2 blob");         /* an ops blob as content */
    expect_bad(b, n, LDB_SEC_MEMORY, 0, LDB_REC_MEMORY, 40, 100, "content of 200 bytes");
    expect_bad(b, n, LDB_SEC_MEMORY, 1, LDB_REC_MEMORY, 16, 48, "alignment 48");
    expect_bad(b, n, LDB_SEC_MEMORY, 1, LDB_REC_MEMORY, 28, 4, "tensor 4 of 4");
    expect_bad(b, n, LDB_SEC_MEMORY, 3, LDB_REC_MEMORY, 24, 1, "input bind id 1");
    expect_bad(b, n, LDB_SEC_MEMORY, 1, LDB_REC_MEMORY, 8, 2000, "pool localDRAM");    /* pool totals */
    expect_bad(b, n, LDB_SEC_TENSORS, 1, LDB_REC_TENSOR, 8, 17, "tensor[1] 'conv_out': memory 17");
    expect_bad(b, n, LDB_SEC_TENSORS, 1, LDB_REC_TENSOR, 4, 0xFFFFFF, "string offset");
    expect_bad(b, n, LDB_SEC_TENSORS, 0, LDB_REC_TENSOR, 40, 4, "n*c*h*w");
    expect_bad(b, n, LDB_SEC_TENSORS, 0, LDB_REC_TENSOR, 12, 4u | LDB_DT_HALF << 8 | LDB_FMT_CHW32 << 16, "valid pair"); /* chw32 HALF */
    expect_bad(b, n, LDB_SEC_BLOBS, 1, LDB_REC_BLOB, 8, 65, "blob[1] 'table'");         /* misaligned */
    expect_bad(b, n, LDB_SEC_BLOBS, 1, LDB_REC_BLOB, 8, 0, "blob[1] 'table'");          /* overlaps blob 0 */
    expect_bad(b, n, LDB_SEC_INDICES, 0, 4, 0, 5, "task[0]: address 5 of 5");
    expect_bad(b, n, LDB_SEC_TASKS, 0, LDB_REC_TASK, 12, 1000, "address list");
    expect_bad(b, n, LDB_SEC_TASKS, 0, LDB_REC_TASK, 56, 4, "do not fill blob");        /* op count */
    expect_bad(b, n, LDB_SEC_TASKS, 0, LDB_REC_TASK, 52, 3, "op blob 3");               /* surfaces blob as ops */
    expect_bad(b, n, LDB_SEC_TASKS, 2, LDB_REC_TASK, 88, 1, "belongs to two tasks");
    expect_bad(b, n, LDB_SEC_TASKS, 0, LDB_REC_TASK, 100, 2, "op counts sum");
    expect_bad(b, n, LDB_SEC_TASKS, 1, LDB_REC_TASK, 120, 0, "subgraph blob 0");
    expect_bad(b, n, LDB_SEC_TASKS, 0, LDB_REC_TASK, 6, 2, "core 2");
    expect_bad(b, n, LDB_SEC_LAYERS, 0, LDB_REC_LAYER, 12, 4, "ops [0, +4)");
    expect_bad(b, n, LDB_SEC_LAYERS, 2, LDB_REC_LAYER, 20, 4, "tensor 4 of 4");
    expect_bad(b, n, LDB_SEC_POOLS, 0, LDB_REC_POOLS, 0, 3000, "pool globalDRAM: size 3000");
    expect_bad(b, n, LDB_SEC_EVENTS, 0, LDB_REC_EVENT, 4, 1, "event[0]");
    expect_bad(b, n, LDB_SEC_STRINGS, 0, 1, 0, 0x41414141, "string table");
    /* task 1 waits for event 1, which only task 1 signals: a task that waits for itself */
    uint32_t c;
    uint8_t *p = malloc(n);
    memcpy(p, b, n);
    uint8_t *t = section(p, LDB_SEC_TASKS, &c), *ix = section(p, LDB_SEC_INDICES, NULL);
    ldb_wr32(ix + 4 * (size_t)ldb_rd32(t + LDB_REC_TASK + 20), 1);
    ldb_reseal(p, n);
    CHECK_STATUS(parse_only(p, n), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "waits for event 1") != NULL);
    /* the section table: overlapping sections, a record size that does not match */
    memcpy(p, b, n);
    ldb_wr64(p + 64 + 32 + 8, ldb_rd64(p + 64 + 8)); /* section 1 at section 0's offset */
    ldb_reseal(p, n);
    CHECK_STATUS(parse_only(p, n), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "overlap") != NULL);
    memcpy(p, b, n);
    ldb_wr32(p + 64 + 32 + 28, 33);
    ldb_reseal(p, n);
    CHECK_STATUS(parse_only(p, n), DLA_ERR_FORMAT);
    memcpy(p, b, n);
    ldb_wr32(p + 24, 2); /* unknown header flag */
    ldb_reseal(p, n);
    CHECK_STATUS(parse_only(p, n), DLA_ERR_FORMAT);
    free(p);
    free(b);
}

static void test_builder_errors(void)
{
    ldb_builder *b;
    void *bytes;
    size_t size;
    /* a dangling reference is caught when finishing */
    CHECK_OK(ldb_builder_create(&b));
    ldb_add_address(b, &(ldb_address){.mem = 7, .size = 1});
    CHECK_STATUS(ldb_finish(b, &bytes, &size), DLA_ERR_FORMAT);
    CHECK(bytes == NULL && size == 0);
    ldb_builder_destroy(b);
    /* a blob without data: the first error sticks */
    CHECK_OK(ldb_builder_create(&b));
    CHECK(ldb_add_blob(b, "w", LDB_BLOB_WEIGHTS, NULL, 10) == LDB_NONE);
    ldb_add_string(b, "later");
    CHECK_STATUS(ldb_finish(b, &bytes, &size), DLA_ERR_INVALID_ARG);
    ldb_builder_destroy(b);
    /* two inputs bound to the same id */
    CHECK_OK(ldb_builder_create(&b));
    for (int i = 0; i < 2; i++)
        ldb_add_memory(b, &(ldb_memory){.name = "in", .size = 16, .alignment = 16, .flags = LDB_MEM_INPUT,
                                        .pool = LDB_POOL_LOCAL_DRAM, .bind_id = 0, .tensor = LDB_NONE,
                                        .blob = LDB_NONE});
    CHECK_STATUS(ldb_finish(b, &bytes, &size), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "bind id 0") != NULL);
    ldb_builder_destroy(b);
    /* the empty loadable is valid; string deduplication */
    CHECK_OK(ldb_builder_create(&b));
    uint32_t s1 = ldb_add_string(b, "abc"), s2 = ldb_add_string(b, "xyz"), s3 = ldb_add_string(b, "abc");
    CHECK(s1 == 1 && s2 == 5 && s3 == 1 && ldb_add_string(b, "") == 0 && ldb_add_string(b, NULL) == 0);
    for (int i = 0; i < 1000; i++) { /* past several rehashes */
        char name[16];
        snprintf(name, sizeof name, "s%d", i);
        uint32_t off = ldb_add_string(b, name);
        CHECK(off == ldb_add_string(b, name));
    }
    CHECK_OK(ldb_finish(b, &bytes, &size));
    ldb_view v;
    CHECK_OK(ldb_parse(bytes, size, &v));
    CHECK(v.n_tasks == 0 && v.n_memory == 0 && v.pools.used[0] == 0 && strcmp(v.strings + 5, "xyz") == 0);
    ldb_view_free(&v);
    free(bytes);
    ldb_builder_destroy(b);
    /* standalone: DLA tasks only */
    void *sample;
    CHECK_OK(ldb_builder_create(&b));
    ldb_builder_destroy(b);
    build_sample(&sample, &size, 0);
    uint8_t *p = sample;
    ldb_wr32(p + 24, LDB_FLAG_STANDALONE);
    ldb_reseal(p, size);
    CHECK_STATUS(parse_only(p, size), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "standalone") != NULL);
    free(sample);
}

static void test_describe(void)
{
    void *bytes;
    size_t size;
    build_sample(&bytes, &size, 0);
    ldb_view v;
    CHECK_OK(ldb_parse(bytes, size, &v));
    char *text = NULL, *json = NULL;
    CHECK_OK(ldb_describe(&v, 0, &text));
    CHECK_OK(ldb_describe(&v, 1, &json));
    if (text && json) {
        CHECK(strstr(text, "[0] " FUSED "  INT8  CONV+SDP  2 ops  -> conv_out") != NULL);
        CHECK(strstr(text, "MaxPool_230  FP16  PDP  1 op") != NULL);
        CHECK(strstr(text, "Tasks: 3 (2 DLA, 1 HOST), 2 events") != NULL);
        CHECK(strstr(text, "task 0 'dla0': DLA, core 0, 3 ops (CONV 1, SDP 1, PDP 1), 2 layers") != NULL);
        CHECK(strstr(text, "task 1 'host0': HOST, subgraph 28 bytes, 1 inputs, 1 outputs, waits 0, signals 1") != NULL);
        CHECK(strstr(text, "input  1x3x8x8  HALF  DLA_HWC4  1024 bytes") != NULL);
        CHECK(strstr(text, "conv_out  1x16x4x4  INT8  CHW32  512 bytes  scale 0.0421875") != NULL);
        CHECK(strstr(text, "pool globalDRAM") != NULL && strstr(text, "264 B used, limit 512.00 MiB") != NULL);
        CHECK(strstr(text, "Weights: 200 bytes") != NULL);
        CHECK(strstr(text, "precision INT8 FP16 GPU-fallback") != NULL);
        CHECK(strstr(json, "\"name\":\"" FUSED "\",\"precision\":\"INT8\",\"processors\":[\"CONV\",\"SDP\"]") != NULL);
        CHECK(strstr(json, "\"weightBytes\":200") != NULL);
        CHECK(strstr(json, "\"opsByProcessor\":{\"BDMA\":0,\"CONV\":1,\"SDP\":1,\"PDP\":1,\"CDP\":0,\"RUBIK\":0}") != NULL);
        CHECK(strstr(json, "\"type\":\"HALF\",\"format\":\"DLA_HWC4\"") != NULL);
        CHECK(strstr(json, "\"localDRAM\":{\"limit\":1073741824,\"used\":1024}") != NULL);
        /* balanced JSON outside string literals */
        int depth = 0, min_depth = 0, in_str = 0;
        for (const char *s = json; *s; s++) {
            if (in_str) {
                if (*s == '\\')
                    s++;
                else if (*s == '"')
                    in_str = 0;
            } else if (*s == '"')
                in_str = 1;
            else if (*s == '{' || *s == '[')
                depth++;
            else if (*s == '}' || *s == ']')
                min_depth = --depth < min_depth ? depth : min_depth;
        }
        CHECK(depth == 0 && min_depth == 0 && !in_str);
    }
    free(text);
    free(json);
    ldb_view_free(&v);
    free(bytes);
}

static void test_public_api(void)
{
    void *bytes;
    size_t size;
    build_sample(&bytes, &size, 0);
    dla_loadable *l;
    CHECK_OK(dla_loadable_check(bytes, size));
    CHECK_OK(dla_loadable_load(bytes, size, &l));
    memset(bytes, 0, size); /* the loadable keeps its own copy */
    dla_loadable_info info;
    dla_loadable_get_info(l, &info);
    CHECK(info.version_major == 1 && info.size == size && info.n_tasks == 3 && info.n_dla_tasks == 2);
    CHECK(info.n_host_tasks == 1 && info.n_layers == 3 && info.n_dla_ops == 4 && info.n_tensors == 4);
    CHECK(info.n_inputs == 1 && info.n_outputs == 1 && info.weight_bytes == 200 && !info.standalone);
    CHECK(info.pool_used[DLA_POOL_SRAM] == 4096 && info.pool_limit[DLA_POOL_LOCAL_DRAM] == 1u << 30);
    CHECK(strcmp(info.platform, "orin") == 0 && strcmp(info.model, "resnet_tiny.onnx") == 0);
    dla_loadable_layer ly;
    CHECK_OK(dla_loadable_layer_info(l, 0, &ly));
    CHECK(strcmp(ly.name, FUSED) == 0 && strcmp(ly.precision, "INT8") == 0 && ly.task == 0 && ly.n_ops == 2);
    CHECK_OK(dla_loadable_layer_info(l, 2, &ly));
    CHECK(ly.task == 2 && ly.processors == 1);
    CHECK_STATUS(dla_loadable_layer_info(l, 3, &ly), DLA_ERR_INVALID_ARG);
    char *text;
    CHECK_OK(dla_loadable_describe(l, 0, &text));
    CHECK(text && strstr(text, FUSED) != NULL);
    free(text);
    dla_loadable_destroy(l);
    dla_loadable_destroy(NULL);
    CHECK_STATUS(dla_loadable_check(bytes, size), DLA_ERR_FORMAT);
    CHECK_STATUS(dla_loadable_load(bytes, 10, &l), DLA_ERR_FORMAT);
    CHECK(l == NULL);
    CHECK_STATUS(dla_loadable_load_file("/nonexistent/x.dla", &l), DLA_ERR_IO);
    free(bytes);
}

/* The contract with the engine: eng_op records encoded by the engine's codec travel through the loadable as
 * opaque records and decode back to the same descriptors. */
static void test_engine_records(void)
{
    eng_op ops[2];
    memset(ops, 0, sizeof ops);
    for (int i = 0; i < 2; i++) {
        ops[i].index = (int16_t)i;
        for (int k = 0; k < ENG_MAX_CONSUMERS; k++)
            ops[i].consumers[k].index = -1;
        ops[i].fused_parent.index = -1;
    }
    ops[0].type = ENG_OP_PDP;
    ops[0].dependency_count = 0;
    ops[0].consumers[ENG_OP_BDMA] = (eng_consumer){1, ENG_EVENT_COMPLETED, 0};
    ops[0].layer = 0;
    eng_pdp_op *pd = &ops[0].u.pdp;
    pd->pool_mode = ENG_POOL_MAX;
    pd->precision = ENG_INT8;
    pd->pool_width = pd->pool_height = 2;
    pd->stride_x = pd->stride_y = 2;
    pd->src = (eng_cube){.mem_type = ENG_MEM_DRAM, .layout = ENG_LAYOUT_FEATURE, .precision = ENG_INT8, .mem = 0,
                         .size = 512, .width = 4, .height = 4, .channel = 16, .line_stride = 128, .surf_stride = 512};
    pd->dst = (eng_cube){.mem_type = ENG_MEM_DRAM, .layout = ENG_LAYOUT_FEATURE, .precision = ENG_INT8, .mem = 1,
                         .offset = 64, .size = 128, .width = 2, .height = 2, .channel = 16, .line_stride = 64,
                         .surf_stride = 128};
    ops[1].type = ENG_OP_BDMA;
    ops[1].dependency_count = 1;
    ops[1].layer = 1;
    ops[1].u.bdma.num_transfers = 1;
    ops[1].u.bdma.transfers[0] = (eng_bdma_transfer){.src_mem = 1, .dst_mem = 0, .src_offset = 64, .line_size = 64,
                                                     .line_repeat = 2, .surface_repeat = 1};
    uint8_t rec[2][ENG_OP_RECORD_BYTES];
    eng_op_encode(&ops[0], rec[0]);
    eng_op_encode(&ops[1], rec[1]);

    ldb_builder *b;
    CHECK_OK(ldb_builder_create(&b));
    ldb_add_memory(b, &(ldb_memory){.name = "act", .size = 1024, .alignment = 64, .flags = LDB_MEM_ALLOC,
                                    .pool = LDB_POOL_LOCAL_DRAM, .bind_id = LDB_NONE, .tensor = LDB_NONE,
                                    .blob = LDB_NONE});
    ldb_add_address(b, &(ldb_address){.mem = 0, .offset = 0, .size = 512});
    ldb_add_address(b, &(ldb_address){.mem = 0, .offset = 512, .size = 512});
    uint32_t addr[] = {0, 1};
    ldb_layer layers[2] = {{"MaxPool_3", "INT8", 0, 1, 1u << LDB_UNIT_PDP, LDB_NONE},
                           {"Concat_4", "INT8", 1, 1, 1u << LDB_UNIT_BDMA, LDB_NONE}};
    ldb_add_task(b, &(ldb_task){.type = LDB_TASK_DLA, .core = 1, .name = "dla0", .addresses = addr, .n_addresses = 2,
                                .ops = {rec, 2, ENG_OP_RECORD_BYTES, 0}, .layers = layers, .n_layers = 2,
                                .ops_per_unit = {[LDB_UNIT_PDP] = 1, [LDB_UNIT_BDMA] = 1}});
    ldb_set_flags(b, LDB_FLAG_STANDALONE);
    void *bytes;
    size_t size;
    CHECK_OK(ldb_finish(b, &bytes, &size));
    ldb_builder_destroy(b);
    ldb_view v;
    CHECK_OK(ldb_parse(bytes, size, &v));
    if (v.n_tasks == 1) {
        const ldb_task *t = &v.tasks[0];
        CHECK(t->ops.record_size == ENG_OP_RECORD_BYTES && t->ops.count == 2 && (v.flags & LDB_FLAG_STANDALONE));
        eng_codec_limits lim = {(int)t->ops.count, (int)t->luts.count, (int)t->n_addresses};
        eng_op back[2];
        for (uint32_t i = 0; i < 2; i++)
            CHECK_OK(eng_op_decode((const uint8_t *)t->ops.data + (size_t)i * t->ops.record_size,
                                   t->ops.record_size, (int)i, &lim, &back[i]));
        CHECK(back[0].type == ENG_OP_PDP && back[0].consumers[ENG_OP_BDMA].index == 1);
        CHECK(back[0].u.pdp.pool_mode == ENG_POOL_MAX && back[0].u.pdp.dst.offset == 64);
        CHECK(back[0].u.pdp.src.surf_stride == 512 && back[0].u.pdp.dst.mem == 1);
        CHECK(back[1].type == ENG_OP_BDMA && back[1].dependency_count == 1 && back[1].layer == 1);
        CHECK(back[1].u.bdma.transfers[0].line_repeat == 2 && back[1].u.bdma.transfers[0].src_offset == 64);
        /* the engine's own check of buffer indices against the task's address list */
        lim.n_bufs = 1;
        CHECK_STATUS(eng_op_decode(t->ops.data, t->ops.record_size, 0, &lim, &back[0]), DLA_ERR_FORMAT);
    }
    ldb_view_free(&v);
    free(bytes);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) { /* the sample for the `dla inspect` test */
        void *bytes;
        size_t size;
        build_sample(&bytes, &size, 0);
        dla_status st = base_write_file(argv[2], bytes, size);
        free(bytes);
        return st == DLA_OK && !check_failures ? 0 : 1;
    }
    test_crc();
    test_round_trip();
    test_versions();
    test_flips_and_truncations();
    test_resealed_corruption();
    test_cross_references();
    test_builder_errors();
    test_describe();
    test_public_api();
    test_engine_records();
    return TEST_RESULT();
}
