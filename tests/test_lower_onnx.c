/* The rewrites on every model of libonnx-testdata: with the case's own inputs bound (so shapes are static), the
 * host output after cc_rewrite must equal the output before it (relative 1e-4 of the output's largest value,
 * or 1e-5 absolute). Cases the host cannot run are skipped; cases with QuantizeLinear are skipped too (removing
 * fake quantization changes values by design). Prints how many cases each pass family touched.
 *
 *   test_lower_onnx [CASE_DIR...]    (default: every case of node, simple, pytorch-converted, pytorch-operator) */
#include "check.h"
#include "compiler/cc.h"
#include "host/host.h"
#include "onnx/onnx_import.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TESTDATA "/usr/share/libonnx-testdata/data"
#define MAX_IO 32

static int n_cases, n_run, n_rewritten, n_bad;

/* Binds input_<i>.pb to graph input i; returns the count bound, -1 on a read error or a count mismatch. */
static int bind_inputs(ir_graph *g, const char *dir, void **bufs)
{
    int i;
    for (i = 0; i < g->n_inputs && i < MAX_IO; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/test_data_set_0/input_%d.pb", dir, i);
        ir_dtype dt;
        int rank;
        int64_t dims[IR_MAX_RANK];
        if (onnx_read_tensor_pb_file(path, &dt, &rank, dims, &bufs[i], NULL) != DLA_OK)
            return -1;
        ir_tensor *t = g->inputs[i];
        t->dtype = dt;
        ir_tensor_set_shape(t, rank, dims);
        t->data = bufs[i];
        t->data_kind = IR_DATA_RUNTIME;
    }
    return i;
}

/* Sets (or with bufs NULL clears) the graph inputs' data. */
static void rebind(ir_graph *g, void **bufs)
{
    for (int i = 0; i < g->n_inputs; i++) {
        g->inputs[i]->data = bufs ? bufs[i] : NULL;
        g->inputs[i]->data_kind = bufs ? IR_DATA_RUNTIME : IR_DATA_NONE;
    }
}

/* Runs g on bufs; outs[i] get the outputs (caller frees). The inputs are unbound afterwards. */
static dla_status run(ir_graph *g, void **bufs, void **outs)
{
    host_exec *x;
    rebind(g, bufs);
    BASE_TRY(host_exec_create(g, NULL, &x));
    dla_status st = host_exec_run(x);
    for (int i = 0; st == DLA_OK && i < g->n_outputs && i < MAX_IO; i++)
        outs[i] = host_exec_take_output(x, i);
    host_exec_destroy(x);
    rebind(g, NULL);
    return st;
}

static int has_op(const ir_graph *g, ir_op op)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i] && g->nodes[i]->op == op)
            return 1;
    return 0;
}

static int same(const ir_tensor *t, const void *a, const void *b)
{
    int64_t n = ir_tensor_numel(t);
    if (!a || !b)
        return a == b;
    double scale = 0, err = 0;
    for (int64_t k = 0; k < n; k++) {
        double va = ir_get_f64(t->dtype, a, (size_t)k), vb = ir_get_f64(t->dtype, b, (size_t)k);
        if (va != va && vb != vb)
            continue;
        scale = fmax(scale, fabs(va));
        err = fmax(err, fabs(va - vb));
    }
    return err <= 1e-4 * scale || err <= 1e-5;
}

static void check_case(const char *dir)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    ir_graph *g = NULL;
    void *bufs[MAX_IO] = {0}, *before[MAX_IO] = {0}, *after[MAX_IO] = {0};
    n_cases++;
    if (onnx_import_file(path, NULL, &g) != DLA_OK)
        return;
    if (g->n_inputs > MAX_IO || g->n_outputs > MAX_IO || bind_inputs(g, dir, bufs) != g->n_inputs ||
        has_op(g, IR_OP_QuantizeLinear) || ir_graph_infer(g) != DLA_OK || run(g, bufs, before) != DLA_OK)
        goto out;
    n_run++;
    int changed = 0;
    dla_status st = cc_rewrite(g, &changed);
    if (st == DLA_OK)
        st = ir_graph_verify(g);
    if (st == DLA_OK)
        st = run(g, bufs, after);
    n_rewritten += changed > 0;
    int ok = st == DLA_OK;
    for (int i = 0; ok && i < g->n_outputs; i++)
        ok = same(g->outputs[i], before[i], after[i]);
    if (!ok) {
        n_bad++;
        fprintf(stderr, "%s: %s after %d rewrite(s): %s\n", dir, st == DLA_OK ? "outputs differ" : "failed", changed,
                st == DLA_OK ? "" : dla_last_error());
    }
out:
    for (int i = 0; i < MAX_IO; i++) {
        free(bufs[i]);
        free(before[i]);
        free(after[i]);
    }
    ir_graph_destroy(g);
}

static int walk(const char *suite)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", TESTDATA, suite);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, sizeof(char *) * (size_t)(n + 1));
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        char c[2048];
        snprintf(c, sizeof c, "%s/%s", dir, names[i]);
        check_case(c);
        free(names[i]);
    }
    free(names);
    return 1;
}

int main(int argc, char **argv)
{
    dla_set_log_level(DLA_LOG_ERROR);
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            check_case(argv[i]);
    } else {
        static const char *const suites[] = {"node", "simple", "pytorch-converted", "pytorch-operator"};
        int any = 0;
        for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
            any |= walk(suites[i]);
        if (!any)
            return TEST_SKIP;
    }
    printf("%d cases, %d run on the host, %d rewritten, %d differ or fail after rewriting\n", n_cases, n_run,
           n_rewritten, n_bad);
    CHECK(n_bad == 0);
    return TEST_RESULT();
}
