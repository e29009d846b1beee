/* norm_pool family: shape inference and host execution on small hand-built graphs with hand-computed values
 * (ceil_mode, pads, count_include_pad, SAME_UPPER vs SAME_LOWER, dilation, Indices, LRN edges, BN epsilon). */
#include "check.h"
#include "host/host.h"

#include <stdlib.h>
#include <string.h>

static ir_graph *G;
static host_ctx CTX;

static ir_node *node(ir_op op, int n_in, int n_out, int n_attrs)
{
    ir_node *n = NULL;
    CHECK_OK(ir_graph_add_node(G, op, NULL, n_in, n_out, n_attrs, &n));
    n->opset = 17;
    n->n_attrs = 0; /* filled one by one below */
    for (int j = 0; j < n_out; j++) {
        char name[32];
        snprintf(name, sizeof name, "%s_out%d", n->name, j);
        CHECK_OK(ir_graph_tensor(G, name, &n->out[j]));
    }
    return n;
}

static ir_attr *attr(ir_node *n, const char *name, ir_attr_type type)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    a->name = base_arena_strdup(G->arena, name);
    a->type = type;
    return a;
}

static void a_ints(ir_node *n, const char *name, int cnt, const int64_t *v)
{
    ir_attr *a = attr(n, name, IR_ATTR_INTS);
    a->n = cnt;
    a->ints = base_arena_alloc(G->arena, sizeof(int64_t) * (size_t)cnt);
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)cnt);
}

static void a_int(ir_node *n, const char *name, int64_t v) { attr(n, name, IR_ATTR_INT)->i = v; }
static void a_float(ir_node *n, const char *name, float v) { attr(n, name, IR_ATTR_FLOAT)->f = v; }
static void a_str(ir_node *n, const char *name, const char *s)
{
    attr(n, name, IR_ATTR_STRING)->s = base_arena_strdup(G->arena, s);
}

/* A constant tensor of dtype dt holding vals (converted). */
static ir_tensor *tensor(ir_dtype dt, int rank, const int64_t *dims, const double *vals)
{
    static int counter;
    char name[32];
    snprintf(name, sizeof name, "c%d", counter++);
    ir_tensor *t = NULL;
    CHECK_OK(ir_graph_tensor(G, name, &t));
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(G, t));
    for (int64_t i = 0; i < ir_tensor_numel(t); i++)
        ir_set_f64(dt, t->data, (size_t)i, vals[i]);
    return t;
}

static ir_tensor *f32(int rank, const int64_t *dims, const double *vals) { return tensor(IR_F32, rank, dims, vals); }

/* Infers, allocates the outputs and runs n; returns the status of the first failing step. */
static dla_status run(ir_node *n)
{
    dla_status st = ir_infer_node(n);
    if (st != DLA_OK)
        return st;
    for (int j = 0; j < n->n_out; j++) {
        ir_tensor *t = n->out[j];
        if (!t)
            continue;
        t->data = base_arena_alloc(G->arena, ir_tensor_nbytes(t) + 1);
        t->data_kind = IR_DATA_CONST;
    }
    return host_exec_node(&CTX, n);
}

static void expect(const ir_tensor *t, int rank, const int64_t *dims, const double *want, double tol)
{
    CHECK(t->rank == rank);
    if (t->rank != rank)
        return;
    for (int i = 0; i < rank; i++)
        CHECK(t->dims[i] == dims[i]);
    for (int64_t i = 0; i < ir_tensor_numel(t); i++)
        CHECK_NEAR(ir_get_f64(t->dtype, t->data, (size_t)i), want[i], tol);
}

/* ---- pooling ---------------------------------------------------------------------------------------------- */

