/* dla/perf.h — how fast a network runs on the DLA: per-layer and total time predicted from the compiled
 * loadable's engine operations, for a platform (Orin, Xavier, NVDLA nv_full) and power mode. The model, its
 * parameters (measured, derived or fitted) and its calibration are in docs/perf-model.md.
 *
 *     dla_perf_options po = {.platform = "orin", .power_mode = "15W", .cores = 2};
 *     dla_perf_report *r;
 *     if (dla_perf_predict(bytes, size, &po, &r) == DLA_OK) {            // bytes: a .dla file's contents
 *         dla_perf_summary s;
 *         dla_perf_get_summary(r, &s);
 *         printf("%.3f ms, %.1f images/s\n", s.latency_ms, s.images_per_s);
 *         dla_perf_report_destroy(r);
 *     }
 *
 * dla_perf_predict_model() builds the loadable of an ONNX model first (dla_builder_build); for an INT8 build
 * without any scale source it uses timing-only scales (every tensor 1.0: the engine ops, and so the time, do
 * not depend on the scale values), which is much faster than calibrating on random inputs.
 */
#ifndef DLA_PERF_H
#define DLA_PERF_H

#include <stddef.h>
#include <stdint.h>

#include "dla/compiler.h"
#include "dla/model.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dla_perf_sparsity {
    DLA_PERF_SPARSITY_DISABLE = 0, /* dense (trtexec --sparsity=disable) */
    DLA_PERF_SPARSITY_ENABLE = 1,  /* 2:4 where the weights carry the pattern */
    DLA_PERF_SPARSITY_FORCE = 2,   /* every eligible INT8 conv (C > 64) as 2:4 sparse (trtexec's force) */
} dla_perf_sparsity;

/* Zero-initialised (or NULL): Orin, MAXN, one core, the loadable's batch, dense. */
typedef struct dla_perf_options {
    const char *platform;   /* "orin" (NULL), "xavier", "nv_full" */
    const char *power_mode; /* orin: "MAXN" (NULL), "50W", "30W", "15W"; xavier: "MAXN", "30W", "15W", "10W";
                             * nv_full (1 GHz): "20GB" (NULL), "10GB" of DRAM bandwidth */
    int cores;              /* cores each running a copy of the network at once (trtexec per core); 0: 1 */
    int batch;              /* images per inference; 0: the loadable's (its first input's first dim) */
    dla_perf_sparsity sparsity;
    const char *params;     /* parameter overrides "name=value,..." (the calibration script); NULL: none */
} dla_perf_options;

typedef struct dla_perf_report dla_perf_report;

/* Predicts the time of a loadable (bytes of a .dla). Errors: DLA_ERR_FORMAT for a corrupt loadable,
 * DLA_ERR_INVALID_ARG for an unknown platform, mode, parameter or too many cores. */
dla_status dla_perf_predict(const void *loadable, size_t size, const dla_perf_options *o, dla_perf_report **out);
/* Builds m (rewrites m's graph as dla_builder_build does) with bo (NULL: FP16) and predicts. bo->platform is
 * taken from o->platform ("xavier" builds for Xavier). */
dla_status dla_perf_predict_model(dla_model *m, const dla_build_options *bo, const dla_perf_options *o,
                                  dla_perf_report **out);
/* The build step of dla_perf_predict_model alone: the loadable (malloc'd, free() it) it predicts from. */
dla_status dla_perf_build_model(dla_model *m, const dla_build_options *bo, const char *platform, void **bytes,
                                size_t *size);
void dla_perf_report_destroy(dla_perf_report *r); /* NULL: no-op */

typedef struct dla_perf_layer {
    const char *name;       /* fused layer name ("Conv_1 + Relu_2") */
    const char *engines;    /* "CONV+SDP+PDP" */
    const char *precision;  /* "INT8", "FP16" */
    const char *bound;      /* "math", "memory" or "overhead": what sets the layer's time */
    int64_t macs;           /* per image */
    double bytes;           /* DRAM bytes per image */
    double math_us, mem_us, overhead_us, time_us; /* per image on one core; time = max(math, mem) + overhead */
    int sparse_convs;       /* convs that ran 2:4 sparse */
} dla_perf_layer;

typedef struct dla_perf_summary {
    const char *platform, *power_mode;
    int cores, batch, n_layers, n_dla_tasks, n_host_tasks;
    int64_t macs;           /* per image */
    double dram_bytes;      /* per image */
    double single_core_ms;  /* one inference on one core alone */
    double latency_ms;      /* one inference on one core while `cores` cores run (sharing DRAM) */
    double images_per_s;    /* cores * batch / latency */
    int dram_limited;       /* the shared DRAM, not the cores, limits the multi-core rate */
    double clock_mhz, dram_gbs;
} dla_perf_summary;

int dla_perf_num_layers(const dla_perf_report *r);
dla_status dla_perf_get_layer(const dla_perf_report *r, int i, dla_perf_layer *out);
void dla_perf_get_summary(const dla_perf_report *r, dla_perf_summary *out);
/* The whole report (summary, hardware parameters with their sources, layers) as one JSON object, or as the
 * human table (json == 0). *text is malloc'd. */
dla_status dla_perf_format(const dla_perf_report *r, int json, char **text);

#ifdef __cplusplus
}
#endif
#endif
