/* Engine processor: CDP (channel data processor) — local response normalization across channels
 * (engine.md §1.1, §1.6 item 9). Source and destination are FEATURE cubes in memory of the same shape and
 * precision (the CDP converts no precision); the LUT is ctx->luts[lut_index] (lut.c), whose entries must match the
 * data path (INT16 table for INT8/INT16 data, FP16 table for FP16 data).
 *
 * INT8 / INT16 path, per pixel (h, w) and channel c, h = (local_size - 1) / 2:
 *   v_c  = cvt(in_cvt, x_c) saturated to 9 bits (INT8 data) or 17 bits (INT16 data)      (disabled cvt: v_c = x_c)
 *   s_c  = sum_{j = c-h .. c+h, 0 <= j < C} v_j^2        exact (< 2^36); bypass_sqsum: s_c = v_c (pure LUT mode)
 *   l_c  = LUT(s_c)                                       eng_lut_int: interpolated table value, sat32
 *   p_c  = l_c * v_c                                      exact int64; bypass_out_mul: p_c = l_c
 *   y_c  = cvt(out_cvt, p_c) saturated to 8 / 16 bits     (RHAZ, counted in ctx->stats.saturated)
 * FP16 path: the converters are not used; v = x (FP16 INF reads as +-4292870144), s = sum v^2 in float, l =
 * eng_lut_fp(s), p = l * v in float, stored as FP16 by the DLA rules (never INF; NaN propagates).
 *
 * Lowering ONNX LRN (y = x / (bias + alpha/size * sum x^2)^beta) with INT8 input scale S_in: sum x^2 =
 * S_in^2 * s, so the LUT holds f(s) = 2^k * (bias + alpha/size * S_in^2 * s)^-beta as INT16 (k chosen to use the
 * 16-bit range), and out_cvt carries S_in * 2^-k / S_out as (scale, truncate); local_size = size (3, 5, 7, 9).
 */
#include "engine/format.h"

#include <math.h>
#include <stdlib.h>

static dla_status check_params(const eng_ctx *ctx, const eng_op *op, const eng_cdp_op *p, const eng_lut **lut)
{
    const int idx = op->index;
    if (!eng_prec_bytes(p->in_precision) || p->out_precision != p->in_precision)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CDP): precisions in %u / out %u; both must be the same one "
                          "of 0 INT8, 1 INT16, 2 FP16 (the CDP converts no precision)", idx, p->in_precision,
                          p->out_precision);
    if (p->local_size != 3 && p->local_size != 5 && p->local_size != 7 && p->local_size != 9)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CDP): local_size %u; valid: 3, 5, 7, 9", idx, p->local_size);
    if (p->bypass_sqsum > 1 || p->bypass_out_mul > 1)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CDP): bypass flags sqsum %u / out_mul %u must be 0 or 1",
                          idx, p->bypass_sqsum, p->bypass_out_mul);
    if (p->lut_index < 0 || p->lut_index >= ctx->n_luts || !ctx->luts)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CDP): lut_index %d is outside the task's %d LUTs", idx,
                          p->lut_index, ctx->n_luts);
    *lut = &ctx->luts[p->lut_index];
    BASE_TRY(eng_lut_check(*lut, p->lut_index));
    if (((*lut)->precision == ENG_FP16) != (p->in_precision == ENG_FP16))
        return base_error(DLA_ERR_FORMAT, "engine op %d (CDP): LUT %d has precision %u; %s data needs an %s table",
                          idx, p->lut_index, (*lut)->precision, p->in_precision == ENG_FP16 ? "FP16" : "INT",
                          p->in_precision == ENG_FP16 ? "FP16" : "INT16");
    return DLA_OK;
}

