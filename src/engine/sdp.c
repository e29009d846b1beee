/* Engine processor: SDP — single-point data processor: X1 (bias / scale), X2 (batch-norm), Y (element-wise +
 * LUT), then the output converter C (reference/engine.md §1.1; numerics §1.6 items 4-7, FP path §1.7).
 *
 * Source: the pipe (src ENG_MEM_HW, fused after CONV: int32 / float values) or a memory cube (offline SDP:
 * FEATURE or LINEAR, INT8/INT16 elements read as int32, FP16 as float with INF = +-3.4e38).
 *
 * Operands of a stage (x1, x2, y), by `mode` (for the active ALU and / or MUL of `kind`):
 *   PER_LAYER  the descriptor's alu_operand / mul_operand (INT path: X operands must fit int16, Y ones int32;
 *              FP16 path: FP16 bits in the low 16 bits).
 *   PER_KERNEL a PARAM cube (ENG_LAYOUT_PARAM) of `precision` elements (INT8 1 byte, INT16 / FP16 2 bytes LE):
 *              [C] for one active component, or [C][2] = {alu, mul} interleaved pairs for kind BOTH;
 *              size >= C * components * element bytes.
 *   PER_POINT  a memory cube (FEATURE or LINEAR) of the same C x H x W, one component (kind BOTH is refused:
 *              give the ALU operand to one stage and the MUL operand to another).
 *
 * INT path, per element (int64 between stages, every stage ends in 32 bits):
 *   X1, X2:  a = sat32(op << shift_value); ALU: SUM x + a (33 bits) | MAX | MIN | EQL (x == a ? 1 : 0);
 *            MUL: p = x * m (33 x 16 -> 49 bits), x = sat32(RHAZ(p >> truncate)); with act PRELU only x < 0 is
 *            multiplied (positives pass untouched); without MUL the ALU result is sat32'd; then act RELU: max(x, 0).
 *   Y:       memory operands pass the Y converters first: a = sat32(RHAZ(((op - offset) * scale) >> trunc))
 *            (alu_cvt / mul_cvt); ALU result sat32; MUL 32 x 32 -> 64 bits, sat32(RHAZ(>> truncate));
 *            act RELU / PRELU as above, or LUT (lut.c) on the result.
 *   C:       t = sat17(RHAZ(((x - offset) * scale) >> truncate)) (out_cvt; disabled = bypass), then sat to the
 *            dst precision: INT8 [-128, 127], INT16 [-32768, 32767], or FP16 (INT16 source only) from int17.
 * FP16 path: operands FP16 -> float; ALU / MUL in float (shift_value, truncate and the Y converters unused);
 *   LUT in float; out_cvt when enabled: (x - offset) * scale * 2^-truncate in float; then FP16 RNE with +-65504
 *   saturation (never INF). Subnormal float intermediates are flushed to zero (the DLA's FP32 datapath).
 * Precision pairs: INT8/INT16 -> INT8/INT16, INT16 -> FP16, FP16 -> FP16; no INT8 <-> FP16 in one op (§1.6 item 11).
 * Destination: memory (FEATURE or LINEAR cube of dst_precision) or the pipe (ENG_MEM_HW, for a fused PDP: the
 * converted values, int32 for INT, float for FP16).
 *
 * Two implementations: the per-element reference loop sdp_exec_ref (the specification) and, for INT ops without
 * LUT and without FP16 output, sdp_fast_int (operands hoisted per channel, stages over chunks of rows), bit-identical
 * in values and statistics (tests/test_fastsdp.c). DLA_ENGINE_REF_SDP=1 in the environment forces the reference;
 * DLA_ENGINE_SDP_GENERIC=1 keeps the fast path off its AVX-512 build (tests).
 */
#include "engine/format.h"
#include "engine/numerics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sdp_opnd {
    const eng_sdp_stage *s;
    int is_y;
    int has_alu, has_mul;
    int prec;                 /* element precision of memory operands */
    const uint8_t *base;      /* PER_KERNEL / PER_POINT data */
    eng_geom g;               /* PER_POINT */
    int comps;                /* PER_KERNEL components per channel */
} sdp_opnd;

typedef struct sdp_run {
    int C, H, W, fp, dst_bits;
    const eng_lut *lut;
    sdp_opnd st[3];
} sdp_run;

static dla_status sdp_err(const eng_op *op, const char *what, const char *field, long v, const char *limit)
{
    return base_error(DLA_ERR_FORMAT, "engine op %d (SDP): %s %s = %ld; %s", op->index, what, field, v, limit);
}

