/* runtime statistics: per task and per fused DLA layer, in the cuDLA layer-wise statistics CSV column set
 * (dla-facts §1.8). The static columns (precisions, units used) come from the decoded ops at load; the times are
 * the performance model's prediction (stats_perf.c, made at load); each run records the engine model's measured
 * wall times in the wall_* fields. Per-layer net durations are split by engine as cuDLA's: CONV/SDP/PDP/CDP run in
 * the convolution pipes (CPIPE), RUBIK and BDMA apart.
 */
#include "runtime/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prec_name(int p)
{
    switch (p) {
    case ENG_INT8: return "INT8";
    case ENG_INT16: return "INT16";
    case ENG_FP16: return "FP16";
    default: return "?";
    }
}

static int op_in_precision(const eng_op *op)
{
    switch (op->type) {
    case ENG_OP_CONV: return op->u.conv.in_precision;
    case ENG_OP_SDP: return op->u.sdp.src_precision;
    case ENG_OP_PDP: return op->u.pdp.precision;
    case ENG_OP_CDP: return op->u.cdp.in_precision;
    case ENG_OP_RUBIK: return op->u.rubik.precision;
    default: return -1;
    }
}

static int op_out_precision(const eng_op *op)
{
    switch (op->type) {
    case ENG_OP_CONV: return op->u.conv.out_precision;
    case ENG_OP_SDP: return op->u.sdp.dst_precision;
    case ENG_OP_PDP: return op->u.pdp.precision;
    case ENG_OP_CDP: return op->u.cdp.out_precision;
    case ENG_OP_RUBIK: return op->u.rubik.precision;
    default: return -1;
    }
}

static int cube_in_sram(const dla_module *mod, const ldb_task *t, const eng_cube *c)
{
    if (c->mem_type == ENG_MEM_SRAM)
        return 1;
    if (c->mem_type == ENG_MEM_HW || c->size == 0 || c->mem < 0 || (uint32_t)c->mem >= t->n_addresses)
        return 0;
    const ldb_address *a = &mod->view.addresses[t->addresses[c->mem]];
    return mod->view.memory[a->mem].domain == LDB_DOMAIN_SRAM;
}

static int op_uses_sram(const dla_module *mod, const ldb_task *t, const eng_op *op)
{
    switch (op->type) {
    case ENG_OP_CONV:
        return cube_in_sram(mod, t, &op->u.conv.src) || cube_in_sram(mod, t, &op->u.conv.weight) ||
               cube_in_sram(mod, t, &op->u.conv.dst);
    case ENG_OP_SDP:
        return cube_in_sram(mod, t, &op->u.sdp.src) || cube_in_sram(mod, t, &op->u.sdp.dst) ||
               cube_in_sram(mod, t, &op->u.sdp.x1_data) || cube_in_sram(mod, t, &op->u.sdp.x2_data) ||
               cube_in_sram(mod, t, &op->u.sdp.y_data);
    case ENG_OP_PDP: return cube_in_sram(mod, t, &op->u.pdp.src) || cube_in_sram(mod, t, &op->u.pdp.dst);
    case ENG_OP_CDP: return cube_in_sram(mod, t, &op->u.cdp.src) || cube_in_sram(mod, t, &op->u.cdp.dst);
    case ENG_OP_RUBIK: return cube_in_sram(mod, t, &op->u.rubik.src) || cube_in_sram(mod, t, &op->u.rubik.dst);
    default:
        for (int i = 0; i < op->u.bdma.num_transfers; i++) {
            const eng_bdma_transfer *x = &op->u.bdma.transfers[i];
            for (int side = 0; side < 2; side++) {
                int m = side ? x->dst_mem : x->src_mem;
                if (m >= 0 && (uint32_t)m < t->n_addresses &&
                    mod->view.memory[mod->view.addresses[t->addresses[m]].mem].domain == LDB_DOMAIN_SRAM)
                    return 1;
            }
        }
        return 0;
    }
}

