/* Constant nodes -> constant tensors: the node disappears and its output carries the data. */
#include "onnx/onnx_private.h"

#include <stdio.h>
#include <string.h>

/* A scalar (rank 0) or 1-D constant of dtype from n values at src. */
static dla_status small_const(const onnx_ctx *c, const char *node, ir_tensor *t, ir_dtype dt, int rank,
                              const void *src, size_t n)
{
    int64_t dims[1] = {(int64_t)n};
    if (n > (size_t)IR_MAX_NUMEL)
        return base_error(DLA_ERR_FORMAT, "%s: %s: constant dims too large (%zu values)", c->origin, node, n);
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    dla_status st = ir_tensor_alloc_const(c->g, t);
    if (st != DLA_OK)
        return base_error(st, "%s: %s: cannot allocate the constant", c->origin, node);
    if (n)
        memcpy(t->data, src, n * ir_dtype_size(dt));
    return DLA_OK;
}

dla_status onnx_constant_to_ir(const onnx_ctx *c, const char *node, const Onnx__NodeProto *np, ir_tensor *t)
{
    if (np->n_attribute != 1)
        return base_error(DLA_ERR_FORMAT, "%s: %s: Constant needs exactly one value attribute, it has %zu",
                          c->origin, node, np->n_attribute);
    const Onnx__AttributeProto *ap = np->attribute[0];
    const char *an = ap->name ? ap->name : "";
    Onnx__AttributeProto__AttributeType ty = onnx_attr_type(ap);
    if (strcmp(an, "value") == 0 && ty == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR && ap->t) {
        char what[600];
        snprintf(what, sizeof what, "%s: value", node);
        return onnx_tensor_to_ir(c, ap->t, what, t);
    }
    if (strcmp(an, "value_float") == 0 && ty == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)
        return small_const(c, node, t, IR_F32, 0, &ap->f, 1);
    if (strcmp(an, "value_floats") == 0 && ty == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS)
        return small_const(c, node, t, IR_F32, 1, ap->floats, ap->n_floats);
    if (strcmp(an, "value_int") == 0 && ty == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)
        return small_const(c, node, t, IR_I64, 0, &ap->i, 1);
    if (strcmp(an, "value_ints") == 0 && ty == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)
        return small_const(c, node, t, IR_I64, 1, ap->ints, ap->n_ints);
    if (strcmp(an, "value_string") == 0 || strcmp(an, "value_strings") == 0)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: string constants (%s) are not supported", c->origin, node,
                          an);
    if (strcmp(an, "sparse_value") == 0)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: sparse constants are not supported", c->origin, node);
    return base_error(DLA_ERR_FORMAT, "%s: %s: Constant attribute '%s' (type %d) is not a value form", c->origin,
                      node, an, (int)ty);
}