static dla_status sdp_stage_setup(const eng_ctx *ctx, const eng_op *op, const eng_sdp_stage *s, const eng_cube *cube,
                                  const char *name, const char *cname, int is_y, sdp_run *run, sdp_opnd *o)
{
    memset(o, 0, sizeof *o);
    o->s = s;
    o->is_y = is_y;
    if (!s->enable)
        return DLA_OK;
    if (s->alu_type > ENG_ALU_EQL)
        return sdp_err(op, name, "alu_type", s->alu_type, "valid: 0 MAX, 1 MIN, 2 SUM, 3 EQL");
    if (s->kind > ENG_SDP_BOTH)
        return sdp_err(op, name, "kind", s->kind, "valid: 0 NONE, 1 MUL, 2 ADD, 3 BOTH");
    if (s->mode > ENG_SDP_PER_POINT)
        return sdp_err(op, name, "mode", s->mode, "valid: 0 PER_LAYER, 1 PER_KERNEL, 2 PER_POINT");
    if (s->act > ENG_ACT_PRELU || (s->act == ENG_ACT_LUT && !is_y))
        return sdp_err(op, name, "act", s->act, "valid: 0 NONE, 1 RELU, 3 PRELU, and 2 LUT in the Y stage only");
    if (s->shift_value > 63)
        return sdp_err(op, name, "shift_value", s->shift_value, "the limit is 0..63");
    if (!is_y && s->truncate > 63)
        return sdp_err(op, name, "truncate", s->truncate, "the limit is 0..63");
    o->has_alu = s->kind == ENG_SDP_ADD || s->kind == ENG_SDP_BOTH;
    o->has_mul = s->kind == ENG_SDP_MUL || s->kind == ENG_SDP_BOTH;
    if (s->act == ENG_ACT_PRELU && !o->has_mul)
        return sdp_err(op, name, "act", s->act, "PRELU needs the MUL (kind MUL or BOTH)");
    if (!o->has_alu && !o->has_mul)
        return DLA_OK;
    if (s->mode == ENG_SDP_PER_LAYER) {
        if (!run->fp && !is_y &&
            ((o->has_alu && (s->alu_operand < INT16_MIN || s->alu_operand > INT16_MAX)) ||
             (o->has_mul && (s->mul_operand < INT16_MIN || s->mul_operand > INT16_MAX))))
            return sdp_err(op, name, "register operand", o->has_alu ? s->alu_operand : s->mul_operand,
                           "X operands are 16-bit");
        return DLA_OK;
    }
    int want = run->fp ? ENG_FP16 : -1;
    if (!run->fp && cube->precision == ENG_FP16)
        return sdp_err(op, cname, "precision", cube->precision, "INT path operands are INT8 or INT16");
    if (s->mode == ENG_SDP_PER_KERNEL) {
        o->comps = s->kind == ENG_SDP_BOTH ? 2 : 1;
        if (cube->mem_type == ENG_MEM_HW || cube->layout != ENG_LAYOUT_PARAM || !eng_prec_bytes(cube->precision) ||
            (want >= 0 && cube->precision != want))
            return base_error(DLA_ERR_FORMAT,
                              "engine op %d (SDP): %s must be a PARAM-layout (4) memory cube of %s elements "
                              "(mem type %u, layout %u, precision %u)",
                              op->index, cname, run->fp ? "FP16" : "INT8/INT16", cube->mem_type, cube->layout,
                              cube->precision);
        uint64_t need = (uint64_t)run->C * o->comps * eng_prec_bytes(cube->precision);
        if (need > cube->size)
            return base_error(DLA_ERR_FORMAT, "engine op %d (SDP): %s holds %u bytes; %d channels x %d need %llu",
                              op->index, cname, cube->size, run->C, o->comps, (unsigned long long)need);
        BASE_TRY(eng_cube_check(ctx, op, cube, cname));
        o->prec = cube->precision;
        o->base = ctx->bufs[cube->mem].data + cube->offset;
        return DLA_OK;
    }
    if (s->kind == ENG_SDP_BOTH)
        return base_error(DLA_ERR_UNSUPPORTED,
                          "engine op %d (SDP): %s: per-point operands for both ALU and MUL are not supported; use "
                          "two stages", op->index, name);
    uint8_t *b;
    BASE_TRY(eng_cube_map(ctx, op, cube, cname, want, &o->g, &b));
    if (o->g.c != (uint32_t)run->C || o->g.h != (uint32_t)run->H || o->g.w != (uint32_t)run->W)
        return base_error(DLA_ERR_FORMAT, "engine op %d (SDP): %s is %ux%ux%u; the data is %dx%dx%d", op->index,
                          cname, o->g.c, o->g.h, o->g.w, run->C, run->H, run->W);
    o->prec = cube->precision;
    o->base = b;
    return DLA_OK;
}

/* Raw operand component j (0 alu, 1 mul) at (c, h, w): register value, or the memory element (+ is_mem). */
static int64_t opnd_raw(const sdp_opnd *o, int j, int c, int h, int w, int *is_mem)
{
    const eng_sdp_stage *s = o->s;
    *is_mem = 1;
    if (s->mode == ENG_SDP_PER_LAYER) {
        *is_mem = 0;
        return j ? s->mul_operand : s->alu_operand;
    }
    const uint8_t *p;
    if (s->mode == ENG_SDP_PER_KERNEL) {
        int comp = o->comps == 2 ? j : 0;
        p = o->base + ((size_t)c * o->comps + comp) * eng_prec_bytes(o->prec);
    } else {
        p = o->base + eng_geom_at(&o->g, (uint32_t)c, (uint32_t)h, (uint32_t)w);
    }
    return o->prec == ENG_FP16 ? eng_ld_u16(p) : eng_load_int(p, o->prec);
}

