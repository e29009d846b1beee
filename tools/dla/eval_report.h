/* dla eval: one run's results, the table, the JSON and the progress bar. Private to the dla tool. */
#ifndef DLA_TOOLS_EVAL_REPORT_H
#define DLA_TOOLS_EVAL_REPORT_H

#include <stdio.h>

#include "eval.h"

typedef struct eval_run {
    char name[32];          /* "FP32 reference", "engine FP16", "engine INT8", "engine" */
    char device[64];        /* "host executor", "software DLA + host fallback" */
    char precision[16];     /* "fp32", "fp16", "int8" */
    char build[512];        /* engine: placement and precision summary */
    int ok;
    char error[EVAL_ERR_SIZE];
    int64_t n;              /* images evaluated */
    double seconds, build_seconds;
    /* classification */
    int top_k;
    int64_t top1, topk;
    int64_t agree, agree_n; /* top-1 equal to the FP32 reference's (when one ran) */
    int *pred;              /* [n] top-1 class per image */
    /* detection */
    eval_map_result map;
} eval_run;

typedef struct eval_report {
    const char *model;
    const eval_dataset *data;
    eval_task task;
    int64_t first, count;   /* evaluated images [first, first + count) */
    int64_t batch;
    const eval_preproc *pre;
    char calib[1536];       /* the calibration method and set ("" without INT8) */
    int max_det;
    int n_runs;
    eval_run *runs;
} eval_report;

void eval_report_table(FILE *f, const eval_report *r);
void eval_report_json(FILE *f, const eval_report *r);

/* A progress bar on stderr (only when it is a terminal and enabled): redrawn at most 10 times a second. */
typedef struct eval_progress {
    int on;
    const char *what;
    int64_t total;
    double t0, last;
} eval_progress;

void eval_progress_start(eval_progress *p, int enabled, const char *what, int64_t total);
void eval_progress_update(eval_progress *p, int64_t done);
void eval_progress_end(eval_progress *p);

#endif
