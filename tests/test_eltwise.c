/* Elementwise ops: inference and host execution on hand-built nodes, against hand-computed values. */
#include "check.h"
#include "host/host.h"
#include "ir/ir.h"

#include <stdlib.h>
#include <string.h>

static host_ctx ctx;
static ir_graph *g;
static int uniq;

static ir_tensor *tensor(ir_dtype t, int rank, const int64_t *dims, const void *vals)
{
    char name[32];
    snprintf(name, sizeof name, "t%d", uniq++);
    ir_tensor *x = NULL;
    CHECK_OK(ir_graph_tensor(g, name, &x));
    x->dtype = t;
    ir_tensor_set_shape(x, rank, dims);
    if (vals) {
        CHECK_OK(ir_tensor_alloc_const(g, x));
        memcpy(x->data, vals, ir_tensor_nbytes(x));
    }
    return x;
}

static ir_tensor *f32(int rank, const int64_t *dims, const float *vals) { return tensor(IR_F32, rank, dims, vals); }

/* A node of op over the given inputs (NULL allowed) with n_out fresh outputs and room for n_attrs attrs. */
static ir_node *node(ir_op op, int n_in, ir_tensor **in, int n_out, int n_attrs)
{
    ir_node *n = NULL;
    char name[32];
    snprintf(name, sizeof name, "n%d", uniq++);
    CHECK_OK(ir_graph_add_node(g, op, name, n_in, n_out, n_attrs, &n));
    n->opset = 17;
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    for (int i = 0; i < n_out; i++) {
        snprintf(name, sizeof name, "o%d", uniq++);
        CHECK_OK(ir_graph_tensor(g, name, &n->out[i]));
    }
    return n;
}

static void attr_f(ir_node *n, int i, const char *name, float v)
{
    n->attrs[i] = (ir_attr){.name = name, .type = IR_ATTR_FLOAT, .f = v};
}

static void attr_i(ir_node *n, int i, const char *name, int64_t v)
{
    n->attrs[i] = (ir_attr){.name = name, .type = IR_ATTR_INT, .i = v};
}

/* Infers, allocates the outputs (malloc, as the executor does) and runs n. */
static dla_status run(ir_node *n)
{
    dla_status st = ir_infer_node(n);
    if (st != DLA_OK)
        return st;
    for (int i = 0; i < n->n_out; i++)
        if (n->out[i]) {
            size_t b = ir_tensor_nbytes(n->out[i]);
            n->out[i]->data = malloc(b ? b : 1);
            n->out[i]->data_kind = IR_DATA_RUNTIME;
        }
    return host_exec_node(&ctx, n);
}

static void release(ir_node *n)
{
    for (int i = 0; i < n->n_out; i++)
        if (n->out[i] && n->out[i]->data_kind == IR_DATA_RUNTIME) {
            free(n->out[i]->data);
            n->out[i]->data = NULL;
            n->out[i]->data_kind = IR_DATA_NONE;
        }
}

static ir_node *unary(ir_op op, ir_tensor *x)
{
    ir_node *n = node(op, 1, &x, 1, 0);
    CHECK_OK(run(n));
    return n;
}

static ir_node *binary(ir_op op, ir_tensor *a, ir_tensor *b)
{
    ir_tensor *in[2] = {a, b};
    ir_node *n = node(op, 2, in, 1, 0);
    CHECK_OK(run(n));
    return n;
}

static void check_f32(const ir_tensor *t, const float *want, int64_t cnt, double tol)
{
    CHECK(t->dtype == IR_F32);
    CHECK(ir_tensor_numel(t) == cnt);
    for (int64_t i = 0; i < cnt && i < ir_tensor_numel(t); i++)
        CHECK_NEAR(((const float *)t->data)[i], want[i], tol);
}

static void check_i64(const ir_tensor *t, const int64_t *want, int64_t cnt)
{
    CHECK(ir_tensor_numel(t) == cnt);
    for (int64_t i = 0; i < cnt && i < ir_tensor_numel(t); i++) {
        int64_t v = ir_get_i64(t->dtype, t->data, (size_t)i);
        if (v != want[i]) {
            fprintf(stderr, "  element %lld: got %lld, want %lld\n", (long long)i, (long long)v, (long long)want[i]);
            CHECK(v == want[i]);
        }
    }
}

