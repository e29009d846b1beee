/* Reconstruction rewrites (rw_recon*.c): each pass fires where DLA-SW's recipe applies, removes the op, keeps the
 * graph's FP32 output (cc_harness.h: both graphs run on the host with the same random inputs), keeps the original
 * node name and the graph's output names; and it leaves the node alone where its conditions fail. */
#include "cc_harness.h"
#include "check.h"
#include "compiler/rw_recon.h"

#include <stdint.h>

/* ---- graph building -------------------------------------------------------------------------------------- */

static ir_graph *G;
static int uniq;

static ir_tensor *input(ir_dtype t, int rank, const int64_t *dims)
{
    char name[32];
    snprintf(name, sizeof name, "in%d", uniq++);
    ir_tensor *x = NULL;
    CHECK_OK(ir_graph_tensor(G, name, &x));
    x->dtype = t;
    ir_tensor_set_shape(x, rank, dims);
    CHECK_OK(ir_graph_add_input(G, x));
    return x;
}

static ir_tensor *constant(ir_dtype t, int rank, const int64_t *dims)
{
    char name[32];
    snprintf(name, sizeof name, "c%d", uniq++);
    ir_tensor *x = NULL;
    CHECK_OK(ir_graph_tensor(G, name, &x));
    x->dtype = t;
    ir_tensor_set_shape(x, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(G, x));
    return x;
}

static ir_tensor *const_ints(int64_t n, const int64_t *v, ir_dtype t)
{
    ir_tensor *x = constant(t, 1, &n);
    for (int64_t i = 0; i < n; i++)
        ir_set_i64(t, x->data, (size_t)i, v[i]);
    return x;
}

/* A node named `name` with fresh output "<name>_out" and room for n_attrs attributes. */
static ir_node *node(ir_op op, const char *name, int n_in, ir_tensor *a, ir_tensor *b, ir_tensor *c, int n_attrs)
{
    ir_node *n = NULL;
    CHECK_OK(ir_graph_add_node(G, op, name, n_in, 1, n_attrs, &n));
    ir_tensor *ins[3] = {a, b, c};
    for (int i = 0; i < n_in; i++)
        n->in[i] = ins[i];
    char out[64];
    snprintf(out, sizeof out, "%s_out", name);
    CHECK_OK(ir_graph_tensor(G, out, &n->out[0]));
    return n;
}

static void attr_i(ir_node *n, int k, const char *name, int64_t v)
{
    n->attrs[k] = (ir_attr){.name = name, .type = IR_ATTR_INT, .i = v};
}

static void attr_s(ir_node *n, int k, const char *name, const char *v)
{
    n->attrs[k] = (ir_attr){.name = name, .type = IR_ATTR_STRING, .s = v};
}

static dla_status begin(int opset)
{
    BASE_TRY(ir_graph_create(&G));
    G->opset = opset;
    return DLA_OK;
}

/* Marks outputs, sorts and infers; hands the graph over. */
static dla_status finish(ir_graph **out, int n_out, ir_tensor **outs)
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

static dla_status finish1(ir_graph **out, ir_tensor *o) { return finish(out, 1, &o); }

/* ---- checks ------------------------------------------------------------------------------------------------ */

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

/* The pass fires on build()'s graph, keeps its FP32 output, removes every `gone` node, keeps node `kept_name`
 * (when not NULL) with op `kept_op`, and every graph output keeps its name and a producer. */
static void check_fires(const char *what, cc_build_fn build, cc_pass_fn pass, ir_op gone, const char *kept_name,
                        ir_op kept_op)
{
    int changed = 0;
    ir_graph *g = NULL;
    CHECK_OK(build(&g));
    for (int i = 0; g && i < g->n_nodes; i++) {
        char reason[256] = "";
        if (g->nodes[i]->op == gone && !cc_recon_applies(g->nodes[i], reason, sizeof reason)) {
            fprintf(stderr, "%s: cc_recon_applies refuses: %s\n", what, reason);
            CHECK(0);
        }
    }
    ir_graph_destroy(g);
    g = NULL;
    int ok = cc_check_pass_preserves(build, pass, 1e-6, &changed);
    if (!ok || changed <= 0)
        fprintf(stderr, "%s: preserves %d, changed %d\n", what, ok, changed);
    CHECK(ok);
    CHECK(changed > 0);
    CHECK_OK(build(&g));
    if (!g)
        return;
    const char *out_names[8];
    int n_out = g->n_outputs < 8 ? g->n_outputs : 8;
    for (int i = 0; i < n_out; i++)
        out_names[i] = g->outputs[i]->name;
    CHECK_OK(pass(g, &changed));
    ir_graph_compact(g);
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    if (count_op(g, gone))
        fprintf(stderr, "%s: %d %s node(s) remain\n", what, count_op(g, gone), ir_op_name(gone));
    CHECK(count_op(g, gone) == 0);
    if (kept_name) {
        const ir_node *k = find_node(g, kept_name);
        if (!k || k->op != kept_op)
            fprintf(stderr, "%s: node '%s' is not a %s after the pass\n", what, kept_name, ir_op_name(kept_op));
        CHECK(k && k->op == kept_op);
    }
    for (int i = 0; i < n_out; i++) {
        CHECK(strcmp(g->outputs[i]->name, out_names[i]) == 0);
        CHECK(g->outputs[i]->producer != NULL);
    }
    ir_graph_destroy(g);
}

