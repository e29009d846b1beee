/* The rewrite driver: pass families to a fixed point, re-sorting and re-inferring after every change. */
#include "compiler/cc.h"

#define CC_MAX_ROUNDS 8

static const cc_pass *const families[] = {cc_passes_lower, cc_passes_recon};

static dla_status refresh(ir_graph *g)
{
    ir_graph_compact(g);
    BASE_TRY(ir_graph_toposort(g));
    for (int i = 0; i < g->n_nodes; i++)
        if (ir_infer_lookup(g->nodes[i]->op))
            BASE_TRY(ir_infer_node(g->nodes[i]));
    return DLA_OK;
}

dla_status cc_rewrite(ir_graph *g, int *n_changed)
{
    int total = 0;
    BASE_TRY(refresh(g));
    for (int round = 0; round < CC_MAX_ROUNDS; round++) {
        int round_changes = 0;
        for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
            for (const cc_pass *p = families[f]; p->name; p++) {
                int changed = 0;
                BASE_TRY(p->fn(g, &changed));
                if (changed) {
                    base_log(DLA_LOG_INFO, "rewrite %s: %d change(s)", p->name, changed);
                    BASE_TRY(refresh(g));
                    round_changes += changed;
                }
            }
        total += round_changes;
        if (!round_changes)
            break;
    }
    if (n_changed)
        *n_changed = total;
    return DLA_OK;
}
