/* Random nodes of the shape family (random ranks, dims, dtypes, opsets, attributes and shape-like inputs with
 * extreme values): inference either succeeds or fails with a message naming the node, and every node that
 * infers to a concrete shape executes without touching memory it should not (run it in the DLA_SANITIZE build
 * to make that check sharp). Deterministic: a fixed xorshift seed. */
#include "check.h"
#include "host/host.h"

#include <stdlib.h>
#include <string.h>

static ir_graph *G;
static host_ctx CTX;
static uint64_t rs = 88172645463325252ull;
static int XR; /* rank of the current node's data input: shape-like inputs often match it */

static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}
static int R(int n) { return (int)(rnd() % (uint64_t)n); }
static int64_t rv(void)
{
    int k = R(20);
    return k == 0 ? INT64_MAX : k == 1 ? INT64_MIN : k == 2 ? 1000 : R(13) - 6;
}

static ir_tensor *tensor(ir_dtype dt, int rank, const int64_t *d, int data, int ints)
{
    ir_tensor *t;
    CHECK_OK(ir_graph_new_tensor(G, "t", &t));
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, d);
    if (data && ir_tensor_alloc_const(G, t) == DLA_OK)
        for (int64_t i = 0; i < ir_tensor_numel(t); i++) {
            if (ints)
                ir_set_i64(dt, t->data, (size_t)i, rv());
            else
                ir_set_f64(dt, t->data, (size_t)i, R(9) * 0.5);
        }
    return t;
}

static ir_tensor *rand_x(void)
{
    static const ir_dtype ts[] = {IR_F32, IR_I64, IR_U8, IR_F16, IR_I32};
    int64_t d[IR_MAX_RANK];
    int r = R(5);
    for (int i = 0; i < r; i++)
        d[i] = R(5);
    return tensor(ts[R(5)], r, d, 1, 0);
}

static ir_tensor *rand_list(int ints)
{
    int k = R(4);
    int64_t n = k == 0 ? XR : k == 1 ? 2 * XR : R(9);
    return tensor(ints ? (R(2) ? IR_I64 : IR_I32) : IR_F32, 1, &n, R(8) != 0, ints);
}

static ir_attr *attr(ir_node *n, const char *name, ir_attr_type type)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->type = type;
    return a;
}

static void rand_attrs(ir_node *n)
{
    static const char *const modes[] = {"nearest", "linear", "cubic", "constant", "reflect",
                                        "edge", "wrap", "DCR", "CRD", "bogus"};
    static const char *const cts[] = {"half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize",
                                      "pytorch_half_pixel", "tf_half_pixel_for_nn", "half_pixel_symmetric"};
    static const char *const reds[] = {"none", "add", "mul", "max", "min"};
    static const char *const ints[] = {"axes", "perm", "split", "starts", "ends", "pads"};
    static const char *const one[] = {"axis", "blocksize", "batch_dims", "start", "end", "num_outputs"};
    for (int k = R(5); k > 0; k--) {
        switch (R(6)) {
        case 0: attr(n, one[R(6)], IR_ATTR_INT)->i = rv(); break;
        case 1: {
            ir_attr *a = attr(n, ints[R(6)], IR_ATTR_INTS);
            a->n = R(2) ? XR : R(9);
            a->ints = base_arena_alloc(G->arena, sizeof(int64_t) * (size_t)(a->n + 1));
            for (int i = 0; i < a->n; i++)
                a->ints[i] = rv();
            break;
        }
        case 2: attr(n, "mode", IR_ATTR_STRING)->s = modes[R(10)]; break;
        case 3: attr(n, "coordinate_transformation_mode", IR_ATTR_STRING)->s = cts[R(7)]; break;
        case 4: attr(n, "reduction", IR_ATTR_STRING)->s = reds[R(5)]; break;
        default: attr(n, "value", IR_ATTR_FLOAT)->f = (float)(R(7) - 3); break;
        }
    }
}

static int is_index_op(int op)
{
    return op == IR_OP_Gather || op == IR_OP_GatherElements || op == IR_OP_GatherND || op == IR_OP_ScatterElements ||
           op == IR_OP_ScatterND || op == IR_OP_Scatter;
}

