/* Engine processor: RUBIK — data re-layout (engine.md §1.1, §2.2). NVDLA's RUBIK does contract (deconvolution
 * de-interleave), split and merge; dlakit's model adds transpose, reshape and resize so that those layers stay on
 * the accelerator. Every mode moves elements between two memory cubes (src and dst: FEATURE, dla_linear or
 * dla_hwc4 layouts, both of the op's precision, not overlapping); elements are copied bit for bit except in linear
 * resize; dst pad channels are zeroed. A cube here is one image: the logical tensor is (N=1, C, H, W).
 *
 * CONTRACT (deconvolution): a strided deconvolution with strides (sx, sy) is computed as sx*sy phase convolutions;
 * phase (px, py) produces the outputs at x = X*sx + px, y = Y*sy + py. RUBIK interleaves them:
 *   - src holds the phases phase-major along C: with C = dst.channel and Cp = C rounded up to the atom (32 INT8 /
 *     16 FP16 channels), src.channel = Cp * sx * sy and phase p = py*sx + px occupies src channels
 *     [p*Cp, p*Cp + C) (channels p*Cp + C .. (p+1)*Cp - 1 are ignored). In the FEATURE layout each phase is thus a
 *     whole number of surfaces: phase p's convolution writes its C-channel output cube at
 *     src.offset + p * (Cp / atom) * src.surf_stride with src's strides.
 *   - src.width/height = the phase outputs' size (Wp, Hp); dst.width in ((Wp-1)*sx, Wp*sx], dst.height in
 *     ((Hp-1)*sy, Hp*sy]: the interleaved grid may be cropped at its right/bottom end (never at the start: the
 *     compiler chooses phase origins so that output (0,0) is phase (0,0)'s first element).
 *   - dst[c][y][x] = src[((y % sy)*sx + (x % sx))*Cp + c][y / sy][x / sx].   Strides 1..8.
 * TRANSPOSE: perm[i] = the input axis (0 N, 1 C, 2 H, 3 W) that output axis i takes; the output's N (input axis
 *   perm[0]) must have size 1; dst (C,H,W) = the input sizes of axes perm[1], perm[2], perm[3].
 * RESHAPE: dst.channel*height*width == src's; element i of the logical NCHW order (c*H*W + h*W + w) of src becomes
 *   element i of dst.
 * RESIZE: integer scales stride_x, stride_y (1..16), dst = (C, H*sy, W*sx).
 *   nearest (resize_linear 0): dst[c][y][x] = src[c][y / sy][x / sx] — identical to ONNX Resize nearest with
 *     asymmetric/floor and with half_pixel/round_prefer_floor for integer scales (no ties occur).
 *   linear (resize_linear 1), half_pixel coordinates: per axis, in = (o + 0.5)/s - 0.5 clamped below at 0;
 *     i0 = floor(in), i1 = min(i0 + 1, size - 1), frac f = in - i0 = k / (2s) exactly (k integer in [0, 2s)).
 *     INT path exact: y = RHAZ( sum_{a,b} wy_a * wx_b * src / (4 sx sy) ) with weights (2s - k, k) — one rounding,
 *     half away from zero. FP16 path: the same weighted sum in double, one RNE rounding to FP16 (DLA rules).
 *     (= ONNX Resize linear half_pixel and PyTorch align_corners=False for integer scales.)
 * SPLIT / MERGE (planar <-> cube): not modelled; DLA_ERR_UNSUPPORTED.
 */
#include "engine/format.h"

#include <stdio.h>
#include <string.h>

typedef struct rubik_io {
    eng_geom sg, dg;
    const uint8_t *s;
    uint8_t *d;
    int eb;
} rubik_io;

static void copy_elem(const rubik_io *io, uint32_t dc, uint32_t dh, uint32_t dw, uint32_t sc, uint32_t sh,
                      uint32_t sw)
{
    memcpy(io->d + eng_geom_at(&io->dg, dc, dh, dw), io->s + eng_geom_at(&io->sg, sc, sh, sw), (size_t)io->eb);
}

static dla_status dims_error(const eng_op *op, const char *mode, const rubik_io *io, const char *want)
{
    return base_error(DLA_ERR_FORMAT, "engine op %d (RUBIK %s): src %ux%ux%u -> dst %ux%ux%u (CxHxW); %s", op->index,
                      mode, io->sg.c, io->sg.h, io->sg.w, io->dg.c, io->dg.h, io->dg.w, want);
}

