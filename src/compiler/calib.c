/* Activation-range collection: runs the graph on the host FP32 executor (kernel fusion off) and observes every
 * node's outputs through the executor's on_output hook, which fires while the buffers are still live. Pass 0
 * records max |x| per tensor; pass 1 (same batches again) histograms |x| over [0, max |x|]. */
#include "compiler/calib.h"
#include "host/host.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

struct cc_collector {
    ir_graph *g;
    host_exec *x;
    int n_threads, n_bins;
    int pass;           /* 0: max |x|; 1: histograms */
    int n;
    cc_range *r;
    int *range_of;      /* per tensor id: index into r, or -1 */
    float *scratch;     /* conversion buffer for non-float32 tensors */
    size_t scratch_cap;
    dla_status hook_st; /* first error inside the hook (reported after the run) */
    int *rank;          /* tensor shapes before a run, restored after it */
    int64_t (*dims)[IR_MAX_RANK];
    ir_dtype *dtype;
};

static int wants(const ir_tensor *t)
{
    return t && t->data_kind != IR_DATA_CONST && (t->dtype == IR_UNDEFINED || ir_dtype_is_float(t->dtype));
}

static dla_status add_range(cc_collector *c, const ir_tensor *t)
{
    if (c->range_of[t->id] >= 0)
        return DLA_OK;
    c->range_of[t->id] = c->n;
    c->r[c->n++] = (cc_range){.t = t};
    return DLA_OK;
}

static float max_abs_f32(const float *x, size_t n, int n_threads)
{
    float m = 0;
    int threads = n >= ((size_t)1 << 16) ? n_threads : 1;
#pragma omp parallel for reduction(max : m) num_threads(threads)
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        if (a > m) /* NaN compares false: ignored */
            m = a;
    }
    return m;
}

/* t's values as float32: t->data itself, or the scratch buffer converted. NULL on allocation failure. */
static const float *as_f32(cc_collector *c, const ir_tensor *t, size_t n)
{
    if (t->dtype == IR_F32)
        return t->data;
    if (n > c->scratch_cap) {
        float *s = realloc(c->scratch, sizeof *s * n);
        if (!s)
            return NULL;
        c->scratch = s;
        c->scratch_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        c->scratch[i] = (float)ir_get_f64(t->dtype, t->data, i);
    return c->scratch;
}

static void observe(cc_collector *c, const ir_tensor *t)
{
    if (!t || c->range_of[t->id] < 0 || !t->data || !ir_dtype_is_float(t->dtype))
        return;
    cc_range *r = &c->r[c->range_of[t->id]];
    int64_t numel = ir_tensor_numel(t);
    if (numel <= 0)
        return;
    const float *x = as_f32(c, t, (size_t)numel);
    if (!x) {
        if (c->hook_st == DLA_OK)
            c->hook_st = base_error(DLA_ERR_NOMEM, "calibration: out of memory converting '%s'", t->name);
        return;
    }
    if (c->pass == 0) {
        double m = max_abs_f32(x, (size_t)numel, c->n_threads);
        if (m > r->max_abs)
            r->max_abs = m;
        r->n_values += (uint64_t)numel;
    } else if (r->hist) {
        cc_hist_add_f32(r->hist, c->n_bins, r->hist_max, x, (size_t)numel, &r->n_zeros, c->n_threads);
    }
}

static void on_output(void *user, const ir_node *n)
{
    cc_collector *c = user;
    for (int j = 0; j < n->n_out; j++)
        observe(c, n->out[j]);
}

dla_status cc_collector_create(ir_graph *g, const cc_calib_options *o, cc_collector **out)
{
    *out = NULL;
    cc_collector *c = calloc(1, sizeof *c);
    if (!c)
        return base_error(DLA_ERR_NOMEM, "out of memory creating a calibration collector");
    dla_status st = DLA_OK;
    size_t nt = (size_t)g->n_tensors + 1;
    c->g = g;
    c->n_threads = o && o->n_threads > 0 ? o->n_threads : omp_get_num_procs();
    c->n_bins = o && o->n_bins > 0 ? o->n_bins : CC_CALIB_BINS;
    if (o && o->method == CC_CALIB_ENTROPY && c->n_bins < 128) {
        st = base_error(DLA_ERR_INVALID_ARG, "entropy calibration needs at least 128 histogram bins, got %d",
                        c->n_bins);
        goto fail;
    }
    c->r = calloc(nt, sizeof *c->r);
    c->range_of = malloc(sizeof *c->range_of * nt);
    c->rank = malloc(sizeof *c->rank * nt);
    c->dims = malloc(sizeof *c->dims * nt);
    c->dtype = malloc(sizeof *c->dtype * nt);
    if (!c->r || !c->range_of || !c->rank || !c->dims || !c->dtype) {
        st = base_error(DLA_ERR_NOMEM, "out of memory creating a calibration collector");
        goto fail;
    }
    for (int i = 0; i < g->n_tensors; i++)
        c->range_of[i] = -1;
    for (int i = 0; i < g->n_inputs; i++)
        if (wants(g->inputs[i]))
            add_range(c, g->inputs[i]);
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i]->n_out; j++)
            if (wants(g->nodes[i]->out[j]))
                add_range(c, g->nodes[i]->out[j]);
    host_options ho = {.n_threads = o ? o->n_threads : 0, .on_output = on_output, .user = c, .no_fusion = 1};
    st = host_exec_create(g, &ho, &c->x);
    if (st != DLA_OK)
        goto fail;
    *out = c;
    return DLA_OK;
