/* reduce family: Reduce*, Softmax/LogSoftmax/Hardmax, ArgMax/ArgMin, TopK, NonMaxSuppression, NonZero, CumSum.
 * Each case builds one node by hand, infers it, runs it on the host and compares with hand-computed values. */
#include "check.h"
#include "host/host.h"

#include <stdlib.h>
#include <string.h>

static ir_graph *g;
static host_ctx ctx;
static int counter;

static ir_tensor *tensor(ir_dtype t, int rank, const int64_t *dims, const void *data)
{
    char name[32];
    snprintf(name, sizeof name, "t%d", counter++);
    ir_tensor *x;
    CHECK_OK(ir_graph_tensor(g, name, &x));
    x->dtype = t;
    ir_tensor_set_shape(x, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(g, x));
    if (ir_tensor_nbytes(x))
        memcpy(x->data, data, ir_tensor_nbytes(x));
    return x;
}

static ir_tensor *f32(int rank, const int64_t *dims, const float *v) { return tensor(IR_F32, rank, dims, v); }
static ir_tensor *i64(int rank, const int64_t *dims, const int64_t *v) { return tensor(IR_I64, rank, dims, v); }

/* A node with inputs ins[0..n_in) (NULL entries are omitted inputs), n_out fresh outputs and room for 4 attrs. */
static ir_node *node(ir_op op, int opset, int n_in, ir_tensor *const *ins, int n_out)
{
    ir_node *n;
    char name[32];
    snprintf(name, sizeof name, "n%d", counter++);
    CHECK_OK(ir_graph_add_node(g, op, name, n_in, n_out, 4, &n));
    n->op_type = ir_op_name(op);
    n->opset = opset;
    n->n_attrs = 0;
    for (int i = 0; i < n_in; i++)
        n->in[i] = ins[i];
    for (int i = 0; i < n_out; i++) {
        snprintf(name, sizeof name, "o%d", counter++);
        CHECK_OK(ir_graph_tensor(g, name, &n->out[i]));
    }
    return n;
}

static void attr_int(ir_node *n, const char *name, int64_t v)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    a->name = base_arena_strdup(g->arena, name);
    a->type = IR_ATTR_INT;
    a->i = v;
}

static void attr_ints(ir_node *n, const char *name, int count, const int64_t *v)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    a->name = base_arena_strdup(g->arena, name);
    a->type = IR_ATTR_INTS;
    a->n = count;
    a->ints = base_arena_alloc(g->arena, sizeof(int64_t) * (size_t)(count ? count : 1));
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)count);
}

/* Infers, allocates the outputs (freed with free_outputs) and runs. */
static dla_status run(ir_node *n)
{
    BASE_TRY(ir_infer_node(n));
    for (int i = 0; i < n->n_out; i++) {
        ir_tensor *t = n->out[i];
        if (!t)
            continue;
        CHECK(ir_tensor_shape_known(t));
        t->data = calloc(1, ir_tensor_nbytes(t) + 8);
        t->data_kind = IR_DATA_RUNTIME;
    }
    return host_exec_node(&ctx, n);
}

static void free_outputs(ir_node *n)
{
    for (int i = 0; i < n->n_out; i++)
        if (n->out[i] && n->out[i]->data_kind == IR_DATA_RUNTIME) {
            free(n->out[i]->data);
            n->out[i]->data = NULL;
        }
}

static int shape_is(const ir_tensor *t, int rank, const int64_t *dims)
{
    if (t->rank != rank)
        return 0;
    for (int i = 0; i < rank; i++)
        if (t->dims[i] != dims[i])
            return 0;
    return 1;
}

static void check_f32(const ir_tensor *t, const float *want, int count, double tol)
{
    CHECK(ir_tensor_numel(t) == count);
    for (int i = 0; i < count && i < ir_tensor_numel(t); i++)
        CHECK_NEAR(((const float *)t->data)[i], want[i], tol);
}

static void check_i64(const ir_tensor *t, const int64_t *want, int count)
{
    CHECK(ir_tensor_numel(t) == count);
    for (int i = 0; i < count && i < ir_tensor_numel(t); i++)
        if (((const int64_t *)t->data)[i] != want[i]) {
            fprintf(stderr, "  element %d: got %lld, want %lld\n", i, (long long)((const int64_t *)t->data)[i],
                    (long long)want[i]);
            CHECK(0);
        }
}

