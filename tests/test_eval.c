/* dla eval's pieces: COCO-style mAP on hand-made boxes with hand-computed answers, top-k ranks, IDX parsing (plain
 * and gzip; every error names the file), dataset discovery and preprocessing. */
#include "check.h"
#include "../tools/dla/eval.h"

#include "dla/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static eval_det det(int image, int label, float score, float x1, float y1, float x2, float y2)
{
    eval_det d = {image, label, score, {x1, y1, x2, y2}};
    return d;
}

static eval_gt gt(int image, int label, float x1, float y1, float x2, float y2)
{
    eval_gt g = {image, label, {x1, y1, x2, y2}};
    return g;
}

static double map_of(const eval_det *d, size_t nd, const eval_gt *g, size_t ng, int classes, int max_det,
                     eval_map_result *r)
{
    char err[EVAL_ERR_SIZE];
    if (eval_map(d, nd, g, ng, classes, max_det, r, err) != 0) {
        fprintf(stderr, "eval_map: %s\n", err);
        check_failures++;
        return -1;
    }
    return r->map;
}

static void test_iou(void)
{
    float a[4] = {0, 0, 10, 10}, b[4] = {5, 0, 15, 10}, c[4] = {20, 20, 30, 30}, e[4] = {0, 0, 10, 20};
    CHECK_NEAR(eval_iou(a, a), 1.0, 1e-12);
    CHECK_NEAR(eval_iou(a, b), 50.0 / 150.0, 1e-12);
    CHECK_NEAR(eval_iou(a, c), 0.0, 1e-12);
    CHECK_NEAR(eval_iou(a, e), 0.5, 1e-12);
    float z[4] = {3, 3, 3, 3}; /* empty boxes: IoU 0, never NaN */
    CHECK_NEAR(eval_iou(z, z), 0.0, 0);
}

