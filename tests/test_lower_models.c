/* The rewrites on real networks: import a torchvision export (cache/models/NAME.onnx, made by
 * models/export_torchvision.py), fold constants, run on the host; rewrite (cc_rewrite: every pass family); run
 * again on the same random input and require the same outputs (relative 1e-4); print the ops left.
 *
 *   test_lower_models [NAME...]     (default: resnet18 mobilenet_v2; a missing export is skipped) */
#include "cc_harness.h"
#include "check.h"
#include "onnx/onnx_import.h"

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

/* 1 checked, 0 skipped (no export). */
static int check_model(const char *name)
{
    char path[512];
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
    CHECK_OK(onnx_import_file(path, NULL, &g));
    if (!g)
        return 1;
    CHECK_OK(host_ctx_init(&ctx, 0));
    CHECK_OK(ir_graph_fold(g, host_fold_compute, &ctx, NULL));
    host_ctx_release(&ctx);
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    int nodes_before = g->n_nodes, changed = 0;
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
    static const char *const defaults[] = {"resnet18", "mobilenet_v2"};
    int checked = 0;
    (void)cc_check_pass_preserves; /* the shared harness: only its runner is used here */
    if (argc > 1)
        for (int i = 1; i < argc; i++)
            checked += check_model(argv[i]);
    else
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            checked += check_model(defaults[i]);
    if (!checked)
        return TEST_SKIP;
    return TEST_RESULT();
}