static const float x234[24] = {1, 2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                               -1, 0, 2, -3, 5, -8, 13, 21, -34, 55, 89, 0.5f};
static const int64_t d234[3] = {2, 3, 4};

static void test_reduce_keepdims_axes(void)
{
    ir_tensor *x = f32(3, d234, x234);
    /* mean over axis 1, keepdims 1: [2,1,4] */
    ir_node *n = node(IR_OP_ReduceMean, 11, 1, &x, 1);
    attr_ints(n, "axes", 1, (int64_t[]){1});
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 3, (int64_t[]){2, 1, 4}));
    check_f32(n->out[0], (float[]){5, 6, 7, 8, -10, 47 / 3.0f, 104 / 3.0f, 18.5f / 3}, 8, 1e-5);
    free_outputs(n);

    /* max over axis -1, keepdims 0: [2,3] */
    n = node(IR_OP_ReduceMax, 11, 1, &x, 1);
    attr_ints(n, "axes", 1, (int64_t[]){-1});
    attr_int(n, "keepdims", 0);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 3}));
    check_f32(n->out[0], (float[]){4, 8, 12, 2, 21, 89}, 6, 0);
    free_outputs(n);

    /* no axes: everything, keepdims default 1 -> [1,1,1] */
    n = node(IR_OP_ReduceSum, 11, 1, &x, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 3, (int64_t[]){1, 1, 1}));
    check_f32(n->out[0], (float[]){217.5f}, 1, 1e-4);
    free_outputs(n);

    /* non-contiguous axes {0, 2} (the gather path): L1, L2, SumSquare, Min */
    float l1[3] = {0}, l2[3] = {0}, mn[3] = {1e9f, 1e9f, 1e9f};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++)
            for (int c = 0; c < 4; c++) {
                float v = x234[a * 12 + b * 4 + c];
                l1[b] += fabsf(v);
                l2[b] += v * v;
                mn[b] = v < mn[b] ? v : mn[b];
            }
    ir_op ops[4] = {IR_OP_ReduceL1, IR_OP_ReduceSumSquare, IR_OP_ReduceL2, IR_OP_ReduceMin};
    for (int o = 0; o < 4; o++) {
        n = node(ops[o], 11, 1, &x, 1);
        attr_ints(n, "axes", 2, (int64_t[]){0, -1});
        attr_int(n, "keepdims", 0);
        CHECK_OK(run(n));
        CHECK(shape_is(n->out[0], 1, (int64_t[]){3}));
        for (int b = 0; b < 3; b++) {
            float want = o == 0 ? l1[b] : o == 1 ? l2[b] : o == 2 ? sqrtf(l2[b]) : mn[b];
            CHECK_NEAR(((float *)n->out[0]->data)[b], want, 1e-3);
        }
        free_outputs(n);
    }

    /* axis out of range: an error naming the value */
    n = node(IR_OP_ReduceMean, 11, 1, &x, 1);
    attr_ints(n, "axes", 1, (int64_t[]){3});
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "3") && strstr(dla_last_error(), "rank 3"));
}

static void test_reduce_axes_input(void)
{
    ir_tensor *x = f32(3, d234, x234);
    /* ReduceSum opset 13: axes as input, keepdims 0 */
    ir_tensor *ins[2] = {x, i64(1, (int64_t[]){1}, (int64_t[]){0})};
    ir_node *n = node(IR_OP_ReduceSum, 13, 2, ins, 1);
    attr_int(n, "keepdims", 0);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){3, 4}));
    check_f32(n->out[0], (float[]){0, 2, 5, 1, 10, -2, 20, 29, -25, 65, 100, 12.5f}, 12, 1e-5);
    free_outputs(n);

    /* empty axes with noop_with_empty_axes: identity */
    ins[1] = i64(1, (int64_t[]){0}, NULL);
    n = node(IR_OP_ReduceSum, 13, 2, ins, 1);
    attr_int(n, "noop_with_empty_axes", 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 3, d234));
    check_f32(n->out[0], x234, 24, 0);
    free_outputs(n);

    /* empty axes without noop: all axes */
    n = node(IR_OP_ReduceSum, 13, 2, ins, 1);
    attr_int(n, "keepdims", 0);
    CHECK_OK(run(n));
    CHECK(n->out[0]->rank == 0);
    check_f32(n->out[0], (float[]){217.5f}, 1, 1e-4);
    free_outputs(n);

    /* omitted axes input (NULL) at opset 18: all axes */
    ins[1] = NULL;
    n = node(IR_OP_ReduceMax, 18, 2, ins, 1);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){89}, 1, 0);
    free_outputs(n);

    /* axes input without data: the shape waits for run time */
    ir_tensor *live;
    CHECK_OK(ir_graph_tensor(g, "live_axes", &live));
    live->dtype = IR_I64;
    ir_tensor_set_shape(live, 1, (int64_t[]){1});
    ins[1] = live;
    n = node(IR_OP_ReduceMean, 18, 2, ins, 1);
    CHECK_OK(ir_infer_node(n));
    CHECK(n->out[0]->rank == -1);
}

