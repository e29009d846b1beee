/* lowering: layout nodes — Concat, Slice, Reshape-like, Transpose, Resize, Identity/Dropout/Cast.
 *
 * Aliases (planned before any op is lowered, lw_plan_aliases):
 *   - Concat on C: an input produced and consumed only inside the task (its one consumer the Concat), of the
 *     output's precision (INT8: the same scale), whose channel offset is a multiple of the atom (32 INT8 / 16
 *     FP16 channels), becomes an alias of the output at byte offset (offset / atom) * surf_stride: its producer
 *     writes straight into the concatenated cube. The Concat output must itself be internal (its packed FEATURE
 *     geometry is then known: eng_geom_make). Inputs that cannot alias are copied when the Concat is lowered.
 *   - Reshape / Flatten / Squeeze / Unsqueeze / Identity / Dropout / float Cast whose input and output map to the
 *     same cube (lower.h's mapping), both internal, same precision and scale: the output aliases the input.
 * Copies: Concat inputs and whole-cube copies as BDMA transfers (line = W * 32 bytes, H lines, one surface per
 * atom of channels; 20 transfers per op), or an SDP copy when INT8 scales differ; Slice with step 1 on C (start
 * on an atom boundary), H and W as one BDMA transfer; other reshapes as a RUBIK reshape; Transpose as a RUBIK
 * transpose (ranks < 4 padded with trailing unit axes); Resize / Upsample with integer H, W scales as a RUBIK
 * resize (nearest or linear half-pixel).
 */
#include "compiler/lower.h"
#include "engine/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int lw_is_layout_op(int op)
{
    switch (op) {
    case IR_OP_Concat: case IR_OP_Slice: case IR_OP_Reshape: case IR_OP_Flatten: case IR_OP_Squeeze:
    case IR_OP_Unsqueeze: case IR_OP_Transpose: case IR_OP_Resize: case IR_OP_Upsample: case IR_OP_Identity:
    case IR_OP_Dropout: case IR_OP_Cast: case IR_OP_CastLike:
        return 1;
    default:
        return 0;
    }
}

static int same_quant(const lw_task *k, const ir_tensor *a, const ir_tensor *b)
{
    cc_prec pa = cc_tb_prec(k->tb, a), pb = cc_tb_prec(k->tb, b);
    if (pa != pb)
        return 0;
    if (pa == CC_PREC_FP16)
        return 1;
    double sa = cc_tb_scale(k->tb, a), sb = cc_tb_scale(k->tb, b);
    return sa > 0 && sb > 0 && fabs(sa / sb - 1.0) <= 1e-6;
}

static int concat_axis(const ir_node *n)
{
    const ir_tensor *y = n->out[0];
    int64_t ax = ir_attr_int(n, "axis", 1);
    if (ax < 0)
        ax += y->rank;
    return (int)ax;
}

static int is_copy_like(int op)
{
    return op == IR_OP_Reshape || op == IR_OP_Flatten || op == IR_OP_Squeeze || op == IR_OP_Unsqueeze ||
           op == IR_OP_Identity || op == IR_OP_Dropout || op == IR_OP_Cast || op == IR_OP_CastLike;
}

static int same_cube(const ir_tensor *a, const ir_tensor *b)
{
    int c1, h1, w1, c2, h2, w2;
    lw_chw(a, &c1, &h1, &w1);
    lw_chw(b, &c2, &h2, &w2);
    return c1 == c2 && h1 == h2 && w1 == w2 && (a->rank < 2 || b->rank < 2 || a->dims[0] == b->dims[0]);
}

/* 1 when every input of a channel Concat starts on an atom boundary. */
static int concat_aligned(const ir_node *n, int atom)
{
    int off = 0;
    for (int j = 0; j < n->n_in; j++) {
        int c, h, w;
        lw_chw(n->in[j], &c, &h, &w);
        if (off % atom)
            return 0;
        off += c;
    }
    return 1;
}