static void test_maxpool_ceil(void)
{
    double x[16];
    for (int i = 0; i < 16; i++)
        x[i] = i + 1;
    int64_t d4[] = {1, 1, 4, 4}, k[] = {3, 3}, s[] = {2, 2};
    for (int ceil = 0; ceil <= 1; ceil++) {
        ir_node *n = node(IR_OP_MaxPool, 1, 1, 3);
        n->in[0] = f32(4, d4, x);
        a_ints(n, "kernel_shape", 2, k);
        a_ints(n, "strides", 2, s);
        a_int(n, "ceil_mode", ceil);
        CHECK_OK(run(n));
        int64_t od[] = {1, 1, 1 + ceil, 1 + ceil};
        double want_c[] = {11, 12, 15, 16}, want_f[] = {11};
        expect(n->out[0], 4, od, ceil ? want_c : want_f, 0);
    }
    /* ceil mode drops a last window that would start in the right padding: in 3, k 1, s 2, pads 0/1 */
    int64_t d3[] = {1, 1, 3}, k1[] = {1}, s2[] = {2}, p[] = {0, 1};
    double x3[] = {1, 2, 3};
    ir_node *n = node(IR_OP_MaxPool, 1, 1, 4);
    n->in[0] = f32(3, d3, x3);
    a_ints(n, "kernel_shape", 1, k1);
    a_ints(n, "strides", 1, s2);
    a_ints(n, "pads", 2, p);
    a_int(n, "ceil_mode", 1);
    CHECK_OK(run(n));
    int64_t od[] = {1, 1, 2};
    double want[] = {1, 3};
    expect(n->out[0], 3, od, want, 0);
}

static void test_avgpool_pads(void)
{
    double x[9];
    for (int i = 0; i < 9; i++)
        x[i] = i + 1;
    int64_t d[] = {1, 1, 3, 3}, k[] = {2, 2}, p[] = {1, 1, 1, 1};
    for (int cip = 0; cip <= 1; cip++) {
        ir_node *n = node(IR_OP_AveragePool, 1, 1, 3);
        n->in[0] = f32(4, d, x);
        a_ints(n, "kernel_shape", 2, k);
        a_ints(n, "pads", 4, p);
        a_int(n, "count_include_pad", cip);
        CHECK_OK(run(n));
        CHECK(n->out[0]->rank == 4 && n->out[0]->dims[2] == 4 && n->out[0]->dims[3] == 4);
        const float *y = n->out[0]->data;
        CHECK_NEAR(y[0], cip ? 0.25 : 1.0, 1e-6);      /* corner: only x[0][0] inside */
        CHECK_NEAR(y[1], cip ? 0.75 : 1.5, 1e-6);      /* top edge: 1 + 2 */
        CHECK_NEAR(y[5], 3.0, 1e-6);                   /* interior: (1+2+4+5)/4 */
        CHECK_NEAR(y[15], cip ? 9.0 / 4 : 9.0, 1e-6);  /* bottom-right corner */
    }
    /* ceil mode: the last window runs past the (zero) end padding; it counts only taps inside the padded input */
    int64_t d5[] = {1, 1, 5}, k2[] = {2}, s2[] = {2};
    double x5[] = {1, 2, 3, 4, 5};
    for (int cip = 0; cip <= 1; cip++) {
        ir_node *n = node(IR_OP_AveragePool, 1, 1, 4);
        n->in[0] = f32(3, d5, x5);
        a_ints(n, "kernel_shape", 1, k2);
        a_ints(n, "strides", 1, s2);
        a_int(n, "ceil_mode", 1);
        a_int(n, "count_include_pad", cip);
        CHECK_OK(run(n));
        int64_t od[] = {1, 1, 3};
        double want[] = {1.5, 3.5, 5};
        expect(n->out[0], 3, od, want, 1e-6);
    }
}

