/* lowering: SDP programs. Each SDP-family node becomes a short list of primitives — ALU (SUM / MAX / MIN with a
 * per-layer, per-channel or per-point operand), MUL (same operands), RELU, PRELU (per-layer / per-channel slope),
 * LUT (a function table) — and a fused group's primitives are packed in order into the SDP's three stages, each
 * stage being [ALU] [MUL] [activation]:
 *   - X1 and X2 take constant operands; the Y stage also takes the second surface (PER_POINT) and the LUT;
 *   - a stage's ALU and MUL operands share one mode, so a per-point operand stands alone in its half of Y;
 *   - PRELU uses the stage's MUL slot; RELU/PRELU/LUT end a stage.
 * Consecutive constant MULs (and constant SUMs) merge into one operand.
 *
 * Node -> primitives: Add/Sum = SUM; Sub = SUM of the negated constant, or (INT8) SUM through a negative Y
 * converter, or (FP16) MUL -1, SUM, then a negating output converter (scale -1; nothing may follow it); Mul = MUL; Div by a constant = MUL 1/c; Max/Min = ALU MAX/MIN;
 * Mean of two = SUM, MUL 0.5; Relu = RELU; Clip(0, hi) = MIN hi + RELU, else MAX lo, MIN hi; LeakyRelu and PRelu =
 * PRELU; BatchNormalization = MUL gamma/sqrt(var+eps), SUM beta - mean*scale; HardSigmoid = MUL alpha, SUM beta,
 * MIN 1, RELU; Sigmoid, Tanh, Elu, Selu, Celu, Softplus, Softsign, Mish, HardSwish, Erf, Exp, Abs,
 * ThresholdedRelu, Sin, Cos, Atan, Sinh, Asinh = LUT (lower_lut.c); Identity, Dropout, Cast (float) = nothing.
 */
#include "compiler/lower.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lw_is_sdp_op(int op)
{
    switch (op) {
    case IR_OP_Add: case IR_OP_Sub: case IR_OP_Mul: case IR_OP_Div: case IR_OP_Max: case IR_OP_Min:
    case IR_OP_Sum: case IR_OP_Mean: case IR_OP_Relu: case IR_OP_LeakyRelu: case IR_OP_PRelu: case IR_OP_Clip:
    case IR_OP_BatchNormalization: case IR_OP_HardSigmoid: case IR_OP_HardSwish: case IR_OP_Sigmoid:
    case IR_OP_Tanh: case IR_OP_Elu: case IR_OP_Selu: case IR_OP_Celu: case IR_OP_Softplus: case IR_OP_Softsign:
    case IR_OP_Mish: case IR_OP_Erf: case IR_OP_Exp: case IR_OP_Abs: case IR_OP_ThresholdedRelu: case IR_OP_Sin:
    case IR_OP_Cos: case IR_OP_Atan: case IR_OP_Sinh: case IR_OP_Asinh:
        return 1;
    default:
        return 0;
    }
}

/* Followers that add no primitive. */
static int is_passthrough(const ir_node *n)
{
    if (n->op == IR_OP_Identity || n->op == IR_OP_Dropout)
        return n->n_out < 2 || !n->out[1];
    if (n->op == IR_OP_Cast || n->op == IR_OP_CastLike)
        return ir_dtype_is_float(n->out[0]->dtype) && ir_dtype_is_float(n->in[0]->dtype);
    return 0;
}

void lw_prog_init(lw_sdp_prog *p, int C, cc_prec prec)
{
    memset(p, 0, sizeof *p);
    p->C = C;
    p->prec = prec;
}

void lw_prog_free(lw_sdp_prog *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->p[i].opd.pc);
    p->n = 0;
}

static int opd_const(const lw_opd *o) { return o->kind == LW_OPD_LAYER || o->kind == LW_OPD_CHANNEL; }

static double opd_at(const lw_opd *o, int c) { return o->kind == LW_OPD_CHANNEL ? o->pc[c] : o->v; }

