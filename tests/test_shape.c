/* Shape/data-movement ops: inference and host execution on hand-built nodes, compared with hand-computed values
 * (reshape 0/-1, negative-step slices, reflect/edge/constant pads, nearest and linear resize, DepthToSpace
 * modes, indexing, generators) and data-less inference (ranks kept, dims unknown). */
#include "check.h"
#include "host/host.h"

#include <stdlib.h>
#include <string.h>

static ir_graph *G;
static host_ctx CTX;
static void *owned[4096];
static int n_owned;

static ir_tensor *tensor(ir_dtype dt, int rank, const int64_t *dims, const void *data)
{
    ir_tensor *t;
    CHECK_OK(ir_graph_new_tensor(G, "t", &t));
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    if (data) {
        CHECK_OK(ir_tensor_alloc_const(G, t));
        memcpy(t->data, data, ir_tensor_nbytes(t));
    }
    return t;
}

static ir_tensor *tf(int rank, const int64_t *dims, const float *v) { return tensor(IR_F32, rank, dims, v); }
static ir_tensor *ti(int rank, const int64_t *dims, const int64_t *v) { return tensor(IR_I64, rank, dims, v); }
static ir_tensor *ti1(int n, const int64_t *v)
{
    int64_t d = n;
    return ti(1, &d, v);
}

static ir_node *node(ir_op op, int opset, int n_in, ir_tensor *const *in, int n_out)
{
    ir_node *n;
    CHECK_OK(ir_graph_add_node(G, op, NULL, n_in, n_out, 8, &n));
    n->opset = opset;
    n->n_attrs = 0;
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    for (int i = 0; i < n_out; i++)
        CHECK_OK(ir_graph_new_tensor(G, "y", &n->out[i]));
    return n;
}

static ir_attr *attr(ir_node *n, const char *name, ir_attr_type type)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = base_arena_strdup(G->arena, name);
    a->type = type;
    return a;
}
static void attr_i(ir_node *n, const char *name, int64_t v) { attr(n, name, IR_ATTR_INT)->i = v; }
static void attr_f(ir_node *n, const char *name, float v) { attr(n, name, IR_ATTR_FLOAT)->f = v; }
static void attr_s(ir_node *n, const char *name, const char *v)
{
    attr(n, name, IR_ATTR_STRING)->s = base_arena_strdup(G->arena, v);
}
static void attr_is(ir_node *n, const char *name, int k, const int64_t *v)
{
    ir_attr *a = attr(n, name, IR_ATTR_INTS);
    a->n = k;
    a->ints = base_arena_alloc(G->arena, sizeof(int64_t) * (size_t)(k ? k : 1));
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)k);
}

