/* engine: the DLA's memory formats and the conversions at the edges of a DLA task.
 *
 * Layouts (one image; a batch of n images lies back to back, `size` bytes apart):
 *
 *   FEATURE  native feature cube, TensorRT kCHW32 (INT8) / kCHW16 (FP16, INT16): channels padded up to a 32-byte
 *            atom (32 INT8 or 16 two-byte channels), element (c,h,w) at
 *                (c / atom) * surf_stride + h * line_stride + w * 32 + (c % atom) * elem_bytes.
 *            Packed: line_stride = W * 32, surf_stride = H * line_stride, size = ceil(C / atom) * surf_stride.
 *   LINEAR   dla_linear, TensorRT kDLA_LINEAR: planar NCHW with W contiguous, element (c,h,w) at
 *                c * surf_stride + h * line_stride + w * elem_bytes.
 *            Packed: line_stride = roundup(W * elem_bytes, 64), surf_stride = H * line_stride, size = C * surf_stride.
 *   HWC4     dla_hwc4 (inputs only), TensorRT kDLA_HWC4 on Orin: C in {1, 3, 4} stored as C' = {1, 4, 4} interleaved
 *            channels, element (c,h,w) at h * line_stride + (w * C' + c) * elem_bytes.
 *            Packed: line_stride = roundup(W * C' * elem_bytes, 64), surf_stride = size = H * line_stride.
 *
 * Padding (pad channels of the last atom, C' - C channels, bytes between a row's end and line_stride) is written
 * as zero by every pack function, so packed buffers are deterministic byte for byte.
 *
 * Element rules at the edges (host float32 <-> DLA element):
 *   INT8   q = clamp(RHAZ(x / scale), -127, 127): round half away from zero (the engine's rounding), symmetric
 *          range as TensorRT's DLA harness writes int8 data (dla-facts §1.5); NaN -> 0; x / scale in double.
 *          Unpack: x = q * scale for any stored q, including -128 (which the engine itself may produce).
 *   INT16  the same with [-32767, 32767].
 *   FP16   IEEE round to nearest even with the DLA's rules: never INF (overflow and +-INF saturate to +-65504),
 *          NaN stays NaN, subnormals kept (they are supported at I/O). `scale` is ignored.
 *
 * Usage (the compiler plans a buffer, the runtime packs an input):
 *     eng_geom g;
 *     BASE_TRY(eng_geom_make(3, 224, 224, ENG_INT8, ENG_LAYOUT_FEATURE, &g));   // g.size bytes per image
 *     BASE_TRY(eng_fmt_pack_f32(&g, 1, nchw, scale, buf, buf_size));
 */
#ifndef DLA_ENGINE_FORMAT_H
#define DLA_ENGINE_FORMAT_H

#include "engine/engine.h"
#include "engine/numerics.h"

/* Geometry of one cube in memory. */
typedef struct eng_geom {
    uint32_t c, h, w;        /* logical dims, 1..8192 */
    uint8_t layout;          /* eng_layout: FEATURE, LINEAR or HWC4 */
    uint8_t precision;       /* eng_precision */
    uint8_t elem_bytes;      /* 1 (INT8) or 2 (INT16, FP16) */
    uint8_t atom_c;          /* FEATURE: channels per 32-byte atom (32 or 16); LINEAR 1; HWC4: C' */
    uint32_t c_stored;       /* FEATURE: C rounded up to the atom; LINEAR: C; HWC4: C' */
    uint32_t surfaces;       /* FEATURE: c_stored / atom_c; LINEAR: C; HWC4: 1 */
    uint32_t row_bytes;      /* bytes of one row that hold data: FEATURE W*32, LINEAR W*eb, HWC4 W*C'*eb */
    uint32_t line_stride, surf_stride;
    uint32_t size;           /* bytes the cube occupies (packed: the TensorRT buffer size per image) */
} eng_geom;

/* Packed geometry of a (C,H,W) cube of `precision` in `layout`. Errors (DLA_ERR_INVALID_ARG) name the dim or
 * the combination (HWC4 with C not in {1,3,4}); a cube past 4 GiB is DLA_ERR_UNSUPPORTED. */
dla_status eng_geom_make(int c, int h, int w, eng_precision precision, eng_layout layout, eng_geom *g);

/* Geometry of a descriptor's cube (its own strides), validated: layout and precision known, dims 1..8192, base
 * offset and strides 32-byte aligned, rows and surfaces not overlapping (line_stride >= row_bytes, surf_stride >=
 * (H-1)*line_stride + row_bytes), and the last byte inside cube->size. Errors are DLA_ERR_FORMAT naming `what`. */
dla_status eng_geom_from_cube(const eng_cube *cube, const char *what, eng_geom *g);

