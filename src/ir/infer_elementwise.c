/* Shape and type inference: elementwise family (see ir.h, ir_infer_entry).
 *
 * Unary ops keep their input's type and shape; binary and variadic ops broadcast numpy-style (a symbolic dim
 * keeps its name when the inputs agree on it); comparisons and logic give bool; Cast, CastLike, QuantizeLinear
 * and DequantizeLinear change only the type. */
#include "ir/ir.h"

#include <string.h>

static void copy_shape(ir_tensor *dst, const ir_tensor *src)
{
    if (src->rank < 0) {
        dst->rank = -1;
        return;
    }
    ir_tensor_set_shape(dst, src->rank, src->dims);
    for (int i = 0; i < src->rank; i++)
        dst->dim_param[i] = src->dim_param[i];
}

/* Broadcasts the non-NULL inputs in[first..n_in) into out's shape (rank -1 when any input rank is unknown). */
static dla_status broadcast_inputs(ir_node *n, int first, ir_tensor *out)
{
    int rank = 0;
    int64_t dims[IR_MAX_RANK] = {0};
    const char *params[IR_MAX_RANK] = {0};
    for (int k = first; k < n->n_in; k++) {
        const ir_tensor *t = n->in[k];
        if (!t)
            continue;
        if (t->rank < 0) {
            out->rank = -1;
            return DLA_OK;
        }
        if (t->rank > IR_MAX_RANK)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input %d has rank %d; the limit is %d", k, t->rank,
                                 IR_MAX_RANK);
        int64_t nd[IR_MAX_RANK];
        int nr;
        BASE_TRY(ir_broadcast(n, rank, dims, t->rank, t->dims, &nr, nd));
        /* carry symbolic names: right-align the input's dims against the result */
        const char *np[IR_MAX_RANK] = {0};
        for (int i = 0; i < nr; i++) {
            int ia = i - (nr - rank), ib = i - (nr - t->rank);
            const char *pa = ia >= 0 ? params[ia] : NULL, *pb = ib >= 0 ? t->dim_param[ib] : NULL;
            if (nd[i] < 0)
                np[i] = pa ? pa : pb;
        }
        rank = nr;
        memcpy(dims, nd, sizeof(int64_t) * (size_t)nr);
        memcpy(params, np, sizeof params);
    }
    ir_tensor_set_shape(out, rank, dims);
    for (int i = 0; i < rank; i++)
        out->dim_param[i] = params[i];
    return DLA_OK;
}

/* All non-NULL inputs in[first..last] must share one type (when known); returns it (UNDEFINED if none known). */
static dla_status same_types(ir_node *n, int first, int last, ir_dtype *out)
{
    ir_dtype t = IR_UNDEFINED;
    int at = -1;
    for (int k = first; k <= last && k < n->n_in; k++) {
        if (!n->in[k] || n->in[k]->dtype == IR_UNDEFINED)
            continue;
        if (t == IR_UNDEFINED) {
            t = n->in[k]->dtype;
            at = k;
        } else if (n->in[k]->dtype != t) {
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "input %d is %s but input %d is %s; the types must match",
                                 at, ir_dtype_name(t), k, ir_dtype_name(n->in[k]->dtype));
        }
    }
    *out = t;
    return DLA_OK;
}

static dla_status infer_unary(ir_node *n)
{
    n->out[0]->dtype = n->in[0]->dtype;
    copy_shape(n->out[0], n->in[0]);
    return DLA_OK;
}

static dla_status infer_not(ir_node *n)
{
    if (n->in[0]->dtype != IR_UNDEFINED && n->in[0]->dtype != IR_BOOL)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input is %s; Not takes bool", ir_dtype_name(n->in[0]->dtype));
    return infer_unary(n);
}

static dla_status infer_clip(ir_node *n)
{
    ir_dtype t = IR_UNDEFINED;
    BASE_TRY(same_types(n, 0, 2, &t));
    return infer_unary(n);
}

static dla_status infer_dropout(ir_node *n)
{
    BASE_TRY(infer_unary(n));
    if (n->n_out > 1 && n->out[1]) {
        n->out[1]->dtype = IR_BOOL;
        copy_shape(n->out[1], n->in[0]);
    }
    return DLA_OK;
}

/* Add, Sub, Mul, Div, Mod, Max, Min, Sum, Mean: one type, broadcast shapes. */
static dla_status infer_arith(ir_node *n)
{
    ir_dtype t = IR_UNDEFINED;
    BASE_TRY(same_types(n, 0, n->n_in - 1, &t));
    n->out[0]->dtype = t;
    return broadcast_inputs(n, 0, n->out[0]);
}

/* Pow: base and exponent may differ in type; the result has the base's. */
static dla_status infer_pow(ir_node *n)
{
    n->out[0]->dtype = n->in[0]->dtype;
    return broadcast_inputs(n, 0, n->out[0]);
}