static void test_reduce_types_and_empty(void)
{
    int32_t xi[6] = {3, -7, 2, 100, 5, -1};
    ir_tensor *x = tensor(IR_I32, 2, (int64_t[]){2, 3}, xi);
    ir_op ops[5] = {IR_OP_ReduceSum, IR_OP_ReduceMax, IR_OP_ReduceMin, IR_OP_ReduceProd, IR_OP_ReduceMean};
    int32_t want[5][2] = {{-2, 104}, {3, 100}, {-7, -1}, {-42, -500}, {0, 34}};
    for (int o = 0; o < 5; o++) {
        ir_node *n = node(ops[o], 11, 1, &x, 1);
        attr_ints(n, "axes", 1, (int64_t[]){1});
        attr_int(n, "keepdims", 0);
        CHECK_OK(run(n));
        CHECK(n->out[0]->dtype == IR_I32);
        CHECK(((int32_t *)n->out[0]->data)[0] == want[o][0]);
        CHECK(((int32_t *)n->out[0]->data)[1] == want[o][1]);
        free_outputs(n);
    }
    /* uint8 sum stays integer; double LogSumExp stays stable with large values */
    uint8_t xu[4] = {200, 50, 3, 4};
    x = tensor(IR_U8, 1, (int64_t[]){4}, xu);
    ir_node *n = node(IR_OP_ReduceSum, 11, 1, &x, 1);
    CHECK_OK(run(n));
    CHECK(((uint8_t *)n->out[0]->data)[0] == (uint8_t)257);
    free_outputs(n);
    double xd[3] = {1000, 1000, 1000};
    x = tensor(IR_F64, 1, (int64_t[]){3}, xd);
    n = node(IR_OP_ReduceLogSumExp, 11, 1, &x, 1);
    CHECK_OK(run(n));
    CHECK_NEAR(((double *)n->out[0]->data)[0], 1000 + log(3.0), 1e-9);
    free_outputs(n);

    /* an empty reduction (dim 0) gives each op's identity */
    x = f32(2, (int64_t[]){0, 2}, NULL);
    ir_op eops[6] = {IR_OP_ReduceSum, IR_OP_ReduceProd, IR_OP_ReduceMax, IR_OP_ReduceMin, IR_OP_ReduceLogSum,
                     IR_OP_ReduceSumSquare};
    float ewant[6] = {0, 1, -INFINITY, INFINITY, -INFINITY, 0};
    for (int o = 0; o < 6; o++) {
        n = node(eops[o], 13, 1, &x, 1);
        attr_ints(n, "axes", 1, (int64_t[]){0});
        CHECK_OK(run(n));
        CHECK(shape_is(n->out[0], 2, (int64_t[]){1, 2}));
        for (int i = 0; i < 2; i++)
            CHECK(((float *)n->out[0]->data)[i] == ewant[o]);
        free_outputs(n);
    }
    x = tensor(IR_I32, 2, (int64_t[]){2, 0}, NULL);
    n = node(IR_OP_ReduceMax, 13, 1, &x, 1);
    attr_ints(n, "axes", 1, (int64_t[]){1});
    CHECK_OK(run(n));
    CHECK(((int32_t *)n->out[0]->data)[0] == INT32_MIN && ((int32_t *)n->out[0]->data)[1] == INT32_MIN);
    free_outputs(n);
}

