/* runtime modules: load (validate every record the loadable layer leaves opaque, allocate and fill memory,
 * prepare the tasks), bindings and tensor descriptors, run, unload. */
#include "runtime/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *task_kind(const ldb_task *t) { return t->type == LDB_TASK_DLA ? "DLA" : "HOST"; }

uint8_t *rt_tensor_data(const dla_module *mod, uint32_t t)
{
    const ldb_tensor *d = &mod->view.tensors[t];
    if (d->flags & LDB_TENSOR_DYNAMIC)
        return mod->dyn[t].data;
    if (d->mem == LDB_NONE)
        return mod->tensor_ptr[t];
    uint8_t *base = mod->mem_ptr[d->mem];
    return base ? base + d->offset : NULL;
}

void rt_tensor_desc(const ldb_tensor *t, dla_tensor_desc *out)
{
    memset(out, 0, sizeof *out);
    out->name = t->name;
    out->size = t->size;
    out->n = t->n;
    out->c = t->c;
    out->h = t->h;
    out->w = t->w;
    out->format = (dla_format)t->format;
    out->dtype = (dla_dtype)t->dtype;
    out->rank = t->rank;
    for (int d = 0; d < t->rank && d < DLA_MAX_RANK; d++) {
        out->dims[d] = t->dims[d];
        out->strides[d] = t->strides[d];
    }
    out->scale = (t->flags & LDB_TENSOR_HAS_SCALE) ? t->scale : 0.0f;
    out->dynamic = (t->flags & LDB_TENSOR_DYNAMIC) != 0;
}

/* ---- memory ------------------------------------------------------------------------------------------------ */

static dla_status alloc_memory(dla_module *mod)
{
    const ldb_view *v = &mod->view;
    for (uint32_t i = 0; i < v->n_memory; i++) {
        const ldb_memory *m = &v->memory[i];
        if (m->flags & (LDB_MEM_INPUT | LDB_MEM_OUTPUT))
            continue; /* bound to user memory at each run */
        size_t align = m->alignment < sizeof(void *) ? sizeof(void *) : m->alignment;
        void *p = NULL;
        if (m->size > SIZE_MAX / 2 || posix_memalign(&p, align, (size_t)m->size) != 0 || !p)
            return base_error(DLA_ERR_NOMEM, "module '%s': cannot allocate memory entry %u '%s' (%llu bytes, %s pool)",
                              mod->name, i, m->name, (unsigned long long)m->size, ldb_pool_name(m->pool));
        memset(p, 0, (size_t)m->size);
        if ((m->flags & LDB_MEM_SET) && m->blob != LDB_NONE) {
            const ldb_blob *b = &v->blobs[m->blob];
            memcpy((uint8_t *)p + m->content_offset, b->data, (size_t)b->size);
        }
        mod->mem_ptr[i] = p;
    }
    return DLA_OK;
}

/* The descriptor of binding `bind` (input or output): its memory entry's tensor, else a tensor living in that
 * entry, else a byte-array description of the entry. */
static dla_status binding_desc(dla_module *mod, int output, uint32_t bind, uint32_t *mem_out, dla_tensor_desc *d,
                               uint32_t *tensor_out)
{
    const ldb_view *v = &mod->view;
    uint32_t m = ldb_view_binding(v, output, bind);
    if (m == LDB_NONE)
        return base_error(DLA_ERR_FORMAT, "module '%s': no memory entry is bound to %s %u", mod->name,
                          output ? "output" : "input", bind);
    *mem_out = m;
    uint32_t t = v->memory[m].tensor;
    for (uint32_t i = 0; t == LDB_NONE && i < v->n_tensors; i++)
        if (v->tensors[i].mem == m)
            t = i;
    if (t == LDB_NONE) {
        memset(d, 0, sizeof *d);
        d->name = v->memory[m].name;
        d->n = d->c = d->h = 1;
        d->w = v->memory[m].size;
        d->format = DLA_FORMAT_NCHW;
        d->dtype = DLA_UINT8;
        d->rank = 1;
        d->dims[0] = (int64_t)v->memory[m].size;
        d->strides[0] = 1;
    } else {
        if (v->tensors[t].mem != m || v->tensors[t].offset != 0)
            return base_error(DLA_ERR_UNSUPPORTED, "module '%s': %s %u: tensor '%s' must start the bound memory entry "
                              "%u (it is in entry %u at offset %llu)", mod->name, output ? "output" : "input", bind,
                              v->tensors[t].name, m, v->tensors[t].mem, (unsigned long long)v->tensors[t].offset);
        rt_tensor_desc(&v->tensors[t], d);
    }
    d->size = v->memory[m].size; /* what the user registers: the whole entry */
    if (tensor_out)
        *tensor_out = t;
    return DLA_OK;
}