static void test_activations(void)
{
    int64_t d[] = {6};
    float xv[] = {-3.0f, -1.0f, -0.25f, 0.0f, 0.5f, 4.0f};
    ir_tensor *x = f32(1, d, xv);

    ir_node *n = unary(IR_OP_Relu, x);
    check_f32(n->out[0], (float[]){0, 0, 0, 0, 0.5f, 4.0f}, 6, 0);
    CHECK(n->out[0]->rank == 1 && n->out[0]->dims[0] == 6);
    release(n);

    n = node(IR_OP_LeakyRelu, 1, &x, 1, 1);
    attr_f(n, 0, "alpha", 0.1f);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){-0.3f, -0.1f, -0.025f, 0, 0.5f, 4.0f}, 6, 1e-7);
    release(n);

    n = unary(IR_OP_Sigmoid, x);
    for (int i = 0; i < 6; i++)
        CHECK_NEAR(((float *)n->out[0]->data)[i], 1.0 / (1.0 + exp(-xv[i])), 1e-6);
    release(n);

    n = unary(IR_OP_HardSwish, x); /* x * clamp(x/6 + 0.5, 0, 1) */
    check_f32(n->out[0], (float[]){0, -1.0f / 3, -0.25f * (0.5f - 0.25f / 6), 0, 0.5f * (0.5f + 0.5f / 6), 4.0f}, 6,
              1e-6);
    release(n);

    n = unary(IR_OP_Elu, x);
    CHECK_NEAR(((float *)n->out[0]->data)[0], expm1(-3.0), 1e-6);
    CHECK_NEAR(((float *)n->out[0]->data)[5], 4.0, 0);
    release(n);

    n = unary(IR_OP_Softplus, x);
    CHECK_NEAR(((float *)n->out[0]->data)[0], log1p(exp(-3.0)), 1e-6);
    CHECK_NEAR(((float *)n->out[0]->data)[5], log1p(exp(4.0)), 1e-6);
    release(n);

    n = node(IR_OP_Shrink, 1, &x, 1, 2);
    attr_f(n, 0, "lambd", 0.5f);
    attr_f(n, 1, "bias", 0.25f);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){-2.75f, -0.75f, 0, 0, 0, 3.75f}, 6, 0);
    release(n);

    /* a large tensor takes the threaded path: compare with the scalar formula everywhere */
    int64_t big[] = {3, 50000};
    float *bv = malloc(sizeof(float) * 150000);
    for (int i = 0; i < 150000; i++)
        bv[i] = (float)((i % 2001) - 1000) / 100.0f;
    ir_tensor *bx = f32(2, big, bv);
    n = unary(IR_OP_Tanh, bx);
    int bad = 0;
    for (int i = 0; i < 150000; i++)
        bad += fabs(((float *)n->out[0]->data)[i] - tanh(bv[i])) > 1e-6;
    CHECK(bad == 0);
    release(n);
    free(bv);
}

static double ref_unary(ir_op op, double x)
{
    switch (op) {
    case IR_OP_Exp: return exp(x);
    case IR_OP_Sigmoid: return 1.0 / (1.0 + exp(-x));
    case IR_OP_Tanh: return tanh(x);
    case IR_OP_Elu: return x < 0 ? expm1(x) : x;
    case IR_OP_Mish: return x * tanh(log1p(exp(x)));
    default: return 0;
    }
}

/* The float32 exp-based kernels (own vectorised exp) against double libm, in relative terms, from tiny through
 * huge arguments, including both sides of the series/exp switch points. */
static void test_exp_accuracy(void)
{
    enum { N = 4001 };
    static float xv[N];
    for (int i = 0; i < N; i++)
        xv[i] = (float)(i - 2000) * 0.0173f;
    xv[0] = -103.5f, xv[1] = 88.7f, xv[2] = 1e-6f, xv[3] = -1e-6f, xv[4] = 0.2999f, xv[5] = -0.3001f;
    xv[6] = -87.5f, xv[7] = 25.0f, xv[8] = -25.0f;
    ir_tensor *x = f32(1, (int64_t[]){N}, xv);
    ir_op ops[] = {IR_OP_Exp, IR_OP_Sigmoid, IR_OP_Tanh, IR_OP_Elu, IR_OP_Mish};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        ir_node *n = unary(ops[k], x);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < N; i++) {
            double want = ref_unary(ops[k], xv[i]), got = ((float *)n->out[0]->data)[i];
            double err = fabs(got - want) / fmax(fabs(want), 1e-30);
            if (fabs(want) < 1e-37) /* subnormal results: absolute */
                err = fabs(got - want) / 1e-37;
            if (err > worst)
                worst = err, at = i;
        }
        if (worst > 6e-7)
            fprintf(stderr, "  %s: relative error %g at x = %g\n", ir_op_name(ops[k]), worst, xv[at]);
        CHECK(worst <= 6e-7);
        release(n);
    }
    /* overflow and underflow ends */
    ir_tensor *e = f32(1, (int64_t[]){4}, (float[]){89.0f, -110.0f, INFINITY, -INFINITY});
    ir_node *n = unary(IR_OP_Exp, e);
    const float *o = n->out[0]->data;
    CHECK(isinf(o[0]) && o[1] == 0 && isinf(o[2]) && o[3] == 0);
    release(n);
    n = unary(IR_OP_Sigmoid, e);
    o = n->out[0]->data;
    CHECK(o[0] == 1 && o[1] >= 0 && o[1] < 1e-40 && o[2] == 1 && o[3] == 0);
    release(n);
}

