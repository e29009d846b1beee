/* Host executor, shape family: indexing and generators — Gather, GatherElements, GatherND, ScatterElements,
 * ScatterND, OneHot, Range, ConstantOfShape. Indices may be negative (counted from the end); an index outside
 * the axis is an error naming the value and the limit. Elements move by size, so every type works. */
#include "host/op_shape.h"

#include <string.h>

static int64_t index_at(const ir_tensor *t, int64_t i) { return ir_get_i64(t->dtype, t->data, (size_t)i); }

/* idx normalised into [0, dim), or an error naming the value. */
static dla_status norm_index(const ir_node *n, int64_t *idx, int64_t dim, int axis)
{
    int64_t v = *idx;
    if (v < -dim || v >= dim)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "index %lld is outside [-%lld, %lld) on axis %d", (long long)v,
                             (long long)dim, (long long)dim, axis);
    *idx = v < 0 ? v + dim : v;
    return DLA_OK;
}

dla_status host_shp_gather(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *ind = n->in[1];
    ir_tensor *y = n->out[0];
    int axis = ir_norm_axis(ir_attr_int(n, "axis", 0), x->rank);
    int64_t outer = 1, inner = 1, D = x->dims[axis], ni = ir_tensor_numel(ind);
    for (int i = 0; i < axis; i++)
        outer *= x->dims[i];
    for (int i = axis + 1; i < x->rank; i++)
        inner *= x->dims[i];
    for (int64_t k = 0; k < ni; k++) {
        int64_t v = index_at(ind, k);
        BASE_TRY(norm_index(n, &v, D, axis));
    }
    size_t bytes = (size_t)inner * ir_dtype_size(x->dtype);
    char *yd = y->data;
    const char *xd = x->data;
#pragma omp parallel for if ((size_t)(outer * ni) * bytes > ((size_t)1 << 20))
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < ni; k++) {
            int64_t v = index_at(ind, k);
            if (v < 0)
                v += D;
            memcpy(yd + (size_t)(o * ni + k) * bytes, xd + (size_t)(o * D + v) * bytes, bytes);
        }
    return DLA_OK;
}

/* GatherElements/ScatterElements: indices may be smaller than data on the other axes, never larger. */
static dla_status index_dims_fit(const ir_node *n, const ir_tensor *x, const ir_tensor *ind, int axis)
{
    if (ind->rank != x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "indices have rank %d but data has rank %d", ind->rank,
                             x->rank);
    for (int k = 0; k < x->rank; k++)
        if (k != axis && ind->dims[k] > x->dims[k])
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "indices dim %d is %lld, more than the data's %lld", k,
                                 (long long)ind->dims[k], (long long)x->dims[k]);
    return DLA_OK;
}

dla_status host_shp_gather_elements(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *ind = n->in[1];
    ir_tensor *y = n->out[0];
    int r = x->rank;
    int axis = ir_norm_axis(ir_attr_int(n, "axis", 0), r);
    int64_t xstr[IR_MAX_RANK], coord[IR_MAX_RANK] = {0};
    BASE_TRY(index_dims_fit(n, x, ind, axis));
    host_contig_strides(r, x->dims, xstr);
    size_t es = ir_dtype_size(x->dtype);
    int64_t ni = ir_tensor_numel(ind);
    for (int64_t j = 0; j < ni; j++) {
        int64_t v = index_at(ind, j), off = 0;
        BASE_TRY(norm_index(n, &v, x->dims[axis], axis));
        for (int k = 0; k < r; k++)
            off += (k == axis ? v : coord[k]) * xstr[k];
        memcpy((char *)y->data + (size_t)j * es, (const char *)x->data + (size_t)off * es, es);
        for (int k = r - 1; k >= 0; k--) { /* odometer over the indices' shape */
            if (++coord[k] < ind->dims[k])
                break;
            coord[k] = 0;
        }
    }
    return DLA_OK;
}

/* Offset (in elements of data) of the index tuple tup[0..m) into data dims from `first` on. */
static dla_status tuple_offset(const ir_node *n, const ir_tensor *x, int first, const ir_tensor *ind, int64_t at,
                               int64_t m, const int64_t *xstr, int64_t *off)
{
    *off = 0;
    for (int64_t k = 0; k < m; k++) {
        int64_t v = index_at(ind, at + k);
        BASE_TRY(norm_index(n, &v, x->dims[first + k], first + (int)k));
        *off += v * xstr[first + k];
    }
    return DLA_OK;
}