/* Infers, allocates the outputs and executes. */
static dla_status run(ir_node *n)
{
    dla_status st = ir_infer_node(n);
    if (st != DLA_OK)
        return st;
    for (int i = 0; i < n->n_out; i++) {
        ir_tensor *t = n->out[i];
        if (!t)
            continue;
        if (!ir_tensor_shape_known(t))
            return DLA_ERR_INTERNAL;
        t->data = calloc(1, ir_tensor_nbytes(t) + 1);
        owned[n_owned++] = t->data;
    }
    return host_exec_node(&CTX, n);
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

static void check_f(const ir_tensor *t, int n, const float *want)
{
    CHECK(ir_tensor_numel(t) == n);
    for (int i = 0; i < n && i < ir_tensor_numel(t); i++)
        CHECK_NEAR(((const float *)t->data)[i], want[i], 1e-5);
}

static void check_i(const ir_tensor *t, int n, const int64_t *want)
{
    CHECK(ir_tensor_numel(t) == n);
    for (int i = 0; i < n && i < ir_tensor_numel(t); i++)
        CHECK(ir_get_i64(t->dtype, t->data, (size_t)i) == want[i]);
}

static float *iota(int n)
{
    float *v = base_arena_alloc(G->arena, sizeof(float) * (size_t)n);
    for (int i = 0; i < n; i++)
        v[i] = (float)i;
    return v;
}

/* ---- reshape family ------------------------------------------------------------------------------------ */

static void test_reshape(void)
{
    int64_t xd[3] = {2, 3, 4};
    ir_tensor *x = tf(3, xd, iota(24));
    int64_t s1[2] = {0, -1};
    ir_node *n = node(IR_OP_Reshape, 14, 2, (ir_tensor *[]){x, ti1(2, s1)}, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 12}));
    CHECK(((float *)n->out[0]->data)[23] == 23.0f);

    /* allowzero keeps a literal 0 */
    int64_t ed[2] = {0, 3}, s2[2] = {3, 0};
    n = node(IR_OP_Reshape, 14, 2, (ir_tensor *[]){tf(2, ed, NULL), ti1(2, s2)}, 1);
    attr_i(n, "allowzero", 1);
    CHECK_OK(ir_infer_node(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){3, 0}));

    /* a shape input without data: the rank is known from its length */
    int64_t three = 3;
    n = node(IR_OP_Reshape, 14, 2, (ir_tensor *[]){x, ti(1, &three, NULL)}, 1);
    CHECK_OK(ir_infer_node(n));
    CHECK(shape_is(n->out[0], 3, (int64_t[]){-1, -1, -1}));

    /* 24 elements cannot fill 5 x k */
    int64_t s3[2] = {5, -1};
    n = node(IR_OP_Reshape, 14, 2, (ir_tensor *[]){x, ti1(2, s3)}, 1);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "24") != NULL);

    /* opset 1-4: shape attribute */
    n = node(IR_OP_Reshape, 4, 1, (ir_tensor *[]){x}, 1);
    attr_is(n, "shape", 3, (int64_t[]){4, -1, 2});
    CHECK_OK(ir_infer_node(n));
    CHECK(shape_is(n->out[0], 3, (int64_t[]){4, 3, 2}));

    n = node(IR_OP_Flatten, 13, 1, (ir_tensor *[]){x}, 1);
    attr_i(n, "axis", -1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){6, 4}));

    int64_t sq[4] = {1, 3, 1, 2};
    ir_tensor *xs = tf(4, sq, iota(6));
    n = node(IR_OP_Squeeze, 13, 2, (ir_tensor *[]){xs, ti1(1, (int64_t[]){-2})}, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 3, (int64_t[]){1, 3, 2}));
    n = node(IR_OP_Squeeze, 11, 1, (ir_tensor *[]){xs}, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){3, 2}));
    n = node(IR_OP_Squeeze, 13, 2, (ir_tensor *[]){xs, ti1(0, (int64_t[]){0})}, 1); /* empty axes: all unit dims */
    CHECK_OK(ir_infer_node(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){3, 2}));
    n = node(IR_OP_Squeeze, 11, 1, (ir_tensor *[]){xs}, 1);
    attr_is(n, "axes", 1, (int64_t[]){1});
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG); /* size 3 */

    n = node(IR_OP_Unsqueeze, 13, 2, (ir_tensor *[]){x, ti1(2, (int64_t[]){-1, 0})}, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 5, (int64_t[]){1, 2, 3, 4, 1}));
    n = node(IR_OP_Unsqueeze, 11, 1, (ir_tensor *[]){x}, 1);
    attr_is(n, "axes", 1, (int64_t[]){2});
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 4, (int64_t[]){2, 3, 1, 4}));
}

/* ---- transpose, concat, split --------------------------------------------------------------------------- */

