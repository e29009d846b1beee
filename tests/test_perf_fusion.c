/* perf: the host executor's Conv epilogue fusion (Conv+Relu, Conv+Clip, Conv+Add[+Relu] in both operand orders,
 * in place or copied) and channels-last activations between convolutions. Every graph runs fused and with
 * host_options.no_fusion (each node by itself) and the outputs must agree; small cases also have hand-computed
 * values. The kernel entry k_f32_conv_post is checked against k_f32_conv plus a plain epilogue. */
#include "check.h"
#include "host/host.h"
#include "kernels/kernels.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rng = 777;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* ---- graph building ---------------------------------------------------------------------------------- */

static int uniq;

static ir_tensor *tensor(ir_graph *g, const char *base)
{
    char name[64];
    snprintf(name, sizeof name, "%s_%d", base, uniq++);
    ir_tensor *t = NULL;
    CHECK_OK(ir_graph_tensor(g, name, &t));
    return t;
}

/* A float32 constant: values given, or random when v is NULL. */
static ir_tensor *cst(ir_graph *g, int rank, const int64_t *dims, const float *v)
{
    ir_tensor *t = tensor(g, "c");
    t->dtype = IR_F32;
    ir_tensor_set_shape(t, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(g, t));
    float *p = t->data;
    for (int64_t i = 0; i < ir_tensor_numel(t); i++)
        p[i] = v ? v[i] : frand();
    return t;
}

static ir_tensor *input(ir_graph *g, ir_dtype dt, int rank, const int64_t *dims)
{
    ir_tensor *t = tensor(g, "x");
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    CHECK_OK(ir_graph_add_input(g, t));
    return t;
}

static ir_node *op(ir_graph *g, ir_op o, int n_in, ir_tensor **in, int n_attrs)
{
    ir_node *n = NULL;
    char name[32];
    snprintf(name, sizeof name, "n%d", uniq++);
    CHECK_OK(ir_graph_add_node(g, o, name, n_in, 1, n_attrs, &n));
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    n->out[0] = tensor(g, "t");
    n->opset = 13;
    return n;
}

static ir_tensor *conv(ir_graph *g, ir_tensor *x, int64_t c_in, int64_t c_out, int k, int stride)
{
    int64_t wd[4] = {c_out, c_in, k, k}, bd[1] = {c_out};
    ir_tensor *in[3] = {x, cst(g, 4, wd, NULL), cst(g, 1, bd, NULL)};
    ir_node *n = op(g, IR_OP_Conv, 3, in, 2);
    int64_t *pads = base_arena_alloc(g->arena, 4 * sizeof(int64_t)), *st = base_arena_alloc(g->arena, 2 * sizeof(int64_t));
    for (int i = 0; i < 4; i++)
        pads[i] = k / 2;
    st[0] = st[1] = stride;
    n->attrs[0] = (ir_attr){.name = "pads", .type = IR_ATTR_INTS, .n = 4, .ints = pads};
    n->attrs[1] = (ir_attr){.name = "strides", .type = IR_ATTR_INTS, .n = 2, .ints = st};
    return n->out[0];
}

static ir_tensor *unary(ir_graph *g, ir_op o, ir_tensor *x)
{
    return op(g, o, 1, &x, 0)->out[0];
}

static ir_tensor *binary(ir_graph *g, ir_op o, ir_tensor *a, ir_tensor *b)
{
    ir_tensor *in[2] = {a, b};
    return op(g, o, 2, in, 0)->out[0];
}

static ir_tensor *clip(ir_graph *g, ir_tensor *x, float lo, float hi)
{
    int64_t one = 1;
    ir_tensor *in[3] = {x, cst(g, 0, &one, &lo), cst(g, 0, &one, &hi)};
    return op(g, IR_OP_Clip, 3, in, 0)->out[0];
}

/* ---- running --------------------------------------------------------------------------------------------- */