/* a op b for constant operands into a new operand (mul: product; else sum). */
static int opd_combine(int C, const lw_opd *a, const lw_opd *b, int mul, lw_opd *out)
{
    memset(out, 0, sizeof *out);
    if (a->kind == LW_OPD_LAYER && b->kind == LW_OPD_LAYER) {
        out->kind = LW_OPD_LAYER;
        out->v = mul ? a->v * b->v : a->v + b->v;
        return 1;
    }
    out->kind = LW_OPD_CHANNEL;
    out->pc = malloc(sizeof(double) * (size_t)C);
    if (!out->pc)
        return 0;
    for (int c = 0; c < C; c++)
        out->pc[c] = mul ? opd_at(a, c) * opd_at(b, c) : opd_at(a, c) + opd_at(b, c);
    return 1;
}

static int push(lw_sdp_prog *p, const lw_prim *x)
{
    if (p->n > 0) {
        lw_prim *last = &p->p[p->n - 1];
        int both_mul = last->type == LW_P_MUL && x->type == LW_P_MUL;
        int both_sum = last->type == LW_P_ALU && x->type == LW_P_ALU && last->alu == ENG_ALU_SUM &&
                       x->alu == ENG_ALU_SUM;
        if ((both_mul || both_sum) && opd_const(&last->opd) && opd_const(&x->opd)) {
            lw_opd m;
            if (!opd_combine(p->C, &last->opd, &x->opd, both_mul, &m))
                return 0;
            /* the old operand array may belong to a rollback snapshot: never free it here */
            last->opd = m;
            free(x->opd.pc);
            return 1;
        }
    }
    if (p->n >= LW_MAX_PRIMS) {
        free(x->opd.pc);
        return 0;
    }
    p->p[p->n++] = *x;
    return 1;
}

void lw_prog_add_bias(lw_sdp_prog *p, double *bias)
{
    lw_prim x;
    memset(&x, 0, sizeof x);
    x.type = LW_P_ALU;
    x.alu = ENG_ALU_SUM;
    x.opd.kind = LW_OPD_CHANNEL;
    x.opd.pc = bias;
    p->p[p->n++] = x; /* never merged: the first primitive */
}

void lw_prog_add_rescale(lw_sdp_prog *p)
{
    lw_prim x;
    memset(&x, 0, sizeof x);
    x.type = LW_P_MUL;
    x.opd.kind = LW_OPD_LAYER;
    x.opd.v = 1.0;
    x.rescale = 1;
    p->p[p->n++] = x;
}

/* ---- packing -------------------------------------------------------------------------------------------- */

typedef struct lw_plan {
    int alu[3], mul[3], act[3];
} lw_plan;

static int surf(const lw_opd *o) { return o->kind == LW_OPD_POINT || o->kind == LW_OPD_CSURF; }

static int pair_ok(const lw_sdp_prog *p, int a, const lw_prim *b)
{
    return a < 0 || (!surf(&p->p[a].opd) && !surf(&b->opd));
}

static int pack(const lw_sdp_prog *p, lw_plan *pl)
{
    int pos = 0;
    for (int s = 0; s < 3; s++) {
        int y = s == 2;
        pl->alu[s] = pl->mul[s] = pl->act[s] = -1;
        if (pos < p->n && p->p[pos].type == LW_P_ALU && (!surf(&p->p[pos].opd) || y))
            pl->alu[s] = pos++;
        if (pos < p->n && p->p[pos].type == LW_P_MUL && (p->p[pos].opd.kind != LW_OPD_POINT || y) &&
            pair_ok(p, pl->alu[s], &p->p[pos]))
            pl->mul[s] = pos++;
        if (pos < p->n) {
            const lw_prim *x = &p->p[pos];
            if (x->type == LW_P_RELU || (x->type == LW_P_LUT && y) ||
                (x->type == LW_P_PRELU && pl->mul[s] < 0 && !surf(&x->opd) && pair_ok(p, pl->alu[s], x)))
                pl->act[s] = pos++;
        }
    }
    if (pos == p->n - 1 && p->p[pos].type == LW_P_NEGOUT)
        pos++;
    return pos;
}

int lw_prog_fits(const lw_sdp_prog *p)
{
    lw_plan pl;
    return pack(p, &pl) == p->n;
}

