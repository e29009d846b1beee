/* Host FP32 executor: norm_pool family (see host.h, host_op_entry). The kernels are in op_norm.c and
 * op_pool.c; this file has the table and the float32 staging helpers (norm_pool.h). */
#include "host/norm_pool.h"

#include <stdlib.h>

dla_status np_f32_in(const ir_node *n, const ir_tensor *t, np_f32 *v)
{
    v->p = NULL;
    v->owned = 0;
    if (!t)
        return DLA_OK;
    if (!t->data)
        return ir_node_error(n, DLA_ERR_INTERNAL, "input '%s' has no data", t->name);
    if (t->dtype == IR_F32) {
        v->p = t->data;
        return DLA_OK;
    }
    if (!ir_dtype_is_float(t->dtype))
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "input '%s' is %s; float types only", t->name,
                             ir_dtype_name(t->dtype));
    int64_t cnt = ir_tensor_numel(t);
    v->p = malloc(sizeof(float) * (size_t)(cnt > 0 ? cnt : 1));
    if (!v->p)
        return ir_node_error(n, DLA_ERR_NOMEM, "cannot stage %lld elements of '%s' as float32", (long long)cnt,
                             t->name);
    v->owned = 1;
    for (int64_t i = 0; i < cnt; i++)
        v->p[i] = (float)ir_get_f64(t->dtype, t->data, (size_t)i);
    return DLA_OK;
}

dla_status np_f32_out(const ir_node *n, ir_tensor *t, np_f32 *v)
{
    v->p = NULL;
    v->owned = 0;
    if (!t)
        return DLA_OK;
    if (t->dtype == IR_F32) {
        v->p = t->data;
        return DLA_OK;
    }
    if (!ir_dtype_is_float(t->dtype))
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "output '%s' is %s; float types only", t->name,
                             ir_dtype_name(t->dtype));
    int64_t cnt = ir_tensor_numel(t);
    v->p = malloc(sizeof(float) * (size_t)(cnt > 0 ? cnt : 1));
    if (!v->p)
        return ir_node_error(n, DLA_ERR_NOMEM, "cannot stage %lld elements of '%s' as float32", (long long)cnt,
                             t->name);
    v->owned = 1;
    return DLA_OK;
}

void np_f32_commit(ir_tensor *t, np_f32 *v)
{
    if (t && v->owned) {
        int64_t cnt = ir_tensor_numel(t);
        for (int64_t i = 0; i < cnt; i++)
            ir_set_f64(t->dtype, t->data, (size_t)i, v->p[i]);
    }
    np_f32_free(v);
}

void np_f32_free(np_f32 *v)
{
    if (v->owned)
        free(v->p);
    v->p = NULL;
    v->owned = 0;
}

const host_op_entry host_ops_norm_pool[] = {
    {IR_OP_BatchNormalization, host_batchnorm},
    {IR_OP_InstanceNormalization, host_instancenorm},
    {IR_OP_LRN, host_lrn},
    {IR_OP_LayerNormalization, host_layernorm},
    {IR_OP_GroupNormalization, host_groupnorm},
    {IR_OP_MeanVarianceNormalization, host_mvn},
    {IR_OP_LpNormalization, host_lpnorm},
    {IR_OP_MaxPool, host_maxpool},
    {IR_OP_AveragePool, host_avgpool},
    {IR_OP_GlobalAveragePool, host_global_pool},
    {IR_OP_GlobalMaxPool, host_global_pool},
    {IR_OP_LpPool, host_lppool},
    {IR_OP_GlobalLpPool, host_global_pool},
    {-1, NULL},
};
