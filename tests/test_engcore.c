/* engine core: numerics (every rounding and saturation rule, hand-computed), CONV, SDP, LUT, descriptor codec. */
#include "check.h"
#include "engine/engine.h"
#include "engine/codec.h"
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

/* ---- helpers: an independent reference and independent packing ------------------------------------------- */

static int64_t ref_rhaz(int64_t x, int n) /* x / 2^n, ties away from zero, by truncating division */
{
    if (n == 0)
        return x;
    int64_t d = INT64_C(1) << n, q = x / d, r = x % d;
    if ((r < 0 ? -r : r) * 2 >= d)
        q += x > 0 ? 1 : -1;
    return q;
}

static int64_t ref_clamp(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

static uint32_t rng_state = 12345;
static int rnd(int lo, int hi) /* inclusive */
{
    rng_state = rng_state * 1103515245u + 12345u;
    return lo + (int)((rng_state >> 8) % (uint32_t)(hi - lo + 1));
}

/* A packed FEATURE cube at `offset` of buffer 0: line = W*32, surf = H*line. */
static eng_cube feat_cube(int prec, int c, int h, int w, uint32_t offset)
{
    eng_cube q;
    memset(&q, 0, sizeof q);
    q.mem_type = ENG_MEM_DRAM;
    q.layout = ENG_LAYOUT_FEATURE;
    q.precision = (uint8_t)prec;
    q.mem = 0;
    q.offset = offset;
    q.width = (uint16_t)w;
    q.height = (uint16_t)h;
    q.channel = (uint16_t)c;
    q.line_stride = (uint32_t)w * 32;
    q.surf_stride = (uint32_t)(h * w * 32);
    int atom = prec == ENG_INT8 ? 32 : 16;
    q.size = (uint32_t)((c + atom - 1) / atom) * q.surf_stride;
    return q;
}

static uint8_t *feat_at(uint8_t *buf, const eng_cube *q, int c, int h, int w)
{
    int bpe = q->precision == ENG_INT8 ? 1 : 2, atom = 32 / bpe;
    return buf + q->offset + (size_t)(c / atom) * q->surf_stride + (size_t)h * q->line_stride + (size_t)w * 32 +
           (size_t)(c % atom) * bpe;
}

static eng_cube hw_cube(int c, int h, int w)
{
    eng_cube q;
    memset(&q, 0, sizeof q);
    q.mem_type = ENG_MEM_HW;
    q.mem = -1;
    q.channel = (uint16_t)c;
    q.height = (uint16_t)h;
    q.width = (uint16_t)w;
    return q;
}

static eng_cube mem_cube(int layout, int prec, uint32_t offset, uint32_t size)
{
    eng_cube q;
    memset(&q, 0, sizeof q);
    q.mem_type = ENG_MEM_DRAM;
    q.layout = (uint8_t)layout;
    q.precision = (uint8_t)prec;
    q.offset = offset;
    q.size = size;
    return q;
}

/* ---- INT8 CONV -> SDP against a straightforward integer computation --------------------------------------- */

typedef struct conv_case {
    int C, H, W, K, R, S, sx, sy, dx, dy, pad, groups, clip, pad_val;
} conv_case;

static void run_int8_conv_sdp(const conv_case *cc)
{
    int C = cc->C, H = cc->H, W = cc->W, K = cc->K, R = cc->R, S = cc->S, Cg = C / cc->groups, Kg = K / cc->groups;
    int OH = (H + 2 * cc->pad - ((R - 1) * cc->dy + 1)) / cc->sy + 1;
    int OW = (W + 2 * cc->pad - ((S - 1) * cc->dx + 1)) / cc->sx + 1;
    static uint8_t buf[1 << 16];
    memset(buf, 0xa5, sizeof buf); /* garbage in pad channels must not matter */
    eng_cube src = feat_cube(ENG_INT8, C, H, W, 0);
    static int8_t x[40][8][8], wt[8][40][5][5];
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) {
                x[c][h][w] = (int8_t)rnd(-128, 127);
                *feat_at(buf, &src, c, h, w) = (uint8_t)x[c][h][w];
            }
    uint32_t woff = 8192, boff = 12288, moff = 12800, doff = 16384;
    for (int k = 0; k < K; k++)
        for (int c = 0; c < Cg; c++)
            for (int r = 0; r < R; r++)
                for (int s = 0; s < S; s++) {
                    wt[k][c][r][s] = (int8_t)rnd(-128, 127);
                    buf[woff + ((k * Cg + c) * R + r) * S + s] = (uint8_t)wt[k][c][r][s];
                }
    int16_t bias[8], mul[8];
    for (int k = 0; k < K; k++) {
        bias[k] = (int16_t)rnd(-300, 300);
        mul[k] = (int16_t)rnd(100, 2000);
        buf[boff + 2 * k] = (uint8_t)(bias[k] & 0xff);
        buf[boff + 2 * k + 1] = (uint8_t)((uint16_t)bias[k] >> 8);
        buf[moff + 2 * k] = (uint8_t)(mul[k] & 0xff);
        buf[moff + 2 * k + 1] = (uint8_t)((uint16_t)mul[k] >> 8);
    }
    eng_buffer b = {buf, sizeof buf};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;

    eng_op conv;
    memset(&conv, 0, sizeof conv);
    conv.type = ENG_OP_CONV;
    conv.index = 0;
    eng_conv_op *cv = &conv.u.conv;
    cv->in_precision = cv->out_precision = ENG_INT8;
    cv->stride_x = (uint8_t)cc->sx;
    cv->stride_y = (uint8_t)cc->sy;
    cv->pad_left = cv->pad_right = cv->pad_top = cv->pad_bottom = (uint8_t)cc->pad;
    cv->dilation_x = (uint8_t)cc->dx;
    cv->dilation_y = (uint8_t)cc->dy;
    cv->kernel_w = (uint8_t)S;
    cv->kernel_h = (uint8_t)R;
    cv->groups = (uint16_t)cc->groups;
    cv->pad_val = (int16_t)cc->pad_val;
    cv->out_width = (uint16_t)OW;
    cv->out_height = (uint16_t)OH;
    cv->out_channel = (uint16_t)K;
    cv->clip_truncate = (uint8_t)cc->clip;
    cv->src = src;
    cv->weight = mem_cube(ENG_LAYOUT_WEIGHT, ENG_INT8, woff, (uint32_t)(K * Cg * R * S));
    cv->weight.width = (uint16_t)S;
    cv->weight.height = (uint16_t)R;
    cv->weight.channel = (uint16_t)Cg;
    cv->dst = hw_cube(K, OH, OW);
    CHECK_OK(eng_exec_op(&ctx, &conv));

    eng_op sdp;
    memset(&sdp, 0, sizeof sdp);
    sdp.type = ENG_OP_SDP;
    sdp.index = 1;
    eng_sdp_op *sd = &sdp.u.sdp;
    sd->src_precision = sd->dst_precision = ENG_INT8;
    sd->lut_index = -1;
    sd->src = hw_cube(K, OH, OW);
    /* X1: bias per kernel (<< 3), ReLU */
    sd->x1 = (eng_sdp_stage){.enable = 1, .alu_type = ENG_ALU_SUM, .kind = ENG_SDP_ADD, .mode = ENG_SDP_PER_KERNEL,
                             .act = ENG_ACT_RELU, .shift_value = 3, .precision = ENG_INT16};
    sd->x1_data = mem_cube(ENG_LAYOUT_PARAM, ENG_INT16, boff, (uint32_t)(2 * K));
    /* X2: per-channel rescale (MUL >> 12) */
    sd->x2 = (eng_sdp_stage){.enable = 1, .kind = ENG_SDP_MUL, .mode = ENG_SDP_PER_KERNEL, .truncate = 12,
                             .precision = ENG_INT16};
    sd->x2_data = mem_cube(ENG_LAYOUT_PARAM, ENG_INT16, moff, (uint32_t)(2 * K));
    /* requantization: ((x - 5) * 25) >> 9 */
    sd->out_cvt = (eng_cvt){.scale = 25, .truncate = 9, .enable = 1, .offset = 5};
    sd->dst = feat_cube(ENG_INT8, K, OH, OW, doff);
    ctx.stats.saturated = 0;
    CHECK_OK(eng_exec_op(&ctx, &sdp));

    int mism = 0, clipped = 0, zeros = 0;
    for (int k = 0; k < K; k++) {
        int g = k / Kg;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                int64_t acc = 0;
                for (int c = 0; c < Cg; c++)
                    for (int r = 0; r < R; r++)
                        for (int s = 0; s < S; s++) {
                            int iy = oy * cc->sy - cc->pad + r * cc->dy, ix = ox * cc->sx - cc->pad + s * cc->dx;
                            int64_t xv = iy < 0 || iy >= H || ix < 0 || ix >= W ? cc->pad_val : x[g * Cg + c][iy][ix];
                            acc += (int64_t)wt[k][c][r][s] * xv;
                        }
                int64_t v = ref_clamp(ref_rhaz(acc, cc->clip), INT32_MIN, INT32_MAX);
                v = ref_clamp(v + (int64_t)bias[k] * 8, INT32_MIN, INT32_MAX);
                if (v < 0)
                    v = 0;
                v = ref_clamp(ref_rhaz(v * mul[k], 12), INT32_MIN, INT32_MAX);
                int64_t t = ref_clamp(ref_rhaz((v - 5) * 25, 9), -65536, 65535);
                t = ref_clamp(t, -128, 127);
                clipped += t == 127;
                zeros += t == 0; /* the ReLU floor: (0 - 5) * 25 / 512 = -0.24 -> 0 */
                int8_t got = (int8_t)*feat_at(buf, &sd->dst, k, oy, ox);
                if (got != t && mism++ < 5)
                    fprintf(stderr, "int8 conv k%d y%d x%d: got %d want %lld\n", k, oy, ox, got, (long long)t);
            }
    }
    if (getenv("ENGCORE_VERBOSE"))
        fprintf(stderr, "case C%d K%d: %d outputs, %d at 127, %d near the ReLU floor, %llu clips\n", C, K, K * OH * OW, clipped, zeros, (unsigned long long)ctx.stats.saturated);
    CHECK(mism == 0);
    CHECK(clipped == 0 || ctx.stats.saturated > 0);
    (void)zeros;
    eng_ctx_release(&ctx);
}

