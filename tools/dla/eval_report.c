/* dla eval: reporting — the comparison table (Markdown, ready for docs/accuracy.md), the JSON document and the
 * terminal progress bar. */
#include "eval_report.h"

#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- progress ----------------------------------------------------------------------------------------------- */

void eval_progress_start(eval_progress *p, int enabled, const char *what, int64_t total)
{
    p->on = enabled && isatty(2);
    p->what = what;
    p->total = total;
    p->t0 = cli_now();
    p->last = 0;
    eval_progress_update(p, 0);
}

void eval_progress_update(eval_progress *p, int64_t done)
{
    if (!p->on)
        return;
    double now = cli_now();
    if (done != 0 && done != p->total && now - p->last < 0.1)
        return;
    p->last = now;
    enum { W = 30 };
    int fill = p->total > 0 ? (int)(W * done / p->total) : W;
    char bar[W + 1];
    for (int i = 0; i < W; i++)
        bar[i] = i < fill ? '#' : '-';
    bar[W] = '\0';
    double dt = now - p->t0;
    fprintf(stderr, "\r%-16s [%s] %lld/%lld  %.0f img/s ", p->what, bar, (long long)done, (long long)p->total,
            dt > 0 ? done / dt : 0.0);
    fflush(stderr);
}

void eval_progress_end(eval_progress *p)
{
    if (!p->on)
        return;
    fprintf(stderr, "\r%80s\r", "");
    fflush(stderr);
}

/* ---- table -------------------------------------------------------------------------------------------------- */

static const eval_run *reference(const eval_report *r)
{
    for (int i = 0; i < r->n_runs; i++)
        if (r->runs[i].ok && strcmp(r->runs[i].precision, "fp32") == 0)
            return &r->runs[i];
    return NULL;
}

