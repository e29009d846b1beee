/* onnx: ONNX protobuf -> IR.
 *
 * Ownership: the returned graph is the caller's (ir_graph_destroy). The input bytes are only read during the
 * call. Every error names the file (the `origin` argument), node or tensor, and returns a non-OK status with
 * nothing allocated. */
#ifndef DLA_ONNX_IMPORT_H
#define DLA_ONNX_IMPORT_H

#include "ir/ir.h"

typedef struct onnx_shape_override {
    const char *name;          /* graph input name */
    int rank;
    int64_t dims[IR_MAX_RANK];
} onnx_shape_override;

typedef struct onnx_import_options {
    const char *origin;        /* file name used in messages; "<memory>" if NULL */
    const char *base_dir;      /* folder for external data files; NULL: external data is an error */
    const onnx_shape_override *shapes; /* --shapes overrides for inputs with symbolic dims */
    int n_shapes;
} onnx_import_options;

/* Parses an ONNX ModelProto into a new graph: initializers and Constant nodes become constant tensors,
 * Identity-of-constant is resolved, nodes are topologically sorted and shapes inferred where static. */
dla_status onnx_import(const void *bytes, size_t size, const onnx_import_options *opt, ir_graph **out);
/* The same for malloc'd bytes that the import takes over: it frees them as soon as they are parsed (whatever the
 * outcome), so the file and the graph's constants are never held at once. */
dla_status onnx_import_owned(void *bytes, size_t size, const onnx_import_options *opt, ir_graph **out);

/* Reads and imports the model file at `path`. opt may be NULL; unset origin defaults to `path` and unset base_dir
 * to the file's folder (for external data). */
dla_status onnx_import_file(const char *path, const onnx_import_options *opt, ir_graph **out);

/* Parses a serialized TensorProto (.pb test data) into a malloc'd buffer with dtype/shape; the name (if any)
 * is strdup'd into *name (caller frees, may be NULL). */
dla_status onnx_read_tensor_pb(const void *bytes, size_t size, const char *origin, ir_dtype *dtype, int *rank,
                               int64_t *dims, void **data, char **name);
/* The same for a .pb file at `path` (dims must hold IR_MAX_RANK values). */
dla_status onnx_read_tensor_pb_file(const char *path, ir_dtype *dtype, int *rank, int64_t *dims, void **data,
                                    char **name);

/* ---- export (export.c, export_forms.c) ------------------------------------------------------------------ */

typedef struct onnx_export_options {
    int opset; /* 0: automatic (the largest node opset; 18 is lowered to 17 when every node can be written at 17);
                * else the opset to write (not below the automatic one): nodes are converted forward to it */
} onnx_export_options;

/* Serializes g as an ONNX ModelProto (IR version 8, producer "dlakit") into a malloc'd buffer (*bytes, the
 * caller frees; *size bytes): nodes written in their form at the export opset (attributes that became inputs
 * and similar changes are converted), constants as raw_data initializers, inputs/outputs with type and shape.
 * g is only read. onnx_import() of the bytes gives back an equivalent graph. */
dla_status onnx_export(const ir_graph *g, void **bytes, size_t *size);
dla_status onnx_export_ex(const ir_graph *g, const onnx_export_options *opt, void **bytes, size_t *size);
/* onnx_export_ex() into the file at path (written atomically). opt may be NULL. */
dla_status onnx_export_file(const ir_graph *g, const onnx_export_options *opt, const char *path);

#endif
