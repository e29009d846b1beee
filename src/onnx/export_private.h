/* onnx: private declarations of the exporter (export.c writes protobuf messages, export_forms.c rewrites a node
 * into the form its operator has at the export opset). */
#ifndef DLA_ONNX_EXPORT_PRIVATE_H
#define DLA_ONNX_EXPORT_PRIVATE_H

#include "onnx/onnx_private.h"

/* The export in progress: every protobuf message lives in `a` until the model is packed. */
typedef struct ex_ctx {
    const ir_graph *g;
    base_arena *a;
    int opset;                    /* the export opset */
    Onnx__NodeProto **nodes;      /* emitted nodes (malloc'd array) */
    size_t n_nodes, cap_nodes;
    Onnx__TensorProto **inits;    /* initializers made by conversions (malloc'd array) */
    size_t n_inits, cap_inits;
    unsigned char *used;          /* per g tensor id: read by an emitted node */
    const char **names;           /* names made by conversions (malloc'd array) */
    int n_names, cap_names;
} ex_ctx;

/* One node being written: a mutable copy of an ir_node's op type, tensor names and attributes. */
typedef struct ex_node {
    const ir_node *src;           /* the IR node it comes from (errors name it) */
    const char *op_type, *name;
    int n_in, n_out;
    const char **in, **out;       /* "" for an omitted optional slot; in has room for n_in + 8 */
    int n_attrs, cap_attrs;
    ir_attr *attrs;
} ex_node;

/* ---- export.c: building blocks for the conversions -------------------------------------------------------- */

/* A fresh node (op_type, name) with room for n_in (+8) inputs, n_out outputs and n_attrs (+8) attributes. */
dla_status ex_node_new(ex_ctx *c, const ir_node *src, const char *op_type, const char *name, int n_in, int n_out,
                       int n_attrs, ex_node *e);
/* Serializes e and appends it to the model's node list. */
dla_status ex_emit(ex_ctx *c, const ex_node *e);
/* A new initializer with a unique name derived from `base`; data is copied (numel * dtype size bytes). Its name is
 * returned in *name. */
dla_status ex_const(ex_ctx *c, const char *base, ir_dtype dt, int rank, const int64_t *dims, const void *data,
                    const char **name);
/* The same for a 1-D int64 list and a scalar of dtype dt holding v. */
dla_status ex_const_ints(ex_ctx *c, const char *base, const int64_t *v, int n, const char **name);
dla_status ex_const_scalar(ex_ctx *c, const char *base, ir_dtype dt, double v, const char **name);
/* A unique new tensor name derived from base (for intermediate tensors of conversions). */
dla_status ex_unique_name(ex_ctx *c, const char *base, const char **name);

/* Attribute edits on e: the index of `name` or -1; removal; adding (replacing a same-named one). */
int ex_attr_find(const ex_node *e, const char *name);
void ex_attr_remove(ex_node *e, const char *name);
dla_status ex_attr_int(ex_ctx *c, ex_node *e, const char *name, int64_t v);
dla_status ex_attr_str(ex_ctx *c, ex_node *e, const char *name, const char *s);
dla_status ex_attr_ints(ex_ctx *c, ex_node *e, const char *name, const int64_t *v, int n);
/* Sets input slot i (growing n_in, filling gaps with ""). */
void ex_set_input(ex_node *e, int i, const char *name);

/* ---- export_forms.c ------------------------------------------------------------------------------------- */

/* The opset the graph is written at: the largest node opset, lowered from 18 to 17 when every node can be
 * written at 17. */
int ex_choose_opset(const ir_graph *g);
/* Writes node n at c->opset: converts attribute/input forms that changed between n->opset and the export
 * opset (possibly as several nodes) and emits them. Errors name the node and the form that cannot be
 * converted. */
dla_status ex_node_forms(ex_ctx *c, const ir_node *n);

#endif