static void test_same_pads(void)
{
    int64_t d[] = {1, 1, 4}, k[] = {2};
    double x[] = {1, 2, 3, 4};
    const double want_upper[] = {1.5, 2.5, 3.5, 4}, want_lower[] = {1, 1.5, 2.5, 3.5};
    for (int lower = 0; lower <= 1; lower++) {
        ir_node *n = node(IR_OP_AveragePool, 1, 1, 2);
        n->in[0] = f32(3, d, x);
        a_ints(n, "kernel_shape", 1, k);
        a_str(n, "auto_pad", lower ? "SAME_LOWER" : "SAME_UPPER");
        CHECK_OK(run(n));
        int64_t od[] = {1, 1, 4};
        expect(n->out[0], 3, od, lower ? want_lower : want_upper, 1e-6);
    }
    /* odd total padding with stride 2: in 4, k 3 -> out 2, one pad, at the end (UPPER) or the start (LOWER) */
    int64_t k3[] = {3}, s2[] = {2};
    double xm[] = {5, 1, 2, 7};
    const double mu[] = {5, 7}, ml[] = {5, 7}; /* max: [5,1,2] [2,7,pad] vs [pad,5,1] [1,2,7] */
    const double au[] = {8.0 / 3, 4.5}, al[] = {3, 10.0 / 3};
    for (int lower = 0; lower <= 1; lower++) {
        ir_node *m = node(IR_OP_MaxPool, 1, 1, 3);
        m->in[0] = f32(3, d, xm);
        a_ints(m, "kernel_shape", 1, k3);
        a_ints(m, "strides", 1, s2);
        a_str(m, "auto_pad", lower ? "SAME_LOWER" : "SAME_UPPER");
        CHECK_OK(run(m));
        int64_t od[] = {1, 1, 2};
        expect(m->out[0], 3, od, lower ? ml : mu, 0);
        ir_node *a = node(IR_OP_AveragePool, 1, 1, 3);
        a->in[0] = f32(3, d, xm);
        a_ints(a, "kernel_shape", 1, k3);
        a_ints(a, "strides", 1, s2);
        a_str(a, "auto_pad", lower ? "SAME_LOWER" : "SAME_UPPER");
        CHECK_OK(run(a));
        expect(a->out[0], 3, od, lower ? al : au, 1e-6);
    }
    /* VALID ignores pads */
    ir_node *v = node(IR_OP_MaxPool, 1, 1, 3);
    int64_t p[] = {3, 3};
    v->in[0] = f32(3, d, xm);
    a_ints(v, "kernel_shape", 1, k3);
    a_ints(v, "pads", 2, p);
    a_str(v, "auto_pad", "VALID");
    CHECK_OK(run(v));
    int64_t od[] = {1, 1, 2};
    double want[] = {5, 7};
    expect(v->out[0], 3, od, want, 0);
}

static void test_dilated_and_indices(void)
{
    int64_t d[] = {1, 1, 7}, k[] = {2}, dil[] = {3};
    double x[] = {1, 5, 2, 8, 3, 0, 7};
    ir_node *n = node(IR_OP_MaxPool, 1, 1, 2);
    n->in[0] = f32(3, d, x);
    a_ints(n, "kernel_shape", 1, k);
    a_ints(n, "dilations", 1, dil);
    CHECK_OK(run(n));
    int64_t od[] = {1, 1, 4};
    double want[] = {8, 5, 2, 8};
    expect(n->out[0], 3, od, want, 0);

    /* Indices: flat over N x C x H x W, row-major or (storage_order 1) column-major within a plane */
    int64_t d2[] = {1, 2, 2, 3}, k2[] = {2, 2};
    double x2[] = {1, 7, 3, 4, 2, 5, /* ch1 */ 9, 0, 0, 0, 0, 8};
    for (int order = 0; order <= 1; order++) {
        ir_node *m = node(IR_OP_MaxPool, 1, 2, 2);
        m->in[0] = f32(4, d2, x2);
        a_ints(m, "kernel_shape", 2, k2);
        a_int(m, "storage_order", order);
        CHECK_OK(run(m));
        int64_t o2[] = {1, 2, 1, 2};
        double wv[] = {7, 7, 9, 8};
        double wi_row[] = {1, 1, 6, 11}, wi_col[] = {2, 2, 6, 11};
        expect(m->out[0], 4, o2, wv, 0);
        CHECK(m->out[1]->dtype == IR_I64);
        expect(m->out[1], 4, o2, order ? wi_col : wi_row, 0);
    }
}