/* Runs g (inputs bound to xs) twice per mode and returns output 0 (malloc'd) and the peak bytes. */
static float *run_graph(ir_graph *g, int no_fusion, int infer_first, void **xs, size_t *peak)
{
    if (infer_first)
        CHECK_OK(ir_graph_infer(g));
    host_exec *x = NULL;
    host_options o = {.n_threads = 1, .no_fusion = no_fusion};
    CHECK_OK(host_exec_create(g, &o, &x));
    if (!x)
        return NULL;
    float *out = NULL;
    for (int rep = 0; rep < 2; rep++) { /* the second run reuses the cached primitives and the plan */
        for (int i = 0; i < g->n_inputs; i++) {
            g->inputs[i]->data = xs[i];
            g->inputs[i]->data_kind = IR_DATA_RUNTIME;
        }
        dla_status st = host_exec_run(x);
        CHECK_OK(st);
        free(out);
        out = st == DLA_OK ? host_exec_take_output(x, 0) : NULL;
    }
    if (peak)
        *peak = host_exec_peak_bytes(x);
    host_exec_destroy(x);
    return out;
}

/* Fused vs unfused on g: outputs within 1e-5 of the output scale; returns the two peaks. */
static void compare(ir_graph *g, int infer_first, void **xs, const char *what, size_t *peak_fused,
                    size_t *peak_plain)
{
    size_t pf = 0, pp = 0;
    float *ref = run_graph(g, 1, infer_first, xs, &pp);
    float *got = run_graph(g, 0, infer_first, xs, &pf);
    CHECK(ref && got);
    if (ref && got) {
        int64_t n = ir_tensor_numel(g->outputs[0]);
        double mx = 0;
        for (int64_t i = 0; i < n; i++)
            mx = fabs(ref[i]) > mx ? fabs(ref[i]) : mx;
        int bad = 0;
        for (int64_t i = 0; i < n && bad < 3; i++)
            if (!(fabs((double)got[i] - ref[i]) <= 1e-5 * (1 + mx))) {
                fprintf(stderr, "%s: element %lld: fused %.7g, unfused %.7g\n", what, (long long)i, got[i], ref[i]);
                bad++;
            }
        CHECK(bad == 0);
        CHECK(mx > 0); /* the graph computed something */
    }
    free(ref);
    free(got);
    if (peak_fused)
        *peak_fused = pf;
    if (peak_plain)
        *peak_plain = pp;
}

static float *rand_input(int64_t n)
{
    float *p = malloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++)
        p[i] = frand();
    return p;
}

/* ---- hand-computed cases --------------------------------------------------------------------------------- */

/* 1x1 conv on [1,1,1,2] = {1, -2} with w = 3, b = 0.5: {3.5, -5.5}. */
static void test_hand(void)
{
    int64_t xd[4] = {1, 1, 1, 2}, wd[4] = {1, 1, 1, 1}, bd[1] = {1};
    float w = 3.0f, b = 0.5f, xv[2] = {1.0f, -2.0f}, ov[2] = {1.0f, 1.0f};
    for (int kind = 0; kind < 4; kind++) {
        ir_graph *g = NULL;
        CHECK_OK(ir_graph_create(&g));
        ir_tensor *x = input(g, IR_F32, 4, xd), *other = input(g, IR_F32, 4, xd);
        ir_tensor *in[3] = {x, cst(g, 4, wd, &w), cst(g, 1, bd, &b)};
        ir_tensor *y = op(g, IR_OP_Conv, 3, in, 0)->out[0], *out;
        float want[2];
        if (kind == 0) { /* Relu */
            out = unary(g, IR_OP_Relu, y);
            want[0] = 3.5f, want[1] = 0.0f;
        } else if (kind == 1) { /* Clip(-1, 2) */
            out = clip(g, y, -1.0f, 2.0f);
            want[0] = 2.0f, want[1] = -1.0f;
        } else if (kind == 2) { /* Add(other, conv) + Relu: {4.5, -4.5} -> {4.5, 0} */
            out = unary(g, IR_OP_Relu, binary(g, IR_OP_Add, other, y));
            want[0] = 4.5f, want[1] = 0.0f;
        } else { /* Add(conv, other) alone */
            out = binary(g, IR_OP_Add, y, other);
            want[0] = 4.5f, want[1] = -4.5f;
        }
        CHECK_OK(ir_graph_add_output(g, out));
        void *xs[2] = {xv, ov};
        for (int inf = 0; inf < 2; inf++) {
            float *got = run_graph(g, 0, inf, xs, NULL);
            CHECK(got != NULL);
            if (got) {
                CHECK_NEAR(got[0], want[0], 1e-6);
                CHECK_NEAR(got[1], want[1], 1e-6);
            }
            free(got);
        }
        /* the caller's addend is untouched (a graph input is never taken over) */
        CHECK(ov[0] == 1.0f && ov[1] == 1.0f);
        ir_graph_destroy(g);
    }
}

