/* lowering: CONV groups — Conv (direct, grouped, depthwise, dilated; 1-D as H x 1), Gemm / MatMul with constant
 * weights as 1x1 convolutions on a C x 1 x 1 cube, and ConvTranspose as one convolution per stride phase + a
 * RUBIK contract — each with its fused SDP (bias, the INT8 rescale, then the SDP followers that fit) and, when
 * the convolution is not split into bands, a fused PDP.
 *
 * Weights: WEIGHT layout [K][C/groups][R][S] (conv.c). FP16: RNE to FP16. INT8: per output channel symmetric,
 *     s_w[k] = max|w[k]| / 127 (1 for an all-zero kernel), q = clamp(RHAZ(w / s_w[k]), -127, 127).
 * CACC: clip_truncate = the least ct with max_k (128 * sum|q[k]|) / 2^ct < 2^31 (the int32 the CACC delivers
 *     can never saturate); the accumulator's per-channel scale is s_in * s_w[k] * 2^ct.
 * Bias: FP16 operands in X1's ALU (FP16 path); INT8: in the accumulator domain, RHAZ(b / s_acc[k]) aligned with
 *     X1's shift_value (lower_sdp_emit.c), followed by X1's MUL that rescales each channel to s_out * 2^-8.
 * ConvTranspose (group 1, dilation 1, no start padding, no output_padding past the end pads): with R0 =
 *     ceil(R/sy), phase (py, px) has Rp = ceil((R - py) / sy) taps (at least 1; zero weights when none) and is the
 *     convolution of X with w'[k][c][j][i] = W[c][k][py + (Rp-1-j)*sy][px + (Sp-1-i)*sx], pads top/left Rp-1/Sp-1,
 *     bottom/right R0-1/S0-1, stride 1, giving (H + R0 - 1) x (W + S0 - 1) outputs; each phase's SDP writes its
 *     K channels at channel p*Cp (p = py*sx + px, Cp = K rounded up to the atom) of a scratch cube that the RUBIK
 *     contract interleaves into the output (cropping the end rows and columns).
 */
#include "compiler/lower.h"
#include "compiler/sparsity.h"
#include "engine/format.h"
#include "ir/conv_geom.h"
#include "ir/pool_geom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LW_MAX_GROUP 16

typedef struct conv_desc {
    const ir_tensor *x, *y;
    int C, H, W, K, Cg, R, S, G;
    int sy, sx, dy, dx, pt, pb, pl, pr;
    int OH, OW;
    double *w;    /* [K][Cg][R][S] */
    double *bias; /* [K] or NULL */
} conv_desc;

static void desc_free(conv_desc *d)
{
    free(d->w);
    free(d->bias);
    d->w = d->bias = NULL;
}

static dla_status read_bias(const ir_node *n, const ir_tensor *b, int K, double beta, double **out)
{
    *out = NULL;
    if (!b)
        return DLA_OK;
    double *v = lw_const_f64(b);
    int64_t nb = ir_tensor_numel(b);
    if (!v || (nb != K && nb != 1)) {
        free(v);
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "bias '%s' must be a constant of %d values", b->name, K);
    }
    double *bias = malloc(sizeof(double) * (size_t)K);
    if (!bias) {
        free(v);
        return base_error(DLA_ERR_NOMEM, "lowering: out of memory");
    }
    for (int k = 0; k < K; k++)
        bias[k] = beta * v[nb == 1 ? 0 : k];
    free(v);
    *out = bias;
    return DLA_OK;
}

/* An INT8 average pooling as a depthwise convolution (lw_avgpool_as_conv): weights 1/(kh*kw) on every tap (INT8:
 * q = 127, s_w = 1/(127 kh kw)), count-include-pad semantics (padded taps read 0 and count in the divisor); the
 * exact window sum reaches the SDP, which rescales it to the output's scale with one rounding. */
