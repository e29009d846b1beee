/* Dynamic (data-dependent) network outputs end to end: a hand-built ONNX model X -> 1x1 Conv (on the DLA) -> Y
 * (a static output) and NonZero(Y) -> Z (a host task; Z is 4 x k, k known only at run time) compiled by
 * dla_builder_build with GPU fallback, loaded on the runtime and run twice with different k; Z's actual dims and
 * values are checked against hand-computed coordinates and the host executor, the bound buffer's prefix, the
 * loadable's version (1.1 with a dynamic tensor) and descriptor (dynamic flag, capacity = the NonZero bound), and
 * that a 1.0 reader rule refuses the dynamic flag. */
#include "check.h"
#include "dla/compiler.h"
#include "dla/model.h"
#include "dla/runtime.h"
#include "loadable/loadable.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* onnx_build.h: helpers this test does not use */
#include "onnx_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C 4
#define H 3
#define W 5
#define NUMEL (C * H * W)

/* X [1,C,H,W] -> Conv(W = 2 I, B = -1) -> Y = 2X - 1 -> NonZero -> Z [4, k] (int64) */
static uint8_t *make_model(size_t *len)
{
    Onnx__ModelProto *m = mb_model(13);
    const int64_t xd[4] = {1, C, H, W}, wd[4] = {C, C, 1, 1}, bd[1] = {C}, zd[2] = {4, -1};
    float w[C * C], b[C];
    for (int o = 0; o < C; o++) {
        b[o] = -1.0f;
        for (int i = 0; i < C; i++)
            w[o * C + i] = o == i ? 2.0f : 0.0f;
    }
    Onnx__TensorProto *wt = mb_tensor("w", 1, 4, wd), *bt = mb_tensor("b", 1, 1, bd);
    mb_floats(wt, C * C, w);
    mb_floats(bt, C, b);
    mb_init(m, wt);
    mb_init(m, bt);
    mb_node(m, "Conv", "conv", "x,w,b", "y");
    mb_node(m, "NonZero", "nz", "y", "z");
    mb_input(m, "x", 1, 4, xd);
    mb_output(m, "y", 1, 4, xd);
    mb_output(m, "z", 7, 2, zd);
    return mb_pack(m, len);
}

/* x = 0.5 (y = 0) except at `n` positions (y = 2 x - 1 != 0, exact in FP16). */
static void fill_input(float *x, const int *pos, const float *val, int n)
{
    for (int i = 0; i < NUMEL; i++)
        x[i] = 0.5f;
    for (int k = 0; k < n; k++)
        x[pos[k]] = val[k];
}

/* Runs one input through the module; checks Z against the hand-made coordinates of pos (sorted ascending) and
 * against the host executor's z. */
static void run_case(dla_device *dev, dla_module *mod, dla_model *model, const dla_tensor_desc *od, void *xb,
                     size_t xsize, const dla_tensor_desc *xd, dla_mem *const *in, dla_mem *const *out, void *zb,
                     const int *pos, const float *val, int n)
{
    float x[NUMEL];
    fill_input(x, pos, val, n);
    CHECK_OK(dla_tensor_pack(xd, x, xb, xsize));
    memset(zb, 0xAB, od[1].size);
    dla_task t = {.module = mod, .inputs = in, .n_inputs = 1, .outputs = out, .n_outputs = 2};
    CHECK_OK(dla_submit(dev, &t, 1));
    CHECK_OK(dla_synchronize(dev));
    int rank = -1;
    int64_t dims[DLA_MAX_RANK] = {0};
    CHECK_OK(dla_module_output_dims(mod, 1, &rank, dims));
    CHECK(rank == 2 && dims[0] == 4 && dims[1] == n);
    const void *data = NULL;
    uint64_t size = 0;
    CHECK_OK(dla_module_output_data(mod, 1, &data, &size));
    CHECK(size == (uint64_t)(4 * n) * 8 && data != NULL);
    if (!data || rank != 2 || dims[1] != n)
        return;
    const int64_t *z = data;
    for (int k = 0; k < n; k++) { /* coordinates (n, c, h, w) of the k-th nonzero in row-major order */
        int p = pos[k];
        CHECK(z[0 * n + k] == 0 && z[1 * n + k] == p / (H * W) && z[2 * n + k] == (p / W) % H &&
              z[3 * n + k] == p % W);
    }
    CHECK(memcmp(zb, data, (size_t)size) == 0); /* the bound buffer holds it: it fits the capacity */
    /* the static output is still there and right: y = 2x - 1 */
    int yrank = 0;
    int64_t ydims[DLA_MAX_RANK];
    CHECK_OK(dla_module_output_dims(mod, 0, &yrank, ydims));
    CHECK(yrank == 4 && ydims[1] == C && ydims[3] == W);
    const void *ydata = (const void *)1;
    uint64_t ysize = 1;
    CHECK_OK(dla_module_output_data(mod, 0, &ydata, &ysize));
    CHECK(ydata == NULL && ysize == 0);
    /* the host executor agrees */
    dla_tensor xt = {.name = "x", .dtype = DLA_FLOAT32, .rank = 4, .dims = {1, C, H, W}, .data = x,
                     .nbytes = sizeof x};
    const dla_tensor *ins[1] = {&xt};
    dla_tensor **outs = NULL;
    int n_outs = 0;
    CHECK_OK(dla_model_run(model, NULL, 1, ins, &outs, &n_outs));
    if (n_outs == 2) {
        CHECK(outs[1]->rank == 2 && outs[1]->dims[1] == n && outs[1]->nbytes == size);
        CHECK(outs[1]->nbytes == size && memcmp(outs[1]->data, data, (size_t)size) == 0);
    }
    dla_tensors_destroy(outs, n_outs);
}