static int64_t stage_int(const sdp_opnd *o, int64_t x, int c, int h, int w, const eng_lut *lut, eng_stats *st)
{
    const eng_sdp_stage *s = o->s;
    if (!s->enable)
        return x;
    int mem;
    if (o->has_alu) {
        int64_t a = opnd_raw(o, 0, c, h, w, &mem);
        if (o->is_y)
            a = mem ? eng_cvt_apply(&s->alu_cvt, a, 32, st) : eng_sat32(a, st);
        else
            a = eng_sat32(eng_shift_signed(a, -(int)s->shift_value), st);
        switch (s->alu_type) {
        case ENG_ALU_MAX: x = x > a ? x : a; break;
        case ENG_ALU_MIN: x = x < a ? x : a; break;
        case ENG_ALU_SUM: x = x + a; break;
        default: x = x == a; break;
        }
        if (o->is_y || !o->has_mul)
            x = eng_sat32(x, st);
    }
    if (o->has_mul) {
        int64_t m = opnd_raw(o, 1, c, h, w, &mem);
        if (o->is_y)
            m = mem ? eng_cvt_apply(&s->mul_cvt, m, 32, st) : eng_sat32(m, st);
        if (s->act != ENG_ACT_PRELU || x < 0)
            x = eng_sat32(eng_rhaz_shift(x * m, s->truncate), st); /* <= 49 bits (X), 63 bits (Y): exact */
        else
            x = eng_sat32(x, st);
    }
    if (s->act == ENG_ACT_RELU && x < 0)
        x = 0;
    if (s->act == ENG_ACT_LUT)
        x = eng_lut_int(lut, x, st);
    return x;
}

static float opnd_fp(const sdp_opnd *o, int j, int c, int h, int w)
{
    int mem;
    int64_t v = opnd_raw(o, j, c, h, w, &mem);
    return eng_fp16_to_f32((uint16_t)v, ENG_FP16_INF_SDP);
}

static float stage_fp(const sdp_opnd *o, float x, int c, int h, int w, const eng_lut *lut, eng_stats *st)
{
    const eng_sdp_stage *s = o->s;
    if (!s->enable)
        return x;
    if (o->has_alu) {
        float a = opnd_fp(o, 0, c, h, w);
        switch (s->alu_type) {
        case ENG_ALU_MAX: x = isnan(x) || isnan(a) ? x + a : fmaxf(x, a); break;
        case ENG_ALU_MIN: x = isnan(x) || isnan(a) ? x + a : fminf(x, a); break;
        case ENG_ALU_SUM: x = x + a; break;
        default: x = isnan(x) || isnan(a) ? x + a : (float)(x == a); break;
        }
        x = eng_ftz(x);
    }
    if (o->has_mul) {
        float m = opnd_fp(o, 1, c, h, w);
        if (s->act != ENG_ACT_PRELU || x < 0)
            x = eng_ftz(x * m);
    }
    if (s->act == ENG_ACT_RELU && x < 0)
        x = 0.0f;
    if (s->act == ENG_ACT_LUT)
        x = eng_lut_fp(lut, x, st);
    return x;
}