/* Byte offset of element (c,h,w) from the cube's base. No checks (callers stay inside the validated dims). */
static inline size_t eng_geom_at(const eng_geom *g, uint32_t c, uint32_t h, uint32_t w)
{
    switch (g->layout) {
    case ENG_LAYOUT_FEATURE:
        return (size_t)(c / g->atom_c) * g->surf_stride + (size_t)h * g->line_stride + (size_t)w * ENG_ATOM_BYTES +
               (size_t)(c % g->atom_c) * g->elem_bytes;
    case ENG_LAYOUT_LINEAR:
        return (size_t)c * g->surf_stride + (size_t)h * g->line_stride + (size_t)w * g->elem_bytes;
    default: /* HWC4 */
        return (size_t)h * g->line_stride + ((size_t)w * g->atom_c + c) * g->elem_bytes;
    }
}

/* A descriptor cube for geometry g in buffer `mem` (ENG_MEM_DRAM or ENG_MEM_SRAM) at byte `offset`. */
void eng_geom_to_cube(const eng_geom *g, int mem_type, int mem, uint32_t offset, eng_cube *out);

/* Plans one BDMA transfer (bdma.c) copying the box [c0, c0+C) x [h0, h0+H) x [w0, w0+W) of cube src into cube dst
 * at (dc0, dh0, dw0): concat along C (dc0 = channels before), slices along C/H/W, DRAM <-> SRAM moves. Both cubes
 * are memory cubes of the same layout (FEATURE or dla_linear) and precision. FEATURE copies move whole 32-byte
 * atoms, so c0 and dc0 must be multiples of the atom (32 INT8 / 16 FP16 channels) and C too, unless the box ends
 * at the last channel of both cubes (then the pad channels travel along). DLA_ERR_INVALID_ARG names the rule. */
dla_status eng_bdma_plan_copy(const eng_cube *src, int c0, int h0, int w0, const eng_cube *dst, int dc0, int dh0,
                              int dw0, int C, int H, int W, eng_bdma_transfer *t);

/* Resolves a descriptor cube of a processor to its geometry and base pointer: eng_cube_check (buffer bounds) plus
 * eng_geom_from_cube, and the cube's precision must be `precision`. ENG_MEM_HW cubes are refused here (callers
 * handle the pipe first). Errors name op, `what` and the value. */
dla_status eng_cube_map(const eng_ctx *ctx, const eng_op *op, const eng_cube *cube, const char *what,
                        int precision, eng_geom *g, uint8_t **base);

/* Zeroes the pad channels of a cube (FEATURE: channels C..c_stored-1 of the last atom; HWC4: C..C'-1) at every
 * (h, w), so processors leave no stale bytes (and no FP16 NaN) in the atoms they write. Stride gaps are not
 * touched (they may belong to other tensors). */
void eng_geom_zero_pad(const eng_geom *g, uint8_t *base);

/* Element loads and stores (little-endian). INT8/INT16 as integers; FP16 as its bits or as float. */
static inline int32_t eng_load_int(const uint8_t *p, int precision)
{
    if (precision == ENG_INT8)
        return (int8_t)p[0];
    return (int16_t)(uint16_t)(p[0] | (p[1] << 8));
}
/* Stores an integer already inside the precision's range. */
static inline void eng_store_int(uint8_t *p, int precision, int32_t v)
{
    if (precision == ENG_INT8)
        p[0] = (uint8_t)(int8_t)v;
    else
        eng_st_u16(p, (uint16_t)(int16_t)v);
}
/* FP16 element as float; an INF element reads as +-inf_value (numerics.h ENG_FP16_INF_*, per unit). */
static inline float eng_load_fp16(const uint8_t *p, float inf_value)
{
    return eng_fp16_to_f32(eng_ld_u16(p), inf_value);
}
/* Stores f as FP16 with the DLA's rules (numerics.h: RNE, never INF, NaN stays NaN; counted in st, may be NULL). */
static inline void eng_store_fp16(uint8_t *p, float f, eng_stats *st) { eng_st_u16(p, eng_f32_to_fp16(f, st)); }

/* Host float -> INT8/INT16 element by the edge rule above. */
int32_t eng_quantize(float x, float scale, eng_precision precision);

/* Host NCHW float32 (n images) -> the layout of `g`, n * g->size bytes into dst (dst_size must hold them).
 * `scale` (finite, > 0) is the per-tensor scale for INT8/INT16, ignored for FP16. Padding bytes are zeroed. */
dla_status eng_fmt_pack_f32(const eng_geom *g, int n, const float *src, float scale, uint8_t *dst, size_t dst_size);
/* The layout of `g` (n images, src_size >= n * g->size) -> host NCHW float32 (x = q * scale; FP16 widened). */
dla_status eng_fmt_unpack_f32(const eng_geom *g, int n, const uint8_t *src, size_t src_size, float scale, float *dst);

/* Raw element copies without conversion: host NCHW elements of the same precision (int8_t for INT8, int16_t for
 * INT16, FP16 bits as uint16_t), e.g. already-quantized inputs or a chw32 -> dla_linear relayout through host. */
dla_status eng_fmt_pack_raw(const eng_geom *g, int n, const void *src, uint8_t *dst, size_t dst_size);
dla_status eng_fmt_unpack_raw(const eng_geom *g, int n, const uint8_t *src, size_t src_size, void *dst);

#endif
