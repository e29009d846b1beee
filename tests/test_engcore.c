/* engine core: numerics (every rounding and saturation rule, hand-computed), CONV, SDP, LUT, descriptor codec. */
#include "check.h"
#include "engine/engine.h"
#include "engine/numerics.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- numerics ------------------------------------------------------------------------------------------ */

static void test_rhaz(void)
{
    /* ties away from zero after the shift: 1/2 -> 1, -1/2 -> -1, 5/2 -> 3, -5/2 -> -3, 3/2 -> 2, -3/2 -> -2 */
    CHECK(eng_rhaz_shift(1, 1) == 1);
    CHECK(eng_rhaz_shift(-1, 1) == -1);
    CHECK(eng_rhaz_shift(5, 1) == 3);
    CHECK(eng_rhaz_shift(-5, 1) == -3);
    CHECK(eng_rhaz_shift(3, 1) == 2);
    CHECK(eng_rhaz_shift(-3, 1) == -2);
    /* below / above the tie: 7/4 = 1.75 -> 2, 5/4 = 1.25 -> 1, -5/4 -> -1, -7/4 -> -2, 6/4 = 1.5 -> 2 */
    CHECK(eng_rhaz_shift(7, 2) == 2);
    CHECK(eng_rhaz_shift(5, 2) == 1);
    CHECK(eng_rhaz_shift(-5, 2) == -1);
    CHECK(eng_rhaz_shift(-7, 2) == -2);
    CHECK(eng_rhaz_shift(6, 2) == 2);
    CHECK(eng_rhaz_shift(-6, 2) == -2);
    CHECK(eng_rhaz_shift(2, 2) == 1);   /* 0.5 */
    CHECK(eng_rhaz_shift(1, 2) == 0);   /* 0.25 */
    CHECK(eng_rhaz_shift(-1, 2) == 0);
    /* shift 0 is the identity */
    CHECK(eng_rhaz_shift(-7, 0) == -7);
    CHECK(eng_rhaz_shift(INT64_MAX, 0) == INT64_MAX);
    /* shift 31 / 32: 2^30 / 2^31 = 0.5 -> 1; (2^30 - 1) / 2^31 -> 0; -2^31 / 2^32 = -0.5 -> -1 */
    CHECK(eng_rhaz_shift(INT64_C(1) << 30, 31) == 1);
    CHECK(eng_rhaz_shift((INT64_C(1) << 30) - 1, 31) == 0);
    CHECK(eng_rhaz_shift(-(INT64_C(1) << 31), 32) == -1);
    CHECK(eng_rhaz_shift(-(INT64_C(1) << 31) + 1, 32) == 0);
    CHECK(eng_rhaz_shift(INT64_C(3) << 31, 32) == 2); /* 1.5 -> 2 */
    CHECK(eng_rhaz_shift(INT64_C(5) << 31, 32) == 3); /* 2.5 -> 3 */
    CHECK(eng_rhaz_shift(-(INT64_C(5) << 31), 32) == -3);
    /* extremes do not overflow */
    CHECK(eng_rhaz_shift(INT64_MIN, 63) == -1);
    CHECK(eng_rhaz_shift(INT64_MAX, 63) == 1);
    CHECK(eng_rhaz_shift(INT64_MIN, 1) == INT64_MIN / 2);
    /* signed shift (LUT slopes): negative = left shift, saturating */
    CHECK(eng_shift_signed(3, -2) == 12);
    CHECK(eng_shift_signed(-3, -2) == -12);
    CHECK(eng_shift_signed(5, 1) == 3);
    CHECK(eng_shift_signed(INT64_C(1) << 62, -2) == INT64_MAX);
    CHECK(eng_shift_signed(-(INT64_C(1) << 62), -2) == INT64_MIN);
}