static dla_status sdp_validate(const eng_ctx *ctx, const eng_op *op, sdp_run *run)
{
    const eng_sdp_op *sd = &op->u.sdp;
    if (sd->src_precision > ENG_FP16 || sd->dst_precision > ENG_FP16)
        return sdp_err(op, "op", "precision", sd->src_precision > ENG_FP16 ? sd->src_precision : sd->dst_precision,
                       "valid: 0 INT8, 1 INT16, 2 FP16");
    int sfp = sd->src_precision == ENG_FP16, dfp = sd->dst_precision == ENG_FP16;
    if (sfp && !dfp)
        return base_error(DLA_ERR_UNSUPPORTED, "engine op %d (SDP): FP16 -> integer output is not supported",
                          op->index);
    if (!sfp && dfp && sd->src_precision != ENG_INT16)
        return base_error(DLA_ERR_FORMAT, "engine op %d (SDP): INT8 -> FP16 in one SDP op is not a DLA path "
                          "(engine.md §1.6 item 11)", op->index);
    run->fp = sfp;
    run->dst_bits = sd->dst_precision == ENG_INT8 ? 8 : 16;
    if (sd->src.mem_type == ENG_MEM_HW) {
        const eng_pipe *p = &ctx->pipe;
        if ((sfp && !p->f32) || (!sfp && !p->i32) || p->channel <= 0)
            return base_error(DLA_ERR_FORMAT, "engine op %d (SDP): src is on the fly but no %s data is in the pipe",
                              op->index, sfp ? "FP16-path" : "INT-path");
        run->C = p->channel;
        run->H = p->height;
        run->W = p->width;
        if ((sd->src.channel && sd->src.channel != run->C) || (sd->src.height && sd->src.height != run->H) ||
            (sd->src.width && sd->src.width != run->W))
            return base_error(DLA_ERR_FORMAT, "engine op %d (SDP): src cube %ux%ux%u differs from the pipe's %dx%dx%d",
                              op->index, sd->src.channel, sd->src.height, sd->src.width, run->C, run->H, run->W);
    } else {
        run->C = sd->src.channel;
        run->H = sd->src.height;
        run->W = sd->src.width;
    }
    int dst_hw = sd->dst.mem_type == ENG_MEM_HW;
    if ((!dst_hw || sd->dst.channel || sd->dst.height || sd->dst.width) &&
        (sd->dst.channel != run->C || sd->dst.height != run->H || sd->dst.width != run->W))
        return base_error(DLA_ERR_FORMAT, "engine op %d (SDP): dst cube %ux%ux%u differs from the data %dx%dx%d",
                          op->index, sd->dst.channel, sd->dst.height, sd->dst.width, run->C, run->H, run->W);
    run->lut = NULL;
    if (sd->y.enable && sd->y.act == ENG_ACT_LUT) {
        if (sd->lut_index < 0 || sd->lut_index >= ctx->n_luts)
            return sdp_err(op, "op", "lut_index", sd->lut_index, "out of the task's LUT list");
        run->lut = &ctx->luts[sd->lut_index];
        BASE_TRY(eng_lut_check(run->lut, sd->lut_index));
        if ((run->lut->precision == ENG_FP16) != sfp)
            return sdp_err(op, "LUT", "precision", run->lut->precision, "the table must match the data path");
    }
    BASE_TRY(sdp_stage_setup(ctx, op, &sd->x1, &sd->x1_data, "x1", "x1_data cube", 0, run, &run->st[0]));
    BASE_TRY(sdp_stage_setup(ctx, op, &sd->x2, &sd->x2_data, "x2", "x2_data cube", 0, run, &run->st[1]));
    BASE_TRY(sdp_stage_setup(ctx, op, &sd->y, &sd->y_data, "y", "y_data cube", 1, run, &run->st[2]));
    if (!sfp && sd->out_cvt.enable && sd->out_cvt.truncate > 63)
        return sdp_err(op, "out_cvt", "truncate", sd->out_cvt.truncate, "the limit is 0..63");
    return DLA_OK;
}

/* Int17 -> FP16 (INT16 -> FP16 SDP): exact below 2^11, RNE above. */
static uint16_t int_to_fp16(int64_t t, eng_stats *st) { return eng_f64_to_fp16((double)t, st); }

/* ---- INT path fast path --------------------------------------------------------------------------------------
 * The same arithmetic as stage_int / eng_cvt_apply / eng_sat_bits above, applied over a chunk of elements of one
 * channel (whole rows when a row fits the chunk, else segments of a row): PER_LAYER and PER_KERNEL operands are
 * converted once per channel with the reference functions (a clip there counts once per element, as the reference
 * counts it at every element), PER_POINT operands are read row-wise and converted element by element, saturations
 * are counted by the same rules at the same points. Covers every INT -> INT8/INT16 op without LUT; anything else
 * (FP16, INT16 -> FP16, LUT) takes the reference loop. tests/test_fastsdp.c compares the two bit for bit (output
 * bytes, pipe values, statistics); DLA_ENGINE_REF_SDP=1 forces the reference loop. */

static int sdp_ref_forced(void)
{
    const char *e = getenv("DLA_ENGINE_REF_SDP");
    return e && *e && strcmp(e, "0");
}

static int sdp_fast_ok(const eng_sdp_op *sd, const sdp_run *run)
{
    if (run->fp || sd->dst_precision == ENG_FP16 || run->lut)
        return 0;
    if (sd->y.enable && sd->y.act == ENG_ACT_LUT)
        return 0;
    return 1;
}

#define SDP_CHUNK 1024
#define F_INLINE static inline __attribute__((always_inline))
#define F_LO32 ((int64_t)INT32_MIN)
#define F_HI32 ((int64_t)INT32_MAX)

/* eng_rhaz_shift, for 1 <= n <= 63 (callers handle 0 and >= 64): branch-free so that the loops vectorize. */
F_INLINE int64_t f_rhaz_n(int64_t x, int n)
{
    uint64_t mag = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    uint64_t r = (mag >> n) + ((mag >> (n - 1)) & 1u);
    return x < 0 ? -(int64_t)r : (int64_t)r;
}

/* eng_shift_signed(a, -k) for k >= 0. */
F_INLINE int64_t f_shl_sat(int64_t a, int k)
{
    if (k == 0 || a == 0)
        return a;
    if (k >= 63 || a > (INT64_MAX >> k) || a < (INT64_MIN >> k))
        return a > 0 ? INT64_MAX : INT64_MIN;
    return (int64_t)((uint64_t)a << k);
}

/* x[i] = sat(x[i], lo, hi), clips added to *cnt. */
F_INLINE void f_sat_chunk(int64_t *x, int n, int64_t lo, int64_t hi, uint64_t *cnt)
{
    uint64_t k = 0;
    for (int i = 0; i < n; i++) {
        int64_t v = x[i];
        k += (uint64_t)(v > hi) + (uint64_t)(v < lo);
        x[i] = v > hi ? hi : v < lo ? lo : v;
    }
    *cnt += k;
}

