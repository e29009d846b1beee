/* Private to the host elementwise family (op_elementwise.c, op_unary.c, op_binary.c, op_cast.c).
 *
 * Broadcasting: ew_bcast describes an output shape and up to EW_MAX_IN inputs right-aligned against it, with
 * size-1 dims dropped and contiguous runs merged, so the innermost dim is as long as possible and each input's
 * innermost stride is 0 (broadcast) or 1 (contiguous). ew_bcast_for() walks the output in segments along that
 * innermost dim, in parallel for large outputs, and calls a kernel per segment. */
#ifndef DLA_HOST_OP_ELEMENTWISE_H
#define DLA_HOST_OP_ELEMENTWISE_H

#include "host/host.h"

#define EW_MAX_IN 3
/* Below this many elements a loop runs on one thread (the fork costs more than the work). */
#define EW_PAR_MIN ((int64_t)1 << 15)

typedef struct ew_bcast {
    int rank;                           /* collapsed rank, >= 1 */
    int n_in;
    int64_t numel;
    int64_t dims[IR_MAX_RANK];
    int64_t strides[EW_MAX_IN][IR_MAX_RANK]; /* element strides, 0 where an input is broadcast */
} ew_bcast;

/* Sets up b for an output of out_rank/out_dims and n_in inputs of ranks in_rank[k], dims in_dims[k]; each input
 * must broadcast to the output (inference checked it). */
void ew_bcast_init(ew_bcast *b, int out_rank, const int64_t *out_dims, int n_in, const int *in_rank,
                   const int64_t *const *in_dims);
/* The same from tensors. */
void ew_bcast_init_tensors(ew_bcast *b, const ir_tensor *out, int n_in, const ir_tensor *const *in);

/* A kernel over one segment: `len` outputs from out_off on, input k from in_off[k] with stride in_step[k]. */
typedef void (*ew_seg_fn)(void *arg, int64_t out_off, const int64_t *in_off, const int64_t *in_step, int64_t len);
void ew_bcast_for(const ew_bcast *b, int n_threads, ew_seg_fn fn, void *arg);

/* Exec functions, by file. */
dla_status host_unary(host_ctx *ctx, ir_node *n);   /* op_unary.c: activations and unary math */
dla_status host_clip(host_ctx *ctx, ir_node *n);    /* op_unary.c */
dla_status host_isclass(host_ctx *ctx, ir_node *n); /* op_unary.c: IsInf, IsNaN */
dla_status host_binary(host_ctx *ctx, ir_node *n);  /* op_binary.c: arithmetic, compare, logic */
dla_status host_variadic(host_ctx *ctx, ir_node *n); /* op_binary.c: Max, Min, Sum, Mean */
dla_status host_prelu(host_ctx *ctx, ir_node *n);   /* op_binary.c */
dla_status host_where(host_ctx *ctx, ir_node *n);   /* op_binary.c */
dla_status host_cast(host_ctx *ctx, ir_node *n);    /* op_cast.c: Cast and CastLike */
dla_status host_quantize(host_ctx *ctx, ir_node *n);   /* op_cast.c: QuantizeLinear */
dla_status host_dequantize(host_ctx *ctx, ir_node *n); /* op_cast.c: DequantizeLinear */
dla_status host_dynamic_quantize(host_ctx *ctx, ir_node *n); /* op_cast.c: DynamicQuantizeLinear */

#endif