static void test_transpose(void)
{
    int64_t xd[3] = {2, 3, 4};
    ir_tensor *x = tf(3, xd, iota(24));
    ir_node *n = node(IR_OP_Transpose, 13, 1, (ir_tensor *[]){x}, 1);
    attr_is(n, "perm", 3, (int64_t[]){2, 0, 1});
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 3, (int64_t[]){4, 2, 3}));
    const float *y = n->out[0]->data;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
                CHECK(y[(a * 2 + b) * 3 + c] == (float)(b * 12 + c * 4 + a));

    /* default perm reverses */
    n = node(IR_OP_Transpose, 13, 1, (ir_tensor *[]){x}, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 3, (int64_t[]){4, 3, 2}));
    CHECK(((float *)n->out[0]->data)[1] == 12.0f);

    /* NCHW -> NHWC through the tiled path, odd sizes around the tile edge */
    int64_t bd[4] = {2, 37, 33, 5};
    int cnt = 2 * 37 * 33 * 5;
    ir_tensor *big = tf(4, bd, iota(cnt));
    n = node(IR_OP_Transpose, 13, 1, (ir_tensor *[]){big}, 1);
    attr_is(n, "perm", 4, (int64_t[]){0, 2, 3, 1});
    CHECK_OK(run(n));
    y = n->out[0]->data;
    int bad = 0;
    for (int b = 0; b < 2; b++)
        for (int h = 0; h < 33; h++)
            for (int w = 0; w < 5; w++)
                for (int c = 0; c < 37; c++)
                    bad += y[((b * 33 + h) * 5 + w) * 37 + c] != (float)(((b * 37 + c) * 33 + h) * 5 + w);
    CHECK(bad == 0);

    /* int64 elements move too */
    int64_t id[2] = {2, 3}, iv[6] = {1, 2, 3, 4, 5, (int64_t)1 << 40};
    n = node(IR_OP_Transpose, 13, 1, (ir_tensor *[]){ti(2, id, iv)}, 1);
    CHECK_OK(run(n));
    check_i(n->out[0], 6, (int64_t[]){1, 4, 2, 5, 3, (int64_t)1 << 40});
}

static void test_concat_split(void)
{
    int64_t ad[2] = {2, 1}, bd[2] = {2, 2};
    ir_tensor *a = tf(2, ad, (float[]){1, 2}), *b = tf(2, bd, (float[]){3, 4, 5, 6});
    ir_node *n = node(IR_OP_Concat, 13, 2, (ir_tensor *[]){a, b}, 1);
    attr_i(n, "axis", -1);
    CHECK_OK(run(n));
    check_f(n->out[0], 6, (float[]){1, 3, 4, 2, 5, 6});
    n = node(IR_OP_Concat, 13, 2, (ir_tensor *[]){a, b}, 1);
    attr_i(n, "axis", 0);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG); /* dim 1 differs: 1 vs 2 */

    /* opset 18: num_outputs with a smaller last chunk */
    int64_t xd[1] = {7};
    ir_tensor *x = tf(1, xd, iota(7));
    n = node(IR_OP_Split, 18, 1, (ir_tensor *[]){x}, 3);
    attr_i(n, "num_outputs", 3);
    CHECK_OK(run(n));
    check_f(n->out[0], 3, (float[]){0, 1, 2});
    check_f(n->out[1], 3, (float[]){3, 4, 5});
    check_f(n->out[2], 1, (float[]){6});

    /* sizes input (13) and attribute (11) */
    n = node(IR_OP_Split, 13, 2, (ir_tensor *[]){x, ti1(2, (int64_t[]){2, 5})}, 2);
    CHECK_OK(run(n));
    check_f(n->out[1], 5, (float[]){2, 3, 4, 5, 6});
    n = node(IR_OP_Split, 11, 1, (ir_tensor *[]){x}, 2);
    attr_is(n, "split", 2, (int64_t[]){3, 3});
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG); /* 6 != 7 */
}

/* ---- slice ---------------------------------------------------------------------------------------------- */