/* The pass leaves build()'s graph alone, and cc_recon_applies() names the reason (containing `why`; NULL: an op
 * cc_recon_applies does not explain). */
static void check_skips(const char *what, cc_build_fn build, cc_pass_fn pass, ir_op kept, const char *why)
{
    ir_graph *g = NULL;
    CHECK_OK(build(&g));
    if (!g)
        return;
    char reason[256] = "";
    for (int i = 0; why && i < g->n_nodes; i++)
        if (g->nodes[i]->op == kept) {
            CHECK(cc_recon_applies(g->nodes[i], reason, sizeof reason) == 0);
            break;
        }
    if (getenv("RECON_VERBOSE"))
        printf("%s: %s\n", what, reason);
    if (why && !strstr(reason, why))
        fprintf(stderr, "%s: reason \"%s\" does not mention \"%s\"\n", what, reason, why);
    CHECK(!why || strstr(reason, why) != NULL);
    int n_nodes = g->n_nodes, changed = -1;
    CHECK_OK(pass(g, &changed));
    if (changed != 0)
        fprintf(stderr, "%s: the pass fired (%d) where it must not\n", what, changed);
    CHECK(changed == 0);
    ir_graph_compact(g);
    CHECK(g->n_nodes == n_nodes);
    CHECK(count_op(g, kept) >= 1);
    ir_graph_destroy(g);
}

/* ---- Neg --------------------------------------------------------------------------------------------------- */

static struct {
    ir_dtype dtype;
} neg_cfg;

static dla_status build_neg(ir_graph **out)
{
    const int64_t d[4] = {1, 3, 5, 7};
    BASE_TRY(begin(13));
    ir_tensor *x = input(neg_cfg.dtype, 4, d);
    ir_node *n = node(IR_OP_Neg, "neg", 1, x, NULL, NULL, 0);
    ir_node *r = node(IR_OP_Relu, "relu", 1, n->out[0], NULL, NULL, 0);
    ir_tensor *outs[2] = {r->out[0], n->out[0]}; /* Neg's output is also a graph output */
    return finish(out, 2, outs);
}

static void test_neg(void)
{
    neg_cfg.dtype = IR_F32;
    check_fires("neg f32", build_neg, cc_recon_neg, IR_OP_Neg, "neg", IR_OP_Mul);
    neg_cfg.dtype = IR_F16;
    check_fires("neg f16", build_neg, cc_recon_neg, IR_OP_Neg, "neg", IR_OP_Mul);
    neg_cfg.dtype = IR_I32; /* integer Neg stays on the host */
    check_skips("neg i32", build_neg, cc_recon_neg, IR_OP_Neg, "int32");
}


/* ---- DepthToSpace / SpaceToDepth --------------------------------------------------------------------------- */

static struct {
    ir_op op;
    int64_t dims[4], b;
    const char *mode;
    int as_output; /* the op's output is the graph output (else a Relu follows) */
} sp_cfg;

static dla_status build_space(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(IR_F32, 4, sp_cfg.dims);
    ir_node *n = node(sp_cfg.op, "space", 1, x, NULL, NULL, sp_cfg.mode ? 2 : 1);
    attr_i(n, 0, "blocksize", sp_cfg.b);
    if (sp_cfg.mode)
        attr_s(n, 1, "mode", sp_cfg.mode);
    if (sp_cfg.as_output)
        return finish1(out, n->out[0]);
    return finish1(out, node(IR_OP_Relu, "relu", 1, n->out[0], NULL, NULL, 0)->out[0]);
}

/* SpaceToDepth with a shape the inference refuses (H not divisible by b): built without inference. */
static dla_status build_space_raw(ir_graph **out)
{
    BASE_TRY(begin(13));
    ir_tensor *x = input(IR_F32, 4, sp_cfg.dims);
    ir_node *n = node(sp_cfg.op, "space", 1, x, NULL, NULL, 1);
    attr_i(n, 0, "blocksize", sp_cfg.b);
    BASE_TRY(ir_graph_add_output(G, n->out[0]));
    BASE_TRY(ir_graph_toposort(G));
    *out = G;
    G = NULL;
    return DLA_OK;
}

static void set_space(ir_op op, int64_t n, int64_t c, int64_t h, int64_t w, int64_t b, const char *mode, int as_out)
{
    sp_cfg.op = op;
    sp_cfg.dims[0] = n, sp_cfg.dims[1] = c, sp_cfg.dims[2] = h, sp_cfg.dims[3] = w;
    sp_cfg.b = b;
    sp_cfg.mode = mode;
    sp_cfg.as_output = as_out;
}

