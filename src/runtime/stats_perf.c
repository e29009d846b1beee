/* runtime statistics predicted by the performance model (src/perf, docs/perf-model.md): the start, end and net
 * duration of every layer and task are the model's timeline of one inference on one DLA core (dla/runtime.h says
 * how it is laid out). The runtime links the model (dla_perf links only base, engine and loadable: no cycle).
 *
 * Mapping. perf_predict walks the same loadable: per DLA task, one row per layer whose op range is valid, in the
 * task's layer order, then one catch-all row when some ops of the task belong to no layer. The mapping below
 * follows that rule by loadable layer index and checks each row's task and name, so a change of the model's walk
 * shows as a failed prediction (perf_info's error), never as times attached to the wrong layer.
 *
 * dla_module_set_perf_options and dla_module_get_perf_info are implemented here, next to the statistics they
 * fill, rather than in src/api/runtime_api.c: they need nothing the API layer supplies.
 */
#include "dla/perf.h"
#include "perf/perf.h"
#include "runtime/rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cuDLA's engine groups for the net_duration columns. */
enum { G_CPIPE = 0, G_RUBIK = 1, G_BDMA = 2, G_COUNT = 3 };

static int op_group(const eng_op *op)
{
    return op->type == ENG_OP_RUBIK ? G_RUBIK : op->type == ENG_OP_BDMA ? G_BDMA : G_CPIPE;
}

/* A computed prediction, not yet applied to the statistics. */
typedef struct prediction {
    perf_hw hw;
    perf_options po;
    perf_result *r;
    int *layer_row; /* per loadable layer: its row in r, -1 none */
    int *catch_row; /* per task: its catch-all row in r, -1 none */
} prediction;

static void prediction_free(prediction *p)
{
    perf_result_free(p->r);
    free(p->layer_row);
    free(p->catch_row);
    memset(p, 0, sizeof *p);
}

/* The loadable's target platform as the model names it ("orin" when the build info names none). */
static const char *target_platform(const dla_module *mod)
{
    const char *p = mod->view.build.platform;
    return p && strcmp(p, "xavier") == 0 ? "xavier" : "orin";
}

/* Rows of r for the loadable's layers and the tasks' catch-alls (the rule in the file comment). */
static dla_status map_rows(const dla_module *mod, prediction *p)
{
    const ldb_view *v = &mod->view;
    const perf_result *r = p->r;
    p->layer_row = malloc(((size_t)v->n_layers + 1) * sizeof *p->layer_row);
    p->catch_row = malloc(((size_t)v->n_tasks + 1) * sizeof *p->catch_row);
    if (!p->layer_row || !p->catch_row)
        return base_error(DLA_ERR_NOMEM, "module '%s': out of memory for the predicted statistics", mod->name);
    int row = 0;
    for (uint32_t ti = 0; ti < v->n_tasks; ti++) {
        const ldb_task *t = &v->tasks[ti];
        p->catch_row[ti] = -1;
        if (t->type != LDB_TASK_DLA)
            continue;
        uint32_t n = t->ops.count;
        for (uint32_t k = 0; k < t->n_layers; k++) {
            const ldb_layer *y = &t->layers[k];
            uint32_t idx = t->layer_first + k;
            p->layer_row[idx] = -1;
            if (y->first_op >= n || y->op_count == 0 || y->first_op + y->op_count > n)
                continue;
            const perf_layer *L = row < r->n_layers ? &r->layers[row] : NULL;
            if (!L || L->task != (int)ti || strncmp(L->name, y->name, sizeof L->name - 1) != 0)
                return base_error(DLA_ERR_INTERNAL, "module '%s': the performance model's row %d (%s) does not match "
                                  "layer %u '%s' of task %u", mod->name, row, L ? L->name : "none", idx, y->name, ti);
            p->layer_row[idx] = row++;
        }
        if (row < r->n_layers && r->layers[row].task == (int)ti)
            p->catch_row[ti] = row++;
    }
    if (row != r->n_layers)
        return base_error(DLA_ERR_INTERNAL, "module '%s': the performance model has %d rows, %d of them matched to "
                          "the loadable's layers", mod->name, r->n_layers, row);
    return DLA_OK;
}

