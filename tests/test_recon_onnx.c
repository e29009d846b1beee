/* The reconstructions on ONNX's own backend-test models (libonnx-testdata): import each model whose inputs are
 * all float or bool, rewrite it (cc_rewrite: every pass family), and require the same outputs as before on random
 * inputs, with the op gone. Skipped (77) when the test data is not installed. */
#include "cc_harness.h"
#include "check.h"
#include "onnx/onnx_import.h"

#include <dirent.h>

#define TESTDATA "/usr/share/libonnx-testdata/data/node"

static char model_path[512];

static dla_status build_model(ir_graph **out)
{
    BASE_TRY(onnx_import_file(model_path, NULL, out));
    dla_status st = ir_graph_toposort(*out);
    if (st == DLA_OK)
        st = ir_graph_infer(*out);
    if (st != DLA_OK) {
        ir_graph_destroy(*out);
        *out = NULL;
    }
    return st;
}

static int has_op(const ir_graph *g, ir_op op)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i] && g->nodes[i]->op == op)
            return 1;
    return 0;
}

static const struct {
    const char *prefix;
    ir_op op;
} cases[] = {
    {"test_depthtospace", IR_OP_DepthToSpace}, {"test_spacetodepth", IR_OP_SpaceToDepth}, {"test_neg", IR_OP_Neg},
    {"test_not_", IR_OP_Not}, {"test_and", IR_OP_And}, {"test_or", IR_OP_Or}, {"test_xor", IR_OP_Xor},
};

int main(void)
{
    DIR *d = opendir(TESTDATA);
    if (!d) {
        printf("no %s; skipped\n", TESTDATA);
        return TEST_SKIP;
    }
    int checked = 0;
    for (struct dirent *e; (e = readdir(d));) {
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            if (strncmp(e->d_name, cases[c].prefix, strlen(cases[c].prefix)) != 0)
                continue;
            snprintf(model_path, sizeof model_path, "%s/%s/model.onnx", TESTDATA, e->d_name);
            int changed = 0, ok = cc_check_pass_preserves(build_model, cc_rewrite, 1e-6, &changed);
            if (!ok || changed <= 0)
                fprintf(stderr, "%s: preserves %d, changed %d\n", e->d_name, ok, changed);
            CHECK(ok && changed > 0);
            ir_graph *g = NULL;
            CHECK_OK(build_model(&g));
            if (g) {
                CHECK_OK(cc_rewrite(g, &changed));
                CHECK(!has_op(g, cases[c].op));
                ir_graph_destroy(g);
            }
            checked++;
        }
    }
    closedir(d);
    printf("%d backend-test models rewritten and checked\n", checked);
    CHECK(checked >= 30);
    return TEST_RESULT();
}