/* The float32 fast paths against a naive double computation, large enough to use threads. */
static void test_fast_paths(void)
{
    enum { N = 2, C = 16, H = 64, W = 64 };
    float *v = malloc(sizeof(float) * N * C * H * W);
    for (int i = 0; i < N * C * H * W; i++)
        v[i] = (float)((i * 7919) % 1000) / 100.0f - 5.0f;
    ir_tensor *x = f32(4, (int64_t[]){N, C, H, W}, v);
    ir_node *n = node(IR_OP_ReduceMean, 13, 1, &x, 1);
    attr_ints(n, "axes", 2, (int64_t[]){2, 3});
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 4, (int64_t[]){N, C, 1, 1}));
    for (int p = 0; p < N * C; p++) {
        double s = 0;
        for (int i = 0; i < H * W; i++)
            s += v[p * H * W + i];
        CHECK_NEAR(((float *)n->out[0]->data)[p], s / (H * W), 1e-5);
    }
    free_outputs(n);

    /* Reduce over C (inner = H*W) */
    n = node(IR_OP_ReduceSum, 11, 1, &x, 1);
    attr_ints(n, "axes", 1, (int64_t[]){1});
    CHECK_OK(run(n));
    double s = 0;
    for (int c = 0; c < C; c++)
        s += v[c * H * W + 5];
    CHECK_NEAR(((float *)n->out[0]->data)[5], s, 1e-4);
    free_outputs(n);

    /* Softmax over the last axis: rows sum to 1 and match exp(x - max) / sum */
    n = node(IR_OP_Softmax, 13, 1, &x, 1);
    CHECK_OK(run(n));
    const float *y = n->out[0]->data;
    for (int r = 0; r < N * C * H; r += 97) {
        double m = -1e30, z = 0, tot = 0;
        for (int j = 0; j < W; j++)
            m = v[r * W + j] > m ? v[r * W + j] : m;
        for (int j = 0; j < W; j++)
            z += exp(v[r * W + j] - m);
        for (int j = 0; j < W; j++) {
            CHECK_NEAR(y[r * W + j], exp(v[r * W + j] - m) / z, 1e-6);
            tot += y[r * W + j];
        }
        CHECK_NEAR(tot, 1.0, 1e-5);
    }
    free_outputs(n);
    free(v);
}

static void test_softmax_axis_rules(void)
{
    /* [1,2,2]: opset 11 axis 1 normalises over the flattened tail of 4; opset 13 axis 1 over dim 1 only */
    const float v[4] = {0, 1, 2, 3};
    ir_tensor *x = f32(3, (int64_t[]){1, 2, 2}, v);
    double z = 1 + exp(1) + exp(2) + exp(3);
    ir_node *n = node(IR_OP_Softmax, 11, 1, &x, 1);
    attr_int(n, "axis", 1);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){1 / z, exp(1) / z, exp(2) / z, exp(3) / z}, 4, 1e-6);
    free_outputs(n);
    n = node(IR_OP_Softmax, 13, 1, &x, 1);
    attr_int(n, "axis", 1);
    CHECK_OK(run(n));
    double a = 1 / (1 + exp(2)), b = exp(2) / (1 + exp(2));
    check_f32(n->out[0], (float[]){a, a, b, b}, 4, 1e-6);
    free_outputs(n);
    /* opset 13 default axis -1; opset 11 default axis 1 */
    n = node(IR_OP_LogSoftmax, 13, 1, &x, 1);
    CHECK_OK(run(n));
    double l = log(1 + exp(1));
    check_f32(n->out[0], (float[]){-l, 1 - l, -l, 1 - l}, 4, 1e-6);
    free_outputs(n);
    n = node(IR_OP_LogSoftmax, 11, 1, &x, 1);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){-log(z), 1 - log(z), 2 - log(z), 3 - log(z)}, 4, 1e-6);
    free_outputs(n);
    /* large values stay finite */
    ir_tensor *big = f32(1, (int64_t[]){3}, (float[]){10000, 10001, 10002});
    n = node(IR_OP_Softmax, 13, 1, &big, 1);
    CHECK_OK(run(n));
    double zz = 1 + exp(1) + exp(2);
    check_f32(n->out[0], (float[]){1 / zz, exp(1) / zz, exp(2) / zz}, 3, 1e-6);
    free_outputs(n);
    /* Hardmax: the first maximum wins; opset 11 axis 0 flattens everything */
    ir_tensor *h = f32(2, (int64_t[]){2, 3}, (float[]){1, 3, 3, 5, 0, 5});
    n = node(IR_OP_Hardmax, 13, 1, &h, 1);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){0, 1, 0, 1, 0, 0}, 6, 0);
    free_outputs(n);
    n = node(IR_OP_Hardmax, 11, 1, &h, 1);
    attr_int(n, "axis", 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){0, 0, 0, 1, 0, 0}, 6, 0);
    free_outputs(n);
    /* a double input takes the generic path */
    ir_tensor *xd = tensor(IR_F64, 1, (int64_t[]){2}, (double[]){0, 1});
    n = node(IR_OP_Softmax, 13, 1, &xd, 1);
    CHECK_OK(run(n));
    CHECK_NEAR(((double *)n->out[0]->data)[1], exp(1) / (1 + exp(1)), 1e-12);
    free_outputs(n);
    n = node(IR_OP_Softmax, 13, 1, &x, 1);
    attr_int(n, "axis", -4);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "-4") != NULL);
}