static void test_unary_math(void)
{
    int64_t d[] = {8};
    ir_tensor *x = f32(1, d, (float[]){0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4f, -2.6f});
    ir_node *n = unary(IR_OP_Round, x); /* ties to even */
    check_f32(n->out[0], (float[]){0, 2, 2, 0, -2, -2, 2, -3}, 8, 0);
    release(n);
    n = unary(IR_OP_Floor, x);
    check_f32(n->out[0], (float[]){0, 1, 2, -1, -2, -3, 2, -3}, 8, 0);
    release(n);
    n = unary(IR_OP_Sign, x);
    check_f32(n->out[0], (float[]){1, 1, 1, -1, -1, -1, 1, -1}, 8, 0);
    release(n);

    /* float64 goes through the double path */
    ir_tensor *xd = tensor(IR_F64, 1, (int64_t[]){3}, (double[]){0.5, 2.5, -3.5});
    n = unary(IR_OP_Round, xd);
    CHECK(n->out[0]->dtype == IR_F64);
    CHECK(((double *)n->out[0]->data)[0] == 0 && ((double *)n->out[0]->data)[1] == 2 &&
          ((double *)n->out[0]->data)[2] == -4);
    release(n);

    /* integers keep integer semantics */
    ir_tensor *xi = tensor(IR_I32, 1, (int64_t[]){4}, (int32_t[]){-7, 0, 5, -2147483647});
    n = unary(IR_OP_Abs, xi);
    check_i64(n->out[0], (int64_t[]){7, 0, 5, 2147483647}, 4);
    release(n);
    n = unary(IR_OP_Neg, xi);
    check_i64(n->out[0], (int64_t[]){7, 0, -5, 2147483647}, 4);
    release(n);

    ir_tensor *b = tensor(IR_BOOL, 1, (int64_t[]){3}, (uint8_t[]){1, 0, 1});
    n = unary(IR_OP_Not, b);
    CHECK(n->out[0]->dtype == IR_BOOL);
    check_i64(n->out[0], (int64_t[]){0, 1, 0}, 3);
    release(n);
    CHECK_STATUS(ir_infer_node(node(IR_OP_Not, 1, &x, 1, 0)), DLA_ERR_INVALID_ARG);
}

static void test_clip(void)
{
    int64_t d[] = {5};
    ir_tensor *x = f32(1, d, (float[]){-2, -1, 0, 1, 2});
    /* opset 6: attributes */
    ir_node *n = node(IR_OP_Clip, 1, &x, 1, 2);
    n->opset = 6;
    attr_f(n, 0, "min", -0.5f);
    attr_f(n, 1, "max", 1.5f);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){-0.5f, -0.5f, 0, 1, 1.5f}, 5, 0);
    release(n);
    /* opset 11+: inputs; a missing min, a max only */
    ir_tensor *hi = f32(0, NULL, (float[]){0.5f});
    n = node(IR_OP_Clip, 3, (ir_tensor *[]){x, NULL, hi}, 1, 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){-2, -1, 0, 0.5f, 0.5f}, 5, 0);
    release(n);
    ir_tensor *lo = f32(0, NULL, (float[]){-1.5f});
    n = node(IR_OP_Clip, 2, (ir_tensor *[]){x, lo}, 1, 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){-1.5f, -1, 0, 1, 2}, 5, 0);
    release(n);
    n = unary(IR_OP_Clip, x); /* no bounds: a copy */
    check_f32(n->out[0], (float[]){-2, -1, 0, 1, 2}, 5, 0);
    release(n);
    /* int8 */
    ir_tensor *xi = tensor(IR_I8, 1, d, (int8_t[]){-128, -5, 0, 5, 127});
    ir_tensor *ilo = tensor(IR_I8, 0, NULL, (int8_t[]){-3}), *ihi = tensor(IR_I8, 0, NULL, (int8_t[]){100});
    n = node(IR_OP_Clip, 3, (ir_tensor *[]){xi, ilo, ihi}, 1, 0);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_I8);
    check_i64(n->out[0], (int64_t[]){-3, -3, 0, 5, 100}, 5);
    release(n);
}

