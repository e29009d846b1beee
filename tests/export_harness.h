/* Shared by test_export.c and test_export_onnx.c: graph building, running a graph on the host with named
 * buffers, exact and conformance-tolerance comparisons, export -> import round trips and chained segments. */
#ifndef DLA_TESTS_EXPORT_HARNESS_H
#define DLA_TESTS_EXPORT_HARNESS_H

#include "check.h"
#include "host/host.h"
#include "ir/ir.h"
#include "onnx/onnx_import.h"

#include <stdlib.h>
#include <string.h>

#define MAX_IO 32
#define EXH_UNUSED __attribute__((unused))

/* ---- graph building ------------------------------------------------------------------------------------- */

EXH_UNUSED static ir_tensor *T(ir_graph *g, const char *name)
{
    ir_tensor *t = NULL;
    CHECK_OK(ir_graph_tensor(g, name, &t));
    return t;
}

EXH_UNUSED static ir_tensor *cst(ir_graph *g, const char *name, ir_dtype dt, int rank, const int64_t *dims, const void *v)
{
    ir_tensor *t = T(g, name);
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(g, t));
    memcpy(t->data, v, ir_tensor_nbytes(t));
    return t;
}

EXH_UNUSED static ir_tensor *input(ir_graph *g, const char *name, ir_dtype dt, int rank, const int64_t *dims)
{
    ir_tensor *t = T(g, name);
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    CHECK_OK(ir_graph_add_input(g, t));
    return t;
}

/* A node whose inputs/outputs are comma-separated tensor names ("" for an omitted slot). */
EXH_UNUSED static int split_names(const char *list, char names[][64])
{
    int n = 0;
    if (!list)
        return 0;
    for (const char *p = list;; n++) {
        size_t len = strcspn(p, ",");
        snprintf(names[n], 64, "%.*s", (int)len, p);
        if (!p[len])
            return n + 1;
        p += len + 1;
    }
}

EXH_UNUSED static ir_node *add(ir_graph *g, ir_op op, const char *name, int opset, const char *ins, const char *outs,
                    int n_attrs)
{
    char in[16][64], out[8][64];
    int ni = split_names(ins, in), no = split_names(outs, out);
    ir_node *n = NULL;
    CHECK_OK(ir_graph_add_node(g, op, name, ni, no, n_attrs, &n));
    n->opset = opset;
    n->n_attrs = 0;
    for (int i = 0; i < ni; i++)
        n->in[i] = in[i][0] ? T(g, in[i]) : NULL;
    for (int i = 0; i < no; i++)
        n->out[i] = out[i][0] ? T(g, out[i]) : NULL;
    return n;
}

EXH_UNUSED static ir_attr *attr(ir_graph *g, ir_node *n, const char *name, ir_attr_type ty)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = base_arena_strdup(g->arena, name);
    a->type = ty;
    return a;
}

EXH_UNUSED static void attr_i(ir_graph *g, ir_node *n, const char *name, int64_t v) { attr(g, n, name, IR_ATTR_INT)->i = v; }
EXH_UNUSED static void attr_f(ir_graph *g, ir_node *n, const char *name, float v) { attr(g, n, name, IR_ATTR_FLOAT)->f = v; }
EXH_UNUSED static void attr_s(ir_graph *g, ir_node *n, const char *name, const char *s)
{
    attr(g, n, name, IR_ATTR_STRING)->s = base_arena_strdup(g->arena, s);
}
EXH_UNUSED static void attr_ints(ir_graph *g, ir_node *n, const char *name, int cnt, const int64_t *v)
{
    ir_attr *a = attr(g, n, name, IR_ATTR_INTS);
    a->n = cnt;
    a->ints = base_arena_alloc(g->arena, sizeof(int64_t) * (size_t)(cnt + 1));
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)cnt);
}
EXH_UNUSED static void attr_floats(ir_graph *g, ir_node *n, const char *name, int cnt, const float *v)
{
    ir_attr *a = attr(g, n, name, IR_ATTR_FLOATS);
    a->n = cnt;
    a->floats = base_arena_alloc(g->arena, sizeof(float) * (size_t)(cnt + 1));
    memcpy(a->floats, v, sizeof(float) * (size_t)cnt);
}

/* ---- running and comparing ------------------------------------------------------------------------------ */

typedef struct buf {
    char name[256];
    ir_dtype dt;
    int rank;
    int64_t dims[IR_MAX_RANK];
    void *data;
} buf;

EXH_UNUSED static size_t buf_bytes(const buf *b)
{
    size_t n = ir_dtype_size(b->dt);
    for (int i = 0; i < b->rank; i++)
        n *= (size_t)b->dims[i];
    return n;
}

EXH_UNUSED static void bufs_free(buf *b, int n)
{
    for (int i = 0; i < n; i++) {
        free(b[i].data);
        b[i].data = NULL;
    }
}

/* Runs g with its inputs taken by name from pool[0..n_pool); the outputs go to outs (g->n_outputs entries). */
EXH_UNUSED static dla_status run(ir_graph *g, const buf *pool, int n_pool, buf *outs)
{
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = g->inputs[i];
        int k = 0;
        while (k < n_pool && strcmp(pool[k].name, t->name) != 0)
            k++;
        if (k == n_pool)
            return base_error(DLA_ERR_INVALID_ARG, "no value for input '%s'", t->name);
        t->dtype = pool[k].dt;
        ir_tensor_set_shape(t, pool[k].rank, pool[k].dims);
        t->data = pool[k].data;
        t->data_kind = IR_DATA_RUNTIME;
    }
    host_exec *x;
    dla_status st = host_exec_create(g, NULL, &x);
    if (st == DLA_OK) {
        st = host_exec_run(x);
        for (int i = 0; st == DLA_OK && i < g->n_outputs; i++) {
            const ir_tensor *t = g->outputs[i];
            snprintf(outs[i].name, sizeof outs[i].name, "%s", t->name);
            outs[i].dt = t->dtype;
            outs[i].rank = t->rank;
            memcpy(outs[i].dims, t->dims, sizeof t->dims);
            outs[i].data = host_exec_take_output(x, i);
        }
        host_exec_destroy(x);
    }
    for (int i = 0; i < g->n_inputs; i++) {
        g->inputs[i]->data = NULL;
        g->inputs[i]->data_kind = IR_DATA_NONE;
    }
    return st;
}

