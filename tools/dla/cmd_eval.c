/* dla eval: accuracy of an ONNX model (host FP32 executor, or built for the DLA) or of a loadable on a dataset —
 * top-1/top-k for classifiers, COCO-style mAP for detectors — and with --compare one table of the FP32 reference,
 * the engine in FP16 and the engine in INT8 (calibrated by the max calibrator on a named image set). */
#include "cli.h"
#include "eval.h"
#include "eval_report.h"

#include "dla/calib.h"
#include "dla/compiler.h"
#include "dla/loadable.h"
#include "dla/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char eval_usage[] =
    "usage: dla eval MODEL.onnx|ENGINE.dla --dataset PATH [options]\n"
    "\n"
    "dataset:  --dataset PATH      an IDX images file (gzip or plain; labels: 'images-idx3' -> 'labels-idx1'), an\n"
    "                              images .npy (labels: 'images' -> 'labels'), or a folder with such files\n"
    "                              (t10k-* preferred), or one subfolder per class of .pgm/.ppm images; images\n"
    "                              .npy with *boxes.npy + *labels.npy ([N, M, 4], [N, M], -1 padding) next to it\n"
    "                              is a detection set (mAP from the model's boxes/scores/labels outputs)\n"
    "          --images FILE --labels FILE   name the files explicitly\n"
    "          --limit N           evaluate at most N images   --batch B (default 32; a fixed model batch wins)\n"
    "preproc:  --scale S           pixel multiplier (default 1/255 for uint8 images, 1 for float); '1/255' allowed\n"
    "          --mean M[,M,M]      subtracted after scaling (default 0)   --std S[,S,S] divisor (default 1)\n"
    "what:     (default)           ONNX: the host FP32 reference executor; a loadable: the software DLA\n"
    "          --fp16 | --int8     ONNX: build a loadable (GPU fallback on) and evaluate it on the software DLA\n"
    "          --compare           FP32 reference vs engine FP16 vs engine INT8, one table\n"
    "INT8:     --calib-from-dataset=N      calibrate on the first N dataset images; evaluation starts after them\n"
    "          --calib-dataset=PATH [--calib-count=N]   calibrate on the first N (default 1000) images of another\n"
    "                              dataset (same preprocessing), e.g. the training split\n"
    "          --calibData=DIR     a folder of .npy model inputs (as dla calib / dla exec)\n"
    "          --calib-method=max|percentile[:P]|entropy   (default max)\n"
    "outputs:  --output NAME       classification scores (default: the first output)   --top K (default 5)\n"
    "          --det-outputs B,S,L[,N]   detection outputs (default boxes,scores,labels,num_detections)\n"
    "          --max-det N         detections per image that count (default 100)   --num-classes C\n"
    "          --post POST.onnx    host post-processing after every run (FP32 and engines alike): its inputs are\n"
    "                              the model's outputs by name (a detector cut before NMS: scripts/onnx_post.py)\n"
    "report:   --json[=FILE]       JSON (stdout: instead of the table)   --no-progress   --threads N\n";

typedef struct eval_opts {
    const char *model;
    const char *dataset, *images, *labels;
    eval_preproc pre;
    int scale_set;
    int64_t limit, batch;
    int threads;
    int fp16, int8, compare;
    int64_t calib_from_dataset, calib_count;
    const char *calib_dataset, *calib_data, *calib_method;
    const char *output, *post;
    char det_names[4][128];
    int top_k, max_det, num_classes;
    const char *json;
    int json_stdout, progress;
} eval_opts;

/* Formats an error into buf; returns -1. */
static int ferr(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return -1;
}

static int bad(const char *flag, const char *value, const char *want)
{
    fprintf(stderr, "dla eval: %s: '%s' is not %s\n", flag, value ? value : "", want);
    return -1;
}

/* "0.5", "1/255" */
static int parse_number(const char *flag, const char *s, double *out)
{
    char *end;
    double a = s ? strtod(s, &end) : 0;
    if (!s || end == s)
        return bad(flag, s, "a number");
    if (*end == '/') {
        const char *q = end + 1;
        double b = strtod(q, &end);
        if (end == q || b == 0)
            return bad(flag, s, "a number or a fraction A/B");
        a /= b;
    }
    if (*end || !isfinite(a))
        return bad(flag, s, "a number");
    *out = a;
    return 0;
}

