/* dla exec: per-layer profile (--dumpProfile, --exportProfile) from the runtime's layer-wise statistics (the cuDLA
 * CSV columns): each DLA layer's time as the performance model predicts it for the chosen platform and power mode
 * (--perfPlatform, --perfPowerMode; dla/runtime.h describes the timeline), with the software engine's measured
 * wall time over the timed runs beside it; HOST tasks with their host wall time. */
#include "exec_report.h"

#include "dla/perf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void exec_profile_release(exec_profile *p)
{
    for (int i = 0; i < p->n_rows; i++)
        free(p->names[i]);
    free(p->names);
    free(p->is_host);
    free(p->pred_ms);
    free(p->bound);
    free(p->ms);
    memset(p, 0, sizeof p[0]);
}

static int module_counts(const dla_module *mod, int *n_layers, int *n_tasks)
{
    dla_module_attribute a;
    if (dla_module_get_attributes(mod, DLA_NUM_LAYERS, &a) != DLA_OK)
        return 1;
    *n_layers = (int)a.num_layers;
    if (dla_module_get_attributes(mod, DLA_NUM_TASKS, &a) != DLA_OK)
        return 1;
    *n_tasks = (int)a.num_tasks;
    return 0;
}

/* The rows of a module: fused DLA layers (with their predicted times), then HOST tasks. */
static int init_rows(exec_profile *p, const dla_module *mod)
{
    int n_layers, n_tasks;
    if (module_counts(mod, &n_layers, &n_tasks))
        return 1;
    size_t cap = (size_t)(n_layers + n_tasks) + 1;
    p->names = calloc(cap, sizeof *p->names);
    p->is_host = calloc(cap, sizeof *p->is_host);
    p->pred_ms = calloc(cap, sizeof *p->pred_ms);
    p->bound = calloc(cap, sizeof *p->bound);
    if (!p->names || !p->is_host || !p->pred_ms || !p->bound)
        return 1;
    for (int i = 0; i < n_layers; i++) {
        dla_layer_stats s;
        if (dla_module_layer_stats(mod, i, &s) != DLA_OK || !(p->names[p->n_rows] = strdup(s.layer_name)))
            return 1;
        p->pred_ms[p->n_rows] = s.end_ms - s.start_ms;
        p->bound[p->n_rows] = s.bound ? s.bound : "";
        p->n_rows++;
    }
    for (int i = 0; i < n_tasks; i++) {
        dla_task_stats s;
        if (dla_module_task_stats(mod, i, &s) != DLA_OK)
            return 1;
        if (!s.is_host)
            continue;
        size_t n = strlen(s.name) + 16;
        if (!(p->names[p->n_rows] = malloc(n)))
            return 1;
        snprintf(p->names[p->n_rows], n, "[HOST] %s", s.name);
        p->is_host[p->n_rows] = 1;
        p->bound[p->n_rows++] = "";
    }
    return 0;
}

/* Chooses the model's setting for the module (first call) and keeps a copy of what the prediction used. */
static int set_model(exec_profile *p, dla_module *mod, const char *platform, const char *power_mode)
{
    if (platform || power_mode) {
        dla_perf_options po;
        memset(&po, 0, sizeof po);
        po.platform = platform;
        po.power_mode = power_mode;
        if (dla_module_set_perf_options(mod, &po) != DLA_OK) {
            fflush(stdout);
            fprintf(stderr, "dla exec: %s%s%s%s%s: %s\n", platform ? "--perfPlatform=" : "", platform ? platform : "",
                    platform && power_mode ? " " : "", power_mode ? "--perfPowerMode=" : "",
                    power_mode ? power_mode : "", dla_last_error());
            return 1;
        }
    }
    if (dla_module_get_perf_info(mod, &p->info) != DLA_OK) {
        fprintf(stderr, "dla exec: profile: %s\n", dla_last_error());
        return 1;
    }
    snprintf(p->platform, sizeof p->platform, "%s", p->info.platform);
    snprintf(p->power_mode, sizeof p->power_mode, "%s", p->info.power_mode);
    snprintf(p->error, sizeof p->error, "%s", p->info.error);
    p->info.platform = p->platform; /* the module's strings may not outlive it */
    p->info.power_mode = p->power_mode;
    p->info.error = p->error;
    return 0;
}

