/* Resize and Upsample: attribute and input decoding, output sizes, and the coordinate transformation the host
 * executor applies per output index (shape_ops.h). Coordinates follow the ONNX reference: the "resized
 * length" in the align_corners and single-pixel formulas is input length x scale, not the rounded output
 * length, when the output comes from scales. */
#include "ir/ir.h"
#include "ir/shape_ops.h"

#include <math.h>
#include <string.h>

static dla_status parse_modes(const ir_node *n, ir_resize_plan *p)
{
    const char *m = ir_attr_str(n, "mode", "nearest");
    if (strcmp(m, "nearest") == 0)
        p->mode = IR_RESIZE_NEAREST;
    else if (strcmp(m, "linear") == 0 || strcmp(m, "bilinear") == 0 || strcmp(m, "trilinear") == 0)
        p->mode = IR_RESIZE_LINEAR;
    else if (strcmp(m, "cubic") == 0 && n->op == IR_OP_Resize)
        p->mode = IR_RESIZE_CUBIC;
    else
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "mode '%s' is not nearest, linear or cubic", m);
    p->cubic_a = ir_attr_float(n, "cubic_coeff_a", -0.75f);
    p->exclude_outside = (int)ir_attr_int(n, "exclude_outside", 0);
    p->extrapolation = ir_attr_float(n, "extrapolation_value", 0.0f);
    if (n->op == IR_OP_Upsample || n->opset < 11) {
        /* Upsample and Resize-10 map output x to x / scale */
        p->coord = IR_CT_ASYMMETRIC;
        p->nearest = IR_NEAREST_SIMPLE;
        return DLA_OK;
    }
    if (ir_attr_int(n, "antialias", 0) != 0)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "antialias = %lld is not supported (only 0)",
                             (long long)ir_attr_int(n, "antialias", 0));
    static const struct {
        const char *name;
        ir_coord_mode mode;
    } coords[] = {
        {"half_pixel", IR_CT_HALF_PIXEL},
        {"pytorch_half_pixel", IR_CT_PYTORCH_HALF_PIXEL},
        {"align_corners", IR_CT_ALIGN_CORNERS},
        {"asymmetric", IR_CT_ASYMMETRIC},
        {"tf_half_pixel_for_nn", IR_CT_TF_HALF_PIXEL_FOR_NN},
        {"tf_crop_and_resize", IR_CT_TF_CROP_AND_RESIZE},
        {"half_pixel_symmetric", IR_CT_HALF_PIXEL_SYMMETRIC},
    };
    const char *c = ir_attr_str(n, "coordinate_transformation_mode", "half_pixel");
    size_t i;
    for (i = 0; i < sizeof coords / sizeof coords[0]; i++)
        if (strcmp(c, coords[i].name) == 0)
            break;
    if (i == sizeof coords / sizeof coords[0])
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "coordinate_transformation_mode '%s' is not supported", c);
    p->coord = coords[i].mode;
    const char *nm = ir_attr_str(n, "nearest_mode", "round_prefer_floor");
    if (strcmp(nm, "round_prefer_floor") == 0)
        p->nearest = IR_NEAREST_ROUND_PREFER_FLOOR;
    else if (strcmp(nm, "round_prefer_ceil") == 0)
        p->nearest = IR_NEAREST_ROUND_PREFER_CEIL;
    else if (strcmp(nm, "floor") == 0)
        p->nearest = IR_NEAREST_FLOOR;
    else if (strcmp(nm, "ceil") == 0)
        p->nearest = IR_NEAREST_CEIL;
    else
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "nearest_mode '%s' is not supported", nm);
    return DLA_OK;
}

/* An optional float/int input: 0 absent or empty, -1 present without data, else the count (values in v). */
static int64_t read_values(const ir_node *n, int idx, double *v, int max)
{
    if (idx >= n->n_in || !n->in[idx])
        return 0;
    const ir_tensor *t = n->in[idx];
    int64_t cnt = ir_tensor_numel(t);
    if (cnt == 0)
        return 0;
    if (!t->data)
        return -1;
    if (cnt > max)
        return cnt;
    for (int64_t i = 0; i < cnt; i++)
        v[i] = ir_get_f64(t->dtype, t->data, (size_t)i);
    return cnt;
}

