/* Lowering rewrites (rw_lower*.c): each pass fires where its conditions hold (the op counts change as expected,
 * graph outputs keep their names) and keeps the graph's FP32 output on the host executor (cc_harness.h, random
 * inputs); and where a condition fails it leaves the graph alone. */
#include "cc_harness.h"
#include "check.h"
#include "compiler/rw_lower.h"

#include <stdint.h>

/* ---- graph building ------------------------------------------------------------------------------------- */

static ir_graph *G;
static int uniq;
static unsigned wseed;
static int V; /* the variant a builder makes (set by the test before it runs the checks) */

static float wrand(void)
{
    wseed = wseed * 1664525u + 1013904223u;
    return ((float)(wseed >> 8) / 16777216.0f) * 2.0f - 1.0f;
}

static dla_status begin(int opset)
{
    BASE_TRY(ir_graph_create(&G));
    G->opset = opset;
    uniq = 0;
    wseed = 777;
    return DLA_OK;
}

static ir_tensor *named(const char *prefix)
{
    char name[32];
    ir_tensor *t = NULL;
    snprintf(name, sizeof name, "%s%d", prefix, uniq++);
    CHECK_OK(ir_graph_tensor(G, name, &t));
    return t;
}

static ir_tensor *input(int rank, const int64_t *dims)
{
    ir_tensor *x = named("in");
    x->dtype = IR_F32;
    ir_tensor_set_shape(x, rank, dims);
    CHECK_OK(ir_graph_add_input(G, x));
    return x;
}

static ir_tensor *cst(ir_dtype t, int rank, const int64_t *dims)
{
    ir_tensor *x = named("c");
    x->dtype = t;
    ir_tensor_set_shape(x, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(G, x));
    return x;
}

/* A float constant: the given values, or random in [lo, lo + 2) when v is NULL. */
static ir_tensor *cf(int rank, const int64_t *dims, const float *v, float lo)
{
    ir_tensor *x = cst(IR_F32, rank, dims);
    float *p = x->data;
    for (int64_t i = 0; i < ir_tensor_numel(x); i++)
        p[i] = v ? v[i] : lo + 1.0f + wrand();
    return x;
}

static ir_tensor *cscalar(float v) { return cf(0, NULL, &v, 0); }

static ir_tensor *ci64(int64_t n, const int64_t *v)
{
    ir_tensor *x = cst(IR_I64, 1, &n);
    for (int64_t i = 0; i < n; i++)
        ((int64_t *)x->data)[i] = v[i];
    return x;
}

/* A node with fresh outputs "<name>_out<j>" and room for 8 attributes (appended with the a* helpers). */
static ir_node *nd(ir_op op, const char *name, int n_in, ir_tensor *const *in, int n_out)
{
    ir_node *n = NULL;
    CHECK_OK(ir_graph_add_node(G, op, name, n_in, n_out, 8, &n));
    n->n_attrs = 0;
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    for (int j = 0; j < n_out; j++) {
        char out[64];
        snprintf(out, sizeof out, "%s_out%d", name, j);
        CHECK_OK(ir_graph_tensor(G, out, &n->out[j]));
    }
    n->opset = G->opset;
    return n;
}

#define IN(...) ((ir_tensor *const[]){__VA_ARGS__})
#define N1(op, name, ...) nd(op, name, (int)(sizeof IN(__VA_ARGS__) / sizeof(ir_tensor *)), IN(__VA_ARGS__), 1)
#define DIMS(...) ((const int64_t[]){__VA_ARGS__})

static ir_attr *attr(ir_node *n, const char *name, ir_attr_type type)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->type = type;
    return a;
}
static void ai(ir_node *n, const char *name, int64_t v) { attr(n, name, IR_ATTR_INT)->i = v; }
static void af(ir_node *n, const char *name, float v) { attr(n, name, IR_ATTR_FLOAT)->f = v; }
static void as(ir_node *n, const char *name, const char *v) { attr(n, name, IR_ATTR_STRING)->s = v; }
static void ais(ir_node *n, const char *name, int k, const int64_t *v)
{
    ir_attr *a = attr(n, name, IR_ATTR_INTS);
    a->n = k;
    a->ints = base_arena_alloc(G->arena, sizeof(int64_t) * (size_t)k);
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)k);
}

/* The node's first output, inferred (builders wire nodes in order, so inputs are known; attributes are set). */
static ir_tensor *out0(ir_node *n)
{
    CHECK_OK(ir_infer_node(n));
    return n->out[0];
}

static dla_status finish(ir_graph **out, int n_out, ir_tensor *const *outs)
{
    for (int i = 0; i < n_out; i++)
        BASE_TRY(ir_graph_add_output(G, outs[i]));
    dla_status st = ir_graph_toposort(G);
    if (st == DLA_OK)
        st = ir_graph_infer(G);
    if (st != DLA_OK) {
        ir_graph_destroy(G);
        G = NULL;
        return st;
    }
    *out = G;
    G = NULL;
    return DLA_OK;
}
static dla_status finish1(ir_graph **out, ir_tensor *y) { return finish(out, 1, &y); }

/* ---- checks --------------------------------------------------------------------------------------------- */

static int count_op(const ir_graph *g, ir_op op)
{
    int c = 0;
    for (int i = 0; i < g->n_nodes; i++)
        c += g->nodes[i] && g->nodes[i]->op == op;
    return c;
}

static const ir_node *find_node(const ir_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i] && strcmp(g->nodes[i]->name, name) == 0)
            return g->nodes[i];
    return NULL;
}

typedef struct want {
    ir_op op;
    int count; /* after the pass */
} want;

static ir_graph *LAST; /* the rewritten graph of the last expect(), for extra checks (freed by the next) */

/* The pass keeps build()'s FP32 output within tol and fires (or not); on a fresh build it leaves the op counts in
 * w (when fired) or every count unchanged (when not), outputs keep their names and producers. */
static void expect(const char *what, int variant, cc_build_fn build, cc_pass_fn pass, double tol, int fires,
                   const want *w, int nw)
{
    int changed = 0;
    V = variant;
    int ok = cc_check_pass_preserves(build, pass, tol, &changed);
    if (!ok || (changed > 0) != fires)
        fprintf(stderr, "%s (variant %d): preserves %d, changed %d, expected %s\n", what, variant, ok, changed,
                fires ? "changes" : "none");
    CHECK(ok);
    CHECK((changed > 0) == fires);
    ir_graph_destroy(LAST);
    LAST = NULL;
    ir_graph *g = NULL;
    CHECK_OK(build(&g));
    if (!g)
        return;
    int before[IR_OP_COUNT];
    for (int op = 0; op < IR_OP_COUNT; op++)
        before[op] = count_op(g, (ir_op)op);
    const char *names[8];
    int n_out = g->n_outputs < 8 ? g->n_outputs : 8;
    for (int i = 0; i < n_out; i++)
        names[i] = g->outputs[i]->name;
    CHECK_OK(pass(g, &changed));
    ir_graph_compact(g);
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    for (int i = 0; i < nw && fires; i++)
        if (count_op(g, w[i].op) != w[i].count) {
            fprintf(stderr, "%s (variant %d): %d %s node(s), expected %d\n", what, variant, count_op(g, w[i].op),
                    ir_op_name(w[i].op), w[i].count);
            CHECK(0);
        }
    for (int op = 0; op < IR_OP_COUNT && !fires; op++)
        CHECK(count_op(g, (ir_op)op) == before[op]);
    for (int i = 0; i < n_out; i++) {
        CHECK(strcmp(g->outputs[i]->name, names[i]) == 0);
        CHECK(g->outputs[i]->producer != NULL);
    }
    LAST = g;
}

