/* .npy files: parse (views into the caller's bytes) and write. dtype values are ONNX TensorProto codes. */
#ifndef DLA_BASE_NPY_H
#define DLA_BASE_NPY_H

#include "base/base.h"

#define BASE_NPY_MAX_RANK 8

typedef struct base_npy {
    int dtype;
    int rank;
    int64_t dims[BASE_NPY_MAX_RANK];
    const void *data; /* points into the parsed bytes */
    size_t nbytes;
} base_npy;

dla_status base_npy_parse(const void *bytes, size_t size, const char *origin, base_npy *out);
dla_status base_npy_write(const char *path, int dtype, int rank, const int64_t *dims, const void *data,
                          size_t nbytes);

#endif