int main(void)
{
    size_t len;
    uint8_t *onnx = make_model(&len);
    dla_model *model = NULL;
    CHECK_OK(dla_model_load_memory(onnx, len, NULL, &model));
    if (!model)
        return TEST_RESULT();
    dla_build_options bo = {.fp16 = 1, .allow_gpu_fallback = 1, .output_io_formats = "fp32:chw,int64:chw"};
    void *bytes = NULL;
    size_t size = 0;
    CHECK_OK(dla_builder_build(model, &bo, &bytes, &size));
    if (!bytes) {
        fprintf(stderr, "%s\n", dla_last_error());
        dla_model_destroy(model);
        return TEST_RESULT();
    }
    /* the loadable: 1.1 because of the dynamic tensor; z is dynamic with the NonZero bound as capacity */
    ldb_view v;
    CHECK_OK(ldb_parse(bytes, size, &v));
    CHECK(v.major == 1 && v.minor == 1);
    uint32_t zi = ldb_view_find_tensor(&v, "z"), yi = ldb_view_find_tensor(&v, "y");
    CHECK(zi != LDB_NONE && yi != LDB_NONE);
    if (zi != LDB_NONE && yi != LDB_NONE) {
        const ldb_tensor *zt = &v.tensors[zi];
        CHECK((zt->flags & LDB_TENSOR_DYNAMIC) && zt->format == LDB_FMT_NCHW && zt->dtype == LDB_DT_INT64);
        CHECK(zt->rank == 2 && zt->dims[0] == 4 && zt->dims[1] == -1);
        CHECK(zt->size == (uint64_t)4 * NUMEL * 8); /* NonZero: rank x numel of its input */
        CHECK(!(v.tensors[yi].flags & LDB_TENSOR_DYNAMIC));
    }
    int n_dla = 0, n_host = 0;
    for (uint32_t i = 0; i < v.n_tasks; i++)
        v.tasks[i].type == LDB_TASK_DLA ? n_dla++ : n_host++;
    CHECK(n_dla == 1 && n_host >= 1); /* the Conv on the DLA, NonZero on the host */
    ldb_view_free(&v);
    /* a 1.0 file cannot carry the flag */
    uint8_t *old = malloc(size);
    if (old) {
        memcpy(old, bytes, size);
        ldb_wr16(old + 10, 0);
        ldb_reseal(old, size);
        CHECK_STATUS(ldb_parse(old, size, &v), DLA_ERR_FORMAT);
        CHECK(strstr(dla_last_error(), "flags 0x2") != NULL);
        free(old);
    }

    dla_device *dev = NULL;
    CHECK_OK(dla_device_create(0, DLA_MODE_HYBRID, &dev));
    dla_module *mod = NULL;
    CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    if (mod) {
        dla_module_attribute a;
        dla_tensor_desc id[1], od[2];
        a.input_tensor_desc = id;
        CHECK_OK(dla_module_get_attributes(mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a));
        a.output_tensor_desc = od;
        CHECK_OK(dla_module_get_attributes(mod, DLA_OUTPUT_TENSOR_DESCRIPTORS, &a));
        CHECK(!od[0].dynamic && od[1].dynamic && od[1].rank == 2 && od[1].dims[1] == -1);
        int r0;
        int64_t d0[DLA_MAX_RANK];
        CHECK_STATUS(dla_module_output_dims(mod, 1, &r0, d0), DLA_ERR_INVALID_ARG); /* before any run */
        CHECK_STATUS(dla_module_output_dims(mod, 2, &r0, d0), DLA_ERR_INVALID_ARG);
        void *xb = calloc(1, id[0].size), *yb = calloc(1, od[0].size), *zb = calloc(1, od[1].size);
        dla_mem *xm = NULL, *ym = NULL, *zm = NULL;
        CHECK_OK(dla_mem_register(dev, xb, id[0].size, &xm));
        CHECK_OK(dla_mem_register(dev, yb, od[0].size, &ym));
        CHECK_OK(dla_mem_register(dev, zb, od[1].size, &zm));
        dla_mem *in[1] = {xm}, *out[2] = {ym, zm};
        const int pos1[5] = {0, 7, 16, 33, 59};
        const float val1[5] = {1.0f, 0.0f, 2.0f, -1.0f, 0.75f};
        run_case(dev, mod, model, od, xb, id[0].size, id, in, out, zb, pos1, val1, 5);
        const int pos2[2] = {14, 45}; /* fewer nonzeros: the actual shape shrinks */
        const float val2[2] = {3.0f, 0.25f};
        run_case(dev, mod, model, od, xb, id[0].size, id, in, out, zb, pos2, val2, 2);
        run_case(dev, mod, model, od, xb, id[0].size, id, in, out, zb, pos2, val2, 0); /* none: 4 x 0 */
        dla_mem_unregister(dev, xm);
        dla_mem_unregister(dev, ym);
        dla_mem_unregister(dev, zm);
        free(xb);
        free(yb);
        free(zb);
    }
    dla_device_destroy(dev);
    free(bytes);
    dla_model_destroy(model);
    mb_free_all();
    return TEST_RESULT();
}
