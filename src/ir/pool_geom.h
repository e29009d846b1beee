/* Pooling window geometry (MaxPool, AveragePool, LpPool): kernel, strides, dilations, the begin/end pads after
 * auto_pad is resolved, and the output spatial shape. Shared by shape inference and the host executor so both
 * agree on every rule (ceil_mode, SAME_UPPER/SAME_LOWER, VALID). Private to the ir and host layers. */
#ifndef DLA_IR_POOL_GEOM_H
#define DLA_IR_POOL_GEOM_H

#include "ir/ir.h"

#define IR_POOL_MAX_SPATIAL (IR_MAX_RANK - 2)

typedef struct ir_pool_geom {
    int nsp;                           /* spatial dims: input rank - 2 */
    int64_t in[IR_POOL_MAX_SPATIAL];   /* input spatial dims (-1: unknown) */
    int64_t out[IR_POOL_MAX_SPATIAL];  /* output spatial dims (-1: unknown) */
    int64_t k[IR_POOL_MAX_SPATIAL];    /* kernel */
    int64_t s[IR_POOL_MAX_SPATIAL];    /* strides */
    int64_t d[IR_POOL_MAX_SPATIAL];    /* dilations */
    int64_t pb[IR_POOL_MAX_SPATIAL];   /* pads at the beginning of each axis */
    int64_t pe[IR_POOL_MAX_SPATIAL];   /* pads at the end */
} ir_pool_geom;

/* Reads n's pooling attributes for input x (rank >= 3 known) and fills g. Errors name the node, the attribute,
 * the limit and the value. Unknown input dims give unknown output dims. */
dla_status ir_pool_geom_get(const ir_node *n, const ir_tensor *x, ir_pool_geom *g);

#endif
