/* Public calibration API (dla/calib.h): scale tables, calibration of a model on given batches or random inputs,
 * Q/DQ scales, TensorRT calibration caches. Calibrating on a folder of .npy files is in calib_api_dir.c. */
#include "api_internal.h"
#include "calib_internal.h"
#include "compiler/cc.h"
#include "compiler/fold_shapes.h"

#include <stdlib.h>
#include <string.h>

dla_status api_calib_wrap(cc_scale_table *t, dla_calib **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out) {
        cc_scale_table_free(t);
        return base_error(DLA_ERR_NOMEM, "out of memory");
    }
    (*out)->t = t;
    return DLA_OK;
}

void dla_calib_destroy(dla_calib *c)
{
    if (!c)
        return;
    cc_scale_table_free(c->t);
    free(c);
}

int dla_calib_count(const dla_calib *c) { return c ? c->t->n : 0; }

dla_status dla_calib_get(const dla_calib *c, int i, dla_calib_entry *out)
{
    if (!c || i < 0 || i >= c->t->n)
        return base_error(DLA_ERR_INVALID_ARG, "calibration entry %d out of range (table has %d)", i,
                          c ? c->t->n : 0);
    const cc_scale *e = &c->t->items[i];
    *out = (dla_calib_entry){.name = e->name, .scale = e->scale, .amax = e->scale * 127.0f, .max_abs = e->max_abs};
    return DLA_OK;
}

int dla_calib_find(const dla_calib *c, const char *tensor_name, float *scale)
{
    return c ? cc_scale_table_find(c->t, tensor_name, scale) : 0;
}

const char *dla_calib_header(const dla_calib *c) { return c ? c->t->header : ""; }

dla_status dla_calib_parse_method(const char *spec, dla_calib_options *o)
{
    cc_calib_method m;
    double p;
    BASE_TRY(cc_calib_parse_method(spec, &m, &p));
    o->method = (dla_calib_method)m;
    o->percentile = p;
    return DLA_OK;
}

dla_status dla_calib_load(const char *path, dla_calib **out)
{
    *out = NULL;
    base_clear_error();
    cc_scale_table *t;
    BASE_TRY(cc_scale_table_create(&t));
    dla_status st = cc_calib_cache_read(path, t);
    if (st != DLA_OK) {
        cc_scale_table_free(t);
        return st;
    }
    return api_calib_wrap(t, out);
}

dla_status dla_calib_save(const dla_calib *c, const char *path)
{
    base_clear_error();
    return cc_calib_cache_write(path, c->t, NULL);
}

static cc_calib_options cc_options(const dla_calib_options *o)
{
    cc_calib_options co = {0};
    if (o) {
        co.method = (cc_calib_method)o->method;
        co.percentile = o->percentile;
        co.n_bins = o->n_bins;
        co.n_threads = o->n_threads;
    }
    return co;
}

/* ---- calibration on caller batches ---------------------------------------------------------------------- */

typedef struct batch_feed {
    int n_inputs;
    const dla_tensor *const *const *batches;
} batch_feed;

/* The tensor of batch ts for graph input i (by name, or by position for unnamed tensors), or NULL. */
static const dla_tensor *find_tensor(const batch_feed *f, const dla_tensor *const *ts, const ir_tensor *it, int i)
{
    for (int j = 0; j < f->n_inputs; j++)
        if (ts[j]->name ? strcmp(ts[j]->name, it->name) == 0 : j == i)
            return ts[j];
    return NULL;
}

static dla_status feed_batch(void *user, int b, ir_graph *g)
{
    batch_feed *f = user;
    for (int i = 0; i < g->n_inputs; i++) {
        const dla_tensor *t = find_tensor(f, f->batches[b], g->inputs[i], i);
        ir_tensor *it = g->inputs[i];
        it->dtype = (ir_dtype)t->dtype;
        ir_tensor_set_shape(it, t->rank, t->dims);
        it->data = t->data;
        it->data_kind = IR_DATA_RUNTIME;
    }
    return DLA_OK;
}