static dla_status infer_compare(ir_node *n)
{
    ir_dtype t = IR_UNDEFINED;
    BASE_TRY(same_types(n, 0, 1, &t));
    n->out[0]->dtype = IR_BOOL;
    return broadcast_inputs(n, 0, n->out[0]);
}

static dla_status infer_logic(ir_node *n)
{
    for (int k = 0; k < 2; k++)
        if (n->in[k]->dtype != IR_UNDEFINED && n->in[k]->dtype != IR_BOOL)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "input %d is %s; %s takes bool", k,
                                 ir_dtype_name(n->in[k]->dtype), ir_op_name(n->op));
    n->out[0]->dtype = IR_BOOL;
    return broadcast_inputs(n, 0, n->out[0]);
}

static dla_status infer_where(ir_node *n)
{
    if (n->in[0]->dtype != IR_UNDEFINED && n->in[0]->dtype != IR_BOOL)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "condition is %s; Where takes bool",
                             ir_dtype_name(n->in[0]->dtype));
    ir_dtype t = IR_UNDEFINED;
    BASE_TRY(same_types(n, 1, 2, &t));
    n->out[0]->dtype = t;
    return broadcast_inputs(n, 0, n->out[0]);
}

/* PRelu: the slope broadcasts to X (one direction), so the result has X's shape. A 1-D slope of X's channel
 * count that does not broadcast numpy-style is taken per channel (axis 1), as older exporters meant it. */
static dla_status infer_prelu(ir_node *n)
{
    const ir_tensor *x = n->in[0], *s = n->in[1];
    ir_dtype t = IR_UNDEFINED;
    BASE_TRY(same_types(n, 0, 1, &t));
    n->out[0]->dtype = x->dtype;
    copy_shape(n->out[0], x);
    if (x->rank < 0 || s->rank < 0)
        return DLA_OK;
    int per_channel = s->rank == 1 && x->rank >= 2 && s->dims[0] == x->dims[1] && s->dims[0] != x->dims[x->rank - 1];
    if (per_channel)
        return DLA_OK;
    if (s->rank > x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "slope has rank %d, above X's rank %d", s->rank, x->rank);
    for (int i = 0; i < s->rank; i++) {
        int64_t ds = s->dims[i], dx = x->dims[i + x->rank - s->rank];
        if (ds != 1 && ds != dx && ds >= 0 && dx >= 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                 "slope dim %d is %lld; it must be 1 or X's %lld to broadcast to X", i,
                                 (long long)ds, (long long)dx);
    }
    return DLA_OK;
}

static int cast_target_ok(int64_t to)
{
    switch (to) {
    case IR_F32: case IR_U8: case IR_I8: case IR_U16: case IR_I16: case IR_I32: case IR_I64: case IR_BOOL:
    case IR_F16: case IR_F64: case IR_U32: case IR_U64: case IR_BF16:
        return 1;
    default:
        return 0;
    }
}

static dla_status infer_cast(ir_node *n)
{
    int64_t to = ir_attr_int(n, "to", -1);
    if (to == IR_STRING)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "cast to string (to=%lld) is not supported", (long long)to);
    if (!cast_target_ok(to))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "attribute 'to' is %lld, not a supported element type",
                             (long long)to);
    n->out[0]->dtype = (ir_dtype)to;
    copy_shape(n->out[0], n->in[0]);
    return DLA_OK;
}

static dla_status infer_castlike(ir_node *n)
{
    ir_dtype to = n->in[1]->dtype;
    if (to == IR_STRING)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "cast to string (target type %d) is not supported", (int)to);
    n->out[0]->dtype = to;
    copy_shape(n->out[0], n->in[0]);
    return DLA_OK;
}

static dla_status infer_quantize(ir_node *n)
{
    ir_dtype t = IR_U8;
    if (n->n_in > 2 && n->in[2] && n->in[2]->dtype != IR_UNDEFINED)
        t = n->in[2]->dtype;
    if (t != IR_U8 && t != IR_I8 && t != IR_U16 && t != IR_I16)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "zero point type %s is not supported (uint8, int8, uint16, int16)",
                             ir_dtype_name(t));
    n->out[0]->dtype = t;
    copy_shape(n->out[0], n->in[0]);
    return DLA_OK;
}

static dla_status infer_dequantize(ir_node *n)
{
    ir_dtype t = n->in[1]->dtype != IR_UNDEFINED ? n->in[1]->dtype : IR_F32;
    if (!ir_dtype_is_float(t))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "scale is %s; it must be a float type", ir_dtype_name(t));
    n->out[0]->dtype = t;
    copy_shape(n->out[0], n->in[0]);
    return DLA_OK;
}

