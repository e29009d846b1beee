/* Public performance-model API (dla/perf.h) over src/perf. */
#include "api_internal.h"
#include "calib_internal.h"
#include "dla/perf.h"
#include "perf/perf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dla_perf_report {
    perf_result *r;
};

static dla_status predict_bytes(const void *bytes, size_t size, const dla_perf_options *o, dla_perf_report **out)
{
    dla_perf_options d;
    memset(&d, 0, sizeof d);
    if (!o)
        o = &d;
    perf_hw hw;
    BASE_TRY(perf_hw_get(o->platform, o->power_mode, &hw));
    if (o->params && *o->params)
        BASE_TRY(perf_hw_override(&hw, o->params));
    if ((int)o->sparsity < 0 || o->sparsity > DLA_PERF_SPARSITY_FORCE)
        return base_error(DLA_ERR_INVALID_ARG, "sparsity %d: expected 0 (disable), 1 (enable) or 2 (force)",
                          (int)o->sparsity);
    perf_options po = {.cores = o->cores, .batch = o->batch, .sparsity = (perf_sparsity)o->sparsity};
    perf_result *r;
    BASE_TRY(perf_predict(bytes, size, &hw, &po, &r));
    dla_perf_report *rep = calloc(1, sizeof *rep);
    if (!rep) {
        perf_result_free(r);
        return base_error(DLA_ERR_NOMEM, "performance report: out of memory");
    }
    rep->r = r;
    *out = rep;
    return DLA_OK;
}

dla_status dla_perf_predict(const void *loadable, size_t size, const dla_perf_options *o, dla_perf_report **out)
{
    if (!out)
        return base_error(DLA_ERR_INVALID_ARG, "dla_perf_predict: out is NULL");
    *out = NULL;
    if (!loadable)
        return base_error(DLA_ERR_INVALID_ARG, "dla_perf_predict: loadable is NULL");
    base_clear_error();
    return predict_bytes(loadable, size, o, out);
}

/* Timing-only INT8 scales: every activation tensor of the (rewritten) graph gets the same scale. The engine ops
 * the lowering emits do not depend on the values, so neither does the predicted time. */
static dla_status timing_scales(dla_model *m, dla_calib **out)
{
    ir_graph *g = api_model_graph(m);
    cc_scale_table *t;
    BASE_TRY(cc_scale_table_create(&t));
    dla_status st = DLA_OK;
    for (int i = 0; st == DLA_OK && i < g->n_tensors; i++) {
        const ir_tensor *x = g->tensors[i];
        if (x && x->name && !x->data && (x->dtype == IR_F32 || x->dtype == IR_F16 || x->dtype == IR_F64))
            st = cc_scale_table_add(t, x->name, 0.05f, 0.05f * 127);
    }
    if (st != DLA_OK) {
        cc_scale_table_free(t);
        return st;
    }
    return api_calib_wrap(t, out);
}

dla_status dla_perf_build_model(dla_model *m, const dla_build_options *bo, const char *platform, void **bytes,
                                size_t *size)
{
    if (!bytes || !size || !m)
        return base_error(DLA_ERR_INVALID_ARG, "dla_perf_build_model: NULL argument");
    *bytes = NULL;
    *size = 0;
    base_clear_error();
    dla_build_options b;
    memset(&b, 0, sizeof b);
    if (bo)
        b = *bo;
    b.platform = platform && strcmp(platform, "xavier") == 0 ? DLA_PLATFORM_XAVIER : DLA_PLATFORM_ORIN;
    dla_calib *c = NULL;
    dla_status st = DLA_OK;
    if (b.int8 && !b.calib && !(b.calib_cache && *b.calib_cache) && !(b.calib_data && *b.calib_data)) {
        dla_placement *p = NULL;
        st = dla_model_place(m, &b, &p); /* rewrites the graph: the scales name the tensors the build sees */
        dla_placement_destroy(p);
        if (st == DLA_OK)
            st = timing_scales(m, &c);
        b.calib = c;
        b.calib_random = 0;
    }
    if (st == DLA_OK)
        st = dla_builder_build(m, &b, bytes, size);
    dla_calib_destroy(c);
    return st;
}

