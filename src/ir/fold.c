/* Constant folding: nodes whose inputs are all constants are computed once, at build time. */
#include "ir/ir.h"

static int foldable(const ir_node *n)
{
    int any_input = 0;
    for (int i = 0; i < n->n_in; i++) {
        if (!n->in[i])
            continue;
        if (n->in[i]->data_kind != IR_DATA_CONST)
            return 0;
        any_input = 1;
    }
    return any_input;
}

dla_status ir_graph_fold(ir_graph *g, ir_compute_fn compute, void *user, int *n_folded)
{
    int folded = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!foldable(n))
            continue;
        BASE_TRY(ir_infer_node(n));
        int ok = 1;
        for (int j = 0; j < n->n_out && ok; j++)
            ok = !n->out[j] || (ir_tensor_shape_known(n->out[j]) && ir_dtype_size(n->out[j]->dtype));
        if (!ok)
            continue;
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j])
                BASE_TRY(ir_tensor_alloc_const(g, n->out[j]));
        BASE_TRY(compute(user, n));
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j])
                n->out[j]->producer = NULL;
        g->nodes[i] = NULL;
        folded++;
    }
    ir_graph_compact(g);
    if (n_folded)
        *n_folded = folded;
    return ir_graph_link(g);
}
