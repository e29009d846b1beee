/* Per-layer precision of the lowered network: which layers lose precision on the engine.
 *
 * Imports a model, folds constants, applies the DLA rewrites (cc_rewrite), computes max-calibration INT8 scales
 * over calibration inputs with the host executor (max |x| / 127 per tensor, then the precision plan's scale
 * unification, cc_unify_scales), lowers EVERY node as one DLA task through the test-only task builder
 * (lower4_tb.c: every tensor with a surface keeps its own buffer, so each layer's output can be read), runs it on
 * the engine model on one held-out input and compares every tensor with the host FP32 executor's value:
 * cosine, max |error| / max |reference| and the max error in units of the tensor's INT8 step.
 *
 *   e2e_layers MODEL.onnx [--calib DIR N] [--input FILE.npy] [--seed S] [--shape DIMS] [--fp16] [--all]
 *              [--no-unify]
 *
 * --calib DIR N: calibration inputs DIR/input_0..N-1.npy (default: the held-out input only). --input: the
 * held-out input (default N(0,1) noise, --seed). --shape 1x1x28x28: the input's shape when symbolic.
 * Without --all only the tensors whose cosine is below 0.999 (INT8) / 0.99999 (FP16), and the network outputs,
 * are printed. --no-unify: each tensor keeps its own calibrated scale (to weigh the unification). Exit status 0
 * unless a step fails. A diagnostic tool (not a ctest); see docs/accuracy.md. */
#include "check.h"
#include "compiler/lower.h"
#include "compiler/tb.h"
#include "dla/model.h"
#include "host/host.h"
#include "lower4_tb.h"
#include "onnx/onnx_import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void observe_max(void *user, const ir_node *n)
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

typedef struct keep {
    float **v;
} keep;

static void observe_keep(void *user, const ir_node *n)
{
    keep *k = user;
    for (int j = 0; j < n->n_out; j++) {
        const ir_tensor *t = n->out[j];
        if (!t || !t->data || t->dtype != IR_F32 || k->v[t->id])
            continue;
        size_t bytes = sizeof(float) * (size_t)ir_tensor_numel(t);
        k->v[t->id] = malloc(bytes ? bytes : 1);
        if (k->v[t->id])
            memcpy(k->v[t->id], t->data, bytes);
    }
}

static void randn(float *x, size_t n, unsigned seed)
{
    uint64_t s = 0x9E3779B97F4A7C15ull ^ (uint64_t)seed * 0x100000001B3ull;
    for (size_t i = 0; i < n; i += 2) {
        double u[2];
        for (int k = 0; k < 2; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            u[k] = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
        }
        double r = sqrt(-2 * log(u[0]));
        x[i] = (float)(r * cos(6.283185307179586 * u[1]));
        if (i + 1 < n)
            x[i + 1] = (float)(r * sin(6.283185307179586 * u[1]));
    }
}

/* Runs g on input data `in` with an observer. */
static dla_status host_run(ir_graph *g, ir_tensor *x, float *in, void (*fn)(void *, const ir_node *), void *user)
{
    x->data = in;
    x->data_kind = IR_DATA_RUNTIME;
    host_options ho;
    memset(&ho, 0, sizeof ho);
    ho.on_output = fn;
    ho.user = user;
    ho.no_fusion = 1;
    host_exec *hx = NULL;
    dla_status st = host_exec_create(g, &ho, &hx);
    if (st == DLA_OK)
        st = host_exec_run(hx);
    host_exec_destroy(hx);
    x->data = NULL;
    x->data_kind = IR_DATA_NONE;
    return st;
}

static float *load_npy(const char *path, int64_t n)
{
    dla_tensor *t = NULL;
    if (dla_tensor_load(path, &t) != DLA_OK) {
        fprintf(stderr, "%s: %s\n", path, dla_last_error());
        return NULL;
    }
    if (t->dtype != DLA_FLOAT32 || (int64_t)(t->nbytes / sizeof(float)) != n) {
        fprintf(stderr, "%s: expected %lld float32 values\n", path, (long long)n);
        dla_tensor_destroy(t);
        return NULL;
    }
    float *v = malloc(t->nbytes);
    if (v)
        memcpy(v, t->data, t->nbytes);
    dla_tensor_destroy(t);
    return v;
}