/* out[i,j,k] over a [2,3,4] output from a ([2,3,4]) and b ([3,1]). */
static void test_broadcast_add(void)
{
    int64_t da[] = {2, 3, 4}, db[] = {3, 1};
    float av[24], bv[3] = {10, 20, 30}, want[24];
    for (int i = 0; i < 24; i++)
        av[i] = (float)i;
    for (int i = 0; i < 24; i++)
        want[i] = av[i] + bv[(i / 4) % 3];
    ir_node *n = binary(IR_OP_Add, f32(3, da, av), f32(2, db, bv));
    CHECK(n->out[0]->rank == 3 && n->out[0]->dims[0] == 2 && n->out[0]->dims[1] == 3 && n->out[0]->dims[2] == 4);
    check_f32(n->out[0], want, 24, 0);
    release(n);

    /* both sides broadcast: [3,1] - [1,4] -> [3,4] */
    int64_t dc[] = {1, 4};
    float cv[4] = {1, 2, 3, 4}, want2[12];
    for (int i = 0; i < 12; i++)
        want2[i] = bv[i / 4] - cv[i % 4];
    n = binary(IR_OP_Sub, f32(2, db, bv), f32(2, dc, cv));
    check_f32(n->out[0], want2, 12, 0);
    release(n);

    /* scalar on the left */
    n = binary(IR_OP_Div, f32(0, NULL, (float[]){1}), f32(1, (int64_t[]){4}, cv));
    check_f32(n->out[0], (float[]){1, 0.5f, 1.0f / 3, 0.25f}, 4, 1e-7);
    release(n);

    /* per-channel on a large NCHW tensor (threaded, segment kernels) and a middle-axis broadcast */
    int64_t dx[] = {2, 64, 33, 31}, dch[] = {64, 1, 1}, dmid[] = {2, 1, 33, 31};
    int64_t cnt = 2 * 64 * 33 * 31;
    float *xv = malloc(sizeof(float) * (size_t)cnt), ch[64], *mid = malloc(sizeof(float) * 2 * 33 * 31);
    for (int64_t i = 0; i < cnt; i++)
        xv[i] = (float)(i % 977) * 0.5f;
    for (int i = 0; i < 64; i++)
        ch[i] = (float)i * 3;
    for (int i = 0; i < 2 * 33 * 31; i++)
        mid[i] = (float)i;
    ir_tensor *X = f32(4, dx, xv);
    n = binary(IR_OP_Mul, X, f32(3, dch, ch));
    int bad = 0;
    for (int64_t i = 0; i < cnt; i++)
        bad += ((float *)n->out[0]->data)[i] != xv[i] * ch[(i / (33 * 31)) % 64];
    CHECK(bad == 0);
    release(n);
    n = binary(IR_OP_Add, f32(4, dmid, mid), X);
    bad = 0;
    for (int64_t i = 0; i < cnt; i++) {
        int64_t nn = i / (64 * 33 * 31), hw = i % (33 * 31);
        bad += ((float *)n->out[0]->data)[i] != xv[i] + mid[nn * 33 * 31 + hw];
    }
    CHECK(bad == 0);
    release(n);
    free(xv);
    free(mid);

    /* incompatible shapes: an error naming the dims */
    ir_tensor *in[2] = {f32(1, (int64_t[]){3}, NULL), f32(1, (int64_t[]){4}, NULL)};
    CHECK_STATUS(ir_infer_node(node(IR_OP_Add, 2, in, 1, 0)), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "3") && strstr(dla_last_error(), "4"));
    /* mixed types are refused */
    ir_tensor *mix[2] = {f32(1, (int64_t[]){3}, NULL), tensor(IR_I64, 1, (int64_t[]){3}, NULL)};
    CHECK_STATUS(ir_infer_node(node(IR_OP_Add, 2, mix, 1, 0)), DLA_ERR_INVALID_ARG);
}

static void test_symbolic(void)
{
    ir_tensor *a = f32(2, (int64_t[]){-1, 4}, NULL), *b = f32(1, (int64_t[]){4}, NULL);
    a->dim_param[0] = "batch";
    ir_node *n = node(IR_OP_Add, 2, (ir_tensor *[]){a, b}, 1, 0);
    CHECK_OK(ir_infer_node(n));
    CHECK(n->out[0]->rank == 2 && n->out[0]->dims[0] == -1 && n->out[0]->dims[1] == 4);
    CHECK(n->out[0]->dim_param[0] && strcmp(n->out[0]->dim_param[0], "batch") == 0);
    ir_tensor *u = f32(-1, NULL, NULL);
    n = node(IR_OP_Mul, 2, (ir_tensor *[]){a, u}, 1, 0);
    CHECK_OK(ir_infer_node(n));
    CHECK(n->out[0]->rank == -1 && n->out[0]->dtype == IR_F32);
}

static void test_integer_arith(void)
{
    int64_t d[] = {6};
    ir_tensor *a = tensor(IR_I32, 1, d, (int32_t[]){-7, 7, -7, 7, 5, -6});
    ir_tensor *b = tensor(IR_I32, 1, d, (int32_t[]){2, -2, -2, 2, 0, 4});
    ir_node *n = binary(IR_OP_Div, a, b); /* truncates toward zero; x/0 gives 0 rather than a trap */
    CHECK(n->out[0]->dtype == IR_I32);
    check_i64(n->out[0], (int64_t[]){-3, -3, 3, 3, 0, -1}, 6);
    release(n);
    n = binary(IR_OP_Mod, a, b); /* fmod=0: the divisor's sign */
    check_i64(n->out[0], (int64_t[]){1, -1, -1, 1, 0, 2}, 6);
    release(n);
    n = node(IR_OP_Mod, 2, (ir_tensor *[]){a, b}, 1, 1);
    attr_i(n, 0, "fmod", 1); /* fmod=1: the dividend's sign */
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){-1, 1, -1, 1, 0, -2}, 6);
    release(n);

    /* float Mod with fmod=1 is C fmod */
    n = node(IR_OP_Mod, 2, (ir_tensor *[]){f32(1, (int64_t[]){2}, (float[]){-4.5f, 7.0f}),
                                           f32(1, (int64_t[]){2}, (float[]){2.0f, -3.0f})}, 1, 1);
    attr_i(n, 0, "fmod", 1);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){-0.5f, 1.0f}, 2, 0);
    release(n);

    /* uint8 wraps; int64 Max/Min; uint64 beyond the int64 range compares unsigned */
    ir_tensor *u1 = tensor(IR_U8, 1, (int64_t[]){2}, (uint8_t[]){250, 3});
    ir_tensor *u2 = tensor(IR_U8, 1, (int64_t[]){2}, (uint8_t[]){10, 5});
    n = binary(IR_OP_Add, u1, u2);
    check_i64(n->out[0], (int64_t[]){4, 8}, 2);
    release(n);
    n = binary(IR_OP_Sub, u1, u2);
    check_i64(n->out[0], (int64_t[]){240, 254}, 2);
    release(n);
    ir_tensor *q1 = tensor(IR_U64, 1, (int64_t[]){1}, (uint64_t[]){UINT64_MAX - 1});
    ir_tensor *q2 = tensor(IR_U64, 1, (int64_t[]){1}, (uint64_t[]){3});
    n = binary(IR_OP_Max, q1, q2);
    CHECK(((uint64_t *)n->out[0]->data)[0] == UINT64_MAX - 1);
    release(n);
    n = binary(IR_OP_Div, q1, q2);
    CHECK(((uint64_t *)n->out[0]->data)[0] == (UINT64_MAX - 1) / 3);
    release(n);
}