/* Resize-18 axes/keep_aspect_ratio_policy and sizes: sets p->out_dims and the scales derived from them. */
static dla_status apply_sizes(const ir_node *n, ir_resize_plan *p, const int *axes, int na, const double *sz,
                              double *out_len)
{
    const char *policy = ir_attr_str(n, "keep_aspect_ratio_policy", "stretch");
    int keep = strcmp(policy, "not_larger") == 0 ? 1 : strcmp(policy, "not_smaller") == 0 ? 2 : 0;
    if (!keep && strcmp(policy, "stretch") != 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "keep_aspect_ratio_policy '%s' is not supported", policy);
    double common = keep == 1 ? INFINITY : 0;
    for (int j = 0; j < na; j++) {
        int a = axes[j];
        if (!(sz[j] >= 0 && sz[j] <= (double)IR_MAX_NUMEL))
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "sizes[%d] is %g; sizes must be in [0, %lld]", j, sz[j],
                                 (long long)IR_MAX_NUMEL);
        if (p->in_dims[a] <= 0)
            continue;
        double s = sz[j] / (double)p->in_dims[a];
        common = keep == 1 ? fmin(common, s) : fmax(common, s);
    }
    for (int j = 0; j < na; j++) {
        int a = axes[j];
        if (p->in_dims[a] < 0) {
            p->out_dims[a] = -1;
            continue;
        }
        if (keep) {
            double v = floor(common * (double)p->in_dims[a] + 0.5);
            if (!(v <= (double)IR_MAX_NUMEL))
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %d would resize to %g elements", a, v);
            p->scale[a] = common;
            p->out_dims[a] = (int64_t)v;
        } else {
            p->out_dims[a] = (int64_t)sz[j];
            p->scale[a] = p->in_dims[a] ? sz[j] / (double)p->in_dims[a] : 1.0;
        }
        out_len[a] = (double)p->out_dims[a];
    }
    return DLA_OK;
}

static dla_status resize_axes(const ir_node *n, int rank, int *axes, int *na)
{
    int k;
    const int64_t *a = ir_attr_ints(n, "axes", &k);
    if (!a || n->op != IR_OP_Resize) {
        for (int i = 0; i < rank; i++)
            axes[i] = i;
        *na = rank;
        return DLA_OK;
    }
    if (k > rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "'axes' has %d entries for a rank-%d input", k, rank);
    for (int j = 0; j < k; j++) {
        axes[j] = ir_norm_axis(a[j], rank);
        if (axes[j] < 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)a[j], rank,
                                 rank);
    }
    *na = k;
    return DLA_OK;
}

