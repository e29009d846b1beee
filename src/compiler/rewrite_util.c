/* Small graph-surgery helpers shared by the rewrite passes. */
#include "compiler/cc.h"

#include <string.h>

ir_node *cc_single_consumer(const ir_graph *g, const ir_tensor *t)
{
    if (t->flags & IR_T_OUTPUT)
        return NULL;
    ir_node *found = NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n)
            continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] == t) {
                if (found && found != n)
                    return NULL;
                found = n;
            }
    }
    return found;
}

dla_status cc_bypass_node(ir_graph *g, ir_node *n, ir_tensor *replacement)
{
    ir_tensor *old = n->out[0];
    if (old->flags & IR_T_OUTPUT)
        return ir_node_error(n, DLA_ERR_INTERNAL, "cannot bypass: output '%s' is a graph output", old->name);
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *c = g->nodes[i];
        if (!c || c == n)
            continue;
        for (int j = 0; j < c->n_in; j++)
            if (c->in[j] == old)
                c->in[j] = replacement;
    }
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i] == n)
            g->nodes[i] = NULL;
    return DLA_OK;
}

dla_status cc_new_const_f32(ir_graph *g, const char *base, int rank, const int64_t *dims, ir_tensor **out)
{
    ir_tensor *t;
    BASE_TRY(ir_graph_new_tensor(g, base, &t));
    t->dtype = IR_F32;
    ir_tensor_set_shape(t, rank, dims);
    BASE_TRY(ir_tensor_alloc_const(g, t));
    *out = t;
    return DLA_OK;
}
