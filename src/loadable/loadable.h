/* loadable: the compiled network as a self-contained, versioned, checksummed binary (docs/loadable.md).
 *
 * The structure is NVDLA's loadable (reference/engine.md §2.1) in a flat little-endian format instead of a
 * FlatBuffer: a header (magic "DLAK", major.minor.patch, total size, CRC-32), a section table, and one section per
 * record kind — strings, build info, memory pools, blobs (and their 64-byte aligned data), memory list, address
 * list, tensor descriptors, events, fused layers, tasks and a shared u32 index array.
 *
 * This layer uses only base: the engine's operation, surface and LUT records are stored as opaque arrays
 * (count x record size bytes) that the runtime decodes with the engine's codec (src/engine/codec.h); a HOST task's
 * subgraph is an opaque byte blob (the compiler puts an ONNX-serialized subgraph there).
 *
 * Writing (the compiler):
 *
 *     ldb_builder *b;
 *     ldb_builder_create(&b);
 *     uint32_t w = ldb_add_blob(b, "conv1.weight", LDB_BLOB_WEIGHTS, bytes, nbytes);
 *     uint32_t m = ldb_add_memory(b, &(ldb_memory){.name = "weights", .size = nbytes, .alignment = 64,
 *                                 .domain = LDB_DOMAIN_DRAM, .flags = LDB_MEM_ALLOC | LDB_MEM_SET,
 *                                 .pool = LDB_POOL_GLOBAL_DRAM, .bind_id = LDB_NONE, .tensor = LDB_NONE,
 *                                 .blob = w});
 *     ... ldb_add_address, ldb_add_tensor, ldb_add_event, ldb_add_task ...
 *     void *bytes; size_t size;
 *     if (ldb_finish(b, &bytes, &size) != DLA_OK) ...   // validates its own output with ldb_parse
 *     ldb_builder_destroy(b);
 *
 * Reading (the runtime, `dla inspect`):
 *
 *     ldb_view v;
 *     if (ldb_parse(bytes, size, &v) != DLA_OK) return ...;  // DLA_ERR_FORMAT / DLA_ERR_VERSION, message set
 *     for (uint32_t t = 0; t < v.n_tasks; t++) ... v.tasks[t].ops.data ...
 *     ldb_view_free(&v);                                    // bytes must outlive the view
 *
 * Every id in the view has been checked against its array, every (offset, size) against its container, every
 * string is NUL-terminated inside the string table: users of a parsed view index its arrays without checks.
 */
#ifndef DLA_LOADABLE_H_INTERNAL
#define DLA_LOADABLE_H_INTERNAL

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define LDB_MAGIC "DLAK"
#define LDB_VERSION_MAJOR 1
#define LDB_VERSION_MINOR 1 /* 1.1: LDB_TENSOR_DYNAMIC; a file without dynamic tensors is written as 1.0 */
#define LDB_VERSION_PATCH 0

#define LDB_NONE 0xFFFFFFFFu   /* "no index" in every u32 reference field */
#define LDB_MAX_RANK 8
#define LDB_MAX_CORES 2         /* DLA cores a task may be pinned to (Orin: 2) */
#define LDB_BLOB_ALIGN 64       /* every blob and every section starts on a multiple of this */
#define LDB_MAX_ALIGNMENT 65536 /* largest memory-entry alignment */

/* ---- header flags -------------------------------------------------------------------------------------- */
enum { LDB_FLAG_STANDALONE = 1 }; /* one or more DLA tasks and no HOST task (--buildDLAStandalone) */

/* ---- enums (values are stored in the file: append only) ------------------------------------------------ */
typedef enum ldb_section_type {
    LDB_SEC_STRINGS = 1, LDB_SEC_BUILD_INFO = 2, LDB_SEC_POOLS = 3, LDB_SEC_BLOBS = 4, LDB_SEC_BLOB_DATA = 5,
    LDB_SEC_MEMORY = 6, LDB_SEC_ADDRESSES = 7, LDB_SEC_TENSORS = 8, LDB_SEC_EVENTS = 9, LDB_SEC_LAYERS = 10,
    LDB_SEC_TASKS = 11, LDB_SEC_INDICES = 12,
    LDB_SEC_TYPE_COUNT = 13
} ldb_section_type;

