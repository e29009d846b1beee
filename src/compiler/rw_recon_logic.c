/* Not / And / Or / Xor -> float arithmetic on 0/1 values (DLA-SW operators/op_reconstruction):
 *   Not(a) = Sub(1, a), And(a, b) = Mul(a, b), Or(a, b) = Clip(Add(a, b), 0, 1), Xor(a, b) = Abs(Sub(a, b)).
 * All exact on 0/1 floats.
 *
 * The ops form boolean regions: logic nodes connected through their bool tensors. A region is rewritten as a
 * whole and its bool tensors become float32 ones. Its boundary keeps the graph's types:
 *  - inputs: each bool tensor that enters the region must come from a comparison (Equal, Less, Greater,
 *    LessOrEqual, GreaterOrEqual), a graph input or a constant; otherwise the region is left alone (its producer
 *    runs on the host anyway). A constant becomes a float32 constant; the others get a Cast to float32
 *    ("<consumer>/to_float"). After a comparison that Cast is what the DLA does anyway: its comparison output is
 *    FP16/INT8 and "must be cast to FP16/INT8 immediately" (TensorRT's DLA restrictions).
 *  - outputs: a Cast consumer (to any type) reads the float 0/1 tensor directly (the same values as from bool);
 *    every other consumer outside the region (Where, NonZero, a bool graph output, ...) keeps reading the original
 *    bool tensor, which a Cast back to bool ("<name>/to_bool") now produces. */
#include "compiler/rw_recon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_logic(const ir_node *n)
{
    return n && (n->op == IR_OP_Not || n->op == IR_OP_And || n->op == IR_OP_Or || n->op == IR_OP_Xor);
}

static int is_comparison(const ir_node *n)
{
    return n && (n->op == IR_OP_Equal || n->op == IR_OP_Less || n->op == IR_OP_Greater ||
                 n->op == IR_OP_LessOrEqual || n->op == IR_OP_GreaterOrEqual);
}

/* Before opset 7 the arithmetic ops broadcast only through their legacy broadcast/axis attributes: there the
 * rewrite needs operands of one known shape (Not's constant 1 is then made in x's shape). */
static int legacy_shapes_ok(const ir_node *n)
{
    if (n->opset >= 7)
        return 1;
    const ir_tensor *a = n->in[0], *b = n->n_in > 1 ? n->in[1] : n->in[0];
    return ir_tensor_shape_known(a) && a->rank == b->rank &&
           memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0;
}

/* 1 when the logic node has its operands and a bool output. */
static int logic_ok(const ir_node *n)
{
    int want = n->op == IR_OP_Not ? 1 : 2;
    if (n->n_in != want || n->n_out < 1 || !n->out[0] || n->out[0]->dtype != IR_BOOL)
        return 0;
    for (int j = 0; j < want; j++)
        if (!n->in[j] || n->in[j]->dtype != IR_BOOL)
            return 0;
    return legacy_shapes_ok(n);
}

typedef struct logic_state {
    ir_graph *g;
    int n_nodes;          /* node count at entry: only these are examined */
    int *region;          /* per node index: region id, -1 outside any */
    ir_tensor **as_float; /* per tensor id (at entry): its float32 replacement */
} logic_state;

/* Grows region r from node index seed through bool tensors shared by logic nodes. */
static void flood(logic_state *s, int seed, int r, int *stack)
{
    int top = 0;
    stack[top++] = seed;
    s->region[seed] = r;
    while (top) {
        const ir_node *n = s->g->nodes[stack[--top]];
        for (int i = 0; i < s->n_nodes; i++) {
            const ir_node *m = s->g->nodes[i];
            if (s->region[i] != -1 || !is_logic(m) || !logic_ok(m))
                continue;
            int linked = 0;
            for (int j = 0; j < m->n_in && !linked; j++)
                linked = m->in[j] == n->out[0];
            for (int j = 0; j < n->n_in && !linked; j++)
                linked = n->in[j] == m->out[0];
            if (linked) {
                s->region[i] = r;
                stack[top++] = i;
            }
        }
    }
}

static int produced_in_region(const logic_state *s, const ir_tensor *t, int r)
{
    for (int i = 0; i < s->n_nodes; i++)
        if (s->region[i] == r && s->g->nodes[i]->out[0] == t)
            return 1;
    return 0;
}

/* 1 when every bool tensor entering region r comes from a comparison, a graph input or a constant. */
static int inputs_ok(const logic_state *s, int r)
{
    for (int i = 0; i < s->n_nodes; i++) {
        if (s->region[i] != r)
            continue;
        const ir_node *n = s->g->nodes[i];
        for (int j = 0; j < n->n_in; j++) {
            const ir_tensor *t = n->in[j];
            if (produced_in_region(s, t, r))
                continue;
            if (!cc_is_const(t) && !(t->flags & IR_T_INPUT) && !is_comparison(t->producer))
                return 0;
        }
    }
    return 1;
}

/* The explanation for one logic node: its operands, then the bool inputs of the logic nodes above it (walking
 * producers; a region-mate reached only downwards is not seen, and the reason then stays generic). */
