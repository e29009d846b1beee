/* dla/compiler.h — which layers of a model run on the DLA, which on the host ("GPU fallback"), and why.
 *
 * dla_model_place() answers the question TensorRT's DLA builder answers, with a reason for every layer that does
 * not run on the DLA: it applies dlakit's graph rewrites (which make more layers DLA-eligible without changing
 * the model's FP32 function), checks every layer against the DLA's operator rules, groups the DLA layers into
 * subgraphs (TensorRT's "ForeignNode"s: one DLA loadable each) and applies the cost rules (tiny islands and more
 * than 16 subgraphs per core go to the host). Option names follow trtexec.
 *
 *     dla_model *m;
 *     dla_load_options lo = {.shapes = "input:1x3x224x224"};
 *     if (dla_model_load_file("net.onnx", &lo, &m) != DLA_OK) { puts(dla_last_error()); return 1; }
 *     dla_build_options o = {.fp16 = 1, .allow_gpu_fallback = 1};   // zero fields take the defaults
 *     dla_placement *p;
 *     dla_status st = dla_model_place(m, &o, &p);
 *     if (p) {                            // also set when the build fails because layers cannot run on the DLA
 *         for (int i = 0; i < dla_placement_num_layers(p); i++) {
 *             dla_layer_placement l;
 *             dla_placement_layer(p, i, &l);
 *             printf("%-30s %-4s %s\n", l.name, l.device, l.reason);
 *         }
 *         fputs(dla_placement_build_log(p), stdout);     // "Layers running on DLA: {ForeignNode[...]}" ...
 *         dla_placement_destroy(p);
 *     }
 *     if (st != DLA_OK) fprintf(stderr, "%s\n", dla_last_error());
 *     dla_model_destroy(m);
 *
 * The operator table behind the decisions (what `dla ops` and docs/operators.md show) is available without a
 * model: dla_op_support_count() / dla_op_support_at().
 */
#ifndef DLA_COMPILER_H
#define DLA_COMPILER_H

#include <stdint.h>

#include <stddef.h>

#include "dla/calib.h"
#include "dla/model.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dla_platform { DLA_PLATFORM_ORIN = 0, DLA_PLATFORM_XAVIER = 1 } dla_platform;

