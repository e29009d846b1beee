/* The host executor: runs nodes in topological order, allocating each output just before its producer runs
 * and freeing each intermediate right after its last consumer. Conv chains (Conv -> [Add] -> [Relu|Clip]) run
 * as one fused kernel, and activations that only travel between convolutions stay channels-last (see
 * exec_plan.h). */
#include "host/exec_plan.h"
#include "host/host.h"
#include "ir/pool_geom.h"
#include "kernels/kernels.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* DLA_PROFILE: time per op type (fused chains under their own names) */
typedef struct prof_bucket {
    const char *name;
    double s;
    long calls;
} prof_bucket;
enum { PROF_MAX = 64 };

struct host_exec {
    ir_graph *g;
    host_ctx ctx;
    int *last_use;        /* per tensor: index of the last node reading it, -1 if none */
    unsigned char *owned; /* per tensor: data is a buffer this executor allocated */
    size_t cur_bytes, peak_bytes;
    void (*on_output)(void *user, const ir_node *n); /* host_options.on_output */
    void *user;
    host_fuse *plan;       /* per node (exec_plan.h) */
    unsigned char *nhwc;   /* per tensor: stored channels-last */
    int profile, runs; /* DLA_PROFILE=2 adds per-node lines */
    double *node_s;     /* per node seconds (profile 2) */
    const char **node_impl;
    prof_bucket prof[PROF_MAX];
    int n_prof;
};

dla_status host_ctx_init(host_ctx *ctx, int n_threads)
{
    if (n_threads <= 0)
        n_threads = omp_get_num_procs();
    ctx->n_threads = n_threads;
    ctx->kernel_state = NULL;
    ctx->conv_post = NULL;
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
    x->plan = malloc(sizeof *x->plan * (size_t)(g->n_nodes + 1));
    x->nhwc = calloc((size_t)g->n_tensors + 1, 1);
    if (!x->plan || !x->nhwc) {
        st = base_error(DLA_ERR_NOMEM, "out of memory creating the host executor");
        goto fail;
    }
    /* fusion hides intermediate tensors: off when asked and when an observer wants to see every node */
    const char *nf = getenv("DLA_NO_FUSION"), *prof = getenv("DLA_PROFILE"), *nl = getenv("DLA_NO_NHWC");
    int fuse = !(opt && (opt->no_fusion || opt->on_output)) && !(nf && *nf && strcmp(nf, "0"));
    host_plan_make(g, x->last_use, fuse, !(nl && *nl && strcmp(nl, "0")), x->plan, x->nhwc);
    x->profile = prof && *prof && strcmp(prof, "0") ? (atoi(prof) > 1 ? 2 : 1) : 0;
    if (x->profile > 1) {
        x->node_s = calloc((size_t)g->n_nodes + 1, sizeof(double));
        x->node_impl = calloc((size_t)g->n_nodes + 1, sizeof(char *));
        if (!x->node_s || !x->node_impl)
            x->profile = 1;
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

static const char *chain_name(const host_fuse *p)
{
    static const char *names[2][4] = {{"Conv", "Conv+Relu", "Conv+Clip", "Conv+SiLU"},
                                      {"Conv+Add", "Conv+Add+Relu", "Conv+Add+Clip", "Conv+Add+SiLU"}};
    return names[p->add >= 0][p->act >= 0 ? p->act_kind : 0];
}

/* Logs the DLA_PROFILE totals: per op type, ms per run and share. */
static void profile_report(const host_exec *x)
{
    if (!x->runs || !x->n_prof)
        return;
    dla_log_level lv = base_log_enabled(DLA_LOG_INFO) ? DLA_LOG_INFO : DLA_LOG_WARN;
    double total = 0;
    for (int i = 0; i < x->n_prof; i++)
        total += x->prof[i].s;
    base_log(lv, "profile: %d runs, %.3f ms per run over %d op types (DLA_PROFILE)", x->runs, total * 1e3 / x->runs,
             x->n_prof);
    int order[PROF_MAX];
    for (int i = 0; i < x->n_prof; i++)
        order[i] = i;
    for (int i = 1; i < x->n_prof; i++) /* by time, largest first */
        for (int j = i; j > 0 && x->prof[order[j]].s > x->prof[order[j - 1]].s; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int k = 0; k < x->n_prof; k++) {
        const prof_bucket *b = &x->prof[order[k]];
        base_log(lv, "profile: %-16s %9.3f ms/run %5.1f%% %6ld calls/run", b->name, b->s * 1e3 / x->runs,
                 total > 0 ? 100.0 * b->s / total : 0.0, b->calls / x->runs);
    }
    for (int i = 0; x->profile > 1 && i < x->g->n_nodes; i++) {
        const ir_node *n = x->g->nodes[i];
        if (x->plan[i].fused_into >= 0)
            continue;
        const ir_tensor *in = n->n_in ? n->in[0] : NULL, *f = x->plan[i].final;
        base_log(lv, "profile: node %4d %-14s %8.3f ms/run %s%s %s -> %s", i,
                 n->op == IR_OP_Conv ? chain_name(&x->plan[i]) : ir_op_name(n->op), x->node_s[i] * 1e3 / x->runs,
                 in && x->nhwc[in->id] ? "nhwc" : "plain", f && x->nhwc[f->id] ? "->nhwc" : "->plain",
                 x->node_impl[i] ? x->node_impl[i] : "", f ? f->name : "");
    }
    double rs = k_state_reorder_seconds(x->ctx.kernel_state);
    if (rs > 0)
        base_log(lv, "profile: of which activation reorders around convolutions %.3f ms/run", rs * 1e3 / x->runs);
}

static void profile_add(host_exec *x, const char *name, double s)
{
    int i = 0;
    while (i < x->n_prof && x->prof[i].name != name)
        i++;
    if (i == x->n_prof) {
        if (x->n_prof == PROF_MAX)
            return;
        x->prof[x->n_prof++] = (prof_bucket){name, 0, 0};
    }
    x->prof[i].s += s;
    x->prof[i].calls++;
}

void host_exec_destroy(host_exec *x)
{
    if (!x)
        return;
    if (x->profile)
        profile_report(x);
    if (x->owned)
        release_all(x);
    host_ctx_release(&x->ctx);
    free(x->last_use);
    free(x->owned);
    free(x->plan);
    free(x->nhwc);
    free(x->node_s);
    free(x->node_impl);
    free(x);
}

static dla_status alloc_tensor(host_exec *x, ir_node *n, ir_tensor *t)
{
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
    if (x->cur_bytes > x->peak_bytes)
        x->peak_bytes = x->cur_bytes;
    return DLA_OK;
}

static dla_status alloc_outputs(host_exec *x, ir_node *n)
{
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j])
            BASE_TRY(alloc_tensor(x, n, n->out[j]));
    return DLA_OK;
}

