/* ONNX ModelProto -> IR (placeholder until the importer lands). */
#include "onnx/onnx_import.h"

dla_status onnx_import(const void *bytes, size_t size, const onnx_import_options *opt, ir_graph **out)
{
    (void)bytes; (void)size; (void)opt;
    *out = NULL;
    return base_error(DLA_ERR_UNSUPPORTED, "ONNX import is not implemented yet");
}

dla_status onnx_read_tensor_pb(const void *bytes, size_t size, const char *origin, ir_dtype *dtype, int *rank,
                               int64_t *dims, void **data, char **name)
{
    (void)bytes; (void)size; (void)dtype; (void)rank; (void)dims; (void)data; (void)name;
    return base_error(DLA_ERR_UNSUPPORTED, "%s: TensorProto reading is not implemented yet", origin);
}