/* Exposed to lower_sdp_emit.c through this declaration (same module, split for size). */
int lw_prog_pack(const lw_sdp_prog *p, int *alu, int *mul, int *act);
int lw_prog_pack(const lw_sdp_prog *p, int *alu, int *mul, int *act)
{
    lw_plan pl;
    int n = pack(p, &pl);
    memcpy(alu, pl.alu, sizeof pl.alu);
    memcpy(mul, pl.mul, sizeof pl.mul);
    memcpy(act, pl.act, sizeof pl.act);
    return n;
}

/* ---- node -> primitives ----------------------------------------------------------------------------------- */

static int fail(char *reason, size_t size, const char *fmt, const char *a)
{
    if (reason && size)
        snprintf(reason, size, fmt, a);
    return 0;
}

/* Classifies the operand `o` against the data `chain` (C channels): constant per tensor / per channel, or a
 * second surface of the chain's shape that already exists. */
static int classify(const lw_task *k, const ir_tensor *chain, const ir_tensor *o, int C, lw_opd *out, char *reason,
                    size_t size)
{
    memset(out, 0, sizeof *out);
    if (o->data_kind == IR_DATA_CONST && o->data) {
        int64_t n = ir_tensor_numel(o);
        double *v = lw_const_f64(o);
        if (!v)
            return fail(reason, size, "operand '%s' cannot be read", o->name);
        if (n == 1) {
            out->kind = LW_OPD_LAYER;
            out->v = v[0];
            free(v);
            return 1;
        }
        int r = chain->rank, ca = lw_channel_axis(chain), ok = o->rank <= r && n == C;
        for (int i = 0; ok && i < o->rank; i++) {
            int ax = r - o->rank + i;
            if (o->dims[i] != 1 && !(ax == ca && o->dims[i] == C))
                ok = 0;
        }
        if (!ok) {
            free(v);
            return fail(reason, size, "constant operand '%s' is neither per-tensor nor per-channel", o->name);
        }
        out->kind = LW_OPD_CHANNEL;
        out->pc = v;
        return 1;
    }
    if (ir_tensor_numel(o) == C && C != ir_tensor_numel(chain) && o->rank <= chain->rank) {
        int r = chain->rank, ca = lw_channel_axis(chain), ok = 1;
        for (int i = 0; ok && i < o->rank; i++) {
            int ax = r - o->rank + i;
            if (o->dims[i] != 1 && !(ax == ca && o->dims[i] == C))
                ok = 0;
        }
        if (ok && lw_available(k, o)) {
            out->kind = LW_OPD_CSURF;
            out->t = o;
            return 1;
        }
    }
    if (ir_tensor_numel(o) != ir_tensor_numel(chain) || o->rank != chain->rank)
        return fail(reason, size, "second operand '%s' does not have the data's shape", o->name);
    for (int i = 0; i < o->rank; i++)
        if (o->dims[i] != chain->dims[i])
            return fail(reason, size, "second operand '%s' does not have the data's shape", o->name);
    if (!lw_available(k, o))
        return fail(reason, size, "second operand '%s' is not computed yet", o->name);
    out->kind = LW_OPD_POINT;
    out->t = o;
    return 1;
}

static lw_prim mk(lw_prim_type t, int alu)
{
    lw_prim x;
    memset(&x, 0, sizeof x);
    x.type = t;
    x.alu = alu;
    return x;
}

static int push_all(lw_sdp_prog *p, lw_prim *xs, int n)
{
    for (int i = 0; i < n; i++)
        if (!push(p, &xs[i])) {
            for (int j = i + 1; j < n; j++)
                free(xs[j].opd.pc);
            return 0;
        }
    return 1;
}

static void negate(int C, lw_opd *o)
{
    if (o->kind == LW_OPD_LAYER)
        o->v = -o->v;
    else if (o->kind == LW_OPD_CHANNEL)
        for (int c = 0; c < C; c++)
            o->pc[c] = -o->pc[c];
}

static int clip_bounds(const ir_node *n, double *lo, double *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    if (n->opset < 11) {
        *lo = ir_attr_float(n, "min", -INFINITY);
        *hi = ir_attr_float(n, "max", INFINITY);
        return 1;
    }
    for (int i = 1; i <= 2; i++) {
        if (i >= n->n_in || !n->in[i])
            continue;
        double *v = lw_const_f64(n->in[i]);
        if (!v)
            return 0;
        if (i == 1)
            *lo = v[0];
        else
            *hi = v[0];
        free(v);
    }
    return 1;
}

