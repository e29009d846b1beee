/* Engine processor: CONV — direct convolution (grouped, depthwise, dilated; FC is a 1x1 convolution), NVDLA's
 * CDMA -> CBUF -> CSC -> CMAC -> CACC pipeline (reference/engine.md §1.1, §1.3; numerics §1.6 items 1-3, §1.7).
 * The result always goes on the fly to the fused SDP (dst ENG_MEM_HW -> ctx->pipe); conv to memory is not a
 * DLA path.
 *
 * Input (src): a FEATURE (chw32 / chw16), LINEAR or HWC4 cube of in_precision (format.h). For the INT paths an
 * enabled in_cvt (image mode, §1.6 item 1) converts every element: sat_int8|16(RHAZ(((x - offset)*scale) >>
 * truncate)); FP16 input bypasses it. Padded positions read pad_val (INT: that integer, i.e. -offset*scale
 * when the input has an offset; FP16: pad_val holds FP16 bits, 0 = +0.0).
 *
 * WEIGHT layout (ENG_LAYOUT_WEIGHT, dlakit's own, a faithful simplification of the DC layout of §1.5):
 *     kernel-major [K][C/groups][R][S], elements of in_precision (int8; int16 / FP16 little-endian), densely
 *     packed, base offset a multiple of 32 bytes, size >= K * (C/groups) * R * S * element bytes.
 *     The weight cube's width / height / channel, when non-zero, must equal S / R / C/groups.
 *     Kernel k belongs to group k / (K/groups) and reads input channels [g*C/groups, (g+1)*C/groups).
 *     `sparse` (2:4 structure) changes nothing numerically: the zeros are stored.
 *
 * Output: out_width x out_height x out_channel (K) values into ctx->pipe as [K][OH][OW]:
 *   INT8/INT16: exact int64 sums of exact products (CMAC + CACC; the hardware's INT34/INT48 never overflows for
 *               legal sizes), then CACC's sat_int32(RHAZ(acc / 2^clip_truncate)) -> pipe.i32; clips are counted.
 *               INT8 sums that are exact in int32 come from oneDNN (conv_fast_i8 below), bit-identical;
 *               DLA_ENGINE_REF_CONV=1 in the environment forces the reference loops.
 *   FP16:       products exact in double, summed in double (error <= n * 2^-53 * sum|products| for n terms), one
 *               rounding to float (the CACC's FP32 delivery) -> pipe.f32. Far inside NVDLA's own DC tolerance
 *               |a-b| <= 2^(max_exp-20)*R*S*C*2 + 2^(exp(a)-10) (§1.7). INF inputs read as +-65536 (§1.7),
 *               NaN propagates. The FP16 sums come from conv_fp16.c (same additions in the same order, so the
 *               same bits; ops with a NaN operand run the loops here); DLA_ENGINE_REF_CONV=1 forces the loops.
 * out dims may be at most the full-convolution dims ((W + pads - dilated kernel) / stride + 1): a partial-H
 * band (split_index/split_count) simply gives its own src rows and pads.
 */
#include "engine/conv_fp16.h"
#include "engine/format.h"
#include "engine/numerics.h"
#include "kernels/kernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct conv_dims {
    int C, H, W, K, R, S, G, Cg, Kg, Hp, Wp, OH, OW, sx, sy, dx, dy, pt, pl;
} conv_dims;

static dla_status conv_err(const eng_op *op, const char *field, long v, const char *limit)
{
    return base_error(DLA_ERR_FORMAT, "engine op %d (CONV): %s = %ld; %s", op->index, field, v, limit);
}

