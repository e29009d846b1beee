/* The host executor's fusion and layout plan (see exec_plan.h). Purely structural: the executor re-checks
 * types and shapes when a chain runs and runs the nodes one by one when they do not fit. */
#include "host/exec_plan.h"
#include "kernels/kernels.h"

#include <math.h>
#include <stdlib.h>

/* The one node reading t (t read once, by one node), or NULL. */
static ir_node *sole_reader(const ir_graph *g, const ir_tensor *t, const int *last_use)
{
    if (!t || t->n_consumers != 1 || (t->flags & IR_T_OUTPUT) || last_use[t->id] < 0)
        return NULL;
    ir_node *r = g->nodes[last_use[t->id]];
    int reads = 0;
    for (int j = 0; j < r->n_in; j++)
        reads += r->in[j] == t;
    return reads == 1 ? r : NULL;
}

/* A scalar float bound from a constant input, or dflt when absent; 0 when present but not a constant. */
static int const_bound(const ir_node *n, int i, float dflt, float *out)
{
    *out = dflt;
    if (i >= n->n_in || !n->in[i])
        return 1;
    const ir_tensor *t = n->in[i];
    if (t->data_kind != IR_DATA_CONST || !t->data || ir_tensor_numel(t) != 1 || !ir_dtype_is_float(t->dtype))
        return 0;
    *out = (float)ir_get_f64(t->dtype, t->data, 0);
    return 1;
}

/* Whether n is an activation the Conv can take as a post-op; fills kind and bounds. */
static int activation(const ir_node *n, int *kind, float *lo, float *hi)
{
    if (n->op == IR_OP_Relu && n->n_in == 1 && n->n_out == 1) {
        *kind = K_ACT_RELU;
        return 1;
    }
    if (n->op != IR_OP_Clip || n->n_out != 1)
        return 0;
    if (n->opset < 11) {
        *lo = ir_attr_float(n, "min", -INFINITY);
        *hi = ir_attr_float(n, "max", INFINITY);
    } else if (!const_bound(n, 1, -INFINITY, lo) || !const_bound(n, 2, INFINITY, hi)) {
        return 0;
    }
    if (!(*lo <= *hi))
        return 0;
    *kind = K_ACT_CLIP;
    return 1;
}

/* Conv output y read by exactly Sigmoid(y) and Mul(y, Sigmoid(y)) (either order): fuses both as swish. */
static int plan_swish(const ir_graph *g, const int *first_use, const int *last_use, int c, host_fuse *plan)
{
    const ir_tensor *y = g->nodes[c]->out[0];
    if (y->n_consumers != 2 || (y->flags & IR_T_OUTPUT) || first_use[y->id] < 0 ||
        first_use[y->id] == last_use[y->id])
        return 0;
    ir_node *s = g->nodes[first_use[y->id]], *m = g->nodes[last_use[y->id]];
    if (s->op != IR_OP_Sigmoid || s->n_in != 1 || s->n_out != 1 || !s->out[0] ||
        sole_reader(g, s->out[0], last_use) != m || m->op != IR_OP_Mul || m->n_in != 2 || m->n_out != 1 ||
        !m->out[0] || plan[s->id].fused_into >= 0 || plan[m->id].fused_into >= 0)
        return 0;
    if (!((m->in[0] == y && m->in[1] == s->out[0]) || (m->in[1] == y && m->in[0] == s->out[0])))
        return 0;
    host_fuse *p = &plan[c];
    p->act = m->id;
    p->act2 = s->id;
    p->act_kind = K_ACT_SWISH;
    plan[m->id].fused_into = plan[s->id].fused_into = c;
    p->final = m->out[0];
    return 1;
}

