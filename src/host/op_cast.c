/* Host executor: type conversion — Cast, CastLike, QuantizeLinear, DequantizeLinear.
 *
 * Cast follows C casts where ONNX leaves the choice to the implementation: float to integer truncates toward
 * zero (saturating at the int64 range, NaN to 0), to bool is "nonzero", float to float16/bfloat16 rounds to
 * nearest even. Quantization rounds half to even and saturates to the zero point's type. */
/* Lets GCC if-convert and vectorise the clamps of the quantize loops (we never read FP exception flags). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "host/op_elementwise.h"

#include <math.h>
#include <string.h>

/* float32 <-> the common types directly; 0 if the pair has no direct loop. */
static int cast_fast(ir_dtype from, ir_dtype to, const void *src, void *dst, int64_t cnt, int nt)
{
    if (from == IR_F32 && to == IR_F16) {
        const float *s = src;
        uint16_t *d = dst;
#pragma omp parallel for if (cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)
        for (int64_t i = 0; i < cnt; i++)
            d[i] = base_f32_to_fp16(s[i]);
        return 1;
    }
    if (from == IR_F16 && to == IR_F32) {
        const uint16_t *s = src;
        float *d = dst;
#pragma omp parallel for if (cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)
        for (int64_t i = 0; i < cnt; i++)
            d[i] = base_fp16_to_f32(s[i]);
        return 1;
    }
    if (from == IR_I64 && to == IR_F32) {
        const int64_t *s = src;
        float *d = dst;
        for (int64_t i = 0; i < cnt; i++)
            d[i] = (float)s[i];
        return 1;
    }
    if (from == IR_U8 && to == IR_F32) {
        const uint8_t *s = src;
        float *d = dst;
        for (int64_t i = 0; i < cnt; i++)
            d[i] = (float)s[i];
        return 1;
    }
    if (from == IR_I32 && to == IR_I64) {
        const int32_t *s = src;
        int64_t *d = dst;
        for (int64_t i = 0; i < cnt; i++)
            d[i] = s[i];
        return 1;
    }
    return 0;
}

dla_status host_cast(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    ir_dtype from = x->dtype, to = y->dtype;
    int64_t cnt = ir_tensor_numel(y);
    if (!ir_dtype_size(from) || !ir_dtype_size(to))
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "cast from %s to %s is not supported", ir_dtype_name(from),
                             ir_dtype_name(to));
    if (cnt != ir_tensor_numel(x))
        return ir_node_error(n, DLA_ERR_INTERNAL, "output has %lld elements, input %lld", (long long)cnt,
                             (long long)ir_tensor_numel(x));
    if (from == to) {
        if (y->data != x->data)
            memcpy(y->data, x->data, ir_tensor_nbytes(y));
        return DLA_OK;
    }
    if (cast_fast(from, to, x->data, y->data, cnt, ctx->n_threads))
        return DLA_OK;
    if (to == IR_BF16 && n->opset < 19 && ir_dtype_is_float(from)) {
        /* before opset 19 the ONNX reference truncated float32 to bfloat16; rounding came with opset 19 */
        for (int64_t i = 0; i < cnt; i++) {
            float f = (float)ir_get_f64(from, x->data, (size_t)i);
            uint32_t u;
            memcpy(&u, &f, 4);
            ((uint16_t *)y->data)[i] = f != f ? (uint16_t)0x7fc0 : (uint16_t)(u >> 16);
        }
        return DLA_OK;
    }
    if (ir_dtype_is_float(from) || ir_dtype_is_float(to)) {
        for (int64_t i = 0; i < cnt; i++)
            ir_set_f64(to, y->data, (size_t)i, ir_get_f64(from, x->data, (size_t)i));
    } else if (from == IR_U64 && to != IR_BOOL) { /* keep the full unsigned range */
        for (int64_t i = 0; i < cnt; i++)
            ir_set_i64(to, y->data, (size_t)i, (int64_t)((const uint64_t *)x->data)[i]);
    } else {
        for (int64_t i = 0; i < cnt; i++)
            ir_set_i64(to, y->data, (size_t)i, ir_get_i64(from, x->data, (size_t)i));
    }
    return DLA_OK;
}

/* ---- QuantizeLinear / DequantizeLinear ----------------------------------------------------------------- */

/* How the scale (and zero point) applies to x: one value, or one per index along `axis`. Element i uses
 * parameter (i / inner) % count. */
typedef struct qaxis {
    int64_t count, inner;
} qaxis;