static void test_depth_to_space(void)
{
    const char *modes[3] = {NULL, "DCR", "CRD"};
    for (int m = 0; m < 3; m++) {
        set_space(IR_OP_DepthToSpace, 2, 8, 3, 5, 2, modes[m], m == 1);
        check_fires("d2s b2", build_space, cc_recon_depth_to_space, IR_OP_DepthToSpace, "space", IR_OP_ConvTranspose);
        set_space(IR_OP_DepthToSpace, 1, 18, 4, 3, 3, modes[m], m != 1);
        check_fires("d2s b3", build_space, cc_recon_depth_to_space, IR_OP_DepthToSpace, "space", IR_OP_ConvTranspose);
    }
    /* DLA-SW's default shape is (1,512,48,48) b=4; a quarter of it keeps the test fast */
    set_space(IR_OP_DepthToSpace, 1, 128, 24, 24, 4, "CRD", 1);
    check_fires("d2s 128x24x24 b4", build_space, cc_recon_depth_to_space, IR_OP_DepthToSpace, "space",
                IR_OP_ConvTranspose);
    set_space(IR_OP_DepthToSpace, 1, 512, 48, 48, 4, "DCR", 1); /* DLA-SW's default shape */
    check_fires("d2s 512x48x48 b4", build_space, cc_recon_depth_to_space, IR_OP_DepthToSpace, "space",
                IR_OP_ConvTranspose);
    set_space(IR_OP_DepthToSpace, 1, 1, 4, 4, 1, NULL, 1); /* b = 1: identity */
    check_fires("d2s b1", build_space, cc_recon_depth_to_space, IR_OP_DepthToSpace, "space", IR_OP_ConvTranspose);
    set_space(IR_OP_DepthToSpace, 1, 64 * 64, 1, 1, 64, NULL, 1); /* b = 64 is past the DLA kernel limit of 32 */
    check_skips("d2s b64", build_space, cc_recon_depth_to_space, IR_OP_DepthToSpace, "blocksize 64");
}

static void test_space_to_depth(void)
{
    set_space(IR_OP_SpaceToDepth, 2, 3, 4, 6, 2, NULL, 0);
    check_fires("s2d b2", build_space, cc_recon_space_to_depth, IR_OP_SpaceToDepth, "space", IR_OP_Conv);
    set_space(IR_OP_SpaceToDepth, 1, 5, 9, 6, 3, NULL, 1);
    check_fires("s2d b3", build_space, cc_recon_space_to_depth, IR_OP_SpaceToDepth, "space", IR_OP_Conv);
    set_space(IR_OP_SpaceToDepth, 1, 5, 768, 768, 4, NULL, 1); /* DLA-SW's default shape */
    check_fires("s2d 5x768x768 b4", build_space, cc_recon_space_to_depth, IR_OP_SpaceToDepth, "space", IR_OP_Conv);
    set_space(IR_OP_SpaceToDepth, 1, 1, 32, 32, 16, NULL, 1); /* stride 16 is past the DLA conv limit of 8 */
    check_skips("s2d b16", build_space, cc_recon_space_to_depth, IR_OP_SpaceToDepth, "blocksize 16");
    set_space(IR_OP_SpaceToDepth, 1, 3, 5, 4, 2, NULL, 1); /* odd H */
    check_skips("s2d odd H", build_space_raw, cc_recon_space_to_depth, IR_OP_SpaceToDepth, "H = 5");
    set_space(IR_OP_SpaceToDepth, 1, 3, 4, 7, 2, NULL, 1); /* odd W */
    check_skips("s2d odd W", build_space_raw, cc_recon_space_to_depth, IR_OP_SpaceToDepth, "W = 7");
}

/* ---- Gather ------------------------------------------------------------------------------------------------ */

static struct {
    int64_t axis, n_idx, idx[8];
    int idx_rank;      /* 0: scalar index, 1: list, 2: a (1, n) matrix */
    int idx_is_input;  /* indices are a graph input (not constant) */
    ir_dtype idx_type;
    int data_rank;
} ga_cfg;

static dla_status build_gather(ir_graph **out)
{
    const int64_t d[4] = {1, 5, 6, 7};
    BASE_TRY(begin(13));
    ir_tensor *x = input(IR_F32, ga_cfg.data_rank, d + 4 - ga_cfg.data_rank);
    ir_tensor *ind;
    if (ga_cfg.idx_is_input) {
        ind = input(IR_I64, 1, &ga_cfg.n_idx);
    } else {
        ind = const_ints(ga_cfg.n_idx, ga_cfg.idx, ga_cfg.idx_type);
        const int64_t two[2] = {1, ga_cfg.n_idx};
        ir_tensor_set_shape(ind, ga_cfg.idx_rank, two + 2 - ga_cfg.idx_rank);
    }
    ir_node *r = node(IR_OP_Relu, "relu", 1, x, NULL, NULL, 0);
    ir_node *n = node(IR_OP_Gather, "gather", 2, r->out[0], ind, NULL, 1);
    attr_i(n, 0, "axis", ga_cfg.axis);
    return finish1(out, n->out[0]);
}

