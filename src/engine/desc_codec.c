/* engine descriptor codec (codec.h): one visitor per descriptor walks the fields in order, either writing them
 * little-endian or reading them back, so encode and decode cannot drift apart; decode then validates. */
#include "engine/codec.h"

#include <stdio.h>
#include <string.h>

#include "engine/numerics.h"

typedef struct cur {
    uint8_t *wp;        /* writing when non-NULL */
    const uint8_t *rp;  /* reading otherwise */
    size_t pos;
    int bad_reserved;   /* a reserved byte read back non-zero */
} cur;

static void fbytes(cur *c, uint8_t *v, int n)
{
    for (int i = 0; i < n; i++) {
        if (c->wp)
            c->wp[c->pos + (size_t)i] = v[i];
        else
            v[i] = c->rp[c->pos + (size_t)i];
    }
    c->pos += (size_t)n;
}

static void fu(cur *c, uint64_t *v, int n) /* n bytes little-endian */
{
    uint8_t b[8];
    if (c->wp)
        for (int i = 0; i < n; i++)
            b[i] = (uint8_t)(*v >> (8 * i));
    fbytes(c, b, n);
    if (!c->wp) {
        *v = 0;
        for (int i = 0; i < n; i++)
            *v |= (uint64_t)b[i] << (8 * i);
    }
}

