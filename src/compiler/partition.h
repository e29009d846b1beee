/* Partitioning of placed nodes into DLA subgraphs (partition.c); private to the compiler (used by place.c). */
#ifndef DLA_COMPILER_PARTITION_H
#define DLA_COMPILER_PARTITION_H

#include "compiler/cc.h"

/* Default cost-rule limits (cc_place_options: max_subgraphs 0, min_island_nodes 0, min_island_macs < 0). */
#define CC_DEFAULT_MAX_SUBGRAPHS 16
#define CC_DEFAULT_MIN_ISLAND_NODES 3
#define CC_DEFAULT_MIN_ISLAND_MACS ((int64_t)1000000)

/* Marks a node that never reaches placement: every output is a build-time constant (p->nodes[i].subgraph). */
#define CC_SUBGRAPH_BUILD_TIME (-2)

/* The batch of a node in TensorRT's sense: the product of its first output's dims before the last three
 * (1 for rank <= 3); -1 when unknown. A DLA subgraph runs one batch size. */
int64_t cc_node_batch(const ir_node *n);

/* Groups the DLA nodes of p (nodes[i].device == CC_DEV_DLA, subgraph != CC_SUBGRAPH_BUILD_TIME) into maximal
 * subgraphs that are connected through DLA->DLA edges, convex (no path leaves a subgraph and re-enters it) and
 * of one batch size; then applies the cost rules: tiny islands go to the host (only when o->allow_gpu_fallback),
 * and beyond o->max_subgraphs the smallest subgraphs (by MACs) go to the host. Numbers the subgraphs 0..n-1 in
 * the order of their first node and fills p's counts. p->nodes must be filled in by the caller. */
dla_status cc_partition(const ir_graph *g, const cc_place_options *o, cc_placement *p);

/* 1 when cc_place() got as far as placing every node and partitioning (it may still have failed: without GPU
 * fallback, host layers are an error but the placement is complete and printable). */
static inline int cc_placement_complete(const cc_placement *p) { return p->nodes && p->n_subgraphs >= 0; }

/* cc_place() with another per-node check than the rule table (cc_check_node); for tests of partitioning. */
dla_status cc_place_with(const ir_graph *g, const cc_place_options *o, cc_check_fn check, cc_placement *out);

#endif
