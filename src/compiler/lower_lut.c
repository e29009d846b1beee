/* lowering: LUT tables for the SDP's Y stage (sigmoid, tanh, ELU family, softplus, mish, hard-swish, erf, ...).
 *
 * Both tables cover the same interval [start, end] linearly: LO with 257 entries (step 2^e), LE with 65 (step
 * 2^(e+2), the same points every fourth); every priority bit selects LO, so LE only mirrors it. Outside the
 * interval the hardware extrapolates linearly from the end entries with the slopes here: the average slope over
 * 1024 steps beyond each end, which is the asymptote's slope for the functions used (0 for sigmoid/tanh, 1 for
 * ELU's and softplus's right side, ...).
 *
 * FP16 tables: step = 2^ceil(log2((hi - lo) / 256)), start = the multiple of the step nearest the interval's
 * middle minus 128 steps; entries FP16(f(start + i*step)); start/end as float32 bits; slopes FP16.
 * INT16 tables (input x stands for x * s_in): the same in integers (step 2^sel, sel = ceil(log2(span / s_in /
 * 256)) >= 0); entries RHAZ(f(x * s_in) / s_lut) with s_lut = max(s_target, max|f| / 32767); slopes as int16
 * scale with a signed shift (y = T + ((x - edge) * scale) >> shift).
 */
#include "compiler/lower.h"

#include <math.h>
#include <string.h>

int lw_lut_fn(const ir_node *n, double *fa, double *fb)
{
    *fa = *fb = 0;
    switch (n->op) {
    case IR_OP_Sigmoid: return LW_FN_SIGMOID;
    case IR_OP_Tanh: return LW_FN_TANH;
    case IR_OP_Elu: *fa = ir_attr_float(n, "alpha", 1.0f); return LW_FN_ELU;
    case IR_OP_Selu:
        *fa = ir_attr_float(n, "alpha", 1.67326319217681884765625f);
        *fb = ir_attr_float(n, "gamma", 1.05070102214813232421875f);
        return LW_FN_SELU;
    case IR_OP_Celu: *fa = ir_attr_float(n, "alpha", 1.0f); return LW_FN_CELU;
    case IR_OP_Softplus: return LW_FN_SOFTPLUS;
    case IR_OP_Softsign: return LW_FN_SOFTSIGN;
    case IR_OP_Mish: return LW_FN_MISH;
    case IR_OP_HardSwish: return LW_FN_HARDSWISH;
    case IR_OP_Erf: return LW_FN_ERF;
    case IR_OP_Exp: return LW_FN_EXP;
    case IR_OP_Abs: return LW_FN_ABS;
    case IR_OP_ThresholdedRelu: *fa = ir_attr_float(n, "alpha", 1.0f); return LW_FN_THRESHRELU;
    case IR_OP_Sin: return LW_FN_SIN;
    case IR_OP_Cos: return LW_FN_COS;
    case IR_OP_Atan: return LW_FN_ATAN;
    case IR_OP_Sinh: return LW_FN_SINH;
    case IR_OP_Asinh: return LW_FN_ASINH;
    default: return 0;
    }
}

double lw_fn_eval(int fn, double a, double b, double x)
{
    switch (fn) {
    case LW_FN_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case LW_FN_TANH: return tanh(x);
    case LW_FN_ELU: return x >= 0 ? x : a * (exp(x) - 1.0);
    case LW_FN_SELU: return b * (x > 0 ? x : a * (exp(x) - 1.0));
    case LW_FN_CELU: return fmax(0.0, x) + fmin(0.0, a * (exp(x / a) - 1.0));
    case LW_FN_SOFTPLUS: return x > 30 ? x : log1p(exp(x));
    case LW_FN_SOFTSIGN: return x / (1.0 + fabs(x));
    case LW_FN_MISH: return x * tanh(x > 30 ? x : log1p(exp(x)));
    case LW_FN_HARDSWISH: return x * fmin(1.0, fmax(0.0, x / 6.0 + 0.5));
    case LW_FN_ERF: return erf(x);
    case LW_FN_EXP: return exp(x);
    case LW_FN_ABS: return fabs(x);
    case LW_FN_THRESHRELU: return x > a ? x : 0.0;
    case LW_FN_SIN: return sin(x);
    case LW_FN_COS: return cos(x);
    case LW_FN_ATAN: return atan(x);
    case LW_FN_SINH: return sinh(x);
    case LW_FN_ASINH: return asinh(x);
    default: return x;
    }
}

