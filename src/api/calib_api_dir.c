/* Calibration on a folder of .npy files (dla_model_calibrate_dir): which files form which batch, batch
 * splitting, checks that name the file. The file rules are documented in dla/calib.h. */
#include "api_internal.h"
#include "calib_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Natural order: digit runs compare by value ("input_2" < "input_10"). */
static int natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la]))
                la++;
            while (isdigit((unsigned char)b[lb]))
                lb++;
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c)
                return c;
            a += la;
            b += lb;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int cmp_names(const void *x, const void *y) { return natural_cmp(*(char *const *)x, *(char *const *)y); }

/* The input's file-name prefix: its name with characters other than [A-Za-z0-9_.-] as '_', then '_'. */
static char *file_prefix(const char *name)
{
    size_t n = strlen(name);
    char *p = malloc(n + 2);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]) ? name[i] : '_';
    p[n] = '_';
    p[n + 1] = '\0';
    return p;
}

typedef struct dir_state {
    const char *dir;
    char **files; /* sorted .npy names */
    int n_files;
    char **prefix; /* per graph input */
    dla_tensor **loaded; /* per file (NULL when unused) */
    /* batches: n_batches x n_inputs views into loaded data */
    int n_batches, cap_batches;
    dla_tensor *views;              /* n_batches * n_inputs */
    const dla_tensor **rows;        /* pointers into views */
    const dla_tensor *const **batches;
} dir_state;

static dla_status list_npy(dir_state *s)
{
    DIR *d = opendir(s->dir);
    if (!d)
        return base_error(DLA_ERR_IO, "--calibData: cannot open folder '%s'", s->dir);
    int cap = 0;
    dla_status st = DLA_OK;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".npy") != 0)
            continue;
        if (s->n_files == cap) {
            cap = cap ? 2 * cap : 64;
            char **f = realloc(s->files, sizeof *f * (size_t)cap);
            if (!f) {
                st = base_error(DLA_ERR_NOMEM, "out of memory");
                break;
            }
            s->files = f;
        }
        if (!(s->files[s->n_files] = strdup(e->d_name))) {
            st = base_error(DLA_ERR_NOMEM, "out of memory");
            break;
        }
        s->n_files++;
    }
    closedir(d);
    if (st == DLA_OK && s->n_files == 0)
        st = base_error(DLA_ERR_INVALID_ARG, "--calibData: folder '%s' has no .npy files", s->dir);
    if (st == DLA_OK)
        qsort(s->files, (size_t)s->n_files, sizeof *s->files, cmp_names);
    return st;
}

/* The graph input whose prefix starts file name f (longest prefix wins), or -1. */
static int input_of(const dir_state *s, const ir_graph *g, const char *f)
{
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < g->n_inputs; i++) {
        size_t n = strlen(s->prefix[i]);
        if (strncmp(f, s->prefix[i], n) == 0 && n > best_len) {
            best = i;
            best_len = n;
        }
    }
    return best;
}

static dla_status load_file(dir_state *s, int k, dla_tensor **out)
{
    if (!s->loaded[k]) {
        char *path = malloc(strlen(s->dir) + strlen(s->files[k]) + 2);
        if (!path)
            return base_error(DLA_ERR_NOMEM, "out of memory");
        sprintf(path, "%s/%s", s->dir, s->files[k]);
        dla_status st = dla_tensor_load(path, &s->loaded[k]);
        free(path);
        BASE_TRY(st);
    }
    *out = s->loaded[k];
    return DLA_OK;
}