static void test_argminmax(void)
{
    ir_tensor *x = f32(2, (int64_t[]){2, 4}, (float[]){2, 7, 7, 1, 4, 4, 0, 0});
    ir_node *n = node(IR_OP_ArgMax, 13, 1, &x, 1);
    attr_int(n, "axis", 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 1}));
    check_i64(n->out[0], (int64_t[]){1, 0}, 2);
    free_outputs(n);
    n = node(IR_OP_ArgMax, 13, 1, &x, 1);
    attr_int(n, "axis", -1);
    attr_int(n, "keepdims", 0);
    attr_int(n, "select_last_index", 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 1, (int64_t[]){2}));
    check_i64(n->out[0], (int64_t[]){2, 1}, 2);
    free_outputs(n);
    n = node(IR_OP_ArgMin, 13, 1, &x, 1); /* default axis 0 */
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){1, 4}));
    check_i64(n->out[0], (int64_t[]){0, 1, 1, 1}, 4);
    free_outputs(n);
    n = node(IR_OP_ArgMin, 13, 1, &x, 1);
    attr_int(n, "axis", 1);
    attr_int(n, "select_last_index", 1);
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){3, 3}, 2);
    free_outputs(n);
}

static void test_topk(void)
{
    ir_tensor *x = f32(2, (int64_t[]){1, 5}, (float[]){3, 1, 3, 2, 1});
    ir_tensor *ins[2] = {x, i64(1, (int64_t[]){1}, (int64_t[]){3})};
    ir_node *n = node(IR_OP_TopK, 11, 2, ins, 2);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){1, 3}) && n->out[1]->dtype == IR_I64);
    check_f32(n->out[0], (float[]){3, 3, 2}, 3, 0);
    check_i64(n->out[1], (int64_t[]){0, 2, 3}, 3);
    free_outputs(n);
    n = node(IR_OP_TopK, 11, 2, ins, 2);
    attr_int(n, "largest", 0);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){1, 1, 2}, 3, 0);
    check_i64(n->out[1], (int64_t[]){1, 4, 3}, 3);
    free_outputs(n);
    /* opset 1: k attribute; axis 0 of a [3,2] int32 */
    ir_tensor *xi = tensor(IR_I32, 2, (int64_t[]){3, 2}, (int32_t[]){5, 0, 9, 0, 5, 1});
    n = node(IR_OP_TopK, 1, 1, &xi, 2);
    attr_int(n, "k", 2);
    attr_int(n, "axis", 0);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 2}));
    const int32_t *vi = n->out[0]->data;
    CHECK(vi[0] == 9 && vi[1] == 1 && vi[2] == 5 && vi[3] == 0);
    check_i64(n->out[1], (int64_t[]){1, 2, 0, 0}, 4);
    free_outputs(n);
    /* K larger than the axis */
    ins[1] = i64(1, (int64_t[]){1}, (int64_t[]){6});
    n = node(IR_OP_TopK, 11, 2, ins, 2);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "6") && strstr(dla_last_error(), "5"));
}

static void run_nms(const float *boxes, int center, float score_thr, int has_thr, const int64_t *want, int nwant)
{
    static const float scores[6] = {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f};
    ir_tensor *ins[5] = {
        f32(3, (int64_t[]){1, 6, 4}, boxes),
        f32(3, (int64_t[]){1, 1, 6}, scores),
        i64(1, (int64_t[]){1}, (int64_t[]){3}),
        f32(1, (int64_t[]){1}, (float[]){0.5f}),
        has_thr ? f32(1, (int64_t[]){1}, &score_thr) : NULL,
    };
    ir_node *n = node(IR_OP_NonMaxSuppression, 11, 5, ins, 1);
    if (center)
        attr_int(n, "center_point_box", 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){nwant, 3}));
    check_i64(n->out[0], want, nwant * 3);
    free_outputs(n);
}

