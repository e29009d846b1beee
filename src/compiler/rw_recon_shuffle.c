/* Channel shuffle -> one 1x1 Conv with a permutation weight.
 *
 * ShuffleNet's channel shuffle is Reshape (N,C,H,W) -> (N,g,C/g,H,W), Transpose (0,2,1,3,4), Reshape back to
 * (N,C,H,W): 5-D tensors the DLA cannot hold, but together only a permutation of the channels, i.e. a Gather with
 * constant indices on C, which DLA-SW reconstructs as a one-hot 1x1 Conv. The pass accepts any Reshape ->
 * Transpose -> Reshape chain from a 4-D float32 activation back to its own shape whose net effect is a channel
 * permutation: it follows every element through the chain and requires (n, h, w) kept and one source channel per
 * output channel. Exact for finite inputs. The Conv takes the Transpose's name and writes the last Reshape's output;
 * the intermediate tensors must have no other consumer. */
#include "compiler/rw_recon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RC_MAX_SHUFFLE_C 2048         /* the weight is C*C floats */
#define RC_MAX_SHUFFLE_NUMEL (1 << 24) /* elements followed through the chain */

/* The chain's source channel of every output channel in src[0..C), or 0 when the chain does more than permute
 * channels. x: the 4-D input; t1: the first Reshape's output; t2: the Transpose's (perm) output. */
static int channel_permutation(const ir_tensor *x, const ir_tensor *t1, const int64_t *perm, const ir_tensor *t2,
                               int64_t *src)
{
    const int64_t *d = x->dims, c_n = d[1];
    const int r = t1->rank;
    for (int64_t c = 0; c < c_n; c++)
        src[c] = -1;
    for (int64_t e = 0, numel = ir_tensor_numel(x); e < numel; e++) {
        int64_t i[IR_MAX_RANK], j[IR_MAX_RANK], rest = e;
        for (int k = r - 1; k >= 0; k--) { /* e as an index of t2 (the last Reshape keeps flat order) */
            i[k] = rest % t2->dims[k];
            rest /= t2->dims[k];
        }
        for (int k = 0; k < r; k++)
            j[perm[k]] = i[k];
        int64_t s = 0;
        for (int k = 0; k < r; k++)
            s = s * t1->dims[k] + j[k];
        /* output (n, c, h, w) = e over x's dims; source s the same way: n, h, w must match */
        int64_t hw = d[2] * d[3], chw = c_n * hw;
        if (s / chw != e / chw || s % hw != e % hw)
            return 0;
        int64_t c_out = (e / hw) % c_n, c_in = (s / hw) % c_n;
        if (src[c_out] == -1)
            src[c_out] = c_in;
        else if (src[c_out] != c_in)
            return 0;
    }
    return 1;
}

/* The Reshape -> Transpose -> Reshape chain ending at r2, or 0. */
static int find_chain(const ir_graph *g, const ir_node *r2, ir_node **tr, ir_node **r1)
{
    if (r2->op != IR_OP_Reshape || r2->n_in < 1 || !r2->in[0] || !r2->out[0])
        return 0;
    *tr = r2->in[0]->producer;
    if (!*tr || (*tr)->op != IR_OP_Transpose || cc_single_consumer(g, r2->in[0]) != r2 || !(*tr)->in[0])
        return 0;
    *r1 = (*tr)->in[0]->producer;
    if (!*r1 || (*r1)->op != IR_OP_Reshape || cc_single_consumer(g, (*tr)->in[0]) != *tr || !(*r1)->in[0])
        return 0;
    const ir_tensor *x = (*r1)->in[0], *o = r2->out[0], *t1 = (*tr)->in[0], *t2 = r2->in[0];
    if (x->dtype != IR_F32 || cc_is_const(x) || !rc_shape_is(x, 4) || !rc_shape_is(o, 4) || t1->rank < 1 ||
        t2->rank != t1->rank || !ir_tensor_shape_known(t1) || !ir_tensor_shape_known(t2))
        return 0;
    if (memcmp(x->dims, o->dims, sizeof(int64_t) * 4) != 0 || x->dims[1] > RC_MAX_SHUFFLE_C ||
        ir_tensor_numel(x) > RC_MAX_SHUFFLE_NUMEL)
        return 0;
    return 1;
}

/* Transpose's permutation (default: reversed axes) into perm; 0 if malformed. */
static int transpose_perm(const ir_node *tr, int rank, int64_t *perm)
{
    int n = 0;
    const int64_t *p = ir_attr_ints(tr, "perm", &n);
    if (!p) {
        for (int k = 0; k < rank; k++)
            perm[k] = rank - 1 - k;
        return 1;
    }
    if (n != rank)
        return 0;
    for (int k = 0; k < rank; k++) {
        if (p[k] < 0 || p[k] >= rank)
            return 0;
        perm[k] = p[k];
    }
    return 1;
}

dla_status cc_recon_channel_shuffle(ir_graph *g, int *n_changed)
{
    *n_changed = 0;
    const int n_nodes = g->n_nodes;
    int64_t *src = malloc(sizeof(int64_t) * RC_MAX_SHUFFLE_C);
    if (!src)
        return base_error(DLA_ERR_NOMEM, "out of memory for a channel permutation");
    dla_status st = DLA_OK;
    for (int i = 0; i < n_nodes && st == DLA_OK; i++) {
        ir_node *r2 = g->nodes[i], *tr, *r1;
        int64_t perm[IR_MAX_RANK];
        if (!r2 || !find_chain(g, r2, &tr, &r1) || !transpose_perm(tr, tr->in[0]->rank, perm))
            continue;
        ir_tensor *x = r1->in[0], *w;
        if (!channel_permutation(x, tr->in[0], perm, r2->in[0], src))
            continue;
        const int64_t c = x->dims[1], wd[4] = {c, c, 1, 1};
        char base[256];
        snprintf(base, sizeof base, "%.230s/weight", tr->name);
        st = rc_const(g, base, IR_F32, 4, wd, &w);
        if (st != DLA_OK)
            break;
        float *p = w->data;
        for (int64_t k = 0; k < c; k++)
            p[k * c + src[k]] = 1.0f;
        rc_drop_node(g, r1);
        rc_drop_node(g, tr);
        rc_drop_node(g, r2);
        st = rc_conv(g, IR_OP_Conv, tr->name, x, w, 1, r2->out[0], NULL);
        ++*n_changed;
    }
    free(src);
    return st;
}