static dla_status prepare_bindings(dla_module *mod)
{
    const ldb_view *v = &mod->view;
    mod->n_in = v->n_inputs;
    mod->n_out = v->n_outputs;
    mod->in_mem = calloc((size_t)v->n_inputs + 1, sizeof(uint32_t));
    mod->out_mem = calloc((size_t)v->n_outputs + 1, sizeof(uint32_t));
    mod->in_desc = calloc((size_t)v->n_inputs + 1, sizeof(dla_tensor_desc));
    mod->out_desc = calloc((size_t)v->n_outputs + 1, sizeof(dla_tensor_desc));
    mod->out_tensor = calloc((size_t)v->n_outputs + 1, sizeof(uint32_t));
    if (!mod->in_mem || !mod->out_mem || !mod->in_desc || !mod->out_desc || !mod->out_tensor)
        return base_error(DLA_ERR_NOMEM, "module '%s': out of memory", mod->name);
    for (uint32_t b = 0; b < v->n_inputs; b++)
        BASE_TRY(binding_desc(mod, 0, b, &mod->in_mem[b], &mod->in_desc[b], NULL));
    for (uint32_t b = 0; b < v->n_outputs; b++)
        BASE_TRY(binding_desc(mod, 1, b, &mod->out_mem[b], &mod->out_desc[b], &mod->out_tensor[b]));
    return DLA_OK;
}

/* ---- DLA tasks --------------------------------------------------------------------------------------------- */

/* Images per run and the per-image stride of each activation address (see rt_dla_task). */
static dla_status plan_batch(const dla_module *mod, const ldb_task *t, rt_dla_task *dt, const char *what)
{
    const ldb_view *v = &mod->view;
    dt->batch = 1;
    for (int pass = 0; pass < 2; pass++) {
        const uint32_t *ids = pass ? t->outputs : t->inputs;
        uint32_t n = pass ? t->n_outputs : t->n_inputs;
        for (uint32_t k = 0; k < n; k++)
            if (v->tensors[ids[k]].n > dt->batch)
                dt->batch = v->tensors[ids[k]].n;
    }
    for (uint32_t i = 0; i < t->n_addresses; i++) {
        const ldb_address *a = &v->addresses[t->addresses[i]];
        if (v->memory[a->mem].flags & LDB_MEM_SET)
            continue; /* constants: the same bytes for every image */
        if (a->size % dt->batch)
            return base_error(DLA_ERR_FORMAT, "%s: activation address %u (list entry %u) has %llu bytes, not a "
                              "multiple of the task's %u images", what, t->addresses[i], i,
                              (unsigned long long)a->size, dt->batch);
        dt->stride[i] = a->size / dt->batch;
    }
    return DLA_OK;
}