static lw_prim konst(lw_prim_type t, double v)
{
    lw_prim x = mk(t, 0);
    x.opd.kind = LW_OPD_LAYER;
    x.opd.v = v;
    return x;
}

static lw_prim alu_c(int alu, double v)
{
    lw_prim x = mk(LW_P_ALU, alu);
    x.opd.kind = LW_OPD_LAYER;
    x.opd.v = v;
    return x;
}

/* Binary element-wise node: o is the classified other operand, ci the chain's input index. */
static int binary_prims(const ir_node *n, int ci, int fp, int C, lw_opd o, lw_prim *xs, int *nx, char *reason,
                        size_t size)
{
    int m = 0;
    switch (n->op) {
    case IR_OP_Add: case IR_OP_Sum: case IR_OP_Mean:
        xs[m] = mk(LW_P_ALU, ENG_ALU_SUM);
        xs[m++].opd = o;
        if (n->op == IR_OP_Mean)
            xs[m++] = konst(LW_P_MUL, 0.5);
        break;
    case IR_OP_Sub:
        if (ci == 1) { /* c - x = (-x) + c */
            xs[m++] = konst(LW_P_MUL, -1.0);
            xs[m] = mk(LW_P_ALU, ENG_ALU_SUM);
            xs[m++].opd = o;
        } else if (o.kind == LW_OPD_POINT && fp) { /* x - y = -((-x) + y): the last negation in out_cvt */
            xs[m++] = konst(LW_P_MUL, -1.0);
            xs[m] = mk(LW_P_ALU, ENG_ALU_SUM);
            xs[m++].opd = o;
            xs[m++] = mk(LW_P_NEGOUT, 0);
        } else {
            if (o.kind == LW_OPD_POINT)
                o.neg = 1;
            else
                negate(C, &o);
            xs[m] = mk(LW_P_ALU, ENG_ALU_SUM);
            xs[m++].opd = o;
        }
        break;
    case IR_OP_Mul:
        xs[m] = mk(LW_P_MUL, 0);
        xs[m++].opd = o;
        break;
    case IR_OP_Div:
        if (ci != 0 || !opd_const(&o)) {
            free(o.pc);
            return fail(reason, size, "'%s': only division by a constant runs on the SDP", n->name);
        }
        for (int c = 0; c < (o.kind == LW_OPD_CHANNEL ? C : 1); c++) {
            double d = o.kind == LW_OPD_CHANNEL ? o.pc[c] : o.v;
            if (d == 0.0 || !isfinite(1.0 / d)) {
                free(o.pc);
                return fail(reason, size, "'%s': division by zero", n->name);
            }
            if (o.kind == LW_OPD_CHANNEL)
                o.pc[c] = 1.0 / d;
            else
                o.v = 1.0 / d;
        }
        xs[m] = mk(LW_P_MUL, 0);
        xs[m++].opd = o;
        break;
    default: /* Max, Min */
        xs[m] = mk(LW_P_ALU, n->op == IR_OP_Max ? ENG_ALU_MAX : ENG_ALU_MIN);
        xs[m++].opd = o;
        break;
    }
    *nx = m;
    return 1;
}