static int parse_list(const char *flag, const char *s, double *v, int *n)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s ? s : "");
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == 4)
            return bad(flag, s, "at most 4 comma-separated numbers");
        if (parse_number(flag, tok, &v[*n]) != 0)
            return -1;
        (*n)++;
    }
    return *n ? 0 : bad(flag, s, "a number list");
}

static int parse_det_names(eval_opts *o, const char *s)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    int n = 0;
    memset(o->det_names, 0, sizeof o->det_names);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == 4)
            return bad("--det-outputs", s, "3 or 4 output names (boxes,scores,labels[,count])");
        snprintf(o->det_names[n++], sizeof o->det_names[0], "%s", tok);
    }
    return n >= 3 ? 0 : bad("--det-outputs", s, "3 or 4 output names (boxes,scores,labels[,count])");
}

static int parse_args(int argc, char **argv, eval_opts *o)
{
    memset(o, 0, sizeof *o);
    o->pre.mean[0] = 0;
    o->pre.std[0] = 1;
    o->pre.n_mean = o->pre.n_std = 1;
    o->batch = 32;
    o->top_k = 5;
    o->max_det = 100;
    o->calib_count = 1000;
    o->progress = 1;
    parse_det_names(o, "boxes,scores,labels,num_detections");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        long k;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(eval_usage, stdout);
            return 1;
        } else if ((v = cli_value(argc, argv, &i, "--dataset"))) {
            o->dataset = v;
        } else if ((v = cli_value(argc, argv, &i, "--images"))) {
            o->images = v;
        } else if ((v = cli_value(argc, argv, &i, "--labels"))) {
            o->labels = v;
        } else if ((v = cli_value(argc, argv, &i, "--scale"))) {
            if (parse_number("--scale", v, &o->pre.scale) != 0)
                return -1;
            o->scale_set = 1;
        } else if ((v = cli_value(argc, argv, &i, "--mean"))) {
            if (parse_list("--mean", v, o->pre.mean, &o->pre.n_mean) != 0)
                return -1;
        } else if ((v = cli_value(argc, argv, &i, "--std"))) {
            if (parse_list("--std", v, o->pre.std, &o->pre.n_std) != 0)
                return -1;
            for (int c = 0; c < o->pre.n_std; c++)
                if (o->pre.std[c] == 0)
                    return bad("--std", v, "non-zero");
        } else if ((v = cli_value(argc, argv, &i, "--limit"))) {
            if ((o->limit = cli_int("eval", "--limit", v, 1, 1L << 40)) < 0)
                return -1;
        } else if ((v = cli_value(argc, argv, &i, "--batch"))) {
            if ((o->batch = cli_int("eval", "--batch", v, 1, 4096)) < 0)
                return -1;
        } else if ((v = cli_value(argc, argv, &i, "--threads"))) {
            if ((k = cli_int("eval", "--threads", v, 0, 1024)) < 0)
                return -1;
            o->threads = (int)k;
        } else if (!strcmp(a, "--fp16")) {
            o->fp16 = 1;
        } else if (!strcmp(a, "--int8")) {
            o->int8 = 1;
        } else if (!strcmp(a, "--compare")) {
            o->compare = 1;
        } else if ((v = cli_value(argc, argv, &i, "--calib-from-dataset"))) {
            if ((o->calib_from_dataset = cli_int("eval", "--calib-from-dataset", v, 1, 1L << 40)) < 0)
                return -1;
        } else if ((v = cli_value(argc, argv, &i, "--calib-dataset"))) {
            o->calib_dataset = v;
        } else if ((v = cli_value(argc, argv, &i, "--calib-count"))) {
            if ((o->calib_count = cli_int("eval", "--calib-count", v, 1, 1L << 40)) < 0)
                return -1;
        } else if ((v = cli_value(argc, argv, &i, "--calibData"))) {
            o->calib_data = v;
        } else if ((v = cli_value(argc, argv, &i, "--calib-method"))) {
            dla_calib_options co = {0};
            if (dla_calib_parse_method(v, &co) != DLA_OK)
                return bad("--calib-method", v, "max, percentile[:P] or entropy");
            o->calib_method = v;
        } else if ((v = cli_value(argc, argv, &i, "--output"))) {
            o->output = v;
        } else if ((v = cli_value(argc, argv, &i, "--post"))) {
            o->post = v;
        } else if ((v = cli_value(argc, argv, &i, "--det-outputs"))) {
            if (parse_det_names(o, v) != 0)
                return -1;
        } else if ((v = cli_value(argc, argv, &i, "--top"))) {
            if ((k = cli_int("eval", "--top", v, 1, 1000)) < 0)
                return -1;
            o->top_k = (int)k;
        } else if ((v = cli_value(argc, argv, &i, "--max-det"))) {
            if ((k = cli_int("eval", "--max-det", v, 1, 1000000)) < 0)
                return -1;
            o->max_det = (int)k;
        } else if ((v = cli_value(argc, argv, &i, "--num-classes"))) {
            if ((k = cli_int("eval", "--num-classes", v, 1, 100000)) < 0)
                return -1;
            o->num_classes = (int)k;
        } else if (!strcmp(a, "--json")) {
            o->json_stdout = 1;
        } else if (!strncmp(a, "--json=", 7)) {
            o->json = a + 7;
        } else if (!strcmp(a, "--no-progress")) {
            o->progress = 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "dla eval: unknown option '%s'\n", a);
            return -1;
        } else if (!o->model) {
            o->model = a;
        } else {
            fprintf(stderr, "dla eval: more than one model ('%s', '%s')\n", o->model, a);
            return -1;
        }
    }
    if (!o->model) {
        fputs(eval_usage, stderr);
        return -1;
    }
    int calib_sources = (o->calib_from_dataset > 0) + (o->calib_dataset != NULL) + (o->calib_data != NULL);
    if (calib_sources > 1) {
        fprintf(stderr, "dla eval: give one calibration set: --calib-from-dataset, --calib-dataset or --calibData\n");
        return -1;
    }
    if (o->pre.n_mean > 1 && o->pre.n_std > 1 && o->pre.n_mean != o->pre.n_std) {
        fprintf(stderr, "dla eval: --mean has %d values and --std %d\n", o->pre.n_mean, o->pre.n_std);
        return -1;
    }
    return 0;
}

