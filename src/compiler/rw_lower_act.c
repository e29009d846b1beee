/* hard-activations: HardSigmoid and HardSwish are native in DLA SW 3.14, so they stay; this pass recognises the
 * decomposed forms exporters emit (PaddlePaddle's hard_swish/hard_sigmoid, TF/Keras, older torch exports) and
 * turns them back into the native ops:
 *
 *   Clip(x + b, 0, u) / d   or  * k   (k * u = 1)  -> HardSigmoid(x, alpha = k, beta = b * k)   (b may be 0:
 *                                                     no Add, e.g. after the + b was folded into a Conv bias)
 *   x * Clip(x + b, 0, u) / d   or  * k            -> x * HardSigmoid(x, alpha = k, beta = b * k)  (then below)
 *   x * HardSigmoid(x, alpha = 1/6, beta = 1/2)    -> HardSwish(x)
 *
 * (k = 1/d; the standard forms have b = 3, u = 6, k = 1/6.) Every intermediate must feed only the next node of
 * the pattern. The node producing the pattern's output keeps its name and output tensor. Relu6 written as
 * Clip(x, 0, 6) stays a Clip (native). */
#include "compiler/rw_lower.h"

#include <math.h>

static int near(double a, double b) { return fabs(a - b) <= 1e-6 * (1 + fabs(b)); }

/* The scalar constant operand of binary node n and its other operand; 0 if none. */
static int scalar_operand(const ir_node *n, ir_tensor **other, double *v)
{
    if (n->n_in != 2 || !n->in[0] || !n->in[1] || !n->out[0])
        return 0;
    for (int i = 0; i < 2; i++) {
        const ir_tensor *k = n->in[i], *o = n->in[1 - i];
        /* a one-value constant of rank <= the other operand's broadcasts without changing its shape */
        if (lw_scalar(k, v) && o->rank >= 0 && k->rank <= o->rank && !lw_is_const(o)) {
            *other = n->in[1 - i];
            return 1;
        }
    }
    return 0;
}

/* k for "t * k" or "t / d" (n is Mul or Div with t as the non-constant operand). */
static int scale_of(const ir_node *n, ir_tensor **t, double *k)
{
    double v;
    if (n->op == IR_OP_Mul && scalar_operand(n, t, &v)) {
        *k = v;
        return 1;
    }
    if (n->op == IR_OP_Div && n->n_in == 2 && n->in[0] && lw_scalar(n->in[1], &v) && v != 0 &&
        !lw_is_const(n->in[0]) && n->in[0]->rank >= 0 && n->in[1]->rank <= n->in[0]->rank) {
        *t = n->in[0];
        *k = 1 / v;
        return 1;
    }
    return 0;
}

/* Clip bounds (attributes before opset 11, constant inputs after); 0 if a bound is not a known constant. */
static int clip_bounds(const ir_node *c, double *lo, double *hi)
{
    if (c->opset < 11) {
        *lo = ir_attr_float(c, "min", -INFINITY);
        *hi = ir_attr_float(c, "max", INFINITY);
        return 1;
    }
    *lo = -INFINITY;
    *hi = INFINITY;
    if (c->n_in > 1 && c->in[1] && !lw_scalar(c->in[1], lo))
        return 0;
    if (c->n_in > 2 && c->in[2] && !lw_scalar(c->in[2], hi))
        return 0;
    return 1;
}

typedef struct hs_match {
    ir_node *clip, *add;
    ir_tensor *x;
    double alpha, beta;
} hs_match;

/* t = Clip(Add(x, b), 0, u) — or Clip(x, 0, u) with b = 0, e.g. when the + b went into a Conv's bias — each
 * feeding only the next, with k * u = 1: fills m (m->add NULL without an Add). `user` reads t. */
