/* One-shot calibration: the collector's passes over caller-fed batches, and a random-input feeder. */
#include "compiler/calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct saved_input {
    ir_dtype dtype;
    int rank;
    int64_t dims[IR_MAX_RANK];
    void *data;
    ir_data_kind kind;
} saved_input;

dla_status cc_calibrate(ir_graph *g, int n_batches, cc_calib_feed_fn feed, void *user, const cc_calib_options *o,
                        cc_scale_table *out)
{
    if (n_batches <= 0)
        return base_error(DLA_ERR_INVALID_ARG, "calibration needs at least one batch, got %d", n_batches);
    cc_calib_options opt = o ? *o : (cc_calib_options){0};
    saved_input *saved = calloc((size_t)g->n_inputs + 1, sizeof *saved);
    if (!saved)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n_inputs; i++) {
        const ir_tensor *t = g->inputs[i];
        saved[i] = (saved_input){t->dtype, t->rank, {0}, t->data, t->data_kind};
        memcpy(saved[i].dims, t->dims, sizeof t->dims);
    }
    cc_collector *c;
    dla_status st = cc_collector_create(g, &opt, &c);
    int passes = opt.method == CC_CALIB_MAX ? 1 : 2;
    for (int pass = 0; st == DLA_OK && pass < passes; pass++) {
        if (pass == 1)
            st = cc_collector_start_histograms(c);
        for (int b = 0; st == DLA_OK && b < n_batches; b++) {
            st = feed(user, b, g);
            if (st == DLA_OK)
                st = cc_collector_run(c);
        }
    }
    if (st == DLA_OK)
        st = cc_collector_scales(c, opt.method, opt.percentile, out);
    if (st == DLA_OK)
        base_log(DLA_LOG_INFO, "calibration (%s): %d of %d activation tensors have a scale after %d batch(es)",
                 cc_calib_method_name(opt.method), out->n, c ? cc_collector_count(c) : 0, n_batches);
    cc_collector_destroy(c);
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = g->inputs[i];
        t->dtype = saved[i].dtype;
        ir_tensor_set_shape(t, saved[i].rank, saved[i].dims);
        t->data = saved[i].data;
        t->data_kind = saved[i].kind;
    }
    free(saved);
    return st;
}

/* ---- random inputs ------------------------------------------------------------------------------------- */

typedef struct random_feed {
    unsigned seed;
    void **bufs; /* per input, the current batch */
} random_feed;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s) { return ((splitmix(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

static dla_status feed_random(void *user, int batch, ir_graph *g)
{
    random_feed *f = user;
    uint64_t s = (uint64_t)f->seed * 0x100000001B3ull + (uint64_t)batch;
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = g->inputs[i];
        if (t->dtype == IR_UNDEFINED || !ir_dtype_size(t->dtype))
            return base_error(DLA_ERR_INVALID_ARG, "random calibration: input '%s' has no known element type",
                              t->name);
        if (t->rank < 0)
            return base_error(DLA_ERR_INVALID_ARG, "random calibration: input '%s' has no known rank (give "
                              "--shapes)", t->name);
        int64_t dims[IR_MAX_RANK];
        for (int d = 0; d < t->rank; d++)
            dims[d] = t->dims[d] < 0 ? 1 : t->dims[d];
        ir_tensor_set_shape(t, t->rank, dims);
        size_t n = (size_t)ir_tensor_numel(t), bytes = ir_tensor_nbytes(t);
        free(f->bufs[i]);
        f->bufs[i] = malloc(bytes ? bytes : 1);
        if (!f->bufs[i])
            return base_error(DLA_ERR_NOMEM, "random calibration: cannot allocate %zu bytes for '%s'", bytes,
                              t->name);
        for (size_t k = 0; k < n; k++) {
            if (ir_dtype_is_float(t->dtype)) {
                double u1 = uniform01(&s), u2 = uniform01(&s); /* Box-Muller: standard normal */
                ir_set_f64(t->dtype, f->bufs[i], k, sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
            } else {
                ir_set_i64(t->dtype, f->bufs[i], k, (int64_t)(splitmix(&s) % (t->dtype == IR_BOOL ? 2 : 10)));
            }
        }
        t->data = f->bufs[i];
        t->data_kind = IR_DATA_RUNTIME;
    }
    return DLA_OK;
}

dla_status cc_calibrate_random(ir_graph *g, int n_batches, unsigned seed, const cc_calib_options *o,
                               cc_scale_table *out)
{
    base_log(DLA_LOG_WARN, "calibrating on random inputs: INT8 accuracy will be meaningless (give real inputs: "
             "--calibData=DIR or a calibration cache with --calib=FILE)");
    random_feed f = {.seed = seed, .bufs = calloc((size_t)g->n_inputs + 1, sizeof(void *))};
    if (!f.bufs)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    dla_status st = cc_calibrate(g, n_batches, feed_random, &f, o, out);
    for (int i = 0; i < g->n_inputs; i++)
        free(f.bufs[i]);
    free(f.bufs);
    return st;
}