static int is_onnx(const char *p)
{
    size_t n = strlen(p);
    return n > 5 && strcmp(p + n - 5, ".onnx") == 0;
}

/* ---- one run over the evaluated images ---------------------------------------------------------------------- */

typedef struct eval_ctx {
    const eval_opts *o;
    const eval_dataset *d;
    int64_t first, count, batch;
    int n_classes;          /* detection */
    eval_gt *gts;
    size_t n_gt;
    const int *ref_pred;    /* the FP32 run's top-1 classes, when it ran first */
    const eval_dataset *calib_src; /* INT8: calibrate on its images [0, calib_n) (NULL: --calibData) */
    int64_t calib_n;
    int64_t calib_batch;    /* 1, or the model's fixed batch */
    char calib_shapes[1024];
} eval_ctx;

static int classify_batch(const eval_ctx *c, eval_runner *rn, int64_t at, int64_t n, eval_run *u, char *err)
{
    const eval_output *y = c->o->output ? eval_runner_find(rn, c->o->output) : eval_runner_output(rn, 0);
    if (!y)
        return ferr(err, EVAL_ERR_SIZE, "the model has no output '%s'", c->o->output);
    size_t per = y->count / (size_t)c->batch;
    if (per < 1 || per * (size_t)c->batch != y->count)
        return ferr(err, EVAL_ERR_SIZE, "output '%s' holds %zu values, not a multiple of the batch %lld",
                        y->name, y->count, (long long)c->batch);
    int k = u->top_k;
    for (int64_t i = 0; i < n; i++) {
        const float *row = y->data + (size_t)i * per;
        int64_t label = c->d->labels[at + i];
        int rank = eval_rank(row, (int)per, label);
        u->top1 += rank < 1;
        u->topk += rank < k;
        int best = 0;
        for (int j = 1; j < (int)per; j++)
            if (row[j] > row[best])
                best = j;
        u->pred[at - c->first + i] = best;
        if (c->ref_pred) {
            u->agree += c->ref_pred[at - c->first + i] == best;
            u->agree_n++;
        }
    }
    return 0;
}

