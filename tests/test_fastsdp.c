/* The engine's SDP INT fast path (src/engine/sdp.c: sdp_fast_int) against the reference per-element loop
 * (DLA_ENGINE_REF_SDP=1), bit for bit: every byte of the buffer (dst cube, its pad channels and stride gaps),
 * every pipe value and every engine statistic.
 *
 * Random ops over what the compiler emits and around it: INT8/INT16 in and out; the source from the pipe (fused
 * after CONV, int32 values up to the extremes) or a memory cube (FEATURE chw32/chw16 or LINEAR); dst memory or the
 * pipe; X1 / X2 / Y each off or ALU (MAX/MIN/SUM/EQL) / MUL / both, operands per layer (register), per kernel (PARAM
 * INT8/INT16, [C] or [C][2]) or per point (FEATURE/LINEAR INT8/INT16), shift_value 0..40, truncate 0..63, RELU /
 * PRELU, Y alu_cvt / mul_cvt with offsets and scales; out_cvt on/off with offsets, scales and shifts that saturate;
 * cube shapes with C not a multiple of 32, 1x1 spatial, rows longer than the fast path's chunk, and a cube big
 * enough for the OpenMP split; the fast path's AVX-512 and portable builds both. Ops the engine refuses must be
 * refused by both paths alike. */
#include "check.h"
#include "engine/engine.h"
#include "engine/format.h"
#include "engine/numerics.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rnd32(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}
static int rnd(uint64_t *s, int lo, int hi) { return lo + (int)(rnd32(s) % (uint32_t)(hi - lo + 1)); }

/* A value of `bits` (8, 16, 32) bits: uniform, extremes, small, or zero. */
static int64_t value(uint64_t *s, int bits)
{
    int64_t hi = bits == 32 ? INT32_MAX : bits == 16 ? INT16_MAX : INT8_MAX, lo = -hi - 1;
    switch (rnd(s, 0, 7)) {
    case 0: return hi;
    case 1: return lo;
    case 2: return rnd(s, -5, 5);
    case 3: return 0;
    case 4: { /* next to a saturation point of a later stage: int8, int16, int17 (out_cvt), int32 */
        static const int64_t b[] = {128, 32768, 65536, INT32_MAX};
        int64_t v = b[rnd(s, 0, 3)] + rnd(s, -1, 1);
        v = rnd(s, 0, 1) ? v : -v;
        return v > hi ? hi : v < lo ? lo : v;
    }
    default: return bits == 32 ? (int32_t)rnd32(s) : rnd(s, (int)lo, (int)hi);
    }
}

typedef struct shape {
    int C, H, W;
} shape;

typedef struct result {
    dla_status st;
    uint8_t *buf;
    int32_t *pipe;
    size_t bytes, n;
    eng_stats stats;
} result;

static uint32_t place(uint32_t *top, uint32_t size)
{
    uint32_t off = (*top + 63) & ~63u;
    *top = off + size;
    return off;
}

/* Memory cube (FEATURE or LINEAR) of C x H x W at the next free offset; LINEAR gets a wider line stride. */
static void mem_cube(uint64_t *s, int C, int H, int W, int prec, uint32_t *top, eng_cube *cube)
{
    eng_geom g;
    int lin = rnd(s, 0, 2) == 0;
    if (eng_geom_make(C, H, W, (eng_precision)prec, lin ? ENG_LAYOUT_LINEAR : ENG_LAYOUT_FEATURE, &g) != DLA_OK)
        abort();
    eng_geom_to_cube(&g, ENG_MEM_DRAM, 0, place(top, g.size), cube);
}

static void fill_cube(uint64_t *s, uint8_t *buf, const eng_cube *cube, int prec)
{
    eng_geom g;
    if (eng_geom_from_cube(cube, "t", &g) != DLA_OK)
        abort();
    for (uint32_t c = 0; c < g.c; c++)
        for (uint32_t h = 0; h < g.h; h++)
            for (uint32_t w = 0; w < g.w; w++)
                eng_store_int(buf + cube->offset + eng_geom_at(&g, c, h, w), prec,
                              (int32_t)value(s, prec == ENG_INT8 ? 8 : 16));
}