dla_status lw_plan_aliases(lw_task *k)
{
    for (int i = 0; i < k->n; i++) {
        const ir_node *n = k->g->nodes[k->ids[i]];
        if (n->op == IR_OP_Concat && n->out[0] && n->out[0]->rank >= 2 && concat_axis(n) == 1 &&
            lw_internal(k, n->out[0]) && !k->t_aliased[n->out[0]->id]) {
            const ir_tensor *y = n->out[0];
            cc_prec prec = cc_tb_prec(k->tb, y);
            int ep = lw_eprec(prec), atom = eng_feat_atom(ep), C, H, W, off = 0, all = 1;
            lw_chw(y, &C, &H, &W);
            eng_geom g;
            if (eng_geom_make(C, H, W, (eng_precision)ep, ENG_LAYOUT_FEATURE, &g) != DLA_OK || !concat_aligned(n, atom))
                continue;
            for (int j = 0; j < n->n_in; j++) {
                const ir_tensor *x = n->in[j];
                int c, h, w, dup = 0;
                lw_chw(x, &c, &h, &w);
                for (int m = 0; m < n->n_in; m++)
                    dup |= m != j && n->in[m] == x;
                int ok = !dup && lw_internal(k, x) && lw_sole_consumer(k, x) == n && same_quant(k, x, y) &&
                         off % atom == 0 && (c % atom == 0 || j == n->n_in - 1) && !k->t_aliased[x->id];
                if (ok) {
                    BASE_TRY(cc_tb_alias(k->tb, x, y, (uint32_t)(off / atom) * g.surf_stride));
                    k->t_aliased[x->id] = 1;
                } else {
                    all = 0;
                }
                off += c;
            }
            if (all)
                k->aliased[n->id] = 1;
            continue;
        }
        if (is_copy_like(n->op) && n->out[0] && n->in[0] && (n->n_out < 2 || !n->out[1]) &&
            lw_internal(k, n->in[0]) && lw_internal(k, n->out[0]) && same_cube(n->in[0], n->out[0]) &&
            same_quant(k, n->in[0], n->out[0]) && !k->t_aliased[n->out[0]->id] &&
            (n->op != IR_OP_Cast || (ir_dtype_is_float(n->in[0]->dtype) && ir_dtype_is_float(n->out[0]->dtype)))) {
            BASE_TRY(cc_tb_alias(k->tb, n->out[0], n->in[0], 0));
            k->t_aliased[n->out[0]->id] = 1;
            k->aliased[n->id] = 1;
        }
    }
    return DLA_OK;
}

/* ---- BDMA ----------------------------------------------------------------------------------------------- */

static dla_status feature_only(const ir_node *n, const cc_surface *s, const char *what)
{
    if (s->geom.layout != ENG_LAYOUT_FEATURE)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "%s is not in the native FEATURE layout (layout %u)", what,
                             s->geom.layout);
    return DLA_OK;
}

/* Where a data movement of x into y writes: y's surface, or (INT8 with a different scale: BDMA and RUBIK copy bits)
 * a scratch cube in x's scale that an SDP copy then requantizes into y (*requant = 1). */
static dla_status move_target(const lw_task *k, const ir_node *n, const ir_tensor *x, const ir_tensor *y,
                              cc_surface *dst, cc_surface *tmp, int *requant)
{
    BASE_TRY(cc_tb_surface(k->tb, y, dst));
    *requant = 0;
    if (cc_tb_prec(k->tb, x) != dst->prec)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input '%s' and the output differ in precision", x->name);
    if (same_quant(k, x, y))
        return DLA_OK;
    eng_geom g;
    char nm[300];
    snprintf(nm, sizeof nm, "%s/moved", n->name);
    BASE_TRY(eng_geom_make((int)dst->geom.c, (int)dst->geom.h, (int)dst->geom.w, ENG_INT8, ENG_LAYOUT_FEATURE, &g));
    BASE_TRY(cc_tb_scratch(k->tb, nm, &g, tmp));
    tmp->prec = CC_PREC_INT8;
    tmp->scale = cc_tb_scale(k->tb, x);
    *requant = 1;
    return DLA_OK;
}

/* Transfer of channels [c0, c0+nc) x rows [h0, h0+nh) x cols [w0, w0+nw) of src to dst at channel dc0. */
static eng_bdma_transfer xfer(const cc_surface *src, int c0, int nc, int h0, int nh, int w0, int nw,
                              const cc_surface *dst, int dc0)
{
    eng_bdma_transfer t;
    memset(&t, 0, sizeof t);
    int atom = src->geom.atom_c;
    t.src_mem = src->mem;
    t.dst_mem = dst->mem;
    t.src_offset = src->offset + (uint32_t)eng_geom_at(&src->geom, (uint32_t)c0, (uint32_t)h0, (uint32_t)w0);
    t.dst_offset = dst->offset + (uint32_t)eng_geom_at(&dst->geom, (uint32_t)dc0, 0, 0);
    t.line_size = (uint32_t)nw * ENG_ATOM_BYTES;
    t.line_repeat = (uint32_t)nh;
    t.src_line_stride = src->geom.line_stride;
    t.dst_line_stride = dst->geom.line_stride;
    t.surface_repeat = (uint32_t)((nc + atom - 1) / atom);
    t.src_surface_stride = src->geom.surf_stride;
    t.dst_surface_stride = dst->geom.surf_stride;
    return t;
}