static dla_status pool_read(const ir_node *n, conv_desc *d)
{
    const ir_tensor *x = n->in[0];
    if (!x || x->rank != 4)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "average pooling as a convolution needs a 4-D input");
    d->K = d->C;
    d->G = d->C;
    d->Cg = 1;
    if (n->op == IR_OP_GlobalAveragePool) {
        d->R = d->H;
        d->S = d->W;
        d->OH = d->OW = 1;
    } else {
        ir_pool_geom g;
        BASE_TRY(ir_pool_geom_get(n, x, &g));
        if (g.nsp != 2 || g.d[0] != 1 || g.d[1] != 1)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "average pooling as a convolution: 2-D, dilation 1 only");
        d->R = (int)g.k[0];
        d->S = (int)g.k[1];
        d->sy = (int)g.s[0];
        d->sx = (int)g.s[1];
        d->pt = (int)g.pb[0];
        d->pl = (int)g.pb[1];
        d->pb = (int)g.pe[0];
        d->pr = (int)g.pe[1];
        d->OH = (int)g.out[0];
        d->OW = (int)g.out[1];
        int need_b = (d->OH - 1) * d->sy + d->R - (d->H + d->pt), need_r = (d->OW - 1) * d->sx + d->S - (d->W + d->pl);
        if (need_b > d->pb || need_r > d->pr)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "average pooling with ceil_mode needs a partial window");
        if ((d->pt || d->pl || d->pb || d->pr) && !ir_attr_int(n, "count_include_pad", 0))
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "average pooling excluding padding (count_include_pad 0)");
    }
    if (d->R < 1 || d->R > 32 || d->S < 1 || d->S > 32 || d->sy > 8 || d->sx > 8 || d->pt > 31 || d->pb > 31 ||
        d->pl > 31 || d->pr > 31)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "average pooling window %dx%d / stride / pads exceed the "
                             "convolution limits (kernel 32, stride 8, pad 31)", d->R, d->S);
    size_t n_w = (size_t)d->K * d->R * d->S;
    d->w = malloc(sizeof(double) * n_w);
    if (!d->w)
        return base_error(DLA_ERR_NOMEM, "lowering: out of memory");
    for (size_t i = 0; i < n_w; i++)
        d->w[i] = 1.0 / (d->R * d->S);
    return DLA_OK;
}

int lw_avgpool_as_conv(const lw_task *k, const ir_node *n)
{
    if (n->op != IR_OP_AveragePool && n->op != IR_OP_GlobalAveragePool)
        return 0;
    const ir_tensor *x = n->in[0], *y = n->out[0];
    if (!x || !y || cc_tb_prec(k->tb, y) != CC_PREC_INT8 || cc_tb_prec(k->tb, x) != CC_PREC_INT8)
        return 0;
    double si = cc_tb_scale(k->tb, x), so = cc_tb_scale(k->tb, y);
    return si > 0 && so > 0 && fabs(si / so - 1.0) > 1e-6;
}

static dla_status conv_read(const ir_node *n, conv_desc *d)
{
    memset(d, 0, sizeof *d);
    d->x = n->in[0];
    d->y = n->out[0];
    int oc, oh, ow;
    lw_chw(d->x, &d->C, &d->H, &d->W);
    lw_chw(d->y, &oc, &oh, &ow);
    d->sy = d->sx = d->dy = d->dx = 1;
    if (n->op == IR_OP_Gemm || n->op == IR_OP_MatMul) {
        const ir_tensor *B = n->in[1];
        if (d->x->rank != 2 || !B || B->rank != 2 || B->data_kind != IR_DATA_CONST)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "only a 2-D input times a constant 2-D matrix runs as a 1x1 "
                                 "convolution");
        int transA = n->op == IR_OP_Gemm ? (int)ir_attr_int(n, "transA", 0) : 0;
        int transB = n->op == IR_OP_Gemm ? (int)ir_attr_int(n, "transB", 0) : 0;
        if (transA)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "transA = 1 is not supported");
        double alpha = n->op == IR_OP_Gemm ? ir_attr_float(n, "alpha", 1.0f) : 1.0;
        double beta = n->op == IR_OP_Gemm ? ir_attr_float(n, "beta", 1.0f) : 1.0;
        int Kin = d->C, K = oc;
        if ((transB ? B->dims[1] : B->dims[0]) != Kin || (transB ? B->dims[0] : B->dims[1]) != K)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "weight shape does not match %d inputs, %d outputs", Kin, K);
        double *bv = lw_const_f64(B);
        d->w = malloc(sizeof(double) * (size_t)K * Kin);
        if (!bv || !d->w) {
            free(bv);
            return base_error(DLA_ERR_NOMEM, "lowering: out of memory");
        }
        for (int k = 0; k < K; k++)
            for (int c = 0; c < Kin; c++)
                d->w[(size_t)k * Kin + c] = alpha * bv[transB ? (size_t)k * Kin + c : (size_t)c * K + k];
        free(bv);
        d->K = K;
        d->Cg = Kin;
        d->G = 1;
        d->R = d->S = 1;
        d->OH = d->OW = 1;
        return read_bias(n, n->op == IR_OP_Gemm && n->n_in > 2 ? n->in[2] : NULL, K, beta, &d->bias);
    }
    if (n->op == IR_OP_AveragePool || n->op == IR_OP_GlobalAveragePool)
        return pool_read(n, d);
    ir_conv_geom g;
    BASE_TRY(ir_conv_geom_get(n, 0, &g));
    const ir_tensor *Wt = n->in[1];
    if (!Wt || Wt->data_kind != IR_DATA_CONST)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "weights must be constant");
    if (g.nsp != 1 && g.nsp != 2)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "%d-D convolution (1-D and 2-D only)", g.nsp);
    d->K = (int)g.c_out;
    d->G = (int)g.group;
    d->Cg = d->C / d->G;
    d->R = (int)g.k[0];
    d->sy = (int)g.s[0];
    d->dy = (int)g.d[0];
    d->pt = (int)g.pb[0];
    d->pb = (int)g.pe[0];
    d->OH = (int)g.out[0];
    if (g.nsp == 2) {
        d->S = (int)g.k[1];
        d->sx = (int)g.s[1];
        d->dx = (int)g.d[1];
        d->pl = (int)g.pb[1];
        d->pr = (int)g.pe[1];
        d->OW = (int)g.out[1];
    } else {
        d->S = 1;
        d->OW = 1;
    }
    if (d->pt > 31 || d->pb > 31 || d->pl > 31 || d->pr > 31 || d->pt < 0 || d->pb < 0 || d->pl < 0 || d->pr < 0)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "padding must be in [0, 31]");
    d->w = lw_const_f64(Wt);
    if (!d->w)
        return base_error(DLA_ERR_NOMEM, "lowering: out of memory");
    return read_bias(n, n->n_in > 2 ? n->in[2] : NULL, d->K, 1.0, &d->bias);
}

