/* perf: the performance model of the DLA — per-layer and total time of a compiled loadable on a platform and
 * power mode (docs/perf-model.md).
 *
 * Three parts:
 *   - hardware descriptions as data (hw.c): one perf_hw per platform and power mode, every parameter with its
 *     provenance (measured / derived / fitted / assumed) and where it comes from;
 *   - a cycle model per engine operation (cost.c): CONV MAC cycles with atomic-C / atomic-K padding and the
 *     stripe rules of NVDLA's convolution pipeline (reference engine.md §1.3), DRAM traffic with the
 *     convolution-buffer re-fetch rules of NVDLA's performance spreadsheet (engine.md §1.8), SDP / PDP / CDP /
 *     RUBIK / BDMA element rates, 2:4 sparse INT8 convolutions;
 *   - the walk over a loadable (predict.c): ops grouped into fused layers (a CONV with its on-the-fly SDP / PDP
 *     runs as one pipeline: the slowest stage sets its pace), layer time = max(math, memory) + overhead, tasks,
 *     batch, and two cores sharing DRAM bandwidth.
 *
 *     perf_hw hw;
 *     perf_hw_get("orin", "15W", &hw);
 *     perf_options o = {.cores = 2, .sparsity = PERF_SPARSE_DISABLE};
 *     perf_result *r;
 *     if (perf_predict(bytes, size, &hw, &o, &r) == DLA_OK) { ... r->layers[i].time_us ...; perf_result_free(r); }
 */
#ifndef DLA_PERF_PERF_H
#define DLA_PERF_PERF_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "engine/desc.h"

/* Where a parameter's value comes from. */
typedef enum perf_src {
    PERF_MEASURED = 0, /* read off an official source (a clock table, a spec file) */
    PERF_DERIVED = 1,  /* arithmetic on official numbers */
    PERF_FITTED = 2,   /* fitted to the calibration table (bench/perf_fit.py) */
    PERF_ASSUMED = 3,  /* unknown: a plausible value that the calibration does not constrain */
} perf_src;

/* Parameters, by index (perf_hw.v[]). Rates are per DLA core. */
typedef enum perf_param {
    PERF_P_CLK_MHZ = 0,      /* DLA core clock */
    PERF_P_FALCON_MHZ,       /* DLA microcontroller (scheduler) clock: per-op programming cost scales with it */
    PERF_P_PIPES,            /* convolution pipes per core (Orin: 2 CPIPEs) */
    PERF_P_ATOM_C,           /* INT8 atomic-C (input channels per atomic op) of one pipe */
    PERF_P_ATOM_K,           /* INT8 atomic-K (kernels per atomic op) of one pipe */
    PERF_P_FP16_RATIO,       /* FP16 MACs per cycle / INT8 MACs per cycle */
    PERF_P_MIN_STRIPE,       /* shortest stripe (cycles to load the next weights), engine.md §1.3: 16 */
    PERF_P_MAX_STRIPE,       /* longest stripe (CACC size), 32 */
    PERF_P_GROUP_PACK,       /* 1: grouped / depthwise convs pack several groups into one atomic (Orin's
                              * depthwise support); 0: one group at a time (NVDLA v1) */
    PERF_P_SPARSE,           /* 1: 2:4 structured sparsity on INT8 convs with C > 64 */
    PERF_P_CBUF_KB,          /* convolution buffer */
    PERF_P_DRAM_GBS,         /* peak DRAM bandwidth of the SoC (shared by both cores) */
    PERF_P_DRAM_EFF,         /* fraction of the peak a DLA stream achieves */
    PERF_P_PORT_BPC,         /* bytes per DLA cycle one core's memory interface moves (its own limit) */
    PERF_P_SDP_EPC,          /* SDP elements per cycle */
    PERF_P_PDP_EPC,          /* PDP input elements per cycle */
    PERF_P_CDP_EPC,          /* CDP elements per cycle */
    PERF_P_RUBIK_BPC,        /* RUBIK bytes per cycle */
    PERF_P_BDMA_BPC,         /* BDMA bytes per cycle */
    PERF_P_OP_FALCON_CYC,    /* scheduler cycles per engine op (programming, dependency handling) */
    PERF_P_LAYER_US,         /* fixed, clock-independent cost per fused layer (µs) */
    PERF_P_TASK_US,          /* fixed cost per DLA task submission (µs) */
    PERF_P_HOST_TASK_US,     /* fixed cost per HOST task (a GPU island and its reformats, µs) */
    PERF_P_CORES,            /* DLA cores on the platform */
    PERF_P_DRAM_SHARE,       /* how much of the other cores' traffic a core's layer sees at once: its stream gets
                              * dram_gbs*dram_eff / (1 + (cores-1)*dram_share); 0: never overlaps, 1: always */
    PERF_P_BAND_FALCON_CYC,  /* scheduler cycles per op of a partial-H band after a conv's first band (the same
                              * descriptor with new addresses and rows) */
    PERF_P_STRIDE_FOLD,      /* 1: a strided conv's input and weights are fetched with the stride folded into
                              * the channels, ceil16(C*s*s) x ceil(R/s) x ceil(S/s) (the NVDLA spreadsheet) */
    PERF_P_MAC_EFF,          /* fraction of the ideal atom/stripe rate a conv pipe sustains (weight and data
                              * fetch bubbles between stripes and kernel groups) */
    PERF_P_COUNT
} perf_param;

typedef struct perf_hw {
    char platform[16];       /* "orin", "xavier", "nv_full" */
    char mode[16];           /* "MAXN", "50W", ...; nv_full: "20GB", "10GB" */
    double v[PERF_P_COUNT];
    uint8_t src[PERF_P_COUNT];      /* perf_src */
    const char *cite[PERF_P_COUNT]; /* static strings: where the value comes from */
} perf_hw;

