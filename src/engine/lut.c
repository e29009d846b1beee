/* engine LUT: the SDP Y / CDP lookup table (reference/engine.md §1.6 item 6, lut-programming.rst; FP path §1.7).
 *
 * Two tables: LE (65 entries, linear or exponential index) and LO (257 entries, linear). Each table classifies x
 * as hit (in range), underflow or overflow; the priority bits choose which table's result is used:
 *   both hit -> hybrid_priority; one hit -> that one; both underflow -> underflow_priority; both overflow ->
 *   overflow_priority; one underflow and one overflow -> hybrid_priority   (0 = LE, 1 = LO).
 * INT path (entries int16):
 *   linear:      x < start -> underflow; u = x - start; i = u >> index_select; i >= N-1 -> overflow;
 *                f = (u mod 2^select) rescaled to 35 bits (<< (35 - select), or >> (select - 35) truncating).
 *   exponential: u = x - start <= 0 -> underflow; p = floor(log2 u); i = p - index_offset; i < 0 -> underflow,
 *                i >= 64 -> overflow; f = (u - 2^p) rescaled from p bits to 35 bits.
 *   hit:         y = sat32(RHAZ((T[i] * (2^35 - f) + T[i+1] * f) >> 35))
 *   underflow:   y = sat32(T[0]   + ((x - start) * uflow_scale) >>(signed) uflow_shift)   (RHAZ right shifts)
 *   overflow:    y = sat32(T[N-1] + ((x - end)   * oflow_scale) >>(signed) oflow_shift)
 * FP path: the same classification in float with step 2^(int8)index_select; interpolation T[i] + (T[i+1]-T[i])*f
 * in float; slopes are FP16 values (shifts unused).
 */
#include "engine/numerics.h"

#include <math.h>
#include <string.h>

enum { LUT_HIT = 0, LUT_UNDER = 1, LUT_OVER = 2 };

typedef struct lut_res {
    int state;
    int64_t yi;
    float yf;
} lut_res;

static int64_t sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sat_mul(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
    return r;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b < 0 ? INT64_MIN : INT64_MAX;
    return r;
}

static int64_t slope_int(int64_t base, int64_t d, int16_t scale, int8_t shift)
{
    return sat_add(base, eng_shift_signed(sat_mul(d, scale), shift));
}

static int64_t interp_int(const int16_t *t, uint64_t i, uint64_t f)
{
    int64_t v = (int64_t)t[i] * (int64_t)((UINT64_C(1) << 35) - f) + (int64_t)t[i + 1] * (int64_t)f;
    return eng_rhaz_shift(v, 35);
}

static uint64_t frac35(uint64_t rem, int bits)
{
    return bits <= 35 ? rem << (35 - bits) : rem >> (bits - 35);
}

static lut_res lin_int(const int16_t *t, int n, int64_t start, int64_t end, int sel, int16_t us, int8_t ush,
                       int16_t os, int8_t osh, int64_t x)
{
    lut_res r = {LUT_HIT, 0, 0};
    if (x < start) {
        r.state = LUT_UNDER;
        r.yi = slope_int(t[0], sat_sub(x, start), us, ush);
        return r;
    }
    uint64_t u = (uint64_t)x - (uint64_t)start; /* exact: x >= start */
    uint64_t i = sel >= 64 ? 0 : u >> sel;
    if (i >= (uint64_t)(n - 1)) {
        r.state = LUT_OVER;
        r.yi = slope_int(t[n - 1], sat_sub(x, end), os, osh);
        return r;
    }
    uint64_t rem = sel >= 64 ? u : u & ((UINT64_C(1) << sel) - 1);
    r.yi = interp_int(t, i, frac35(rem, sel));
    return r;
}

static lut_res exp_int(const eng_lut *l, int64_t x)
{
    lut_res r = {LUT_HIT, 0, 0};
    int64_t d = sat_sub(x, l->le_start);
    int p = d > 0 ? 63 - __builtin_clzll((unsigned long long)d) : 0;
    int64_t i = (int64_t)p - l->le_index_offset;
    if (d <= 0 || i < 0) {
        r.state = LUT_UNDER;
        r.yi = slope_int(l->le[0], d, l->le_slope_uflow_scale, l->le_slope_uflow_shift);
        return r;
    }
    if (i >= 64) {
        r.state = LUT_OVER;
        r.yi = slope_int(l->le[64], sat_sub(x, l->le_end), l->le_slope_oflow_scale, l->le_slope_oflow_shift);
        return r;
    }
    uint64_t rem = (uint64_t)d - (UINT64_C(1) << p);
    r.yi = interp_int(l->le, (uint64_t)i, frac35(rem, p));
    return r;
}

/* Chooses between the LE and LO results by the priority bits. */
static const lut_res *lut_pick(const eng_lut *l, const lut_res *le, const lut_res *lo)
{
    if (le->state == LUT_HIT && lo->state == LUT_HIT)
        return l->hybrid_priority ? lo : le;
    if (le->state == LUT_HIT)
        return le;
    if (lo->state == LUT_HIT)
        return lo;
    if (le->state == LUT_UNDER && lo->state == LUT_UNDER)
        return l->underflow_priority ? lo : le;
    if (le->state == LUT_OVER && lo->state == LUT_OVER)
        return l->overflow_priority ? lo : le;
    return l->hybrid_priority ? lo : le;
}

static void lut_count(eng_stats *st, int state)
{
    if (!st)
        return;
    if (state == LUT_HIT)
        st->lut_hits++;
    else if (state == LUT_UNDER)
        st->lut_underflow++;
    else
        st->lut_overflow++;
}