static void test_int8_conv(void)
{
    conv_case dense = {3, 5, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 4, 0};
    run_int8_conv_sdp(&dense);
    conv_case depthwise = {4, 5, 5, 4, 3, 3, 1, 1, 2, 2, 2, 4, 0, -5}; /* dilated, pad value -5 */
    run_int8_conv_sdp(&depthwise);
    conv_case grouped = {8, 6, 7, 6, 3, 2, 1, 2, 1, 1, 1, 2, 6, 0};
    run_int8_conv_sdp(&grouped);
    conv_case big = {40, 3, 3, 8, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0}; /* two channel surfaces */
    run_int8_conv_sdp(&big);
    conv_case wide_pad = {3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 3, 300}; /* pad value past int8: the int64 path */
    run_int8_conv_sdp(&wide_pad);
}

/* ---- FP16 CONV -> SDP against a double reference ---------------------------------------------------------- */

static float fp16_ulp(float v)
{
    float a = fabsf(v);
    if (a < 0x1p-14f)
        return 0x1p-24f;
    int e;
    frexpf(a, &e);
    return ldexpf(1.0f, e - 11);
}

static void test_fp16_conv(void)
{
    enum { C = 20, H = 6, W = 5, K = 3, R = 3, S = 3 };
    static uint8_t buf[1 << 16];
    memset(buf, 0, sizeof buf);
    eng_cube src = feat_cube(ENG_FP16, C, H, W, 0); /* 20 channels: two chw16 surfaces */
    float x[C][H][W], wt[K][C][R][S], bias[K];
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) {
                uint16_t hb = eng_f32_to_fp16((float)rnd(-2000, 2000) / 997.0f, NULL);
                x[c][h][w] = eng_fp16_to_f32(hb, 0);
                eng_st_u16(feat_at(buf, &src, c, h, w), hb);
            }
    uint32_t woff = 8192, boff = 12288, doff = 16384;
    for (int k = 0; k < K; k++) {
        for (int c = 0; c < C; c++)
            for (int r = 0; r < R; r++)
                for (int s = 0; s < S; s++) {
                    uint16_t hb = eng_f32_to_fp16((float)rnd(-1000, 1000) / 1500.0f, NULL);
                    wt[k][c][r][s] = eng_fp16_to_f32(hb, 0);
                    eng_st_u16(buf + woff + 2 * (((k * C + c) * R + r) * S + s), hb);
                }
        uint16_t hb = eng_f32_to_fp16((float)rnd(-500, 500) / 100.0f, NULL);
        bias[k] = eng_fp16_to_f32(hb, 0);
        eng_st_u16(buf + boff + 2 * k, hb);
    }
    eng_buffer b = {buf, sizeof buf};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;
    eng_op conv;
    memset(&conv, 0, sizeof conv);
    conv.type = ENG_OP_CONV;
    eng_conv_op *cv = &conv.u.conv;
    cv->in_precision = cv->out_precision = ENG_FP16;
    cv->stride_x = cv->stride_y = 1;
    cv->pad_left = cv->pad_right = cv->pad_top = cv->pad_bottom = 1;
    cv->dilation_x = cv->dilation_y = 1;
    cv->kernel_w = S;
    cv->kernel_h = R;
    cv->groups = 1;
    cv->out_width = W;
    cv->out_height = H;
    cv->out_channel = K;
    cv->src = src;
    cv->weight = mem_cube(ENG_LAYOUT_WEIGHT, ENG_FP16, woff, K * C * R * S * 2);
    cv->dst = hw_cube(K, H, W);
    CHECK_OK(eng_exec_op(&ctx, &conv));
    eng_op sdp;
    memset(&sdp, 0, sizeof sdp);
    sdp.type = ENG_OP_SDP;
    sdp.index = 1;
    eng_sdp_op *sd = &sdp.u.sdp;
    sd->src_precision = sd->dst_precision = ENG_FP16;
    sd->lut_index = -1;
    sd->src = hw_cube(K, H, W);
    sd->x1 = (eng_sdp_stage){.enable = 1, .alu_type = ENG_ALU_SUM, .kind = ENG_SDP_ADD, .mode = ENG_SDP_PER_KERNEL,
                             .act = ENG_ACT_RELU, .precision = ENG_FP16};
    sd->x1_data = mem_cube(ENG_LAYOUT_PARAM, ENG_FP16, boff, 2 * K);
    sd->dst = feat_cube(ENG_FP16, K, H, W, doff);
    CHECK_OK(eng_exec_op(&ctx, &sdp));
    int bad = 0, pos = 0;
    for (int k = 0; k < K; k++)
        for (int oy = 0; oy < H; oy++)
            for (int ox = 0; ox < W; ox++) {
                double acc = 0;
                for (int c = 0; c < C; c++)
                    for (int r = 0; r < R; r++)
                        for (int s = 0; s < S; s++) {
                            int iy = oy - 1 + r, ix = ox - 1 + s;
                            if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                                acc += (double)wt[k][c][r][s] * x[c][iy][ix];
                        }
                double want = acc + bias[k];
                if (want < 0)
                    want = 0;
                float got = eng_fp16_to_f32(eng_ld_u16(feat_at(buf, &sd->dst, k, oy, ox)), 0);
                pos += got > 0;
                /* bound: double sum (exact here to ~1e-15) + float delivery + float add: within one FP16 ulp */
                if (fabs(got - want) > fp16_ulp((float)want) && bad++ < 5)
                    fprintf(stderr, "fp16 conv k%d y%d x%d: got %.8g want %.8g\n", k, oy, ox, got, want);
            }
    CHECK(bad == 0);
    CHECK(pos > 10);
    /* the pipe holds the CACC's float (exact double sum rounded once) */
    eng_ctx_release(&ctx);
}

