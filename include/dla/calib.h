/* dla/calib.h — INT8 calibration: per-tensor activation scales for a model, and TensorRT's calibration cache.
 *
 * The DLA runs INT8 with one symmetric scale per activation tensor (real = scale * q, q in [-127, 127]). The
 * scales come from a calibration cache (`trtexec --calib=FILE`), from the Q/DQ pairs of a quantized model, or
 * from calibration: running the model in FP32 on representative inputs and choosing a threshold per tensor.
 * A tensor without a scale runs FP16 (TensorRT's rule).
 *
 *     dla_model *m;
 *     dla_model_load_file("net.onnx", NULL, &m);
 *     dla_calib_options o = {.method = DLA_CALIB_ENTROPY};
 *     dla_calib *c;
 *     if (dla_model_calibrate_dir(m, "calib_inputs/", &o, &c) == DLA_OK) {   // .npy files, see below
 *         dla_calib_save(c, "net.cache");                                     // "TRT-8601-EntropyCalibration2"
 *         dla_calib_destroy(c);
 *     }
 *     dla_model_destroy(m);
 */
#ifndef DLA_CALIB_H
#define DLA_CALIB_H

#include "dla/model.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dla_calib_method {
    DLA_CALIB_MAX = 0,        /* amax = max |x| over all batches (scale = amax / 127) */
    DLA_CALIB_PERCENTILE = 1, /* amax = the percentile of |x| (default 99.99) */
    DLA_CALIB_ENTROPY = 2,    /* amax minimises the KL divergence of the 128-level quantized histogram (TensorRT's
                               * entropy calibration) */
} dla_calib_method;

/* Zero-initialised (or NULL): max calibration, 2048 histogram bins, all cores, 8 random batches. */
typedef struct dla_calib_options {
    dla_calib_method method;
    double percentile;  /* DLA_CALIB_PERCENTILE: 0 means 99.99 */
    int n_bins;         /* histogram bins for percentile/entropy; 0: 2048 */
    int n_threads;      /* 0: all cores */
    int random_batches; /* dla_model_calibrate_random: batches; 0: 8 */
    unsigned seed;      /* dla_model_calibrate_random */
} dla_calib_options;

/* Parses "max", "percentile", "percentile:99.9" or "entropy" into o->method / o->percentile. */
dla_status dla_calib_parse_method(const char *spec, dla_calib_options *o);

/* A table of per-tensor scales (tensor name -> scale). */
typedef struct dla_calib dla_calib;

/* Calibrates m on n_batches batches; batches[b] points to n_inputs tensors (matched to the model's inputs by
 * name, or by position when a name is NULL), each with the model's dtype and a shape the model accepts. The
 * tensors are only read. m's graph is not changed (the model still runs as before). */
dla_status dla_model_calibrate(dla_model *m, const dla_calib_options *o, int n_batches, int n_inputs,
                               const dla_tensor *const *const *batches, dla_calib **out);
/* Calibrates on the .npy files of folder dir:
 *   - a model with one input: the files NAME_*.npy (NAME = the input's name with every character other than
 *     [A-Za-z0-9_.-] replaced by '_'); when there are none, every *.npy file in the folder. Each file is one
 *     input batch;
 *   - several inputs: files NAME_K.npy, one per input for each key K (the longest matching input name wins):
 *     the files with the same K form one batch; a key missing an input is an error.
 *   Each file must have the input's element type and rank, and match every known dimension except the first:
 *   when the model's batch dimension is fixed and the file holds a multiple of it (e.g. 8 images for a batch-1
 *   model), the file is split into that many batches. Files in name order ("input_2" before "input_10").
 * An empty folder, or a file that does not fit, is an error naming the file. */
dla_status dla_model_calibrate_dir(dla_model *m, const char *dir, const dla_calib_options *o, dla_calib **out);
/* Calibrates on random inputs (o->random_batches batches, o->seed): for latency builds only. Logs a warning
 * "calibrating on random inputs: INT8 accuracy will be meaningless". */
dla_status dla_model_calibrate_random(dla_model *m, const dla_calib_options *o, dla_calib **out);
/* The per-tensor scales a quantized model's QuantizeLinear/DequantizeLinear pairs give, after the DLA rewrites
 * (which this applies to m's graph, as dla_model_place does; the Q/DQ pairs are removed from the graph). */
dla_status dla_model_qdq_scales(dla_model *m, dla_calib **out);

/* Reads a TensorRT calibration cache ("TRT-<version>-<calibrator>" then "<tensor>: <hex bits of the float32
 * scale>" per line). A malformed line is DLA_ERR_FORMAT naming the file and the line ("net.cache:7: ..."). */
dla_status dla_calib_load(const char *path, dla_calib **out);
/* Writes c as a TensorRT calibration cache with the header "TRT-8601-EntropyCalibration2" (atomically). */
dla_status dla_calib_save(const dla_calib *c, const char *path);
void dla_calib_destroy(dla_calib *c); /* NULL: no-op */

typedef struct dla_calib_entry {
    const char *name; /* owned by the table */
    float scale;      /* real = scale * int8 */
    float amax;       /* 127 * scale: the threshold */
    float max_abs;    /* the largest |x| seen when calibrating; 0 when not known (read from a cache / Q/DQ) */
} dla_calib_entry;
int dla_calib_count(const dla_calib *c);
dla_status dla_calib_get(const dla_calib *c, int i, dla_calib_entry *out);
/* 1 and *scale (may be NULL) when the tensor has a scale; else 0. */
int dla_calib_find(const dla_calib *c, const char *tensor_name, float *scale);
/* The cache header read by dla_calib_load ("" otherwise). */
const char *dla_calib_header(const dla_calib *c);

#ifdef __cplusplus
}
#endif
#endif
