/* rules: the DLA support-rule table (one row per IR op, unique) and cc_check_node() on hand-built nodes: every
 * numeric limit at both sides (the limit passes, limit + 1 fails; the lower bound passes), each rejection's
 * reason naming the value and the limit, the general rules, precisions and the rewrite leftovers. */
#include "check.h"
#include "compiler/cc.h"

#include <stdlib.h>
#include <string.h>

static ir_graph *G;
static char R[512];
static const cc_target ORIN = {CC_ORIN, CC_FP16 | CC_INT8};
static const cc_target XAVIER = {CC_XAVIER, CC_FP16 | CC_INT8};
static const cc_target FP16_ONLY = {CC_ORIN, CC_FP16};
static const cc_target INT8_ONLY = {CC_ORIN, CC_INT8};

#define D(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__}

static ir_tensor *tensor(ir_dtype dt, int rank, const int64_t *dims)
{
    ir_tensor *t = NULL;
    CHECK_OK(ir_graph_new_tensor(G, "t", &t));
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    return t;
}
static ir_tensor *act(int rank, const int64_t *dims) { return tensor(IR_F32, rank, dims); }
static ir_tensor *cst(ir_dtype dt, int rank, const int64_t *dims)
{
    ir_tensor *t = tensor(dt, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(G, t));
    return t;
}
static ir_tensor *ints(int n, const int64_t *v)
{
    ir_tensor *t = cst(IR_I64, 1, (int64_t[]){n});
    memcpy(t->data, v, sizeof(int64_t) * (size_t)n);
    return t;
}
static ir_tensor *floats(int n, const float *v)
{
    ir_tensor *t = cst(IR_F32, 1, (int64_t[]){n});
    memcpy(t->data, v, sizeof(float) * (size_t)n);
    return t;
}
#define INTS(...) ints(D(__VA_ARGS__))
#define FLOATS(...) floats((int)(sizeof((float[]){__VA_ARGS__}) / sizeof(float)), (float[]){__VA_ARGS__})

/* A node with the given inputs (NULL: omitted) and fresh outputs; attributes are added with the a_* helpers. */
static ir_node *node(ir_op op, int opset, int n_in, ir_tensor *const *in, int n_out)
{
    ir_node *n = NULL;
    CHECK_OK(ir_graph_add_node(G, op, NULL, n_in, n_out, 8, &n));
    n->n_attrs = 0;
    n->opset = opset;
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    for (int i = 0; i < n_out; i++)
        CHECK_OK(ir_graph_new_tensor(G, "y", &n->out[i]));
    return n;
}
#define NODE(op, opset, n_out, ...) node(op, opset, (int)(sizeof((ir_tensor *[]){__VA_ARGS__}) / sizeof(ir_tensor *)), \
                                         (ir_tensor *[]){__VA_ARGS__}, n_out)

static ir_attr *attr(ir_node *n, const char *name, ir_attr_type type)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->type = type;
    return a;
}
static ir_node *a_int(ir_node *n, const char *name, int64_t v)
{
    attr(n, name, IR_ATTR_INT)->i = v;
    return n;
}
static ir_node *a_str(ir_node *n, const char *name, const char *s)
{
    attr(n, name, IR_ATTR_STRING)->s = s;
    return n;
}
static ir_node *a_ints(ir_node *n, const char *name, int cnt, const int64_t *v)
{
    ir_attr *a = attr(n, name, IR_ATTR_INTS);
    a->n = cnt;
    a->ints = base_arena_alloc(G->arena, sizeof(int64_t) * (size_t)(cnt + 1));
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)cnt);
    return n;
}
#define A_INTS(n, name, ...) a_ints(n, name, D(__VA_ARGS__))

/* Infers the node's outputs (so shapes are what the importer would give). */
static ir_node *inferred(ir_node *n)
{
    dla_status st = ir_infer_node(n);
    if (st != DLA_OK)
        fprintf(stderr, "infer %s: %s\n", ir_op_name(n->op), dla_last_error());
    CHECK(st == DLA_OK);
    return n;
}

static int accepts_(const cc_target *t, ir_node *n, int line)
{
    int ok = cc_check_node(t, n, R, sizeof R);
    if (!ok)
        fprintf(stderr, "line %d: %s rejected: %s\n", line, ir_op_name(n->op), R);
    return ok;
}
/* Rejected, and the reason holds every given fragment (the value and the limit). */
static int rejects_(const cc_target *t, ir_node *n, int line, const char *f1, const char *f2)
{
    int ok = cc_check_node(t, n, R, sizeof R);
    if (ok) {
        fprintf(stderr, "line %d: %s accepted, expected a rejection with '%s'\n", line, ir_op_name(n->op), f1);
        return 0;
    }
    if ((f1 && !strstr(R, f1)) || (f2 && !strstr(R, f2))) {
        fprintf(stderr, "line %d: reason '%s' lacks '%s' / '%s'\n", line, R, f1, f2 ? f2 : "");
        return 0;
    }
    if (strlen(R) >= 255) { /* the placement keeps 256 bytes */
        fprintf(stderr, "line %d: reason '%s' is %zu bytes long\n", line, R, strlen(R));
        return 0;
    }
    if (strstr(R, n->name)) {
        fprintf(stderr, "line %d: reason '%s' names the node\n", line, R);
        return 0;
    }
    return 1;
}
#define ACCEPT(n) CHECK(accepts_(&ORIN, (n), __LINE__))
#define ACCEPT_T(t, n) CHECK(accepts_(&(t), (n), __LINE__))
#define REJECT(n, f1, f2) CHECK(rejects_(&ORIN, (n), __LINE__, (f1), (f2)))
#define REJECT_T(t, n, f1, f2) CHECK(rejects_(&(t), (n), __LINE__, (f1), (f2)))