/* x[i] = RHAZ(x[i] >> n) for any n (eng_rhaz_shift's cases). */
F_INLINE void f_rhaz_chunk(int64_t *x, int n, int sh)
{
    if (sh <= 0)
        return;
    if (sh < 64) {
        for (int i = 0; i < n; i++)
            x[i] = f_rhaz_n(x[i], sh);
        return;
    }
    for (int i = 0; i < n; i++)
        x[i] = eng_rhaz_shift(x[i], sh);
}

/* eng_cvt_apply(c, v, 32) over a chunk of operands of at most 17 bits (INT8/INT16 memory): no product overflow. */
F_INLINE void f_cvt32_chunk(const eng_cvt *c, int64_t *v, int n, uint64_t *cnt)
{
    if (c->enable) {
        int64_t off = c->offset, sc = c->scale;
        for (int i = 0; i < n; i++)
            v[i] = (v[i] - off) * sc;
        f_rhaz_chunk(v, n, c->truncate);
    }
    f_sat_chunk(v, n, F_LO32, F_HI32, cnt);
}

/* Loads n elements of an INT8/INT16 row starting at p, `step` bytes apart, as int64. */
static void f_load_row(int64_t *dst, const uint8_t *p, size_t step, int prec, int n)
{
    if (prec == ENG_INT8) {
        for (int i = 0; i < n; i++)
            dst[i] = (int8_t)p[(size_t)i * step];
    } else {
        for (int i = 0; i < n; i++)
            dst[i] = (int16_t)(uint16_t)(p[(size_t)i * step] | (p[(size_t)i * step + 1] << 8));
    }
}

static size_t f_wstep(const eng_geom *g)
{
    return g->layout == ENG_LAYOUT_FEATURE ? ENG_ATOM_BYTES
           : g->layout == ENG_LAYOUT_LINEAR ? g->elem_bytes
                                            : (size_t)g->atom_c * g->elem_bytes;
}

/* Gathers the chunk (channel c, rows h0..h0+nr-1, columns w0..w0+nw-1) of a memory cube. */
static void f_gather(int64_t *dst, const eng_geom *g, const uint8_t *base, int prec, int c, int h0, int nr, int w0,
                     int nw)
{
    size_t step = f_wstep(g);
    for (int r = 0; r < nr; r++)
        f_load_row(dst + (size_t)r * nw, base + eng_geom_at(g, (uint32_t)c, (uint32_t)(h0 + r), (uint32_t)w0), step,
                   prec, nw);
}

/* Per-channel constant operands of one stage. */
typedef struct f_stage {
    int on, alu, mul, is_y, alu_type, act, trunc;
    int a_pp, m_pp;          /* operand read per point */
    int64_t a, m;            /* converted constant operands (when not per point) */
    uint64_t a_clip, m_clip; /* clips the constant's conversion counts at every element */
} f_stage;

static void f_stage_chan(const sdp_opnd *o, int c, f_stage *f)
{
    const eng_sdp_stage *s = o->s;
    memset(f, 0, sizeof *f);
    if (!s->enable)
        return;
    f->on = 1;
    f->alu = o->has_alu;
    f->mul = o->has_mul;
    f->is_y = o->is_y;
    f->alu_type = s->alu_type;
    f->act = s->act;
    f->trunc = s->truncate;
    int pp = s->mode == ENG_SDP_PER_POINT, mem;
    eng_stats t;
    if (f->alu) {
        f->a_pp = pp;
        if (!pp) {
            memset(&t, 0, sizeof t);
            int64_t a = opnd_raw(o, 0, c, 0, 0, &mem);
            if (o->is_y)
                a = mem ? eng_cvt_apply(&s->alu_cvt, a, 32, &t) : eng_sat32(a, &t);
            else
                a = eng_sat32(eng_shift_signed(a, -(int)s->shift_value), &t);
            f->a = a;
            f->a_clip = t.saturated;
        }
    }
    if (f->mul) {
        f->m_pp = pp;
        if (!pp) {
            memset(&t, 0, sizeof t);
            int64_t m = opnd_raw(o, 1, c, 0, 0, &mem);
            if (o->is_y)
                m = mem ? eng_cvt_apply(&s->mul_cvt, m, 32, &t) : eng_sat32(m, &t);
            f->m = m;
            f->m_clip = t.saturated;
        }
    }
}

/* Converts a gathered per-point operand chunk in place (the conversion stage_int applies at each element). */
F_INLINE void f_conv_pp(const sdp_opnd *o, int j, int64_t *v, int n, uint64_t *cnt)
{
    const eng_sdp_stage *s = o->s;
    if (o->is_y) {
        f_cvt32_chunk(j ? &s->mul_cvt : &s->alu_cvt, v, n, cnt);
    } else if (!j) {
        int k = s->shift_value;
        for (int i = 0; i < n; i++)
            v[i] = f_shl_sat(v[i], k);
        f_sat_chunk(v, n, F_LO32, F_HI32, cnt);
    }
}

