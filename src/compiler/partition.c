/* Partitioning: DLA nodes -> maximal connected convex DLA subgraphs of one batch size, then the cost rules
 * (tiny islands and the per-core subgraph cap send the smallest pieces to the host).
 *
 * Grouping walks the nodes in topological order. A DLA node joins the subgraphs of its DLA producers (merging
 * them) when the union stays convex and has one batch size; otherwise it joins as many of them as it can
 * (largest first) or starts a new subgraph. Convexity of a node set S is checked exactly with bitsets:
 * S is convex iff no node outside S is both a descendant and an ancestor of members of S, i.e.
 * (desc(S) & anc(S) & ~S) == 0, where desc(S)/anc(S) are the unions over S's members. Every merge is checked,
 * so every subgraph is convex at every step; merges never change other subgraphs, and moving whole subgraphs
 * to the host afterwards never breaks convexity of the remaining ones (their outside set does not change). */
#include "compiler/partition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t word;

typedef struct part {
    int n, w;                   /* nodes, bitset words */
    int *pred_off, *pred;       /* producers of each node (CSR, deduplicated) */
    int *succ_off, *succ;       /* consumers of each node */
    word *anc, *desc;           /* per node: strict ancestors / descendants */
    word *mem, *du, *au;        /* per subgraph: members, union of desc, union of anc */
    int *parent;                /* union-find over subgraph ids */
    int64_t *sg_batch, *sg_macs;
    int *sg_nodes;
    int n_sg;
    int *sg_of;                 /* node -> subgraph id before find(), -1 for the host / build-time nodes */
} part;

static word *row(word *b, const part *P, int i) { return b + (size_t)i * (size_t)P->w; }
static void bit_set(word *b, int i) { b[i >> 6] |= (word)1 << (i & 63); }

static int is_dla(const cc_placement *p, int i)
{
    return p->nodes[i].device == CC_DEV_DLA && p->nodes[i].subgraph != CC_SUBGRAPH_BUILD_TIME;
}

int64_t cc_node_batch(const ir_node *n)
{
    const ir_tensor *t = n->n_out ? n->out[0] : NULL;
    if (!t || t->rank < 0)
        return -1;
    /* TensorRT's rule for 4-D and up (NPQRS -> N*P); below 4-D the lowering's view (lower.h): n = dims[0] */
    if (t->rank >= 2 && t->rank < 4)
        return t->dims[0];
    int64_t b = 1;
    for (int d = 0; d < t->rank - 3; d++) {
        if (t->dims[d] < 0)
            return -1;
        b *= t->dims[d];
    }
    return b;
}

static void part_free(part *P)
{
    free(P->pred_off);
    free(P->pred);
    free(P->succ_off);
    free(P->succ);
    free(P->anc);
    free(P->desc);
    free(P->mem);
    free(P->du);
    free(P->au);
    free(P->parent);
    free(P->sg_batch);
    free(P->sg_macs);
    free(P->sg_nodes);
    free(P->sg_of);
}