static dla_status add_bdma(const lw_task *k, const ir_node *n, const eng_bdma_transfer *t, int nt, cc_prec prec)
{
    for (int i = 0; i < nt; i += ENG_BDMA_MAX_TRANSFERS) {
        eng_op op;
        memset(&op, 0, sizeof op);
        op.type = ENG_OP_BDMA;
        int m = nt - i < ENG_BDMA_MAX_TRANSFERS ? nt - i : ENG_BDMA_MAX_TRANSFERS;
        op.u.bdma.num_transfers = (uint16_t)m;
        memcpy(op.u.bdma.transfers, t + i, sizeof *t * (size_t)m);
        BASE_TRY(cc_tb_add_op(k->tb, &op, n->name, prec == CC_PREC_INT8 ? "INT8" : "FP16"));
    }
    return DLA_OK;
}

static dla_status scratch(const lw_task *k, const ir_node *n, const char *what, int c, int h, int w, cc_prec prec,
                          float scale, cc_surface *out)
{
    eng_geom g;
    char nm[300];
    snprintf(nm, sizeof nm, "%s/%s", n->name, what);
    BASE_TRY(eng_geom_make(c, h, w, (eng_precision)lw_eprec(prec), ENG_LAYOUT_FEATURE, &g));
    BASE_TRY(cc_tb_scratch(k->tb, nm, &g, out));
    out->prec = prec;
    out->scale = scale;
    return DLA_OK;
}

static dla_status add_rubik(const lw_task *k, const ir_node *n, const cc_surface *src, const cc_surface *dst,
                            const uint8_t perm[4])
{
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_RUBIK;
    op.u.rubik.mode = ENG_RUBIK_TRANSPOSE;
    op.u.rubik.precision = (uint8_t)lw_eprec(dst->prec);
    memcpy(op.u.rubik.perm, perm, 4);
    op.u.rubik.src = lw_cube(src, 0, 0, 0, 0, 0, 0);
    op.u.rubik.dst = lw_cube(dst, 0, 0, 0, 0, 0, 0);
    return cc_tb_add_op(k->tb, &op, n->name, dst->prec == CC_PREC_INT8 ? "INT8" : "FP16");
}

/* Concat on C whose inputs do not start on atoms: each input is transposed to (H, W, C_i) (channels become the
 * width, whose elements are whole atoms), copied at its width offset into an (H, W, C) scratch, which one more
 * transpose turns into the output. INT8 inputs of another scale are requantized in between. */
static dla_status lower_concat_transposed(const lw_task *k, const ir_node *n, const cc_surface *dst)
{
    static const uint8_t to_hwc[4] = {0, 2, 3, 1}, to_chw[4] = {0, 3, 1, 2};
    const ir_tensor *y = n->out[0];
    int C, H, W, off = 0;
    lw_chw(y, &C, &H, &W);
    cc_surface big;
    BASE_TRY(scratch(k, n, "hwc", H, W, C, dst->prec, dst->scale, &big));
    for (int j = 0; j < n->n_in; j++) {
        const ir_tensor *x = n->in[j];
        int c, h, w;
        lw_chw(x, &c, &h, &w);
        cc_surface src, a;
        BASE_TRY(cc_tb_surface(k->tb, x, &src));
        if (src.prec != dst->prec)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input '%s' and the output differ in precision", x->name);
        BASE_TRY(scratch(k, n, "in_hwc", H, W, c, src.prec, src.scale, &a));
        BASE_TRY(add_rubik(k, n, &src, &a, to_hwc));
        if (dst->prec == CC_PREC_INT8 && !same_quant(k, x, y)) {
            cc_surface b;
            BASE_TRY(scratch(k, n, "in_hwc_rq", H, W, c, dst->prec, dst->scale, &b));
            BASE_TRY(lw_emit_sdp_copy(k, n->name, &a, &b, y));
            a = b;
        }
        eng_bdma_transfer t;
        memset(&t, 0, sizeof t);
        t.src_mem = a.mem;
        t.dst_mem = big.mem;
        t.src_offset = a.offset;
        t.dst_offset = big.offset + (uint32_t)eng_geom_at(&big.geom, 0, 0, (uint32_t)off);
        t.line_size = (uint32_t)c * ENG_ATOM_BYTES;
        t.line_repeat = (uint32_t)W;
        t.src_line_stride = a.geom.line_stride;
        t.dst_line_stride = big.geom.line_stride;
        t.surface_repeat = a.geom.surfaces;
        t.src_surface_stride = a.geom.surf_stride;
        t.dst_surface_stride = big.geom.surf_stride;
        BASE_TRY(add_bdma(k, n, &t, 1, dst->prec));
        off += c;
    }
    BASE_TRY(add_rubik(k, n, &big, dst, to_chw));
    cc_tb_mark(k->tb, n);
    return DLA_OK;
}

