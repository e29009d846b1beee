/* dla/runtime.h — run a compiled loadable on the software DLA, with an API shaped like NVIDIA's cuDLA so that user
 * code ports one-to-one (cudlaXxx -> dla_xxx; the correspondence is given next to each function).
 *
 * Model. The machine has two DLA cores (dla_device_get_count). A device is one core: it owns a worker thread that
 * runs the tasks submitted to it one after another, in submission order; the two cores run at the same time. A
 * module is a loadable loaded on one device (its weights copied, its activation memory allocated): it may hold
 * DLA tasks (run on the engine model, from their operation descriptors) and HOST tasks (run on the FP32 host
 * executor: the "GPU" side of a hybrid deployment; they run on the submitting device's worker thread). Network
 * inputs and outputs are user memory registered with the device (plain host pointers) and bound per submission,
 * in the module's bind order, in the formats the module's tensor descriptors give (dla_tensor_pack / unpack
 * convert from and to float NCHW). A DLA task whose tensors hold a batch of n images runs its operations once per
 * image (the engine's operations describe one image; images lie size/n bytes apart). Events are host-side fences:
 * a task waits for its wait events before it runs and signals its signal events when it ends (also when it fails:
 * waiters then fail too, naming the cause).
 *
 *     int n;  dla_device_get_count(&n);                           // cudlaDeviceGetCount     -> 2
 *     dla_device *dev;
 *     dla_device_create(0, DLA_MODE_HYBRID, &dev);                // cudlaCreateDevice(0, &dev, CUDLA_CUDA_DLA)
 *     dla_module *mod;
 *     if (dla_module_load(dev, bytes, size, &mod) != DLA_OK)     // cudlaModuleLoadFromMemory
 *         fprintf(stderr, "%s\n", dla_last_error());
 *     dla_module_attribute a;
 *     dla_module_get_attributes(mod, DLA_NUM_INPUT_TENSORS, &a);  // cudlaModuleGetAttributes
 *     dla_tensor_desc in_desc[1];
 *     a.input_tensor_desc = in_desc;
 *     dla_module_get_attributes(mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a);
 *     void *x = malloc(in_desc[0].size), *y = ...;
 *     dla_tensor_pack(&in_desc[0], input_nchw_f32, x, in_desc[0].size);
 *     dla_mem *xm, *ym;
 *     dla_mem_register(dev, x, in_desc[0].size, &xm);            // cudlaMemRegister
 *     dla_mem_register(dev, y, out_desc[0].size, &ym);
 *     dla_task t = {.module = mod, .inputs = &xm, .n_inputs = 1, .outputs = &ym, .n_outputs = 1};
 *     dla_submit(dev, &t, 1);                                     // cudlaSubmitTask
 *     if (dla_synchronize(dev) != DLA_OK)                         // cudaStreamSynchronize / fence wait
 *         fprintf(stderr, "%s\n", dla_device_last_error(dev));
 *     dla_tensor_unpack(&out_desc[0], y, out_desc[0].size, output_nchw_f32);
 *     char *csv;  dla_module_stats_csv(mod, &csv); ... free(csv);  // layer-wise statistics (cuDLA CSV columns,
 *                                                                 // times predicted by the performance model)
 *     dla_mem_unregister(dev, xm);  dla_mem_unregister(dev, ym);  // cudlaMemUnregister
 *     dla_module_unload(mod);                                     // cudlaModuleUnload
 *     dla_device_destroy(dev);                                    // cudlaDestroyDevice
 *
 * Ownership. dla_module_load copies the loadable (the caller keeps `bytes`). Registered memory stays the caller's:
 * it must stay valid until it is unregistered, and must not be touched while a task using it is in flight. Task
 * structs and their arrays are copied by dla_submit. Descriptor strings are owned by the module. Destroying a
 * device waits for its submitted work, then unloads its modules and unregisters its memory.
 *
 * Threading. Every function may be called from any thread. Tasks on one device run in submission order on that
 * device's worker; tasks on different devices run concurrently; order across devices only through events. A task
 * waiting for an event that is never signalled blocks its device (as on the hardware): dla_synchronize and
 * dla_device_destroy then wait forever.
 *
 * Errors. Every function returns a dla_status; the message is in dla_last_error() (calling thread) and in the
 * device's dla_device_last_error(). Asynchronous errors (a task failing on the worker) are reported by the next
 * dla_synchronize and by dla_device_get_last_error (cudlaGetLastError); their message names the module, the task
 * and the engine op or host node. A corrupt or truncated loadable is refused at load with DLA_ERR_FORMAT (or
 * DLA_ERR_VERSION), never a crash.
 */