/* ---- SDP element-wise add with a second INT8 surface (offline SDP) ---------------------------------------- */

static void test_sdp_eltwise(void)
{
    enum { C = 35, H = 2, W = 3 };
    static uint8_t buf[1 << 14];
    memset(buf, 0x5a, sizeof buf);
    eng_cube a = feat_cube(ENG_INT8, C, H, W, 0), yb = feat_cube(ENG_INT8, C, H, W, 4096),
             d = feat_cube(ENG_INT8, C, H, W, 8192);
    int8_t av[C][H][W], bv[C][H][W];
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) {
                av[c][h][w] = (int8_t)rnd(-128, 127);
                bv[c][h][w] = (int8_t)rnd(-128, 127);
                *feat_at(buf, &a, c, h, w) = (uint8_t)av[c][h][w];
                *feat_at(buf, &yb, c, h, w) = (uint8_t)bv[c][h][w];
            }
    /* hand-checked corner values: a = 100, b = 100 -> y cvt (100 * 3) >> 1 = 150, sum 250, out (250 * 1) >> 1
     * = 125; a = -3, b = -1 -> (-3 >> 1 ... ) */
    av[0][0][0] = 100;
    bv[0][0][0] = 100;
    *feat_at(buf, &a, 0, 0, 0) = 100;
    *feat_at(buf, &yb, 0, 0, 0) = 100;
    av[0][0][1] = -2;
    bv[0][0][1] = -1;
    *feat_at(buf, &a, 0, 0, 1) = (uint8_t)-2;
    *feat_at(buf, &yb, 0, 0, 1) = (uint8_t)-1;
    eng_buffer b = {buf, sizeof buf};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_SDP;
    op.index = 3;
    eng_sdp_op *sd = &op.u.sdp;
    sd->src_precision = sd->dst_precision = ENG_INT8;
    sd->lut_index = -1;
    sd->src = a;
    sd->y = (eng_sdp_stage){.enable = 1, .alu_type = ENG_ALU_SUM, .kind = ENG_SDP_ADD, .mode = ENG_SDP_PER_POINT,
                            .precision = ENG_INT8, .alu_cvt = {.scale = 3, .truncate = 1, .enable = 1}};
    sd->y_data = yb;
    sd->out_cvt = (eng_cvt){.scale = 1, .truncate = 1, .enable = 1};
    sd->dst = d;
    CHECK_OK(eng_exec_op(&ctx, &op));
    CHECK((int8_t)*feat_at(buf, &d, 0, 0, 0) == 125);
    /* b = -1: (-1 * 3) >> 1 = -1.5 -> -2; sum -4; -4 >> 1 = -2 */
    CHECK((int8_t)*feat_at(buf, &d, 0, 0, 1) == -2);
    int bad = 0;
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) {
                int64_t y = ref_rhaz((int64_t)bv[c][h][w] * 3, 1);
                int64_t t = ref_clamp(ref_rhaz(av[c][h][w] + y, 1), -128, 127);
                bad += (int8_t)*feat_at(buf, &d, c, h, w) != t;
            }
    CHECK(bad == 0);
    /* MAX with a per-layer operand through the pipe: dst on the fly keeps the converted values */
    sd->y = (eng_sdp_stage){.enable = 1, .alu_type = ENG_ALU_MAX, .kind = ENG_SDP_ADD, .mode = ENG_SDP_PER_LAYER,
                            .alu_operand = 7};
    sd->out_cvt.enable = 0;
    sd->dst = hw_cube(C, H, W);
    CHECK_OK(eng_exec_op(&ctx, &op));
    CHECK(ctx.pipe.i32 && ctx.pipe.i32[0] == 100 && ctx.pipe.i32[1] == 7);
    /* element-wise MUL 32x32 -> 64 >> truncate: a * b >> 4 with PER_POINT operand, no converter */
    sd->y = (eng_sdp_stage){.enable = 1, .kind = ENG_SDP_MUL, .mode = ENG_SDP_PER_POINT, .truncate = 4,
                            .precision = ENG_INT8};
    sd->dst = d;
    CHECK_OK(eng_exec_op(&ctx, &op));
    CHECK((int8_t)*feat_at(buf, &d, 0, 0, 0) == 127);        /* 10000 / 16 = 625 -> 127 */
    CHECK((int8_t)*feat_at(buf, &d, 0, 0, 1) == 0);          /* 2 / 16 = 0.125 -> 0 */
    eng_ctx_release(&ctx);
}