/* How many batches file k gives for input it (1, or the split count), checking type and shape. */
static dla_status batches_in(dir_state *s, int k, const ir_tensor *it, int64_t *count)
{
    dla_tensor *t = NULL;
    BASE_TRY(load_file(s, k, &t));
    const char *f = s->files[k];
    if (it->dtype != IR_UNDEFINED && (ir_dtype)t->dtype != it->dtype)
        return base_error(DLA_ERR_INVALID_ARG, "--calibData: %s/%s holds %s, input '%s' is %s", s->dir, f,
                          dla_dtype_name(t->dtype), it->name, ir_dtype_name(it->dtype));
    if (it->rank >= 0 && t->rank != it->rank)
        return base_error(DLA_ERR_INVALID_ARG, "--calibData: %s/%s has rank %d, input '%s' has rank %d", s->dir, f,
                          t->rank, it->name, it->rank);
    for (int d = 1; it->rank > 0 && d < it->rank; d++)
        if (it->dims[d] >= 0 && it->dims[d] != t->dims[d])
            return base_error(DLA_ERR_INVALID_ARG, "--calibData: %s/%s dimension %d is %lld, input '%s' has %lld",
                              s->dir, f, d, (long long)t->dims[d], it->name, (long long)it->dims[d]);
    *count = 1;
    if (it->rank > 0 && it->dims[0] > 0 && t->dims[0] != it->dims[0]) {
        if (t->dims[0] == 0 || t->dims[0] % it->dims[0] != 0)
            return base_error(DLA_ERR_INVALID_ARG, "--calibData: %s/%s has batch %lld, not a multiple of input "
                              "'%s''s batch %lld", s->dir, f, (long long)t->dims[0], it->name,
                              (long long)it->dims[0]);
        *count = t->dims[0] / it->dims[0];
    }
    return DLA_OK;
}

/* Adds `count` batches: group[i] is the file index of input i. */
static dla_status add_batches(dir_state *s, const ir_graph *g, const int *group, int64_t count)
{
    int ni = g->n_inputs;
    if (s->n_batches + count > s->cap_batches) {
        int cap = s->cap_batches * 2 + (int)count + 16;
        dla_tensor *v = realloc(s->views, sizeof *v * (size_t)cap * (size_t)ni);
        if (!v)
            return base_error(DLA_ERR_NOMEM, "out of memory");
        s->views = v;
        s->cap_batches = cap;
    }
    for (int64_t b = 0; b < count; b++)
        for (int i = 0; i < ni; i++) {
            const dla_tensor *t = s->loaded[group[i]];
            dla_tensor *v = &s->views[(size_t)(s->n_batches + b) * (size_t)ni + (size_t)i];
            *v = *t;
            v->name = (char *)g->inputs[i]->name;
            if (count > 1) {
                v->dims[0] = t->dims[0] / count;
                v->nbytes = t->nbytes / (size_t)count;
                v->data = (char *)t->data + (size_t)b * v->nbytes;
            }
        }
    s->n_batches += (int)count;
    return DLA_OK;
}

static dla_status one_group(dir_state *s, const ir_graph *g, const int *group)
{
    int64_t count = -1;
    for (int i = 0; i < g->n_inputs; i++) {
        int64_t c;
        BASE_TRY(batches_in(s, group[i], g->inputs[i], &c));
        if (count >= 0 && c != count)
            return base_error(DLA_ERR_INVALID_ARG, "--calibData: %s/%s gives %lld batches but %s/%s gives %lld",
                              s->dir, s->files[group[i]], (long long)c, s->dir, s->files[group[0]],
                              (long long)count);
        count = c;
    }
    return add_batches(s, g, group, count);
}