static dla_status conv_validate(const eng_op *op, conv_dims *d)
{
    const eng_conv_op *cv = &op->u.conv;
    if (cv->in_precision > ENG_FP16)
        return conv_err(op, "in_precision", cv->in_precision, "valid: 0 INT8, 1 INT16, 2 FP16");
    if (cv->out_precision != cv->in_precision)
        return conv_err(op, "out_precision", cv->out_precision, "conv is INT8->INT8, INT16->INT16, FP16->FP16 only");
    if (cv->stride_x < 1 || cv->stride_x > 8 || cv->stride_y < 1 || cv->stride_y > 8)
        return conv_err(op, "stride", cv->stride_x < 1 || cv->stride_x > 8 ? cv->stride_x : cv->stride_y,
                        "the limit is 1..8");
    if (cv->pad_left > 31 || cv->pad_right > 31 || cv->pad_top > 31 || cv->pad_bottom > 31)
        return conv_err(op, "pad", cv->pad_left > 31 ? cv->pad_left : cv->pad_right > 31 ? cv->pad_right
                                   : cv->pad_top > 31 ? cv->pad_top : cv->pad_bottom, "the limit is 0..31");
    if (cv->dilation_x < 1 || cv->dilation_x > 32 || cv->dilation_y < 1 || cv->dilation_y > 32)
        return conv_err(op, "dilation", cv->dilation_x < 1 || cv->dilation_x > 32 ? cv->dilation_x : cv->dilation_y,
                        "the limit is 1..32");
    if (cv->kernel_w < 1 || cv->kernel_w > 32 || cv->kernel_h < 1 || cv->kernel_h > 32)
        return conv_err(op, "kernel size", cv->kernel_w < 1 || cv->kernel_w > 32 ? cv->kernel_w : cv->kernel_h,
                        "the limit is 1..32");
    if (cv->dst.mem_type != ENG_MEM_HW)
        return base_error(DLA_ERR_FORMAT,
                          "engine op %d (CONV): dst has mem type %u; conv output must go on the fly to SDP (HW = 2)",
                          op->index, cv->dst.mem_type);
    if (cv->src.mem_type == ENG_MEM_HW)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CONV): src is on the fly (HW); conv reads from memory",
                          op->index);
    d->C = cv->src.channel;
    d->H = cv->src.height;
    d->W = cv->src.width;
    d->K = cv->out_channel;
    d->R = cv->kernel_h;
    d->S = cv->kernel_w;
    d->G = cv->groups;
    d->sx = cv->stride_x;
    d->sy = cv->stride_y;
    d->dx = cv->dilation_x;
    d->dy = cv->dilation_y;
    d->pt = cv->pad_top;
    d->pl = cv->pad_left;
    d->OH = cv->out_height;
    d->OW = cv->out_width;
    if (d->G < 1 || d->C % d->G || d->K % d->G)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CONV): groups = %d must divide C = %d and K = %d", op->index,
                          d->G, d->C, d->K);
    if (d->K < 1 || d->K > ENG_MAX_DIM)
        return conv_err(op, "out_channel", d->K, "the limit is 1..8192");
    d->Cg = d->C / d->G;
    d->Kg = d->K / d->G;
    d->Hp = d->H + cv->pad_top + cv->pad_bottom;
    d->Wp = d->W + cv->pad_left + cv->pad_right;
    int ekh = (d->R - 1) * d->dy + 1, ekw = (d->S - 1) * d->dx + 1;
    if (ekh > d->Hp || ekw > d->Wp)
        return base_error(DLA_ERR_FORMAT,
                          "engine op %d (CONV): dilated kernel %dx%d exceeds the padded input %dx%d (HxW)", op->index,
                          ekh, ekw, d->Hp, d->Wp);
    int fh = (d->Hp - ekh) / d->sy + 1, fw = (d->Wp - ekw) / d->sx + 1;
    if (d->OH < 1 || d->OH > fh || d->OW < 1 || d->OW > fw)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CONV): output %dx%d (HxW) must be 1..%dx%d for this input",
                          op->index, d->OH, d->OW, fh, fw);
    const eng_cube *dst = &cv->dst;
    if ((dst->channel && dst->channel != d->K) || (dst->height && dst->height != d->OH) ||
        (dst->width && dst->width != d->OW))
        return base_error(DLA_ERR_FORMAT, "engine op %d (CONV): dst cube %ux%ux%u differs from the output %dx%dx%d",
                          op->index, dst->channel, dst->height, dst->width, d->K, d->OH, d->OW);
    return DLA_OK;
}