#ifndef DLA_RUNTIME_H
#define DLA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "dla/model.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLA_NUM_CORES 2

typedef struct dla_device dla_device;
typedef struct dla_module dla_module;
typedef struct dla_mem dla_mem;
typedef struct dla_event dla_event;

/* ---- devices ----------------------------------------------------------------------------------------------- */

/* Device modes (cudlaMode). HYBRID runs modules with HOST tasks (GPU fallback); STANDALONE refuses them at load,
 * as cuDLA's standalone mode only runs DLA loadables (--buildDLAStandalone). */
typedef enum dla_device_mode { DLA_MODE_HYBRID = 0, DLA_MODE_STANDALONE = 1 } dla_device_mode;

/* Number of DLA cores (cudlaDeviceGetCount): 2. */
dla_status dla_device_get_count(int *count);
/* Opens core `core` (0..DLA_NUM_CORES-1) with flags = a dla_device_mode (cudlaCreateDevice) and starts its worker
 * thread. Several devices may be opened on one core; each has its own worker. */
dla_status dla_device_create(int core, unsigned flags, dla_device **out);
/* Waits for the device's submitted work, unloads its modules, unregisters its memory, frees it. NULL: no-op. */
void dla_device_destroy(dla_device *dev);
int dla_device_core(const dla_device *dev);
/* Status of the last asynchronous error on the device (a task that failed on its worker), DLA_OK if none; reading
 * it clears it (cudlaGetLastError). */
dla_status dla_device_get_last_error(dla_device *dev);
/* Message of the last error of any call on this device ("" if none). The returned text is a copy private to the
 * calling thread, valid until its next call of this function. */
const char *dla_device_last_error(const dla_device *dev);

/* ---- modules ----------------------------------------------------------------------------------------------- */

/* Tensor memory formats (TensorRT's names; the values are the loadable's). */
typedef enum dla_format {
    DLA_FORMAT_NCHW = 0,       /* dense row-major (kLINEAR) */
    DLA_FORMAT_DLA_LINEAR = 1, /* [N][C][H][roundUp(W, 64 bytes)] */
    DLA_FORMAT_DLA_HWC4 = 2,   /* [N][H][roundUp(W * 4, 64 bytes)], C in {1, 3, 4} stored as 4 */
    DLA_FORMAT_CHW16 = 3,      /* [N][(C+15)/16][H][W][16], FP16 */
    DLA_FORMAT_CHW32 = 4,      /* [N][(C+31)/32][H][W][32], INT8 */
} dla_format;

/* A tensor descriptor (cudlaModuleTensorDescriptor). */
typedef struct dla_tensor_desc {
    const char *name;           /* owned by the module */
    uint64_t size;              /* bytes of the buffer to register for it */
    uint64_t n, c, h, w;        /* the 4-D view of the DLA formats */
    dla_format format;          /* dataFormat */
    dla_dtype dtype;            /* dataType: DLA_FLOAT32, DLA_FLOAT16, DLA_INT8, ... */
    int rank;
    int64_t dims[DLA_MAX_RANK];
    uint64_t strides[DLA_MAX_RANK]; /* bytes between consecutive indices of each dim, as the loadable gives them */
    float scale;                /* INT8: per-tensor scale (real = q * scale); else 0 */
    int dynamic;                /* 1: a data-dependent shape (after NonMaxSuppression, NonZero, ...): dims[i] is -1
                                 * where unknown before a run, n = c = h = w = 0, size is the buffer capacity the
                                 * compiler reserved; after each run dla_module_output_dims gives the actual shape
                                 * and dla_module_output_data the whole data (the bound buffer receives what fits) */
} dla_tensor_desc;

