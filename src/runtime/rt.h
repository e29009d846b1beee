/* runtime: loads a validated loadable as a module on a device (one DLA core), and runs its tasks — DLA tasks on the
 * engine model through a scheduler that honours the ops' dependency graph (reference/engine.md §2.3), HOST tasks on
 * the FP32 host executor — on the device's worker thread. The public face is include/dla/runtime.h (implemented
 * by src/api/runtime_api.c over the rt_* functions here).
 *
 * Files: device.c (devices, workers, queues, memory registration, events), module.c (load: validation,
 * memory, bindings), scheduler.c (op order from the dependency graph; DLA task execution), host_task.c (HOST
 * tasks: deserialization through a callback, format conversion, host executor), stats.c (per-task / per-layer
 * statistics and the cuDLA CSV), stats_perf.c (their times predicted by the performance model, src/perf).
 *
 * Locking: a device's mutex guards its queue, its lists of modules and memory, its error state and every
 * module's pending-task count; a module's stats are guarded by the module's own mutex. A module's memory and
 * executors are touched only by its device's worker (and by load/unload, when no task of it is in flight).
 */
#ifndef DLA_RUNTIME_RT_H
#define DLA_RUNTIME_RT_H

#include <pthread.h>

#include "dla/runtime.h"
#include "engine/codec.h"
#include "engine/engine.h"
#include "engine/format.h"
#include "host/host.h"
#include "loadable/loadable.h"

/* Turns a HOST task's subgraph blob into a graph (the API layer passes the ONNX importer: the runtime layer does
 * not depend on src/onnx). The graph is the caller's (ir_graph_destroy). Errors name the problem. */
typedef dla_status (*rt_deserialize_fn)(void *user, const void *bytes, size_t size, ir_graph **out);

/* Register groups per processor (NVDLA: two, so an op can be programmed while the previous one runs). */
#define RT_GROUPS 2

/* ---- DLA tasks ---------------------------------------------------------------------------------------------- */

/* Batch: the lowering describes one image (compiler/lower.h); a task whose tensors hold n > 1 images runs its ops
 * once per image. Image i sees each activation address (a memory entry without SET contents: scratch, task I/O)
 * as the window [i * size/n, (i+1) * size/n) of it — images lie size/n bytes apart, format.h — and each constant
 * address (weights, operands: SET entries) whole. */
typedef struct rt_dla_task {
    uint32_t task;          /* index in the loadable */
    uint32_t batch;         /* images per run: the largest n of the task's input/output tensors (>= 1) */
    uint64_t *stride;       /* per address-list entry: bytes per image, 0 for a constant address */
    eng_op *ops;
    int n_ops;
    eng_lut *luts;
    int n_luts;
    int *order;             /* execution order from the scheduler (rt_schedule), n_ops entries */
    eng_pipe pipe;          /* kept across runs */
    double *op_ms;          /* per-op time of the last run (start offset and duration) */
    double *op_start_ms;
} rt_dla_task;

/* ---- HOST tasks --------------------------------------------------------------------------------------------- */

typedef struct rt_host_task {
    uint32_t task;
    ir_graph *g;
    host_exec *x;
    uint32_t *in_tensor;    /* per graph input: the task's tensor descriptor of the same name */
    uint32_t *out_tensor;   /* per graph output */
    int *in_decl_rank;      /* declared input shapes, restored after each run */
    int64_t (*in_decl_dims)[IR_MAX_RANK];
} rt_host_task;

/* ---- dynamic tensors ---------------------------------------------------------------------------------------- */

/* The run-time state of a tensor whose descriptor is LDB_TENSOR_DYNAMIC (a data-dependent shape): the HOST task
 * that produces it stores its data here (module-owned, grown as needed) with its actual shape; consumers read it
 * from here; a dynamic network output is copied into the bound buffer at the end of the run (as much as fits). */
typedef struct rt_dyn {
    int valid;              /* produced by the current/last run */
    int rank;
    int64_t dims[LDB_MAX_RANK];
    uint8_t *data;
    size_t size, cap;       /* bytes of data / allocated */
} rt_dyn;

/* ---- statistics --------------------------------------------------------------------------------------------- */