static void test_sat(void)
{
    eng_stats st = {0};
    CHECK(eng_sat8(127, &st) == 127);
    CHECK(eng_sat8(-128, &st) == -128);
    CHECK(st.saturated == 0);
    CHECK(eng_sat8(128, &st) == 127);
    CHECK(eng_sat8(-129, &st) == -128);
    CHECK(st.saturated == 2);
    CHECK(eng_sat16(32768, &st) == 32767);
    CHECK(eng_sat16(-32769, &st) == -32768);
    CHECK(eng_sat17(65535, &st) == 65535);
    CHECK(eng_sat17(65536, &st) == 65535);
    CHECK(eng_sat17(-65537, &st) == -65536);
    CHECK(st.saturated == 6);
    /* int32 at 2^31 */
    CHECK(eng_sat32(INT64_C(2147483647), &st) == INT32_MAX);
    CHECK(st.saturated == 6);
    CHECK(eng_sat32(INT64_C(2147483648), &st) == INT32_MAX);
    CHECK(eng_sat32(-INT64_C(2147483648), &st) == INT32_MIN);
    CHECK(eng_sat32(-INT64_C(2147483649), &st) == INT32_MIN);
    CHECK(st.saturated == 8);
    CHECK(eng_sat8(1000, NULL) == 127); /* NULL stats allowed */
    /* CACC clip: sat32(RHAZ(acc / 2^t)): 2^33 + 2^1 at t = 2 -> 2^31 + 1 (0.5 rounds up) -> saturates */
    CHECK(eng_rhaz_sat((INT64_C(1) << 33) + 2, 2, 32, &st) == INT32_MAX);
    CHECK(st.saturated == 9);
    CHECK(eng_rhaz_sat((INT64_C(1) << 33) - 6, 2, 32, &st) == INT32_MAX); /* 2^31 - 1.5 -> 2^31 - 1: fits */
    CHECK(eng_rhaz_sat((INT64_C(1) << 33) - 10, 2, 32, &st) == 2147483646); /* 2^31 - 2.5 -> 2^31 - 2 */
    CHECK(eng_rhaz_sat(-(INT64_C(1) << 33) + 10, 2, 32, &st) == -2147483646);
    CHECK(eng_rhaz_sat(-(INT64_C(1) << 33) - 2, 2, 32, &st) == INT32_MIN); /* -2^31 - 0.5 -> -2^31 - 1: clips */
    CHECK(st.saturated == 10);
}

static void test_cvt(void)
{
    eng_stats st = {0};
    eng_cvt c = {.scale = 3, .truncate = 2, .enable = 1, .offset = 1};
    /* ((x - 1) * 3) >> 2: x = 3 -> 6/4 = 1.5 -> 2; x = -1 -> -6/4 -> -2; x = 2 -> 3/4 -> 1; x = 1 -> 0 */
    CHECK(eng_cvt_apply(&c, 3, 8, &st) == 2);
    CHECK(eng_cvt_apply(&c, -1, 8, &st) == -2);
    CHECK(eng_cvt_apply(&c, 2, 8, &st) == 1);
    CHECK(eng_cvt_apply(&c, 1, 8, &st) == 0);
    /* saturation to int8 at 127 / -128: (200 - 1) * 3 / 4 = 149.25 -> 127 */
    CHECK(eng_cvt_apply(&c, 200, 8, &st) == 127);
    CHECK(eng_cvt_apply(&c, -200, 8, &st) == -128);
    CHECK(st.saturated == 2);
    /* same value through 17 bits does not saturate: 149 */
    CHECK(eng_cvt_apply(&c, 200, 17, &st) == 149);
    /* disabled: bypass, saturate only */
    eng_cvt off = {0};
    CHECK(eng_cvt_apply(&off, 300, 8, &st) == 127);
    CHECK(eng_cvt_apply(&off, -5, 8, &st) == -5);
    /* negative scale and a large offset */
    eng_cvt n = {.scale = -2, .truncate = 0, .enable = 1, .offset = -100000};
    CHECK(eng_cvt_apply(&n, -100010, 32, &st) == 20);
}

