/* Engine processor: SDP (placeholder until its implementation lands). */
#include "engine/engine.h"

dla_status eng_sdp_exec(eng_ctx *ctx, const eng_op *op)
{
    (void)ctx;
    return base_error(DLA_ERR_UNSUPPORTED, "engine op %d: the SDP processor is not implemented yet", op->index);
}
