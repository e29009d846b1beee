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

/* Per-layer times over the timed runs (exec_profile.c): one row per fused DLA layer and per HOST task. A DLA row
 * has the performance model's predicted time (the runtime's layer statistics: end_ms - start_ms, the same every
 * run) and the software engine's wall time of each run (wall_net_ms, else wall_end_ms - wall_start_ms); a HOST
 * row has its host wall time of each run. */
typedef struct exec_profile {
    int n_rows, n_runs, cap_runs;
    char **names;
    int *is_host;          /* per row */
    double *pred_ms;       /* per row: predicted ms per inference (HOST rows: 0) */
    const char **bound;    /* per row: "math", "memory", "overhead" or "" (strings the module owns) */
    double *ms;            /* [run][row]: wall times */
    dla_module_perf_info info; /* the prediction's setting (its strings copied below) */
    char platform[16], power_mode[16], error[512];
} exec_profile;

/* Adds the module's last completed run. The first call sets the performance model's platform and power mode for
 * the module (NULL: the loadable's target, MAXN) and reads the predicted times. Returns 0 or 1 (error printed,
 * naming --perfPlatform / --perfPowerMode when the model refuses them). */
int exec_profile_add(exec_profile *p, dla_module *mod, const char *perf_platform, const char *perf_power_mode);
/* --dumpProfile (a trtexec-like table on stdout: predicted ms and % per DLA layer, wall average and median
 * beside) and --exportProfile=FILE (trtexec's JSON: [{"count": N, "predicted": {...}}, {"name", "timeMs",
 * "averageMs", "medianMs", "percentage", ...}, ...]; for DLA rows timeMs/averageMs/medianMs/percentage are the
 * predicted time (timeMs = count x the per-inference time) and wallTimeMs/wallAverageMs/wallMedianMs the software
 * engine's; HOST rows carry "device": "HOST", the host wall times and percentage 0). Returns 0 or 1. */
int exec_profile_report(const exec_profile *p, int dump, const char *export_path);
void exec_profile_release(exec_profile *p);

#endif