/* ---- fused vs unfused ------------------------------------------------------------------------------------ */

/* Conv -> Relu, Conv -> Clip(0, 0.5), Conv -> SiLU (Mul(y, Sigmoid(y)) in both orders) on a 3x3 conv, with and
 * without static shapes (channels-last needs them). */
static void test_conv_act(void)
{
    int64_t xd[4] = {1, 8, 9, 7};
    static const char *names[4] = {"conv+relu", "conv+clip", "conv+silu", "conv+silu (mul order 2)"};
    for (int kind = 0; kind < 4; kind++)
        for (int inf = kind == 0 ? 0 : 1; inf < 2; inf++) { /* Relu with and without static shapes */
            ir_graph *g = NULL;
            CHECK_OK(ir_graph_create(&g));
            ir_tensor *x = input(g, IR_F32, 4, xd);
            ir_tensor *y = conv(g, x, 8, 16, 3, 1);
            if (kind >= 2) {
                ir_tensor *sg = unary(g, IR_OP_Sigmoid, y);
                y = kind == 2 ? binary(g, IR_OP_Mul, y, sg) : binary(g, IR_OP_Mul, sg, y);
            } else {
                y = kind ? clip(g, y, 0.0f, 0.5f) : unary(g, IR_OP_Relu, y);
            }
            /* a second conv so the first's output can stay channels-last */
            y = conv(g, y, 16, 8, 3, 2);
            CHECK_OK(ir_graph_add_output(g, unary(g, IR_OP_Relu, y)));
            float *xv = rand_input(8 * 9 * 7);
            void *xs[1] = {xv};
            size_t pf = 0, pp = 0;
            compare(g, inf, xs, names[kind], &pf, &pp);
            CHECK(pf < pp); /* the chain's intermediates get no buffers */
            free(xv);
            ir_graph_destroy(g);
        }
}

/* Conv -> Add -> Relu: the addend first or second; the addend used again later (no in place) or not. */
static void test_conv_add(void)
{
    int64_t xd[4] = {1, 16, 10, 10};
    for (int order = 0; order < 2; order++)
        for (int reuse = 0; reuse < 2; reuse++)
            for (int inf = order || reuse; inf < 2; inf++) { /* one case also without static shapes */
                ir_graph *g = NULL;
                CHECK_OK(ir_graph_create(&g));
                ir_tensor *x = input(g, IR_F32, 4, xd);
                ir_tensor *a = unary(g, IR_OP_Relu, conv(g, x, 16, 16, 3, 1)); /* the addend (a block input) */
                ir_tensor *b = unary(g, IR_OP_Relu, conv(g, a, 16, 16, 1, 1));
                b = conv(g, b, 16, 16, 3, 1);
                ir_tensor *s = unary(g, IR_OP_Relu, order ? binary(g, IR_OP_Add, a, b) : binary(g, IR_OP_Add, b, a));
                ir_tensor *out = conv(g, s, 16, 8, 1, 1);
                if (reuse) /* a read after the Add: its buffer must survive */
                    out = binary(g, IR_OP_Add, conv(g, a, 16, 8, 1, 1), out);
                CHECK_OK(ir_graph_add_output(g, out));
                float *xv = rand_input(16 * 10 * 10);
                void *xs[1] = {xv};
                size_t pf = 0, pp = 0;
                char what[64];
                snprintf(what, sizeof what, "conv+add order %d reuse %d infer %d", order, reuse, inf);
                compare(g, inf, xs, what, &pf, &pp);
                if (!(reuse ? pf <= pp : pf < pp))
                    fprintf(stderr, "%s: peak fused %zu, unfused %zu\n", what, pf, pp);
                /* in place, the Add's output takes the addend's buffer: one buffer less at the peak */
                CHECK(reuse ? pf <= pp : pf < pp);
                free(xv);
                ir_graph_destroy(g);
            }
}