static dla_status prepare_dla(dla_module *mod, uint32_t ti, rt_dla_task *dt)
{
    const ldb_task *t = &mod->view.tasks[ti];
    char what[160];
    snprintf(what, sizeof what, "module '%s' task %u '%s'", mod->name, ti, t->name);
    dt->task = ti;
    if (t->ops.count && t->ops.record_size != ENG_OP_RECORD_BYTES)
        return base_error(DLA_ERR_FORMAT, "%s: op records are %u bytes; this engine's are %d", what,
                          t->ops.record_size, ENG_OP_RECORD_BYTES);
    if (t->luts.count && t->luts.record_size != ENG_LUT_RECORD_BYTES)
        return base_error(DLA_ERR_FORMAT, "%s: LUT records are %u bytes; this engine's are %d", what,
                          t->luts.record_size, ENG_LUT_RECORD_BYTES);
    if (t->ops.count > 32767 || t->luts.count > 32767 || t->n_addresses > 32767)
        return base_error(DLA_ERR_FORMAT, "%s: %u ops, %u LUTs, %u addresses; the engine indexes at most 32767 of "
                          "each", what, t->ops.count, t->luts.count, t->n_addresses);
    dt->n_ops = (int)t->ops.count;
    dt->n_luts = (int)t->luts.count;
    dt->ops = calloc((size_t)dt->n_ops + 1, sizeof *dt->ops);
    dt->luts = calloc((size_t)dt->n_luts + 1, sizeof *dt->luts);
    dt->order = calloc((size_t)dt->n_ops + 1, sizeof *dt->order);
    dt->op_ms = calloc((size_t)dt->n_ops + 1, sizeof *dt->op_ms);
    dt->op_start_ms = calloc((size_t)dt->n_ops + 1, sizeof *dt->op_start_ms);
    eng_buffer *bufs = calloc((size_t)t->n_addresses + 1, sizeof *bufs);
    if (!dt->ops || !dt->luts || !dt->order || !dt->op_ms || !dt->op_start_ms || !bufs) {
        free(bufs);
        return base_error(DLA_ERR_NOMEM, "%s: out of memory", what);
    }
    dt->stride = calloc((size_t)t->n_addresses + 1, sizeof *dt->stride);
    if (!dt->stride) {
        free(bufs);
        return base_error(DLA_ERR_NOMEM, "%s: out of memory", what);
    }
    dla_status st = plan_batch(mod, t, dt, what);
    for (uint32_t i = 0; st == DLA_OK && i < t->n_addresses; i++) {
        const ldb_address *a = &mod->view.addresses[t->addresses[i]];
        bufs[i].size = (size_t)(dt->stride[i] ? dt->stride[i] : a->size); /* image 0's view */
    }
    eng_codec_limits lim = {dt->n_ops, dt->n_luts, (int)t->n_addresses};
    uint32_t per_unit[ENG_OP_TYPE_COUNT] = {0};
    for (int i = 0; st == DLA_OK && i < dt->n_luts; i++) {
        st = eng_lut_decode((const uint8_t *)t->luts.data + (size_t)i * ENG_LUT_RECORD_BYTES, ENG_LUT_RECORD_BYTES,
                            i, &dt->luts[i]);
        if (st != DLA_OK)
            st = rt_wrap(st, "%s", what);
    }
    for (int i = 0; st == DLA_OK && i < dt->n_ops; i++) {
        st = eng_op_decode((const uint8_t *)t->ops.data + (size_t)i * ENG_OP_RECORD_BYTES, ENG_OP_RECORD_BYTES, i,
                           &lim, &dt->ops[i]);
        if (st != DLA_OK) {
            st = rt_wrap(st, "%s", what);
            break;
        }
        st = rt_check_op(&dt->ops[i], bufs, (int)t->n_addresses, dt->n_luts, what);
        per_unit[dt->ops[i].type]++;
    }
    free(bufs);
    BASE_TRY(st);
    for (int u = 0; u < ENG_OP_TYPE_COUNT; u++)
        if (per_unit[u] != t->ops_per_unit[u])
            return base_error(DLA_ERR_FORMAT, "%s: the task counts %u ops of processor %s; its records hold %u", what,
                              t->ops_per_unit[u], ldb_unit_name((uint32_t)u), per_unit[u]);
    return rt_schedule(dt->ops, dt->n_ops, what, dt->order);
}

static void release_dla(rt_dla_task *dt)
{
    free(dt->ops);
    free(dt->luts);
    free(dt->order);
    free(dt->op_ms);
    free(dt->op_start_ms);
    free(dt->stride);
    free(dt->pipe.i32);
    free(dt->pipe.f32);
    memset(dt, 0, sizeof *dt);
}

/* Buffers for host-side tensors (mem NONE) that HOST tasks read or write. */
static dla_status host_tensor_buffers(dla_module *mod, const ldb_task *t)
{
    for (int pass = 0; pass < 2; pass++) {
        const uint32_t *ids = pass ? t->outputs : t->inputs;
        uint32_t n = pass ? t->n_outputs : t->n_inputs;
        for (uint32_t k = 0; k < n; k++) {
            const ldb_tensor *d = &mod->view.tensors[ids[k]];
            if (d->mem != LDB_NONE || mod->tensor_ptr[ids[k]] || (d->flags & LDB_TENSOR_DYNAMIC))
                continue;
            if (d->size > SIZE_MAX / 2 || !(mod->tensor_ptr[ids[k]] = calloc(1, (size_t)d->size + 1)))
                return base_error(DLA_ERR_NOMEM, "module '%s': cannot allocate host tensor '%s' (%llu bytes)",
                                  mod->name, d->name, (unsigned long long)d->size);
        }
    }
    return DLA_OK;
}