/* ---- X stage PReLU, shifts and EQL (register operands) ---------------------------------------------------- */

static void test_sdp_prelu(void)
{
    static uint8_t buf[4096];
    memset(buf, 0, sizeof buf);
    eng_cube s = feat_cube(ENG_INT16, 1, 1, 4, 0), d = feat_cube(ENG_INT16, 1, 1, 4, 1024);
    int16_t in[4] = {-7, 9, -32768, 32767};
    for (int w = 0; w < 4; w++)
        eng_st_u16(feat_at(buf, &s, 0, 0, w), (uint16_t)in[w]);
    eng_buffer b = {buf, sizeof buf};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_SDP;
    eng_sdp_op *sd = &op.u.sdp;
    sd->src_precision = sd->dst_precision = ENG_INT16;
    sd->lut_index = -1;
    sd->src = s;
    sd->dst = d;
    /* PReLU slope 0.25 = 1 >> 2: -7 * 1 >> 2 = -1.75 -> -2; 9 stays 9; -32768 -> -8192; 32767 stays */
    sd->x1 = (eng_sdp_stage){.enable = 1, .kind = ENG_SDP_MUL, .mode = ENG_SDP_PER_LAYER, .act = ENG_ACT_PRELU,
                             .truncate = 2, .mul_operand = 1};
    CHECK_OK(eng_exec_op(&ctx, &op));
    CHECK((int16_t)eng_ld_u16(feat_at(buf, &d, 0, 0, 0)) == -2);
    CHECK((int16_t)eng_ld_u16(feat_at(buf, &d, 0, 0, 1)) == 9);
    CHECK((int16_t)eng_ld_u16(feat_at(buf, &d, 0, 0, 2)) == -8192);
    CHECK((int16_t)eng_ld_u16(feat_at(buf, &d, 0, 0, 3)) == 32767);
    /* ALU operand << shift saturates to 32 bits: 30000 << 20 > 2^31 -> INT32_MAX; + x -> sat32 -> out sat16 */
    sd->x1 = (eng_sdp_stage){.enable = 1, .alu_type = ENG_ALU_SUM, .kind = ENG_SDP_ADD, .mode = ENG_SDP_PER_LAYER,
                             .shift_value = 20, .alu_operand = 30000};
    sd->out_cvt = (eng_cvt){.scale = 1, .truncate = 16, .enable = 1};
    ctx.stats.saturated = 0;
    CHECK_OK(eng_exec_op(&ctx, &op));
    /* -7 + INT32_MAX = 2147483640 -> >> 16 = 32767.99 -> 32768 -> sat17 ok -> sat16 32767 */
    CHECK((int16_t)eng_ld_u16(feat_at(buf, &d, 0, 0, 0)) == 32767);
    CHECK(ctx.stats.saturated >= 4);
    /* a register X operand beyond 16 bits is a format error naming the op */
    sd->x1.alu_operand = 70000;
    CHECK_STATUS(eng_exec_op(&ctx, &op), DLA_ERR_FORMAT);
    eng_ctx_release(&ctx);
}

/* ---- LUT: a sigmoid LO table, priorities, under/overflow slopes ------------------------------------------- */

/* Input in Q8 (x / 256); LO covers [-16, 16) with 256 steps of 32 (index_select 5); entries sigmoid * 2^15. */
static void sigmoid_lut(eng_lut *l)
{
    memset(l, 0, sizeof *l);
    for (int i = 0; i < 257; i++) {
        double xv = (-4096 + 32 * i) / 256.0;
        l->lo[i] = (int16_t)ref_clamp((int64_t)floor(32767.0 / (1.0 + exp(-xv)) + 0.5), 0, 32767);
    }
    l->lo_start = -4096;
    l->lo_index_select = 5;
    l->lo_end = -4096 + (256 << 5);
    l->lo_slope_oflow_scale = 1;
    l->lo_slope_oflow_shift = 4;
    l->lo_slope_uflow_scale = 3;
    l->lo_slope_uflow_shift = -1; /* a left shift */
    /* LE: linear over [0, 4096) with steps of 64, all entries 100 */
    for (int i = 0; i < 65; i++)
        l->le[i] = 100;
    l->le_start = 0;
    l->le_index_select = 6;
    l->le_end = 64 << 6;
    l->hybrid_priority = 1; /* both hit -> LO */
    l->underflow_priority = 1;
    l->overflow_priority = 0;
    l->precision = ENG_INT16;
}