static void test_map(void)
{
    eval_map_result r;
    /* perfect detections on two classes in two images: 1.0 everywhere */
    eval_gt g1[3] = {gt(0, 0, 0, 0, 10, 10), gt(0, 1, 20, 20, 40, 40), gt(1, 0, 5, 5, 25, 30)};
    eval_det d1[3] = {det(0, 0, 0.9f, 0, 0, 10, 10), det(0, 1, 0.8f, 20, 20, 40, 40), det(1, 0, 0.3f, 5, 5, 25, 30)};
    CHECK_NEAR(map_of(d1, 3, g1, 3, 2, 100, &r), 1.0, 1e-12);
    CHECK_NEAR(r.map50, 1.0, 1e-12);
    CHECK(r.classes_with_gt == 2);
    eval_map_result_free(&r);

    /* class 0's box shifted to IoU 0.6 (inter 75 / union 125): a TP at t = .50, .55, .60 only -> AP 3/10 = 0.3;
     * class 1 perfect -> mAP 0.65, mAP@.5 1, mAP@.75 0.5 */
    eval_det d2[2] = {det(0, 0, 0.9f, 2.5f, 0, 12.5f, 10), det(0, 1, 0.8f, 20, 20, 40, 40)};
    CHECK_NEAR(map_of(d2, 2, g1, 2, 2, 100, &r), 0.65, 1e-12);
    CHECK_NEAR(r.ap_class[0], 0.3, 1e-12);
    CHECK_NEAR(r.ap_class[1], 1.0, 1e-12);
    CHECK_NEAR(r.map50, 1.0, 1e-12);
    CHECK_NEAR(r.map75, 0.5, 1e-12);
    CHECK_NEAR(r.ap_iou[2], 1.0, 1e-12); /* t = 0.60: IoU 0.6 counts (>= t) */
    CHECK_NEAR(r.ap_iou[3], 0.5, 1e-12); /* t = 0.65: class 0 misses */
    eval_map_result_free(&r);

    /* one false positive scored above the true positive: precision 1/2 at recall 1, envelope 1/2 at every
     * recall point -> AP 0.5 */
    eval_det d3[2] = {det(0, 0, 0.9f, 50, 50, 60, 60), det(0, 0, 0.8f, 0, 0, 10, 10)};
    CHECK_NEAR(map_of(d3, 2, g1, 1, 1, 100, &r), 0.5, 1e-12);
    eval_map_result_free(&r);
    /* the same false positive scored below: precision 1 up to recall 1 -> AP 1 */
    d3[0].score = 0.1f;
    CHECK_NEAR(map_of(d3, 2, g1, 1, 1, 100, &r), 1.0, 1e-12);
    eval_map_result_free(&r);

    /* half the ground truth found: recall points 0 .. 0.5 (51 of 101) at precision 1 */
    eval_gt g4[2] = {gt(0, 0, 0, 0, 10, 10), gt(0, 0, 20, 20, 40, 40)};
    eval_det d4[1] = {det(0, 0, 0.9f, 0, 0, 10, 10)};
    CHECK_NEAR(map_of(d4, 1, g4, 2, 1, 100, &r), 51.0 / 101.0, 1e-12);
    eval_map_result_free(&r);

    /* TP 0.9, FP 0.8, TP 0.7 on 2 boxes: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1; envelope 1, 2/3, 2/3 ->
     * (51 * 1 + 50 * 2/3) / 101 */
    eval_det d5[3] = {det(0, 0, 0.9f, 0, 0, 10, 10), det(0, 0, 0.8f, 60, 60, 70, 70), det(0, 0, 0.7f, 20, 20, 40, 40)};
    CHECK_NEAR(map_of(d5, 3, g4, 2, 1, 100, &r), (51.0 + 50.0 * 2.0 / 3.0) / 101.0, 1e-12);
    eval_map_result_free(&r);

    /* a duplicate of a matched box is a false positive: TP 0.9 then FP 0.8 (the duplicate) on one box -> AP 1,
     * as the FP comes after recall 1; but with a second box it is not matched to that one (IoU 0) */
    eval_det d6[2] = {det(0, 0, 0.9f, 0, 0, 10, 10), det(0, 0, 0.8f, 0, 0, 10, 10)};
    CHECK_NEAR(map_of(d6, 2, g1, 1, 1, 100, &r), 1.0, 1e-12);
    eval_map_result_free(&r);
    CHECK_NEAR(map_of(d6, 2, g4, 2, 1, 100, &r), 51.0 / 101.0, 1e-12);
    eval_map_result_free(&r);

    /* IoU thresholds: IoU exactly 0.5 counts at t = 0.5 only (AP 0.1, mAP@.5 1); IoU 100/120 = 0.833 counts at
     * .50 ... .80 (7 of 10) */
    eval_det d7[1] = {det(0, 0, 0.9f, 0, 0, 10, 20)};
    CHECK_NEAR(map_of(d7, 1, g1, 1, 1, 100, &r), 0.1, 1e-12);
    CHECK_NEAR(r.map50, 1.0, 1e-12);
    CHECK_NEAR(r.ap_iou[1], 0.0, 1e-12);
    eval_map_result_free(&r);
    d7[0].box[2] = 12;
    d7[0].box[3] = 10;
    CHECK_NEAR(map_of(d7, 1, g1, 1, 1, 100, &r), 0.7, 1e-12);
    eval_map_result_free(&r);

    /* a detection in the wrong image or of the wrong class never matches */
    eval_det d8[2] = {det(1, 0, 0.9f, 0, 0, 10, 10), det(0, 1, 0.9f, 0, 0, 10, 10)};
    CHECK_NEAR(map_of(d8, 2, g1, 1, 2, 100, &r), 0.0, 1e-12);
    CHECK(r.classes_with_gt == 1); /* class 1 has no ground truth: excluded from the mean */
    CHECK(r.ap_class[1] != r.ap_class[1]); /* NaN */
    eval_map_result_free(&r);

    /* max_det: with 1 detection per image, only the best-scored counts (here the FP) -> AP 0 */
    eval_det d9[2] = {det(0, 0, 0.2f, 0, 0, 10, 10), det(0, 0, 0.9f, 50, 50, 60, 60)};
    CHECK_NEAR(map_of(d9, 2, g1, 1, 1, 1, &r), 0.0, 1e-12);
    eval_map_result_free(&r);
    CHECK_NEAR(map_of(d9, 2, g1, 1, 1, 2, &r), 0.5, 1e-12);
    eval_map_result_free(&r);

    /* equal scores: image order decides (image 0's FP first, then image 1's TP) -> precision 1/2 at recall 1 */
    eval_gt g10[1] = {gt(1, 0, 0, 0, 10, 10)};
    eval_det d10[2] = {det(1, 0, 0.5f, 0, 0, 10, 10), det(0, 0, 0.5f, 0, 0, 10, 10)};
    CHECK_NEAR(map_of(d10, 2, g10, 1, 1, 100, &r), 0.5, 1e-12);
    eval_map_result_free(&r);

    /* no detections at all: AP 0; no ground truth at all: mAP 0 and no class counted */
    CHECK_NEAR(map_of(NULL, 0, g1, 3, 2, 100, &r), 0.0, 1e-12);
    eval_map_result_free(&r);
    CHECK_NEAR(map_of(d1, 3, NULL, 0, 2, 100, &r), 0.0, 1e-12);
    CHECK(r.classes_with_gt == 0);
    eval_map_result_free(&r);
}

