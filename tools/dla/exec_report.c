/* dla exec: what it reports — the layer information of a loadable (--dumpLayerInfo, --exportLayerInfo), the
 * outputs (--exportOutput) and trtexec's performance summary. */
#include "exec_report.h"

#include "dla/loadable.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void exec_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static const char *const processor_names[6] = {"BDMA", "CONV", "SDP", "PDP", "CDP", "RUBIK"};

static void processors_text(char *buf, size_t size, unsigned bits)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int k = 0; k < 6; k++)
        if (bits & (1u << k))
            n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "+" : "", processor_names[k]);
}

/* ---- layer information ----------------------------------------------------------------------------------- */

static void dump_layers(const dla_loadable *l, const dla_loadable_info *in, const dla_placement *p)
{
    printf("[I] Layer information (%d task%s: %d DLA, %d HOST; %d fused DLA layer%s):\n", in->n_tasks,
           in->n_tasks == 1 ? "" : "s", in->n_dla_tasks, in->n_host_tasks, in->n_layers, in->n_layers == 1 ? "" : "s");
    for (int i = 0; i < in->n_layers; i++) {
        dla_loadable_layer y;
        if (dla_loadable_layer_info(l, i, &y) != DLA_OK)
            continue;
        char units[48];
        processors_text(units, sizeof units, y.processors);
        printf("[I]   [DLA task %d] %-5s %-16s %3d op%s  %s\n", y.task, y.precision, units, y.n_ops,
               y.n_ops == 1 ? " " : "s", y.name);
    }
    if (!p)
        return;
    int n = dla_placement_num_layers(p);
    for (int i = 0; i < n; i++) {
        dla_layer_placement lp;
        if (dla_placement_layer(p, i, &lp) == DLA_OK && strcmp(lp.device, "DLA") != 0)
            printf("[I]   [GPU (host)] %-20s %s: %s\n", lp.op, lp.name, lp.reason);
    }
}

static int export_layers(const char *path, const dla_loadable *l, const dla_loadable_info *in,
                         const dla_placement *p)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "dla exec: --exportLayerInfo=%s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "{\"Layers\": [");
    for (int i = 0; i < in->n_layers; i++) {
        dla_loadable_layer y;
        if (dla_loadable_layer_info(l, i, &y) != DLA_OK)
            continue;
        fprintf(f, "%s\n  {\"Name\": ", i ? "," : "");
        exec_json_str(f, y.name);
        fprintf(f, ", \"LayerType\": \"DLA\", \"Task\": %d, \"Precision\": ", y.task);
        exec_json_str(f, y.precision);
        fprintf(f, ", \"Ops\": %d, \"Processors\": [", y.n_ops);
        for (int k = 0, first = 1; k < 6; k++)
            if (y.processors & (1u << k)) {
                fprintf(f, "%s\"%s\"", first ? "" : ", ", processor_names[k]);
                first = 0;
            }
        fprintf(f, "]}");
    }
    fprintf(f, "\n ],\n \"Placement\": [");
    int n = p ? dla_placement_num_layers(p) : 0;
    for (int i = 0; i < n; i++) {
        dla_layer_placement lp;
        if (dla_placement_layer(p, i, &lp) != DLA_OK)
            continue;
        fprintf(f, "%s\n  {\"Name\": ", i ? "," : "");
        exec_json_str(f, lp.name);
        fprintf(f, ", \"Op\": ");
        exec_json_str(f, lp.op);
        fprintf(f, ", \"Device\": ");
        exec_json_str(f, lp.device);
        fprintf(f, ", \"Subgraph\": %d, \"MACs\": %lld, \"Reason\": ", lp.subgraph, (long long)lp.macs);
        exec_json_str(f, lp.reason);
        fprintf(f, "}");
    }
    char *text = NULL;
    fprintf(f, "\n ],\n \"Loadable\": ");
    if (dla_loadable_describe(l, 1, &text) == DLA_OK) {
        size_t len = strlen(text);
        while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
            text[--len] = '\0';
        fputs(text, f);
    } else
        fputs("null", f);
    free(text);
    fprintf(f, "\n}\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "dla exec: --exportLayerInfo=%s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("[I] Layer information written to %s\n", path);
    return 0;
}

int exec_layer_info(const void *bytes, size_t size, const dla_placement *p, int dump, const char *export_path)
{
    if (!dump && !export_path)
        return 0;
    dla_loadable *l;
    if (dla_loadable_load(bytes, size, &l) != DLA_OK) {
        fprintf(stderr, "dla exec: layer information: %s\n", dla_last_error());
        return 1;
    }
    dla_loadable_info in;
    dla_loadable_get_info(l, &in);
    if (dump)
        dump_layers(l, &in, p);
    int rc = export_path ? export_layers(export_path, l, &in, p) : 0;
    dla_loadable_destroy(l);
    return rc;
}

/* ---- outputs ----------------------------------------------------------------------------------------------- */

static void sanitize(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '.' || *s == '-'))
            *s = '_';
}