/* Copies t's float32 data; between plain (N, C, H, W) and channels-last storage when the flags differ (4-D). */
static void copy_layout(const ir_tensor *t, const float *src, int src_nhwc, float *dst, int dst_nhwc)
{
    if (src_nhwc == dst_nhwc || t->rank != 4) {
        memcpy(dst, src, ir_tensor_nbytes(t));
        return;
    }
    size_t n = (size_t)t->dims[0], c = (size_t)t->dims[1], sp = (size_t)t->dims[2] * (size_t)t->dims[3];
    for (size_t b = 0; b < n; b++) {
        const float *s = src + b * c * sp;
        float *d = dst + b * c * sp;
#pragma omp parallel for if (c * sp >= 65536) schedule(static)
        for (size_t p = 0; p < sp; p++)
            for (size_t k = 0; k < c; k++) {
                if (src_nhwc)
                    d[k * sp + p] = s[p * c + k];
                else
                    d[p * c + k] = s[k * sp + p];
            }
    }
}


/* Whether the chain planned at Conv c can run fused now: float32 throughout, the addend exactly the Conv's
 * shape (no broadcasting). Shapes are inferred. */
static int chain_fits(const host_exec *x, int c)
{
    const host_fuse *p = &x->plan[c];
    ir_node *conv = x->g->nodes[c];
    const ir_tensor *y = conv->out[0];
    if (y->dtype != IR_F32 || conv->in[0]->dtype != IR_F32 || p->final->dtype != IR_F32)
        return 0;
    if (p->add >= 0) {
        ir_node *a = x->g->nodes[p->add];
        const ir_tensor *o = a->in[p->other];
        if (o->dtype != IR_F32 || o->rank != y->rank || !o->data || a->out[0]->rank != y->rank)
            return 0;
        for (int d = 0; d < y->rank; d++)
            if (o->dims[d] != y->dims[d] || a->out[0]->dims[d] != y->dims[d])
                return 0;
    }
    return p->final->rank == y->rank;
}