static void test_rank(void)
{
    float row[5] = {0.1f, 0.7f, 0.7f, -1.0f, 0.3f};
    CHECK(eval_rank(row, 5, 1) == 0); /* first of the tied maxima: the argmax */
    CHECK(eval_rank(row, 5, 2) == 1); /* tie, later index */
    CHECK(eval_rank(row, 5, 4) == 2);
    CHECK(eval_rank(row, 5, 0) == 3);
    CHECK(eval_rank(row, 5, 3) == 4);
    CHECK(eval_rank(row, 5, 5) == 5);  /* label out of range: never correct */
    CHECK(eval_rank(row, 5, -1) == 5);
    float nan_row[3] = {0.0f, NAN, 1.0f};
    CHECK(eval_rank(nan_row, 3, 1) == 3);
    CHECK(eval_rank(nan_row, 3, 2) == 0); /* NaN elsewhere does not outrank */
    /* top-k counting over a batch: labels 2, 0, 1 with ranks 0, 2, 1 -> top-1 1/3, top-2 2/3, top-3 3/3 */
    float b[9] = {0, 1, 5, 2, 3, 4, 9, 1, 0};
    int64_t lab[3] = {2, 0, 1};
    int top[4] = {0};
    for (int i = 0; i < 3; i++)
        for (int k = 1; k <= 3; k++)
            top[k] += eval_rank(b + 3 * i, 3, lab[i]) < k;
    CHECK(top[1] == 1 && top[2] == 2 && top[3] == 3);
}

static char tmpdir[256];

static void write_file(const char *name, const void *bytes, size_t n, int gz, char *path)
{
    sprintf(path, "%s/%s", tmpdir, name);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, bytes, (unsigned)n);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(bytes, 1, n, f);
        fclose(f);
    }
}

static int err_names(const char *err, const char *path)
{
    int ok = strstr(err, path) != NULL;
    if (!ok)
        fprintf(stderr, "error '%s' does not name '%s'\n", err, path);
    return ok;
}