/* The performance model's setting and result behind the predicted statistics (stats_perf.c). */
typedef struct rt_perf {
    int predicted;           /* 1: the layer / task start, end and net durations are the model's */
    char platform[16], mode[16];
    int cores, batch, sparsity;
    char params[256];        /* parameter overrides ("" none) */
    double inference_ms, latency_ms;
    char error[512];         /* why the last prediction failed ("" none) */
} rt_perf;

typedef struct rt_stats {
    uint64_t runs;
    double last_ms;
    dla_layer_stats *layers; /* n_layers (the loadable's layers, in task order) */
    dla_task_stats *tasks;   /* n_tasks */
    rt_perf perf;
} rt_stats;

/* ---- objects ------------------------------------------------------------------------------------------------ */

struct dla_mem {
    dla_device *dev;
    uint8_t *ptr;
    size_t size;
    int in_use;             /* submitted tasks binding it (device mutex) */
    struct dla_mem *next;
};

struct dla_event {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int signalled;
    dla_status status;      /* of the signaller */
    char msg[512];
};

struct dla_module {
    dla_device *dev;
    void *bytes;            /* the loadable (owned copy; the view points into it) */
    size_t size;
    ldb_view view;
    char name[96];          /* for messages: the build's model name or "module" */
    uint8_t **mem_ptr;      /* per memory entry: allocation (ALLOC/SET) or bound user buffer (INPUT/OUTPUT) */
    uint8_t **tensor_ptr;   /* per tensor with mem == NONE used by a HOST task: a module-owned buffer */
    rt_dyn *dyn;            /* per tensor (used for LDB_TENSOR_DYNAMIC descriptors) */
    uint32_t *out_tensor;   /* per output binding: its tensor descriptor (LDB_NONE: a byte array) */
    uint32_t n_in, n_out;
    uint32_t *in_mem, *out_mem;       /* bind id -> memory entry */
    dla_tensor_desc *in_desc, *out_desc;
    rt_dla_task *dla;       /* per task: .ops != NULL or n_ops == 0 for DLA tasks (indexed by task) */
    rt_host_task *host;     /* per task (HOST tasks) */
    int pending;            /* submitted, not finished (device mutex) */
    pthread_mutex_t stats_mu;
    rt_stats stats;
    struct dla_module *next;
};

typedef struct rt_job {
    struct rt_job *next;
    dla_module *mod;
    dla_mem **in, **out;
    dla_event **wait, **sig;
    int n_in, n_out, n_wait, n_sig;
} rt_job;

struct dla_device {
    int core;
    unsigned flags;
    rt_deserialize_fn deserialize;
    void *deserialize_user;
    int host_threads;       /* host executor threads (0: all cores) */
    pthread_t worker;
    int worker_started;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_idle;
    rt_job *head, *tail;
    int busy, stop;
    dla_module *modules;
    dla_mem *mems;
    dla_status sync_status;  /* first async error since the last synchronize */
    char sync_msg[1024];
    dla_status async_status; /* last async error, cleared by get_last_error */
    char msg[1024];          /* last error message of any call */
};

/* ---- device.c ----------------------------------------------------------------------------------------------- */
dla_status rt_device_create(int core, unsigned flags, rt_deserialize_fn fn, void *user, dla_device **out);
void rt_device_destroy(dla_device *dev);
/* Records the calling thread's last error as the device's message and returns st (st == DLA_OK: no change). */
dla_status rt_device_fail(const dla_device *dev, dla_status st);
dla_status rt_submit(dla_device *dev, const dla_task *tasks, int n_tasks);
dla_status rt_synchronize(dla_device *dev);
dla_status rt_mem_register(dla_device *dev, void *ptr, size_t size, dla_mem **out);
dla_status rt_mem_unregister(dla_device *dev, dla_mem *mem);
dla_status rt_event_create(dla_event **out);
void rt_event_destroy(dla_event *ev);
/* Signals with the status and message of the signaller. DLA_ERR_INVALID_ARG if already signalled. */
dla_status rt_event_signal(dla_event *ev, dla_status st, const char *msg);
dla_status rt_event_wait(dla_event *ev);
int rt_event_query(const dla_event *ev);
void rt_event_reset(dla_event *ev);