#define W(...) ((const want[]){__VA_ARGS__}), (int)(sizeof((const want[]){__VA_ARGS__}) / sizeof(want))
#define NONE NULL, 0

static const int64_t X4[4] = {2, 3, 4, 4};

/* ---- remove-identity / shape-to-reshape ------------------------------------------------------------------ */

static dla_status build_identity(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, X4);
    if (V == 0) { /* Identity, Dropout, same-shape Reshape, and an Identity writing the graph output */
        ir_tensor *a = out0(N1(IR_OP_Identity, "id", x));
        ir_tensor *b = out0(N1(IR_OP_Relu, "relu", a));
        ir_tensor *c = out0(N1(IR_OP_Dropout, "drop", b));
        ir_tensor *d = out0(N1(IR_OP_Reshape, "rs", c, ci64(4, X4)));
        d = out0(N1(IR_OP_Pad, "pad0", d, ci64(8, DIMS(0, 0, 0, 0, 0, 0, 0, 0))));
        ir_node *cat = N1(IR_OP_Concat, "cat1", d);
        ai(cat, "axis", 1);
        return finish1(out, out0(N1(IR_OP_Identity, "id2", out0(cat))));
    }
    if (V == 1) { /* a Dropout whose mask is unused, with training_mode false; a chain of shape ops */
        unsigned char f = 0;
        ir_tensor *tm = cst(IR_BOOL, 0, NULL);
        memcpy(tm->data, &f, 1);
        ir_node *dr = nd(IR_OP_Dropout, "drop", 3, IN(x, cscalar(0.5f), tm), 2);
        ir_tensor *a = out0(N1(IR_OP_Reshape, "r1", out0(dr), ci64(2, DIMS(6, 16))));
        ir_node *fl = N1(IR_OP_Flatten, "flat", a);
        ai(fl, "axis", 0);
        return finish1(out, out0(N1(IR_OP_Relu, "relu", out0(fl))));
    }
    /* V 2, nothing to remove: Identity from a graph input to a graph output, a Dropout whose mask is an output,
     * a Reshape that changes the shape */
    ir_tensor *a = out0(N1(IR_OP_Identity, "id", x));
    ir_node *dr = nd(IR_OP_Dropout, "drop", 1, IN(x), 2);
    ir_tensor *r = out0(N1(IR_OP_Reshape, "rs", x, ci64(2, DIMS(6, 16))));
    ir_tensor *sh = out0(N1(IR_OP_Pad, "shift", x, ci64(8, DIMS(0, 0, 0, -1, 0, 0, 0, 1))));
    return finish(out, 5, IN(a, dr->out[0], dr->out[1], r, sh));
}

static dla_status build_squeeze(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, DIMS(2, 3, 1, 5));
    if (V == 1) /* already a Reshape */
        return finish1(out, out0(N1(IR_OP_Reshape, "rs", x, ci64(2, DIMS(6, 5)))));
    ir_tensor *a = out0(N1(IR_OP_Squeeze, "sq", x, ci64(1, DIMS(2))));
    ir_node *fl = N1(IR_OP_Flatten, "flat", x);
    ai(fl, "axis", 2);
    ir_node *un = N1(IR_OP_Unsqueeze, "unsq", x);
    un->opset = 11;
    ais(un, "axes", 1, DIMS(1));
    return finish(out, 3, IN(a, out0(fl), out0(un)));
}

static void test_identity(void)
{
    expect("remove-identity", 0, build_identity, lw_pass_remove_identity, 1e-7, 1,
           W({IR_OP_Identity, 0}, {IR_OP_Dropout, 0}, {IR_OP_Reshape, 0}, {IR_OP_Pad, 0}, {IR_OP_Concat, 0},
             {IR_OP_Relu, 1}));
    if (LAST)
        CHECK(LAST->outputs[0]->producer && strcmp(LAST->outputs[0]->producer->name, "relu") == 0);
    expect("remove-identity chain", 1, build_identity, lw_pass_remove_identity, 1e-7, 1,
           W({IR_OP_Dropout, 0}, {IR_OP_Flatten, 0}, {IR_OP_Reshape, 1}));
    if (LAST)
        CHECK(find_node(LAST, "flat") && find_node(LAST, "flat")->op == IR_OP_Reshape);
    expect("remove-identity none", 2, build_identity, lw_pass_remove_identity, 1e-7, 0, NONE);
    expect("shape-to-reshape", 0, build_squeeze, lw_pass_shape_to_reshape, 1e-7, 1,
           W({IR_OP_Squeeze, 0}, {IR_OP_Flatten, 0}, {IR_OP_Unsqueeze, 0}, {IR_OP_Reshape, 3}));
    expect("shape-to-reshape none", 1, build_squeeze, lw_pass_shape_to_reshape, 1e-7, 0, NONE);
}

/* ---- fold-batchnorm --------------------------------------------------------------------------------------- */

static ir_node *conv(const char *name, ir_tensor *x, int64_t cout, int64_t k, int bias)
{
    int64_t cin = x->dims[1];
    ir_tensor *w = cf(4, DIMS(cout, cin, k, k), NULL, -1);
    ir_node *c = bias ? N1(IR_OP_Conv, name, x, w, cf(1, &cout, NULL, -1)) : N1(IR_OP_Conv, name, x, w);
    int64_t p = k / 2;
    ais(c, "pads", 4, DIMS(p, p, p, p));
    return c;
}

static ir_tensor *bn(const char *name, ir_tensor *y, int64_t c)
{
    ir_node *n = N1(IR_OP_BatchNormalization, name, y, cf(1, &c, NULL, 0), cf(1, &c, NULL, -1), cf(1, &c, NULL, -1),
                    cf(1, &c, NULL, 0.5f));
    af(n, "epsilon", 1e-3f);
    return out0(n);
}