static dla_status quant_axis(ir_node *n, qaxis *q)
{
    const ir_tensor *x = n->in[0], *s = n->in[1];
    int64_t ns = ir_tensor_numel(s);
    q->count = 1;
    q->inner = 1;
    if (ns == 1)
        return DLA_OK;
    if (s->rank != 1)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "scale has rank %d; it must be a scalar or 1-D", s->rank);
    int64_t axis = ir_attr_int(n, "axis", 1);
    if (axis < 0)
        axis += x->rank;
    if (axis < 0 || axis >= x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is out of range for rank %d",
                             (long long)ir_attr_int(n, "axis", 1), x->rank);
    if (x->dims[axis] != ns)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "scale has %lld values but axis %lld has size %lld",
                             (long long)ns, (long long)axis, (long long)x->dims[axis]);
    q->count = ns;
    for (int i = (int)axis + 1; i < x->rank; i++)
        q->inner *= x->dims[i];
    return DLA_OK;
}

static const ir_tensor *zero_point(const ir_node *n)
{
    const ir_tensor *z = n->n_in > 2 ? n->in[2] : NULL;
    return z && z->data && ir_tensor_numel(z) > 0 ? z : NULL;
}

static void qrange(ir_dtype t, double *lo, double *hi)
{
    switch (t) {
    case IR_I8: *lo = -128; *hi = 127; break;
    case IR_U16: *lo = 0; *hi = 65535; break;
    case IR_I16: *lo = -32768; *hi = 32767; break;
    default: *lo = 0; *hi = 255; break;
    }
}

/* float32 -> 8-bit over one run sharing scale s and zero point zp: x / s in float (as the reference), rounded
 * half to even by the 1.5 * 2^23 trick (exact below 2^22, so clamp first), NaN to the zero point. */
#define QUANT_RUN(T, LO, HI)                                                                                  \
    static void quant_run_##T(const float *x, T *y, int64_t len, float s, float zp)                           \
    {                                                                                                         \
        for (int64_t i = 0; i < len; i++) {                                                                   \
            float v = x[i] / s;                                                                               \
            v = v == v ? v : 0.0f;                                                                            \
            v = v < -4194304.0f ? -4194304.0f : v;                                                            \
            v = v > 4194304.0f ? 4194304.0f : v;                                                              \
            v = ((v + 12582912.0f) - 12582912.0f) + zp;                                                       \
            v = v < (LO) ? (LO) : v;                                                                          \
            v = v > (HI) ? (HI) : v;                                                                          \
            y[i] = (T)(int32_t)v;                                                                             \
        }                                                                                                     \
    }
QUANT_RUN(uint8_t, 0.0f, 255.0f)
QUANT_RUN(int8_t, -128.0f, 127.0f)

/* float32 in, float32 scale, 8-bit out; 0 when the types do not fit this path. */
static int quantize_fast(const ir_tensor *x, const ir_tensor *s, const ir_tensor *z, ir_tensor *y, const qaxis *q,
                         int nt)
{
    if (x->dtype != IR_F32 || s->dtype != IR_F32 || (y->dtype != IR_U8 && y->dtype != IR_I8))
        return 0;
    int64_t cnt = ir_tensor_numel(y), inner = q->count == 1 ? cnt : q->inner;
    int64_t blocks = inner ? cnt / inner : 0, chunk = EW_PAR_MIN / 4;
    if (q->count == 1 && cnt >= EW_PAR_MIN) { /* one run: split it into chunks for the threads */
        inner = chunk;
        blocks = (cnt + chunk - 1) / chunk;
    }
    const float *xs = x->data, *ss = s->data;
#pragma omp parallel for if (cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
        int64_t c = q->count == 1 ? 0 : b % q->count, start = b * inner;
        int64_t len = start + inner > cnt ? cnt - start : inner;
        float zp = z ? (float)ir_get_i64(z->dtype, z->data, (size_t)c) : 0.0f;
        if (y->dtype == IR_U8)
            quant_run_uint8_t(xs + start, (uint8_t *)y->data + start, len, ss[c], zp);
        else
            quant_run_int8_t(xs + start, (int8_t *)y->data + start, len, ss[c], zp);
    }
    return 1;
}

dla_status host_quantize(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *s = n->in[1], *z = zero_point(n);
    ir_tensor *y = n->out[0];
    qaxis q;
    BASE_TRY(quant_axis(n, &q));
    if (z && ir_tensor_numel(z) != q.count)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "zero point has %lld values, scale %lld",
                             (long long)ir_tensor_numel(z), (long long)q.count);
    if (quantize_fast(x, s, z, y, &q, ctx->n_threads))
        return DLA_OK;
    double lo, hi;
    qrange(y->dtype, &lo, &hi);
    int64_t cnt = ir_tensor_numel(y);
    int nt = ctx->n_threads;
