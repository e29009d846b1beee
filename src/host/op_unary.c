/* Host executor: activations and unary math (Relu ... Atanh, Not) and Clip.
 *
 * Each op is one expression in UNARY_OPS, expanded twice through <tgmath.h>: once over float32 arrays (the
 * hot path: contiguous, vectorisable, OpenMP above EW_PAR_MIN elements) and once over doubles read and written
 * with ir_get_f64/ir_set_f64 for the other float types. Integer inputs keep exact integer semantics for the ops
 * defined on them (Relu, Abs, Neg, Sign, Clip); others go through the double path and truncate back. */
/* Lets GCC if-convert and vectorise selects such as x >= 0 ? x : a * x (we never read FP exception flags). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "host/op_elementwise.h"

#include <float.h>
#include <stdint.h>
#include <string.h>
#include <tgmath.h>

typedef struct uparams {
    double alpha, beta, gamma, lambd, bias;
} uparams;

#define CLAMP01(v) ((v) < 0 ? 0 : (v) > 1 ? 1 : (v))
#define SOFTPLUS(v) ((v) > 0 ? (v) + log1p(exp(-(v))) : log1p(exp(v)))

/* X(op, expression of x and the parameters alpha, beta, gamma, lambd, bias, all of type T) */
#define UNARY_OPS(X)                                                                                          \
    X(Relu, x > 0 ? x : 0)                                                                                    \
    X(LeakyRelu, x >= 0 ? x : alpha * x)                                                                      \
    X(Sigmoid, x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)))                                           \
    X(Tanh, tanh(x))                                                                                          \
    X(HardSigmoid, CLAMP01(alpha * x + beta))                                                                 \
    X(HardSwish, x * CLAMP01(alpha * x + beta))                                                               \
    X(Elu, x < 0 ? alpha * expm1(x) : x)                                                                      \
    X(Selu, x > 0 ? gamma * x : gamma * alpha * expm1(x))                                                     \
    X(Celu, (x > 0 ? x : 0) + (x < 0 ? alpha * expm1(x / alpha) : 0))                                         \
    X(Softplus, SOFTPLUS(x))                                                                                  \
    X(Softsign, x / (1 + fabs(x)))                                                                            \
    X(Mish, x * tanh(SOFTPLUS(x)))                                                                            \
    X(ThresholdedRelu, x > alpha ? x : 0)                                                                     \
    X(Shrink, x < -lambd ? x + bias : (x > lambd ? x - bias : 0))                                             \
    X(Erf, erf(x))                                                                                            \
    X(Exp, exp(x))                                                                                            \
    X(Log, log(x))                                                                                            \
    X(Sqrt, sqrt(x))                                                                                          \
    X(Abs, fabs(x))                                                                                           \
    X(Neg, -x)                                                                                                \
    X(Reciprocal, 1 / x)                                                                                      \
    X(Floor, floor(x))                                                                                        \
    X(Ceil, ceil(x))                                                                                          \
    X(Round, rint(x)) /* the default rounding mode: half to even */                                          \
    X(Sign, x > 0 ? 1 : (x < 0 ? -1 : x))                                                                     \
    X(Sin, sin(x))                                                                                            \
    X(Cos, cos(x))                                                                                            \
    X(Tan, tan(x))                                                                                            \
    X(Asin, asin(x))                                                                                          \
    X(Acos, acos(x))                                                                                          \
    X(Atan, atan(x))                                                                                          \
    X(Sinh, sinh(x))                                                                                          \
    X(Cosh, cosh(x))                                                                                          \
    X(Asinh, asinh(x))                                                                                        \
    X(Acosh, acosh(x))                                                                                        \
    X(Atanh, atanh(x))