static void test_fp16(void)
{
    eng_stats st = {0};
    CHECK(eng_f32_to_fp16(1.0f, &st) == 0x3c00);
    CHECK(eng_f32_to_fp16(-2.0f, &st) == 0xc000);
    CHECK(eng_f32_to_fp16(65504.0f, &st) == 0x7bff);
    CHECK(eng_f32_to_fp16(65519.0f, &st) == 0x7bff); /* rounds down to 65504 */
    CHECK(st.saturated == 0);
    /* overflow saturates to 65504, never INF */
    CHECK(eng_f32_to_fp16(65520.0f, &st) == 0x7bff);
    CHECK(eng_f32_to_fp16(1e10f, &st) == 0x7bff);
    CHECK(eng_f32_to_fp16(-1e10f, &st) == 0xfbff);
    CHECK(eng_f32_to_fp16(INFINITY, &st) == 0x7bff);
    CHECK(eng_f32_to_fp16(-INFINITY, &st) == 0xfbff);
    CHECK(st.saturated == 5);
    /* ties to even: 1 + 2^-11 (half an ulp) -> 1.0; 1 + 3*2^-11 -> 1 + 2*2^-10 */
    CHECK(eng_f32_to_fp16(1.0f + 1.0f / 2048, &st) == 0x3c00);
    CHECK(eng_f32_to_fp16(1.0f + 3.0f / 2048, &st) == 0x3c02);
    CHECK(eng_f32_to_fp16(-(1.0f + 3.0f / 2048), &st) == 0xbc02);
    CHECK(eng_f32_to_fp16(2049.0f, &st) == 0x6800); /* 2048 + 1 (ulp 2): tie -> even 2048 */
    CHECK(eng_f32_to_fp16(2051.0f, &st) == 0x6802); /* 2050 + 1: tie -> even 2052 */
    CHECK(eng_f64_to_fp16(1.0 + 1.0 / 2048 + 1e-12, &st) == 0x3c01); /* just above the tie: up */
    /* subnormals: smallest 2^-24; its half ties to 0; 1.5 * 2^-24 ties to 2 * 2^-24 */
    CHECK(eng_f32_to_fp16(5.9604645e-8f, &st) == 0x0001);
    CHECK(eng_f32_to_fp16(2.9802322e-8f, &st) == 0x0000);
    CHECK(eng_f64_to_fp16(1.5 * 0x1p-24, &st) == 0x0002);
    CHECK(eng_f64_to_fp16(0x1p-14 - 0x1p-26, &st) == 0x0400); /* rounds up into the smallest normal */
    /* NaN propagates (quiet, sign kept) and is counted */
    CHECK(eng_f32_to_fp16(NAN, &st) == 0x7e00);
    CHECK(st.nan_inputs == 1);
    CHECK(isnan(eng_fp16_to_f32(0x7e01, ENG_FP16_INF_SDP)));
    CHECK(isnan(eng_fp16_to_f32(0xfc01, ENG_FP16_INF_SDP)));
    /* INF inputs are large finite values, per unit */
    CHECK(eng_fp16_to_f32(0x7c00, ENG_FP16_INF_CONV) == 65536.0f);
    CHECK(eng_fp16_to_f32(0xfc00, ENG_FP16_INF_PDP) == -4292870144.0f);
    CHECK(eng_fp16_to_f32(0x7c00, ENG_FP16_INF_SDP) == FLT_MAX);
    CHECK(eng_fp16_to_f32(0x0001, 0) == 0x1p-24f);
    CHECK(eng_fp16_to_f32(0xbc00, 0) == -1.0f);
    CHECK(eng_fp16_to_f32(0x7bff, 0) == 65504.0f);
    int bad = 0; /* every finite half round-trips */
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00)
            continue;
        if (eng_f32_to_fp16(eng_fp16_to_f32((uint16_t)h, 0), NULL) != h)
            bad++;
    }
    CHECK(bad == 0);
    CHECK(eng_ftz(1e-40f) == 0.0f && signbit(eng_ftz(-1e-40f)));
    CHECK(eng_ftz(1e-30f) == 1e-30f);
    CHECK(eng_round_fp16(0.1f, NULL) == 0.0999755859375f);
}

static void test_scale_shift(void)
{
    int16_t n;
    uint8_t m;
    CHECK_OK(eng_scale_shift(0.5, 31, &n, &m)); /* 0.5 = 16384 * 2^-15 */
    CHECK(n == 16384 && m == 15);
    CHECK_OK(eng_scale_shift(0.75, 63, &n, &m)); /* 24576 * 2^-15 */
    CHECK(n == 24576 && m == 15);
    CHECK_OK(eng_scale_shift(1.0 / 3.0, 31, &n, &m)); /* 21845.33 * 2^-16 -> 21845 */
    CHECK(n == 21845 && m == 16);
    CHECK_OK(eng_scale_shift(-3.0, 31, &n, &m)); /* -24576 * 2^-13 */
    CHECK(n == -24576 && m == 13);
    CHECK_OK(eng_scale_shift(1000.0, 31, &n, &m)); /* 32000 * 2^-5 */
    CHECK(n == 32000 && m == 5);
    CHECK_OK(eng_scale_shift(0.001, 10, &n, &m)); /* limited by max shift: 1.024 -> 1 */
    CHECK(n == 1 && m == 10);
    CHECK_OK(eng_scale_shift(0.0, 31, &n, &m));
    CHECK(n == 0 && m == 0);
    CHECK_OK(eng_scale_shift(32767.0, 31, &n, &m));
    CHECK(n == 32767 && m == 0);
    CHECK_STATUS(eng_scale_shift(40000.0, 31, &n, &m), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(eng_scale_shift(NAN, 31, &n, &m), DLA_ERR_INVALID_ARG);
    /* 0.99999 * 2^15 = 32767.67 rounds to 32768 > 32767: one shift less */
    CHECK_OK(eng_scale_shift(0.99999, 31, &n, &m));
    CHECK(n == 16384 && m == 14);
}

int main(void)
{
    test_rhaz();
    test_sat();
    test_cvt();
    test_fp16();
    test_scale_shift();
    return TEST_RESULT();
}
