/* compiler: 2:4 structured sparsity of INT8 convolution weights (trtexec --sparsity=disable|enable|force).
 *
 * Orin's DLA runs a convolution "sparse" when, in every group of 4 consecutive input channels of every kernel
 * tap (k, r, s) of its [K][C/groups][R][S] weights, at most 2 weights are non-zero; only INT8 convolutions with
 * more than 64 input channels per group qualify, and Xavier has no sparse mode at all (DLA-SW FAQ,
 * shared/reference/orin-perf.md §1). The engine computes the same numbers either way (the zeros are stored);
 * eng_conv_op.sparse tells the performance model which convs run at the sparse rate.
 *
 *   disable  every conv dense (the default);
 *   enable   an eligible conv runs sparse when its QUANTIZED INT8 weights already have the 2:4 pattern;
 *   force    an eligible conv's FLOAT weights are pruned to 2:4 before quantization (the two largest |w| of
 *            each group of 4 kept, ties to the lower channel), and it runs sparse. As TensorRT says of its
 *            force: for performance evaluation; accuracy is not preserved.
 *
 * Groups are channels [4j, 4j+4) of C/groups. A trailing group shorter than 4 (C/groups = 65, 66, 67) is a group
 * of 4 whose missing channels are zeros (the hardware pads C): it may hold at most 2 non-zeros, so a tail of 3
 * channels is pruned to its 2 largest and a tail of 1 or 2 is always 2:4.
 *
 *     cc_sparsity sp = cc_sparse_conv_mode(cc_tb_sparsity(tb), CC_PREC_INT8, Cg);
 *     if (sp == CC_SPARSITY_FORCE)
 *         cc_sparse_prune(w, K, Cg, R * S);
 *     ... quantize w into q ...
 *     cv->sparse = sp == CC_SPARSITY_FORCE || (sp == CC_SPARSITY_ENABLE && cc_sparse_is_2to4(q, K, Cg, R * S));
 */
#ifndef DLA_COMPILER_SPARSITY_H
#define DLA_COMPILER_SPARSITY_H

#include "compiler/backend.h"

#include <stdint.h>

typedef enum cc_sparsity { CC_SPARSITY_DISABLE = 0, CC_SPARSITY_ENABLE = 1, CC_SPARSITY_FORCE = 2 } cc_sparsity;

/* An eligible conv has more than this many input channels per group. */
#define CC_SPARSE_MIN_CG 64

/* "disable", "enable", "force" (NULL or "": disable); anything else is DLA_ERR_INVALID_ARG naming --sparsity and
 * the allowed values. */
dla_status cc_parse_sparsity(const char *s, cc_sparsity *out);
const char *cc_sparsity_name(cc_sparsity s); /* "disable", "enable", "force" */

/* The build's mode on a platform: Xavier has no sparse convolutions (DISABLE there). */
cc_sparsity cc_sparse_for_platform(cc_sparsity requested, cc_platform p);
/* 1 when a conv of precision prec with cg input channels per group can run 2:4 sparse on platform p. */
int cc_sparse_eligible(cc_platform p, cc_prec prec, int cg);
/* The mode one conv gets (mode already for the platform, cc_tb_sparsity): DISABLE unless INT8 with cg > 64. */
cc_sparsity cc_sparse_conv_mode(cc_sparsity mode, cc_prec prec, int cg);

/* Prunes w ([K][Cg][rs], rs = R * S) in place to 2:4 along Cg: in each group of 4 consecutive channels of each
 * (k, r, s), all but the two largest |w| become 0 (ties: the lower channel kept). Returns how many non-zero
 * weights it zeroed. */
int64_t cc_sparse_prune(double *w, int K, int Cg, int rs);
/* 1 when q ([K][Cg][rs]) has at most 2 non-zeros in every group of 4 consecutive channels of every (k, r, s). */
int cc_sparse_is_2to4(const int8_t *q, int K, int Cg, int rs);

/* The build's sparsity for the task being lowered, already for its platform (task.c; a task builder that does
 * not define it, such as the tests' harnesses, gets DISABLE from a weak definition in sparsity.c). */
cc_sparsity cc_tb_sparsity(const cc_task_builder *tb);

#endif
