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
