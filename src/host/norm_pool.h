/* Private to the host norm_pool family: exec functions (op_norm.c, op_pool.c) and the float32 staging helpers
 * that let every normalization run one float32 kernel for float16/bfloat16/double tensors too. */
#ifndef DLA_HOST_NORM_POOL_H
#define DLA_HOST_NORM_POOL_H

#include "host/host.h"

/* A float32 view of a tensor: the tensor's own buffer when it is float32, else a malloc'd converted copy. */
typedef struct np_f32 {
    float *p;
    int owned;
} np_f32;

/* Input view (converted when the tensor is not float32). t may be NULL (view is NULL, DLA_OK). */
dla_status np_f32_in(const ir_node *n, const ir_tensor *t, np_f32 *v);
/* Output view: writes go to t->data when float32, else to a scratch buffer that np_f32_commit converts. */
dla_status np_f32_out(const ir_node *n, ir_tensor *t, np_f32 *v);
/* Converts an output view back into t (if needed) and frees scratch; NULL t only frees. */
void np_f32_commit(ir_tensor *t, np_f32 *v);
void np_f32_free(np_f32 *v);

/* op_norm.c */
dla_status host_batchnorm(host_ctx *ctx, ir_node *n);
dla_status host_instancenorm(host_ctx *ctx, ir_node *n);
dla_status host_lrn(host_ctx *ctx, ir_node *n);
dla_status host_layernorm(host_ctx *ctx, ir_node *n);
dla_status host_groupnorm(host_ctx *ctx, ir_node *n);
dla_status host_mvn(host_ctx *ctx, ir_node *n);
dla_status host_lpnorm(host_ctx *ctx, ir_node *n);

/* op_pool.c */
dla_status host_maxpool(host_ctx *ctx, ir_node *n);
dla_status host_avgpool(host_ctx *ctx, ir_node *n);
dla_status host_lppool(host_ctx *ctx, ir_node *n);
dla_status host_global_pool(host_ctx *ctx, ir_node *n);

#endif
