/* compiler: the task builder's half of the backend — precision plan, pools and buffer planning, the per-task
 * builder behind the cc_tb_* functions (backend.h), and cc_build(), which writes the loadable for a placed graph.
 * Private to the compiler (precision.c, plan.c, task.c, emit.c, build.c) and the API layer (build_api.c).
 *
 *     cc_precision_plan pp;
 *     BASE_TRY(cc_precision_plan_make(g, &placement, &(cc_precision_options){.precisions = CC_FP16 | CC_INT8,
 *                                      .scales = table}, &pp));
 *     cc_build_options bo = {.target = target, .prec = &pp, .serialize = my_onnx_export};
 *     void *bytes; size_t size;
 *     st = cc_build(g, &placement, &bo, &bytes, &size);      // a loadable ldb_parse accepts
 *
 * What the loadable holds beyond the conventions of backend.h:
 *   - tasks in an order where every task's inputs are produced by earlier tasks (DLA subgraphs and host segments
 *     in a topological order of the unit graph; consecutive host nodes merge into one segment); a reformat HOST
 *     task (one Identity node) right before the first task for each network input that a DLA task cannot read
 *     in its bound format, and right after the producing DLA task for each such network output;
 *   - the event chain: task i signals event i, task i > 0 waits on event i - 1;
 *   - per DLA task: one "weights" memory entry (global DRAM, SET from one WEIGHTS blob holding every constant of
 *     the task, each 64-byte aligned) and one activation arena (local DRAM, or managed SRAM when the planned arena
 *     fits the dlaSRAM pool; then every cube in it says ENG_MEM_SRAM) in which task-internal tensors are placed by
 *     liveness (first/last op that touches them), and its address list: arena slices, weight slices, and whole
 *     cross-task tensor entries, in the order the lowering asked for them;
 *   - every cross-task tensor and network I/O in its own memory entry (local DRAM, ALLOC; INPUT / OUTPUT flagged
 *     with bind ids for network I/O) with a tensor descriptor of the same index order as the memory entries that
 *     carry it. The DLA side of a tensor is in its native format (CHW16 HALF, or CHW32 INT8 with its scale) or in
 *     the bound DLA format of a network input/output (DLA_LINEAR, DLA_HWC4, CHW16, CHW32); host-only tensors are
 *     NCHW in their own element type;
 *   - descriptor strides for the DLA formats describe the 4-D (n, c, h, w) view: CHW16/CHW32 {image size,
 *     surface stride, line stride, 32} where channel c lies at (c / atom) * strides[c] + (c % atom) * element
 *     bytes; DLA_LINEAR {image, surface, line, element}; DLA_HWC4 {image, element, line, C' * element}. The
 *     4-D view of a rank-r tensor is the lowering's (lower.h): n = dims[0], c = dims[1], h = dims[2], w = the
 *     product of dims[3..] (rank 1: c = dims[0]); images lie one geometry size apart.
 */
#ifndef DLA_COMPILER_TB_H
#define DLA_COMPILER_TB_H

#include "compiler/backend.h"
#include "compiler/calib.h"
#include "loadable/loadable.h"

/* ---- precision plan (precision.c) ------------------------------------------------------------------------- */

typedef enum cc_constraints {
    CC_CONSTRAINTS_PREFER = 0, /* an impossible --layerPrecisions request falls back with a warning (the default:
                                * trtexec sets kPREFER_PRECISION_CONSTRAINTS for DLA builds) */
    CC_CONSTRAINTS_OBEY = 1,   /* an impossible request is an error */
    CC_CONSTRAINTS_NONE = 2,   /* --layerPrecisions is ignored (with a warning), as trtexec does */
} cc_constraints;

/* "none", "prefer", "obey" (NULL or "": prefer). */
dla_status cc_parse_constraints(const char *s, cc_constraints *out);

typedef struct cc_precision_options {
    unsigned precisions;           /* CC_FP16 | CC_INT8 (0: FP16) */
    const cc_scale_table *scales;  /* per-tensor INT8 scales (NULL: none) */
    const char *layer_precisions;  /* trtexec --layerPrecisions "name:fp16,name2:int8" (one '*' per name) */
    cc_constraints constraints;
} cc_precision_options;

typedef struct cc_precision_plan {
    int n_subgraphs;
    cc_prec *subgraph;  /* per DLA subgraph */
    int n_tensors;
    cc_prec *tensor;    /* per tensor id: the precision of its DLA side (FP16 for tensors no DLA task touches) */
    float *scale;       /* per tensor id: the INT8 scale of tensors of INT8 subgraphs, else 0 */
    int n_int8;         /* subgraphs running INT8 */
} cc_precision_plan;