/* ---- the table ------------------------------------------------------------------------------------------ */

static void test_table(void)
{
    int n_ops = 0, seen[IR_OP_COUNT] = {0};
    for (int op = 0; op < IR_OP_COUNT; op++) {
        if (!ir_op_name((ir_op)op))
            continue;
        n_ops++;
        const cc_rule *r = cc_rule_for((ir_op)op);
        if (r->op != op)
            fprintf(stderr, "op %s has no rule row\n", ir_op_name((ir_op)op));
        CHECK(r->op == op);
    }
    CHECK(cc_rule_count() == n_ops);
    CHECK(cc_rule_at(-1) == NULL && cc_rule_at(cc_rule_count()) == NULL);
    for (int i = 0; i < cc_rule_count(); i++) {
        const cc_rule *r = cc_rule_at(i);
        CHECK(r && r->op >= 0 && r->op < IR_OP_COUNT);
        if (!r || r->op < 0 || r->op >= IR_OP_COUNT)
            continue;
        CHECK(++seen[r->op] == 1); /* unique */
        CHECK(cc_rule_for((ir_op)r->op) == r);
        CHECK(r->restrictions != NULL);
        int runs = r->how == CC_HOW_NATIVE || r->how == CC_HOW_REWRITE;
        CHECK(runs == (r->unit != CC_UNIT_NONE));
        CHECK(runs == (r->precisions != 0));
        CHECK(r->how != CC_HOW_HOST || r->check == NULL);
    }
    CHECK(cc_rule_for((ir_op)-1)->how == CC_HOW_HOST);
    CHECK(cc_rule_for(IR_OP_Conv)->unit == CC_UNIT_CONV && cc_rule_for(IR_OP_Conv)->how == CC_HOW_NATIVE);
    CHECK(cc_rule_for(IR_OP_Gather)->how == CC_HOW_REWRITE);
    CHECK(cc_rule_for(IR_OP_Shape)->how == CC_HOW_BUILD_TIME);
    CHECK(cc_rule_for(IR_OP_NonMaxSuppression)->how == CC_HOW_HOST);
    CHECK(cc_rule_for(IR_OP_Equal)->precisions == CC_INT8);
    CHECK(!strcmp(cc_unit_name(CC_UNIT_PDP), "PDP") && !strcmp(cc_how_name(CC_HOW_REWRITE), "rewrite"));
}

/* ---- general rules -------------------------------------------------------------------------------------- */

static ir_node *relu(int rank, const int64_t *dims)
{
    return inferred(NODE(IR_OP_Relu, 17, 1, act(rank, dims)));
}

static void test_general(void)
{
    ACCEPT(relu(D(1, 8192, 1, 1)));
    REJECT(relu(D(1, 8193, 1, 1)), "8193", "limit of 8192");
    ACCEPT(relu(D(1, 1, 8192, 1)));
    REJECT(relu(D(1, 1, 1, 8193)), "8193", "limit of 8192");
    REJECT(relu(D(8193, 2)), "8193", "limit of 8192"); /* rank < 4: every dim is C, H or W */
    ACCEPT(relu(D(1, 1, 1, 1)));
    REJECT(relu(D(1, 0, 1, 1)), "dimension 0", "minimum of 1");
    ACCEPT(relu(D(4096, 3, 8, 8)));
    REJECT(relu(D(4097, 3, 8, 8)), "batch 4097", "limit of 4096");
    ACCEPT(relu(D(3, 8, 8)));
    ACCEPT(relu(D(1, 8192, 8192, 31))); /* below 2^31 - 1 (a prime: no shape hits it exactly) */
    REJECT(relu(D(1, 8192, 8192, 32)), "volume 2147483648", "limit of 2147483647");

    REJECT(relu(D(1, 1, 2, 2, 2)), "rank 5", "limit of 4");
    REJECT(relu(D(-1, 3, 8, 8)), "dynamic dimension", NULL);
    ir_node *n = NODE(IR_OP_Relu, 17, 1, tensor(IR_I64, 4, (int64_t[]){1, 3, 8, 8}));
    n->out[0]->dtype = IR_I64;
    ir_tensor_set_shape(n->out[0], 4, (int64_t[]){1, 3, 8, 8});
    REJECT(n, "input 0 (int64) is not a build-time constant", NULL);
    n->in[0]->dtype = IR_F64;
    REJECT(n, "input 0 is float64", "float32 or float16");
    /* precisions */
    static const cc_target none = {CC_ORIN, 0};
    REJECT_T(none, relu(D(1, 3, 8, 8)), "neither FP16 nor INT8", NULL);
    ACCEPT_T(FP16_ONLY, relu(D(1, 3, 8, 8)));
    ir_node *eq = inferred(NODE(IR_OP_Equal, 17, 1, act(D(1, 3, 8, 8)), act(D(1, 3, 8, 8))));
    ACCEPT_T(INT8_ONLY, eq);
    REJECT_T(FP16_ONLY, eq, "only in INT8", NULL);
    ir_node *lrn = a_int(NODE(IR_OP_LRN, 17, 1, act(D(1, 8, 4, 4))), "size", 5);
    inferred(lrn);
    ACCEPT_T(FP16_ONLY, lrn);
    REJECT_T(INT8_ONLY, lrn, "only in FP16", NULL);
    /* host and build-time ops */
    ir_node *topk = inferred(NODE(IR_OP_TopK, 17, 2, act(D(1, 100)), INTS(5)));
    REJECT(topk, "no DLA implementation", NULL);
    ACCEPT(inferred(NODE(IR_OP_Shape, 17, 1, act(D(1, 3, 8, 8)))));
    REJECT(NODE(IR_OP_Shape, 17, 1, act(D(-1, 3, 8, 8))), "not static", NULL);
    ir_node *cos = NODE(IR_OP_ConstantOfShape, 17, 1, act(D(4)));
    cos->in[0]->dtype = IR_I64;
    REJECT(cos, "not a build-time constant", NULL);
    ACCEPT(inferred(NODE(IR_OP_ConstantOfShape, 17, 1, INTS(1, 3, 4, 4))));
}