/* Appends the detections of images [at, at + n) from the batch's boxes / scores / labels [/ count] outputs. */
static int detect_batch(const eval_ctx *c, eval_runner *rn, int64_t at, int64_t n, eval_det **dets, size_t *n_det,
                        size_t *cap, char *err)
{
    const eval_output *y[4] = {0};
    for (int i = 0; i < 4; i++) {
        if (!c->o->det_names[i][0])
            continue;
        y[i] = eval_runner_find(rn, c->o->det_names[i]);
        if (!y[i] && i < 3) {
            size_t len = (size_t)snprintf(err, EVAL_ERR_SIZE, "the model has no output '%s' (outputs:",
                                          c->o->det_names[i]);
            for (int j = 0; j < eval_runner_num_outputs(rn) && len < EVAL_ERR_SIZE; j++)
                len += (size_t)snprintf(err + len, EVAL_ERR_SIZE - len, " '%s'", eval_runner_output(rn, j)->name);
            if (len < EVAL_ERR_SIZE)
                snprintf(err + len, EVAL_ERR_SIZE - len, "); name them with --det-outputs");
            return -1;
        }
    }
    size_t per = y[1]->count / (size_t)c->batch;
    if (per * (size_t)c->batch != y[1]->count || y[0]->count != per * 4 * (size_t)c->batch ||
        y[2]->count != y[1]->count)
        return ferr(err, EVAL_ERR_SIZE, "detection outputs for a batch of %lld: '%s' has %zu values, '%s' %zu, "
                        "'%s' %zu (want K * 4, K, K per image)", (long long)c->batch, y[0]->name, y[0]->count,
                        y[1]->name, y[1]->count, y[2]->name, y[2]->count);
    for (int64_t i = 0; i < n; i++) {
        size_t valid = per;
        if (y[3] && y[3]->count == (size_t)c->batch)
            valid = y[3]->data[i] < 0 ? 0 : (size_t)y[3]->data[i] < per ? (size_t)y[3]->data[i] : per;
        for (size_t k = 0; k < valid; k++) {
            size_t j = (size_t)i * per + k;
            float lab = y[2]->data[j];
            if (lab < 0)
                continue;
            if (*n_det == *cap) {
                size_t nc = *cap ? *cap * 2 : 1024;
                eval_det *g = realloc(*dets, sizeof *g * nc);
                if (!g)
                    return ferr(err, EVAL_ERR_SIZE, "out of memory for %zu detections", nc);
                *dets = g;
                *cap = nc;
            }
            eval_det *e = &(*dets)[(*n_det)++];
            e->image = (int)(at + i - c->first);
            e->label = (int)lab;
            e->score = y[1]->data[j];
            memcpy(e->box, y[0]->data + j * 4, sizeof e->box);
        }
    }
    return 0;
}

static int run_all(const eval_ctx *c, eval_runner *rn, eval_run *u)
{
    if (c->o->post && eval_runner_attach_post(rn, c->o->post, u->error) != 0)
        return -1;
    const eval_dataset *d = c->d;
    int64_t chw = d->c * d->h * d->w;
    float *x = malloc(sizeof(float) * (size_t)(c->batch * chw));
    eval_det *dets = NULL;
    size_t n_det = 0, cap = 0;
    u->pred = calloc((size_t)c->count + 1, sizeof *u->pred);
    if (!x || !u->pred) {
        free(x);
        snprintf(u->error, sizeof u->error, "out of memory");
        return -1;
    }
    eval_progress pg;
    eval_progress_start(&pg, c->o->progress, u->name, c->count);
    double t0 = cli_now();
    int rc = 0;
    for (int64_t at = c->first; at < c->first + c->count && rc == 0; at += c->batch) {
        int64_t n = c->first + c->count - at < c->batch ? c->first + c->count - at : c->batch;
        eval_dataset_fill(d, &c->o->pre, at, n, x);
        for (int64_t i = n; i < c->batch; i++) /* a short last batch: repeat its last image */
            memcpy(x + i * chw, x + (n - 1) * chw, sizeof(float) * (size_t)chw);
        rc = eval_runner_run(rn, x, c->batch, u->error);
        if (rc == 0)
            rc = d->task == EVAL_CLASSIFY ? classify_batch(c, rn, at, n, u, u->error)
                                          : detect_batch(c, rn, at, n, &dets, &n_det, &cap, u->error);
        eval_progress_update(&pg, at + n - c->first);
    }
    u->seconds = cli_now() - t0;
    eval_progress_end(&pg);
    u->n = c->count;
    if (rc == 0 && d->task == EVAL_DETECT)
        rc = eval_map(dets, n_det, c->gts, c->n_gt, c->n_classes, c->o->max_det, &u->map, u->error);
    free(dets);
    free(x);
    u->ok = rc == 0;
    return rc;
}

/* ---- engines ------------------------------------------------------------------------------------------------- */

/* Calibration batches (batch images each; a short last batch repeats its last image, which leaves every max
 * unchanged) from images [first, first + n) of ds. */