static void test_idx(void)
{
    char path[512], lpath[512], err[EVAL_ERR_SIZE];
    /* 3 images of 2x2, labels 3 */
    uint8_t img[4 + 12 + 12] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2};
    for (int i = 0; i < 12; i++)
        img[16 + i] = (uint8_t)(i * 20);
    uint8_t lab[8 + 3] = {0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9};
    uint8_t *data;
    int rank;
    int64_t dims[8];
    write_file("a-images-idx3-ubyte.gz", img, 28, 1, path);
    CHECK(eval_idx_read(path, &data, &rank, dims, err) == 0);
    CHECK(rank == 3 && dims[0] == 3 && dims[1] == 2 && dims[2] == 2);
    CHECK(data && data[11] == 220);
    free(data);
    write_file("a-labels-idx1-ubyte.gz", lab, 11, 1, lpath);
    /* the same bytes uncompressed */
    write_file("b-images-idx3-ubyte", img, 28, 0, path);
    CHECK(eval_idx_read(path, &data, &rank, dims, err) == 0);
    free(data);

    eval_dataset d;
    sprintf(path, "%s/a-images-idx3-ubyte.gz", tmpdir);
    CHECK(eval_dataset_open(path, NULL, NULL, &d, err) == 0);
    CHECK(d.n == 3 && d.c == 1 && d.h == 2 && d.w == 2 && d.is_u8 && d.task == EVAL_CLASSIFY);
    CHECK(d.labels && d.labels[0] == 7 && d.labels[2] == 9);
    /* preprocessing: (p / 255 - 0.5) / 0.25 on image 1 (pixels 80, 100, 120, 140) */
    eval_preproc pp = {.scale = 1.0 / 255, .mean = {0.5}, .std = {0.25}, .n_mean = 1, .n_std = 1};
    float x[8];
    eval_dataset_fill(&d, &pp, 1, 2, x);
    CHECK_NEAR(x[0], (80 / 255.0 - 0.5) / 0.25, 1e-6);
    CHECK_NEAR(x[7], (220 / 255.0 - 0.5) / 0.25, 1e-6);
    eval_dataset_free(&d);

    /* errors name the file */
    uint8_t bad_magic[8] = {1, 2, 8, 1, 0, 0, 0, 1};
    write_file("bad-magic-idx1-ubyte", bad_magic, 8, 0, path);
    CHECK(eval_idx_read(path, &data, &rank, dims, err) != 0 && err_names(err, path) && strstr(err, "magic"));
    uint8_t bad_type[9] = {0, 0, 0x0D, 1, 0, 0, 0, 1, 0};
    write_file("bad-type-idx1-ubyte", bad_type, 9, 0, path);
    CHECK(eval_idx_read(path, &data, &rank, dims, err) != 0 && err_names(err, path) && strstr(err, "0x0d"));
    write_file("short-images-idx3-ubyte.gz", img, 20, 1, path); /* 4 of 12 data bytes */
    CHECK(eval_idx_read(path, &data, &rank, dims, err) != 0 && err_names(err, path) && strstr(err, "4 of 12"));
    write_file("hdr-images-idx3-ubyte", img, 10, 0, path); /* header cut inside the sizes */
    CHECK(eval_idx_read(path, &data, &rank, dims, err) != 0 && err_names(err, path) && strstr(err, "header"));
    uint8_t longer[29];
    memcpy(longer, img, 28);
    longer[28] = 1;
    write_file("long-images-idx3-ubyte", longer, 29, 0, path);
    CHECK(eval_idx_read(path, &data, &rank, dims, err) != 0 && err_names(err, path) && strstr(err, "more"));
    sprintf(path, "%s/missing-images-idx3-ubyte.gz", tmpdir);
    CHECK(eval_idx_read(path, &data, &rank, dims, err) != 0 && err_names(err, path));
    /* labels that do not match the images: 2 labels for 3 images */
    uint8_t lab2[10] = {0, 0, 8, 1, 0, 0, 0, 2, 1, 1};
    write_file("c-images-idx3-ubyte", img, 28, 0, path);
    write_file("c-labels-idx1-ubyte", lab2, 10, 0, lpath);
    CHECK(eval_dataset_open(path, NULL, NULL, &d, err) != 0 && err_names(err, lpath));
    /* images without a labels file next to them */
    write_file("d-images-idx3-ubyte", img, 28, 0, path);
    CHECK(eval_dataset_open(path, NULL, NULL, &d, err) != 0 && err_names(err, path) && strstr(err, "--labels"));
}

