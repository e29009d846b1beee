/* host: the FP32 reference executor. It runs any IR graph node by node; it is the "GPU fallback" device of a
 * DLA deployment and the reference every INT8/FP16 engine result is judged against.
 *
 * Per op there is one exec function (op_<family>.c) that reads n->in[i]->data and writes n->out[j]->data.
 * The executor has already inferred the outputs' dtype and shape (ir_infer_node, with live input data bound)
 * and allocated each non-NULL output, so exec functions never allocate outputs themselves.
 */
#ifndef DLA_HOST_H
#define DLA_HOST_H

#include "ir/ir.h"

struct k_conv_post;
typedef struct host_ctx {
    int n_threads;      /* threads for heavy kernels (>= 1) */
    void *kernel_state; /* private: per-executor kernel caches (oneDNN engine/stream) */
    /* private: the executor's fused epilogue and activation layouts for the Conv it runs next (NULL: none) */
    const struct k_conv_post *conv_post;
} host_ctx;

typedef dla_status (*host_exec_fn)(host_ctx *ctx, ir_node *n);
typedef struct host_op_entry {
    int op; /* ir_op; a row with op < 0 ends a table */
    host_exec_fn fn;
} host_op_entry;

/* Family tables, each terminated by {-1, NULL}. */
extern const host_op_entry host_ops_elementwise[];
extern const host_op_entry host_ops_nn[];
extern const host_op_entry host_ops_norm_pool[];
extern const host_op_entry host_ops_reduce[];
extern const host_op_entry host_ops_shape[];
extern const host_op_entry host_ops_misc[];

host_exec_fn host_op_lookup(ir_op op); /* NULL if the host cannot run op */
/* Runs one node whose inputs have data and outputs are allocated. */
dla_status host_exec_node(host_ctx *ctx, ir_node *n);

/* ---- the executor (executor.c) ------------------------------------------------------------------------- */

typedef struct host_exec host_exec;
typedef struct host_options {
    int n_threads; /* 0: all cores */
    /* Optional observer (INT8 calibration): called after each node has run, while its inputs and outputs still
     * hold their data (before any buffer is released). NULL: none. */
    void (*on_output)(void *user, const ir_node *n);
    void *user;
    int no_fusion; /* 1: run every node on its own (no fused kernels), so on_output sees every node's output */
} host_options;

/* Conv -> [Add] -> [Relu|Clip|SiLU]
 * chains run fused and activations between convolutions stay channels-last (host/exec_plan.h) unless
 * no_fusion, on_output or the environment variable DLA_NO_FUSION=1 says otherwise (DLA_NO_NHWC=1: fusion
 * without channels-last). DLA_PROFILE=1 logs per-op-type times when the executor is destroyed (INFO when
 * enabled, else WARN); DLA_PROFILE=2 adds a line per node. */
/* Prepares g (toposorted, shapes inferred where static) for repeated runs. g is borrowed: it must outlive the
 * executor, and the executor binds run-time buffers to its tensors during host_exec_run. */
dla_status host_exec_create(ir_graph *g, const host_options *opt, host_exec **out);
void host_exec_destroy(host_exec *x);

/* Runs the graph. Before the call, each graph input tensor must carry dtype, shape and data (the caller's
 * buffer, borrowed for the call). On return each graph output has malloc'd data that the caller takes with
 * host_exec_take_output(); intermediates are freed as soon as their last consumer has run, so peak memory is
 * the constants plus the live activations. */
dla_status host_exec_run(host_exec *x);
/* Transfers ownership of output i's buffer to the caller (free() it); NULL if none. */
void *host_exec_take_output(host_exec *x, int i);
/* Peak bytes of run-time buffers during the last run. */
size_t host_exec_peak_bytes(const host_exec *x);

/* ir_compute_fn for ir_graph_fold(): user is a host_ctx*. */
dla_status host_fold_compute(void *user, ir_node *n);

/* Context set-up/tear-down shared by the executor and folding. */
dla_status host_ctx_init(host_ctx *ctx, int n_threads);
void host_ctx_release(host_ctx *ctx);

#endif