static void test_pow(void)
{
    ir_tensor *base = f32(1, (int64_t[]){3}, (float[]){1, 2, 3});
    ir_tensor *e64 = tensor(IR_I64, 1, (int64_t[]){3}, (int64_t[]){4, 5, 6});
    ir_node *n = binary(IR_OP_Pow, base, e64); /* output has the base's type */
    check_f32(n->out[0], (float[]){1, 32, 729}, 3, 0);
    release(n);
    n = binary(IR_OP_Pow, f32(1, (int64_t[]){3}, (float[]){-3, 1.5f, 0}), f32(0, NULL, (float[]){2}));
    check_f32(n->out[0], (float[]){9, 2.25f, 0}, 3, 0);
    release(n);
    n = binary(IR_OP_Pow, f32(1, (int64_t[]){2}, (float[]){4, 2}), f32(0, NULL, (float[]){-0.5f}));
    check_f32(n->out[0], (float[]){0.5f, 0.70710678f}, 2, 1e-7);
    release(n);
    ir_tensor *ib = tensor(IR_I32, 1, (int64_t[]){3}, (int32_t[]){1, 2, -3});
    n = binary(IR_OP_Pow, ib, tensor(IR_I32, 1, (int64_t[]){3}, (int32_t[]){4, 5, 3}));
    CHECK(n->out[0]->dtype == IR_I32);
    check_i64(n->out[0], (int64_t[]){1, 32, -27}, 3);
    release(n);
    n = binary(IR_OP_Pow, ib, f32(0, NULL, (float[]){2.0f}));
    CHECK(n->out[0]->dtype == IR_I32);
    check_i64(n->out[0], (int64_t[]){1, 4, 9}, 3);
    release(n);
}

static void test_compare_logic_where(void)
{
    ir_tensor *a = f32(2, (int64_t[]){2, 2}, (float[]){1, 2, 3, 4});
    ir_tensor *b = f32(1, (int64_t[]){2}, (float[]){2, 3});
    ir_node *n = binary(IR_OP_Less, a, b);
    CHECK(n->out[0]->dtype == IR_BOOL);
    check_i64(n->out[0], (int64_t[]){1, 1, 0, 0}, 4);
    release(n);
    n = binary(IR_OP_GreaterOrEqual, a, b);
    check_i64(n->out[0], (int64_t[]){0, 0, 1, 1}, 4);
    release(n);
    ir_tensor *ia = tensor(IR_I64, 1, (int64_t[]){3}, (int64_t[]){-1, 5, 7});
    ir_tensor *ib = tensor(IR_I64, 0, NULL, (int64_t[]){5});
    n = binary(IR_OP_Equal, ia, ib);
    check_i64(n->out[0], (int64_t[]){0, 1, 0}, 3);
    release(n);

    ir_tensor *p = tensor(IR_BOOL, 2, (int64_t[]){2, 2}, (uint8_t[]){1, 1, 0, 0});
    ir_tensor *q = tensor(IR_BOOL, 1, (int64_t[]){2}, (uint8_t[]){1, 0});
    n = binary(IR_OP_Xor, p, q);
    check_i64(n->out[0], (int64_t[]){0, 1, 1, 0}, 4);
    release(n);
    n = binary(IR_OP_And, p, q);
    check_i64(n->out[0], (int64_t[]){1, 0, 0, 0}, 4);
    release(n);

    /* Where with all three broadcast: cond [2,1], x [1,3], y scalar */
    ir_tensor *c = tensor(IR_BOOL, 2, (int64_t[]){2, 1}, (uint8_t[]){1, 0});
    ir_tensor *x = tensor(IR_I64, 2, (int64_t[]){1, 3}, (int64_t[]){7, 8, 9});
    ir_tensor *y = tensor(IR_I64, 0, NULL, (int64_t[]){-1});
    n = node(IR_OP_Where, 3, (ir_tensor *[]){c, x, y}, 1, 0);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_I64 && n->out[0]->rank == 2 && n->out[0]->dims[1] == 3);
    check_i64(n->out[0], (int64_t[]){7, 8, 9, -1, -1, -1}, 6);
    release(n);
}