/* INT8 weights per output channel; returns s_w[K] and the int8 values. */
static dla_status quantize(int K, size_t per_k, const double *w, double *s_w, int8_t *q)
{
    for (int k = 0; k < K; k++) {
        double m4[4] = {0, 0, 0, 0}; /* four running maxima: no loop-carried latency chain */
        size_t i = 0;
        for (; i + 4 <= per_k; i += 4)
            for (int j = 0; j < 4; j++) {
                double a = fabs(w[(size_t)k * per_k + i + (size_t)j]);
                m4[j] = a > m4[j] ? a : m4[j];
            }
        for (; i < per_k; i++) {
            double a = fabs(w[(size_t)k * per_k + i]);
            m4[0] = a > m4[0] ? a : m4[0];
        }
        double m = fmax(fmax(m4[0], m4[1]), fmax(m4[2], m4[3]));
        s_w[k] = m > 0 ? m / 127.0 : 1.0;
        /* lw_rhaz inlined for the range it can take here (|w / s_w| <= 127 up to rounding; NaN saturates) so
         * that the loop vectorises: it runs once per weight of the network */
        const double *restrict wk = w + (size_t)k * per_k;
        int8_t *restrict qk = q + (size_t)k * per_k;
        const double sk = s_w[k];
        for (size_t i = 0; i < per_k; i++) {
            double v = wk[i] / sk, a = fabs(v);
            a = a <= 127.5 ? a : 127.5;
            int r = (int)(a + 0.5), m = -(int)(v < 0);
            r = r > 127 ? 127 : r;
            qk[i] = (int8_t)((r ^ m) - m);
        }
    }
    return DLA_OK;
}

/* 2:4 sparsity (sparsity.h) of an INT8 conv's [K][Cg][rs] weights: before quantization, force prunes w; returns
 * the conv's mode for sparse_decide, which gives the op's flag once q is known (enable: q already 2:4). */
static int sparse_prepare(const lw_task *k, double *w, int K, int Cg, int rs)
{
    cc_sparsity sp = cc_sparse_conv_mode(cc_tb_sparsity(k->tb), CC_PREC_INT8, Cg);
    if (sp == CC_SPARSITY_FORCE)
        cc_sparse_prune(w, K, Cg, rs);
    return (int)sp;
}

static int sparse_decide(int mode, const int8_t *q, int K, int Cg, int rs)
{
    return mode == CC_SPARSITY_FORCE || (mode == CC_SPARSITY_ENABLE && cc_sparse_is_2to4(q, K, Cg, rs));
}

