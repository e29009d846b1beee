/* loadable: names of the format's enums, and the human text / JSON description that `dla inspect` prints:
 * build info, tasks (type, core, op counts per processor), fused layers with their names and precisions,
 * tensors (name, dims, type, format, size), memory per pool, I/O bindings, weight bytes. */
#include "loadable/loadable.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ------------------------------------------------------------------------------------------------ */

const char *ldb_dtype_name(uint32_t dtype)
{
    switch (dtype) {
    case LDB_DT_FLOAT: return "FLOAT";
    case LDB_DT_UINT8: return "UINT8";
    case LDB_DT_INT8: return "INT8";
    case LDB_DT_UINT16: return "UINT16";
    case LDB_DT_INT16: return "INT16";
    case LDB_DT_INT32: return "INT32";
    case LDB_DT_INT64: return "INT64";
    case LDB_DT_BOOL: return "BOOL";
    case LDB_DT_HALF: return "HALF";
    case LDB_DT_DOUBLE: return "DOUBLE";
    case LDB_DT_UINT32: return "UINT32";
    case LDB_DT_UINT64: return "UINT64";
    case LDB_DT_BFLOAT16: return "BFLOAT16";
    default: return "?";
    }
}

size_t ldb_dtype_size(uint32_t dtype)
{
    switch (dtype) {
    case LDB_DT_UINT8: case LDB_DT_INT8: case LDB_DT_BOOL: return 1;
    case LDB_DT_UINT16: case LDB_DT_INT16: case LDB_DT_HALF: case LDB_DT_BFLOAT16: return 2;
    case LDB_DT_FLOAT: case LDB_DT_INT32: case LDB_DT_UINT32: return 4;
    case LDB_DT_INT64: case LDB_DT_DOUBLE: case LDB_DT_UINT64: return 8;
    default: return 0;
    }
}

const char *ldb_format_name(uint32_t format)
{
    static const char *const names[LDB_FMT_COUNT] = {"NCHW", "DLA_LINEAR", "DLA_HWC4", "CHW16", "CHW32"};
    return format < LDB_FMT_COUNT ? names[format] : "?";
}

const char *ldb_unit_name(uint32_t unit)
{
    static const char *const names[LDB_UNIT_COUNT] = {"BDMA", "CONV", "SDP", "PDP", "CDP", "RUBIK"};
    return unit < LDB_UNIT_COUNT ? names[unit] : "?";
}

const char *ldb_pool_name(uint32_t pool)
{
    static const char *const names[LDB_POOL_COUNT] = {"globalDRAM", "localDRAM", "SRAM"};
    return pool < LDB_POOL_COUNT ? names[pool] : "?";
}

/* ---- a growable string ------------------------------------------------------------------------------------ */

/* A JSON string literal. */
static void sb_json_str(base_sb *b, const char *s)
{
    base_sb_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            base_sb_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7F)
            base_sb_printf(b, "\\u%04x", *p);
        else
            base_sb_printf(b, "%c", *p);
    }
    base_sb_printf(b, "\"");
}

static void sb_json_list(base_sb *b, const uint32_t *v, uint32_t n)
{
    base_sb_printf(b, "[");
    for (uint32_t i = 0; i < n; i++)
        base_sb_printf(b, "%s%u", i ? "," : "", v[i]);
    base_sb_printf(b, "]");
}

static void bytes_str(char *buf, size_t size, uint64_t n)
{
    if (n >= (1u << 30))
        snprintf(buf, size, "%.2f GiB", (double)n / (1u << 30));
    else if (n >= (1u << 20))
        snprintf(buf, size, "%.2f MiB", (double)n / (1u << 20));
    else if (n >= (1u << 10))
        snprintf(buf, size, "%.2f KiB", (double)n / (1u << 10));
    else
        snprintf(buf, size, "%llu B", (unsigned long long)n);
}

static void units_str(char *buf, size_t size, uint32_t units)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (uint32_t u = 0; u < LDB_UNIT_COUNT; u++)
        if (units & (1u << u))
            pos += (size_t)snprintf(buf + pos, pos < size ? size - pos : 0, "%s%s", pos ? "+" : "", ldb_unit_name(u));
    if (!pos)
        snprintf(buf, size, "-");
}