static int match_clip_add(const ir_graph *g, const ir_tensor *t, const ir_node *user, double k, hs_match *m)
{
    ir_node *clip = lw_producer(g, t);
    double lo, hi, b = 0;
    if (!clip || clip->op != IR_OP_Clip || !clip->in[0] || !lw_only_feeds(g, t, user) ||
        !clip_bounds(clip, &lo, &hi))
        return 0;
    if (lo != 0 || !isfinite(hi) || hi <= 0 || !near(k * hi, 1.0))
        return 0;
    ir_node *add = lw_producer(g, clip->in[0]);
    ir_tensor *x = clip->in[0];
    if (!add || add->op != IR_OP_Add || !lw_only_feeds(g, clip->in[0], clip) || !scalar_operand(add, &x, &b)) {
        add = NULL;
        x = clip->in[0];
        b = 0;
    }
    m->clip = clip;
    m->add = add;
    m->x = x;
    m->alpha = k;
    m->beta = b * k;
    return 1;
}

static dla_status to_hard_sigmoid(ir_graph *g, ir_node *n, ir_tensor *x, double alpha, double beta)
{
    lw_retype(n, IR_OP_HardSigmoid);
    n->in[0] = x;
    n->n_in = 1;
    n->n_attrs = 0;
    BASE_TRY(lw_attr_float(g, n, "alpha", (float)alpha));
    BASE_TRY(lw_attr_float(g, n, "beta", (float)beta));
    return ir_infer_node(n);
}

static int is_hardswish_sigmoid(double alpha, double beta) { return near(alpha, 1.0 / 6) && near(beta, 0.5); }

/* One rewrite at n if a pattern ends there: 1 done, 0 no match. */
static dla_status try_node(ir_graph *g, ir_node *n, int *done)
{
    ir_tensor *t;
    double k;
    hs_match m;
    *done = 0;
    if (scale_of(n, &t, &k)) {
        if (match_clip_add(g, t, n, k, &m)) { /* Clip(x + b, 0, u) * k */
            BASE_TRY(to_hard_sigmoid(g, n, m.x, m.alpha, m.beta));
            lw_remove(g, m.clip);
            if (m.add)
                lw_remove(g, m.add);
            *done = 1;
            return DLA_OK;
        }
        ir_node *mul = lw_producer(g, t); /* (x * Clip(x + b, 0, u)) * k */
        if (!mul || mul->op != IR_OP_Mul || mul->n_in != 2 || !lw_only_feeds(g, t, n))
            return DLA_OK;
        for (int i = 0; i < 2; i++) {
            if (!match_clip_add(g, mul->in[i], mul, k, &m) || m.x != mul->in[1 - i])
                continue;
            /* the Add (or the Clip) becomes HardSigmoid(x); n becomes x * it; the rest goes */
            ir_node *hs = m.add ? m.add : m.clip;
            BASE_TRY(to_hard_sigmoid(g, hs, m.x, m.alpha, m.beta));
            n->in[0] = m.x;
            n->in[1] = hs->out[0];
            lw_retype(n, IR_OP_Mul);
            BASE_TRY(ir_infer_node(n));
            if (m.add)
                lw_remove(g, m.clip);
            lw_remove(g, mul);
            *done = 1;
            return DLA_OK;
        }
        return DLA_OK;
    }
    if (n->op != IR_OP_Mul || n->n_in != 2)
        return DLA_OK;
    for (int i = 0; i < 2; i++) { /* x * HardSigmoid(x) */
        ir_node *hs = lw_producer(g, n->in[i]);
        if (!hs || hs->op != IR_OP_HardSigmoid || hs->in[0] != n->in[1 - i] || !lw_only_feeds(g, n->in[i], n))
            continue;
        if (!is_hardswish_sigmoid(ir_attr_float(hs, "alpha", 0.2f), ir_attr_float(hs, "beta", 0.5f)))
            continue;
        lw_retype(n, IR_OP_HardSwish);
        n->in[0] = hs->in[0];
        n->n_in = 1;
        n->n_attrs = 0;
        if (n->opset < 14)
            n->opset = 14;
        BASE_TRY(ir_infer_node(n));
        lw_remove(g, hs);
        *done = 1;
        return DLA_OK;
    }
    return DLA_OK;
}

dla_status lw_pass_hard_activations(ir_graph *g, int *n_changed)
{
    int changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        int done;
        if (!n)
            continue;
        BASE_TRY(try_node(g, n, &done));
        if (done) {
            changed++;
            i--; /* n may now complete a larger pattern (x * HardSigmoid(x)) */
        }
    }
    *n_changed = changed;
    return DLA_OK;
}