static void test_pool_types(void)
{
    /* uint8 max pool is exact at the top of the range */
    int64_t d[] = {1, 1, 4}, k[] = {2}, s[] = {2};
    double x[] = {200, 10, 255, 3};
    ir_node *n = node(IR_OP_MaxPool, 1, 1, 2);
    n->in[0] = tensor(IR_U8, 3, d, x);
    a_ints(n, "kernel_shape", 1, k);
    a_ints(n, "strides", 1, s);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_U8);
    int64_t od[] = {1, 1, 2};
    double want[] = {200, 255};
    expect(n->out[0], 3, od, want, 0);
    /* float16 average; int32 is refused at inference with the type named */
    ir_node *h = node(IR_OP_AveragePool, 1, 1, 2);
    double xh[] = {1, 2, 3, 5};
    h->in[0] = tensor(IR_F16, 3, d, xh);
    a_ints(h, "kernel_shape", 1, k);
    a_ints(h, "strides", 1, s);
    CHECK_OK(run(h));
    CHECK(h->out[0]->dtype == IR_F16);
    double wh[] = {1.5, 4};
    expect(h->out[0], 3, od, wh, 1e-3);
    ir_node *bad = node(IR_OP_AveragePool, 1, 1, 1);
    bad->in[0] = tensor(IR_I32, 3, d, xh);
    a_ints(bad, "kernel_shape", 1, k);
    CHECK_STATUS(run(bad), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "int32") != NULL);
    /* a kernel larger than the padded input is an error that names both sizes */
    ir_node *big = node(IR_OP_MaxPool, 1, 1, 1);
    int64_t k9[] = {9};
    big->in[0] = f32(3, d, x);
    a_ints(big, "kernel_shape", 1, k9);
    CHECK_STATUS(run(big), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "kernel 9") != NULL);
}

static void test_lp_and_global(void)
{
    int64_t d[] = {1, 2, 2}, k[] = {2};
    double x[] = {3, -4, 1, 2};
    ir_node *n = node(IR_OP_LpPool, 1, 1, 1);
    n->in[0] = f32(3, d, x);
    a_ints(n, "kernel_shape", 1, k);
    CHECK_OK(run(n));
    int64_t od[] = {1, 2, 1};
    double want[] = {5, sqrt(5.0)};
    expect(n->out[0], 3, od, want, 1e-6);

    ir_node *ga = node(IR_OP_GlobalAveragePool, 1, 1, 0);
    ga->in[0] = f32(3, d, x);
    CHECK_OK(run(ga));
    double wa[] = {-0.5, 1.5};
    expect(ga->out[0], 3, od, wa, 1e-6);
    ir_node *gm = node(IR_OP_GlobalMaxPool, 1, 1, 0);
    gm->in[0] = tensor(IR_F64, 3, d, x);
    CHECK_OK(run(gm));
    double wm[] = {3, 2};
    expect(gm->out[0], 3, od, wm, 0);
    ir_node *gl = node(IR_OP_GlobalLpPool, 1, 1, 1);
    gl->in[0] = f32(3, d, x);
    a_int(gl, "p", 1);
    CHECK_OK(run(gl));
    double wl[] = {7, 3};
    expect(gl->out[0], 3, od, wl, 1e-6);
}

/* The float32 2-D fast path must agree with the generic path (run on the same values as float64). */
static void test_fast_path_matches_generic(void)
{
    int64_t d[] = {2, 3, 9, 11}, k[] = {3, 4}, s[] = {2, 3}, p[] = {1, 2, 2, 1}, dil[] = {2, 1};
    double x[2 * 3 * 9 * 11];
    unsigned r = 12345;
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        r = r * 1103515245u + 12345u;
        x[i] = (double)((r >> 8) % 2001) / 100.0 - 10.0;
    }
    for (int kind = 0; kind < 2; kind++)
        for (int ceil = 0; ceil <= 1; ceil++) {
            ir_tensor *out[2];
            for (int t = 0; t < 2; t++) {
                ir_node *n = node(kind ? IR_OP_AveragePool : IR_OP_MaxPool, 1, 1, 6);
                n->in[0] = tensor(t ? IR_F64 : IR_F32, 4, d, x);
                a_ints(n, "kernel_shape", 2, k);
                a_ints(n, "strides", 2, s);
                a_ints(n, "pads", 4, p);
                a_ints(n, "dilations", 2, dil);
                a_int(n, "ceil_mode", ceil);
                a_int(n, "count_include_pad", ceil);
                CHECK_OK(run(n));
                out[t] = n->out[0];
            }
            CHECK(out[0]->rank == 4 && out[0]->dims[2] == out[1]->dims[2] && out[0]->dims[3] == out[1]->dims[3]);
            /* H: 9+3-5=7 -> 7/2: floor 4, ceil 5 (start 8 < 9+1); W: 11+3-4=10 -> 10/3: floor 4, ceil 5 */
            CHECK(out[0]->dims[2] == 4 + ceil && out[0]->dims[3] == 4 + ceil);
            for (int64_t i = 0; i < ir_tensor_numel(out[0]); i++)
                CHECK_NEAR(((float *)out[0]->data)[i], ((double *)out[1]->data)[i], 1e-5);
        }
}

