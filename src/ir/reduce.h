/* Private to the reduce family (infer_reduce.c, infer_select.c and the host's op_reduce.c, op_softmax.c,
 * op_select.c): the axis rules that shape inference and execution must agree on, and the NonMaxSuppression
 * selection, which both need (inference to size the data-dependent output, execution to fill it). */
#ifndef DLA_IR_REDUCE_H
#define DLA_IR_REDUCE_H

#include "ir/ir.h"

/* Which axes a Reduce* node reduces, for an input of rank `rank`. */
typedef struct ir_reduce_axes {
    int known;                       /* 0: the axes input has no data yet (shape cannot be inferred) */
    int noop;                        /* empty axes with noop_with_empty_axes = 1: the output is the input */
    int keepdims;
    unsigned char mask[IR_MAX_RANK]; /* 1 for each reduced axis */
} ir_reduce_axes;

/* Reads axes (attribute before the op's axes-as-input opset, input 1 after; an input, when present, wins),
 * keepdims and noop_with_empty_axes; normalises negative axes. Errors name an axis out of range. */
dla_status ir_reduce_get_axes(const ir_node *n, int rank, ir_reduce_axes *out);

/* Normalises axis `axis` of a rank-`rank` input into [0, rank) (negatives count from the end); `what` names
 * the attribute in the error message. */
dla_status ir_norm_axis(const ir_node *n, const char *what, int64_t axis, int rank, int *out);

/* Softmax / LogSoftmax / Hardmax view of the input as [outer, d, inner] along the normalised axis: before
 * opset 13 the input is coerced to 2-D at `axis` (default 1) and d covers the whole tail (inner = 1); from
 * opset 13 d is the single axis (default -1). */
dla_status ir_softmax_split(const ir_node *n, const ir_tensor *x, int64_t *outer, int64_t *d, int64_t *inner);

/* NonMaxSuppression over n's bound inputs (boxes, scores and the optional limits). Writes up to `cap`
 * [batch, class, box] triples to `sel` (may be NULL to count only) and the total count to *count. */
dla_status ir_nms_select(const ir_node *n, int64_t *sel, int64_t cap, int64_t *count);

/* Inference functions of infer_select.c, listed in infer_reduce.c's table. */
dla_status ir_infer_argminmax(ir_node *n);
dla_status ir_infer_topk(ir_node *n);
dla_status ir_infer_nms(ir_node *n);
dla_status ir_infer_nonzero(ir_node *n);
dla_status ir_infer_cumsum(ir_node *n);

#endif