/* A random stage; operand cubes placed after *top and filled later (fill list). */
static void make_stage(uint64_t *s, int is_y, const shape *sh, eng_sdp_stage *st, eng_cube *data, uint32_t *top)
{
    memset(st, 0, sizeof *st);
    memset(data, 0, sizeof *data);
    st->enable = (uint8_t)(rnd(s, 0, 3) != 0);
    st->kind = (uint8_t)rnd(s, 0, 3);
    st->alu_type = (uint8_t)(rnd(s, 0, 2) ? ENG_ALU_SUM : rnd(s, 0, 3));
    st->mode = (uint8_t)rnd(s, 0, 2);
    if (st->mode == ENG_SDP_PER_POINT && st->kind == ENG_SDP_BOTH)
        st->kind = (uint8_t)rnd(s, 1, 2);
    int has_mul = st->kind == ENG_SDP_MUL || st->kind == ENG_SDP_BOTH;
    int a = rnd(s, 0, 3);
    st->act = (uint8_t)(a == 1 ? ENG_ACT_RELU : a == 2 && has_mul ? ENG_ACT_PRELU : ENG_ACT_NONE);
    st->shift_value = (uint8_t)(rnd(s, 0, 3) ? rnd(s, 0, 12) : rnd(s, 13, 40));
    st->truncate = (uint8_t)(rnd(s, 0, 3) ? rnd(s, 0, 20) : rnd(s, 21, 63));
    int bits = is_y ? 32 : 16;
    st->alu_operand = (int32_t)value(s, bits);
    st->mul_operand = (int32_t)value(s, bits);
    if (!is_y && rnd(s, 0, 40) == 0) /* beyond the 16-bit X register operand: refused by both paths */
        st->alu_operand = 70000;
    if (is_y) {
        st->alu_cvt = (eng_cvt){.scale = (int16_t)value(s, 16), .truncate = (uint8_t)rnd(s, 0, 40),
                                .enable = (uint8_t)rnd(s, 0, 1), .offset = (int32_t)(rnd(s, 0, 1) ? value(s, 16) : 0)};
        st->mul_cvt = (eng_cvt){.scale = (int16_t)value(s, 16), .truncate = (uint8_t)rnd(s, 0, 40),
                                .enable = (uint8_t)rnd(s, 0, 1), .offset = (int32_t)(rnd(s, 0, 1) ? value(s, 16) : 0)};
    }
    int prec = rnd(s, 0, 1) ? ENG_INT8 : ENG_INT16;
    st->precision = (uint8_t)prec;
    if (!st->enable || st->kind == ENG_SDP_NONE || st->mode == ENG_SDP_PER_LAYER)
        return;
    if (st->mode == ENG_SDP_PER_KERNEL) {
        uint32_t size = (uint32_t)sh->C * (st->kind == ENG_SDP_BOTH ? 2 : 1) * (uint32_t)eng_prec_bytes(prec);
        data->mem_type = ENG_MEM_DRAM;
        data->mem = 0;
        data->layout = ENG_LAYOUT_PARAM;
        data->precision = (uint8_t)prec;
        data->offset = place(top, size);
        data->size = size;
        data->channel = (uint16_t)sh->C;
        data->width = data->height = 1;
        return;
    }
    mem_cube(s, sh->C, sh->H, sh->W, prec, top, data);
}

static int run_case(const shape *sh, uint64_t seed, int ref, result *res)
{
    uint64_t s = seed;
    memset(res, 0, sizeof *res);
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_SDP;
    op.index = 3;
    eng_sdp_op *sd = &op.u.sdp;
    sd->lut_index = -1;
    sd->src_precision = (uint8_t)(rnd(&s, 0, 2) ? ENG_INT8 : ENG_INT16);
    sd->dst_precision = (uint8_t)(rnd(&s, 0, 2) ? ENG_INT8 : ENG_INT16);
    int src_hw = rnd(&s, 0, 1), dst_hw = rnd(&s, 0, 4) == 0;
    uint32_t top = 0;
    if (src_hw) {
        sd->src.mem_type = ENG_MEM_HW;
        sd->src.mem = -1;
        sd->src.channel = (uint16_t)sh->C;
        sd->src.height = (uint16_t)sh->H;
        sd->src.width = (uint16_t)sh->W;
    } else {
        mem_cube(&s, sh->C, sh->H, sh->W, sd->src_precision, &top, &sd->src);
    }
    if (dst_hw) {
        sd->dst.mem_type = ENG_MEM_HW;
        sd->dst.mem = -1;
    } else {
        mem_cube(&s, sh->C, sh->H, sh->W, sd->dst_precision, &top, &sd->dst);
    }
    make_stage(&s, 0, sh, &sd->x1, &sd->x1_data, &top);
    make_stage(&s, 0, sh, &sd->x2, &sd->x2_data, &top);
    make_stage(&s, 1, sh, &sd->y, &sd->y_data, &top);
    int oc = rnd(&s, 0, 4);
    if (oc == 4) /* identity converter: the int17 bounds meet the values next to them */
        sd->out_cvt = (eng_cvt){.scale = 1, .enable = 1};
    else if (oc) /* requantization-like (scale 2^14.., shift 20..) or wild */
        sd->out_cvt = oc == 1 ? (eng_cvt){.scale = (int16_t)value(&s, 16), .truncate = (uint8_t)rnd(&s, 0, 63),
                                          .enable = 1, .offset = (int32_t)value(&s, 32)}
                              : (eng_cvt){.scale = (int16_t)rnd(&s, 16384, 32767), .truncate = (uint8_t)rnd(&s, 14, 30),
                                          .enable = 1, .offset = rnd(&s, 0, 3) ? 0 : rnd(&s, -100, 100)};

    res->bytes = top + 64;
    res->buf = malloc(res->bytes);
    if (!res->buf)
        return -1;
    memset(res->buf, 0xa5, res->bytes); /* pad channels and gaps: stale bytes the op must leave or write alike */
    if (!src_hw)
        fill_cube(&s, res->buf, &sd->src, sd->src_precision);
    const eng_cube *dc[3] = {&sd->x1_data, &sd->x2_data, &sd->y_data};
    for (int k = 0; k < 3; k++) {
        if (!dc[k]->size)
            continue;
        if (dc[k]->layout == ENG_LAYOUT_PARAM)
            for (uint32_t i = 0; i < dc[k]->size; i += (uint32_t)eng_prec_bytes(dc[k]->precision))
                eng_store_int(res->buf + dc[k]->offset + i, dc[k]->precision,
                              (int32_t)value(&s, dc[k]->precision == ENG_INT8 ? 8 : 16));
        else
            fill_cube(&s, res->buf, dc[k], dc[k]->precision);
    }
    eng_buffer b = {res->buf, res->bytes};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;
    size_t n = (size_t)sh->C * sh->H * sh->W;
    if (src_hw) {
        if (eng_pipe_reserve(&ctx, sh->C, sh->H, sh->W, 0) != DLA_OK)
            return -1;
        int pm = rnd(&s, 0, 3); /* pipe values: full int32 and its edges, CACC-like (<= 2^24), small, 17 bits */
        for (size_t i = 0; i < n; i++)
            ctx.pipe.i32[i] = pm == 0 ? (int32_t)value(&s, 32) : pm == 1 ? rnd(&s, -(1 << 24), 1 << 24)
                                                   : pm == 2 ? rnd(&s, -300, 300) : rnd(&s, -65537, 65537);
    }
    if (ref)
        setenv("DLA_ENGINE_REF_SDP", "1", 1);
    else
        unsetenv("DLA_ENGINE_REF_SDP");
    res->st = eng_exec_op(&ctx, &op);
    unsetenv("DLA_ENGINE_REF_SDP");
    res->stats = ctx.stats;
    if (res->st == DLA_OK && dst_hw) {
        res->n = n;
        res->pipe = malloc(n * sizeof(int32_t));
        if (!res->pipe) {
            eng_ctx_release(&ctx);
            return -1;
        }
        memcpy(res->pipe, ctx.pipe.i32, n * sizeof(int32_t));
    }
    eng_ctx_release(&ctx);
    return 0;
}