static void test_variadic(void)
{
    ir_tensor *a = f32(1, (int64_t[]){3}, (float[]){1, 5, 3});
    ir_tensor *b = f32(2, (int64_t[]){2, 1}, (float[]){4, -2});
    ir_tensor *c = f32(0, NULL, (float[]){10});
    ir_node *n = node(IR_OP_Sum, 3, (ir_tensor *[]){a, b, c}, 1, 0);
    CHECK_OK(run(n));
    CHECK(n->out[0]->rank == 2 && n->out[0]->dims[0] == 2 && n->out[0]->dims[1] == 3);
    check_f32(n->out[0], (float[]){15, 19, 17, 9, 13, 11}, 6, 0);
    release(n);
    n = node(IR_OP_Mean, 3, (ir_tensor *[]){c, a, b}, 1, 0); /* first input smaller than the output */
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){5, 19.0f / 3, 17.0f / 3, 3, 13.0f / 3, 11.0f / 3}, 6, 1e-6);
    release(n);
    n = node(IR_OP_Max, 2, (ir_tensor *[]){a, b}, 1, 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){4, 5, 4, 1, 5, 3}, 6, 0);
    release(n);
    n = node(IR_OP_Min, 1, &a, 1, 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){1, 5, 3}, 3, 0);
    release(n);
    ir_tensor *i8a = tensor(IR_I8, 1, (int64_t[]){2}, (int8_t[]){-100, 3});
    ir_tensor *i8b = tensor(IR_I8, 1, (int64_t[]){2}, (int8_t[]){50, -4});
    n = node(IR_OP_Min, 2, (ir_tensor *[]){i8a, i8b}, 1, 0);
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){-100, -4}, 2);
    release(n);
}

static void test_prelu(void)
{
    /* numpy broadcast on the last axis */
    ir_tensor *x = f32(2, (int64_t[]){2, 2}, (float[]){-1, 2, -3, 4});
    ir_node *n = binary(IR_OP_PRelu, x, f32(1, (int64_t[]){2}, (float[]){0.5f, 0.25f}));
    check_f32(n->out[0], (float[]){-0.5f, 2, -1.5f, 4}, 4, 0);
    release(n);
    /* a 1-D slope of C channels on NCHW is read per channel */
    ir_tensor *x4 = f32(4, (int64_t[]){1, 2, 1, 3}, (float[]){-1, -2, 3, -4, 5, -6});
    n = binary(IR_OP_PRelu, x4, f32(1, (int64_t[]){2}, (float[]){0.1f, 0.5f}));
    CHECK(n->out[0]->rank == 4);
    check_f32(n->out[0], (float[]){-0.1f, -0.2f, 3, -2, 5, -3}, 6, 1e-7);
    release(n);
}

static void test_cast(void)
{
    float v[] = {-1.7f, 2.9f, 0.0f, -0.0f, 300.5f, 0.1f};
    ir_tensor *x = f32(1, (int64_t[]){6}, v);
    ir_node *n = node(IR_OP_Cast, 1, &x, 1, 1);
    attr_i(n, 0, "to", IR_I32);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_I32);
    check_i64(n->out[0], (int64_t[]){-1, 2, 0, 0, 300, 0}, 6);
    release(n);
    n = node(IR_OP_Cast, 1, &x, 1, 1);
    attr_i(n, 0, "to", IR_BOOL);
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){1, 1, 0, 0, 1, 1}, 6);
    release(n);
    n = node(IR_OP_Cast, 1, &x, 1, 1);
    attr_i(n, 0, "to", IR_F16);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_F16);
    CHECK(((uint16_t *)n->out[0]->data)[0] == 0xBECD); /* -1.7 -> -1.7002 */
    CHECK(((uint16_t *)n->out[0]->data)[3] == 0x8000);
    release(n);
    /* int64 -> uint8 wraps like a C cast; int -> float exact */
    ir_tensor *xi = tensor(IR_I64, 1, (int64_t[]){3}, (int64_t[]){300, -1, 255});
    n = node(IR_OP_Cast, 1, &xi, 1, 1);
    attr_i(n, 0, "to", IR_U8);
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){44, 255, 255}, 3);
    release(n);
    /* CastLike takes the second input's type */
    ir_tensor *like = tensor(IR_F64, 0, NULL, (double[]){0});
    n = node(IR_OP_CastLike, 2, (ir_tensor *[]){xi, like}, 1, 0);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_F64 && ((double *)n->out[0]->data)[1] == -1.0);
    release(n);
    /* float -> bfloat16: truncation before opset 19 (the reference then), rounding to nearest even after */
    ir_tensor *xb = f32(1, (int64_t[]){1}, (float[]){1.005859375f}); /* 0x3F80C000 */
    n = node(IR_OP_Cast, 1, &xb, 1, 1);
    n->opset = 13;
    attr_i(n, 0, "to", IR_BF16);
    CHECK_OK(run(n));
    CHECK(((uint16_t *)n->out[0]->data)[0] == 0x3F80);
    release(n);
    n = node(IR_OP_Cast, 1, &xb, 1, 1);
    n->opset = 19;
    attr_i(n, 0, "to", IR_BF16);
    CHECK_OK(run(n));
    CHECK(((uint16_t *)n->out[0]->data)[0] == 0x3F81);
    release(n);
    /* strings are refused */
    n = node(IR_OP_Cast, 1, &x, 1, 1);
    attr_i(n, 0, "to", IR_STRING);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_UNSUPPORTED);
}