static void layer_static(const dla_module *mod, uint32_t ti, const ldb_layer *l, dla_layer_stats *s)
{
    const ldb_task *t = &mod->view.tasks[ti];
    const rt_dla_task *dt = &mod->dla[ti];
    s->layer_name = l->name;
    s->task = (int)ti;
    s->perf_layer = -1;
    s->bound = "";
    snprintf(s->compute_precisions, sizeof s->compute_precisions, "%s", l->precision);
    for (uint32_t j = l->first_op; j < l->first_op + l->op_count && (int)j < dt->n_ops; j++) {
        const eng_op *op = &dt->ops[j];
        if (j == l->first_op && op_in_precision(op) >= 0)
            snprintf(s->src_precisions, sizeof s->src_precisions, "%s", prec_name(op_in_precision(op)));
        if (op_out_precision(op) >= 0)
            snprintf(s->dst_precisions, sizeof s->dst_precisions, "%s", prec_name(op_out_precision(op)));
        s->uses_sram |= op_uses_sram(mod, t, op);
        if (op->type == ENG_OP_CONV) {
            s->uses_fp16_conv |= op->u.conv.in_precision == ENG_FP16;
            s->uses_int8_conv |= op->u.conv.in_precision == ENG_INT8;
            s->uses_structured_sparsity |= op->u.conv.sparse != 0;
        }
        if (op->type == ENG_OP_CONV || op->type == ENG_OP_SDP || op->type == ENG_OP_PDP || op->type == ENG_OP_CDP)
            s->max_num_cpipes = 1; /* the engine model runs one convolution pipe */
        s->uses_sdp |= op->type == ENG_OP_SDP;
        s->uses_pool |= op->type == ENG_OP_PDP;
        s->uses_square_sum_unit |= op->type == ENG_OP_CDP;
    }
    /* a BDMA-only layer moves data in the layer's precision */
    if (!s->src_precisions[0])
        snprintf(s->src_precisions, sizeof s->src_precisions, "%s", l->precision);
    if (!s->dst_precisions[0])
        snprintf(s->dst_precisions, sizeof s->dst_precisions, "%s", l->precision);
}

dla_status rt_stats_init(dla_module *mod)
{
    const ldb_view *v = &mod->view;
    mod->stats.layers = calloc((size_t)v->n_layers + 1, sizeof *mod->stats.layers);
    mod->stats.tasks = calloc((size_t)v->n_tasks + 1, sizeof *mod->stats.tasks);
    if (!mod->stats.layers || !mod->stats.tasks)
        return base_error(DLA_ERR_NOMEM, "module '%s': out of memory for statistics", mod->name);
    for (uint32_t ti = 0; ti < v->n_tasks; ti++) {
        const ldb_task *t = &v->tasks[ti];
        dla_task_stats *ts = &mod->stats.tasks[ti];
        ts->name = t->name;
        ts->is_host = t->type == LDB_TASK_HOST;
        ts->n_ops = t->type == LDB_TASK_HOST ? (mod->host[ti].g ? mod->host[ti].g->n_nodes : 0) : (int)t->ops.count;
        for (uint32_t k = 0; t->type == LDB_TASK_DLA && k < t->n_layers; k++)
            layer_static(mod, ti, &t->layers[k], &mod->stats.layers[t->layer_first + k]);
    }
    /* the default setting: the loadable's target, MAXN, one core, its batch, dense. A failed prediction leaves
     * the times at 0 and says why (dla_module_get_perf_info); only running out of memory fails the load. */
    dla_status st = rt_stats_predict(mod);
    if (st == DLA_ERR_NOMEM)
        return st;
    base_clear_error();
    return DLA_OK;
}

void rt_stats_release(dla_module *mod)
{
    free(mod->stats.layers);
    free(mod->stats.tasks);
    mod->stats.layers = NULL;
    mod->stats.tasks = NULL;
}

