/* Shape and type inference: nn family — Conv, ConvTranspose, Gemm, MatMul (see ir.h, ir_infer_entry). */
#include "ir/conv_geom.h"
#include "ir/ir.h"

static int dims_known(const ir_tensor *t)
{
    if (t->rank < 0)
        return 0;
    for (int i = 0; i < t->rank; i++)
        if (t->dims[i] < 0)
            return 0;
    return 1;
}

static dla_status same_dtype(ir_node *n, int a, int b)
{
    const ir_tensor *x = n->in[a], *y = n->in[b];
    if (y && x->dtype != IR_UNDEFINED && y->dtype != IR_UNDEFINED && x->dtype != y->dtype)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input %d is %s but input %d is %s; they must match", b,
                             ir_dtype_name(y->dtype), a, ir_dtype_name(x->dtype));
    return DLA_OK;
}

static dla_status infer_conv_any(ir_node *n, int transposed)
{
    ir_tensor *x = n->in[0], *w = n->in[1], *b = n->n_in > 2 ? n->in[2] : NULL, *y = n->out[0];
    BASE_TRY(same_dtype(n, 0, 1));
    y->dtype = x->dtype;
    if (x->rank < 0 || !dims_known(w))
        return DLA_OK;
    ir_conv_geom g;
    BASE_TRY(ir_conv_geom_get(n, transposed, &g));
    if (b && b->rank >= 0 && (b->rank != 1 || (b->dims[0] >= 0 && b->dims[0] != g.c_out)))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "bias B must be 1-D with %lld values (output channels)",
                             (long long)g.c_out);
    int64_t dims[IR_MAX_RANK];
    dims[0] = x->dims[0];
    dims[1] = g.c_out;
    for (int i = 0; i < g.nsp; i++)
        dims[2 + i] = g.out[i];
    ir_tensor_set_shape(y, x->rank, dims);
    return DLA_OK;
}

static dla_status infer_conv(ir_node *n) { return infer_conv_any(n, 0); }
static dla_status infer_conv_transpose(ir_node *n) { return infer_conv_any(n, 1); }

static dla_status infer_gemm(ir_node *n)
{
    ir_tensor *a = n->in[0], *b = n->in[1], *c = n->n_in > 2 ? n->in[2] : NULL, *y = n->out[0];
    BASE_TRY(same_dtype(n, 0, 1));
    y->dtype = a->dtype;
    if (a->rank < 0 || b->rank < 0)
        return DLA_OK;
    if (a->rank != 2 || b->rank != 2)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "A has rank %d and B rank %d; Gemm needs 2-D matrices",
                             a->rank, b->rank);
    int ta = ir_attr_int(n, "transA", 0) != 0, tb = ir_attr_int(n, "transB", 0) != 0;
    int64_t m = a->dims[ta ? 1 : 0], ka = a->dims[ta ? 0 : 1];
    int64_t kb = b->dims[tb ? 1 : 0], nn = b->dims[tb ? 0 : 1];
    if (ka >= 0 && kb >= 0 && ka != kb)
        return ir_node_error(n, DLA_ERR_INVALID_ARG,
                             "inner dims differ: op(A) is %lldx%lld and op(B) is %lldx%lld (transA=%d, transB=%d)",
                             (long long)m, (long long)ka, (long long)kb, (long long)nn, ta, tb);
    int64_t dims[2] = {m, nn};
    if (c && c->rank >= 0) { /* C broadcasts one way onto (M, N) */
        if (c->rank > 2)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "C has rank %d; it must broadcast to (M, N)", c->rank);
        for (int i = 0; i < c->rank; i++) {
            int64_t cd = c->dims[i], want = dims[2 - c->rank + i];
            if (cd >= 0 && want >= 0 && cd != 1 && cd != want)
                return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                     "C dim %d is %lld; it must be 1 or %lld to broadcast to the %lldx%lld result",
                                     i, (long long)cd, (long long)want, (long long)m, (long long)nn);
        }
    }
    ir_tensor_set_shape(y, 2, dims);
    return DLA_OK;
}

static dla_status infer_matmul(ir_node *n)
{
    ir_tensor *a = n->in[0], *b = n->in[1], *y = n->out[0];
    BASE_TRY(same_dtype(n, 0, 1));
    y->dtype = a->dtype;
    if (a->rank < 0 || b->rank < 0)
        return DLA_OK;
    if (a->rank < 1 || b->rank < 1)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "A has rank %d and B rank %d; MatMul needs rank >= 1",
                             a->rank, b->rank);
    /* 1-D operands: A gets a leading 1, B a trailing 1, both dropped from the result */
    int64_t ka = a->dims[a->rank - 1], kb = b->dims[b->rank == 1 ? 0 : b->rank - 2];
    if (ka >= 0 && kb >= 0 && ka != kb) {
        char sa[96], sb[96];
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "inner dims differ: A is %s and B is %s (%lld vs %lld)",
                             ir_shape_str(a, sa, sizeof sa), ir_shape_str(b, sb, sizeof sb), (long long)ka,
                             (long long)kb);
    }
    int ra = a->rank > 2 ? a->rank - 2 : 0, rb = b->rank > 2 ? b->rank - 2 : 0, rank;
    int64_t dims[IR_MAX_RANK];
    BASE_TRY(ir_broadcast(n, ra, a->dims, rb, b->dims, &rank, dims));
    if (a->rank >= 2)
        dims[rank++] = a->dims[a->rank - 2];
    if (b->rank >= 2)
        dims[rank++] = b->dims[b->rank - 1];
    if (rank > IR_MAX_RANK)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "result rank %d exceeds the limit %d", rank, IR_MAX_RANK);
    ir_tensor_set_shape(y, rank, dims);
    return DLA_OK;
}

const ir_infer_entry ir_infer_nn[] = {
    {IR_OP_Conv, infer_conv, 2, 3, 1, 1},
    {IR_OP_ConvTranspose, infer_conv_transpose, 2, 3, 1, 1},
    {IR_OP_Gemm, infer_gemm, 2, 3, 1, 1},
    {IR_OP_MatMul, infer_matmul, 2, 2, 1, 1},
    {-1, NULL, 0, 0, 0, 0},
};
