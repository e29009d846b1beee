/* dla eval: accuracy of a model or a loadable on a dataset. Private to the dla tool.
 *
 *   eval_data.c     datasets: IDX files (gzip or plain), .npy arrays and folders, detection sets
 *   eval_metrics.c  top-k counting and COCO-style box mAP (101-point interpolation)
 *   eval_runner.c   one batch through the host FP32 executor or a loadable on the software DLA
 *   cmd_eval.c      the command: flags, calibration, the FP32 / FP16 / INT8 comparison, table and JSON
 *
 * Functions that can fail return 0 on success, -1 on failure with a message in err (EVAL_ERR_SIZE bytes) that
 * names the file or flag, the rule and the value. */
#ifndef DLA_TOOLS_EVAL_H
#define DLA_TOOLS_EVAL_H

#include <stddef.h>
#include <stdint.h>

#define EVAL_ERR_SIZE 1024

/* ---- datasets ----------------------------------------------------------------------------------------------- */

typedef enum eval_task { EVAL_CLASSIFY = 0, EVAL_DETECT = 1 } eval_task;

typedef struct eval_dataset {
    eval_task task;
    char what[1536];        /* how it was read: "IDX (gzip) t10k-images-idx3-ubyte.gz + t10k-labels-idx1-ubyte.gz" */
    int64_t n, c, h, w;     /* images [n, c, h, w] */
    int is_u8;              /* pixels are uint8 (else float32) */
    uint8_t *u8;
    float *f32;
    int64_t *labels;        /* classification: [n] */
    int max_obj;            /* detection: rows per image */
    float *boxes;           /* detection: [n][max_obj][4] (x1, y1, x2, y2) */
    int64_t *obj_labels;    /* detection: [n][max_obj], -1 = padding */
    int64_t *counts;        /* detection: [n] objects per image */
} eval_dataset;

void eval_dataset_free(eval_dataset *d);

/* Reads an IDX file (gzip-compressed or plain: zlib reads both): magic 0x0000TTDD (TT = 0x08 unsigned byte,
 * DD = dimensions), big-endian int32 sizes, then the data. Only unsigned-byte data is accepted. *data is
 * malloc'd; dims receives up to 8 sizes. */
int eval_idx_read(const char *path, uint8_t **data, int *rank, int64_t dims[8], char *err);

/* Reads a binary PGM (P5) or PPM (P6) image, maxval <= 255, as uint8 [c, h, w] (*data malloc'd). */
int eval_pnm_read(const char *path, uint8_t **data, int64_t *c, int64_t *h, int64_t *w, char *err);

/* Opens a dataset. spec is a file or a folder:
 *   - an IDX images file (…images-idx3-ubyte[.gz]); labels: labels_path, else the same name with
 *     "images-idx3" -> "labels-idx1";
 *   - an images .npy (uint8 or float32, [N, C, H, W] or [N, H, W]); labels: labels_path, else the same name with
 *     "images_u8"/"images" -> "labels";
 *   - a folder holding PREFIXimages[_u8].npy with PREFIXlabels.npy (classification: labels [N]) or with
 *     PREFIXboxes.npy (detection: boxes [N, M, 4], labels [N, M] with -1 padding, PREFIXcounts.npy optional),
 *     or IDX files (t10k-* preferred over train-*: the test split), or one subfolder per class of binary PGM/PPM
 *     images (label = the folder's number, or its index in name order).
 * images_path (optional) replaces the images file found from spec (then spec may be NULL). */
int eval_dataset_open(const char *spec, const char *images_path, const char *labels_path, eval_dataset *d,
                      char *err);

/* Preprocessing: x = (pixel * scale - mean[c]) / std[c], one mean/std per channel (n_mean / n_std are 1 or C). */
typedef struct eval_preproc {
    double scale;
    double mean[4], std[4];
    int n_mean, n_std;
} eval_preproc;