static int clip_truncate_for(int K, size_t per_k, const int8_t *q)
{
    int64_t worst = 0;
    for (int k = 0; k < K; k++) {
        int64_t s = 0;
        for (size_t i = 0; i < per_k; i++)
            s += q[(size_t)k * per_k + i] < 0 ? -q[(size_t)k * per_k + i] : q[(size_t)k * per_k + i];
        worst = s * 128 > worst ? s * 128 : worst;
    }
    int ct = 0;
    while ((worst >> ct) > INT32_MAX)
        ct++;
    return ct;
}

/* ---- the SDP part shared by Conv and ConvTranspose ------------------------------------------------------ */

typedef struct group {
    const ir_node *nodes[LW_MAX_GROUP + 2];
    int n;
    lw_sdp_prog p;
    const ir_tensor *last;
    const ir_node *pool;
    eng_pdp_op pd;
    char name[512];
    cc_prec prec;
} group;

static dla_status check_prec(const lw_task *k, const ir_node *n, const ir_tensor *x, cc_prec prec)
{
    if (cc_tb_prec(k->tb, x) != prec)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input '%s' is %s but the convolution runs %s (a conv is INT8->"
                             "INT8 or FP16->FP16 only, engine.md §1.6 item 11)", x->name,
                             cc_tb_prec(k->tb, x) == CC_PREC_INT8 ? "INT8" : "FP16",
                             prec == CC_PREC_INT8 ? "INT8" : "FP16");
    return DLA_OK;
}

static void group_collect(const lw_task *k, const ir_node *n, double *bias, int K, cc_prec prec, int no_point,
                          group *gr)
{
    gr->prec = prec;
    gr->nodes[0] = n;
    gr->n = 1;
    gr->pool = NULL;
    lw_prog_init(&gr->p, K, prec);
    gr->p.no_point = no_point;
    if (bias)
        lw_prog_add_bias(&gr->p, bias);
    if (prec == CC_PREC_INT8)
        lw_prog_add_rescale(&gr->p);
    gr->n += lw_collect_followers(k, n->out[0], &gr->p, gr->nodes + 1, LW_MAX_GROUP, &gr->last);
}

static void group_try_pool(const lw_task *k, group *gr, int W)
{
    const ir_node *pool = lw_sole_consumer(k, gr->last);
    char why[160];
    if (!pool || !(pool->op == IR_OP_MaxPool || pool->op == IR_OP_AveragePool || pool->op == IR_OP_GlobalMaxPool ||
                   pool->op == IR_OP_GlobalAveragePool) || lw_avgpool_as_conv(k, pool))
        return;
    if (cc_tb_prec(k->tb, pool->out[0]) != gr->prec || !lw_pool_desc(k, pool, gr->prec, &gr->pd, why, sizeof why) ||
        !lw_pool_fusable(&gr->pd, W, gr->p.C, gr->prec))
        return;
    gr->pool = pool;
    gr->nodes[gr->n++] = pool;
}

static const char *prec_name(cc_prec p) { return p == CC_PREC_INT8 ? "INT8" : "FP16"; }

/* Weight blob (FP16 bits or int8) of n_w values in `w` / `q`. */
static dla_status weight_blob(const lw_task *k, const char *name, int fp, size_t n_w, const double *w,
                              const int8_t *q, int16_t *mem)
{
    size_t bytes = n_w * (fp ? 2 : 1);
    uint8_t *b = calloc(bytes + 32, 1);
    if (!b)
        return base_error(DLA_ERR_NOMEM, "lowering: out of memory");
    for (size_t i = 0; i < n_w; i++) {
        if (fp)
            eng_st_u16(b + 2 * i, eng_f64_to_fp16(w[i], NULL));
        else
            b[i] = (uint8_t)q[i];
    }
    char nm[600];
    snprintf(nm, sizeof nm, "%s/weights", name);
    dla_status st = cc_tb_const(k->tb, nm, b, bytes, mem);
    free(b);
    return st;
}

static eng_cube weight_cube(int16_t mem, uint32_t offset, int prec, int K, int Cg, int R, int S)
{
    eng_cube c;
    memset(&c, 0, sizeof c);
    c.mem_type = ENG_MEM_DRAM;
    c.layout = ENG_LAYOUT_WEIGHT;
    c.precision = (uint8_t)prec;
    c.mem = mem;
    c.offset = offset;
    c.size = (uint32_t)((size_t)K * Cg * R * S * eng_prec_bytes(prec));
    c.width = (uint16_t)S;
    c.height = (uint16_t)R;
    c.channel = (uint16_t)Cg;
    return c;
}

/* ---- Conv / Gemm / MatMul -------------------------------------------------------------------------------- */

static dla_status lower_deconv(const lw_task *k, const ir_node *n);

