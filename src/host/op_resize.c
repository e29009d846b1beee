/* Host executor, shape family: Resize and Upsample.
 *
 * Nearest gathers whole elements by size (every type, exact). Linear and cubic are separable: one pass per
 * resized axis in float, each output coordinate a weighted sum of 2 or 4 clamped input neighbours, with the
 * ONNX reference's neighbour choice (an integer coordinate has ratio 1: weight on the left tap set), cubic
 * coefficients with cubic_coeff_a, and exclude_outside renormalisation. tf_crop_and_resize coordinates outside
 * the input give extrapolation_value. Coordinates come from ir_resize_coord (shared with shape inference). */
#include "host/op_shape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PAR_MIN ((int64_t)1 << 15)

static int64_t nearest_index(const ir_resize_plan *p, int axis, int64_t xo)
{
    int outside;
    double x = ir_resize_coord(p, axis, xo, &outside);
    if (outside)
        return -1;
    double f = floor(x), frac = x - f, r;
    switch (p->nearest) {
    case IR_NEAREST_FLOOR: r = f; break;
    case IR_NEAREST_CEIL: r = ceil(x); break;
    case IR_NEAREST_SIMPLE: r = p->scale[axis] < 1 ? ceil(x) : f; break;
    case IR_NEAREST_ROUND_PREFER_CEIL: r = frac >= 0.5 ? f + 1 : f; break;
    default: r = frac > 0.5 ? f + 1 : f; break;
    }
    int64_t in = p->in_dims[axis], i = (int64_t)r;
    return i < 0 ? 0 : i >= in ? in - 1 : i;
}

static void gather_row(size_t es, int64_t n, char *d, const char *s, const int64_t *map, const unsigned char *ext)
{
#define GR(T)                                                                                                 \
    do {                                                                                                      \
        T *dt = (T *)(void *)d, e;                                                                            \
        const T *st = (const T *)(const void *)s;                                                             \
        memcpy(&e, ext, sizeof e);                                                                            \
        for (int64_t i = 0; i < n; i++)                                                                       \
            dt[i] = map[i] < 0 ? e : st[map[i]];                                                              \
    } while (0)
    switch (es) {
    case 1: GR(uint8_t); break;
    case 2: GR(uint16_t); break;
    case 4: GR(uint32_t); break;
    case 8: GR(uint64_t); break;
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy(d + (size_t)i * es, map[i] < 0 ? (const char *)ext : s + (size_t)map[i] * es, es);
    }
#undef GR
}

static dla_status resize_nearest(ir_node *n, const ir_resize_plan *p)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int r = x->rank;
    size_t es = ir_dtype_size(x->dtype);
    unsigned char ext[16] = {0};
    ir_set_f64(x->dtype, ext, 0, p->extrapolation);
    int64_t total = 0, off[IR_MAX_RANK], istr[IR_MAX_RANK];
    for (int a = 0; a < r; a++) {
        off[a] = total;
        total += y->dims[a];
    }
    int64_t *map = malloc(sizeof(int64_t) * (size_t)(total ? total : 1));
    if (!map)
        return ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate the index map");
    for (int a = 0; a < r; a++)
        for (int64_t i = 0; i < y->dims[a]; i++)
            map[off[a] + i] = nearest_index(p, a, i);
    host_contig_strides(r, x->dims, istr);
    int64_t row = r ? y->dims[r - 1] : 1, rows = ir_tensor_numel(y) / (row ? row : 1);
    if (row == 0 || r == 0) {
        if (r == 0)
            memcpy(y->data, x->data, es);
        free(map);
        return DLA_OK;
    }
    const int64_t *lmap = map + off[r - 1];
    char *yd = y->data;
    const char *xd = x->data;