/* ---- module.c ----------------------------------------------------------------------------------------------- */
dla_status rt_module_load(dla_device *dev, const void *bytes, size_t size, dla_module **out);
/* Frees the module (no task of it may be in flight; the device unlinks it). */
void rt_module_free(dla_module *mod);
dla_status rt_module_unload(dla_module *mod);
/* Runs all tasks of the module in their stored order with the given bindings (the worker calls this). */
dla_status rt_module_run(dla_module *mod, dla_mem *const *in, dla_mem *const *out);
/* Base pointer of tensor descriptor t at run time (its memory entry's binding + offset, or its host buffer; a
 * dynamic tensor: its rt_dyn data, NULL before it is produced). */
uint8_t *rt_tensor_data(const dla_module *mod, uint32_t t);
/* The public descriptor of a loadable tensor. */
void rt_tensor_desc(const ldb_tensor *t, dla_tensor_desc *out);
/* Packed geometry of one image of a DLA-format tensor (format and dtype combination checked). */
dla_status rt_desc_geom(const dla_tensor_desc *d, eng_geom *g);

/* ---- scheduler.c -------------------------------------------------------------------------------------------- */
/* Computes the execution order of a DLA task's ops by simulating the firmware scheduler (engine.md §2.3):
 * each processor programs its ops in list order into RT_GROUPS register groups (event PROGRAMMED), an op is
 * enabled when its dependency_count reaches 0 (event ENABLED, fused parents included), ops reading the pipe
 * (src ENG_MEM_HW) run right after their producer, an op ends with event COMPLETED. Deadlock, an event that
 * drives a count below zero or a pipe without its consumer is DLA_ERR_FORMAT naming `what` and the op. */
dla_status rt_schedule(const eng_op *ops, int n_ops, const char *what, int *order);
/* Load-time checks of one decoded op against the task's buffers and LUTs (cube bounds, BDMA spans). */
dla_status rt_check_op(const eng_op *op, const eng_buffer *bufs, int n_bufs, int n_luts, const char *what);
/* Runs DLA task `dt` of mod (engine ops in the scheduled order); per-op times in dt->op_ms. t0 is the run's
 * start (CLOCK_MONOTONIC seconds). */
dla_status rt_dla_run(dla_module *mod, rt_dla_task *dt, double t0, eng_stats *st);

/* ---- host_task.c -------------------------------------------------------------------------------------------- */
/* Deserializes and prepares HOST task `task` (graph I/O matched to the task's tensor descriptors by name). */
dla_status rt_host_prepare(dla_module *mod, uint32_t task, rt_host_task *ht);
void rt_host_release(rt_host_task *ht);
/* Float NCHW <-> a descriptor's format and type (dla_tensor_pack / unpack). */
dla_status rt_tensor_pack(const dla_tensor_desc *d, const float *src, void *dst, size_t dst_size);
dla_status rt_tensor_unpack(const dla_tensor_desc *d, const void *src, size_t src_size, float *dst);
dla_status rt_host_run(dla_module *mod, rt_host_task *ht);

/* ---- stats.c ------------------------------------------------------------------------------------------------ */
dla_status rt_stats_init(dla_module *mod);
void rt_stats_release(dla_module *mod);
/* Records a finished run (task start/end ms relative to the run start; DLA op times from mod->dla). */
void rt_stats_record(dla_module *mod, const double *task_start, const double *task_end, const uint64_t *saturated,
                     double total_ms);
dla_status rt_stats_csv(const dla_module *mod, char **csv);

/* ---- stats_perf.c ------------------------------------------------------------------------------------------- */
/* Predicts the module's times with the performance model for the setting in mod->stats.perf (platform "" : the
 * loadable's target) and fills the predicted fields of the layer and task statistics. On failure the predicted
 * fields are 0, perf.predicted 0 and perf.error says why; the status is returned (the load ignores it, except
 * DLA_ERR_NOMEM). */
dla_status rt_stats_predict(dla_module *mod);

double rt_now(void); /* CLOCK_MONOTONIC seconds */
/* Prefixes the calling thread's last error with a formatted context ("module 'x' task 2: <message>") and returns
 * st (the message is copied first: base_error writes into the buffer dla_last_error() returns). */
dla_status rt_wrap(dla_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
