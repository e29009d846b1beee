/* Shape and type inference: elementwise family (see ir.h, ir_infer_entry). */
#include "ir/ir.h"

const ir_infer_entry ir_infer_elementwise[] = {
    {-1, NULL, 0, 0, 0, 0},
};