int lw_node_prims(const lw_task *k, const ir_node *n, const ir_tensor *chain, lw_sdp_prog *p, char *reason,
                  size_t size)
{
    int C = p->C, ci = -1;
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] == chain) {
            ci = i;
            break;
        }
    if (ci < 0)
        return fail(reason, size, "'%s' does not read the group's data", n->name);
    if (ir_tensor_numel(n->out[0]) != ir_tensor_numel(chain))
        return fail(reason, size, "'%s' broadcasts the data to a larger shape", n->name);
    if (is_passthrough(n))
        return 1;
    if (!lw_is_sdp_op(n->op))
        return fail(reason, size, "'%s' is not an SDP operation", n->name);
    int fp = p->prec == CC_PREC_FP16;
    lw_prim xs[6];
    int nx = 0;
    lw_opd o;
    double lo, hi;
    switch (n->op) {
    case IR_OP_Add: case IR_OP_Sum: case IR_OP_Sub: case IR_OP_Mul: case IR_OP_Div: case IR_OP_Max:
    case IR_OP_Min: case IR_OP_Mean:
        if (n->n_in != 2 || !n->in[0] || !n->in[1])
            return fail(reason, size, "'%s' needs exactly two inputs", n->name);
        if (n->in[0] == n->in[1])
            return fail(reason, size, "'%s' reads the data twice", n->name);
        if (!classify(k, chain, n->in[1 - ci], C, &o, reason, size))
            return 0;
        if (surf(&o) && p->no_point)
            return fail(reason, size, "'%s': a second surface cannot join this group", n->name);
        if (!binary_prims(n, ci, fp, C, o, xs, &nx, reason, size))
            return 0;
        break;
    case IR_OP_Relu:
        xs[nx++] = mk(LW_P_RELU, 0);
        break;
    case IR_OP_LeakyRelu:
        xs[nx++] = konst(LW_P_PRELU, ir_attr_float(n, "alpha", 0.01f));
        break;
    case IR_OP_PRelu:
        if (ci != 0 || !classify(k, chain, n->in[1], C, &o, reason, size))
            return ci != 0 ? fail(reason, size, "'%s': the slope must be the second input", n->name) : 0;
        if (!opd_const(&o))
            return fail(reason, size, "'%s': per-point slopes are not supported", n->name);
        xs[nx] = mk(LW_P_PRELU, 0);
        xs[nx++].opd = o;
        break;
    case IR_OP_Clip:
        if (!clip_bounds(n, &lo, &hi))
            return fail(reason, size, "'%s': min/max must be constants", n->name);
        if (lo == 0.0) {
            if (isfinite(hi))
                xs[nx++] = alu_c(ENG_ALU_MIN, hi);
            xs[nx++] = mk(LW_P_RELU, 0);
        } else {
            if (isfinite(lo))
                xs[nx++] = alu_c(ENG_ALU_MAX, lo);
            if (isfinite(hi))
                xs[nx++] = alu_c(ENG_ALU_MIN, hi);
        }
        break;
    case IR_OP_HardSigmoid:
        xs[nx++] = konst(LW_P_MUL, ir_attr_float(n, "alpha", 0.2f));
        xs[nx++] = alu_c(ENG_ALU_SUM, ir_attr_float(n, "beta", 0.5f));
        xs[nx++] = alu_c(ENG_ALU_MIN, 1.0);
        xs[nx++] = mk(LW_P_RELU, 0);
        break;
    case IR_OP_BatchNormalization: {
        if (ci != 0 || n->n_in < 5)
            return fail(reason, size, "'%s': BatchNormalization needs X, scale, B, mean, var", n->name);
        double *g = lw_const_f64(n->in[1]), *b = lw_const_f64(n->in[2]), *mu = lw_const_f64(n->in[3]),
               *var = lw_const_f64(n->in[4]);
        int ok = g && b && mu && var && ir_tensor_numel(n->in[1]) == C && ir_tensor_numel(n->in[2]) == C &&
                 ir_tensor_numel(n->in[3]) == C && ir_tensor_numel(n->in[4]) == C;
        double *sc = ok ? malloc(sizeof(double) * (size_t)C) : NULL, *sh = ok ? malloc(sizeof(double) * (size_t)C) : NULL;
        if (ok && sc && sh) {
            double eps = ir_attr_float(n, "epsilon", 1e-5f);
            for (int c = 0; c < C; c++) {
                sc[c] = g[c] / sqrt(var[c] + eps);
                sh[c] = b[c] - mu[c] * sc[c];
            }
        }
        free(g);
        free(b);
        free(mu);
        free(var);
        if (!ok || !sc || !sh) {
            free(sc);
            free(sh);
            return fail(reason, size, "'%s': scale, B, mean and var must be per-channel constants", n->name);
        }
        xs[nx] = mk(LW_P_MUL, 0);
        xs[nx].opd.kind = LW_OPD_CHANNEL;
        xs[nx++].opd.pc = sc;
        xs[nx] = mk(LW_P_ALU, ENG_ALU_SUM);
        xs[nx].opd.kind = LW_OPD_CHANNEL;
        xs[nx++].opd.pc = sh;
        break;
    }
    default: {
        double fa = 0, fb = 0;
        int fn = lw_lut_fn(n, &fa, &fb);
        if (!fn)
            return fail(reason, size, "'%s' has no SDP form", n->name);
        xs[nx] = mk(LW_P_LUT, 0);
        xs[nx].fn = fn;
        xs[nx].fa = fa;
        xs[nx].fb = fb;
        xs[nx++].lut_in = chain;
        break;
    }
    }
    if (!push_all(p, xs, nx))
        return fail(reason, size, "'%s': too many SDP primitives", n->name);
    return 1;
}

