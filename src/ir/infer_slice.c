/* Shape inference for the windowing ops of the shape family: Slice, Pad, DepthToSpace, SpaceToDepth; plus the
 * slice and pad rules the host executor shares (shape_ops.h). */
#include "ir/ir.h"
#include "ir/shape_ops.h"

#include <string.h>

/* ---- Slice ---------------------------------------------------------------------------------------------- */

/* Reads input idx into dst (at most IR_MAX_RANK values): the count, -1 when absent or without data. */
static int read_list(const ir_node *n, int idx, int64_t *dst, dla_status *st)
{
    *st = DLA_OK;
    if (idx >= n->n_in || !n->in[idx] || !n->in[idx]->data)
        return -1;
    int64_t cnt = ir_tensor_numel(n->in[idx]);
    if (cnt > IR_MAX_RANK) {
        *st = ir_node_error(n, DLA_ERR_UNSUPPORTED, "input %d has %lld values; the rank limit is %d", idx,
                            (long long)cnt, IR_MAX_RANK);
        return -1;
    }
    return ir_input_ints(n, idx, dst, IR_MAX_RANK);
}

static int attr_list(const ir_node *n, const char *name, int64_t *dst)
{
    int k;
    const int64_t *a = ir_attr_ints(n, name, &k);
    if (!a)
        return -1;
    if (k > IR_MAX_RANK)
        k = IR_MAX_RANK + 1; /* reported as too many by the caller */
    else
        memcpy(dst, a, sizeof(int64_t) * (size_t)k);
    return k;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* One axis: ONNX clamping (start into [0, dim] for positive steps, [0, dim-1] for negative; end into [0, dim]
 * or [-1, dim-1]) and the element count. */
static void slice_axis(int64_t dim, int64_t b, int64_t e, int64_t s, int64_t *start, int64_t *count)
{
    if (dim == 0) {
        *start = 0;
        *count = 0;
        return;
    }
    if (b < 0)
        b += dim;
    if (e < 0)
        e += dim;
    if (s > 0) {
        b = clamp64(b, 0, dim);
        e = clamp64(e, 0, dim);
        *count = e > b ? (e - b - 1) / s + 1 : 0;
    } else {
        b = clamp64(b, 0, dim - 1);
        e = clamp64(e, -1, dim - 1);
        int64_t ns = s == INT64_MIN ? INT64_MAX : -s;
        *count = b > e ? (b - e - 1) / ns + 1 : 0;
    }
    *start = b;
}

dla_status ir_slice_plan(const ir_node *n, const ir_tensor *x, int64_t *start, int64_t *step, int64_t *count,
                         int *known)
{
    int r = x->rank;
    *known = 1;
    for (int i = 0; i < r; i++) {
        start[i] = 0;
        step[i] = 1;
        count[i] = x->dims[i];
    }
    int64_t st[IR_MAX_RANK], en[IR_MAX_RANK], ax[IR_MAX_RANK], sp[IR_MAX_RANK];
    int ks, ke, ka, kp;
    if (n->opset < 10) {
        ks = attr_list(n, "starts", st);
        ke = attr_list(n, "ends", en);
        ka = attr_list(n, "axes", ax);
        kp = -1;
        if (ks < 0 || ke < 0)
            return ir_node_error(n, DLA_ERR_FORMAT, "opset %d Slice needs 'starts' and 'ends' attributes", n->opset);
    } else {
        dla_status e1, e2, e3, e4;
        ks = read_list(n, 1, st, &e1);
        ke = read_list(n, 2, en, &e2);
        ka = read_list(n, 3, ax, &e3);
        kp = read_list(n, 4, sp, &e4);
        BASE_TRY(e1);
        BASE_TRY(e2);
        BASE_TRY(e3);
        BASE_TRY(e4);
        if (n->n_in < 3 || !n->in[1] || !n->in[2])
            return ir_node_error(n, DLA_ERR_FORMAT, "opset %d Slice needs 'starts' and 'ends' inputs", n->opset);
        if (ks < 0 || ke < 0 || (ka < 0 && n->n_in > 3 && n->in[3]) || (kp < 0 && n->n_in > 4 && n->in[4])) {
            *known = 0;
            return DLA_OK;
        }
    }
    if (ks > r || ks != ke || (ka >= 0 && ka != ks) || (kp >= 0 && kp != ks))
        return ir_node_error(n, DLA_ERR_INVALID_ARG,
                             "starts/ends/axes/steps have %d/%d/%d/%d values for a rank-%d input; they must agree "
                             "and not exceed the rank",
                             ks, ke, ka, kp, r);
    int seen[IR_MAX_RANK] = {0};
    for (int j = 0; j < ks; j++) {
        int64_t a64 = ka >= 0 ? ax[j] : j;
        int a = ir_norm_axis(a64, r);
        if (a < 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)a64, r, r);
        if (seen[a])
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %d is sliced twice", a);
        seen[a] = 1;
        int64_t s = kp >= 0 ? sp[j] : 1;
        if (s == 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "step for axis %d is 0; steps must be non-zero", a);
        step[a] = s;
        if (x->dims[a] < 0) {
            count[a] = -1;
            continue;
        }
        slice_axis(x->dims[a], st[j], en[j], s, &start[a], &count[a]);
    }
    return DLA_OK;
}

