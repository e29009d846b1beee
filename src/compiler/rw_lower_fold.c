/* fold-batchnorm: y = Conv(x) followed by a per-output-channel affine map z = s * y + t folds into the Conv's
 * weights and bias: W'[oc] = s[oc] * W[oc], B'[oc] = s[oc] * B[oc] + t[oc].
 *
 * The follower may be an inference BatchNormalization (s = gamma / sqrt(var + eps), t = beta - mean * s) or a
 * Mul / Add / Sub (either order) / Div (y / c) by a constant that is a scalar or per-channel ([C,1,1], [1,C,1,1], ... — every dim 1
 * except the channel axis), as DLA-SW's prepare_models folds Conv->Mul and Conv->Add. Conditions: the Conv
 * (or ConvTranspose) has constant float32 weights (and bias), its output feeds only the follower and is not a
 * graph output. The Conv keeps its name and takes over the follower's output tensor. A standalone
 * BatchNormalization stays (the SDP runs it as a per-channel scale natively). */
#include "compiler/rw_lower.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Output channels of a Conv / ConvTranspose with constant float32 weights (and bias); 0 if it does not qualify.
 * Only the weights' shape matters, so a dynamic batch or spatial size is fine. */
static int conv_ok(const ir_node *c, int64_t *cout)
{
    if ((c->op != IR_OP_Conv && c->op != IR_OP_ConvTranspose) || c->n_in < 2 || !c->out[0])
        return 0;
    const ir_tensor *w = c->in[1], *b = c->n_in > 2 ? c->in[2] : NULL, *y = c->out[0];
    if (!lw_is_const(w) || w->dtype != IR_F32 || w->rank < 3 || (b && (!lw_is_const(b) || b->dtype != IR_F32)))
        return 0;
    if (y->dtype != IR_F32 || (y->rank >= 0 && y->rank != w->rank))
        return 0;
    int64_t group = ir_attr_int(c, "group", 1);
    if (group < 1)
        return 0;
    if (c->op == IR_OP_Conv) {
        *cout = w->dims[0];
    } else {
        if (w->dims[0] % group)
            return 0;
        *cout = w->dims[1] * group;
    }
    return !b || ir_tensor_numel(b) == *cout;
}

/* The channel-axis index map of constant k against a rank-r output with c channels: 1 = per-channel (k[oc]),
 * 0 = one value (k[0]), -1 = not a per-channel constant (or broadcasting would change the output's shape). */
static int per_channel(const ir_tensor *k, int r, int64_t c)
{
    if (!lw_is_const(k) || !ir_dtype_is_float(k->dtype) || k->rank > r)
        return -1;
    int along_c = 0;
    for (int i = 0; i < k->rank; i++) {
        int a = r - k->rank + i;
        if (k->dims[i] == 1)
            continue;
        if (a != 1 || k->dims[i] != c)
            return -1;
        along_c = 1;
    }
    return along_c;
}

static int bn_inference(const ir_graph *g, const ir_node *n)
{
    if (n->opset >= 14 && ir_attr_int(n, "training_mode", 0) != 0)
        return 0;
    for (int j = 1; j < n->n_out; j++)
        if (n->out[j] && ((n->out[j]->flags & IR_T_OUTPUT) || lw_uses(g, n->out[j])))
            return 0;
    return 1;
}

