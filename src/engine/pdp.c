/* Engine processor: PDP (planar data processor) — max / min / average pooling (engine.md §1.1, §1.6 item 8).
 *
 * Source: a FEATURE cube in memory, or on the fly (src.mem_type ENG_MEM_HW) from the SDP before it through
 * ctx->pipe ([C][H][W]; i32 on the INT path, holding the SDP's converted outputs, f32 on the FP16 path); the src
 * cube's channel/height/width must equal the pipe's dims. Destination: a FEATURE cube in memory (pad channels
 * zeroed).
 * Output size: out = (in + pad_before + pad_after - window) / stride + 1 (floor); dst must have exactly that
 * size and the source's channel count. Each pad must be smaller than its window (every window holds a real
 * element), so a window has at most 7 padded columns and 7 padded rows.
 *
 * Max / min: over the window's real elements only (padded positions never win).
 *
 * Average, INT8/INT16 path (bit-exact rule): with rh real rows, kpw padded columns and kph padded rows in the
 * window, V(0) = 0 and V(k) = padding_value[k-1],
 *     sum = sum(real elements) + rh * V(kpw) + pool_width * V(kph)        (int64)
 * i.e. the horizontal pass adds padding_value[kpw-1] to each real row, the vertical pass adds padding_value[kph-1]
 * per column; with padding_value[k-1] = k * p (the compiler's choice, p = -offset*scale, 0 without an input
 * offset) this is exactly count-include-pad with pad value p. Then
 *     t = RHAZ(sum * recip_width / 2^16)   (skipped when pool_width == 1: the reciprocal 1.0 is not a Q0.16 value)
 *     y = RHAZ(t * recip_height / 2^16)    (skipped when pool_height == 1)
 * saturated to the destination precision (counted in ctx->stats.saturated). recip_* = Q0.16 reciprocal of the
 * window size, chosen by the compiler (round(65536 / k)); zero is refused for a window larger than 1.
 *
 * Average, FP16 path: the same sum in float (padding_value[] entries are the bits of IEEE float32 values; all-zero
 * bits = 0.0), divided by pool_width * pool_height in float, stored as FP16 by the DLA's rules (never INF).
 * FP16 INF inputs read as +-4292870144 (the PDP's finite stand-in, engine.md §1.7); NaN propagates.
 */
#include "engine/format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static dla_status check_params(const eng_op *op, const eng_pdp_op *p)
{
    const int idx = op->index;
    if (p->pool_mode > ENG_POOL_MIN)
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): pool_mode %u; valid: 0 avg, 1 max, 2 min", idx,
                          p->pool_mode);
    if (!eng_prec_bytes(p->precision))
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): precision %u; valid: 0 INT8, 1 INT16, 2 FP16", idx,
                          p->precision);
    if (p->pool_width < 1 || p->pool_width > 8 || p->pool_height < 1 || p->pool_height > 8)
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): window %ux%u (WxH); each side must be 1..8", idx,
                          p->pool_width, p->pool_height);
    if (p->stride_x < 1 || p->stride_x > 16 || p->stride_y < 1 || p->stride_y > 16)
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): stride %ux%u (XxY); each must be 1..16", idx,
                          p->stride_x, p->stride_y);
    if (p->pad_left > 7 || p->pad_right > 7 || p->pad_top > 7 || p->pad_bottom > 7)
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): pads l%u r%u t%u b%u; each must be 0..7", idx,
                          p->pad_left, p->pad_right, p->pad_top, p->pad_bottom);
    if (p->pad_left >= p->pool_width || p->pad_right >= p->pool_width || p->pad_top >= p->pool_height ||
        p->pad_bottom >= p->pool_height)
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): pads l%u r%u t%u b%u must be smaller than the %ux%u "
                          "window", idx, p->pad_left, p->pad_right, p->pad_top, p->pad_bottom, p->pool_width,
                          p->pool_height);
    if (p->pool_mode == ENG_POOL_AVG && p->precision != ENG_FP16 &&
        ((p->pool_width > 1 && p->recip_width == 0) || (p->pool_height > 1 && p->recip_height == 0)))
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): average over a %ux%u window needs non-zero Q0.16 "
                          "reciprocals (recip_width %u, recip_height %u)", idx, p->pool_width, p->pool_height,
                          p->recip_width, p->recip_height);
    return DLA_OK;
}