/* Producer/consumer lists and ancestor/descendant bitsets. */
static dla_status part_init(part *P, const ir_graph *g)
{
    memset(P, 0, sizeof *P);
    int n = g->n_nodes;
    P->n = n;
    P->w = (n + 63) / 64 + 1;
    size_t total_in = 0, bits;
    for (int i = 0; i < n; i++)
        total_in += (size_t)g->nodes[i]->n_in;
    if (!base_mul_size((size_t)n, (size_t)P->w * sizeof(word), &bits))
        return base_error(DLA_ERR_NOMEM, "partitioning: graph of %d nodes is too large", n);
    P->pred_off = calloc((size_t)n + 1, sizeof(int));
    P->pred = calloc(total_in + 1, sizeof(int));
    P->succ_off = calloc((size_t)n + 2, sizeof(int));
    P->succ = calloc(total_in + 1, sizeof(int));
    P->anc = calloc(1, bits + 8);
    P->desc = calloc(1, bits + 8);
    P->mem = calloc(1, bits + 8);
    P->du = calloc(1, bits + 8);
    P->au = calloc(1, bits + 8);
    P->parent = calloc((size_t)n + 1, sizeof(int));
    P->sg_batch = calloc((size_t)n + 1, sizeof(int64_t));
    P->sg_macs = calloc((size_t)n + 1, sizeof(int64_t));
    P->sg_nodes = calloc((size_t)n + 1, sizeof(int));
    P->sg_of = calloc((size_t)n + 1, sizeof(int));
    if (!P->pred_off || !P->pred || !P->succ_off || !P->succ || !P->anc || !P->desc || !P->mem || !P->du ||
        !P->au || !P->parent || !P->sg_batch || !P->sg_macs || !P->sg_nodes || !P->sg_of)
        return base_error(DLA_ERR_NOMEM, "partitioning: out of memory for a graph of %d nodes", n);
    int k = 0;
    for (int i = 0; i < n; i++) {
        const ir_node *v = g->nodes[i];
        P->pred_off[i] = k;
        for (int j = 0; j < v->n_in; j++) {
            const ir_tensor *t = v->in[j];
            if (!t || !t->producer)
                continue;
            int pid = t->producer->id;
            if (pid < 0 || pid >= n || g->nodes[pid] != t->producer || pid >= i)
                return ir_node_error(v, DLA_ERR_INTERNAL, "partitioning needs a topologically sorted graph "
                                                          "(input '%s')", t->name);
            int dup = 0;
            for (int q = P->pred_off[i]; q < k && !dup; q++)
                dup = P->pred[q] == pid;
            if (!dup) {
                P->pred[k++] = pid;
                P->succ_off[pid + 1]++;
            }
        }
    }
    P->pred_off[n] = k;
    for (int i = 0; i < n; i++)
        P->succ_off[i + 1] += P->succ_off[i];
    int *fill = calloc((size_t)n + 1, sizeof(int));
    if (!fill)
        return base_error(DLA_ERR_NOMEM, "partitioning: out of memory");
    for (int i = 0; i < n; i++)
        for (int q = P->pred_off[i]; q < P->pred_off[i + 1]; q++) {
            int pid = P->pred[q];
            P->succ[P->succ_off[pid] + fill[pid]++] = i;
        }
    free(fill);
    for (int i = 0; i < n; i++) {
        word *a = row(P->anc, P, i);
        for (int q = P->pred_off[i]; q < P->pred_off[i + 1]; q++) {
            const word *pa = row(P->anc, P, P->pred[q]);
            for (int x = 0; x < P->w; x++)
                a[x] |= pa[x];
            bit_set(a, P->pred[q]);
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        word *d = row(P->desc, P, i);
        for (int q = P->succ_off[i]; q < P->succ_off[i + 1]; q++) {
            const word *sd = row(P->desc, P, P->succ[q]);
            for (int x = 0; x < P->w; x++)
                d[x] |= sd[x];
            bit_set(d, P->succ[q]);
        }
    }
    return DLA_OK;
}

static int find(part *P, int s)
{
    while (P->parent[s] != s) {
        P->parent[s] = P->parent[P->parent[s]];
        s = P->parent[s];
    }
    return s;
}

/* Would members m with descendant union du and ancestor union au form a convex set? */
static int convex(const part *P, const word *m, const word *du, const word *au)
{
    for (int x = 0; x < P->w; x++)
        if (du[x] & au[x] & ~m[x])
            return 0;
    return 1;
}

static void or_into(word *dst, const word *src, int w)
{
    for (int x = 0; x < w; x++)
        dst[x] |= src[x];
}

/* Candidate subgraphs of v's DLA producers with v's batch, largest (MACs, then nodes) first. */
static int candidates(part *P, const cc_placement *p, int v, int64_t batch, int *out)
{
    int k = 0;
    for (int q = P->pred_off[v]; q < P->pred_off[v + 1]; q++) {
        int u = P->pred[q];
        if (!is_dla(p, u) || P->sg_of[u] < 0)
            continue;
        int r = find(P, P->sg_of[u]);
        if (P->sg_batch[r] != batch)
            continue;
        int dup = 0;
        for (int j = 0; j < k && !dup; j++)
            dup = out[j] == r;
        if (!dup)
            out[k++] = r;
    }
    for (int i = 1; i < k; i++) /* insertion sort: k is the fan-in, small */
        for (int j = i; j > 0; j--) {
            int a = out[j - 1], b = out[j];
            int before = P->sg_macs[b] > P->sg_macs[a] ||
                         (P->sg_macs[b] == P->sg_macs[a] && P->sg_nodes[b] > P->sg_nodes[a]);
            if (!before)
                break;
            out[j - 1] = b;
            out[j] = a;
        }
    return k;
}

static dla_status group(part *P, const ir_graph *g, const cc_placement *p)
{
    int w = P->w;
    word *tm = calloc((size_t)w * 3, sizeof(word));
    int *cand = calloc((size_t)P->n + 1, sizeof(int));
    int *chosen = calloc((size_t)P->n + 1, sizeof(int));
    if (!tm || !cand || !chosen) {
        free(tm);
        free(cand);
        free(chosen);
        return base_error(DLA_ERR_NOMEM, "partitioning: out of memory");
    }
    word *tdu = tm + w, *tau = tm + 2 * w;
    for (int v = 0; v < P->n; v++) {
        P->sg_of[v] = -1;
        if (!is_dla(p, v))
            continue;
        const ir_node *nv = g->nodes[v];
        int64_t batch = cc_node_batch(nv);
        int k = candidates(P, p, v, batch, cand), n_chosen = 0;
        memset(tm, 0, sizeof(word) * (size_t)w * 3);
        bit_set(tm, v);
        memcpy(tdu, row(P->desc, P, v), sizeof(word) * (size_t)w);
        memcpy(tau, row(P->anc, P, v), sizeof(word) * (size_t)w);
        for (int c = 0; c < k; c++) {
            int s = cand[c];
            int ok = 1;
            for (int x = 0; x < w && ok; x++) {
                word m = tm[x] | row(P->mem, P, s)[x];
                ok = !((tdu[x] | row(P->du, P, s)[x]) & (tau[x] | row(P->au, P, s)[x]) & ~m);
            }
            if (!ok)
                continue;
            or_into(tm, row(P->mem, P, s), w);
            or_into(tdu, row(P->du, P, s), w);
            or_into(tau, row(P->au, P, s), w);
            chosen[n_chosen++] = s;
        }
        int root;
        if (!n_chosen) {
            root = P->n_sg++;
            P->parent[root] = root;
            P->sg_batch[root] = batch;
        } else {
            root = chosen[0];
            for (int c = 1; c < n_chosen; c++) {
                P->parent[chosen[c]] = root;
                P->sg_macs[root] += P->sg_macs[chosen[c]];
                P->sg_nodes[root] += P->sg_nodes[chosen[c]];
            }
        }
        memcpy(row(P->mem, P, root), tm, sizeof(word) * (size_t)w);
        memcpy(row(P->du, P, root), tdu, sizeof(word) * (size_t)w);
        memcpy(row(P->au, P, root), tau, sizeof(word) * (size_t)w);
        P->sg_macs[root] += ir_node_macs(nv);
        P->sg_nodes[root]++;
        P->sg_of[v] = root;
        if (!convex(P, row(P->mem, P, root), row(P->du, P, root), row(P->au, P, root))) {
            free(tm);
            free(cand);
            free(chosen);
            return ir_node_error(nv, DLA_ERR_INTERNAL, "partitioning produced a non-convex subgraph");
        }
    }
    free(tm);
    free(cand);
    free(chosen);
    return DLA_OK;
}

typedef struct sg_info {
    int first, nodes, forced, in_cross, out_cross, live;
    int64_t macs;
} sg_info;

static void to_host(cc_placement *p, const int *sg, int s, const char *reason)
{
    for (int i = 0; i < p->n_nodes; i++)
        if (sg[i] == s) {
            p->nodes[i].device = CC_DEV_HOST;
            p->nodes[i].subgraph = -1;
            snprintf(p->nodes[i].reason, sizeof p->nodes[i].reason, "%s", reason);
        }
}

/* Order for eviction beyond the cap: unforced first, then fewest MACs, fewest nodes, latest first node. */
static int evict_before(const sg_info *x, const sg_info *y)
{
    if (x->forced != y->forced)
        return x->forced < y->forced;
    if (x->macs != y->macs)
        return x->macs < y->macs;
    if (x->nodes != y->nodes)
        return x->nodes < y->nodes;
    return x->first > y->first;
}

static void sort_evict(int *order, int k, const sg_info *info)
{
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && evict_before(&info[order[j]], &info[order[j - 1]]); j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

static dla_status prune(part *P, const ir_graph *g, const cc_place_options *o, cc_placement *p, int *sg)
{
    int n = P->n, n_sg = 0;
    int *dense = malloc(sizeof(int) * ((size_t)P->n_sg + 1));
    sg_info *info = calloc((size_t)P->n_sg + 1, sizeof *info);
    int *order = calloc((size_t)P->n_sg + 1, sizeof(int));
    if (!dense || !info || !order) {
        free(dense);
        free(info);
        free(order);
        return base_error(DLA_ERR_NOMEM, "partitioning: out of memory");
    }
    for (int s = 0; s < P->n_sg; s++)
        dense[s] = -1;
    for (int v = 0; v < n; v++) { /* dense ids in order of first node */
        sg[v] = -1;
        if (P->sg_of[v] < 0)
            continue;
        int r = find(P, P->sg_of[v]);
        if (dense[r] < 0) {
            dense[r] = n_sg;
            info[n_sg].first = v;
            info[n_sg].live = 1;
            n_sg++;
        }
        sg[v] = dense[r];
        sg_info *I = &info[sg[v]];
        I->nodes++;
        I->macs += ir_node_macs(g->nodes[v]);
        I->forced |= p->nodes[v].forced;
    }
    for (int v = 0; v < n; v++) {
        if (sg[v] < 0)
            continue;
        sg_info *I = &info[sg[v]];
        for (int q = P->pred_off[v]; q < P->pred_off[v + 1]; q++) {
            int u = P->pred[q];
            if (sg[u] != sg[v] && p->nodes[u].subgraph != CC_SUBGRAPH_BUILD_TIME)
                I->in_cross = 1;
        }
        for (int q = P->succ_off[v]; q < P->succ_off[v + 1]; q++) {
            int c = P->succ[q];
            if (sg[c] != sg[v] && p->nodes[c].subgraph != CC_SUBGRAPH_BUILD_TIME)
                I->out_cross = 1;
        }
    }
    int min_nodes = o->min_island_nodes > 0 ? o->min_island_nodes : CC_DEFAULT_MIN_ISLAND_NODES;
    int64_t min_macs = o->min_island_macs >= 0 ? o->min_island_macs : CC_DEFAULT_MIN_ISLAND_MACS;
    int live = n_sg;
    for (int s = 0; o->allow_gpu_fallback && s < n_sg; s++) {
        sg_info *I = &info[s];
        if (I->forced || !I->in_cross || !I->out_cross || I->nodes >= min_nodes || I->macs >= min_macs)
            continue;
        char reason[256];
        snprintf(reason, sizeof reason,
                 "island of %d layer%s too small to be worth a DLA round trip (%lld MACs < %lld)", I->nodes,
                 I->nodes == 1 ? "" : "s", (long long)I->macs, (long long)min_macs);
        to_host(p, sg, s, reason);
        I->live = 0;
        live--;
    }
    int cap = o->max_subgraphs > 0 ? o->max_subgraphs : CC_DEFAULT_MAX_SUBGRAPHS;
    dla_status st = DLA_OK;
    if (live > cap) {
        int k = 0;
        for (int s = 0; s < n_sg; s++)
            if (info[s].live)
                order[k++] = s;
        sort_evict(order, k, info);
        char reason[256];
        snprintf(reason, sizeof reason, "more than %d DLA subgraphs: the smallest go to the host", cap);
        for (int e = 0; e < k - cap; e++) {
            sg_info *I = &info[order[e]];
            if (I->forced) {
                st = base_error(DLA_ERR_UNSUPPORTED,
                                "--layerDeviceTypes forces layers onto more than %d DLA subgraphs (%d): "
                                "the DLA core can load at most %d",
                                cap, k, cap);
                break;
            }
            to_host(p, sg, order[e], reason);
            I->live = 0;
        }
    }
    /* renumber the live subgraphs densely, in order of their first node */
    int next = 0;
    for (int s = 0; s < n_sg; s++)
        dense[s] = info[s].live ? next++ : -1;
    for (int v = 0; v < n; v++)
        if (sg[v] >= 0)
            p->nodes[v].subgraph = dense[sg[v]];
    p->n_subgraphs = next;
    free(dense);
    free(info);
    free(order);
    return st;
}

dla_status cc_partition(const ir_graph *g, const cc_place_options *o, cc_placement *p)
{
    part P;
    int *sg = NULL;
    dla_status st = part_init(&P, g);
    if (st == DLA_OK)
        st = group(&P, g, p);
    if (st == DLA_OK) {
        sg = calloc((size_t)P.n + 1, sizeof(int));
        st = sg ? prune(&P, g, o, p, sg) : base_error(DLA_ERR_NOMEM, "partitioning: out of memory");
    }
    p->n_dla = p->n_host = 0;
    p->macs_dla = p->macs_host = 0;
    for (int v = 0; v < p->n_nodes; v++) {
        if (p->nodes[v].subgraph == CC_SUBGRAPH_BUILD_TIME)
            continue;
        int64_t macs = ir_node_macs(g->nodes[v]);
        if (p->nodes[v].device == CC_DEV_DLA) {
            p->n_dla++;
            p->macs_dla += macs;
        } else {
            p->n_host++;
            p->macs_host += macs;
        }
    }
    free(sg);
    part_free(&P);
    return st;
}