static void set_gather(int64_t axis, int rank, int64_t n_idx, const int64_t *idx, ir_dtype t)
{
    memset(&ga_cfg, 0, sizeof ga_cfg);
    ga_cfg.axis = axis;
    ga_cfg.idx_rank = rank;
    ga_cfg.n_idx = n_idx;
    memcpy(ga_cfg.idx, idx, sizeof(int64_t) * (size_t)n_idx);
    ga_cfg.idx_type = t;
    ga_cfg.data_rank = 4;
}

static void test_gather(void)
{
    const int64_t i1[4] = {4, 0, -1, 2}, i2[3] = {5, 5, -6}, i3[5] = {6, 0, 3, -2, 1}, one[1] = {-2};
    set_gather(1, 1, 4, i1, IR_I64);
    check_fires("gather axis 1", build_gather, cc_recon_gather, IR_OP_Gather, "gather", IR_OP_Conv);
    set_gather(-3, 1, 4, i1, IR_I32);
    check_fires("gather axis -3, int32", build_gather, cc_recon_gather, IR_OP_Gather, "gather", IR_OP_Conv);
    set_gather(2, 1, 3, i2, IR_I64); /* repeated indices */
    check_fires("gather axis 2", build_gather, cc_recon_gather, IR_OP_Gather, "gather", IR_OP_Conv);
    set_gather(-1, 1, 5, i3, IR_I64);
    check_fires("gather axis -1", build_gather, cc_recon_gather, IR_OP_Gather, "gather", IR_OP_Conv);
    for (int64_t axis = 1; axis <= 3; axis++) { /* scalar index: the axis goes away */
        set_gather(axis, 0, 1, one, IR_I64);
        check_fires("gather scalar", build_gather, cc_recon_gather, IR_OP_Gather, "gather", IR_OP_Conv);
    }
    set_gather(1, 1, 4, i1, IR_I64);
    ga_cfg.idx_is_input = 1;
    check_skips("gather runtime indices", build_gather, cc_recon_gather, IR_OP_Gather, "not a build-time");
    set_gather(0, 1, 1, i1 + 1, IR_I64);
    check_skips("gather axis 0", build_gather, cc_recon_gather, IR_OP_Gather, "axis 0");
    set_gather(1, 2, 4, i1, IR_I64);
    check_skips("gather 2-D indices", build_gather, cc_recon_gather, IR_OP_Gather, "2-D");
    set_gather(1, 1, 4, i1, IR_I64);
    ga_cfg.data_rank = 3;
    check_skips("gather 3-D data", build_gather, cc_recon_gather, IR_OP_Gather, "4-D");
}

/* ---- ScatterElements --------------------------------------------------------------------------------------- */

static struct {
    int64_t axis, n_idx, idx[8];
    int non_uniform, partial, reduction_add, idx_is_input;
} sc_cfg;

static dla_status build_scatter(ir_graph **out)
{
    const int64_t d[4] = {1, 5, 6, 7};
    int a = (int)(sc_cfg.axis < 0 ? sc_cfg.axis + 4 : sc_cfg.axis);
    int64_t ud[4] = {1, 5, 6, 7};
    ud[a] = sc_cfg.n_idx;
    if (sc_cfg.partial)
        ud[a == 3 ? 2 : 3]--;
    BASE_TRY(begin(sc_cfg.reduction_add ? 16 : 13));
    ir_tensor *x = input(IR_F32, 4, d), *u = input(IR_F32, 4, ud), *ind;
    if (sc_cfg.idx_is_input) {
        ind = input(IR_I64, 4, ud);
    } else {
        ind = constant(IR_I64, 4, ud);
        int64_t stride = 1, total = ud[0] * ud[1] * ud[2] * ud[3];
        for (int i = 3; i > a; i--)
            stride *= ud[i];
        int64_t *p = ind->data;
        for (int64_t e = 0; e < total; e++)
            p[e] = sc_cfg.idx[(e / stride) % ud[a]];
        if (sc_cfg.non_uniform)
            p[total - 1] = sc_cfg.idx[0] == 0 ? 1 : 0;
    }
    ir_node *n = node(IR_OP_ScatterElements, "scatter", 3, x, ind, u, sc_cfg.reduction_add ? 2 : 1);
    attr_i(n, 0, "axis", sc_cfg.axis);
    if (sc_cfg.reduction_add)
        attr_s(n, 1, "reduction", "add");
    ir_node *r = node(IR_OP_Relu, "relu", 1, n->out[0], NULL, NULL, 0);
    ir_tensor *outs[2] = {n->out[0], r->out[0]};
    return finish(out, 2, outs);
}

static void set_scatter(int64_t axis, int64_t n_idx, const int64_t *idx)
{
    memset(&sc_cfg, 0, sizeof sc_cfg);
    sc_cfg.axis = axis;
    sc_cfg.n_idx = n_idx;
    memcpy(sc_cfg.idx, idx, sizeof(int64_t) * (size_t)n_idx);
}

