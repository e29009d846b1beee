/* Engine accuracy fixes, unit level (the whole-network figures are test_e2e_engine's, docs/accuracy.md):
 *   (a) INT8 average pooling whose output scale differs from its input's runs as a depthwise CONV with weights
 *       1/window (lw_avgpool_as_conv): on inputs that are exact multiples of the input step, every output is
 *       within half an output step (plus the SDP's fixed-point slack) of the exact average — the PDP path rounded
 *       the average to the INPUT's step (up to s_in / 2 = several output steps);
 *   (b) cc_unify_scales: Concat / MaxPool / Reshape / Slice groups share the largest scale; other tensors keep
 *       theirs; non-float side inputs take no part; fill_only gives only the members without a scale the
 *       group's largest (tensors made by the DLA rewrites inherit a calibrated scale);
 * The same fixes through the real path (dla_builder_build + runtime) are checked by test_e2e_runtime.
 */
#include "check.h"
#include "compiler/lower.h"
#include "compiler/tb.h"
#include "lower4_tb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})

static ir_graph *G;
static int uniq;

static ir_tensor *named(const char *prefix)
{
    char name[32];
    ir_tensor *t = NULL;
    snprintf(name, sizeof name, "%s%d", prefix, uniq++);
    CHECK_OK(ir_graph_tensor(G, name, &t));
    return t;
}

static ir_node *node1(ir_op op, const char *name, int n_in, ir_tensor *const *in)
{
    ir_node *n = NULL;
    CHECK_OK(ir_graph_add_node(G, op, name, n_in, 1, 8, &n));
    n->n_attrs = 0;
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    n->out[0] = named("t");
    n->opset = G->opset;
    return n;
}

static ir_attr *attr(ir_node *n, const char *name, ir_attr_type type)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->type = type;
    return a;
}

static void ais(ir_node *n, const char *name, int k, const int64_t *v)
{
    ir_attr *a = attr(n, name, IR_ATTR_INTS);
    a->n = k;
    a->ints = base_arena_alloc(G->arena, sizeof(int64_t) * (size_t)k);
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)k);
}

static ir_tensor *input(int rank, const int64_t *dims)
{
    ir_tensor *x = named("in");
    x->dtype = IR_F32;
    ir_tensor_set_shape(x, rank, dims);
    CHECK_OK(ir_graph_add_input(G, x));
    return x;
}

static ir_tensor *const_i64(int n, const int64_t *v)
{
    ir_tensor *t = named("c");
    t->dtype = IR_I64;
    ir_tensor_set_shape(t, 1, DIMS(n));
    CHECK_OK(ir_tensor_alloc_const(G, t));
    memcpy(t->data, v, sizeof(int64_t) * (size_t)n);
    return t;
}

static void begin(void)
{
    CHECK_OK(ir_graph_create(&G));
    G->opset = 17;
    uniq = 0;
}

static ir_graph *finish(ir_tensor *y)
{
    CHECK_OK(ir_graph_add_output(G, y));
    CHECK_OK(ir_graph_toposort(G));
    CHECK_OK(ir_graph_infer(G));
    ir_graph *g = G;
    G = NULL;
    return g;
}

/* ---- (a) average pooling as a depthwise convolution ---------------------------------------------------------- */

static void check_avgpool(const char *label, int global, int k, int s, int p)
{
    begin();
    const int C = 40, H = 7, W = 7;
    ir_tensor *x = input(4, DIMS(1, C, H, W));
    ir_node *n = node1(global ? IR_OP_GlobalAveragePool : IR_OP_AveragePool, "Pool_1", 1, (ir_tensor *[]){x});
    if (!global) {
        ais(n, "kernel_shape", 2, DIMS(k, k));
        ais(n, "strides", 2, DIMS(s, s));
        ais(n, "pads", 4, DIMS(p, p, p, p));
        attr(n, "count_include_pad", IR_ATTR_INT)->i = 1;
    }
    CHECK_OK(ir_infer_node(n));
    ir_graph *g = finish(n->out[0]);
    ir_tensor *y = n->out[0];
    /* x: exact multiples of s_in, so the engine's only error is the output rounding */
    const double s_in = 0.05;
    float *xv = malloc(sizeof(float) * C * H * W);
    unsigned seed = 31;
    for (int i = 0; i < C * H * W; i++) {
        seed = seed * 1664525u + 1013904223u;
        int q = (int)(seed >> 24) - 128; /* [-128, 127] */
        q = q < -127 ? -127 : q;
        xv[i] = (float)(q * s_in);
    }
    /* exact reference (count_include_pad) */
    int OH = (int)y->dims[2], OW = (int)y->dims[3];
    int kh = global ? H : k, kw = global ? W : k, sy = global ? 1 : s, pp = global ? 0 : p;
    double *ref = calloc((size_t)C * OH * OW, sizeof(double)), amax = 0;
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                double sum = 0;
                for (int r = 0; r < kh; r++)
                    for (int t = 0; t < kw; t++) {
                        int iy = oy * sy - pp + r, ix = ox * sy - pp + t;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                            sum += xv[(c * H + iy) * W + ix];
                    }
                double v = sum / (kh * kw);
                ref[(c * OH + oy) * OW + ox] = v;
                amax = fmax(amax, fabs(v));
            }
    const double s_out = amax / 127.0;
    CHECK(s_out < s_in / 1.5); /* the case the PDP handled badly */
    cc_task_builder *tb = l4tb_create(g, CC_PREC_INT8);
    l4tb_set(tb, x, CC_PREC_INT8, (float)s_in);
    l4tb_set(tb, y, CC_PREC_INT8, (float)s_out);
    int ids[1] = {0};
    CHECK_OK(cc_lower_task(tb, g, ids, 1));
    CHECK(l4tb_n_ops(tb) == 2 && l4tb_op(tb, 0)->type == ENG_OP_CONV && l4tb_op(tb, 1)->type == ENG_OP_SDP);
    CHECK_OK(l4tb_write(tb, x, xv));
    CHECK_OK(l4tb_run(tb, NULL));
    float *got = calloc((size_t)C * OH * OW, sizeof(float));
    CHECK_OK(l4tb_read(tb, y, got));
    double worst = 0;
    for (int i = 0; i < C * OH * OW; i++)
        worst = fmax(worst, fabs(got[i] - ref[i]) / s_out);
    printf("%-28s INT8: worst error %.4f output steps (s_in / s_out = %.2f)\n", label, worst, s_in / s_out);
    CHECK(worst <= 0.502);
    free(got);
    free(ref);
    free(xv);
    l4tb_destroy(tb);
    ir_graph_destroy(g);
}