static dla_status infer_isclass(ir_node *n)
{
    if (n->in[0]->dtype != IR_UNDEFINED && !ir_dtype_is_float(n->in[0]->dtype))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input is %s; %s takes a float type",
                             ir_dtype_name(n->in[0]->dtype), ir_op_name(n->op));
    n->out[0]->dtype = IR_BOOL;
    copy_shape(n->out[0], n->in[0]);
    return DLA_OK;
}

static dla_status infer_bitshift(ir_node *n)
{
    const char *dir = ir_attr_str(n, "direction", "");
    if (strcmp(dir, "LEFT") != 0 && strcmp(dir, "RIGHT") != 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "direction is '%s'; it must be LEFT or RIGHT", dir);
    BASE_TRY(infer_arith(n));
    ir_dtype t = n->out[0]->dtype;
    if (t != IR_UNDEFINED && t != IR_U8 && t != IR_U16 && t != IR_U32 && t != IR_U64)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "inputs are %s; BitShift takes unsigned integers",
                             ir_dtype_name(t));
    return DLA_OK;
}

/* DynamicQuantizeLinear: y (uint8, x's shape), y_scale (float32 scalar), y_zero_point (uint8 scalar). */
static dla_status infer_dynquant(ir_node *n)
{
    if (n->in[0]->dtype != IR_UNDEFINED && n->in[0]->dtype != IR_F32)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input is %s; DynamicQuantizeLinear takes float32",
                             ir_dtype_name(n->in[0]->dtype));
    n->out[0]->dtype = IR_U8;
    copy_shape(n->out[0], n->in[0]);
    for (int k = 1; k < 3; k++)
        if (n->out[k]) {
            n->out[k]->dtype = k == 1 ? IR_F32 : IR_U8;
            ir_tensor_set_shape(n->out[k], 0, NULL);
        }
    return DLA_OK;
}

#define UNARY(op) {IR_OP_##op, infer_unary, 1, 1, 1, 1}
#define BINARY(op, fn) {IR_OP_##op, fn, 2, 2, 1, 1}
#define VARIADIC(op) {IR_OP_##op, infer_arith, 1, -1, 1, 1}

const ir_infer_entry ir_infer_elementwise[] = {
    UNARY(Identity),
    {IR_OP_Dropout, infer_dropout, 1, 3, 1, 2},
    UNARY(Relu), UNARY(LeakyRelu), UNARY(Sigmoid), UNARY(Tanh), UNARY(HardSigmoid), UNARY(HardSwish),
    UNARY(Elu), UNARY(Selu), UNARY(Celu), UNARY(Softplus), UNARY(Softsign), UNARY(Mish), UNARY(ThresholdedRelu),
    UNARY(Shrink),
    BINARY(PRelu, infer_prelu),
    {IR_OP_Clip, infer_clip, 1, 3, 1, 1},
    UNARY(Erf), UNARY(Exp), UNARY(Log), UNARY(Sqrt), UNARY(Abs), UNARY(Neg), UNARY(Reciprocal), UNARY(Floor),
    UNARY(Ceil), UNARY(Round), UNARY(Sign), UNARY(Sin), UNARY(Cos), UNARY(Tan), UNARY(Asin), UNARY(Acos),
    UNARY(Atan), UNARY(Sinh), UNARY(Cosh), UNARY(Asinh), UNARY(Acosh), UNARY(Atanh),
    {IR_OP_Not, infer_not, 1, 1, 1, 1},
    BINARY(Add, infer_arith), BINARY(Sub, infer_arith), BINARY(Mul, infer_arith), BINARY(Div, infer_arith),
    BINARY(Mod, infer_arith), BINARY(Pow, infer_pow),
    VARIADIC(Max), VARIADIC(Min), VARIADIC(Sum), VARIADIC(Mean),
    BINARY(Equal, infer_compare), BINARY(Less, infer_compare), BINARY(Greater, infer_compare),
    BINARY(LessOrEqual, infer_compare), BINARY(GreaterOrEqual, infer_compare),
    BINARY(And, infer_logic), BINARY(Or, infer_logic), BINARY(Xor, infer_logic),
    {IR_OP_Where, infer_where, 3, 3, 1, 1},
    {IR_OP_Cast, infer_cast, 1, 1, 1, 1},
    {IR_OP_CastLike, infer_castlike, 2, 2, 1, 1},
    {IR_OP_QuantizeLinear, infer_quantize, 2, 3, 1, 1},
    {IR_OP_DequantizeLinear, infer_dequantize, 2, 3, 1, 1},
    {IR_OP_IsInf, infer_isclass, 1, 1, 1, 1},
    {IR_OP_IsNaN, infer_isclass, 1, 1, 1, 1},
    BINARY(BitShift, infer_bitshift),
    {IR_OP_DynamicQuantizeLinear, infer_dynquant, 1, 1, 3, 3},
    {-1, NULL, 0, 0, 0, 0},
};