typedef enum ldb_domain { LDB_DOMAIN_DRAM = 0, LDB_DOMAIN_SRAM = 1 } ldb_domain;
enum { LDB_MEM_ALLOC = 1, LDB_MEM_SET = 2, LDB_MEM_INPUT = 4, LDB_MEM_OUTPUT = 8 };

/* Memory pools (TensorRT's DLA pools, --memPoolSize=dlaGlobalDRAM/dlaLocalDRAM/dlaSRAM). */
typedef enum ldb_pool {
    LDB_POOL_GLOBAL_DRAM = 0, /* weights and metadata */
    LDB_POOL_LOCAL_DRAM = 1,  /* intermediate activations */
    LDB_POOL_SRAM = 2,        /* managed SRAM */
    LDB_POOL_COUNT = 3
} ldb_pool;

typedef enum ldb_blob_kind {
    LDB_BLOB_DATA = 0,     /* generic memory contents (constants, tables) */
    LDB_BLOB_WEIGHTS = 1,  /* weights, biases, scales in engine formats (counted as weight bytes) */
    LDB_BLOB_OPS = 2,      /* a DLA task's operation records */
    LDB_BLOB_SURFACES = 3, /* a DLA task's surface records */
    LDB_BLOB_LUTS = 4,     /* a DLA task's LUT records */
    LDB_BLOB_SUBGRAPH = 5, /* a HOST task's serialized subgraph */
    LDB_BLOB_KIND_COUNT = 6
} ldb_blob_kind;

/* Element types: ONNX TensorProto.DataType values (= dla_dtype). */
typedef enum ldb_dtype {
    LDB_DT_FLOAT = 1, LDB_DT_UINT8 = 2, LDB_DT_INT8 = 3, LDB_DT_UINT16 = 4, LDB_DT_INT16 = 5, LDB_DT_INT32 = 6,
    LDB_DT_INT64 = 7, LDB_DT_BOOL = 9, LDB_DT_HALF = 10, LDB_DT_DOUBLE = 11, LDB_DT_UINT32 = 12,
    LDB_DT_UINT64 = 13, LDB_DT_BFLOAT16 = 16
} ldb_dtype;

/* Tensor memory formats (TensorRT's names; dla-facts §2.3). */
typedef enum ldb_format {
    LDB_FMT_NCHW = 0,       /* dense row-major (kLINEAR): host tensors, FP32 network I/O */
    LDB_FMT_DLA_LINEAR = 1, /* [N][C][H][roundUp(W, 64/elemSize)] */
    LDB_FMT_DLA_HWC4 = 2,   /* [N][H][roundUp(W, ...)][C'=4] image input */
    LDB_FMT_CHW16 = 3,      /* [N][(C+15)/16][H][W][16] FP16 native */
    LDB_FMT_CHW32 = 4,      /* [N][(C+31)/32][H][W][32] INT8 native */
    LDB_FMT_COUNT = 5
} ldb_format;

/* Tensor flags. HAS_SCALE: `scale` is the INT8 per-tensor scale. DYNAMIC (format 1.1): a data-dependent shape
 * (after NonMaxSuppression, NonZero, a TopK with a run-time k, ...): NCHW only, dims[i] = -1 where the size is
 * known only at run time, n = c = h = w = 0, strides 0, `size` the capacity of its memory entry (the runtime keeps
 * the actual data in its own storage and reports the actual dims; docs/loadable.md). */
enum { LDB_TENSOR_HAS_SCALE = 1, LDB_TENSOR_DYNAMIC = 2 };

typedef enum ldb_task_type { LDB_TASK_DLA = 0, LDB_TASK_HOST = 1 } ldb_task_type;

/* The engine's processors (values = eng_op_type = NVDLA's), for per-task op counts and layer unit masks. */
typedef enum ldb_unit {
    LDB_UNIT_BDMA = 0, LDB_UNIT_CONV = 1, LDB_UNIT_SDP = 2, LDB_UNIT_PDP = 3, LDB_UNIT_CDP = 4, LDB_UNIT_RUBIK = 5,
    LDB_UNIT_COUNT = 6
} ldb_unit;