static void test_lut(void)
{
    eng_lut l;
    sigmoid_lut(&l);
    CHECK_OK(eng_lut_check(&l, 0));
    eng_stats st = {0};
    /* x = 0 is entry 128 exactly (frac 0): sigmoid(0) * 32767 = 16383.5 -> 16384 */
    CHECK(l.lo[128] == 16384);
    CHECK(eng_lut_int(&l, 0, &st) == 16384);
    /* x = 16: u = 4112, i = 128, rem 16 -> frac 2^34: (T128 + T129) / 2 */
    int64_t t128 = l.lo[128], t129 = l.lo[129], t130 = l.lo[130];
    CHECK(eng_lut_int(&l, 16, &st) == ref_rhaz(t128 + t129, 1));
    /* x = 8: rem 8 -> frac 2^33: (3 T128 + T129) / 4 */
    CHECK(eng_lut_int(&l, 8, &st) == ref_rhaz(3 * t128 + t129, 2));
    /* x = 32 + 31: i = 129, rem 31 -> frac 31 * 2^30: (T129 * 1 + T130 * 31) / 32 */
    CHECK(eng_lut_int(&l, 63, &st) == ref_rhaz(t129 + 31 * t130, 5));
    /* hand values: sigmoid(1/8) * 32767 = 17405.8 -> 17406 = T129; sigmoid(0.25) = 18420.8 -> 18421 = T130 */
    CHECK(t129 == 17406 && t130 == 18421);
    CHECK(eng_lut_int(&l, 16, &st) == 16895); /* (16384 + 17406) / 2 = 16895 */
    CHECK(eng_lut_int(&l, 8, &st) == 16640);  /* (3 * 16384 + 17406) / 4 = 16639.5 -> 16640 */
    CHECK(st.lut_hits == 6);
    /* hybrid priority 0 -> LE wins when both hit */
    l.hybrid_priority = 0;
    CHECK(eng_lut_int(&l, 16, &st) == 100);
    /* LE underflows (x < 0), LO hits -> LO, whatever the priorities */
    CHECK(eng_lut_int(&l, -32, &st) == l.lo[127]);
    /* overflow of both (x >= 4096): overflow_priority 0 -> LE: 100 + (x - 4096) * 0 */
    CHECK(eng_lut_int(&l, 5000, &st) == 100);
    l.overflow_priority = 1; /* LO: T256 + ((x - end) * 1) >> 4: 904 / 16 = 56.5 -> 57 */
    CHECK(eng_lut_int(&l, 5000, &st) == l.lo[256] + 57);
    CHECK(st.lut_overflow == 2);
    /* underflow of both (x < -4096): LO (priority 1): T0 + ((x - start) * 3) << 1 = T0 + (-10 * 3) * 2 */
    CHECK(eng_lut_int(&l, -4106, &st) == l.lo[0] - 60);
    CHECK(st.lut_underflow == 1);
    /* saturation of the slope result to int32 */
    l.lo_slope_uflow_shift = -30;
    CHECK(eng_lut_int(&l, -4096 - 1000000, &st) == INT32_MIN);
    l.lo_slope_uflow_shift = -1;
    /* exponential LE: start 0, offset 0: x in [2^p, 2^(p+1)) -> index p; entries 10 * index */
    eng_lut e;
    memset(&e, 0, sizeof e);
    e.le_function = 1;
    for (int i = 0; i < 65; i++)
        e.le[i] = (int16_t)(10 * i);
    e.le_end = INT64_MAX;
    e.lo_start = 1 << 20; /* LO never hits below */
    e.lo_end = (1 << 20) + 256;
    e.precision = ENG_INT16;
    CHECK_OK(eng_lut_check(&e, 1));
    CHECK(eng_lut_int(&e, 8, &st) == 30);  /* 2^3: index 3, frac 0 */
    CHECK(eng_lut_int(&e, 12, &st) == 35); /* 12 = 2^3 * 1.5: frac 0.5 -> (30 + 40) / 2 */
    CHECK(eng_lut_int(&e, 1, &st) == 0);   /* index 0 */
    e.le_index_offset = 2;                 /* index = p - 2: x = 2 -> p = 1 -> underflow (T0 + slope 0) */
    CHECK(eng_lut_int(&e, 2, &st) == 0);
    CHECK(eng_lut_int(&e, 6, &st) == 5); /* p = 2 -> index 0, frac 0.5 -> (0 + 10) / 2 */
    /* bad tables */
    l.lo_end += 1;
    CHECK_STATUS(eng_lut_check(&l, 4), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "LUT 4") && strstr(dla_last_error(), "lo_end"));
    l.lo_end -= 1;
    l.hybrid_priority = 2;
    CHECK_STATUS(eng_lut_check(&l, 4), DLA_ERR_FORMAT);
    l.hybrid_priority = 1;

    /* through the SDP Y stage (INT16 -> INT16) */
    static uint8_t buf[4096];
    memset(buf, 0, sizeof buf);
    eng_cube s = feat_cube(ENG_INT16, 1, 1, 3, 0), d = feat_cube(ENG_INT16, 1, 1, 3, 1024);
    int16_t in[3] = {0, 16, 8};
    for (int w = 0; w < 3; w++)
        eng_st_u16(feat_at(buf, &s, 0, 0, w), (uint16_t)in[w]);
    eng_buffer b = {buf, sizeof buf};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;
    ctx.luts = &l;
    ctx.n_luts = 1;
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_SDP;
    eng_sdp_op *sd = &op.u.sdp;
    sd->src_precision = sd->dst_precision = ENG_INT16;
    sd->lut_index = 0;
    sd->src = s;
    sd->dst = d;
    sd->y = (eng_sdp_stage){.enable = 1, .act = ENG_ACT_LUT};
    CHECK_OK(eng_exec_op(&ctx, &op));
    CHECK((int16_t)eng_ld_u16(feat_at(buf, &d, 0, 0, 0)) == 16384);
    CHECK((int16_t)eng_ld_u16(feat_at(buf, &d, 0, 0, 1)) == 16895);
    CHECK((int16_t)eng_ld_u16(feat_at(buf, &d, 0, 0, 2)) == 16640);
    CHECK(ctx.stats.lut_hits == 3);
    sd->lut_index = 1; /* outside the list */
    CHECK_STATUS(eng_exec_op(&ctx, &op), DLA_ERR_FORMAT);
    eng_ctx_release(&ctx);

    /* FP16 LUT: LO over [-8, 8) with step 2^-4 (index_select -4), entries x / 2 (exact in FP16) */
    eng_lut f;
    memset(&f, 0, sizeof f);
    f.precision = ENG_FP16;
    for (int i = 0; i < 257; i++)
        f.lo[i] = (int16_t)eng_f32_to_fp16((-8.0f + i / 16.0f) / 2, NULL);
    float fs = -8.0f, fe = 8.0f;
    uint32_t u;
    memcpy(&u, &fs, 4);
    f.lo_start = u;
    memcpy(&u, &fe, 4);
    f.lo_end = u;
    f.lo_index_select = (uint8_t)(int8_t)-4;
    float big = 1e30f;
    memcpy(&u, &big, 4);
    f.le_start = u; /* LE never hits: it underflows everywhere below 1e30 */
    f.le_end = u;
    f.le_index_select = 0;
    f.lo_slope_oflow_scale = (int16_t)eng_f32_to_fp16(0.5f, NULL);
    f.overflow_priority = 1;
    f.underflow_priority = 1;
    f.hybrid_priority = 1;
    CHECK_OK(eng_lut_check(&f, 2));
    CHECK(eng_lut_fp(&f, 1.03125f, NULL) == 0.515625f); /* halfway between 1.0 and 1.0625 */
    CHECK(eng_lut_fp(&f, -3.0f, NULL) == -1.5f);
    CHECK(eng_lut_fp(&f, 10.0f, NULL) == 5.0f); /* overflow: T256 (4) + (10 - 8) * 0.5 */
    CHECK(isnan(eng_lut_fp(&f, NAN, NULL)));
}

