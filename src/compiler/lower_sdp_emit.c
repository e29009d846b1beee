/* lowering: SDP program -> eng_sdp_op stages, operands and converters (the precision arithmetic).
 *
 * FP16: constant operands are rounded to FP16 (RNE) and stored as PARAM cubes (PER_KERNEL, [C] or [C][2] {alu,
 * mul} when a stage uses both); the second surface is the Y stage's PER_POINT cube; tables are FP16 LUTs; the
 * output converter is off (the SDP rounds its float result to FP16 by the DLA's rules).
 *
 * INT8 (engine.md §1.6 items 4, 5, 7, 10). The data is an integer x standing for x * s[k]; s starts as the conv
 * accumulator's per-channel scale s_in * s_w[k] * 2^clip_truncate (or the memory source's per-tensor scale) and
 * every MUL targets the fine domain s_fine = s_out * 2^-8:
 *   X ALU with constant c[k]:  Q[k] = RHAZ(c[k] / s[k]); shift_value = the least sh with every
 *                              |RHAZ(Q[k] / 2^sh)| <= 32767; operand[k] = RHAZ(Q[k] / 2^sh) (INT16 PARAM).
 *   X MUL with constant m[k]:  r[k] = m[k] * s[k] / s_fine, R = max |r[k]| (if R > 32767 the target domain is
 *                              coarsened to s_fine * R / 32767); truncate t = eng_scale_shift(R) 's shift;
 *                              operand[k] = RHAZ(r[k] * 2^t); afterwards s = s_fine (per tensor).
 *   PRELU with slope a[k]:     t = eng_scale_shift(max |a[k]|) 's shift; operand[k] = RHAZ(a[k] * 2^t); the domain is
 *                              unchanged (positives pass untouched, negatives are x * a).
 *   Y ALU with constant c[k]:  Q[k] = RHAZ(c[k] / s); alu_cvt scale 2^j (j least with |RHAZ(Q/2^j)| <= 32767),
 *                              operand[k] = RHAZ(Q[k] / 2^j).
 *   Y ALU with a surface q2 (scale s2): alu_cvt (scale n, truncate m) = eng_scale_shift(+-s2 / s) — the second
 *                              input enters the fine domain with one rounding.
 *   Y MUL with a surface:      mul_cvt off (the int8 value itself); truncate t = clamp(floor(log2(s_fine / (s *
 *                              s2))), 0, 63); s becomes s * s2 * 2^t.
 *   LUT:                       an INT16 table for the input domain s (lower_lut.c); s becomes the table's domain.
 *   Output converter:          (scale n, truncate m) = eng_scale_shift(s / s_out), offset 0; then saturation to
 *                              int8 (the SDP's C stage: sat17 then sat8).
 */
#include "compiler/lower.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lw_prog_pack(const lw_sdp_prog *p, int *alu, int *mul, int *act);

typedef struct blob {
    uint8_t *data;
    size_t size, cap;
} blob;

static int blob_put(blob *b, const uint16_t *v, size_t n, uint32_t *offset)
{
    size_t at = (b->size + 31) / 32 * 32, need = at + n * 2;
    if (need > b->cap) {
        size_t cap = need * 2 + 64;
        uint8_t *d = realloc(b->data, cap);
        if (!d)
            return 0;
        memset(d + b->cap, 0, cap - b->cap);
        b->data = d;
        b->cap = cap;
    }
    for (size_t i = 0; i < n; i++)
        eng_st_u16(b->data + at + 2 * i, v[i]);
    b->size = need;
    *offset = (uint32_t)at;
    return 1;
}

static double opd_at(const lw_opd *o, int c) { return o->kind == LW_OPD_CHANNEL ? o->pc[c] : o->v; }

/* Shared multiplier shift for |values| <= R: the largest t <= 63 with RHAZ(R * 2^t) <= 32767. */
static dla_status mul_shift(double R, uint8_t *t)
{
    int16_t n;
    *t = 0;
    if (R == 0.0)
        return DLA_OK;
    return eng_scale_shift(R, 63, &n, t);
}

typedef struct stage_ops {
    int has_alu, has_mul;
    double *alu, *mul;     /* [C] real-valued operand (FP16) or integer operand (INT) */
} stage_ops;