/* ALU over a chunk: x = op(x, a), with a the constant or ap[i]. */
F_INLINE void f_alu(int64_t *x, int n, int type, const int64_t *ap, int64_t a)
{
    switch (type) {
    case ENG_ALU_MAX:
        if (ap)
            for (int i = 0; i < n; i++)
                x[i] = x[i] > ap[i] ? x[i] : ap[i];
        else
            for (int i = 0; i < n; i++)
                x[i] = x[i] > a ? x[i] : a;
        break;
    case ENG_ALU_MIN:
        if (ap)
            for (int i = 0; i < n; i++)
                x[i] = x[i] < ap[i] ? x[i] : ap[i];
        else
            for (int i = 0; i < n; i++)
                x[i] = x[i] < a ? x[i] : a;
        break;
    case ENG_ALU_SUM:
        if (ap)
            for (int i = 0; i < n; i++)
                x[i] += ap[i];
        else
            for (int i = 0; i < n; i++)
                x[i] += a;
        break;
    default:
        if (ap)
            for (int i = 0; i < n; i++)
                x[i] = x[i] == ap[i];
        else
            for (int i = 0; i < n; i++)
                x[i] = x[i] == a;
        break;
    }
}

/* MUL over a chunk: x = sat32(RHAZ(x * m >> trunc)), with PRELU only where x < 0 (elsewhere sat32(x)). The
 * products are exact: X stages <= 33 x 16 bits, Y 32 x 32 bits. */
F_INLINE void f_mul(int64_t *x, int n, const int64_t *mp, int64_t m, int trunc, int prelu, uint64_t *cnt, int64_t *tmp)
{
    for (int i = 0; i < n; i++)
        tmp[i] = x[i] * (mp ? mp[i] : m);
    f_rhaz_chunk(tmp, n, trunc);
    if (prelu)
        for (int i = 0; i < n; i++)
            x[i] = x[i] < 0 ? tmp[i] : x[i];
    else
        for (int i = 0; i < n; i++)
            x[i] = tmp[i];
    f_sat_chunk(x, n, F_LO32, F_HI32, cnt);
}

/* One stage over a chunk (stage_int, same order). opbuf, tmp: scratch. */
F_INLINE void f_stage_run(const sdp_opnd *o, const f_stage *f, int64_t *x, int n, int64_t *opbuf, int64_t *tmp,
                          int c, int h0, int nr, int w0, int nw, uint64_t *cnt)
{
    if (!f->on)
        return;
    if (f->alu) {
        const int64_t *ap = NULL;
        if (f->a_pp) {
            f_gather(opbuf, &o->g, o->base, o->prec, c, h0, nr, w0, nw);
            f_conv_pp(o, 0, opbuf, n, cnt);
            ap = opbuf;
        } else {
            *cnt += f->a_clip * (uint64_t)n;
        }
        f_alu(x, n, f->alu_type, ap, f->a);
        if (f->is_y || !f->mul)
            f_sat_chunk(x, n, F_LO32, F_HI32, cnt);
    }
    if (f->mul) {
        const int64_t *mp = NULL;
        if (f->m_pp) {
            f_gather(opbuf, &o->g, o->base, o->prec, c, h0, nr, w0, nw);
            f_conv_pp(o, 1, opbuf, n, cnt);
            mp = opbuf;
        } else {
            *cnt += f->m_clip * (uint64_t)n;
        }
        f_mul(x, n, mp, f->m, f->trunc, f->act == ENG_ACT_PRELU, cnt, tmp);
    }
    if (f->act == ENG_ACT_RELU)
        for (int i = 0; i < n; i++)
            x[i] = x[i] < 0 ? 0 : x[i];
}

/* Output converter + destination saturation over a chunk, into int32 values t. x is int32-ranged here (every
 * stage ends in sat32 and the source is at most int32), so (x - offset) * scale fits 49 bits. */
F_INLINE void f_out(const eng_cvt *oc, int dst_bits, int64_t *x, int32_t *t, int n, uint64_t *cnt)
{
    int64_t hi = dst_bits == 8 ? INT8_MAX : INT16_MAX, lo = -hi - 1;
    if (oc->enable) {
        int64_t off = oc->offset, sc = oc->scale;
        for (int i = 0; i < n; i++)
            x[i] = (x[i] - off) * sc;
        f_rhaz_chunk(x, n, oc->truncate);
        f_sat_chunk(x, n, -65536, 65535, cnt);
    }
    uint64_t k = 0;
    for (int i = 0; i < n; i++) {
        int64_t v = x[i];
        k += (uint64_t)(v > hi) + (uint64_t)(v < lo);
        t[i] = (int32_t)(v > hi ? hi : v < lo ? lo : v);
    }
    *cnt += k;
}

/* The whole op on one chunk: source values in x, converted results out in t. */
typedef struct f_chunk_args {
    const eng_sdp_op *sd;
    const sdp_run *run;
    const f_stage *fs;
    int64_t *x, *opb, *tmp;
    int32_t *t;
    int n, c, h0, nr, w0, nw;
} f_chunk_args;

