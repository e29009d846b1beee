/* Per-node MAC and parameter counts, for `dla info` and the placement report. */
#include "ir/ir.h"

static int64_t prod(const int64_t *d, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p *= d[i];
    return p;
}

int64_t ir_node_macs(const ir_node *n)
{
    if (n->n_in < 2 || !n->in[0] || !n->in[1] || !n->out[0])
        return 0;
    const ir_tensor *x = n->in[0], *w = n->in[1], *y = n->out[0];
    if (!ir_tensor_shape_known(x) || !ir_tensor_shape_known(w) || !ir_tensor_shape_known(y))
        return 0;
    int64_t group = ir_attr_int(n, "group", 1);
    switch (n->op) {
    case IR_OP_Conv: /* out elements x (Cin/group) x kernel */
        if (w->rank < 2)
            return 0;
        return ir_tensor_numel(y) * w->dims[1] * prod(w->dims, 2, w->rank);
    case IR_OP_ConvTranspose: /* every input element meets (Cout/group) x kernel weights */
        if (w->rank < 2)
            return 0;
        return ir_tensor_numel(x) * w->dims[1] * prod(w->dims, 2, w->rank) * (group > 0 ? 1 : 0);
    case IR_OP_Gemm: {
        int64_t k = ir_attr_int(n, "transA", 0) ? x->dims[0] : x->dims[x->rank - 1];
        return ir_tensor_numel(y) * k;
    }
    case IR_OP_MatMul:
        return x->rank ? ir_tensor_numel(y) * x->dims[x->rank - 1] : 0;
    default:
        return 0;
    }
}

int64_t ir_node_params(const ir_node *n)
{
    int64_t p = 0;
    for (int i = 1; i < n->n_in; i++)
        if (n->in[i] && n->in[i]->data_kind == IR_DATA_CONST && ir_dtype_is_float(n->in[i]->dtype))
            p += ir_tensor_numel(n->in[i]);
    return p;
}