static void test_slice(void)
{
    int64_t xd[1] = {10};
    ir_tensor *x = tf(1, xd, iota(10));
    ir_node *n = node(IR_OP_Slice, 13, 5,
                      (ir_tensor *[]){x, ti1(1, (int64_t[]){8}), ti1(1, (int64_t[]){1}), ti1(1, (int64_t[]){0}),
                                      ti1(1, (int64_t[]){-3})},
                      1);
    CHECK_OK(run(n));
    check_f(n->out[0], 3, (float[]){8, 5, 2});

    /* 2-D, negative steps, ends far out of range get clamped */
    int64_t md[2] = {3, 4};
    ir_tensor *m = tf(2, md, iota(12));
    n = node(IR_OP_Slice, 13, 5,
             (ir_tensor *[]){m, ti1(2, (int64_t[]){-1, 3}), ti1(2, (int64_t[]){-100, 0}),
                             ti1(2, (int64_t[]){0, 1}), ti1(2, (int64_t[]){-2, -1})},
             1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 3}));
    check_f(n->out[0], 6, (float[]){11, 10, 9, 3, 2, 1});

    /* INT64_MAX end, default axes/steps, start past the end gives an empty axis */
    n = node(IR_OP_Slice, 13, 3, (ir_tensor *[]){m, ti1(2, (int64_t[]){1, 7}), ti1(2, (int64_t[]){INT64_MAX, 9})},
             1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 0}));

    /* opset 1-9: attributes */
    n = node(IR_OP_Slice, 9, 1, (ir_tensor *[]){m}, 1);
    attr_is(n, "starts", 1, (int64_t[]){1});
    attr_is(n, "ends", 1, (int64_t[]){3});
    attr_is(n, "axes", 1, (int64_t[]){-1});
    CHECK_OK(run(n));
    check_f(n->out[0], 6, (float[]){1, 2, 5, 6, 9, 10});

    /* starts without data: rank known, dims unknown */
    int64_t one = 1;
    n = node(IR_OP_Slice, 13, 3, (ir_tensor *[]){m, ti(1, &one, NULL), ti1(1, (int64_t[]){2})}, 1);
    CHECK_OK(ir_infer_node(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){-1, -1}));

    /* step 0 is an error */
    n = node(IR_OP_Slice, 13, 5,
             (ir_tensor *[]){x, ti1(1, (int64_t[]){0}), ti1(1, (int64_t[]){5}), ti1(1, (int64_t[]){0}),
                             ti1(1, (int64_t[]){0})},
             1);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG);
}

/* ---- pad ------------------------------------------------------------------------------------------------ */

static void test_pad(void)
{
    int64_t xd[2] = {1, 3};
    ir_tensor *x = tf(2, xd, (float[]){1, 2, 3});
    ir_tensor *p = ti1(4, (int64_t[]){0, 2, 0, 2});
    ir_node *n = node(IR_OP_Pad, 13, 2, (ir_tensor *[]){x, p}, 1);
    attr_s(n, "mode", "reflect");
    CHECK_OK(run(n));
    check_f(n->out[0], 7, (float[]){3, 2, 1, 2, 3, 2, 1});

    n = node(IR_OP_Pad, 13, 2, (ir_tensor *[]){x, p}, 1);
    attr_s(n, "mode", "edge");
    CHECK_OK(run(n));
    check_f(n->out[0], 7, (float[]){1, 1, 1, 2, 3, 3, 3});

    n = node(IR_OP_Pad, 13, 3, (ir_tensor *[]){x, p, tf(0, NULL, (float[]){9})}, 1);
    CHECK_OK(run(n));
    check_f(n->out[0], 7, (float[]){9, 9, 1, 2, 3, 9, 9});

    /* opset 2-10: attributes */
    n = node(IR_OP_Pad, 10, 1, (ir_tensor *[]){x}, 1);
    attr_is(n, "pads", 4, (int64_t[]){0, 1, 0, 0});
    attr_f(n, "value", -1.5f);
    CHECK_OK(run(n));
    check_f(n->out[0], 4, (float[]){-1.5f, 1, 2, 3});

    /* 2-D reflect: numpy.pad([[1,2],[3,4]], 1, 'reflect') */
    int64_t sd[2] = {2, 2};
    n = node(IR_OP_Pad, 13, 2, (ir_tensor *[]){tf(2, sd, (float[]){1, 2, 3, 4}), ti1(4, (int64_t[]){1, 1, 1, 1})},
             1);
    attr_s(n, "mode", "reflect");
    CHECK_OK(run(n));
    check_f(n->out[0], 16, (float[]){4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3, 2, 1, 2, 1});

    /* negative pads crop */
    int64_t vd[1] = {4};
    n = node(IR_OP_Pad, 13, 2, (ir_tensor *[]){tf(1, vd, (float[]){1, 2, 3, 4}), ti1(2, (int64_t[]){-1, 1})}, 1);
    CHECK_OK(run(n));
    check_f(n->out[0], 4, (float[]){2, 3, 4, 0});

    /* opset 18 axes input */
    n = node(IR_OP_Pad, 18, 4, (ir_tensor *[]){x, ti1(2, (int64_t[]){1, 0}), NULL, ti1(1, (int64_t[]){-1})}, 1);
    attr_s(n, "mode", "wrap");
    CHECK_OK(run(n));
    check_f(n->out[0], 4, (float[]){3, 1, 2, 3});
}

