/* Shape and type inference: norm_pool family (see ir.h, ir_infer_entry). */
#include "ir/ir.h"

const ir_infer_entry ir_infer_norm_pool[] = {
    {-1, NULL, 0, 0, 0, 0},
};