/* INT X-stage ALU / Y-stage ALU constant: integer operands (int16) with a shift (X) or a cvt scale 2^j (Y). */
static dla_status int_alu_const(const lw_prim *x, int C, const double *s, int is_y, eng_sdp_stage *st, double *ops)
{
    int64_t *Q = malloc(sizeof(int64_t) * (size_t)C);
    if (!Q)
        return base_error(DLA_ERR_NOMEM, "lowering: out of memory");
    int64_t qmax = 0;
    for (int c = 0; c < C; c++) {
        double v = opd_at(&x->opd, c) / s[c];
        if (!isfinite(v) || fabs(v) > 9e15) {
            free(Q);
            return base_error(DLA_ERR_UNSUPPORTED, "lowering: SDP constant %g is out of the INT8 datapath's range "
                              "(domain scale %g)", opd_at(&x->opd, c), s[c]);
        }
        Q[c] = lw_rhaz(v);
        qmax = llabs(Q[c]) > qmax ? llabs(Q[c]) : qmax;
    }
    int sh = 0;
    while (sh < 62) {
        int ok = 1;
        for (int c = 0; c < C && ok; c++)
            ok = llabs(eng_rhaz_shift(Q[c], sh)) <= 32767;
        if (ok)
            break;
        sh++;
    }
    for (int c = 0; c < C; c++)
        ops[c] = (double)eng_rhaz_shift(Q[c], sh);
    free(Q);
    if (is_y) {
        if (sh > 14)
            return base_error(DLA_ERR_UNSUPPORTED, "lowering: Y-stage constant needs a converter scale 2^%d (limit "
                              "2^14)", sh);
        st->alu_cvt.enable = 1;
        st->alu_cvt.scale = (int16_t)(1 << sh);
        st->alu_cvt.truncate = 0;
        st->alu_cvt.offset = 0;
    } else {
        st->shift_value = (uint8_t)sh;
    }
    (void)qmax;
    return DLA_OK;
}

/* INT MUL constant: targets the fine domain; updates s to the new (uniform) domain. */
static dla_status int_mul_const(const lw_prim *x, int C, double *s, double s_fine, uint8_t *trunc, double *ops)
{
    double R = 0;
    for (int c = 0; c < C; c++)
        R = fmax(R, fabs(opd_at(&x->opd, c) * s[c] / s_fine));
    double target = s_fine;
    if (R > 32767.0) {
        target = s_fine * R / 32767.0;
        R = 32767.0;
    }
    if (!isfinite(R))
        return base_error(DLA_ERR_UNSUPPORTED, "lowering: SDP multiplier out of range");
    BASE_TRY(mul_shift(R, trunc));
    for (int c = 0; c < C; c++)
        ops[c] = (double)lw_rhaz(ldexp(opd_at(&x->opd, c) * s[c] / target, *trunc));
    for (int c = 0; c < C; c++)
        s[c] = target;
    return DLA_OK;
}

static dla_status int_prelu(const lw_prim *x, int C, uint8_t *trunc, double *ops)
{
    double A = 0;
    for (int c = 0; c < C; c++)
        A = fmax(A, fabs(opd_at(&x->opd, c)));
    if (A > 32767.0)
        return base_error(DLA_ERR_UNSUPPORTED, "lowering: PReLU slope %g exceeds the INT16 multiplier", A);
    BASE_TRY(mul_shift(A, trunc));
    for (int c = 0; c < C; c++)
        ops[c] = (double)lw_rhaz(ldexp(opd_at(&x->opd, c), *trunc));
    return DLA_OK;
}

static int uniform(const double *s, int C)
{
    for (int c = 1; c < C; c++)
        if (s[c] != s[0])
            return 0;
    return 1;
}

static dla_status point_cube(const lw_task *k, const lw_opd *o, cc_prec prec, eng_cube *cube, double *s2)
{
    cc_surface sf;
    BASE_TRY(cc_tb_surface(k->tb, o->t, &sf));
    if (sf.prec != prec)
        return base_error(DLA_ERR_UNSUPPORTED, "lowering: second operand '%s' is %s; the group runs %s", o->t->name,
                          sf.prec == CC_PREC_INT8 ? "INT8" : "FP16", prec == CC_PREC_INT8 ? "INT8" : "FP16");
    *cube = lw_cube(&sf, 0, 0, 0, 0, 0, 0);
    *s2 = sf.scale;
    if (prec == CC_PREC_INT8)
        return lw_scale(k, o->t, s2);
    return DLA_OK;
}