#define FIELD(fn, T, n)                                                                                       \
    static void fn(cur *c, T *v)                                                                              \
    {                                                                                                         \
        uint64_t u = (uint64_t)(uint##n##_t)*v;                                                               \
        fu(c, &u, n / 8);                                                                                     \
        if (!c->wp)                                                                                           \
            *v = (T)(uint##n##_t)u;                                                                           \
    }
FIELD(fu8, uint8_t, 8)
FIELD(fi8, int8_t, 8)
FIELD(fu16, uint16_t, 16)
FIELD(fi16, int16_t, 16)
FIELD(fu32, uint32_t, 32)
FIELD(fi32, int32_t, 32)
FIELD(fi64, int64_t, 64)
#undef FIELD

static void fres(cur *c, int n)
{
    for (int i = 0; i < n; i++) {
        if (c->wp)
            c->wp[c->pos] = 0;
        else if (c->rp[c->pos])
            c->bad_reserved = 1;
        c->pos++;
    }
}

static void v_cube(cur *c, eng_cube *q)
{
    fu8(c, &q->mem_type);
    fu8(c, &q->layout);
    fu8(c, &q->precision);
    fres(c, 1);
    fi16(c, &q->mem);
    fres(c, 2);
    fu32(c, &q->offset);
    fu32(c, &q->size);
    fu16(c, &q->width);
    fu16(c, &q->height);
    fu16(c, &q->channel);
    fres(c, 2);
    fu32(c, &q->line_stride);
    fu32(c, &q->surf_stride);
    fu32(c, &q->plane_stride);
}

static void v_cvt(cur *c, eng_cvt *v)
{
    fi16(c, &v->scale);
    fu8(c, &v->truncate);
    fu8(c, &v->enable);
    fi32(c, &v->offset);
}

static void v_conv(cur *c, eng_conv_op *v)
{
    uint8_t *b[] = {&v->in_precision, &v->out_precision, &v->stride_x, &v->stride_y, &v->pad_left, &v->pad_right,
                    &v->pad_top, &v->pad_bottom, &v->dilation_x, &v->dilation_y, &v->kernel_w, &v->kernel_h};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        fu8(c, b[i]);
    fu16(c, &v->groups);
    fi16(c, &v->pad_val);
    fu16(c, &v->out_width);
    fu16(c, &v->out_height);
    fu16(c, &v->out_channel);
    fu8(c, &v->clip_truncate);
    fu8(c, &v->sparse);
    fu16(c, &v->split_index);
    fu16(c, &v->split_count);
    v_cvt(c, &v->in_cvt);
    v_cube(c, &v->src);
    v_cube(c, &v->weight);
    v_cube(c, &v->dst);
}

static void v_stage(cur *c, eng_sdp_stage *s)
{
    uint8_t *b[] = {&s->enable, &s->alu_type, &s->kind, &s->mode, &s->act, &s->shift_value, &s->truncate,
                    &s->precision};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        fu8(c, b[i]);
    fi32(c, &s->alu_operand);
    fi32(c, &s->mul_operand);
    v_cvt(c, &s->alu_cvt);
    v_cvt(c, &s->mul_cvt);
}

static void v_sdp(cur *c, eng_sdp_op *v)
{
    fu8(c, &v->src_precision);
    fu8(c, &v->dst_precision);
    fi16(c, &v->lut_index);
    v_cvt(c, &v->out_cvt);
    v_stage(c, &v->x1);
    v_stage(c, &v->x2);
    v_stage(c, &v->y);
    v_cube(c, &v->src);
    v_cube(c, &v->x1_data);
    v_cube(c, &v->x2_data);
    v_cube(c, &v->y_data);
    v_cube(c, &v->dst);
}

static void v_pdp(cur *c, eng_pdp_op *v)
{
    uint8_t *b[] = {&v->pool_mode, &v->precision, &v->pool_width, &v->pool_height, &v->stride_x, &v->stride_y,
                    &v->pad_left, &v->pad_right, &v->pad_top, &v->pad_bottom};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        fu8(c, b[i]);
    fu16(c, &v->recip_width);
    fu16(c, &v->recip_height);
    for (int i = 0; i < 7; i++)
        fi32(c, &v->padding_value[i]);
    v_cube(c, &v->src);
    v_cube(c, &v->dst);
}

static void v_cdp(cur *c, eng_cdp_op *v)
{
    fu8(c, &v->in_precision);
    fu8(c, &v->out_precision);
    fu8(c, &v->local_size);
    fu8(c, &v->bypass_sqsum);
    fu8(c, &v->bypass_out_mul);
    fi16(c, &v->lut_index);
    v_cvt(c, &v->in_cvt);
    v_cvt(c, &v->out_cvt);
    v_cube(c, &v->src);
    v_cube(c, &v->dst);
}

static void v_rubik(cur *c, eng_rubik_op *v)
{
    fu8(c, &v->mode);
    fu8(c, &v->precision);
    fu8(c, &v->stride_x);
    fu8(c, &v->stride_y);
    fbytes(c, v->perm, 4);
    fu8(c, &v->resize_linear);
    fres(c, 3);
    v_cube(c, &v->src);
    v_cube(c, &v->dst);
}

static void v_bdma(cur *c, eng_bdma_op *v)
{
    fu16(c, &v->num_transfers);
    fres(c, 2);
    for (int i = 0; i < ENG_BDMA_MAX_TRANSFERS; i++) {
        eng_bdma_transfer *t = &v->transfers[i];
        fi16(c, &t->src_mem);
        fi16(c, &t->dst_mem);
        uint32_t *u[] = {&t->src_offset, &t->dst_offset, &t->line_size, &t->line_repeat, &t->src_line_stride,
                         &t->dst_line_stride, &t->surface_repeat, &t->src_surface_stride, &t->dst_surface_stride};
        for (size_t k = 0; k < sizeof u / sizeof u[0]; k++)
            fu32(c, u[k]);
    }
}

static void v_consumer(cur *c, eng_consumer *k)
{
    fi16(c, &k->index);
    fu8(c, &k->event);
    fres(c, 1);
}

static void v_header(cur *c, char kind)
{
    uint8_t h[4] = {'E', (uint8_t)kind, ENG_RECORD_VERSION, 0};
    fbytes(c, h, 4);
}

static void v_op(cur *c, eng_op *op)
{
    fu8(c, &op->type);
    fu8(c, &op->dependency_count);
    fi16(c, &op->index);
    for (int i = 0; i < ENG_MAX_CONSUMERS; i++)
        v_consumer(c, &op->consumers[i]);
    v_consumer(c, &op->fused_parent);
    fu32(c, &op->layer);
    switch (op->type) {
    case ENG_OP_BDMA: v_bdma(c, &op->u.bdma); break;
    case ENG_OP_CONV: v_conv(c, &op->u.conv); break;
    case ENG_OP_SDP: v_sdp(c, &op->u.sdp); break;
    case ENG_OP_PDP: v_pdp(c, &op->u.pdp); break;
    case ENG_OP_CDP: v_cdp(c, &op->u.cdp); break;
    case ENG_OP_RUBIK: v_rubik(c, &op->u.rubik); break;
    default: break; /* rejected by decode before the payload matters */
    }
}

void eng_op_encode(const eng_op *op, uint8_t *rec)
{
    eng_op tmp = *op;
    memset(rec, 0, ENG_OP_RECORD_BYTES);
    cur c = {rec, NULL, 0, 0};
    v_header(&c, 'O');
    v_op(&c, &tmp);
}


/* ---- validation ------------------------------------------------------------------------------------------ */

typedef struct vctx {
    int idx;
    const eng_codec_limits *lim;
} vctx;

static dla_status bad(const vctx *v, const char *field, long long val, const char *limit)
{
    return base_error(DLA_ERR_FORMAT, "engine op %d: %s = %lld; %s", v->idx, field, val, limit);
}

#define RANGE(field, val, lo, hi, limit)                                                                      \
    do {                                                                                                      \
        long long rv_ = (long long)(val);                                                                     \
        if (rv_ < (lo) || rv_ > (hi))                                                                         \
            return bad(v, field, rv_, limit);                                                                 \
    } while (0)

static dla_status chk_cube(const vctx *v, const eng_cube *q, const char *name)
{
    char f[64];
    snprintf(f, sizeof f, "%s.mem_type", name);
    RANGE(f, q->mem_type, 0, 2, "valid: 0 DRAM, 1 SRAM, 2 HW");
    snprintf(f, sizeof f, "%s.layout", name);
    RANGE(f, q->layout, 0, 4, "valid: 0 FEATURE, 1 LINEAR, 2 HWC4, 3 WEIGHT, 4 PARAM");
    snprintf(f, sizeof f, "%s.precision", name);
    RANGE(f, q->precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    snprintf(f, sizeof f, "%s.mem", name);
    if (q->mem_type == ENG_MEM_HW)
        RANGE(f, q->mem, -1, -1, "an on-the-fly (HW) cube has mem -1");
    else
        RANGE(f, q->mem, 0, v->lim && v->lim->n_bufs >= 0 ? v->lim->n_bufs - 1 : INT16_MAX,
              "outside the task's address list");
    snprintf(f, sizeof f, "%s.offset+size", name);
    if ((uint64_t)q->offset + q->size > UINT32_MAX)
        return bad(v, f, (long long)q->offset + q->size, "a cube ends inside a 4 GiB buffer");
    uint16_t d[3] = {q->width, q->height, q->channel};
    for (int i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s.%s", name, i == 0 ? "width" : i == 1 ? "height" : "channel");
        RANGE(f, d[i], 0, ENG_MAX_DIM, "the DLA limit is 8192");
    }
    return DLA_OK;
}

static dla_status chk_cvt(const vctx *v, const eng_cvt *c, const char *name)
{
    char f[64];
    snprintf(f, sizeof f, "%s.enable", name);
    RANGE(f, c->enable, 0, 1, "a flag");
    snprintf(f, sizeof f, "%s.truncate", name);
    RANGE(f, c->truncate, 0, 63, "the limit is 0..63");
    return DLA_OK;
}

static dla_status chk_lut_index(const vctx *v, int li, const char *field)
{
    int hi = v->lim && v->lim->n_luts >= 0 ? v->lim->n_luts - 1 : INT16_MAX;
    RANGE(field, li, -1, hi, "-1 or an index into the task's LUT list");
    return DLA_OK;
}

static dla_status chk_conv(const vctx *v, const eng_conv_op *c)
{
    RANGE("conv.in_precision", c->in_precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    RANGE("conv.out_precision", c->out_precision, c->in_precision, c->in_precision, "must equal in_precision");
    RANGE("conv.stride_x", c->stride_x, 1, 8, "the limit is 1..8");
    RANGE("conv.stride_y", c->stride_y, 1, 8, "the limit is 1..8");
    RANGE("conv.pad_left", c->pad_left, 0, 31, "the limit is 0..31");
    RANGE("conv.pad_right", c->pad_right, 0, 31, "the limit is 0..31");
    RANGE("conv.pad_top", c->pad_top, 0, 31, "the limit is 0..31");
    RANGE("conv.pad_bottom", c->pad_bottom, 0, 31, "the limit is 0..31");
    RANGE("conv.dilation_x", c->dilation_x, 1, 32, "the limit is 1..32");
    RANGE("conv.dilation_y", c->dilation_y, 1, 32, "the limit is 1..32");
    RANGE("conv.kernel_w", c->kernel_w, 1, 32, "the limit is 1..32");
    RANGE("conv.kernel_h", c->kernel_h, 1, 32, "the limit is 1..32");
    RANGE("conv.groups", c->groups, 1, 8192, "the limit is 1..8192");
    RANGE("conv.out_width", c->out_width, 1, ENG_MAX_DIM, "the limit is 1..8192");
    RANGE("conv.out_height", c->out_height, 1, ENG_MAX_DIM, "the limit is 1..8192");
    RANGE("conv.out_channel", c->out_channel, 1, ENG_MAX_DIM, "the limit is 1..8192");
    RANGE("conv.clip_truncate", c->clip_truncate, 0, 63, "the limit is 0..63");
    RANGE("conv.sparse", c->sparse, 0, 1, "a flag");
    if (c->split_count)
        RANGE("conv.split_index", c->split_index, 0, c->split_count - 1, "must be below split_count");
    BASE_TRY(chk_cvt(v, &c->in_cvt, "conv.in_cvt"));
    BASE_TRY(chk_cube(v, &c->src, "conv.src"));
    BASE_TRY(chk_cube(v, &c->weight, "conv.weight"));
    BASE_TRY(chk_cube(v, &c->dst, "conv.dst"));
    RANGE("conv.dst.mem_type", c->dst.mem_type, ENG_MEM_HW, ENG_MEM_HW, "conv output goes on the fly to SDP (2)");
    return DLA_OK;
}

static dla_status chk_stage(const vctx *v, const eng_sdp_stage *s, const char *name, int is_y)
{
    char f[64];
    snprintf(f, sizeof f, "sdp.%s.enable", name);
    RANGE(f, s->enable, 0, 1, "a flag");
    snprintf(f, sizeof f, "sdp.%s.alu_type", name);
    RANGE(f, s->alu_type, 0, 3, "valid: 0 MAX, 1 MIN, 2 SUM, 3 EQL");
    snprintf(f, sizeof f, "sdp.%s.kind", name);
    RANGE(f, s->kind, 0, 3, "valid: 0 NONE, 1 MUL, 2 ADD, 3 BOTH");
    snprintf(f, sizeof f, "sdp.%s.mode", name);
    RANGE(f, s->mode, 0, 2, "valid: 0 PER_LAYER, 1 PER_KERNEL, 2 PER_POINT");
    snprintf(f, sizeof f, "sdp.%s.act", name);
    RANGE(f, s->act, 0, 3, "valid: 0 NONE, 1 RELU, 2 LUT, 3 PRELU");
    if (!is_y && s->act == ENG_ACT_LUT)
        return bad(v, f, s->act, "the LUT is in the Y stage only");
    snprintf(f, sizeof f, "sdp.%s.shift_value", name);
    RANGE(f, s->shift_value, 0, 63, "the limit is 0..63");
    snprintf(f, sizeof f, "sdp.%s.truncate", name);
    RANGE(f, s->truncate, 0, is_y ? 255 : 63, is_y ? "the limit is 0..255" : "the limit is 0..63");
    snprintf(f, sizeof f, "sdp.%s.precision", name);
    RANGE(f, s->precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    snprintf(f, sizeof f, "sdp.%s.alu_cvt", name);
    BASE_TRY(chk_cvt(v, &s->alu_cvt, f));
    snprintf(f, sizeof f, "sdp.%s.mul_cvt", name);
    return chk_cvt(v, &s->mul_cvt, f);
}

static dla_status chk_sdp(const vctx *v, const eng_sdp_op *s)
{
    RANGE("sdp.src_precision", s->src_precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    RANGE("sdp.dst_precision", s->dst_precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    BASE_TRY(chk_lut_index(v, s->lut_index, "sdp.lut_index"));
    BASE_TRY(chk_cvt(v, &s->out_cvt, "sdp.out_cvt"));
    BASE_TRY(chk_stage(v, &s->x1, "x1", 0));
    BASE_TRY(chk_stage(v, &s->x2, "x2", 0));
    BASE_TRY(chk_stage(v, &s->y, "y", 1));
    if (s->y.enable && s->y.act == ENG_ACT_LUT && s->lut_index < 0)
        return bad(v, "sdp.lut_index", s->lut_index, "the Y stage uses the LUT");
    BASE_TRY(chk_cube(v, &s->src, "sdp.src"));
    BASE_TRY(chk_cube(v, &s->x1_data, "sdp.x1_data"));
    BASE_TRY(chk_cube(v, &s->x2_data, "sdp.x2_data"));
    BASE_TRY(chk_cube(v, &s->y_data, "sdp.y_data"));
    return chk_cube(v, &s->dst, "sdp.dst");
}

static dla_status chk_pdp(const vctx *v, const eng_pdp_op *p)
{
    RANGE("pdp.pool_mode", p->pool_mode, 0, 2, "valid: 0 AVG, 1 MAX, 2 MIN");
    RANGE("pdp.precision", p->precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    RANGE("pdp.pool_width", p->pool_width, 1, 8, "the limit is 1..8");
    RANGE("pdp.pool_height", p->pool_height, 1, 8, "the limit is 1..8");
    RANGE("pdp.stride_x", p->stride_x, 1, 16, "the limit is 1..16");
    RANGE("pdp.stride_y", p->stride_y, 1, 16, "the limit is 1..16");
    RANGE("pdp.pad_left", p->pad_left, 0, 7, "the limit is 0..7");
    RANGE("pdp.pad_right", p->pad_right, 0, 7, "the limit is 0..7");
    RANGE("pdp.pad_top", p->pad_top, 0, 7, "the limit is 0..7");
    RANGE("pdp.pad_bottom", p->pad_bottom, 0, 7, "the limit is 0..7");
    BASE_TRY(chk_cube(v, &p->src, "pdp.src"));
    return chk_cube(v, &p->dst, "pdp.dst");
}

static dla_status chk_cdp(const vctx *v, const eng_cdp_op *p)
{
    RANGE("cdp.in_precision", p->in_precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    RANGE("cdp.out_precision", p->out_precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    if (p->local_size != 3 && p->local_size != 5 && p->local_size != 7 && p->local_size != 9)
        return bad(v, "cdp.local_size", p->local_size, "valid: 3, 5, 7, 9");
    RANGE("cdp.bypass_sqsum", p->bypass_sqsum, 0, 1, "a flag");
    RANGE("cdp.bypass_out_mul", p->bypass_out_mul, 0, 1, "a flag");
    BASE_TRY(chk_lut_index(v, p->lut_index, "cdp.lut_index"));
    BASE_TRY(chk_cvt(v, &p->in_cvt, "cdp.in_cvt"));
    BASE_TRY(chk_cvt(v, &p->out_cvt, "cdp.out_cvt"));
    BASE_TRY(chk_cube(v, &p->src, "cdp.src"));
    return chk_cube(v, &p->dst, "cdp.dst");
}

static dla_status chk_rubik(const vctx *v, const eng_rubik_op *r)
{
    RANGE("rubik.mode", r->mode, 0, 5, "valid: 0 CONTRACT, 1 SPLIT, 2 MERGE, 3 TRANSPOSE, 4 RESHAPE, 5 RESIZE");
    RANGE("rubik.precision", r->precision, 0, 2, "valid: 0 INT8, 1 INT16, 2 FP16");
    if (r->mode == ENG_RUBIK_CONTRACT || r->mode == ENG_RUBIK_RESIZE) {
        RANGE("rubik.stride_x", r->stride_x, 1, 255, "must be at least 1");
        RANGE("rubik.stride_y", r->stride_y, 1, 255, "must be at least 1");
    }
    if (r->mode == ENG_RUBIK_TRANSPOSE) {
        int seen = 0;
        for (int i = 0; i < 4; i++) {
            RANGE("rubik.perm", r->perm[i], 0, 3, "axes are 0..3");
            seen |= 1 << r->perm[i];
        }
        if (seen != 15)
            return bad(v, "rubik.perm", r->perm[0] * 1000 + r->perm[1] * 100 + r->perm[2] * 10 + r->perm[3],
                       "must be a permutation of 0..3");
    }
    RANGE("rubik.resize_linear", r->resize_linear, 0, 1, "a flag");
    BASE_TRY(chk_cube(v, &r->src, "rubik.src"));
    return chk_cube(v, &r->dst, "rubik.dst");
}

static dla_status chk_bdma(const vctx *v, const eng_bdma_op *b)
{
    RANGE("bdma.num_transfers", b->num_transfers, 1, ENG_BDMA_MAX_TRANSFERS, "the limit is 1..20");
    int hi = v->lim && v->lim->n_bufs >= 0 ? v->lim->n_bufs - 1 : INT16_MAX;
    for (int i = 0; i < b->num_transfers; i++) {
        const eng_bdma_transfer *t = &b->transfers[i];
        char f[64];
        snprintf(f, sizeof f, "bdma.transfers[%d].src_mem", i);
        RANGE(f, t->src_mem, 0, hi, "outside the task's address list");
        snprintf(f, sizeof f, "bdma.transfers[%d].dst_mem", i);
        RANGE(f, t->dst_mem, 0, hi, "outside the task's address list");
        snprintf(f, sizeof f, "bdma.transfers[%d].line_repeat", i);
        RANGE(f, t->line_repeat, 1, UINT32_MAX, "must be at least 1");
        snprintf(f, sizeof f, "bdma.transfers[%d].surface_repeat", i);
        RANGE(f, t->surface_repeat, 1, UINT32_MAX, "must be at least 1");
    }
    return DLA_OK;
}

static dla_status chk_common(const vctx *v, const eng_op *op)
{
    RANGE("type", op->type, 0, ENG_OP_TYPE_COUNT - 1, "valid: 0 BDMA .. 5 RUBIK");
    RANGE("index", op->index, v->idx, v->idx, "must equal the op's position in the list");
    int hi = v->lim && v->lim->n_ops >= 0 ? v->lim->n_ops - 1 : INT16_MAX;
    for (int i = 0; i <= ENG_MAX_CONSUMERS; i++) {
        const eng_consumer *k = i < ENG_MAX_CONSUMERS ? &op->consumers[i] : &op->fused_parent;
        char f[48];
        if (i < ENG_MAX_CONSUMERS)
            snprintf(f, sizeof f, "consumers[%d].index", i);
        else
            snprintf(f, sizeof f, "fused_parent.index");
        RANGE(f, k->index, -1, hi, "-1 or an op index of the task");
        if (i < ENG_MAX_CONSUMERS)
            snprintf(f, sizeof f, "consumers[%d].event", i);
        else
            snprintf(f, sizeof f, "fused_parent.event");
        RANGE(f, k->event, 0, ENG_EVENT_ENABLED, "valid: 0 none, 1 COMPLETED, 2 PROGRAMMED, 3 ENABLED");
    }
    return DLA_OK;
}

static dla_status chk_record(const uint8_t *rec, size_t len, size_t want, char kind, int idx, const char *what)
{
    if (!rec || len != want)
        return base_error(DLA_ERR_FORMAT, "%s %d: record of %zu bytes; expected %zu", what, idx, len, want);
    if (rec[0] != 'E' || rec[1] != (uint8_t)kind || rec[3] != 0)
        return base_error(DLA_ERR_FORMAT, "%s %d: bad record tag %02x %02x %02x", what, idx, rec[0], rec[1], rec[3]);
    if (rec[2] != ENG_RECORD_VERSION)
        return base_error(DLA_ERR_VERSION, "%s %d: record version %u; this build reads version %d", what, idx, rec[2],
                          ENG_RECORD_VERSION);
    return DLA_OK;
}

static dla_status chk_tail(const cur *c, size_t len, int idx, const char *what)
{
    if (c->bad_reserved)
        return base_error(DLA_ERR_FORMAT, "%s %d: a reserved field is not zero", what, idx);
    for (size_t i = c->pos; i < len; i++)
        if (c->rp[i])
            return base_error(DLA_ERR_FORMAT, "%s %d: byte %zu after the fields is not zero", what, idx, i);
    return DLA_OK;
}

dla_status eng_op_decode(const uint8_t *rec, size_t len, int op_index, const eng_codec_limits *lim, eng_op *out)
{
    BASE_TRY(chk_record(rec, len, ENG_OP_RECORD_BYTES, 'O', op_index, "engine op"));
    memset(out, 0, sizeof *out);
    cur c = {NULL, rec, 4, 0};
    vctx v = {op_index, lim};
    if (rec[4] >= ENG_OP_TYPE_COUNT)
        return bad(&v, "type", rec[4], "valid: 0 BDMA .. 5 RUBIK");
    v_op(&c, out);
    BASE_TRY(chk_tail(&c, len, op_index, "engine op"));
    BASE_TRY(chk_common(&v, out));
    switch (out->type) {
    case ENG_OP_BDMA: return chk_bdma(&v, &out->u.bdma);
    case ENG_OP_CONV: return chk_conv(&v, &out->u.conv);
    case ENG_OP_SDP: return chk_sdp(&v, &out->u.sdp);
    case ENG_OP_PDP: return chk_pdp(&v, &out->u.pdp);
    case ENG_OP_CDP: return chk_cdp(&v, &out->u.cdp);
    default: return chk_rubik(&v, &out->u.rubik);
    }
}

/* ---- LUT records ----------------------------------------------------------------------------------------- */

static void v_lut(cur *c, eng_lut *l)
{
    for (int i = 0; i < 65; i++)
        fi16(c, &l->le[i]);
    for (int i = 0; i < 257; i++)
        fi16(c, &l->lo[i]);
    fu8(c, &l->le_function);
    fi8(c, &l->le_index_offset);
    fu8(c, &l->le_index_select);
    fu8(c, &l->lo_index_select);
    fi64(c, &l->le_start);
    fi64(c, &l->le_end);
    fi64(c, &l->lo_start);
    fi64(c, &l->lo_end);
    fi16(c, &l->le_slope_uflow_scale);
    fi16(c, &l->le_slope_oflow_scale);
    fi16(c, &l->lo_slope_uflow_scale);
    fi16(c, &l->lo_slope_oflow_scale);
    fi8(c, &l->le_slope_uflow_shift);
    fi8(c, &l->le_slope_oflow_shift);
    fi8(c, &l->lo_slope_uflow_shift);
    fi8(c, &l->lo_slope_oflow_shift);
    fu8(c, &l->hybrid_priority);
    fu8(c, &l->underflow_priority);
    fu8(c, &l->overflow_priority);
    fu8(c, &l->precision);
}

void eng_lut_encode(const eng_lut *lut, uint8_t *rec)
{
    eng_lut tmp = *lut;
    memset(rec, 0, ENG_LUT_RECORD_BYTES);
    cur c = {rec, NULL, 0, 0};
    v_header(&c, 'L');
    v_lut(&c, &tmp);
}

dla_status eng_lut_decode(const uint8_t *rec, size_t len, int lut_index, eng_lut *out)
{
    BASE_TRY(chk_record(rec, len, ENG_LUT_RECORD_BYTES, 'L', lut_index, "LUT"));
    memset(out, 0, sizeof *out);
    cur c = {NULL, rec, 4, 0};
    v_lut(&c, out);
    BASE_TRY(chk_tail(&c, len, lut_index, "LUT"));
    return eng_lut_check(out, lut_index);
}
