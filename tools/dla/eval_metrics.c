/* dla eval: metrics — top-k ranks and COCO-style box mAP, written from the COCO detection evaluation's definition:
 *
 *   - IoU thresholds t = 0.50, 0.55, ..., 0.95; IoU = area(A n B) / area(A u B), areas (x2 - x1) * (y2 - y1) in
 *     continuous coordinates (no +1).
 *   - At most max_det detections per image count: the highest scored (ties keep their order).
 *   - Per class and threshold: the class's detections over all images sorted by descending score (stable: ties keep
 *     image order, then their order within the image); each is matched, in that order, to the not yet matched
 *     ground-truth box of its class in its image with the highest IoU >= t (a true positive), else it is a false
 *     positive. Every ground-truth box counts (no crowd regions, no area ranges).
 *   - Precision / recall along the cumulated TP / FP; precision made monotone from the right (each value the
 *     maximum at any higher recall); AP = the mean over 101 recall points r = 0, 0.01, ..., 1 of the precision at
 *     the first detection whose recall >= r (0 when recall never reaches r).
 *   - mAP@[.5:.95] = mean AP over the thresholds and the classes that have ground truth; mAP@.5 likewise at 0.5.
 * models/detect/coco_map.py is the same definition in numpy (the two agree on the detector's outputs). */
#include "eval.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eval_rank(const float *row, int n, int64_t label)
{
    if (label < 0 || label >= n)
        return n;
    float v = row[label];
    if (isnan(v))
        return n;
    int rank = 0;
    for (int j = 0; j < n; j++)
        if (row[j] > v || (row[j] == v && j < label))
            rank++;
    return rank;
}

double eval_iou(const float a[4], const float b[4])
{
    double iw = fmin(a[2], b[2]) - fmax(a[0], b[0]);
    double ih = fmin(a[3], b[3]) - fmax(a[1], b[1]);
    if (iw < 0)
        iw = 0;
    if (ih < 0)
        ih = 0;
    double inter = iw * ih;
    double area_a = ((double)a[2] - a[0]) * ((double)a[3] - a[1]);
    double area_b = ((double)b[2] - b[0]) * ((double)b[3] - b[1]);
    double uni = area_a + area_b - inter;
    return uni > 0 ? inter / uni : 0.0;
}

/* A detection with its position in the stable order (image, then rank within the image). */
typedef struct ranked {
    const eval_det *d;
    size_t seq;
} ranked;

static int by_score_then_seq(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->d->score != b->d->score)
        return a->d->score > b->d->score ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_image_then_input_order(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->d->image != b->d->image)
        return a->d->image < b->d->image ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The detections that count (max_det per image, the best scored), in (image, descending score) order. */
static ranked *keep_per_image(const eval_det *dets, size_t n_det, int max_det, size_t *n_keep)
{
    ranked *r = malloc(sizeof *r * (n_det ? n_det : 1));
    if (!r)
        return NULL;
    for (size_t i = 0; i < n_det; i++)
        r[i] = (ranked){&dets[i], i};
    qsort(r, n_det, sizeof *r, by_image_then_input_order);
    size_t out = 0;
    for (size_t i = 0; i < n_det;) {
        size_t j = i;
        while (j < n_det && r[j].d->image == r[i].d->image)
            j++;
        qsort(r + i, j - i, sizeof *r, by_score_then_seq); /* seq = input order: stable within the image */
        size_t take = max_det > 0 && (size_t)max_det < j - i ? (size_t)max_det : j - i;
        memmove(r + out, r + i, take * sizeof *r);
        out += take;
        i = j;
    }
    for (size_t i = 0; i < out; i++)
        r[i].seq = i; /* the global stable order for the per-class sort */
    *n_keep = out;
    return r;
}

/* 101-point interpolated AP of a TP/FP sequence in score order, n_gt > 0. */
static double average_precision(const unsigned char *tp, size_t n, size_t n_gt, double *prec, double *rec)
{
    size_t ctp = 0;
    for (size_t i = 0; i < n; i++) {
        ctp += tp[i];
        rec[i] = (double)ctp / (double)n_gt;
        prec[i] = (double)ctp / (double)(i + 1);
    }
    for (size_t i = n; i-- > 1;)
        if (prec[i - 1] < prec[i])
            prec[i - 1] = prec[i];
    double sum = 0;
    size_t k = 0;
    for (int r = 0; r <= 100; r++) {
        double want = r / 100.0;
        while (k < n && rec[k] < want - 1e-12)
            k++;
        if (k < n)
            sum += prec[k];
    }
    return sum / 101.0;
}

