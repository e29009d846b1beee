/* ir: the graph the importer builds, the compiler transforms and the host executor runs.
 *
 * Ownership: a graph owns everything reachable from it — tensors, nodes, attributes, strings and constant data
 * all live in its arena and are freed by ir_graph_destroy(). Run-time buffers bound to tensors by an executor
 * (IR_DATA_RUNTIME) belong to that executor.
 *
 * Shapes: rank -1 means "not known yet"; a dim of -1 is unknown (symbolic dims keep their name in dim_param).
 * Shape inference (ir_infer_node) may read an input's data when it is present: at build time that is a constant,
 * at run time the executor binds live buffers first, so the same function gives exact dynamic shapes.
 */
#ifndef DLA_IR_H
#define DLA_IR_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define IR_MAX_RANK 8
/* Largest element count of one tensor the IR accepts (2^40): beyond it an import is refused as malformed. */
#define IR_MAX_NUMEL ((int64_t)1 << 40)

/* Element types: the values are ONNX's TensorProto.DataType, so they cross the importer unchanged. */
typedef enum ir_dtype {
    IR_UNDEFINED = 0,
    IR_F32 = 1,
    IR_U8 = 2,
    IR_I8 = 3,
    IR_U16 = 4,
    IR_I16 = 5,
    IR_I32 = 6,
    IR_I64 = 7,
    IR_STRING = 8,
    IR_BOOL = 9,
    IR_F16 = 10,
    IR_F64 = 11,
    IR_U32 = 12,
    IR_U64 = 13,
    IR_BF16 = 16,
    IR_DTYPE_MAX = 17
} ir_dtype;

size_t ir_dtype_size(ir_dtype t);        /* bytes per element; 0 for UNDEFINED/STRING/unknown */
const char *ir_dtype_name(ir_dtype t);   /* "float32", "int64", ... */
int ir_dtype_is_float(ir_dtype t);       /* F16, BF16, F32, F64 */
int ir_dtype_is_signed(ir_dtype t);      /* signed integers (and floats) */

/* Generic element access, for ops that must handle every type (the slow path; hot ops specialise on F32). */
double ir_get_f64(ir_dtype t, const void *data, size_t i);
int64_t ir_get_i64(ir_dtype t, const void *data, size_t i);
void ir_set_f64(ir_dtype t, void *data, size_t i, double v); /* float->int conversions truncate, as C casts */
void ir_set_i64(ir_dtype t, void *data, size_t i, int64_t v);

typedef enum ir_op {
#define IR_OP(name, value) IR_OP_##name = value,
#include "ir/ops.def"
#undef IR_OP
    IR_OP_COUNT_PLUS_ONE_ /* internal: IR_OP_COUNT below is one past the largest value */
} ir_op;
#define IR_OP_COUNT ((int)IR_OP_COUNT_PLUS_ONE_)

const char *ir_op_name(ir_op op);                 /* "Conv"; NULL for a value with no op */
int ir_op_from_name(const char *onnx_name);       /* the ir_op, or -1 if the name is not an IR op */

typedef enum ir_attr_type {
    IR_ATTR_UNDEFINED = 0,
    IR_ATTR_FLOAT = 1,
    IR_ATTR_INT = 2,
    IR_ATTR_STRING = 3,
    IR_ATTR_TENSOR = 4,
    IR_ATTR_GRAPH = 5,
    IR_ATTR_FLOATS = 6,
    IR_ATTR_INTS = 7,
    IR_ATTR_STRINGS = 8,
    IR_ATTR_TENSORS = 9,
    IR_ATTR_GRAPHS = 10,
} ir_attr_type; /* ONNX's AttributeProto.AttributeType values */

struct ir_tensor;

typedef struct ir_attr {
    const char *name;
    ir_attr_type type;
    int64_t i;
    float f;
    const char *s;           /* STRING (NUL-terminated; ONNX strings here are names and modes) */
    int n;                   /* element count of INTS / FLOATS / STRINGS */
    int64_t *ints;
    float *floats;
    const char **strings;
    struct ir_tensor *t;     /* TENSOR: a constant tensor not in the graph's tensor list */
} ir_attr;

typedef enum ir_data_kind {
    IR_DATA_NONE = 0,    /* no data: an activation before it is computed */
    IR_DATA_CONST = 1,   /* constant, owned by the graph (initializer, Constant, folded) */
    IR_DATA_RUNTIME = 2, /* a live buffer bound by an executor; not owned by the graph */
} ir_data_kind;

