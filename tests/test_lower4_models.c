/* Lowering on real networks (label models; skipped when the exports are absent): import cache/models/NAME.onnx,
 * fold constants, rewrite (cc_rewrite), lower EVERY node as one DLA task through the test-only task builder
 * (lower4_tb.c), run it on the engine model and compare with the host FP32 executor on the same random input:
 * FP16 cosine >= 0.9999; INT8 (max calibration on that input) cosine >= 0.98. Prints per network the op count,
 * cosines and the time of the engine run.
 *
 *   test_lower4_models [NAME | PATH.onnx]...     (default: resnet18 mobilenet_v2 squeezenet1_0 googlenet)
 */
#include "check.h"
#include "compiler/lower.h"
#include "host/host.h"
#include "lower4_tb.h"
#include "onnx/onnx_import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void observe(void *user, const ir_node *n)
{
    double *m = user;
    for (int j = 0; j < n->n_out; j++) {
        const ir_tensor *t = n->out[j];
        if (!t || !t->data || t->dtype != IR_F32)
            continue;
        for (int64_t i = 0; i < ir_tensor_numel(t); i++)
            m[t->id] = fmax(m[t->id], fabs(((const float *)t->data)[i]));
    }
}

static int check_model(const char *name)
{
    char path[512];
    if (strchr(name, '/'))
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "cache/models/%s.onnx", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("%s: no %s; skipped\n", name, path);
        return 0;
    }
    fclose(f);
    ir_graph *g = NULL;
    onnx_import_options opt = {0};
    CHECK_OK(onnx_import_file(path, &opt, &g));
    if (!g)
        return 1;
    host_ctx hc;
    int changed = 0;
    CHECK_OK(host_ctx_init(&hc, 0));
    CHECK_OK(ir_graph_fold(g, host_fold_compute, &hc, NULL));
    host_ctx_release(&hc);
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    CHECK_OK(cc_rewrite(g, &changed));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    ir_tensor *x = g->inputs[0];
    int64_t nx = ir_tensor_numel(x);
    float *in = malloc(sizeof(float) * (size_t)nx);
    unsigned seed = 99;
    double *mx = calloc((size_t)g->n_tensors + 1, sizeof(double));
    for (int64_t i = 0; i < nx; i++) {
        seed = seed * 1664525u + 1013904223u;
        in[i] = ((float)(seed >> 8) / 16777216.0f) * 4.0f - 2.0f;
        mx[x->id] = fmax(mx[x->id], fabs(in[i]));
    }
    x->data = in;
    x->data_kind = IR_DATA_RUNTIME;
    host_options ho;
    memset(&ho, 0, sizeof ho);
    ho.on_output = observe;
    ho.user = mx;
    host_exec *hx = NULL;
    float *ref = NULL;
    CHECK_OK(host_exec_create(g, &ho, &hx));
    if (hx) {
        CHECK_OK(host_exec_run(hx));
        ref = host_exec_take_output(hx, 0);
        host_exec_destroy(hx);
    }
    x->data = NULL;
    x->data_kind = IR_DATA_NONE;
    int *ids = malloc(sizeof(int) * (size_t)g->n_nodes);
    for (int i = 0; i < g->n_nodes; i++)
        ids[i] = i;
    const ir_tensor *y = g->outputs[0];
    int64_t ny = ir_tensor_numel(y);
    float *out = calloc((size_t)ny, sizeof(float));
    for (int p = 0; p < 2 && ref; p++) {
        cc_prec prec = p ? CC_PREC_INT8 : CC_PREC_FP16;
        cc_task_builder *tb = l4tb_create(g, prec);
        if (p)
            for (int i = 0; i < g->n_tensors; i++)
                if (g->tensors[i]->data_kind != IR_DATA_CONST)
                    l4tb_set(tb, g->tensors[i], CC_PREC_INT8, (float)(mx[i] > 0 ? mx[i] / 127.0 : 1.0 / 127.0));
        dla_status st = cc_lower_task(tb, g, ids, g->n_nodes);
        if (st != DLA_OK) {
            printf("%s %s: not lowered: %s\n", name, p ? "INT8" : "FP16", dla_last_error());
            CHECK_OK(st);
            l4tb_destroy(tb);
            continue;
        }
        double t0 = now();
        CHECK_OK(l4tb_write(tb, x, in));
        eng_stats es = {0};
        CHECK_OK(l4tb_run(tb, &es));
        double t1 = now();
        CHECK_OK(l4tb_read(tb, y, out));
        double dot = 0, na = 0, nb = 0;
        for (int64_t i = 0; i < ny; i++) {
            dot += (double)ref[i] * out[i];
            na += (double)ref[i] * ref[i];
            nb += (double)out[i] * out[i];
        }
        double cosv = dot / (sqrt(na * nb) + 1e-30);
        int nconv = 0;
        for (int i = 0; i < l4tb_n_ops(tb); i++)
            nconv += l4tb_op(tb, i)->type == ENG_OP_CONV;
        printf("%-16s %s: %4d engine ops (%d CONV), %d buffers, %d LUTs; cosine vs FP32 %.6f; engine %.2f s; "
               "saturated %llu\n", name, p ? "INT8" : "FP16", l4tb_n_ops(tb), nconv, l4tb_n_buffers(tb),
               l4tb_n_luts(tb), cosv, t1 - t0, (unsigned long long)es.saturated);
        CHECK(cosv >= (p ? 0.98 : 0.9999));
        l4tb_destroy(tb);
    }
    free(out);
    free(ids);
    free(ref);
    free(in);
    free(mx);
    ir_graph_destroy(g);
    return 1;
}

int main(int argc, char **argv)
{
    static const char *dflt[] = {"resnet18", "mobilenet_v2", "squeezenet1_0", "googlenet"};
    int ran = 0;
    if (argc > 1)
        for (int i = 1; i < argc; i++)
            ran += check_model(argv[i]);
    else
        for (size_t i = 0; i < sizeof dflt / sizeof *dflt; i++)
            ran += check_model(dflt[i]);
    if (!ran)
        return TEST_SKIP;
    return TEST_RESULT();
}