static int fail(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, EVAL_ERR_SIZE, fmt, ap);
    va_end(ap);
    return -1;
}

void eval_map_result_free(eval_map_result *r)
{
    if (r) {
        free(r->ap_class);
        r->ap_class = NULL;
    }
}

int eval_map(const eval_det *dets, size_t n_det, const eval_gt *gts, size_t n_gt, int n_classes, int max_det,
             eval_map_result *out, char *err)
{
    memset(out, 0, sizeof *out);
    if (n_classes < 1)
        return fail(err, "mAP: %d classes (at least 1)", n_classes);
    out->n_classes = n_classes;
    out->ap_class = malloc(sizeof *out->ap_class * (size_t)n_classes);
    size_t n_keep = 0;
    ranked *keep = keep_per_image(dets, n_det, max_det, &n_keep);
    ranked *cd = malloc(sizeof *cd * (n_keep ? n_keep : 1));
    const eval_gt **cg = malloc(sizeof *cg * (n_gt ? n_gt : 1));
    int n_img = 0;
    for (size_t i = 0; i < n_gt; i++)
        if (gts[i].image + 1 > n_img)
            n_img = gts[i].image + 1;
    size_t *start = calloc((size_t)n_img + 2, sizeof *start); /* class c's boxes of image i: cg[start[i]..] */
    unsigned char *tp = malloc(n_keep ? n_keep : 1), *used = malloc(n_gt ? n_gt : 1);
    double *prec = malloc(sizeof *prec * (n_keep ? n_keep : 1)), *rec = malloc(sizeof *rec * (n_keep ? n_keep : 1));
    double ap[EVAL_N_IOU] = {0};
    int rc = 0;
    if (!out->ap_class || !keep || !cd || !cg || !tp || !used || !prec || !rec || !start) {
        rc = fail(err, "mAP: out of memory for %zu detections and %zu boxes", n_det, n_gt);
        goto done;
    }
    for (int c = 0; c < n_classes; c++) {
        size_t nd = 0, ng = 0;
        for (size_t i = 0; i < n_keep; i++)
            if (keep[i].d->label == c)
                cd[nd++] = keep[i];
        memset(start, 0, sizeof *start * ((size_t)n_img + 2));
        for (size_t i = 0; i < n_gt; i++)
            if (gts[i].label == c && gts[i].image >= 0)
                start[gts[i].image + 2]++, ng++;
        for (int i = 0; i < n_img; i++) /* counting sort by image: start[i + 1] = first slot of image i */
            start[i + 2] += start[i + 1];
        for (size_t i = 0; i < n_gt; i++)
            if (gts[i].label == c && gts[i].image >= 0)
                cg[start[gts[i].image + 1]++] = &gts[i];
        /* now start[i] = first slot of image i, start[i + 1] = its end */
        if (ng == 0) {
            out->ap_class[c] = NAN;
            continue;
        }
        out->classes_with_gt++;
        qsort(cd, nd, sizeof *cd, by_score_then_seq);
        double sum = 0;
        for (int ti = 0; ti < EVAL_N_IOU; ti++) {
            double t = 0.5 + 0.05 * ti;
            memset(used, 0, ng);
            for (size_t k = 0; k < nd; k++) {
                double best = -1;
                size_t bj = 0;
                int im = cd[k].d->image;
                size_t j0 = im >= 0 && im < n_img ? start[im] : 0, j1 = im >= 0 && im < n_img ? start[im + 1] : 0;
                for (size_t j = j0; j < j1; j++) {
                    if (used[j])
                        continue;
                    double iou = eval_iou(cd[k].d->box, cg[j]->box);
                    if (iou >= t - 1e-10 && iou > best) {
                        best = iou;
                        bj = j;
                    }
                }
                tp[k] = best >= 0;
                if (tp[k])
                    used[bj] = 1;
            }
            double a = nd ? average_precision(tp, nd, ng, prec, rec) : 0.0;
            ap[ti] += a;
            sum += a;
        }
        out->ap_class[c] = sum / EVAL_N_IOU;
    }
    if (out->classes_with_gt > 0) {
        double all = 0;
        for (int ti = 0; ti < EVAL_N_IOU; ti++) {
            out->ap_iou[ti] = ap[ti] / out->classes_with_gt;
            all += out->ap_iou[ti];
        }
        out->map = all / EVAL_N_IOU;
        out->map50 = out->ap_iou[0];
        out->map75 = out->ap_iou[5];
    }
done:
    free(keep);
    free(start);
    free(cd);
    free(cg);
    free(tp);
    free(used);
    free(prec);
    free(rec);
    if (rc)
        eval_map_result_free(out);
    return rc;
}