/* Writes count images starting at image `first` as float NCHW into dst (count * c * h * w floats). */
void eval_dataset_fill(const eval_dataset *d, const eval_preproc *p, int64_t first, int64_t count, float *dst);

/* ---- metrics ------------------------------------------------------------------------------------------------ */

/* The rank of class `label` in a row of n scores: how many classes score higher (ties: a lower index ranks
 * higher, as argmax takes the first maximum). A NaN score of the label ranks last. Top-k is correct when
 * rank < k. Returns n when label is outside [0, n). */
int eval_rank(const float *row, int n, int64_t label);

typedef struct eval_det {   /* one detection */
    int image;
    int label;
    float score;
    float box[4];           /* x1, y1, x2, y2 */
} eval_det;

typedef struct eval_gt {    /* one ground-truth box */
    int image;
    int label;
    float box[4];
} eval_gt;

#define EVAL_N_IOU 10       /* IoU thresholds 0.50, 0.55, ..., 0.95 */

typedef struct eval_map_result {
    double map;             /* mAP@[.5:.95]: mean AP over the thresholds and the classes with ground truth */
    double map50, map75;    /* mAP at IoU 0.5 / 0.75 */
    double ap_iou[EVAL_N_IOU];
    int n_classes;
    double *ap_class;       /* [n_classes] mean over the thresholds; NaN for a class without ground truth */
    int classes_with_gt;
} eval_map_result;

double eval_iou(const float a[4], const float b[4]);
/* COCO-style box mAP (see eval_metrics.c for the exact rules). At most max_det detections per image count (the
 * highest scored). Detections whose label is outside [0, n_classes) are ignored. out->ap_class is malloc'd (free
 * it with eval_map_result_free). With no ground truth at all the mAPs are 0 and classes_with_gt is 0. */
int eval_map(const eval_det *dets, size_t n_det, const eval_gt *gts, size_t n_gt, int n_classes, int max_det,
             eval_map_result *out, char *err);
void eval_map_result_free(eval_map_result *r);

/* ---- runners ------------------------------------------------------------------------------------------------ */

/* One output of a batch, converted to float32 (int64 labels and counts included). */
typedef struct eval_output {
    char name[128];
    int rank;
    int64_t dims[8];
    size_t count;
    float *data;            /* owned by the runner; valid until the next run */
} eval_output;

typedef struct eval_runner eval_runner;

/* The shapes spec ("input:32x1x28x28") that binds the model's one input to batches of *batch images of chw; a
 * model with a fixed batch dimension sets *batch to it. Errors: several inputs, a rank or a fixed dimension that
 * does not fit the images. */
int eval_model_shapes(const char *onnx, const int64_t chw[3], int64_t *batch, char *shapes, size_t size, char *err);
/* The host FP32 reference executor on an ONNX model loaded with `shapes` (trtexec spelling, may be NULL). */
int eval_runner_host(const char *onnx, const char *shapes, int threads, eval_runner **out, char *err);
/* A loadable on a software DLA core (hybrid mode: HOST tasks run on the host executor). bytes are copied. */
int eval_runner_engine(const void *bytes, size_t size, eval_runner **out, char *err);
void eval_runner_free(eval_runner *r);
/* Post-processing on the host executor after every run: an ONNX model whose inputs are outputs of r (by name,
 * as float32); from then on the runner's outputs are the post model's. */
int eval_runner_attach_post(eval_runner *r, const char *onnx, char *err);

/* The input's [N, C, H, W] as the runner sees it (a dim < 1 is dynamic: the host executor takes any). */
void eval_runner_input_shape(const eval_runner *r, int64_t dims[4], const char **name);
/* Runs one batch of n images (float NCHW, n * C * H * W values). */
int eval_runner_run(eval_runner *r, const float *x, int64_t n, char *err);
int eval_runner_num_outputs(const eval_runner *r);
const eval_output *eval_runner_output(const eval_runner *r, int i);
const eval_output *eval_runner_find(const eval_runner *r, const char *name);

#endif