/* A C x 1 x 1 surface read as a PARAM array (its packed FEATURE bytes are [C] elements). */
static dla_status csurf_cube(const lw_task *k, const lw_opd *o, cc_prec prec, int C, eng_cube *cube, double *s2)
{
    cc_surface sf;
    BASE_TRY(cc_tb_surface(k->tb, o->t, &sf));
    int bpe = sf.geom.elem_bytes;
    if (sf.prec != prec || sf.geom.layout != ENG_LAYOUT_FEATURE || sf.geom.h != 1 || sf.geom.w != 1 ||
        (sf.geom.surfaces > 1 && sf.geom.surf_stride != ENG_ATOM_BYTES) || (int)sf.geom.c != C)
        return base_error(DLA_ERR_UNSUPPORTED, "lowering: per-channel operand '%s' is not a packed %d x 1 x 1 cube of "
                          "the group's precision", o->t->name, C);
    memset(cube, 0, sizeof *cube);
    cube->mem_type = ENG_MEM_DRAM;
    cube->layout = ENG_LAYOUT_PARAM;
    cube->precision = sf.geom.precision;
    cube->mem = sf.mem;
    cube->offset = sf.offset;
    cube->size = (uint32_t)(C * bpe);
    cube->channel = (uint16_t)C;
    cube->width = cube->height = 1;
    *s2 = sf.scale;
    if (prec == CC_PREC_INT8)
        return lw_scale(k, o->t, s2);
    return DLA_OK;
}

static void lut_range(const lw_task *k, const lw_prim *x, double *lo, double *hi)
{
    lw_fn_range(x->fn, lo, hi);
    if (x->lut_in) {
        float s = cc_tb_scale(k->tb, x->lut_in);
        if (s > 0 && cc_tb_prec(k->tb, x->lut_in) == CC_PREC_INT8) {
            *lo = -128.0 * s;
            *hi = 128.0 * s;
        }
    }
}

