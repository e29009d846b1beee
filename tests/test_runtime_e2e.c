/* End to end through the runtime: the Fashion-MNIST ResNet (models/fashion) compiled FP16 by dla_builder_build
 * (with GPU fallback, FP32 NCHW I/O; and as a standalone DLA loadable with chw16 I/O when the build allows it),
 * loaded as a module and run on both cores, against the host FP32 executor: cosine >= 0.9999 on every sample;
 * INT8 with max calibration on the bundled samples: cosine >= 0.98. */
#include "check.h"
#include "dla/compiler.h"
#include "dla/model.h"
#include "dla/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL "models/fashion/fashion_resnet.onnx"
#define SAMPLES 8

static double cosine(const float *a, const float *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* Runs `bytes` on a device of `mode` for every sample and compares with ref[i]; returns the worst cosine. */
static double run_module(const void *bytes, size_t size, unsigned mode, int core, dla_tensor **inputs,
                         float **ref, size_t n_out)
{
    dla_device *dev;
    CHECK_OK(dla_device_create(core, mode, &dev));
    dla_module *mod = NULL;
    CHECK_OK(dla_module_load(dev, bytes, size, &mod));
    double worst = 2;
    if (!mod) {
        dla_device_destroy(dev);
        return -1;
    }
    dla_module_attribute a;
    dla_tensor_desc in, out;
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_INPUT_TENSORS, &a));
    CHECK(a.num_input_tensors == 1);
    CHECK_OK(dla_module_get_attributes(mod, DLA_NUM_OUTPUT_TENSORS, &a));
    CHECK(a.num_output_tensors == 1);
    a.input_tensor_desc = &in;
    CHECK_OK(dla_module_get_attributes(mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a));
    a.output_tensor_desc = &out;
    CHECK_OK(dla_module_get_attributes(mod, DLA_OUTPUT_TENSOR_DESCRIPTORS, &a));
    CHECK(in.n * in.c * in.h * in.w == 28 * 28 && out.n * out.c * out.h * out.w == n_out);
    void *x = calloc(1, in.size), *y = calloc(1, out.size);
    float *yf = calloc(n_out, sizeof(float));
    dla_mem *xm = NULL, *ym = NULL;
    if (x && y && yf) {
        CHECK_OK(dla_mem_register(dev, x, in.size, &xm));
        CHECK_OK(dla_mem_register(dev, y, out.size, &ym));
    }
    for (int s = 0; xm && ym && s < SAMPLES; s++) {
        CHECK_OK(dla_tensor_pack(&in, inputs[s]->data, x, in.size));
        dla_task t = {.module = mod, .inputs = &xm, .n_inputs = 1, .outputs = &ym, .n_outputs = 1};
        CHECK_OK(dla_submit(dev, &t, 1));
        CHECK_OK(dla_synchronize(dev));
        CHECK_OK(dla_tensor_unpack(&out, y, out.size, yf));
        double c = cosine(yf, ref[s], n_out);
        if (c < worst)
            worst = c;
    }
    char *csv = NULL;
    CHECK_OK(dla_module_stats_csv(mod, &csv));
    CHECK(csv && (strstr(csv, "FP16") || strstr(csv, "INT8")) && strstr(csv, "Conv"));
    free(csv);
    if (xm)
        CHECK_OK(dla_mem_unregister(dev, xm));
    if (ym)
        CHECK_OK(dla_mem_unregister(dev, ym));
    free(x);
    free(y);
    free(yf);
    CHECK_OK(dla_module_unload(mod));
    dla_device_destroy(dev);
    return worst;
}

int main(void)
{
    dla_model *m;
    dla_load_options lo = {.shapes = "input:1x1x28x28"};
    if (dla_model_load_file(MODEL, &lo, &m) != DLA_OK) {
        fprintf(stderr, "%s not available: skipped (%s)\n", MODEL, dla_last_error());
        return TEST_SKIP;
    }
    dla_tensor *inputs[SAMPLES] = {0};
    float *ref[SAMPLES] = {0};
    size_t n_out = 0;
    for (int s = 0; s < SAMPLES; s++) {
        char path[128];
        snprintf(path, sizeof path, "models/fashion/samples/input_%d.npy", s);
        CHECK_OK(dla_tensor_load(path, &inputs[s]));
        if (!inputs[s])
            return TEST_RESULT();
        dla_tensor **ys;
        int n_ys;
        CHECK_OK(dla_model_run(m, NULL, 1, (const dla_tensor *const *)&inputs[s], &ys, &n_ys));
        if (n_ys != 1)
            return TEST_RESULT();
        n_out = ys[0]->nbytes / sizeof(float);
        ref[s] = malloc(ys[0]->nbytes);
        memcpy(ref[s], ys[0]->data, ys[0]->nbytes);
        dla_tensors_destroy(ys, n_ys);
    }
    /* FP16 with GPU fallback, FP32 NCHW I/O (reformat HOST tasks at the edges) */
    dla_build_options o = {.fp16 = 1, .allow_gpu_fallback = 1};
    void *bytes = NULL;
    size_t size = 0;
    CHECK_OK(dla_builder_build(m, &o, &bytes, &size));
    if (bytes) {
        for (int core = 0; core < 2; core++) {
            double c = run_module(bytes, size, DLA_MODE_HYBRID, core, inputs, ref, n_out);
            printf("fashion FP16 hybrid, core %d: worst cosine %.7f over %d samples\n", core, c, SAMPLES);
            CHECK(c >= 0.9999);
        }
        free(bytes);
    }
    /* INT8 with max calibration on the bundled samples (the bar: cosine >= 0.98) */
    dla_build_options o8 = {.int8 = 1, .fp16 = 1, .allow_gpu_fallback = 1, .calib_data = "models/fashion/samples"};
    bytes = NULL;
    CHECK_OK(dla_builder_build(m, &o8, &bytes, &size));
    if (bytes) {
        double c = run_module(bytes, size, DLA_MODE_HYBRID, 0, inputs, ref, n_out);
        printf("fashion INT8 (max calibration on the samples): worst cosine %.5f\n", c);
        CHECK(c >= 0.98);
        free(bytes);
    }
    /* a standalone DLA loadable (chw16 I/O) on a STANDALONE device, when the whole network fits the DLA */
    dla_build_options so = {.fp16 = 1, .build_dla_standalone = 1, .input_io_formats = "fp16:chw16",
                            .output_io_formats = "fp16:chw16"};
    bytes = NULL;
    dla_status st = dla_builder_build(m, &so, &bytes, &size);
    if (st == DLA_OK && bytes) {
        double c = run_module(bytes, size, DLA_MODE_STANDALONE, 1, inputs, ref, n_out);
        printf("fashion FP16 standalone (chw16 I/O): worst cosine %.7f\n", c);
        CHECK(c >= 0.9999);
    } else {
        printf("fashion standalone build not possible: %s\n", dla_last_error());
    }
    free(bytes);
    for (int s = 0; s < SAMPLES; s++) {
        dla_tensor_destroy(inputs[s]);
        free(ref[s]);
    }
    dla_model_destroy(m);
    return TEST_RESULT();
}