int host_plan_chain(const host_fuse *plan, int c, int *nodes)
{
    int k = 0, cand[3] = {plan[c].add, plan[c].act2, plan[c].act};
    for (int i = 0; i < 3; i++)
        if (cand[i] >= 0)
            nodes[k++] = cand[i];
    for (int i = 1; i < k; i++) /* graph order */
        for (int j = i; j > 0 && nodes[j] < nodes[j - 1]; j--) {
            int t = nodes[j];
            nodes[j] = nodes[j - 1];
            nodes[j - 1] = t;
        }
    return k;
}

static void plan_conv(const ir_graph *g, const int *first_use, const int *last_use, int c, host_fuse *plan)
{
    ir_node *conv = g->nodes[c];
    host_fuse *p = &plan[c];
    p->final = conv->out[0];
    if (plan_swish(g, first_use, last_use, c, plan))
        return;
    ir_node *u = sole_reader(g, conv->out[0], last_use);
    if (!u || plan[u->id].fused_into >= 0)
        return;
    if (u->op == IR_OP_Add && u->n_in == 2 && u->n_out == 1 && u->in[0] && u->in[1] && u->out[0]) {
        int slot = u->in[0] == conv->out[0] ? 1 : 0;
        const ir_tensor *o = u->in[slot];
        /* the addend must be ready when the Conv runs */
        if (o->producer && o->producer->id >= c)
            return;
        /* an addend known to broadcast is no sum post-op (unknown shapes are checked when the chain runs) */
        const ir_tensor *y = conv->out[0];
        if (ir_tensor_shape_known(o) && ir_tensor_shape_known(y)) {
            int same = o->rank == y->rank;
            for (int d = 0; same && d < y->rank; d++)
                same = o->dims[d] == y->dims[d];
            if (!same)
                return;
        }
        p->add = u->id;
        p->other = slot;
        plan[u->id].fused_into = c;
        p->final = u->out[0];
        /* in place: the Add is the addend's last reader and nothing from the Conv on reads it before */
        int clear = !(o->flags & (IR_T_OUTPUT | IR_T_INPUT)) && o->data_kind != IR_DATA_CONST &&
                    last_use[o->id] == u->id;
        for (int k = c; clear && k < u->id; k++)
            for (int j = 0; j < g->nodes[k]->n_in; j++)
                clear &= g->nodes[k]->in[j] != o;
        p->inplace = clear;
        u = sole_reader(g, u->out[0], last_use);
        if (!u || plan[u->id].fused_into >= 0)
            return;
    }
    float lo = 0, hi = 0;
    int kind = K_ACT_NONE;
    if (u->out[0] && activation(u, &kind, &lo, &hi)) {
        p->act = u->id;
        p->act_kind = kind;
        p->lo = lo;
        p->hi = hi;
        plan[u->id].fused_into = c;
        p->final = u->out[0];
    }
}

/* Whether node n could run channels-last: a 2-D float32 MaxPool without Indices whose shapes are static, or a
 * GlobalAveragePool on a 4-D float32 input. */
static int pool_candidate(const ir_node *n)
{
    const ir_tensor *x = n->n_in ? n->in[0] : NULL, *y = n->n_out ? n->out[0] : NULL;
    if (!x || !y || x->rank != 4 || x->dtype != IR_F32 || !ir_tensor_shape_known(x) || !ir_tensor_shape_known(y))
        return 0;
    if (n->op == IR_OP_GlobalAveragePool)
        return 1;
    int nd = 0;
    const int64_t *dil = ir_attr_ints(n, "dilations", &nd);
    for (int i = 0; i < nd; i++)
        if (dil[i] != 1) /* oneDNN has only its reference for dilated pooling: the host's own is faster */
            return 0;
    return n->op == IR_OP_MaxPool && (n->n_out == 1 || !n->out[1]) && y->rank == 4;
}

/* Marks in ok[] (per tensor) whether every reader of the tensor can take channels-last data: Convs (data
 * input), fused Adds (addend) and channels-last pools. One pass over the graph. */