static dla_status lower_concat(const lw_task *k, const ir_node *n)
{
    const ir_tensor *y = n->out[0];
    if (y->rank < 2 || concat_axis(n) != 1)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "Concat lowers on the channel axis only (axis %d)", concat_axis(n));
    cc_surface dst;
    BASE_TRY(cc_tb_surface(k->tb, y, &dst));
    BASE_TRY(feature_only(n, &dst, "the output"));
    cc_prec prec = dst.prec;
    int atom = dst.geom.atom_c, off = 0, nt = 0;
    if (!concat_aligned(n, atom))
        return lower_concat_transposed(k, n, &dst);
    eng_bdma_transfer t[64];
    for (int j = 0; j < n->n_in; j++) {
        const ir_tensor *x = n->in[j];
        int c, h, w;
        lw_chw(x, &c, &h, &w);
        if (k->t_aliased[x->id]) {
            off += c;
            continue;
        }
        if (off % atom)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input %d ('%s') starts at channel %d, not on a %d-channel "
                                 "atom boundary: surface copies cannot shift channels", j, x->name, off, atom);
        if (c % atom && j != n->n_in - 1)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input %d ('%s') has %d channels, not a multiple of %d; "
                                 "the next input would not start on an atom", j, x->name, c, atom);
        cc_surface src;
        BASE_TRY(cc_tb_surface(k->tb, x, &src));
        BASE_TRY(feature_only(n, &src, "an input"));
        if (src.prec != prec)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input '%s' and the output differ in precision", x->name);
        if (prec == CC_PREC_INT8 && !same_quant(k, x, y)) {
            cc_surface sub = dst;
            sub.offset += (uint32_t)(off / atom) * dst.geom.surf_stride;
            sub.geom.c = (uint32_t)c;
            BASE_TRY(lw_emit_sdp_copy(k, n->name, &src, &sub, y));
        } else {
            if (nt >= 64)
                return ir_node_error(n, DLA_ERR_UNSUPPORTED, "more than 64 inputs to copy");
            t[nt++] = xfer(&src, 0, c, 0, h, 0, w, &dst, off);
        }
        off += c;
    }
    BASE_TRY(add_bdma(k, n, t, nt, prec));
    cc_tb_mark(k->tb, n);
    return DLA_OK;
}

/* Reads Slice's starts/ends/axes/steps (opset < 10 attributes, else inputs). */
static int slice_params(const ir_node *n, int64_t *st, int64_t *en, int64_t *ax, int64_t *sp)
{
    int cnt;
    if (n->opset < 10) {
        const int64_t *a = ir_attr_ints(n, "starts", &cnt), *b, *c;
        int ce, ca;
        b = ir_attr_ints(n, "ends", &ce);
        c = ir_attr_ints(n, "axes", &ca);
        if (!a || !b || ce != cnt || cnt > IR_MAX_RANK)
            return -1;
        for (int i = 0; i < cnt; i++) {
            st[i] = a[i];
            en[i] = b[i];
            ax[i] = c && ca == cnt ? c[i] : i;
            sp[i] = 1;
        }
        return cnt;
    }
    cnt = ir_input_ints(n, 1, st, IR_MAX_RANK);
    if (cnt < 0 || ir_input_ints(n, 2, en, IR_MAX_RANK) != cnt)
        return -1;
    if (n->n_in > 3 && n->in[3]) {
        if (ir_input_ints(n, 3, ax, IR_MAX_RANK) != cnt)
            return -1;
    } else {
        for (int i = 0; i < cnt; i++)
            ax[i] = i;
    }
    if (n->n_in > 4 && n->in[4]) {
        if (ir_input_ints(n, 4, sp, IR_MAX_RANK) != cnt)
            return -1;
    } else {
        for (int i = 0; i < cnt; i++)
            sp[i] = 1;
    }
    return cnt;
}