static void pixel_int(const eng_cdp_op *p, const eng_lut *lut, int C, int64_t *v, uint8_t *const *dst,
                      eng_stats *st)
{
    const int half = (p->local_size - 1) / 2, out_bits = p->out_precision == ENG_INT8 ? 8 : 16;
    int64_t s = 0;
    for (int j = 0; j < half && j < C; j++) /* window of channel 0 without its upper end */
        s += v[j] * v[j];
    for (int c = 0; c < C; c++) {
        if (c + half < C)
            s += v[c + half] * v[c + half];
        if (c - half - 1 >= 0)
            s -= v[c - half - 1] * v[c - half - 1];
        int64_t l = eng_lut_int(lut, p->bypass_sqsum ? v[c] : s, st);
        int64_t prod = p->bypass_out_mul ? l : l * v[c];
        eng_store_int(dst[c], p->out_precision, (int32_t)eng_cvt_apply(&p->out_cvt, prod, out_bits, st));
    }
}

static void pixel_fp(const eng_cdp_op *p, const eng_lut *lut, int C, const float *v, uint8_t *const *dst,
                     eng_stats *st)
{
    const int half = (p->local_size - 1) / 2;
    for (int c = 0; c < C; c++) {
        float s = v[c];
        if (!p->bypass_sqsum) {
            s = 0.0f;
            for (int j = c - half; j <= c + half; j++)
                if (j >= 0 && j < C)
                    s += v[j] * v[j];
            s = eng_ftz(s);
        }
        float l = eng_lut_fp(lut, s, st);
        eng_store_fp16(dst[c], p->bypass_out_mul ? l : eng_ftz(l * v[c]), st);
    }
}

dla_status eng_cdp_exec(eng_ctx *ctx, const eng_op *op)
{
    const eng_cdp_op *p = &op->u.cdp;
    const eng_lut *lut = NULL;
    BASE_TRY(check_params(ctx, op, p, &lut));
    eng_geom sg, dg;
    uint8_t *s, *d;
    BASE_TRY(eng_cube_map(ctx, op, &p->src, "CDP src", p->in_precision, &sg, &s));
    BASE_TRY(eng_cube_map(ctx, op, &p->dst, "CDP dst", p->out_precision, &dg, &d));
    if (sg.layout != ENG_LAYOUT_FEATURE || dg.layout != ENG_LAYOUT_FEATURE)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CDP): layouts src %u / dst %u; the CDP uses FEATURE cubes",
                          op->index, sg.layout, dg.layout);
    if (sg.c != dg.c || sg.h != dg.h || sg.w != dg.w)
        return base_error(DLA_ERR_FORMAT, "engine op %d (CDP): src %ux%ux%u and dst %ux%ux%u (CxHxW) must match",
                          op->index, sg.c, sg.h, sg.w, dg.c, dg.h, dg.w);
    const int C = (int)sg.c, fp = p->in_precision == ENG_FP16;
    const int in_bits = p->in_precision == ENG_INT8 ? 9 : 17;
    int64_t *vi = malloc((size_t)C * sizeof *vi);
    float *vf = malloc((size_t)C * sizeof *vf);
    uint8_t **dst = malloc((size_t)C * sizeof *dst);
    if (!vi || !vf || !dst) {
        free(vi);
        free(vf);
        free(dst);
        return base_error(DLA_ERR_NOMEM, "engine op %d (CDP): no memory for %d channels", op->index, C);
    }
    eng_geom_zero_pad(&dg, d);
    for (uint32_t y = 0; y < sg.h; y++)
        for (uint32_t x = 0; x < sg.w; x++) {
            for (int c = 0; c < C; c++) {
                const uint8_t *e = s + eng_geom_at(&sg, (uint32_t)c, y, x);
                if (fp)
                    vf[c] = eng_load_fp16(e, ENG_FP16_INF_PDP);
                else
                    vi[c] = eng_cvt_apply(&p->in_cvt, eng_load_int(e, p->in_precision), in_bits, &ctx->stats);
                dst[c] = d + eng_geom_at(&dg, (uint32_t)c, y, x);
            }
            if (fp)
                pixel_fp(p, lut, C, vf, dst, &ctx->stats);
            else
                pixel_int(p, lut, C, vi, dst, &ctx->stats);
        }
    free(vi);
    free(vf);
    free(dst);
    return DLA_OK;
}
