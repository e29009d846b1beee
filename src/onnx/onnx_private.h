/* onnx: private declarations shared by the importer's files (tensor_proto.c, attrs.c, import.c).
 * Includes the protobuf-c code generated from onnx.proto at build time. */
#ifndef DLA_ONNX_PRIVATE_H
#define DLA_ONNX_PRIVATE_H

#include "onnx.pb-c.h"
#include "onnx/onnx_import.h"

/* What every conversion needs to name the file in errors and to find external data. */
typedef struct onnx_ctx {
    const char *origin;   /* file name for messages */
    const char *base_dir; /* folder of external data files, or NULL */
    ir_graph *g;          /* graph under construction (its arena holds converted data) */
} onnx_ctx;

/* ---- TensorProto (tensor_proto.c) ---------------------------------------------------------------------- */

/* Validates a TensorProto's type and dims: *dtype, *rank, dims[0..rank) and the element count *numel.
 * `what` names the tensor in errors ("tensor 'w'"). */
dla_status onnx_tensor_header(const Onnx__TensorProto *tp, const char *origin, const char *what, ir_dtype *dtype,
                              int *rank, int64_t *dims, int64_t *numel);
/* Copies the tensor's elements (raw_data, a typed field or external data) into dst, which holds
 * numel * ir_dtype_size(dtype) bytes, after checking that the stored size matches. */
dla_status onnx_tensor_fill(const Onnx__TensorProto *tp, const char *origin, const char *base_dir,
                            const char *what, ir_dtype dtype, int64_t numel, void *dst);
/* Sets t's dtype and shape from tp and gives it constant data in c->g's arena (IR_DATA_CONST). */
dla_status onnx_tensor_to_ir(const onnx_ctx *c, const Onnx__TensorProto *tp, const char *what, ir_tensor *t);

/* ---- attributes (attrs.c) ------------------------------------------------------------------------------- */

/* The attribute's type, deduced from the set field when an old model (IR 1) leaves `type` out. */
Onnx__AttributeProto__AttributeType onnx_attr_type(const Onnx__AttributeProto *ap);
/* Converts one node attribute into out (strings, arrays and TENSOR values are copied into c->g's arena).
 * `node` names the node in errors ("node 'conv1'"). GRAPH(S) and sparse or type attributes are refused. */
dla_status onnx_convert_attr(const onnx_ctx *c, const char *node, const Onnx__AttributeProto *ap, ir_attr *out);

/* ---- Constant nodes (constant.c) ------------------------------------------------------------------------ */

/* Turns a Constant node into constant data on tensor t (value, value_float(s), value_int(s)). */
dla_status onnx_constant_to_ir(const onnx_ctx *c, const char *node, const Onnx__NodeProto *np, ir_tensor *t);

#endif