/* The per-DLA-subgraph rule: with INT8 allowed, a subgraph runs INT8 when every float tensor it produces or
 * consumes (constants aside) has a scale > 0, every op in it can run INT8, no layer in it asks for FP16 and it
 * shares no boundary tensor with an FP16 subgraph; else FP16, logged with the first reason (the first tensor
 * without a scale). --layerPrecisions int8 on a layer whose subgraph cannot run INT8 is an error under obey and a
 * warning under prefer; so are fp16 and int8 requests in one subgraph (prefer: FP16 wins). Unknown layer names are
 * an error. */
dla_status cc_precision_plan_make(const ir_graph *g, const cc_placement *pl, const cc_precision_options *o,
                                  cc_precision_plan *out);
void cc_precision_plan_release(cc_precision_plan *p);
/* Scale unification (TensorRT's rule for ops that only move or select data): the INT8 scales of the float
 * activations around Concat, Slice, Split, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity, Dropout,
 * MaxPool, GlobalMaxPool, nearest Resize/Upsample, DepthToSpace and SpaceToDepth are made one per connected
 * group, the largest of the group (no value of any member can then saturate), so that the lowering aliases
 * Concat inputs and reshapes and copies bytes without a requantizing SDP. Only tensors with is8[id] set take
 * part. fill_only = 0: every member with a scale > 0 takes the group's largest; fill_only = 1: only members
 * without a scale (0) take it (the precision plan's first step: a tensor made by a DLA rewrite — the Conv
 * output between a Gemm's reshapes — inherits the calibrated scale of the tensor it is a copy of), the others
 * keep theirs. Returns how many scales changed. */
int cc_unify_scales(const ir_graph *g, const unsigned char *is8, float *scale, int fill_only);

/* ---- pools and buffer planning (plan.c) -------------------------------------------------------------------- */

#define CC_POOL_MIN ((uint64_t)4096)

/* trtexec --memPoolSize "dlaSRAM:1,dlaLocalDRAM:1024,dlaGlobalDRAM:512" (MiB by default; suffixes B, K, M, G;
 * other trtexec pools are ignored) into limit[] (ldb_pool order); unset pools get the defaults (global 512 MiB,
 * local 1 GiB, SRAM 0.5 MiB). A value that is not a power of two of at least 4 KiB is an error naming the flag,
 * the pool and the value. */
dla_status cc_parse_mem_pools(const char *spec, uint64_t limit[LDB_POOL_COUNT]);
/* "--memPoolSize=dlaGlobalDRAM" etc. */
const char *cc_pool_flag(int pool);

/* A buffer live from op `first` to op `last` (inclusive); plan sets offset. */
typedef struct cc_interval {
    uint64_t size;
    int first, last;
    uint64_t offset;
} cc_interval;

/* Places the intervals in one arena so that no two with overlapping lives overlap in memory (greedy by size,
 * lowest fitting offset), each offset a multiple of align; the arena's size in *total. */
dla_status cc_plan_intervals(cc_interval *iv, int n, uint64_t align, uint64_t *total);

/* ---- cross-task tensors (emit.c) ------------------------------------------------------------------------- */

/* One tensor descriptor + its memory entry. */
typedef struct cc_xt {
    const char *name;     /* descriptor name (the IR tensor's, or "<name>/reformat" for a reformatted copy) */
    int tensor;           /* IR tensor id */
    uint8_t dtype, format;/* ldb_dtype, ldb_format */
    cc_prec prec;         /* DLA formats: its precision */
    float scale;          /* INT8: > 0 */
    uint32_t n, c, h, w;
    eng_geom geom;        /* DLA formats: one image's geometry */
    uint64_t size;        /* bytes (dynamic: the memory entry's capacity) */
    int dynamic;          /* data-dependent shape (NCHW only): LDB_TENSOR_DYNAMIC, n = c = h = w = 0 */
    int io;               /* 0, 1 network input, 2 network output */
    uint32_t bind_id;
    uint32_t mem, desc;   /* loadable indices (set when emitted) */
} cc_xt;

/* ---- the build (build.c) ----------------------------------------------------------------------------------- */

/* Serializes a host segment (a graph made by ir_graph_extract) to bytes (malloc'd; the API passes onnx_export). */
typedef dla_status (*cc_serialize_fn)(void *user, const ir_graph *g, void **bytes, size_t *size);

typedef struct cc_io_format {
    uint8_t dtype;   /* ldb_dtype */
    uint8_t format;  /* ldb_format */
} cc_io_format;

/* trtexec --inputIOFormats / --outputIOFormats "fp16:chw16,int8:chw32" (type:fmt, one per tensor in model order,
 * or one for all; "fmt1+fmt2" takes the first). Types fp32, fp16, int8, int32, int64, uint8, bool; formats chw
 * (linear), chw16, chw32, dla_linear, dla_hwc4 (hwc4). *n_out 0 for NULL/"". */
