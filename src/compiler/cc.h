/* compiler: ONNX-level graph → DLA placement (and later: precision, lowering, tiling, planning, loadable).
 *
 * Stage 1 (this header): graph rewrites that make more of a network DLA-eligible, the DLA support-rule table,
 * placement of every node on the DLA or the host with a precise reason, and partitioning into DLA subgraphs.
 *
 * All passes work in place on an ir_graph that is topologically sorted with shapes inferred, and keep the FP32
 * function of the graph unchanged (tests check this on the host executor with random inputs). A pass that
 * rewrites a node keeps the original node name on the node that replaces it (a pass that splits one node into
 * several names the extra ones "<name>/<what>"), so reports still speak the model's language.
 */
#ifndef DLA_COMPILER_CC_H
#define DLA_COMPILER_CC_H

#include "ir/ir.h"

/* ---- target ------------------------------------------------------------------------------------------- */

typedef enum cc_platform { CC_ORIN = 0, CC_XAVIER = 1 } cc_platform;

enum { CC_FP16 = 1u << 0, CC_INT8 = 1u << 1 };

typedef struct cc_target {
    cc_platform platform;
    unsigned precisions; /* CC_FP16 | CC_INT8: what the build allows (trtexec --fp16 / --int8 / --best) */
} cc_target;

/* ---- the DLA support-rule table (rules.def + rules_*.c) ----------------------------------------------- */

typedef enum cc_unit {
    CC_UNIT_NONE = 0, /* not run by an engine unit */
    CC_UNIT_CONV = 1, /* convolution core (+ fused SDP) */
    CC_UNIT_SDP = 2,  /* single-point data processor: bias, scale, element-wise, activations, LUT */
    CC_UNIT_PDP = 3,  /* planar data processor: pooling */
    CC_UNIT_CDP = 4,  /* channel data processor: LRN */
    CC_UNIT_RUBIK = 5,/* layout: reshape, transpose, contract, resize */
    CC_UNIT_BDMA = 6, /* copies: concat, slice */
    CC_UNIT_COUNT
} cc_unit;

typedef enum cc_how {
    CC_HOW_NATIVE = 0,     /* runs on a DLA unit as is (within the limits) */
    CC_HOW_REWRITE = 1,    /* a rewrite pass turns it into native ops (with the pass's conditions) */
    CC_HOW_BUILD_TIME = 2, /* computed at build time (constant folding / shape arithmetic) */
    CC_HOW_HOST = 3,       /* never on the DLA: runs on the host ("GPU") */
} cc_how;

/* Checks node n against the DLA's limits. Returns 1 if the DLA can run it; else 0 with reason set to one
 * sentence naming the rule, the limit and the value ("dilation 40 exceeds the DLA limit of 32"). */
typedef int (*cc_check_fn)(const cc_target *t, const ir_node *n, char *reason, size_t size);

typedef struct cc_rule {
    int op;                   /* ir_op */
    cc_unit unit;
    unsigned precisions;      /* CC_FP16 | CC_INT8 */
    cc_how how;
    const char *restrictions; /* human-readable summary for `dla ops` and docs/operators.md */
    cc_check_fn check;        /* NULL: no parameter limits beyond the general ones */
} cc_rule;

/* The rule for op; never NULL for a valid op (ops with no DLA path have how = CC_HOW_HOST). */
const cc_rule *cc_rule_for(ir_op op);
const char *cc_unit_name(cc_unit u);
const char *cc_how_name(cc_how h);

/* The table's rows in rules.def order (which follows ops.def), for documentation (`dla ops`, docs/operators.md):
 * cc_rule_at(i) for 0 <= i < cc_rule_count(); NULL outside that range. */
int cc_rule_count(void);
const cc_rule *cc_rule_at(int i);

/* Writes the formatted reason (when reason is not NULL) and returns 0, so checks and rewrite conditions can
 * `return cc_fail(...)`. */