/* ---- groups ------------------------------------------------------------------------------------------------ */

static void rollback(lw_sdp_prog *p, const lw_sdp_prog *snap)
{
    for (int i = 0; i < p->n; i++) {
        double *pc = p->p[i].opd.pc;
        int kept = 0;
        for (int j = 0; j < snap->n && !kept; j++)
            kept = snap->p[j].opd.pc == pc;
        if (!kept)
            free(pc);
    }
    *p = *snap;
}

int lw_collect_followers(const lw_task *k, const ir_tensor *t, lw_sdp_prog *p, const ir_node **nodes, int max,
                         const ir_tensor **last_out)
{
    int cnt = 0;
    *last_out = t;
    while (cnt < max) {
        ir_node *c = lw_sole_consumer(k, t);
        if (!c || c->n_out < 1 || !c->out[0] || (!lw_is_sdp_op(c->op) && !is_passthrough(c)))
            break;
        if (cc_tb_prec(k->tb, c->out[0]) != p->prec)
            break;
        lw_sdp_prog snap = *p;
        char why[160];
        if (!lw_node_prims(k, c, t, p, why, sizeof why) || !lw_prog_fits(p)) {
            rollback(p, &snap);
            break;
        }
        /* merged operands replaced arrays that the snapshot still owns: free those now */
        for (int j = 0; j < snap.n; j++) {
            int kept = 0;
            for (int i = 0; i < p->n && !kept; i++)
                kept = p->p[i].opd.pc == snap.p[j].opd.pc;
            if (!kept)
                free(snap.p[j].opd.pc);
        }
        nodes[cnt++] = c;
        t = c->out[0];
        *last_out = t;
    }
    return cnt;
}

/* The input of n that carries the data: the first non-constant input of the output's size. */
static const ir_tensor *data_input(const ir_node *n)
{
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && n->in[i]->data_kind != IR_DATA_CONST &&
            ir_tensor_numel(n->in[i]) == ir_tensor_numel(n->out[0]))
            return n->in[i];
    return NULL;
}

#define LW_MAX_GROUP 16