static void test_scatter(void)
{
    const int64_t i1[2] = {3, -1}, i2[3] = {0, 5, 2}, i3[2] = {6, -7}, dup[2] = {1, -4};
    set_scatter(1, 2, i1);
    check_fires("scatter axis 1", build_scatter, cc_recon_scatter_elements, IR_OP_ScatterElements, "scatter",
                IR_OP_Add);
    set_scatter(2, 3, i2);
    check_fires("scatter axis 2", build_scatter, cc_recon_scatter_elements, IR_OP_ScatterElements, "scatter",
                IR_OP_Add);
    set_scatter(-1, 2, i3);
    check_fires("scatter axis -1", build_scatter, cc_recon_scatter_elements, IR_OP_ScatterElements, "scatter",
                IR_OP_Add);
    set_scatter(1, 2, i1);
    sc_cfg.non_uniform = 1;
    check_skips("scatter non-uniform indices", build_scatter, cc_recon_scatter_elements, IR_OP_ScatterElements,
                "vary along");
    set_scatter(1, 2, i1);
    sc_cfg.idx_is_input = 1;
    check_skips("scatter runtime indices", build_scatter, cc_recon_scatter_elements, IR_OP_ScatterElements,
                "not a build-time");
    set_scatter(1, 2, dup); /* 1 and -4 are the same channel of 5 */
    check_skips("scatter duplicate indices", build_scatter, cc_recon_scatter_elements, IR_OP_ScatterElements,
                "repeats");
    set_scatter(2, 3, i2);
    sc_cfg.partial = 1; /* updates cover only part of W */
    check_skips("scatter partial updates", build_scatter, cc_recon_scatter_elements, IR_OP_ScatterElements,
                "updates cover");
    set_scatter(1, 2, i1);
    sc_cfg.reduction_add = 1;
    check_skips("scatter reduction add", build_scatter, cc_recon_scatter_elements, IR_OP_ScatterElements,
                "reduction 'add'");
}

/* ---- Where ------------------------------------------------------------------------------------------------- */

static struct {
    int rank;
    int64_t dims[4], n; /* condition shape; batch of x and y */
    const char *pattern; /* condition values, '1'/'0', cycled over its elements */
    int cond_is_input, y_scalar, y_inf;
} wh_cfg;

static dla_status build_where(ir_graph **out)
{
    const int64_t d[4] = {wh_cfg.n, 5, 6, 7}, one = 1;
    BASE_TRY(begin(13));
    ir_tensor *x = input(IR_F32, 4, d), *y, *c;
    if (wh_cfg.y_inf) {
        y = constant(IR_F32, 4, d);
        for (int64_t k = 0; k < ir_tensor_numel(y); k++)
            ((float *)y->data)[k] = -INFINITY;
    } else {
        y = wh_cfg.y_scalar ? input(IR_F32, 1, &one) : input(IR_F32, 4, d);
    }
    if (wh_cfg.cond_is_input) {
        c = input(IR_BOOL, wh_cfg.rank, wh_cfg.dims);
    } else {
        c = constant(IR_BOOL, wh_cfg.rank, wh_cfg.dims);
        size_t len = strlen(wh_cfg.pattern);
        for (int64_t k = 0; k < ir_tensor_numel(c); k++)
            ((unsigned char *)c->data)[k] = wh_cfg.pattern[(size_t)k % len] == '1';
    }
    ir_node *n = node(IR_OP_Where, "where", 3, c, x, y, 0);
    return finish1(out, node(IR_OP_Sigmoid, "sigmoid", 1, n->out[0], NULL, NULL, 0)->out[0]);
}

static void set_where(int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3, const char *pattern)
{
    memset(&wh_cfg, 0, sizeof wh_cfg);
    wh_cfg.rank = rank;
    const int64_t d[4] = {d0, d1, d2, d3};
    memcpy(wh_cfg.dims, d, sizeof d);
    wh_cfg.pattern = pattern;
    wh_cfg.n = 1;
}