int exec_profile_add(exec_profile *p, dla_module *mod, const char *perf_platform, const char *perf_power_mode)
{
    if (!p->names) {
        if (set_model(p, mod, perf_platform, perf_power_mode))
            return 1;
        if (init_rows(p, mod) != 0) {
            fprintf(stderr, "dla exec: profile: %s\n", dla_last_error());
            return 1;
        }
    }
    if (p->n_runs == p->cap_runs) {
        int cap = p->cap_runs ? p->cap_runs * 2 : 16;
        double *g = realloc(p->ms, sizeof(double) * (size_t)cap * (size_t)(p->n_rows + 1));
        if (!g) {
            fprintf(stderr, "dla exec: profile: out of memory\n");
            return 1;
        }
        p->ms = g;
        p->cap_runs = cap;
    }
    double *row = p->ms + (size_t)p->n_runs * (size_t)p->n_rows;
    int n_layers = 0, n_tasks = 0;
    if (module_counts(mod, &n_layers, &n_tasks))
        return 1;
    int k = 0;
    for (int i = 0; i < n_layers && k < p->n_rows; i++) {
        dla_layer_stats s;
        if (dla_module_layer_stats(mod, i, &s) != DLA_OK)
            return 1;
        row[k++] = s.wall_net_ms > 0 ? s.wall_net_ms : s.wall_end_ms - s.wall_start_ms;
    }
    for (int i = 0; i < n_tasks && k < p->n_rows; i++) {
        dla_task_stats s;
        if (dla_module_task_stats(mod, i, &s) != DLA_OK)
            return 1;
        if (s.is_host)
            row[k++] = s.wall_end_ms - s.wall_start_ms;
    }
    while (k < p->n_rows)
        row[k++] = 0;
    p->n_runs++;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct row_stat {
    double total, average, median; /* wall */
} row_stat;

static void row_stats(const exec_profile *p, row_stat *out, double *scratch)
{
    for (int r = 0; r < p->n_rows; r++) {
        double sum = 0;
        for (int k = 0; k < p->n_runs; k++) {
            scratch[k] = p->ms[(size_t)k * (size_t)p->n_rows + (size_t)r];
            sum += scratch[k];
        }
        qsort(scratch, (size_t)p->n_runs, sizeof *scratch, cmp_double);
        int n = p->n_runs;
        out[r].total = sum;
        out[r].average = n ? sum / n : 0;
        out[r].median = !n ? 0 : n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
    }
}

static int export_json(const exec_profile *p, const row_stat *st, double pred_all, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "dla exec: --exportProfile=%s: %s\n", path, strerror(errno));
        return 1;
    }
    const dla_module_perf_info *in = &p->info;
    fprintf(f, "[\n  { \"count\" : %d, \"predicted\" : { \"platform\" : ", p->n_runs);
    exec_json_str(f, in->platform);
    fprintf(f, ", \"powerMode\" : ");
    exec_json_str(f, in->power_mode);
    fprintf(f, ", \"cores\" : %d, \"batch\" : %d, \"valid\" : %s, \"layersMs\" : %.6f, \"inferenceMs\" : %.6f, "
            "\"latencyMs\" : %.6f, \"error\" : ", in->cores, in->batch, in->predicted ? "true" : "false", pred_all,
            in->inference_ms, in->latency_ms);
    exec_json_str(f, in->error);
    fprintf(f, " } }\n");
    for (int r = 0; r < p->n_rows; r++) {
        fprintf(f, ", { \"name\" : ");
        exec_json_str(f, p->names[r]);
        if (p->is_host[r]) {
            fprintf(f, ", \"device\" : \"HOST\", \"timeMs\" : %.6f, \"averageMs\" : %.6f, \"medianMs\" : %.6f, "
                    "\"percentage\" : 0, \"wallTimeMs\" : %.6f, \"wallAverageMs\" : %.6f, \"wallMedianMs\" : %.6f }\n",
                    st[r].total, st[r].average, st[r].median, st[r].total, st[r].average, st[r].median);
            continue;
        }
        fprintf(f, ", \"device\" : \"DLA\", \"timeMs\" : %.6f, \"averageMs\" : %.6f, \"medianMs\" : %.6f, "
                "\"percentage\" : %.4f, \"bound\" : ", p->pred_ms[r] * p->n_runs, p->pred_ms[r], p->pred_ms[r],
                pred_all > 0 ? 100.0 * p->pred_ms[r] / pred_all : 0.0);
        exec_json_str(f, p->bound[r]);
        fprintf(f, ", \"wallTimeMs\" : %.6f, \"wallAverageMs\" : %.6f, \"wallMedianMs\" : %.6f }\n", st[r].total,
                st[r].average, st[r].median);
    }
    fprintf(f, "]\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "dla exec: --exportProfile=%s: %s\n", path, strerror(errno));
        remove(path);
        return 1;
    }
    printf("[I] Profile written to %s\n", path);
    return 0;
}