static dla_status build_fold(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, DIMS(2, 3, 6, 6));
    if (V == 0) {
        ir_tensor *y = bn("bn", out0(conv("c1", x, 4, 3, 0)), 4);
        return finish1(out, out0(N1(IR_OP_Relu, "relu", y)));
    }
    if (V == 1) { /* Mul [C,1,1], Add [1,C,1,1], Sub scalar, Div [1], c - y: all fold into c2 */
        ir_tensor *y = out0(conv("c2", x, 4, 1, 1));
        y = out0(N1(IR_OP_Mul, "mul", cf(3, DIMS(4, 1, 1), NULL, -1), y));
        y = out0(N1(IR_OP_Add, "add", y, cf(4, DIMS(1, 4, 1, 1), NULL, -1)));
        y = out0(N1(IR_OP_Sub, "sub", y, cscalar(0.25f)));
        y = out0(N1(IR_OP_Div, "div", y, cf(1, DIMS(1), (const float[]){4.0f}, 0)));
        return finish1(out, out0(N1(IR_OP_Sub, "rsub", cscalar(1.0f), y)));
    }
    if (V == 2) { /* ConvTranspose (group 2) -> BN; the BN writes the graph output */
        ir_tensor *x2 = input(4, DIMS(1, 4, 3, 3));
        ir_node *ct = N1(IR_OP_ConvTranspose, "deconv", x2, cf(4, DIMS(4, 3, 2, 2), NULL, -1));
        ai(ct, "group", 2);
        ais(ct, "strides", 2, DIMS(2, 2));
        ir_tensor *y = bn("bn", out0(ct), 6);
        return finish(out, 2, IN(y, out0(N1(IR_OP_Relu, "relu", x))));
    }
    /* V 3, none: two readers of the conv output; a spatial constant; non-constant weights; a standalone BN;
     * c / y */
    ir_tensor *y1 = out0(conv("c1", x, 4, 1, 0));
    ir_tensor *a = bn("bn1", y1, 4), *b = out0(N1(IR_OP_Relu, "relu", y1));
    ir_tensor *m = out0(N1(IR_OP_Mul, "mul", out0(conv("c2", x, 4, 1, 0)), cf(4, DIMS(1, 1, 6, 6), NULL, -1)));
    ir_tensor *wi = input(4, DIMS(4, 3, 1, 1));
    ir_tensor *c = bn("bn3", out0(N1(IR_OP_Conv, "c3", x, wi)), 4);
    ir_tensor *d = bn("bn4", out0(N1(IR_OP_Relu, "relu2", x)), 3);
    ir_tensor *e = out0(N1(IR_OP_Div, "rdiv", cscalar(1.0f), out0(conv("c5", x, 4, 1, 1))));
    return finish(out, 6, IN(a, b, m, c, d, e));
}

static void test_fold(void)
{
    expect("fold-batchnorm bn", 0, build_fold, lw_pass_fold_into_conv, 1e-5, 1,
           W({IR_OP_BatchNormalization, 0}, {IR_OP_Conv, 1}, {IR_OP_Relu, 1}));
    if (LAST)
        CHECK(find_node(LAST, "c1") && find_node(LAST, "c1")->n_in == 3);
    expect("fold-batchnorm mul/add/sub/div", 1, build_fold, lw_pass_fold_into_conv, 1e-5, 1,
           W({IR_OP_Conv, 1}, {IR_OP_Mul, 0}, {IR_OP_Add, 0}, {IR_OP_Sub, 0}, {IR_OP_Div, 0}));
    expect("fold-batchnorm deconv", 2, build_fold, lw_pass_fold_into_conv, 1e-5, 1,
           W({IR_OP_ConvTranspose, 1}, {IR_OP_BatchNormalization, 0}));
    if (LAST)
        CHECK(LAST->outputs[0]->producer && strcmp(LAST->outputs[0]->producer->name, "deconv") == 0);
    expect("fold-batchnorm none", 3, build_fold, lw_pass_fold_into_conv, 1e-6, 0, NONE);
}

/* ---- gemm-to-conv ----------------------------------------------------------------------------------------- */

static dla_status build_gemm(ir_graph **out)
{
    BASE_TRY(begin(13));
    if (V == 0) { /* the classifier head */
        ir_tensor *x = input(4, DIMS(2, 8, 5, 5));
        ir_tensor *f = out0(N1(IR_OP_Flatten, "flat", out0(N1(IR_OP_GlobalAveragePool, "gap", x))));
        ir_node *g = N1(IR_OP_Gemm, "fc", f, cf(2, DIMS(10, 8), NULL, -1), cf(1, DIMS(10), NULL, -1));
        ai(g, "transB", 1);
        af(g, "alpha", 0.5f);
        af(g, "beta", 2.0f);
        return finish1(out, out0(g));
    }
    if (V == 1) { /* a plain [N,K] input; an MLP of two Gemms */
        ir_tensor *x = input(2, DIMS(3, 8));
        ir_tensor *h = out0(N1(IR_OP_Gemm, "fc", x, cf(2, DIMS(8, 6), NULL, -1), cf(2, DIMS(1, 6), NULL, -1)));
        h = out0(N1(IR_OP_Relu, "relu", h));
        return finish1(out, out0(N1(IR_OP_Gemm, "fc2", h, cf(2, DIMS(6, 4), NULL, -1))));
    }
    if (V == 2) { /* MatMul + bias Add */
        ir_tensor *x = input(2, DIMS(2, 8));
        ir_tensor *y = out0(N1(IR_OP_MatMul, "mm", x, cf(2, DIMS(8, 5), NULL, -1)));
        return finish1(out, out0(N1(IR_OP_Add, "bias", cf(1, DIMS(5), NULL, -1), y)));
    }
    if (V == 3) { /* a VGG-style head: Flatten of [1,4,3,3] -> one 3x3 Conv */
        ir_tensor *x = input(4, DIMS(1, 4, 3, 3));
        ir_tensor *f = out0(N1(IR_OP_Flatten, "flat", x));
        return finish1(out, out0(N1(IR_OP_Gemm, "fc", f, cf(2, DIMS(36, 7), NULL, -1))));
    }
    /* V 4, none: transA; B not constant; a per-row C; a 3-D MatMul */
    ir_tensor *a = input(2, DIMS(8, 2)), *x = input(2, DIMS(2, 8)), *b = input(2, DIMS(8, 3));
    ir_node *g1 = N1(IR_OP_Gemm, "fc1", a, cf(2, DIMS(8, 3), NULL, -1));
    ai(g1, "transA", 1);
    ir_tensor *y2 = out0(N1(IR_OP_Gemm, "fc2", x, b));
    ir_tensor *y3 = out0(N1(IR_OP_Gemm, "fc3", x, cf(2, DIMS(8, 3), NULL, -1), cf(2, DIMS(2, 1), NULL, -1)));
    ir_tensor *y4 = out0(N1(IR_OP_MatMul, "mm", input(3, DIMS(2, 3, 8)), cf(2, DIMS(8, 3), NULL, -1)));
    return finish(out, 4, IN(out0(g1), y2, y3, y4));
}

