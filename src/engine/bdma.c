/* Engine processor: BDMA — cube copies (concat and slice copies, DRAM <-> SRAM) (engine.md §1.1, §2.2).
 *
 * One op holds 1..20 transfers, executed in order. Transfer t copies surface_repeat surfaces of line_repeat lines
 * of line_size bytes:
 *     for s < surface_repeat, l < line_repeat:
 *         dst[dst_offset + s*dst_surface_stride + l*dst_line_stride .. + line_size)
 *             = src[src_offset + s*src_surface_stride + l*src_line_stride .. + line_size)
 * in buffers src_mem / dst_mem of the task's address list. Before any byte of the op moves, every transfer's
 * spans (first byte to one past the last line) are checked against their buffers (DLA_ERR_FORMAT naming the op,
 * the transfer index and the side), so a bad op writes nothing; line_size, line_repeat and surface_repeat must be
 * >= 1 (the hardware registers hold value - 1).
 * Strides may be smaller than a line (a stride of 0 repeats the same bytes: a broadcast on the read side).
 *
 * Overlap: a transfer behaves as if its whole source were read before any of its destination is written
 * (memmove semantics for the transfer, not just per line): when source and destination spans share a buffer and
 * intersect, the source lines are staged through a temporary copy first. Transfers see the results of earlier
 * transfers of the same op.
 *
 * Concat along C in the FEATURE layout (the compiler's main use): input i with C_i channels, C_i a multiple of the
 * atom (32 INT8 / 16 FP16 channels) except possibly the last, lands at dst surface offset sum_{j<i} C_j / atom: one
 * transfer with line_size = W*32, line_repeat = H, surface_repeat = ceil(C_i/atom) and the cubes' strides. An input
 * whose C_i is not a multiple of the atom (other than the last) cannot be concatenated by surface copies (its
 * channels would have to shift inside atoms): the compiler must pad it or use RUBIK/host.
 */
#include "engine/format.h"

#include <stdlib.h>
#include <string.h>

/* One past the last byte of a transfer side (exact in 64 bits: every field is 32-bit). */
static uint64_t span_end(uint32_t offset, uint32_t line_size, uint32_t lines, uint32_t line_stride, uint32_t surfs,
                         uint32_t surf_stride)
{
    return (uint64_t)offset + (uint64_t)(surfs - 1) * surf_stride + (uint64_t)(lines - 1) * line_stride + line_size;
}

static dla_status check_side(const eng_ctx *ctx, const eng_op *op, int t, const char *side, int mem, uint64_t begin,
                             uint64_t end)
{
    if (mem < 0 || mem >= ctx->n_bufs || !ctx->bufs[mem].data)
        return base_error(DLA_ERR_FORMAT, "engine op %d (BDMA) transfer %d: %s buffer %d is not bound (the task has "
                          "%d)", op->index, t, side, mem, ctx->n_bufs);
    if (end > ctx->bufs[mem].size)
        return base_error(DLA_ERR_FORMAT, "engine op %d (BDMA) transfer %d: %s spans bytes %llu..%llu of buffer %d, "
                          "which has %zu", op->index, t, side, (unsigned long long)begin, (unsigned long long)end, mem,
                          ctx->bufs[mem].size);
    return DLA_OK;
}

static dla_status check_transfer(const eng_ctx *ctx, const eng_op *op, int t, const eng_bdma_transfer *x)
{
    if (x->line_size == 0 || x->line_repeat == 0 || x->surface_repeat == 0)
        return base_error(DLA_ERR_FORMAT, "engine op %d (BDMA) transfer %d: line_size %u, line_repeat %u, "
                          "surface_repeat %u; each must be >= 1", op->index, t, x->line_size, x->line_repeat,
                          x->surface_repeat);
    uint64_t send = span_end(x->src_offset, x->line_size, x->line_repeat, x->src_line_stride, x->surface_repeat,
                             x->src_surface_stride);
    uint64_t dend = span_end(x->dst_offset, x->line_size, x->line_repeat, x->dst_line_stride, x->surface_repeat,
                             x->dst_surface_stride);
    BASE_TRY(check_side(ctx, op, t, "source", x->src_mem, x->src_offset, send));
    return check_side(ctx, op, t, "destination", x->dst_mem, x->dst_offset, dend);
}

static dla_status run_transfer(const eng_ctx *ctx, const eng_op *op, int t, const eng_bdma_transfer *x)
{
    uint64_t send = span_end(x->src_offset, x->line_size, x->line_repeat, x->src_line_stride, x->surface_repeat,
                             x->src_surface_stride);
    uint64_t dend = span_end(x->dst_offset, x->line_size, x->line_repeat, x->dst_line_stride, x->surface_repeat,
                             x->dst_surface_stride);
    const uint8_t *src = ctx->bufs[x->src_mem].data;
    uint8_t *dst = ctx->bufs[x->dst_mem].data;
    const size_t total = (size_t)x->line_size * x->line_repeat * x->surface_repeat;
    uint8_t *stage = NULL;
    if (src == dst && x->src_offset < dend && x->dst_offset < send) {
        stage = malloc(total);
        if (!stage)
            return base_error(DLA_ERR_NOMEM, "engine op %d (BDMA) transfer %d: no memory to stage %zu overlapping "
                              "bytes", op->index, t, total);
        uint8_t *p = stage;
        for (uint32_t s = 0; s < x->surface_repeat; s++)
            for (uint32_t l = 0; l < x->line_repeat; l++, p += x->line_size)
                memcpy(p, src + x->src_offset + (uint64_t)s * x->src_surface_stride + (uint64_t)l * x->src_line_stride,
                       x->line_size);
    }
    const uint8_t *p = stage;
    for (uint32_t s = 0; s < x->surface_repeat; s++)
        for (uint32_t l = 0; l < x->line_repeat; l++) {
            uint8_t *d = dst + x->dst_offset + (uint64_t)s * x->dst_surface_stride + (uint64_t)l * x->dst_line_stride;
            if (stage) {
                memcpy(d, p, x->line_size);
                p += x->line_size;
            } else {
                memcpy(d, src + x->src_offset + (uint64_t)s * x->src_surface_stride +
                              (uint64_t)l * x->src_line_stride, x->line_size);
            }
        }
    free(stage);
    return DLA_OK;
}

