/* Reconstructions of DLA-SW's op_reconstruction recipes (see cc.h): each pass rewrites one op the DLA cannot run
 * into ops it can (Mul, Sub, Add, Clip, Abs, Conv, ConvTranspose, Concat, Transpose, Reshape), keeping the FP32
 * function exactly. This file holds the pass table and the Neg pass; the others live in rw_recon_*.c. */
#include "compiler/rw_recon.h"

#include <stdio.h>

/* Neg(x) -> Mul(x, [-1]) for floating x (float32/float16): exact. Integer Neg stays (the DLA has no integer
 * arithmetic path for it). */
dla_status cc_recon_neg(ir_graph *g, int *n_changed)
{
    *n_changed = 0;
    const int n_nodes = g->n_nodes;
    for (int i = 0; i < n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || n->op != IR_OP_Neg || n->n_in < 1 || !n->in[0] || !n->out[0])
            continue;
        ir_tensor *x = n->in[0];
        if (x->dtype != IR_F32 && x->dtype != IR_F16)
            continue;
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

const cc_pass cc_passes_recon[] = {
    {"recon-neg", cc_recon_neg},
    {"recon-depth-to-space", cc_recon_depth_to_space},
    {"recon-space-to-depth", cc_recon_space_to_depth},
    {"recon-gather", cc_recon_gather},
    {"recon-scatter-elements", cc_recon_scatter_elements},
    {"recon-where", cc_recon_where},
    {"recon-logic", cc_recon_logic},
    {NULL, NULL},
};
