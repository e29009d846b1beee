/* Shape and type inference: misc family (see ir.h, ir_infer_entry).
 *
 * Constant: the output is the `value` tensor attribute, or one of value_float / value_floats / value_int /
 * value_ints (the importer usually turns Constant nodes into constant tensors; this keeps the op runnable). */
#include "ir/ir.h"

#include <string.h>

static dla_status infer_constant(ir_node *n)
{
    ir_tensor *y = n->out[0];
    const ir_attr *a;
    int64_t one = 1;
    if ((a = ir_node_attr(n, "value")) && a->type == IR_ATTR_TENSOR && a->t) {
        y->dtype = a->t->dtype;
        ir_tensor_set_shape(y, a->t->rank, a->t->dims);
    } else if ((a = ir_node_attr(n, "value_float")) && a->type == IR_ATTR_FLOAT) {
        y->dtype = IR_F32;
        ir_tensor_set_shape(y, 0, NULL);
    } else if ((a = ir_node_attr(n, "value_int")) && a->type == IR_ATTR_INT) {
        y->dtype = IR_I64;
        ir_tensor_set_shape(y, 0, NULL);
    } else if ((a = ir_node_attr(n, "value_floats")) && a->type == IR_ATTR_FLOATS) {
        y->dtype = IR_F32;
        one = a->n;
        ir_tensor_set_shape(y, 1, &one);
    } else if ((a = ir_node_attr(n, "value_ints")) && a->type == IR_ATTR_INTS) {
        y->dtype = IR_I64;
        one = a->n;
        ir_tensor_set_shape(y, 1, &one);
    } else {
        return ir_node_error(n, DLA_ERR_UNSUPPORTED,
                             "Constant needs a value, value_float(s) or value_int(s) attribute (sparse and string "
                             "values are not supported)");
    }
    for (int i = 0; i < y->rank; i++)
        y->dim_param[i] = NULL;
    return DLA_OK;
}

const ir_infer_entry ir_infer_misc[] = {
    {IR_OP_Constant, infer_constant, 0, 0, 1, 1},
    {-1, NULL, 0, 0, 0, 0},
};