static void precision_str(char *buf, size_t size, uint32_t p)
{
    snprintf(buf, size, "%s%s%s%s%s", p & LDB_BUILD_INT8 ? "INT8 " : "", p & LDB_BUILD_FP16 ? "FP16 " : "",
             p & LDB_BUILD_GPU_FALLBACK ? "GPU-fallback " : "", p & LDB_BUILD_STANDALONE ? "standalone " : "",
             p & LDB_BUILD_SPARSITY ? "sparsity " : "");
    size_t n = strlen(buf);
    if (n)
        buf[n - 1] = '\0';
    else
        snprintf(buf, size, "FP32");
}

static void dims_str(char *buf, size_t size, const ldb_tensor *t)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int d = 0; d < t->rank; d++)
        pos += t->dims[d] < 0 ? (size_t)snprintf(buf + pos, pos < size ? size - pos : 0, "%s?", d ? "x" : "")
                              : (size_t)snprintf(buf + pos, pos < size ? size - pos : 0, "%s%lld", d ? "x" : "",
                                                 (long long)t->dims[d]);
    if (t->flags & LDB_TENSOR_DYNAMIC && pos < size)
        snprintf(buf + pos, size - pos, " (dynamic)");
    if (!t->rank)
        snprintf(buf, size, t->flags & LDB_TENSOR_DYNAMIC ? "? (dynamic)" : "scalar");
}

/* ---- text ------------------------------------------------------------------------------------------------- */

static void text_tasks(base_sb *b, const ldb_view *v)
{
    uint32_t n_dla = 0;
    for (uint32_t i = 0; i < v->n_tasks; i++)
        n_dla += v->tasks[i].type == LDB_TASK_DLA;
    base_sb_printf(b, "Tasks: %u (%u DLA, %u HOST), %u events\n", v->n_tasks, n_dla, v->n_tasks - n_dla, v->n_events);
    for (uint32_t i = 0; i < v->n_tasks; i++) {
        const ldb_task *t = &v->tasks[i];
        base_sb_printf(b, "  task %u '%s': %s", i, t->name, t->type == LDB_TASK_DLA ? "DLA" : "HOST");
        if (t->type == LDB_TASK_DLA) {
            if (t->core < 0)
                base_sb_printf(b, ", any core");
            else
                base_sb_printf(b, ", core %d", t->core);
            base_sb_printf(b, ", %u ops (", t->ops.count);
            int first = 1;
            for (uint32_t u = 0; u < LDB_UNIT_COUNT; u++)
                if (t->ops_per_unit[u]) {
                    base_sb_printf(b, "%s%s %u", first ? "" : ", ", ldb_unit_name(u), t->ops_per_unit[u]);
                    first = 0;
                }
            base_sb_printf(b, "%s), %u layers, %u surfaces, %u LUTs, %u addresses", first ? "none" : "", t->n_layers,
                      t->surfaces.count, t->luts.count, t->n_addresses);
        } else {
            base_sb_printf(b, ", subgraph %llu bytes", (unsigned long long)t->subgraph.size);
        }
        base_sb_printf(b, ", %u inputs, %u outputs", t->n_inputs, t->n_outputs);
        for (uint32_t k = 0; k < t->n_wait; k++)
            base_sb_printf(b, "%s%u", k ? "," : ", waits ", t->wait_events[k]);
        for (uint32_t k = 0; k < t->n_signal; k++)
            base_sb_printf(b, "%s%u", k ? "," : ", signals ", t->signal_events[k]);
        base_sb_printf(b, "\n");
    }
}

static void text_layers(base_sb *b, const ldb_view *v)
{
    for (uint32_t i = 0; i < v->n_tasks; i++) {
        const ldb_task *t = &v->tasks[i];
        if (t->type != LDB_TASK_DLA || !t->n_layers)
            continue;
        base_sb_printf(b, "Layers of task %u '%s' (%u):\n", i, t->name, t->n_layers);
        for (uint32_t k = 0; k < t->n_layers; k++) {
            const ldb_layer *l = &t->layers[k];
            char units[64];
            units_str(units, sizeof units, l->units);
            base_sb_printf(b, "  [%u] %s  %s  %s  %u op%s", k, l->name, *l->precision ? l->precision : "-", units,
                      l->op_count, l->op_count == 1 ? "" : "s");
            if (l->tensor != LDB_NONE)
                base_sb_printf(b, "  -> %s", v->tensors[l->tensor].name);
            base_sb_printf(b, "\n");
        }
    }
}