int rc_logic_applies(const ir_node *n, char *reason, size_t size)
{
    enum { MAX_WALK = 256 };
    const ir_node *stack[MAX_WALK], *seen[MAX_WALK];
    int top = 0, n_seen = 0;
    if (!legacy_shapes_ok(n))
        return cc_fail(reason, size, "opset %d broadcasts only through legacy attributes; the rewrite into float "
                       "arithmetic needs operands of one known shape there (or opset 7 or later)", n->opset);
    if (!logic_ok(n))
        return cc_fail(reason, size, "an operand or the result is not a bool tensor of a known type");
    stack[top++] = n;
    seen[n_seen++] = n;
    while (top) {
        const ir_node *m = stack[--top];
        for (int j = 0; j < m->n_in; j++) {
            const ir_tensor *t = m->in[j];
            const ir_node *p = t->producer;
            if (cc_is_const(t) || (t->flags & IR_T_INPUT) || is_comparison(p))
                continue;
            if (!is_logic(p) || !logic_ok(p))
                return cc_fail(reason, size, "bool input '%s'%s%s%s comes from %s%s%s; the rewrite into float "
                               "arithmetic needs its bool inputs from comparisons, graph inputs or constants",
                               t->name, m == n ? "" : " (of '", m == n ? "" : m->name, m == n ? "" : "')",
                               p ? p->op_type : "no node", p ? " " : "", p ? p->name : "");
            int dup = 0;
            for (int k = 0; k < n_seen && !dup; k++)
                dup = seen[k] == p;
            if (!dup && top < MAX_WALK && n_seen < MAX_WALK) {
                stack[top++] = p;
                seen[n_seen++] = p;
            }
        }
    }
    return 1;
}

/* The float32 version of a bool tensor entering the region at node n. */
static dla_status float_input(logic_state *s, const ir_node *n, ir_tensor *t, ir_tensor **out)
{
    if (s->as_float[t->id]) {
        *out = s->as_float[t->id];
        return DLA_OK;
    }
    char base[256];
    snprintf(base, sizeof base, "%.230s_f32", t->name);
    if (cc_is_const(t)) {
        BASE_TRY(rc_const(s->g, base, IR_F32, t->rank, t->dims, out));
        const unsigned char *b = t->data;
        float *f = (*out)->data;
        for (int64_t k = 0, cnt = ir_tensor_numel(t); k < cnt; k++)
            f[k] = b[k] ? 1.0f : 0.0f;
    } else {
        BASE_TRY(rc_tensor(s->g, base, IR_F32, t->rank, t->dims, out));
        ir_node *c;
        BASE_TRY(rc_node(s->g, IR_OP_Cast, rc_name(s->g, n->name, "to_float"), 1, 1, 1, &c));
        rc_attr_int(c, 0, "to", IR_F32);
        c->opset = n->opset;
        c->in[0] = t;
        c->out[0] = *out;
    }
    s->as_float[t->id] = *out;
    return DLA_OK;
}

/* A float32 constant v of shape (1) (rank 1) or a scalar (rank 0). */
static dla_status scalar_const(ir_graph *g, const char *node, const char *what, int rank, float v, ir_tensor **out)
{
    char base[256];
    const int64_t one = 1;
    snprintf(base, sizeof base, "%.200s/%s", node, what);
    BASE_TRY(rc_const(g, base, IR_F32, rank, &one, out));
    *(float *)(*out)->data = v;
    return DLA_OK;
}

static dla_status binary(ir_graph *g, ir_op op, const char *name, int opset, ir_tensor *a, ir_tensor *b,
                         ir_tensor *out)
{
    ir_node *m;
    BASE_TRY(rc_node(g, op, name, b ? 2 : 1, 1, 0, &m));
    m->opset = opset;
    m->in[0] = a;
    if (b)
        m->in[1] = b;
    m->out[0] = out;
    return DLA_OK;
}

/* Clip(x, 0, 1) in the node's opset form: attributes before opset 11, inputs from 11. */
static dla_status clip01(ir_graph *g, const char *name, int opset, ir_tensor *x, ir_tensor *out)
{
    ir_node *c;
    if (opset < 11) {
        BASE_TRY(rc_node(g, IR_OP_Clip, name, 1, 1, 2, &c));
        rc_attr_float(c, 0, "min", 0.0f);
        rc_attr_float(c, 1, "max", 1.0f);
    } else {
        ir_tensor *lo, *hi;
        BASE_TRY(scalar_const(g, name, "min", 0, 0.0f, &lo));
        BASE_TRY(scalar_const(g, name, "max", 0, 1.0f, &hi));
        BASE_TRY(rc_node(g, IR_OP_Clip, name, 3, 1, 0, &c));
        c->in[1] = lo;
        c->in[2] = hi;
    }
    c->opset = opset;
    c->in[0] = x;
    c->out[0] = out;
    return DLA_OK;
}