/* Build-info precision flags. */
enum {
    LDB_BUILD_FP16 = 1, LDB_BUILD_INT8 = 2, LDB_BUILD_GPU_FALLBACK = 4, LDB_BUILD_STANDALONE = 8,
    LDB_BUILD_SPARSITY = 16
};
#define LDB_BUILD_FLAGS_ALL 31u

typedef enum ldb_event_type { LDB_EVENT_SYNC = 0 } ldb_event_type;

/* ---- records: the same structs serve the builder (input) and the view (output) -------------------------- */

typedef struct ldb_build_info {
    const char *dlakit_version; /* "0.1.0" */
    const char *platform;       /* "orin", "xavier" */
    const char *model;          /* source model name */
    const char *options;        /* the build command's flags, for reproduction */
    uint32_t precision;         /* LDB_BUILD_* flags */
} ldb_build_info;

typedef struct ldb_pools {
    uint64_t limit[LDB_POOL_COUNT]; /* configured sizes (0 = not set; else a power of two >= 4096) */
    uint64_t used[LDB_POOL_COUNT];  /* view: bytes of ALLOC entries per pool (computed by the builder) */
} ldb_pools;

typedef struct ldb_blob {
    const char *name;
    uint32_t kind;        /* ldb_blob_kind */
    const uint8_t *data;  /* view: points into the loadable */
    uint64_t size;
    uint64_t offset;      /* view: offset inside the blob-data section (a multiple of 64) */
} ldb_blob;

typedef struct ldb_memory {
    uint32_t id;          /* view: = its index */
    const char *name;
    uint64_t size;        /* bytes, > 0 */
    uint32_t alignment;   /* power of two, 1..LDB_MAX_ALIGNMENT */
    uint8_t domain;       /* ldb_domain */
    uint8_t flags;        /* LDB_MEM_*, nonzero */
    uint8_t pool;         /* ldb_pool: SRAM domain <=> LDB_POOL_SRAM */
    uint32_t bind_id;     /* INPUT/OUTPUT: 0..n-1 per direction, else LDB_NONE */
    uint32_t tensor;      /* INPUT/OUTPUT: the tensor descriptor, else LDB_NONE (optional) */
    uint32_t blob;        /* SET: the content blob, else LDB_NONE */
    uint64_t content_offset; /* SET: where the blob's bytes go inside this memory */
} ldb_memory;

typedef struct ldb_address {
    uint32_t id;
    uint32_t mem;
    uint64_t offset, size; /* inside the memory entry; size > 0 */
} ldb_address;

typedef struct ldb_tensor {
    uint32_t id;
    const char *name;     /* non-empty */
    uint32_t mem;         /* memory entry holding it, or LDB_NONE (host-side tensor) */
    uint64_t offset;      /* inside mem */
    uint64_t size;        /* bytes, >= dense size of dims */
    uint8_t dtype;        /* ldb_dtype */
    uint8_t format;       /* ldb_format */
    uint8_t rank;         /* 0..LDB_MAX_RANK */
    uint8_t flags;        /* LDB_TENSOR_HAS_SCALE */
    float scale;          /* INT8 per-tensor scale (finite, > 0) when flagged, else 0 */
    uint32_t n, c, h, w;  /* the 4-D view the DLA formats use; n*c*h*w = product of dims */
    int64_t dims[LDB_MAX_RANK];    /* >= 0 */
    uint64_t strides[LDB_MAX_RANK]; /* bytes between consecutive indices of each dim */
} ldb_tensor;

typedef struct ldb_event {
    uint32_t id;
    uint8_t type;         /* ldb_event_type */
    uint32_t target;      /* sync chain */
    uint32_t value;       /* value signalled */
} ldb_event;

/* A fused layer: "Conv_226 + BatchNormalization_227 + Add_228 + Relu_229", its precision and its engine ops. */
typedef struct ldb_layer {
    const char *name;      /* non-empty */
    const char *precision; /* "INT8", "FP16", ... */
    uint32_t first_op, op_count; /* range in the owning task's op records */
    uint32_t units;        /* bit (1 << ldb_unit) per processor the layer uses */
    uint32_t tensor;       /* its output tensor descriptor, or LDB_NONE */
} ldb_layer;