/* ---- bounds and descriptor errors name the op and the cube ------------------------------------------------ */

static void test_errors(void)
{
    static uint8_t buf[2048];
    memset(buf, 0, sizeof buf);
    eng_buffer b = {buf, sizeof buf};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;
    eng_op conv;
    memset(&conv, 0, sizeof conv);
    conv.type = ENG_OP_CONV;
    conv.index = 7;
    eng_conv_op *cv = &conv.u.conv;
    cv->in_precision = cv->out_precision = ENG_INT8;
    cv->stride_x = cv->stride_y = cv->dilation_x = cv->dilation_y = cv->kernel_w = cv->kernel_h = 1;
    cv->groups = 1;
    cv->out_width = cv->out_height = 4;
    cv->out_channel = 2;
    cv->src = feat_cube(ENG_INT8, 3, 4, 4, 1536); /* 512 bytes from 1536: ends at 2048, fits */
    cv->weight = mem_cube(ENG_LAYOUT_WEIGHT, ENG_INT8, 0, 6);
    cv->dst = hw_cube(2, 4, 4);
    CHECK_OK(eng_exec_op(&ctx, &conv));
    cv->src.offset = 1600; /* now past the end */
    CHECK_STATUS(eng_exec_op(&ctx, &conv), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "op 7") && strstr(dla_last_error(), "src"));
    cv->src.offset = 1536;
    cv->src.size = 100; /* the size field too small for the geometry */
    CHECK_STATUS(eng_exec_op(&ctx, &conv), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "op 7"));
    cv->src.size = 512;
    cv->weight.size = 5; /* 2 kernels x 3 channels need 6 bytes */
    CHECK_STATUS(eng_exec_op(&ctx, &conv), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "op 7") && strstr(dla_last_error(), "weight"));
    cv->weight.size = 6;
    cv->weight.offset = 2044; /* inside the buffer by offset, past it by size; and misaligned */
    CHECK_STATUS(eng_exec_op(&ctx, &conv), DLA_ERR_FORMAT);
    cv->weight.offset = 0;
    cv->dst = feat_cube(ENG_INT8, 2, 4, 4, 0);
    CHECK_STATUS(eng_exec_op(&ctx, &conv), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "conv output must go on the fly to SDP"));
    cv->dst = hw_cube(2, 4, 4);
    cv->out_width = 5; /* larger than the input allows */
    CHECK_STATUS(eng_exec_op(&ctx, &conv), DLA_ERR_FORMAT);
    cv->out_width = 4;
    cv->groups = 2; /* does not divide C = 3 */
    CHECK_STATUS(eng_exec_op(&ctx, &conv), DLA_ERR_FORMAT);
    cv->groups = 1;
    cv->src.mem = 3; /* no such buffer */
    CHECK_STATUS(eng_exec_op(&ctx, &conv), DLA_ERR_FORMAT);
    cv->src.mem = 0;

    eng_op sdp;
    memset(&sdp, 0, sizeof sdp);
    sdp.type = ENG_OP_SDP;
    sdp.index = 9;
    eng_sdp_op *sd = &sdp.u.sdp;
    sd->src_precision = sd->dst_precision = ENG_INT8;
    sd->lut_index = -1;
    sd->src = feat_cube(ENG_INT8, 3, 4, 4, 0);
    sd->dst = feat_cube(ENG_INT8, 3, 4, 4, 512);
    sd->y = (eng_sdp_stage){.enable = 1, .alu_type = ENG_ALU_SUM, .kind = ENG_SDP_ADD, .mode = ENG_SDP_PER_POINT};
    sd->y_data = feat_cube(ENG_INT8, 3, 4, 4, 1024);
    CHECK_OK(eng_exec_op(&ctx, &sdp));
    sd->y_data.offset = 1792; /* 512 bytes from 1792 pass the end */
    CHECK_STATUS(eng_exec_op(&ctx, &sdp), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "op 9") && strstr(dla_last_error(), "y_data"));
    sd->y_data.offset = 1024;
    sd->y_data.width = 3; /* shape differs from the data */
    sd->y_data.line_stride = 96;
    CHECK_STATUS(eng_exec_op(&ctx, &sdp), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "y_data"));
    sd->y_data = feat_cube(ENG_INT8, 3, 4, 4, 1024);
    sd->src_precision = ENG_INT8;
    sd->dst_precision = ENG_FP16; /* no INT8 -> FP16 in one SDP op */
    CHECK_STATUS(eng_exec_op(&ctx, &sdp), DLA_ERR_FORMAT);
    sd->dst_precision = ENG_INT8;
    sd->src = hw_cube(3, 4, 4); /* the pipe holds conv's 2x4x4 */
    CHECK_STATUS(eng_exec_op(&ctx, &sdp), DLA_ERR_FORMAT);
    eng_ctx_release(&ctx);
}