static int calibrate(const eval_ctx *c, dla_model *m, const eval_dataset *ds, int64_t first, int64_t n,
                     dla_calib **out, char *err)
{
    int64_t chw = ds->c * ds->h * ds->w, nb = (n + c->calib_batch - 1) / c->calib_batch;
    dla_tensor info;
    dla_model_input(m, 0, &info);
    const char *in_name = info.name;
    float *x = malloc(sizeof(float) * (size_t)(nb * c->calib_batch * chw));
    dla_tensor *t = calloc((size_t)nb, sizeof *t);
    const dla_tensor **tp = calloc((size_t)nb, sizeof *tp);
    const dla_tensor *const **bp = calloc((size_t)nb, sizeof *bp);
    int rc = 0;
    if (!x || !t || !tp || !bp) {
        rc = ferr(err, EVAL_ERR_SIZE, "out of memory for %lld calibration images", (long long)n);
        goto done;
    }
    eval_dataset_fill(ds, &c->o->pre, first, n, x);
    for (int64_t i = n; i < nb * c->calib_batch; i++)
        memcpy(x + i * chw, x + (n - 1) * chw, sizeof(float) * (size_t)chw);
    for (int64_t b = 0; b < nb; b++) {
        t[b].name = (char *)in_name;
        t[b].dtype = DLA_FLOAT32;
        t[b].rank = info.rank;
        memcpy(t[b].dims, info.dims, sizeof t[b].dims);
        t[b].dims[0] = c->calib_batch;
        t[b].data = x + b * c->calib_batch * chw;
        t[b].nbytes = sizeof(float) * (size_t)(c->calib_batch * chw);
        tp[b] = &t[b];
        bp[b] = &tp[b];
    }
    dla_calib_options co = {.n_threads = c->o->threads};
    if (c->o->calib_method)
        dla_calib_parse_method(c->o->calib_method, &co);
    if (dla_model_calibrate(m, &co, (int)nb, 1, bp, out) != DLA_OK)
        rc = ferr(err, EVAL_ERR_SIZE, "calibration: %s", dla_last_error());
done:
    free(x);
    free(t);
    free(tp);
    free(bp);
    return rc;
}

/* The build line; returns the loadable's precision: "int8", "fp16", "mixed" (INT8 and FP16 layers) or "?". */
static const char *loadable_summary(const void *bytes, size_t size, const dla_placement *p, char *out,
                                    size_t out_size)
{
    size_t n = 0;
    out[0] = '\0';
    if (p) {
        dla_placement_summary s;
        dla_placement_get_summary(p, &s);
        n += (size_t)snprintf(out, out_size, "%d of %d layers on the DLA in %d subgraph%s, %d on the host; ",
                              s.on_dla, s.layers, s.subgraphs, s.subgraphs == 1 ? "" : "s", s.on_gpu);
    }
    dla_loadable *l;
    if (n >= out_size || dla_loadable_load(bytes, size, &l) != DLA_OK)
        return "?";
    dla_loadable_info in;
    dla_loadable_get_info(l, &in);
    int i8 = 0, f16 = 0;
    for (int i = 0; i < in.n_layers; i++) {
        dla_loadable_layer y;
        if (dla_loadable_layer_info(l, i, &y) == DLA_OK) {
            i8 += !strcmp(y.precision, "INT8");
            f16 += !strcmp(y.precision, "FP16");
        }
    }
    snprintf(out + n, out_size - n, "%d fused DLA layers (%d INT8, %d FP16), %d tasks (%d DLA, %d HOST)", in.n_layers,
             i8, f16, in.n_tasks, in.n_dla_tasks, in.n_host_tasks);
    dla_loadable_destroy(l);
    return i8 && f16 ? "mixed" : i8 ? "int8" : f16 ? "fp16" : "?";
}

/* INT8 scales for the build. They must name the tensors the build sees, so the model is placed first (which
 * rewrites its graph, e.g. Gemm -> 1x1 Conv, without changing its FP32 function) and the rewritten graph is
 * calibrated. The calibration model takes one image per batch (or the model's fixed batch), so that any .npy file
 * of --calibData fits; the scales do not depend on the batch. */