static void text_tensors(base_sb *b, const ldb_view *v)
{
    base_sb_printf(b, "Tensors: %u\n", v->n_tensors);
    for (uint32_t i = 0; i < v->n_tensors; i++) {
        const ldb_tensor *t = &v->tensors[i];
        char dims[160];
        dims_str(dims, sizeof dims, t);
        base_sb_printf(b, "  [%u] %s  %s  %s  %s  %llu bytes", i, t->name, dims, ldb_dtype_name(t->dtype),
                  ldb_format_name(t->format), (unsigned long long)t->size);
        if (t->flags & LDB_TENSOR_HAS_SCALE)
            base_sb_printf(b, "  scale %g", (double)t->scale);
        base_sb_printf(b, "\n");
    }
}

static void text_memory(base_sb *b, const ldb_view *v)
{
    uint32_t entries[LDB_POOL_COUNT] = {0};
    for (uint32_t i = 0; i < v->n_memory; i++)
        if (!(v->memory[i].flags & (LDB_MEM_INPUT | LDB_MEM_OUTPUT)))
            entries[v->memory[i].pool]++;
    base_sb_printf(b, "Memory: %u entries, %u inputs, %u outputs\n", v->n_memory, v->n_inputs, v->n_outputs);
    for (uint32_t p = 0; p < LDB_POOL_COUNT; p++) {
        char used[32], limit[32];
        bytes_str(used, sizeof used, v->pools.used[p]);
        bytes_str(limit, sizeof limit, v->pools.limit[p]);
        base_sb_printf(b, "  pool %-10s %u entries, %s used, limit %s\n", ldb_pool_name(p), entries[p], used,
                  v->pools.limit[p] ? limit : "default");
    }
    for (int out = 0; out < 2; out++) {
        uint32_t n = out ? v->n_outputs : v->n_inputs;
        for (uint32_t k = 0; k < n; k++) {
            const ldb_memory *m = &v->memory[ldb_view_binding(v, out, k)];
            base_sb_printf(b, "  %s %u: memory '%s', %llu bytes", out ? "output" : "input", k, m->name,
                      (unsigned long long)m->size);
            if (m->tensor != LDB_NONE)
                base_sb_printf(b, ", tensor '%s' (%s %s)", v->tensors[m->tensor].name,
                          ldb_dtype_name(v->tensors[m->tensor].dtype), ldb_format_name(v->tensors[m->tensor].format));
            base_sb_printf(b, "\n");
        }
    }
}

static void describe_text(base_sb *b, const ldb_view *v)
{
    char prec[96], weights[32];
    precision_str(prec, sizeof prec, v->build.precision);
    base_sb_printf(b, "Loadable: format %u.%u.%u, %llu bytes%s\n", v->major, v->minor, v->patch,
              (unsigned long long)v->total_size, v->flags & LDB_FLAG_STANDALONE ? ", standalone" : "");
    base_sb_printf(b, "Build: dlakit %s, platform %s, model '%s', precision %s\n",
              *v->build.dlakit_version ? v->build.dlakit_version : "?", *v->build.platform ? v->build.platform : "?",
              v->build.model, prec);
    if (*v->build.options)
        base_sb_printf(b, "  options: %s\n", v->build.options);
    text_tasks(b, v);
    text_layers(b, v);
    text_tensors(b, v);
    text_memory(b, v);
    uint32_t n_w = 0;
    for (uint32_t i = 0; i < v->n_blobs; i++)
        n_w += v->blobs[i].kind == LDB_BLOB_WEIGHTS;
    bytes_str(weights, sizeof weights, ldb_view_weight_bytes(v));
    base_sb_printf(b, "Weights: %llu bytes (%s) in %u blobs; %u blobs in all\n",
              (unsigned long long)ldb_view_weight_bytes(v), weights, n_w, v->n_blobs);
}