dla_status lw_lower_conv_group(const lw_task *k, const ir_node *n)
{
    if (n->op == IR_OP_ConvTranspose)
        return lower_deconv(k, n);
    conv_desc d;
    dla_status st = conv_read(n, &d);
    if (st != DLA_OK) {
        desc_free(&d);
        return st;
    }
    cc_prec prec = cc_tb_prec(k->tb, d.y);
    int fp = prec == CC_PREC_FP16, ep = lw_eprec(prec);
    st = check_prec(k, n, d.x, prec);
    int ekh = (d.R - 1) * d.dy + 1;
    lw_tile tile;
    if (st == DLA_OK)
        st = lw_tile_plan(n, k->cbuf_bytes, fp ? 2 : 1, d.C, d.H, d.W, d.K, d.Cg, d.R, d.S, d.sy, ekh, d.OH, &tile);
    if (st != DLA_OK) {
        desc_free(&d);
        return st;
    }
    group gr;
    double *bias = d.bias;
    d.bias = NULL; /* owned by the program now */
    size_t per_k = (size_t)d.Cg * d.R * d.S, n_w = (size_t)d.K * per_k;
    double *s_acc = NULL, *s_w = NULL;
    int8_t *q = NULL;
    int ct = 0, sparse = 0;
    group_collect(k, n, bias, d.K, prec, 0, &gr);
    if (tile.n_bands == 1)
        group_try_pool(k, &gr, d.OW);
    const ir_tensor *out_t = gr.pool ? gr.pool->out[0] : gr.last;
    lw_names(gr.nodes, gr.n, gr.name, sizeof gr.name);
    lw_sdp_front f;
    memset(&f, 0, sizeof f);
    cc_surface src, dst;
    int16_t wmem = -1;
    eng_op cop, sop, pop;
    memset(&cop, 0, sizeof cop);
    memset(&sop, 0, sizeof sop);
    st = cc_tb_surface(k->tb, d.x, &src);
    if (st == DLA_OK)
        st = cc_tb_surface(k->tb, out_t, &dst);
    if (st == DLA_OK && !fp) {
        double s_in = 0;
        s_w = malloc(sizeof(double) * (size_t)d.K);
        s_acc = malloc(sizeof(double) * (size_t)d.K);
        q = malloc(n_w ? n_w : 1);
        if (!s_w || !s_acc || !q)
            st = base_error(DLA_ERR_NOMEM, "lowering: out of memory");
        if (st == DLA_OK)
            st = lw_scale(k, d.x, &s_in);
        if (st == DLA_OK)
            st = lw_scale(k, out_t, &f.s_out);
        if (st == DLA_OK) {
            sparse = sparse_prepare(k, d.w, d.K, d.Cg, d.R * d.S);
            quantize(d.K, per_k, d.w, s_w, q);
            sparse = sparse_decide(sparse, q, d.K, d.Cg, d.R * d.S);
            ct = clip_truncate_for(d.K, per_k, q);
            for (int i = 0; i < d.K; i++)
                s_acc[i] = s_in * s_w[i] * ldexp(1.0, ct);
            f.s_acc = s_acc;
        }
    }
    if (st == DLA_OK)
        st = weight_blob(k, gr.name, fp, n_w, d.w, q, &wmem);
    if (st == DLA_OK)
        st = lw_sdp_build(k, gr.name, &gr.p, &f, &sop.u.sdp);
    /* one CONV + SDP (+ PDP) per band */
    for (int b = 0; st == DLA_OK && b < tile.n_bands; b++) {
        int o0 = b * tile.band_rows, o1 = o0 + tile.band_rows > d.OH ? d.OH : o0 + tile.band_rows;
        int in0, in1, pt, pb;
        lw_band_rows(o0, o1, d.pt, d.sy, ekh, d.H, &in0, &in1, &pt, &pb);
        if (tile.n_bands == 1) {
            pt = d.pt;
            pb = d.pb;
            in0 = 0;
            in1 = d.H;
        }
        eng_conv_op *cv = &cop.u.conv;
        cop.type = ENG_OP_CONV;
        cv->in_precision = cv->out_precision = (uint8_t)ep;
        cv->stride_x = (uint8_t)d.sx;
        cv->stride_y = (uint8_t)d.sy;
        cv->pad_left = (uint8_t)d.pl;
        cv->pad_right = (uint8_t)d.pr;
        cv->pad_top = (uint8_t)pt;
        cv->pad_bottom = (uint8_t)pb;
        cv->dilation_x = (uint8_t)d.dx;
        cv->dilation_y = (uint8_t)d.dy;
        cv->kernel_w = (uint8_t)d.S;
        cv->kernel_h = (uint8_t)d.R;
        cv->groups = (uint16_t)d.G;
        cv->pad_val = 0;
        cv->out_width = (uint16_t)d.OW;
        cv->out_height = (uint16_t)(o1 - o0);
        cv->out_channel = (uint16_t)d.K;
        cv->clip_truncate = (uint8_t)ct;
        cv->sparse = (uint8_t)sparse;
        cv->split_index = (uint16_t)b;
        cv->split_count = (uint16_t)tile.n_bands;
        cv->src = lw_cube(&src, 0, 0, in0, in1 - in0, 0, 0);
        cv->weight = weight_cube(wmem, 0, ep, d.K, d.Cg, d.R, d.S);
        cv->dst = lw_hw_cube(ep, d.K, o1 - o0, d.OW);
        st = cc_tb_add_op(k->tb, &cop, gr.name, prec_name(prec));
        if (st != DLA_OK)
            break;
        eng_op s = sop;
        s.type = ENG_OP_SDP;
        eng_sdp_op *sd = &s.u.sdp;
        sd->src_precision = sd->dst_precision = (uint8_t)ep;
        sd->src = lw_hw_cube(ep, d.K, o1 - o0, d.OW);
        if (gr.pool)
            sd->dst = lw_hw_cube(ep, d.K, d.OH, d.OW);
        else
            sd->dst = lw_cube(&dst, 0, 0, o0, o1 - o0, 0, 0);
        if (tile.n_bands > 1)
            lw_sdp_restrict(sd, k, &gr.p, 0, d.K, o0, o1 - o0);
        st = cc_tb_add_op(k->tb, &s, gr.name, prec_name(prec));
        if (st == DLA_OK && gr.pool) {
            memset(&pop, 0, sizeof pop);
            pop.type = ENG_OP_PDP;
            pop.u.pdp = gr.pd;
            pop.u.pdp.src = lw_hw_cube(ep, d.K, d.OH, d.OW);
            pop.u.pdp.dst = lw_cube(&dst, 0, 0, 0, 0, 0, 0);
            st = cc_tb_add_op(k->tb, &pop, gr.name, prec_name(prec));
        }
    }
    if (st == DLA_OK)
        for (int i = 0; i < gr.n; i++)
            cc_tb_mark(k->tb, gr.nodes[i]);
    lw_prog_free(&gr.p);
    desc_free(&d);
    free(s_acc);
    free(s_w);
    free(q);
    return st;
}