/* ---- convolution ---------------------------------------------------------------------------------------- */

typedef struct cspec {
    int64_t c, h, w, cout, kh, kw, group, sh, sw, dh, dw, pt, pl, pb, pr, oph, opw;
    int act_weights, transposed, rank;
} cspec;

static ir_node *conv(cspec s)
{
    int64_t *f[] = {&s.c, &s.h, &s.w, &s.cout, &s.kh, &s.kw};
    const int64_t dflt[2][6] = {{4, 64, 64, 8, 3, 3}, {4, 4, 4, 8, 2, 2}};
    for (int i = 0; i < 6; i++)
        if (!*f[i])
            *f[i] = dflt[s.transposed][i];
    if (s.transposed && !s.sh)
        s.sh = 2;
    if (s.transposed && !s.sw)
        s.sw = 2;
    int64_t g = s.group ? s.group : 1;
    ir_tensor *x = s.rank == 3 ? act(D(1, s.c, s.w)) : act(D(1, s.c, s.h, s.w));
    int64_t wd[4] = {s.transposed ? s.c : s.cout, s.transposed ? s.cout / g : s.c / g, s.kh, s.kw};
    if (s.rank == 3) {
        wd[2] = s.kw;
    }
    int wr = s.rank == 3 ? 3 : 4;
    ir_tensor *w = s.act_weights ? act(wr, wd) : cst(IR_F32, wr, wd);
    ir_node *n = NODE(s.transposed ? IR_OP_ConvTranspose : IR_OP_Conv, 17, 1, x, w);
    if (s.rank == 3)
        return inferred(n);
    a_int(n, "group", g);
    A_INTS(n, "strides", s.sh ? s.sh : 1, s.sw ? s.sw : 1);
    A_INTS(n, "dilations", s.dh ? s.dh : 1, s.dw ? s.dw : 1);
    A_INTS(n, "pads", s.pt, s.pl, s.pb, s.pr);
    if (s.oph || s.opw)
        A_INTS(n, "output_padding", s.oph, s.opw);
    return inferred(n);
}
#define CONV(...) conv((cspec){__VA_ARGS__})
#define DECONV(...) conv((cspec){.transposed = 1, __VA_ARGS__})

static void test_conv(void)
{
    ACCEPT(CONV(.kh = 1, .kw = 1));
    ACCEPT(CONV(.kh = 32, .kw = 32));
    REJECT(CONV(.kh = 33, .kw = 3), "kernel 33x3", "limit of 32");
    REJECT(CONV(.kh = 3, .kw = 33), "width 33", "limit of 32");
    ACCEPT(CONV(.sh = 1, .sw = 1));
    ACCEPT(CONV(.sh = 8, .sw = 8));
    REJECT(CONV(.sh = 9), "stride 9", "limit of 8");
    REJECT(CONV(.sw = 9), "stride 9 (width)", "limit of 8");
    ACCEPT(CONV(.kh = 2, .kw = 2, .dh = 32, .dw = 32));
    REJECT(CONV(.kh = 2, .kw = 2, .dh = 33), "dilation 33", "limit of 32");
    REJECT(CONV(.kh = 2, .kw = 2, .dw = 33), "dilation 33 (width)", "limit of 32");
    /* padding: [0,31] (a dilated 3x3 spans 33, so 31 and 32 are both below the extent) */
    ACCEPT(CONV(.pt = 0));
    ACCEPT(CONV(.dh = 16, .dw = 16, .pt = 31, .pl = 31, .pb = 31, .pr = 31));
    REJECT(CONV(.dh = 16, .dw = 16, .pt = 32), "padding 32 (top)", "limit of 31");
    REJECT(CONV(.dh = 16, .dw = 16, .pr = 32), "padding 32 (right)", "limit of 31");
    /* padding below the kernel */
    ACCEPT(CONV(.pt = 2, .pl = 2, .pb = 2, .pr = 2));
    REJECT(CONV(.pb = 3), "padding 3 (bottom)", "kernel height 3");
    ACCEPT(CONV(.dh = 6, .dw = 6, .pt = 6, .pl = 6, .pb = 6, .pr = 6)); /* ASPP: extent 13 */
    /* channels and groups */
    ACCEPT(CONV(.h = 4, .w = 4, .cout = 1));
    ACCEPT(CONV(.h = 4, .w = 4, .kh = 1, .kw = 1, .cout = 8192));
    REJECT(CONV(.h = 4, .w = 4, .kh = 1, .kw = 1, .cout = 8193), "8193", "limit of 8192");
    ACCEPT(CONV(.h = 2, .w = 2, .c = 8192, .cout = 8192, .group = 8192, .kh = 1, .kw = 1));
    REJECT(CONV(.h = 2, .w = 2, .c = 8193, .cout = 8193, .group = 8193, .kh = 1, .kw = 1), "8193", "limit of 8192");
    /* INT8-only grouped convolution: channels per group a multiple of 4, depthwise exempt */
    ir_node *g2 = CONV(.h = 8, .w = 8, .c = 12, .cout = 12, .group = 2);
    REJECT_T(INT8_ONLY, g2, "6 input channels per group", "multiple of 4");
    ACCEPT_T(ORIN, g2);
    ACCEPT_T(INT8_ONLY, CONV(.h = 8, .w = 8, .c = 12, .cout = 12, .group = 3));
    REJECT_T(INT8_ONLY, CONV(.h = 8, .w = 8, .c = 8, .cout = 12, .group = 2), "6 output channels per group",
             "multiple of 4");
    ACCEPT_T(INT8_ONLY, CONV(.h = 8, .w = 8, .c = 6, .cout = 6, .group = 6));
    /* structure */
    REJECT(CONV(.act_weights = 1), "weights are not a build-time constant", NULL);
    REJECT(CONV(.rank = 3, .kw = 3), "2-D convolution", "3-D");
}

