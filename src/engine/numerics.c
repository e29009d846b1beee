/* engine numerics: round-half-away-from-zero shifts, saturation, converters, the DLA's FP16 rules, scale/shift
 * derivation and the on-the-fly pipe (see numerics.h and docs/numerics.md). */
#include "engine/numerics.h"

#include <math.h>
#include <stdlib.h>

int64_t eng_rhaz_shift(int64_t x, int n)
{
    if (n <= 0)
        return x;
    /* Work on the magnitude in uint64 so that no intermediate overflows (INT64_MIN included). */
    uint64_t mag = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    uint64_t r;
    if (n >= 64)
        r = n == 64 ? (mag >> 63) : 0;
    else
        r = (mag >> n) + ((mag >> (n - 1)) & 1u);
    return x < 0 ? -(int64_t)r : (int64_t)r;
}

int64_t eng_shift_signed(int64_t x, int n)
{
    if (n >= 0)
        return eng_rhaz_shift(x, n);
    int k = -n;
    if (x == 0)
        return 0;
    if (k >= 63 || x > (INT64_MAX >> k) || x < (INT64_MIN >> k))
        return x > 0 ? INT64_MAX : INT64_MIN;
    return (int64_t)((uint64_t)x << k);
}

int64_t eng_sat_bits(int64_t x, int bits, eng_stats *st)
{
    if (bits < 2 || bits > 63)
        return x;
    int64_t hi = (int64_t)((UINT64_C(1) << (bits - 1)) - 1), lo = -hi - 1;
    if (x > hi) {
        if (st)
            st->saturated++;
        return hi;
    }
    if (x < lo) {
        if (st)
            st->saturated++;
        return lo;
    }
    return x;
}

int64_t eng_cvt_apply(const eng_cvt *c, int64_t x, int out_bits, eng_stats *st)
{
    if (!c || !c->enable)
        return eng_sat_bits(x, out_bits, st);
    int64_t d = x - (int64_t)c->offset, p;
    if (__builtin_mul_overflow(d, (int64_t)c->scale, &p))
        p = (d < 0) != (c->scale < 0) ? INT64_MIN : INT64_MAX;
    return eng_sat_bits(eng_rhaz_shift(p, c->truncate), out_bits, st);
}

/* ---- FP16 ------------------------------------------------------------------------------------------------ */

/* Round a non-negative double holding an integer-plus-fraction to the nearest integer, ties to even. */
static double rne(double q)
{
    double fl = floor(q), d = q - fl;
    if (d > 0.5 || (d == 0.5 && fmod(fl, 2.0) != 0.0))
        fl += 1.0;
    return fl;
}

uint16_t eng_f64_to_fp16(double x, eng_stats *st)
{
    if (isnan(x)) {
        if (st)
            st->nan_inputs++;
        return (uint16_t)((signbit(x) ? 0x8000u : 0u) | ENG_FP16_NAN_BITS);
    }
    uint16_t sign = signbit(x) ? 0x8000u : 0u;
    double a = fabs(x);
    /* 65520 = 65504 + half an ulp: from there on, IEEE rounding would give INF; the DLA saturates instead. */
    if (a >= 65520.0) {
        if (st)
            st->saturated++;
        return (uint16_t)(sign | ENG_FP16_MAX_BITS);
    }
    if (a < 0x1p-14) { /* subnormal range: units of 2^-24 (1024 rounds up into the smallest normal, 0x0400) */
        double r = rne(a * 0x1p24);
        return (uint16_t)(sign | (uint16_t)r);
    }
    int e;
    frexp(a, &e); /* a = f * 2^e, f in [0.5, 1): unbiased exponent e - 1 */
    int E = e - 1;
    double r = rne(ldexp(a, 10 - E)); /* in [1024, 2048] */
    if (r >= 2048.0) {
        r = 1024.0;
        E++;
    }
    if (E > 15) { /* cannot happen below 65520; kept as a guard */
        if (st)
            st->saturated++;
        return (uint16_t)(sign | ENG_FP16_MAX_BITS);
    }
    return (uint16_t)(sign | (uint16_t)((E + 15) << 10) | (uint16_t)((int)r - 1024));
}

uint16_t eng_f32_to_fp16(float x, eng_stats *st) { return eng_f64_to_fp16((double)x, st); }

float eng_fp16_to_f32(uint16_t h, float inf_value)
{
    int neg = (h & 0x8000u) != 0, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float v;
    if (exp == 0x1f) {
        if (man != 0)
            return neg ? -NAN : NAN;
        v = inf_value;
    } else if (exp == 0) {
        v = ldexpf((float)man, -24);
    } else {
        v = ldexpf((float)(man | 0x400), exp - 25);
    }
    return neg ? -v : v;
}

float eng_ftz(float x)
{
    return fpclassify(x) == FP_SUBNORMAL ? copysignf(0.0f, x) : x;
}

/* ---- scale/shift ----------------------------------------------------------------------------------------- */

static double round_haz(double v) { return v < 0 ? -floor(-v + 0.5) : floor(v + 0.5); }

dla_status eng_scale_shift(double s, int max_shift, int16_t *n, uint8_t *m)
{
    if (!isfinite(s))
        return base_error(DLA_ERR_INVALID_ARG, "scale/shift: scale %g is not finite", s);
    if (max_shift < 0 || max_shift > 63)
        return base_error(DLA_ERR_INVALID_ARG, "scale/shift: max shift %d outside 0..63", max_shift);
    *n = 0;
    *m = 0;
    if (s == 0.0)
        return DLA_OK;
    double a = fabs(s);
    if (round_haz(a) > 32767.0)
        return base_error(DLA_ERR_INVALID_ARG, "scale/shift: scale %g exceeds the int16 multiplier limit 32767", s);
    for (int k = max_shift; k >= 0; k--) {
        double v = round_haz(ldexp(a, k));
        if (v <= 32767.0) {
            *n = (int16_t)(s < 0 ? -v : v);
            *m = (uint8_t)k;
            return DLA_OK;
        }
    }
    return DLA_OK; /* unreachable: k = 0 always fits after the check above */
}

/* ---- pipe ------------------------------------------------------------------------------------------------ */

dla_status eng_pipe_reserve(eng_ctx *ctx, int c, int h, int w, int fp)
{
    eng_pipe *p = &ctx->pipe;
    size_t n;
    if (c <= 0 || h <= 0 || w <= 0 || !base_mul_size((size_t)c, (size_t)h, &n) || !base_mul_size(n, (size_t)w, &n) ||
        n > ((size_t)1 << 40) / 4)
        return base_error(DLA_ERR_NOMEM, "engine pipe: %dx%dx%d elements is not a valid on-the-fly cube", c, h, w);
    if (n > p->capacity) { /* grow: drop both, reallocate the one asked for */
        free(p->i32);
        free(p->f32);
        p->i32 = NULL;
        p->f32 = NULL;
        p->capacity = n;
    }
    if (fp && !p->f32)
        p->f32 = malloc(p->capacity * sizeof(float));
    if (!fp && !p->i32)
        p->i32 = malloc(p->capacity * sizeof(int32_t));
    if ((fp && !p->f32) || (!fp && !p->i32)) {
        p->capacity = 0;
        free(p->i32);
        free(p->f32);
        p->i32 = NULL;
        p->f32 = NULL;
        return base_error(DLA_ERR_NOMEM, "engine pipe: cannot allocate %zu elements", n);
    }
    p->channel = c;
    p->height = h;
    p->width = w;
    return DLA_OK;
}