static dla_status conv_weight(const eng_ctx *ctx, const eng_op *op, const conv_dims *d, const uint8_t **wp)
{
    const eng_cube *w = &op->u.conv.weight;
    int bpe = eng_prec_bytes(op->u.conv.in_precision);
    if (w->mem_type == ENG_MEM_HW || w->layout != ENG_LAYOUT_WEIGHT || w->precision != op->u.conv.in_precision)
        return base_error(DLA_ERR_FORMAT,
                          "engine op %d (CONV): weight cube must be a WEIGHT-layout (3) memory cube of the conv "
                          "precision %u (it has mem type %u, layout %u, precision %u)",
                          op->index, op->u.conv.in_precision, w->mem_type, w->layout, w->precision);
    if ((w->width && w->width != d->S) || (w->height && w->height != d->R) || (w->channel && w->channel != d->Cg))
        return base_error(DLA_ERR_FORMAT, "engine op %d (CONV): weight cube %ux%ux%u (CxRxS) differs from %dx%dx%d",
                          op->index, w->channel, w->height, w->width, d->Cg, d->R, d->S);
    if (w->offset % ENG_ATOM_BYTES)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CONV): weight offset %u is not 32-byte aligned", op->index,
                          w->offset);
    uint64_t need = (uint64_t)d->K * d->Cg * d->R * d->S * bpe;
    if (need > w->size)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CONV): weight cube holds %u bytes; [%d][%d][%d][%d] needs %llu",
                          op->index, w->size, d->K, d->Cg, d->R, d->S, (unsigned long long)need);
    BASE_TRY(eng_cube_check(ctx, op, w, "weight cube"));
    *wp = ctx->bufs[w->mem].data + w->offset;
    return DLA_OK;
}

/* Padded input [C][Hp][Wp] (int32 for INT paths with in_cvt applied, float for FP16). */
static void *conv_load_src(eng_ctx *ctx, const eng_op *op, const conv_dims *d, const eng_geom *g, const uint8_t *base)
{
    const eng_conv_op *cv = &op->u.conv;
    size_t plane = (size_t)d->Hp * d->Wp, n = (size_t)d->C * plane;
    int fp = cv->in_precision == ENG_FP16, bits = cv->in_precision == ENG_INT8 ? 8 : 16;
    void *buf = malloc(n * 4);
    if (!buf)
        return NULL;
    int32_t *pi = buf;
    float *pf = buf;
    float padf = eng_fp16_to_f32((uint16_t)cv->pad_val, ENG_FP16_INF_CONV);
    for (size_t i = 0; i < n; i++) {
        if (fp)
            pf[i] = padf;
        else
            pi[i] = cv->pad_val;
    }
    for (int c = 0; c < d->C; c++)
        for (int h = 0; h < d->H; h++)
            for (int w = 0; w < d->W; w++) {
                const uint8_t *p = base + eng_geom_at(g, (uint32_t)c, (uint32_t)h, (uint32_t)w);
                size_t o = (size_t)c * plane + (size_t)(h + d->pt) * d->Wp + (size_t)(w + d->pl);
                if (fp) {
                    uint16_t hb = eng_ld_u16(p);
                    if ((hb & 0x7c00) == 0x7c00 && (hb & 0x3ff))
                        ctx->stats.nan_inputs++;
                    pf[o] = eng_fp16_to_f32(hb, ENG_FP16_INF_CONV);
                } else {
                    int64_t x = eng_load_int(p, cv->in_precision);
                    pi[o] = (int32_t)(cv->in_cvt.enable ? eng_cvt_apply(&cv->in_cvt, x, bits, &ctx->stats) : x);
                }
            }
    return buf;
}

