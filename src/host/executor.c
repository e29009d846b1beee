/* The host executor: runs nodes in topological order, allocating each output just before its producer runs
 * and freeing each intermediate right after its last consumer. */
#include "host/host.h"
#include "kernels/kernels.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

struct host_exec {
    ir_graph *g;
    host_ctx ctx;
    int *last_use;        /* per tensor: index of the last node reading it, -1 if none */
    unsigned char *owned; /* per tensor: data is a buffer this executor allocated */
    size_t cur_bytes, peak_bytes;
    void (*on_output)(void *user, const ir_node *n); /* host_options.on_output */
    void *user;
};

dla_status host_ctx_init(host_ctx *ctx, int n_threads)
{
    if (n_threads <= 0)
        n_threads = omp_get_num_procs();
    ctx->n_threads = n_threads;
    ctx->kernel_state = NULL;
    return k_state_create(n_threads, (k_state **)&ctx->kernel_state);
}

void host_ctx_release(host_ctx *ctx)
{
    k_state_destroy(ctx->kernel_state);
    ctx->kernel_state = NULL;
}

dla_status host_exec_create(ir_graph *g, const host_options *opt, host_exec **out)
{
    *out = NULL;
    BASE_TRY(ir_graph_toposort(g));
    for (int i = 0; i < g->n_nodes; i++)
        if (!host_op_lookup(g->nodes[i]->op))
            return ir_node_error(g->nodes[i], DLA_ERR_UNSUPPORTED, "the host executor does not implement %s",
                                 ir_op_name(g->nodes[i]->op));
    host_exec *x = calloc(1, sizeof *x);
    if (!x)
        return base_error(DLA_ERR_NOMEM, "out of memory creating the host executor");
    x->g = g;
    x->last_use = malloc(sizeof(int) * (size_t)(g->n_tensors + 1));
    x->owned = calloc((size_t)g->n_tensors + 1, 1);
    dla_status st = DLA_OK;
    if (!x->last_use || !x->owned) {
        st = base_error(DLA_ERR_NOMEM, "out of memory creating the host executor");
        goto fail;
    }
    for (int i = 0; i < g->n_tensors; i++)
        x->last_use[i] = -1;
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i]->n_in; j++)
            if (g->nodes[i]->in[j])
                x->last_use[g->nodes[i]->in[j]->id] = i;
    if (opt) {
        x->on_output = opt->on_output;
        x->user = opt->user;
    }
    st = host_ctx_init(&x->ctx, opt ? opt->n_threads : 0);
    if (st != DLA_OK)
        goto fail;
    *out = x;
    return DLA_OK;
fail:
    host_exec_destroy(x);
    return st;
}

static void release(host_exec *x, ir_tensor *t)
{
    if (x->owned[t->id]) {
        x->cur_bytes -= ir_tensor_nbytes(t);
        free(t->data);
        x->owned[t->id] = 0;
    }
    if (t->data_kind == IR_DATA_RUNTIME) {
        t->data = NULL;
        t->data_kind = IR_DATA_NONE;
    }
}

/* Frees every buffer of the last run; graph inputs keep the caller's binding. */
static void release_all(host_exec *x)
{
    for (int i = 0; i < x->g->n_tensors; i++)
        if (!(x->g->tensors[i]->flags & IR_T_INPUT))
            release(x, x->g->tensors[i]);
}

void host_exec_destroy(host_exec *x)
{
    if (!x)
        return;
    if (x->owned)
        release_all(x);
    host_ctx_release(&x->ctx);
    free(x->last_use);
    free(x->owned);
    free(x);
}

static dla_status alloc_outputs(host_exec *x, ir_node *n)
{
    for (int j = 0; j < n->n_out; j++) {
        ir_tensor *t = n->out[j];
        if (!t)
            continue;
        if (t->rank < 0 || !ir_tensor_shape_known(t) || !ir_dtype_size(t->dtype))
            return ir_node_error(n, DLA_ERR_INTERNAL, "output '%s' has no known shape or type after inference",
                                 t->name);
        size_t bytes = ir_tensor_nbytes(t);
        t->data = malloc(bytes ? bytes : 1);
        if (!t->data)
            return ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate %zu bytes for output '%s'", bytes, t->name);
        t->data_kind = IR_DATA_RUNTIME;
        x->owned[t->id] = 1;
        x->cur_bytes += bytes;
    }
    if (x->cur_bytes > x->peak_bytes)
        x->peak_bytes = x->cur_bytes;
    return DLA_OK;
}

dla_status host_exec_run(host_exec *x)
{
    ir_graph *g = x->g;
    release_all(x);
    x->cur_bytes = x->peak_bytes = 0;
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = g->inputs[i];
        if (!t->data)
            return base_error(DLA_ERR_INVALID_ARG, "graph input '%s' has no data bound", t->name);
    }
    omp_set_num_threads(x->ctx.n_threads);
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        dla_status st = ir_infer_node(n);
        if (st == DLA_OK)
            st = alloc_outputs(x, n);
        if (st == DLA_OK)
            st = host_exec_node(&x->ctx, n);
        if (st != DLA_OK) {
            release_all(x);
            return st;
        }
        if (x->on_output)
            x->on_output(x->user, n);
        for (int j = 0; j < n->n_in; j++) {
            ir_tensor *t = n->in[j];
            if (t && x->last_use[t->id] == i && !(t->flags & IR_T_OUTPUT))
                release(x, t);
        }
        /* outputs nobody reads (e.g. an unused Dropout mask) go at once */
        for (int j = 0; j < n->n_out; j++) {
            ir_tensor *t = n->out[j];
            if (t && x->last_use[t->id] < 0 && !(t->flags & IR_T_OUTPUT))
                release(x, t);
        }
    }
    return DLA_OK;
}

void *host_exec_take_output(host_exec *x, int i)
{
    if (i < 0 || i >= x->g->n_outputs)
        return NULL;
    ir_tensor *t = x->g->outputs[i];
    if (!t->data)
        return NULL;
    if (x->owned[t->id]) {
        void *p = t->data;
        x->owned[t->id] = 0;
        x->cur_bytes -= ir_tensor_nbytes(t);
        t->data = NULL;
        t->data_kind = IR_DATA_NONE;
        return p;
    }
    /* a constant or an input passed straight through: hand out a copy */
    size_t bytes = ir_tensor_nbytes(t);
    void *p = malloc(bytes ? bytes : 1);
    if (p)
        memcpy(p, t->data, bytes);
    return p;
}

size_t host_exec_peak_bytes(const host_exec *x) { return x->peak_bytes; }
