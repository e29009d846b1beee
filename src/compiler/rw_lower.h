/* Private helpers of the lowering/cleanup rewrites (rw_lower*.c).
 *
 * Passes look producers and consumers up by scanning the node list (slots may be NULL while a pass runs), so
 * they stay correct after each local rewrite without re-linking; graphs are small enough (thousands of nodes)
 * for that to be cheap. New nodes take the opset of the node they replace (at least `min_opset`, for the
 * input-based forms of Reshape/Slice/Resize) and are inferred as soon as they are wired. */
#ifndef DLA_COMPILER_RW_LOWER_H
#define DLA_COMPILER_RW_LOWER_H

#include "compiler/cc.h"
#include "host/host.h"

/* The passes (one file each; registered in rw_lower.c). */
dla_status lw_pass_remove_identity(ir_graph *g, int *n_changed);
dla_status lw_pass_shape_to_reshape(ir_graph *g, int *n_changed);
dla_status lw_pass_fold_into_conv(ir_graph *g, int *n_changed);
dla_status lw_pass_gemm_to_conv(ir_graph *g, int *n_changed);
dla_status lw_pass_reduce_to_pool(ir_graph *g, int *n_changed);
dla_status lw_pass_split_to_slice(ir_graph *g, int *n_changed);
dla_status lw_pass_resize_scales(ir_graph *g, int *n_changed);
dla_status lw_pass_hard_activations(ir_graph *g, int *n_changed);
dla_status lw_pass_qdq_to_scales(ir_graph *g, int *n_changed);
dla_status lw_pass_fold_constants(ir_graph *g, int *n_changed);
dla_status lw_pass_fold_pad(ir_graph *g, int *n_changed);

/* ---- graph queries (rw_lower_util.c) ------------------------------------------------------------------- */

/* The live node producing t, or NULL (inputs, constants). */
ir_node *lw_producer(const ir_graph *g, const ir_tensor *t);
/* Number of input slots of live nodes that read t. */
int lw_uses(const ir_graph *g, const ir_tensor *t);
/* 1 if t is not a graph output and every live reader of t is n. */
int lw_only_feeds(const ir_graph *g, const ir_tensor *t, const ir_node *n);
/* 1 if t is a constant with data. */
int lw_is_const(const ir_tensor *t);
/* 1 if t's shape is fully known. */
int lw_known(const ir_tensor *t);
/* Element i of constant t as double. */
double lw_get(const ir_tensor *t, int64_t i);
/* 1 if constant t holds exactly one value (any rank whose dims are all 1), with it in *v. */
int lw_scalar(const ir_tensor *t, double *v);

/* ---- surgery (rw_lower_util.c) ------------------------------------------------------------------------- */

/* Every live reader of `from` (other than `except`) reads `to` instead. */
void lw_redirect(ir_graph *g, ir_tensor *from, ir_tensor *to, const ir_node *except);
/* Makes `out` (a tensor whose producer is being removed) carry the value of `in`, which equals it
 * element-for-element with the same shape. Readers of `out` read `in`; when `out` is a graph output, `in`'s
 * producer writes `out` directly and `in`'s other readers follow, so the output keeps its name. Returns 1 on
 * success, 0 (graph untouched) when neither works (e.g. `in` is a graph input or constant and `out` a graph
 * output). The caller then removes the node(s) between. */
int lw_forward(ir_graph *g, ir_tensor *in, ir_tensor *out);
/* Drops n from the node list (its slot becomes NULL). */
void lw_remove(ir_graph *g, ir_node *n);
/* A new node named `name` with n_in/n_out slots, opset max(like->opset, min_opset) (like may be NULL). */
dla_status lw_node(ir_graph *g, ir_op op, const char *name, int n_in, int n_out, const ir_node *like,
                   int min_opset, ir_node **out);
/* Grows n's input array to `count` slots (new ones NULL). */
dla_status lw_set_n_in(ir_graph *g, ir_node *n, int count);
/* A new activation tensor named after base (type and shape come from inference). */
dla_status lw_tensor(ir_graph *g, const char *base, ir_tensor **out);
/* A new 1-D int64 constant. */
dla_status lw_const_i64(ir_graph *g, const char *base, int count, const int64_t *v, ir_tensor **out);
/* A new float32 constant with the given shape and values (copied; NULL: zeros). */
dla_status lw_const_f32(ir_graph *g, const char *base, int rank, const int64_t *dims, const float *v,
                        ir_tensor **out);

/* Attribute edits: replace the attribute `name` or append it. */
dla_status lw_attr_int(ir_graph *g, ir_node *n, const char *name, int64_t v);
dla_status lw_attr_float(ir_graph *g, ir_node *n, const char *name, float v);
dla_status lw_attr_ints(ir_graph *g, ir_node *n, const char *name, int count, const int64_t *v);
/* Removes the attribute `name` if present. */
void lw_attr_drop(ir_node *n, const char *name);
/* Turns n into op (op_type follows); attributes are kept (callers drop or set what differs). */
void lw_retype(ir_node *n, ir_op op);

/* A Reshape node `name` from x to the known shape of y (y keeps its tensor; x -> y). Inferred. */
dla_status lw_reshape(ir_graph *g, const char *name, const ir_node *like, ir_tensor *x, ir_tensor *y, int rank,
                      const int64_t *dims, ir_node **out);

/* Computes n at build time with the host executor (its inputs are constants, or for Shape/Size a static
 * shape): its outputs become constants and n leaves the graph. */
dla_status lw_fold(ir_graph *g, host_ctx *ctx, ir_node *n);

/* Factors n (>= 1) into factors in [1, max_f] (largest first); the count, or -1 if a prime factor exceeds max_f.
 * n = 1 gives 0 factors. */
int lw_factor(int64_t n, int64_t max_f, int64_t *f, int max_count);

#endif