static void test_where(void)
{
    set_where(4, 1, 5, 1, 1, "10110");
    check_fires("where C", build_where, cc_recon_where, IR_OP_Where, "where", IR_OP_Conv);
    set_where(4, 1, 1, 6, 1, "011");
    check_fires("where H", build_where, cc_recon_where, IR_OP_Where, "where", IR_OP_Conv);
    set_where(1, 7, 0, 0, 0, "1101000");
    check_fires("where W (1-D condition)", build_where, cc_recon_where, IR_OP_Where, "where", IR_OP_Conv);
    set_where(2, 6, 1, 0, 0, "10");
    check_fires("where H (2-D condition)", build_where, cc_recon_where, IR_OP_Where, "where", IR_OP_Conv);
    set_where(4, 1, 5, 6, 7, "0110010"); /* full shape, varies along W only */
    wh_cfg.n = 2;
    check_fires("where full condition, batch 2", build_where, cc_recon_where, IR_OP_Where, "where", IR_OP_Conv);
    set_where(0, 0, 0, 0, 0, "1"); /* uniform */
    check_fires("where scalar condition", build_where, cc_recon_where, IR_OP_Where, "where", IR_OP_Conv);
    set_where(2, 6, 7, 0, 0, "10"); /* 6x7 alternating: varies along H and W */
    check_skips("where two axes", build_where, cc_recon_where, IR_OP_Where, "H and W");
    set_where(4, 2, 1, 1, 1, "10");
    wh_cfg.n = 2;
    check_skips("where along N", build_where, cc_recon_where, IR_OP_Where, "along N");
    set_where(4, 1, 5, 1, 1, "10");
    wh_cfg.cond_is_input = 1;
    check_skips("where runtime condition", build_where, cc_recon_where, IR_OP_Where, "not a build-time");
    set_where(4, 1, 5, 1, 1, "10");
    wh_cfg.y_scalar = 1;
    check_skips("where broadcast y", build_where, cc_recon_where, IR_OP_Where, "not of one");
    set_where(4, 1, 5, 1, 1, "10");
    wh_cfg.y_inf = 1;
    check_skips("where -inf constant y", build_where, cc_recon_where, IR_OP_Where, "infinity");
}

/* ---- Not / And / Or / Xor ---------------------------------------------------------------------------------- */

static struct {
    ir_op op;
    int opset;
} lg_cfg;

/* DLA-SW's unit graph: bool graph inputs -> the op -> a bool graph output. */
static dla_status build_logic_alone(ir_graph **out)
{
    const int64_t d[4] = {1, 3, 4, 5}, db[2] = {4, 5};
    BASE_TRY(begin(lg_cfg.opset));
    ir_tensor *a = input(IR_BOOL, 4, d), *b = input(IR_BOOL, 2, db); /* b broadcasts */
    int unary = lg_cfg.op == IR_OP_Not;
    ir_node *n = node(lg_cfg.op, "logic", unary ? 1 : 2, a, unary ? NULL : b, NULL, 0);
    return finish1(out, n->out[0]);
}

/* Comparisons feed a region of all four ops; its results leave through a Cast to float, a Cast to int32, a Where
 * condition and a bool graph output. One region input is a bool constant. */
static dla_status build_logic_region(ir_graph **out)
{
    const int64_t d[4] = {2, 3, 4, 5}, one = 1;
    BASE_TRY(begin(lg_cfg.opset));
    ir_tensor *x = input(IR_F32, 4, d), *y = input(IR_F32, 4, d), *zero = constant(IR_F32, 1, &one);
    ir_tensor *mask = constant(IR_BOOL, 4, (const int64_t[4]){1, 3, 1, 1});
    ((unsigned char *)mask->data)[1] = 1;
    ir_node *gt = node(IR_OP_Greater, "gt", 2, x, y, NULL, 0);
    ir_node *lt = node(IR_OP_Less, "lt", 2, x, zero, NULL, 0);
    ir_node *nt = node(IR_OP_Not, "not", 1, gt->out[0], NULL, NULL, 0);
    ir_node *an = node(IR_OP_And, "and", 2, nt->out[0], lt->out[0], NULL, 0);
    ir_node *orr = node(IR_OP_Or, "or", 2, an->out[0], mask, NULL, 0);
    ir_node *xr = node(IR_OP_Xor, "xor", 2, orr->out[0], lt->out[0], NULL, 0);
    ir_node *cf = node(IR_OP_Cast, "to_f", 1, xr->out[0], NULL, NULL, 1);
    attr_i(cf, 0, "to", IR_F32);
    ir_node *mul = node(IR_OP_Mul, "mul", 2, cf->out[0], x, NULL, 0);
    ir_node *ci = node(IR_OP_Cast, "to_i", 1, an->out[0], NULL, NULL, 1);
    attr_i(ci, 0, "to", IR_I32);
    ir_node *wh = node(IR_OP_Where, "where", 3, orr->out[0], x, y, 0);
    ir_tensor *outs[4] = {mul->out[0], ci->out[0], wh->out[0], xr->out[0]};
    return finish(out, 4, outs);
}

/* A region fed by a Cast to bool (a host op): left alone. */
static dla_status build_logic_host_input(ir_graph **out)
{
    const int64_t d[4] = {1, 3, 4, 5};
    BASE_TRY(begin(13));
    ir_tensor *x = input(IR_F32, 4, d), *b = input(IR_BOOL, 4, d);
    ir_node *c = node(IR_OP_Cast, "to_b", 1, x, NULL, NULL, 1);
    attr_i(c, 0, "to", IR_BOOL);
    ir_node *nt = node(IR_OP_Not, "not", 1, b, NULL, NULL, 0);
    ir_node *an = node(IR_OP_And, "and", 2, nt->out[0], c->out[0], NULL, 0);
    return finish1(out, an->out[0]);
}