/* Predicts for the setting s (nothing is applied). */
static dla_status compute(const dla_module *mod, const rt_perf *s, prediction *p)
{
    memset(p, 0, sizeof *p);
    const char *platform = s->platform[0] ? s->platform : target_platform(mod);
    dla_status st = perf_hw_get(platform, s->mode[0] ? s->mode : NULL, &p->hw);
    if (st == DLA_OK && s->params[0])
        st = perf_hw_override(&p->hw, s->params);
    /* the loadable says which convs run 2:4 sparse (built with --sparsity=enable|force): the runtime predicts it as
     * built, so its default (0) honours the ops' flags; FORCE still asks what every eligible conv would gain */
    perf_sparsity sp = s->sparsity == DLA_PERF_SPARSITY_FORCE ? PERF_SPARSE_FORCE : PERF_SPARSE_ENABLE;
    p->po = (perf_options){.cores = s->cores, .batch = s->batch, .sparsity = sp};
    if (st == DLA_OK)
        st = perf_predict(mod->bytes, mod->size, &p->hw, &p->po, &p->r);
    if (st == DLA_OK)
        st = map_rows(mod, p);
    if (st != DLA_OK)
        prediction_free(p);
    return st;
}

/* Splits a layer's predicted duration d over the engine groups its ops use, in proportion to each op's own busy
 * time (max of math and memory); a layer of one group gets all of it. */
static void split(const prediction *p, const rt_dla_task *dt, const ldb_layer *l, double d, double net[G_COUNT])
{
    double w[G_COUNT] = {0, 0, 0}, sum = 0;
    int used = 0, first = -1, last = -1;
    for (uint32_t j = l->first_op; j < l->first_op + l->op_count && (int)j < dt->n_ops; j++) {
        int g = op_group(&dt->ops[j]);
        perf_layer one;
        memset(&one, 0, sizeof one);
        perf_layer_cost(&p->hw, &p->po, dt->ops, j, 1, &one);
        double b = fmax(one.math_us, one.mem_us);
        w[g] += b;
        sum += b;
        used |= 1 << g;
        if (first < 0)
            first = g;
    }
    net[G_CPIPE] = net[G_RUBIK] = net[G_BDMA] = 0;
    if (used == 0 || (used & (used - 1)) == 0 || sum <= 0) {
        net[first < 0 ? G_CPIPE : first] = d;
        return;
    }
    double given = 0;
    for (int g = 0; g < G_COUNT; g++)
        if (w[g] > 0)
            last = g;
    for (int g = 0; g < G_COUNT; g++) {
        if (w[g] <= 0)
            continue;
        net[g] = g == last ? d - given : d * w[g] / sum;
        given += net[g];
    }
}

static void clear_predicted(dla_module *mod)
{
    const ldb_view *v = &mod->view;
    for (uint32_t i = 0; i < v->n_layers; i++) {
        dla_layer_stats *s = &mod->stats.layers[i];
        s->start_ms = s->end_ms = 0;
        s->net_duration_cpipes_ms = s->net_duration_rubik_ms = s->net_duration_bdma_ms = 0;
        s->perf_layer = -1;
        s->bound = "";
    }
    for (uint32_t i = 0; i < v->n_tasks; i++)
        mod->stats.tasks[i].start_ms = mod->stats.tasks[i].end_ms = 0;
}

/* Lays out the timeline (dla/runtime.h) from a computed prediction. Caller holds stats_mu. */
static void apply(dla_module *mod, const prediction *p)
{
    const ldb_view *v = &mod->view;
    const perf_result *r = p->r;
    double t = 0, batch = r->batch;
    for (uint32_t ti = 0; ti < v->n_tasks; ti++) {
        const ldb_task *tk = &v->tasks[ti];
        dla_task_stats *ts = &mod->stats.tasks[ti];
        ts->start_ms = t;
        if (tk->type != LDB_TASK_DLA) {
            t += p->hw.v[PERF_P_HOST_TASK_US] / 1e3;
            ts->end_ms = t;
            continue;
        }
        for (uint32_t k = 0; k < tk->n_layers; k++) {
            const ldb_layer *l = &tk->layers[k];
            dla_layer_stats *s = &mod->stats.layers[tk->layer_first + k];
            int row = p->layer_row[tk->layer_first + k];
            double d = row >= 0 ? batch * r->layers[row].time_us / 1e3 : 0, net[G_COUNT];
            split(p, &mod->dla[ti], l, d, net);
            s->start_ms = t;
            s->end_ms = t + d;
            s->net_duration_cpipes_ms = net[G_CPIPE];
            s->net_duration_rubik_ms = net[G_RUBIK];
            s->net_duration_bdma_ms = net[G_BDMA];
            s->perf_layer = row;
            s->bound = row >= 0 ? perf_bound_name(r->layers[row].bound) : "";
            t = s->end_ms;
        }
        if (p->catch_row[ti] >= 0)
            t += batch * r->layers[p->catch_row[ti]].time_us / 1e3;
        t += p->hw.v[PERF_P_TASK_US] / 1e3;
        ts->end_ms = t;
    }
    rt_perf *pf = &mod->stats.perf;
    pf->predicted = 1;
    snprintf(pf->platform, sizeof pf->platform, "%s", p->hw.platform);
    snprintf(pf->mode, sizeof pf->mode, "%s", p->hw.mode);
    pf->cores = r->cores;
    pf->batch = r->batch;
    pf->inference_ms = t;
    pf->latency_ms = r->latency_ms;
    pf->error[0] = '\0';
}