dla_status lw_sdp_build(const lw_task *k, const char *name, const lw_sdp_prog *p, const lw_sdp_front *f,
                        eng_sdp_op *sd)
{
    int alu[3], mul[3], act[3], C = p->C, fp = p->prec == CC_PREC_FP16;
    if (lw_prog_pack(p, alu, mul, act) != p->n)
        return base_error(DLA_ERR_INTERNAL, "lowering '%s': SDP program does not fit", name);
    sd->lut_index = -1;
    eng_sdp_stage *stg[3] = {&sd->x1, &sd->x2, &sd->y};
    eng_cube *cubes[3] = {&sd->x1_data, &sd->x2_data, &sd->y_data};
    blob b = {NULL, 0, 0};
    uint32_t boff[3] = {0, 0, 0};
    int has_param[3] = {0, 0, 0}, comps[3] = {0, 0, 0};
    double *s = malloc(sizeof(double) * (size_t)C), *oa = malloc(sizeof(double) * (size_t)C),
           *om = malloc(sizeof(double) * (size_t)C);
    uint16_t *pv = malloc(sizeof(uint16_t) * 2 * (size_t)C);
    dla_status st = DLA_OK;
    if (!s || !oa || !om || !pv) {
        st = base_error(DLA_ERR_NOMEM, "lowering: out of memory");
        goto out;
    }
    double s_fine = 0;
    if (!fp) {
        for (int c = 0; c < C; c++)
            s[c] = f->s_acc ? f->s_acc[c] : f->s_in;
        s_fine = ldexp(f->s_out, -LW_FINE_BITS);
    }
    for (int i = 0; i < 3 && st == DLA_OK; i++) {
        eng_sdp_stage *g = stg[i];
        memset(g, 0, sizeof *g);
        if (alu[i] < 0 && mul[i] < 0 && act[i] < 0)
            continue;
        int is_y = i == 2;
        const lw_prim *pa = alu[i] >= 0 ? &p->p[alu[i]] : NULL, *pm = mul[i] >= 0 ? &p->p[mul[i]] : NULL;
        const lw_prim *pt = act[i] >= 0 ? &p->p[act[i]] : NULL;
        if (pt && pt->type == LW_P_PRELU)
            pm = pt; /* PRELU's slope is the MUL operand */
        g->enable = 1;
        g->kind = (uint8_t)((pa ? ENG_SDP_ADD : 0) | (pm ? ENG_SDP_MUL : 0));
        g->alu_type = (uint8_t)(pa ? pa->alu : 0);
        g->precision = (uint8_t)(fp ? ENG_FP16 : ENG_INT16);
        g->act = (uint8_t)(!pt ? ENG_ACT_NONE : pt->type == LW_P_RELU ? ENG_ACT_RELU
                           : pt->type == LW_P_PRELU ? ENG_ACT_PRELU : ENG_ACT_LUT);
        int point = (pa && pa->opd.kind == LW_OPD_POINT) || (pm && pm->opd.kind == LW_OPD_POINT);
        int csurf = (pa && pa->opd.kind == LW_OPD_CSURF) || (pm && pm->opd.kind == LW_OPD_CSURF);
        if (csurf) {
            const lw_prim *pp = pa ? pa : pm;
            double s2 = 0;
            g->mode = ENG_SDP_PER_KERNEL;
            st = csurf_cube(k, &pp->opd, p->prec, C, cubes[i], &s2);
            if (st != DLA_OK)
                break;
            g->precision = cubes[i]->precision;
            if (!fp && !uniform(s, C)) {
                st = base_error(DLA_ERR_INTERNAL, "lowering '%s': per-channel surface before the rescale", name);
                break;
            }
            if (!fp && pa) {
                double ratio = s2 / s[0];
                if (fabs(ratio) > 32767.0) {
                    st = base_error(DLA_ERR_UNSUPPORTED, "lowering '%s': per-channel operand scale %g is %g times the "
                                    "data's fine domain (converter limit 32767)", name, s2, fabs(ratio));
                    break;
                }
                g->alu_cvt.enable = 1;
                st = eng_scale_shift(ratio, 63, &g->alu_cvt.scale, &g->alu_cvt.truncate);
            } else if (!fp) {
                double d = s_fine / (s[0] * s2);
                int t = d >= 1.0 ? (int)floor(log2(d)) : 0;
                t = t > 63 ? 63 : t;
                g->truncate = (uint8_t)t;
                double sn = s[0] * s2 * ldexp(1.0, t);
                for (int c = 0; c < C; c++)
                    s[c] = sn;
            }
        } else if (point) {
            const lw_prim *pp = pa ? pa : pm;
            double s2 = 0;
            g->mode = ENG_SDP_PER_POINT;
            st = point_cube(k, &pp->opd, p->prec, cubes[i], &s2);
            if (st != DLA_OK)
                break;
            g->precision = cubes[i]->precision;
            if (!fp && pa) {
                if (!uniform(s, C)) {
                    st = base_error(DLA_ERR_INTERNAL, "lowering '%s': per-point add before the rescale", name);
                    break;
                }
                double ratio = (pa->opd.neg ? -s2 : s2) / s[0];
                if (fabs(ratio) > 32767.0) {
                    st = base_error(DLA_ERR_UNSUPPORTED, "lowering '%s': second input scale %g is %g times the "
                                    "data's fine domain (converter limit 32767)", name, s2, fabs(ratio));
                    break;
                }
                g->alu_cvt.enable = 1;
                st = eng_scale_shift(ratio, 63, &g->alu_cvt.scale, &g->alu_cvt.truncate);
            } else if (!fp) {
                double d = s_fine / (s[0] * s2);
                int t = d >= 1.0 ? (int)floor(log2(d)) : 0;
                t = t > 63 ? 63 : t;
                g->truncate = (uint8_t)t;
                double sn = s[0] * s2 * ldexp(1.0, t);
                for (int c = 0; c < C; c++)
                    s[c] = sn;
            }
        } else if (pa || pm) {
            g->mode = ENG_SDP_PER_KERNEL;
            if (fp) {
                for (int c = 0; c < C; c++) {
                    if (pa)
                        oa[c] = opd_at(&pa->opd, c);
                    if (pm)
                        om[c] = opd_at(&pm->opd, c);
                }
            } else {
                if (pa)
                    st = int_alu_const(pa, C, s, is_y, g, oa);
                if (st == DLA_OK && pm && pm->type == LW_P_PRELU)
                    st = int_prelu(pm, C, &g->truncate, om);
                else if (st == DLA_OK && pm)
                    st = int_mul_const(pm, C, s, s_fine, &g->truncate, om);
            }
            if (st != DLA_OK)
                break;
            comps[i] = pa && pm ? 2 : 1;
            for (int c = 0; c < C; c++) {
                double v[2];
                int nv = 0;
                if (pa)
                    v[nv++] = oa[c];
                if (pm)
                    v[nv++] = om[c];
                for (int j = 0; j < nv; j++)
                    pv[(size_t)c * comps[i] + j] = fp ? eng_f64_to_fp16(v[j], NULL) : (uint16_t)(int16_t)v[j];
            }
            if (!blob_put(&b, pv, (size_t)C * comps[i], &boff[i])) {
                st = base_error(DLA_ERR_NOMEM, "lowering: out of memory");
                break;
            }
            has_param[i] = 1;
        }
        if (st == DLA_OK && pt && pt->type == LW_P_LUT) {
            eng_lut lut;
            double lo, hi;
            lut_range(k, pt, &lo, &hi);
            if (fp) {
                st = lw_lut_fp(pt->fn, pt->fa, pt->fb, lo, hi, &lut);
            } else {
                double s_lut = 0;
                if (!uniform(s, C))
                    st = base_error(DLA_ERR_INTERNAL, "lowering '%s': LUT before the rescale", name);
                if (st == DLA_OK)
                    st = lw_lut_int(pt->fn, pt->fa, pt->fb, s[0], lo, hi, s_fine, &lut, &s_lut);
                for (int c = 0; c < C; c++)
                    s[c] = s_lut;
            }
            if (st == DLA_OK)
                st = cc_tb_lut(k->tb, &lut, &sd->lut_index);
        }
    }
    if (st == DLA_OK && b.size) {
        int16_t mem;
        char cname[600];
        snprintf(cname, sizeof cname, "%s/sdp_operands", name);
        st = cc_tb_const(k->tb, cname, b.data, b.size, &mem);
        for (int i = 0; st == DLA_OK && i < 3; i++) {
            if (!has_param[i])
                continue;
            eng_cube *cb = cubes[i];
            memset(cb, 0, sizeof *cb);
            cb->mem_type = ENG_MEM_DRAM;
            cb->layout = ENG_LAYOUT_PARAM;
            cb->precision = (uint8_t)(fp ? ENG_FP16 : ENG_INT16);
            cb->mem = mem;
            cb->offset = boff[i];
            cb->size = (uint32_t)((size_t)C * comps[i] * 2);
            cb->channel = (uint16_t)C;
            cb->width = cb->height = 1;
        }
    }
    if (st == DLA_OK && fp && p->n && p->p[p->n - 1].type == LW_P_NEGOUT) {
        sd->out_cvt.enable = 1; /* FP path: (x - 0) * -1 * 2^0 */
        sd->out_cvt.scale = -1;
        sd->out_cvt.truncate = 0;
        sd->out_cvt.offset = 0;
    }
    if (st == DLA_OK && !fp) {
        if (!uniform(s, C)) {
            st = base_error(DLA_ERR_INTERNAL, "lowering '%s': INT8 SDP ends without a per-tensor domain", name);
        } else {
            double r = s[0] / f->s_out;
            if (r > 32767.0)
                st = base_error(DLA_ERR_UNSUPPORTED, "lowering '%s': output converter ratio %g exceeds 32767", name, r);
            else
                st = eng_scale_shift(r, 63, &sd->out_cvt.scale, &sd->out_cvt.truncate);
            sd->out_cvt.enable = 1;
            sd->out_cvt.offset = 0;
        }
    }
out:
    free(b.data);
    free(s);
    free(oa);
    free(om);
    free(pv);
    return st;
}

