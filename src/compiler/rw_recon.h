/* Private helpers of the reconstruction passes (rw_recon*.c): small node/tensor builders.
 *
 * Every builder sets dtype and shape on the tensors it creates, so later rewrites in the same pass can read them
 * before the driver re-infers the graph. A replacement always writes the rewritten node's own output tensor with
 * its last node, so graph outputs and every outside consumer keep their tensor. */
#ifndef DLA_COMPILER_RW_RECON_H
#define DLA_COMPILER_RW_RECON_H

#include "compiler/cc.h"

/* A constant integer tensor (int32/int64) flattened into dst (at most max values): the count, or -1 when t is not
 * an integer constant or has more than max values. */
int64_t rc_const_ints(const ir_tensor *t, int64_t *dst, int64_t max);
/* 1 when t has rank `rank` and every dim is known and positive. */
int rc_shape_is(const ir_tensor *t, int rank);

/* "<base>/<what>", unique among the graph's node names (a "_<k>" suffix when taken); lives in the arena. */
const char *rc_name(ir_graph *g, const char *base, const char *what);
/* A new activation tensor named after base, with the given type and shape. */
dla_status rc_tensor(ir_graph *g, const char *base, ir_dtype t, int rank, const int64_t *dims, ir_tensor **out);
/* A new constant tensor (zeroed) of type t. */
dla_status rc_const(ir_graph *g, const char *base, ir_dtype t, int rank, const int64_t *dims, ir_tensor **out);
/* A new node (see ir_graph_add_node) whose n_attrs attributes are filled with rc_attr_* in slot order. */
dla_status rc_node(ir_graph *g, ir_op op, const char *name, int n_in, int n_out, int n_attrs, ir_node **out);
void rc_attr_int(ir_node *n, int k, const char *name, int64_t v);
void rc_attr_float(ir_node *n, int k, const char *name, float v);
dla_status rc_attr_ints(ir_graph *g, ir_node *n, int k, const char *name, int count, const int64_t *v);
/* Removes n from the node list (its slot becomes NULL; the driver compacts). */
void rc_drop_node(ir_graph *g, ir_node *n);

/* Transpose of a 4-D tensor swapping axes 1 and `axis` (self-inverse); out NULL: a new tensor. */
dla_status rc_swap_to_c(ir_graph *g, const char *name, ir_tensor *in, int axis, ir_tensor *out, ir_tensor **res);
/* A 2-D Conv (op Conv) or ConvTranspose with a square kernel k and stride k, no padding, group 1; `w` is its
 * weight; out NULL: a new tensor with the shape computed here. */
dla_status rc_conv(ir_graph *g, ir_op op, const char *name, ir_tensor *in, ir_tensor *w, int64_t k,
                   ir_tensor *out, ir_tensor **res);
/* Reshape of `in` to out's shape, writing out (a constant int64 shape input named after the node). */
dla_status rc_reshape(ir_graph *g, const char *name, ir_tensor *in, ir_tensor *out);


/* Why a reconstruction does not apply. For a node of an op these passes rewrite (Neg, Not, And, Or, Xor,
 * DepthToSpace, SpaceToDepth, Gather, ScatterElements, Scatter, Where): 0 with one sentence naming the condition
 * that fails and the value ("indices are not a build-time constant"), 1 when its rewrite applies. Other ops: 1.
 * A node still in the graph after cc_rewrite() failed one, so the placement rules can quote the reason. Needs the
 * graph linked (producers set), as after cc_rewrite(). */
int cc_recon_applies(const ir_node *n, char *reason, size_t size);
int rc_neg_applies(const ir_node *n, char *reason, size_t size);
int rc_logic_applies(const ir_node *n, char *reason, size_t size);
int rc_space_applies(const ir_node *n, char *reason, size_t size);
int rc_gather_applies(const ir_node *n, char *reason, size_t size);
int rc_scatter_applies(const ir_node *n, char *reason, size_t size);
int rc_where_applies(const ir_node *n, char *reason, size_t size);

/* The passes (rw_recon_*.c). */
dla_status cc_recon_neg(ir_graph *g, int *n_changed);
dla_status cc_recon_logic(ir_graph *g, int *n_changed);
dla_status cc_recon_depth_to_space(ir_graph *g, int *n_changed);
dla_status cc_recon_space_to_depth(ir_graph *g, int *n_changed);
dla_status cc_recon_gather(ir_graph *g, int *n_changed);
dla_status cc_recon_scatter_elements(ir_graph *g, int *n_changed);
dla_status cc_recon_where(ir_graph *g, int *n_changed);
dla_status cc_recon_channel_shuffle(ir_graph *g, int *n_changed);

#endif