void lw_fn_range(int fn, double *lo, double *hi)
{
    *lo = -8.0;
    *hi = 8.0;
    switch (fn) {
    case LW_FN_SOFTPLUS: case LW_FN_SOFTSIGN: case LW_FN_ATAN: case LW_FN_ASINH: *lo = -16; *hi = 16; break;
    case LW_FN_HARDSWISH: case LW_FN_ERF: *lo = -4; *hi = 4; break;
    case LW_FN_EXP: *lo = -16; *hi = 8; break;
    case LW_FN_ABS: case LW_FN_THRESHRELU: *lo = -64; *hi = 64; break;
    default: break;
    }
}

static int64_t f32_bits(double v)
{
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    return (int64_t)u;
}

/* Average slope over `len` beyond an end (dir -1: left of x0, +1: right). */
static double tail_slope(int fn, double a, double b, double x0, double len, int dir)
{
    double y0 = lw_fn_eval(fn, a, b, x0), y1 = lw_fn_eval(fn, a, b, x0 + dir * len);
    double s = (y1 - y0) / (dir * len);
    return isfinite(s) ? s : 0.0;
}

static void common(eng_lut *lut)
{
    lut->le_function = 0;
    lut->hybrid_priority = lut->underflow_priority = lut->overflow_priority = 1;
}

dla_status lw_lut_fp(int fn, double a, double b, double lo, double hi, eng_lut *lut)
{
    memset(lut, 0, sizeof *lut);
    common(lut);
    if (!(hi > lo))
        return base_error(DLA_ERR_INVALID_ARG, "lowering: LUT range [%g, %g] is empty", lo, hi);
    int e = (int)ceil(log2((hi - lo) / 256.0));
    double step = ldexp(1.0, e), start = floor((lo + hi) / 2 / step + 0.5) * step - 128 * step,
           end = start + 256 * step;
    for (int i = 0; i < 257; i++)
        lut->lo[i] = (int16_t)eng_f64_to_fp16(lw_fn_eval(fn, a, b, start + i * step), NULL);
    for (int i = 0; i < 65; i++)
        lut->le[i] = lut->lo[4 * i];
    lut->lo_index_select = (uint8_t)(int8_t)e;
    lut->le_index_select = (uint8_t)(int8_t)(e + 2);
    lut->lo_start = lut->le_start = f32_bits(start);
    lut->lo_end = lut->le_end = f32_bits(end);
    double su = tail_slope(fn, a, b, start, 1024 * step, -1), so = tail_slope(fn, a, b, end, 1024 * step, 1);
    lut->lo_slope_uflow_scale = lut->le_slope_uflow_scale = (int16_t)eng_f64_to_fp16(su, NULL);
    lut->lo_slope_oflow_scale = lut->le_slope_oflow_scale = (int16_t)eng_f64_to_fp16(so, NULL);
    lut->precision = ENG_FP16;
    return DLA_OK;
}

/* slope d (output units per input unit) -> int16 scale and signed shift */
static void int_slope(double d, int16_t *scale, int8_t *shift)
{
    *scale = 0;
    *shift = 0;
    if (d == 0.0 || !isfinite(d))
        return;
    int k = 0;
    while (fabs(d) > 32767.0 && k < 31) {
        d /= 2;
        k++;
    }
    if (k) {
        *scale = (int16_t)lw_rhaz(d);
        *shift = (int8_t)-k;
        return;
    }
    uint8_t m = 0;
    if (eng_scale_shift(d, 31, scale, &m) != DLA_OK) {
        *scale = 0;
        m = 0;
    }
    *shift = (int8_t)m;
}