/* The float computation of logic node n into fo (n is already out of the node list). */
static dla_status float_op(logic_state *s, ir_node *n, ir_tensor *a, ir_tensor *b, ir_tensor *fo)
{
    ir_graph *g = s->g;
    ir_tensor *tmp, *one;
    switch (n->op) {
    case IR_OP_Not:
        if (n->opset < 7) { /* no broadcasting: ones of x's shape (DLA-SW's own form) */
            char base[256];
            snprintf(base, sizeof base, "%.230s/ones", n->name);
            BASE_TRY(rc_const(g, base, IR_F32, a->rank, a->dims, &one));
            for (int64_t k = 0, cnt = ir_tensor_numel(a); k < cnt; k++)
                ((float *)one->data)[k] = 1.0f;
        } else {
            BASE_TRY(scalar_const(g, n->name, "one", 1, 1.0f, &one));
        }
        return binary(g, IR_OP_Sub, n->name, n->opset, one, a, fo);
    case IR_OP_And:
        return binary(g, IR_OP_Mul, n->name, n->opset, a, b, fo);
    case IR_OP_Or:
        BASE_TRY(rc_tensor(g, fo->name, IR_F32, fo->rank, fo->dims, &tmp));
        BASE_TRY(binary(g, IR_OP_Add, rc_name(g, n->name, "add"), n->opset, a, b, tmp));
        return clip01(g, n->name, n->opset, tmp, fo);
    default: /* Xor */
        BASE_TRY(rc_tensor(g, fo->name, IR_F32, fo->rank, fo->dims, &tmp));
        BASE_TRY(binary(g, IR_OP_Sub, rc_name(g, n->name, "sub"), n->opset, a, b, tmp));
        return binary(g, IR_OP_Abs, n->name, n->opset, tmp, NULL, fo);
    }
}

/* Points Cast consumers outside region r at fo; 1 when another consumer (or the graph) still needs o as bool. */
static int reroute_consumers(logic_state *s, int r, ir_tensor *o, ir_tensor *fo)
{
    int needs_bool = (o->flags & IR_T_OUTPUT) != 0;
    for (int i = 0; i < s->n_nodes; i++) {
        ir_node *c = s->g->nodes[i];
        if (!c || s->region[i] == r)
            continue;
        for (int j = 0; j < c->n_in; j++) {
            if (c->in[j] != o)
                continue;
            if (c->op == IR_OP_Cast)
                c->in[j] = fo;
            else
                needs_bool = 1;
        }
    }
    return needs_bool;
}

static dla_status rewrite_region(logic_state *s, int r)
{
    ir_graph *g = s->g;
    for (int i = 0; i < s->n_nodes; i++) {
        if (s->region[i] != r)
            continue;
        ir_node *n = g->nodes[i];
        ir_tensor *a, *b = NULL, *fo, *o = n->out[0];
        BASE_TRY(float_input(s, n, n->in[0], &a));
        if (n->n_in > 1)
            BASE_TRY(float_input(s, n, n->in[1], &b));
        char base[256];
        snprintf(base, sizeof base, "%.230s_f32", o->name);
        BASE_TRY(rc_tensor(g, base, IR_F32, o->rank, o->dims, &fo));
        s->as_float[o->id] = fo;
        g->nodes[i] = NULL; /* the replacement takes the name; region[i] keeps marking the slot */
        BASE_TRY(float_op(s, n, a, b, fo));
        if (reroute_consumers(s, r, o, fo)) {
            ir_node *c;
            BASE_TRY(rc_node(g, IR_OP_Cast, rc_name(g, n->name, "to_bool"), 1, 1, 1, &c));
            rc_attr_int(c, 0, "to", IR_BOOL);
            c->opset = n->opset;
            c->in[0] = fo;
            c->out[0] = o;
        }
    }
    return DLA_OK;
}

dla_status cc_recon_logic(ir_graph *g, int *n_changed)
{
    *n_changed = 0;
    logic_state s = {g, g->n_nodes, NULL, NULL};
    s.region = malloc(sizeof(int) * (size_t)(s.n_nodes + 1));
    s.as_float = calloc((size_t)g->n_tensors + 1, sizeof(ir_tensor *));
    int *stack = malloc(sizeof(int) * (size_t)(s.n_nodes + 1));
    dla_status st = DLA_OK;
    if (!s.region || !s.as_float || !stack) {
        st = base_error(DLA_ERR_NOMEM, "out of memory finding boolean regions");
        goto out;
    }
    for (int i = 0; i < s.n_nodes; i++)
        s.region[i] = -1;
    int n_regions = 0;
    for (int i = 0; i < s.n_nodes; i++)
        if (s.region[i] == -1 && is_logic(g->nodes[i]) && logic_ok(g->nodes[i]))
            flood(&s, i, n_regions++, stack);
    for (int r = 0; r < n_regions && st == DLA_OK; r++) {
        if (!inputs_ok(&s, r))
            continue;
        int size = 0;
        for (int i = 0; i < s.n_nodes; i++)
            size += s.region[i] == r;
        st = rewrite_region(&s, r);
        *n_changed += size;
    }
out:
    free(s.region);
    free(s.as_float);
    free(stack);
    return st;
}
