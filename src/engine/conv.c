/* Engine processor: CONV (placeholder until its implementation lands). */
#include "engine/engine.h"

dla_status eng_conv_exec(eng_ctx *ctx, const eng_op *op)
{
    (void)ctx;
    return base_error(DLA_ERR_UNSUPPORTED, "engine op %d: the CONV processor is not implemented yet", op->index);
}