static void test_npy_folder(void)
{
    char err[EVAL_ERR_SIZE], sub[512], p[600];
    sprintf(sub, "%s/det", tmpdir);
    mkdir(sub, 0755);
    /* a detection set: 2 images 3x4x4, boxes [2, 2, 4], labels [2, 2] with -1 padding */
    int64_t idims[4] = {2, 3, 4, 4}, bdims[3] = {2, 2, 4}, ldims[2] = {2, 2};
    dla_tensor *im, *bx, *lb;
    CHECK_OK(dla_tensor_create("x", DLA_UINT8, 4, idims, &im));
    CHECK_OK(dla_tensor_create("b", DLA_FLOAT32, 3, bdims, &bx));
    CHECK_OK(dla_tensor_create("l", DLA_INT64, 2, ldims, &lb));
    if (!im || !bx || !lb)
        return;
    float *b = bx->data;
    int64_t *l = lb->data;
    b[0] = 1, b[1] = 2, b[2] = 3, b[3] = 4;
    b[8] = 0, b[9] = 0, b[10] = 2, b[11] = 2;
    l[0] = 1, l[1] = -1, l[2] = 4, l[3] = -1;
    sprintf(p, "%s/test_images_u8.npy", sub);
    CHECK_OK(dla_tensor_save_npy(im, p));
    sprintf(p, "%s/test_boxes.npy", sub);
    CHECK_OK(dla_tensor_save_npy(bx, p));
    sprintf(p, "%s/test_labels.npy", sub);
    CHECK_OK(dla_tensor_save_npy(lb, p));
    eval_dataset d;
    CHECK(eval_dataset_open(sub, NULL, NULL, &d, err) == 0);
    CHECK(d.task == EVAL_DETECT && d.n == 2 && d.c == 3 && d.max_obj == 2);
    CHECK(d.counts && d.counts[0] == 1 && d.counts[1] == 1);
    CHECK(d.obj_labels && d.obj_labels[2] == 4);
    CHECK(d.boxes && d.boxes[3] == 4.0f);
    eval_dataset_free(&d);
    /* a counts file that disagrees with the labels */
    int64_t cd[1] = {2};
    dla_tensor *ct;
    CHECK_OK(dla_tensor_create("c", DLA_INT64, 1, cd, &ct));
    ((int64_t *)ct->data)[0] = 2;
    sprintf(p, "%s/test_counts.npy", sub);
    CHECK_OK(dla_tensor_save_npy(ct, p));
    CHECK(eval_dataset_open(sub, NULL, NULL, &d, err) != 0 && err_names(err, p));
    /* two image sets in one folder: ambiguous, asks for --images */
    sprintf(p, "%s/val_images_u8.npy", sub);
    CHECK_OK(dla_tensor_save_npy(im, p));
    CHECK(eval_dataset_open(sub, NULL, NULL, &d, err) != 0 && strstr(err, "--images"));
    /* classification labels of the wrong length: 3 for 2 images */
    int64_t three[1] = {3};
    dla_tensor *l3;
    CHECK_OK(dla_tensor_create("l3", DLA_INT64, 1, three, &l3));
    sprintf(p, "%s/val_labels.npy", sub);
    CHECK_OK(dla_tensor_save_npy(l3, p));
    dla_tensor_destroy(l3);
    sprintf(p, "%s/val_images_u8.npy", sub);
    char lp[600];
    sprintf(lp, "%s/val_labels.npy", sub);
    CHECK(eval_dataset_open(NULL, p, lp, &d, err) != 0 && err_names(err, lp) && strstr(err, "[2]"));
    dla_tensor_destroy(ct);
    dla_tensor_destroy(im);
    dla_tensor_destroy(bx);
    dla_tensor_destroy(lb);
}

static void write_pnm(const char *path, const char *header, const uint8_t *px, size_t n)
{
    FILE *f = fopen(path, "wb");
    fputs(header, f);
    fwrite(px, 1, n, f);
    fclose(f);
}