enum { IR_T_INPUT = 1u << 0, IR_T_OUTPUT = 1u << 1 };

typedef struct ir_node ir_node;

typedef struct ir_tensor {
    const char *name;
    int id;                               /* index in graph->tensors */
    ir_dtype dtype;                       /* IR_UNDEFINED until known */
    int rank;                             /* -1: unknown */
    int64_t dims[IR_MAX_RANK];            /* -1: unknown */
    const char *dim_param[IR_MAX_RANK];   /* symbolic name of a dim, or NULL */
    void *data;
    ir_data_kind data_kind;
    ir_node *producer;                    /* NULL for inputs and constants */
    int n_consumers;                      /* set by ir_graph_link() */
    unsigned flags;                       /* IR_T_INPUT | IR_T_OUTPUT */
    float quant_scale;                    /* per-tensor INT8 scale from explicit quantization (a removed
                                           * QuantizeLinear/DequantizeLinear pair: real = scale * int8); 0: none */
} ir_tensor;

struct ir_node {
    const char *name;       /* never NULL: "<op>_<index>" when the model gave none */
    const char *op_type;    /* the ONNX op_type as written */
    ir_op op;
    int id;                 /* position in graph->nodes (topological after ir_graph_toposort) */
    int opset;              /* default-domain opset the model imports */
    int n_in, n_out;
    ir_tensor **in;         /* an omitted optional input is NULL */
    ir_tensor **out;        /* an omitted optional output is NULL */
    int n_attrs;
    ir_attr *attrs;
};

typedef struct ir_graph {
    base_arena *arena;
    const char *name;
    int opset;
    int n_tensors, cap_tensors;
    ir_tensor **tensors;
    int n_nodes, cap_nodes;
    ir_node **nodes;
    int n_inputs, n_outputs;
    ir_tensor **inputs;     /* graph inputs that are not constants, in model order */
    ir_tensor **outputs;
    void *name_index;       /* private: name -> tensor hash */
} ir_graph;

/* ---- graph building (graph.c) ---------------------------------------------------------------------------- */

dla_status ir_graph_create(ir_graph **out);
void ir_graph_destroy(ir_graph *g);

/* The tensor named `name`, or NULL. */
ir_tensor *ir_graph_find(const ir_graph *g, const char *name);
/* The tensor named `name`, created (unknown type and shape) if it does not exist yet. */
dla_status ir_graph_tensor(ir_graph *g, const char *name, ir_tensor **out);
/* A fresh tensor with a unique name derived from `base` (for rewrites). */
dla_status ir_graph_new_tensor(ir_graph *g, const char *base, ir_tensor **out);
/* A node with n_in/n_out NULL slots and room for n_attrs attributes (fill n->attrs[0..n_attrs)). */
dla_status ir_graph_add_node(ir_graph *g, ir_op op, const char *name, int n_in, int n_out, int n_attrs,
                             ir_node **out);
dla_status ir_graph_add_input(ir_graph *g, ir_tensor *t);
dla_status ir_graph_add_output(ir_graph *g, ir_tensor *t);
/* Allocates constant storage for t (dtype and dims must be set) in the arena, marks it IR_DATA_CONST. */
dla_status ir_tensor_alloc_const(ir_graph *g, ir_tensor *t);
/* Removes nodes whose slot is NULL and renumbers ids (after passes that drop nodes). */
void ir_graph_compact(ir_graph *g);

/* Sets producer / n_consumers from the node list; errors if a tensor has two producers. */
dla_status ir_graph_link(ir_graph *g);
/* Orders nodes so every producer precedes its consumers; errors naming a node on a cycle, or an input
 * that nothing produces and that is neither a graph input nor a constant. Calls ir_graph_link(). */
dla_status ir_graph_toposort(ir_graph *g);
/* Structural checks: arity, attribute types, dtypes known, every tensor produced once. */
dla_status ir_graph_verify(const ir_graph *g);

/* ---- subgraphs (subgraph.c) ----------------------------------------------------------------------------- */

/* A new graph (*out, the caller's) holding copies of g's nodes node_ids[0..n_nodes) (names, op, opset and deep-copied
 * attributes), their constant inputs with data, as graph inputs every other input no listed node produces (in
 * node order), and as graph outputs every tensor they produce that g outputs (in g's order) or an unlisted node
 * reads. Toposorted and inferred where possible. Errors: an id out of range or listed twice. */
