/* dla/model.h — load an ONNX model and run it on the host FP32 reference executor.
 *
 * The host executor is dlakit's "GPU fallback" device and the reference every DLA result is compared with.
 *
 *     dla_model *m;
 *     if (dla_model_load_file("net.onnx", NULL, &m) != DLA_OK) { puts(dla_last_error()); return 1; }
 *     dla_tensor *x;                                  // e.g. from dla_tensor_load("input.npy", &x)
 *     dla_tensor **ys; int n_ys;
 *     if (dla_model_run(m, NULL, 1, (const dla_tensor *const *)&x, &ys, &n_ys) == DLA_OK) {
 *         ...use ys[0]->data...
 *         dla_tensors_destroy(ys, n_ys);
 *     }
 *     dla_tensor_destroy(x);
 *     dla_model_destroy(m);
 */
#ifndef DLA_MODEL_H
#define DLA_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLA_MAX_RANK 8

/* Element types; the values are ONNX's TensorProto.DataType. */
typedef enum dla_dtype {
    DLA_FLOAT32 = 1, DLA_UINT8 = 2, DLA_INT8 = 3, DLA_UINT16 = 4, DLA_INT16 = 5, DLA_INT32 = 6, DLA_INT64 = 7,
    DLA_BOOL = 9, DLA_FLOAT16 = 10, DLA_FLOAT64 = 11, DLA_UINT32 = 12, DLA_UINT64 = 13, DLA_BFLOAT16 = 16
} dla_dtype;

/* A dense row-major tensor. Tensors returned by the library own name and data (free with dla_tensor_destroy);
 * tensors the caller builds are only read by the library. */
typedef struct dla_tensor {
    char *name;
    dla_dtype dtype;
    int rank;
    int64_t dims[DLA_MAX_RANK];
    void *data;
    size_t nbytes;
} dla_tensor;

const char *dla_dtype_name(dla_dtype t);
size_t dla_dtype_size(dla_dtype t);

/* Reads a tensor from a .npy file or an ONNX TensorProto .pb file (by extension; content is checked). */
dla_status dla_tensor_load(const char *path, dla_tensor **out);
/* Writes a tensor as .npy (atomically: a failed write leaves no file). */
dla_status dla_tensor_save_npy(const dla_tensor *t, const char *path);
/* A new tensor with a copy of name (may be NULL), zeroed data. */
dla_status dla_tensor_create(const char *name, dla_dtype dtype, int rank, const int64_t *dims, dla_tensor **out);
void dla_tensor_destroy(dla_tensor *t);
void dla_tensors_destroy(dla_tensor **ts, int n); /* destroys each and the array */

typedef struct dla_model dla_model;

typedef struct dla_load_options {
    /* Input shape overrides in trtexec's --shapes spelling: "input:1x3x224x224,mask:1x10". NULL: none. */
    const char *shapes;
    int no_fold;     /* 1: keep constant subgraphs (for inspecting the graph as written) */
} dla_load_options;

/* Loads an ONNX model (external data is read from the model's folder). On error *out is NULL and
 * dla_last_error() names the file and the problem. */
dla_status dla_model_load_file(const char *path, const dla_load_options *opts, dla_model **out);
dla_status dla_model_load_memory(const void *bytes, size_t size, const dla_load_options *opts, dla_model **out);
void dla_model_destroy(dla_model *m);
/* The message of the last error on this model ("" if none). Valid until the next call on m. */
const char *dla_model_last_error(const dla_model *m);

int dla_model_num_inputs(const dla_model *m);
int dla_model_num_outputs(const dla_model *m);
/* Name, dtype and shape (-1 for unknown dims) of an input/output; info->data is NULL. Pointers stay owned by m. */
dla_status dla_model_input(const dla_model *m, int i, dla_tensor *info);
dla_status dla_model_output(const dla_model *m, int i, dla_tensor *info);

/* One layer (node) as `dla info` shows it. Strings are owned by m. */
typedef struct dla_layer_info {
    const char *name;
    const char *op;
    const char *output;      /* first output name */
    char shape[96];          /* first output's shape, "1x64x56x56" */
    int64_t params;
    int64_t macs;
} dla_layer_info;
int dla_model_num_layers(const dla_model *m);
dla_status dla_model_layer(const dla_model *m, int i, dla_layer_info *info);
int dla_model_opset(const dla_model *m);

typedef struct dla_run_options {
    int n_threads; /* 0: all cores */
} dla_run_options;

/* Runs the model on the host executor. inputs are matched by name (or by position when a name is NULL);
 * *outputs receives a new array of n_outputs tensors that the caller frees with dla_tensors_destroy. */
dla_status dla_model_run(dla_model *m, const dla_run_options *opts, int n_inputs, const dla_tensor *const *inputs,
                         dla_tensor ***outputs, int *n_outputs);
/* Peak bytes of activation buffers during the last run (weights excluded). */
size_t dla_model_peak_activation_bytes(const dla_model *m);

#ifdef __cplusplus
}
#endif
#endif
