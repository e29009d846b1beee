/* Host FP32 executor: misc family (see host.h, host_op_entry) — Constant: copies its value attribute (the
 * tensor, or value_float(s) / value_int(s)) into the output inferred by infer_misc.c. */
#include "host/host.h"

#include <string.h>

static dla_status exec_constant(host_ctx *ctx, ir_node *n)
{
    ir_tensor *y = n->out[0];
    const ir_attr *a;
    size_t bytes = ir_tensor_nbytes(y);
    if ((a = ir_node_attr(n, "value")) && a->type == IR_ATTR_TENSOR && a->t) {
        if (!a->t->data || ir_tensor_nbytes(a->t) != bytes)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "the value tensor has no data of %zu bytes", bytes);
        memcpy(y->data, a->t->data, bytes);
    } else if ((a = ir_node_attr(n, "value_float")) && a->type == IR_ATTR_FLOAT) {
        memcpy(y->data, &a->f, sizeof(float));
    } else if ((a = ir_node_attr(n, "value_int")) && a->type == IR_ATTR_INT) {
        memcpy(y->data, &a->i, sizeof(int64_t));
    } else if ((a = ir_node_attr(n, "value_floats")) && a->type == IR_ATTR_FLOATS) {
        if (a->n)
            memcpy(y->data, a->floats, sizeof(float) * (size_t)a->n);
    } else if ((a = ir_node_attr(n, "value_ints")) && a->type == IR_ATTR_INTS) {
        if (a->n)
            memcpy(y->data, a->ints, sizeof(int64_t) * (size_t)a->n);
    } else {
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "Constant has no supported value attribute");
    }
    return DLA_OK;
}

const host_op_entry host_ops_misc[] = {
    {IR_OP_Constant, exec_constant},
    {-1, NULL},
};
