/* dla exec: the build step (exec_build.c) and the run step (exec_run.c). Private to the dla tool. */
#ifndef DLA_TOOLS_EXEC_STEPS_H
#define DLA_TOOLS_EXEC_STEPS_H

#include <stddef.h>

#include "dla/compiler.h"
#include "dla/model.h"
#include "exec_flags.h"

/* What the build (or --loadEngine) produced. */
typedef struct exec_engine {
    void *bytes;              /* the loadable (malloc'd) */
    size_t size;
    dla_model *model;         /* the ONNX model (--onnx only; for --checkFP32), else NULL */
    dla_placement *placement; /* every ONNX layer's device and reason (--onnx only), else NULL */
} exec_engine;

void exec_engine_release(exec_engine *e);

/* Loads o->onnx, places and builds it (INT8 scales per o), prints the build log ("Layers running on DLA: ...")
 * and saves the loadable when o->save_engine. Returns 0, or 1 with the error printed. */
int exec_build(const exec_opts *o, exec_engine *e);
/* Runs the loadable on a DLA core: warm-up, timed iterations, outputs, profile, summary. Returns 0 or 1. */
int exec_run(const exec_opts *o, const exec_engine *e);

/* Whole-file read / atomic write; errors name the flag and the path. Return 0 or 1. */
int exec_read_file(const char *flag, const char *path, void **bytes, size_t *size);
int exec_write_file(const char *flag, const char *path, const void *bytes, size_t size);

#endif