/* ---- descriptor codec ------------------------------------------------------------------------------------- */

static void fill_bytes(void *p, size_t n)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)rnd(0, 255);
}

static void test_codec(void)
{
    eng_op sdp;
    memset(&sdp, 0, sizeof sdp);
    sdp.type = ENG_OP_SDP;
    sdp.index = 5;
    sdp.dependency_count = 2;
    for (int i = 0; i < ENG_MAX_CONSUMERS; i++)
        sdp.consumers[i] = (eng_consumer){(int16_t)(i == 3 ? 6 : -1), (uint8_t)(i == 3 ? 1 : 0), 0};
    sdp.fused_parent = (eng_consumer){4, ENG_EVENT_ENABLED, 0};
    sdp.layer = 123456;
    eng_sdp_op *sd = &sdp.u.sdp;
    sd->src_precision = ENG_INT8;
    sd->dst_precision = ENG_INT8;
    sd->lut_index = 1;
    sd->out_cvt = (eng_cvt){-1234, 17, 1, -100000};
    sd->x1 = (eng_sdp_stage){1, 2, 3, 1, 1, 9, 12, 1, -70000, 123, {5, 6, 1, 7}, {-8, 9, 0, -10}};
    sd->y = (eng_sdp_stage){1, 0, 2, 2, 2, 0, 200, 0, 0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}};
    sd->src = hw_cube(64, 28, 28);
    sd->y_data = feat_cube(ENG_INT8, 64, 28, 28, 4096);
    sd->y_data.mem = 2;
    sd->dst = feat_cube(ENG_INT8, 64, 28, 28, 1u << 20);
    sd->dst.plane_stride = 77;
    uint8_t rec[ENG_OP_RECORD_BYTES], rec2[ENG_OP_RECORD_BYTES];
    eng_op_encode(&sdp, rec);
    CHECK(rec[0] == 'E' && rec[1] == 'O' && rec[2] == ENG_RECORD_VERSION);
    eng_codec_limits lim = {8, 2, 3};
    eng_op back;
    CHECK_OK(eng_op_decode(rec, sizeof rec, 5, &lim, &back));
    CHECK(back.type == ENG_OP_SDP && back.index == 5 && back.layer == 123456 && back.dependency_count == 2);
    CHECK(back.consumers[3].index == 6 && back.fused_parent.index == 4 && back.fused_parent.event == 3);
    CHECK(back.u.sdp.out_cvt.scale == -1234 && back.u.sdp.out_cvt.offset == -100000 && back.u.sdp.out_cvt.truncate == 17);
    CHECK(back.u.sdp.x1.alu_operand == -70000 && back.u.sdp.x1.mul_cvt.scale == -8 && back.u.sdp.x1.mul_cvt.offset == -10);
    CHECK(back.u.sdp.y.truncate == 200 && back.u.sdp.y_data.mem == 2 && back.u.sdp.dst.offset == (1u << 20));
    CHECK(back.u.sdp.src.mem == -1 && back.u.sdp.dst.plane_stride == 77 && back.u.sdp.y_data.surf_stride == 28 * 28 * 32);
    eng_op_encode(&back, rec2);
    CHECK(memcmp(rec, rec2, sizeof rec) == 0);
    /* little-endian on the wire: layer 123456 = 0x0001e240 at bytes 4 + 32 .. */
    CHECK(rec[36] == 0x40 && rec[37] == 0xe2 && rec[38] == 0x01 && rec[39] == 0x00);

    /* every op type round-trips */
    eng_op ops[6];
    memset(ops, 0, sizeof ops);
    for (int t = 0; t < 6; t++) {
        ops[t].type = (uint8_t)t;
        ops[t].index = (int16_t)t;
        for (int i = 0; i < ENG_MAX_CONSUMERS; i++)
            ops[t].consumers[i].index = -1;
        ops[t].fused_parent.index = -1;
    }
    ops[0].u.bdma.num_transfers = 20;
    for (int i = 0; i < 20; i++) {
        eng_bdma_transfer *tr = &ops[0].u.bdma.transfers[i];
        fill_bytes(&tr->src_offset, 4);
        tr->src_mem = 1;
        tr->dst_mem = 2;
        tr->line_size = (uint32_t)(100 + i);
        tr->line_repeat = 3;
        tr->surface_repeat = 4;
        tr->dst_surface_stride = 0xdeadbeefu;
    }
    eng_conv_op *cv = &ops[1].u.conv;
    *cv = (eng_conv_op){.in_precision = 2, .out_precision = 2, .stride_x = 2, .stride_y = 8, .pad_left = 31,
                        .pad_bottom = 3, .dilation_x = 32, .dilation_y = 1, .kernel_w = 32, .kernel_h = 7,
                        .groups = 8192, .pad_val = -77, .out_width = 8192, .out_height = 1, .out_channel = 16,
                        .clip_truncate = 63, .sparse = 1, .split_index = 2, .split_count = 3,
                        .in_cvt = {3, 4, 1, -5}};
    cv->src = feat_cube(ENG_FP16, 3, 5, 5, 0);
    cv->weight = mem_cube(ENG_LAYOUT_WEIGHT, ENG_FP16, 64, 1000);
    cv->dst = hw_cube(16, 1, 8192);
    ops[2].u.sdp.lut_index = -1;
    ops[2].u.sdp.src = hw_cube(1, 1, 1);
    ops[3].u.pdp = (eng_pdp_op){.pool_mode = 1, .precision = 0, .pool_width = 8, .pool_height = 3, .stride_x = 16,
                                .stride_y = 1, .pad_left = 7, .recip_width = 21845, .recip_height = 65535,
                                .padding_value = {1, -2, 3, -4, 5, -6, 7}};
    ops[4].u.cdp = (eng_cdp_op){.in_precision = 0, .out_precision = 0, .local_size = 9, .bypass_sqsum = 1,
                                .lut_index = 0, .in_cvt = {1, 2, 1, 3}, .out_cvt = {-1, 0, 0, 0}};
    ops[5].u.rubik = (eng_rubik_op){.mode = 3, .precision = 2, .stride_x = 1, .stride_y = 1, .perm = {0, 2, 3, 1}};
    for (int t = 0; t < 6; t++) {
        eng_op_encode(&ops[t], rec);
        CHECK_OK(eng_op_decode(rec, sizeof rec, t, &lim, &back));
        eng_op_encode(&back, rec2);
        CHECK(memcmp(rec, rec2, sizeof rec) == 0);
    }
    CHECK(back.u.rubik.perm[3] == 1);
    eng_op_encode(&ops[1], rec);
    CHECK_OK(eng_op_decode(rec, sizeof rec, 1, NULL, &back));
    CHECK(back.u.conv.groups == 8192 && back.u.conv.pad_val == -77 && back.u.conv.in_cvt.offset == -5);

    /* invalid fields name the op index and the field */
    eng_op bad = ops[1];
    bad.u.conv.stride_x = 0;
    eng_op_encode(&bad, rec);
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 1, &lim, &back), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "op 1") && strstr(dla_last_error(), "conv.stride_x"));
    bad = ops[3];
    bad.u.pdp.pool_width = 9;
    eng_op_encode(&bad, rec);
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 3, &lim, &back), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "pdp.pool_width"));
    bad = ops[0];
    bad.u.bdma.num_transfers = 21;
    eng_op_encode(&bad, rec);
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 0, &lim, &back), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "num_transfers"));
    bad = ops[0];
    bad.u.bdma.transfers[4].dst_mem = 3; /* lim.n_bufs = 3 */
    eng_op_encode(&bad, rec);
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 0, &lim, &back), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "transfers[4].dst_mem"));
    bad = ops[4];
    bad.u.cdp.local_size = 4;
    eng_op_encode(&bad, rec);
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 4, &lim, &back), DLA_ERR_FORMAT);
    bad = ops[5];
    bad.u.rubik.perm[1] = 0; /* not a permutation */
    eng_op_encode(&bad, rec);
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 5, &lim, &back), DLA_ERR_FORMAT);
    eng_op_encode(&sdp, rec);
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 4, &lim, &back), DLA_ERR_FORMAT); /* index 5 at position 4 */
    lim.n_luts = 1;                                                              /* lut_index 1 */
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 5, &lim, &back), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "lut_index"));
    lim.n_luts = 2;
    rec[4] = 6; /* type */
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 5, &lim, &back), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "type"));
    eng_op_encode(&sdp, rec);
    rec[2] = 2;
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 5, &lim, &back), DLA_ERR_VERSION);
    eng_op_encode(&sdp, rec);
    rec[ENG_OP_RECORD_BYTES - 1] = 1; /* tail must be zero */
    CHECK_STATUS(eng_op_decode(rec, sizeof rec, 5, &lim, &back), DLA_ERR_FORMAT);
    CHECK_STATUS(eng_op_decode(rec, sizeof rec - 1, 5, &lim, &back), DLA_ERR_FORMAT);
    /* every single-byte flip decodes to a valid op or fails cleanly */
    eng_op_encode(&sdp, rec);
    int rejected = 0;
    for (int i = 0; i < ENG_OP_RECORD_BYTES; i++) {
        memcpy(rec2, rec, sizeof rec);
        rec2[i] ^= 0x80;
        dla_status st = eng_op_decode(rec2, sizeof rec2, 5, &lim, &back);
        CHECK(st == DLA_OK || st == DLA_ERR_FORMAT || st == DLA_ERR_VERSION);
        rejected += st != DLA_OK;
    }
    if (getenv("ENGCORE_VERBOSE"))
        fprintf(stderr, "byte flips rejected: %d of %d\n", rejected, ENG_OP_RECORD_BYTES);
    CHECK(rejected > 700); /* the zero tail and reserved bytes alone are ~700 */

    /* LUT records */
    eng_lut l, lb;
    sigmoid_lut(&l);
    l.le_index_offset = -3;
    l.lo_slope_uflow_shift = -7;
    uint8_t lrec[ENG_LUT_RECORD_BYTES], lrec2[ENG_LUT_RECORD_BYTES];
    eng_lut_encode(&l, lrec);
    CHECK_OK(eng_lut_decode(lrec, sizeof lrec, 0, &lb));
    CHECK(memcmp(l.lo, lb.lo, sizeof l.lo) == 0 && lb.lo_start == -4096 && lb.le_index_offset == -3 &&
          lb.lo_slope_uflow_shift == -7 && lb.hybrid_priority == 1);
    eng_lut_encode(&lb, lrec2);
    CHECK(memcmp(lrec, lrec2, sizeof lrec) == 0);
    l.le_function = 2;
    eng_lut_encode(&l, lrec);
    CHECK_STATUS(eng_lut_decode(lrec, sizeof lrec, 3, &lb), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "LUT 3") && strstr(dla_last_error(), "le_function"));
}

int main(void)
{
    test_rhaz();
    test_sat();
    test_cvt();
    test_fp16();
    test_scale_shift();
    test_int8_conv();
    test_fp16_conv();
    test_sdp_eltwise();
    test_sdp_prelu();
    test_lut();
    test_errors();
    test_codec();
    return TEST_RESULT();
}