/* ---- ConvTranspose ----------------------------------------------------------------------------------------- */

static dla_status lower_deconv(const lw_task *k, const ir_node *n)
{
    ir_conv_geom g;
    BASE_TRY(ir_conv_geom_get(n, 1, &g));
    const ir_tensor *x = n->in[0], *y = n->out[0], *Wt = n->in[1];
    if (g.nsp != 2 || g.group != 1 || g.d[0] != 1 || g.d[1] != 1)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "ConvTranspose lowers as 2-D, group 1, dilation 1 only");
    if (g.pb[0] || g.pb[1] || g.pe[0] < 0 || g.pe[1] < 0)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "ConvTranspose start padding or output_padding past the end "
                             "pads is not supported (pads %lld,%lld)", (long long)g.pb[0], (long long)g.pb[1]);
    if (!Wt || Wt->data_kind != IR_DATA_CONST)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "weights must be constant");
    cc_prec prec = cc_tb_prec(k->tb, y);
    BASE_TRY(check_prec(k, n, x, prec));
    int fp = prec == CC_PREC_FP16, ep = lw_eprec(prec);
    int C, H, W, K = (int)g.c_out, R = (int)g.k[0], S = (int)g.k[1], sy = (int)g.s[0], sx = (int)g.s[1];
    lw_chw(x, &C, &H, &W);
    int R0 = (R + sy - 1) / sy, S0 = (S + sx - 1) / sx, P = sx * sy;
    int Hm = H + R0 - 1, Wm = W + S0 - 1;
    int atom = eng_feat_atom(ep), Cp = (K + atom - 1) / atom * atom;
    if (R0 > 32 || S0 > 32)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "phase kernel %dx%d exceeds 32", R0, S0);
    double *wv = lw_const_f64(Wt), *bias = NULL;
    dla_status st = wv ? read_bias(n, n->n_in > 2 ? n->in[2] : NULL, K, 1.0, &bias)
                       : base_error(DLA_ERR_NOMEM, "lowering: out of memory");
    if (st != DLA_OK) {
        free(wv);
        return st;
    }
    /* kernel-major copy [K][C][R][S] for quantization */
    size_t per_k = (size_t)C * R * S;
    double *wk = malloc(sizeof(double) * (size_t)K * per_k), *s_w = malloc(sizeof(double) * (size_t)K),
           *s_acc = malloc(sizeof(double) * (size_t)K);
    int8_t *q = malloc((size_t)K * per_k + 1);
    size_t ph_n = (size_t)K * C * R0 * S0, ph_bytes = (ph_n * (fp ? 2 : 1) + 31) / 32 * 32;
    uint8_t *blob = calloc(ph_bytes * (size_t)P + 32, 1);
    int8_t *phq = malloc(ph_n + 1);
    double *phw = malloc(sizeof(double) * (ph_n + 1));
    if (!wk || !s_w || !s_acc || !q || !blob || !phq || !phw)
        st = base_error(DLA_ERR_NOMEM, "lowering: out of memory");
    for (int kk = 0; st == DLA_OK && kk < K; kk++)
        for (int c = 0; c < C; c++)
            for (int i = 0; i < R * S; i++)
                wk[(size_t)kk * per_k + (size_t)c * R * S + i] = wv[((size_t)c * K + kk) * R * S + i];
    int ct = 0, sparse = 0;
    if (st == DLA_OK && !fp) {
        sparse = sparse_prepare(k, wk, K, C, R * S);
        quantize(K, per_k, wk, s_w, q);
        sparse = sparse_decide(sparse, q, K, C, R * S);
        ct = clip_truncate_for(K, per_k, q);
    }
    group gr;
    memset(&gr, 0, sizeof gr);
    group_collect(k, n, bias, K, prec, 1, &gr);
    const ir_tensor *out_t = gr.last;
    lw_names(gr.nodes, gr.n, gr.name, sizeof gr.name);
    lw_tile tile;
    if (st == DLA_OK)
        st = lw_tile_plan(n, k->cbuf_bytes, fp ? 2 : 1, C, H, W, K, C, R0, S0, 1, R0, Hm, &tile);
    if (st == DLA_OK && tile.n_bands > 1)
        st = ir_node_error(n, DLA_ERR_UNSUPPORTED, "ConvTranspose phases do not fit the convolution buffer (bands "
                           "are not implemented for deconvolution)");
    lw_sdp_front f;
    memset(&f, 0, sizeof f);
    cc_surface src, dst, scr;
    st = st == DLA_OK ? cc_tb_surface(k->tb, x, &src) : st;
    st = st == DLA_OK ? cc_tb_surface(k->tb, out_t, &dst) : st;
    if (st == DLA_OK && !fp) {
        double s_in = 0;
        st = lw_scale(k, x, &s_in);
        if (st == DLA_OK)
            st = lw_scale(k, out_t, &f.s_out);
        for (int i = 0; i < K; i++)
            s_acc[i] = s_in * s_w[i] * ldexp(1.0, ct);
        f.s_acc = s_acc;
    }
    eng_op sop;
    memset(&sop, 0, sizeof sop);
    if (st == DLA_OK)
        st = lw_sdp_build(k, gr.name, &gr.p, &f, &sop.u.sdp);
    if (st == DLA_OK && P > 1) {
        eng_geom sg;
        char nm[600];
        snprintf(nm, sizeof nm, "%s/phases", gr.name);
        st = eng_geom_make(Cp * P, Hm, Wm, ep, ENG_LAYOUT_FEATURE, &sg);
        if (st == DLA_OK)
            st = cc_tb_scratch(k->tb, nm, &sg, &scr);
    }
    /* phase weights */
    for (int p = 0; st == DLA_OK && p < P; p++) {
        int py = p / sx, px = p % sx;
        int Rp = (R - py + sy - 1) / sy, Sp = (S - px + sx - 1) / sx, Rk = Rp > 0 ? Rp : 1, Sk = Sp > 0 ? Sp : 1;
        for (int kk = 0; kk < K; kk++)
            for (int c = 0; c < C; c++)
                for (int j = 0; j < Rk; j++)
                    for (int i = 0; i < Sk; i++) {
                        int r = py + (Rk - 1 - j) * sy, s = px + (Sk - 1 - i) * sx;
                        size_t o = (((size_t)kk * C + c) * Rk + j) * Sk + i;
                        int valid = Rp > 0 && Sp > 0 && r < R && s < S;
                        size_t si = (size_t)kk * per_k + ((size_t)c * R + (valid ? r : 0)) * S + (valid ? s : 0);
                        phw[o] = valid ? wk[si] : 0.0;
                        phq[o] = valid && !fp ? q[si] : 0;
                    }
        size_t cnt = (size_t)K * C * Rk * Sk;
        for (size_t i = 0; i < cnt; i++) {
            if (fp)
                eng_st_u16(blob + (size_t)p * ph_bytes + 2 * i, eng_f64_to_fp16(phw[i], NULL));
            else
                blob[(size_t)p * ph_bytes + i] = (uint8_t)phq[i];
        }
    }
    int16_t wmem = -1;
    if (st == DLA_OK) {
        char nm[600];
        snprintf(nm, sizeof nm, "%s/weights", gr.name);
        st = cc_tb_const(k->tb, nm, blob, ph_bytes * (size_t)P, &wmem);
    }
    for (int p = 0; st == DLA_OK && p < P; p++) {
        int py = p / sx, px = p % sx;
        int Rp = (R - py + sy - 1) / sy, Sp = (S - px + sx - 1) / sx, Rk = Rp > 0 ? Rp : 1, Sk = Sp > 0 ? Sp : 1;
        eng_op cop;
        memset(&cop, 0, sizeof cop);
        cop.type = ENG_OP_CONV;
        eng_conv_op *cv = &cop.u.conv;
        cv->in_precision = cv->out_precision = (uint8_t)ep;
        cv->stride_x = cv->stride_y = cv->dilation_x = cv->dilation_y = 1;
        cv->pad_top = (uint8_t)(Rk - 1);
        cv->pad_left = (uint8_t)(Sk - 1);
        cv->pad_bottom = (uint8_t)(R0 - 1);
        cv->pad_right = (uint8_t)(S0 - 1);
        cv->kernel_h = (uint8_t)Rk;
        cv->kernel_w = (uint8_t)Sk;
        cv->groups = 1;
        int oh = P > 1 ? Hm : (int)dst.geom.h, ow = P > 1 ? Wm : (int)dst.geom.w;
        cv->out_width = (uint16_t)ow;
        cv->out_height = (uint16_t)oh;
        cv->out_channel = (uint16_t)K;
        cv->clip_truncate = (uint8_t)ct;
        cv->sparse = (uint8_t)sparse;
        cv->split_index = (uint16_t)p;
        cv->split_count = (uint16_t)P;
        cv->src = lw_cube(&src, 0, 0, 0, 0, 0, 0);
        cv->weight = weight_cube(wmem, (uint32_t)((size_t)p * ph_bytes), ep, K, C, Rk, Sk);
        cv->dst = lw_hw_cube(ep, K, oh, ow);
        st = cc_tb_add_op(k->tb, &cop, gr.name, prec_name(prec));
        eng_op s = sop;
        s.type = ENG_OP_SDP;
        s.u.sdp.src_precision = s.u.sdp.dst_precision = (uint8_t)ep;
        s.u.sdp.src = lw_hw_cube(ep, K, oh, ow);
        s.u.sdp.dst = P > 1 ? lw_cube(&scr, p * Cp, K, 0, 0, 0, 0) : lw_cube(&dst, 0, 0, 0, 0, 0, 0);
        if (st == DLA_OK)
            st = cc_tb_add_op(k->tb, &s, gr.name, prec_name(prec));
    }
    if (st == DLA_OK && P > 1) {
        eng_op rop;
        memset(&rop, 0, sizeof rop);
        rop.type = ENG_OP_RUBIK;
        rop.u.rubik.mode = ENG_RUBIK_CONTRACT;
        rop.u.rubik.precision = (uint8_t)ep;
        rop.u.rubik.stride_x = (uint8_t)sx;
        rop.u.rubik.stride_y = (uint8_t)sy;
        rop.u.rubik.src = lw_cube(&scr, 0, 0, 0, 0, 0, 0);
        rop.u.rubik.dst = lw_cube(&dst, 0, 0, 0, 0, 0, 0);
        st = cc_tb_add_op(k->tb, &rop, gr.name, prec_name(prec));
    }
    if (st == DLA_OK)
        for (int i = 0; i < gr.n; i++)
            cc_tb_mark(k->tb, gr.nodes[i]);
    lw_prog_free(&gr.p);
    free(wv);
    free(wk);
    free(s_w);
    free(s_acc);
    free(q);
    free(blob);
    free(phq);
    free(phw);
    return st;
}