static int make_calib(const eval_ctx *c, const dla_build_options *bo, dla_calib **calib, char *err)
{
    dla_model *m;
    dla_load_options lo = {.shapes = c->calib_shapes};
    if (dla_model_load_file(c->o->model, &lo, &m) != DLA_OK)
        return ferr(err, EVAL_ERR_SIZE, "%s", dla_last_error());
    dla_placement *p = NULL;
    int rc = 0;
    if (dla_model_place(m, bo, &p) != DLA_OK)
        rc = ferr(err, EVAL_ERR_SIZE, "placement: %s", dla_last_error());
    dla_placement_destroy(p);
    if (rc == 0 && c->calib_src) {
        rc = calibrate(c, m, c->calib_src, 0, c->calib_n, calib, err);
    } else if (rc == 0) {
        dla_calib_options co = {.n_threads = c->o->threads};
        if (c->o->calib_method)
            dla_calib_parse_method(c->o->calib_method, &co);
        if (dla_model_calibrate_dir(m, c->o->calib_data, &co, calib) != DLA_OK)
            rc = ferr(err, EVAL_ERR_SIZE, "--calibData: %s", dla_last_error());
    }
    dla_model_destroy(m);
    return rc;
}

/* Builds the ONNX model for the DLA (FP16, or INT8 with calib / o->calib_data) and opens it on core 0. */
static int build_engine(const eval_ctx *c, const char *shapes, int int8, eval_run *u, eval_runner **rn)
{
    double t0 = cli_now();
    dla_model *m;
    dla_load_options lo = {.shapes = shapes};
    if (dla_model_load_file(c->o->model, &lo, &m) != DLA_OK)
        return ferr(u->error, sizeof u->error, "%s", dla_last_error());
    char in_spec[1024], out_spec[1024];
    dla_build_options bo = {.fp16 = 1, .int8 = int8, .allow_gpu_fallback = 1,
                            .calib_data = int8 ? c->o->calib_data : NULL,
                            .calib_method = int8 ? c->o->calib_method : NULL, .model_name = c->o->model,
                            .build_command = "dla eval"};
    bo.input_io_formats = cli_default_io_spec(m, 1, in_spec, sizeof in_spec);
    bo.output_io_formats = cli_default_io_spec(m, 0, out_spec, sizeof out_spec);
    dla_placement *p = NULL;
    void *bytes = NULL;
    size_t size = 0;
    dla_calib *calib = NULL;
    int rc = 0;
    if (int8) {
        rc = make_calib(c, &bo, &calib, u->error);
        if (rc != 0) {
            dla_model_destroy(m);
            return -1;
        }
        bo.calib = calib;
        bo.calib_data = NULL;
    }
    dla_status st = dla_builder_build_placed(m, &bo, &p, &bytes, &size);
    if (st != DLA_OK) {
        rc = ferr(u->error, sizeof u->error, "build: %s", dla_last_error());
    } else {
        loadable_summary(bytes, size, p, u->build, sizeof u->build);
        u->build_seconds = cli_now() - t0;
        rc = eval_runner_engine(bytes, size, rn, u->error);
    }
    free(bytes);
    dla_placement_destroy(p);
    dla_calib_destroy(calib);
    dla_model_destroy(m);
    return rc;
}

/* ---- the command ---------------------------------------------------------------------------------------------- */

static int read_file(const char *path, void **bytes, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *bytes = malloc(n > 0 ? (size_t)n : 1);
    *size = n > 0 ? (size_t)n : 0;
    int ok = *bytes && fread(*bytes, 1, *size, f) == *size;
    fclose(f);
    return ok ? 0 : -1;
}

static int set_ground_truth(eval_ctx *c, char *err)
{
    const eval_dataset *d = c->d;
    c->gts = malloc(sizeof *c->gts * (size_t)(c->count * d->max_obj + 1));
    if (!c->gts)
        return ferr(err, EVAL_ERR_SIZE, "out of memory");
    int max_label = -1;
    for (int64_t i = 0; i < c->count; i++)
        for (int k = 0; k < d->max_obj; k++) {
            int64_t j = (c->first + i) * d->max_obj + k;
            if (d->obj_labels[j] < 0)
                continue;
            eval_gt *g = &c->gts[c->n_gt++];
            g->image = (int)i;
            g->label = (int)d->obj_labels[j];
            memcpy(g->box, d->boxes + j * 4, sizeof g->box);
            if (g->label > max_label)
                max_label = g->label;
        }
    for (int64_t j = 0; j < d->n * d->max_obj; j++) /* the class count of the whole set, not only the slice */
        if (d->obj_labels[j] > max_label)
            max_label = (int)d->obj_labels[j];
    c->n_classes = c->o->num_classes ? c->o->num_classes : max_label + 1;
    if (c->n_classes < 1)
        return ferr(err, EVAL_ERR_SIZE, "no ground-truth boxes in the evaluated images");
    return 0;
}