dla_status eng_bdma_exec(eng_ctx *ctx, const eng_op *op)
{
    const eng_bdma_op *b = &op->u.bdma;
    if (b->num_transfers < 1 || b->num_transfers > ENG_BDMA_MAX_TRANSFERS)
        return base_error(DLA_ERR_FORMAT, "engine op %d (BDMA): %u transfers; an op holds 1..%d", op->index,
                          b->num_transfers, ENG_BDMA_MAX_TRANSFERS);
    for (int t = 0; t < b->num_transfers; t++) /* every transfer is checked before any byte moves */
        BASE_TRY(check_transfer(ctx, op, t, &b->transfers[t]));
    for (int t = 0; t < b->num_transfers; t++)
        BASE_TRY(run_transfer(ctx, op, t, &b->transfers[t]));
    return DLA_OK;
}

/* ---- planning (for the compiler) ------------------------------------------------------------------------- */

dla_status eng_bdma_plan_copy(const eng_cube *src, int c0, int h0, int w0, const eng_cube *dst, int dc0, int dh0,
                              int dw0, int C, int H, int W, eng_bdma_transfer *t)
{
    eng_geom sg, dg;
    BASE_TRY(eng_geom_from_cube(src, "BDMA plan: src", &sg));
    BASE_TRY(eng_geom_from_cube(dst, "BDMA plan: dst", &dg));
    if (sg.layout != dg.layout || sg.precision != dg.precision || sg.layout == ENG_LAYOUT_HWC4)
        return base_error(DLA_ERR_INVALID_ARG, "BDMA plan: src layout %u precision %u vs dst layout %u precision %u; "
                          "both must be the same FEATURE or dla_linear kind", sg.layout, sg.precision, dg.layout,
                          dg.precision);
    if (src->mem_type == ENG_MEM_HW || dst->mem_type == ENG_MEM_HW)
        return base_error(DLA_ERR_INVALID_ARG, "BDMA plan: the BDMA copies memory cubes, not on-the-fly data");
    if (C < 1 || H < 1 || W < 1 || c0 < 0 || h0 < 0 || w0 < 0 || dc0 < 0 || dh0 < 0 || dw0 < 0 ||
        (uint32_t)(c0 + C) > sg.c || (uint32_t)(h0 + H) > sg.h || (uint32_t)(w0 + W) > sg.w ||
        (uint32_t)(dc0 + C) > dg.c || (uint32_t)(dh0 + H) > dg.h || (uint32_t)(dw0 + W) > dg.w)
        return base_error(DLA_ERR_INVALID_ARG, "BDMA plan: box %dx%dx%d from (%d,%d,%d) of %ux%ux%u to (%d,%d,%d) of "
                          "%ux%ux%u (CxHxW) is out of range", C, H, W, c0, h0, w0, sg.c, sg.h, sg.w, dc0, dh0, dw0,
                          dg.c, dg.h, dg.w);
    memset(t, 0, sizeof *t);
    t->src_mem = src->mem;
    t->dst_mem = dst->mem;
    t->line_repeat = (uint32_t)H;
    t->src_line_stride = sg.line_stride;
    t->dst_line_stride = dg.line_stride;
    t->src_surface_stride = sg.surf_stride;
    t->dst_surface_stride = dg.surf_stride;
    if (sg.layout == ENG_LAYOUT_FEATURE) {
        uint32_t a = sg.atom_c;
        int tail = (uint32_t)(c0 + C) == sg.c && (uint32_t)(dc0 + C) == dg.c;
        if (c0 % (int)a || dc0 % (int)a || (C % (int)a && !tail))
            return base_error(DLA_ERR_INVALID_ARG, "BDMA plan: channels [%d, %d) -> [%d, %d) are not whole %u-channel "
                              "atoms (a FEATURE copy moves 32-byte atoms; only a box ending at the last channel of "
                              "both cubes may end mid-atom)", c0, c0 + C, dc0, dc0 + C, a);
        t->line_size = (uint32_t)W * ENG_ATOM_BYTES;
        t->surface_repeat = ((uint32_t)C + a - 1) / a;
    } else {
        t->line_size = (uint32_t)W * sg.elem_bytes;
        t->surface_repeat = (uint32_t)C;
    }
    t->src_offset = src->offset + (uint32_t)eng_geom_at(&sg, (uint32_t)c0, (uint32_t)h0, (uint32_t)w0);
    t->dst_offset = dst->offset + (uint32_t)eng_geom_at(&dg, (uint32_t)dc0, (uint32_t)dh0, (uint32_t)dw0);
    return DLA_OK;
}