static void *conv_load_weight(const eng_op *op, const conv_dims *d, const uint8_t *wp)
{
    size_t n = (size_t)d->K * d->Cg * d->R * d->S;
    void *buf = malloc(n * 4);
    if (!buf)
        return NULL;
    int prec = op->u.conv.in_precision;
    for (size_t i = 0; i < n; i++) {
        if (prec == ENG_FP16)
            ((float *)buf)[i] = eng_fp16_to_f32(eng_ld_u16(wp + 2 * i), ENG_FP16_INF_CONV);
        else
            ((int32_t *)buf)[i] = eng_load_int(wp + i * (size_t)eng_prec_bytes(prec), prec);
    }
    return buf;
}

/* One output kernel, INT path: exact int64 sums, then CACC's clip. Returns the number of clipped values. */
/* INT8 fast path: when every product is at most 2^14 in magnitude and there are fewer than 2^17 of them per output,
 * an int32 sum is exact (|sum| < 2^31), so it gives the same bits as the int64 one. */
static uint64_t conv_kernel_i8(const conv_dims *d, int k, const int32_t *in, const int32_t *wt, int clip,
                               int32_t *acc, int32_t *out)
{
    size_t plane = (size_t)d->Hp * d->Wp, npix = (size_t)d->OH * d->OW;
    int g = k / d->Kg;
    memset(acc, 0, npix * sizeof(*acc));
    for (int c = 0; c < d->Cg; c++) {
        const int32_t *ip = in + (size_t)(g * d->Cg + c) * plane;
        const int32_t *wk = wt + ((size_t)k * d->Cg + c) * d->R * d->S;
        for (int r = 0; r < d->R; r++)
            for (int s = 0; s < d->S; s++) {
                int32_t w = wk[r * d->S + s];
                if (!w)
                    continue;
                for (int oy = 0; oy < d->OH; oy++) {
                    const int32_t *row = ip + (size_t)(oy * d->sy + r * d->dy) * d->Wp + (size_t)s * d->dx;
                    int32_t *ar = acc + (size_t)oy * d->OW;
                    if (d->sx == 1)
                        for (int ox = 0; ox < d->OW; ox++)
                            ar[ox] += w * row[ox];
                    else
                        for (int ox = 0; ox < d->OW; ox++)
                            ar[ox] += w * row[(size_t)ox * d->sx];
                }
            }
    }
    eng_stats st = {0};
    for (size_t i = 0; i < npix; i++)
        out[i] = eng_sat32(eng_rhaz_shift(acc[i], clip), &st);
    return st.saturated;
}

static uint64_t conv_kernel_int(const conv_dims *d, int k, const int32_t *in, const int32_t *wt, int clip,
                                int64_t *acc, int32_t *out)
{
    size_t plane = (size_t)d->Hp * d->Wp, npix = (size_t)d->OH * d->OW;
    int g = k / d->Kg;
    memset(acc, 0, npix * sizeof(*acc));
    for (int c = 0; c < d->Cg; c++) {
        const int32_t *ip = in + (size_t)(g * d->Cg + c) * plane;
        const int32_t *wk = wt + ((size_t)k * d->Cg + c) * d->R * d->S;
        for (int r = 0; r < d->R; r++)
            for (int s = 0; s < d->S; s++) {
                int64_t w = wk[r * d->S + s];
                if (!w)
                    continue;
                for (int oy = 0; oy < d->OH; oy++) {
                    const int32_t *row = ip + (size_t)(oy * d->sy + r * d->dy) * d->Wp + (size_t)s * d->dx;
                    int64_t *ar = acc + (size_t)oy * d->OW;
                    for (int ox = 0; ox < d->OW; ox++)
                        ar[ox] += w * row[(size_t)ox * d->sx];
                }
            }
    }
    eng_stats st = {0};
    for (size_t i = 0; i < npix; i++)
        out[i] = eng_sat32(eng_rhaz_shift(acc[i], clip), &st);
    return st.saturated;
}