/* ---- resize --------------------------------------------------------------------------------------------- */

static ir_node *resize(ir_tensor *x, const float *scales, const int64_t *sizes, const char *coord, const char *mode)
{
    int r = x->rank;
    int64_t d = r;
    ir_tensor *sc = scales ? tf(1, &d, scales) : NULL, *sz = sizes ? ti(1, &d, sizes) : NULL;
    ir_node *n = node(IR_OP_Resize, 13, 4, (ir_tensor *[]){x, NULL, sc, sz}, 1);
    attr_s(n, "coordinate_transformation_mode", coord);
    attr_s(n, "mode", mode);
    return n;
}

static void test_resize(void)
{
    int64_t xd[2] = {1, 2};
    ir_tensor *x = tf(2, xd, (float[]){1, 2});
    ir_node *n = resize(x, (float[]){1, 3}, NULL, "asymmetric", "nearest");
    CHECK_OK(run(n));
    check_f(n->out[0], 6, (float[]){1, 1, 2, 2, 2, 2});
    n = resize(x, (float[]){1, 3}, NULL, "half_pixel", "nearest");
    CHECK_OK(run(n));
    check_f(n->out[0], 6, (float[]){1, 1, 1, 2, 2, 2});

    /* linear, align_corners, sizes 3x3 from 2x2 */
    int64_t qd[4] = {1, 1, 2, 2};
    ir_tensor *q = tf(4, qd, (float[]){1, 2, 3, 4});
    n = resize(q, NULL, (int64_t[]){1, 1, 3, 3}, "align_corners", "linear");
    CHECK_OK(run(n));
    check_f(n->out[0], 9, (float[]){1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4});

    /* linear half_pixel: edges clamp */
    ir_tensor *v = tf(2, xd, (float[]){1, 3});
    n = resize(v, (float[]){1, 2}, NULL, "half_pixel", "linear");
    CHECK_OK(run(n));
    check_f(n->out[0], 4, (float[]){1, 1.5f, 2.5f, 3});

    /* tf_crop_and_resize outside the roi gives the extrapolation value */
    int64_t four = 4;
    n = node(IR_OP_Resize, 13, 4, (ir_tensor *[]){v, tf(1, &four, (float[]){0, 0, 1, 2}), NULL,
                                                  ti1(2, (int64_t[]){1, 3})},
             1);
    attr_s(n, "coordinate_transformation_mode", "tf_crop_and_resize");
    attr_s(n, "mode", "linear");
    attr_f(n, "extrapolation_value", -7);
    CHECK_OK(run(n));
    check_f(n->out[0], 3, (float[]){1, 3, -7}); /* x_ori = 0, 1, 2 */

    /* nearest 2x upsample of int8 through Upsample-9 */
    int8_t iv[4] = {1, -2, 3, -4};
    ir_tensor *xi = tensor(IR_I8, 4, qd, iv);
    n = node(IR_OP_Upsample, 9, 2, (ir_tensor *[]){xi, tf(1, &four, (float[]){1, 1, 2, 2})}, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 4, (int64_t[]){1, 1, 4, 4}));
    check_i(n->out[0], 16, (int64_t[]){1, 1, -2, -2, 1, 1, -2, -2, 3, 3, -4, -4, 3, 3, -4, -4});

    /* opset 18: axes and keep_aspect_ratio_policy (sizes 7x8 from 2x2, not_larger -> scale 3.5 -> 7x7) */
    int64_t two = 2;
    n = node(IR_OP_Resize, 18, 4, (ir_tensor *[]){q, NULL, NULL, ti(1, &two, (int64_t[]){7, 8})}, 1);
    attr_is(n, "axes", 2, (int64_t[]){2, -1});
    attr_s(n, "keep_aspect_ratio_policy", "not_larger");
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 4, (int64_t[]){1, 1, 7, 7}));
    CHECK(((float *)n->out[0]->data)[48] == 4.0f);
    n = node(IR_OP_Resize, 18, 3, (ir_tensor *[]){q, NULL, tf(1, &two, (float[]){2, 2})}, 1);
    attr_is(n, "axes", 2, (int64_t[]){2, 3});
    attr_i(n, "antialias", 1);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_UNSUPPORTED);

    /* scales without data: rank kept, dims unknown */
    n = node(IR_OP_Resize, 13, 3, (ir_tensor *[]){q, NULL, tf(1, &four, NULL)}, 1);
    CHECK_OK(ir_infer_node(n));
    CHECK(shape_is(n->out[0], 4, (int64_t[]){-1, -1, -1, -1}));
    /* floor(2 * 0.6) = 1 */
    n = resize(q, (float[]){1, 1, 0.6f, 1.5f}, NULL, "half_pixel", "cubic");
    CHECK_OK(ir_infer_node(n));
    CHECK(shape_is(n->out[0], 4, (int64_t[]){1, 1, 1, 3}));
}

