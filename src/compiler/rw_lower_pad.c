/* fold-pad: an explicit zero Pad in front of a Conv (or an AveragePool that counts padding, count_include_pad =
 * 1) becomes the consumer's own padding, as TF exports write it (Pad -> Conv with pads 0). Conditions: mode
 * "constant" with value 0, constant non-negative pads on the spatial axes only (none on N, C), no `axes` input
 * (opset 18), the Pad's output feeds only that consumer, and the consumer has no auto_pad. Whether the sum is
 * within the DLA's padding limits is the rule checker's call. MaxPool is left alone (its padding is -inf). */
#include "compiler/rw_lower.h"

#include <string.h>

/* The pads of Pad node p as [begin..., end...] for its input rank; 0 if p is not a zero constant pad. */
static int zero_pad(const ir_node *p, int64_t *pads)
{
    const ir_tensor *x = p->in[0];
    if (!x || !lw_known(x) || strcmp(ir_attr_str(p, "mode", "constant"), "constant") != 0)
        return 0;
    int count;
    if (p->opset < 11) {
        const int64_t *a = ir_attr_ints(p, "pads", &count);
        if (!a || count != 2 * x->rank || ir_attr_float(p, "value", 0.0f) != 0.0f)
            return 0;
        memcpy(pads, a, sizeof(int64_t) * (size_t)count);
    } else {
        if (p->n_in > 3 && p->in[3])
            return 0;
        count = ir_input_ints(p, 1, pads, 2 * IR_MAX_RANK);
        if (count != 2 * x->rank)
            return 0;
        double v;
        if (p->n_in > 2 && p->in[2] && ir_tensor_numel(p->in[2]) != 0 &&
            (!lw_is_const(p->in[2]) || ir_tensor_numel(p->in[2]) != 1 ||
             (v = lw_get(p->in[2], 0), v != 0)))
            return 0;
    }
    for (int i = 0; i < count; i++)
        if (pads[i] < 0 || (pads[i] > 0 && i % x->rank < 2))
            return 0;
    return 1;
}

static int takes_pads(const ir_node *c)
{
    const char *ap = ir_attr_str(c, "auto_pad", "NOTSET");
    if (strcmp(ap, "NOTSET") != 0)
        return 0;
    if (c->op == IR_OP_Conv)
        return 1;
    return c->op == IR_OP_AveragePool && ir_attr_int(c, "count_include_pad", 0) == 1;
}

dla_status lw_pass_fold_pad(ir_graph *g, int *n_changed)
{
    int changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *p = g->nodes[i];
        int64_t pads[2 * IR_MAX_RANK];
        if (!p || p->op != IR_OP_Pad || !p->out[0] || !zero_pad(p, pads))
            continue;
        ir_node *c = cc_single_consumer(g, p->out[0]);
        int rank = p->in[0]->rank, nsp = rank - 2;
        if (!c || c->in[0] != p->out[0] || !lw_only_feeds(g, p->out[0], c) || !takes_pads(c) || nsp < 1)
            continue;
        int k;
        const int64_t *old = ir_attr_ints(c, "pads", &k);
        if (old && k != 2 * nsp)
            continue;
        int64_t np[2 * IR_MAX_RANK];
        for (int a = 0; a < nsp; a++) {
            np[a] = (old ? old[a] : 0) + pads[2 + a];
            np[nsp + a] = (old ? old[nsp + a] : 0) + pads[rank + 2 + a];
        }
        BASE_TRY(lw_attr_ints(g, c, "pads", 2 * nsp, np));
        c->in[0] = p->in[0];
        lw_remove(g, p);
        changed++;
    }
    *n_changed = changed;
    return DLA_OK;
}
