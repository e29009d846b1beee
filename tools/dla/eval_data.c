/* dla eval: datasets — IDX files (gzip or plain, read through zlib), .npy arrays, folders of them, and the
 * detection sets of models/detect (images, padded boxes and labels, counts). */
#include "eval.h"

#include "dla/model.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static int fail(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, EVAL_ERR_SIZE, fmt, ap);
    va_end(ap);
    return -1;
}

void eval_dataset_free(eval_dataset *d)
{
    if (!d)
        return;
    free(d->u8);
    free(d->f32);
    free(d->labels);
    free(d->boxes);
    free(d->obj_labels);
    free(d->counts);
    memset(d, 0, sizeof *d);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int dir_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* ---- IDX ---------------------------------------------------------------------------------------------------- */

/* Reads exactly n bytes; 0 when they were all there. */
static int gz_exact(gzFile f, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int eval_idx_read(const char *path, uint8_t **data, int *rank, int64_t dims[8], char *err)
{
    *data = NULL;
    *rank = 0;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return fail(err, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
    uint8_t magic[4];
    if (gz_exact(f, magic, 4) != 0) {
        gzclose(f);
        return fail(err, "%s: not an IDX file: shorter than its 4-byte magic number", path);
    }
    if (magic[0] != 0 || magic[1] != 0) {
        gzclose(f);
        return fail(err, "%s: not an IDX file: magic number %02x%02x%02x%02x does not start with 0000", path,
                    magic[0], magic[1], magic[2], magic[3]);
    }
    if (magic[2] != 0x08) {
        gzclose(f);
        return fail(err, "%s: IDX element type 0x%02x is not supported (unsigned byte, 0x08, only)", path, magic[2]);
    }
    int nd = magic[3];
    if (nd < 1 || nd > 8) {
        gzclose(f);
        return fail(err, "%s: IDX rank %d is outside 1..8", path, nd);
    }
    uint64_t total = 1;
    for (int i = 0; i < nd; i++) {
        uint8_t b[4];
        if (gz_exact(f, b, 4) != 0) {
            gzclose(f);
            return fail(err, "%s: truncated IDX header: %d of %d dimension sizes", path, i, nd);
        }
        dims[i] = ((int64_t)b[0] << 24) | ((int64_t)b[1] << 16) | ((int64_t)b[2] << 8) | b[3];
        if (dims[i] < 1 || dims[i] > (1ll << 30)) {
            gzclose(f);
            return fail(err, "%s: IDX dimension %d has size %lld (1..2^30 allowed)", path, i, (long long)dims[i]);
        }
        total *= (uint64_t)dims[i];
        if (total > (1ull << 34)) {
            gzclose(f);
            return fail(err, "%s: IDX data of more than 2^34 bytes", path);
        }
    }
    uint8_t *buf = malloc(total ? total : 1);
    if (!buf) {
        gzclose(f);
        return fail(err, "%s: out of memory for %llu bytes", path, (unsigned long long)total);
    }
    uint64_t got = 0;
    while (got < total) {
        unsigned chunk = total - got > (1u << 30) ? (1u << 30) : (unsigned)(total - got);
        int r = gzread(f, buf + got, chunk);
        if (r <= 0)
            break;
        got += (uint64_t)r;
    }
    if (got < total) {
        int zerr = 0;
        const char *zmsg = gzerror(f, &zerr);
        free(buf);
        gzclose(f);
        return fail(err, "%s: truncated IDX data: %llu of %llu bytes%s%s", path, (unsigned long long)got,
                    (unsigned long long)total, zerr < 0 ? "; zlib: " : "", zerr < 0 ? zmsg : "");
    }
    uint8_t extra;
    int more = gzread(f, &extra, 1);
    gzclose(f);
    if (more > 0) {
        free(buf);
        return fail(err, "%s: %llu bytes of IDX data expected from its header, the file holds more", path,
                    (unsigned long long)total);
    }
    *data = buf;
    *rank = nd;
    return 0;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int is_idx_name(const char *p)
{
    return strstr(base_name(p), "-idx") != NULL || has_suffix(p, ".idx") || has_suffix(p, ".idx.gz");
}

/* Replaces the first `from` in the base name of path by `to`; 0 when found. */
static int swap_name(const char *path, const char *from, const char *to, char *out, size_t size)
{
    const char *b = base_name(path);
    const char *at = strstr(b, from);
    if (!at)
        return -1;
    snprintf(out, size, "%.*s%s%s", (int)(at - path), path, to, at + strlen(from));
    return 0;
}

static int load_idx_images(const char *path, eval_dataset *d, char *err)
{
    uint8_t *px;
    int rank;
    int64_t dims[8];
    if (eval_idx_read(path, &px, &rank, dims, err) != 0)
        return -1;
    if (rank != 3 && rank != 4) {
        free(px);
        return fail(err, "%s: IDX images must have rank 3 (N, H, W) or 4 (N, C, H, W), this one has rank %d", path,
                    rank);
    }
    d->n = dims[0];
    d->c = rank == 4 ? dims[1] : 1;
    d->h = dims[rank - 2];
    d->w = dims[rank - 1];
    d->is_u8 = 1;
    d->u8 = px;
    return 0;
}

static int load_idx_labels(const char *path, eval_dataset *d, char *err)
{
    uint8_t *lb;
    int rank;
    int64_t dims[8];
    if (eval_idx_read(path, &lb, &rank, dims, err) != 0)
        return -1;
    if (rank != 1 || dims[0] != d->n) {
        free(lb);
        return fail(err, "%s: IDX labels must be one vector of %lld labels (one per image), got rank %d with %lld",
                    path, (long long)d->n, rank, (long long)dims[0]);
    }
    d->labels = malloc(sizeof *d->labels * (size_t)d->n);
    if (!d->labels) {
        free(lb);
        return fail(err, "%s: out of memory", path);
    }
    for (int64_t i = 0; i < d->n; i++)
        d->labels[i] = lb[i];
    free(lb);
    return 0;
}

/* ---- .npy --------------------------------------------------------------------------------------------------- */

static int npy_load(const char *path, dla_tensor **t, char *err)
{
    if (dla_tensor_load(path, t) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    return 0;
}

static int64_t numel(const dla_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->dims[i];
    return n;
}

/* Integer (or integral float) tensor -> int64 array of its numel values. */
static int to_i64(const char *path, const dla_tensor *t, int64_t **out, char *err)
{
    int64_t n = numel(t);
    int64_t *v = malloc(sizeof *v * (size_t)(n ? n : 1));
    if (!v)
        return fail(err, "%s: out of memory", path);
    for (int64_t i = 0; i < n; i++) {
        switch (t->dtype) {
        case DLA_UINT8: v[i] = ((const uint8_t *)t->data)[i]; break;
        case DLA_INT8: v[i] = ((const int8_t *)t->data)[i]; break;
        case DLA_INT16: v[i] = ((const int16_t *)t->data)[i]; break;
        case DLA_UINT16: v[i] = ((const uint16_t *)t->data)[i]; break;
        case DLA_INT32: v[i] = ((const int32_t *)t->data)[i]; break;
        case DLA_UINT32: v[i] = ((const uint32_t *)t->data)[i]; break;
        case DLA_INT64: v[i] = ((const int64_t *)t->data)[i]; break;
        case DLA_UINT64: v[i] = (int64_t)((const uint64_t *)t->data)[i]; break;
        default:
            free(v);
            return fail(err, "%s: labels must be integers, the array holds %s", path, dla_dtype_name(t->dtype));
        }
    }
    *out = v;
    return 0;
}

static int load_npy_images(const char *path, eval_dataset *d, char *err)
{
    dla_tensor *t;
    if (npy_load(path, &t, err) != 0)
        return -1;
    if ((t->rank != 3 && t->rank != 4) || (t->dtype != DLA_UINT8 && t->dtype != DLA_FLOAT32)) {
        fail(err, "%s: images must be uint8 or float32 [N, C, H, W] or [N, H, W]; the array is %s of rank %d", path,
             dla_dtype_name(t->dtype), t->rank);
        dla_tensor_destroy(t);
        return -1;
    }
    d->n = t->dims[0];
    d->c = t->rank == 4 ? t->dims[1] : 1;
    d->h = t->dims[t->rank - 2];
    d->w = t->dims[t->rank - 1];
    d->is_u8 = t->dtype == DLA_UINT8;
    if (d->is_u8)
        d->u8 = t->data;
    else
        d->f32 = t->data;
    t->data = NULL;
    dla_tensor_destroy(t);
    return 0;
}

static int load_npy_labels(const char *path, eval_dataset *d, char *err)
{
    dla_tensor *t;
    if (npy_load(path, &t, err) != 0)
        return -1;
    int ok = (t->rank == 1 || (t->rank == 2 && t->dims[1] == 1)) && t->dims[0] == d->n;
    if (!ok) {
        fail(err, "%s: classification labels must be [%lld] (one per image); the array has rank %d, first dim %lld",
             path, (long long)d->n, t->rank, (long long)(t->rank ? t->dims[0] : 0));
        dla_tensor_destroy(t);
        return -1;
    }
    int r = to_i64(path, t, &d->labels, err);
    dla_tensor_destroy(t);
    return r;
}

/* Detection ground truth: boxes [N, M, 4] float, labels [N, M] int (-1 padding), counts [N] (optional). */
static int load_npy_detection(const char *boxes_path, const char *labels_path, const char *counts_path,
                              eval_dataset *d, char *err)
{
    dla_tensor *b = NULL, *l = NULL;
    if (npy_load(boxes_path, &b, err) != 0)
        return -1;
    if (b->rank != 3 || b->dims[0] != d->n || b->dims[2] != 4 || b->dtype != DLA_FLOAT32) {
        fail(err, "%s: boxes must be float32 [%lld, M, 4] (x1, y1, x2, y2); the array is %s of rank %d", boxes_path,
             (long long)d->n, dla_dtype_name(b->dtype), b->rank);
        dla_tensor_destroy(b);
        return -1;
    }
    d->max_obj = (int)b->dims[1];
    d->boxes = b->data;
    b->data = NULL;
    dla_tensor_destroy(b);
    if (npy_load(labels_path, &l, err) != 0)
        return -1;
    if (l->rank != 2 || l->dims[0] != d->n || l->dims[1] != d->max_obj) {
        fail(err, "%s: box labels must be [%lld, %d] like the boxes (-1 for padding rows); the array has rank %d",
             labels_path, (long long)d->n, d->max_obj, l->rank);
        dla_tensor_destroy(l);
        return -1;
    }
    int r = to_i64(labels_path, l, &d->obj_labels, err);
    dla_tensor_destroy(l);
    if (r)
        return -1;
    d->counts = calloc((size_t)d->n + 1, sizeof *d->counts);
    if (!d->counts)
        return fail(err, "out of memory");
    for (int64_t i = 0; i < d->n; i++)
        for (int k = 0; k < d->max_obj; k++)
            d->counts[i] += d->obj_labels[i * d->max_obj + k] >= 0;
    if (counts_path && file_exists(counts_path)) {
        dla_tensor *c;
        int64_t *cv = NULL;
        if (npy_load(counts_path, &c, err) != 0)
            return -1;
        r = c->rank == 1 && c->dims[0] == d->n ? to_i64(counts_path, c, &cv, err)
                                                  : fail(err, "%s: counts must be [%lld]", counts_path,
                                                         (long long)d->n);
        dla_tensor_destroy(c);
        if (r)
            return -1;
        for (int64_t i = 0; i < d->n; i++)
            if (cv[i] != d->counts[i]) {
                fail(err, "%s: image %lld has count %lld but %lld labelled rows in %s", counts_path, (long long)i,
                     (long long)cv[i], (long long)d->counts[i], labels_path);
                free(cv);
                return -1;
            }
        free(cv);
    }
    d->task = EVAL_DETECT;
    return 0;
}

/* ---- folders ------------------------------------------------------------------------------------------------ */

/* Finds in dir the one file whose name contains `key` and ends with `suffix`; prefers names containing `prefer`.
 * 1 found, 0 none, -1 ambiguous (err set). */
static int find_one(const char *dir, const char *key, const char *suffix, const char *prefer, char *out,
                    size_t size, char *err)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return fail(err, "%s: cannot open the folder: %s", dir, strerror(errno));
    char found[8][256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.' || !strstr(e->d_name, key) || !has_suffix(e->d_name, suffix))
            continue;
        if (n < 8)
            snprintf(found[n], sizeof found[n], "%s", e->d_name);
        n++;
    }
    closedir(dp);
    if (n == 0)
        return 0;
    int pick = 0;
    if (n > 1) {
        int np = 0;
        for (int i = 0; i < n && i < 8; i++)
            if (prefer && strstr(found[i], prefer)) {
                pick = i;
                np++;
            }
        if (np != 1) {
            char list[1024];
            size_t len = 0;
            for (int i = 0; i < n && i < 8; i++)
                len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0, " %s", found[i]);
            return fail(err, "%s: %d files match '*%s*%s' (%s ): name the images file with --images", dir, n, key,
                        suffix, list);
        }
    }
    snprintf(out, size, "%s/%s", dir, found[pick]);
    return 1;
}

/* The labels / boxes / counts file next to an images .npy: the name with "images_u8" or "images" replaced. */
static int sibling(const char *images, const char *what, char *out, size_t size)
{
    char alt[8][64];
    snprintf(alt[0], sizeof alt[0], "%s", what);
    if (swap_name(images, "images_u8", alt[0], out, size) == 0 && file_exists(out))
        return 0;
    if (swap_name(images, "images", alt[0], out, size) == 0 && file_exists(out))
        return 0;
    return -1;
}

static int open_npy(const char *images, const char *labels_path, eval_dataset *d, char *err)
{
    if (load_npy_images(images, d, err) != 0)
        return -1;
    char boxes[4096], labels[4096], counts[4096];
    if (!labels_path && sibling(images, "boxes", boxes, sizeof boxes) == 0) {
        if (sibling(images, "labels", labels, sizeof labels) != 0)
            return fail(err, "%s: a detection set needs box labels next to %s (…labels.npy)", images, boxes);
        int have_counts = sibling(images, "counts", counts, sizeof counts) == 0;
        if (load_npy_detection(boxes, labels, have_counts ? counts : NULL, d, err) != 0)
            return -1;
        snprintf(d->what, sizeof d->what, "detection .npy: %s, %s, %s%s%s", images, base_name(boxes),
                 base_name(labels), have_counts ? ", " : "", have_counts ? base_name(counts) : "");
        return 0;
    }
    if (!labels_path) {
        if (sibling(images, "labels", labels, sizeof labels) != 0)
            return fail(err, "%s: no labels file next to it (the name with 'images' -> 'labels'): give --labels",
                        images);
        labels_path = labels;
    }
    if (load_npy_labels(labels_path, d, err) != 0)
        return -1;
    snprintf(d->what, sizeof d->what, ".npy: %s + %s", images, labels_path);
    return 0;
}

static int open_idx(const char *images, const char *labels_path, eval_dataset *d, char *err)
{
    char labels[4096];
    if (!labels_path) {
        if (swap_name(images, "images-idx3", "labels-idx1", labels, sizeof labels) != 0 || !file_exists(labels))
            return fail(err, "%s: no labels file next to it ('images-idx3' -> 'labels-idx1'): give --labels",
                        images);
        labels_path = labels;
    }
    if (load_idx_images(images, d, err) != 0)
        return -1;
    if (has_suffix(labels_path, ".npy") ? load_npy_labels(labels_path, d, err) : load_idx_labels(labels_path, d, err))
        return -1;
    snprintf(d->what, sizeof d->what, "IDX%s: %s + %s", has_suffix(images, ".gz") ? " (gzip)" : "", images,
             labels_path);
    return 0;
}

/* ---- image folders: DIR/<class>/<image>.pgm|.ppm ------------------------------------------------------------- */

/* Reads a binary PNM (P5 grey or P6 RGB, maxval <= 255) as uint8 CHW. */
int eval_pnm_read(const char *path, uint8_t **data, int64_t *c, int64_t *h, int64_t *w, char *err)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, "%s: cannot open: %s", path, strerror(errno));
    char magic[3] = {0};
    long v[3];
    int ok = fread(magic, 1, 2, f) == 2 && magic[0] == 'P' && (magic[1] == '5' || magic[1] == '6');
    for (int k = 0; ok && k < 3; k++) { /* width, height, maxval, with '#' comments between */
        int ch;
        while ((ch = fgetc(f)) != EOF && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '#'))
            if (ch == '#')
                while ((ch = fgetc(f)) != EOF && ch != '\n')
                    ;
        if (ch == EOF || ungetc(ch, f) == EOF || fscanf(f, "%ld", &v[k]) != 1)
            ok = 0;
    }
    if (!ok || fgetc(f) == EOF) {
        fclose(f);
        return fail(err, "%s: not a binary PGM/PPM (P5/P6) file", path);
    }
    if (v[0] < 1 || v[1] < 1 || v[0] > 65536 || v[1] > 65536 || v[2] < 1 || v[2] > 255) {
        fclose(f);
        return fail(err, "%s: %ldx%ld with maxval %ld (sizes 1..65536, maxval 1..255)", path, v[0], v[1], v[2]);
    }
    int64_t ch = magic[1] == '6' ? 3 : 1, n = ch * v[0] * v[1];
    uint8_t *raw = malloc((size_t)n), *chw = malloc((size_t)n);
    if (!raw || !chw || fread(raw, 1, (size_t)n, f) != (size_t)n) {
        free(raw);
        free(chw);
        fclose(f);
        return fail(err, "%s: truncated: %lld pixel bytes expected", path, (long long)n);
    }
    fclose(f);
    for (int64_t i = 0; i < v[0] * v[1]; i++) /* interleaved HWC -> planar CHW */
        for (int64_t k = 0; k < ch; k++)
            chw[k * v[0] * v[1] + i] = raw[i * ch + k];
    free(raw);
    *data = chw;
    *c = ch;
    *h = v[1];
    *w = v[0];
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_pnm(const struct dirent *e)
{
    return e->d_name[0] != '.' && (has_suffix(e->d_name, ".pgm") || has_suffix(e->d_name, ".ppm"));
}

static int is_subdir_entry(const struct dirent *e) { return e->d_name[0] != '.'; }

/* Adds one image to d (all images must have the same shape). */
static int add_image(eval_dataset *d, int64_t *cap, const char *path, int64_t label, char *err)
{
    uint8_t *px;
    int64_t c, h, w;
    if (eval_pnm_read(path, &px, &c, &h, &w, err) != 0)
        return -1;
    if (d->n == 0) {
        d->c = c, d->h = h, d->w = w;
    } else if (c != d->c || h != d->h || w != d->w) {
        free(px);
        return fail(err, "%s: %lldx%lldx%lld; the folder's first image is %lldx%lldx%lld (all must match)", path,
                    (long long)c, (long long)h, (long long)w, (long long)d->c, (long long)d->h, (long long)d->w);
    }
    int64_t chw = c * h * w;
    if (d->n == *cap) {
        int64_t nc = *cap ? *cap * 2 : 256;
        uint8_t *g = realloc(d->u8, (size_t)(nc * chw));
        int64_t *l = realloc(d->labels, sizeof *l * (size_t)nc);
        if (g)
            d->u8 = g;
        if (l)
            d->labels = l;
        if (!g || !l) {
            free(px);
            return fail(err, "out of memory for %lld images", (long long)nc);
        }
        *cap = nc;
    }
    memcpy(d->u8 + d->n * chw, px, (size_t)chw);
    d->labels[d->n++] = label;
    free(px);
    return 0;
}

/* DIR/<class>/<file>.pgm|.ppm: classes in name order (label = the folder's index, or its number when every
 * folder name is a number); images in name order within a class. 1 when DIR has no such layout. */
static int open_image_folder(const char *dir, eval_dataset *d, char *err)
{
    struct dirent **cls;
    int n_cls = scandir(dir, &cls, is_subdir_entry, by_name);
    if (n_cls < 0)
        return fail(err, "%s: cannot open the folder: %s", dir, strerror(errno));
    int numeric = n_cls > 0, rc = 1;
    for (int i = 0; i < n_cls; i++)
        numeric &= cls[i]->d_name[strspn(cls[i]->d_name, "0123456789")] == '\0';
    int64_t cap = 0;
    d->is_u8 = 1;
    for (int i = 0; i < n_cls && rc >= 0; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, cls[i]->d_name);
        if (!dir_exists(sub))
            continue;
        struct dirent **img;
        int n_img = scandir(sub, &img, is_pnm, by_name);
        for (int k = 0; k < n_img; k++) {
            char p[8192];
            snprintf(p, sizeof p, "%s/%s", sub, img[k]->d_name);
            if (rc >= 0 && add_image(d, &cap, p, numeric ? atoll(cls[i]->d_name) : i, err) != 0)
                rc = -1;
            free(img[k]);
        }
        if (n_img > 0)
            free(img);
        if (rc > 0 && d->n > 0)
            rc = 0;
    }
    for (int i = 0; i < n_cls; i++)
        free(cls[i]);
    free(cls);
    if (rc == 0)
        snprintf(d->what, sizeof d->what, "image folder (PGM/PPM, one subfolder per class%s): %s",
                 numeric ? ", numbered" : ", label = folder index in name order", dir);
    return rc;
}