dla_status rt_stats_predict(dla_module *mod)
{
    prediction p;
    dla_status st = compute(mod, &mod->stats.perf, &p);
    pthread_mutex_lock(&mod->stats_mu);
    if (st == DLA_OK) {
        apply(mod, &p);
    } else {
        clear_predicted(mod);
        mod->stats.perf.predicted = 0;
        mod->stats.perf.inference_ms = mod->stats.perf.latency_ms = 0;
        snprintf(mod->stats.perf.error, sizeof mod->stats.perf.error, "%s", dla_last_error());
    }
    pthread_mutex_unlock(&mod->stats_mu);
    prediction_free(&p);
    return st;
}

/* ---- public (dla/runtime.h) ------------------------------------------------------------------------------- */

static dla_status copy_opt(const char *what, const char *v, char *dst, size_t size)
{
    dst[0] = '\0';
    if (!v)
        return DLA_OK;
    if (strlen(v) >= size)
        return base_error(DLA_ERR_INVALID_ARG, "dla_module_set_perf_options: %s '%.40s...' is longer than %zu "
                          "characters", what, v, size - 1);
    memcpy(dst, v, strlen(v) + 1);
    return DLA_OK;
}

dla_status dla_module_set_perf_options(dla_module *mod, const struct dla_perf_options *o)
{
    base_clear_error();
    if (!mod)
        return base_error(DLA_ERR_INVALID_ARG, "dla_module_set_perf_options: module is NULL");
    rt_perf want;
    memset(&want, 0, sizeof want);
    if (o) {
        BASE_TRY(copy_opt("platform", o->platform, want.platform, sizeof want.platform));
        BASE_TRY(copy_opt("power mode", o->power_mode, want.mode, sizeof want.mode));
        BASE_TRY(copy_opt("params", o->params, want.params, sizeof want.params));
        if (o->cores < 0 || o->batch < 0)
            return base_error(DLA_ERR_INVALID_ARG, "dla_module_set_perf_options: cores %d, batch %d: expected >= 0 "
                              "(0: the default)", o->cores, o->batch);
        if ((int)o->sparsity < 0 || o->sparsity > DLA_PERF_SPARSITY_FORCE)
            return base_error(DLA_ERR_INVALID_ARG, "dla_module_set_perf_options: sparsity %d: expected 0 (disable), "
                              "1 (enable) or 2 (force)", (int)o->sparsity);
        want.cores = o->cores;
        want.batch = o->batch;
        want.sparsity = (int)o->sparsity;
    }
    prediction p;
    BASE_TRY(compute(mod, &want, &p));
    pthread_mutex_lock(&mod->stats_mu);
    mod->stats.perf = want;
    apply(mod, &p);
    pthread_mutex_unlock(&mod->stats_mu);
    prediction_free(&p);
    return DLA_OK;
}

dla_status dla_module_get_perf_info(const dla_module *mod, dla_module_perf_info *out)
{
    base_clear_error();
    if (!mod || !out)
        return base_error(DLA_ERR_INVALID_ARG, "dla_module_get_perf_info: module and out must not be NULL");
    dla_module *m = (dla_module *)mod;
    pthread_mutex_lock(&m->stats_mu);
    const rt_perf *pf = &m->stats.perf;
    *out = (dla_module_perf_info){.predicted = pf->predicted, .platform = pf->platform, .power_mode = pf->mode,
                                  .cores = pf->cores, .batch = pf->batch, .inference_ms = pf->inference_ms,
                                  .latency_ms = pf->latency_ms, .error = pf->error};
    pthread_mutex_unlock(&m->stats_mu);
    return DLA_OK;
}
