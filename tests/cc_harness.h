/* Test harness for compiler rewrites: a pass must keep the graph's FP32 function. Builds the graph twice with the
 * caller's builder, rewrites one copy, runs both on the host executor with the same seeded random inputs, and
 * compares every output. Include in exactly one test .c file per executable. */
#ifndef DLA_TESTS_CC_HARNESS_H
#define DLA_TESTS_CC_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/cc.h"
#include "host/host.h"

typedef dla_status (*cc_build_fn)(ir_graph **out); /* builds a sorted graph with fully known input shapes */

static float cch_rand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return ((float)(*s >> 8) / 16777216.0f) * 2.0f - 1.0f;
}

/* Runs g on random inputs (seeded); returns malloc'd output buffers (caller frees each and the array). */
static dla_status cch_run(ir_graph *g, unsigned seed, void ***outs)
{
    host_exec *x;
    BASE_TRY(host_exec_create(g, NULL, &x));
    void **bufs = calloc((size_t)g->n_inputs + 1, sizeof(void *));
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = g->inputs[i];
        int64_t n = ir_tensor_numel(t);
        bufs[i] = malloc(ir_tensor_nbytes(t) + 1);
        for (int64_t k = 0; k < n; k++) {
            float v = cch_rand(&seed) * 2.0f;
            if (t->dtype == IR_BOOL)
                ((unsigned char *)bufs[i])[k] = v > 0;
            else
                ir_set_f64(t->dtype, bufs[i], (size_t)k, v);
        }
        t->data = bufs[i];
        t->data_kind = IR_DATA_RUNTIME;
    }
    dla_status st = host_exec_run(x);
    *outs = calloc((size_t)g->n_outputs + 1, sizeof(void *));
    for (int i = 0; st == DLA_OK && i < g->n_outputs; i++)
        (*outs)[i] = host_exec_take_output(x, i);
    for (int i = 0; i < g->n_inputs; i++)
        free(bufs[i]);
    free(bufs);
    host_exec_destroy(x);
    return st;
}

/* Returns 1 if `pass` keeps build()'s outputs within tol (relative to each output's largest magnitude);
 * *n_changed receives the pass's count (so tests can also assert the pass fired). */
static int cc_check_pass_preserves(cc_build_fn build, cc_pass_fn pass, double tol, int *n_changed)
{
    ir_graph *a = NULL, *b = NULL;
    void **oa = NULL, **ob = NULL;
    int ok = 0;
    *n_changed = 0;
    if (build(&a) != DLA_OK || build(&b) != DLA_OK) {
        fprintf(stderr, "cc_harness: build failed: %s\n", dla_last_error());
        goto out;
    }
    if (pass(b, n_changed) != DLA_OK) {
        fprintf(stderr, "cc_harness: pass failed: %s\n", dla_last_error());
        goto out;
    }
    ir_graph_compact(b);
    if (ir_graph_toposort(b) != DLA_OK || ir_graph_infer(b) != DLA_OK || ir_graph_verify(b) != DLA_OK) {
        fprintf(stderr, "cc_harness: rewritten graph is invalid: %s\n", dla_last_error());
        goto out;
    }
    if (cch_run(a, 12345u, &oa) != DLA_OK || cch_run(b, 12345u, &ob) != DLA_OK) {
        fprintf(stderr, "cc_harness: run failed: %s\n", dla_last_error());
        goto out;
    }
    ok = 1;
    for (int i = 0; i < a->n_outputs; i++) {
        ir_tensor *ta = a->outputs[i], *tb = b->outputs[i];
        int64_t n = ir_tensor_numel(ta);
        if (n != ir_tensor_numel(tb) || !oa[i] || !ob[i]) {
            fprintf(stderr, "cc_harness: output %d shape changed\n", i);
            ok = 0;
            continue;
        }
        double scale = 1e-6, err = 0;
        for (int64_t k = 0; k < n; k++) {
            double va = ir_get_f64(ta->dtype, oa[i], (size_t)k), vb = ir_get_f64(tb->dtype, ob[i], (size_t)k);
            scale = fmax(scale, fabs(va));
            err = fmax(err, fabs(va - vb));
        }
        if (err > tol * scale) {
            fprintf(stderr, "cc_harness: output '%s' differs by %g (largest |value| %g)\n", ta->name, err, scale);
            ok = 0;
        }
    }
out:
    for (int i = 0; a && oa && i < a->n_outputs; i++)
        free(oa[i]);
    for (int i = 0; b && ob && i < b->n_outputs; i++)
        free(ob[i]);
    free(oa);
    free(ob);
    ir_graph_destroy(a);
    ir_graph_destroy(b);
    return ok;
}

#endif
