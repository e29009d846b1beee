/* Engine processor: BDMA (placeholder until its implementation lands). */
#include "engine/engine.h"

dla_status eng_bdma_exec(eng_ctx *ctx, const eng_op *op)
{
    (void)ctx;
    return base_error(DLA_ERR_UNSUPPORTED, "engine op %d: the BDMA processor is not implemented yet", op->index);
}