static void test_gemm(void)
{
    expect("gemm-to-conv head", 0, build_gemm, lw_pass_gemm_to_conv, 1e-5, 1,
           W({IR_OP_Gemm, 0}, {IR_OP_Flatten, 0}, {IR_OP_Conv, 1}, {IR_OP_Reshape, 1}));
    if (LAST) {
        const ir_node *c = find_node(LAST, "fc");
        CHECK(c && c->op == IR_OP_Conv && c->in[0]->producer && c->in[0]->producer->op == IR_OP_GlobalAveragePool);
    }
    expect("gemm-to-conv mlp", 1, build_gemm, lw_pass_gemm_to_conv, 1e-5, 1,
           W({IR_OP_Gemm, 0}, {IR_OP_Conv, 2}, {IR_OP_Reshape, 4}));
    expect("gemm-to-conv matmul+add", 2, build_gemm, lw_pass_gemm_to_conv, 1e-5, 1,
           W({IR_OP_MatMul, 0}, {IR_OP_Add, 0}, {IR_OP_Conv, 1}, {IR_OP_Reshape, 2}));
    expect("gemm-to-conv vgg", 3, build_gemm, lw_pass_gemm_to_conv, 1e-5, 1,
           W({IR_OP_Gemm, 0}, {IR_OP_Flatten, 0}, {IR_OP_Conv, 1}, {IR_OP_Reshape, 1}));
    if (LAST) {
        const ir_node *c = find_node(LAST, "fc");
        int k = 0;
        const int64_t *ks = c ? ir_attr_ints(c, "kernel_shape", &k) : NULL;
        CHECK(ks && k == 2 && ks[0] == 3 && ks[1] == 3);
    }
    expect("gemm-to-conv none", 4, build_gemm, lw_pass_gemm_to_conv, 1e-6, 0, NONE);
}

/* ---- reducemean-to-pool ----------------------------------------------------------------------------------- */

static ir_tensor *reduce(ir_op op, const char *name, ir_tensor *x, int k, const int64_t *axes, int keep)
{
    ir_node *n = N1(op, name, x);
    if (k)
        ais(n, "axes", k, axes);
    if (keep >= 0)
        ai(n, "keepdims", keep);
    return out0(n);
}

static dla_status build_reduce(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, DIMS(1, 4, 7, 7));
    if (V == 0) {
        ir_tensor *a = reduce(IR_OP_ReduceMean, "rm", x, 2, DIMS(2, 3), -1);
        ir_tensor *b = reduce(IR_OP_ReduceMean, "rm0", x, 2, DIMS(-1, -2), 0);
        ir_tensor *c = out0(N1(IR_OP_GlobalAveragePool, "gap", input(4, DIMS(1, 3, 14, 14))));
        ir_tensor *d = out0(N1(IR_OP_GlobalMaxPool, "gmp", input(4, DIMS(1, 2, 56, 56))));
        ir_tensor *e = reduce(IR_OP_ReduceMean, "rmw", x, 1, DIMS(3), 1);
        ir_tensor *f = reduce(IR_OP_ReduceMax, "rmax", x, 2, DIMS(2, 3), 1);
        return finish(out, 6, IN(a, b, c, d, e, f));
    }
    if (V == 1) { /* opset 18: axes as an input */
        ir_node *n = N1(IR_OP_ReduceMean, "rm", x, ci64(2, DIMS(3, 2)));
        n->opset = 18;
        return finish1(out, out0(n));
    }
    if (V == 2) { /* 13x13 and 26x1 means: no window chain <= 8, so a depthwise Conv */
        ir_tensor *a = out0(N1(IR_OP_GlobalAveragePool, "gap", input(4, DIMS(1, 3, 13, 13))));
        ir_tensor *b = reduce(IR_OP_ReduceMean, "rm", input(4, DIMS(2, 2, 26, 5)), 1, DIMS(2), 0);
        return finish(out, 2, IN(a, b));
    }
    /* V 3, none: a 13x13 max, a 37x37 mean (over the conv kernel limit), channel axis, 3-D input, no axes (all) */
    ir_tensor *a = out0(N1(IR_OP_GlobalMaxPool, "gmp", input(4, DIMS(1, 2, 13, 13))));
    ir_tensor *a2 = out0(N1(IR_OP_GlobalAveragePool, "gap", input(4, DIMS(1, 2, 37, 37))));
    ir_tensor *b = reduce(IR_OP_ReduceMean, "rmc", x, 1, DIMS(1), 1);
    ir_tensor *c = reduce(IR_OP_ReduceMean, "rm3", input(3, DIMS(2, 3, 4)), 1, DIMS(2), 1);
    ir_tensor *d = reduce(IR_OP_ReduceMean, "rmall", x, 0, NULL, 1);
    return finish(out, 5, IN(a, a2, b, c, d));
}

static void test_reduce(void)
{
    expect("reducemean-to-pool", 0, build_reduce, lw_pass_reduce_to_pool, 1e-5, 1,
           W({IR_OP_ReduceMean, 0}, {IR_OP_ReduceMax, 0}, {IR_OP_GlobalAveragePool, 0}, {IR_OP_GlobalMaxPool, 0},
             {IR_OP_AveragePool, 5}, {IR_OP_MaxPool, 3}, {IR_OP_Reshape, 1}));
    if (LAST) {
        const ir_node *p = find_node(LAST, "gmp"), *p2 = find_node(LAST, "gmp/pool2");
        int k = 0;
        const int64_t *ks = p ? ir_attr_ints(p, "kernel_shape", &k) : NULL;
        CHECK(ks && k == 2 && ks[0] == 8 && ks[1] == 8);
        ks = p2 ? ir_attr_ints(p2, "kernel_shape", &k) : NULL;
        CHECK(ks && k == 2 && ks[0] == 7 && ks[1] == 7);
    }
    expect("reducemean-to-pool opset 18", 1, build_reduce, lw_pass_reduce_to_pool, 1e-5, 1,
           W({IR_OP_ReduceMean, 0}, {IR_OP_AveragePool, 1}));
    expect("reducemean-to-pool as conv", 2, build_reduce, lw_pass_reduce_to_pool, 1e-5, 1,
           W({IR_OP_GlobalAveragePool, 0}, {IR_OP_ReduceMean, 0}, {IR_OP_Conv, 2}, {IR_OP_Reshape, 1}));
    if (LAST) {
        const ir_node *c = find_node(LAST, "gap");
        CHECK(c && c->op == IR_OP_Conv && ir_attr_int(c, "group", 0) == 3);
    }
    expect("reducemean-to-pool none", 3, build_reduce, lw_pass_reduce_to_pool, 1e-6, 0, NONE);
}

/* ---- split-to-slice --------------------------------------------------------------------------------------- */

