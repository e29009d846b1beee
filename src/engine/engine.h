/* engine: the accelerator model. One file per processor (conv.c, sdp.c, pdp.c, cdp.c, rubik.c, bdma.c), each
 * executing one operation from its descriptor (desc.h) over the task's bound buffers, plus the numerics every
 * stage shares (numerics.c: round-half-away-from-zero shifts, saturation, converters, the DLA's FP16 rules) and
 * the memory formats at the edges (format.c).
 *
 * The portable reference implementation here IS the specification (docs/numerics.md); faster kernels come later
 * and are checked bit-exact against it. Nothing here allocates per element or prints; errors name the op index,
 * the field, the limit and the value.
 */
#ifndef DLA_ENGINE_H
#define DLA_ENGINE_H

#include "engine/desc.h"

/* Saturation / NaN counters, as the hardware's statistics registers count them. */
typedef struct eng_stats {
    uint64_t saturated;   /* values clipped by any converter or truncation stage */
    uint64_t nan_inputs;  /* FP16 NaNs seen */
    uint64_t lut_underflow, lut_overflow, lut_hits;
} eng_stats;

typedef struct eng_ctx {
    eng_buffer *bufs;     /* the task's address list, bound */
    int n_bufs;
    const eng_lut *luts;
    int n_luts;
    eng_pipe pipe;        /* on-the-fly CONV -> SDP -> PDP link (owned by the context; eng_ctx_release frees) */
    eng_stats stats;
} eng_ctx;

void eng_ctx_release(eng_ctx *ctx);

/* Executes one op (dispatch on op->type). A fused chain is executed by calling this for each op in order: the
 * producer writes ctx->pipe when its dst is ENG_MEM_HW, the consumer reads it when its src is ENG_MEM_HW. */
dla_status eng_exec_op(eng_ctx *ctx, const eng_op *op);

dla_status eng_conv_exec(eng_ctx *ctx, const eng_op *op);
dla_status eng_sdp_exec(eng_ctx *ctx, const eng_op *op);
dla_status eng_pdp_exec(eng_ctx *ctx, const eng_op *op);
dla_status eng_cdp_exec(eng_ctx *ctx, const eng_op *op);
dla_status eng_rubik_exec(eng_ctx *ctx, const eng_op *op);
dla_status eng_bdma_exec(eng_ctx *ctx, const eng_op *op);

/* Checks that `cube` lies inside its bound buffer (ENG_MEM_HW cubes always pass); error names op and `what`. */
dla_status eng_cube_check(const eng_ctx *ctx, const eng_op *op, const eng_cube *cube, const char *what);

#endif