static void preproc_text(const eval_report *r, char *buf, size_t size)
{
    const eval_preproc *p = r->pre;
    size_t n = (size_t)snprintf(buf, size, "x = (pixel * %.10g - mean) / std, mean", p->scale);
    for (int i = 0; i < p->n_mean && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%.6g", i ? "," : " ", p->mean[i]);
    n += (size_t)snprintf(buf + n, n < size ? size - n : 0, ", std");
    for (int i = 0; i < p->n_std && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%.6g", i ? "," : " ", p->std[i]);
}

static double pct(int64_t a, int64_t b) { return b > 0 ? 100.0 * (double)a / (double)b : 0.0; }

void eval_report_table(FILE *f, const eval_report *r)
{
    char pre[256];
    preproc_text(r, pre, sizeof pre);
    const eval_dataset *d = r->data;
    fprintf(f, "model:       %s\n", r->model);
    fprintf(f, "dataset:     %s\n", d->what);
    fprintf(f, "images:      %lld of %lld ([%lld, %lld)), %lldx%lldx%lld %s, batch %lld\n", (long long)r->count,
            (long long)d->n, (long long)r->first, (long long)(r->first + r->count), (long long)d->c,
            (long long)d->h, (long long)d->w, d->is_u8 ? "uint8" : "float32", (long long)r->batch);
    fprintf(f, "preprocess:  %s\n", pre);
    if (r->calib[0])
        fprintf(f, "calibration: %s\n", r->calib);
    for (int i = 0; i < r->n_runs; i++)
        if (r->runs[i].build[0])
            fprintf(f, "%-12s %s\n", r->runs[i].name, r->runs[i].build);
    const eval_run *ref = reference(r);
    fprintf(f, "\n");
    if (r->task == EVAL_CLASSIFY) {
        int k = r->n_runs ? r->runs[0].top_k : 5;
        fprintf(f, "| run | device | top-1 | top-%d | top-1 vs FP32 | same top-1 as FP32 | img/s |\n", k);
        fprintf(f, "|---|---|---:|---:|---:|---:|---:|\n");
    } else {
        fprintf(f, "| run | device | mAP@[.5:.95] | mAP@.5 | mAP@.75 | mAP vs FP32 | img/s |\n");
        fprintf(f, "|---|---|---:|---:|---:|---:|---:|\n");
    }
    for (int i = 0; i < r->n_runs; i++) {
        const eval_run *u = &r->runs[i];
        if (!u->ok) {
            fprintf(f, "| %s | %s | failed: %s |\n", u->name, u->device, u->error);
            continue;
        }
        double rate = u->seconds > 0 ? u->n / u->seconds : 0;
        int is_ref = u == ref;
        if (r->task == EVAL_CLASSIFY) {
            char delta[32] = "-", agree[32] = "-";
            if (ref && !is_ref) {
                snprintf(delta, sizeof delta, "%+.2f", pct(u->top1, u->n) - pct(ref->top1, ref->n));
                snprintf(agree, sizeof agree, "%.2f %%", pct(u->agree, u->agree_n));
            }
            fprintf(f, "| %s | %s | %.2f %% | %.2f %% | %s | %s | %.0f |\n", u->name, u->device, pct(u->top1, u->n),
                    pct(u->topk, u->n), delta, agree, rate);
        } else {
            char delta[32] = "-";
            if (ref && !is_ref)
                snprintf(delta, sizeof delta, "%+.4f", u->map.map - ref->map.map);
            fprintf(f, "| %s | %s | %.4f | %.4f | %.4f | %s | %.1f |\n", u->name, u->device, u->map.map,
                    u->map.map50, u->map.map75, delta, rate);
        }
    }
    if (r->task == EVAL_DETECT) {
        for (int i = 0; i < r->n_runs; i++) {
            const eval_run *u = &r->runs[i];
            if (!u->ok)
                continue;
            fprintf(f, "%sAP per class, %s:", i ? "" : "\n", u->name);
            for (int c = 0; c < u->map.n_classes; c++)
                fprintf(f, isnan(u->map.ap_class[c]) ? " -" : " %.4f", u->map.ap_class[c]);
            fprintf(f, "\n");
        }
    }
}

/* ---- JSON --------------------------------------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

static void json_run(FILE *f, const eval_report *r, const eval_run *u)
{
    fprintf(f, "    {\"name\": ");
    json_str(f, u->name);
    fprintf(f, ", \"device\": ");
    json_str(f, u->device);
    fprintf(f, ", \"precision\": ");
    json_str(f, u->precision);
    fprintf(f, ", \"ok\": %s", u->ok ? "true" : "false");
    if (!u->ok) {
        fprintf(f, ", \"error\": ");
        json_str(f, u->error);
        fprintf(f, "}");
        return;
    }
    if (u->build[0]) {
        fprintf(f, ", \"build\": ");
        json_str(f, u->build);
        fprintf(f, ", \"build_seconds\": %.3f", u->build_seconds);
    }
    fprintf(f, ", \"images\": %lld, \"seconds\": %.3f", (long long)u->n, u->seconds);
    if (r->task == EVAL_CLASSIFY) {
        fprintf(f, ", \"top1\": %.6f, \"top%d\": %.6f, \"correct_top1\": %lld, \"correct_top%d\": %lld",
                u->n ? (double)u->top1 / u->n : 0.0, u->top_k, u->n ? (double)u->topk / u->n : 0.0,
                (long long)u->top1, u->top_k, (long long)u->topk);
        if (u->agree_n)
            fprintf(f, ", \"top1_agreement_with_fp32\": %.6f", (double)u->agree / u->agree_n);
    } else {
        fprintf(f, ", \"map\": ");
        json_num(f, u->map.map);
        fprintf(f, ", \"map50\": ");
        json_num(f, u->map.map50);
        fprintf(f, ", \"map75\": ");
        json_num(f, u->map.map75);
        fprintf(f, ", \"ap_per_class\": [");
        for (int c = 0; c < u->map.n_classes; c++) {
            fprintf(f, c ? ", " : "");
            json_num(f, u->map.ap_class[c]);
        }
        fprintf(f, "], \"ap_per_iou\": [");
        for (int t = 0; t < EVAL_N_IOU; t++) {
            fprintf(f, t ? ", " : "");
            json_num(f, u->map.ap_iou[t]);
        }
        fprintf(f, "]");
    }
    fprintf(f, "}");
}

void eval_report_json(FILE *f, const eval_report *r)
{
    const eval_dataset *d = r->data;
    fprintf(f, "{\n  \"model\": ");
    json_str(f, r->model);
    fprintf(f, ",\n  \"dataset\": ");
    json_str(f, d->what);
    fprintf(f, ",\n  \"task\": \"%s\",\n  \"images\": %lld,\n  \"first_image\": %lld,\n  \"dataset_images\": %lld,\n",
            r->task == EVAL_CLASSIFY ? "classification" : "detection", (long long)r->count, (long long)r->first,
            (long long)d->n);
    fprintf(f, "  \"image_shape\": [%lld, %lld, %lld],\n  \"batch\": %lld,\n", (long long)d->c, (long long)d->h,
            (long long)d->w, (long long)r->batch);
    fprintf(f, "  \"preprocess\": {\"scale\": %.10g, \"mean\": [", r->pre->scale);
    for (int i = 0; i < r->pre->n_mean; i++)
        fprintf(f, "%s%.10g", i ? ", " : "", r->pre->mean[i]);
    fprintf(f, "], \"std\": [");
    for (int i = 0; i < r->pre->n_std; i++)
        fprintf(f, "%s%.10g", i ? ", " : "", r->pre->std[i]);
    fprintf(f, "]},\n  \"calibration\": ");
    if (r->calib[0])
        json_str(f, r->calib);
    else
        fputs("null", f);
    if (r->task == EVAL_DETECT)
        fprintf(f, ",\n  \"max_detections_per_image\": %d", r->max_det);
    fprintf(f, ",\n  \"runs\": [\n");
    for (int i = 0; i < r->n_runs; i++) {
        json_run(f, r, &r->runs[i]);
        fprintf(f, i + 1 < r->n_runs ? ",\n" : "\n");
    }
    fprintf(f, "  ]\n}\n");
}
