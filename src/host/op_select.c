/* Host executor: ArgMax/ArgMin, TopK, NonMaxSuppression, NonZero, CumSum. Each axis op views its input as
 * [outer, d, inner] around the axis. Integer inputs compare and add in int64 so that they stay exact. */
#include "host/op_reduce.h"
#include "ir/reduce.h"

#include <stdlib.h>
#include <string.h>

static void split_at(const ir_tensor *x, int axis, int64_t *outer, int64_t *d, int64_t *inner)
{
    *outer = 1, *d = x->dims[axis], *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= x->dims[i];
    for (int i = axis + 1; i < x->rank; i++)
        *inner *= x->dims[i];
}

/* ---- ArgMax / ArgMin ------------------------------------------------------------------------------------ */

dla_status host_argminmax(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int64_t *y = n->out[0]->data;
    int axis = 0;
    BASE_TRY(ir_norm_axis(n, "axis", ir_attr_int(n, "axis", 0), x->rank, &axis));
    int last = ir_attr_int(n, "select_last_index", 0) != 0;
    int want_max = n->op == IR_OP_ArgMax;
    int is_float = ir_dtype_is_float(x->dtype);
    int64_t outer, d, inner;
    split_at(x, axis, &outer, &d, &inner);
    if (d == 0 && outer * inner > 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %d has size 0; %s needs at least one value", axis,
                             ir_op_name(n->op));
    for (int64_t g = 0; g < outer * inner; g++) {
        size_t base = (size_t)((g / inner) * d * inner + g % inner);
        int64_t best = 0;
        double bf = is_float ? ir_get_f64(x->dtype, x->data, base) : 0;
        int64_t bi = is_float ? 0 : ir_get_i64(x->dtype, x->data, base);
        for (int64_t j = 1; j < d; j++) {
            size_t i = base + (size_t)(j * inner);
            int better, equal;
            if (is_float) {
                double v = ir_get_f64(x->dtype, x->data, i);
                better = want_max ? v > bf : v < bf;
                equal = v == bf;
                if (better || (equal && last))
                    bf = v;
            } else {
                int64_t v = ir_get_i64(x->dtype, x->data, i);
                better = want_max ? v > bi : v < bi;
                equal = v == bi;
                if (better || (equal && last))
                    bi = v;
            }
            if (better || (equal && last))
                best = j;
        }
        y[g] = best;
    }
    (void)ctx;
    return DLA_OK;
}

/* ---- TopK ----------------------------------------------------------------------------------------------- */

typedef struct topk_item {
    double f;    /* value of a float input */
    int64_t i;   /* value of an integer input */
    int64_t idx; /* position along the axis: ties go to the lower one */
} topk_item;

static int by_idx(const topk_item *a, const topk_item *b) { return (a->idx > b->idx) - (a->idx < b->idx); }
static int f_desc(const void *pa, const void *pb)
{
    const topk_item *a = pa, *b = pb;
    return a->f != b->f ? (a->f > b->f ? -1 : 1) : by_idx(a, b);
}
static int f_asc(const void *pa, const void *pb)
{
    const topk_item *a = pa, *b = pb;
    return a->f != b->f ? (a->f < b->f ? -1 : 1) : by_idx(a, b);
}
static int i_desc(const void *pa, const void *pb)
{
    const topk_item *a = pa, *b = pb;
    return a->i != b->i ? (a->i > b->i ? -1 : 1) : by_idx(a, b);
}
static int i_asc(const void *pa, const void *pb)
{
    const topk_item *a = pa, *b = pb;
    return a->i != b->i ? (a->i < b->i ? -1 : 1) : by_idx(a, b);
}

/* A bounded max-heap under `cmp` (the root is the item ranked last among those kept): selecting k of d items
 * costs O(d log k) time and O(k) memory instead of sorting all d (detector heads: k = 1000 of ~24 M scores). */