/* Loads a loadable from memory on a device (cudlaModuleLoadFromMemory): validates all of it (format, every
 * engine op record and index, cube bounds, LUT indices, the op dependency graph, HOST subgraphs), copies the
 * weights and allocates its memory. bytes are copied. DLA_ERR_FORMAT / DLA_ERR_VERSION for a bad loadable;
 * DLA_ERR_UNSUPPORTED for a module with HOST tasks on a STANDALONE device. */
dla_status dla_module_load(dla_device *dev, const void *bytes, size_t size, dla_module **out);
/* Reads a loadable file (dla exec --loadEngine) and loads it. Errors name the path. */
dla_status dla_module_load_file(dla_device *dev, const char *path, dla_module **out);
/* Waits for the module's submitted tasks to end, then frees it (cudlaModuleUnload). NULL: no-op. */
dla_status dla_module_unload(dla_module *mod);

typedef enum dla_module_attribute_type {
    DLA_NUM_INPUT_TENSORS = 0,
    DLA_NUM_OUTPUT_TENSORS = 1,
    DLA_INPUT_TENSOR_DESCRIPTORS = 2,  /* fills the caller's array of DLA_NUM_INPUT_TENSORS descriptors */
    DLA_OUTPUT_TENSOR_DESCRIPTORS = 3,
    DLA_NUM_TASKS = 4,                 /* dlakit: tasks in the loadable (DLA and HOST) */
    DLA_NUM_LAYERS = 5,                /* dlakit: fused DLA layers (rows of the statistics CSV) */
} dla_module_attribute_type;

typedef union dla_module_attribute {
    uint32_t num_input_tensors;
    uint32_t num_output_tensors;
    dla_tensor_desc *input_tensor_desc;
    dla_tensor_desc *output_tensor_desc;
    uint32_t num_tasks;
    uint32_t num_layers;
} dla_module_attribute;

/* cudlaModuleGetAttributes. For the descriptor attributes set the pointer member to an array large enough. */
dla_status dla_module_get_attributes(const dla_module *mod, dla_module_attribute_type attr, dla_module_attribute *val);

/* ---- memory ------------------------------------------------------------------------------------------------ */

/* Registers `size` bytes at ptr with the device (cudlaMemRegister); the handle is what tasks bind. */
dla_status dla_mem_register(dla_device *dev, void *ptr, size_t size, dla_mem **out);
/* DLA_ERR_INVALID_ARG while a submitted task still uses it. */
dla_status dla_mem_unregister(dla_device *dev, dla_mem *mem);

/* ---- events (host-side fences) ----------------------------------------------------------------------------- */

/* A one-shot fence: unsignalled when created or reset; signalled once by a task (or dla_event_signal). */
dla_status dla_event_create(dla_event **out);
void dla_event_destroy(dla_event *ev); /* must not be in use by a submitted task. NULL: no-op */
/* Signals from the host (DLA_ERR_INVALID_ARG if already signalled). */
dla_status dla_event_signal(dla_event *ev);
/* Blocks until signalled; returns the status of the task that signalled it (its message in dla_last_error()). */
dla_status dla_event_wait(dla_event *ev);
int dla_event_query(const dla_event *ev); /* 1 if signalled */
/* Back to unsignalled, for reuse once every waiter has passed it. */
dla_status dla_event_reset(dla_event *ev);

/* ---- execution --------------------------------------------------------------------------------------------- */

/* A submission (cudlaTask). inputs[i] / outputs[i] are bound to the module's input / output i and must be at
 * least its descriptor's size, registered on the same device. */