static void readers_ok(const ir_graph *g, const host_fuse *plan, unsigned char *ok)
{
    for (int i = 0; i < g->n_tensors; i++)
        ok[i] = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        for (int j = 0; j < n->n_in; j++) {
            if (!n->in[j])
                continue;
            int fine = (n->op == IR_OP_Conv && j == 0 && n->in[1] && n->in[1]->rank == 4) ||
                       (plan[i].fused_into >= 0 && n->op == IR_OP_Add && plan[plan[i].fused_into].add == i &&
                        plan[plan[i].fused_into].other == j) ||
                       (plan[i].nhwc_op && j == 0);
            if (!fine)
                ok[n->in[j]->id] = 0;
        }
    }
}

/* Whether t can live channels-last: a static 4-D float32 intermediate that someone reads, all readers fine. */
static int nhwc_candidate(const ir_tensor *t, const unsigned char *ok)
{
    return t->rank == 4 && ir_tensor_shape_known(t) && t->dtype == IR_F32 &&
           !(t->flags & (IR_T_OUTPUT | IR_T_INPUT)) && t->n_consumers >= 1 && ok[t->id];
}

void host_plan_make(const ir_graph *g, const int *last_use, int fuse, int nhwc_ok, host_fuse *plan,
                    unsigned char *nhwc)
{
    for (int i = 0; i < g->n_nodes; i++)
        plan[i] = (host_fuse){.fused_into = -1, .add = -1, .act = -1, .act2 = -1,
                              .final = g->nodes[i]->n_out > 0 ? g->nodes[i]->out[0] : NULL};
    for (int i = 0; i < g->n_tensors; i++)
        nhwc[i] = 0;
    if (!fuse)
        return;
    int *first_use = malloc(sizeof(int) * ((size_t)g->n_tensors + 1));
    if (!first_use) /* fusion is an optimisation: without memory for the plan, none */
        return;
    for (int i = 0; i < g->n_tensors; i++)
        first_use[i] = -1;
    for (int i = g->n_nodes - 1; i >= 0; i--)
        for (int j = 0; j < g->nodes[i]->n_in; j++)
            if (g->nodes[i]->in[j])
                first_use[g->nodes[i]->in[j]->id] = i;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        if (n->op == IR_OP_Conv && n->n_out == 1 && n->out[0] && plan[i].fused_into < 0)
            plan_conv(g, first_use, last_use, i, plan);
    }
    free(first_use);
    if (!nhwc_ok)
        return;
    unsigned char *ok = malloc((size_t)g->n_tensors + 1);
    if (!ok) /* channels-last is an optimisation: without memory for the plan, none */
        return;
    for (int i = 0; i < g->n_nodes; i++)
        plan[i].nhwc_op = pool_candidate(g->nodes[i]);
    /* a MaxPool runs channels-last only with both sides so: drop the pools whose sides are not, and the
     * tensors that relied on them, until nothing changes */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < g->n_tensors; i++)
            nhwc[i] = 0;
        readers_ok(g, plan, ok);
        for (int i = 0; i < g->n_nodes; i++) {
            const ir_node *n = g->nodes[i];
            const ir_tensor *f = plan[i].final;
            int produces = (n->op == IR_OP_Conv && n->n_out == 1 && f && plan[i].fused_into < 0 && n->in[0] &&
                            n->in[0]->rank == 4 && n->in[0]->dtype == IR_F32) ||
                           (n->op == IR_OP_MaxPool && plan[i].nhwc_op);
            if (produces && nhwc_candidate(f, ok))
                nhwc[f->id] = 1;
        }
        for (int i = 0; i < g->n_nodes; i++) {
            const ir_node *n = g->nodes[i];
            if (plan[i].nhwc_op && !(nhwc[n->in[0]->id] && (n->op != IR_OP_MaxPool || nhwc[n->out[0]->id]))) {
                plan[i].nhwc_op = 0;
                changed = 1;
            }
        }
    }
    free(ok);
}
