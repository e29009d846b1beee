/* lowering: pooling on the PDP (MaxPool, AveragePool, and their global forms when H, W <= 8).
 *
 * Limits (engine.md §1.1, pdp.c): window 1..8, stride 1..16, pads 0..7 and smaller than the window; dilation 1.
 * ceil_mode's extra output row/column becomes extra end padding (max pooling: padded positions never win;
 * average pooling only when no extra window is needed, since the PDP counts padding). Average pooling is
 * count-include-pad with pad value 0 (padding_value[k-1] = 0: symmetric INT8 has no offset); exclusive padding
 * (count_include_pad 0 with pads) is refused. INT path: Q0.16 reciprocals round(65536 / window).
 * Fused after an SDP (on the fly) when the pooled row fits the PDP's 7 KB line buffer: W_out * 32 bytes <= 7168.
 * A standalone INT8 pooling whose output scale differs from its input's pools into a scratch cube and
 * requantizes with an SDP copy (the PDP cannot rescale).
 */
#include "compiler/lower.h"
#include "engine/format.h"
#include "ir/pool_geom.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int no(char *reason, size_t size, const char *fmt, long v)
{
    snprintf(reason, size, fmt, v);
    return 0;
}

int lw_pool_desc(const lw_task *k, const ir_node *n, cc_prec prec, eng_pdp_op *pd, char *reason, size_t size)
{
    (void)k;
    memset(pd, 0, sizeof *pd);
    const ir_tensor *x = n->in[0];
    if (!x || x->rank != 4)
        return no(reason, size, "pooling input must be 4-D (rank %ld)", x ? x->rank : -1);
    int kh, kw, sy = 1, sx = 1, pt = 0, pl = 0, pb = 0, pr = 0;
    int avg = n->op == IR_OP_AveragePool || n->op == IR_OP_GlobalAveragePool;
    if (n->op == IR_OP_GlobalAveragePool || n->op == IR_OP_GlobalMaxPool) {
        kh = (int)x->dims[2];
        kw = (int)x->dims[3];
    } else {
        if (n->n_out > 1 && n->out[1])
            return no(reason, size, "MaxPool's Indices output is not supported (%ld)", 1);
        ir_pool_geom g;
        if (ir_pool_geom_get(n, x, &g) != DLA_OK || g.nsp != 2)
            return no(reason, size, "pooling geometry unsupported (%ld spatial dims)", g.nsp);
        if (g.d[0] != 1 || g.d[1] != 1)
            return no(reason, size, "pooling dilation %ld is not supported", (long)(g.d[0] != 1 ? g.d[0] : g.d[1]));
        kh = (int)g.k[0];
        kw = (int)g.k[1];
        sy = (int)g.s[0];
        sx = (int)g.s[1];
        pt = (int)g.pb[0];
        pl = (int)g.pb[1];
        pb = (int)g.pe[0];
        pr = (int)g.pe[1];
        /* ceil_mode: extend the end pads until the floor formula gives the output size */
        int need_b = (int)((g.out[0] - 1) * sy + kh - (g.in[0] + pt)), need_r = (int)((g.out[1] - 1) * sx + kw - (g.in[1] + pl));
        if (need_b > pb || need_r > pr) {
            if (avg)
                return no(reason, size, "average pooling with ceil_mode needs an extra partial window (%ld)", 1);
            pb = need_b > pb ? need_b : pb;
            pr = need_r > pr ? need_r : pr;
        }
        if (avg && (pt || pl || pb || pr) && !ir_attr_int(n, "count_include_pad", 0))
            return no(reason, size, "average pooling excludes padding (count_include_pad %ld); the PDP counts it", 0);
    }
    if (kh < 1 || kh > 8 || kw < 1 || kw > 8)
        return no(reason, size, "pooling window %ld exceeds the PDP limit of 8", kh > kw ? kh : kw);
    if (sy > 16 || sx > 16)
        return no(reason, size, "pooling stride %ld exceeds the PDP limit of 16", sy > sx ? sy : sx);
    if (pt > 7 || pl > 7 || pb > 7 || pr > 7 || pt >= kh || pb >= kh || pl >= kw || pr >= kw)
        return no(reason, size, "pooling pads (up to %ld) must be at most 7 and smaller than the window", pt > pb ? pt : pb);
    pd->pool_mode = (uint8_t)(avg ? ENG_POOL_AVG : ENG_POOL_MAX);
    pd->precision = (uint8_t)lw_eprec(prec);
    pd->pool_width = (uint8_t)kw;
    pd->pool_height = (uint8_t)kh;
    pd->stride_x = (uint8_t)sx;
    pd->stride_y = (uint8_t)sy;
    pd->pad_left = (uint8_t)pl;
    pd->pad_right = (uint8_t)pr;
    pd->pad_top = (uint8_t)pt;
    pd->pad_bottom = (uint8_t)pb;
    if (avg && prec == CC_PREC_INT8) {
        pd->recip_width = kw > 1 ? (uint16_t)lw_rhaz(65536.0 / kw) : 0;
        pd->recip_height = kh > 1 ? (uint16_t)lw_rhaz(65536.0 / kh) : 0;
    }
    return 1;
}