typedef struct dla_task {
    dla_module *module;
    dla_mem *const *inputs;
    int n_inputs;
    dla_mem *const *outputs;
    int n_outputs;
    dla_event *const *wait_events;   /* all must be signalled before the task starts */
    int n_wait;
    dla_event *const *signal_events; /* signalled when the task ends (successfully or not) */
    int n_signal;
} dla_task;

/* Queues tasks on the device's worker (cudlaSubmitTask) and returns; argument errors (a module of another device,
 * wrong binding counts or sizes) are reported here and nothing of the batch is queued. */
dla_status dla_submit(dla_device *dev, const dla_task *tasks, int n_tasks);
/* Waits until every task submitted to the device has ended. Returns the first asynchronous error since the
 * previous dla_synchronize (and its message in dla_last_error()), else DLA_OK. */
dla_status dla_synchronize(dla_device *dev);

/* ---- format conversion at the edges ------------------------------------------------------------------------ */

/* Float NCHW (desc->n*c*h*w values) -> the descriptor's format and type into dst (dst_size >= desc->size):
 * FP16 with the DLA's rounding, INT8 quantized with desc->scale (round half away from zero, [-127, 127]). */
dla_status dla_tensor_pack(const dla_tensor_desc *desc, const float *nchw, void *dst, size_t dst_size);
/* The descriptor's format and type -> float NCHW. */
dla_status dla_tensor_unpack(const dla_tensor_desc *desc, const void *src, size_t src_size, float *nchw);

/* ---- dynamic outputs ----------------------------------------------------------------------------------------- */

/* The actual shape of output i in the module's last completed run (after dla_synchronize): *rank and dims[0..rank)
 * (dims holds DLA_MAX_RANK). For a static output, its descriptor's shape. DLA_ERR_INVALID_ARG for a dynamic output
 * before any run produced it. */
dla_status dla_module_output_dims(const dla_module *mod, int i, int *rank, int64_t *dims);
/* The data of dynamic output i in the last completed run, in the descriptor's type, dense row-major with the
 * shape of dla_module_output_dims: a module-owned buffer valid until the next submission of the module. The bound
 * output buffer holds the same bytes when they fit in it (else its first desc.size bytes). For a static output
 * *data is NULL and *size 0 (the bound buffer holds it). */
dla_status dla_module_output_data(const dla_module *mod, int i, const void **data, uint64_t *size);

/* ---- statistics (cuDLA layer-wise statistics; dla-facts §1.8) ---------------------------------------------- */

/* Times. start_ms / end_ms and the net_duration columns are PREDICTED by the performance model (dla/perf.h,
 * docs/perf-model.md) for the module's loadable: one inference on one DLA core, from the start of the inference.
 * The prediction is made once at load, for the loadable's target platform (Orin or Xavier) at MAXN, one core,
 * the loadable's batch, its 2:4 sparse convolutions sparse and the others dense (as built: dla_perf_options'
 * sparsity DISABLE and ENABLE both mean the loadable's flags here; FORCE predicts every eligible INT8 conv sparse);
 * dla_module_set_perf_options chooses another setting. The timeline puts the tasks
 * in their stored order: a DLA task's layers run one after another from the task's start (each lasts batch x the
 * model's per-image layer time), then the model's ops outside any layer, then the model's fixed cost per DLA task
 * (submission, completion); a HOST task lasts the model's fixed cost per HOST task (the host work itself is not
 * predicted). The net_duration columns split a layer's predicted time by the engines it uses, as cuDLA does:
 * CONV, SDP, PDP and CDP run in the convolution pipes (cpipes), RUBIK and BDMA apart; a layer using several
 * groups is split in proportion to its ops' costs. The software engine's measured wall times of the last
 * completed run are kept in the wall_* fields. */

