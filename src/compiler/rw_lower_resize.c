/* resize-sizes-to-scales: a Resize (opset 11+) with a constant `sizes` input and a static input shape gets the
 * equivalent constant `scales` instead (roi as given — empty when opset 11/12 needs one — scales constant, sizes
 * absent): the DLA's Resize takes static scales only (TensorRT: setOutputDimensions is unsupported).
 *
 * The result is bit-identical only when each ratio sizes[i] / dims[i] is exactly a float32 (2, 0.5, 1.5, ...):
 * then the coordinate transform sees the same scale and the output length floor(dims * scale) is sizes. Other
 * ratios (7/3) would move nearest-neighbour picks at exact ties, and are left alone (the DLA needs integer
 * scales anyway). Also left: an `axes` attribute (opset 18), keep_aspect_ratio_policy other than "stretch", and
 * tf_crop_and_resize (whose roi depends on the output length). */
#include "compiler/rw_lower.h"

#include <stdio.h>
#include <string.h>

static int eligible(const ir_node *n)
{
    if (n->op != IR_OP_Resize || n->opset < 11 || n->n_in < 4 || !n->in[3] || !n->in[0])
        return 0;
    if (ir_node_attr(n, "axes") || strcmp(ir_attr_str(n, "keep_aspect_ratio_policy", "stretch"), "stretch") != 0 ||
        strcmp(ir_attr_str(n, "coordinate_transformation_mode", "half_pixel"), "tf_crop_and_resize") == 0)
        return 0;
    if (n->in[2] && ir_tensor_numel(n->in[2]) != 0)
        return 0; /* scales given too (invalid) or unknown */
    const ir_tensor *x = n->in[0], *sz = n->in[3];
    if (!lw_known(x) || !lw_is_const(sz) || ir_tensor_numel(sz) != x->rank || ir_dtype_is_float(sz->dtype))
        return 0;
    for (int i = 0; i < x->rank; i++) {
        int64_t s = ir_get_i64(sz->dtype, sz->data, (size_t)i);
        if (x->dims[i] <= 0 || s <= 0)
            return 0;
        double r = (double)s / (double)x->dims[i];
        if ((double)(float)r != r || (double)x->dims[i] * r != (double)s)
            return 0;
    }
    return 1;
}

static dla_status rewrite(ir_graph *g, ir_node *n)
{
    const ir_tensor *x = n->in[0], *sz = n->in[3];
    float sc[IR_MAX_RANK];
    int64_t rank = x->rank, zero = 0;
    char base[256];
    for (int i = 0; i < x->rank; i++)
        sc[i] = (float)((double)ir_get_i64(sz->dtype, sz->data, (size_t)i) / (double)x->dims[i]);
    ir_tensor *scales;
    snprintf(base, sizeof base, "%.200s/scales", n->name);
    BASE_TRY(lw_const_f32(g, base, 1, &rank, sc, &scales));
    if (!n->in[1] && n->opset < 13) {
        snprintf(base, sizeof base, "%.200s/roi", n->name);
        BASE_TRY(lw_const_f32(g, base, 1, &zero, NULL, &n->in[1]));
    }
    n->in[2] = scales;
    n->in[3] = NULL;
    n->n_in = 3;
    return ir_infer_node(n);
}

dla_status lw_pass_resize_scales(ir_graph *g, int *n_changed)
{
    int changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || !eligible(n))
            continue;
        BASE_TRY(rewrite(g, n));
        changed++;
    }
    *n_changed = changed;
    return DLA_OK;
}