static dla_status build_split(ir_graph **out)
{
    BASE_TRY(begin(13));
    if (V == 0) { /* opset 13: sizes as an input; both outputs are graph outputs */
        ir_node *s = nd(IR_OP_Split, "sp", 2, IN(input(4, DIMS(1, 6, 4, 4)), ci64(2, DIMS(2, 4))), 2);
        ai(s, "axis", 1);
        return finish(out, 2, s->out);
    }
    /* opset 11: equal parts on the last axis, the middle output unused */
    ir_node *s = nd(IR_OP_Split, "sp", 1, IN(input(3, DIMS(2, 3, 6))), 3);
    s->opset = 11;
    ai(s, "axis", -1);
    return finish1(out, out0(N1(IR_OP_Add, "add", s->out[0], s->out[2])));
}

/* A Split whose input shape is unknown: nothing to do (checked without the harness, which needs known inputs). */
static void test_split_unknown(void)
{
    ir_graph *g = NULL;
    CHECK_OK(begin(13));
    ir_tensor *x = named("in");
    x->dtype = IR_F32;
    CHECK_OK(ir_graph_add_input(G, x));
    ir_node *s = nd(IR_OP_Split, "sp", 1, IN(x), 2);
    ai(s, "axis", 0);
    CHECK_OK(finish(&g, 2, s->out));
    if (!g)
        return;
    int changed = -1;
    CHECK_OK(lw_pass_split_to_slice(g, &changed));
    CHECK(changed == 0 && count_op(g, IR_OP_Split) == 1);
    ir_graph_destroy(g);
}

static void test_split(void)
{
    expect("split-to-slice", 0, build_split, lw_pass_split_to_slice, 1e-7, 1, W({IR_OP_Split, 0}, {IR_OP_Slice, 2}));
    if (LAST) {
        CHECK(find_node(LAST, "sp/slice0") && find_node(LAST, "sp/slice1"));
        CHECK(strcmp(LAST->outputs[1]->producer->name, "sp/slice1") == 0);
    }
    expect("split-to-slice unused output", 1, build_split, lw_pass_split_to_slice, 1e-7, 1,
           W({IR_OP_Split, 0}, {IR_OP_Slice, 2}));
    test_split_unknown();
}

/* ---- resize-sizes-to-scales ------------------------------------------------------------------------------- */

static ir_tensor *resize(const char *name, ir_tensor *x, ir_tensor *roi, ir_tensor *scales, ir_tensor *sizes,
                         const char *mode, const char *coord)
{
    ir_node *n = N1(IR_OP_Resize, name, x, roi, scales, sizes);
    as(n, "mode", mode);
    as(n, "coordinate_transformation_mode", coord);
    if (strcmp(mode, "nearest") == 0)
        as(n, "nearest_mode", "floor");
    return out0(n);
}

static dla_status build_resize(ir_graph **out)
{
    BASE_TRY(begin(V == 1 ? 11 : 13));
    ir_tensor *x = input(4, DIMS(1, 3, 4, 4));
    if (V == 0) {
        ir_tensor *a = resize("up", x, NULL, NULL, ci64(4, DIMS(1, 3, 8, 8)), "nearest", "asymmetric");
        ir_tensor *b = resize("up15", x, NULL, NULL, ci64(4, DIMS(1, 3, 6, 6)), "linear", "half_pixel");
        ir_tensor *c = resize("down", x, NULL, NULL, ci64(4, DIMS(1, 3, 2, 2)), "linear", "align_corners");
        return finish(out, 3, IN(a, b, c));
    }
    int64_t zero = 0;
    if (V == 1) /* opset 11: roi and scales present but empty */
        return finish1(out, resize("up", x, cf(1, &zero, NULL, 0), cf(1, &zero, NULL, 0),
                                   ci64(4, DIMS(1, 3, 12, 8)), "nearest", "half_pixel"));
    /* V 2, none: 7/3 is not a float32; tf_crop_and_resize */
    ir_tensor *x3 = input(4, DIMS(1, 1, 3, 3));
    ir_tensor *a = resize("r73", x3, NULL, NULL, ci64(4, DIMS(1, 1, 7, 7)), "nearest", "asymmetric");
    ir_tensor *roi = cf(1, DIMS(8), (const float[]){0, 0, 0.1f, 0.1f, 1, 1, 0.9f, 0.9f}, 0);
    ir_tensor *b = resize("crop", x, roi, NULL, ci64(4, DIMS(1, 3, 8, 8)), "linear", "tf_crop_and_resize");
    return finish(out, 2, IN(a, b));
}

static void test_resize(void)
{
    expect("resize-sizes-to-scales", 0, build_resize, lw_pass_resize_scales, 0, 1, W({IR_OP_Resize, 3}));
    for (int i = 0; LAST && i < LAST->n_nodes; i++) {
        const ir_node *n = LAST->nodes[i];
        CHECK(n->n_in == 3 && n->in[2] && lw_is_const(n->in[2]) && ir_tensor_numel(n->in[2]) == 4);
    }
    if (LAST) {
        const ir_node *n = find_node(LAST, "up15");
        CHECK(n && ((const float *)n->in[2]->data)[2] == 1.5f && ((const float *)n->in[2]->data)[1] == 1.0f);
    }
    expect("resize-sizes-to-scales opset 11", 1, build_resize, lw_pass_resize_scales, 0, 1, W({IR_OP_Resize, 1}));
    if (LAST) {
        const ir_node *n = find_node(LAST, "up");
        CHECK(n && n->in[1] && n->n_in == 3 && ((const float *)n->in[2]->data)[2] == 3.0f);
    }
    expect("resize-sizes-to-scales none", 2, build_resize, lw_pass_resize_scales, 0, 0, NONE);
}

/* ---- hard-activations ------------------------------------------------------------------------------------- */

static ir_tensor *clip(const char *name, ir_tensor *x, float lo, float hi, int opset)
{
    ir_node *n = opset < 11 ? N1(IR_OP_Clip, name, x) : N1(IR_OP_Clip, name, x, cscalar(lo), cscalar(hi));
    n->opset = opset;
    if (opset < 11) {
        af(n, "min", lo);
        af(n, "max", hi);
    }
    return out0(n);
}

/* Clip(x + b, lo, hi) */
static ir_tensor *clip_add(const char *name, ir_tensor *x, float b, float lo, float hi, int opset)
{
    char an[32];
    snprintf(an, sizeof an, "%s_add", name);
    return clip(name, out0(N1(IR_OP_Add, an, cscalar(b), x)), lo, hi, opset);
}

static ir_tensor *hard_sigmoid(const char *name, ir_tensor *x, float alpha, int set)
{
    ir_node *n = N1(IR_OP_HardSigmoid, name, x);
    if (set) {
        af(n, "alpha", alpha);
        af(n, "beta", 0.5f);
    }
    return out0(n);
}