void rt_stats_record(dla_module *mod, const double *task_start, const double *task_end, const uint64_t *saturated,
                     double total_ms)
{
    const ldb_view *v = &mod->view;
    pthread_mutex_lock(&mod->stats_mu);
    mod->stats.runs++;
    mod->stats.last_ms = total_ms;
    for (uint32_t ti = 0; ti < v->n_tasks; ti++) {
        const ldb_task *t = &v->tasks[ti];
        dla_task_stats *ts = &mod->stats.tasks[ti];
        ts->wall_start_ms = task_start[ti];
        ts->wall_end_ms = task_end[ti];
        ts->saturated = saturated[ti];
        if (t->type != LDB_TASK_DLA)
            continue;
        const rt_dla_task *dt = &mod->dla[ti];
        for (uint32_t k = 0; k < t->n_layers; k++) {
            const ldb_layer *l = &t->layers[k];
            dla_layer_stats *s = &mod->stats.layers[t->layer_first + k];
            s->wall_start_ms = s->wall_end_ms = s->wall_net_ms = 0;
            for (uint32_t j = l->first_op; j < l->first_op + l->op_count && (int)j < dt->n_ops; j++) {
                double a = dt->op_start_ms[j], d = dt->op_ms[j];
                if (j == l->first_op || a < s->wall_start_ms)
                    s->wall_start_ms = a;
                if (a + d > s->wall_end_ms)
                    s->wall_end_ms = a + d;
                s->wall_net_ms += d;
            }
        }
    }
    pthread_mutex_unlock(&mod->stats_mu);
}

/* ---- CSV --------------------------------------------------------------------------------------------------- */

/* A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
static void sb_field(base_sb *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        base_sb_printf(b, "%s", s);
        return;
    }
    base_sb_printf(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            base_sb_printf(b, "\"");
        base_sb_printf(b, "%c", *p);
    }
    base_sb_printf(b, "\"");
}

dla_status rt_stats_csv(const dla_module *mod, char **csv)
{
    *csv = NULL;
    base_sb b = {malloc(256), 0, 256, 0};
    if (!b.s)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    b.s[0] = '\0';
    base_sb_printf(&b, "layer_name,start_ms,end_ms,net_duration_cpipes_ms,net_duration_rubik_ms,net_duration_bdma_ms,"
                  "src_precisions,compute_precisions,dst_precisions,uses_sram,uses_fp16_conv,uses_int8_conv,"
                  "max_num_cpipes,uses_weight_compression,uses_structured_sparsity,uses_sdp,uses_pool,"
                  "uses_square_sum_unit\n");
    dla_module *m = (dla_module *)mod;
    pthread_mutex_lock(&m->stats_mu);
    for (uint32_t i = 0; i < mod->view.n_layers; i++) {
        const dla_layer_stats *s = &mod->stats.layers[i];
        sb_field(&b, s->layer_name);
        base_sb_printf(&b, ",%.6f,%.6f,%.6f,%.6f,%.6f,", s->start_ms, s->end_ms, s->net_duration_cpipes_ms,
                  s->net_duration_rubik_ms, s->net_duration_bdma_ms);
        sb_field(&b, s->src_precisions);
        base_sb_printf(&b, ",");
        sb_field(&b, s->compute_precisions);
        base_sb_printf(&b, ",");
        sb_field(&b, s->dst_precisions);
        base_sb_printf(&b, ",%d,%d,%d,%d,%d,%d,%d,%d,%d\n", s->uses_sram, s->uses_fp16_conv, s->uses_int8_conv,
                  s->max_num_cpipes, s->uses_weight_compression, s->uses_structured_sparsity, s->uses_sdp,
                  s->uses_pool, s->uses_square_sum_unit);
    }
    pthread_mutex_unlock(&m->stats_mu);
    if (b.oom) {
        free(b.s);
        return base_error(DLA_ERR_NOMEM, "out of memory for the statistics CSV");
    }
    *csv = b.s;
    return DLA_OK;
}