fail:
    cc_collector_destroy(c);
    return st;
}

void cc_collector_destroy(cc_collector *c)
{
    if (!c)
        return;
    host_exec_destroy(c->x);
    for (int i = 0; i < c->n; i++)
        free(c->r[i].hist);
    free(c->r);
    free(c->range_of);
    free(c->scratch);
    free(c->rank);
    free(c->dims);
    free(c->dtype);
    free(c);
}

dla_status cc_collector_run(cc_collector *c)
{
    ir_graph *g = c->g;
    for (int i = 0; i < g->n_tensors; i++) {
        const ir_tensor *t = g->tensors[i];
        c->rank[i] = t->rank;
        memcpy(c->dims[i], t->dims, sizeof c->dims[i]);
        c->dtype[i] = t->dtype;
    }
    c->hook_st = DLA_OK;
    for (int i = 0; i < g->n_inputs; i++)
        observe(c, g->inputs[i]);
    dla_status st = c->hook_st == DLA_OK ? host_exec_run(c->x) : c->hook_st;
    if (st == DLA_OK)
        st = c->hook_st;
    /* outputs stay with the executor until taken: free them now, while their shapes still match */
    for (int i = 0; i < g->n_outputs; i++)
        free(host_exec_take_output(c->x, i));
    for (int i = 0; i < g->n_tensors; i++) {
        ir_tensor *t = g->tensors[i];
        if (t->flags & IR_T_INPUT)
            continue; /* the caller's binding */
        t->rank = c->rank[i];
        memcpy(t->dims, c->dims[i], sizeof c->dims[i]);
        t->dtype = c->dtype[i];
    }
    return st;
}

dla_status cc_collector_start_histograms(cc_collector *c)
{
    if (c->pass != 0)
        return base_error(DLA_ERR_INVALID_ARG, "calibration: the histogram pass has already started");
    for (int i = 0; i < c->n; i++) {
        cc_range *r = &c->r[i];
        if (!(r->max_abs > 0) || !isfinite(r->max_abs))
            continue;
        r->hist = calloc((size_t)c->n_bins, sizeof *r->hist);
        if (!r->hist)
            return base_error(DLA_ERR_NOMEM, "calibration: out of memory for the histogram of '%s'", r->t->name);
        r->hist_max = r->max_abs;
    }
    c->pass = 1;
    return DLA_OK;
}

int cc_collector_count(const cc_collector *c) { return c->n; }

const cc_range *cc_collector_range(const cc_collector *c, int i)
{
    return i >= 0 && i < c->n ? &c->r[i] : NULL;
}

const cc_range *cc_collector_find(const cc_collector *c, const char *tensor_name)
{
    const ir_tensor *t = ir_graph_find(c->g, tensor_name);
    return t && t->id < c->g->n_tensors && c->range_of[t->id] >= 0 ? &c->r[c->range_of[t->id]] : NULL;
}

dla_status cc_collector_scales(const cc_collector *c, cc_calib_method method, double percentile,
                               cc_scale_table *out)
{
    if (method != CC_CALIB_MAX && c->pass != 1)
        return base_error(DLA_ERR_INVALID_ARG, "%s calibration needs the histogram pass (run the batches again "
                          "after cc_collector_start_histograms)", cc_calib_method_name(method));
    if (percentile <= 0)
        percentile = 99.99;
    /* thresholds first (entropy costs O(bins^2) per tensor: spread the tensors over the threads) */
    double *amax = malloc(sizeof *amax * (size_t)(c->n + 1));
    if (!amax)
        return base_error(DLA_ERR_NOMEM, "out of memory");
#pragma omp parallel for schedule(dynamic) num_threads(c->n_threads) if (method == CC_CALIB_ENTROPY)
    for (int i = 0; i < c->n; i++) {
        const cc_range *r = &c->r[i];
        amax[i] = r->max_abs;
        if (!r->n_values || !isfinite(r->max_abs) || r->max_abs == 0)
            continue;
        if (method == CC_CALIB_PERCENTILE)
            amax[i] = cc_calib_percentile(r->hist, c->n_bins, r->hist_max, r->n_zeros, percentile);
        else if (method == CC_CALIB_ENTROPY)
            amax[i] = cc_calib_entropy(r->hist, c->n_bins, r->hist_max);
    }
    int n_zero = 0;
    dla_status st = DLA_OK;
    for (int i = 0; i < c->n && st == DLA_OK; i++) {
        const cc_range *r = &c->r[i];
        if (!r->n_values)
            continue; /* not a float at run time, or never computed */
        if (!isfinite(r->max_abs)) {
            base_log(DLA_LOG_WARN, "calibration: tensor '%s' holds inf: left without a scale (FP16)",
                     r->t->name);
            continue;
        }
        if (!(amax[i] > 0)) {
            n_zero++;
            continue;
        }
        st = cc_scale_table_add(out, r->t->name, (float)(amax[i] / 127.0), (float)r->max_abs);
    }
    free(amax);
    if (n_zero)
        base_log(DLA_LOG_INFO, "calibration: %d tensor(s) have no positive %s threshold (zero on every batch, or "
                 "the percentile falls among the zeros): left without a scale",
                 n_zero, cc_calib_method_name(method));
    return st;
}
