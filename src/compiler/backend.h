/* compiler backend: placed graph -> engine operations -> loadable.
 *
 * Two halves meet here:
 *   - lowering (lower_*.c): turns the nodes of one DLA subgraph into engine ops (eng_op, src/engine/desc.h):
 *     CONV + fused SDP (+ fused PDP) groups, standalone SDP / PDP / CDP / RUBIK / BDMA, with weights converted to
 *     the engine's layouts and INT8 requantization folded into SDP multipliers/shifts;
 *   - the task builder (task.c, plan.c, emit.c, build.c): owns buffers, address lists, host segments, events,
 *     network I/O, and writes the loadable with the ldb_builder (src/loadable/loadable.h).
 * The lowering calls the task builder only through the cc_tb_* functions below.
 *
 * Conventions of the loadables dlakit writes (the runtime relies on them; docs/loadable.md has the format):
 *   1. One DLA task per DLA subgraph; one HOST task per host segment. Tasks are stored in execution order and form
 *      one sync chain: task i waits on the event task i-1 signals (task 0 waits on nothing).
 *   2. A DLA task's engine cubes name buffers by their index in the task's address list (eng_cube.mem = i means
 *      task.addresses[i]); address entries point into memory entries (weights: global DRAM pool, SET from a blob;
 *      activations: local DRAM pool, ALLOC).
 *   3. Every tensor that crosses a task boundary (or is a network input/output) has a tensor descriptor with its
 *      format (NCHW float for host tasks and FP32 network I/O; CHW16 / CHW32 / DLA_LINEAR / DLA_HWC4 on the DLA
 *      side), dtype, dims, strides and (INT8) scale, and lives in its own memory entry; network inputs/outputs are
 *      memory entries flagged INPUT/OUTPUT with bind ids in model order.
 *   4. A HOST task's subgraph blob is an ONNX ModelProto (serialized through the serialize callback) whose graph
 *      inputs/outputs are named like the task's input/output tensor descriptors. The runtime converts each input
 *      from its descriptor's format to float NCHW, runs the subgraph on the host executor, and converts each output
 *      to its descriptor's format. A reformat at the DLA edge (e.g. FP32 NCHW network input -> CHW16) is a HOST
 *      task whose subgraph is a single Identity node.
 *   5. A DLA task's op records are eng_op records in the engine codec (src/engine/codec.h); its LUT records are
 *      eng_lut records; the surface array is empty (cubes live inside the op descriptors). Ops are stored in
 *      execution order with dependency_count / consumers filled (a simple chain is acceptable), and the layer table
 *      names the fused ONNX layers of each op range ("Conv_1 + Relu_2").
 *   6. Batches: the ops of a DLA task describe one image. When the task's tensors hold n > 1 images, the runtime
 *      runs the op list once per image; image i sees every non-constant address entry as its i-th 1/n slice and
 *      every constant (weights, operands, LUT data) address whole. Activation buffers are therefore planned as
 *      n back-to-back images, each image's cube at offset i * (size / n).
 */
#ifndef DLA_COMPILER_BACKEND_H
#define DLA_COMPILER_BACKEND_H

#include "compiler/cc.h"
#include "engine/desc.h"
#include "engine/format.h"

typedef enum cc_prec { CC_PREC_FP16 = 0, CC_PREC_INT8 = 1 } cc_prec;

/* A DLA-side tensor as the lowering sees it: where it lives and how it is stored. */
typedef struct cc_surface {
    int16_t mem;       /* index in the current task's address list */
    uint32_t offset;   /* bytes inside that address entry (0 unless sliced/aliased) */
    eng_geom geom;     /* native layout (FEATURE) unless the task builder says otherwise (network I/O) */
    cc_prec prec;
    float scale;       /* INT8: per-tensor scale (real = q * scale); FP16: 0 */
} cc_surface;

typedef struct cc_task_builder cc_task_builder;

/* The surface of a tensor inside the current DLA task: allocated (native layout, precision from the precision
 * plan) on first use. For tensors produced outside the task (task inputs) this is where the task reads them. */
dla_status cc_tb_surface(cc_task_builder *tb, const ir_tensor *t, cc_surface *out);
/* Makes `alias` share `t`'s storage at a byte offset (concat on C without a copy: each input is an alias into the
 * output at its channel-surface offset). Only before either is first used. */
dla_status cc_tb_alias(cc_task_builder *tb, const ir_tensor *alias, const ir_tensor *t, uint32_t offset);
/* A scratch cube of the current task that no ONNX tensor names (ConvTranspose phase outputs before the RUBIK
 * contract, requantization temporaries): `geom` as given (the lowering makes it with eng_geom_make, FEATURE
 * layout), allocated in the task's activation memory; out->prec follows geom->precision, out->scale is 0 (the
 * lowering tracks scratch scales itself). */
dla_status cc_tb_scratch(cc_task_builder *tb, const char *name, const eng_geom *geom, cc_surface *out);
/* Precision and scale the plan gives tensor t (scale 0 when not INT8). */
cc_prec cc_tb_prec(const cc_task_builder *tb, const ir_tensor *t);
float cc_tb_scale(const cc_task_builder *tb, const ir_tensor *t);
/* Constant data (weights, per-channel operands) for the current task: a new address-list entry. */
dla_status cc_tb_const(cc_task_builder *tb, const char *name, const void *data, size_t size, int16_t *mem);
/* A LUT for the current task; returns its index in the task's LUT list. */
dla_status cc_tb_lut(cc_task_builder *tb, const eng_lut *lut, int16_t *index);
/* Appends one engine op (op->index and the dependency fields are filled by the builder) belonging to the fused
 * layer `layer_name` ("Conv_1 + Relu_2"), precision "INT8"/"FP16". Consecutive ops of one fused group pass the
 * same layer name. */
dla_status cc_tb_add_op(cc_task_builder *tb, const eng_op *op, const char *layer_name, const char *precision);
/* Marks node n as lowered (every node of a DLA subgraph must be lowered exactly once; fused followers too). */
void cc_tb_mark(cc_task_builder *tb, const ir_node *n);
int cc_tb_is_marked(const cc_task_builder *tb, const ir_node *n);

/* 1 if the lowering has an engine form for n's op; else 0 with a reason. The build places with this check on top of
 * the rule table (cc_check_node), so an op DLA software runs but dlakit cannot lower yet falls back to the host
 * (with --allowGPUFallback) instead of failing the build; `dla ops` shows the rule table's answer. */
int cc_lower_supports(const ir_node *n, char *reason, size_t size);

/* Lowers every node of one DLA subgraph (node ids in topological order) into the current task. Errors name the
 * node and what could not be lowered. Implemented by lower.c. */
dla_status cc_lower_task(cc_task_builder *tb, const ir_graph *g, const int *node_ids, int n_nodes);

#endif