/* Runs Conv c with what the plan fused into it. */
static dla_status run_conv_chain(host_exec *x, int c)
{
    host_fuse *p = &x->plan[c];
    ir_graph *g = x->g;
    ir_node *conv = g->nodes[c];
    ir_tensor *y = conv->out[0], *f = p->final;
    int chain[3], n_chain = host_plan_chain(x->plan, c, chain);
    for (int k = 0; k < n_chain; k++)
        BASE_TRY(ir_infer_node(g->nodes[chain[k]]));
    k_conv_post post = {.src_nhwc = x->nhwc[conv->in[0]->id], .dst_nhwc = x->nhwc[f->id]};
    if (!chain_fits(x, c)) {
        ir_tensor *o = p->add >= 0 ? g->nodes[p->add]->in[p->other] : NULL;
        if (post.dst_nhwc || (o && x->nhwc[o->id]))
            return ir_node_error(conv, DLA_ERR_INTERNAL,
                                 "a fused chain no longer fits its channels-last plan (shapes changed since the "
                                 "executor was created?)");
        /* one node at a time, here (the addend and activation inputs are all ready) */
        post.dst_nhwc = 0;
        BASE_TRY(alloc_outputs(x, conv));
        x->ctx.conv_post = post.src_nhwc ? &post : NULL;
        dla_status st = host_exec_node(&x->ctx, conv);
        x->ctx.conv_post = NULL;
        BASE_TRY(st);
        for (int k = 0; k < n_chain; k++) {
            ir_node *n = g->nodes[chain[k]];
            BASE_TRY(alloc_outputs(x, n));
            BASE_TRY(host_exec_node(&x->ctx, n));
        }
        /* the chain's intermediates are read by the chain only */
        release(x, y);
        for (int k = 0; k < n_chain; k++)
            if (g->nodes[chain[k]]->out[0] != f)
                release(x, g->nodes[chain[k]]->out[0]);
        return DLA_OK;
    }
    post.act = p->act >= 0 ? p->act_kind : K_ACT_NONE;
    post.lo = p->lo;
    post.hi = p->hi;
    if (p->add >= 0) {
        ir_tensor *o = g->nodes[p->add]->in[p->other];
        post.sum = 1;
        if (p->inplace && x->owned[o->id] && x->nhwc[o->id] == post.dst_nhwc) {
            /* take the addend's buffer over: the Add was its last reader */
            f->data = o->data;
            f->data_kind = IR_DATA_RUNTIME;
            x->owned[f->id] = 1;
            x->owned[o->id] = 0;
            o->data = NULL;
            o->data_kind = IR_DATA_NONE;
        } else {
            BASE_TRY(alloc_tensor(x, conv, f));
            copy_layout(f, o->data, x->nhwc[o->id], f->data, post.dst_nhwc);
        }
    } else if (f != y) {
        BASE_TRY(alloc_tensor(x, conv, f));
    } else {
        BASE_TRY(alloc_outputs(x, conv));
    }
    /* the Conv writes the chain's buffer through its own output, aliased for the call */
    if (f != y) {
        y->data = f->data;
        y->data_kind = IR_DATA_RUNTIME;
    }
    x->ctx.conv_post = &post;
    dla_status st = host_exec_node(&x->ctx, conv);
    x->ctx.conv_post = NULL;
    if (f != y) {
        y->data = NULL;
        y->data_kind = IR_DATA_NONE;
    }
    return st;
}