/* ---- load / free ------------------------------------------------------------------------------------------- */

void rt_module_free(dla_module *mod)
{
    if (!mod)
        return;
    const ldb_view *v = &mod->view;
    if (mod->dla)
        for (uint32_t i = 0; i < v->n_tasks; i++)
            release_dla(&mod->dla[i]);
    if (mod->host)
        for (uint32_t i = 0; i < v->n_tasks; i++)
            rt_host_release(&mod->host[i]);
    if (mod->mem_ptr)
        for (uint32_t i = 0; i < v->n_memory; i++)
            if (!(v->memory[i].flags & (LDB_MEM_INPUT | LDB_MEM_OUTPUT)))
                free(mod->mem_ptr[i]);
    if (mod->tensor_ptr)
        for (uint32_t i = 0; i < v->n_tensors; i++)
            free(mod->tensor_ptr[i]);
    if (mod->dyn)
        for (uint32_t i = 0; i < v->n_tensors; i++)
            free(mod->dyn[i].data);
    free(mod->dyn);
    free(mod->out_tensor);
    rt_stats_release(mod);
    pthread_mutex_destroy(&mod->stats_mu);
    free(mod->dla);
    free(mod->host);
    free(mod->mem_ptr);
    free(mod->tensor_ptr);
    free(mod->in_mem);
    free(mod->out_mem);
    free(mod->in_desc);
    free(mod->out_desc);
    ldb_view_free(&mod->view);
    free(mod->bytes);
    free(mod);
}

static dla_status prepare(dla_device *dev, dla_module *mod)
{
    const ldb_view *v = &mod->view;
    mod->mem_ptr = calloc((size_t)v->n_memory + 1, sizeof *mod->mem_ptr);
    mod->tensor_ptr = calloc((size_t)v->n_tensors + 1, sizeof *mod->tensor_ptr);
    mod->dyn = calloc((size_t)v->n_tensors + 1, sizeof *mod->dyn);
    mod->dla = calloc((size_t)v->n_tasks + 1, sizeof *mod->dla);
    mod->host = calloc((size_t)v->n_tasks + 1, sizeof *mod->host);
    if (!mod->mem_ptr || !mod->tensor_ptr || !mod->dyn || !mod->dla || !mod->host)
        return base_error(DLA_ERR_NOMEM, "module '%s': out of memory", mod->name);
    for (uint32_t i = 0; i < v->n_tasks; i++) {
        const ldb_task *t = &v->tasks[i];
        if (t->type != LDB_TASK_HOST)
            continue;
        if (dev->flags == DLA_MODE_STANDALONE)
            return base_error(DLA_ERR_UNSUPPORTED, "module '%s': task %u '%s' is a HOST task (GPU fallback); a "
                              "STANDALONE device runs DLA tasks only (build with --buildDLAStandalone)", mod->name,
                              i, t->name);
        if (!dev->deserialize)
            return base_error(DLA_ERR_UNSUPPORTED, "module '%s': task %u '%s' is a HOST task and this device has no "
                              "subgraph deserializer", mod->name, i, t->name);
    }
    BASE_TRY(prepare_bindings(mod));
    for (uint32_t i = 0; i < v->n_tasks; i++) {
        const ldb_task *t = &v->tasks[i];
        if (t->type == LDB_TASK_DLA) {
            BASE_TRY(prepare_dla(mod, i, &mod->dla[i]));
        } else {
            BASE_TRY(host_tensor_buffers(mod, t));
            BASE_TRY(rt_host_prepare(mod, i, &mod->host[i]));
        }
    }
    BASE_TRY(alloc_memory(mod));
    return rt_stats_init(mod);
}