static void conv_kernel_fp(const conv_dims *d, int k, const float *in, const float *wt, double *acc, float *out)
{
    size_t plane = (size_t)d->Hp * d->Wp, npix = (size_t)d->OH * d->OW;
    int g = k / d->Kg;
    for (size_t i = 0; i < npix; i++)
        acc[i] = 0.0;
    for (int c = 0; c < d->Cg; c++) {
        const float *ip = in + (size_t)(g * d->Cg + c) * plane;
        const float *wk = wt + ((size_t)k * d->Cg + c) * d->R * d->S;
        for (int r = 0; r < d->R; r++)
            for (int s = 0; s < d->S; s++) {
                double w = wk[r * d->S + s];
                for (int oy = 0; oy < d->OH; oy++) {
                    const float *row = ip + (size_t)(oy * d->sy + r * d->dy) * d->Wp + (size_t)s * d->dx;
                    double *ar = acc + (size_t)oy * d->OW;
                    for (int ox = 0; ox < d->OW; ox++)
                        ar[ox] += w * (double)row[(size_t)ox * d->sx];
                }
            }
    }
    for (size_t i = 0; i < npix; i++)
        out[i] = (float)acc[i];
}

/* conv_kernel_fp is the specification of the FP16 path; conv_fp16.c computes the same bits faster
 * (DLA_ENGINE_REF_CONV=1 forces these loops for FP16 as well). */

/* ---- INT8 fast path ----------------------------------------------------------------------------------------
 * Where conv_kernel_i8 applies (int32 sums are exact), the same sums come from oneDNN's s8 x s8 -> s32
 * convolution (kernels/dnnl_conv_s8.c, exact int32 accumulation) on an input this file pads itself (pad_val in
 * the padded positions, so oneDNN runs unpadded), then the same CACC epilogue. Bit-identical to the loops above
 * (tests/test_fastconv.c compares them on a grid of shapes); DLA_ENGINE_REF_CONV=1 forces the loops. */

static int conv_ref_forced(void)
{
    const char *e = getenv("DLA_ENGINE_REF_CONV");
    return e && *e && strcmp(e, "0");
}

/* CACC on the fast path's channels-last sums y (npix x K) into out ([K][npix]): RHAZ(acc / 2^clip) then
 * sat_int32, as conv_kernel_i8 does with eng_rhaz_shift / eng_sat32. The same rule on the magnitude:
 * (|a| >> n) + bit n-1 of |a| == (|a| + 2^(n-1)) >> n. For an int32 acc the result never clips (n = 0 is the
 * identity; n >= 1 gives at most 2^30 + 1 in magnitude), so no clip is counted, as in the reference. */
static inline int32_t cacc_one(int32_t x, int clip, int64_t half)
{
    int64_t a = x, m = a < 0 ? -a : a, r = (m + half) >> clip;
    return (int32_t)(a < 0 ? -r : r);
}