/* Two convs feeding one Add (the ResNet downsample): the later one takes the Add. Also Add without Relu, a
 * Conv whose output is also a graph output (not fused), and an Add that broadcasts (run one node at a time). */
static void test_shapes(void)
{
    int64_t xd[4] = {2, 8, 12, 12}, cd[4] = {1, 16, 1, 1};
    for (int inf = 0; inf < 2; inf++) {
        ir_graph *g = NULL;
        CHECK_OK(ir_graph_create(&g));
        ir_tensor *x = input(g, IR_F32, 4, xd);
        ir_tensor *trunk = conv(g, unary(g, IR_OP_Relu, conv(g, x, 8, 16, 3, 2)), 16, 16, 1, 1);
        ir_tensor *down = conv(g, x, 8, 16, 1, 2);
        ir_tensor *s = binary(g, IR_OP_Add, trunk, down); /* Add without activation */
        ir_tensor *bc = binary(g, IR_OP_Add, conv(g, s, 16, 16, 3, 1), cst(g, 4, cd, NULL)); /* broadcast */
        ir_tensor *seen = conv(g, bc, 16, 16, 1, 1);
        ir_tensor *out = unary(g, IR_OP_Relu, seen);
        CHECK_OK(ir_graph_add_output(g, out));
        CHECK_OK(ir_graph_add_output(g, seen)); /* read outside: cannot be fused away */
        float *xv = rand_input(2 * 8 * 12 * 12);
        void *xs[1] = {xv};
        compare(g, inf, xs, "downsample/broadcast", NULL, NULL);
        free(xv);
        ir_graph_destroy(g);
    }
}

/* Conv -> MaxPool -> Conv -> GlobalAveragePool: both pools run on channels-last data when shapes are static;
 * MaxPool with pads, with ceil_mode on an odd size, and with dilation. */
static void test_pools(void)
{
    int64_t xd[4] = {2, 3, 13, 11};
    for (int kind = 0; kind < 3; kind++)
        for (int inf = 0; inf < 2; inf++) {
            ir_graph *g = NULL;
            CHECK_OK(ir_graph_create(&g));
            ir_tensor *x = input(g, IR_F32, 4, xd);
            ir_tensor *y = unary(g, IR_OP_Relu, conv(g, x, 3, 16, 3, 1));
            ir_node *mp = op(g, IR_OP_MaxPool, 1, &y, 4);
            int64_t *k = base_arena_alloc(g->arena, 2 * sizeof(int64_t)), *st = base_arena_alloc(g->arena, 2 * sizeof(int64_t));
            int64_t *pads = base_arena_alloc(g->arena, 4 * sizeof(int64_t)), *dil = base_arena_alloc(g->arena, 2 * sizeof(int64_t));
            k[0] = k[1] = kind == 1 ? 2 : 3;
            st[0] = st[1] = 2;
            for (int i = 0; i < 4; i++)
                pads[i] = kind == 0 ? 1 : 0;
            dil[0] = dil[1] = kind == 2 ? 2 : 1;
            mp->attrs[0] = (ir_attr){.name = "kernel_shape", .type = IR_ATTR_INTS, .n = 2, .ints = k};
            mp->attrs[1] = (ir_attr){.name = "strides", .type = IR_ATTR_INTS, .n = 2, .ints = st};
            mp->attrs[2] = (ir_attr){.name = "pads", .type = IR_ATTR_INTS, .n = 4, .ints = pads};
            mp->attrs[3] = kind == 1 ? (ir_attr){.name = "ceil_mode", .type = IR_ATTR_INT, .i = 1}
                                     : (ir_attr){.name = "dilations", .type = IR_ATTR_INTS, .n = 2, .ints = dil};
            y = conv(g, mp->out[0], 16, 16, 3, 1);
            ir_tensor *gap = unary(g, IR_OP_GlobalAveragePool, y);
            CHECK_OK(ir_graph_add_output(g, gap));
            float *xv = rand_input(2 * 3 * 13 * 11);
            void *xs[1] = {xv};
            char what[48];
            snprintf(what, sizeof what, "pools kind %d infer %d", kind, inf);
            compare(g, inf, xs, what, NULL, NULL);
            free(xv);
            ir_graph_destroy(g);
        }
}

