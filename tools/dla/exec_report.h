/* dla exec: report writers (exec_report.c, exec_profile.c). Private to the dla tool. */
#ifndef DLA_TOOLS_EXEC_REPORT_H
#define DLA_TOOLS_EXEC_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dla/compiler.h"
#include "dla/model.h"
#include "dla/runtime.h"

/* A JSON string literal. */
void exec_json_str(FILE *f, const char *s);

/* --dumpLayerInfo (to stdout) and --exportLayerInfo=FILE (JSON: "Layers" = fused DLA layers, "Placement" = every
 * ONNX layer's device and reason when p is known, "Loadable" = dla inspect --json) for the loadable in bytes.
 * Returns 0 or 1 (error printed). */
int exec_layer_info(const void *bytes, size_t size, const dla_placement *p, int dump, const char *export_path);

/* --exportOutput: PATH ending in .json gets trtexec's JSON; any other PATH is a folder (created when missing)
 * that receives <output name>.npy per output. Returns 0 or 1 (error printed). */
int exec_export_outputs(const char *path, dla_tensor *const *outs, int n);

/* Per-iteration times of the timed runs (ms); the arrays are sorted in place by exec_perf_summary. */
typedef struct exec_timing {
    int n;
    double *latency_ms; /* whole iteration: H2D + compute + D2H */
    double *h2d_ms, *compute_ms, *d2h_ms; /* may be NULL */
    double total_s;     /* wall time of the timed loop */
    int64_t batch;      /* the first input's first dimension (for images/s) */
} exec_timing;

/* trtexec's "=== Performance summary ===". */
void exec_perf_summary(const exec_timing *t);

/* Per-layer times over the timed runs (exec_profile.c): one row per fused DLA layer and per HOST task, from the
 * runtime's statistics of each run (the sum of the net_duration columns, else end - start). */
typedef struct exec_profile {
    int n_rows, n_runs, cap_runs;
    char **names;
    double *ms; /* [run][row] */
} exec_profile;

/* Adds the module's last completed run. Returns 0 or 1 (error printed). */
int exec_profile_add(exec_profile *p, const dla_module *mod);
/* --dumpProfile (trtexec's table on stdout) and --exportProfile=FILE (trtexec's JSON: [{"count": N},
 * {"name", "timeMs", "averageMs", "medianMs", "percentage"}, ...]). Returns 0 or 1. */
int exec_profile_report(const exec_profile *p, int dump, const char *export_path);
void exec_profile_release(exec_profile *p);

#endif