/* An opaque record array. Builder: data/count/record_size are copied into a new blob. View: data points into the
 * loadable, blob is the blob holding it (LDB_NONE when count is 0). */
typedef struct ldb_records {
    const void *data;
    uint32_t count, record_size;
    uint32_t blob;
} ldb_records;

typedef struct ldb_bytes {
    const void *data;
    uint64_t size;
    uint32_t blob;
} ldb_bytes;

typedef struct ldb_task {
    uint32_t id;
    uint8_t type;          /* ldb_task_type */
    int16_t core;          /* -1 any core, else 0..LDB_MAX_CORES-1; HOST tasks: -1 */
    const char *name;
    const uint32_t *addresses; uint32_t n_addresses;   /* address list: engine mem index i = addresses[i] */
    const uint32_t *wait_events; uint32_t n_wait;      /* pre-actions */
    const uint32_t *signal_events; uint32_t n_signal;  /* post-actions */
    const uint32_t *inputs; uint32_t n_inputs;         /* tensor descriptors */
    const uint32_t *outputs; uint32_t n_outputs;
    /* DLA tasks */
    ldb_records ops, surfaces, luts;
    const ldb_layer *layers; uint32_t n_layers;        /* view: a slice of ldb_view.layers */
    uint32_t layer_first;                              /* view: index of layers[0] in ldb_view.layers */
    uint32_t ops_per_unit[LDB_UNIT_COUNT];             /* sums to ops.count */
    /* HOST tasks */
    ldb_bytes subgraph;
} ldb_task;

/* ---- writer (writer.c) ------------------------------------------------------------------------------------ */

typedef struct ldb_builder ldb_builder;

dla_status ldb_builder_create(ldb_builder **out);
void ldb_builder_destroy(ldb_builder *b);

/* The add functions copy what they are given and return the new entry's id (its index), or LDB_NONE after an
 * error; the first error (out of memory, a NULL argument) is kept and returned by ldb_finish. Cross-references
 * are checked by ldb_finish, so entries may refer to ids added later. */
uint32_t ldb_add_string(ldb_builder *b, const char *s);           /* string-table offset (deduplicated) */
uint32_t ldb_add_blob(ldb_builder *b, const char *name, uint32_t kind, const void *data, uint64_t size);
uint32_t ldb_add_memory(ldb_builder *b, const ldb_memory *m);     /* m->id ignored */
uint32_t ldb_add_address(ldb_builder *b, const ldb_address *a);
uint32_t ldb_add_tensor(ldb_builder *b, const ldb_tensor *t);
uint32_t ldb_add_event(ldb_builder *b, const ldb_event *e);
/* Appends the task with its index arrays, layers (t->layers[0..n_layers)) and, for DLA tasks, its op, surface and
 * LUT records as new blobs; for HOST tasks t->subgraph.data as a new blob. Blob/first fields of t are ignored. */
uint32_t ldb_add_task(ldb_builder *b, const ldb_task *t);
void ldb_set_build_info(ldb_builder *b, const ldb_build_info *info);
void ldb_set_pool_limits(ldb_builder *b, const uint64_t limit[LDB_POOL_COUNT]);
void ldb_set_flags(ldb_builder *b, uint32_t flags);

/* Serializes into a malloc'd buffer (caller frees) and validates it with ldb_parse: a builder never hands out a
 * loadable the reader would refuse. The builder may be destroyed afterwards. */
dla_status ldb_finish(ldb_builder *b, void **bytes, size_t *size);

/* ---- reader (reader.c) ----------------------------------------------------------------------------------- */

typedef struct ldb_view {
    uint16_t major, minor, patch;
    uint32_t flags;
    uint64_t total_size;
    ldb_build_info build;
    ldb_pools pools;
    const char *strings; size_t strings_size;
    uint32_t n_blobs;     const ldb_blob *blobs;
    uint32_t n_memory;    const ldb_memory *memory;
    uint32_t n_addresses; const ldb_address *addresses;
    uint32_t n_tensors;   const ldb_tensor *tensors;
    uint32_t n_events;    const ldb_event *events;
    uint32_t n_layers;    const ldb_layer *layers;
    uint32_t n_tasks;     const ldb_task *tasks;
    uint32_t n_inputs, n_outputs; /* bindable memory entries (INPUT / OUTPUT flags) */
    void *owned_;         /* decoded arrays (one allocation) */
} ldb_view;