/* 1-D and 3-D convolutions: Conv -> Add (addend read again later: copied) -> Clip. */
static void test_other_ranks(void)
{
    for (int nsp = 1; nsp <= 3; nsp += 2) {
        int64_t xd[5] = {1, 4, 6, 5, 7}, wd[5] = {4, 4, 3, 3, 3}, bd[1] = {4};
        int64_t *pads = NULL;
        ir_graph *g = NULL;
        CHECK_OK(ir_graph_create(&g));
        ir_tensor *x = input(g, IR_F32, 2 + nsp, xd);
        ir_tensor *a = unary(g, IR_OP_Relu, x);
        ir_tensor *in[3] = {a, cst(g, 2 + nsp, wd, NULL), cst(g, 1, bd, NULL)};
        ir_node *c = op(g, IR_OP_Conv, 3, in, 1);
        pads = base_arena_alloc(g->arena, 6 * sizeof(int64_t));
        for (int i = 0; i < 6; i++)
            pads[i] = 1;
        c->attrs[0] = (ir_attr){.name = "pads", .type = IR_ATTR_INTS, .n = 2 * nsp, .ints = pads};
        ir_tensor *s = clip(g, binary(g, IR_OP_Add, c->out[0], a), -0.5f, 0.75f);
        CHECK_OK(ir_graph_add_output(g, binary(g, IR_OP_Mul, s, a)));
        float *xv = rand_input(4 * 6 * 5 * 7);
        void *xs[1] = {xv};
        for (int inf = 0; inf < 2; inf++)
            compare(g, inf, xs, nsp == 1 ? "conv1d+add+clip" : "conv3d+add+clip", NULL, NULL);
        free(xv);
        ir_graph_destroy(g);
    }
}

/* A float64 Conv -> Relu / SiLU is planned as a chain but runs node by node (the fused kernel is float32). */
static void test_f64(void)
{
    int64_t xd[4] = {1, 2, 3, 3}, wd[4] = {1, 2, 1, 1};
    for (int silu = 0; silu < 2; silu++) {
        ir_graph *g = NULL;
        CHECK_OK(ir_graph_create(&g));
        ir_tensor *x = input(g, IR_F64, 4, xd), *w = tensor(g, "w");
        w->dtype = IR_F64;
        ir_tensor_set_shape(w, 4, wd);
        CHECK_OK(ir_tensor_alloc_const(g, w));
        ((double *)w->data)[0] = 1.0;
        ((double *)w->data)[1] = -1.0;
        ir_tensor *in[2] = {x, w};
        ir_tensor *y = op(g, IR_OP_Conv, 2, in, 0)->out[0];
        y = silu ? binary(g, IR_OP_Mul, y, unary(g, IR_OP_Sigmoid, y)) : unary(g, IR_OP_Relu, y);
        CHECK_OK(ir_graph_add_output(g, y));
        double xv[18];
        for (int i = 0; i < 18; i++)
            xv[i] = i < 9 ? i : 4.0; /* channel 0 minus channel 1: i - 4 */
        host_exec *ex = NULL;
        CHECK_OK(host_exec_create(g, &(host_options){.n_threads = 1}, &ex));
        if (ex) {
            x->data = xv;
            x->data_kind = IR_DATA_RUNTIME;
            CHECK_OK(host_exec_run(ex));
            double *out = host_exec_take_output(ex, 0);
            CHECK(out != NULL);
            for (int i = 0; out && i < 9; i++) {
                double v = i - 4.0;
                CHECK_NEAR(out[i], silu ? v / (1.0 + exp(-v)) : (v > 0 ? v : 0), 1e-12);
            }
            free(out);
            host_exec_destroy(ex);
        }
        ir_graph_destroy(g);
    }
}