F_INLINE void f_chunk_body(const f_chunk_args *a, uint64_t *cnt)
{
    for (int k = 0; k < 3; k++)
        f_stage_run(&a->run->st[k], &a->fs[k], a->x, a->n, a->opb, a->tmp, a->c, a->h0, a->nr, a->w0, a->nw, cnt);
    f_out(&a->sd->out_cvt, a->run->dst_bits, a->x, a->t, a->n, cnt);
}

static void f_chunk_base(const f_chunk_args *a, uint64_t *cnt) { f_chunk_body(a, cnt); }

#if defined(__x86_64__) && defined(__GNUC__)
#define F_HAVE_AVX512 1
/* The same code compiled for AVX-512 (64-bit lanes: vpmullq, vpabsq, vpminsq / vpmaxsq); chosen at run time. */
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2"))) static void f_chunk_avx512(const f_chunk_args *a,
                                                                                                uint64_t *cnt)
{
    f_chunk_body(a, cnt);
}
#endif

static void sdp_fast_int(const eng_sdp_op *sd, const sdp_run *run, const eng_geom *sg, const uint8_t *sbase,
                         const int32_t *pin, const eng_geom *dg, uint8_t *dbase, int32_t *pout, eng_stats *total)
{
    int C = run->C, H = run->H, W = run->W;
    size_t plane = (size_t)H * W;
    int seg = W < SDP_CHUNK ? W : SDP_CHUNK;      /* columns per chunk */
    int rows = W <= SDP_CHUNK ? SDP_CHUNK / W : 1; /* rows per chunk */
    if (rows > H)
        rows = H;
    void (*chunk)(const f_chunk_args *, uint64_t *) = f_chunk_base;
#ifdef F_HAVE_AVX512
    const char *gen = getenv("DLA_ENGINE_SDP_GENERIC"); /* tests: the portable build of the same code */
    if (!(gen && *gen && strcmp(gen, "0")) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        chunk = f_chunk_avx512;
#endif
    uint64_t sat = 0;
#pragma omp parallel if ((double)plane * C > 65536) reduction(+ : sat)
    {
        int64_t x[SDP_CHUNK], opb[SDP_CHUNK], tmp[SDP_CHUNK];
        int32_t t[SDP_CHUNK];
        uint64_t cnt = 0;
#pragma omp for schedule(static)
        for (int c = 0; c < C; c++) {
            f_stage fs[3];
            for (int k = 0; k < 3; k++)
                f_stage_chan(&run->st[k], c, &fs[k]);
            for (int h0 = 0; h0 < H; h0 += rows) {
                int nr = H - h0 < rows ? H - h0 : rows;
                for (int w0 = 0; w0 < W; w0 += seg) {
                    int nw = W - w0 < seg ? W - w0 : seg, n = nr * nw;
                    if (sg) {
                        f_gather(x, sg, sbase, sd->src_precision, c, h0, nr, w0, nw);
                    } else {
                        for (int r = 0; r < nr; r++) {
                            const int32_t *p = pin + (size_t)c * plane + (size_t)(h0 + r) * W + w0;
                            for (int i = 0; i < nw; i++)
                                x[r * nw + i] = p[i];
                        }
                    }
                    f_chunk_args a = {sd, run, fs, x, opb, tmp, t, n, c, h0, nr, w0, nw};
                    chunk(&a, &cnt);
                    if (!dg) {
                        for (int r = 0; r < nr; r++)
                            memcpy(pout + (size_t)c * plane + (size_t)(h0 + r) * W + w0, t + (size_t)r * nw,
                                   (size_t)nw * sizeof(int32_t));
                        continue;
                    }
                    size_t step = f_wstep(dg);
                    for (int r = 0; r < nr; r++) {
                        uint8_t *p = dbase + eng_geom_at(dg, (uint32_t)c, (uint32_t)(h0 + r), (uint32_t)w0);
                        const int32_t *tv = t + (size_t)r * nw;
                        if (sd->dst_precision == ENG_INT8)
                            for (int i = 0; i < nw; i++)
                                p[(size_t)i * step] = (uint8_t)(int8_t)tv[i];
                        else
                            for (int i = 0; i < nw; i++) {
                                uint16_t u = (uint16_t)(int16_t)tv[i];
                                p[(size_t)i * step] = (uint8_t)(u & 0xff);
                                p[(size_t)i * step + 1] = (uint8_t)(u >> 8);
                            }
                    }
                }
            }
        }
        sat += cnt;
    }
    total->saturated += sat;
}

/* The reference: the per-element loop (the specification; DLA_ENGINE_REF_SDP=1 forces it for every op). */
static void sdp_exec_ref(const eng_sdp_op *sd, const sdp_run *rp, const eng_geom *sgp, const uint8_t *sbase,
                         const eng_geom *dgp, uint8_t *dbase, const int32_t *pin_i, const float *pin_f,
                         int32_t *pout_i, float *pout_f, eng_stats *out)
{
    const sdp_run run = *rp;
    int src_hw = !sgp, dst_hw = !dgp, dfp = sd->dst_precision == ENG_FP16;
    eng_geom sg, dg;
    memset(&sg, 0, sizeof sg);
    memset(&dg, 0, sizeof dg);
    if (sgp)
        sg = *sgp;
    if (dgp)
        dg = *dgp;
    size_t plane = (size_t)run.H * run.W;
    eng_stats total = {0};
#pragma omp parallel if ((double)plane * run.C > 65536)
    {
        eng_stats st = {0};
#pragma omp for schedule(static)
        for (int c = 0; c < run.C; c++)
            for (int h = 0; h < run.H; h++)
                for (int w = 0; w < run.W; w++) {
                    size_t pi = (size_t)c * plane + (size_t)h * run.W + (size_t)w;
                    const uint8_t *sp = src_hw ? NULL : sbase + eng_geom_at(&sg, (uint32_t)c, (uint32_t)h, (uint32_t)w);
                    uint8_t *dp = dst_hw ? NULL : dbase + eng_geom_at(&dg, (uint32_t)c, (uint32_t)h, (uint32_t)w);
                    if (run.fp) {
                        float x;
                        if (src_hw) {
                            x = pin_f[pi];
                        } else {
                            uint16_t hb = eng_ld_u16(sp);
                            if ((hb & 0x7c00) == 0x7c00 && (hb & 0x3ff))
                                st.nan_inputs++;
                            x = eng_fp16_to_f32(hb, ENG_FP16_INF_SDP);
                        }
                        for (int k = 0; k < 3; k++)
                            x = stage_fp(&run.st[k], x, c, h, w, run.lut, &st);
                        if (sd->out_cvt.enable)
                            x = eng_ftz((float)(((double)x - sd->out_cvt.offset) * sd->out_cvt.scale *
                                                ldexp(1.0, -(int)sd->out_cvt.truncate)));
                        uint16_t hb = eng_f32_to_fp16(x, &st);
                        if (dst_hw)
                            pout_f[pi] = eng_fp16_to_f32(hb, ENG_FP16_INF_SDP);
                        else
                            eng_st_u16(dp, hb);
                        continue;
                    }
                    int64_t x = src_hw ? pin_i[pi] : eng_load_int(sp, sd->src_precision);
                    for (int k = 0; k < 3; k++)
                        x = stage_int(&run.st[k], x, c, h, w, run.lut, &st);
                    int64_t t = sd->out_cvt.enable ? eng_cvt_apply(&sd->out_cvt, x, 17, &st) : x;
                    if (dfp) {
                        uint16_t hb = int_to_fp16(eng_sat17(t, &st), &st);
                        if (dst_hw)
                            pout_f[pi] = eng_fp16_to_f32(hb, ENG_FP16_INF_SDP);
                        else
                            eng_st_u16(dp, hb);
                        continue;
                    }
                    t = eng_sat_bits(t, run.dst_bits, &st);
                    if (dst_hw)
                        pout_i[pi] = (int32_t)t;
                    else
                        eng_store_int(dp, sd->dst_precision, (int32_t)t);
                }
#pragma omp critical
        {
            total.saturated += st.saturated;
            total.nan_inputs += st.nan_inputs;
            total.lut_hits += st.lut_hits;
            total.lut_underflow += st.lut_underflow;
            total.lut_overflow += st.lut_overflow;
        }
    }
    *out = total;
}

dla_status eng_sdp_exec(eng_ctx *ctx, const eng_op *op)
{
    const eng_sdp_op *sd = &op->u.sdp;
    sdp_run run;
    memset(&run, 0, sizeof run);
    BASE_TRY(sdp_validate(ctx, op, &run));
    eng_geom sg, dg;
    uint8_t *sbase = NULL, *dbase = NULL;
    int src_hw = sd->src.mem_type == ENG_MEM_HW, dst_hw = sd->dst.mem_type == ENG_MEM_HW;
    if (!src_hw)
        BASE_TRY(eng_cube_map(ctx, op, &sd->src, "SDP src cube", sd->src_precision, &sg, &sbase));
    if (!dst_hw)
        BASE_TRY(eng_cube_map(ctx, op, &sd->dst, "SDP dst cube", sd->dst_precision, &dg, &dbase));
    int dfp = sd->dst_precision == ENG_FP16;
    if (dst_hw)
        BASE_TRY(eng_pipe_reserve(ctx, run.C, run.H, run.W, dfp));
    const int32_t *pin_i = ctx->pipe.i32;
    const float *pin_f = ctx->pipe.f32;
    int32_t *pout_i = ctx->pipe.i32;
    float *pout_f = ctx->pipe.f32;
    eng_stats total = {0};
    if (!sdp_ref_forced() && sdp_fast_ok(sd, &run))
        sdp_fast_int(sd, &run, src_hw ? NULL : &sg, sbase, pin_i, dst_hw ? NULL : &dg, dbase, pout_i, &total);
    else
        sdp_exec_ref(sd, &run, src_hw ? NULL : &sg, sbase, dst_hw ? NULL : &dg, dbase, pin_i, pin_f, pout_i, pout_f,
                     &total);
    ctx->stats.saturated += total.saturated;
    ctx->stats.nan_inputs += total.nan_inputs;
    ctx->stats.lut_hits += total.lut_hits;
    ctx->stats.lut_underflow += total.lut_underflow;
    ctx->stats.lut_overflow += total.lut_overflow;
    return DLA_OK;
}