static void test_quantize(void)
{
    ir_tensor *x = f32(1, (int64_t[]){7}, (float[]){0, 1, 3, -3, 1000, 5, NAN});
    ir_tensor *s = f32(0, NULL, (float[]){2});
    ir_tensor *z = tensor(IR_U8, 0, NULL, (uint8_t[]){128});
    ir_node *n = node(IR_OP_QuantizeLinear, 3, (ir_tensor *[]){x, s, z}, 1, 0);
    CHECK_OK(run(n)); /* 0.5 -> 0, 1.5 -> 2, -1.5 -> -2 (half to even), 500 saturates, NaN -> the zero point */
    CHECK(n->out[0]->dtype == IR_U8);
    check_i64(n->out[0], (int64_t[]){128, 128, 130, 126, 255, 130, 128}, 7);
    release(n);
    n = node(IR_OP_QuantizeLinear, 2, (ir_tensor *[]){x, s}, 1, 0); /* default zero point: uint8 0 */
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_U8);
    check_i64(n->out[0], (int64_t[]){0, 0, 2, 0, 255, 2, 0}, 7);
    release(n);
    /* per axis 1 on [1,2,2], int8 */
    ir_tensor *x3 = f32(3, (int64_t[]){1, 2, 2}, (float[]){10, -10, 10, -400});
    ir_tensor *s2 = f32(1, (int64_t[]){2}, (float[]){1, 2});
    ir_tensor *z2 = tensor(IR_I8, 1, (int64_t[]){2}, (int8_t[]){0, -10});
    n = node(IR_OP_QuantizeLinear, 3, (ir_tensor *[]){x3, s2, z2}, 1, 0);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_I8);
    check_i64(n->out[0], (int64_t[]){10, -10, -5, -128}, 4);
    release(n);
    /* and back */
    ir_tensor *q = tensor(IR_I8, 3, (int64_t[]){1, 2, 2}, (int8_t[]){10, -10, -5, -128});
    n = node(IR_OP_DequantizeLinear, 3, (ir_tensor *[]){q, s2, z2}, 1, 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){10, -10, 10, -236}, 4, 0);
    release(n);
    /* large tensors (threaded fast paths) against the formula, per tensor and per axis, with exact ties */
    enum { C = 4, HW = 5000 };
    static float big[2 * C * HW];
    static float bscale[C] = {0.5f, 1, 2, 4};
    static uint8_t bzp[C] = {0, 10, 128, 255};
    for (int i = 0; i < 2 * C * HW; i++)
        big[i] = (float)(i % 2000) * 0.25f - 250.0f;
    ir_tensor *bx = f32(3, (int64_t[]){2, C, HW}, big);
    ir_tensor *bs = f32(1, (int64_t[]){C}, bscale), *bz = tensor(IR_U8, 1, (int64_t[]){C}, bzp);
    n = node(IR_OP_QuantizeLinear, 3, (ir_tensor *[]){bx, bs, bz}, 1, 0);
    CHECK_OK(run(n));
    int bad = 0;
    for (int i = 0; i < 2 * C * HW; i++) {
        int c = (i / HW) % C;
        double v = rint((double)big[i] / bscale[c]) + bzp[c];
        v = v < 0 ? 0 : v > 255 ? 255 : v;
        bad += ((uint8_t *)n->out[0]->data)[i] != (uint8_t)v;
    }
    CHECK(bad == 0);
    ir_tensor *bq = n->out[0];
    ir_node *dq = node(IR_OP_DequantizeLinear, 3, (ir_tensor *[]){bq, bs, bz}, 1, 0);
    CHECK_OK(run(dq));
    bad = 0;
    for (int i = 0; i < 2 * C * HW; i++) {
        int c = (i / HW) % C;
        bad += ((float *)dq->out[0]->data)[i] != (float)(((uint8_t *)bq->data)[i] - bzp[c]) * bscale[c];
    }
    CHECK(bad == 0);
    release(dq);
    release(n);
    ir_tensor *s1 = f32(0, NULL, (float[]){0.5f}), *z1 = tensor(IR_I8, 0, NULL, (int8_t[]){3});
    n = node(IR_OP_QuantizeLinear, 3, (ir_tensor *[]){bx, s1, z1}, 1, 0);
    CHECK_OK(run(n));
    bad = 0;
    for (int i = 0; i < 2 * C * HW; i++) {
        double v = rint((double)big[i] / 0.5) + 3;
        v = v < -128 ? -128 : v > 127 ? 127 : v;
        bad += ((int8_t *)n->out[0]->data)[i] != (int8_t)v;
    }
    CHECK(bad == 0);
    release(n);

    /* a scale that does not match the axis is an error naming both sizes */
    ir_tensor *s3 = f32(1, (int64_t[]){3}, (float[]){1, 2, 3});
    n = node(IR_OP_DequantizeLinear, 2, (ir_tensor *[]){q, s3}, 1, 0);
    CHECK_STATUS(run(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "3 values") != NULL);
    release(n);
}