static dla_status lower_slice(const lw_task *k, const ir_node *n)
{
    const ir_tensor *x = n->in[0], *y = n->out[0];
    int64_t st[IR_MAX_RANK], en[IR_MAX_RANK], ax[IR_MAX_RANK], sp[IR_MAX_RANK];
    int cnt = slice_params(n, st, en, ax, sp);
    if (cnt < 0)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "starts/ends/axes/steps must be constants");
    int lo[4] = {0, 0, 0, 0};
    int C, H, W;
    lw_chw(x, &C, &H, &W);
    for (int i = 0; i < cnt; i++) {
        int a = (int)(ax[i] < 0 ? ax[i] + x->rank : ax[i]);
        int64_t d = x->dims[a], s = st[i];
        if (sp[i] != 1)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "slice step %lld (only 1)", (long long)sp[i]);
        if (s < 0)
            s += d;
        s = s < 0 ? 0 : s > d ? d : s;
        int cube_axis = x->rank == 1 ? 1 : a; /* 1 C, 2 H, 3 W */
        if (a == 0 && x->rank > 1) {
            if (s != 0 || y->dims[0] != d)
                return ir_node_error(n, DLA_ERR_UNSUPPORTED, "the batch dim is not sliced on the DLA");
            continue;
        }
        if (cube_axis > 3 || (x->rank > 4))
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "slice axis %d of a rank-%d tensor", a, x->rank);
        lo[cube_axis] = (int)s;
    }
    cc_surface src, dst, tmp;
    int rq;
    BASE_TRY(cc_tb_surface(k->tb, x, &src));
    BASE_TRY(move_target(k, n, x, y, &dst, &tmp, &rq));
    BASE_TRY(feature_only(n, &src, "the input"));
    BASE_TRY(feature_only(n, &dst, "the output"));
    const cc_surface *to = rq ? &tmp : &dst;
    if (lo[1] % (int)src.geom.atom_c) {
        /* channel start inside an atom: slice in the transposed (H, W, C) space, where channels are whole atoms */
        static const uint8_t to_hwc[4] = {0, 2, 3, 1}, to_chw[4] = {0, 3, 1, 2};
        if (lo[2] % (int)src.geom.atom_c)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "slice starts inside an atom on both C (%d) and H (%d)", lo[1],
                                 lo[2]);
        cc_surface a, b;
        BASE_TRY(scratch(k, n, "hwc", (int)src.geom.h, (int)src.geom.w, (int)src.geom.c, src.prec, src.scale, &a));
        BASE_TRY(scratch(k, n, "hwc_slice", (int)dst.geom.h, (int)dst.geom.w, (int)dst.geom.c, src.prec, src.scale, &b));
        BASE_TRY(add_rubik(k, n, &src, &a, to_hwc));
        eng_bdma_transfer t = xfer(&a, lo[2], (int)dst.geom.h, lo[3], (int)dst.geom.w, lo[1], (int)dst.geom.c, &b, 0);
        BASE_TRY(add_bdma(k, n, &t, 1, dst.prec));
        BASE_TRY(add_rubik(k, n, &b, to, to_chw));
        if (rq)
            BASE_TRY(lw_emit_sdp_copy(k, n->name, &tmp, &dst, y));
        cc_tb_mark(k->tb, n);
        return DLA_OK;
    }
    eng_bdma_transfer t = xfer(&src, lo[1], (int)dst.geom.c, lo[2], (int)dst.geom.h, lo[3], (int)dst.geom.w, to, 0);
    BASE_TRY(add_bdma(k, n, &t, 1, dst.prec));
    if (rq)
        BASE_TRY(lw_emit_sdp_copy(k, n->name, &tmp, &dst, y));
    cc_tb_mark(k->tb, n);
    return DLA_OK;
}

static dla_status rubik(const lw_task *k, const ir_node *n, const eng_rubik_op *r)
{
    const ir_tensor *x = n->in[0], *y = n->out[0];
    cc_surface src, dst, tmp;
    int rq;
    BASE_TRY(cc_tb_surface(k->tb, x, &src));
    BASE_TRY(move_target(k, n, x, y, &dst, &tmp, &rq));
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_RUBIK;
    op.u.rubik = *r;
    op.u.rubik.precision = (uint8_t)lw_eprec(dst.prec);
    op.u.rubik.src = lw_cube(&src, 0, 0, 0, 0, 0, 0);
    op.u.rubik.dst = lw_cube(rq ? &tmp : &dst, 0, 0, 0, 0, 0, 0);
    BASE_TRY(cc_tb_add_op(k->tb, &op, n->name, dst.prec == CC_PREC_INT8 ? "INT8" : "FP16"));
    if (rq)
        BASE_TRY(lw_emit_sdp_copy(k, n->name, &tmp, &dst, y));
    cc_tb_mark(k->tb, n);
    return DLA_OK;
}

