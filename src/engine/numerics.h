/* engine numerics: the arithmetic every DLA stage shares, bit-exact to the NVDLA C-model's rules
 * (reference/engine.md §1.6 INT path, §1.7 FP16 path; the rules are written out in docs/numerics.md).
 *
 *   - eng_rhaz_shift(x, n):   x / 2^n rounded half away from zero (ac_fixed AC_RND_INF): +0.5 -> 1, -0.5 -> -1,
 *                             2.5 -> 3, -2.5 -> -3. n == 0 is the identity.
 *   - eng_sat_bits / eng_sat8 / eng_sat16 / eng_sat17 / eng_sat32: signed saturation, counting every clipped
 *                             value in stats->saturated (stats may be NULL).
 *   - eng_cvt_apply:          the converter of §1.6 items 1, 5 and 7: sat_bits(RHAZ(((x - offset) * scale) >> truncate)).
 *   - eng_f32_to_fp16 / eng_fp16_to_f32: the DLA's FP16 rules: round to nearest even, overflow saturates to +-65504
 *                             (never INF), NaN propagates; INF inputs read as large finite values (per unit).
 *   - eng_scale_shift:        float scale -> (int16 n, shift m) with S ~= n * 2^-m (§1.6 item 10), for the compiler.
 *   - eng_feat_*:             addressing of the native feature layout (chw32 INT8 / chw16 FP16 atoms, desc.h);
 *                             cube validation and the other layouts are format.h's (eng_cube_map, eng_geom_at).
 *
 * Domain: integer inputs to the converters and shifts stay within +-2^47 (every DLA datapath is at most 49 bits
 * before its shift; the Y-stage 32x32 MUL uses eng_rhaz_shift on the exact int64 product).
 */
#ifndef DLA_ENGINE_NUMERICS_H
#define DLA_ENGINE_NUMERICS_H

#include <stdint.h>

#include "engine/engine.h"

/* ---- integer rounding and saturation --------------------------------------------------------------------- */

/* x / 2^n rounded half away from zero; n in 0..63 (n >= 64 gives 0, n < 0 is treated as 0). Exact for every
 * int64 x (no intermediate overflow). */
int64_t eng_rhaz_shift(int64_t x, int n);

/* Signed shift for the LUT slopes: n >= 0 -> eng_rhaz_shift(x, n); n < 0 -> x << -n saturated to int64. */
int64_t eng_shift_signed(int64_t x, int n);

/* Saturates x to a signed `bits`-bit integer (2..63): [-2^(bits-1), 2^(bits-1)-1]; counts clips in st. */
int64_t eng_sat_bits(int64_t x, int bits, eng_stats *st);

static inline int8_t eng_sat8(int64_t x, eng_stats *st) { return (int8_t)eng_sat_bits(x, 8, st); }
static inline int16_t eng_sat16(int64_t x, eng_stats *st) { return (int16_t)eng_sat_bits(x, 16, st); }
static inline int32_t eng_sat17(int64_t x, eng_stats *st) { return (int32_t)eng_sat_bits(x, 17, st); }
static inline int32_t eng_sat32(int64_t x, eng_stats *st) { return (int32_t)eng_sat_bits(x, 32, st); }

/* sat_bits(RHAZ(x / 2^n)): the "TRT" stage of SDP X/Y and CACC's clip (bits = 32). */
static inline int64_t eng_rhaz_sat(int64_t x, int n, int bits, eng_stats *st)
{
    return eng_sat_bits(eng_rhaz_shift(x, n), bits, st);
}

/* The converter (engine.md §1.6 items 1, 5, 7): when c->enable, sat_out_bits(RHAZ(((x - offset) * scale) >>
 * truncate)); when disabled, sat_out_bits(x) (bypass). out_bits: 8 / 16 / 17 / 32. */
int64_t eng_cvt_apply(const eng_cvt *c, int64_t x, int out_bits, eng_stats *st);

/* Bytes per element of an eng_precision (INT8 1, INT16 2, FP16 2); 0 for an unknown value. */
static inline int eng_prec_bytes(int precision)
{
    return precision == ENG_INT8 ? 1 : (precision == ENG_INT16 || precision == ENG_FP16) ? 2 : 0;
}

/* ---- FP16 (the DLA's rules, engine.md §1.7) ------------------------------------------------------------ */

#define ENG_FP16_MAX 65504.0f
#define ENG_FP16_MAX_BITS 0x7bffu
#define ENG_FP16_NAN_BITS 0x7e00u
/* The finite values an FP16 INF input stands for, per unit (§1.7). */
#define ENG_FP16_INF_CONV 65536.0f
#define ENG_FP16_INF_SDP 3.4028234663852886e38f
#define ENG_FP16_INF_PDP 4292870144.0f

