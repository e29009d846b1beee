/* split-to-slice: Split becomes one Slice per output (the DLA runs Slice on the BDMA; TensorRT's parser does the
 * same). Each Slice, named "<split>/slice<i>", has constant starts/ends/axes inputs (the opset-13 form) and writes
 * the Split's output i, so output names stay. Outputs nobody reads get no Slice. Conditions: the input and every
 * output have static shapes (the split sizes come from the inferred output shapes, whatever form — attribute,
 * input, equal parts or num_outputs — gave them). */
#include "compiler/rw_lower.h"

#include <stdio.h>

static int plan(const ir_node *n, int *axis)
{
    const ir_tensor *x = n->in[0];
    if (!x || !lw_known(x) || x->rank < 1 || n->n_out < 1)
        return 0;
    int64_t a = ir_attr_int(n, "axis", 0);
    if (a < 0)
        a += x->rank;
    if (a < 0 || a >= x->rank)
        return 0;
    int64_t total = 0;
    for (int i = 0; i < n->n_out; i++) {
        const ir_tensor *y = n->out[i];
        if (!y || !lw_known(y) || y->rank != x->rank)
            return 0;
        total += y->dims[a];
    }
    *axis = (int)a;
    return total == x->dims[a];
}

static dla_status rewrite(ir_graph *g, ir_node *n, int axis)
{
    int64_t start = 0, ax = axis;
    char name[256], base[256];
    for (int i = 0; i < n->n_out; i++) {
        ir_tensor *y = n->out[i];
        int64_t end = start + y->dims[axis];
        if ((y->flags & IR_T_OUTPUT) || lw_uses(g, y)) {
            ir_node *s;
            ir_tensor *ts, *te, *ta;
            snprintf(name, sizeof name, "%.200s/slice%d", n->name, i);
            snprintf(base, sizeof base, "%s/starts", name);
            BASE_TRY(lw_const_i64(g, base, 1, &start, &ts));
            snprintf(base, sizeof base, "%s/ends", name);
            BASE_TRY(lw_const_i64(g, base, 1, &end, &te));
            snprintf(base, sizeof base, "%s/axes", name);
            BASE_TRY(lw_const_i64(g, base, 1, &ax, &ta));
            BASE_TRY(lw_node(g, IR_OP_Slice, name, 4, 1, n, 13, &s));
            s->in[0] = n->in[0];
            s->in[1] = ts;
            s->in[2] = te;
            s->in[3] = ta;
            s->out[0] = y;
            BASE_TRY(ir_infer_node(s));
        }
        start = end;
    }
    lw_remove(g, n);
    return DLA_OK;
}

dla_status lw_pass_split_to_slice(ir_graph *g, int *n_changed)
{
    int changed = 0;
    int count = g->n_nodes; /* the new Slices need no visit */
    for (int i = 0; i < count; i++) {
        ir_node *n = g->nodes[i];
        int axis;
        if (!n || n->op != IR_OP_Split || !plan(n, &axis))
            continue;
        BASE_TRY(rewrite(g, n, axis));
        changed++;
    }
    *n_changed = changed;
    return DLA_OK;
}
