/* dla/loadable.h — inspect a compiled loadable (the file `dla exec --saveEngine` writes) without running it.
 *
 * Opening a loadable validates all of it: magic, version, size, CRC-32, every index and size. A corrupt or
 * truncated file gives DLA_ERR_FORMAT, a format version this build cannot read DLA_ERR_VERSION, never a crash.
 * The format is described byte by byte in docs/loadable.md.
 *
 *     dla_loadable *l;
 *     if (dla_loadable_load_file("net.dla", &l) != DLA_OK) { puts(dla_last_error()); return 1; }
 *     char *text;
 *     if (dla_loadable_describe(l, 0, &text) == DLA_OK) { fputs(text, stdout); free(text); }
 *     dla_loadable_destroy(l);
 */
#ifndef DLA_LOADABLE_H
#define DLA_LOADABLE_H

#include <stddef.h>
#include <stdint.h>

#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dla_loadable dla_loadable;

/* Validates and opens a loadable from memory; the bytes are copied (the caller keeps ownership of `bytes`). */
dla_status dla_loadable_load(const void *bytes, size_t size, dla_loadable **out);
/* Reads and opens a loadable file. Errors name the path. */
dla_status dla_loadable_load_file(const char *path, dla_loadable **out);
void dla_loadable_destroy(dla_loadable *l); /* NULL is a no-op */

/* Validates without keeping anything: DLA_OK, DLA_ERR_FORMAT or DLA_ERR_VERSION (message in dla_last_error()). */
dla_status dla_loadable_check(const void *bytes, size_t size);

/* Memory pools, in this order everywhere (TensorRT's --memPoolSize names). */
enum { DLA_POOL_GLOBAL_DRAM = 0, DLA_POOL_LOCAL_DRAM = 1, DLA_POOL_SRAM = 2, DLA_POOL_COUNT = 3 };

/* A summary. Strings are owned by the loadable and valid until dla_loadable_destroy. */
typedef struct dla_loadable_info {
    int version_major, version_minor, version_patch;
    size_t size;               /* bytes */
    int standalone;            /* built with --buildDLAStandalone: DLA tasks only */
    int n_tasks, n_dla_tasks, n_host_tasks;
    int n_layers;              /* fused DLA layers */
    int n_dla_ops;             /* engine operations over all DLA tasks */
    int n_tensors, n_inputs, n_outputs;
    uint64_t weight_bytes;
    uint64_t pool_limit[DLA_POOL_COUNT]; /* configured (0 = default) */
    uint64_t pool_used[DLA_POOL_COUNT];  /* allocated by the compiler */
    const char *dlakit_version, *platform, *model, *options;
} dla_loadable_info;

void dla_loadable_get_info(const dla_loadable *l, dla_loadable_info *out);

/* A fused DLA layer ("Conv_226 + BatchNormalization_227 + Add_228 + Relu_229"). Strings owned by the loadable. */
typedef struct dla_loadable_layer {
    const char *name;
    const char *precision;     /* "INT8", "FP16", ... */
    int task;                  /* the DLA task holding it */
    int n_ops;                 /* engine operations */
    unsigned processors;       /* bit i set: processor i is used (0 BDMA, 1 CONV, 2 SDP, 3 PDP, 4 CDP, 5 RUBIK) */
} dla_loadable_layer;

/* Layer i (0 <= i < info.n_layers, in task order). DLA_ERR_INVALID_ARG when i is out of range. */
dla_status dla_loadable_layer_info(const dla_loadable *l, int i, dla_loadable_layer *out);

/* A description: human text (json == 0) or one JSON object (json != 0): build info, tasks with op counts per
 * processor, fused layers with names and precisions, tensors (name, dims, type, format, size), memory per pool,
 * bindings, weight bytes. *text is malloc'd: free it with free(). */
dla_status dla_loadable_describe(const dla_loadable *l, int json, char **text);

#ifdef __cplusplus
}
#endif
#endif