/* Build options. A zero-initialised struct (or NULL) means: FP16, no GPU fallback, Orin, default cost rules. */
typedef struct dla_build_options {
    int fp16;                       /* trtexec --fp16 */
    int int8;                       /* trtexec --int8 (--best: both). Neither: FP16, as trtexec does for DLA */
    int allow_gpu_fallback;         /* trtexec --allowGPUFallback: layers the DLA cannot run go to the host.
                                     * Without it such layers make dla_model_place() fail, listing every one */
    const char *layer_device_types; /* trtexec --layerDeviceTypes: "name:GPU,name2:DLA" (one '*' wildcard per
                                     * name allowed; an exact name wins). Unknown names are an error; forcing DLA
                                     * on a layer the DLA cannot run is an error giving the rule's reason. Layers
                                     * forced to the GPU are not a build error without fallback. NULL: none */
    int max_subgraphs;              /* DLA subgraphs (loadables) per core; beyond, the smallest (by MACs) go to
                                     * the host. 0: 16 (what one DLA core can load at once) */
    int min_island_layers;          /* with fallback, a DLA subgraph with fewer layers than this AND fewer MACs */
    int64_t min_island_macs;        /* than min_island_macs whose inputs and outputs cross to other devices goes
                                     * to the host (a round trip would cost more than it saves). 0: 3 layers /
                                     * 1,000,000 MACs; min_island_macs < 0: no island rule */
    dla_platform platform;

    /* ---- building a loadable (dla_builder_build); ignored by dla_model_place ---------------------------- */
    /* INT8 scales (with int8 set), merged in this order, a later source replacing an earlier one's entries:
     * the Q/DQ pairs of the model, calib_cache, calib; then calib_data fills in tensors still without a scale.
     * With no source at all, calib_random calibrates on random inputs (a latency build: logs a warning that
     * INT8 accuracy is meaningless); without it the DLA subgraphs run FP16 (a warning says why). */
    const char *calib_cache;           /* trtexec --calib=FILE: a TensorRT calibration cache */
    const dla_calib *calib;            /* scales the caller made (dla/calib.h); borrowed */
    const char *calib_data;            /* a folder of .npy inputs for the built-in calibrator (dla_model_calibrate_dir
                                        * rules) */
    const char *calib_method;          /* "max" (NULL), "percentile", "percentile:99.9", "entropy" */
    int calib_random;
    /* Precision of single layers, trtexec spelling: "name:fp16,name2:int8" (one '*' per name). A DLA subgraph
     * runs one precision: an fp16 layer makes its subgraph FP16. */
    const char *layer_precisions;
    const char *precision_constraints; /* "prefer" (NULL: trtexec's DLA default), "obey" (an impossible
                                        * layer_precisions request is an error), "none" (requests ignored) */
    /* trtexec --inputIOFormats / --outputIOFormats: "fp32:chw" (NULL), "fp16:chw16", "int8:chw32",
     * "fp16:dla_linear", "int8:dla_hwc4" (inputs), ... one per tensor in model order, or one for all. A network
     * input a DLA task cannot read in its format gets a reformat HOST task (and likewise outputs). */
    const char *input_io_formats, *output_io_formats;
    int build_dla_standalone;          /* trtexec --buildDLAStandalone: one DLA task, no HOST task, DLA I/O
                                        * formats only (an error names the flag otherwise); no GPU fallback */
    const char *mem_pool_size;         /* trtexec --memPoolSize=dlaSRAM:1,dlaLocalDRAM:1024,dlaGlobalDRAM:512
                                        * (MiB, or B/K/M/G suffixes; powers of two >= 4 KiB) */
    const char *model_name;            /* recorded in the build info (NULL: the graph's name) */
    const char *build_command;         /* recorded in the build info (the flags, for reproduction) */
    /* trtexec --sparsity: "disable" (NULL), "enable", "force" (another value is an error naming --sparsity). Orin
     * runs an INT8 convolution with more than 64 input channels per group 2:4 structured-sparse (at most 2 non-zero
     * weights in every 4 consecutive input channels of each kernel tap): "enable" marks such convs whose quantized
     * weights already have the pattern, "force" prunes their weights to it (the 2 largest |w| of each 4 kept) and
     * marks them — for performance evaluation: accuracy is not preserved (a warning says so). FP16 convs, convs
     * with <= 64 input channels per group and Xavier builds stay dense. The build log (INFO) counts them. */
    const char *sparsity;
} dla_build_options;

/* A placement: every layer of the model after the rewrites, with its device, subgraph and reason. It owns
 * copies of every string it returns, so it stays valid after the model is destroyed. */
typedef struct dla_placement dla_placement;

/* Rewrites m's graph in place for the DLA (the model's FP32 function is unchanged: dla_model_run() still gives
 * the same results, and the layer list of dla_model_layer() now shows the rewritten graph; layers keep the
 * model's names) and places every layer. The model should have static shapes (dla_load_options.shapes).
 * On success *out receives a placement (destroy it with dla_placement_destroy). Without allow_gpu_fallback,
 * layers that cannot run on the DLA make it return DLA_ERR_UNSUPPORTED with a message listing them (at most
 * ~1 KB; dla_placement_errors() has the full list) and *out still receives the complete placement, so callers
 * can print it. On other errors *out is NULL. */
dla_status dla_model_place(dla_model *m, const dla_build_options *opts, dla_placement **out);
void dla_placement_destroy(dla_placement *p); /* NULL: no-op */

/* One layer's placement. Strings are owned by the placement. */
typedef struct dla_layer_placement {
    const char *name;   /* the model's node name */
    const char *op;     /* ONNX op type (after the rewrites: a Gemm with a constant B may now be a Conv) */
    const char *device; /* "DLA" or "GPU" (the host executor, TensorRT's GPU fallback) */
    int subgraph;       /* DLA subgraph index, -1 on the GPU */
    const char *reason; /* why on the GPU: the rule, the limit and the value ("" on the DLA) */
    int64_t macs;
    int forced;         /* placed by layer_device_types */
} dla_layer_placement;

/* Layers in topological order. Layers computed at build time (shape arithmetic on static shapes, constants)
 * run on neither device and are not listed. */