static void test_deconv(void)
{
    ACCEPT(DECONV(.kh = 1, .kw = 1, .sh = 1, .sw = 1));
    ACCEPT(DECONV(.kh = 32, .kw = 32, .sh = 32, .sw = 32));
    REJECT(DECONV(.kh = 33, .kw = 33), "kernel 33x33", "limit of 32");
    ACCEPT(DECONV(.kh = 1, .kw = 64));
    ACCEPT(DECONV(.kh = 96, .kw = 1));
    ACCEPT(DECONV(.kh = 1, .kw = 128));
    REJECT(DECONV(.kh = 64, .kw = 64), "kernel 64x64: deconvolution kernels above 32 must be 1 in the other "
           "dimension", NULL);
    REJECT(DECONV(.kh = 1, .kw = 129), "width 129", "limit of 32");
    REJECT(DECONV(.kh = 1, .kw = 48), "width 48", "limit of 32");
    REJECT(DECONV(.kh = 2, .kw = 64), "kernel 2x64", "1 in the other dimension");
    REJECT(DECONV(.kh = 2, .kw = 2, .sh = 33, .sw = 2), "stride 33x2", "limit of 32");
    ACCEPT(DECONV(.kh = 1, .kw = 64, .sh = 1, .sw = 64));
    REJECT(DECONV(.kh = 3, .kw = 3, .pt = 1), "padding 1 (top)", "must be 0");
    REJECT(DECONV(.kh = 3, .kw = 3, .oph = 1), "output_padding 1", "must be 0");
    REJECT(DECONV(.group = 2), "group 2", "group 1");
    REJECT(DECONV(.dh = 2, .dw = 2), "dilation 2", "dilation 1");
    ACCEPT(DECONV(.cout = 8192, .kh = 1, .kw = 1, .sh = 1, .sw = 1));
    REJECT(DECONV(.cout = 8193, .kh = 1, .kw = 1, .sh = 1, .sw = 1), "8193", "limit of 8192");
    REJECT(DECONV(.act_weights = 1), "weights are not a build-time constant", NULL);
}

/* ---- pooling, LRN, softmax, reductions ------------------------------------------------------------------ */

static ir_node *pool(ir_op op, int64_t k, int64_t s, int64_t pad, int64_t dil)
{
    ir_node *n = NODE(op, 17, 1, act(D(1, 4, 32, 32)));
    A_INTS(n, "kernel_shape", k, k);
    A_INTS(n, "strides", s, s);
    A_INTS(n, "pads", pad, pad, pad, pad);
    if (dil)
        A_INTS(n, "dilations", dil, dil);
    return inferred(n);
}

static void test_pool(void)
{
    ACCEPT(pool(IR_OP_MaxPool, 1, 1, 0, 0));
    ACCEPT(pool(IR_OP_MaxPool, 8, 1, 0, 0));
    REJECT(pool(IR_OP_MaxPool, 9, 1, 0, 0), "window 9x9", "limit of 8");
    ACCEPT(pool(IR_OP_AveragePool, 2, 16, 0, 0));
    REJECT(pool(IR_OP_AveragePool, 2, 17, 0, 0), "stride 17", "limit of 16");
    ACCEPT(pool(IR_OP_MaxPool, 8, 1, 7, 0));
    REJECT(pool(IR_OP_MaxPool, 8, 1, 8, 0), "padding 8", "limit of 7");
    REJECT(pool(IR_OP_MaxPool, 2, 1, 0, 2), "dilation 2", "dilation 1");
    /* Xavier: inclusive padding only */
    ir_node *avg = pool(IR_OP_AveragePool, 3, 1, 1, 0);
    ACCEPT_T(ORIN, avg);
    REJECT_T(XAVIER, avg, "count_include_pad 0", "Xavier");
    ACCEPT_T(XAVIER, a_int(pool(IR_OP_AveragePool, 3, 1, 1, 0), "count_include_pad", 1));
    ACCEPT_T(XAVIER, pool(IR_OP_AveragePool, 3, 1, 0, 0));
    /* INT8: equal input and output ranges (explicit quantization scales) */
    ir_node *q = pool(IR_OP_MaxPool, 2, 2, 0, 0);
    q->in[0]->quant_scale = 0.02f;
    q->out[0]->quant_scale = 0.02f;
    ACCEPT_T(INT8_ONLY, q);
    q->out[0]->quant_scale = 0.03f;
    REJECT_T(INT8_ONLY, q, "scales 0.02 and 0.03", "equal input and output ranges");
    ACCEPT_T(ORIN, q);
    /* structure */
    ir_node *p1 = NODE(IR_OP_MaxPool, 17, 1, act(D(1, 4, 32)));
    A_INTS(p1, "kernel_shape", 2);
    REJECT(inferred(p1), "2-D pooling", "3-D");
    ir_node *idx = NODE(IR_OP_MaxPool, 17, 2, act(D(1, 4, 8, 8)));
    A_INTS(idx, "kernel_shape", 2, 2);
    inferred(idx);
    ACCEPT(idx); /* Indices unused */
    idx->out[1]->n_consumers = 1;
    REJECT(idx, "output 1 is int64", NULL);
    /* LpPool: p */
    ir_node *lp = pool(IR_OP_LpPool, 2, 2, 0, 0);
    ACCEPT_T(FP16_ONLY, lp);
    REJECT(a_int(pool(IR_OP_LpPool, 2, 2, 0, 0), "p", 3), "p 3", "1 or 2");
    /* global pooling leftovers: one window */
    ACCEPT(inferred(NODE(IR_OP_GlobalAveragePool, 17, 1, act(D(1, 4, 8, 8)))));
    REJECT(inferred(NODE(IR_OP_GlobalAveragePool, 17, 1, act(D(1, 4, 9, 9)))), "height 9", "limit of 8");
    REJECT(inferred(NODE(IR_OP_GlobalMaxPool, 17, 1, act(D(1, 4, 8, 9)))), "width 9", "limit of 8");
    ACCEPT(inferred(NODE(IR_OP_GlobalMaxPool, 17, 1, act(D(1, 4, 1, 1)))));
    REJECT(inferred(NODE(IR_OP_GlobalMaxPool, 17, 1, act(D(1, 4, 13, 13)))), "height 13", "prime factor above 8");
    REJECT(inferred(NODE(IR_OP_GlobalAveragePool, 17, 1, act(D(1, 4, 14, 14)))), "height 14",
           "chain of pools did not apply");
}