/* Parses and validates a loadable. The view borrows `bytes` (strings, blobs and records point into it): keep
 * them alive and unchanged until ldb_view_free. Errors: DLA_ERR_VERSION (another major, or a newer minor),
 * DLA_ERR_FORMAT (anything malformed, with a message naming the record, the field, the value and the limit),
 * DLA_ERR_NOMEM. On error *view is zeroed and owns nothing. */
dla_status ldb_parse(const void *bytes, size_t size, ldb_view *view);
void ldb_view_free(ldb_view *view);

/* Index of the memory entry bound to input (or output) `bind_id`, or LDB_NONE. */
uint32_t ldb_view_binding(const ldb_view *v, int output, uint32_t bind_id);
/* Index of the tensor descriptor named `name`, or LDB_NONE. */
uint32_t ldb_view_find_tensor(const ldb_view *v, const char *name);
/* Total size of the blobs of LDB_BLOB_WEIGHTS kind. */
uint64_t ldb_view_weight_bytes(const ldb_view *v);

/* ---- names (describe.c) ---------------------------------------------------------------------------------- */
const char *ldb_dtype_name(uint32_t dtype);   /* "FLOAT", "HALF", "INT8", ... ; "?" if unknown */
size_t ldb_dtype_size(uint32_t dtype);        /* bytes per element, 0 if unknown */
const char *ldb_format_name(uint32_t format); /* "NCHW", "DLA_LINEAR", "DLA_HWC4", "CHW16", "CHW32" */
const char *ldb_unit_name(uint32_t unit);     /* "BDMA", "CONV", ... */
const char *ldb_pool_name(uint32_t pool);     /* "globalDRAM", "localDRAM", "SRAM" */

/* Human text (json == 0) or JSON (json != 0) description of a parsed loadable, malloc'd (caller frees). */
dla_status ldb_describe(const ldb_view *v, int json, char **out);

/* ---- checksum (crc32.c) ---------------------------------------------------------------------------------- */
/* CRC-32/IEEE (reflected, polynomial 0xEDB88320, init and final xor 0xFFFFFFFF): crc32("123456789") = 0xCBF43926.
 * Pass the previous result as `crc` to continue (0 to start). */
uint32_t ldb_crc32(uint32_t crc, const void *data, size_t size);
/* Recomputes the header's CRC after an in-place edit (tests that build deliberately inconsistent loadables, tools
 * that patch one). Does nothing if size is below the header size. */
void ldb_reseal(void *bytes, size_t size);

/* ---- byte layout (docs/loadable.md) ---------------------------------------------------------------------- */
#define LDB_HEADER_SIZE 64
#define LDB_SECTION_ENTRY_SIZE 32
#define LDB_MAX_SECTIONS 32
#define LDB_CRC_OFFSET 4     /* the CRC covers bytes [8, total_size) */
#define LDB_CRC_START 8
#define LDB_REC_BUILD_INFO 32
#define LDB_REC_POOLS 48
#define LDB_REC_BLOB 32
#define LDB_REC_MEMORY 64
#define LDB_REC_ADDRESS 32
#define LDB_REC_TENSOR 192
#define LDB_REC_EVENT 16
#define LDB_REC_LAYER 32
#define LDB_REC_TASK 128

/* Explicit little-endian access (the format never depends on the host's byte order). */
static inline uint16_t ldb_rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t ldb_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ldb_rd64(const uint8_t *p) { return (uint64_t)ldb_rd32(p) | (uint64_t)ldb_rd32(p + 4) << 32; }
static inline void ldb_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void ldb_wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void ldb_wr64(uint8_t *p, uint64_t v)
{
    ldb_wr32(p, (uint32_t)v);
    ldb_wr32(p + 4, (uint32_t)(v >> 32));
}

#endif