/* One fused DLA layer (a loadable layer: index i in task order). */
typedef struct dla_layer_stats {
    const char *layer_name;     /* owned by the module: "Conv_1 + Relu_2" */
    int task;                   /* the DLA task holding it */
    double start_ms, end_ms;    /* predicted */
    double net_duration_cpipes_ms, net_duration_rubik_ms, net_duration_bdma_ms; /* predicted */
    char src_precisions[16], compute_precisions[16], dst_precisions[16];
    int uses_sram, uses_fp16_conv, uses_int8_conv, max_num_cpipes, uses_weight_compression;
    int uses_structured_sparsity, uses_sdp, uses_pool, uses_square_sum_unit;
    /* dlakit additions */
    double wall_start_ms, wall_end_ms; /* measured on the software engine in the last completed run (0 before) */
    double wall_net_ms;         /* the sum of its ops' measured durations in that run */
    int perf_layer;             /* its row in dla_perf_predict's report for the same loadable and options
                                 * (dla_perf_get_layer), -1 when the model has no row for it */
    const char *bound;          /* what sets its predicted time: "math", "memory", "overhead" ("" if none) */
} dla_layer_stats;

/* One task. */
typedef struct dla_task_stats {
    const char *name;           /* owned by the module */
    int is_host;                /* 1: HOST task (host executor), 0: DLA task */
    int n_ops;                  /* engine ops (DLA) or host nodes (HOST) */
    double start_ms, end_ms;    /* predicted (the timeline above) */
    uint64_t saturated;         /* DLA: values clipped by the engine's converters in the last completed run */
    /* dlakit additions */
    double wall_start_ms, wall_end_ms; /* measured in the last completed run, from its start (0 before) */
} dla_task_stats;

/* Completed runs of the module so far, and the wall time of the last one (ms). */
dla_status dla_module_run_count(const dla_module *mod, uint64_t *runs, double *last_ms);
/* Layer i (0 <= i < DLA_NUM_LAYERS) / task i (0 <= i < DLA_NUM_TASKS). */
dla_status dla_module_layer_stats(const dla_module *mod, int i, dla_layer_stats *out);
dla_status dla_module_task_stats(const dla_module *mod, int i, dla_task_stats *out);
/* The layer-wise statistics as CSV text: the header line with the cuDLA columns, in this order,
 * layer_name,start_ms,end_ms,net_duration_cpipes_ms,net_duration_rubik_ms,net_duration_bdma_ms,src_precisions,
 * compute_precisions,dst_precisions,uses_sram,uses_fp16_conv,uses_int8_conv,max_num_cpipes,
 * uses_weight_compression,uses_structured_sparsity,uses_sdp,uses_pool,uses_square_sum_unit; one row per layer,
 * the times predicted as described above (no extra columns: the wall times are in dla_layer_stats).
 * *csv is malloc'd: free() it. */
dla_status dla_module_stats_csv(const dla_module *mod, char **csv);

/* The performance model's setting (dla/perf.h's dla_perf_options: platform, power_mode, cores, batch, sparsity,
 * params) behind the module's predicted statistics; re-predicts them at once. o == NULL or zero fields: the
 * defaults above (platform NULL: the loadable's target). The strings are copied. An unknown platform, mode or
 * parameter, or too many cores, is DLA_ERR_INVALID_ARG naming it (and the allowed values); the previous
 * prediction is kept then. Must not be called while a task of the module is in flight. Include dla/perf.h for
 * the struct. */
struct dla_perf_options;
dla_status dla_module_set_perf_options(dla_module *mod, const struct dla_perf_options *o);

typedef struct dla_module_perf_info {
    int predicted;              /* 1: the statistics hold the model's times; 0: the prediction failed (error) and
                                 * the predicted times are 0 */
    const char *platform, *power_mode; /* "orin", "MAXN" (owned by the module, valid until it is re-predicted) */
    int cores, batch;
    double inference_ms;        /* the timeline's end: one inference on one core alone */
    double latency_ms;          /* one inference on one core while `cores` cores run (dla_perf_summary) */
    const char *error;          /* why the prediction failed ("" when it did not) */
} dla_module_perf_info;
dla_status dla_module_get_perf_info(const dla_module *mod, dla_module_perf_info *out);

#ifdef __cplusplus
}
#endif
#endif