/* The kernel entry: every epilogue and layout combination against k_f32_conv plus a plain epilogue. */
static void test_kernel_post(void)
{
    k_state *ks = NULL;
    CHECK_OK(k_state_create(2, &ks));
    k_conv_desc d = {.nsp = 2, .n = 2, .c_in = 5, .c_out = 7, .group = 1, .in = {6, 5}, .out = {3, 3}, .k = {3, 3},
                     .stride = {2, 2}, .dil = {1, 1}, .pad_l = {1, 1}, .pad_r = {1, 1}};
    size_t nx = 2 * 5 * 30, nw = 7 * 5 * 9, ny = 2 * 7 * 9, sp = 9;
    float *x = rand_input((int64_t)nx), *w = rand_input((int64_t)nw), *b = rand_input(7), *add = rand_input((int64_t)ny);
    float *ref = malloc(ny * sizeof(float)), *y = malloc(ny * sizeof(float)), *xt = malloc(nx * sizeof(float));
    for (size_t n = 0; n < 2; n++) /* x channels-last */
        for (size_t c = 0; c < 5; c++)
            for (size_t p = 0; p < 30; p++)
                xt[(n * 30 + p) * 5 + c] = x[(n * 5 + c) * 30 + p];
    CHECK_OK(k_f32_conv(ks, &d, x, w, 1, b, ref));
    for (int combo = 0; combo < 32; combo++) {
        k_conv_post post = {.sum = combo & 1, .act = (combo >> 1) & 3, .lo = -0.25f, .hi = 0.5f,
                            .src_nhwc = (combo >> 3) & 1, .dst_nhwc = (combo >> 4) & 1};
        for (size_t n = 0; n < 2; n++) /* the addend, in y's layout */
            for (size_t c = 0; c < 7; c++)
                for (size_t p = 0; p < sp; p++) {
                    size_t i = (n * 7 + c) * sp + p;
                    y[post.dst_nhwc ? (n * sp + p) * 7 + c : i] = add[i];
                }
        CHECK_OK(k_f32_conv_post(ks, &d, &post, post.src_nhwc ? xt : x, w, 1, b, y));
        int bad = 0;
        for (size_t n = 0; n < 2; n++)
            for (size_t c = 0; c < 7; c++)
                for (size_t p = 0; p < sp; p++) {
                    size_t i = (n * 7 + c) * sp + p;
                    float v = ref[i] + (post.sum ? add[i] : 0.0f);
                    if (post.act == K_ACT_RELU)
                        v = v > 0 ? v : 0;
                    else if (post.act == K_ACT_CLIP)
                        v = v < -0.25f ? -0.25f : v > 0.5f ? 0.5f : v;
                    else if (post.act == K_ACT_SWISH)
                        v = (float)(v / (1.0 + exp(-(double)v)));
                    float got = y[post.dst_nhwc ? (n * sp + p) * 7 + c : i];
                    if (!(fabsf(got - v) <= 1e-5f * (1 + fabsf(v))) && bad++ < 3)
                        fprintf(stderr, "post combo %d: [%zu,%zu,%zu] got %g want %g\n", combo, n, c, p, got, v);
                }
        CHECK(bad == 0);
    }
    free(x);
    free(w);
    free(b);
    free(add);
    free(ref);
    free(y);
    free(xt);
    k_state_destroy(ks);
}

int main(int argc, char **argv)
{
    /* optional: names of the tests to run */
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {{"hand", test_hand},   {"act", test_conv_act}, {"add", test_conv_add},
                 {"shapes", test_shapes}, {"f64", test_f64},       {"pools", test_pools}, {"ranks", test_other_ranks},      {"kernel", test_kernel_post}};
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        int want = argc < 2;
        for (int j = 1; j < argc; j++)
            want |= !strcmp(argv[j], tests[i].name);
        if (want)
            tests[i].fn();
    }
    return TEST_RESULT();
}
