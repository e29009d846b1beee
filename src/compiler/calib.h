/* INT8 calibration (compiler layer): per-tensor scale tables, activation-range collection on the host FP32
 * executor, the max / percentile / entropy calibrators, TensorRT's calibration-cache text format, and the scales
 * that explicit quantization (Q/DQ pairs) left on the graph.
 *
 * Scales are symmetric and per tensor, as on the DLA: real = scale * q, q in [-127, 127], zero point 0;
 * scale = amax / 127 where amax is the calibrated threshold on |x| (values beyond it saturate). The INT8 lowering
 * looks tensors up by name; a tensor without a scale runs FP16 (TensorRT's rule).
 *
 *     cc_scale_table *t;
 *     cc_calib_options o = {.method = CC_CALIB_ENTROPY};
 *     BASE_TRY(cc_scale_table_create(&t));
 *     st = cc_calibrate(g, n_batches, my_feed, my_data, &o, t);   // my_feed binds batch b on g->inputs
 *     st = cc_calib_cache_write("net.cache", t, NULL);          // "TRT-8601-EntropyCalibration2" + lines
 *     float s;
 *     if (cc_scale_table_find(t, "conv1_out", &s)) ...            // INT8 with scale s, else FP16
 *     cc_scale_table_free(t);
 */
#ifndef DLA_COMPILER_CALIB_H
#define DLA_COMPILER_CALIB_H

#include "ir/ir.h"

/* ---- scale tables (calib_table.c) ---------------------------------------------------------------------- */

typedef struct cc_scale {
    char *name;    /* tensor name (owned by the table) */
    float scale;   /* real = scale * int8; amax = 127 * scale */
    float max_abs; /* the largest |x| calibration saw (>= amax for a clipping calibrator); 0: not known (read
                    * from a cache or from Q/DQ) */
} cc_scale;

typedef struct cc_scale_table {
    int n;           /* entries, in insertion order: items[0 .. n) */
    cc_scale *items;
    char header[96]; /* the cache header read ("TRT-8601-EntropyCalibration2"), "" when none */
    /* private */
    int cap;
    int *slots;      /* open-addressing name index: item index + 1, 0 = empty */
    int n_slots;
} cc_scale_table;

dla_status cc_scale_table_create(cc_scale_table **out);
void cc_scale_table_free(cc_scale_table *t); /* NULL: no-op */
/* Adds or replaces name's scale. scale must be finite and >= 0 (0 is kept: a cache may hold it; the lowering
 * treats scale 0 as "no scale"). max_abs: 0 when unknown. */
dla_status cc_scale_table_add(cc_scale_table *t, const char *name, float scale, float max_abs);
/* 1 and *scale (may be NULL) when name has an entry, else 0. */
int cc_scale_table_find(const cc_scale_table *t, const char *name, float *scale);
const cc_scale *cc_scale_table_get(const cc_scale_table *t, const char *name); /* NULL if none */
/* Copies src's entries into dst; an entry dst already has is replaced only when overwrite is 1. */
dla_status cc_scale_table_merge(cc_scale_table *dst, const cc_scale_table *src, int overwrite);

/* ---- TensorRT calibration cache (calib_cache.c) --------------------------------------------------------- */

/* The text format TensorRT's calibrators and NVIDIA's qdq-translator write:
 *     TRT-8601-EntropyCalibration2          (header: TRT-<version>-<algorithm>; any version and algorithm)
 *     input: 3c010204                       (one line per tensor: <name>: <IEEE-754 float32 scale bits in hex>)
 * Names may contain ':' (the last ": " separates the value). Reading accepts the header with any version and
 * algorithm, a missing header (the first line is already an entry), CRLF line ends and blank lines; a malformed
 * line is DLA_ERR_FORMAT naming the file and line ("net.cache:7: ..."). A later line for the same tensor
 * replaces an earlier one. */
dla_status cc_calib_cache_read(const char *path, cc_scale_table *out);
/* The same from memory; origin names the source in errors. */
dla_status cc_calib_cache_parse(const char *text, size_t size, const char *origin, cc_scale_table *out);
/* Writes t (in its order) with header (NULL: "TRT-8601-EntropyCalibration2", the algorithm trtexec's --calib
 * calibrator reads, whatever calibrator produced the scales, as qdq-translator also does). Atomic. */
dla_status cc_calib_cache_write(const char *path, const cc_scale_table *t, const char *header);
/* The text cc_calib_cache_write writes, malloc'd (caller frees); its length in *size. */
dla_status cc_calib_cache_format(const cc_scale_table *t, const char *header, char **text, size_t *size);

/* ---- explicit quantization (calib_qdq.c) ---------------------------------------------------------------- */

/* Adds the per-tensor scales the qdq-to-scales rewrite recorded (ir_tensor.quant_scale > 0) to out: activation
 * tensors always, constant (weight) tensors when include_weights. Returns the count added in *n_added (may be
 * NULL). Run it after cc_rewrite() on a model with QuantizeLinear/DequantizeLinear pairs. */
dla_status cc_scales_from_qdq(const ir_graph *g, int include_weights, cc_scale_table *out, int *n_added);