/* ---- JSON ------------------------------------------------------------------------------------------------- */

static void json_task(base_sb *b, const ldb_view *v, const ldb_task *t)
{
    base_sb_printf(b, "{\"id\":%u,\"name\":", t->id);
    sb_json_str(b, t->name);
    base_sb_printf(b, ",\"type\":\"%s\",\"core\":%d", t->type == LDB_TASK_DLA ? "DLA" : "HOST", t->core);
    base_sb_printf(b, ",\"addresses\":");
    sb_json_list(b, t->addresses, t->n_addresses);
    base_sb_printf(b, ",\"waitEvents\":");
    sb_json_list(b, t->wait_events, t->n_wait);
    base_sb_printf(b, ",\"signalEvents\":");
    sb_json_list(b, t->signal_events, t->n_signal);
    base_sb_printf(b, ",\"inputs\":");
    sb_json_list(b, t->inputs, t->n_inputs);
    base_sb_printf(b, ",\"outputs\":");
    sb_json_list(b, t->outputs, t->n_outputs);
    if (t->type == LDB_TASK_HOST) {
        base_sb_printf(b, ",\"subgraphBytes\":%llu}", (unsigned long long)t->subgraph.size);
        return;
    }
    base_sb_printf(b, ",\"ops\":%u,\"opRecordBytes\":%u,\"surfaces\":%u,\"luts\":%u,\"opsByProcessor\":{", t->ops.count,
              t->ops.record_size, t->surfaces.count, t->luts.count);
    for (uint32_t u = 0; u < LDB_UNIT_COUNT; u++)
        base_sb_printf(b, "%s\"%s\":%u", u ? "," : "", ldb_unit_name(u), t->ops_per_unit[u]);
    base_sb_printf(b, "},\"layers\":[");
    for (uint32_t k = 0; k < t->n_layers; k++) {
        const ldb_layer *l = &t->layers[k];
        base_sb_printf(b, "%s{\"name\":", k ? "," : "");
        sb_json_str(b, l->name);
        base_sb_printf(b, ",\"precision\":");
        sb_json_str(b, l->precision);
        base_sb_printf(b, ",\"processors\":[");
        int first = 1;
        for (uint32_t u = 0; u < LDB_UNIT_COUNT; u++)
            if (l->units & (1u << u)) {
                base_sb_printf(b, "%s\"%s\"", first ? "" : ",", ldb_unit_name(u));
                first = 0;
            }
        base_sb_printf(b, "],\"firstOp\":%u,\"ops\":%u,\"output\":", l->first_op, l->op_count);
        if (l->tensor == LDB_NONE)
            base_sb_printf(b, "null");
        else
            sb_json_str(b, v->tensors[l->tensor].name);
        base_sb_printf(b, "}");
    }
    base_sb_printf(b, "]}");
}

static void json_tensor(base_sb *b, const ldb_tensor *t)
{
    base_sb_printf(b, "{\"id\":%u,\"name\":", t->id);
    sb_json_str(b, t->name);
    base_sb_printf(b, ",\"dims\":[");
    for (int d = 0; d < t->rank; d++)
        base_sb_printf(b, "%s%lld", d ? "," : "", (long long)t->dims[d]);
    base_sb_printf(b, "],\"nchw\":[%u,%u,%u,%u],\"strides\":[", t->n, t->c, t->h, t->w);
    for (int d = 0; d < t->rank; d++)
        base_sb_printf(b, "%s%llu", d ? "," : "", (unsigned long long)t->strides[d]);
    base_sb_printf(b, "],\"type\":\"%s\",\"format\":\"%s\",\"size\":%llu", ldb_dtype_name(t->dtype),
              ldb_format_name(t->format), (unsigned long long)t->size);
    if (t->flags & LDB_TENSOR_HAS_SCALE)
        base_sb_printf(b, ",\"scale\":%.9g", (double)t->scale);
    if (t->flags & LDB_TENSOR_DYNAMIC)
        base_sb_printf(b, ",\"dynamic\":true");
    if (t->mem != LDB_NONE)
        base_sb_printf(b, ",\"memory\":%u,\"offset\":%llu", t->mem, (unsigned long long)t->offset);
    base_sb_printf(b, "}");
}