static void test_lrn_softmax(void)
{
    static const int64_t ok[] = {3, 5, 7, 9}, bad[] = {1, 2, 4, 11};
    for (int i = 0; i < 4; i++) {
        ACCEPT(inferred(a_int(NODE(IR_OP_LRN, 17, 1, act(D(1, 16, 4, 4))), "size", ok[i])));
        char v[32];
        snprintf(v, sizeof v, "LRN window %lld", (long long)bad[i]);
        REJECT(inferred(a_int(NODE(IR_OP_LRN, 17, 1, act(D(1, 16, 4, 4))), "size", bad[i])), v, "3, 5, 7, 9");
    }
    /* Softmax: axis <= 8192 when the other non-batch dims are 1, else <= 1024 */
    ACCEPT(inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(1, 8192))), "axis", 1)));
    REJECT(inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(1, 8193))), "axis", 1)), "8193", "limit of 8192");
    ACCEPT(inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(1, 8192, 1, 1))), "axis", 1)));
    ACCEPT(inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(1, 1024, 2, 1))), "axis", 1)));
    REJECT(inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(1, 1025, 2, 1))), "axis", 1)), "axis size 1025",
           "limit of 1024");
    ACCEPT(inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(1, 4, 8, 1024))), "axis", -1)));
    REJECT(inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(1, 4, 8, 1025))), "axis", -1)), "1025", "1024");
    REJECT(inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(2, 10, 1, 1))), "axis", 0)), "batch axis", NULL);
    REJECT_T(XAVIER, inferred(a_int(NODE(IR_OP_Softmax, 13, 1, act(D(1, 10))), "axis", 1)), "Orin", "Xavier");
    /* opset < 13: the flattened axes may hold one dim > 1 */
    ACCEPT(inferred(NODE(IR_OP_Softmax, 11, 1, act(D(1, 10, 1, 1)))));
    REJECT(inferred(NODE(IR_OP_Softmax, 11, 1, act(D(1, 10, 2, 2)))), "3 axes", "one axis");
}

static void test_reduce_norm(void)
{
    ir_node *rm = NODE(IR_OP_ReduceMean, 13, 1, act(D(2, 8, 4, 4)));
    ACCEPT(inferred(A_INTS(rm, "axes", 2, 3)));
    ir_node *rb = NODE(IR_OP_ReduceMean, 13, 1, act(D(2, 8, 4, 4)));
    REJECT(inferred(A_INTS(rb, "axes", 0)), "batch axis (N = 2)", NULL);
    ir_node *rs = NODE(IR_OP_ReduceSum, 13, 1, act(D(1, 8, 4, 4)), act(D(1)));
    rs->in[1]->dtype = IR_I64;
    ir_tensor_set_shape(rs->out[0], 4, (int64_t[]){1, 1, 1, 1});
    rs->out[0]->dtype = IR_F32;
    REJECT(rs, "axes are not a build-time constant", NULL);
    ACCEPT(inferred(NODE(IR_OP_ReduceSum, 13, 1, act(D(1, 8, 4, 4)), INTS(1))));
    ir_node *rmax = NODE(IR_OP_ReduceMax, 13, 1, act(D(1, 8, 4, 4)));
    REJECT(inferred(A_INTS(rmax, "axes", 1)), "over C (C = 8)", "H and W");
    ir_node *rmax2 = NODE(IR_OP_ReduceMax, 13, 1, act(D(1, 8, 4, 4)));
    ACCEPT(inferred(A_INTS(rmax2, "axes", 2, 3)));
    /* BatchNormalization leftovers: a per-channel scale */
    ir_tensor *x = act(D(1, 8, 4, 4));
    ir_node *bn = inferred(NODE(IR_OP_BatchNormalization, 15, 1, x, cst(IR_F32, D(8)), cst(IR_F32, D(8)),
                                cst(IR_F32, D(8)), cst(IR_F32, D(8))));
    ACCEPT(bn);
    bn->in[3] = act(D(8));
    REJECT(bn, "mean is not a build-time constant", NULL);
    /* LpNormalization: across channels */
    ACCEPT_T(FP16_ONLY, inferred(a_int(NODE(IR_OP_LpNormalization, 17, 1, act(D(1, 8, 4, 4))), "axis", 1)));
    REJECT(inferred(a_int(NODE(IR_OP_LpNormalization, 17, 1, act(D(1, 8, 4, 4))), "axis", 3)), "axis 3",
           "axis 1");
}

/* ---- element-wise --------------------------------------------------------------------------------------- */