/* ---- normalizations ---------------------------------------------------------------------------------------- */

static void test_batchnorm(void)
{
    int64_t d[] = {1, 2, 1, 2}, c[] = {2};
    double x[] = {1, 2, 3, 5}, sc[] = {2, 1}, b[] = {0.5, 0}, m[] = {1, 4}, v[] = {3, 0.96};
    for (int half = 0; half <= 1; half++) {
        ir_node *n = node(IR_OP_BatchNormalization, 5, 1, 1);
        ir_dtype dt = half ? IR_F16 : IR_F32;
        n->in[0] = tensor(dt, 4, d, x);
        n->in[1] = tensor(dt, 1, c, sc);
        n->in[2] = tensor(dt, 1, c, b);
        n->in[3] = tensor(dt, 1, c, m);
        n->in[4] = tensor(dt, 1, c, v);
        a_float(n, "epsilon", 1.0f);
        CHECK_OK(run(n));
        double want[] = {0.5, 1.5, -1 / 1.4, 1 / 1.4};
        expect(n->out[0], 4, d, want, half ? 2e-3 : 1e-6);
    }
    /* training mode: batch statistics normalize; running stats move by momentum */
    int64_t dt[] = {2, 1, 1, 2}, c1[] = {1};
    double xt[] = {1, 3, 5, 7}, one[] = {1}, zero[] = {0};
    ir_node *n = node(IR_OP_BatchNormalization, 5, 3, 2);
    n->in[0] = f32(4, dt, xt);
    n->in[1] = f32(1, c1, one);
    n->in[2] = f32(1, c1, zero);
    n->in[3] = f32(1, c1, zero);
    n->in[4] = f32(1, c1, one);
    a_int(n, "training_mode", 1);
    a_float(n, "epsilon", 0.0f);
    CHECK_OK(run(n));
    double s5 = sqrt(5.0), want[] = {-3 / s5, -1 / s5, 1 / s5, 3 / s5}, rm[] = {0.4}, rv[] = {1.4};
    expect(n->out[0], 4, dt, want, 1e-6);
    expect(n->out[1], 1, c1, rm, 1e-6);
    expect(n->out[2], 1, c1, rv, 1e-6);
}

static void test_instance_group_norm(void)
{
    int64_t d[] = {1, 1, 1, 4}, c[] = {1};
    double x[] = {1, 2, 3, 4}, one[] = {1}, zero[] = {0};
    ir_node *n = node(IR_OP_InstanceNormalization, 3, 1, 1);
    n->in[0] = f32(4, d, x);
    n->in[1] = f32(1, c, one);
    n->in[2] = f32(1, c, zero);
    a_float(n, "epsilon", 0.0f);
    CHECK_OK(run(n));
    double sd = sqrt(1.25), want[] = {-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd};
    expect(n->out[0], 4, d, want, 1e-6);

    int64_t dg[] = {1, 4, 1, 1}, g2[] = {2}, c4[] = {4};
    double xg[] = {1, 3, 5, 9}, s2[] = {1, 1}, b2[] = {0, 0}, s4[] = {1, 2, 3, 4}, b4[] = {0, 0, 0, 1};
    ir_node *g = node(IR_OP_GroupNormalization, 3, 1, 2);
    g->in[0] = f32(4, dg, xg);
    g->in[1] = f32(1, g2, s2);
    g->in[2] = f32(1, g2, b2);
    a_int(g, "num_groups", 2);
    a_float(g, "epsilon", 0.0f);
    CHECK_OK(run(g));
    double wg[] = {-1, 1, -1, 1};
    expect(g->out[0], 4, dg, wg, 1e-6);
    ir_node *gc = node(IR_OP_GroupNormalization, 3, 1, 2); /* opset-21 form: one scale/bias per channel */
    gc->in[0] = f32(4, dg, xg);
    gc->in[1] = f32(1, c4, s4);
    gc->in[2] = f32(1, c4, b4);
    a_int(gc, "num_groups", 2);
    a_float(gc, "epsilon", 0.0f);
    CHECK_OK(run(gc));
    double wc[] = {-1, 2, -3, 5};
    expect(gc->out[0], 4, dg, wc, 1e-6);
}