dla_status rt_module_load(dla_device *dev, const void *bytes, size_t size, dla_module **out)
{
    *out = NULL;
    if (!bytes || size == 0)
        return base_error(DLA_ERR_INVALID_ARG, "module load: no loadable bytes (size %zu)", size);
    dla_module *mod = calloc(1, sizeof *mod);
    if (!mod || !(mod->bytes = malloc(size))) {
        free(mod);
        return base_error(DLA_ERR_NOMEM, "module load: out of memory for a %zu-byte loadable", size);
    }
    pthread_mutex_init(&mod->stats_mu, NULL);
    memcpy(mod->bytes, bytes, size);
    mod->size = size;
    mod->dev = dev;
    dla_status st = ldb_parse(mod->bytes, size, &mod->view);
    if (st != DLA_OK) {
        st = rt_wrap(st, "module load");
        rt_module_free(mod);
        return st;
    }
    snprintf(mod->name, sizeof mod->name, "%s", *mod->view.build.model ? mod->view.build.model : "module");
    st = prepare(dev, mod);
    if (st != DLA_OK) {
        rt_module_free(mod);
        return st;
    }
    pthread_mutex_lock(&dev->mu);
    mod->next = dev->modules;
    dev->modules = mod;
    pthread_mutex_unlock(&dev->mu);
    *out = mod;
    return DLA_OK;
}

dla_status rt_module_unload(dla_module *mod)
{
    dla_device *dev = mod->dev;
    pthread_mutex_lock(&dev->mu);
    while (mod->pending > 0)
        pthread_cond_wait(&dev->cv_idle, &dev->mu);
    for (dla_module **p = &dev->modules; *p; p = &(*p)->next)
        if (*p == mod) {
            *p = mod->next;
            break;
        }
    pthread_mutex_unlock(&dev->mu);
    rt_module_free(mod);
    return DLA_OK;
}

/* ---- run ----------------------------------------------------------------------------------------------------- */

dla_status rt_module_run(dla_module *mod, dla_mem *const *in, dla_mem *const *out)
{
    const ldb_view *v = &mod->view;
    for (uint32_t b = 0; b < mod->n_in; b++)
        mod->mem_ptr[mod->in_mem[b]] = in[b]->ptr;
    for (uint32_t b = 0; b < mod->n_out; b++)
        mod->mem_ptr[mod->out_mem[b]] = out[b]->ptr;
    size_t nt = (size_t)v->n_tasks + 1;
    double *start = calloc(nt, sizeof(double)), *end = calloc(nt, sizeof(double));
    uint64_t *sat = calloc(nt, sizeof(uint64_t));
    dla_status st = DLA_OK;
    if (!start || !end || !sat)
        st = base_error(DLA_ERR_NOMEM, "module '%s': out of memory", mod->name);
    for (uint32_t i = 0; i < v->n_tensors; i++)
        mod->dyn[i].valid = 0;
    double t0 = rt_now();
    for (uint32_t i = 0; st == DLA_OK && i < v->n_tasks; i++) {
        const ldb_task *t = &v->tasks[i];
        start[i] = (rt_now() - t0) * 1e3;
        if (t->type == LDB_TASK_DLA) {
            eng_stats es;
            memset(&es, 0, sizeof es);
            st = rt_dla_run(mod, &mod->dla[i], t0, &es);
            sat[i] = es.saturated;
        } else {
            st = rt_host_run(mod, &mod->host[i]);
            if (st != DLA_OK)
                st = rt_wrap(st, "module '%s' task %u '%s' (%s)", mod->name, i, t->name, task_kind(t));
        }
        end[i] = (rt_now() - t0) * 1e3;
    }
    for (uint32_t b = 0; st == DLA_OK && b < mod->n_out; b++) { /* dynamic outputs: what fits the binding */
        uint32_t t = mod->out_tensor[b];
        if (t == LDB_NONE || !(v->tensors[t].flags & LDB_TENSOR_DYNAMIC))
            continue;
        const rt_dyn *dy = &mod->dyn[t];
        if (!dy->valid) {
            st = base_error(DLA_ERR_INTERNAL, "module '%s': no task produced dynamic output '%s'", mod->name,
                            v->tensors[t].name);
            break;
        }
        size_t cap = out[b]->size, n = dy->size < cap ? dy->size : cap;
        if (n)
            memcpy(out[b]->ptr, dy->data, n);
    }
    if (st == DLA_OK)
        rt_stats_record(mod, start, end, sat, (rt_now() - t0) * 1e3);
    free(start);
    free(end);
    free(sat);
    for (uint32_t b = 0; b < mod->n_in; b++)
        mod->mem_ptr[mod->in_mem[b]] = NULL;
    for (uint32_t b = 0; b < mod->n_out; b++)
        mod->mem_ptr[mod->out_mem[b]] = NULL;
    return st;
}