dla_status host_shp_gather_nd(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *ind = n->in[1];
    ir_tensor *y = n->out[0];
    int b = (int)ir_attr_int(n, "batch_dims", 0), q = ind->rank;
    int64_t m = ind->dims[q - 1], xstr[IR_MAX_RANK], batch = 1, per_batch = 1, slice = 1;
    host_contig_strides(x->rank, x->dims, xstr);
    for (int i = 0; i < b; i++) {
        if (ind->dims[i] != x->dims[i])
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "batch dim %d is %lld in indices but %lld in data", i,
                                 (long long)ind->dims[i], (long long)x->dims[i]);
        batch *= x->dims[i];
    }
    for (int i = b; i < q - 1; i++)
        per_batch *= ind->dims[i];
    for (int i = b + (int)m; i < x->rank; i++)
        slice *= x->dims[i];
    size_t es = ir_dtype_size(x->dtype), bytes = (size_t)slice * es;
    int64_t xbatch = b ? xstr[b - 1] : 0;
    char *yd = y->data;
    for (int64_t bi = 0; bi < batch; bi++)
        for (int64_t t = 0; t < per_batch; t++) {
            int64_t tup = bi * per_batch + t, off;
            BASE_TRY(tuple_offset(n, x, b, ind, tup * m, m, xstr, &off));
            memcpy(yd + (size_t)tup * bytes, (const char *)x->data + (size_t)(bi * xbatch + off) * es, bytes);
        }
    return DLA_OK;
}

/* ---- scatter -------------------------------------------------------------------------------------------- */

typedef enum { RED_NONE, RED_ADD, RED_MUL, RED_MAX, RED_MIN } reduction;

static reduction reduction_of(const ir_node *n)
{
    const char *s = ir_attr_str(n, "reduction", "none");
    return strcmp(s, "add") == 0   ? RED_ADD
           : strcmp(s, "mul") == 0 ? RED_MUL
           : strcmp(s, "max") == 0 ? RED_MAX
           : strcmp(s, "min") == 0 ? RED_MIN
                                   : RED_NONE;
}

/* out[o] = reduce(out[o], upd[u]) in the element type (integers stay exact). */
static void apply(ir_dtype t, reduction red, void *out, int64_t o, const void *upd, int64_t u)
{
    size_t es = ir_dtype_size(t);
    if (red == RED_NONE) {
        memcpy((char *)out + (size_t)o * es, (const char *)upd + (size_t)u * es, es);
        return;
    }
    if (ir_dtype_is_float(t)) {
        double a = ir_get_f64(t, out, (size_t)o), v = ir_get_f64(t, upd, (size_t)u);
        double r = red == RED_ADD ? a + v : red == RED_MUL ? a * v : red == RED_MAX ? (a > v ? a : v) : (a < v ? a : v);
        ir_set_f64(t, out, (size_t)o, r);
    } else {
        int64_t a = ir_get_i64(t, out, (size_t)o), v = ir_get_i64(t, upd, (size_t)u);
        int64_t r = red == RED_ADD   ? (int64_t)((uint64_t)a + (uint64_t)v)
                    : red == RED_MUL ? (int64_t)((uint64_t)a * (uint64_t)v)
                    : red == RED_MAX ? (a > v ? a : v)
                                     : (a < v ? a : v);
        ir_set_i64(t, out, (size_t)o, r);
    }
}

dla_status host_shp_scatter_elements(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *ind = n->in[1], *upd = n->in[2];
    ir_tensor *y = n->out[0];
    int r = x->rank;
    if (ind->rank != r || upd->rank != r)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "data, indices and updates have ranks %d, %d, %d; they must match",
                             r, ind->rank, upd->rank);
    for (int k = 0; k < r; k++)
        if (ind->dims[k] != upd->dims[k])
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "indices dim %d is %lld but updates has %lld", k,
                                 (long long)ind->dims[k], (long long)upd->dims[k]);
    if (y->data != x->data)
        memcpy(y->data, x->data, ir_tensor_nbytes(x));
    int axis = ir_norm_axis(ir_attr_int(n, "axis", 0), r);
    BASE_TRY(index_dims_fit(n, x, ind, axis));
    reduction red = reduction_of(n);
    int64_t xstr[IR_MAX_RANK], coord[IR_MAX_RANK] = {0};
    host_contig_strides(r, x->dims, xstr);
    int64_t ni = ir_tensor_numel(ind);
    for (int64_t j = 0; j < ni; j++) {
        int64_t v = index_at(ind, j), off = 0;
        BASE_TRY(norm_index(n, &v, x->dims[axis], axis));
        for (int k = 0; k < r; k++)
            off += (k == axis ? v : coord[k]) * xstr[k];
        apply(x->dtype, red, y->data, off, upd->data, j);
        for (int k = r - 1; k >= 0; k--) {
            if (++coord[k] < ind->dims[k])
                break;
            coord[k] = 0;
        }
    }
    return DLA_OK;
}