static void test_lrn(void)
{
    int64_t d[] = {1, 3, 1, 1};
    double x[] = {1, 2, 3};
    /* size 2 sums channels c..c+1; size 3 sums c-1..c+1 (clipped at the edges) */
    const double w2[] = {1 / 3.5, 2 / 7.5, 3 / 5.5}, w3[] = {1 / (1 + 5 / 3.0), 2 / (1 + 14 / 3.0), 3 / (1 + 13 / 3.0)};
    for (int size = 2; size <= 3; size++) {
        ir_node *n = node(IR_OP_LRN, 1, 1, 4);
        n->in[0] = f32(4, d, x);
        a_int(n, "size", size);
        a_float(n, "alpha", 1.0f);
        a_float(n, "beta", 1.0f);
        a_float(n, "bias", 1.0f);
        CHECK_OK(run(n));
        expect(n->out[0], 4, d, size == 2 ? w2 : w3, 1e-6);
    }
    /* the sliding channel window against the formula, for even and odd sizes, 7 channels, 2 batches */
    int64_t d7[] = {2, 7, 1, 3};
    double x7[42], want[42];
    for (int i = 0; i < 42; i++)
        x7[i] = (double)((i * 37) % 11) - 5.0;
    for (int size = 4; size <= 5; size++) {
        ir_node *n = node(IR_OP_LRN, 1, 1, 4);
        n->in[0] = f32(4, d7, x7);
        a_int(n, "size", size);
        a_float(n, "alpha", 0.25f);
        a_float(n, "beta", 0.6f);
        a_float(n, "bias", 2.0f);
        CHECK_OK(run(n));
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 7; c++)
                for (int i = 0; i < 3; i++) {
                    double sq = 0;
                    for (int k = c - (size - 1) / 2; k <= c + size / 2; k++)
                        if (k >= 0 && k < 7)
                            sq += x7[(b * 7 + k) * 3 + i] * x7[(b * 7 + k) * 3 + i];
                    want[(b * 7 + c) * 3 + i] = x7[(b * 7 + c) * 3 + i] / pow(2 + 0.25 / size * sq, 0.6);
                }
        expect(n->out[0], 4, d7, want, 1e-5);
    }
}

static void test_layernorm(void)
{
    int64_t d[] = {2, 2}, c[] = {2};
    double x[] = {1, 3, 2, 2}, sc[] = {1, 2}, b[] = {0, 1};
    ir_node *n = node(IR_OP_LayerNormalization, 3, 3, 1);
    n->in[0] = f32(2, d, x);
    n->in[1] = f32(1, c, sc);
    n->in[2] = f32(1, c, b);
    a_float(n, "epsilon", 1e-5f);
    CHECK_OK(run(n));
    double iv = 1 / sqrt(1 + 1e-5), want[] = {-iv, 2 * iv + 1, 0, 1};
    expect(n->out[0], 2, d, want, 1e-5);
    int64_t md[] = {2, 1};
    double wm[] = {2, 2}, wi[] = {iv, 1 / sqrt(1e-5)};
    expect(n->out[1], 2, md, wm, 1e-6);
    expect(n->out[2], 2, md, wi, 1e-2);
    /* axis 0 normalizes everything; a scalar-like scale broadcasts */
    int64_t one[] = {1};
    double s1[] = {2};
    ir_node *a0 = node(IR_OP_LayerNormalization, 2, 1, 2);
    a0->in[0] = f32(2, d, x);
    a0->in[1] = f32(1, one, s1);
    a_int(a0, "axis", 0);
    a_float(a0, "epsilon", 0.0f);
    CHECK_OK(run(a0));
    double sd = sqrt(0.5), w0[] = {-2 / sd, 2 / sd, 0, 0};
    expect(a0->out[0], 2, d, w0, 1e-5);
    ir_node *bad = node(IR_OP_LayerNormalization, 2, 1, 1);
    bad->in[0] = f32(2, d, x);
    bad->in[1] = f32(1, c, sc);
    a_int(bad, "axis", 2);
    CHECK_STATUS(run(bad), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "axis 2") != NULL);
}