/* Fills s/t (cout values) for follower f of conv output y; 0 if f is not a foldable affine map. */
static int affine_of(const ir_graph *g, const ir_node *f, const ir_tensor *y, int r, int64_t cout, double *s,
                     double *t)
{
    if (f->op == IR_OP_BatchNormalization) {
        if (f->in[0] != y || !bn_inference(g, f))
            return 0;
        for (int i = 1; i < 5; i++)
            if (!lw_is_const(f->in[i]) || !ir_dtype_is_float(f->in[i]->dtype) || ir_tensor_numel(f->in[i]) != cout)
                return 0;
        double eps = ir_attr_float(f, "epsilon", 1e-5f);
        for (int64_t c = 0; c < cout; c++) {
            double var = lw_get(f->in[4], c);
            if (!(var + eps > 0))
                return 0;
            s[c] = lw_get(f->in[1], c) / sqrt(var + eps);
            t[c] = lw_get(f->in[2], c) - lw_get(f->in[3], c) * s[c];
        }
        return 1;
    }
    if (f->op != IR_OP_Mul && f->op != IR_OP_Add && f->op != IR_OP_Sub && f->op != IR_OP_Div)
        return 0;
    if (f->n_in != 2 || (f->in[0] == y) == (f->in[1] == y))
        return 0;
    const ir_tensor *k = f->in[0] == y ? f->in[1] : f->in[0];
    if (f->op == IR_OP_Div && f->in[0] != y)
        return 0; /* c / y is not affine in y */
    int y_first = f->in[0] == y;
    int pc = per_channel(k, r, cout);
    if (pc < 0)
        return 0;
    for (int64_t c = 0; c < cout; c++) {
        double v = lw_get(k, pc ? c : 0);
        s[c] = 1;
        t[c] = 0;
        switch (f->op) {
        case IR_OP_Mul: s[c] = v; break;
        case IR_OP_Div:
            if (v == 0 || !isfinite(1 / v))
                return 0;
            s[c] = 1 / v;
            break;
        case IR_OP_Add: t[c] = v; break;
        default: /* Sub: y - c, or c - y */
            s[c] = y_first ? 1 : -1;
            t[c] = y_first ? -v : v;
            break;
        }
        if (!isfinite(s[c]) || !isfinite(t[c]))
            return 0;
    }
    return 1;
}

/* Writes the scaled weight and bias as new constants and wires them into conv. */
static dla_status fold(ir_graph *g, ir_node *conv, int64_t cout, const double *s, const double *t)
{
    const ir_tensor *w = conv->in[1], *b = conv->n_in > 2 ? conv->in[2] : NULL;
    ir_tensor *w2, *b2;
    char base[256];
    snprintf(base, sizeof base, "%.200s/folded_weight", conv->name);
    BASE_TRY(lw_const_f32(g, base, w->rank, w->dims, w->data, &w2));
    snprintf(base, sizeof base, "%.200s/folded_bias", conv->name);
    BASE_TRY(lw_const_f32(g, base, 1, &cout, NULL, &b2));
    float *wp = w2->data, *bp = b2->data;
    int64_t ksz = ir_tensor_numel(w) / (w->dims[0] * w->dims[1]);
    if (conv->op == IR_OP_Conv) {
        int64_t blk = ir_tensor_numel(w) / cout;
        for (int64_t oc = 0; oc < cout; oc++)
            for (int64_t i = 0; i < blk; i++)
                wp[oc * blk + i] = (float)(wp[oc * blk + i] * s[oc]);
    } else {
        int64_t group = ir_attr_int(conv, "group", 1), og = w->dims[1], ipg = w->dims[0] / group;
        for (int64_t ic = 0; ic < w->dims[0]; ic++)
            for (int64_t j = 0; j < og; j++) {
                double k = s[(ic / ipg) * og + j];
                float *blk = wp + (ic * og + j) * ksz;
                for (int64_t i = 0; i < ksz; i++)
                    blk[i] = (float)(blk[i] * k);
            }
    }
    for (int64_t oc = 0; oc < cout; oc++)
        bp[oc] = (float)((b ? ((const float *)b->data)[oc] : 0.0) * s[oc] + t[oc]);
    BASE_TRY(lw_set_n_in(g, conv, 3));
    conv->in[1] = w2;
    conv->in[2] = b2;
    return DLA_OK;
}

dla_status lw_pass_fold_into_conv(ir_graph *g, int *n_changed)
{
    int changed = 0;
    double *s = NULL, *t = NULL;
    dla_status st = DLA_OK;
    for (int i = 0; i < g->n_nodes && st == DLA_OK; i++) {
        ir_node *conv = g->nodes[i];
        int64_t cout;
        if (!conv || !conv_ok(conv, &cout) || cout < 1)
            continue;
        ir_node *f = cc_single_consumer(g, conv->out[0]);
        if (!f || !f->out[0] || !lw_only_feeds(g, conv->out[0], f))
            continue;
        double *ns = realloc(s, sizeof(double) * (size_t)cout * 2);
        if (!ns) {
            st = base_error(DLA_ERR_NOMEM, "out of memory folding into '%s'", conv->name);
            break;
        }
        s = ns;
        t = s + cout;
        if (!affine_of(g, f, conv->out[0], conv->in[1]->rank, cout, s, t))
            continue;
        st = fold(g, conv, cout, s, t);
        if (st != DLA_OK)
            break;
        conv->out[0] = f->out[0];
        lw_remove(g, f);
        changed++;
        i--; /* the Conv may absorb the next follower too */
    }
    free(s);
    *n_changed = changed;
    return st;
}
