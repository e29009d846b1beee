/* Private to the host's reduce family: exec functions defined in op_softmax.c and op_select.c and listed in
 * op_reduce.c's table. */
#ifndef DLA_HOST_OP_REDUCE_H
#define DLA_HOST_OP_REDUCE_H

#include "host/host.h"

/* Elements below which a loop stays on one thread. */
#define HOST_REDUCE_PAR_MIN 32768

dla_status host_softmax(host_ctx *ctx, ir_node *n);     /* Softmax, LogSoftmax, Hardmax */
dla_status host_argminmax(host_ctx *ctx, ir_node *n);   /* ArgMax, ArgMin */
dla_status host_topk(host_ctx *ctx, ir_node *n);
dla_status host_nms(host_ctx *ctx, ir_node *n);
dla_status host_nonzero(host_ctx *ctx, ir_node *n);
dla_status host_cumsum(host_ctx *ctx, ir_node *n);

#endif