static void test_eltwise(void)
{
    ACCEPT(inferred(NODE(IR_OP_Add, 17, 1, act(D(1, 8, 4, 4)), act(D(1, 8, 4, 4)))));
    ACCEPT(inferred(NODE(IR_OP_Mul, 17, 1, act(D(1, 8, 4, 4)), cst(IR_F32, D(1, 8, 1, 1)))));
    ACCEPT(inferred(NODE(IR_OP_Mul, 17, 1, act(D(1, 8, 4, 4)), cst(IR_F32, D(8, 1, 1)))));
    ACCEPT(inferred(NODE(IR_OP_Sub, 17, 1, cst(IR_F32, D(1)), act(D(1, 8, 4, 4)))));
    ACCEPT(inferred(NODE(IR_OP_Div, 17, 1, act(D(1, 8, 4, 4)), act(D(1, 8, 1, 1)))));
    REJECT(inferred(NODE(IR_OP_Add, 17, 1, act(D(1, 8, 4, 4)), act(D(1, 1, 4, 4)))), "input 1 (1x1x4x4)",
           "per-channel");
    REJECT(inferred(NODE(IR_OP_Add, 17, 1, act(D(1, 8, 1, 1)), act(D(1, 1, 4, 4)))), "input 1", "per-channel");
    REJECT(inferred(NODE(IR_OP_Add, 17, 1, act(D(1, 8, 1, 4)), act(D(1, 8, 4, 1)))), "input 0", "per-channel");
    /* a per-element constant (e.g. a detector's anchor table) is not an SDP operand; per-channel is, and so is a
     * full-shape constant when H = W = 1 (one value per channel) */
    REJECT(inferred(NODE(IR_OP_Mul, 17, 1, act(D(1, 8, 4, 4)), cst(IR_F32, D(1, 8, 4, 4)))), "input 1",
           "per-element constant");
    ACCEPT(inferred(NODE(IR_OP_Mul, 17, 1, act(D(1, 8, 1, 1)), cst(IR_F32, D(1, 8, 1, 1)))));
    ACCEPT(inferred(NODE(IR_OP_Max, 17, 1, act(D(1, 8, 4, 4)), act(D(1, 8, 4, 4)), cst(IR_F32, D(1)))));
    ACCEPT(inferred(NODE(IR_OP_Sum, 17, 1, act(D(1, 8, 4, 4)))));
    /* PRelu and Clip operands */
    ACCEPT(inferred(NODE(IR_OP_PRelu, 17, 1, act(D(1, 8, 4, 4)), cst(IR_F32, D(8, 1, 1)))));
    REJECT(inferred(NODE(IR_OP_PRelu, 17, 1, act(D(1, 8, 4, 4)), act(D(8, 1, 1)))), "slope", "build-time constant");
    REJECT(inferred(NODE(IR_OP_PRelu, 17, 1, act(D(1, 8, 4, 4)), cst(IR_F32, D(4, 4)))), "slope (4x4)",
           "per-channel");
    ACCEPT(inferred(NODE(IR_OP_Clip, 13, 1, act(D(1, 8, 4, 4)), FLOATS(0.0f), FLOATS(6.0f))));
    ir_node *clip = inferred(NODE(IR_OP_Clip, 13, 1, act(D(1, 8, 4, 4)), FLOATS(0.0f), FLOATS(6.0f)));
    clip->in[2] = act(D(1));
    REJECT(clip, "max is not a build-time constant", NULL);
    /* Cast: float to float, or the bool after a comparison */
    ir_node *cast = a_int(NODE(IR_OP_Cast, 17, 1, tensor(IR_BOOL, D(1, 8, 4, 4))), "to", IR_F32);
    ACCEPT(inferred(cast));
    ir_node *cast64 = a_int(NODE(IR_OP_Cast, 17, 1, act(D(1, 8, 4, 4))), "to", IR_I64);
    REJECT(inferred(cast64), "int64", NULL);
    /* rewrite leftovers that stay rejected */
    REJECT(inferred(NODE(IR_OP_Neg, 17, 1, act(D(1, 8, 4, 4)))), "Mul by -1", "did not apply");
    ACCEPT(inferred(NODE(IR_OP_HardSwish, 17, 1, act(D(1, 8, 4, 4)))));
    ACCEPT(inferred(NODE(IR_OP_HardSigmoid, 17, 1, act(D(1, 8, 4, 4)))));
}

/* ---- layout --------------------------------------------------------------------------------------------- */

static ir_node *concat(int64_t axis, int n_in, int rank)
{
    ir_tensor *in[3];
    for (int i = 0; i < n_in; i++)
        in[i] = rank == 4 ? act(D(1, 4, 8, 8)) : act(D(4, 8, 8));
    ir_node *n = node(IR_OP_Concat, 17, n_in, in, 1);
    return inferred(a_int(n, "axis", axis));
}

static ir_node *slice(int rank, const int64_t *starts, const int64_t *ends, const int64_t *axes,
                      const int64_t *steps, int k)
{
    ir_tensor *x = rank == 4 ? act(D(2, 8, 8, 8)) : act(D(8, 8, 8));
    return inferred(NODE(IR_OP_Slice, 13, 1, x, ints(k, starts), ints(k, ends), ints(k, axes), ints(k, steps)));
}

static ir_node *pad(const char *mode, int64_t pc, int64_t ph, int64_t pw_end)
{
    ir_node *n = NODE(IR_OP_Pad, 13, 1, act(D(1, 4, 8, 8)), INTS(0, pc, ph, 0, 0, 0, 0, pw_end));
    if (mode)
        a_str(n, "mode", mode);
    return inferred(n);
}