int lw_pool_fusable(const eng_pdp_op *pd, int in_w, int channels, cc_prec prec)
{
    (void)channels;
    (void)prec;
    int out_w = (in_w + pd->pad_left + pd->pad_right - pd->pool_width) / pd->stride_x + 1;
    return out_w * ENG_ATOM_BYTES <= 7168;
}

dla_status lw_lower_pool(const lw_task *k, const ir_node *n)
{
    const ir_tensor *x = n->in[0], *y = n->out[0];
    cc_prec prec = cc_tb_prec(k->tb, y);
    if (cc_tb_prec(k->tb, x) != prec)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input '%s' and output differ in precision; the PDP does not "
                             "convert (engine.md §1.6 item 11)", x->name);
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_PDP;
    char why[200];
    if (!lw_pool_desc(k, n, prec, &op.u.pdp, why, sizeof why))
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "cannot lower to the PDP: %s", why);
    cc_surface src, dst;
    BASE_TRY(cc_tb_surface(k->tb, x, &src));
    BASE_TRY(cc_tb_surface(k->tb, y, &dst));
    const char *pr = prec == CC_PREC_INT8 ? "INT8" : "FP16";
    op.u.pdp.src = lw_cube(&src, 0, 0, 0, 0, 0, 0);
    int requant = 0;
    if (prec == CC_PREC_INT8) {
        double si, so;
        BASE_TRY(lw_scale(k, x, &si));
        BASE_TRY(lw_scale(k, y, &so));
        requant = fabs(si / so - 1.0) > 1e-6;
    }
    if (!requant) {
        op.u.pdp.dst = lw_cube(&dst, 0, 0, 0, 0, 0, 0);
        BASE_TRY(cc_tb_add_op(k->tb, &op, n->name, pr));
    } else {
        cc_surface tmp;
        char nm[300];
        snprintf(nm, sizeof nm, "%s/pooled", n->name);
        eng_geom tg;
        BASE_TRY(eng_geom_make((int)dst.geom.c, (int)dst.geom.h, (int)dst.geom.w, ENG_INT8, ENG_LAYOUT_FEATURE, &tg));
        BASE_TRY(cc_tb_scratch(k->tb, nm, &tg, &tmp));
        tmp.prec = prec;
        tmp.scale = src.scale;
        op.u.pdp.dst = lw_cube(&tmp, 0, 0, 0, 0, 0, 0);
        BASE_TRY(cc_tb_add_op(k->tb, &op, n->name, pr));
        BASE_TRY(lw_emit_sdp_copy(k, n->name, &tmp, &dst, y));
    }
    cc_tb_mark(k->tb, n);
    return DLA_OK;
}

/* LRN across channels on the CDP: y = x * f(sum of squares over `size` channels), f from the LUT (lower_lut.c);
 * INT8: the CDP's in converter is off (v = x), the table holds 2^k f(s_in^2 * s) and out_cvt = eng_scale_shift(
 * s_in * 2^-k / s_out). */
dla_status lw_lower_lrn(const lw_task *k, const ir_node *n)
{
    const ir_tensor *x = n->in[0], *y = n->out[0];
    int size = (int)ir_attr_int(n, "size", 0);
    if (size != 3 && size != 5 && size != 7 && size != 9)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "LRN size %d; the CDP supports 3, 5, 7, 9", size);
    double alpha = ir_attr_float(n, "alpha", 1e-4f), beta = ir_attr_float(n, "beta", 0.75f),
           bias = ir_attr_float(n, "bias", 1.0f);
    cc_prec prec = cc_tb_prec(k->tb, y);
    if (cc_tb_prec(k->tb, x) != prec)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input and output differ in precision (the CDP converts none)");
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_CDP;
    eng_cdp_op *cd = &op.u.cdp;
    cd->in_precision = cd->out_precision = (uint8_t)lw_eprec(prec);
    cd->local_size = (uint8_t)size;
    eng_lut lut;
    if (prec == CC_PREC_FP16) {
        BASE_TRY(lw_lut_lrn_fp(bias, alpha / size, beta, &lut));
    } else {
        double si, so;
        int kk;
        BASE_TRY(lw_scale(k, x, &si));
        BASE_TRY(lw_scale(k, y, &so));
        BASE_TRY(lw_lut_lrn_int(bias, alpha / size, beta, si, size, &lut, &kk));
        double r = si * ldexp(1.0, -kk) / so;
        if (r > 32767.0)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "LRN output ratio %g exceeds the converter", r);
        cd->out_cvt.enable = 1;
        BASE_TRY(eng_scale_shift(r, 63, &cd->out_cvt.scale, &cd->out_cvt.truncate));
    }
    BASE_TRY(cc_tb_lut(k->tb, &lut, &cd->lut_index));
    cc_surface src, dst;
    BASE_TRY(cc_tb_surface(k->tb, x, &src));
    BASE_TRY(cc_tb_surface(k->tb, y, &dst));
    cd->src = lw_cube(&src, 0, 0, 0, 0, 0, 0);
    cd->dst = lw_cube(&dst, 0, 0, 0, 0, 0, 0);
    BASE_TRY(cc_tb_add_op(k->tb, &op, n->name, prec == CC_PREC_INT8 ? "INT8" : "FP16"));
    cc_tb_mark(k->tb, n);
    return DLA_OK;
}