/* Name of a parameter ("clk_mhz", "dram_eff", ...); NULL when out of range. */
const char *perf_param_name(int p);
int perf_param_find(const char *name); /* -1 when unknown */
const char *perf_src_name(int src);    /* "measured", "derived", "fitted", "assumed" */

/* The hardware description of a platform and power mode (mode NULL: the platform's default, MAXN / 20GB).
 * DLA_ERR_INVALID_ARG naming the platform or the mode (and the ones that exist) when unknown. */
dla_status perf_hw_get(const char *platform, const char *mode, perf_hw *out);
/* Overrides parameters from "name=value,name=value" (marked fitted: the fitting script uses this). */
dla_status perf_hw_override(perf_hw *hw, const char *spec);
/* Platforms and their modes, for help texts: "orin: MAXN 50W 30W 15W; xavier: ...". */
const char *perf_hw_list(void);

/* ---- per-op cost (cost.c) ------------------------------------------------------------------------------ */

typedef enum perf_sparsity { PERF_SPARSE_DISABLE = 0, PERF_SPARSE_ENABLE = 1, PERF_SPARSE_FORCE = 2 } perf_sparsity;

typedef struct perf_op_cost {
    double cycles;       /* engine cycles at the DLA clock (math / element rate) */
    double dram_bytes;   /* bytes moved to and from memory (DRAM and SRAM cubes alike; HW cubes are free) */
    double weight_bytes; /* of which weights */
    int64_t macs;        /* multiply-accumulates (CONV only), real, without padding */
    int sparse;          /* CONV: ran with 2:4 sparsity */
    int fused;           /* the op reads its input on the fly from the previous op (a pipeline stage) */
} perf_op_cost;

/* MAC cycles of a convolution op alone (no memory): atomic padding, stripes, pipes, groups, sparsity. */
double perf_conv_cycles(const perf_hw *hw, const eng_conv_op *c, int sparse);
/* 1 when a conv is eligible for 2:4 sparsity on this hardware: INT8, sparse hardware, input channels per group
 * above 64. */
int perf_conv_sparse_eligible(const perf_hw *hw, const eng_conv_op *c);
/* DRAM traffic of a conv op with the spreadsheet's convolution-buffer rules (input, weights, re-fetches). */
double perf_conv_traffic(const perf_hw *hw, const eng_conv_op *c, int sparse, double *weight_bytes);
/* Cost of any engine op. */
void perf_op_cost_of(const perf_hw *hw, const eng_op *op, perf_sparsity sp, perf_op_cost *out);

/* ---- prediction (predict.c) ---------------------------------------------------------------------------- */

typedef enum perf_bound { PERF_BOUND_MATH = 0, PERF_BOUND_MEMORY = 1, PERF_BOUND_OVERHEAD = 2 } perf_bound;
const char *perf_bound_name(int b); /* "math", "memory", "overhead" */

typedef struct perf_layer {
    char name[256];      /* fused layer name from the loadable */
    char engines[48];    /* "CONV+SDP+PDP" */
    char precision[8];
    int task;
    int n_ops;
    int64_t macs;        /* per image */
    double bytes;        /* DRAM bytes per image */
    double math_us, mem_us, overhead_us; /* per image on one core (sharing DRAM with the others); overhead = programming
                                          * not hidden behind execution + the fixed per-layer cost */
    double time_us;      /* per image: max(math, mem) + overhead = max(math, mem, programming) + layer_us */
    int bound;           /* perf_bound */
    int sparse_convs;    /* convs that ran 2:4 sparse */
} perf_layer;

typedef struct perf_options {
    int cores;           /* cores running the network at once (each its own copy, trtexec per core); 0: 1 */
    int batch;           /* images per inference; 0: from the loadable's first input (dims[0]) */
    perf_sparsity sparsity;
} perf_options;

typedef struct perf_result {
    perf_hw hw;
    int cores, batch;
    int n_layers;
    perf_layer *layers;
    int n_dla_tasks, n_host_tasks;
    double layers_us;        /* Σ layer time per image, one core alone */
    double task_us;          /* fixed task costs per inference */
    double dram_bytes;       /* per image */
    double single_core_us;   /* one inference (batch images) on one core alone */
    double core_us;          /* one inference on one core while `cores` cores run (DRAM shared) */
    double latency_ms;       /* = core_us / 1000 */
    double images_per_s;     /* cores * batch / core_us */
    int dram_limited;        /* the shared DRAM, not the cores, set the multi-core rate */
    int64_t macs;            /* per image */
} perf_result;

/* Costs ops [first, first+count) as one fused layer into L (zeroed by the caller; name/precision/task are left as
 * they are): ops whose input arrives on the fly join the previous op's pipeline (the slowest stage sets the
 * pace), pipelines run one after another. The time is per image: with o->batch > 1 the mean over the batch, whose
 * later images replay the ops at band_falcon_cyc per op. */
void perf_layer_cost(const perf_hw *hw, const perf_options *o, const eng_op *ops, uint32_t first, uint32_t count,
                     perf_layer *L);
/* Time of one inference on one core while `cores` cores each run one (single_core_us alone, `bytes` of DRAM
 * traffic per inference): the shared DRAM must move every core's bytes. *dram_limited (may be NULL) says whether
 * it, not the core, sets the time. */
double perf_cores_time(const perf_hw *hw, double single_core_us, double bytes, int cores, int *dram_limited);
/* Predicts a loadable (the bytes of a .dla). */
dla_status perf_predict(const void *bytes, size_t size, const perf_hw *hw, const perf_options *o,
                        perf_result **out);
void perf_result_free(perf_result *r);

#endif