/* ---- depth/space ---------------------------------------------------------------------------------------- */

static void test_depth_space(void)
{
    int64_t xd[4] = {1, 8, 1, 1};
    ir_tensor *x = tf(4, xd, iota(8));
    ir_node *n = node(IR_OP_DepthToSpace, 13, 1, (ir_tensor *[]){x}, 1);
    attr_i(n, "blocksize", 2);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 4, (int64_t[]){1, 2, 2, 2}));
    check_f(n->out[0], 8, (float[]){0, 2, 4, 6, 1, 3, 5, 7});
    ir_tensor *dcr = n->out[0];

    n = node(IR_OP_DepthToSpace, 13, 1, (ir_tensor *[]){x}, 1);
    attr_i(n, "blocksize", 2);
    attr_s(n, "mode", "CRD");
    CHECK_OK(run(n));
    check_f(n->out[0], 8, (float[]){0, 1, 2, 3, 4, 5, 6, 7});

    /* SpaceToDepth undoes DCR */
    n = node(IR_OP_SpaceToDepth, 13, 1, (ir_tensor *[]){dcr}, 1);
    attr_i(n, "blocksize", 2);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 4, xd));
    check_f(n->out[0], 8, (float[]){0, 1, 2, 3, 4, 5, 6, 7});

    n = node(IR_OP_DepthToSpace, 13, 1, (ir_tensor *[]){tf(4, (int64_t[]){1, 6, 1, 1}, iota(6))}, 1);
    attr_i(n, "blocksize", 2);
    CHECK_STATUS(ir_infer_node(n), DLA_ERR_INVALID_ARG); /* 6 channels, 4 per block */
}

/* ---- indexing ------------------------------------------------------------------------------------------- */