static ir_node *rand_node(void)
{
    static const int ops[] = {IR_OP_Reshape,  IR_OP_Flatten,         IR_OP_Squeeze,       IR_OP_Unsqueeze,
                              IR_OP_Transpose, IR_OP_Concat,         IR_OP_Split,         IR_OP_Slice,
                              IR_OP_Pad,       IR_OP_Resize,         IR_OP_Upsample,      IR_OP_DepthToSpace,
                              IR_OP_SpaceToDepth, IR_OP_Gather,      IR_OP_GatherElements, IR_OP_GatherND,
                              IR_OP_ScatterElements, IR_OP_ScatterND, IR_OP_Shape,        IR_OP_Size,
                              IR_OP_ConstantOfShape, IR_OP_Expand,   IR_OP_Tile,          IR_OP_Range,
                              IR_OP_OneHot,    IR_OP_Scatter};
    static const int opsets[] = {7, 9, 10, 11, 13, 18};
    int op = ops[R((int)(sizeof ops / sizeof ops[0]))];
    int nin = 1 + R(4), nout = 1 + R(3);
    if (op == IR_OP_Range || op == IR_OP_OneHot || op == IR_OP_ScatterElements || op == IR_OP_ScatterND ||
        op == IR_OP_Scatter)
        nin = 3;
    if (op == IR_OP_Gather || op == IR_OP_GatherElements || op == IR_OP_GatherND || op == IR_OP_Expand)
        nin = 2;
    ir_node *n;
    CHECK_OK(ir_graph_add_node(G, (ir_op)op, NULL, nin, nout, 8, &n));
    n->opset = opsets[R(6)];
    n->n_attrs = 0;
    n->in[0] = rand_x();
    XR = n->in[0]->rank;
    for (int i = 1; i < nin; i++) {
        int k = R(5);
        n->in[i] = k == 0 ? NULL : k == 1 ? rand_list(0) : k == 4 ? rand_x() : rand_list(1);
    }
    if (op == IR_OP_Range)
        for (int i = 0; i < 3; i++)
            n->in[i] = tensor(R(2) ? IR_F32 : IR_I32, 0, NULL, 1, R(2));
    if (is_index_op(op)) {
        int64_t d[IR_MAX_RANK];
        int r = R(4);
        for (int i = 0; i < r; i++)
            d[i] = R(4);
        n->in[1] = tensor(IR_I64, r, d, 1, 1);
        for (int64_t i = 0; n->in[1]->data && i < ir_tensor_numel(n->in[1]); i++)
            ((int64_t *)n->in[1]->data)[i] = R(7) - 3;
        if (nin > 2)
            n->in[2] = tensor(n->in[0]->dtype, r, d, 1, 0);
    }
    rand_attrs(n);
    for (int j = 0; j < nout; j++)
        CHECK_OK(ir_graph_new_tensor(G, "y", &n->out[j]));
    return n;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 30000;
    int inferred = 0, executed = 0;
    CHECK_OK(host_ctx_init(&CTX, 1));
    for (int it = 0; it < iters; it++) {
        if (it % 16 == 0) { /* small graphs: fresh tensor names stay cheap */
            ir_graph_destroy(G);
            CHECK_OK(ir_graph_create(&G));
        }
        ir_node *n = rand_node();
        if (ir_infer_node(n) != DLA_OK) {
            CHECK(strstr(dla_last_error(), n->name) != NULL);
            continue;
        }
        inferred++;
        int ready = 1;
        for (int j = 0; j < n->n_out; j++)
            ready &= ir_tensor_shape_known(n->out[j]) && ir_dtype_size(n->out[j]->dtype) &&
                     ir_tensor_numel(n->out[j]) <= 1000000;
        for (int i = 0; i < n->n_in; i++)
            ready &= !n->in[i] || n->in[i]->data != NULL;
        if (!ready)
            continue;
        for (int j = 0; j < n->n_out; j++)
            n->out[j]->data = malloc(ir_tensor_nbytes(n->out[j]) + 1);
        if (host_exec_node(&CTX, n) != DLA_OK)
            CHECK(strstr(dla_last_error(), n->name) != NULL);
        executed++;
        for (int j = 0; j < n->n_out; j++) {
            free(n->out[j]->data);
            n->out[j]->data = NULL;
        }
    }
    /* the generator must reach execution often enough to mean something */
    CHECK(executed > iters / 20);
    printf("%d nodes: %d inferred, %d executed\n", iters, inferred, executed);
    ir_graph_destroy(G);
    host_ctx_release(&CTX);
    return TEST_RESULT();
}