dla_status lw_lut_int(int fn, double a, double b, double s_in, double lo, double hi, double s_target, eng_lut *lut,
                      double *s_lut)
{
    memset(lut, 0, sizeof *lut);
    common(lut);
    if (!(hi > lo) || !(s_in > 0) || !(s_target > 0))
        return base_error(DLA_ERR_INVALID_ARG, "lowering: INT LUT range [%g, %g], input scale %g", lo, hi, s_in);
    double span = (hi - lo) / s_in / 256.0;
    int sel = span > 1.0 ? (int)ceil(log2(span)) : 0;
    if (sel > 40)
        return base_error(DLA_ERR_UNSUPPORTED, "lowering: LUT input range too wide for the INT table (select %d)", sel);
    int64_t step = (int64_t)1 << sel;
    int64_t mid = lw_rhaz((lo + hi) / 2 / s_in / (double)step) * step;
    int64_t start = mid - 128 * step, end = start + 256 * step;
    double M = 0;
    for (int i = 0; i < 257; i++)
        M = fmax(M, fabs(lw_fn_eval(fn, a, b, (double)(start + i * step) * s_in)));
    double sl = fmax(s_target, M / 32767.0);
    for (int i = 0; i < 257; i++) {
        int64_t v = lw_rhaz(lw_fn_eval(fn, a, b, (double)(start + i * step) * s_in) / sl);
        lut->lo[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    for (int i = 0; i < 65; i++)
        lut->le[i] = lut->lo[4 * i];
    lut->lo_index_select = (uint8_t)sel;
    lut->le_index_select = (uint8_t)(sel + 2);
    lut->lo_start = lut->le_start = start;
    lut->lo_end = lut->le_end = end;
    double len = 1024.0 * (double)step * s_in;
    double su = tail_slope(fn, a, b, (double)start * s_in, len, -1) * s_in / sl;
    double so = tail_slope(fn, a, b, (double)end * s_in, len, 1) * s_in / sl;
    int_slope(su, &lut->lo_slope_uflow_scale, &lut->lo_slope_uflow_shift);
    int_slope(so, &lut->lo_slope_oflow_scale, &lut->lo_slope_oflow_shift);
    lut->le_slope_uflow_scale = lut->lo_slope_uflow_scale;
    lut->le_slope_uflow_shift = lut->lo_slope_uflow_shift;
    lut->le_slope_oflow_scale = lut->lo_slope_oflow_scale;
    lut->le_slope_oflow_shift = lut->lo_slope_oflow_shift;
    lut->precision = ENG_INT16;
    *s_lut = sl;
    return DLA_OK;
}

/* ---- LRN (CDP): f(s) = (bias + a * s)^-beta of the sum of squares s ------------------------------------ */

static double lrn_f(double bias, double a, double beta, double s) { return pow(bias + a * s, -beta); }

dla_status lw_lut_lrn_fp(double bias, double a, double beta, eng_lut *lut)
{
    memset(lut, 0, sizeof *lut);
    if (!(a > 0))
        a = 1e-30;
    /* LO: linear over a*s in [0, 32] (relative interpolation error <= beta(beta+1)/8 * (a*step)^2 ~ 3e-3);
     * LE: exponential (octaves) above, where f is small */
    int e = (int)ceil(log2(32.0 / a / 256.0));
    double step = ldexp(1.0, e);
    for (int i = 0; i < 257; i++)
        lut->lo[i] = (int16_t)eng_f64_to_fp16(lrn_f(bias, a, beta, step * i), NULL);
    for (int i = 0; i < 65; i++)
        lut->le[i] = (int16_t)eng_f64_to_fp16(lrn_f(bias, a, beta, ldexp(1.0, i + e + 8)), NULL);
    lut->le_function = 1;
    lut->le_index_offset = (int8_t)(e + 8);
    lut->lo_index_select = (uint8_t)(int8_t)e;
    lut->lo_start = lut->le_start = f32_bits(0.0);
    lut->lo_end = f32_bits(256.0 * step);
    lut->le_end = f32_bits(ldexp(1.0, e + 8 + 64));
    lut->hybrid_priority = 1; /* both hit: the finer LO */
    lut->underflow_priority = 1;
    lut->overflow_priority = 0;
    lut->precision = ENG_FP16;
    return DLA_OK;
}

dla_status lw_lut_lrn_int(double bias, double a, double beta, double s_in, int local_size, eng_lut *lut, int *k)
{
    memset(lut, 0, sizeof *lut);
    common(lut);
    double fmax = lrn_f(bias, a, beta, 0.0);
    if (!(fmax > 0) || !isfinite(fmax))
        return base_error(DLA_ERR_UNSUPPORTED, "lowering: LRN bias %g gives no finite table", bias);
    *k = (int)floor(log2(32767.0 / fmax));
    if (*k < 0 || *k > 40)
        return base_error(DLA_ERR_UNSUPPORTED, "lowering: LRN table scale 2^%d out of range", *k);
    int64_t smax = (int64_t)local_size * 128 * 128;
    int sel = 0;
    while (((int64_t)256 << sel) < smax)
        sel++;
    for (int i = 0; i < 257; i++)
        lut->lo[i] = (int16_t)lw_rhaz(ldexp(lrn_f(bias, a * s_in * s_in, beta, (double)((int64_t)i << sel)), *k));
    for (int i = 0; i < 65; i++)
        lut->le[i] = lut->lo[4 * i];
    lut->lo_index_select = (uint8_t)sel;
    lut->le_index_select = (uint8_t)(sel + 2);
    lut->lo_start = lut->le_start = 0;
    lut->lo_end = lut->le_end = (int64_t)256 << sel;
    lut->precision = ENG_INT16;
    return DLA_OK;
}