#pragma omp parallel for if (rows * row > PAR_MIN)
    for (int64_t o = 0; o < rows; o++) {
        int64_t rem = o, so = 0;
        int outside = 0;
        for (int k = r - 2; k >= 0; k--) {
            int64_t c = rem % y->dims[k];
            rem /= y->dims[k];
            int64_t m = map[off[k] + c];
            outside |= m < 0;
            so += m * istr[k];
        }
        char *d = yd + (size_t)(o * row) * es;
        if (outside) {
            for (int64_t i = 0; i < row; i++)
                memcpy(d + (size_t)i * es, ext, es);
            continue;
        }
        gather_row(es, row, d, xd + (size_t)so * es, lmap, ext);
    }
    free(map);
    return DLA_OK;
}

/* ---- linear / cubic ------------------------------------------------------------------------------------- */

typedef struct taps {
    int n;          /* taps per output coordinate: 2 or 4 */
    int64_t *idx;   /* [out][n], clamped into the input; -1 for the whole coordinate: extrapolate */
    float *w;       /* [out][n] */
} taps;

static void coeffs(const ir_resize_plan *p, double ratio, double *c)
{
    if (p->mode == IR_RESIZE_LINEAR) {
        c[0] = 1 - ratio;
        c[1] = ratio;
        return;
    }
    double A = p->cubic_a, s = ratio + 1, t = 1 - ratio, u = t + 1;
    c[0] = ((A * s - 5 * A) * s + 8 * A) * s - 4 * A;
    c[1] = ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1;
    c[2] = ((A + 2) * t - (A + 3)) * t * t + 1;
    c[3] = ((A * u - 5 * A) * u + 8 * A) * u - 4 * A;
}

/* Taps for one axis; returns 1 when the axis maps every output index to the same input index with weight 1
 * (nothing to do), 0 otherwise, -1 when out of memory. */
static int make_taps(const ir_resize_plan *p, int axis, taps *t)
{
    int64_t out = p->out_dims[axis], in = p->in_dims[axis];
    int nt = p->mode == IR_RESIZE_LINEAR ? 2 : 4;
    t->n = nt;
    t->idx = malloc(sizeof(int64_t) * (size_t)(out * nt + 1));
    t->w = malloc(sizeof(float) * (size_t)(out * nt + 1));
    if (!t->idx || !t->w)
        return -1;
    int identity = out == in;
    for (int64_t xo = 0; xo < out; xo++) {
        int outside;
        double x = ir_resize_coord(p, axis, xo, &outside), c[4];
        int64_t *ix = t->idx + xo * nt;
        float *w = t->w + xo * nt;
        if (outside) {
            ix[0] = -1;
            identity = 0;
            continue;
        }
        double cx = ceil(x);
        double ratio = x - (cx - 1);
        int64_t base = (int64_t)cx - nt / 2;
        coeffs(p, ratio, c);
        double sum = 0;
        for (int k = 0; k < nt; k++) {
            int64_t i = base + k;
            if (p->exclude_outside && (i < 0 || i >= in))
                c[k] = 0;
            sum += c[k];
        }
        for (int k = 0; k < nt; k++) {
            int64_t i = base + k;
            ix[k] = i < 0 ? 0 : i >= in ? in - 1 : i;
            w[k] = (float)(p->exclude_outside && sum != 0 ? c[k] / sum : c[k]);
            if (w[k] != 0 && !(w[k] == 1 && ix[k] == xo))
                identity = 0;
        }
    }
    return identity;
}

/* One pass along an axis: src [outer][in][inner] -> dst [outer][out][inner]. */
static void pass(const taps *t, int64_t outer, int64_t in, int64_t out, int64_t inner, const float *src, float *dst,
                 float ext)
{
#pragma omp parallel for if (outer * out * inner > PAR_MIN)
    for (int64_t o = 0; o < outer; o++)
        for (int64_t xo = 0; xo < out; xo++) {
            float *d = dst + (o * out + xo) * inner;
            const int64_t *ix = t->idx + xo * t->n;
            const float *w = t->w + xo * t->n;
            if (ix[0] < 0) {
                for (int64_t i = 0; i < inner; i++)
                    d[i] = ext;
                continue;
            }
            if (inner == 1) { /* the last axis: a short dot product per output */
                const float *so = src + o * in;
                float v = 0;
                for (int k = 0; k < t->n; k++)
                    v += w[k] * so[ix[k]];
                d[0] = v;
                continue;
            }
            const float *s0 = src + (o * in + ix[0]) * inner;
            for (int64_t i = 0; i < inner; i++)
                d[i] = w[0] * s0[i];
            for (int k = 1; k < t->n; k++) {
                if (w[k] == 0)
                    continue;
                const float *sk = src + (o * in + ix[k]) * inner;
                for (int64_t i = 0; i < inner; i++)
                    d[i] += w[k] * sk[i];
            }
        }
}