int dla_placement_num_layers(const dla_placement *p);
dla_status dla_placement_layer(const dla_placement *p, int i, dla_layer_placement *out);

typedef struct dla_placement_summary {
    int layers, on_dla, on_gpu, subgraphs;
    int64_t macs_dla, macs_gpu;
} dla_placement_summary;
void dla_placement_get_summary(const dla_placement *p, dla_placement_summary *out);

/* One DLA subgraph (a TensorRT ForeignNode): its first and last layer in topological order. */
typedef struct dla_subgraph_info {
    const char *first, *last;
    int layers;
    int64_t macs;
} dla_subgraph_info;
dla_status dla_placement_subgraph(const dla_placement *p, int i, dla_subgraph_info *out);

/* The layers that block a build without GPU fallback (on the GPU, not forced there), one per line:
 * "Conv 'name': reason\n". "" when there are none. Owned by p. */
const char *dla_placement_errors(const dla_placement *p);
/* The build log in TensorRT's words, one line per DLA subgraph and per GPU layer:
 * "Layers running on DLA: {ForeignNode[first...last]} (N layers, M MACs)\n"
 * "Layers running on GPU (host fallback): Op 'name': reason\n". Owned by p. */
const char *dla_placement_build_log(const dla_placement *p);

/* ---- building a loadable ------------------------------------------------------------------------------ */

/* Compiles m into a loadable (dla/loadable.h, docs/loadable.md): the rewrites and placement of dla_model_place()
 * (m's graph is rewritten in place), INT8 scales (see calib_* above), the precision plan (per DLA subgraph: INT8
 * when every tensor it touches has a scale and every op can run INT8, else FP16, logged with the first missing
 * scale), the lowering of each DLA subgraph to engine operations, and one HOST task per host segment (an ONNX
 * subgraph) plus reformat tasks at the DLA edges. On success *loadable is a malloc'd buffer of *size bytes (the
 * caller frees it with free()); on error it is NULL and dla_last_error() / dla_model_last_error(m) say why
 * (layers that cannot run on the DLA without allow_gpu_fallback, a bad flag value naming the flag, ...). */
dla_status dla_builder_build(dla_model *m, const dla_build_options *opts, void **loadable, size_t *size);
/* The same, also giving the placement (as dla_model_place() does: *placement is set, when not NULL, whenever
 * the placement was complete, even if the build then failed; destroy it with dla_placement_destroy()). */
dla_status dla_builder_build_placed(dla_model *m, const dla_build_options *opts, dla_placement **placement,
                                    void **loadable, size_t *size);

/* What a loadable's convolutions do with 2:4 structured sparsity (dla_build_options.sparsity). A convolution
 * split into partial-H bands (or a ConvTranspose into stride phases) counts once. */
typedef struct dla_sparsity_summary {
    int int8_convs;    /* INT8 convolutions */
    int sparse_convs;  /* of which run 2:4 sparse */
    int small_c;       /* INT8 convs that cannot: at most 64 input channels per group */
    int dense;         /* INT8 convs that could but run dense (enable: weights not 2:4; disable: all of them) */
    int fp16_convs;    /* FP16 convolutions (always dense) */
} dla_sparsity_summary;

/* Counts over the DLA tasks of a loadable (task < 0: all of them; else the task of that index, which must be a
 * DLA task). The loadable is validated first (as dla_loadable_check). */
dla_status dla_loadable_sparsity(const void *loadable, size_t size, int task, dla_sparsity_summary *out);

/* ---- the operator table (no model needed) ------------------------------------------------------------- */

typedef struct dla_op_support {
    const char *op;           /* ONNX op type */
    const char *unit;         /* the DLA unit that runs it: "CONV", "SDP", "PDP", "CDP", "RUBIK", "BDMA", "-" */
    const char *precisions;   /* "FP16, INT8", "FP16", "INT8" or "-" */
    const char *how;          /* "native", "rewrite", "build time" or "host" */
    const char *restrictions; /* the limits, in words */
} dla_op_support;

/* Every op dlakit imports, sorted by name. Strings are static. */
int dla_op_support_count(void);
dla_status dla_op_support_at(int i, dla_op_support *out);

#ifdef __cplusplus
}
#endif
#endif