static void get_params(const ir_node *n, uparams *p)
{
    double a = 1.0, b = 0.0;
    switch (n->op) {
    case IR_OP_LeakyRelu: a = 0.01; break;
    case IR_OP_HardSigmoid: a = 0.2; b = 0.5; break;
    case IR_OP_HardSwish: a = 1.0 / 6.0; b = 0.5; break;
    case IR_OP_Selu: a = 1.67326319217681884765625; break;
    default: break;
    }
    if (n->op == IR_OP_HardSwish) { /* fixed constants, no attributes */
        p->alpha = a;
        p->beta = b;
    } else {
        p->alpha = ir_attr_float(n, "alpha", (float)a);
        p->beta = ir_attr_float(n, "beta", (float)b);
    }
    p->gamma = ir_attr_float(n, "gamma", 1.05070102214813232421875f);
    p->lambd = ir_attr_float(n, "lambd", 0.5f);
    p->bias = ir_attr_float(n, "bias", 0.0f);
}

#define PARAMS_AS_T                                                                                           \
    const T alpha = (T)p->alpha, beta = (T)p->beta, gamma = (T)p->gamma, lambd = (T)p->lambd,                 \
            bias = (T)p->bias;                                                                                \
    (void)alpha, (void)beta, (void)gamma, (void)lambd, (void)bias

/* ---- float32: vectorisable exp and what is built on it ----------------------------------------------- */

static inline float bits_to_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* exp(x) within 1 ulp over the whole float range (subnormal results included), branch-free so loops over it
 * vectorise: x = n ln2 + r, |r| <= ln2/2 (ln2 split in two for an exact product), e^r by the Cephes minimax
 * polynomial, 2^n applied as two factors so neither exponent field leaves the normal range. */
static inline float ew_expf(float x)
{
    float xc = x > 89.0f ? 89.0f : x;
    xc = xc < -104.0f ? -104.0f : xc;
    float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round to nearest */
    float r = xc - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    int32_t k = (int32_t)n, k1 = k >> 1, k2 = k - k1;
    return y * bits_to_f32((uint32_t)(k1 + 127) << 23) * bits_to_f32((uint32_t)(k2 + 127) << 23);
}

/* e^x - 1 without cancellation near 0 (Taylor to x^7 below |x| = 0.3, error < 1e-8 relative). */
static inline float ew_expm1f(float x)
{
    float s = x * (1 + x * (0.5f + x * (1.0f / 6 + x * (1.0f / 24 + x * (1.0f / 120 + x * (1.0f / 720 +
                                                                                          x * (1.0f / 5040)))))));
    float e = ew_expf(x) - 1.0f;
    return fabsf(x) < 0.3f ? s : e;
}

/* tanh from e^-2|x|, with its Taylor series below |x| = 0.3 where 1 - e would cancel. */
static inline float ew_tanhf(float x)
{
    float ax = fabsf(x), x2 = x * x;
    float e = ew_expf(-2.0f * ax), t = (1.0f - e) / (1.0f + e);
    float s = x * (1 + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315 + x2 * (62.0f / 2835 +
                                                                                     x2 * (-1382.0f / 155925))))));
    return ax < 0.3f ? s : (x < 0 ? -t : t);
}

/* 1 / (1 + e^-x) from e^-|x|, so neither side overflows. */
static inline float ew_sigmoidf(float x)
{
    float e = ew_expf(-fabsf(x)), d = 1.0f / (1.0f + e);
    return x >= 0 ? d : e * d;
}