static dla_status build_hard(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, X4), *x3 = NULL;
    switch (V) {
    case 0: /* Clip(x + 3, 0, 6) / 6 */
        return finish1(out, out0(N1(IR_OP_Div, "hsig", clip_add("clip", x, 3, 0, 6, 13), cscalar(6))));
    case 1: /* x * Clip(x + 3, 0, 6) / 6 */
        return finish1(out, out0(N1(IR_OP_Div, "hswish", out0(N1(IR_OP_Mul, "mul", x,
                                                                   clip_add("clip", x, 3, 0, 6, 13))),
                                    cscalar(6))));
    case 2: /* x * (Clip(x + 3, 0, 6) * (1/6)), opset-10 Clip */
        x3 = out0(N1(IR_OP_Mul, "scale", clip_add("clip", x, 3, 0, 6, 10), cscalar(1.0f / 6)));
        return finish1(out, out0(N1(IR_OP_Mul, "hswish", x3, x)));
    case 3: /* x * HardSigmoid(x, 1/6, 1/2) */
        return finish1(out, out0(N1(IR_OP_Mul, "hswish", x, hard_sigmoid("hs", x, 1.0f / 6, 1))));
    case 4: /* Clip(x + 1, 0, 2) * 0.5 -> HardSigmoid(0.5, 0.5); times x stays a Mul */
        x3 = out0(N1(IR_OP_Mul, "hsig", clip_add("clip", x, 1, 0, 2, 13), cscalar(0.5f)));
        return finish1(out, out0(N1(IR_OP_Mul, "gate", x, x3)));
    case 6: /* the Add is read twice: Clip(s, 0, 6) / 6 is HardSigmoid(s, 1/6, 0); the Add stays */
        x3 = out0(N1(IR_OP_Add, "shared", x, cscalar(3)));
        return finish(out, 2, IN(out0(N1(IR_OP_Div, "d2", clip("c2", x3, 0, 6, 13), cscalar(6))), x3));
    default: break;
    }
    /* V 5, none: k*u != 1; lower bound 1; default HardSigmoid alpha; Add read twice; a plain Relu6 */
    ir_tensor *a = out0(N1(IR_OP_Div, "d5", clip_add("c5", x, 3, 0, 6, 13), cscalar(5)));
    ir_tensor *b = out0(N1(IR_OP_Div, "d1", clip_add("c1", x, 3, 1, 6, 13), cscalar(6)));
    ir_tensor *c = out0(N1(IR_OP_Mul, "m", x, hard_sigmoid("hs", x, 0, 0)));
    ir_tensor *s = out0(N1(IR_OP_Add, "shared", x, cscalar(3)));
    ir_tensor *cs = clip("c2", s, 0, 6, 13); /* the Clip is read twice */
    ir_tensor *d = out0(N1(IR_OP_Div, "d2", cs, cscalar(6)));
    ir_tensor *e = clip("relu6", x, 0, 6, 13);
    return finish(out, 6, IN(a, b, c, d, e, cs));
}

static void test_hard(void)
{
    expect("hard-activations hardsigmoid", 0, build_hard, lw_pass_hard_activations, 1e-6, 1,
           W({IR_OP_HardSigmoid, 1}, {IR_OP_Add, 0}, {IR_OP_Clip, 0}, {IR_OP_Div, 0}));
    if (LAST) {
        const ir_node *n = find_node(LAST, "hsig");
        CHECK(n && n->op == IR_OP_HardSigmoid);
        CHECK_NEAR(ir_attr_float(n, "alpha", 0), 1.0 / 6, 1e-7);
        CHECK_NEAR(ir_attr_float(n, "beta", 0), 0.5, 1e-7);
    }
    expect("hard-activations x*clip/6", 1, build_hard, lw_pass_hard_activations, 1e-6, 1,
           W({IR_OP_HardSwish, 1}, {IR_OP_HardSigmoid, 0}, {IR_OP_Mul, 0}, {IR_OP_Clip, 0}, {IR_OP_Div, 0}));
    if (LAST)
        CHECK(find_node(LAST, "hswish") && find_node(LAST, "hswish")->op == IR_OP_HardSwish);
    expect("hard-activations x*(clip*1/6)", 2, build_hard, lw_pass_hard_activations, 1e-6, 1,
           W({IR_OP_HardSwish, 1}, {IR_OP_HardSigmoid, 0}, {IR_OP_Mul, 0}, {IR_OP_Clip, 0}, {IR_OP_Add, 0}));
    expect("hard-activations x*hardsigmoid", 3, build_hard, lw_pass_hard_activations, 1e-6, 1,
           W({IR_OP_HardSwish, 1}, {IR_OP_HardSigmoid, 0}, {IR_OP_Mul, 0}));
    expect("hard-activations general", 4, build_hard, lw_pass_hard_activations, 1e-6, 1,
           W({IR_OP_HardSigmoid, 1}, {IR_OP_Mul, 1}, {IR_OP_HardSwish, 0}, {IR_OP_Clip, 0}));
    expect("hard-activations none", 5, build_hard, lw_pass_hard_activations, 1e-6, 0, NONE);
    expect("hard-activations shared add", 6, build_hard, lw_pass_hard_activations, 1e-6, 1,
           W({IR_OP_HardSigmoid, 1}, {IR_OP_Add, 1}, {IR_OP_Clip, 0}, {IR_OP_Div, 0}));
    if (LAST) {
        const ir_node *n = find_node(LAST, "d2");
        CHECK(n && n->op == IR_OP_HardSigmoid && ir_attr_float(n, "beta", 1) == 0.0f);
    }
}

/* ---- qdq-to-scales ---------------------------------------------------------------------------------------- */

static ir_tensor *i8(int rank, const int64_t *dims, int8_t fill, int random)
{
    ir_tensor *t = cst(IR_I8, rank, dims);
    for (int64_t i = 0; i < ir_tensor_numel(t); i++)
        ((int8_t *)t->data)[i] = random ? (int8_t)(wrand() * 127) : fill;
    return t;
}

static ir_tensor *qdq(const char *name, ir_tensor *x, float sq, float sdq, ir_tensor *zq, ir_tensor *zdq)
{
    char q[32];
    snprintf(q, sizeof q, "%s_q", name);
    ir_node *qn = zq ? N1(IR_OP_QuantizeLinear, q, x, cscalar(sq), zq) : N1(IR_OP_QuantizeLinear, q, x, cscalar(sq));
    ir_node *dn = zdq ? N1(IR_OP_DequantizeLinear, name, out0(qn), cscalar(sdq), zdq)
                      : N1(IR_OP_DequantizeLinear, name, out0(qn), cscalar(sdq));
    return out0(dn);
}