int cc_fail(char *reason, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 if t holds build-time constant data (an initializer, a Constant, or a folded value). */
int cc_is_const(const ir_tensor *t);

/* General rules + the op's rule: 1 if n can run on the DLA, else 0 with a reason (see cc_check_fn). A NULL target
 * means Orin with FP16 and INT8. Build-time ops (Shape, Constant, ...) give 1 when their value is known at build
 * time (placement counts them on neither device). */
int cc_check_node(const cc_target *t, const ir_node *n, char *reason, size_t size);

/* ---- rewrites (rw_*.c) --------------------------------------------------------------------------------- */

/* A pass: rewrites g in place and counts what it changed. After a pass that adds or removes nodes the graph
 * is re-sorted and re-inferred by cc_rewrite(); a pass may leave it unsorted. */
typedef dla_status (*cc_pass_fn)(ir_graph *g, int *n_changed);

typedef struct cc_pass {
    const char *name; /* "fold-batchnorm" */
    cc_pass_fn fn;
} cc_pass;

/* Pass families, each ended by {NULL, NULL}; cc_rewrite() runs them in this order:
 * cleanup/lowering (rw_lower*.c: Identity removal, BN/Mul/Add folding, Gemm->Conv, ReduceMean->pool, ...), then
 * reconstructions (rw_recon*.c: DLA-SW's recipes for Neg, Not, And, Or, Xor, DepthToSpace, ...). */
extern const cc_pass cc_passes_lower[];
extern const cc_pass cc_passes_recon[];
/* Runs every pass to a fixed point (bounded), re-sorting and re-inferring after each change; logs at INFO
 * what each pass changed. */
dla_status cc_rewrite(ir_graph *g, int *n_changed);

/* Helpers for passes (rewrite_util.c). */
/* Removes node n and reconnects: every consumer of n->out[0] reads `replacement` instead. Refuses (INTERNAL)
 * when n->out[0] is a graph output: passes leave such nodes in place, so outputs keep the model's names. */
dla_status cc_bypass_node(ir_graph *g, ir_node *n, ir_tensor *replacement);
/* A new float32 constant tensor with the given shape (data zeroed) named after `base`. */
dla_status cc_new_const_f32(ir_graph *g, const char *base, int rank, const int64_t *dims, ir_tensor **out);
/* The node that consumes t, if exactly one node does (and t is not a graph output); else NULL. */
ir_node *cc_single_consumer(const ir_graph *g, const ir_tensor *t);

/* ---- per-layer flag lists (layer_spec.c) ------------------------------------------------------------------ */

/* One "name:VALUE" item of --layerDeviceTypes / --layerPrecisions; name may hold one '*' wildcard. */
typedef struct cc_layer_spec {
    char *name;        /* malloc'd; value points into the same allocation */
    const char *value; /* the text after the last ':' */
    int code;          /* what classify() made of value */
    int matched;       /* set by callers when some layer used it (unmatched names are errors) */
} cc_layer_spec;

/* Parses "name:VALUE,..."; classify returns a code >= 0 for a valid VALUE, else the item is an error naming `flag`
 * and `usage` ("NAME:GPU or NAME:DLA"). */
dla_status cc_layer_specs_parse(const char *text, const char *flag, const char *usage, int (*classify)(const char *),
                                cc_layer_spec **out, int *n_out);
void cc_layer_specs_free(cc_layer_spec *s, int n);
/* The spec for layer `name`: an exact name wins over a wildcard; NULL when none. */
cc_layer_spec *cc_layer_specs_find(cc_layer_spec *s, int n, const char *name);

/* ---- placement and partitioning (place.c, partition.c) ------------------------------------------------- */

typedef enum cc_device { CC_DEV_DLA = 0, CC_DEV_HOST = 1 } cc_device;

typedef struct cc_place_options {
    cc_target target;
    int allow_gpu_fallback;          /* trtexec --allowGPUFallback */
    const char *layer_device_types;  /* "name:GPU,name2:DLA" (trtexec --layerDeviceTypes) */
    int max_subgraphs;               /* per core; 0: 16 */
    int64_t min_island_macs;         /* islands below this (and below min_island_nodes) go to the host; <0: default */
    int min_island_nodes;
} cc_place_options;

typedef struct cc_node_place {
    cc_device device;
    int subgraph;       /* DLA subgraph index, -1 on the host */
    int forced;         /* placed by --layerDeviceTypes */
    char reason[256];   /* why on the host ("" on the DLA) */
} cc_node_place;

typedef struct cc_placement {
    int n_nodes;                /* == g->n_nodes at placement time; indexed by node id */
    cc_node_place *nodes;       /* malloc'd */
    int n_subgraphs;
    int n_dla, n_host;
    int64_t macs_dla, macs_host;
} cc_placement;

/* Places every node of g (sorted, inferred, rewritten). Without allow_gpu_fallback, any node that cannot run on
 * the DLA makes this fail with DLA_ERR_UNSUPPORTED and a message listing every such layer and its reason (the
 * placement is still filled in, so callers can print it). */
dla_status cc_place(const ir_graph *g, const cc_place_options *o, cc_placement *out);
void cc_placement_release(cc_placement *p);

#endif