static void test_gather_scatter(void)
{
    int64_t xd[2] = {3, 2};
    ir_tensor *x = tf(2, xd, iota(6));
    ir_node *n = node(IR_OP_Gather, 13, 2, (ir_tensor *[]){x, ti1(2, (int64_t[]){-1, 0})}, 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 2}));
    check_f(n->out[0], 4, (float[]){4, 5, 0, 1});
    n = node(IR_OP_Gather, 13, 2, (ir_tensor *[]){x, ti(0, NULL, (int64_t[]){1})}, 1);
    attr_i(n, "axis", 1);
    CHECK_OK(run(n));
    check_f(n->out[0], 3, (float[]){1, 3, 5});
    n = node(IR_OP_Gather, 13, 2, (ir_tensor *[]){x, ti1(1, (int64_t[]){3})}, 1);
    CHECK_STATUS(run(n), DLA_ERR_INVALID_ARG);

    n = node(IR_OP_GatherElements, 13, 2, (ir_tensor *[]){x, ti(2, (int64_t[]){2, 2}, (int64_t[]){2, 0, -3, 1})},
             1);
    CHECK_OK(run(n));
    check_f(n->out[0], 4, (float[]){4, 1, 0, 3});

    /* GatherND with batch_dims 1: data [2,2,2], indices [2,1] */
    int64_t dd[3] = {2, 2, 2};
    n = node(IR_OP_GatherND, 13, 2, (ir_tensor *[]){tf(3, dd, iota(8)), ti(2, (int64_t[]){2, 1}, (int64_t[]){1, 0})},
             1);
    attr_i(n, "batch_dims", 1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){2, 2}));
    check_f(n->out[0], 4, (float[]){2, 3, 4, 5});

    /* ScatterElements add with a repeated index */
    int64_t ld[2] = {1, 5};
    n = node(IR_OP_ScatterElements, 16, 3,
             (ir_tensor *[]){tf(2, ld, (float[]){1, 2, 3, 4, 5}), ti(2, (int64_t[]){1, 2}, (int64_t[]){1, 1}),
                             tf(2, (int64_t[]){1, 2}, (float[]){1.1f, 2.1f})},
             1);
    attr_i(n, "axis", 1);
    attr_s(n, "reduction", "add");
    CHECK_OK(run(n));
    check_f(n->out[0], 5, (float[]){1, 5.2f, 3, 4, 5});

    /* ScatterND mul on int32 rows */
    int32_t dv[4] = {1, 2, 3, 4};
    n = node(IR_OP_ScatterND, 16, 3,
             (ir_tensor *[]){tensor(IR_I32, 2, (int64_t[]){2, 2}, dv), ti(2, (int64_t[]){1, 1}, (int64_t[]){-1}),
                             tensor(IR_I32, 2, (int64_t[]){1, 2}, (int32_t[]){5, 6})},
             1);
    attr_s(n, "reduction", "mul");
    CHECK_OK(run(n));
    check_i(n->out[0], 4, (int64_t[]){1, 2, 15, 24});
}

/* ---- generators ----------------------------------------------------------------------------------------- */

static void test_generators(void)
{
    int64_t xd[2] = {1, 2};
    ir_tensor *x = tf(2, xd, (float[]){1, 2});
    ir_node *n = node(IR_OP_Tile, 13, 2, (ir_tensor *[]){x, ti1(2, (int64_t[]){2, 2})}, 1);
    CHECK_OK(run(n));
    check_f(n->out[0], 8, (float[]){1, 2, 1, 2, 1, 2, 1, 2});

    n = node(IR_OP_Expand, 13, 2, (ir_tensor *[]){tf(2, (int64_t[]){2, 1}, (float[]){1, 2}), ti1(3, (int64_t[]){2, 1, 3})},
             1);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 3, (int64_t[]){2, 2, 3}));
    check_f(n->out[0], 12, (float[]){1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2});

    int32_t s = 10, l = 4, d = -3;
    n = node(IR_OP_Range, 11, 3,
             (ir_tensor *[]){tensor(IR_I32, 0, NULL, &s), tensor(IR_I32, 0, NULL, &l), tensor(IR_I32, 0, NULL, &d)}, 1);
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_I32);
    check_i(n->out[0], 2, (int64_t[]){10, 7});

    float fs = 1, fl = 2, fd = 0.3f;
    n = node(IR_OP_Range, 11, 3, (ir_tensor *[]){tf(0, NULL, &fs), tf(0, NULL, &fl), tf(0, NULL, &fd)}, 1);
    CHECK_OK(run(n));
    check_f(n->out[0], 4, (float[]){1, 1.3f, 1.6f, 1.9f});

    /* OneHot axis 0, a negative index counts from depth */
    n = node(IR_OP_OneHot, 11, 3,
             (ir_tensor *[]){ti1(3, (int64_t[]){0, -1, 5}), tf(0, NULL, (float[]){3}), tf(1, (int64_t[]){2}, (float[]){0, 7})},
             1);
    attr_i(n, "axis", 0);
    CHECK_OK(run(n));
    CHECK(shape_is(n->out[0], 2, (int64_t[]){3, 3}));
    check_f(n->out[0], 9, (float[]){7, 0, 0, 0, 0, 0, 0, 7, 0});

    n = node(IR_OP_ConstantOfShape, 9, 1, (ir_tensor *[]){ti1(2, (int64_t[]){2, 1})}, 1);
    ir_attr *a = attr(n, "value", IR_ATTR_TENSOR);
    a->t = ti(1, (int64_t[]){1}, (int64_t[]){42});
    CHECK_OK(run(n));
    CHECK(n->out[0]->dtype == IR_I64);
    check_i(n->out[0], 2, (int64_t[]){42, 42});

    int64_t bd[4] = {2, 3, 4, 5};
    n = node(IR_OP_Shape, 15, 1, (ir_tensor *[]){tf(4, bd, NULL)}, 1);
    attr_i(n, "start", 1);
    attr_i(n, "end", -1);
    CHECK_OK(ir_infer_node(n));
    CHECK(shape_is(n->out[0], 1, (int64_t[]){2}));
    n->in[0] = tf(4, bd, iota(120));
    CHECK_OK(run(n));
    check_i(n->out[0], 2, (int64_t[]){3, 4});
    n = node(IR_OP_Size, 13, 1, (ir_tensor *[]){n->in[0]}, 1);
    CHECK_OK(run(n));
    CHECK(n->out[0]->rank == 0);
    check_i(n->out[0], 1, (int64_t[]){120});
}