/* Pixels [p0, p1) x kernels [k0, k1), scalar. */
static void cacc_tile(const int32_t *y, size_t npix, int K, int clip, size_t p0, size_t p1, int k0, int k1,
                      int32_t *out)
{
    int64_t half = clip > 0 ? INT64_C(1) << (clip - 1) : 0;
    for (int k = k0; k < k1; k++)
        for (size_t p = p0; p < p1; p++)
            out[(size_t)k * npix + p] = clip ? cacc_one(y[p * (size_t)K + k], clip, half) : y[p * (size_t)K + k];
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CONV_HAVE_AVX2 1
/* 8 pixels x 8 kernels per step: RHAZ on the rows (|x| + 2^(n-1) fits in uint32 for n <= 30), an 8x8 int32
 * transpose in registers, 8 contiguous stores. Rows [p0, p1) with p1 - p0 a multiple of 8; K >= 8. */
__attribute__((target("avx2"))) static void cacc_avx2(const int32_t *y, size_t npix, int K, int clip, size_t p0,
                                                      size_t p1, int32_t *out)
{
    __m256i half = _mm256_set1_epi32(clip > 0 ? (int32_t)(1u << (clip - 1)) : 0);
    __m128i sh = _mm_cvtsi32_si128(clip);
    int k8 = K & ~7;
    for (size_t p = p0; p < p1; p += 8)
        for (int k = 0; k < k8; k += 8) {
            __m256i r[8], t[8], u[8];
            for (int i = 0; i < 8; i++) {
                r[i] = _mm256_loadu_si256((const __m256i *)(y + (p + (size_t)i) * (size_t)K + k));
                if (clip) {
                    __m256i m = _mm256_srl_epi32(_mm256_add_epi32(_mm256_abs_epi32(r[i]), half), sh);
                    r[i] = _mm256_sign_epi32(m, r[i]);
                }
            }
            for (int i = 0; i < 8; i += 2) {
                t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
                t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
            }
            for (int i = 0; i < 8; i += 4) {
                u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
                u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
                u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
                u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
            }
            for (int j = 0; j < 4; j++) {
                _mm256_storeu_si256((__m256i *)(out + (size_t)(k + j) * npix + p),
                                    _mm256_permute2x128_si256(u[j], u[j + 4], 0x20));
                _mm256_storeu_si256((__m256i *)(out + (size_t)(k + j + 4) * npix + p),
                                    _mm256_permute2x128_si256(u[j], u[j + 4], 0x31));
            }
        }
    if (k8 < K)
        cacc_tile(y, npix, K, clip, p0, p1, k8, K, out);
}
#endif

static void conv_cacc_i32(const int32_t *y, size_t npix, int K, int clip, int32_t *out)
{
    enum { PB = 64 };
    int nblk = (int)((npix + PB - 1) / PB);
#ifdef CONV_HAVE_AVX2
    int simd = K >= 8 && clip <= 30 && __builtin_cpu_supports("avx2");
#endif
#pragma omp parallel for schedule(static) if (npix * (size_t)K > 65536)
    for (int b = 0; b < nblk; b++) {
        size_t p0 = (size_t)b * PB, p1 = p0 + PB < npix ? p0 + PB : npix;
#ifdef CONV_HAVE_AVX2
        if (simd) {
            size_t p8 = p0 + ((p1 - p0) & ~(size_t)7);
            cacc_avx2(y, npix, K, clip, p0, p8, out);
            p0 = p8;
        }
#endif
        if (p0 < p1)
            cacc_tile(y, npix, K, clip, p0, p1, 0, K, out);
    }
}

/* Input rows/columns the outputs read, padded with pad_val, int8 channels-last. Every source element still goes
 * through in_cvt (its saturation count is the reference's, which converts the whole cube). */
static void conv_load_s8(eng_ctx *ctx, const eng_op *op, const conv_dims *d, const eng_geom *g, const uint8_t *base,
                         int hh, int ww, int8_t *x)
{
    const eng_conv_op *cv = &op->u.conv;
    int C = d->C;
    int8_t pv = (int8_t)cv->pad_val;
#pragma omp parallel for schedule(static) if ((size_t)hh * ww * C > 65536)
    for (int py = 0; py < hh; py++) {
        int iy = py - d->pt;
        for (int px = 0; px < ww; px++) {
            int ix = px - d->pl;
            if (iy < 0 || iy >= d->H || ix < 0 || ix >= d->W)
                memset(x + ((size_t)py * ww + px) * C, pv, (size_t)C);
        }
    }
    if (!cv->in_cvt.enable && g->layout == ENG_LAYOUT_FEATURE && g->elem_bytes == 1) {
        int atom = g->atom_c, ih = d->H < hh - d->pt ? d->H : hh - d->pt;
#pragma omp parallel for schedule(static) if ((size_t)ih * d->W * C > 65536)
        for (int iy = 0; iy < ih; iy++)
            for (int ix = 0; ix < d->W && ix + d->pl < ww; ix++) {
                int8_t *o = x + ((size_t)(iy + d->pt) * ww + (size_t)(ix + d->pl)) * C;
                for (int c0 = 0; c0 < C; c0 += atom)
                    memcpy(o + c0, base + (size_t)(c0 / atom) * g->surf_stride + (size_t)iy * g->line_stride +
                                       (size_t)ix * ENG_ATOM_BYTES,
                           (size_t)(C - c0 < atom ? C - c0 : atom));
            }
        return;
    }
    for (int c = 0; c < C; c++)
        for (int iy = 0; iy < d->H; iy++)
            for (int ix = 0; ix < d->W; ix++) {
                int64_t v = eng_load_int(base + eng_geom_at(g, (uint32_t)c, (uint32_t)iy, (uint32_t)ix), ENG_INT8);
                if (cv->in_cvt.enable)
                    v = eng_cvt_apply(&cv->in_cvt, v, 8, &ctx->stats);
                if (iy + d->pt < hh && ix + d->pl < ww)
                    x[((size_t)(iy + d->pt) * ww + (size_t)(ix + d->pl)) * C + c] = (int8_t)v;
            }
}

/* Per-thread scratch buffers of the fast path (input and channels-last sums), kept between ops so that large
 * buffers are not mapped and faulted in again for every convolution; freed when the thread exits. */
enum { CONV_SCR_X, CONV_SCR_Y, CONV_SCR_N };
typedef struct conv_scratch {
    void *p[CONV_SCR_N];
    size_t n[CONV_SCR_N];
} conv_scratch;
static pthread_key_t conv_scr_key;
static pthread_once_t conv_scr_once = PTHREAD_ONCE_INIT;
static int conv_scr_ok;

static void conv_scr_free(void *v)
{
    conv_scratch *s = v;
    for (int i = 0; i < CONV_SCR_N; i++)
        free(s->p[i]);
    free(s);
}

static void conv_scr_init(void) { conv_scr_ok = pthread_key_create(&conv_scr_key, conv_scr_free) == 0; }

static void *conv_scr_get(int slot, size_t bytes)
{
    pthread_once(&conv_scr_once, conv_scr_init);
    if (!conv_scr_ok)
        return NULL;
    conv_scratch *s = pthread_getspecific(conv_scr_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s || pthread_setspecific(conv_scr_key, s)) {
            free(s);
            return NULL;
        }
    }
    if (bytes > s->n[slot]) {
        free(s->p[slot]);
        size_t sz = (bytes + bytes / 4 + 4095) & ~(size_t)4095;
        s->p[slot] = aligned_alloc(64, sz);
        s->n[slot] = s->p[slot] ? sz : 0;
    }
    return s->p[slot];
}

