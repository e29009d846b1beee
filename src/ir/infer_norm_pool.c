/* Shape and type inference: norm_pool family (see ir.h, ir_infer_entry).
 * Normalizations keep the input's shape and type; pools shrink the spatial axes (rules in pool_geom.c). */
#include "ir/ir.h"
#include "ir/pool_geom.h"

static void set_like(ir_tensor *out, const ir_tensor *x)
{
    out->dtype = x->dtype;
    if (x->rank >= 0)
        ir_tensor_set_shape(out, x->rank, x->dims);
}

static dla_status need_float(const ir_node *n, const ir_tensor *x)
{
    if (x->dtype != IR_UNDEFINED && !ir_dtype_is_float(x->dtype))
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input '%s' is %s; %s takes float16/bfloat16/float/double",
                             x->name, ir_dtype_name(x->dtype), ir_op_name(n->op));
    return DLA_OK;
}

/* N x C x ... inputs: rank at least `min_rank` once known. */
static dla_status need_rank(const ir_node *n, const ir_tensor *x, int min_rank)
{
    if (x->rank >= 0 && x->rank < min_rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input '%s' has rank %d; %s needs rank >= %d", x->name,
                             x->rank, ir_op_name(n->op), min_rank);
    return DLA_OK;
}

/* InstanceNormalization, LRN, MeanVarianceNormalization, LpNormalization, GroupNormalization. */
static dla_status infer_like_input(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    BASE_TRY(need_float(n, x));
    if (n->op == IR_OP_InstanceNormalization || n->op == IR_OP_LRN || n->op == IR_OP_GroupNormalization)
        BASE_TRY(need_rank(n, x, n->op == IR_OP_LRN ? 3 : 2));
    if (n->op == IR_OP_LpNormalization) {
        int64_t p = ir_attr_int(n, "p", 2);
        if (p != 1 && p != 2)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "p = %lld; LpNormalization supports p = 1 or 2",
                                 (long long)p);
    }
    if (n->op == IR_OP_LRN && ir_attr_int(n, "size", 0) < 1)
        return ir_node_error(n, DLA_ERR_FORMAT, "attribute size = %lld; LRN needs size >= 1",
                             (long long)ir_attr_int(n, "size", 0));
    set_like(n->out[0], x);
    return DLA_OK;
}

static dla_status infer_batchnorm(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    BASE_TRY(need_float(n, x));
    BASE_TRY(need_rank(n, x, 2));
    for (int i = 1; i < 5; i++)
        if (!n->in[i])
            return ir_node_error(n, DLA_ERR_FORMAT, "input %d (scale, B, mean, var) is missing", i);
    set_like(n->out[0], x);
    /* running mean/var (opset >= 14 training_mode) and, in opsets < 9, saved mean/var: one value per channel */
    const ir_tensor *mean = n->in[3];
    for (int j = 1; j < n->n_out; j++) {
        ir_tensor *o = n->out[j];
        if (!o)
            continue;
        o->dtype = mean->dtype != IR_UNDEFINED ? mean->dtype : x->dtype;
        if (x->rank >= 2)
            ir_tensor_set_shape(o, 1, &x->dims[1]);
    }
    return DLA_OK;
}

static dla_status infer_layernorm(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    BASE_TRY(need_float(n, x));
    set_like(n->out[0], x);
    int64_t stash = ir_attr_int(n, "stash_type", 1);
    ir_dtype sd = stash == IR_F64 ? IR_F64 : stash == IR_BF16 ? IR_BF16 : stash == IR_F16 ? IR_F16 : IR_F32;
    if (x->rank < 0) {
        for (int j = 1; j < n->n_out; j++)
            if (n->out[j])
                n->out[j]->dtype = sd;
        return DLA_OK;
    }
    int64_t axis = ir_attr_int(n, "axis", -1);
    if (axis < -x->rank || axis >= x->rank || x->rank == 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is out of range for rank %d", (long long)axis,
                             x->rank);
    if (axis < 0)
        axis += x->rank;
    int64_t dims[IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        dims[i] = i < axis ? x->dims[i] : 1;
    for (int j = 1; j < n->n_out; j++) {
        if (!n->out[j])
            continue;
        n->out[j]->dtype = sd;
        ir_tensor_set_shape(n->out[j], x->rank, dims);
    }
    return DLA_OK;
}

static dla_status pool_dtype_ok(const ir_node *n, const ir_tensor *x)
{
    if (n->op == IR_OP_MaxPool && (x->dtype == IR_U8 || x->dtype == IR_I8))
        return DLA_OK;
    return need_float(n, x);
}

static dla_status infer_pool(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    BASE_TRY(pool_dtype_ok(n, x));
    ir_tensor *y = n->out[0];
    ir_tensor *ind = n->n_out > 1 ? n->out[1] : NULL;
    y->dtype = x->dtype;
    if (ind)
        ind->dtype = IR_I64;
    if (x->rank < 0)
        return DLA_OK;
    ir_pool_geom g;
    BASE_TRY(ir_pool_geom_get(n, x, &g));
    if (n->op == IR_OP_LpPool && ir_attr_int(n, "p", 2) < 1)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "p = %lld; LpPool needs p >= 1",
                             (long long)ir_attr_int(n, "p", 2));
    int64_t dims[IR_MAX_RANK];
    dims[0] = x->dims[0];
    dims[1] = x->dims[1];
    for (int i = 0; i < g.nsp; i++)
        dims[i + 2] = g.out[i];
    ir_tensor_set_shape(y, x->rank, dims);
    if (ind)
        ir_tensor_set_shape(ind, x->rank, dims);
    return DLA_OK;
}

static dla_status infer_global_pool(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    BASE_TRY(need_float(n, x));
    BASE_TRY(need_rank(n, x, 3));
    ir_tensor *y = n->out[0];
    y->dtype = x->dtype;
    if (x->rank < 0)
        return DLA_OK;
    int64_t dims[IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        dims[i] = i < 2 ? x->dims[i] : 1;
    ir_tensor_set_shape(y, x->rank, dims);
    return DLA_OK;
}

const ir_infer_entry ir_infer_norm_pool[] = {
    {IR_OP_BatchNormalization, infer_batchnorm, 5, 5, 1, 5},
    {IR_OP_InstanceNormalization, infer_like_input, 3, 3, 1, 1},
    {IR_OP_LRN, infer_like_input, 1, 1, 1, 1},
    {IR_OP_LayerNormalization, infer_layernorm, 2, 3, 1, 3},
    {IR_OP_GroupNormalization, infer_like_input, 3, 3, 1, 1},
    {IR_OP_MeanVarianceNormalization, infer_like_input, 1, 1, 1, 1},
    {IR_OP_LpNormalization, infer_like_input, 1, 1, 1, 1},
    {IR_OP_MaxPool, infer_pool, 1, 1, 1, 2},
    {IR_OP_AveragePool, infer_pool, 1, 1, 1, 1},
    {IR_OP_GlobalAveragePool, infer_global_pool, 1, 1, 1, 1},
    {IR_OP_GlobalMaxPool, infer_global_pool, 1, 1, 1, 1},
    {IR_OP_LpPool, infer_pool, 1, 1, 1, 1},
    {IR_OP_GlobalLpPool, infer_global_pool, 1, 1, 1, 1},
    {-1, NULL, 0, 0, 0, 0},
};