dla_status dla_perf_predict_model(dla_model *m, const dla_build_options *bo, const dla_perf_options *o,
                                  dla_perf_report **out)
{
    if (!out || !m)
        return base_error(DLA_ERR_INVALID_ARG, "dla_perf_predict_model: NULL argument");
    *out = NULL;
    base_clear_error();
    perf_hw probe; /* a wrong platform / mode fails before the (slow) build */
    BASE_TRY(perf_hw_get(o ? o->platform : NULL, o ? o->power_mode : NULL, &probe));
    void *bytes = NULL;
    size_t size = 0;
    dla_status st = dla_perf_build_model(m, bo, o ? o->platform : NULL, &bytes, &size);
    if (st == DLA_OK)
        st = predict_bytes(bytes, size, o, out);
    free(bytes);
    return st;
}

void dla_perf_report_destroy(dla_perf_report *r)
{
    if (!r)
        return;
    perf_result_free(r->r);
    free(r);
}

int dla_perf_num_layers(const dla_perf_report *r) { return r ? r->r->n_layers : 0; }

dla_status dla_perf_get_layer(const dla_perf_report *r, int i, dla_perf_layer *out)
{
    if (!r || !out || i < 0 || i >= r->r->n_layers)
        return base_error(DLA_ERR_INVALID_ARG, "perf layer %d out of range (%d layers)", i, r ? r->r->n_layers : 0);
    const perf_layer *L = &r->r->layers[i];
    *out = (dla_perf_layer){.name = L->name, .engines = L->engines, .precision = L->precision,
                            .bound = perf_bound_name(L->bound), .macs = L->macs, .bytes = L->bytes,
                            .math_us = L->math_us, .mem_us = L->mem_us, .overhead_us = L->overhead_us,
                            .time_us = L->time_us, .sparse_convs = L->sparse_convs};
    return DLA_OK;
}

void dla_perf_get_summary(const dla_perf_report *r, dla_perf_summary *out)
{
    memset(out, 0, sizeof *out);
    if (!r)
        return;
    const perf_result *p = r->r;
    out->platform = p->hw.platform;
    out->power_mode = p->hw.mode;
    out->cores = p->cores;
    out->batch = p->batch;
    out->n_layers = p->n_layers;
    out->n_dla_tasks = p->n_dla_tasks;
    out->n_host_tasks = p->n_host_tasks;
    out->macs = p->macs;
    out->dram_bytes = p->dram_bytes;
    out->single_core_ms = p->single_core_us / 1000.0;
    out->latency_ms = p->latency_ms;
    out->images_per_s = p->images_per_s;
    out->dram_limited = p->dram_limited;
    out->clock_mhz = p->hw.v[PERF_P_CLK_MHZ];
    out->dram_gbs = p->hw.v[PERF_P_DRAM_GBS];
}

/* ---- formatting ---------------------------------------------------------------------------------------- */

static void sb_json_str(base_sb *b, const char *s)
{
    base_sb_printf(b, "\"");
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            base_sb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            base_sb_printf(b, "\\u%04x", ch);
        else
            base_sb_printf(b, "%c", ch);
    }
    base_sb_printf(b, "\"");
}

static void format_json(const perf_result *p, base_sb *b)
{
    base_sb_printf(b, "{\n  \"platform\": \"%s\", \"power_mode\": \"%s\", \"cores\": %d, \"batch\": %d,\n", p->hw.platform,
              p->hw.mode, p->cores, p->batch);
    base_sb_printf(b, "  \"dla_tasks\": %d, \"host_tasks\": %d, \"layers\": %d, \"macs_per_image\": %lld,\n",
              p->n_dla_tasks, p->n_host_tasks, p->n_layers, (long long)p->macs);
    base_sb_printf(b, "  \"dram_bytes_per_image\": %.0f, \"single_core_ms\": %.6f, \"latency_ms\": %.6f, "
                 "\"images_per_s\": %.4f, \"dram_limited\": %s,\n",
              p->dram_bytes, p->single_core_us / 1000.0, p->latency_ms, p->images_per_s,
              p->dram_limited ? "true" : "false");
    base_sb_printf(b, "  \"parameters\": {");
    for (int i = 0; i < PERF_P_COUNT; i++) {
        base_sb_printf(b, "%s\n    \"%s\": {\"value\": %.6g, \"source\": \"%s\", \"cite\": ", i ? "," : "",
                  perf_param_name(i), p->hw.v[i], perf_src_name(p->hw.src[i]));
        sb_json_str(b, p->hw.cite[i] ? p->hw.cite[i] : "");
        base_sb_printf(b, "}");
    }
    base_sb_printf(b, "\n  },\n  \"per_layer\": [");
    for (int i = 0; i < p->n_layers; i++) {
        const perf_layer *L = &p->layers[i];
        base_sb_printf(b, "%s\n    {\"name\": ", i ? "," : "");
        sb_json_str(b, L->name);
        base_sb_printf(b, ", \"engines\": \"%s\", \"precision\": \"%s\", \"task\": %d, \"ops\": %d, \"macs\": %lld, "
                     "\"bytes\": %.0f, \"math_us\": %.4f, \"mem_us\": %.4f, \"overhead_us\": %.4f, "
                     "\"time_us\": %.4f, \"bound\": \"%s\", \"sparse_convs\": %d}",
                  L->engines, L->precision, L->task, L->n_ops, (long long)L->macs, L->bytes, L->math_us, L->mem_us,
                  L->overhead_us, L->time_us, perf_bound_name(L->bound), L->sparse_convs);
    }
    base_sb_printf(b, "\n  ]\n}\n");
}