/* Runs op on the fast path when there is one here (*done = 1); *done = 0 leaves everything (stats included) as
 * it was for the reference loops. */
static dla_status conv_fast_i8(eng_ctx *ctx, const eng_op *op, const conv_dims *d, const eng_geom *g,
                               const uint8_t *base, const uint8_t *wp, int *done)
{
    *done = 0;
    const eng_conv_op *cv = &op->u.conv;
    k_s8_conv_desc kd = {.c = d->C, .h = (d->OH - 1) * d->sy + (d->R - 1) * d->dy + 1,
                         .w = (d->OW - 1) * d->sx + (d->S - 1) * d->dx + 1, .k = d->K, .groups = d->G, .r = d->R,
                         .s = d->S, .sy = d->sy, .sx = d->sx, .dy = d->dy, .dx = d->dx, .oh = d->OH, .ow = d->OW};
    if (!k_s8_conv_supported(&kd))
        return DLA_OK;
    size_t npix = (size_t)d->OH * d->OW, nx = (size_t)kd.h * (size_t)kd.w * (size_t)d->C;
    int8_t *x = conv_scr_get(CONV_SCR_X, nx);
    int32_t *y = conv_scr_get(CONV_SCR_Y, npix * (size_t)d->K * sizeof(int32_t));
    if (!x || !y)
        return base_error(DLA_ERR_NOMEM, "engine op %d (CONV): cannot allocate the %dx%dx%d int8 input and its sums", op->index,
                          d->C, (int)kd.h, (int)kd.w);
    eng_stats saved = ctx->stats;
    conv_load_s8(ctx, op, d, g, base, (int)kd.h, (int)kd.w, x);
    dla_status st = k_s8_conv_nhwc(&kd, x, (const int8_t *)wp, y);
    if (st != DLA_OK) {
        if (st != DLA_ERR_UNSUPPORTED)
            return st;
        base_clear_error();
        ctx->stats = saved;
        return DLA_OK;
    }
    conv_cacc_i32(y, npix, d->K, cv->clip_truncate, ctx->pipe.i32);
    *done = 1;
    return DLA_OK;
}