static void test_identity_dropout(void)
{
    ir_tensor *x = f32(2, (int64_t[]){1, 3}, (float[]){1, -2, 3});
    ir_node *n = unary(IR_OP_Identity, x);
    check_f32(n->out[0], (float[]){1, -2, 3}, 3, 0);
    release(n);
    n = node(IR_OP_Dropout, 1, &x, 2, 1);
    attr_f(n, 0, "ratio", 0.5f);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){1, -2, 3}, 3, 0);
    CHECK(n->out[1]->dtype == IR_BOOL && n->out[1]->rank == 2);
    check_i64(n->out[1], (int64_t[]){1, 1, 1}, 3);
    release(n);

    /* training mode: numpy's MT19937 with seed 0 draws 0.5488, 0.7152, 0.6028, 0.5449, 0.4237, 0.6459, so with
     * ratio 0.5 the fifth element drops and the rest double */
    ir_tensor *x6 = f32(1, (int64_t[]){6}, (float[]){1, 2, 3, 4, 5, 6});
    ir_tensor *ratio = f32(0, NULL, (float[]){0.5f});
    ir_tensor *train = tensor(IR_BOOL, 0, NULL, (uint8_t[]){1});
    n = node(IR_OP_Dropout, 3, (ir_tensor *[]){x6, ratio, train}, 2, 1);
    attr_i(n, 0, "seed", 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){2, 4, 6, 8, 0, 12}, 6, 0);
    check_i64(n->out[1], (int64_t[]){1, 1, 1, 1, 0, 1}, 6);
    release(n);
    ir_tensor *zero = f32(0, NULL, (float[]){0});
    n = node(IR_OP_Dropout, 3, (ir_tensor *[]){x6, zero, train}, 1, 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){1, 2, 3, 4, 5, 6}, 6, 0);
    release(n);
}

static void test_extra_ops(void)
{
    /* BitShift: bits shifted past the type's width are gone */
    ir_tensor *a = tensor(IR_U8, 1, (int64_t[]){3}, (uint8_t[]){1, 0x81, 200});
    ir_tensor *b = tensor(IR_U8, 1, (int64_t[]){3}, (uint8_t[]){3, 1, 8});
    ir_node *n = node(IR_OP_BitShift, 2, (ir_tensor *[]){a, b}, 1, 1);
    n->attrs[0] = (ir_attr){.name = "direction", .type = IR_ATTR_STRING, .s = "LEFT"};
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){8, 2, 0}, 3);
    release(n);
    n = node(IR_OP_BitShift, 2, (ir_tensor *[]){a, b}, 1, 1);
    n->attrs[0] = (ir_attr){.name = "direction", .type = IR_ATTR_STRING, .s = "RIGHT"};
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){0, 0x40, 0}, 3);
    release(n);
    n = node(IR_OP_BitShift, 2, (ir_tensor *[]){a, b}, 1, 0); /* direction is required */
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);

    ir_tensor *x = f32(1, (int64_t[]){4}, (float[]){INFINITY, -INFINITY, NAN, 1});
    n = node(IR_OP_IsInf, 1, &x, 1, 1);
    attr_i(n, 0, "detect_negative", 0);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_BOOL);
    check_i64(n->out[0], (int64_t[]){1, 0, 0, 0}, 4);
    release(n);
    n = unary(IR_OP_IsNaN, x);
    check_i64(n->out[0], (int64_t[]){0, 0, 1, 0}, 4);
    release(n);

    /* DynamicQuantizeLinear: range [-1, 4.1] -> scale 5.1/255 = 0.02, zero point 50 */
    ir_tensor *d = f32(1, (int64_t[]){4}, (float[]){-1, 0, 2, 4.1f});
    n = node(IR_OP_DynamicQuantizeLinear, 1, &d, 3, 0);
    CHECK_OK(run(n));
    CHECK(n->out[1]->rank == 0 && n->out[2]->dtype == IR_U8);
    CHECK_NEAR(*(float *)n->out[1]->data, 0.02, 1e-8);
    CHECK(*(uint8_t *)n->out[2]->data == 50);
    check_i64(n->out[0], (int64_t[]){0, 50, 150, 255}, 4);
    release(n);
}

int main(void)
{
    CHECK_OK(host_ctx_init(&ctx, 4));
    CHECK_OK(ir_graph_create(&g));
    test_activations();
    test_exp_accuracy();
    test_unary_math();
    test_clip();
    test_broadcast_add();
    test_symbolic();
    test_integer_arith();
    test_pow();
    test_compare_logic_where();
    test_variadic();
    test_prelu();
    test_cast();
    test_quantize();
    test_identity_dropout();
    test_extra_ops();
    ir_graph_destroy(g);
    host_ctx_release(&ctx);
    return TEST_RESULT();
}