static void test_nms(void)
{
    /* corners [y1, x1, y2, x2]; box 2 written flipped */
    const float corners[24] = {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 1, 0.9f, 0, -0.1f,
                               0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101};
    const float centers[24] = {0.5f, 0.5f, 1, 1, 0.6f, 0.5f, 1, 1, 0.4f, 0.5f, 1, 1,
                               10.5f, 0.5f, 1, 1, 10.6f, 0.5f, 1, 1, 100.5f, 0.5f, 1, 1};
    const int64_t want3[9] = {0, 0, 3, 0, 0, 0, 0, 0, 5};
    const int64_t want2[6] = {0, 0, 3, 0, 0, 0};
    run_nms(corners, 0, 0, 1, want3, 3);
    run_nms(centers, 1, 0, 1, want3, 3);
    run_nms(corners, 0, 0.4f, 1, want2, 2);
    run_nms(centers, 1, 0, 0, want3, 3);

    /* two batches, two classes, max 1 per class; no max input means no output */
    float b2[16] = {0, 0, 1, 1, 0, 0, 2, 2, 0, 0, 1, 1, 5, 5, 6, 6};
    float s2[8] = {0.1f, 0.2f, 0.9f, 0.8f, 0.3f, 0.3f, 0.7f, 0.4f};
    ir_tensor *ins[3] = {f32(3, (int64_t[]){2, 2, 4}, b2), f32(3, (int64_t[]){2, 2, 2}, s2),
                         i64(1, (int64_t[]){1}, (int64_t[]){1})};
    ir_node *n = node(IR_OP_NonMaxSuppression, 11, 3, ins, 1);
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0}, 12);
    free_outputs(n);
    n = node(IR_OP_NonMaxSuppression, 11, 2, ins, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){0, 3}));
    free_outputs(n);
}

static void test_nonzero_cumsum(void)
{
    ir_tensor *c = tensor(IR_BOOL, 2, (int64_t[]){2, 2}, (uint8_t[]){1, 0, 1, 1});
    ir_node *n = node(IR_OP_NonZero, 13, 1, &c, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 3}));
    check_i64(n->out[0], (int64_t[]){0, 1, 1, 0, 0, 1}, 6);
    free_outputs(n);

    ir_tensor *ins[2] = {f32(2, (int64_t[]){2, 3}, (float[]){1, 2, 3, 4, 5, 6}),
                         tensor(IR_I32, 0, NULL, (int32_t[]){-1})};
    n = node(IR_OP_CumSum, 14, 2, ins, 1);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){1, 3, 6, 4, 9, 15}, 6, 0);
    free_outputs(n);
    n = node(IR_OP_CumSum, 14, 2, ins, 1);
    attr_int(n, "exclusive", 1);
    attr_int(n, "reverse", 1);
    CHECK_OK(run(n));
    check_f32(n->out[0], (float[]){5, 3, 0, 11, 6, 0}, 6, 0);
    free_outputs(n);
    ins[0] = i64(2, (int64_t[]){2, 3}, (int64_t[]){1, 2, 3, 4, 5, 6});
    ins[1] = i64(1, (int64_t[]){1}, (int64_t[]){0});
    n = node(IR_OP_CumSum, 14, 2, ins, 1);
    attr_int(n, "exclusive", 1);
    CHECK_OK(run(n));
    check_i64(n->out[0], (int64_t[]){0, 0, 0, 1, 2, 3}, 6);
    free_outputs(n);
}

int main(void)
{
    CHECK_OK(ir_graph_create(&g));
    CHECK_OK(host_ctx_init(&ctx, 2));
    test_reduce_keepdims_axes();
    test_reduce_axes_input();
    test_reduce_types_and_empty();
    test_fast_paths();
    test_softmax_axis_rules();
    test_argminmax();
    test_topk();
    test_nms();
    test_nonzero_cumsum();
    host_ctx_release(&ctx);
    ir_graph_destroy(g);
    return TEST_RESULT();
}