static void test_layout(void)
{
    ACCEPT(concat(1, 2, 4));
    ACCEPT(concat(-3, 3, 4));
    REJECT(concat(2, 2, 4), "C dimension", "axis is 2 (H)");
    REJECT(concat(1, 1, 4), "at least two inputs", "has 1");
    REJECT(concat(0, 2, 3), "4-D", "3-D");
    /* Slice */
    ACCEPT(slice(4, (int64_t[]){1, 2}, (int64_t[]){7, 6}, (int64_t[]){1, 3}, (int64_t[]){1, 1}, 2));
    REJECT(slice(4, (int64_t[]){0}, (int64_t[]){8}, (int64_t[]){2}, (int64_t[]){2}, 1), "step 2", "every step 1");
    REJECT(slice(4, (int64_t[]){0}, (int64_t[]){1}, (int64_t[]){0}, (int64_t[]){1}, 1), "batch dim (N 1 of 2)",
           NULL);
    REJECT(slice(3, (int64_t[]){0}, (int64_t[]){4}, (int64_t[]){1}, (int64_t[]){1}, 1), "4 dimensional",
           "3-D");
    ir_node *sl = slice(4, (int64_t[]){1}, (int64_t[]){7}, (int64_t[]){1}, (int64_t[]){1}, 1);
    sl->in[1] = act(D(1));
    REJECT(sl, "starts are not a build-time constant", NULL);
    /* Pad: constant mode, H and W, [0,31] */
    ACCEPT(pad(NULL, 0, 0, 0));
    ACCEPT(pad("constant", 0, 31, 31));
    REJECT(pad(NULL, 0, 32, 0), "padding 32 on H", "limit of 31");
    REJECT(pad(NULL, 0, 0, 32), "padding 32 on W (end)", "limit of 31");
    REJECT(pad(NULL, 0, -1, 0), "padding -1", "minimum of 0");
    REJECT(pad(NULL, 1, 0, 0), "padding 1 on C", "only H and W");
    REJECT(pad("reflect", 0, 1, 1), "mode 'reflect'", "constant");
    /* Transpose */
    ir_node *tr = NODE(IR_OP_Transpose, 17, 1, act(D(1, 3, 8, 8)));
    ACCEPT(inferred(A_INTS(tr, "perm", 0, 2, 3, 1)));
    ir_node *tb = NODE(IR_OP_Transpose, 17, 1, act(D(1, 3, 8, 8)));
    REJECT(inferred(A_INTS(tb, "perm", 1, 0, 2, 3)), "axis 1 (C = 3)", "batch");
    /* Reshape leftovers */
    ACCEPT(inferred(NODE(IR_OP_Reshape, 17, 1, act(D(1, 8, 4, 4)), INTS(1, 128))));
    REJECT(inferred(NODE(IR_OP_Reshape, 17, 1, act(D(1, 8, 4, 4)), INTS(1, 2, 2, 2, 16))), "rank 5", "limit of 4");
    /* DepthToSpace / SpaceToDepth: the limits of the Conv they become */
    ACCEPT(inferred(a_int(NODE(IR_OP_DepthToSpace, 17, 1, act(D(1, 1024, 2, 2))), "blocksize", 32)));
    REJECT(inferred(a_int(NODE(IR_OP_DepthToSpace, 17, 1, act(D(1, 1089, 2, 2))), "blocksize", 33)),
           "blocksize 33", "limit of 32");
    ACCEPT(inferred(a_int(NODE(IR_OP_SpaceToDepth, 17, 1, act(D(1, 2, 16, 16))), "blocksize", 8)));
    REJECT(inferred(a_int(NODE(IR_OP_SpaceToDepth, 17, 1, act(D(1, 2, 18, 18))), "blocksize", 9)),
           "blocksize 9", "limit of 8");
    /* Dropout leftovers */
    ir_node *dr = inferred(NODE(IR_OP_Dropout, 13, 2, act(D(1, 8, 4, 4))));
    ACCEPT(dr);
    dr->out[1]->flags |= IR_T_OUTPUT;
    REJECT(dr, "mask output is used", NULL);
}

/* ---- resize --------------------------------------------------------------------------------------------- */

static ir_node *resize(const char *mode, const char *coord, const char *nearest, float sc, float sh)
{
    ir_node *n = NODE(IR_OP_Resize, 13, 1, act(D(1, 4, 2, 2)), NULL, FLOATS(1.0f, sc, sh, sh));
    if (mode)
        a_str(n, "mode", mode);
    if (coord)
        a_str(n, "coordinate_transformation_mode", coord);
    if (nearest)
        a_str(n, "nearest_mode", nearest);
    return inferred(n);
}

static void test_resize(void)
{
    ACCEPT(resize(NULL, NULL, NULL, 1, 1));
    ACCEPT(resize(NULL, NULL, NULL, 1, 32));
    REJECT(resize(NULL, NULL, NULL, 1, 33), "scale 33", "limit of 32");
    ACCEPT(resize("nearest", "asymmetric", "floor", 1, 2));
    ACCEPT(resize("nearest", "half_pixel", "round_prefer_ceil", 1, 2));
    REJECT(resize("nearest", "asymmetric", "round_prefer_floor", 1, 2), "'asymmetric'", "'round_prefer_floor'");
    ACCEPT(resize("linear", NULL, NULL, 1, 4));
    ACCEPT(resize("linear", "pytorch_half_pixel", NULL, 1, 2));
    REJECT(resize("linear", NULL, NULL, 1, 5), "scale 5", "limit of 4");
    REJECT(resize("linear", "align_corners", NULL, 1, 2), "'align_corners'", "half_pixel");
    REJECT(resize("cubic", NULL, NULL, 1, 2), "mode 'cubic'", NULL);
    REJECT(resize(NULL, NULL, NULL, 2, 2), "scale 2 on C", "must be 1");
    REJECT(resize(NULL, NULL, NULL, 1, 1.5f), "scale 1.5", "not an integer");
    REJECT(resize(NULL, NULL, NULL, 1, 0.5f), "scale 0.5", "minimum of 1");
    /* sizes instead of scales */
    ir_node *sz = inferred(NODE(IR_OP_Resize, 13, 1, act(D(1, 4, 3, 3)), NULL, NULL, INTS(1, 4, 4, 4)));
    REJECT(sz, "scale 4/3", "not an integer");
    ACCEPT(inferred(NODE(IR_OP_Resize, 13, 1, act(D(1, 4, 3, 3)), NULL, NULL, INTS(1, 4, 6, 6))));
    ir_node *dyn = resize(NULL, NULL, NULL, 1, 2);
    dyn->in[2] = act(D(4));
    REJECT(dyn, "scales are not a build-time constant", NULL);
    /* Upsample: asymmetric nearest only */
    ACCEPT(inferred(NODE(IR_OP_Upsample, 9, 1, act(D(1, 4, 2, 2)), FLOATS(1.0f, 1.0f, 2.0f, 2.0f))));
    ir_node *up = NODE(IR_OP_Upsample, 9, 1, act(D(1, 4, 2, 2)), FLOATS(1.0f, 1.0f, 2.0f, 2.0f));
    REJECT(inferred(a_str(up, "mode", "linear")), "'asymmetric'", "half_pixel");
}