int main(int argc, char **argv)
{
    const char *model = NULL, *calib_dir = NULL, *input = NULL, *shape = NULL;
    int n_calib = 0, fp16 = 0, all = 0, no_unify = 0;
    unsigned seed = 1000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--calib") == 0 && i + 2 < argc) {
            calib_dir = argv[++i];
            n_calib = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--input") == 0 && i + 1 < argc)
            input = argv[++i];
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc)
            shape = argv[++i];
        else if (strcmp(argv[i], "--fp16") == 0)
            fp16 = 1;
        else if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else if (strcmp(argv[i], "--no-unify") == 0)
            no_unify = 1;
        else if (argv[i][0] != '-' && !model)
            model = argv[i];
        else {
            fprintf(stderr, "usage: e2e_layers MODEL.onnx [--calib DIR N] [--input FILE.npy] [--seed S] "
                            "[--shape DIMS] [--fp16] [--all] [--no-unify]\n");
            return 2;
        }
    }
    if (!model)
        return 2;
    onnx_shape_override ov;
    memset(&ov, 0, sizeof ov);
    onnx_import_options opt = {0};
    if (shape) {
        ov.name = NULL;
        for (const char *p = shape; *p && ov.rank < IR_MAX_RANK;) {
            ov.dims[ov.rank++] = strtoll(p, (char **)&p, 10);
            if (*p == 'x')
                p++;
            else
                break;
        }
    }
    ir_graph *g = NULL;
    if (onnx_import_file(model, &opt, &g) != DLA_OK) {
        fprintf(stderr, "%s\n", dla_last_error());
        return 1;
    }
    if (shape) {
        ir_tensor *x0 = g->inputs[0];
        x0->rank = ov.rank;
        for (int d = 0; d < ov.rank; d++)
            x0->dims[d] = ov.dims[d];
    }
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
    if (check_failures)
        return 1;
    ir_tensor *x = g->inputs[0];
    int64_t nx = ir_tensor_numel(x);
    float *in = input ? load_npy(input, nx) : malloc(sizeof(float) * (size_t)nx);
    if (!in)
        return 1;
    if (!input)
        randn(in, (size_t)nx, seed);
    /* max calibration */
    double *mx = calloc((size_t)g->n_tensors + 1, sizeof(double));
    for (int k = 0; k < (calib_dir ? n_calib : 1); k++) {
        float *ci = in;
        if (calib_dir) {
            char path[600];
            snprintf(path, sizeof path, "%s/input_%d.npy", calib_dir, k);
            ci = load_npy(path, nx);
            if (!ci)
                return 1;
        }
        for (int64_t i = 0; i < nx; i++)
            mx[x->id] = fmax(mx[x->id], fabs(ci[i]));
        CHECK_OK(host_run(g, x, ci, observe_max, mx));
        if (ci != in)
            free(ci);
    }
    float *scale = calloc((size_t)g->n_tensors + 1, sizeof(float));
    unsigned char *is8 = calloc((size_t)g->n_tensors + 1, 1);
    for (int i = 0; i < g->n_tensors; i++) {
        const ir_tensor *t = g->tensors[i];
        if (t->data_kind != IR_DATA_CONST && ir_dtype_is_float(t->dtype)) {
            scale[i] = (float)(mx[i] > 0 ? mx[i] / 127.0 : 1.0 / 127.0);
            is8[i] = 1;
        }
    }
    int n_unified = no_unify ? 0 : cc_unify_scales(g, is8, scale, 0);
    /* reference on the held-out input, every tensor kept */
    keep kp = {calloc((size_t)g->n_tensors + 1, sizeof(float *))};
    CHECK_OK(host_run(g, x, in, observe_keep, &kp));
    int *ids = malloc(sizeof(int) * (size_t)g->n_nodes);
    for (int i = 0; i < g->n_nodes; i++)
        ids[i] = i;
    cc_prec prec = fp16 ? CC_PREC_FP16 : CC_PREC_INT8;
    cc_task_builder *tb = l4tb_create(g, prec);
    if (!fp16)
        for (int i = 0; i < g->n_tensors; i++)
            if (is8[i])
                l4tb_set(tb, g->tensors[i], CC_PREC_INT8, scale[i]);
    CHECK_OK(cc_lower_task(tb, g, ids, g->n_nodes));
    CHECK_OK(l4tb_write(tb, x, in));
    eng_stats es = {0};
    double secs[ENG_OP_TYPE_COUNT] = {0};
    CHECK_OK(l4tb_run_timed(tb, &es, secs));
    if (check_failures)
        return 1;
    printf("%s %s: %d nodes, %d engine ops, %d scales unified, saturated %llu\n", model, fp16 ? "FP16" : "INT8",
           g->n_nodes, l4tb_n_ops(tb), n_unified, (unsigned long long)es.saturated);
    int count[ENG_OP_TYPE_COUNT] = {0};
    for (int i = 0; i < l4tb_n_ops(tb); i++)
        count[l4tb_op(tb, i)->type]++;
    printf("engine time per op type: CONV %.1f ms (%d ops), SDP %.1f ms (%d), PDP %.1f ms (%d), CDP %.1f ms (%d), "
           "RUBIK %.1f ms (%d), BDMA %.1f ms (%d)\n", secs[ENG_OP_CONV] * 1e3, count[ENG_OP_CONV],
           secs[ENG_OP_SDP] * 1e3, count[ENG_OP_SDP], secs[ENG_OP_PDP] * 1e3, count[ENG_OP_PDP],
           secs[ENG_OP_CDP] * 1e3, count[ENG_OP_CDP], secs[ENG_OP_RUBIK] * 1e3, count[ENG_OP_RUBIK],
           secs[ENG_OP_BDMA] * 1e3, count[ENG_OP_BDMA]);
    printf("%-44s %-18s %10s %10s %9s %10s %10s\n", "tensor", "producer", "cosine", "rel.err", "err/step",
           "max|ref|", "scale");
    double bar = fp16 ? 0.99999 : 0.999;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        for (int j = 0; j < n->n_out; j++) {
            const ir_tensor *t = n->out[j];
            if (!t || !kp.v[t->id] || !l4tb_has_surface(tb, t))
                continue;
            int64_t nt = ir_tensor_numel(t);
            float *got = malloc(sizeof(float) * (size_t)nt);
            if (!got || l4tb_read(tb, t, got) != DLA_OK) {
                free(got);
                continue;
            }
            const float *ref = kp.v[t->id];
            double ab = 0, aa = 0, bb = 0, emax = 0, rmax = 0;
            for (int64_t e = 0; e < nt; e++) {
                ab += (double)ref[e] * got[e];
                aa += (double)ref[e] * ref[e];
                bb += (double)got[e] * got[e];
                emax = fmax(emax, fabs((double)ref[e] - got[e]));
                rmax = fmax(rmax, fabs(ref[e]));
            }
            double c = aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : (aa == bb ? 1 : 0);
            int is_out = 0;
            for (int o = 0; o < g->n_outputs; o++)
                is_out |= g->outputs[o] == t;
            if (all || c < bar || is_out)
                printf("%-44.44s %-18.18s %10.6f %10.3g %9.2f %10.4g %10.4g%s\n", t->name, n->op_type, c,
                       rmax > 0 ? emax / rmax : emax, !fp16 && scale[t->id] > 0 ? emax / scale[t->id] : 0.0,
                       rmax, (double)scale[t->id], is_out ? "  (output)" : "");
            free(got);
        }
    }
    l4tb_destroy(tb);
    for (int i = 0; i < g->n_tensors; i++)
        free(kp.v[i]);
    free(kp.v);
    free(ids);
    free(in);
    free(mx);
    free(scale);
    free(is8);
    ir_graph_destroy(g);
    return TEST_RESULT();
}