static void describe_calib(const eval_opts *o, const eval_dataset *cds, char *out, size_t size)
{
    const char *method = o->calib_method ? o->calib_method : "max";
    char how[160];
    if (!strcmp(method, "max"))
        snprintf(how, sizeof how, "max calibrator (per-tensor amax = max |x| over the set, scale = amax/127)");
    else
        snprintf(how, sizeof how, "%s calibrator", method);
    if (o->calib_from_dataset)
        snprintf(out, size, "%s over the first %lld images of the dataset (disjoint: evaluation starts at image "
                 "%lld)", how, (long long)o->calib_from_dataset, (long long)o->calib_from_dataset);
    else if (o->calib_dataset)
        snprintf(out, size, "%s over the first %lld images of %s", how, (long long)cds->n, cds->what);
    else
        snprintf(out, size, "%s over the .npy inputs in %s", how, o->calib_data);
}

static int emit(const eval_opts *o, const eval_report *rep)
{
    if (o->json) {
        FILE *f = fopen(o->json, "w");
        if (!f) {
            fprintf(stderr, "dla eval: --json=%s: cannot write\n", o->json);
            return 1;
        }
        eval_report_json(f, rep);
        fclose(f);
    }
    if (o->json_stdout)
        eval_report_json(stdout, rep);
    else
        eval_report_table(stdout, rep);
    int fails = 0;
    for (int i = 0; i < rep->n_runs; i++)
        fails += !rep->runs[i].ok;
    return fails ? 1 : 0;
}