/* ---- (b) scale unification ------------------------------------------------------------------------------------ */

static void test_unify(void)
{
    begin();
    ir_tensor *a = input(4, DIMS(1, 8, 4, 4)), *b = input(4, DIMS(1, 8, 4, 4)), *d = input(4, DIMS(1, 16, 2, 2));
    ir_node *cat = node1(IR_OP_Concat, "Concat_1", 2, (ir_tensor *[]){a, b});
    attr(cat, "axis", IR_ATTR_INT)->i = 1;
    CHECK_OK(ir_infer_node(cat));
    ir_node *mp = node1(IR_OP_MaxPool, "MaxPool_2", 1, (ir_tensor *[]){cat->out[0]});
    ais(mp, "kernel_shape", 2, DIMS(2, 2));
    ais(mp, "strides", 2, DIMS(2, 2));
    CHECK_OK(ir_infer_node(mp));
    ir_node *add = node1(IR_OP_Add, "Add_3", 2, (ir_tensor *[]){mp->out[0], mp->out[0]});
    CHECK_OK(ir_infer_node(add));
    ir_node *sl = node1(IR_OP_Slice, "Slice_4", 3,
                        (ir_tensor *[]){add->out[0], const_i64(1, DIMS(0)), const_i64(1, DIMS(8))});
    CHECK_OK(ir_infer_node(sl));
    ir_node *cat2 = node1(IR_OP_Concat, "Concat_5", 2, (ir_tensor *[]){d, sl->out[0]});
    attr(cat2, "axis", IR_ATTR_INT)->i = 1;
    CHECK_OK(ir_infer_node(cat2));
    ir_graph *g = finish(cat2->out[0]);
    float *scale = calloc((size_t)g->n_tensors + 1, sizeof(float));
    unsigned char *is8 = calloc((size_t)g->n_tensors + 1, 1);
    const ir_tensor *t_cat = cat->out[0], *t_mp = mp->out[0], *t_add = add->out[0], *t_sl = sl->out[0],
                    *t_cat2 = cat2->out[0];
    struct { const ir_tensor *t; float s; } set[] = {{a, 0.1f}, {b, 0.3f}, {t_cat, 0.2f}, {t_mp, 0.15f},
                                                     {t_add, 0.5f}, {t_sl, 0.25f}, {d, 0.05f}, {t_cat2, 0.4f}};
    for (size_t i = 0; i < sizeof set / sizeof *set; i++) {
        scale[set[i].t->id] = set[i].s;
        is8[set[i].t->id] = 1;
    }
    int changed = cc_unify_scales(g, is8, scale, 0);
    /* group 1: a, b, concat, maxpool -> 0.3; group 2: add (Slice input), slice, d, concat2 -> 0.5 */
    CHECK(changed == 6);
    CHECK(scale[a->id] == 0.3f && scale[b->id] == 0.3f && scale[t_cat->id] == 0.3f && scale[t_mp->id] == 0.3f);
    CHECK(scale[t_add->id] == 0.5f && scale[t_sl->id] == 0.5f && scale[d->id] == 0.5f && scale[t_cat2->id] == 0.5f);
    /* a tensor outside is8 is left alone */
    is8[d->id] = 0;
    scale[d->id] = 0.05f;
    scale[t_cat2->id] = 0.4f;
    CHECK(cc_unify_scales(g, is8, scale, 0) == 1 && scale[d->id] == 0.05f && scale[t_cat2->id] == 0.5f);
    /* fill_only: a member without a scale (a tensor made by a rewrite) takes the group's largest; the others keep
     * theirs, and a group without any scale stays without */
    scale[t_sl->id] = 0;
    scale[t_cat->id] = 0;
    scale[a->id] = 0;
    scale[b->id] = 0;
    scale[t_mp->id] = 0.15f;
    scale[t_add->id] = 0.45f;
    CHECK(cc_unify_scales(g, is8, scale, 1) == 4);
    CHECK(scale[t_sl->id] == 0.5f && scale[t_add->id] == 0.45f && scale[t_cat2->id] == 0.5f);
    CHECK(scale[t_cat->id] == 0.15f && scale[a->id] == 0.15f && scale[b->id] == 0.15f && scale[t_mp->id] == 0.15f);
    for (int i = 0; i < g->n_tensors; i++)
        scale[i] = 0;
    CHECK(cc_unify_scales(g, is8, scale, 1) == 0 && scale[t_cat->id] == 0);
    free(scale);
    free(is8);
    ir_graph_destroy(g);
}

int main(void)
{
    check_avgpool("global average pool 7x7", 1, 0, 0, 0);
    check_avgpool("average pool 3x3 s2 p1", 0, 3, 2, 1);
    test_unify();
    return TEST_RESULT();
}