#pragma omp parallel for if (cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)
    for (int64_t i = 0; i < cnt; i++) {
        size_t c = (size_t)((i / q.inner) % q.count);
        double sc = ir_get_f64(s->dtype, s->data, c), zp = z ? (double)ir_get_i64(z->dtype, z->data, c) : 0;
        double v;
        if (x->dtype == IR_F32 && s->dtype == IR_F32) /* divide in float, as the reference does */
            v = (double)(((const float *)x->data)[i] / (float)sc);
        else
            v = ir_get_f64(x->dtype, x->data, (size_t)i) / sc;
        v = (v != v ? 0 : rint(v)) + zp; /* NaN has no quantized value: the zero point, not undefined behaviour */
        v = v < lo ? lo : v > hi ? hi : v;
        ir_set_i64(y->dtype, y->data, (size_t)i, (int64_t)v);
    }
    return DLA_OK;
}

/* 8-bit in, float32 scale and out: (x - zp) * s per run of one channel. */
static int dequantize_fast(const ir_tensor *x, const ir_tensor *s, const ir_tensor *z, ir_tensor *y,
                           const qaxis *q, int nt)
{
    if ((x->dtype != IR_U8 && x->dtype != IR_I8) || s->dtype != IR_F32 || y->dtype != IR_F32)
        return 0;
    int64_t cnt = ir_tensor_numel(y), inner = q->count == 1 ? cnt : q->inner;
    int64_t blocks = inner ? cnt / inner : 0, chunk = EW_PAR_MIN / 4;
    if (q->count == 1 && cnt >= EW_PAR_MIN) {
        inner = chunk;
        blocks = (cnt + chunk - 1) / chunk;
    }
    const float *ss = s->data;
    float *ys = y->data;
#pragma omp parallel for if (cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
        int64_t c = q->count == 1 ? 0 : b % q->count, start = b * inner;
        int64_t len = start + inner > cnt ? cnt - start : inner;
        int32_t zp = z ? (int32_t)ir_get_i64(z->dtype, z->data, (size_t)c) : 0;
        float sc = ss[c];
        if (x->dtype == IR_U8) {
            const uint8_t *xs = (const uint8_t *)x->data + start;
            for (int64_t i = 0; i < len; i++)
                ys[start + i] = (float)((int32_t)xs[i] - zp) * sc;
        } else {
            const int8_t *xs = (const int8_t *)x->data + start;
            for (int64_t i = 0; i < len; i++)
                ys[start + i] = (float)((int32_t)xs[i] - zp) * sc;
        }
    }
    return 1;
}

dla_status host_dequantize(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *s = n->in[1], *z = zero_point(n);
    ir_tensor *y = n->out[0];
    qaxis q;
    BASE_TRY(quant_axis(n, &q));
    if (z && ir_tensor_numel(z) != q.count)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "zero point has %lld values, scale %lld",
                             (long long)ir_tensor_numel(z), (long long)q.count);
    int64_t cnt = ir_tensor_numel(y);
    int nt = ctx->n_threads;
    if (dequantize_fast(x, s, z, y, &q, nt))
        return DLA_OK;
#pragma omp parallel for if (cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)
    for (int64_t i = 0; i < cnt; i++) {
        size_t c = (size_t)((i / q.inner) % q.count);
        int64_t zp = z ? ir_get_i64(z->dtype, z->data, c) : 0;
        double v = (double)(ir_get_i64(x->dtype, x->data, (size_t)i) - zp);
        if (y->dtype == IR_F32)
            ((float *)y->data)[i] = (float)v * (float)ir_get_f64(s->dtype, s->data, c);
        else
            ir_set_f64(y->dtype, y->data, (size_t)i, v * ir_get_f64(s->dtype, s->data, c));
    }
    return DLA_OK;
}

/* DynamicQuantizeLinear: uint8 with the scale and zero point that map [min(x, 0), max(x, 0)] onto [0, 255],
 * in float32 as the reference computes them. */
dla_status host_dynamic_quantize(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0], *ys = n->out[1], *yz = n->out[2];
    if (x->dtype != IR_F32)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "DynamicQuantizeLinear on %s is not supported",
                             ir_dtype_name(x->dtype));
    const float *xs = x->data;
    int64_t cnt = ir_tensor_numel(x);
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < cnt; i++) {
        lo = xs[i] < lo ? xs[i] : lo;
        hi = xs[i] > hi ? xs[i] : hi;
    }
    float scale = (float)((double)(hi - lo) / 255.0), zpf = 0;
    if (scale > 0) {
        zpf = 0 - lo / scale;
        zpf = rintf(zpf < 0 ? 0 : zpf > 255 ? 255 : zpf);
    }
    if (ys)
        *(float *)ys->data = scale;
    if (yz)
        *(uint8_t *)yz->data = (uint8_t)zpf;
    if (scale > 0)
        quant_run_uint8_t(xs, y->data, cnt, scale, zpf);
    else /* all zeros: everything maps to the zero point 0 */
        memset(y->data, 0, (size_t)cnt);
    return DLA_OK;
}