void lw_sdp_restrict(eng_sdp_op *sd, const lw_task *k, const lw_sdp_prog *p, int c0, int nc, int h0, int nh)
{
    eng_sdp_stage *stg[3] = {&sd->x1, &sd->x2, &sd->y};
    eng_cube *cubes[3] = {&sd->x1_data, &sd->x2_data, &sd->y_data};
    for (int i = 0; i < 3; i++) {
        if (!stg[i]->enable || stg[i]->kind == ENG_SDP_NONE)
            continue;
        if (stg[i]->mode == ENG_SDP_PER_KERNEL) {
            int comps = stg[i]->kind == ENG_SDP_BOTH ? 2 : 1, bpe = eng_prec_bytes(cubes[i]->precision);
            cubes[i]->offset += (uint32_t)(c0 * comps * bpe);
            cubes[i]->size = (uint32_t)(nc * comps * bpe);
            cubes[i]->channel = (uint16_t)nc;
        } else if (stg[i]->mode == ENG_SDP_PER_POINT) {
            for (int j = 0; j < p->n; j++)
                if (p->p[j].opd.kind == LW_OPD_POINT) {
                    cc_surface sf;
                    if (cc_tb_surface(k->tb, p->p[j].opd.t, &sf) == DLA_OK)
                        *cubes[i] = lw_cube(&sf, c0, nc, h0, nh, 0, 0);
                    break;
                }
        }
    }
}