/* ---- reconstruction leftovers and Q/DQ ------------------------------------------------------------------ */

static void test_recon(void)
{
    ir_tensor *idx = act(D(3));
    idx->dtype = IR_I64;
    ir_node *g = NODE(IR_OP_Gather, 13, 1, act(D(1, 8, 4, 4)), idx);
    a_int(g, "axis", 1);
    ir_tensor_set_shape(g->out[0], 4, (int64_t[]){1, 3, 4, 4});
    g->out[0]->dtype = IR_F32;
    REJECT(g, "indices are not a build-time", "1x1 Conv");
    REJECT(inferred(a_int(NODE(IR_OP_Gather, 13, 1, act(D(2, 8, 4, 4)), INTS(0, 1)), "axis", 0)), "axis 0",
           "1, 2 or 3");
    REJECT(inferred(a_int(NODE(IR_OP_Gather, 13, 1, act(D(8, 4, 4)), INTS(0, 1)), "axis", 1)), "8x4x4", "4-D");
    ir_tensor *many = cst(IR_I64, D(8193));
    REJECT(inferred(a_int(NODE(IR_OP_Gather, 13, 1, act(D(1, 8, 4, 4)), many), "axis", 1)), "8193 indices",
           "8192");
    REJECT(inferred(a_int(NODE(IR_OP_Gather, 13, 1, act(D(1, 8, 4, 4)), INTS(0, 1)), "axis", 1)), "1x1 Conv",
           "did not apply");
    /* Where: the condition must be constant */
    ir_tensor *c = tensor(IR_BOOL, D(1, 8, 4, 4));
    REJECT(inferred(NODE(IR_OP_Where, 13, 1, c, act(D(1, 8, 4, 4)), act(D(1, 8, 4, 4)))), "condition",
           "build-time bool constant");
    ir_tensor *c2 = cst(IR_BOOL, D(1, 1, 2, 2));
    ((unsigned char *)c2->data)[1] = ((unsigned char *)c2->data)[3] = 1; /* [[0 1] [0 1]]: varies along W */
    REJECT(inferred(NODE(IR_OP_Where, 13, 1, c2, act(D(1, 8, 2, 2)), act(D(1, 8, 2, 2)))), "Concat + a 1x1 Conv",
           "did not apply");
    ((unsigned char *)c2->data)[2] = 1; /* and along H */
    REJECT(inferred(NODE(IR_OP_Where, 13, 1, c2, act(D(1, 8, 2, 2)), act(D(1, 8, 2, 2)))), "varies along H and W",
           NULL);
    /* Q/DQ leftovers */
    ir_tensor *zp = cst(IR_I8, 0, NULL);
    ((int8_t *)zp->data)[0] = 3;
    REJECT(inferred(NODE(IR_OP_QuantizeLinear, 13, 1, act(D(1, 8, 4, 4)), FLOATS(0.5f), zp)), "zero point 3",
           "0");
    ir_tensor *zpu = cst(IR_U8, 0, NULL);
    REJECT(inferred(NODE(IR_OP_QuantizeLinear, 13, 1, act(D(1, 8, 4, 4)), FLOATS(0.5f), zpu)), "uint8", "int8");
    REJECT(inferred(NODE(IR_OP_DequantizeLinear, 13, 1, tensor(IR_I8, D(1, 8, 4, 4)), FLOATS(0.5f))), "Q/DQ pair",
           NULL);
    /* Gemm / MatMul leftovers */
    REJECT(inferred(NODE(IR_OP_MatMul, 13, 1, act(D(1, 64)), act(D(64, 10)))), "B is not a build-time constant",
           NULL);
    REJECT(inferred(a_int(NODE(IR_OP_Gemm, 13, 1, act(D(1, 64)), cst(IR_F32, D(8193, 64))), "transB", 1)),
           "output features 8193", "limit of 8192");
    REJECT(inferred(NODE(IR_OP_Gemm, 13, 1, act(D(-1, 64)), cst(IR_F32, D(64, 10)))), "dynamic dimension", NULL);
    ir_node *gm = NODE(IR_OP_Gemm, 13, 1, act(D(1, 64)), cst(IR_F32, D(64, 10)));
    a_int(gm, "transB", 0);
    REJECT(inferred(gm), "1x1 Conv", "did not apply");
}

int main(void)
{
    CHECK_OK(ir_graph_create(&G));
    G->opset = 17;
    test_table();
    test_general();
    test_conv();
    test_deconv();
    test_pool();
    test_lrn_softmax();
    test_reduce_norm();
    test_eltwise();
    test_layout();
    test_resize();
    test_recon();
    ir_graph_destroy(G);
    return TEST_RESULT();
}