EXH_UNUSED static int same_shape(const buf *a, const buf *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return 0;
    return 1;
}

/* Bit-exact equality (NaNs included). */
EXH_UNUSED static int same_buf(const buf *a, const buf *b)
{
    if (a->dt != b->dt || !same_shape(a, b))
        return 0;
    size_t n = buf_bytes(a);
    return n == 0 || (a->data && b->data && memcmp(a->data, b->data, n) == 0);
}

/* The conformance rule: floats within atol + rtol * |expected|, other types exact (bfloat16 expected values
 * are stored as uint16). */
EXH_UNUSED static int close_enough(const buf *got, const buf *want, char *msg, size_t msz)
{
    ir_dtype wt = want->dt == IR_U16 && got->dt == IR_BF16 ? IR_BF16 : want->dt;
    if (got->dt != wt || !same_shape(got, want)) {
        snprintf(msg, msz, "type %s rank %d, expected %s rank %d", ir_dtype_name(got->dt), got->rank,
                 ir_dtype_name(wt), want->rank);
        return 0;
    }
    size_t es = ir_dtype_size(wt), n = es ? buf_bytes(got) / es : 0;
    if (!ir_dtype_is_float(wt)) {
        if (n && memcmp(got->data, want->data, n * es) != 0) {
            snprintf(msg, msz, "%s values differ", ir_dtype_name(wt));
            return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        double a = ir_get_f64(wt, got->data, i), b = ir_get_f64(wt, want->data, i);
        if ((a != a && b != b) || a == b)
            continue;
        if (!(fabs(a - b) <= 1e-5 + 1e-3 * fabs(b))) {
            snprintf(msg, msz, "[%zu] = %.9g, expected %.9g", i, a, b);
            return 0;
        }
    }
    return 1;
}

/* Export -> import; *out is the re-imported graph (NULL on failure). */
EXH_UNUSED static dla_status round_trip(const ir_graph *g, int opset, ir_graph **out)
{
    *out = NULL;
    void *bytes;
    size_t size;
    onnx_export_options eo = {.opset = opset};
    BASE_TRY(onnx_export_ex(g, &eo, &bytes, &size));
    onnx_import_options io = {.origin = "<exported>"};
    dla_status st = onnx_import(bytes, size, &io, out);
    free(bytes);
    return st;
}

EXH_UNUSED static ir_node *find_node(const ir_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i]->name, name) == 0)
            return g->nodes[i];
    return NULL;
}

EXH_UNUSED static void fill(buf *b, const char *name, ir_dtype dt, int rank, const int64_t *dims, unsigned seed)
{
    snprintf(b->name, sizeof b->name, "%s", name);
    b->dt = dt;
    b->rank = rank;
    memcpy(b->dims, dims, sizeof(int64_t) * (size_t)rank);
    size_t n = buf_bytes(b) / ir_dtype_size(dt);
    b->data = malloc(buf_bytes(b) + 1);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        ir_set_f64(dt, b->data, i, ((double)((seed >> 8) % 2001) - 1000.0) / 250.0);
    }
}

/* Runs g and its round trip at `opset` on the same inputs: the outputs must be bit-identical. */
EXH_UNUSED static void check_same_run(ir_graph *g, int opset, const buf *ins, int n_ins)
{
    ir_graph *r = NULL;
    buf a[MAX_IO] = {0}, b[MAX_IO] = {0};
    CHECK_OK(round_trip(g, opset, &r));
    if (!r)
        return;
    CHECK(r->n_outputs == g->n_outputs);
    dla_status st = run(g, ins, n_ins, a);
    CHECK_OK(st);
    if (st == DLA_OK)
        CHECK_OK(run(r, ins, n_ins, b));
    for (int i = 0; i < g->n_outputs && i < r->n_outputs; i++) {
        CHECK(strcmp(g->outputs[i]->name, r->outputs[i]->name) == 0);
        if (!same_buf(&a[i], &b[i]))
            fprintf(stderr, "opset %d: output '%s' differs after the round trip\n", opset, a[i].name);
        CHECK(same_buf(&a[i], &b[i]));
    }
    bufs_free(a, g->n_outputs);
    bufs_free(b, g->n_outputs);
    ir_graph_destroy(r);
}


/* Runs the segments (each exported and re-imported) one after the other; pool collects every value. */
EXH_UNUSED static void run_chain(const ir_graph *g, const int *const *segs, const int *lens, int n_segs, buf *pool, int *n_pool)
{
    for (int s = 0; s < n_segs; s++) {
        ir_graph *sub = NULL, *r = NULL;
        CHECK_OK(ir_graph_extract(g, segs[s], lens[s], &sub));
        if (sub)
            CHECK_OK(round_trip(sub, 0, &r));
        if (r && r->n_outputs + *n_pool <= 64) {
            CHECK_OK(run(r, pool, *n_pool, pool + *n_pool));
            *n_pool += r->n_outputs;
        }
        ir_graph_destroy(sub);
        ir_graph_destroy(r);
    }
}


#endif