/* float -> FP16 bits: round to nearest even; |x| that rounds past 65504 (and +-INF) saturates to +-65504
 * (counted in st->saturated); NaN -> quiet NaN with its sign (counted in st->nan_inputs); subnormal results are
 * produced (the DLA supports denormals at its I/O). */
uint16_t eng_f32_to_fp16(float x, eng_stats *st);
/* Same from double (one rounding, no double rounding through float). */
uint16_t eng_f64_to_fp16(double x, eng_stats *st);

/* FP16 bits -> float, exact; an INF input reads as +-inf_value (one of ENG_FP16_INF_*); NaN stays NaN. */
float eng_fp16_to_f32(uint16_t h, float inf_value);

/* Flushes a float subnormal to a signed zero (the DLA's internal FP32/FP17 paths flush denormals). */
float eng_ftz(float x);

/* Rounds a float to the nearest FP16 value and back (RNE, +-65504 saturation), the value an FP16 store keeps. */
static inline float eng_round_fp16(float x, eng_stats *st)
{
    return eng_fp16_to_f32(eng_f32_to_fp16(x, st), ENG_FP16_INF_SDP);
}

/* ---- scale/shift derivation for the compiler (engine.md §1.6 item 10) --------------------------------- */

/* Finds (n, m) with s ~= n * 2^-m, |n| <= 32767 and 0 <= m <= max_shift, using the most precision available:
 * the largest m for which |round_haz(s * 2^m)| <= 32767 (so |n| lands in [16384, 32767] unless m hits max_shift).
 * s == 0 gives (0, 0). Errors (DLA_ERR_INVALID_ARG) when |s| > 32767 (no shift can represent it) or s is not
 * finite. A scale so small that n rounds to 0 at max_shift returns n = 0 and DLA_OK (callers may check). */
dla_status eng_scale_shift(double s, int max_shift, int16_t *n, uint8_t *m);

/* ---- native feature layout (desc.h): [C/atom][H][W][atom] with line/surf strides ----------------------- */

/* Elements per 32-byte atom: 32 (INT8) or 16 (INT16/FP16). */
static inline int eng_feat_atom(int precision)
{
    int b = eng_prec_bytes(precision);
    return ENG_ATOM_BYTES / (b ? b : 1);
}

/* Byte offset (from the buffer start) of element (c, h, w) of a FEATURE cube. */
static inline uint64_t eng_feat_offset(const eng_cube *cube, int c, int h, int w)
{
    int bpe = eng_prec_bytes(cube->precision), atom = ENG_ATOM_BYTES / bpe;
    return (uint64_t)cube->offset + (uint64_t)(c / atom) * cube->surf_stride + (uint64_t)h * cube->line_stride +
           (uint64_t)w * ENG_ATOM_BYTES + (uint64_t)(c % atom) * (uint64_t)bpe;
}

/* Little-endian 16-bit element access. */
static inline uint16_t eng_ld_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline void eng_st_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)(v >> 8);
}

/* Makes ctx->pipe hold at least c*h*w elements of the requested kind (i32 when `fp` is 0, f32 otherwise) and sets
 * its dims. DLA_ERR_NOMEM (also on size overflow) on failure. */
dla_status eng_pipe_reserve(eng_ctx *ctx, int c, int h, int w, int fp);

/* ---- LUT (lut.c; engine.md §1.6 item 6, §1.7) ------------------------------------------------------------ */

/* Validates a LUT descriptor (index names it in errors): le_function 0/1, precision INT16 or FP16, priorities
 * 0/1, INT linear tables with end == start + (entries-1) << index_select and index_select <= 63, start <= end.
 * DLA_ERR_FORMAT naming the LUT and the field. */
dla_status eng_lut_check(const eng_lut *lut, int index);

/* INT path lookup of a 32-bit value: LE and LO results by their index rules, chosen by the priority bits,
 * in-range: sat32(RHAZ((T[i]*(2^35 - f) + T[i+1]*f) >> 35)), out of range: sat32(T[0|N-1] + ((x - start|end) *
 * slope_scale) >>(signed) slope_shift). Counts lut_hits / lut_underflow / lut_overflow and clips. */
int64_t eng_lut_int(const eng_lut *lut, int64_t x, eng_stats *st);

/* FP16 path lookup (table entries FP16 bits, start/end the float32 bits in their low 32 bits, index_select a
 * signed power of two step, slopes FP16 bits, shifts unused); interpolation in float, subnormals flushed. */
float eng_lut_fp(const eng_lut *lut, float x, eng_stats *st);

#endif
