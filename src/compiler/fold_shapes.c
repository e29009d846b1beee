/* Shape/Size of static shapes -> constants, then constant folding of what they feed (see fold_shapes.h).
 * Exported models often compute Reshape targets and Slice bounds from Shape(x) (torch's x.view(x.size(0), -1),
 * channel shuffles, Paddle's flatten): with static input shapes that arithmetic is build-time work, and leaving
 * it in the graph would leave the shapes after it unknown, which the DLA cannot run. */
#include "compiler/fold_shapes.h"
#include "host/host.h"

static int foldable_shape_node(const ir_node *n)
{
    return (n->op == IR_OP_Shape || n->op == IR_OP_Size) && n->n_in >= 1 && n->in[0] && n->n_out >= 1 &&
           n->out[0] && ir_tensor_shape_known(n->in[0]);
}

static dla_status refresh(ir_graph *g)
{
    BASE_TRY(ir_graph_toposort(g));
    for (int i = 0; i < g->n_nodes; i++)
        if (ir_infer_lookup(g->nodes[i]->op))
            BASE_TRY(ir_infer_node(g->nodes[i]));
    return DLA_OK;
}

dla_status cc_fold_static_shapes(ir_graph *g, int *n_folded)
{
    if (n_folded)
        *n_folded = 0;
    host_ctx ctx;
    BASE_TRY(host_ctx_init(&ctx, 1));
    dla_status st = DLA_OK;
    int folded = 0, more = 0;
    for (int i = 0; i < g->n_nodes && st == DLA_OK; i++) {
        ir_node *n = g->nodes[i];
        if (!n || !foldable_shape_node(n))
            continue;
        st = ir_infer_node(n);
        if (st != DLA_OK || !ir_tensor_shape_known(n->out[0]))
            continue;
        st = ir_tensor_alloc_const(g, n->out[0]);
        if (st == DLA_OK)
            st = host_fold_compute(&ctx, n);
        if (st != DLA_OK)
            break;
        n->out[0]->producer = NULL;
        g->nodes[i] = NULL;
        folded++;
    }
    if (folded && st == DLA_OK) {
        ir_graph_compact(g);
        st = ir_graph_link(g);
        if (st == DLA_OK)
            st = ir_graph_fold(g, host_fold_compute, &ctx, &more);
        if (st == DLA_OK)
            st = refresh(g);
    }
    host_ctx_release(&ctx);
    if (st == DLA_OK && folded)
        base_log(DLA_LOG_INFO, "fold-static-shapes: %d Shape/Size node(s) and %d node(s) after them", folded, more);
    if (n_folded)
        *n_folded = folded + more;
    return st;
}
