/* dla exec: per-layer profile over the timed runs (--dumpProfile, --exportProfile), from the runtime's layer-wise
 * statistics (the cuDLA CSV columns). Until the performance model predicts Orin's times these are the software
 * engine's wall times. */
#include "exec_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void exec_profile_release(exec_profile *p)
{
    for (int i = 0; i < p->n_rows; i++)
        free(p->names[i]);
    free(p->names);
    free(p->ms);
    memset(p, 0, sizeof p[0]);
}

/* The rows of a module: fused DLA layers, then HOST tasks. */
static int init_rows(exec_profile *p, const dla_module *mod)
{
    dla_module_attribute a;
    if (dla_module_get_attributes(mod, DLA_NUM_LAYERS, &a) != DLA_OK)
        return 1;
    int n_layers = (int)a.num_layers;
    if (dla_module_get_attributes(mod, DLA_NUM_TASKS, &a) != DLA_OK)
        return 1;
    int n_tasks = (int)a.num_tasks;
    p->names = calloc((size_t)(n_layers + n_tasks) + 1, sizeof *p->names);
    if (!p->names)
        return 1;
    for (int i = 0; i < n_layers; i++) {
        dla_layer_stats s;
        if (dla_module_layer_stats(mod, i, &s) != DLA_OK || !(p->names[p->n_rows] = strdup(s.layer_name)))
            return 1;
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
        snprintf(p->names[p->n_rows++], n, "[HOST] %s", s.name);
    }
    return 0;
}

int exec_profile_add(exec_profile *p, const dla_module *mod)
{
    if (!p->names && init_rows(p, mod) != 0) {
        fprintf(stderr, "dla exec: profile: %s\n", dla_last_error());
        return 1;
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
    dla_module_attribute a;
    int n_layers = dla_module_get_attributes(mod, DLA_NUM_LAYERS, &a) == DLA_OK ? (int)a.num_layers : 0;
    int n_tasks = dla_module_get_attributes(mod, DLA_NUM_TASKS, &a) == DLA_OK ? (int)a.num_tasks : 0;
    int k = 0;
    for (int i = 0; i < n_layers && k < p->n_rows; i++) {
        dla_layer_stats s;
        if (dla_module_layer_stats(mod, i, &s) != DLA_OK)
            return 1;
        double net = s.net_duration_cpipes_ms + s.net_duration_rubik_ms + s.net_duration_bdma_ms;
        row[k++] = net > 0 ? net : s.end_ms - s.start_ms;
    }
    for (int i = 0; i < n_tasks && k < p->n_rows; i++) {
        dla_task_stats s;
        if (dla_module_task_stats(mod, i, &s) != DLA_OK)
            return 1;
        if (s.is_host)
            row[k++] = s.end_ms - s.start_ms;
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
    double total, average, median;
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

static int export_json(const exec_profile *p, const row_stat *st, double all, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "dla exec: --exportProfile=%s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "[\n  { \"count\" : %d }\n", p->n_runs);
    for (int r = 0; r < p->n_rows; r++) {
        fprintf(f, ", { \"name\" : ");
        exec_json_str(f, p->names[r]);
        fprintf(f, ", \"timeMs\" : %.6f, \"averageMs\" : %.6f, \"medianMs\" : %.6f, \"percentage\" : %.4f }\n",
                st[r].total, st[r].average, st[r].median, all > 0 ? 100.0 * st[r].total / all : 0.0);
    }
    fprintf(f, "]\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "dla exec: --exportProfile=%s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("[I] Profile written to %s\n", path);
    return 0;
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
    double all = 0;
    for (int r = 0; r < p->n_rows; r++)
        all += st[r].total;
    if (dump) {
        printf("[I] === Profile (%d iteration%s) ===\n", p->n_runs, p->n_runs == 1 ? "" : "s");
        printf("[I]    Time(ms)     Avg.(ms)   Median(ms)   Time(%%)   Layer\n");
        for (int r = 0; r < p->n_rows; r++)
            printf("[I] %11.4f %12.4f %12.4f %9.1f   %s\n", st[r].total, st[r].average, st[r].median,
                   all > 0 ? 100.0 * st[r].total / all : 0.0, p->names[r]);
        printf("[I] %11.4f %12.4f %12.4f %9.1f   Total\n", all, all / p->n_runs, all / p->n_runs, 100.0);
        printf("[I] (software engine wall times per layer on this machine, not Orin's)\n");
    }
    int rc = export_path ? export_json(p, st, all, export_path) : 0;
    free(st);
    free(scratch);
    return rc;
}
