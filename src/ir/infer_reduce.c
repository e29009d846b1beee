/* Shape and type inference: reduce family (see ir.h, ir_infer_entry) — Reduce*, Softmax, LogSoftmax, Hardmax
 * here; ArgMax/ArgMin, TopK, NonMaxSuppression, NonZero and CumSum in infer_select.c. */
#include "ir/reduce.h"

#include <string.h>

dla_status ir_norm_axis(const ir_node *n, const char *what, int64_t axis, int rank, int *out)
{
    if (axis < -(int64_t)rank || axis >= rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "%s %lld is out of range [%d, %d] for an input of rank %d",
                             what, (long long)axis, -rank, rank - 1, rank);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return DLA_OK;
}

dla_status ir_reduce_get_axes(const ir_node *n, int rank, ir_reduce_axes *out)
{
    memset(out, 0, sizeof *out);
    out->keepdims = ir_attr_int(n, "keepdims", 1) != 0;
    int64_t axes[64];
    int count;
    if (n->n_in >= 2 && n->in[1]) {
        count = ir_input_ints(n, 1, axes, 64);
        if (count < 0) {
            if (n->in[1]->data)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "axes input has %lld values; at most 64 are accepted",
                                     (long long)ir_tensor_numel(n->in[1]));
            return DLA_OK; /* not known until run time */
        }
    } else {
        const int64_t *a = ir_attr_ints(n, "axes", &count);
        if (count > 64)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axes has %d values; at most 64 are accepted", count);
        if (count)
            memcpy(axes, a, sizeof(int64_t) * (size_t)count);
    }
    out->known = 1;
    if (count == 0) {
        if (ir_attr_int(n, "noop_with_empty_axes", 0))
            out->noop = 1;
        else
            memset(out->mask, 1, (size_t)rank);
        return DLA_OK;
    }
    for (int i = 0; i < count; i++) {
        int ax = 0;
        BASE_TRY(ir_norm_axis(n, "axis", axes[i], rank, &ax));
        out->mask[ax] = 1;
    }
    return DLA_OK;
}

static dla_status infer_reduce(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    y->dtype = x->dtype;
    if (x->rank < 0)
        return DLA_OK;
    if (x->rank > IR_MAX_RANK)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input rank %d exceeds the limit of %d", x->rank,
                             IR_MAX_RANK);
    ir_reduce_axes ax;
    BASE_TRY(ir_reduce_get_axes(n, x->rank, &ax));
    if (!ax.known) {
        y->rank = -1;
        return DLA_OK;
    }
    int64_t dims[IR_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (ax.noop || !ax.mask[i])
            dims[r++] = x->dims[i];
        else if (ax.keepdims)
            dims[r++] = 1;
    }
    ir_tensor_set_shape(y, r, dims);
    return DLA_OK;
}

dla_status ir_softmax_split(const ir_node *n, const ir_tensor *x, int64_t *outer, int64_t *d, int64_t *inner)
{
    int rank = x->rank;
    int legacy = n->opset > 0 && n->opset < 13;
    int64_t axis_attr = ir_attr_int(n, "axis", legacy ? 1 : -1);
    int axis = 0;
    if (rank == 0) { /* a scalar: one group of one value */
        *outer = *d = *inner = 1;
        return axis_attr == 0 || axis_attr == -1 || (legacy && axis_attr == 1)
                   ? DLA_OK
                   : ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is out of range for a scalar input",
                                   (long long)axis_attr);
    }
    if (legacy && axis_attr == rank) { /* coercing at the end: each value is its own group */
        axis = rank;
    } else {
        BASE_TRY(ir_norm_axis(n, "axis", axis_attr, rank, &axis));
    }
    int64_t o = 1, m = 1, in = 1;
    for (int i = 0; i < rank; i++) {
        if (i < axis)
            o *= x->dims[i];
        else if (i == axis || legacy)
            m *= x->dims[i];
        else
            in *= x->dims[i];
    }
    *outer = o;
    *d = m;
    *inner = in;
    return DLA_OK;
}

static dla_status infer_softmax(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    if (x->dtype != IR_UNDEFINED && !ir_dtype_is_float(x->dtype))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input type %s is not a floating-point type",
                             ir_dtype_name(x->dtype));
    y->dtype = x->dtype;
    if (x->rank < 0) {
        y->rank = -1;
        return DLA_OK;
    }
    int64_t o, d, in;
    BASE_TRY(ir_softmax_split(n, x, &o, &d, &in)); /* validates axis */
    ir_tensor_set_shape(y, x->rank, x->dims);
    for (int i = 0; i < x->rank; i++)
        y->dim_param[i] = x->dim_param[i];
    return DLA_OK;
}

const ir_infer_entry ir_infer_reduce[] = {
    {IR_OP_ReduceMean, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceSum, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceMax, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceMin, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceL1, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceL2, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceSumSquare, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceProd, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceLogSum, infer_reduce, 1, 2, 1, 1},
    {IR_OP_ReduceLogSumExp, infer_reduce, 1, 2, 1, 1},
    {IR_OP_Softmax, infer_softmax, 1, 1, 1, 1},
    {IR_OP_LogSoftmax, infer_softmax, 1, 1, 1, 1},
    {IR_OP_Hardmax, infer_softmax, 1, 1, 1, 1},
    {IR_OP_ArgMax, ir_infer_argminmax, 1, 1, 1, 1},
    {IR_OP_ArgMin, ir_infer_argminmax, 1, 1, 1, 1},
    {IR_OP_TopK, ir_infer_topk, 1, 2, 2, 2},
    {IR_OP_NonMaxSuppression, ir_infer_nms, 2, 5, 1, 1},
    {IR_OP_NonZero, ir_infer_nonzero, 1, 1, 1, 1},
    {IR_OP_CumSum, ir_infer_cumsum, 2, 2, 1, 1},
    {-1, NULL, 0, 0, 0, 0},
};
