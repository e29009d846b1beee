/* Reconstructions of DLA-SW's op_reconstruction recipes (see cc.h): each pass rewrites one op the DLA cannot run
 * into ops it can (Mul, Sub, Add, Clip, Abs, Conv, ConvTranspose, Concat, Transpose, Reshape), keeping the FP32
 * function exactly (for finite inputs: a 0/1-weight conv turns 0 * inf into NaN). This file holds the pass table,
 * the Neg pass and cc_recon_applies(); the others live in rw_recon_space.c (DepthToSpace, SpaceToDepth),
 * rw_recon_index.c (Gather, ScatterElements), rw_recon_where.c, rw_recon_logic.c (Not, And, Or, Xor) and
 * rw_recon_shuffle.c (channel shuffle: a channel-permuting Reshape -> Transpose -> Reshape chain, as a Gather on C). */
#include "compiler/rw_recon.h"

#include <stdio.h>

/* Neg(x) -> Mul(x, [-1]) for floating x (float32/float16): exact. Integer Neg stays (the DLA has no integer
 * arithmetic path for it). */
int rc_neg_applies(const ir_node *n, char *reason, size_t size)
{
    if (n->n_in < 1 || !n->in[0] || !n->out[0])
        return cc_fail(reason, size, "it has no input");
    const ir_tensor *x = n->in[0];
    if (x->dtype != IR_F32 && x->dtype != IR_F16)
        return cc_fail(reason, size, "input is %s; the rewrite into Mul by -1 needs float32 or float16",
                       ir_dtype_name(x->dtype));
    return 1;
}

dla_status cc_recon_neg(ir_graph *g, int *n_changed)
{
    *n_changed = 0;
    const int n_nodes = g->n_nodes;
    for (int i = 0; i < n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || n->op != IR_OP_Neg || !rc_neg_applies(n, NULL, 0))
            continue;
        ir_tensor *x = n->in[0];
        const int64_t one = 1;
        ir_tensor *k;
        char base[256];
        snprintf(base, sizeof base, "%.230s/minus_one", n->name);
        BASE_TRY(rc_const(g, base, x->dtype, 1, &one, &k));
        ir_set_f64(x->dtype, k->data, 0, -1.0);
        ir_node *m;
        rc_drop_node(g, n); /* first, so the Mul can take the original name */
        BASE_TRY(rc_node(g, IR_OP_Mul, n->name, 2, 1, 0, &m));
        m->in[0] = x;
        m->in[1] = k;
        m->out[0] = n->out[0];
        ++*n_changed;
    }
    return DLA_OK;
}

int cc_recon_applies(const ir_node *n, char *reason, size_t size)
{
    switch (n->op) {
    case IR_OP_Neg:
        return rc_neg_applies(n, reason, size);
    case IR_OP_Not:
    case IR_OP_And:
    case IR_OP_Or:
    case IR_OP_Xor:
        return rc_logic_applies(n, reason, size);
    case IR_OP_DepthToSpace:
    case IR_OP_SpaceToDepth:
        return rc_space_applies(n, reason, size);
    case IR_OP_Gather:
        return rc_gather_applies(n, reason, size);
    case IR_OP_ScatterElements:
    case IR_OP_Scatter:
        return rc_scatter_applies(n, reason, size);
    case IR_OP_Where:
        return rc_where_applies(n, reason, size);
    default:
        return 1;
    }
}

const cc_pass cc_passes_recon[] = {
    {"recon-neg", cc_recon_neg},
    {"recon-depth-to-space", cc_recon_depth_to_space},
    {"recon-space-to-depth", cc_recon_space_to_depth},
    {"recon-gather", cc_recon_gather},
    {"recon-scatter-elements", cc_recon_scatter_elements},
    {"recon-where", cc_recon_where},
    {"recon-logic", cc_recon_logic},
    {"recon-channel-shuffle", cc_recon_channel_shuffle},
    {NULL, NULL},
};
