/* Convolution geometry (Conv, ConvTranspose): group, kernel, strides, dilations, the begin/end pads after
 * auto_pad / output_shape are resolved, and the output spatial shape. Shared by shape inference and the host
 * executor so both agree on every rule. Private to the ir and host layers. */
#ifndef DLA_IR_CONV_GEOM_H
#define DLA_IR_CONV_GEOM_H

#include "ir/ir.h"

#define IR_CONV_MAX_SPATIAL (IR_MAX_RANK - 2)

typedef struct ir_conv_geom {
    int nsp;                              /* spatial dims: input rank - 2 */
    int64_t group;
    int64_t c_in, c_out;                  /* channels (c_in -1 when X's channel dim is unknown) */
    int64_t in[IR_CONV_MAX_SPATIAL];      /* input spatial dims (-1: unknown) */
    int64_t out[IR_CONV_MAX_SPATIAL];     /* output spatial dims (-1: unknown) */
    int64_t k[IR_CONV_MAX_SPATIAL];       /* kernel */
    int64_t s[IR_CONV_MAX_SPATIAL];       /* strides */
    int64_t d[IR_CONV_MAX_SPATIAL];       /* dilations (1 = dense) */
    int64_t pb[IR_CONV_MAX_SPATIAL];      /* pads at the beginning of each axis */
    int64_t pe[IR_CONV_MAX_SPATIAL];      /* pads at the end (ConvTranspose: output_padding subtracted, so
                                             out = (in-1)*s + d*(k-1) + 1 - pb - pe; may be negative) */
} ir_conv_geom;

/* Reads n's attributes for X = n->in[0] and W = n->in[1] (ranks known; W's dims known) and fills g; transposed
 * selects ConvTranspose rules. Errors name the node, the rule, the limit and the value. Unknown input spatial
 * dims give unknown output dims. */
dla_status ir_conv_geom_get(const ir_node *n, int transposed, ir_conv_geom *g);

#endif
