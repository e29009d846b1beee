/* perf: prediction for a whole loadable — fused layers, tasks, batch, cores sharing DRAM (perf.h). */
#include "perf/perf.h"

#include "engine/codec.h"
#include "loadable/loadable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *perf_bound_name(int b)
{
    static const char *const n[] = {"math", "memory", "overhead"};
    return b >= 0 && b < 3 ? n[b] : "?";
}

void perf_result_free(perf_result *r)
{
    if (!r)
        return;
    free(r->layers);
    free(r);
}

/* GB/s one core's stream gets: the SoC's effective bandwidth, less what the other running cores take at the
 * same moment (dram_share), or its own memory interface, whichever is lower. 1 GB/s = 1000 bytes per µs. */
static double core_gbs(const perf_hw *hw, int cores)
{
    double soc = hw->v[PERF_P_DRAM_GBS] * hw->v[PERF_P_DRAM_EFF];
    if (cores > 1)
        soc /= 1.0 + (cores - 1) * hw->v[PERF_P_DRAM_SHARE];
    double port = hw->v[PERF_P_PORT_BPC] * hw->v[PERF_P_CLK_MHZ] / 1000.0;
    double g = port > 0 ? fmin(soc, port) : soc;
    return g > 0 ? g : 1e-9;
}

static int image_batch(const ldb_view *v)
{
    uint32_t m = ldb_view_binding(v, 0, 0);
    if (m == LDB_NONE || v->memory[m].tensor == LDB_NONE)
        return 1;
    const ldb_tensor *t = &v->tensors[v->memory[m].tensor];
    return t->rank >= 2 && t->dims[0] > 0 ? (int)t->dims[0] : 1;
}

void perf_layer_cost(const perf_hw *hw, const perf_options *o, const eng_op *ops, uint32_t first, uint32_t count,
                     perf_layer *L)
{
    double cycles = 0, pipe = 0, bytes = 0, prog_cyc = 0;
    unsigned units = 0;
    int n_pipes = 0, band = 0;
    for (uint32_t i = first; i < first + count; i++) {
        perf_op_cost c;
        perf_op_cost_of(hw, &ops[i], o->sparsity, &c);
        /* a later partial-H band of a conv (and the processors fused behind it) reuses the first band's
         * programming: only its addresses and rows change */
        if (ops[i].type == ENG_OP_CONV)
            band = ops[i].u.conv.split_count > 1 && ops[i].u.conv.split_index > 0;
        else if (!c.fused)
            band = 0;
        prog_cyc += hw->v[band ? PERF_P_BAND_FALCON_CYC : PERF_P_OP_FALCON_CYC];
        if (!c.fused || n_pipes == 0) { /* a new pipeline: the previous one is done */
            cycles += pipe;
            pipe = 0;
            n_pipes++;
        }
        pipe = fmax(pipe, c.cycles);
        bytes += c.dram_bytes;
        L->macs += c.macs;
        L->sparse_convs += c.sparse;
        units |= 1u << ops[i].type;
    }
    cycles += pipe;
    L->n_ops = (int)count;
    L->bytes = bytes;
    L->math_us = cycles / hw->v[PERF_P_CLK_MHZ];
    L->mem_us = bytes / (core_gbs(hw, o->cores) * 1000.0);
    /* Programming: the scheduler writes an op's registers into the idle register group while the previous op
     * runs (ping-pong, engine.md §1.1), so it overlaps execution: a layer cannot finish before its ops are
     * programmed, but programming is not added. The per-layer fixed cost (completion interrupt, dependency
     * update, the next layer's first programming) is added. */
    double falcon = hw->v[PERF_P_FALCON_MHZ] > 0 ? hw->v[PERF_P_FALCON_MHZ] : 1;
    double prog = prog_cyc / falcon;
    double busy = fmax(L->math_us, L->mem_us);
    L->overhead_us = fmax(0.0, prog - busy) + hw->v[PERF_P_LAYER_US];
    /* The images after the first of a batch replay the same op list with new addresses (the loadable's batch rule,
     * compiler/backend.h): like later partial-H bands they cost band_falcon_cyc per op. The layer's overhead is
     * the mean over the batch. */
    int b = o->batch > 1 ? o->batch : 1;
    if (b > 1) {
        double rep = count * hw->v[PERF_P_BAND_FALCON_CYC] / falcon;
        double rep_over = fmax(0.0, rep - busy) + hw->v[PERF_P_LAYER_US];
        L->overhead_us = (L->overhead_us + (b - 1) * rep_over) / b;
    }
    L->time_us = busy + L->overhead_us;
    L->bound = L->overhead_us > busy ? PERF_BOUND_OVERHEAD : L->mem_us > L->math_us ? PERF_BOUND_MEMORY
                                                                                      : PERF_BOUND_MATH;
    static const char *const unit_names[] = {"BDMA", "CONV", "SDP", "PDP", "CDP", "RUBIK"};
    static const int order[] = {1, 2, 3, 4, 5, 0};
    size_t n = 0;
    L->engines[0] = '\0';
    for (int k = 0; k < 6; k++)
        if (units & (1u << order[k]))
            n += (size_t)snprintf(L->engines + n, sizeof L->engines - (n < sizeof L->engines ? n : 0), "%s%s",
                                  n ? "+" : "", unit_names[order[k]]);
}