dla_status eng_conv_exec(eng_ctx *ctx, const eng_op *op)
{
    const eng_conv_op *cv = &op->u.conv;
    conv_dims d;
    eng_geom g;
    uint8_t *sbase = NULL;
    const uint8_t *wp = NULL;
    BASE_TRY(conv_validate(op, &d));
    BASE_TRY(eng_cube_map(ctx, op, &cv->src, "CONV src cube", cv->in_precision, &g, &sbase));
    BASE_TRY(conv_weight(ctx, op, &d, &wp));
    int fp = cv->in_precision == ENG_FP16;
    if (!fp && cv->clip_truncate > 63)
        return conv_err(op, "clip_truncate", cv->clip_truncate, "the limit is 0..63");
    BASE_TRY(eng_pipe_reserve(ctx, d.K, d.OH, d.OW, fp));
    /* int8 x int8 products (and int8 pad_val) are below 2^14; in_cvt output is int8 too */
    int i32_exact = cv->in_precision == ENG_INT8 && cv->pad_val >= -128 && cv->pad_val <= 127 &&
                    (int64_t)d.Cg * d.R * d.S < (INT64_C(1) << 17);
    if (i32_exact && !conv_ref_forced()) {
        int done;
        BASE_TRY(conv_fast_i8(ctx, op, &d, &g, sbase, wp, &done));
        if (done)
            return DLA_OK;
    }
    if (fp && !conv_ref_forced()) { /* conv_fp16.c: bit-identical to conv_kernel_fp, declines NaN operands */
        eng_fp16_conv fd = {.index = op->index, .C = d.C, .H = d.H, .W = d.W, .K = d.K, .R = d.R, .S = d.S,
                            .G = d.G, .Hp = d.Hp, .Wp = d.Wp, .OH = d.OH, .OW = d.OW, .sx = d.sx, .sy = d.sy,
                            .dx = d.dx, .dy = d.dy, .pt = d.pt, .pl = d.pl, .pad_val = (uint16_t)cv->pad_val};
        int done;
        BASE_TRY(eng_conv_fp16_fast(&fd, &g, sbase, wp, ctx->pipe.f32, &done));
        if (done)
            return DLA_OK;
    }
    void *in = conv_load_src(ctx, op, &d, &g, sbase);
    void *wt = conv_load_weight(op, &d, wp);
    if (!in || !wt) {
        free(in);
        free(wt);
        return base_error(DLA_ERR_NOMEM, "engine op %d (CONV): cannot allocate the %dx%dx%d input", op->index, d.C,
                          d.Hp, d.Wp);
    }
    size_t npix = (size_t)d.OH * d.OW;
    uint64_t clipped = 0;
    int failed = 0;
    double work = (double)npix * d.K * d.Cg * d.R * d.S;
#pragma omp parallel if (work > 1e6) reduction(+ : clipped) reduction(| : failed)
    {
        void *acc = malloc(npix * 8);
        if (!acc)
            failed = 1;
#pragma omp for schedule(dynamic)
        for (int k = 0; k < d.K; k++) {
            if (!acc)
                continue;
            if (fp)
                conv_kernel_fp(&d, k, in, wt, acc, ctx->pipe.f32 + (size_t)k * npix);
            else if (i32_exact)
                clipped += conv_kernel_i8(&d, k, in, wt, cv->clip_truncate, acc, ctx->pipe.i32 + (size_t)k * npix);
            else
                clipped += conv_kernel_int(&d, k, in, wt, cv->clip_truncate, acc, ctx->pipe.i32 + (size_t)k * npix);
        }
        free(acc);
    }
    free(in);
    free(wt);
    if (failed)
        return base_error(DLA_ERR_NOMEM, "engine op %d (CONV): cannot allocate accumulators", op->index);
    ctx->stats.saturated += clipped;
    return DLA_OK;
}