static void json_memory(base_sb *b, const ldb_memory *m)
{
    static const char *const flag_names[4] = {"ALLOC", "SET", "INPUT", "OUTPUT"};
    base_sb_printf(b, "{\"id\":%u,\"name\":", m->id);
    sb_json_str(b, m->name);
    base_sb_printf(b, ",\"domain\":\"%s\",\"pool\":\"%s\",\"flags\":[", m->domain == LDB_DOMAIN_SRAM ? "SRAM" : "DRAM",
              ldb_pool_name(m->pool));
    int first = 1;
    for (int f = 0; f < 4; f++)
        if (m->flags & (1 << f)) {
            base_sb_printf(b, "%s\"%s\"", first ? "" : ",", flag_names[f]);
            first = 0;
        }
    base_sb_printf(b, "],\"size\":%llu,\"alignment\":%u", (unsigned long long)m->size, m->alignment);
    if (m->bind_id != LDB_NONE)
        base_sb_printf(b, ",\"bindId\":%u", m->bind_id);
    if (m->tensor != LDB_NONE)
        base_sb_printf(b, ",\"tensor\":%u", m->tensor);
    if (m->blob != LDB_NONE)
        base_sb_printf(b, ",\"blob\":%u,\"contentOffset\":%llu", m->blob, (unsigned long long)m->content_offset);
    base_sb_printf(b, "}");
}

static void describe_json(base_sb *b, const ldb_view *v)
{
    base_sb_printf(b, "{\"format\":\"%u.%u.%u\",\"size\":%llu,\"standalone\":%s,\"build\":{\"dlakitVersion\":", v->major,
              v->minor, v->patch, (unsigned long long)v->total_size,
              v->flags & LDB_FLAG_STANDALONE ? "true" : "false");
    sb_json_str(b, v->build.dlakit_version);
    base_sb_printf(b, ",\"platform\":");
    sb_json_str(b, v->build.platform);
    base_sb_printf(b, ",\"model\":");
    sb_json_str(b, v->build.model);
    base_sb_printf(b, ",\"options\":");
    sb_json_str(b, v->build.options);
    char prec[96];
    precision_str(prec, sizeof prec, v->build.precision);
    base_sb_printf(b, ",\"precision\":");
    sb_json_str(b, prec);
    base_sb_printf(b, "},\"pools\":{");
    for (uint32_t p = 0; p < LDB_POOL_COUNT; p++)
        base_sb_printf(b, "%s\"%s\":{\"limit\":%llu,\"used\":%llu}", p ? "," : "", ldb_pool_name(p),
                  (unsigned long long)v->pools.limit[p], (unsigned long long)v->pools.used[p]);
    base_sb_printf(b, "},\"weightBytes\":%llu,\"blobs\":%u,\"events\":%u,\"tasks\":[",
              (unsigned long long)ldb_view_weight_bytes(v), v->n_blobs, v->n_events);
    for (uint32_t i = 0; i < v->n_tasks; i++) {
        base_sb_printf(b, "%s", i ? "," : "");
        json_task(b, v, &v->tasks[i]);
    }
    base_sb_printf(b, "],\"tensors\":[");
    for (uint32_t i = 0; i < v->n_tensors; i++) {
        base_sb_printf(b, "%s", i ? "," : "");
        json_tensor(b, &v->tensors[i]);
    }
    base_sb_printf(b, "],\"memory\":[");
    for (uint32_t i = 0; i < v->n_memory; i++) {
        base_sb_printf(b, "%s", i ? "," : "");
        json_memory(b, &v->memory[i]);
    }
    base_sb_printf(b, "],\"addresses\":%u}\n", v->n_addresses);
}

dla_status ldb_describe(const ldb_view *v, int json, char **out)
{
    base_sb b = {0};
    if (json)
        describe_json(&b, v);
    else
        describe_text(&b, v);
    if (b.oom || !b.s) {
        free(b.s);
        *out = NULL;
        return base_error(DLA_ERR_NOMEM, "loadable: out of memory for the description");
    }
    *out = b.s;
    return DLA_OK;
}
