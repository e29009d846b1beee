/* DLA support rules: helpers shared by rules.c and the per-family check functions in rules_*.c, and the
 * declarations of every check function that rules.def names. Private to the compiler.
 *
 * A check function is a cc_check_fn: it returns 1 when the DLA can run the node, else 0 with one sentence in
 * `reason` that names the rule, the value and the limit ("dilation 40 exceeds the DLA limit of 32"). Reasons never
 * name the node: the placement report prefixes "<Op> '<name>': ". */
#ifndef DLA_COMPILER_RULES_H
#define DLA_COMPILER_RULES_H

#include <stdarg.h>

#include "compiler/cc.h"

/* The DLA's general limits (dla-facts §2.1). */
#define CC_MAX_DIM 8192   /* every non-batch dimension */
#define CC_MAX_BATCH 4096 /* product of the dims before C, H, W */
#define CC_MAX_RANK 4
#define CC_MAX_VOLUME (((int64_t)1 << 31) - 1) /* TensorRT: a tensor has fewer than 2^31 elements */

/* 1 if n's input idx is present. */
int cc_has_in(const ir_node *n, int idx);
/* Requires n's input idx to be a 4-D tensor ("DLA only supports 4-D tensors; input 0 is 3-D"). */
int cc_need_4d(const ir_node *n, int idx, char *reason, size_t size);
/* Requires n's input idx, when present, to be a build-time constant; `what` carries its verb ("starts are"). */
int cc_need_const(const ir_node *n, int idx, const char *what, char *reason, size_t size);
/* Normalises axis (negative counts from the end) for rank; -1 if out of range. */
int cc_norm_axis(int64_t axis, int rank);
/* The platform's name ("Orin", "Xavier"). */
const char *cc_platform_name(cc_platform p);
/* The dims of t right-aligned into N, C, H, W (missing leading dims are 1). */
void cc_nchw(const ir_tensor *t, int64_t d[4]);

/* The reason for a rewrite leftover whose conditions all seem to hold: a general rule it breaks (a dynamic shape,
 * which keeps the rewrites away too) if any, else "the rewrite into <what> did not apply". Returns 0. */
int cc_leftover(const ir_node *n, const char *what, char *reason, size_t size);

/* How an element-wise operand relates to the output: 0 same shape, 1 per-channel, 2 per-tensor, -1 other. */
int cc_operand_class(const ir_tensor *operand, const ir_tensor *out);
/* Checks every non-NULL input of n against the output's shape: each must be the full shape, per-channel or
 * per-tensor, and at least one input must have the full shape. */
int cc_check_broadcast(const ir_node *n, char *reason, size_t size);

/* ---- check functions (named by rules.def) --------------------------------------------------------------- */

/* rules_conv.c */
int cc_check_conv(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_conv_transpose(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_gemm(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_matmul(const cc_target *t, const ir_node *n, char *reason, size_t size);

/* rules_pool.c */
int cc_check_pool(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_lp_pool(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_global_pool(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_lrn(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_lp_norm(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_reduce(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_softmax(const cc_target *t, const ir_node *n, char *reason, size_t size);

/* rules_eltwise.c */
int cc_check_binary(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_variadic(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_prelu(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_clip(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_batchnorm(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_mod(const cc_target *t, const ir_node *n, char *reason, size_t size);

/* rules_layout.c */
int cc_check_concat(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_slice(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_split(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_reshape(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_transpose(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_pad(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_expand(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_tile(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_identity(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_dropout(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_depth_space(const cc_target *t, const ir_node *n, char *reason, size_t size);

/* rules_resize.c */
int cc_check_resize(const cc_target *t, const ir_node *n, char *reason, size_t size);

/* rules_recon.c: ops that only a rewrite makes DLA-eligible (a leftover names the failed condition), Q/DQ, and
 * build-time ops (1 when the value is known at build time) */
int cc_check_neg(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_logical(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_gather(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_where(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_scatter(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_qdq(const cc_target *t, const ir_node *n, char *reason, size_t size);
int cc_check_build_time(const cc_target *t, const ir_node *n, char *reason, size_t size);

#endif
