/* qdq-to-scales: explicit quantization (QAT / Q/DQ models) becomes DLA-style per-tensor INT8 scales, the way
 * TensorRT collapses Q/DQ pairs "to INT8 scaling factors, switching from explicit to implicit quantization".
 *
 *   activations: x -> QuantizeLinear(s, zp = 0 int8) -> DequantizeLinear(s, 0)  ->  x, with x.quant_scale = s
 *                (per-tensor scale only; both nodes agree on s; the Q goes when no other DQ reads it)
 *   weights:     DequantizeLinear of a constant (or of a QuantizeLinear of a constant) -> the float constant it
 *                computes (folded by the host executor, so bit-exact); a per-tensor scale is recorded on it.
 *
 * The weight rewrite keeps the FP32 function exactly. The activation rewrite removes the fake-quantization
 * itself, so the FP32 output moves by up to s/2 per quantized tensor (and by clipping outside [-128 s, 127 s]):
 * that is the point — the INT8 engine re-applies s. Per-channel weight scales are not recorded (TODO: keep them
 * for the INT8 weight quantizer; today it re-derives them from the float weights). uint8 / non-zero zero
 * points and blocked quantization (opset 21 block_size) are left alone. */
#include "compiler/rw_lower.h"

static int all_inputs_const(const ir_node *n)
{
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && !lw_is_const(n->in[i]))
            return 0;
    return n->n_in > 0;
}

/* Per-tensor float scale of a Q/DQ node (scalar input 1), or 0. */
static double tensor_scale(const ir_node *n)
{
    double s;
    if (n->n_in < 2 || !lw_scalar(n->in[1], &s) || !(s > 0) || ir_attr_int(n, "block_size", 0) != 0)
        return 0;
    return s;
}

/* 1 if the node's zero point is a present int8 zero (scalar). */
static int int8_zero(const ir_node *n)
{
    const ir_tensor *z = n->n_in > 2 ? n->in[2] : NULL;
    return z && lw_is_const(z) && z->dtype == IR_I8 && ir_tensor_numel(z) == 1 &&
           ir_get_i64(z->dtype, z->data, 0) == 0;
}

/* Weights: a DQ of a constant, or of a Q of a constant; *done counts the nodes folded. */
static dla_status try_weights(ir_graph *g, host_ctx *ctx, ir_node *dq, int *done)
{
    *done = 0;
    if (dq->out[0] && (dq->out[0]->flags & IR_T_OUTPUT))
        return DLA_OK;
    ir_node *q = lw_producer(g, dq->in[0]);
    if (q && q->op == IR_OP_QuantizeLinear && all_inputs_const(q)) {
        BASE_TRY(lw_fold(g, ctx, q));
        *done = 1;
    }
    if (!all_inputs_const(dq))
        return DLA_OK;
    double s = tensor_scale(dq);
    BASE_TRY(lw_fold(g, ctx, dq));
    dq->out[0]->quant_scale = (float)s;
    *done += 1;
    return DLA_OK;
}

/* Activations: Q -> DQ with equal per-tensor scales and int8 zero points 0. 1 if removed. */
static int try_activation(ir_graph *g, ir_node *dq)
{
    ir_node *q = lw_producer(g, dq->in[0]);
    if (!q || q->op != IR_OP_QuantizeLinear || !q->in[0] || lw_is_const(q->in[0]) || !dq->out[0])
        return 0;
    double s = tensor_scale(q);
    if (s == 0 || tensor_scale(dq) != s || !int8_zero(q) || !int8_zero(dq))
        return 0;
    ir_tensor *x = q->in[0], *y = dq->out[0];
    if (!lw_forward(g, x, y))
        return 0;
    ir_tensor *carrier = (y->flags & IR_T_OUTPUT) ? y : x;
    carrier->quant_scale = (float)s;
    lw_remove(g, dq);
    if (!lw_uses(g, q->out[0]) && !(q->out[0]->flags & IR_T_OUTPUT))
        lw_remove(g, q);
    return 1;
}

dla_status lw_pass_qdq_to_scales(ir_graph *g, int *n_changed)
{
    int changed = 0;
    host_ctx ctx;
    int have_ctx = 0;
    dla_status st = DLA_OK;
    for (int i = 0; i < g->n_nodes && st == DLA_OK; i++) {
        ir_node *n = g->nodes[i];
        if (!n || n->op != IR_OP_DequantizeLinear || n->n_in < 2 || !n->in[0])
            continue;
        if (try_activation(g, n)) {
            changed++;
            continue;
        }
        if (!have_ctx) {
            st = host_ctx_init(&ctx, 1);
            if (st != DLA_OK)
                break;
            have_ctx = 1;
        }
        int done;
        st = try_weights(g, &ctx, n, &done);
        changed += done;
    }
    if (have_ctx)
        host_ctx_release(&ctx);
    *n_changed = changed;
    return st;
}