static void heap_sift_down(topk_item *h, int64_t n, int64_t i, int (*cmp)(const void *, const void *))
{
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && cmp(&h[l], &h[m]) > 0)
            m = l;
        if (r < n && cmp(&h[r], &h[m]) > 0)
            m = r;
        if (m == i)
            return;
        topk_item t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_push(topk_item *h, int64_t n, topk_item it, int (*cmp)(const void *, const void *))
{
    int64_t i = n;
    h[i] = it;
    while (i > 0) {
        int64_t p = (i - 1) / 2;
        if (cmp(&h[i], &h[p]) <= 0)
            return;
        topk_item t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

/* Selects the first k of the d items at x[base + j * inner] in `cmp` order into sel[0..k), sorted. */
static void topk_select(const ir_tensor *x, size_t base, int64_t inner, int64_t d, int64_t k, int is_float,
                        int (*cmp)(const void *, const void *), topk_item *sel)
{
    int64_t n = 0;
    for (int64_t j = 0; j < d; j++) {
        size_t i = base + (size_t)(j * inner);
        topk_item it = {0};
        it.idx = j;
        if (is_float)
            it.f = ir_get_f64(x->dtype, x->data, i);
        else
            it.i = ir_get_i64(x->dtype, x->data, i);
        if (n < k) {
            heap_push(sel, n++, it, cmp);
        } else if (cmp(&it, &sel[0]) < 0) {
            sel[0] = it;
            heap_sift_down(sel, n, 0, cmp);
        }
    }
    qsort(sel, (size_t)n, sizeof *sel, cmp);
}

dla_status host_topk(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *vals = n->out[0], *idxs = n->out[1];
    const ir_tensor *shape_src = vals ? vals : idxs;
    if (!shape_src)
        return DLA_OK;
    int axis = 0;
    BASE_TRY(ir_norm_axis(n, "axis", ir_attr_int(n, "axis", -1), x->rank, &axis));
    int64_t k = shape_src->dims[axis], outer, d, inner;
    split_at(x, axis, &outer, &d, &inner);
    int largest = ir_attr_int(n, "largest", 1) != 0;
    int is_float = ir_dtype_is_float(x->dtype);
    int (*cmp)(const void *, const void *) = is_float ? (largest ? f_desc : f_asc) : (largest ? i_desc : i_asc);
    size_t es = ir_dtype_size(x->dtype);
    if (k == 0 || outer * inner == 0)
        return DLA_OK;
    topk_item *items = malloc(sizeof *items * (size_t)k);
    if (!items)
        return ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate TopK work space for %lld values", (long long)k);
    /* sorted = 0 allows any order; the sorted order is one of them */
    for (int64_t g = 0; g < outer * inner; g++) {
        int64_t o = g / inner, in = g % inner;
        size_t base = (size_t)(o * d * inner + in), obase = (size_t)(o * k * inner + in);
        topk_select(x, base, inner, d, k, is_float, cmp, items);
        for (int64_t j = 0; j < k; j++) {
            size_t oi = obase + (size_t)(j * inner);
            if (vals)
                memcpy((char *)vals->data + oi * es, (const char *)x->data + (base + (size_t)(items[j].idx * inner)) * es,
                       es);
            if (idxs)
                ((int64_t *)idxs->data)[oi] = items[j].idx;
        }
    }
    free(items);
    (void)ctx;
    return DLA_OK;
}

/* ---- NonMaxSuppression, NonZero ------------------------------------------------------------------------- */

dla_status host_nms(host_ctx *ctx, ir_node *n)
{
    ir_tensor *y = n->out[0];
    int64_t count;
    BASE_TRY(ir_nms_select(n, y->data, y->dims[0], &count));
    if (count != y->dims[0])
        return ir_node_error(n, DLA_ERR_INTERNAL, "selected %lld boxes, but inference sized the output for %lld",
                             (long long)count, (long long)y->dims[0]);
    (void)ctx;
    return DLA_OK;
}

dla_status host_nonzero(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t numel = ir_tensor_numel(x), count = y->dims[1], j = 0;
    int64_t idx[IR_MAX_RANK] = {0};
    int64_t *out = y->data;
    for (int64_t i = 0; i < numel; i++) {
        if (ir_get_f64(x->dtype, x->data, (size_t)i) != 0) {
            if (j >= count)
                return ir_node_error(n, DLA_ERR_INTERNAL, "more than the %lld inferred non-zero values",
                                     (long long)count);
            for (int a = 0; a < x->rank; a++)
                out[a * count + j] = idx[a];
            j++;
        }
        for (int a = x->rank - 1; a >= 0; a--) {
            if (++idx[a] < x->dims[a])
                break;
            idx[a] = 0;
        }
    }
    (void)ctx;
    return DLA_OK;
}

/* ---- CumSum --------------------------------------------------------------------------------------------- */

dla_status host_cumsum(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    if (ir_tensor_numel(n->in[1]) != 1)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis input has %lld values; it must hold exactly 1",
                             (long long)ir_tensor_numel(n->in[1]));
    int axis = 0;
    BASE_TRY(ir_norm_axis(n, "axis", ir_get_i64(n->in[1]->dtype, n->in[1]->data, 0), x->rank, &axis));
    int excl = ir_attr_int(n, "exclusive", 0) != 0, rev = ir_attr_int(n, "reverse", 0) != 0;
    int is_float = ir_dtype_is_float(x->dtype);
    int64_t outer, d, inner;
    split_at(x, axis, &outer, &d, &inner);
    for (int64_t g = 0; g < outer * inner; g++) {
        int64_t base = (g / inner) * d * inner + g % inner;
        double sf = 0;
        uint64_t si = 0; /* unsigned: overflow wraps as the type would */
        for (int64_t s = 0; s < d; s++) {
            int64_t j = rev ? d - 1 - s : s;
            size_t i = (size_t)(base + j * inner);
            if (is_float) {
                double v = x->dtype == IR_F32 ? ((const float *)x->data)[i] : ir_get_f64(x->dtype, x->data, i);
                if (!excl)
                    sf += v;
                ir_set_f64(y->dtype, y->data, i, sf);
                if (excl)
                    sf += v;
            } else {
                uint64_t v = (uint64_t)ir_get_i64(x->dtype, x->data, i);
                if (!excl)
                    si += v;
                ir_set_i64(y->dtype, y->data, i, (int64_t)si);
                if (excl)
                    si += v;
            }
        }
    }
    (void)ctx;
    return DLA_OK;
}