/* Single input: NAME_*.npy, else every .npy. Several: NAME_K.npy grouped by K. */
static dla_status collect(dir_state *s, const ir_graph *g)
{
    int ni = g->n_inputs;
    if (ni == 1) {
        int any = 0;
        for (int k = 0; k < s->n_files; k++)
            any |= input_of(s, g, s->files[k]) == 0;
        for (int k = 0; k < s->n_files; k++)
            if (!any || input_of(s, g, s->files[k]) == 0)
                BASE_TRY(one_group(s, g, &k));
        return DLA_OK;
    }
    int *group = malloc(sizeof *group * (size_t)ni);
    char *used = calloc((size_t)s->n_files + 1, 1);
    dla_status st = group && used ? DLA_OK : base_error(DLA_ERR_NOMEM, "out of memory");
    for (int k = 0; st == DLA_OK && k < s->n_files; k++) {
        if (used[k])
            continue;
        int i0 = input_of(s, g, s->files[k]);
        if (i0 < 0) {
            base_log(DLA_LOG_WARN, "--calibData: %s/%s names no input of the model (expected NAME_KEY.npy): "
                     "ignored", s->dir, s->files[k]);
            continue;
        }
        const char *key = s->files[k] + strlen(s->prefix[i0]);
        for (int i = 0; i < ni; i++)
            group[i] = -1;
        for (int j = k; j < s->n_files; j++) {
            int ij = input_of(s, g, s->files[j]);
            if (ij >= 0 && !used[j] && strcmp(s->files[j] + strlen(s->prefix[ij]), key) == 0) {
                group[ij] = j;
                used[j] = 1;
            }
        }
        for (int i = 0; st == DLA_OK && i < ni; i++)
            if (group[i] < 0)
                st = base_error(DLA_ERR_INVALID_ARG, "--calibData: %s/%s has no partner for input '%s' (expected "
                                "%s/%s%s)", s->dir, s->files[k], g->inputs[i]->name, s->dir, s->prefix[i], key);
        if (st == DLA_OK)
            st = one_group(s, g, group);
    }
    free(group);
    free(used);
    return st;
}

static void release(dir_state *s, int n_inputs)
{
    for (int k = 0; k < s->n_files; k++) {
        free(s->files[k]);
        if (s->loaded)
            dla_tensor_destroy(s->loaded[k]);
    }
    for (int i = 0; s->prefix && i < n_inputs; i++)
        free(s->prefix[i]);
    free(s->files);
    free(s->loaded);
    free(s->prefix);
    free(s->views);
    free(s->rows);
    free(s->batches);
}

dla_status dla_model_calibrate_dir(dla_model *m, const char *dir, const dla_calib_options *o, dla_calib **out)
{
    *out = NULL;
    base_clear_error();
    ir_graph *g = api_model_graph(m);
    int ni = g->n_inputs;
    dir_state s = {.dir = dir};
    dla_status st = list_npy(&s);
    if (st == DLA_OK) {
        s.prefix = calloc((size_t)ni + 1, sizeof *s.prefix);
        s.loaded = calloc((size_t)s.n_files + 1, sizeof *s.loaded);
        if (!s.prefix || !s.loaded)
            st = base_error(DLA_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; st == DLA_OK && i < ni; i++)
        if (!(s.prefix[i] = file_prefix(g->inputs[i]->name)))
            st = base_error(DLA_ERR_NOMEM, "out of memory");
    if (st == DLA_OK)
        st = collect(&s, g);
    if (st == DLA_OK && s.n_batches == 0)
        st = base_error(DLA_ERR_INVALID_ARG, "--calibData: no batches in folder '%s'", dir);
    if (st == DLA_OK) {
        s.rows = malloc(sizeof *s.rows * (size_t)s.n_batches * (size_t)(ni ? ni : 1));
        s.batches = malloc(sizeof *s.batches * (size_t)s.n_batches);
        if (!s.rows || !s.batches)
            st = base_error(DLA_ERR_NOMEM, "out of memory");
    }
    if (st == DLA_OK) {
        for (int b = 0; b < s.n_batches; b++) {
            for (int i = 0; i < ni; i++)
                s.rows[(size_t)b * (size_t)ni + (size_t)i] = &s.views[(size_t)b * (size_t)ni + (size_t)i];
            s.batches[b] = (const dla_tensor *const *)&s.rows[(size_t)b * (size_t)ni];
        }
        base_log(DLA_LOG_INFO, "calibration: %d batch(es) from folder '%s'", s.n_batches, dir);
        st = dla_model_calibrate(m, o, s.n_batches, ni, s.batches, out);
    }
    release(&s, ni);
    return api_model_fail(m, st);
}