static void format_text(const perf_result *p, base_sb *b)
{
    base_sb_printf(b, "Performance model: %s %s (DLA %.1f MHz, DRAM %.1f GB/s), %d core%s, batch %d\n",
              p->hw.platform, p->hw.mode, p->hw.v[PERF_P_CLK_MHZ], p->hw.v[PERF_P_DRAM_GBS], p->cores,
              p->cores == 1 ? "" : "s", p->batch);
    base_sb_printf(b, "%-4s %-48s %-14s %-5s %12s %12s %-8s %10s\n", "#", "layer", "engines", "prec", "MACs", "bytes",
              "bound", "time_us");
    for (int i = 0; i < p->n_layers; i++) {
        const perf_layer *L = &p->layers[i];
        char name[49];
        size_t len = strlen(L->name);
        if (len > 48)
            snprintf(name, sizeof name, "%.45s...", L->name);
        else
            snprintf(name, sizeof name, "%s", L->name);
        base_sb_printf(b, "%-4d %-48s %-14s %-5s %12lld %12.0f %-8s %10.2f%s\n", i, name, L->engines, L->precision,
                  (long long)L->macs, L->bytes, perf_bound_name(L->bound), L->time_us,
                  L->sparse_convs ? " sparse" : "");
    }
    int nb[3] = {0, 0, 0};
    double tb[3] = {0, 0, 0};
    for (int i = 0; i < p->n_layers; i++) {
        nb[p->layers[i].bound]++;
        tb[p->layers[i].bound] += p->layers[i].time_us;
    }
    base_sb_printf(b, "Layers: %d (math-bound %d: %.1f us, memory-bound %d: %.1f us, overhead-bound %d: %.1f us per "
                 "image); DLA tasks %d, host tasks %d\n",
              p->n_layers, nb[0], tb[0], nb[1], tb[1], nb[2], tb[2], p->n_dla_tasks, p->n_host_tasks);
    base_sb_printf(b, "MACs per image: %.3f G; DRAM traffic per image: %.2f MB\n", p->macs / 1e9, p->dram_bytes / 1e6);
    base_sb_printf(b, "Latency: %.3f ms per inference of %d image%s on one core%s%s\n", p->latency_ms, p->batch,
              p->batch == 1 ? "" : "s", p->cores > 1 ? " (while every core runs: DRAM shared)" : "",
              p->dram_limited ? " [DRAM-limited]" : "");
    base_sb_printf(b, "Throughput: %.1f images/s on %d core%s\n", p->images_per_s, p->cores, p->cores == 1 ? "" : "s");
}

dla_status dla_perf_format(const dla_perf_report *r, int json, char **text)
{
    if (!r || !text)
        return base_error(DLA_ERR_INVALID_ARG, "dla_perf_format: NULL argument");
    base_sb b = {0};
    if (json)
        format_json(r->r, &b);
    else
        format_text(r->r, &b);
    if (b.oom || !b.s) {
        free(b.s);
        return base_error(DLA_ERR_NOMEM, "performance report: out of memory");
    }
    *text = b.s;
    return DLA_OK;
}
