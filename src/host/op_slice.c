/* Host executor, shape family: the ops that are one strided copy (or a few) — Slice, Pad, DepthToSpace,
 * SpaceToDepth, Expand, Tile. Each builds the source strides of a view and calls host_strided_copy. */
#include "host/op_shape.h"

#include <string.h>

dla_status host_shp_slice(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t start[IR_MAX_RANK], step[IR_MAX_RANK], count[IR_MAX_RANK], istr[IR_MAX_RANK], ostr[IR_MAX_RANK];
    int known;
    BASE_TRY(ir_slice_plan(n, x, start, step, count, &known));
    if (!known)
        return ir_node_error(n, DLA_ERR_INTERNAL, "slice window unknown at run time");
    host_contig_strides(x->rank, x->dims, istr);
    host_contig_strides(y->rank, y->dims, ostr);
    int64_t base = 0;
    for (int i = 0; i < x->rank; i++) {
        if (count[i] != y->dims[i])
            return ir_node_error(n, DLA_ERR_INTERNAL, "axis %d: window of %lld but output dim %lld", i,
                                 (long long)count[i], (long long)y->dims[i]);
        if (count[i] > 0)
            base += start[i] * istr[i];
        istr[i] *= step[i];
    }
    size_t es = ir_dtype_size(x->dtype);
    host_strided_copy(es, y->rank, y->dims, y->data, ostr, (const char *)x->data + base * (int64_t)es, istr);
    return DLA_OK;
}

/* ---- Pad ------------------------------------------------------------------------------------------------ */

static void fill(void *dst, size_t es, int64_t n, const unsigned char *v)
{
    int zero = 1;
    for (size_t i = 0; i < es; i++)
        zero &= v[i] == 0;
    if (zero) {
        memset(dst, 0, (size_t)n * es);
        return;
    }
    switch (es) {
    case 4: {
        uint32_t w;
        memcpy(&w, v, 4);
        for (int64_t i = 0; i < n; i++)
            ((uint32_t *)dst)[i] = w;
        break;
    }
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy((char *)dst + (size_t)i * es, v, es);
    }
}

/* The position inside the interior [ob, ob + c) that border position p copies from. */
static int64_t pad_source(ir_pad_mode mode, int64_t p, int64_t ob, int64_t c)
{
    int64_t i = p - ob;
    switch (mode) {
    case IR_PAD_EDGE:
        i = i < 0 ? 0 : c - 1;
        break;
    case IR_PAD_WRAP:
        i = ((i % c) + c) % c;
        break;
    default: { /* reflect about the edge elements, periodically when the pad exceeds the size */
        if (c == 1) {
            i = 0;
            break;
        }
        int64_t period = 2 * (c - 1);
        i = ((i % period) + period) % period;
        if (i >= c)
            i = period - i;
    }
    }
    return ob + i;
}

dla_status host_shp_pad(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int r = x->rank;
    size_t es = ir_dtype_size(x->dtype);
    ir_pad_mode mode;
    BASE_TRY(ir_pad_mode_of(n, &mode));
    int64_t pads[2 * IR_MAX_RANK];
    int known;
    BASE_TRY(ir_pad_plan(n, r, pads, &known));
    if (!known)
        return ir_node_error(n, DLA_ERR_INTERNAL, "pads unknown at run time");
    int64_t ynum = ir_tensor_numel(y);
    if (ynum == 0)
        return DLA_OK;
    unsigned char cv[16] = {0};
    if (n->opset < 11)
        ir_set_f64(x->dtype, cv, 0, ir_attr_float(n, "value", 0.0f));
    else if (n->n_in > 2 && n->in[2] && n->in[2]->data && ir_tensor_numel(n->in[2]) >= 1)
        ir_set_f64(x->dtype, cv, 0, ir_get_f64(n->in[2]->dtype, n->in[2]->data, 0));
    if (n->opset >= 11 && n->n_in > 2 && n->in[2] && n->in[2]->data && ir_tensor_numel(n->in[2]) >= 1 &&
        n->in[2]->dtype == x->dtype)
        memcpy(cv, n->in[2]->data, es); /* exact for 64-bit integers */
    int64_t ob[IR_MAX_RANK], ib[IR_MAX_RANK], c[IR_MAX_RANK], istr[IR_MAX_RANK], ostr[IR_MAX_RANK];
    host_contig_strides(r, x->dims, istr);
    host_contig_strides(r, y->dims, ostr);
    int empty = 0, grows = 0;
    int64_t doff = 0, soff = 0;
    for (int i = 0; i < r; i++) {
        int64_t pb = pads[i], pe = pads[i + r];
        ob[i] = pb > 0 ? pb : 0;
        ib[i] = pb < 0 ? -pb : 0;
        c[i] = x->dims[i] - ib[i] - (pe < 0 ? -pe : 0);
        empty |= c[i] <= 0;
        grows |= pb > 0 || pe > 0;
        doff += ob[i] * ostr[i];
        soff += ib[i] * istr[i];
    }
    if (empty) {
        if (mode != IR_PAD_CONSTANT)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "nothing is left to pad from in a non-constant mode");
        fill(y->data, es, ynum, cv);
        return DLA_OK;
    }
    char *yd = y->data;
    if (mode == IR_PAD_CONSTANT && grows)
        fill(yd, es, ynum, cv);
    host_strided_copy(es, r, c, yd + doff * (int64_t)es, ostr, (const char *)x->data + soff * (int64_t)es, istr);
    if (mode == IR_PAD_CONSTANT)
        return DLA_OK;
    /* borders axis by axis: axes before a are complete, axes after a only hold their interior */
    for (int a = 0; a < r; a++) {
        int64_t dims[IR_MAX_RANK], base = 0;
        for (int k = 0; k < r; k++) {
            dims[k] = k < a ? y->dims[k] : k == a ? 1 : c[k];
            if (k > a)
                base += ob[k] * ostr[k];
        }
        for (int64_t p = 0; p < y->dims[a]; p++) {
            if (p == ob[a]) {
                p += c[a] - 1;
                continue;
            }
            int64_t sp = pad_source(mode, p, ob[a], c[a]);
            host_strided_copy(es, r, dims, yd + (base + p * ostr[a]) * (int64_t)es, ostr,
                              yd + (base + sp * ostr[a]) * (int64_t)es, ostr);
        }
    }
    return DLA_OK;
}

