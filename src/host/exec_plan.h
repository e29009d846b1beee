/* Private to the host executor: the fusion and layout plan made once at host_exec_create.
 *
 * Fusion: a Conv whose output's single consumer is a Relu / Clip (constant bounds), whose output's two
 * readers are Sigmoid(y) and Mul(y, Sigmoid(y)) (SiLU / swish), or whose single consumer is an Add whose other
 * operand is ready before the Conv runs (optionally followed by a Relu / Clip), runs as one oneDNN primitive
 * with post-ops (sum, eltwise). The fused nodes are skipped when their turn comes; the Conv's own output and the
 * Add's output never get buffers: the chain writes straight into the last fused node's output (`final`). For
 * an Add the addend is copied into that buffer first, or the buffer is taken over from the addend when the Add
 * is the addend's last reader and nothing between the Conv and the Add reads it (in place).
 *
 * Layout: a chain's final tensor (rank 4, static shape, float32) whose every reader is a Conv's data input or a
 * fused Add's addend is kept channels-last (NHWC) between the Conv that writes it and those that read it:
 * the convolutions then need no activation reorders. A 2-D MaxPool between such tensors runs channels-last
 * too (in and out), and a GlobalAveragePool reads one (its N x C x 1 x 1 output is the same either way). Such
 * tensors are never graph outputs and nothing else sees their buffers. */
#ifndef DLA_HOST_EXEC_PLAN_H
#define DLA_HOST_EXEC_PLAN_H

#include "host/host.h"

typedef struct host_fuse {
    int fused_into;  /* for a fused Add / Relu / Clip: the Conv node that runs it; -1 otherwise */
    int add, act;    /* for a Conv: the fused Add and activation node indices, -1 when none */
    int act2;        /* K_ACT_SWISH: the Sigmoid node (act is the Mul of the Conv's output and it), else -1 */
    int other;       /* the Add's input slot (0 or 1) holding the addend */
    int inplace;     /* the addend's buffer may become the chain's output (if the executor owns it) */
    int act_kind;    /* K_ACT_* */
    float lo, hi;    /* K_ACT_CLIP bounds */
    ir_tensor *final; /* the chain's output (the Conv's own output when nothing is fused) */
    int nhwc_op;     /* a MaxPool (channels-last in and out) or GlobalAveragePool (channels-last in) */
} host_fuse;

/* Fills plan (one entry per node of g, toposorted) and nhwc (one flag per tensor). last_use: per tensor the
 * index of its last reader, -1 if none. fuse == 0 or nhwc_ok == 0 turn the parts off. */
void host_plan_make(const ir_graph *g, const int *last_use, int fuse, int nhwc_ok, host_fuse *plan,
                    unsigned char *nhwc);
/* The nodes fused into Conv c's chain, in graph order (at most 3); returns the count. */
int host_plan_chain(const host_fuse *plan, int c, int *nodes);

#endif