int64_t eng_lut_int(const eng_lut *l, int64_t x, eng_stats *st)
{
    lut_res le = l->le_function ? exp_int(l, x)
                                : lin_int(l->le, 65, l->le_start, l->le_end, l->le_index_select,
                                          l->le_slope_uflow_scale, l->le_slope_uflow_shift, l->le_slope_oflow_scale,
                                          l->le_slope_oflow_shift, x);
    lut_res lo = lin_int(l->lo, 257, l->lo_start, l->lo_end, l->lo_index_select, l->lo_slope_uflow_scale,
                         l->lo_slope_uflow_shift, l->lo_slope_oflow_scale, l->lo_slope_oflow_shift, x);
    const lut_res *r = lut_pick(l, &le, &lo);
    lut_count(st, r->state);
    return eng_sat32(r->yi, st);
}

/* ---- FP path --------------------------------------------------------------------------------------------- */

static float bits_f32(int64_t v)
{
    uint32_t u = (uint32_t)(uint64_t)v;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static float h2f(int16_t h) { return eng_fp16_to_f32((uint16_t)h, ENG_FP16_INF_SDP); }

static lut_res interp_fp(const int16_t *t, int n, double pos, float x, float start, float end, int16_t us,
                         int16_t os)
{
    lut_res r = {LUT_HIT, 0, 0};
    if (pos < 0) {
        r.state = LUT_UNDER;
        r.yf = h2f(t[0]) + (x - start) * h2f(us);
        return r;
    }
    double fi = floor(pos);
    if (fi >= n - 1) {
        r.state = LUT_OVER;
        r.yf = h2f(t[n - 1]) + (x - end) * h2f(os);
        return r;
    }
    int i = (int)fi;
    float f = (float)(pos - fi), a = h2f(t[i]), b = h2f(t[i + 1]);
    r.yf = a + (b - a) * f;
    return r;
}

float eng_lut_fp(const eng_lut *l, float x, eng_stats *st)
{
    if (isnan(x))
        return x;
    float les = bits_f32(l->le_start), lee = bits_f32(l->le_end);
    float los = bits_f32(l->lo_start), loe = bits_f32(l->lo_end);
    lut_res le, lo;
    if (l->le_function) {
        double u = (double)x - les, pos = -1.0;
        if (u > 0) {
            int e;
            double m = frexp(u, &e); /* u = m * 2^e, m in [0.5, 1): floor(log2 u) = e - 1 */
            double i = (double)(e - 1) - l->le_index_offset;
            pos = i < 0 ? -1.0 : i + (2.0 * m - 1.0);
        }
        le = interp_fp(l->le, 65, pos, x, les, lee, l->le_slope_uflow_scale, l->le_slope_oflow_scale);
    } else {
        double step = ldexp(1.0, (int8_t)l->le_index_select);
        le = interp_fp(l->le, 65, ((double)x - les) / step, x, les, lee, l->le_slope_uflow_scale,
                       l->le_slope_oflow_scale);
    }
    double step = ldexp(1.0, (int8_t)l->lo_index_select);
    lo = interp_fp(l->lo, 257, ((double)x - los) / step, x, los, loe, l->lo_slope_uflow_scale,
                   l->lo_slope_oflow_scale);
    const lut_res *r = lut_pick(l, &le, &lo);
    lut_count(st, r->state);
    return eng_ftz(r->yf);
}

/* ---- validation ------------------------------------------------------------------------------------------ */

static dla_status lut_err(int index, const char *field, long long v, const char *limit)
{
    return base_error(DLA_ERR_FORMAT, "LUT %d: %s = %lld; %s", index, field, v, limit);
}

dla_status eng_lut_check(const eng_lut *l, int index)
{
    if (l->le_function > 1)
        return lut_err(index, "le_function", l->le_function, "valid: 0 linear, 1 exponential");
    if (l->precision != ENG_INT16 && l->precision != ENG_FP16)
        return lut_err(index, "precision", l->precision, "table entries are INT16 (1) or FP16 (2)");
    if (l->hybrid_priority > 1 || l->underflow_priority > 1 || l->overflow_priority > 1)
        return lut_err(index, "priority", l->hybrid_priority > 1 ? l->hybrid_priority
                                          : l->underflow_priority > 1 ? l->underflow_priority : l->overflow_priority,
                       "priority bits are 0 (LE) or 1 (LO)");
    if (l->precision == ENG_FP16)
        return DLA_OK;
    if (l->le_index_select > 63 || l->lo_index_select > 63)
        return lut_err(index, "index_select", l->le_index_select > 63 ? l->le_index_select : l->lo_index_select,
                       "the limit is 0..63");
    if (l->le_start > l->le_end || l->lo_start > l->lo_end)
        return lut_err(index, "start", l->le_start > l->le_end ? l->le_start : l->lo_start, "start must be <= end");
    if (!l->le_function) {
        int64_t span;
        if (l->le_index_select > 56 || __builtin_add_overflow(l->le_start, (int64_t)64 << l->le_index_select, &span) ||
            span != l->le_end)
            return lut_err(index, "le_end", l->le_end, "a linear LE table ends at start + 64 << index_select");
    }
    int64_t span;
    if (l->lo_index_select > 54 || __builtin_add_overflow(l->lo_start, (int64_t)256 << l->lo_index_select, &span) ||
        span != l->lo_end)
        return lut_err(index, "lo_end", l->lo_end, "the LO table ends at start + 256 << index_select");
    return DLA_OK;
}
