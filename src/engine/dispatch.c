/* Engine op dispatch and shared checks. */
#include "engine/engine.h"

#include <stdlib.h>

void eng_ctx_release(eng_ctx *ctx)
{
    if (!ctx)
        return;
    free(ctx->pipe.i32);
    free(ctx->pipe.f32);
    ctx->pipe.i32 = NULL;
    ctx->pipe.f32 = NULL;
    ctx->pipe.capacity = 0;
}

dla_status eng_exec_op(eng_ctx *ctx, const eng_op *op)
{
    switch (op->type) {
    case ENG_OP_BDMA: return eng_bdma_exec(ctx, op);
    case ENG_OP_CONV: return eng_conv_exec(ctx, op);
    case ENG_OP_SDP: return eng_sdp_exec(ctx, op);
    case ENG_OP_PDP: return eng_pdp_exec(ctx, op);
    case ENG_OP_CDP: return eng_cdp_exec(ctx, op);
    case ENG_OP_RUBIK: return eng_rubik_exec(ctx, op);
    default: return base_error(DLA_ERR_FORMAT, "engine op %d: unknown processor type %d", op->index, op->type);
    }
}

dla_status eng_cube_check(const eng_ctx *ctx, const eng_op *op, const eng_cube *c, const char *what)
{
    if (c->mem_type == ENG_MEM_HW)
        return DLA_OK;
    if (c->mem < 0 || c->mem >= ctx->n_bufs)
        return base_error(DLA_ERR_FORMAT, "engine op %d: %s refers to buffer %d; the task has %d", op->index,
                          what, c->mem, ctx->n_bufs);
    const eng_buffer *b = &ctx->bufs[c->mem];
    if ((uint64_t)c->offset + c->size > b->size)
        return base_error(DLA_ERR_FORMAT, "engine op %d: %s spans bytes %u..%llu of buffer %d, which has %zu",
                          op->index, what, c->offset, (unsigned long long)c->offset + c->size, c->mem, b->size);
    if (c->width > ENG_MAX_DIM || c->height > ENG_MAX_DIM || c->channel > ENG_MAX_DIM)
        return base_error(DLA_ERR_FORMAT, "engine op %d: %s is %ux%ux%u; the DLA limit is %d per dimension",
                          op->index, what, c->channel, c->height, c->width, ENG_MAX_DIM);
    return DLA_OK;
}