static dla_status resize_interp(ir_node *n, const ir_resize_plan *p)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int r = x->rank, f32 = x->dtype == IR_F32;
    int64_t xn = ir_tensor_numel(x), yn = ir_tensor_numel(y);
    taps t[IR_MAX_RANK] = {0};
    int todo[IR_MAX_RANK], last = -1;
    dla_status st = DLA_OK;
    float *buf[2] = {NULL, NULL}, *conv = NULL;
    for (int a = 0; a < r; a++) {
        todo[a] = make_taps(p, a, &t[a]);
        if (todo[a] < 0) {
            st = ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate interpolation taps");
            goto free_taps;
        }
        todo[a] = !todo[a];
        if (todo[a])
            last = a;
    }
    if (yn == 0)
        goto free_taps;
    const float *cur = x->data;
    if (!f32) {
        conv = malloc(sizeof(float) * (size_t)(xn ? xn : 1));
        if (!conv) {
            st = ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate %lld floats", (long long)xn);
            goto free_taps;
        }
        for (int64_t i = 0; i < xn; i++)
            conv[i] = (float)ir_get_f64(x->dtype, x->data, (size_t)i);
        cur = conv;
    }
    int64_t dims[IR_MAX_RANK];
    memcpy(dims, x->dims, sizeof(int64_t) * (size_t)r);
    int nb = 0;
    for (int a = 0; a < r; a++) {
        if (!todo[a])
            continue;
        int64_t outer = 1, inner = 1;
        for (int k = 0; k < a; k++)
            outer *= dims[k];
        for (int k = a + 1; k < r; k++)
            inner *= dims[k];
        float *dst;
        if (a == last && f32) {
            dst = y->data;
        } else {
            free(buf[nb]);
            buf[nb] = malloc(sizeof(float) * (size_t)(outer * p->out_dims[a] * inner + 1));
            if (!buf[nb]) {
                st = ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate the resize buffer");
                goto free_bufs;
            }
            dst = buf[nb];
            nb ^= 1;
        }
        pass(&t[a], outer, dims[a], p->out_dims[a], inner, cur, dst, (float)p->extrapolation);
        dims[a] = p->out_dims[a];
        cur = dst;
    }
    if (cur != y->data) {
        if (f32)
            memcpy(y->data, cur, sizeof(float) * (size_t)yn);
        else
            for (int64_t i = 0; i < yn; i++)
                ir_set_f64(y->dtype, y->data, (size_t)i, cur[i]);
    }
free_bufs:
    free(buf[0]);
    free(buf[1]);
    free(conv);
free_taps:
    for (int a = 0; a < r; a++) {
        free(t[a].idx);
        free(t[a].w);
    }
    return st;
}

dla_status host_shp_resize(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    ir_resize_plan p;
    int known;
    BASE_TRY(ir_resize_plan_make(n, &p, &known));
    if (!known)
        return ir_node_error(n, DLA_ERR_INTERNAL, "resize scales unknown at run time");
    for (int a = 0; a < x->rank; a++)
        if (p.out_dims[a] != y->dims[a])
            return ir_node_error(n, DLA_ERR_INTERNAL, "axis %d: planned %lld but output dim %lld", a,
                                 (long long)p.out_dims[a], (long long)y->dims[a]);
    if (ir_tensor_numel(y) > 0)
        for (int a = 0; a < x->rank; a++)
            if (x->dims[a] == 0)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %d of the input is empty but resizes to %lld", a,
                                     (long long)y->dims[a]);
    if (p.mode == IR_RESIZE_NEAREST)
        return resize_nearest(n, &p);
    return resize_interp(n, &p);
}
