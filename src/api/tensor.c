/* Public tensors: creation and .npy / .pb file I/O. */
#include "base/npy.h"
#include "dla/model.h"
#include "ir/ir.h"
#include "onnx/onnx_import.h"

#include <stdlib.h>
#include <string.h>

const char *dla_dtype_name(dla_dtype t) { return ir_dtype_name((ir_dtype)t); }
size_t dla_dtype_size(dla_dtype t) { return ir_dtype_size((ir_dtype)t); }

static size_t numel_of(int rank, const int64_t *dims)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    return n;
}

dla_status dla_tensor_create(const char *name, dla_dtype dtype, int rank, const int64_t *dims, dla_tensor **out)
{
    *out = NULL;
    if (rank < 0 || rank > DLA_MAX_RANK || !dla_dtype_size(dtype))
        return base_error(DLA_ERR_INVALID_ARG, "tensor '%s': rank %d or element type %d is not valid",
                          name ? name : "", rank, (int)dtype);
    size_t numel = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || !base_mul_size(numel, (size_t)dims[i], &numel) || numel > ((size_t)1 << 40))
            return base_error(DLA_ERR_INVALID_ARG, "tensor '%s': dimension %d (%lld) is not valid",
                              name ? name : "", i, (long long)dims[i]);
    }
    dla_tensor *t = calloc(1, sizeof *t);
    if (!t)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    t->dtype = dtype;
    t->rank = rank;
    if (rank)
        memcpy(t->dims, dims, sizeof(int64_t) * (size_t)rank);
    t->nbytes = numel * dla_dtype_size(dtype);
    t->data = calloc(1, t->nbytes ? t->nbytes : 1);
    t->name = name ? strdup(name) : NULL;
    if (!t->data || (name && !t->name)) {
        dla_tensor_destroy(t);
        return base_error(DLA_ERR_NOMEM, "out of memory for tensor '%s'", name ? name : "");
    }
    *out = t;
    return DLA_OK;
}

void dla_tensor_destroy(dla_tensor *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->data);
    free(t);
}

void dla_tensors_destroy(dla_tensor **ts, int n)
{
    if (!ts)
        return;
    for (int i = 0; i < n; i++)
        dla_tensor_destroy(ts[i]);
    free(ts);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static dla_status load_npy(const char *path, const void *bytes, size_t size, dla_tensor **out)
{
    base_npy npy;
    BASE_TRY(base_npy_parse(bytes, size, path, &npy));
    BASE_TRY(dla_tensor_create(NULL, (dla_dtype)npy.dtype, npy.rank, npy.dims, out));
    memcpy((*out)->data, npy.data, npy.nbytes);
    return DLA_OK;
}

static dla_status load_pb(const char *path, const void *bytes, size_t size, dla_tensor **out)
{
    ir_dtype dt;
    int rank;
    int64_t dims[IR_MAX_RANK];
    void *data;
    char *name;
    BASE_TRY(onnx_read_tensor_pb(bytes, size, path, &dt, &rank, dims, &data, &name));
    dla_tensor *t = calloc(1, sizeof *t);
    if (!t) {
        free(data);
        free(name);
        return base_error(DLA_ERR_NOMEM, "out of memory");
    }
    t->name = name;
    t->dtype = (dla_dtype)dt;
    t->rank = rank;
    if (rank)
        memcpy(t->dims, dims, sizeof(int64_t) * (size_t)rank);
    t->data = data;
    t->nbytes = numel_of(rank, dims) * ir_dtype_size(dt);
    *out = t;
    return DLA_OK;
}

dla_status dla_tensor_load(const char *path, dla_tensor **out)
{
    *out = NULL;
    base_clear_error();
    void *bytes;
    size_t size;
    BASE_TRY(base_read_file(path, &bytes, &size));
    dla_status st;
    if (size >= 6 && memcmp(bytes, "\x93NUMPY", 6) == 0)
        st = load_npy(path, bytes, size, out);
    else if (ends_with(path, ".npy"))
        st = base_error(DLA_ERR_FORMAT, "%s: not a .npy file (bad magic)", path);
    else
        st = load_pb(path, bytes, size, out);
    free(bytes);
    return st;
}

dla_status dla_tensor_save_npy(const dla_tensor *t, const char *path)
{
    base_clear_error();
    return base_npy_write(path, (int)t->dtype, t->rank, t->dims, t->data, t->nbytes);
}