static void test_mvn_lpnorm(void)
{
    int64_t d[] = {1, 2, 1, 2};
    double x[] = {1, 3, 10, 10};
    ir_node *n = node(IR_OP_MeanVarianceNormalization, 1, 1, 0);
    n->in[0] = f32(4, d, x);
    CHECK_OK(run(n));
    double want[] = {-1, 1, 0, 0};
    expect(n->out[0], 4, d, want, 1e-6);

    int64_t d2[] = {2, 2};
    double x2[] = {1, 3, -2, 2};
    for (int p = 1; p <= 2; p++) {
        ir_node *l = node(IR_OP_LpNormalization, 1, 1, 2);
        l->in[0] = f32(2, d2, x2);
        a_int(l, "p", p);
        a_int(l, "axis", 1);
        CHECK_OK(run(l));
        double w1[] = {0.25, 0.75, -0.5, 0.5}, w2[] = {1 / sqrt(10.0), 3 / sqrt(10.0), -1 / sqrt(2.0), 1 / sqrt(2.0)};
        expect(l->out[0], 2, d2, p == 1 ? w1 : w2, 1e-6);
    }
    /* axis 0 (columns) */
    ir_node *l0 = node(IR_OP_LpNormalization, 1, 1, 2);
    l0->in[0] = f32(2, d2, x2);
    a_int(l0, "p", 1);
    a_int(l0, "axis", 0);
    CHECK_OK(run(l0));
    double w0[] = {1 / 3.0, 0.6, -2 / 3.0, 0.4};
    expect(l0->out[0], 2, d2, w0, 1e-6);
}

/* Inference alone: unknown dims stay unknown, unknown rank leaves the rank unknown, attribute errors name values. */
static void test_infer(void)
{
    ir_tensor *x = NULL;
    CHECK_OK(ir_graph_tensor(G, "sym", &x));
    x->dtype = IR_F32;
    int64_t d[] = {1, 3, -1, 8}, k[] = {2, 2}, s[] = {2, 2};
    ir_tensor_set_shape(x, 4, d);
    ir_node *n = node(IR_OP_MaxPool, 1, 2, 2);
    n->in[0] = x;
    a_ints(n, "kernel_shape", 2, k);
    a_ints(n, "strides", 2, s);
    CHECK_OK(ir_infer_node(n));
    CHECK(n->out[0]->rank == 4 && n->out[0]->dims[1] == 3 && n->out[0]->dims[2] == -1 && n->out[0]->dims[3] == 4);
    CHECK(n->out[1]->dtype == IR_I64 && n->out[1]->dims[3] == 4);

    ir_tensor *u = NULL;
    CHECK_OK(ir_graph_tensor(G, "unranked", &u));
    u->dtype = IR_F16;
    u->rank = -1;
    ir_node *g = node(IR_OP_GlobalAveragePool, 1, 1, 0);
    g->in[0] = u;
    CHECK_OK(ir_infer_node(g));
    CHECK(g->out[0]->rank == -1 && g->out[0]->dtype == IR_F16);

    ir_node *bad = node(IR_OP_AveragePool, 1, 1, 1);
    int64_t k3[] = {2, 2, 2};
    bad->in[0] = x;
    a_ints(bad, "kernel_shape", 3, k3);
    CHECK_STATUS(ir_infer_node(bad), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "kernel_shape has 3 values") != NULL);
    ir_node *nok = node(IR_OP_MaxPool, 1, 1, 0);
    nok->in[0] = x;
    CHECK_STATUS(ir_infer_node(nok), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "kernel_shape") != NULL);
}

int main(void)
{
    CHECK_OK(ir_graph_create(&G));
    CHECK_OK(host_ctx_init(&CTX, 2));
    test_infer();
    test_maxpool_ceil();
    test_avgpool_pads();
    test_same_pads();
    test_dilated_and_indices();
    test_pool_types();
    test_lp_and_global();
    test_fast_path_matches_generic();
    test_batchnorm();
    test_instance_group_norm();
    test_lrn();
    test_layernorm();
    test_mvn_lpnorm();
    host_ctx_release(&CTX);
    ir_graph_destroy(G);
    if (!check_failures)
        printf("test_normpool: all checks passed\n");
    return TEST_RESULT();
}