dla_status ir_shp_infer_slice(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    if (x->rank < 0) {
        ir_shp_set_out(y, x->dtype, -1, NULL);
        return DLA_OK;
    }
    int64_t start[IR_MAX_RANK], step[IR_MAX_RANK], count[IR_MAX_RANK];
    int known;
    BASE_TRY(ir_slice_plan(n, x, start, step, count, &known));
    if (!known) {
        for (int i = 0; i < x->rank; i++)
            count[i] = -1;
    }
    ir_shp_set_out(y, x->dtype, x->rank, count);
    return DLA_OK;
}

/* ---- Pad ------------------------------------------------------------------------------------------------ */

dla_status ir_pad_mode_of(const ir_node *n, ir_pad_mode *mode)
{
    const char *m = ir_attr_str(n, "mode", "constant");
    if (strcmp(m, "constant") == 0)
        *mode = IR_PAD_CONSTANT;
    else if (strcmp(m, "reflect") == 0)
        *mode = IR_PAD_REFLECT;
    else if (strcmp(m, "edge") == 0)
        *mode = IR_PAD_EDGE;
    else if (strcmp(m, "wrap") == 0)
        *mode = IR_PAD_WRAP;
    else
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "mode '%s' is not one of constant, reflect, edge, wrap", m);
    return DLA_OK;
}

dla_status ir_pad_plan(const ir_node *n, int rank, int64_t *pads, int *known)
{
    *known = 1;
    int64_t raw[2 * IR_MAX_RANK];
    int k;
    if (n->opset < 11) {
        int c;
        const int64_t *a = ir_attr_ints(n, n->opset < 2 ? "paddings" : "pads", &c);
        if (!a)
            a = ir_attr_ints(n, "pads", &c);
        if (!a)
            return ir_node_error(n, DLA_ERR_FORMAT, "opset %d Pad needs the 'pads' attribute", n->opset);
        if (c != 2 * rank)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "'pads' has %d values; a rank-%d input needs %d", c, rank,
                                 2 * rank);
        memcpy(pads, a, sizeof(int64_t) * (size_t)c);
        return DLA_OK;
    }
    if (n->n_in < 2 || !n->in[1])
        return ir_node_error(n, DLA_ERR_FORMAT, "opset %d Pad needs the 'pads' input", n->opset);
    if (!n->in[1]->data || (n->n_in > 3 && n->in[3] && !n->in[3]->data)) {
        *known = 0;
        return DLA_OK;
    }
    if (ir_tensor_numel(n->in[1]) > 2 * IR_MAX_RANK)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "the pads input has %lld values; a rank-%d input needs %d",
                             (long long)ir_tensor_numel(n->in[1]), rank, 2 * rank);
    k = ir_input_ints(n, 1, raw, 2 * IR_MAX_RANK);
    int64_t axes[IR_MAX_RANK];
    int na = rank;
    for (int i = 0; i < rank; i++)
        axes[i] = i;
    if (n->n_in > 3 && n->in[3]) {
        dla_status st;
        na = read_list(n, 3, axes, &st);
        BASE_TRY(st);
    }
    if (k != 2 * na)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "the pads input has %d values; %d axes need %d", k, na, 2 * na);
    for (int i = 0; i < 2 * rank; i++)
        pads[i] = 0;
    for (int j = 0; j < na; j++) {
        int a = ir_norm_axis(axes[j], rank);
        if (a < 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)axes[j], rank,
                                 rank);
        pads[a] = raw[j];
        pads[a + rank] = raw[j + na];
    }
    return DLA_OK;
}

