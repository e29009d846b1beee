/* fold-constants: what DLA-SW's table calls "can be inferred at build time". Shape and Size of a tensor whose
 * shape is static become constants, and so does every node whose inputs are all constants (computed by the host
 * executor, bit-exact) — so the shape arithmetic exporters emit for x.size() (Shape -> Gather -> Div -> Concat ->
 * Reshape, e.g. ShuffleNet's channel shuffle) collapses into a Reshape with a constant shape. A node that
 * writes a graph output stays (the output keeps a producer). */
#include "compiler/rw_lower.h"

static int static_shape(const ir_tensor *t)
{
    if (!lw_known(t))
        return 0;
    for (int i = 0; i < t->rank; i++)
        if (t->dims[i] < 0)
            return 0;
    return 1;
}

static int foldable(const ir_node *n)
{
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j] && (n->out[j]->flags & IR_T_OUTPUT))
            return 0;
    if (!host_op_lookup(n->op))
        return 0;
    if ((n->op == IR_OP_Shape || n->op == IR_OP_Size) && n->n_in == 1 && n->in[0])
        return static_shape(n->in[0]);
    int any = 0;
    for (int i = 0; i < n->n_in; i++) {
        if (!n->in[i])
            continue;
        if (!lw_is_const(n->in[i]))
            return 0;
        any = 1;
    }
    return any;
}

dla_status lw_pass_fold_constants(ir_graph *g, int *n_changed)
{
    int changed = 0;
    host_ctx ctx;
    int have_ctx = 0;
    dla_status st = DLA_OK;
    for (int i = 0; i < g->n_nodes && st == DLA_OK; i++) {
        ir_node *n = g->nodes[i];
        if (!n || !foldable(n))
            continue;
        if (!have_ctx) {
            st = host_ctx_init(&ctx, 1);
            if (st != DLA_OK)
                break;
            have_ctx = 1;
        }
        st = lw_fold(g, &ctx, n);
        changed += st == DLA_OK;
    }
    if (have_ctx)
        host_ctx_release(&ctx);
    *n_changed = changed;
    return st;
}
