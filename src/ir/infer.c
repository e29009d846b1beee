/* Shape-inference dispatch: one table per op family, merged into a lookup by op on first use. */
#include "ir/ir.h"

#include <pthread.h>

static const ir_infer_entry *const families[] = {
    ir_infer_elementwise, ir_infer_nn, ir_infer_norm_pool, ir_infer_reduce, ir_infer_shape, ir_infer_misc,
};

static const ir_infer_entry *by_op[IR_OP_COUNT];
static pthread_once_t by_op_once = PTHREAD_ONCE_INIT;

static void build_lookup(void)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const ir_infer_entry *e = families[f]; e->op >= 0; e++)
            if (e->op < IR_OP_COUNT && !by_op[e->op])
                by_op[e->op] = e;
}

const ir_infer_entry *ir_infer_lookup(ir_op op)
{
    pthread_once(&by_op_once, build_lookup);
    return (int)op >= 0 && (int)op < IR_OP_COUNT ? by_op[op] : NULL;
}

dla_status ir_infer_node(ir_node *n)
{
    const ir_infer_entry *e = ir_infer_lookup(n->op);
    if (!e)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "no shape inference for op %s", ir_op_name(n->op));
    if (n->n_in < e->min_in || (e->max_in >= 0 && n->n_in > e->max_in))
        return ir_node_error(n, DLA_ERR_FORMAT, "has %d inputs; %s takes %d to %d", n->n_in, ir_op_name(n->op),
                             e->min_in, e->max_in);
    for (int i = 0; i < e->min_in; i++)
        if (!n->in[i])
            return ir_node_error(n, DLA_ERR_FORMAT, "required input %d is missing", i);
    if (n->n_out < e->min_out || (e->max_out >= 0 && n->n_out > e->max_out))
        return ir_node_error(n, DLA_ERR_FORMAT, "has %d outputs; %s produces %d to %d", n->n_out,
                             ir_op_name(n->op), e->min_out, e->max_out);
    for (int i = 0; i < e->min_out; i++)
        if (!n->out[i])
            return ir_node_error(n, DLA_ERR_FORMAT, "required output %d is unnamed", i);
    return e->fn(n);
}

dla_status ir_graph_infer(ir_graph *g)
{
    for (int i = 0; i < g->n_nodes; i++)
        BASE_TRY(ir_infer_node(g->nodes[i]));
    return DLA_OK;
}