dla_status cc_parse_io_formats(const char *flag, const char *spec, cc_io_format *out, int max, int *n_out);

typedef struct cc_build_options {
    cc_target target;
    const cc_precision_plan *prec;
    const char *input_formats, *output_formats; /* trtexec spellings; NULL: fp32:chw */
    int standalone;                             /* --buildDLAStandalone */
    int allow_gpu_fallback;                     /* for the build info */
    const char *mem_pool_size;                  /* --memPoolSize */
    cc_serialize_fn serialize;
    void *serialize_user;
    const char *model_name;                     /* build info (NULL: the graph's name) */
    const char *options_text;                   /* build info: the flags */
    int sparsity;                               /* cc_sparsity (sparsity.h): 2:4 INT8 convs; 0 disable */
} cc_build_options;

/* Writes the loadable for the placed graph g (sorted, inferred, rewritten; pl from cc_place on it). */
dla_status cc_build(const ir_graph *g, const cc_placement *pl, const cc_build_options *o, void **bytes,
                    size_t *size);

/* ---- internal: the build state shared by build.c, emit.c and task.c ------------------------------------- */

typedef struct cc_build_ctx {
    const ir_graph *g;
    const cc_placement *pl;
    const cc_build_options *o;
    ldb_builder *b;
    uint64_t limit[LDB_POOL_COUNT];
    cc_xt *xt;
    int n_xt, cap_xt;
    int *xt_host;  /* per tensor id: the descriptor host tasks (and network bindings) use, -1 none */
    int *xt_dla;   /* per tensor id: the descriptor DLA tasks use, -1 none */
    int n_tasks;   /* tasks emitted so far (= the next task's index = its event) */
    base_arena *strings; /* names made during the build */
} cc_build_ctx;

/* The 4-D view of t (see above); error naming t when it is not static or a dim does not fit. */
dla_status cc_tensor_nchw(const ir_tensor *t, uint32_t nchw[4]);
/* Adds a descriptor (returns its index in bc->xt, or -1 when out of memory with the error set). An NCHW tensor
 * whose shape is not static (data-dependent: after NonMaxSuppression, NonZero, ...) becomes a dynamic descriptor
 * (LDB_TENSOR_DYNAMIC: unknown dims -1, memory sized by cc_dynamic_capacity); a DLA format needs a static shape. */
int cc_xt_add(cc_build_ctx *bc, const ir_tensor *t, const char *name, uint8_t dtype, uint8_t format, cc_prec prec,
              float scale);
/* Bytes to reserve for a dynamic tensor of element size es: an upper bound derived from the producers where
 * the rules know one (NonMaxSuppression: max_output_boxes_per_class x batch x classes triples, NonZero: rank x
 * numel of its input, TopK: its input, shape-preserving and gathering ops from their inputs), else a 1 MiB
 * default; at least 64 bytes, at most 256 MiB. The runtime keeps the actual data in its own storage either way. */
uint64_t cc_dynamic_capacity(const ir_tensor *t, size_t es);
/* The rank and dims (-1 where data-dependent) a dynamic tensor's descriptor states: t's as far as known, or the
 * producer's rule when t's rank is unknown (NonZero: [rank of its input, -1]; NonMaxSuppression: [-1, 3]); 0 when
 * not even the rank is known. */
int cc_dynamic_shape(const ir_tensor *t, int64_t dims[LDB_MAX_RANK]);
/* Writes every descriptor's memory entry and tensor record (after the I/O are known, before the tasks). */
dla_status cc_xt_emit_all(cc_build_ctx *bc);
/* A HOST task running nodes node_ids of g (ir_graph_extract + serialize); inputs/outputs from the descriptors. */
dla_status cc_emit_host_task(cc_build_ctx *bc, const int *node_ids, int n, const char *name);
/* A reformat HOST task: Identity from descriptor `from` to descriptor `to`. */
dla_status cc_emit_reformat_task(cc_build_ctx *bc, int from, int to);
/* Lowers DLA subgraph `sg` (nodes node_ids) into a task and adds it. */
dla_status cc_emit_dla_task(cc_build_ctx *bc, int sg, const int *node_ids, int n);

/* task.c: the builder behind the cc_tb_* functions. */
dla_status cc_tb_create(cc_build_ctx *bc, const int *node_ids, int n, const char *name, cc_task_builder **out);
void cc_tb_destroy(cc_task_builder *tb);
/* After cc_lower_task: checks every node was lowered, plans the arena and adds memory, addresses and the task. */
dla_status cc_tb_finish(cc_task_builder *tb, const uint32_t *wait, int n_wait, uint32_t signal);

#endif