/* The window of output position o along one axis: [lo, hi) real input positions and the padded count. */
static void window(int o, int stride, int pad_before, int k, int in, int *lo, int *hi, int *padded)
{
    int start = o * stride - pad_before, end = start + k;
    *lo = start < 0 ? 0 : start;
    *hi = end > in ? in : end;
    *padded = k - (*hi - *lo);
}

static float pad_f32(int32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

typedef struct pdp_run {
    const eng_pdp_op *p;
    int W, H, OW, OH;
    eng_stats *st;
} pdp_run;

static int32_t pool_int(const pdp_run *r, const int32_t *plane, int oy, int ox)
{
    const eng_pdp_op *p = r->p;
    int x0, x1, kpw, y0, y1, kph;
    window(ox, p->stride_x, p->pad_left, p->pool_width, r->W, &x0, &x1, &kpw);
    window(oy, p->stride_y, p->pad_top, p->pool_height, r->H, &y0, &y1, &kph);
    int bits = p->precision == ENG_INT8 ? 8 : 16;
    if (p->pool_mode != ENG_POOL_AVG) {
        int32_t best = plane[(size_t)y0 * r->W + x0];
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) {
                int32_t v = plane[(size_t)y * r->W + x];
                best = p->pool_mode == ENG_POOL_MAX ? (v > best ? v : best) : (v < best ? v : best);
            }
        return (int32_t)eng_sat_bits(best, bits, r->st);
    }
    int64_t sum = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            sum += plane[(size_t)y * r->W + x];
    if (kpw)
        sum += (int64_t)(y1 - y0) * p->padding_value[kpw - 1];
    if (kph)
        sum += (int64_t)p->pool_width * p->padding_value[kph - 1];
    if (p->pool_width > 1)
        sum = eng_rhaz_shift(sum * p->recip_width, 16);
    if (p->pool_height > 1)
        sum = eng_rhaz_shift(sum * p->recip_height, 16);
    return (int32_t)eng_sat_bits(sum, bits, r->st);
}

static float pool_fp(const pdp_run *r, const float *plane, int oy, int ox)
{
    const eng_pdp_op *p = r->p;
    int x0, x1, kpw, y0, y1, kph;
    window(ox, p->stride_x, p->pad_left, p->pool_width, r->W, &x0, &x1, &kpw);
    window(oy, p->stride_y, p->pad_top, p->pool_height, r->H, &y0, &y1, &kph);
    if (p->pool_mode != ENG_POOL_AVG) {
        float best = plane[(size_t)y0 * r->W + x0];
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) {
                float v = plane[(size_t)y * r->W + x];
                if (isnan(v))
                    return v;
                best = p->pool_mode == ENG_POOL_MAX ? (v > best ? v : best) : (v < best ? v : best);
            }
        return best;
    }
    float sum = 0.0f;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            sum += plane[(size_t)y * r->W + x];
    if (kpw)
        sum += (float)(y1 - y0) * pad_f32(p->padding_value[kpw - 1]);
    if (kph)
        sum += (float)p->pool_width * pad_f32(p->padding_value[kph - 1]);
    return sum / (float)(p->pool_width * p->pool_height);
}

/* Output size along one axis, or 0 when the padded input is shorter than the window. */
static int out_size(int in, int pb, int pa, int k, int s)
{
    int span = in + pb + pa - k;
    return span < 0 ? 0 : span / s + 1;
}