/* ---- calibrators on a histogram of |x| (calib_method.c) ------------------------------------------------- */

#define CC_CALIB_BINS 2048

typedef enum cc_calib_method {
    CC_CALIB_MAX = 0,        /* amax = max |x| */
    CC_CALIB_PERCENTILE = 1, /* amax = the given percentile of |x| (all values, zeros included) */
    CC_CALIB_ENTROPY = 2,    /* amax = the threshold whose 128-level quantization loses the least information
                              * (KL divergence), after TensorRT's entropy calibration; see calib_method.c */
} cc_calib_method;

/* "max", "percentile" (99.99), "percentile:99.9", "entropy" -> method and percentile; an error names the text. */
dla_status cc_calib_parse_method(const char *spec, cc_calib_method *method, double *percentile);
const char *cc_calib_method_name(cc_calib_method m); /* "max", "percentile", "entropy" */

/* Adds |x| of n floats to hist (n_bins bins spanning [0, hist_max]; |x| >= hist_max goes to the last bin);
 * exact zeros (and NaN) are not binned: zeros are counted in *n_zeros. Uses up to n_threads threads. */
void cc_hist_add_f32(uint64_t *hist, int n_bins, double hist_max, const float *x, size_t n, uint64_t *n_zeros,
                     int n_threads);
/* The threshold below which `percentile` % of all values lie (zeros included), interpolated within its bin. */
double cc_calib_percentile(const uint64_t *hist, int n_bins, double hist_max, uint64_t n_zeros, double percentile);
/* The entropy-calibration threshold: the KL-divergence minimiser over candidate thresholds of 128..n_bins bins
 * (returns a multiple of the bin width; n_bins * width = hist_max when nothing is clipped). */
double cc_calib_entropy(const uint64_t *hist, int n_bins, double hist_max);

/* ---- range collection on the host executor (calib.c) ---------------------------------------------------- */

/* One float activation tensor's statistics over every batch run so far. */
typedef struct cc_range {
    const ir_tensor *t; /* borrowed from the graph */
    double max_abs;     /* max |x| (NaN ignored; may be +inf) */
    uint64_t n_values;  /* elements seen (pass 0) */
    uint64_t n_zeros;   /* exact zeros seen while histogramming (pass 1) */
    double hist_max;    /* pass 1: the histogram spans [0, hist_max] (= max_abs after pass 0) */
    uint64_t *hist;     /* pass 1: n_bins counts of nonzero |x|; NULL in pass 0 */
} cc_range;

typedef struct cc_collector cc_collector;

typedef struct cc_calib_options {
    cc_calib_method method;
    double percentile; /* CC_CALIB_PERCENTILE: 0 means 99.99 */
    int n_bins;        /* histogram bins; 0: CC_CALIB_BINS (at least 128 for entropy) */
    int n_threads;     /* 0: all cores */
} cc_calib_options;

/* A collector for g: every float node output and every float graph input gets a range. g is borrowed (sorted,
 * inferred, folded: the host executor runs it, without kernel fusion, so every node output is observed). */
dla_status cc_collector_create(ir_graph *g, const cc_calib_options *o, cc_collector **out);
void cc_collector_destroy(cc_collector *c);
/* Runs g once with the inputs the caller bound on g->inputs (dtype, shape, data) and adds every activation to
 * the ranges: pass 0 records max |x|, pass 1 fills the histograms. Tensor shapes are restored after the run. */
dla_status cc_collector_run(cc_collector *c);
/* Ends pass 0: each histogram is set up over [0, max |x|]. The same batches must then be run again. */
dla_status cc_collector_start_histograms(cc_collector *c);
int cc_collector_count(const cc_collector *c);
const cc_range *cc_collector_range(const cc_collector *c, int i);
const cc_range *cc_collector_find(const cc_collector *c, const char *tensor_name);
/* The scales by method (max needs pass 0 only; percentile and entropy need pass 1): adds one entry per range
 * with a finite, positive threshold; tensors never nonzero, or with inf, are left out (logged at WARN). */
dla_status cc_collector_scales(const cc_collector *c, cc_calib_method method, double percentile,
                               cc_scale_table *out);

/* ---- one-shot calibration (calib_run.c) ----------------------------------------------------------------- */

/* Binds batch `batch` (0 <= batch < n_batches) on g->inputs: for each input, dtype, shape and data (borrowed
 * until the next call). It is called once per batch per pass, so it must give the same data each time. */
typedef dla_status (*cc_calib_feed_fn)(void *user, int batch, ir_graph *g);

/* Collects ranges over n_batches batches (one pass for max, two otherwise) and adds the scales to out. g's
 * inputs and tensor shapes are as before on return. */
dla_status cc_calibrate(ir_graph *g, int n_batches, cc_calib_feed_fn feed, void *user, const cc_calib_options *o,
                        cc_scale_table *out);
/* Calibration on random inputs (standard-normal floats; integers 0..9; unknown dims taken as 1), for latency
 * builds without data. Logs at WARN: "calibrating on random inputs: INT8 accuracy will be meaningless". */
dla_status cc_calibrate_random(ir_graph *g, int n_batches, unsigned seed, const cc_calib_options *o,
                               cc_scale_table *out);

#endif