dla_status lw_lower_sdp_group(const lw_task *k, const ir_node *n)
{
    const ir_tensor *x = data_input(n);
    if (!x || !n->out[0])
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "no data input to lower");
    cc_prec prec = cc_tb_prec(k->tb, n->out[0]);
    if (cc_tb_prec(k->tb, x) != prec)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input '%s' is %s but the node runs %s; the SDP converts "
                             "between INT8 and FP16 only through INT16 (engine.md §1.6 item 11)", x->name,
                             cc_tb_prec(k->tb, x) == CC_PREC_INT8 ? "INT8" : "FP16",
                             prec == CC_PREC_INT8 ? "INT8" : "FP16");
    int C, H, W;
    lw_chw(n->out[0], &C, &H, &W);
    lw_sdp_prog p;
    lw_prog_init(&p, C, prec);
    if (prec == CC_PREC_INT8)
        lw_prog_add_rescale(&p);
    char why[200];
    if (!lw_node_prims(k, n, x, &p, why, sizeof why) || !lw_prog_fits(&p)) {
        lw_prog_free(&p);
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "cannot lower to the SDP: %s", why[0] ? why : "too many stages");
    }
    const ir_node *group[LW_MAX_GROUP + 2];
    group[0] = n;
    const ir_tensor *last = n->out[0];
    int nf = lw_collect_followers(k, n->out[0], &p, group + 1, LW_MAX_GROUP, &last);
    int ng = nf + 1;

    /* a pooling node after the group runs on the fly */
    eng_pdp_op pd;
    const ir_node *pool = lw_sole_consumer(k, last);
    char pwhy[160];
    if (pool && !(pool->op == IR_OP_MaxPool || pool->op == IR_OP_AveragePool || pool->op == IR_OP_GlobalMaxPool ||
                  pool->op == IR_OP_GlobalAveragePool))
        pool = NULL;
    if (pool && (cc_tb_prec(k->tb, pool->out[0]) != prec || !lw_pool_desc(k, pool, prec, &pd, pwhy, sizeof pwhy) ||
                 !lw_pool_fusable(&pd, W, C, prec)))
        pool = NULL;
    const ir_tensor *out_t = pool ? pool->out[0] : last;
    if (pool)
        group[ng++] = pool;

    dla_status st = DLA_OK;
    cc_surface src, dst;
    eng_op op;
    memset(&op, 0, sizeof op);
    eng_sdp_op *sd = &op.u.sdp;
    lw_sdp_front f;
    memset(&f, 0, sizeof f);
    char name[512];
    lw_names(group, ng, name, sizeof name);
    st = cc_tb_surface(k->tb, x, &src);
    if (st == DLA_OK)
        st = cc_tb_surface(k->tb, out_t, &dst);
    if (st == DLA_OK && prec == CC_PREC_INT8) {
        st = lw_scale(k, x, &f.s_in);
        if (st == DLA_OK)
            st = lw_scale(k, out_t, &f.s_out);
    }
    if (st == DLA_OK)
        st = lw_sdp_build(k, name, &p, &f, sd);
    if (st == DLA_OK) {
        op.type = ENG_OP_SDP;
        sd->src_precision = sd->dst_precision = (uint8_t)lw_eprec(prec);
        sd->src = lw_cube(&src, 0, 0, 0, 0, 0, 0);
        sd->dst = pool ? lw_hw_cube(lw_eprec(prec), C, H, W) : lw_cube(&dst, 0, 0, 0, 0, 0, 0);
        st = cc_tb_add_op(k->tb, &op, name, prec == CC_PREC_INT8 ? "INT8" : "FP16");
    }
    if (st == DLA_OK && pool) {
        eng_op pop;
        memset(&pop, 0, sizeof pop);
        pop.type = ENG_OP_PDP;
        pop.u.pdp = pd;
        pop.u.pdp.src = lw_hw_cube(lw_eprec(prec), C, H, W);
        pop.u.pdp.dst = lw_cube(&dst, 0, 0, 0, 0, 0, 0);
        st = cc_tb_add_op(k->tb, &pop, name, prec == CC_PREC_INT8 ? "INT8" : "FP16");
    }
    lw_prog_free(&p);
    if (st != DLA_OK)
        return st;
    for (int i = 0; i < ng; i++)
        cc_tb_mark(k->tb, group[i]);
    return DLA_OK;
}

dla_status lw_emit_sdp_copy(const lw_task *k, const char *layer, const cc_surface *src, const cc_surface *dst,
                            const ir_tensor *dst_t)
{
    (void)dst_t;
    if (src->prec != dst->prec)
        return base_error(DLA_ERR_UNSUPPORTED, "lowering '%s': an SDP copy cannot convert between INT8 and FP16 "
                          "(engine.md §1.6 item 11)", layer);
    lw_sdp_prog p;
    lw_prog_init(&p, (int)dst->geom.c, dst->prec);
    lw_sdp_front f;
    memset(&f, 0, sizeof f);
    if (dst->prec == CC_PREC_INT8) {
        lw_prog_add_rescale(&p);
        f.s_in = src->scale;
        f.s_out = dst->scale;
        if (!(f.s_in > 0) || !(f.s_out > 0))
            return base_error(DLA_ERR_INVALID_ARG, "lowering '%s': INT8 copy without scales", layer);
    }
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_SDP;
    dla_status st = lw_sdp_build(k, layer, &p, &f, &op.u.sdp);
    lw_prog_free(&p);
    BASE_TRY(st);
    op.u.sdp.src_precision = op.u.sdp.dst_precision = (uint8_t)lw_eprec(dst->prec);
    op.u.sdp.src = lw_cube(src, 0, 0, 0, 0, 0, 0);
    op.u.sdp.dst = lw_cube(dst, 0, 0, 0, 0, 0, 0);
    return cc_tb_add_op(k->tb, &op, layer, dst->prec == CC_PREC_INT8 ? "INT8" : "FP16");
}