/* Every 3-D permutation for 1/2/4/8-byte elements on shapes around the 32-element tile: the strided copy's
 * row, tile and element paths against a naive index computation. */
static void test_transpose_sweep(void)
{
    static const int64_t shapes[][3] = {{1, 3, 5}, {31, 2, 33}, {32, 32, 4}, {33, 1, 40}, {4, 65, 3}};
    static const int64_t perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    static const ir_dtype types[4] = {IR_U8, IR_F16, IR_I32, IR_I64};
    int bad = 0;
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++)
        for (int ti = 0; ti < 4; ti++) {
            const int64_t *d = shapes[si];
            int cnt = (int)(d[0] * d[1] * d[2]);
            size_t es = ir_dtype_size(types[ti]);
            unsigned char *v = base_arena_alloc(G->arena, (size_t)cnt * es);
            for (int i = 0; i < cnt; i++)
                for (size_t b = 0; b < es; b++)
                    v[(size_t)i * es + b] = (unsigned char)(i * 7 + (int)b * 13 + (i >> 8));
            ir_tensor *x = tensor(types[ti], 3, d, v);
            for (int pi = 0; pi < 6; pi++) {
                const int64_t *p = perms[pi];
                ir_node *n = node(IR_OP_Transpose, 13, 1, (ir_tensor *[]){x}, 1);
                attr_is(n, "perm", 3, p);
                CHECK_OK(run(n));
                const unsigned char *y = n->out[0]->data;
                int64_t od[3] = {d[p[0]], d[p[1]], d[p[2]]}, c[3];
                for (c[0] = 0; c[0] < od[0]; c[0]++)
                    for (c[1] = 0; c[1] < od[1]; c[1]++)
                        for (c[2] = 0; c[2] < od[2]; c[2]++) {
                            int64_t ic[3];
                            for (int k = 0; k < 3; k++)
                                ic[p[k]] = c[k];
                            int64_t src = (ic[0] * d[1] + ic[1]) * d[2] + ic[2];
                            int64_t dst = (c[0] * od[1] + c[1]) * od[2] + c[2];
                            bad += memcmp(y + dst * (int64_t)es, v + src * (int64_t)es, es) != 0;
                        }
            }
        }
    CHECK(bad == 0);
}

int main(void)
{
    CHECK_OK(ir_graph_create(&G));
    CHECK_OK(host_ctx_init(&CTX, 2));
    test_reshape();
    test_transpose();
    test_transpose_sweep();
    test_concat_split();
    test_slice();
    test_pad();
    test_resize();
    test_depth_space();
    test_gather_scatter();
    test_generators();
    for (int i = 0; i < n_owned; i++)
        free(owned[i]);
    host_ctx_release(&CTX);
    ir_graph_destroy(G);
    return TEST_RESULT();
}