static dla_status build_qdq(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, X4);
    if (V == 0) { /* activations; the DQ writes the graph output */
        ir_tensor *r = out0(N1(IR_OP_Relu, "relu", x));
        ir_tensor *z = i8(0, NULL, 0, 0);
        ir_tensor *a = qdq("dq1", r, 0.02f, 0.02f, z, z);
        ir_tensor *b = qdq("dq2", out0(N1(IR_OP_Neg, "neg", a)), 0.02f, 0.02f, z, i8(0, NULL, 0, 0));
        return finish1(out, b);
    }
    if (V == 1) { /* weights: per-channel int8 DQ, and a per-tensor Q -> DQ of a float constant */
        ir_tensor *wq = i8(4, DIMS(4, 3, 3, 3), 0, 1);
        ir_tensor *sc = cf(1, DIMS(4), (const float[]){0.01f, 0.02f, 0.005f, 0.03f}, 0);
        ir_node *dw = N1(IR_OP_DequantizeLinear, "wdq", wq, sc, i8(1, DIMS(4), 0, 0));
        ai(dw, "axis", 0);
        ir_tensor *b = qdq("bdq", cf(1, DIMS(4), NULL, -1), 0.01f, 0.01f, i8(0, NULL, 0, 0), i8(0, NULL, 0, 0));
        ir_node *c = N1(IR_OP_Conv, "conv", x, out0(dw), b);
        ais(c, "pads", 4, DIMS(1, 1, 1, 1));
        return finish1(out, out0(c));
    }
    /* V 2, none: uint8 (no zero point); different scales; a non-zero zero point */
    ir_tensor *a = qdq("u8", x, 0.02f, 0.02f, NULL, NULL);
    ir_tensor *b = qdq("diff", x, 0.02f, 0.03f, i8(0, NULL, 0, 0), i8(0, NULL, 0, 0));
    ir_tensor *c = qdq("zp", x, 0.02f, 0.02f, i8(0, NULL, 3, 0), i8(0, NULL, 3, 0));
    return finish(out, 3, IN(a, b, c));
}

static void test_qdq(void)
{
    /* removing fake quantization moves values by up to s/2 = 0.01 (outputs reach ~2) */
    expect("qdq-to-scales activations", 0, build_qdq, lw_pass_qdq_to_scales, 0.006, 1,
           W({IR_OP_QuantizeLinear, 0}, {IR_OP_DequantizeLinear, 0}, {IR_OP_Relu, 1}, {IR_OP_Neg, 1}));
    if (LAST) {
        const ir_node *r = find_node(LAST, "relu"), *ng = find_node(LAST, "neg");
        CHECK(r && r->out[0]->quant_scale == 0.02f);
        CHECK(ng && ng->out[0] == LAST->outputs[0] && ng->out[0]->quant_scale == 0.02f);
    }
    expect("qdq-to-scales weights", 1, build_qdq, lw_pass_qdq_to_scales, 1e-7, 1,
           W({IR_OP_QuantizeLinear, 0}, {IR_OP_DequantizeLinear, 0}, {IR_OP_Conv, 1}));
    if (LAST) {
        const ir_node *c = find_node(LAST, "conv");
        CHECK(c && lw_is_const(c->in[1]) && lw_is_const(c->in[2]) && c->in[2]->quant_scale == 0.01f);
    }
    expect("qdq-to-scales none", 2, build_qdq, lw_pass_qdq_to_scales, 1e-7, 0, NONE);
}

/* ---- fold-constants / fold-pad ---------------------------------------------------------------------------- */

static dla_status build_const(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, DIMS(1, 4, 2, 3));
    if (V == 1) /* none: Shape writes a graph output; Add of an activation */
        return finish(out, 2, IN(out0(N1(IR_OP_Shape, "shape", x)), out0(N1(IR_OP_Add, "add", x, cscalar(1)))));
    /* the channel-shuffle shape arithmetic: Reshape(x, [1, C/2, 2, H*W]) with C/2 from Shape -> Gather -> Div */
    ir_tensor *s = out0(N1(IR_OP_Shape, "shape", x));
    ir_tensor *c = out0(N1(IR_OP_Gather, "gather", s, ci64(1, DIMS(1))));
    ir_tensor *h = out0(N1(IR_OP_Div, "div", c, ci64(1, DIMS(2))));
    ir_node *cat = N1(IR_OP_Concat, "cat", ci64(1, DIMS(1)), h, ci64(2, DIMS(2, -1)));
    ai(cat, "axis", 0);
    ir_tensor *r = out0(N1(IR_OP_Reshape, "rs", x, out0(cat)));
    return finish1(out, out0(N1(IR_OP_Relu, "relu", r)));
}

static dla_status build_pad(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, DIMS(1, 3, 6, 5));
    if (V == 0) { /* into a Conv with pads of its own, and into an AveragePool that counts padding */
        ir_tensor *p = out0(N1(IR_OP_Pad, "pad", x, ci64(8, DIMS(0, 0, 1, 2, 0, 0, 2, 1))));
        ir_tensor *a = out0(conv("conv", p, 4, 3, 0));
        ir_tensor *p2 = out0(N1(IR_OP_Pad, "pad2", x, ci64(8, DIMS(0, 0, 1, 1, 0, 0, 1, 1)), cscalar(0)));
        ir_node *ap = N1(IR_OP_AveragePool, "avg", p2);
        ais(ap, "kernel_shape", 2, DIMS(3, 3));
        ai(ap, "count_include_pad", 1);
        return finish(out, 2, IN(a, out0(ap)));
    }
    /* none: reflect mode; value 1; into a MaxPool; on the channel axis; into an AveragePool excluding pads */
    ir_node *p1 = N1(IR_OP_Pad, "reflect", x, ci64(8, DIMS(0, 0, 1, 1, 0, 0, 1, 1)));
    as(p1, "mode", "reflect");
    ir_tensor *a = out0(conv("c1", out0(p1), 4, 3, 0));
    ir_tensor *p2 = out0(N1(IR_OP_Pad, "one", x, ci64(8, DIMS(0, 0, 1, 1, 0, 0, 1, 1)), cscalar(1)));
    ir_tensor *b = out0(conv("c2", p2, 4, 3, 0));
    ir_node *mp = N1(IR_OP_MaxPool, "max", out0(N1(IR_OP_Pad, "pmax", x, ci64(8, DIMS(0, 0, 1, 1, 0, 0, 1, 1)))));
    ais(mp, "kernel_shape", 2, DIMS(3, 3));
    ir_tensor *p4 = out0(N1(IR_OP_Pad, "pc", x, ci64(8, DIMS(0, 1, 0, 0, 0, 0, 0, 0))));
    ir_tensor *d = out0(conv("c4", p4, 4, 1, 0));
    ir_node *ap = N1(IR_OP_AveragePool, "avg", out0(N1(IR_OP_Pad, "pavg", x, ci64(8, DIMS(0, 0, 1, 1, 0, 0, 1, 1)))));
    ais(ap, "kernel_shape", 2, DIMS(3, 3));
    return finish(out, 5, IN(a, b, out0(mp), d, out0(ap)));
}