/* A MaxPool / GlobalAveragePool on a channels-last input (plan nhwc_op): MaxPool writes channels-last too. */
static dla_status run_nhwc_pool(host_exec *x, ir_node *n)
{
    ir_tensor *in = n->in[0], *out = n->out[0];
    BASE_TRY(alloc_outputs(x, n));
    if (n->op == IR_OP_GlobalAveragePool) {
        k_f32_global_avgpool_nhwc(in->dims[0], in->dims[1], in->dims[2] * in->dims[3], in->data, out->data);
        return DLA_OK;
    }
    ir_pool_geom pg;
    BASE_TRY(ir_pool_geom_get(n, in, &pg));
    k_pool_desc d = {.nsp = 2, .n = in->dims[0], .c = in->dims[1]};
    int ok = pg.nsp == 2;
    for (int i = 0; ok && i < 2; i++) {
        d.in[i] = in->dims[2 + i];
        d.out[i] = out->dims[2 + i];
        d.k[i] = pg.k[i];
        d.stride[i] = pg.s[i];
        d.dil[i] = pg.d[i];
        d.pad_l[i] = pg.pb[i];
        /* the end pad that makes oneDNN's output size ours (ceil_mode may need more than pe) */
        d.pad_r[i] = (d.out[i] - 1) * d.stride[i] + d.dil[i] * (d.k[i] - 1) + 1 - d.in[i] - d.pad_l[i];
        ok = d.pad_r[i] >= 0 && d.pad_l[i] < d.k[i] && d.pad_r[i] < d.k[i];
    }
    if (ok && k_f32_maxpool_nhwc(x->ctx.kernel_state, &d, in->data, out->data) == DLA_OK)
        return DLA_OK;
    base_clear_error();
    /* a window oneDNN refuses: the host's own MaxPool on plain copies */
    size_t bi = ir_tensor_nbytes(in), bo = ir_tensor_nbytes(out);
    float *pin = malloc(bi + 1), *pout = malloc(bo + 1);
    void *keep_in = in->data, *keep_out = out->data;
    dla_status st = pin && pout ? DLA_OK : ir_node_error(n, DLA_ERR_NOMEM, "out of memory for a MaxPool copy");
    if (st == DLA_OK) {
        copy_layout(in, keep_in, 1, pin, 0);
        in->data = pin;
        out->data = pout;
        st = host_exec_node(&x->ctx, n);
        in->data = keep_in;
        out->data = keep_out;
        if (st == DLA_OK)
            copy_layout(out, pout, 0, keep_out, 1);
    }
    free(pin);
    free(pout);
    return st;
}

/* Whether node i runs through run_conv_chain (something fused, or channels-last activations around it). */
static int is_chain(const host_exec *x, int i)
{
    const host_fuse *p = &x->plan[i];
    const ir_node *n = x->g->nodes[i];
    return n->op == IR_OP_Conv && p->fused_into < 0 && p->final &&
           (p->add >= 0 || p->act >= 0 || x->nhwc[p->final->id] || (n->in[0] && x->nhwc[n->in[0]->id]));
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
        const host_fuse *p = &x->plan[i];
        double t0 = x->profile ? omp_get_wtime() : 0;
        dla_status st = DLA_OK;
        if (p->fused_into >= 0) {
            /* ran inside its Conv's chain */
        } else if (p->nhwc_op) {
            st = ir_infer_node(n);
            if (st == DLA_OK)
                st = run_nhwc_pool(x, n);
        } else if (is_chain(x, i)) {
            st = ir_infer_node(n);
            if (st == DLA_OK)
                st = run_conv_chain(x, i);
        } else {
            st = ir_infer_node(n);
            if (st == DLA_OK)
                st = alloc_outputs(x, n);
            if (st == DLA_OK)
                st = host_exec_node(&x->ctx, n);
        }
        if (st != DLA_OK) {
            release_all(x);
            return st;
        }
        if (x->profile && p->fused_into < 0) {
            double dt = omp_get_wtime() - t0;
            profile_add(x, n->op == IR_OP_Conv ? chain_name(p) : ir_op_name(n->op), dt);
            if (x->profile > 1) {
                x->node_s[i] += dt;
                if (n->op == IR_OP_Conv || (n->op == IR_OP_MaxPool && p->nhwc_op))
                    x->node_impl[i] = k_state_last_impl(x->ctx.kernel_state);
            }
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
        if (p->final && p->fused_into < 0 && x->last_use[p->final->id] < 0 && !(p->final->flags & IR_T_OUTPUT))
            release(x, p->final);
    }
    if (x->profile)
        x->runs++;
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