/* Checks that batch b gives every graph input with the model's type and known dims. */
static dla_status match_batch(const ir_graph *g, const batch_feed *f, int b)
{
    for (int i = 0; i < g->n_inputs; i++) {
        const ir_tensor *it = g->inputs[i];
        const dla_tensor *t = find_tensor(f, f->batches[b], it, i);
        if (!t)
            return base_error(DLA_ERR_INVALID_ARG, "calibration batch %d: input '%s' was not given", b, it->name);
        if (it->dtype != IR_UNDEFINED && (ir_dtype)t->dtype != it->dtype)
            return base_error(DLA_ERR_INVALID_ARG, "calibration batch %d: input '%s' is %s, the model expects %s", b,
                              it->name, dla_dtype_name(t->dtype), ir_dtype_name(it->dtype));
        if (it->rank >= 0 && t->rank != it->rank)
            return base_error(DLA_ERR_INVALID_ARG, "calibration batch %d: input '%s' has rank %d, the model "
                              "expects %d", b, it->name, t->rank, it->rank);
        for (int d = 0; it->rank >= 0 && d < it->rank; d++)
            if (it->dims[d] >= 0 && it->dims[d] != t->dims[d])
                return base_error(DLA_ERR_INVALID_ARG, "calibration batch %d: input '%s' dimension %d is %lld, the "
                                  "model expects %lld", b, it->name, d, (long long)t->dims[d],
                                  (long long)it->dims[d]);
        if (!t->data)
            return base_error(DLA_ERR_INVALID_ARG, "calibration batch %d: input '%s' has no data", b, it->name);
    }
    return DLA_OK;
}

dla_status dla_model_calibrate(dla_model *m, const dla_calib_options *o, int n_batches, int n_inputs,
                               const dla_tensor *const *const *batches, dla_calib **out)
{
    *out = NULL;
    base_clear_error();
    ir_graph *g = api_model_graph(m);
    if (n_batches <= 0)
        return api_model_fail(m, base_error(DLA_ERR_INVALID_ARG, "calibration needs at least one batch"));
    batch_feed f = {.n_inputs = n_inputs, .batches = batches};
    dla_status st = DLA_OK;
    for (int b = 0; b < n_batches && st == DLA_OK; b++)
        st = match_batch(g, &f, b);
    cc_scale_table *t = NULL;
    if (st == DLA_OK)
        st = cc_scale_table_create(&t);
    if (st == DLA_OK) {
        api_model_graph_changed(m); /* the collector runs its own executor on the graph */
        cc_calib_options co = cc_options(o);
        st = cc_calibrate(g, n_batches, feed_batch, &f, &co, t);
    }
    if (st != DLA_OK) {
        cc_scale_table_free(t);
        return api_model_fail(m, st);
    }
    return api_model_fail(m, api_calib_wrap(t, out));
}

dla_status dla_model_calibrate_random(dla_model *m, const dla_calib_options *o, dla_calib **out)
{
    *out = NULL;
    base_clear_error();
    cc_scale_table *t;
    BASE_TRY(api_model_fail(m, cc_scale_table_create(&t)));
    api_model_graph_changed(m);
    cc_calib_options co = cc_options(o);
    int n = o && o->random_batches > 0 ? o->random_batches : 8;
    dla_status st = cc_calibrate_random(api_model_graph(m), n, o ? o->seed : 0, &co, t);
    if (st != DLA_OK) {
        cc_scale_table_free(t);
        return api_model_fail(m, st);
    }
    return api_model_fail(m, api_calib_wrap(t, out));
}

dla_status dla_model_qdq_scales(dla_model *m, dla_calib **out)
{
    *out = NULL;
    base_clear_error();
    ir_graph *g = api_model_graph(m);
    int changed = 0;
    api_model_graph_changed(m);
    dla_status st = cc_fold_static_shapes(g, NULL);
    if (st == DLA_OK)
        st = cc_rewrite(g, &changed);
    if (st == DLA_OK && changed)
        st = cc_fold_static_shapes(g, NULL);
    cc_scale_table *t = NULL;
    if (st == DLA_OK)
        st = cc_scale_table_create(&t);
    if (st == DLA_OK)
        st = cc_scales_from_qdq(g, 0, t, NULL);
    if (st != DLA_OK) {
        cc_scale_table_free(t);
        return api_model_fail(m, st);
    }
    return api_model_fail(m, api_calib_wrap(t, out));
}