double perf_cores_time(const perf_hw *hw, double single_core_us, double bytes, int cores, int *dram_limited)
{
    double soc_gbs = hw->v[PERF_P_DRAM_GBS] * hw->v[PERF_P_DRAM_EFF];
    double dram_us = soc_gbs > 0 ? (cores < 1 ? 1 : cores) * bytes / (soc_gbs * 1000.0) : 0;
    if (dram_limited)
        *dram_limited = dram_us > single_core_us;
    return fmax(single_core_us, dram_us);
}

dla_status perf_predict(const void *bytes, size_t size, const perf_hw *hw, const perf_options *opts,
                        perf_result **out)
{
    *out = NULL;
    perf_options o = {.cores = 1};
    if (opts)
        o = *opts;
    if (o.cores < 1)
        o.cores = 1;
    if (hw->v[PERF_P_CLK_MHZ] <= 0)
        return base_error(DLA_ERR_INVALID_ARG, "performance model: clock of %s %s is %g MHz", hw->platform,
                          hw->mode, hw->v[PERF_P_CLK_MHZ]);
    if (o.cores > (int)hw->v[PERF_P_CORES])
        return base_error(DLA_ERR_INVALID_ARG, "--cores %d: %s has %d DLA core%s", o.cores, hw->platform,
                          (int)hw->v[PERF_P_CORES], hw->v[PERF_P_CORES] == 1 ? "" : "s");
    ldb_view v;
    BASE_TRY(ldb_parse(bytes, size, &v));
    if (o.batch <= 0)
        o.batch = image_batch(&v);
    perf_result *r = calloc(1, sizeof *r);
    /* upper bound on layers: the loadable's layers plus one catch-all per task */
    if (r)
        r->layers = calloc((size_t)v.n_layers + v.n_tasks + 1, sizeof *r->layers);
    eng_op *ops = NULL;
    dla_status st = r && r->layers ? DLA_OK : DLA_ERR_NOMEM;
    if (st != DLA_OK)
        base_error(st, "performance model: out of memory");
    for (uint32_t t = 0; st == DLA_OK && t < v.n_tasks; t++) {
        const ldb_task *T = &v.tasks[t];
        if (T->type == LDB_TASK_HOST) {
            r->n_host_tasks++;
            continue;
        }
        r->n_dla_tasks++;
        uint32_t n = T->ops.count;
        if (T->ops.record_size != ENG_OP_RECORD_BYTES && n) {
            st = base_error(DLA_ERR_FORMAT, "task %u: op records of %u bytes, the engine's are %d", t,
                            T->ops.record_size, ENG_OP_RECORD_BYTES);
            break;
        }
        free(ops);
        ops = calloc(n ? n : 1, sizeof *ops);
        unsigned char *covered = calloc(n ? n : 1, 1);
        if (!ops || !covered) {
            free(covered);
            st = base_error(DLA_ERR_NOMEM, "performance model: out of memory");
            break;
        }
        for (uint32_t i = 0; st == DLA_OK && i < n; i++)
            st = eng_op_decode((const uint8_t *)T->ops.data + (size_t)i * ENG_OP_RECORD_BYTES, ENG_OP_RECORD_BYTES,
                               (int)i, NULL, &ops[i]);
        for (uint32_t l = 0; st == DLA_OK && l < T->n_layers; l++) {
            const ldb_layer *y = &T->layers[l];
            if (y->first_op >= n || y->op_count == 0 || y->first_op + y->op_count > n)
                continue;
            perf_layer *L = &r->layers[r->n_layers++];
            snprintf(L->name, sizeof L->name, "%s", y->name);
            snprintf(L->precision, sizeof L->precision, "%s", y->precision);
            L->task = (int)t;
            perf_layer_cost(hw, &o, ops, y->first_op, y->op_count, L);
            memset(covered + y->first_op, 1, y->op_count);
        }
        uint32_t rest = 0;
        for (uint32_t i = 0; i < n; i++)
            rest += !covered[i];
        if (st == DLA_OK && rest) { /* ops without a layer: cost them one by one into one catch-all row */
            perf_layer *L = &r->layers[r->n_layers++];
            snprintf(L->name, sizeof L->name, "(ops of task %u without a layer)", t);
            snprintf(L->precision, sizeof L->precision, "-");
            L->task = (int)t;
            for (uint32_t i = 0; i < n; i++) {
                if (covered[i])
                    continue;
                perf_layer one;
                memset(&one, 0, sizeof one);
                perf_layer_cost(hw, &o, ops, i, 1, &one);
                L->macs += one.macs;
                L->bytes += one.bytes;
                L->math_us += one.math_us;
                L->mem_us += one.mem_us;
                L->overhead_us += one.overhead_us;
                L->time_us += one.time_us;
                L->n_ops++;
                snprintf(L->engines, sizeof L->engines, "%s", one.engines);
            }
            L->bound = L->overhead_us > fmax(L->math_us, L->mem_us) ? PERF_BOUND_OVERHEAD :
                       L->mem_us > L->math_us ? PERF_BOUND_MEMORY : PERF_BOUND_MATH;
        }
        free(covered);
    }
    free(ops);
    if (st == DLA_OK) {
        r->hw = *hw;
        r->cores = o.cores;
        r->batch = o.batch > 0 ? o.batch : image_batch(&v);
        for (int i = 0; i < r->n_layers; i++) {
            r->layers_us += r->layers[i].time_us;
            r->dram_bytes += r->layers[i].bytes;
            r->macs += r->layers[i].macs;
        }
        r->task_us = r->n_dla_tasks * hw->v[PERF_P_TASK_US] + r->n_host_tasks * hw->v[PERF_P_HOST_TASK_US];
        r->single_core_us = r->batch * r->layers_us + r->task_us;
        /* cores running at once share the SoC's DRAM: an inference on one core cannot finish faster than the
         * DRAM moves every core's bytes */
        r->core_us = perf_cores_time(hw, r->single_core_us, r->batch * r->dram_bytes, o.cores, &r->dram_limited);
        r->latency_ms = r->core_us / 1000.0;
        r->images_per_s = r->core_us > 0 ? o.cores * r->batch * 1e6 / r->core_us : 0;
        *out = r;
    } else {
        perf_result_free(r);
    }
    ldb_view_free(&v);
    return st;
}