static void test_const_pad(void)
{
    expect("fold-constants", 0, build_const, lw_pass_fold_constants, 0, 1,
           W({IR_OP_Shape, 0}, {IR_OP_Gather, 0}, {IR_OP_Div, 0}, {IR_OP_Concat, 0}, {IR_OP_Reshape, 1}));
    if (LAST) {
        const ir_node *r = find_node(LAST, "rs");
        CHECK(r && lw_is_const(r->in[1]) && ((const int64_t *)r->in[1]->data)[1] == 2);
    }
    expect("fold-constants none", 1, build_const, lw_pass_fold_constants, 0, 0, NONE);
    expect("fold-pad", 0, build_pad, lw_pass_fold_pad, 1e-5, 1,
           W({IR_OP_Pad, 0}, {IR_OP_Conv, 1}, {IR_OP_AveragePool, 1}));
    if (LAST) {
        const ir_node *c = find_node(LAST, "conv");
        int k = 0;
        const int64_t *p = c ? ir_attr_ints(c, "pads", &k) : NULL;
        CHECK(p && k == 4 && p[0] == 2 && p[1] == 3 && p[2] == 3 && p[3] == 2);
    }
    expect("fold-pad none", 1, build_pad, lw_pass_fold_pad, 1e-6, 0, NONE);
}

/* ---- the whole driver --------------------------------------------------------------------------------------- */

static dla_status build_net(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, DIMS(1, 3, 16, 16));
    ir_tensor *y = out0(N1(IR_OP_Relu, "relu", bn("bn", out0(conv("conv1", x, 8, 3, 0)), 8)));
    ir_node *c2 = conv("conv2", y, 8, 3, 1);
    ais(c2, "strides", 2, DIMS(2, 2));
    y = out0(N1(IR_OP_Mul, "mul", out0(c2), cf(3, DIMS(8, 1, 1), NULL, 0)));
    y = out0(N1(IR_OP_Add, "add", y, cf(3, DIMS(8, 1, 1), NULL, -1)));
    y = clip("relu6", y, 0, 6, 13);
    y = out0(N1(IR_OP_Identity, "id", out0(N1(IR_OP_GlobalAveragePool, "gap", y))));
    y = out0(N1(IR_OP_Flatten, "flat", y));
    return finish1(out, out0(N1(IR_OP_Gemm, "fc", y, cf(2, DIMS(8, 10), NULL, -1), cf(1, DIMS(10), NULL, -1))));
}

static dla_status all_passes(ir_graph *g, int *n) { return cc_rewrite(g, n); }

static void test_driver(void)
{
    expect("cc_rewrite", 0, build_net, all_passes, 1e-5, 1,
           W({IR_OP_Conv, 3}, {IR_OP_BatchNormalization, 0}, {IR_OP_Mul, 0}, {IR_OP_Add, 0}, {IR_OP_Identity, 0},
             {IR_OP_GlobalAveragePool, 0}, {IR_OP_AveragePool, 1}, {IR_OP_Flatten, 0}, {IR_OP_Gemm, 0},
             {IR_OP_Reshape, 1}, {IR_OP_Relu, 1}, {IR_OP_Clip, 1}));
    if (LAST) {
        CHECK(strcmp(LAST->outputs[0]->name, "fc_out0") == 0);
        CHECK(LAST->n_nodes == 7);
    }
}

/* ---- dynamic batch -------------------------------------------------------------------------------------- */

/* Graphs whose inputs have an unknown batch (dims[0] = -1): the BN fold, the Gemm rewrite and the HardSwish
 * pattern need no batch. The pass runs on the dynamic graph; both graphs then get batch 2 and must agree. */
static int fix_batch(ir_graph *g)
{
    for (int i = 0; i < g->n_inputs; i++)
        g->inputs[i]->dims[0] = 2;
    ir_graph_compact(g);
    return ir_graph_toposort(g) == DLA_OK && ir_graph_infer(g) == DLA_OK;
}

static dla_status build_dynamic(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(4, DIMS(-1, 3, 5, 5));
    ir_tensor *y = clip_add("clip", out0(conv("conv", x, 4, 3, 0)), 3, 0, 6, 13);
    y = out0(N1(IR_OP_Mul, "mul", out0(N1(IR_OP_Div, "div", y, cscalar(6))), out0(conv("conv2", x, 4, 3, 1))));
    y = bn("bn", y, 4); /* after a Mul: stays */
    ir_tensor *g = out0(N1(IR_OP_Flatten, "flat", out0(N1(IR_OP_GlobalAveragePool, "gap", y))));
    ir_tensor *z = bn("bn2", out0(conv("conv3", x, 4, 1, 1)), 4);
    return finish(out, 2, IN(out0(N1(IR_OP_Gemm, "fc", g, cf(2, DIMS(4, 6), NULL, -1))), z));
}

static void test_dynamic(void)
{
    ir_graph *a = NULL, *b = NULL;
    void **oa = NULL, **ob = NULL;
    int changed = 0;
    CHECK_OK(build_dynamic(&a));
    CHECK_OK(build_dynamic(&b));
    if (!a || !b)
        goto out;
    CHECK_OK(all_passes(b, &changed));
    CHECK(count_op(b, IR_OP_Gemm) == 0 && count_op(b, IR_OP_BatchNormalization) == 1);
    CHECK(count_op(b, IR_OP_HardSigmoid) == 1 && count_op(b, IR_OP_Clip) == 0);
    const ir_node *rs = find_node(b, "fc/reshape_out");
    CHECK(rs && rs->in[1] && ((const int64_t *)rs->in[1]->data)[0] == 0); /* copies the batch */
    CHECK(fix_batch(a) && fix_batch(b));
    CHECK_OK(cch_run(a, 99u, &oa));
    CHECK_OK(cch_run(b, 99u, &ob));
    for (int i = 0; oa && ob && i < a->n_outputs; i++) {
        CHECK(ir_tensor_numel(a->outputs[i]) == ir_tensor_numel(b->outputs[i]) && oa[i] && ob[i]);
        for (int64_t k = 0; oa[i] && ob[i] && k < ir_tensor_numel(a->outputs[i]); k++)
            CHECK_NEAR(((float *)oa[i])[k], ((float *)ob[i])[k], 1e-4 * (1 + fabs(((float *)oa[i])[k])));
    }
out:
    for (int i = 0; a && oa && i < a->n_outputs; i++)
        free(oa[i]);
    for (int i = 0; b && ob && i < b->n_outputs; i++)
        free(ob[i]);
    free(oa);
    free(ob);
    ir_graph_destroy(a);
    ir_graph_destroy(b);
}

int main(void)
{
    test_identity();
    test_fold();
    test_gemm();
    test_reduce();
    test_split();
    test_resize();
    test_hard();
    test_qdq();
    test_const_pad();
    test_driver();
    test_dynamic();
    ir_graph_destroy(LAST);
    return TEST_RESULT();
}