int cmd_eval(int argc, char **argv)
{
    eval_opts o;
    int pr = parse_args(argc, argv, &o);
    if (pr != 0)
        return pr > 0 ? 0 : 2;
    char err[EVAL_ERR_SIZE];
    eval_dataset d, cds;
    memset(&cds, 0, sizeof cds);
    if (eval_dataset_open(o.dataset, o.images, o.labels, &d, err) != 0) {
        fprintf(stderr, "dla eval: %s\n", err);
        return 1;
    }
    if (!o.scale_set)
        o.pre.scale = d.is_u8 ? 1.0 / 255.0 : 1.0;
    if ((o.pre.n_mean > 1 && o.pre.n_mean != d.c) || (o.pre.n_std > 1 && o.pre.n_std != d.c)) {
        fprintf(stderr, "dla eval: --mean/--std give %d/%d values for %lld channels\n", o.pre.n_mean, o.pre.n_std,
                (long long)d.c);
        eval_dataset_free(&d);
        return 2;
    }
    int onnx = is_onnx(o.model), rc = 1;
    int want_fp32 = onnx && (o.compare || (!o.fp16 && !o.int8));
    int want_fp16 = onnx && (o.compare || o.fp16), want_int8 = onnx && (o.compare || o.int8);
    eval_ctx c = {.o = &o, .d = &d, .first = o.calib_from_dataset};
    eval_report rep = {.model = o.model, .data = &d, .task = d.task, .pre = &o.pre, .max_det = o.max_det};
    eval_run runs[3];
    memset(runs, 0, sizeof runs);
    rep.runs = runs;
    eval_runner *rn = NULL;
    char shapes[1024] = "";
    void *bytes = NULL;
    size_t size = 0;
    if (!onnx && (o.compare || o.fp16 || o.int8)) {
        fprintf(stderr, "dla eval: --compare/--fp16/--int8 build from an ONNX model; %s is a loadable\n", o.model);
        rc = 2;
        goto out;
    }
    if (want_int8 && !o.calib_from_dataset && !o.calib_dataset && !o.calib_data) {
        fprintf(stderr, "dla eval: INT8 needs a calibration set: --calib-from-dataset=N, --calib-dataset=PATH or "
                        "--calibData=DIR\n");
        rc = 2;
        goto out;
    }
    if (c.first >= d.n) {
        fprintf(stderr, "dla eval: --calib-from-dataset=%lld leaves none of the %lld images to evaluate\n",
                (long long)c.first, (long long)d.n);
        goto out;
    }
    c.count = d.n - c.first;
    if (o.limit && o.limit < c.count)
        c.count = o.limit;
    rep.first = c.first;
    rep.count = c.count;
    int64_t chw[3] = {d.c, d.h, d.w};
    c.batch = o.batch;
    c.calib_batch = 1;
    if (onnx && (eval_model_shapes(o.model, chw, &c.batch, shapes, sizeof shapes, err) != 0 ||
                 eval_model_shapes(o.model, chw, &c.calib_batch, c.calib_shapes, sizeof c.calib_shapes, err) != 0)) {
        fprintf(stderr, "dla eval: %s\n", err);
        goto out;
    }
    if (!onnx) {
        if (read_file(o.model, &bytes, &size) != 0) {
            fprintf(stderr, "dla eval: %s: cannot read the loadable\n", o.model);
            goto out;
        }
        eval_run *u = &runs[rep.n_runs++];
        snprintf(u->name, sizeof u->name, "engine");
        snprintf(u->device, sizeof u->device, "software DLA (loadable)");
        u->top_k = o.top_k;
        if (eval_runner_engine(bytes, size, &rn, u->error) != 0) {
            fprintf(stderr, "dla eval: %s: %s\n", o.model, u->error);
            goto out;
        }
        int64_t dims[4];
        eval_runner_input_shape(rn, dims, NULL);
        c.batch = dims[0];
        if (dims[1] != d.c || dims[2] != d.h || dims[3] != d.w) {
            fprintf(stderr, "dla eval: the loadable's input is %lldx%lldx%lld per image; the dataset's images are "
                    "%lldx%lldx%lld\n", (long long)dims[1], (long long)dims[2], (long long)dims[3], (long long)d.c,
                    (long long)d.h, (long long)d.w);
            goto out;
        }
        snprintf(u->precision, sizeof u->precision, "%s", loadable_summary(bytes, size, NULL, u->build,
                                                                            sizeof u->build));
    }
    rep.batch = c.batch;
    if (d.task == EVAL_DETECT && set_ground_truth(&c, err) != 0) {
        fprintf(stderr, "dla eval: %s\n", err);
        goto out;
    }
    if (want_int8 && !o.calib_data) {
        c.calib_src = &d;
        c.calib_n = o.calib_from_dataset;
        if (o.calib_dataset) {
            if (eval_dataset_open(o.calib_dataset, NULL, NULL, &cds, err) != 0) {
                fprintf(stderr, "dla eval: --calib-dataset: %s\n", err);
                goto out;
            }
            if (cds.c != d.c || cds.h != d.h || cds.w != d.w) {
                fprintf(stderr, "dla eval: --calib-dataset images are %lldx%lldx%lld, the dataset's %lldx%lldx%lld\n",
                        (long long)cds.c, (long long)cds.h, (long long)cds.w, (long long)d.c, (long long)d.h,
                        (long long)d.w);
                goto out;
            }
            c.calib_n = cds.n = o.calib_count < cds.n ? o.calib_count : cds.n;
            c.calib_src = &cds;
        }
    }
    if (want_int8)
        describe_calib(&o, &cds, rep.calib, sizeof rep.calib);
    if (!onnx) {
        run_all(&c, rn, &runs[0]);
    }
    if (want_fp32) {
        eval_run *u = &runs[rep.n_runs++];
        snprintf(u->name, sizeof u->name, "FP32 reference");
        snprintf(u->device, sizeof u->device, "host executor");
        snprintf(u->precision, sizeof u->precision, "fp32");
        u->top_k = o.top_k;
        if (eval_runner_host(o.model, shapes, o.threads, &rn, u->error) == 0)
            run_all(&c, rn, u);
        eval_runner_free(rn);
        rn = NULL;
        if (u->ok)
            c.ref_pred = u->pred;
    }
    for (int prec = 0; prec < 2; prec++) {
        if (!(prec == 0 ? want_fp16 : want_int8))
            continue;
        eval_run *u = &runs[rep.n_runs++];
        snprintf(u->name, sizeof u->name, prec ? "engine INT8" : "engine FP16");
        snprintf(u->device, sizeof u->device, "software DLA + host fallback");
        snprintf(u->precision, sizeof u->precision, prec ? "int8" : "fp16");
        u->top_k = o.top_k;
        if (build_engine(&c, shapes, prec, u, &rn) == 0)
            run_all(&c, rn, u);
        eval_runner_free(rn);
        rn = NULL;
    }
    rc = emit(&o, &rep);
    for (int i = 0; i < rep.n_runs; i++)
        if (!runs[i].ok)
            fprintf(stderr, "dla eval: %s: %s\n", runs[i].name, runs[i].error);
out:
    for (int i = 0; i < 3; i++) {
        free(runs[i].pred);
        eval_map_result_free(&runs[i].map);
    }
    eval_runner_free(rn);
    free(bytes);
    free(c.gts);
    eval_dataset_free(&cds);
    eval_dataset_free(&d);
    return rc;
}
