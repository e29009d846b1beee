/* Scales from explicit quantization: the qdq-to-scales rewrite (rw_lower_qdq.c) removes QuantizeLinear /
 * DequantizeLinear pairs and records each pair's per-tensor scale on the tensor (ir_tensor.quant_scale). This
 * gathers them into a scale table, the same structure calibration produces. */
#include "compiler/calib.h"

#include <math.h>

dla_status cc_scales_from_qdq(const ir_graph *g, int include_weights, cc_scale_table *out, int *n_added)
{
    int added = 0;
    for (int i = 0; i < g->n_tensors; i++) {
        const ir_tensor *t = g->tensors[i];
        if (!(t->quant_scale > 0) || !isfinite(t->quant_scale))
            continue;
        if (t->data_kind == IR_DATA_CONST && !include_weights)
            continue;
        BASE_TRY(cc_scale_table_add(out, t->name, t->quant_scale, 0));
        added++;
    }
    if (n_added)
        *n_added = added;
    return DLA_OK;
}