static void dump_table(const exec_profile *p, const row_stat *st, double pred_all)
{
    const dla_module_perf_info *in = &p->info;
    int n_dla = 0;
    for (int r = 0; r < p->n_rows; r++)
        n_dla += !p->is_host[r];
    printf("[I] === Profile (%d iteration%s) ===\n", p->n_runs, p->n_runs == 1 ? "" : "s");
    if (!n_dla)
        printf("[I] No DLA layers: host wall times only\n");
    else if (in->predicted)
        printf("[I] Predicted: the performance model for %s %s, %d core%s, batch %d (docs/perf-model.md). Wall: the "
               "software engine on this machine\n", in->platform, in->power_mode, in->cores, in->cores == 1 ? "" : "s",
               in->batch);
    else
        printf("[W] No predicted times (the performance model failed: %s); Pred. columns are 0\n", in->error);
    printf("[I]   Pred.(ms)   Pred.(%%)   Wall avg(ms)  Wall median(ms)   Layer\n");
    double wall_dla = 0, wall_host = 0;
    for (int r = 0; r < p->n_rows; r++) {
        if (p->is_host[r]) {
            wall_host += st[r].average;
            printf("[I] %11s %10s %14.4f %16.4f   %s (host wall time)\n", "-", "-", st[r].average, st[r].median,
                   p->names[r]);
            continue;
        }
        wall_dla += st[r].average;
        printf("[I] %11.4f %10.1f %14.4f %16.4f   %s\n", p->pred_ms[r], pred_all > 0 ? 100.0 * p->pred_ms[r] / pred_all
               : 0.0, st[r].average, st[r].median, p->names[r]);
    }
    if (n_dla)
        printf("[I] %11.4f %10.1f %14.4f %16s   Total DLA layers\n", pred_all, 100.0, wall_dla, "");
    if (wall_host > 0)
        printf("[I] %11s %10s %14.4f %16s   Total HOST tasks (host wall time)\n", "-", "-", wall_host, "");
    if (n_dla && in->predicted)
        printf("[I] Predicted inference on one DLA core: %.4f ms (layers %.4f ms + DLA task fixed costs%s)\n",
               in->inference_ms, pred_all, wall_host > 0 ? " + the model's HOST task costs" : "");
}

int exec_profile_report(const exec_profile *p, int dump, const char *export_path)
{
    if (!p->n_runs)
        return 0;
    row_stat *st = calloc((size_t)p->n_rows + 1, sizeof *st);
    double *scratch = calloc((size_t)p->n_runs + 1, sizeof *scratch);
    if (!st || !scratch) {
        free(st);
        free(scratch);
        fprintf(stderr, "dla exec: profile: out of memory\n");
        return 1;
    }
    row_stats(p, st, scratch);
    double pred_all = 0;
    for (int r = 0; r < p->n_rows; r++)
        pred_all += p->is_host[r] ? 0 : p->pred_ms[r];
    if (dump)
        dump_table(p, st, pred_all);
    int rc = export_path ? export_json(p, st, pred_all, export_path) : 0;
    free(st);
    free(scratch);
    return rc;
}