/* ---- DepthToSpace / SpaceToDepth ------------------------------------------------------------------------ */

dla_status host_shp_depth_to_space(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t b = ir_attr_int(n, "blocksize", 1);
    int crd = strcmp(ir_attr_str(n, "mode", "DCR"), "CRD") == 0;
    int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3], Co = C / (b * b);
    /* output viewed as [N, Co, H, b, W, b] = (n, c, h, i, w, j); input channel (i*b + j)*Co + c for DCR,
     * c*b*b + i*b + j for CRD */
    int64_t dims[6] = {N, Co, H, b, W, b}, ostr[6], sstr[6];
    host_contig_strides(6, dims, ostr);
    int64_t hw = H * W;
    sstr[0] = C * hw;
    sstr[2] = W;
    sstr[4] = 1;
    if (crd) {
        sstr[1] = b * b * hw;
        sstr[3] = b * hw;
        sstr[5] = hw;
    } else {
        sstr[1] = hw;
        sstr[3] = b * Co * hw;
        sstr[5] = Co * hw;
    }
    host_strided_copy(ir_dtype_size(x->dtype), 6, dims, y->data, ostr, x->data, sstr);
    return DLA_OK;
}

dla_status host_shp_space_to_depth(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t b = ir_attr_int(n, "blocksize", 1);
    int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
    /* output viewed as [N, b, b, C, H/b, W/b] = (n, i, j, c, h, w) reads x[n][c][h*b + i][w*b + j] */
    int64_t dims[6] = {N, b, b, C, H / b, W / b}, ostr[6];
    int64_t sstr[6] = {C * H * W, W, 1, H * W, b * W, b};
    host_contig_strides(6, dims, ostr);
    host_strided_copy(ir_dtype_size(x->dtype), 6, dims, y->data, ostr, x->data, sstr);
    return DLA_OK;
}

/* ---- Expand / Tile -------------------------------------------------------------------------------------- */

dla_status host_shp_expand(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t istr[IR_MAX_RANK], sstr[IR_MAX_RANK], ostr[IR_MAX_RANK];
    host_contig_strides(x->rank, x->dims, istr);
    host_contig_strides(y->rank, y->dims, ostr);
    int off = y->rank - x->rank;
    for (int i = 0; i < y->rank; i++) {
        int k = i - off;
        sstr[i] = k < 0 || x->dims[k] == 1 ? 0 : istr[k];
    }
    host_strided_copy(ir_dtype_size(x->dtype), y->rank, y->dims, y->data, ostr, x->data, sstr);
    return DLA_OK;
}

dla_status host_shp_tile(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int r = x->rank;
    int64_t istr[IR_MAX_RANK], ostr[IR_MAX_RANK];
    int64_t dims[HOST_COPY_MAX_RANK], ds[HOST_COPY_MAX_RANK], ss[HOST_COPY_MAX_RANK];
    host_contig_strides(r, x->dims, istr);
    host_contig_strides(r, y->dims, ostr);
    if (ir_tensor_numel(y) == 0)
        return DLA_OK;
    /* output axis i viewed as (repeat, dim): the repeat axis reads the same input again (stride 0) */
    for (int i = 0; i < r; i++) {
        dims[2 * i] = y->dims[i] / x->dims[i];
        dims[2 * i + 1] = x->dims[i];
        ds[2 * i] = x->dims[i] * ostr[i];
        ds[2 * i + 1] = ostr[i];
        ss[2 * i] = 0;
        ss[2 * i + 1] = istr[i];
    }
    host_strided_copy(ir_dtype_size(x->dtype), 2 * r, dims, y->data, ds, x->data, ss);
    return DLA_OK;
}