/* The ops whose libm form would not vectorise; 0 for the rest. */
static int unary_f32_exp(ir_op op, const uparams *p, const float *in, float *out, int64_t cnt, int nt)
{
    const float alpha = (float)p->alpha, gamma = (float)p->gamma;
#define LOOP(expr)                                                                                            \
    _Pragma("omp parallel for if(cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)")                        \
    for (int64_t i = 0; i < cnt; i++) {                                                                       \
        const float x = in[i];                                                                                \
        out[i] = (expr);                                                                                      \
    }                                                                                                         \
    return 1
    switch (op) {
    case IR_OP_Exp: LOOP(ew_expf(x));
    case IR_OP_Sigmoid: LOOP(ew_sigmoidf(x));
    case IR_OP_Tanh: LOOP(ew_tanhf(x));
    case IR_OP_Elu: LOOP(x < 0 ? alpha * ew_expm1f(x) : x);
    case IR_OP_Selu: LOOP(x > 0 ? gamma * x : gamma * alpha * ew_expm1f(x));
    case IR_OP_Celu: LOOP((x > 0 ? x : 0) + (x < 0 ? alpha * ew_expm1f(x / alpha) : 0));
    case IR_OP_Mish: { /* tanh(log(1 + n)) = n (n + 2) / (n (n + 2) + 2) with n = e^x */
        LOOP(x > 20 ? x : x * (ew_expf(x) * (ew_expf(x) + 2)) / (ew_expf(x) * (ew_expf(x) + 2) + 2));
    }
    default: return 0;
    }
#undef LOOP
}

static int unary_f32(ir_op op, const uparams *p, const float *in, float *out, int64_t cnt, int nt)
{
    typedef float T;
    PARAMS_AS_T;
    if (unary_f32_exp(op, p, in, out, cnt, nt))
        return 1;
    switch (op) {
#define X(name, expr)                                                                                         \
    case IR_OP_##name:                                                                                        \
        _Pragma("omp parallel for if(cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)")                    \
        for (int64_t i = 0; i < cnt; i++) {                                                                   \
            const T x = in[i];                                                                                \
            out[i] = (T)(expr);                                                                               \
        }                                                                                                     \
        return 1;
        UNARY_OPS(X)
#undef X
    default:
        return 0;
    }
}

static int unary_f64(ir_op op, const uparams *p, ir_dtype t, const void *in, void *out, int64_t cnt)
{
    typedef double T;
    PARAMS_AS_T;
    switch (op) {
#define X(name, expr)                                                                                         \
    case IR_OP_##name:                                                                                        \
        for (int64_t i = 0; i < cnt; i++) {                                                                   \
            const T x = ir_get_f64(t, in, (size_t)i);                                                         \
            ir_set_f64(t, out, (size_t)i, (T)(expr));                                                         \
        }                                                                                                     \
        return 1;
        UNARY_OPS(X)
#undef X
    default:
        return 0;
    }
}

/* Integer semantics for the ops defined on integers; 0 when op has none (the caller uses doubles). */
static int unary_int(ir_op op, ir_dtype t, const void *in, void *out, int64_t cnt)
{
    if (op != IR_OP_Relu && op != IR_OP_Abs && op != IR_OP_Neg && op != IR_OP_Sign)
        return 0;
    for (int64_t i = 0; i < cnt; i++) {
        int64_t x = ir_get_i64(t, in, (size_t)i), y;
        switch (op) {
        case IR_OP_Relu: y = x > 0 ? x : 0; break;
        case IR_OP_Abs: y = x < 0 ? (int64_t)(0 - (uint64_t)x) : x; break;
        case IR_OP_Neg: y = (int64_t)(0 - (uint64_t)x); break;
        default: y = x > 0 ? 1 : x < 0 ? -1 : 0; break;
        }
        ir_set_i64(t, out, (size_t)i, y);
    }
    return 1;
}

dla_status host_unary(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t cnt = ir_tensor_numel(y);
    if (cnt != ir_tensor_numel(x) || x->dtype != y->dtype)
        return ir_node_error(n, DLA_ERR_INTERNAL, "output '%s' does not match input '%s' in type or size", y->name,
                             x->name);
    if (n->op == IR_OP_Not) {
        const uint8_t *a = x->data;
        uint8_t *o = y->data;
        for (int64_t i = 0; i < cnt; i++)
            o[i] = !a[i];
        return DLA_OK;
    }
    uparams p;
    get_params(n, &p);
    int done;
    if (x->dtype == IR_F32)
        done = unary_f32(n->op, &p, x->data, y->data, cnt, ctx->n_threads);
    else if (ir_dtype_is_float(x->dtype))
        done = unary_f64(n->op, &p, x->dtype, x->data, y->data, cnt);
    else if (ir_dtype_size(x->dtype) && x->dtype != IR_BOOL)
        done = unary_int(n->op, x->dtype, x->data, y->data, cnt) ||
               unary_f64(n->op, &p, x->dtype, x->data, y->data, cnt);
    else
        done = 0;
    if (!done)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "%s on %s is not supported", ir_op_name(n->op),
                             ir_dtype_name(x->dtype));
    return DLA_OK;
}