static dla_status contract(const eng_op *op, const rubik_io *io)
{
    const eng_rubik_op *r = &op->u.rubik;
    uint32_t sx = r->stride_x, sy = r->stride_y, C = io->dg.c;
    if (sx < 1 || sx > 8 || sy < 1 || sy > 8)
        return base_error(DLA_ERR_FORMAT, "engine op %d (RUBIK contract): strides %ux%u; each must be 1..8", op->index,
                          sx, sy);
    uint32_t atom = (uint32_t)eng_feat_atom(r->precision), cp = (C + atom - 1) / atom * atom;
    if (io->sg.c != cp * sx * sy || io->dg.w > io->sg.w * sx || io->dg.w <= (io->sg.w - 1) * sx ||
        io->dg.h > io->sg.h * sy || io->dg.h <= (io->sg.h - 1) * sy) {
        char want[160];
        snprintf(want, sizeof want, "contract needs src C = %u (C rounded to %u, times %ux%u phases), dst W in "
                 "(%u, %u], dst H in (%u, %u]", cp * sx * sy, atom, sx, sy, (io->sg.w - 1) * sx, io->sg.w * sx,
                 (io->sg.h - 1) * sy, io->sg.h * sy);
        return dims_error(op, "contract", io, want);
    }
    for (uint32_t c = 0; c < C; c++)
        for (uint32_t y = 0; y < io->dg.h; y++)
            for (uint32_t x = 0; x < io->dg.w; x++)
                copy_elem(io, c, y, x, ((y % sy) * sx + (x % sx)) * cp + c, y / sy, x / sx);
    return DLA_OK;
}

static dla_status transpose(const eng_op *op, const rubik_io *io)
{
    const uint8_t *perm = op->u.rubik.perm;
    uint32_t in[4] = {1, io->sg.c, io->sg.h, io->sg.w}, seen = 0;
    for (int i = 0; i < 4; i++) {
        if (perm[i] > 3 || (seen & (1u << perm[i])))
            return base_error(DLA_ERR_FORMAT, "engine op %d (RUBIK transpose): perm (%u,%u,%u,%u) is not a "
                              "permutation of (0,1,2,3)", op->index, perm[0], perm[1], perm[2], perm[3]);
        seen |= 1u << perm[i];
    }
    if (in[perm[0]] != 1 || io->dg.c != in[perm[1]] || io->dg.h != in[perm[2]] || io->dg.w != in[perm[3]]) {
        char want[128];
        snprintf(want, sizeof want, "perm (%u,%u,%u,%u) gives N=%u C=%u H=%u W=%u (N must be 1)", perm[0], perm[1],
                 perm[2], perm[3], in[perm[0]], in[perm[1]], in[perm[2]], in[perm[3]]);
        return dims_error(op, "transpose", io, want);
    }
    uint32_t o[4], s[4];
    o[0] = 0;
    for (o[1] = 0; o[1] < io->dg.c; o[1]++)
        for (o[2] = 0; o[2] < io->dg.h; o[2]++)
            for (o[3] = 0; o[3] < io->dg.w; o[3]++) {
                for (int i = 0; i < 4; i++)
                    s[perm[i]] = o[i];
                copy_elem(io, o[1], o[2], o[3], s[1], s[2], s[3]);
            }
    return DLA_OK;
}

static dla_status reshape(const eng_op *op, const rubik_io *io)
{
    uint64_t n = (uint64_t)io->sg.c * io->sg.h * io->sg.w;
    if ((uint64_t)io->dg.c * io->dg.h * io->dg.w != n)
        return dims_error(op, "reshape", io, "the element counts must be equal");
    uint32_t sc = 0, sh = 0, sw = 0;
    for (uint32_t c = 0; c < io->dg.c; c++)
        for (uint32_t h = 0; h < io->dg.h; h++)
            for (uint32_t w = 0; w < io->dg.w; w++) {
                copy_elem(io, c, h, w, sc, sh, sw);
                if (++sw == io->sg.w) {
                    sw = 0;
                    if (++sh == io->sg.h) {
                        sh = 0;
                        sc++;
                    }
                }
            }
    return DLA_OK;
}

/* Half-pixel source position of output o along an axis of `in` elements at integer scale s. */
static void axis_pos(uint32_t o, uint32_t s, uint32_t in, uint32_t *i0, uint32_t *i1, int64_t *k)
{
    int64_t num = 2 * (int64_t)o + 1 - (int64_t)s; /* (o + 0.5)/s - 0.5 = num / (2s) */
    if (num < 0)
        num = 0;
    *i0 = (uint32_t)(num / (2 * (int64_t)s));
    *k = num % (2 * (int64_t)s);
    if (*i0 > in - 1) /* cannot happen for o < in*s; kept as a guard */
        *i0 = in - 1;
    *i1 = *i0 + 1 < in ? *i0 + 1 : in - 1;
}

static int64_t rhaz_div(int64_t n, int64_t d)
{
    return n >= 0 ? (2 * n + d) / (2 * d) : -((-2 * n + d) / (2 * d));
}