static void test_logic(void)
{
    const ir_op ops[4] = {IR_OP_Not, IR_OP_And, IR_OP_Or, IR_OP_Xor};
    const ir_op repl[4] = {IR_OP_Sub, IR_OP_Mul, IR_OP_Clip, IR_OP_Abs};
    for (int opset = 10; opset <= 13; opset += 3) /* Clip's attribute form, then its input form */
        for (int k = 0; k < 4; k++) {
            lg_cfg.op = ops[k];
            lg_cfg.opset = opset;
            check_fires(ir_op_name(ops[k]), build_logic_alone, cc_recon_logic, ops[k], "logic", repl[k]);
        }
    lg_cfg.opset = 13;
    for (int k = 0; k < 4; k++)
        check_fires("logic region", build_logic_region, cc_recon_logic, ops[k], NULL, IR_OP_Sub);

    /* the region's details: four nodes, the Casts read float, Where still gets a bool */
    ir_graph *g = NULL;
    int changed = 0;
    CHECK_OK(build_logic_region(&g));
    if (g) {
        CHECK_OK(cc_recon_logic(g, &changed));
        CHECK(changed == 4);
        ir_graph_compact(g);
        CHECK_OK(ir_graph_toposort(g));
        CHECK_OK(ir_graph_infer(g));
        const ir_node *to_f = find_node(g, "to_f"), *to_i = find_node(g, "to_i"), *wh = find_node(g, "where");
        CHECK(to_f && to_f->in[0]->dtype == IR_F32);
        CHECK(to_i && to_i->in[0]->dtype == IR_F32);
        CHECK(wh && wh->in[0]->dtype == IR_BOOL && wh->in[0]->producer && wh->in[0]->producer->op == IR_OP_Cast);
        CHECK(find_node(g, "or/to_bool") && find_node(g, "xor/to_bool"));
        CHECK(!find_node(g, "and/to_bool")); /* only a Cast reads And's result */
        CHECK(find_node(g, "not") && find_node(g, "not")->op == IR_OP_Sub);
        CHECK(g->outputs[3]->dtype == IR_BOOL);
        CHECK(count_op(g, IR_OP_Cast) == 2 + 2 + 2); /* gt, lt to float; or, xor to bool; to_f, to_i */
        ir_graph_destroy(g);
    }
    lg_cfg.op = IR_OP_Xor;
    lg_cfg.opset = 6; /* legacy broadcasting through attributes: b (4x5) does not match a (1x3x4x5) */
    check_skips("logic at opset 6", build_logic_alone, cc_recon_logic, IR_OP_Xor, "opset 6");
    lg_cfg.op = IR_OP_Not; /* unary: fine at opset 6, with a constant of ones in x's shape */
    check_fires("Not at opset 6", build_logic_alone, cc_recon_logic, IR_OP_Not, "logic", IR_OP_Sub);
    check_skips("logic fed by a host Cast", build_logic_host_input, cc_recon_logic, IR_OP_And, "Cast to_b");
}

/* ---- the whole driver ------------------------------------------------------------------------------------- */

/* Every reconstruction in one chain, through cc_rewrite() (with the lowering passes). */
static dla_status build_chain(ir_graph **out)
{
    const int64_t d[4] = {1, 8, 6, 6}, dy[4] = {1, 12, 6, 6}, du[4] = {1, 2, 6, 6}, one = 1;
    const int64_t gi[3] = {1, 0, 1};
    BASE_TRY(begin(13));
    ir_tensor *x = input(IR_F32, 4, d), *y = input(IR_F32, 4, dy), *u = input(IR_F32, 4, du);
    ir_node *neg = node(IR_OP_Neg, "neg", 1, x, NULL, NULL, 0);
    ir_node *d2s = node(IR_OP_DepthToSpace, "d2s", 1, neg->out[0], NULL, NULL, 1);
    attr_i(d2s, 0, "blocksize", 2);
    ir_node *ga = node(IR_OP_Gather, "gather", 2, d2s->out[0], const_ints(3, gi, IR_I64), NULL, 1);
    attr_i(ga, 0, "axis", 1);
    ir_node *s2d = node(IR_OP_SpaceToDepth, "s2d", 1, ga->out[0], NULL, NULL, 1);
    attr_i(s2d, 0, "blocksize", 2);
    ir_tensor *cond = constant(IR_BOOL, 4, (const int64_t[4]){1, 12, 1, 1});
    for (int c = 0; c < 12; c += 3)
        ((unsigned char *)cond->data)[c] = 1;
    ir_node *wh = node(IR_OP_Where, "where", 3, cond, s2d->out[0], y, 0);
    ir_node *gt = node(IR_OP_Greater, "gt", 2, wh->out[0], constant(IR_F32, 1, &one), NULL, 0);
    ir_node *nt = node(IR_OP_Not, "not", 1, gt->out[0], NULL, NULL, 0);
    ir_node *cf = node(IR_OP_Cast, "cast", 1, nt->out[0], NULL, NULL, 1);
    attr_i(cf, 0, "to", IR_F32);
    ir_node *mul = node(IR_OP_Mul, "mul", 2, cf->out[0], wh->out[0], NULL, 0);
    ir_tensor *ind = constant(IR_I64, 4, du);
    for (int64_t e = 0; e < 72; e++)
        ((int64_t *)ind->data)[e] = e < 36 ? 0 : 11;
    ir_node *sc = node(IR_OP_ScatterElements, "scatter", 3, mul->out[0], ind, u, 1);
    attr_i(sc, 0, "axis", 1);
    ir_tensor *outs[2] = {sc->out[0], wh->out[0]};
    return finish(out, 2, outs);
}