dla_status ir_resize_plan_make(const ir_node *n, ir_resize_plan *p, int *known)
{
    const ir_tensor *x = n->in[0];
    memset(p, 0, sizeof *p);
    *known = 1;
    p->rank = x->rank;
    BASE_TRY(parse_modes(n, p));
    for (int i = 0; i < x->rank; i++) {
        p->in_dims[i] = x->dims[i];
        p->out_dims[i] = x->dims[i];
        p->scale[i] = 1.0;
        p->roi_start[i] = 0.0;
        p->roi_end[i] = 1.0;
    }
    int axes[IR_MAX_RANK], na = 0;
    BASE_TRY(resize_axes(n, x->rank, axes, &na));
    double sc[IR_MAX_RANK], sz[IR_MAX_RANK], roi[2 * IR_MAX_RANK], out_len[IR_MAX_RANK];
    int64_t ks = 0, kz = 0, kr = 0;
    if (n->op == IR_OP_Upsample && n->opset < 9) {
        int c;
        const float *f = ir_attr_floats(n, "scales", &c);
        if (!f)
            return ir_node_error(n, DLA_ERR_FORMAT, "opset %d Upsample needs the 'scales' attribute", n->opset);
        for (int i = 0; i < c && i < IR_MAX_RANK; i++)
            sc[i] = f[i];
        ks = c;
    } else if (n->op == IR_OP_Upsample || n->opset < 11) {
        ks = read_values(n, 1, sc, IR_MAX_RANK);
        if (ks == 0)
            return ir_node_error(n, DLA_ERR_FORMAT, "opset %d %s needs the 'scales' input", n->opset,
                                 ir_op_name(n->op));
    } else {
        kr = read_values(n, 1, roi, 2 * IR_MAX_RANK);
        ks = read_values(n, 2, sc, IR_MAX_RANK);
        kz = read_values(n, 3, sz, IR_MAX_RANK);
        if (ks == 0 && kz == 0)
            return ir_node_error(n, DLA_ERR_FORMAT, "Resize needs 'scales' or 'sizes'");
        if (ks != 0 && kz != 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "Resize got both 'scales' and 'sizes'; give only one");
        if (kr < 0 && p->coord == IR_CT_TF_CROP_AND_RESIZE)
            ks = -1;
    }
    if (ks < 0 || kz < 0) {
        *known = 0;
        return DLA_OK;
    }
    if ((ks && ks != na) || (kz && kz != na))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "%s has %lld values for %d resized axes",
                             ks ? "scales" : "sizes", (long long)(ks ? ks : kz), na);
    if (kr > 0 && p->coord == IR_CT_TF_CROP_AND_RESIZE) {
        if (kr != 2 * na)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "roi has %lld values; %d axes need %d", (long long)kr, na,
                                 2 * na);
        for (int j = 0; j < na; j++) {
            p->roi_start[axes[j]] = roi[j];
            p->roi_end[axes[j]] = roi[j + na];
        }
    }
    for (int i = 0; i < x->rank; i++)
        out_len[i] = (double)x->dims[i];
    if (kz) {
        BASE_TRY(apply_sizes(n, p, axes, na, sz, out_len));
    } else {
        for (int j = 0; j < na; j++) {
            int a = axes[j];
            if (!(sc[j] > 0) || (x->dims[a] >= 0 && !((double)x->dims[a] * sc[j] <= (double)IR_MAX_NUMEL)))
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "scale %d is %g; scales must be > 0 and keep the axis "
                                     "within %lld elements", j, sc[j], (long long)IR_MAX_NUMEL);
            p->scale[a] = sc[j];
            /* the ONNX reference scales the float32 scale in double precision and truncates */
            p->out_dims[a] = x->dims[a] < 0 ? -1 : (int64_t)floor((double)x->dims[a] * sc[j]);
            out_len[a] = (double)x->dims[a] * sc[j];
        }
    }
    for (int i = 0; i < x->rank; i++)
        p->resized_len[i] = out_len[i];
    return DLA_OK;
}

double ir_resize_coord(const ir_resize_plan *p, int axis, int64_t xo, int *outside)
{
    double x = (double)xo, s = p->scale[axis], in = (double)p->in_dims[axis], len = p->resized_len[axis];
    *outside = 0;
    switch (p->coord) {
    case IR_CT_HALF_PIXEL:
        return (x + 0.5) / s - 0.5;
    case IR_CT_HALF_PIXEL_SYMMETRIC: {
        double adj = (double)p->out_dims[axis] / (s * in);
        double offset = in / 2 * (1 - adj);
        return offset + (x + 0.5) / s - 0.5;
    }
    case IR_CT_PYTORCH_HALF_PIXEL:
        return len == 1 ? -0.5 : (x + 0.5) / s - 0.5;
    case IR_CT_ALIGN_CORNERS:
        return len == 1 ? 0.0 : x * (in - 1) / (len - 1);
    case IR_CT_ASYMMETRIC:
        return x / s;
    case IR_CT_TF_HALF_PIXEL_FOR_NN:
        return (x + 0.5) / s;
    case IR_CT_TF_CROP_AND_RESIZE: {
        double b = p->roi_start[axis], e = p->roi_end[axis], v;
        if (len == 1)
            v = (e - b) * (in - 1) / 2;
        else
            v = x * (e - b) * (in - 1) / (len - 1);
        v += b * (in - 1);
        *outside = v < 0 || v > in - 1;
        return v;
    }
    }
    return x;
}

dla_status ir_shp_infer_resize(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    if (x->rank < 0) {
        ir_shp_set_out(y, x->dtype, -1, NULL);
        return DLA_OK;
    }
    ir_resize_plan p;
    int known;
    BASE_TRY(ir_resize_plan_make(n, &p, &known));
    if (!known)
        for (int i = 0; i < x->rank; i++)
            p.out_dims[i] = -1;
    ir_shp_set_out(y, x->dtype, x->rank, p.out_dims);
    return DLA_OK;
}
