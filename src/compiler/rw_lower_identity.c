/* remove-identity: Identity, inference-mode Dropout, shape ops and Pads that do not change the shape, chains of
 * shape ops (one Reshape to the last shape stays);
 * shape-to-reshape: Flatten/Squeeze/Unsqueeze with a static output shape become a Reshape with a constant shape
 * (the DLA runs Reshape as a Shuffle; it has no Flatten/Squeeze/Unsqueeze).
 *
 * The layout-dependent removal (a Flatten between a [N,K,1,1] tensor and a Gemm/MatMul) happens in gemm-to-conv,
 * together with the Gemm. */
#include "compiler/rw_lower.h"

#include <stdio.h>

static int is_shape_op(ir_op op)
{
    return op == IR_OP_Reshape || op == IR_OP_Flatten || op == IR_OP_Squeeze || op == IR_OP_Unsqueeze;
}

/* 1 if t's shape is known and every dim is positive (a Reshape to it needs no 0/-1 rules). */
static int static_shape(const ir_tensor *t)
{
    if (!lw_known(t))
        return 0;
    for (int i = 0; i < t->rank; i++)
        if (t->dims[i] <= 0)
            return 0;
    return 1;
}

static int same_shape(const ir_tensor *a, const ir_tensor *b)
{
    if (!lw_known(a) || !lw_known(b) || a->rank != b->rank)
        return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return 0;
    return 1;
}

/* Dropout is the identity at inference unless training_mode (opset 12+ input 2) is set; its mask must be unused. */
static int dropout_is_identity(const ir_graph *g, const ir_node *n)
{
    if (n->n_out > 1 && n->out[1] && ((n->out[1]->flags & IR_T_OUTPUT) || lw_uses(g, n->out[1])))
        return 0;
    if (n->n_in > 2 && n->in[2]) {
        if (!lw_is_const(n->in[2]) || ir_tensor_numel(n->in[2]) != 1)
            return 0;
        if (ir_get_i64(n->in[2]->dtype, n->in[2]->data, 0) != 0)
            return 0;
    }
    return 1;
}

/* A Pad whose pads are all zero (a shape-preserving Pad with a negative and a positive pad shifts data). */
static int pad_is_noop(const ir_node *n)
{
    int64_t pads[2 * IR_MAX_RANK];
    int count = 0;
    if (n->opset < 11) {
        const int64_t *a = ir_attr_ints(n, "pads", &count);
        for (int i = 0; a && i < count && i < 2 * IR_MAX_RANK; i++)
            pads[i] = a[i];
    } else {
        count = ir_input_ints(n, 1, pads, 2 * IR_MAX_RANK);
    }
    if (count <= 0 || count > 2 * IR_MAX_RANK)
        return 0;
    for (int i = 0; i < count; i++)
        if (pads[i] != 0)
            return 0;
    return 1;
}

/* Turns shape op n into Reshape(x, constant shape of its output). */
static dla_status make_reshape(ir_graph *g, ir_node *n, ir_tensor *x)
{
    ir_tensor *shape;
    char base[256];
    const ir_tensor *y = n->out[0];
    snprintf(base, sizeof base, "%.200s/shape", n->name);
    BASE_TRY(lw_const_i64(g, base, y->rank, y->dims, &shape));
    BASE_TRY(lw_set_n_in(g, n, 2));
    n->in[0] = x;
    n->in[1] = shape;
    n->n_in = 2;
    lw_retype(n, IR_OP_Reshape);
    lw_attr_drop(n, "axis");
    lw_attr_drop(n, "axes");
    lw_attr_drop(n, "allowzero");
    lw_attr_drop(n, "shape");
    if (n->opset < 5)
        n->opset = 13;
    return DLA_OK;
}

dla_status lw_pass_remove_identity(ir_graph *g, int *n_changed)
{
    int changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || n->n_in < 1 || !n->in[0] || !n->out[0])
            continue;
        int pass_through = n->op == IR_OP_Identity || (n->op == IR_OP_Dropout && dropout_is_identity(g, n)) ||
                           (is_shape_op(n->op) && same_shape(n->in[0], n->out[0])) ||
                           (n->op == IR_OP_Pad && pad_is_noop(n)) ||
                           (n->op == IR_OP_Concat && n->n_in == 1); /* DenseNet's one-input Concat */
        if (pass_through) {
            if (lw_forward(g, n->in[0], n->out[0])) {
                lw_remove(g, n);
                changed++;
            }
            continue;
        }
        /* a chain of shape ops: the last one reshapes the chain's input directly */
        if (!is_shape_op(n->op) || !static_shape(n->out[0]))
            continue;
        ir_node *p = lw_producer(g, n->in[0]);
        if (!p || !is_shape_op(p->op) || !lw_only_feeds(g, p->out[0], n) || !p->in[0])
            continue;
        BASE_TRY(make_reshape(g, n, p->in[0]));
        lw_remove(g, p);
        changed++;
    }
    *n_changed = changed;
    return DLA_OK;
}

dla_status lw_pass_shape_to_reshape(ir_graph *g, int *n_changed)
{
    int changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || (n->op != IR_OP_Flatten && n->op != IR_OP_Squeeze && n->op != IR_OP_Unsqueeze))
            continue;
        if (!n->in[0] || !lw_known(n->in[0]) || !n->out[0] || !static_shape(n->out[0]))
            continue;
        BASE_TRY(make_reshape(g, n, n->in[0]));
        changed++;
    }
    *n_changed = changed;
    return DLA_OK;
}
