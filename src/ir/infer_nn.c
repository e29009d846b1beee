/* Shape and type inference: nn family (see ir.h, ir_infer_entry). */
#include "ir/ir.h"

const ir_infer_entry ir_infer_nn[] = {
    {-1, NULL, 0, 0, 0, 0},
};
