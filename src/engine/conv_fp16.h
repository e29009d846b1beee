/* Engine CONV, FP16 fast path (conv_fp16.c): bit-identical to conv.c's reference loops (conv_kernel_fp). */
#ifndef DLA_ENGINE_CONV_FP16_H
#define DLA_ENGINE_CONV_FP16_H

#include "engine/format.h"

/* One FP16 convolution, already validated by conv.c: padded input Hp x Wp, output [K][OH][OW]. */
typedef struct eng_fp16_conv {
    int index; /* the op's index, for messages */
    int C, H, W, K, R, S, G, Hp, Wp, OH, OW, sx, sy, dx, dy, pt, pl;
    uint16_t pad_val; /* FP16 bits */
} eng_fp16_conv;

/* Computes every output into out ([K][OH][OW] floats) and sets *done = 1, or declines (*done = 0, nothing
 * written, no statistics touched) when a NaN is among the input, the weights or pad_val: the reference loops then
 * run (they count the NaNs and propagate them with the reference's own NaN sign rules). src is read through g;
 * wp is the [K][C/G][R][S] FP16 weight array. DLA_ENGINE_FP16_GENERIC=1 forces the portable kernel. */
dla_status eng_conv_fp16_fast(const eng_fp16_conv *d, const eng_geom *g, const uint8_t *src, const uint8_t *wp,
                              float *out, int *done);

#endif