dla_status ir_graph_extract(const ir_graph *g, const int *node_ids, int n_nodes, ir_graph **out);

/* ---- tensors (tensor.c) --------------------------------------------------------------------------------- */

int64_t ir_tensor_numel(const ir_tensor *t);   /* -1 if the shape is not fully known */
size_t ir_tensor_nbytes(const ir_tensor *t);   /* 0 if unknown */
int ir_tensor_shape_known(const ir_tensor *t);
void ir_tensor_set_shape(ir_tensor *t, int rank, const int64_t *dims);
/* "1x3x224x224" ("?" for unknown dims, "scalar" for rank 0, "unknown" for unknown rank) into buf. */
const char *ir_shape_str(const ir_tensor *t, char *buf, size_t size);
/* numpy broadcast of a and b into out/out_rank; error (naming node n) if incompatible. */
dla_status ir_broadcast(const ir_node *n, int ra, const int64_t *a, int rb, const int64_t *b, int *out_rank,
                        int64_t *out);

/* ---- attributes (attr.c) -------------------------------------------------------------------------------- */

const ir_attr *ir_node_attr(const ir_node *n, const char *name);
int64_t ir_attr_int(const ir_node *n, const char *name, int64_t dflt);
float ir_attr_float(const ir_node *n, const char *name, float dflt);
const char *ir_attr_str(const ir_node *n, const char *name, const char *dflt);
/* The INTS attribute `name` (its count in *count), or NULL with *count = 0 when absent. */
const int64_t *ir_attr_ints(const ir_node *n, const char *name, int *count);
const float *ir_attr_floats(const ir_node *n, const char *name, int *count);

/* Reads a 1-D integer constant/bound input (int32 or int64) into dst (max n_max values): the count, or -1 if
 * the input is absent or has no data. Used for axes/shape/pads inputs. */
int ir_input_ints(const ir_node *n, int idx, int64_t *dst, int n_max);

/* Errors about a node: "<OpType> '<name>': <message>". Returns the status. */
dla_status ir_node_error(const ir_node *n, dla_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- shape inference (infer.c + infer_<family>.c) ------------------------------------------------------- */

/* Infers dtype and shape of n's outputs from its inputs (reading input data when present). Leaves an output's
 * rank at -1 when it depends on data that is not available. Errors name the node, the rule and the values. */
typedef dla_status (*ir_infer_fn)(ir_node *n);
typedef struct ir_infer_entry {
    int op;             /* ir_op; a row with op < 0 ends a table */
    ir_infer_fn fn;
    int min_in, max_in; /* arity checked before fn runs (max_in -1: unbounded) */
    int min_out, max_out;
} ir_infer_entry;

/* Family tables, each terminated by a row with op = -1 (see infer.c for the list). */
extern const ir_infer_entry ir_infer_elementwise[];
extern const ir_infer_entry ir_infer_nn[];
extern const ir_infer_entry ir_infer_norm_pool[];
extern const ir_infer_entry ir_infer_reduce[];
extern const ir_infer_entry ir_infer_shape[];
extern const ir_infer_entry ir_infer_misc[];

const ir_infer_entry *ir_infer_lookup(ir_op op); /* NULL if no family infers op */
dla_status ir_infer_node(ir_node *n);
/* Infers every node in order (the graph must be topologically sorted). */
dla_status ir_graph_infer(ir_graph *g);

/* ---- constant folding (fold.c) -------------------------------------------------------------------------- */

/* Computes n's outputs: each out[i] has dtype/shape set and `data` pointing to writable storage of
 * ir_tensor_nbytes() bytes. The host executor provides this; the IR layer cannot compute. */
typedef dla_status (*ir_compute_fn)(void *user, ir_node *n);
/* Replaces every node whose inputs are all constant by constant outputs (except graph outputs' producers when
 * keep_outputs); returns the count folded in *n_folded (may be NULL). */
dla_status ir_graph_fold(ir_graph *g, ir_compute_fn compute, void *user, int *n_folded);

/* ---- statistics (stats.c) ------------------------------------------------------------------------------- */

/* Multiply-accumulates of one node (Conv, ConvTranspose, Gemm, MatMul; 0 for others or unknown shapes). */
int64_t ir_node_macs(const ir_node *n);
/* Parameter count of constant inputs of n (weights and biases). */
int64_t ir_node_params(const ir_node *n);

#endif