static dla_status resize(eng_ctx *ctx, const eng_op *op, const rubik_io *io)
{
    const eng_rubik_op *r = &op->u.rubik;
    uint32_t sx = r->stride_x, sy = r->stride_y;
    if (sx < 1 || sx > 16 || sy < 1 || sy > 16 || r->resize_linear > 1)
        return base_error(DLA_ERR_FORMAT, "engine op %d (RUBIK resize): scales %ux%u (each 1..16), mode %u (0 "
                          "nearest, 1 linear)", op->index, sx, sy, r->resize_linear);
    if (io->dg.c != io->sg.c || io->dg.w != io->sg.w * sx || io->dg.h != io->sg.h * sy)
        return dims_error(op, "resize", io, "dst must be (C, H*scale_y, W*scale_x)");
    const int fp = r->precision == ENG_FP16;
    for (uint32_t c = 0; c < io->dg.c; c++)
        for (uint32_t y = 0; y < io->dg.h; y++)
            for (uint32_t x = 0; x < io->dg.w; x++) {
                if (!r->resize_linear) {
                    copy_elem(io, c, y, x, c, y / sy, x / sx);
                    continue;
                }
                uint32_t y0, y1, x0, x1;
                int64_t ky, kx;
                axis_pos(y, sy, io->sg.h, &y0, &y1, &ky);
                axis_pos(x, sx, io->sg.w, &x0, &x1, &kx);
                const uint32_t ys[2] = {y0, y1}, xs[2] = {x0, x1};
                const int64_t wy[2] = {2 * (int64_t)sy - ky, ky}, wx[2] = {2 * (int64_t)sx - kx, kx};
                uint8_t *d = io->d + eng_geom_at(&io->dg, c, y, x);
                int64_t acc = 0;
                double accf = 0.0;
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++) {
                        const uint8_t *e = io->s + eng_geom_at(&io->sg, c, ys[a], xs[b]);
                        if (fp)
                            accf += (double)(wy[a] * wx[b]) * (double)eng_load_fp16(e, ENG_FP16_INF_PDP);
                        else
                            acc += wy[a] * wx[b] * (int64_t)eng_load_int(e, r->precision);
                    }
                if (fp)
                    eng_st_u16(d, eng_f64_to_fp16(accf / (double)(4 * sx * sy), &ctx->stats));
                else
                    eng_store_int(d, r->precision, (int32_t)rhaz_div(acc, 4 * (int64_t)sx * sy));
            }
    return DLA_OK;
}

dla_status eng_rubik_exec(eng_ctx *ctx, const eng_op *op)
{
    const eng_rubik_op *r = &op->u.rubik;
    if (r->mode == ENG_RUBIK_SPLIT || r->mode == ENG_RUBIK_MERGE)
        return base_error(DLA_ERR_UNSUPPORTED, "engine op %d (RUBIK): %s (planar <-> cube) is not modelled; dlakit's "
                          "compiler does not emit it", op->index, r->mode == ENG_RUBIK_SPLIT ? "split" : "merge");
    if (r->mode > ENG_RUBIK_RESIZE)
        return base_error(DLA_ERR_FORMAT, "engine op %d (RUBIK): mode %u; valid: 0 contract, 3 transpose, 4 reshape, "
                          "5 resize", op->index, r->mode);
    if (!eng_prec_bytes(r->precision))
        return base_error(DLA_ERR_FORMAT, "engine op %d (RUBIK): precision %u; valid: 0 INT8, 1 INT16, 2 FP16",
                          op->index, r->precision);
    rubik_io io;
    uint8_t *s, *d;
    BASE_TRY(eng_cube_map(ctx, op, &r->src, "RUBIK src", r->precision, &io.sg, &s));
    BASE_TRY(eng_cube_map(ctx, op, &r->dst, "RUBIK dst", r->precision, &io.dg, &d));
    if (r->src.mem == r->dst.mem && (uint64_t)r->src.offset < (uint64_t)r->dst.offset + r->dst.size &&
        (uint64_t)r->dst.offset < (uint64_t)r->src.offset + r->src.size)
        return base_error(DLA_ERR_FORMAT, "engine op %d (RUBIK): src bytes %u+%u and dst bytes %u+%u of buffer %d "
                          "overlap", op->index, r->src.offset, r->src.size, r->dst.offset, r->dst.size, r->src.mem);
    io.s = s;
    io.d = d;
    io.eb = eng_prec_bytes(r->precision);
    eng_geom_zero_pad(&io.dg, d);
    switch (r->mode) {
    case ENG_RUBIK_CONTRACT: return contract(op, &io);
    case ENG_RUBIK_TRANSPOSE: return transpose(op, &io);
    case ENG_RUBIK_RESHAPE: return reshape(op, &io);
    default: return resize(ctx, op, &io);
    }
}