static void test_driver(void)
{
    int changed = 0;
    CHECK(cc_check_pass_preserves(build_chain, cc_rewrite, 1e-6, &changed));
    CHECK(changed >= 7);
    ir_graph *g = NULL;
    CHECK_OK(build_chain(&g));
    if (!g)
        return;
    CHECK_OK(cc_rewrite(g, &changed));
    const ir_op gone[7] = {IR_OP_Neg, IR_OP_DepthToSpace, IR_OP_Gather, IR_OP_SpaceToDepth, IR_OP_Where, IR_OP_Not,
                           IR_OP_ScatterElements};
    for (int k = 0; k < 7; k++) {
        if (count_op(g, gone[k]))
            fprintf(stderr, "driver: %s remains\n", ir_op_name(gone[k]));
        CHECK(count_op(g, gone[k]) == 0);
    }
    CHECK(strcmp(g->outputs[0]->name, "scatter_out") == 0 && strcmp(g->outputs[1]->name, "where_out") == 0);
    ir_graph_destroy(g);
}

/* ---- channel shuffle ---------------------------------------------------------------------------------------- */

static struct {
    int kind; /* 0: ShuffleNet's 5-D shuffle; 1: a 4-D chain that swaps H and W (not a channel permutation); 2: groups
                 of 2 with the middle tensor also read elsewhere */
} sh_cfg;

static dla_status build_shuffle(ir_graph **out)
{
    const int64_t d[4] = {2, 12, 5, 7};
    const int64_t s0[5] = {2, 3, 4, 5, 7}, p0[5] = {0, 2, 1, 3, 4};
    const int64_t s1[4] = {2, 12, 5, 7}, p1[4] = {0, 1, 3, 2};
    const int64_t s2[5] = {2, 2, 6, 5, 7};
    BASE_TRY(begin(13));
    ir_tensor *x = input(IR_F32, 4, d);
    const int64_t *shape = sh_cfg.kind == 1 ? s1 : sh_cfg.kind == 2 ? s2 : s0, *perm = sh_cfg.kind == 1 ? p1 : p0;
    int64_t rank = sh_cfg.kind == 1 ? 4 : 5;
    ir_node *pre = node(IR_OP_Relu, "pre", 1, x, NULL, NULL, 0);
    ir_node *r1 = node(IR_OP_Reshape, "r1", 2, pre->out[0], const_ints(rank, shape, IR_I64), NULL, 0);
    ir_node *tr = node(IR_OP_Transpose, "shuffle", 1, r1->out[0], NULL, NULL, 1);
    int64_t *pp = base_arena_alloc(G->arena, sizeof(int64_t) * 5);
    memcpy(pp, perm, sizeof(int64_t) * (size_t)rank);
    tr->attrs[0] = (ir_attr){.name = "perm", .type = IR_ATTR_INTS, .n = (int)rank, .ints = pp};
    ir_node *r2 = node(IR_OP_Reshape, "r2", 2, tr->out[0], const_ints(4, d, IR_I64), NULL, 0);
    if (sh_cfg.kind == 2) {
        ir_node *side = node(IR_OP_Sigmoid, "side", 1, tr->out[0], NULL, NULL, 0);
        ir_tensor *outs[2] = {r2->out[0], side->out[0]};
        return finish(out, 2, outs);
    }
    return finish1(out, r2->out[0]);
}

static void test_channel_shuffle(void)
{
    sh_cfg.kind = 0;
    check_fires("channel shuffle", build_shuffle, cc_recon_channel_shuffle, IR_OP_Transpose, "shuffle", IR_OP_Conv);
    ir_graph *g = NULL;
    int changed = 0;
    CHECK_OK(build_shuffle(&g));
    if (g) {
        CHECK_OK(cc_recon_channel_shuffle(g, &changed));
        ir_graph_compact(g);
        CHECK(count_op(g, IR_OP_Reshape) == 0 && count_op(g, IR_OP_Conv) == 1);
        ir_graph_destroy(g);
    }
    sh_cfg.kind = 1;
    check_skips("shuffle moving W", build_shuffle, cc_recon_channel_shuffle, IR_OP_Transpose, NULL);
    sh_cfg.kind = 2;
    check_skips("shuffle with a side reader", build_shuffle, cc_recon_channel_shuffle, IR_OP_Transpose, NULL);
}

int main(void)
{
    test_neg();
    test_depth_to_space();
    test_space_to_depth();
    test_gather();
    test_scatter();
    test_where();
    test_logic();
    test_channel_shuffle();
    test_driver();
    return TEST_RESULT();
}
