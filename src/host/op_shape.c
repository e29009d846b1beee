/* Host FP32 executor: shape family (see host.h, host_op_entry) — the table, the ops that copy bytes unchanged
 * (Reshape, Flatten, Squeeze, Unsqueeze), Transpose, Concat, Split, Shape and Size. Slicing, padding and
 * expansion live in op_slice.c, indexing in op_gather.c, Resize/Upsample in op_resize.c. */
#include "host/op_shape.h"

#include <string.h>

static dla_status exec_copy(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    size_t bytes = ir_tensor_nbytes(y);
    if (bytes != ir_tensor_nbytes(x))
        return ir_node_error(n, DLA_ERR_INTERNAL, "output holds %zu bytes but the input %zu", bytes,
                             ir_tensor_nbytes(x));
    if (bytes && y->data != x->data)
        memcpy(y->data, x->data, bytes);
    return DLA_OK;
}

static dla_status exec_transpose(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int k;
    const int64_t *perm = ir_attr_ints(n, "perm", &k);
    int64_t istr[IR_MAX_RANK], sstr[IR_MAX_RANK], ostr[IR_MAX_RANK];
    host_contig_strides(x->rank, x->dims, istr);
    host_contig_strides(y->rank, y->dims, ostr);
    for (int i = 0; i < y->rank; i++)
        sstr[i] = istr[perm ? perm[i] : x->rank - 1 - i];
    host_strided_copy(ir_dtype_size(x->dtype), y->rank, y->dims, y->data, ostr, x->data, sstr);
    return DLA_OK;
}

/* Bytes of one slab along axis (the product of dims from axis on) and the count of slabs before it. */
static void slab(const ir_tensor *t, int axis, int64_t *outer, size_t *bytes)
{
    int64_t o = 1, in = 1;
    for (int i = 0; i < axis; i++)
        o *= t->dims[i];
    for (int i = axis; i < t->rank; i++)
        in *= t->dims[i];
    *outer = o;
    *bytes = (size_t)in * ir_dtype_size(t->dtype);
}

static dla_status exec_concat(host_ctx *ctx, ir_node *n)
{
    ir_tensor *y = n->out[0];
    int axis = ir_norm_axis(ir_attr_int(n, "axis", 1), y->rank);
    int64_t outer;
    size_t out_slab;
    slab(y, axis, &outer, &out_slab);
    size_t off = 0;
    for (int i = 0; i < n->n_in; i++) {
        const ir_tensor *x = n->in[i];
        if (!x)
            continue;
        int64_t xo;
        size_t xs;
        slab(x, axis, &xo, &xs);
        if (!xs)
            continue;
        char *d = (char *)y->data + off;
        const char *s = x->data;
#pragma omp parallel for if ((size_t)outer * xs > ((size_t)1 << 20))
        for (int64_t o = 0; o < outer; o++)
            memcpy(d + (size_t)o * out_slab, s + (size_t)o * xs, xs);
        off += xs;
    }
    return DLA_OK;
}

static dla_status exec_split(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int64_t sizes[256];
    int axis, known;
    if (n->n_out > 256)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "%d outputs exceed the limit of 256", n->n_out);
    BASE_TRY(ir_split_plan(n, x, &axis, sizes, &known));
    if (!known)
        return ir_node_error(n, DLA_ERR_INTERNAL, "split sizes unknown at run time");
    int64_t outer;
    size_t in_slab;
    slab(x, axis + 1, &outer, &in_slab); /* in_slab: bytes of one index along axis */
    size_t unit = in_slab;
    slab(x, axis, &outer, &in_slab);
    size_t off = 0;
    for (int i = 0; i < n->n_out; i++) {
        size_t ys = (size_t)sizes[i] * unit;
        ir_tensor *y = n->out[i]; /* NULL when omitted: its part is skipped */
        if (y && ys) {
            char *d = y->data;
            const char *s = (const char *)x->data + off;
#pragma omp parallel for if ((size_t)outer * ys > ((size_t)1 << 20))
            for (int64_t o = 0; o < outer; o++)
                memcpy(d + (size_t)o * ys, s + (size_t)o * in_slab, ys);
        }
        off += ys;
    }
    return DLA_OK;
}

static dla_status exec_shape(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t start = ir_attr_int(n, "start", 0);
    if (start < 0)
        start += x->rank;
    if (start < 0)
        start = 0;
    int64_t *o = y->data;
    for (int64_t i = 0; i < y->dims[0]; i++)
        o[i] = x->dims[start + i];
    return DLA_OK;
}

static dla_status exec_size(host_ctx *ctx, ir_node *n)
{
    *(int64_t *)n->out[0]->data = ir_tensor_numel(n->in[0]);
    return DLA_OK;
}

const host_op_entry host_ops_shape[] = {
    {IR_OP_Reshape, exec_copy},
    {IR_OP_Flatten, exec_copy},
    {IR_OP_Squeeze, exec_copy},
    {IR_OP_Unsqueeze, exec_copy},
    {IR_OP_Transpose, exec_transpose},
    {IR_OP_Concat, exec_concat},
    {IR_OP_Split, exec_split},
    {IR_OP_Slice, host_shp_slice},
    {IR_OP_Pad, host_shp_pad},
    {IR_OP_Resize, host_shp_resize},
    {IR_OP_Upsample, host_shp_resize},
    {IR_OP_DepthToSpace, host_shp_depth_to_space},
    {IR_OP_SpaceToDepth, host_shp_space_to_depth},
    {IR_OP_Gather, host_shp_gather},
    {IR_OP_GatherElements, host_shp_gather_elements},
    {IR_OP_GatherND, host_shp_gather_nd},
    {IR_OP_ScatterElements, host_shp_scatter_elements},
    {IR_OP_ScatterND, host_shp_scatter_nd},
    {IR_OP_Scatter, host_shp_scatter_elements},
    {IR_OP_Shape, exec_shape},
    {IR_OP_Size, exec_size},
    {IR_OP_ConstantOfShape, host_shp_constant_of_shape},
    {IR_OP_Expand, host_shp_expand},
    {IR_OP_Tile, host_shp_tile},
    {IR_OP_Range, host_shp_range},
    {IR_OP_OneHot, host_shp_onehot},
    {-1, NULL},
};