static int same(const result *a, const result *b)
{
    return a->st == b->st && a->bytes == b->bytes && !memcmp(a->buf, b->buf, a->bytes) && a->n == b->n &&
           (!a->n || !memcmp(a->pipe, b->pipe, a->n * sizeof(int32_t))) &&
           !memcmp(&a->stats, &b->stats, sizeof a->stats);
}

int main(void)
{
    static const shape shapes[] = {{1, 1, 1},  {3, 1, 1},  {32, 1, 1}, {33, 2, 3}, {64, 7, 7},  {70, 5, 9},
                                   {16, 1, 40}, {40, 13, 2}, {5, 3, 1100}, {96, 30, 30}};
    int ns = (int)(sizeof shapes / sizeof shapes[0]);
    int ok_runs = 0, refused = 0, sat_runs = 0, cases = 0;
    uint64_t seed = 0x5d1f00dull;
    for (int i = 0; i < ns; i++) {
        int reps = shapes[i].C * shapes[i].H * shapes[i].W > 20000 ? 12 : 150;
        for (int r = 0; r < reps; r++) {
            uint64_t cs = seed + (uint64_t)i * 100003u + (uint64_t)r * 7919u;
            result a, b;
            if (r % 3 == 2) /* every third case on the portable build of the fast path (else AVX-512 if present) */
                setenv("DLA_ENGINE_SDP_GENERIC", "1", 1);
            int bad = run_case(&shapes[i], cs, 1, &a) || run_case(&shapes[i], cs, 0, &b);
            unsetenv("DLA_ENGINE_SDP_GENERIC");
            if (bad) {
                CHECK(!"allocation failed");
                return 1;
            }
            cases++;
            if (!same(&a, &b)) {
                fprintf(stderr, "mismatch: shape %dx%dx%d seed %llu (status %d/%d, saturated %llu/%llu)\n",
                        shapes[i].C, shapes[i].H, shapes[i].W, (unsigned long long)cs, (int)a.st, (int)b.st,
                        (unsigned long long)a.stats.saturated, (unsigned long long)b.stats.saturated);
                check_failures++;
            }
            if (a.st == DLA_OK) {
                ok_runs++;
                sat_runs += a.stats.saturated > 0;
            } else {
                refused++;
            }
            free(a.buf);
            free(b.buf);
            free(a.pipe);
            free(b.pipe);
        }
    }
    printf("fastsdp: %d cases, %d ran (%d with saturations), %d refused alike\n", cases, ok_runs, sat_runs, refused);
    CHECK(ok_runs > cases / 2);
    CHECK(sat_runs > ok_runs / 4);
    CHECK(sat_runs < ok_runs);
    return TEST_RESULT();
}