static dla_status lower_transpose(const lw_task *k, const ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int cnt, r = x->rank;
    const int64_t *perm = ir_attr_ints(n, "perm", &cnt);
    eng_rubik_op ro;
    memset(&ro, 0, sizeof ro);
    ro.mode = ENG_RUBIK_TRANSPOSE;
    if (r < 2 || r > 4)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "transpose of rank %d (2..4)", r);
    for (int i = 0; i < 4; i++)
        ro.perm[i] = (uint8_t)(i < r ? (perm && cnt == r ? perm[i] : r - 1 - i) : i);
    if (x->dims[0] != 1 && ro.perm[0] != 0)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "the batch dim must stay first (batch %lld)", (long long)x->dims[0]);
    return rubik(k, n, &ro);
}

static dla_status lower_resize(const lw_task *k, const ir_node *n)
{
    const ir_tensor *x = n->in[0], *y = n->out[0];
    if (x->rank != 4 || x->dims[0] != y->dims[0] || x->dims[1] != y->dims[1] || y->dims[2] % x->dims[2] ||
        y->dims[3] % x->dims[3])
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "resize needs integer H, W scales and unchanged N, C");
    const char *mode = ir_attr_str(n, "mode", "nearest");
    eng_rubik_op ro;
    memset(&ro, 0, sizeof ro);
    ro.mode = ENG_RUBIK_RESIZE;
    ro.stride_y = (uint8_t)(y->dims[2] / x->dims[2]);
    ro.stride_x = (uint8_t)(y->dims[3] / x->dims[3]);
    if (!strcmp(mode, "linear") || !strcmp(mode, "bilinear")) {
        const char *ctm = ir_attr_str(n, "coordinate_transformation_mode", "half_pixel");
        if (n->op == IR_OP_Upsample || n->opset < 11 || (strcmp(ctm, "half_pixel") && strcmp(ctm, "pytorch_half_pixel")))
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "linear resize needs half_pixel coordinates");
        ro.resize_linear = 1;
    } else if (strcmp(mode, "nearest")) {
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "resize mode '%s'", mode);
    }
    return rubik(k, n, &ro);
}

static dla_status lower_copy(const lw_task *k, const ir_node *n)
{
    const ir_tensor *x = n->in[0], *y = n->out[0];
    if (!same_cube(x, y)) {
        if (ir_tensor_numel(x) != ir_tensor_numel(y) || (x->rank >= 2 && y->rank >= 2 && x->dims[0] != y->dims[0]))
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "reshape that moves data across the batch dim");
        eng_rubik_op ro;
        memset(&ro, 0, sizeof ro);
        ro.mode = ENG_RUBIK_RESHAPE;
        return rubik(k, n, &ro);
    }
    cc_surface src, dst;
    BASE_TRY(cc_tb_surface(k->tb, x, &src));
    BASE_TRY(cc_tb_surface(k->tb, y, &dst));
    if (!same_quant(k, x, y) || src.geom.layout != ENG_LAYOUT_FEATURE || dst.geom.layout != ENG_LAYOUT_FEATURE) {
        BASE_TRY(lw_emit_sdp_copy(k, n->name, &src, &dst, y));
    } else {
        eng_bdma_transfer t = xfer(&src, 0, (int)src.geom.c, 0, (int)src.geom.h, 0, (int)src.geom.w, &dst, 0);
        BASE_TRY(add_bdma(k, n, &t, 1, dst.prec));
    }
    cc_tb_mark(k->tb, n);
    return DLA_OK;
}

dla_status lw_lower_layout(const lw_task *k, const ir_node *n)
{
    if (k->aliased[n->id]) {
        cc_tb_mark(k->tb, n);
        return DLA_OK;
    }
    switch (n->op) {
    case IR_OP_Concat: return lower_concat(k, n);
    case IR_OP_Slice: return lower_slice(k, n);
    case IR_OP_Transpose: return lower_transpose(k, n);
    case IR_OP_Resize: case IR_OP_Upsample: return lower_resize(k, n);
    default: return lower_copy(k, n);
    }
}
