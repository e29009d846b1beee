/* The build places with the DLA's rules AND dlakit's lowering: an op DLA software runs natively but dlakit cannot
 * lower yet (Sqrt here) falls back to the host with --allowGPUFallback, naming the reason; without fallback the
 * build fails naming it; `dla_model_place` alone (what `dla ops` shows) still reports the DLA's own answer. */
#include "check.h"
#include "dla/compiler.h"
#include "dla/model.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* onnx_build.h: helpers this test does not use */
#include "onnx_build.h"

#include <stdlib.h>
#include <string.h>

/* x [1,4,3,3] -> Conv 1x1 -> Relu -> Sqrt -> Conv 1x1 -> y */
static uint8_t *make_model(size_t *len)
{
    Onnx__ModelProto *m = mb_model(13);
    const int64_t xd[4] = {1, 4, 3, 3}, wd[4] = {4, 4, 1, 1};
    float w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (float)(i % 5) * 0.25f;
    Onnx__TensorProto *w1 = mb_tensor("w1", 1, 4, wd), *w2 = mb_tensor("w2", 1, 4, wd);
    mb_floats(w1, 16, w);
    mb_floats(w2, 16, w);
    mb_init(m, w1);
    mb_init(m, w2);
    mb_node(m, "Conv", "conv1", "x,w1", "a");
    mb_node(m, "Relu", "relu", "a", "r");
    mb_node(m, "Sqrt", "sqrt", "r", "s");
    mb_node(m, "Conv", "conv2", "s,w2", "y");
    mb_input(m, "x", 1, 4, xd);
    mb_output(m, "y", 1, 4, xd);
    return mb_pack(m, len);
}

static const char *device_of(const dla_placement *p, const char *name, const char **reason)
{
    for (int i = 0; i < dla_placement_num_layers(p); i++) {
        dla_layer_placement l;
        if (dla_placement_layer(p, i, &l) == DLA_OK && strcmp(l.name, name) == 0) {
            *reason = l.reason;
            return l.device;
        }
    }
    return "?";
}

int main(void)
{
    size_t len;
    uint8_t *bytes = make_model(&len);
    dla_model *m;
    CHECK_OK(dla_model_load_memory(bytes, len, NULL, &m));
    const char *why = "";

    /* the DLA's rules alone: Sqrt runs on the DLA (native in DLA software 3.14) */
    dla_build_options o;
    memset(&o, 0, sizeof o);
    o.fp16 = 1;
    dla_placement *p = NULL;
    CHECK_OK(dla_model_place(m, &o, &p));
    CHECK(p && strcmp(device_of(p, "sqrt", &why), "DLA") == 0);
    dla_placement_destroy(p);

    /* the build: Sqrt to the host with a reason naming the lowering, the convs stay on the DLA */
    o.allow_gpu_fallback = 1;
    void *lb = NULL;
    size_t lsize = 0;
    p = NULL;
    CHECK_OK(dla_builder_build_placed(m, &o, &p, &lb, &lsize));
    CHECK(p && strcmp(device_of(p, "sqrt", &why), "GPU") == 0 && strstr(why, "lowering") != NULL);
    CHECK(p && strcmp(device_of(p, "conv1", &why), "DLA") == 0);
    CHECK(lb != NULL && lsize > 0);
    dla_placement_destroy(p);
    free(lb);

    /* without fallback the build fails and names the layer */
    o.allow_gpu_fallback = 0;
    lb = NULL;
    dla_status st = dla_builder_build(m, &o, &lb, &lsize);
    CHECK(st != DLA_OK && lb == NULL);
    CHECK(strstr(dla_last_error(), "sqrt") != NULL);

    dla_model_destroy(m);
    mb_free_all();
    return TEST_RESULT();
}