static double value_at(const dla_tensor *t, size_t i)
{
    switch (t->dtype) {
    case DLA_FLOAT32: return ((const float *)t->data)[i];
    case DLA_INT8: return ((const int8_t *)t->data)[i];
    case DLA_UINT8: return ((const uint8_t *)t->data)[i];
    case DLA_INT32: return ((const int32_t *)t->data)[i];
    case DLA_INT64: return (double)((const int64_t *)t->data)[i];
    case DLA_FLOAT64: return ((const double *)t->data)[i];
    case DLA_BOOL: return ((const uint8_t *)t->data)[i] != 0;
    default: return NAN;
    }
}

/* trtexec's --exportOutput JSON: [{"name", "dimensions": "1x10", "values": [...]}]. */
static int export_json(const char *path, dla_tensor *const *outs, int n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "dla exec: --exportOutput=%s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "[\n");
    for (int i = 0; i < n; i++) {
        const dla_tensor *t = outs[i];
        fprintf(f, "%s  { \"name\" : ", i ? "," : " ");
        exec_json_str(f, t->name);
        fprintf(f, "\n  , \"dimensions\" : \"");
        for (int d = 0; d < t->rank; d++)
            fprintf(f, "%s%lld", d ? "x" : "", (long long)t->dims[d]);
        fprintf(f, "\"\n  , \"values\" : [ ");
        size_t count = dla_dtype_size(t->dtype) ? t->nbytes / dla_dtype_size(t->dtype) : 0;
        for (size_t k = 0; k < count; k++) {
            double v = value_at(t, k);
            if (isfinite(v))
                fprintf(f, "%s%.9g", k ? ", " : "", v);
            else
                fprintf(f, "%s\"%s\"", k ? ", " : "", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        }
        fprintf(f, " ]\n  }\n");
    }
    fprintf(f, "]\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "dla exec: --exportOutput=%s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("[I] Output tensors written to %s (trtexec's JSON)\n", path);
    return 0;
}

int exec_export_outputs(const char *path, dla_tensor *const *outs, int n)
{
    size_t len = strlen(path);
    if (len > 5 && strcmp(path + len - 5, ".json") == 0)
        return export_json(path, outs, n);
    struct stat st;
    if (stat(path, &st) != 0 && mkdir(path, 0777) != 0) {
        fprintf(stderr, "dla exec: --exportOutput=%s: %s\n", path, strerror(errno));
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char name[512], file[4096];
        snprintf(name, sizeof name, "%s", outs[i]->name ? outs[i]->name : "output");
        sanitize(name);
        snprintf(file, sizeof file, "%s/%s.npy", path, name);
        if (dla_tensor_save_npy(outs[i], file) != DLA_OK) {
            fprintf(stderr, "dla exec: --exportOutput: %s\n", dla_last_error());
            return 1;
        }
        printf("[I] Output '%s' written to %s\n", outs[i]->name, file);
    }
    return 0;
}

/* ---- timing ----------------------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v. */
static double percentile(const double *v, int n, double pct)
{
    int k = (int)ceil(pct / 100.0 * n) - 1;
    return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void stat_line(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    double median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    printf("[I] %s: min = %.5f ms, max = %.5f ms, mean = %.5f ms, median = %.5f ms, percentile(90%%) = %.5f ms, "
           "percentile(95%%) = %.5f ms, percentile(99%%) = %.5f ms\n",
           what, v[0], v[n - 1], sum / n, median, percentile(v, n, 90), percentile(v, n, 95), percentile(v, n, 99));
}

void exec_perf_summary(const exec_timing *t)
{
    if (t->n <= 0)
        return;
    double sum = 0, csum = 0;
    for (int i = 0; i < t->n; i++) {
        sum += t->latency_ms[i];
        csum += t->compute_ms ? t->compute_ms[i] : t->latency_ms[i];
    }
    printf("[I] === Performance summary ===\n");
    printf("[I] Throughput: %.5g qps", t->n / (t->total_s > 0 ? t->total_s : sum / 1e3));
    if (t->batch > 1)
        printf(" (%.5g images/s at batch %lld)", t->n * (double)t->batch / (t->total_s > 0 ? t->total_s : sum / 1e3),
               (long long)t->batch);
    printf("\n");
    stat_line("Latency", t->latency_ms, t->n);
    if (t->h2d_ms)
        stat_line("H2D Latency", t->h2d_ms, t->n);
    if (t->compute_ms)
        stat_line("Compute Time", t->compute_ms, t->n);
    if (t->d2h_ms)
        stat_line("D2H Latency", t->d2h_ms, t->n);
    printf("[I] Total Host Walltime: %.5g s\n", t->total_s);
    printf("[I] Total Compute Time: %.5g s\n", csum / 1e3);
    printf("[I] Note: these are wall times of dlakit's software DLA (engine model and host executor) on this "
           "machine, not Orin's; H2D / D2H are the format conversions at the edges (dla_tensor_pack / unpack).\n");
}