dla_status eng_pdp_exec(eng_ctx *ctx, const eng_op *op)
{
    const eng_pdp_op *p = &op->u.pdp;
    BASE_TRY(check_params(op, p));
    const int fp = p->precision == ENG_FP16;
    const eng_cube *sc = &p->src;
    eng_geom sg, dg;
    uint8_t *sbase = NULL, *dbase = NULL;
    int C, H, W;
    if (sc->mem_type == ENG_MEM_HW) {
        const eng_pipe *pp = &ctx->pipe;
        if ((fp ? (const void *)pp->f32 : (const void *)pp->i32) == NULL || pp->channel != sc->channel ||
            pp->height != sc->height || pp->width != sc->width || !sc->channel || !sc->height || !sc->width)
            return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): on-the-fly source %ux%ux%u (CxHxW) does not match "
                              "the pipe's %s %dx%dx%d", op->index, sc->channel, sc->height, sc->width,
                              fp ? "f32" : "i32", pp->channel, pp->height, pp->width);
        C = sc->channel;
        H = sc->height;
        W = sc->width;
    } else {
        BASE_TRY(eng_cube_map(ctx, op, sc, "PDP src", p->precision, &sg, &sbase));
        if (sg.layout != ENG_LAYOUT_FEATURE)
            return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): src layout %u; the PDP reads FEATURE cubes",
                              op->index, sg.layout);
        C = (int)sg.c;
        H = (int)sg.h;
        W = (int)sg.w;
    }
    BASE_TRY(eng_cube_map(ctx, op, &p->dst, "PDP dst", p->precision, &dg, &dbase));
    if (dg.layout != ENG_LAYOUT_FEATURE)
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): dst layout %u; the PDP writes FEATURE cubes",
                          op->index, dg.layout);
    int OW = out_size(W, p->pad_left, p->pad_right, p->pool_width, p->stride_x);
    int OH = out_size(H, p->pad_top, p->pad_bottom, p->pool_height, p->stride_y);
    if ((int)dg.w != OW || (int)dg.h != OH || (int)dg.c != C)
        return base_error(DLA_ERR_FORMAT, "engine op %d (PDP): dst is %ux%ux%u (CxHxW); a %ux%u window, stride "
                          "%ux%u, pads l%u r%u t%u b%u over %dx%dx%d gives %dx%dx%d", op->index, dg.c, dg.h, dg.w,
                          p->pool_width, p->pool_height, p->stride_x, p->stride_y, p->pad_left, p->pad_right,
                          p->pad_top, p->pad_bottom, C, H, W, C, OH, OW);

    eng_geom_zero_pad(&dg, dbase);
    pdp_run r = {p, W, H, OW, OH, &ctx->stats};
    size_t plane_n = (size_t)H * W;
    void *scratch = NULL;
    if (sbase) { /* memory source: one channel plane at a time into a dense scratch plane */
        scratch = malloc(plane_n * (fp ? sizeof(float) : sizeof(int32_t)));
        if (!scratch)
            return base_error(DLA_ERR_NOMEM, "engine op %d (PDP): no memory for a %dx%d plane", op->index, H, W);
    }
    for (int c = 0; c < C; c++) {
        const int32_t *pi = NULL;
        const float *pf = NULL;
        if (!sbase) {
            pi = fp ? NULL : ctx->pipe.i32 + (size_t)c * plane_n;
            pf = fp ? ctx->pipe.f32 + (size_t)c * plane_n : NULL;
        } else {
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    const uint8_t *e = sbase + eng_geom_at(&sg, c, y, x);
                    if (fp)
                        ((float *)scratch)[(size_t)y * W + x] = eng_load_fp16(e, ENG_FP16_INF_PDP);
                    else
                        ((int32_t *)scratch)[(size_t)y * W + x] = eng_load_int(e, p->precision);
                }
            pi = fp ? NULL : scratch;
            pf = fp ? scratch : NULL;
        }
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                uint8_t *d = dbase + eng_geom_at(&dg, c, oy, ox);
                if (fp)
                    eng_store_fp16(d, pool_fp(&r, pf, oy, ox), &ctx->stats);
                else
                    eng_store_int(d, p->precision, pool_int(&r, pi, oy, ox));
            }
    }
    free(scratch);
    return DLA_OK;
}