static void test_image_folder(void)
{
    char err[EVAL_ERR_SIZE], dir[512], p[700];
    /* numbered classes: 3/a.pgm, 3/b.pgm, 7/c.pgm (2x2 grey, with a comment in the header) */
    sprintf(dir, "%s/imgs", tmpdir);
    mkdir(dir, 0755);
    sprintf(p, "%s/3", dir);
    mkdir(p, 0755);
    sprintf(p, "%s/7", dir);
    mkdir(p, 0755);
    uint8_t px[4] = {0, 51, 102, 255};
    sprintf(p, "%s/3/b.pgm", dir);
    write_pnm(p, "P5\n# made by test_eval\n2 2\n255\n", px, 4);
    sprintf(p, "%s/3/a.pgm", dir);
    write_pnm(p, "P5 2 2 255\n", px, 4);
    sprintf(p, "%s/7/c.pgm", dir);
    write_pnm(p, "P5\n2 2\n255\n", px, 4);
    sprintf(p, "%s/7/notes.txt", dir);
    write_pnm(p, "ignored", px, 0);
    eval_dataset d;
    CHECK(eval_dataset_open(dir, NULL, NULL, &d, err) == 0);
    CHECK(d.n == 3 && d.c == 1 && d.h == 2 && d.w == 2 && d.is_u8);
    CHECK(d.labels && d.labels[0] == 3 && d.labels[1] == 3 && d.labels[2] == 7);
    CHECK(d.u8 && d.u8[3] == 255 && d.u8[9] == 51);
    eval_dataset_free(&d);
    /* a colour image among grey ones: the error names it and both shapes */
    uint8_t rgb[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    sprintf(p, "%s/7/d.ppm", dir);
    write_pnm(p, "P6\n2 2\n255\n", rgb, 12);
    CHECK(eval_dataset_open(dir, NULL, NULL, &d, err) != 0 && err_names(err, p) && strstr(err, "3x2x2"));
    /* PPM pixels become planar CHW */
    uint8_t *chw;
    int64_t c, h, w;
    CHECK(eval_pnm_read(p, &chw, &c, &h, &w, err) == 0 && c == 3 && h == 2 && w == 2);
    CHECK(chw && chw[0] == 1 && chw[1] == 4 && chw[4] == 2 && chw[11] == 12);
    free(chw);
    /* a truncated PGM and a text PGM (P2) are errors naming the file */
    sprintf(p, "%s/7/d.ppm", dir);
    write_pnm(p, "P5\n2 2\n255\n", px, 3);
    CHECK(eval_dataset_open(dir, NULL, NULL, &d, err) != 0 && err_names(err, p) && strstr(err, "truncated"));
    write_pnm(p, "P2\n2 2\n255\n0 0 0 0\n", px, 0);
    CHECK(eval_dataset_open(dir, NULL, NULL, &d, err) != 0 && err_names(err, p) && strstr(err, "P5/P6"));
    /* named classes: the label is the folder's index in name order */
    sprintf(dir, "%s/named", tmpdir);
    mkdir(dir, 0755);
    sprintf(p, "%s/cat", dir);
    mkdir(p, 0755);
    sprintf(p, "%s/ant", dir);
    mkdir(p, 0755);
    sprintf(p, "%s/cat/x.pgm", dir);
    write_pnm(p, "P5 2 2 255\n", px, 4);
    sprintf(p, "%s/ant/y.pgm", dir);
    write_pnm(p, "P5 2 2 255\n", px, 4);
    CHECK(eval_dataset_open(dir, NULL, NULL, &d, err) == 0);
    CHECK(d.n == 2 && d.labels && d.labels[0] == 0 && d.labels[1] == 1);
    eval_dataset_free(&d);
    /* an empty folder */
    sprintf(dir, "%s/empty", tmpdir);
    mkdir(dir, 0755);
    CHECK(eval_dataset_open(dir, NULL, NULL, &d, err) != 0 && err_names(err, dir) && strstr(err, "no dataset"));
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dla_test_eval_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_iou();
    test_map();
    test_rank();
    test_idx();
    test_npy_folder();
    test_image_folder();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return TEST_RESULT();
}