dla_status host_shp_scatter_nd(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *ind = n->in[1], *upd = n->in[2];
    ir_tensor *y = n->out[0];
    int q = ind->rank;
    int64_t m = q > 0 ? ind->dims[q - 1] : 0;
    if (q < 1 || m < 1 || m > x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "index tuples have %lld entries; data has rank %d",
                             (long long)m, x->rank);
    if (y->data != x->data)
        memcpy(y->data, x->data, ir_tensor_nbytes(x));
    int64_t xstr[IR_MAX_RANK], tuples = 1, slice = 1;
    host_contig_strides(x->rank, x->dims, xstr);
    for (int i = 0; i < q - 1; i++)
        tuples *= ind->dims[i];
    for (int i = (int)m; i < x->rank; i++)
        slice *= x->dims[i];
    if (ir_tensor_numel(upd) != tuples * slice)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "updates has %lld elements; %lld tuples x %lld per slice needed",
                             (long long)ir_tensor_numel(upd), (long long)tuples, (long long)slice);
    reduction red = reduction_of(n);
    for (int64_t t = 0; t < tuples; t++) {
        int64_t off;
        BASE_TRY(tuple_offset(n, x, 0, ind, t * m, m, xstr, &off));
        for (int64_t e = 0; e < slice; e++)
            apply(x->dtype, red, y->data, off + e, upd->data, t * slice + e);
    }
    return DLA_OK;
}

/* ---- generators ----------------------------------------------------------------------------------------- */

dla_status host_shp_onehot(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *ind = n->in[0], *depth = n->in[1], *val = n->in[2];
    ir_tensor *y = n->out[0];
    int axis = ir_norm_axis(ir_attr_int(n, "axis", -1), y->rank);
    int64_t D = ir_get_i64(depth->dtype, depth->data, 0), outer = 1, inner = 1;
    for (int i = 0; i < axis; i++)
        outer *= ind->dims[i];
    for (int i = axis; i < ind->rank; i++)
        inner *= ind->dims[i];
    size_t es = ir_dtype_size(y->dtype);
    const char *off = val->data, *on = (const char *)val->data + es;
    char *yd = y->data;
    int64_t total = ir_tensor_numel(y);
    for (int64_t i = 0; i < total; i++)
        memcpy(yd + (size_t)i * es, off, es);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            int64_t v = ir_get_i64(ind->dtype, ind->data, (size_t)(o * inner + i));
            if (v < 0)
                v += D;
            if (v < 0 || v >= D)
                continue; /* out of range: the row stays all "off" */
            memcpy(yd + (size_t)((o * D + v) * inner + i) * es, on, es);
        }
    return DLA_OK;
}

dla_status host_shp_range(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *s = n->in[0], *d = n->in[2];
    ir_tensor *y = n->out[0];
    int64_t cnt = y->dims[0];
    if (ir_dtype_is_float(y->dtype)) {
        double a = ir_get_f64(s->dtype, s->data, 0), dl = ir_get_f64(d->dtype, d->data, 0);
        for (int64_t i = 0; i < cnt; i++)
            ir_set_f64(y->dtype, y->data, (size_t)i, a + (double)i * dl);
    } else {
        int64_t a = ir_get_i64(s->dtype, s->data, 0), dl = ir_get_i64(d->dtype, d->data, 0);
        for (int64_t i = 0; i < cnt; i++)
            ir_set_i64(y->dtype, y->data, (size_t)i, (int64_t)((uint64_t)a + (uint64_t)i * (uint64_t)dl));
    }
    return DLA_OK;
}

dla_status host_shp_constant_of_shape(host_ctx *ctx, ir_node *n)
{
    ir_tensor *y = n->out[0];
    const ir_attr *v = ir_node_attr(n, "value");
    size_t es = ir_dtype_size(y->dtype);
    int64_t total = ir_tensor_numel(y);
    if (!v || !v->t || !v->t->data) {
        memset(y->data, 0, (size_t)total * es);
        return DLA_OK;
    }
    for (int64_t i = 0; i < total; i++)
        memcpy((char *)y->data + (size_t)i * es, v->t->data, es);
    return DLA_OK;
}