int eval_dataset_open(const char *spec, const char *images_path, const char *labels_path, eval_dataset *d,
                      char *err)
{
    memset(d, 0, sizeof *d);
    char found[4096];
    const char *images = images_path;
    if (!images) {
        if (!spec)
            return fail(err, "no dataset: give --dataset PATH (or --images FILE)");
        if (dir_exists(spec)) {
            int r = find_one(spec, "images", ".npy", NULL, found, sizeof found, err);
            if (r == 0)
                r = find_one(spec, "images-idx", "", "t10k", found, sizeof found, err);
            if (r < 0)
                return -1;
            if (r == 0) {
                r = open_image_folder(spec, d, err);
                if (r == 0 && labels_path)
                    r = fail(err, "--labels: an image folder's labels are its class subfolders");
                if (r < 0)
                    eval_dataset_free(d);
                if (r > 0)
                    return fail(err, "%s: no dataset in the folder (looked for *images*.npy, *images-idx* files and "
                                "class subfolders of .pgm/.ppm images)", spec);
                return r;
            }
            images = found;
        } else if (file_exists(spec)) {
            images = spec;
        } else {
            return fail(err, "--dataset %s: no such file or folder", spec);
        }
    }
    int r = has_suffix(images, ".npy") ? open_npy(images, labels_path, d, err)
          : (is_idx_name(images) || has_suffix(images, ".gz")) ? open_idx(images, labels_path, d, err)
          : fail(err, "%s: unknown dataset file type (expected .npy, or IDX: *-idx*-ubyte[.gz])", images);
    if (r != 0) {
        eval_dataset_free(d);
        return -1;
    }
    if (d->n < 1 || d->c < 1 || d->h < 1 || d->w < 1) {
        fail(err, "%s: empty dataset (%lld images of %lldx%lldx%lld)", images, (long long)d->n, (long long)d->c,
             (long long)d->h, (long long)d->w);
        eval_dataset_free(d);
        return -1;
    }
    return 0;
}

void eval_dataset_fill(const eval_dataset *d, const eval_preproc *p, int64_t first, int64_t count, float *dst)
{
    int64_t chw = d->c * d->h * d->w, hw = d->h * d->w;
    for (int64_t i = 0; i < count; i++) {
        int64_t src = (first + i) * chw;
        for (int64_t c = 0; c < d->c; c++) {
            double mean = p->n_mean > 1 ? p->mean[c] : p->mean[0];
            double sd = p->n_std > 1 ? p->std[c] : p->std[0];
            double mul = p->scale / sd, add = -mean / sd;
            float *o = dst + i * chw + c * hw;
            if (d->is_u8) {
                const uint8_t *s = d->u8 + src + c * hw;
                for (int64_t k = 0; k < hw; k++)
                    o[k] = (float)(s[k] * mul + add);
            } else {
                const float *s = d->f32 + src + c * hw;
                for (int64_t k = 0; k < hw; k++)
                    o[k] = (float)(s[k] * mul + add);
            }
        }
    }
}