dla_status ir_shp_infer_pad(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    if (x->rank < 0) {
        ir_shp_set_out(y, x->dtype, -1, NULL);
        return DLA_OK;
    }
    ir_pad_mode mode;
    BASE_TRY(ir_pad_mode_of(n, &mode));
    int64_t pads[2 * IR_MAX_RANK], d[IR_MAX_RANK];
    int known;
    BASE_TRY(ir_pad_plan(n, x->rank, pads, &known));
    for (int i = 0; i < 2 * x->rank && known; i++)
        if (pads[i] < -IR_MAX_NUMEL || pads[i] > IR_MAX_NUMEL)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "pad %d is %lld; the limit is %lld", i, (long long)pads[i],
                                 (long long)IR_MAX_NUMEL);
    for (int i = 0; i < x->rank; i++) {
        if (!known || x->dims[i] < 0) {
            d[i] = -1;
            continue;
        }
        d[i] = x->dims[i] + pads[i] + pads[i + x->rank];
        if (d[i] < 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "pads %lld and %lld shrink axis %d of size %lld below 0",
                                 (long long)pads[i], (long long)pads[i + x->rank], i, (long long)x->dims[i]);
        if (mode != IR_PAD_CONSTANT && x->dims[i] == 0 && d[i] > 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "cannot pad the empty axis %d in a non-constant mode", i);
    }
    ir_shp_set_out(y, x->dtype, x->rank, d);
    return DLA_OK;
}

/* ---- DepthToSpace / SpaceToDepth ------------------------------------------------------------------------ */

static dla_status blocksize_of(ir_node *n, const ir_tensor *x, int64_t *b)
{
    *b = ir_attr_int(n, "blocksize", 0);
    if (*b < 1 || *b > 65536)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "blocksize is %lld; it must be in [1, 65536]", (long long)*b);
    if (x->rank >= 0 && x->rank != 4)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input has rank %d; the op needs a 4-D NCHW input", x->rank);
    return DLA_OK;
}

dla_status ir_shp_infer_depth_to_space(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int64_t b;
    BASE_TRY(blocksize_of(n, x, &b));
    const char *mode = ir_attr_str(n, "mode", "DCR");
    if (strcmp(mode, "DCR") != 0 && strcmp(mode, "CRD") != 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "mode '%s' is not DCR or CRD", mode);
    if (x->rank < 0) {
        int64_t d[4] = {-1, -1, -1, -1};
        ir_shp_set_out(n->out[0], x->dtype, 4, d);
        return DLA_OK;
    }
    if (x->dims[1] >= 0 && x->dims[1] % (b * b))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "channels %lld are not a multiple of blocksize^2 = %lld",
                             (long long)x->dims[1], (long long)(b * b));
    int64_t d[4] = {x->dims[0], x->dims[1] < 0 ? -1 : x->dims[1] / (b * b), x->dims[2] < 0 ? -1 : x->dims[2] * b,
                    x->dims[3] < 0 ? -1 : x->dims[3] * b};
    ir_shp_set_out(n->out[0], x->dtype, 4, d);
    n->out[0]->dim_param[0] = x->dim_param[0];
    return DLA_OK;
}

dla_status ir_shp_infer_space_to_depth(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int64_t b;
    BASE_TRY(blocksize_of(n, x, &b));
    if (x->rank < 0) {
        int64_t d[4] = {-1, -1, -1, -1};
        ir_shp_set_out(n->out[0], x->dtype, 4, d);
        return DLA_OK;
    }
    for (int i = 2; i < 4; i++)
        if (x->dims[i] >= 0 && x->dims[i] % b)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "dim %d (%lld) is not a multiple of blocksize %lld", i,
                                 (long long)x->dims[i], (long long)b);
    int64_t d[4] = {x->dims[0], x->dims[1] < 0 ? -1 : x->dims[1] * b * b, x->dims[2] < 0 ? -1 : x->dims[2] / b,
                    x->dims[3] < 0 ? -1 : x->dims[3] / b};
    ir_shp_set_out(n->out[0], x->dtype, 4, d);
    n->out[0]->dim_param[0] = x->dim_param[0];
    return DLA_OK;
}