/* ---- Clip: bounds from attributes (opset < 11) or optional inputs 1 and 2 -------------------------------- */

static const ir_tensor *bound_input(const ir_node *n, int i)
{
    return n->opset >= 11 && i < n->n_in && n->in[i] && n->in[i]->data && ir_tensor_numel(n->in[i]) >= 1
               ? n->in[i]
               : NULL;
}

dla_status host_clip(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *tmin = bound_input(n, 1), *tmax = bound_input(n, 2);
    ir_tensor *y = n->out[0];
    int64_t cnt = ir_tensor_numel(y);
    ir_dtype t = x->dtype;
    if (ir_dtype_is_float(t)) {
        double lo = -INFINITY, hi = INFINITY;
        if (n->opset < 11) {
            lo = ir_attr_float(n, "min", -FLT_MAX);
            hi = ir_attr_float(n, "max", FLT_MAX);
        }
        if (tmin)
            lo = ir_get_f64(tmin->dtype, tmin->data, 0);
        if (tmax)
            hi = ir_get_f64(tmax->dtype, tmax->data, 0);
        if (t == IR_F32) {
            const float *a = x->data, flo = (float)lo, fhi = (float)hi;
            float *o = y->data;
            int nt = ctx->n_threads;
#pragma omp parallel for if (cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)
            for (int64_t i = 0; i < cnt; i++) {
                float v = a[i] < flo ? flo : a[i];
                o[i] = v > fhi ? fhi : v;
            }
            return DLA_OK;
        }
        for (int64_t i = 0; i < cnt; i++) {
            double v = ir_get_f64(t, x->data, (size_t)i);
            v = v < lo ? lo : v;
            ir_set_f64(t, y->data, (size_t)i, v > hi ? hi : v);
        }
        return DLA_OK;
    }
    if (!ir_dtype_size(t) || t == IR_BOOL)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "Clip on %s is not supported", ir_dtype_name(t));
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    if (tmin)
        lo = ir_get_i64(tmin->dtype, tmin->data, 0);
    if (tmax)
        hi = ir_get_i64(tmax->dtype, tmax->data, 0);
    for (int64_t i = 0; i < cnt; i++) {
        int64_t v = ir_get_i64(t, x->data, (size_t)i);
        v = v < lo ? lo : v;
        ir_set_i64(t, y->data, (size_t)i, v > hi ? hi : v);
    }
    return DLA_OK;
}

/* ---- IsInf, IsNaN --------------------------------------------------------------------------------------- */

dla_status host_isclass(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    uint8_t *o = n->out[0]->data;
    int64_t cnt = ir_tensor_numel(n->out[0]);
    int neg = (int)ir_attr_int(n, "detect_negative", 1), pos = (int)ir_attr_int(n, "detect_positive", 1);
    if (!ir_dtype_is_float(x->dtype))
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "%s on %s is not supported", ir_op_name(n->op),
                             ir_dtype_name(x->dtype));
    for (int64_t i = 0; i < cnt; i++) {
        double v = ir_get_f64(x->dtype, x->data, (size_t)i);
        if (n->op == IR_OP_IsNaN)
            o[i] = v != v;
        else
            o[i] = (pos && v == INFINITY) || (neg && v == -INFINITY);
    }
    return DLA_OK;
}
