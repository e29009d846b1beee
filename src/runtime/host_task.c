/* runtime HOST tasks: a serialized subgraph (backend.h convention 4) run on the FP32 host executor — the "GPU"
 * side of a hybrid deployment — with each input converted from its tensor descriptor's format to float NCHW and
 * each output converted to its descriptor's format. Also the format conversions of the public API
 * (dla_tensor_pack / unpack).
 */
#include "runtime/rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- formats ----------------------------------------------------------------------------------------------- */

static int is_dla_format(int f) { return f == DLA_FORMAT_DLA_LINEAR || f == DLA_FORMAT_DLA_HWC4 ||
                                         f == DLA_FORMAT_CHW16 || f == DLA_FORMAT_CHW32; }

dla_status rt_desc_geom(const dla_tensor_desc *d, eng_geom *g)
{
    eng_precision prec;
    if (d->dtype == DLA_FLOAT16)
        prec = ENG_FP16;
    else if (d->dtype == DLA_INT8)
        prec = ENG_INT8;
    else if (d->dtype == DLA_INT16)
        prec = ENG_INT16;
    else
        return base_error(DLA_ERR_UNSUPPORTED, "tensor '%s': element type %s in format %s; the DLA formats hold "
                          "FP16, INT8 or INT16", d->name, ldb_dtype_name(d->dtype), ldb_format_name(d->format));
    eng_layout layout;
    switch (d->format) {
    case DLA_FORMAT_CHW16:
    case DLA_FORMAT_CHW32:
        layout = ENG_LAYOUT_FEATURE;
        if ((d->format == DLA_FORMAT_CHW32) != (prec == ENG_INT8))
            return base_error(DLA_ERR_UNSUPPORTED, "tensor '%s': format %s with element type %s (CHW32 is INT8, "
                              "CHW16 FP16/INT16)", d->name, ldb_format_name(d->format), ldb_dtype_name(d->dtype));
        break;
    case DLA_FORMAT_DLA_LINEAR: layout = ENG_LAYOUT_LINEAR; break;
    case DLA_FORMAT_DLA_HWC4: layout = ENG_LAYOUT_HWC4; break;
    default:
        return base_error(DLA_ERR_INVALID_ARG, "tensor '%s': format %u is not a DLA format", d->name, d->format);
    }
    if (d->n < 1 || d->c > ENG_MAX_DIM || d->h > ENG_MAX_DIM || d->w > ENG_MAX_DIM)
        return base_error(DLA_ERR_UNSUPPORTED, "tensor '%s': N=%llu C=%llu H=%llu W=%llu; the DLA formats take "
                          "N >= 1 and C, H, W up to %d", d->name, (unsigned long long)d->n, (unsigned long long)d->c,
                          (unsigned long long)d->h, (unsigned long long)d->w, ENG_MAX_DIM);
    BASE_TRY(eng_geom_make((int)d->c, (int)d->h, (int)d->w, prec, layout, g));
    if ((uint64_t)g->size * d->n > d->size)
        return base_error(DLA_ERR_FORMAT, "tensor '%s': %llu images of %u bytes in %s do not fit its %llu bytes",
                          d->name, (unsigned long long)d->n, g->size, ldb_format_name(d->format),
                          (unsigned long long)d->size);
    return DLA_OK;
}

static dla_status need_scale(const dla_tensor_desc *d)
{
    if (!(d->scale > 0.0f) || !isfinite(d->scale))
        return base_error(DLA_ERR_INVALID_ARG, "tensor '%s': INT8 data needs a per-tensor scale (it has %g)", d->name,
                          (double)d->scale);
    return DLA_OK;
}

static dla_status dense_fit(const dla_tensor_desc *d, size_t count, size_t esize, size_t have)
{
    if (esize == 0 || count > SIZE_MAX / esize || count * esize > have)
        return base_error(DLA_ERR_INVALID_ARG, "tensor '%s': %zu %s elements need %zu bytes; the buffer has %zu",
                          d->name, count, ldb_dtype_name(d->dtype), count * esize, have);
    return DLA_OK;
}

static size_t desc_count(const dla_tensor_desc *d) { return (size_t)(d->n * d->c * d->h * d->w); }

dla_status rt_tensor_pack(const dla_tensor_desc *d, const float *src, void *dst, size_t dst_size)
{
    size_t count = desc_count(d);
    if (is_dla_format(d->format)) {
        eng_geom g;
        BASE_TRY(rt_desc_geom(d, &g));
        if (g.precision != ENG_FP16)
            BASE_TRY(need_scale(d));
        return eng_fmt_pack_f32(&g, (int)d->n, src, d->scale, dst, dst_size);
    }
    if (d->format != DLA_FORMAT_NCHW)
        return base_error(DLA_ERR_INVALID_ARG, "tensor '%s': unknown format %u", d->name, d->format);
    BASE_TRY(dense_fit(d, count, ldb_dtype_size(d->dtype), dst_size));
    uint8_t *p = dst;
    switch (d->dtype) {
    case DLA_FLOAT32: memcpy(dst, src, count * sizeof(float)); return DLA_OK;
    case DLA_FLOAT16:
        for (size_t i = 0; i < count; i++)
            eng_st_u16(p + 2 * i, eng_f32_to_fp16(src[i], NULL));
        return DLA_OK;
    case DLA_INT8:
        BASE_TRY(need_scale(d));
        for (size_t i = 0; i < count; i++)
            p[i] = (uint8_t)(int8_t)eng_quantize(src[i], d->scale, ENG_INT8);
        return DLA_OK;
    default:
        return base_error(DLA_ERR_UNSUPPORTED, "tensor '%s': no float conversion to NCHW %s", d->name,
                          ldb_dtype_name(d->dtype));
    }
}

dla_status rt_tensor_unpack(const dla_tensor_desc *d, const void *src, size_t src_size, float *dst)
{
    size_t count = desc_count(d);
    if (is_dla_format(d->format)) {
        eng_geom g;
        BASE_TRY(rt_desc_geom(d, &g));
        if (g.precision != ENG_FP16)
            BASE_TRY(need_scale(d));
        return eng_fmt_unpack_f32(&g, (int)d->n, src, src_size, d->scale, dst);
    }
    if (d->format != DLA_FORMAT_NCHW)
        return base_error(DLA_ERR_INVALID_ARG, "tensor '%s': unknown format %u", d->name, d->format);
    BASE_TRY(dense_fit(d, count, ldb_dtype_size(d->dtype), src_size));
    const uint8_t *p = src;
    switch (d->dtype) {
    case DLA_FLOAT32: memcpy(dst, src, count * sizeof(float)); return DLA_OK;
    case DLA_FLOAT16:
        for (size_t i = 0; i < count; i++)
            dst[i] = eng_fp16_to_f32(eng_ld_u16(p + 2 * i), INFINITY);
        return DLA_OK;
    case DLA_INT8:
        BASE_TRY(need_scale(d));
        for (size_t i = 0; i < count; i++)
            dst[i] = (float)(int8_t)p[i] * d->scale;
        return DLA_OK;
    default:
        return base_error(DLA_ERR_UNSUPPORTED, "tensor '%s': no float conversion from NCHW %s", d->name,
                          ldb_dtype_name(d->dtype));
    }
}

/* ---- prepare ----------------------------------------------------------------------------------------------- */

static uint32_t find_named(const ldb_view *v, const uint32_t *ids, uint32_t n, const char *name)
{
    for (uint32_t k = 0; k < n; k++)
        if (strcmp(v->tensors[ids[k]].name, name) == 0)
            return ids[k];
    return LDB_NONE;
}

/* Whether tensor descriptor d can feed (input) / take (output) a graph tensor of type dt. */
static dla_status check_io(const dla_module *mod, uint32_t task, const ldb_tensor *t, ir_dtype dt, int output)
{
    dla_tensor_desc d;
    rt_tensor_desc(t, &d);
    const char *dir = output ? "output" : "input";
    if (is_dla_format(d.format)) {
        eng_geom g;
        dla_status st = rt_desc_geom(&d, &g);
        if (st != DLA_OK)
            return rt_wrap(DLA_ERR_FORMAT, "module '%s' task %u: %s", mod->name, task, dir);
        if (dt != IR_F32 && dt != IR_UNDEFINED)
            return base_error(DLA_ERR_FORMAT, "module '%s' task %u: %s '%s' is %s in the subgraph; a %s descriptor "
                              "converts to float32 only", mod->name, task, dir, t->name, ir_dtype_name(dt),
                              ldb_format_name(d.format));
        if (g.precision != ENG_FP16 && !(d.scale > 0))
            return base_error(DLA_ERR_FORMAT, "module '%s' task %u: %s '%s' is INT8 without a scale", mod->name,
                              task, dir, t->name);
        return DLA_OK;
    }
    if ((ir_dtype)t->dtype == dt || dt == IR_UNDEFINED)
        return DLA_OK;
    if (dt == IR_F32 && (t->dtype == LDB_DT_HALF || (t->dtype == LDB_DT_INT8 && (t->flags & LDB_TENSOR_HAS_SCALE))))
        return DLA_OK;
    return base_error(DLA_ERR_FORMAT, "module '%s' task %u: %s '%s' is %s NCHW; the subgraph has it as %s", mod->name,
                      task, dir, t->name, ldb_dtype_name(t->dtype), ir_dtype_name(dt));
}

static void shape_str(int rank, const int64_t *dims, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int d = 0; d < rank && k + 24 < n; d++)
        k += (size_t)snprintf(buf + k, n - k, d ? "x%lld" : "%lld", (long long)dims[d]);
    if (rank == 0)
        snprintf(buf, n, "scalar");
}

/* A subgraph tensor's declared shape (where known) must be the descriptor's. */
static dla_status check_shape(const dla_module *mod, uint32_t task, const ldb_tensor *t, const ir_tensor *gt)
{
    int dyn = (t->flags & LDB_TENSOR_DYNAMIC) != 0;
    if (gt->rank < 0 || (dyn && t->rank == 0)) /* a dynamic descriptor of unknown rank: checked at run time */
        return DLA_OK;
    int same = gt->rank == t->rank;
    for (int d = 0; same && d < gt->rank; d++)
        same = gt->dims[d] < 0 || gt->dims[d] == t->dims[d] || (dyn && t->dims[d] < 0);
    if (same)
        return DLA_OK;
    char a[128], b[128];
    shape_str(gt->rank, gt->dims, a, sizeof a);
    shape_str(t->rank, t->dims, b, sizeof b);
    return base_error(DLA_ERR_FORMAT, "module '%s' task %u: subgraph tensor '%s' has shape %s; the task's descriptor "
                      "has %s", mod->name, task, gt->name, a, b);
}

dla_status rt_host_prepare(dla_module *mod, uint32_t task, rt_host_task *ht)
{
    const ldb_view *v = &mod->view;
    const ldb_task *t = &v->tasks[task];
    dla_device *dev = mod->dev;
    ht->task = task;
    dla_status st = dev->deserialize(dev->deserialize_user, t->subgraph.data, (size_t)t->subgraph.size, &ht->g);
    if (st != DLA_OK) {
        ht->g = NULL;
        return rt_wrap(st == DLA_ERR_NOMEM ? st : DLA_ERR_FORMAT, "module '%s' task %u '%s': the HOST subgraph "
                          "does not deserialize", mod->name, task, t->name);
    }
    ir_graph *g = ht->g;
    ht->in_tensor = calloc((size_t)g->n_inputs + 1, sizeof(uint32_t));
    ht->out_tensor = calloc((size_t)g->n_outputs + 1, sizeof(uint32_t));
    ht->in_decl_rank = calloc((size_t)g->n_inputs + 1, sizeof(int));
    ht->in_decl_dims = calloc((size_t)g->n_inputs + 1, sizeof *ht->in_decl_dims);
    if (!ht->in_tensor || !ht->out_tensor || !ht->in_decl_rank || !ht->in_decl_dims)
        return base_error(DLA_ERR_NOMEM, "module '%s' task %u: out of memory", mod->name, task);
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *gt = g->inputs[i];
        uint32_t id = find_named(v, t->inputs, t->n_inputs, gt->name);
        if (id == LDB_NONE)
            return base_error(DLA_ERR_FORMAT, "module '%s' task %u '%s': subgraph input '%s' is none of the task's %u "
                              "input tensors", mod->name, task, t->name, gt->name, t->n_inputs);
        BASE_TRY(check_io(mod, task, &v->tensors[id], gt->dtype, 0));
        BASE_TRY(check_shape(mod, task, &v->tensors[id], gt));
        ht->in_tensor[i] = id;
        ht->in_decl_rank[i] = gt->rank;
        memcpy(ht->in_decl_dims[i], gt->dims, sizeof ht->in_decl_dims[i]);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        ir_tensor *gt = g->outputs[i];
        uint32_t id = find_named(v, t->outputs, t->n_outputs, gt->name);
        if (id == LDB_NONE)
            return base_error(DLA_ERR_FORMAT, "module '%s' task %u '%s': subgraph output '%s' is none of the task's "
                              "%u output tensors", mod->name, task, t->name, gt->name, t->n_outputs);
        BASE_TRY(check_io(mod, task, &v->tensors[id], gt->dtype, 1));
        BASE_TRY(check_shape(mod, task, &v->tensors[id], gt));
        ht->out_tensor[i] = id;
    }
    if ((uint32_t)g->n_outputs != t->n_outputs)
        return base_error(DLA_ERR_FORMAT, "module '%s' task %u '%s': the subgraph has %d outputs, the task lists %u",
                          mod->name, task, t->name, g->n_outputs, t->n_outputs);
    host_options ho = {.n_threads = dev->host_threads};
    st = host_exec_create(g, &ho, &ht->x);
    if (st != DLA_OK) {
        ht->x = NULL;
        return rt_wrap(st, "module '%s' task %u '%s'", mod->name, task, t->name);
    }
    return DLA_OK;
}

void rt_host_release(rt_host_task *ht)
{
    host_exec_destroy(ht->x);
    if (ht->g)
        ir_graph_destroy(ht->g);
    free(ht->in_tensor);
    free(ht->out_tensor);
    free(ht->in_decl_rank);
    free(ht->in_decl_dims);
    memset(ht, 0, sizeof *ht);
}

/* ---- run --------------------------------------------------------------------------------------------------- */

/* A dynamic descriptor (dense NCHW in its own type, data and shape in mod->dyn) as graph input gt: borrowed when
 * the types agree, else converted to float into *tmp. */
static dla_status bind_dynamic(dla_module *mod, ir_tensor *gt, uint32_t id, void **tmp)
{
    const ldb_tensor *t = &mod->view.tensors[id];
    const rt_dyn *dy = &mod->dyn[id];
    if (!dy->valid)
        return base_error(DLA_ERR_INTERNAL, "input '%s': the dynamic tensor was not produced before this task",
                          t->name);
    ir_tensor_set_shape(gt, dy->rank, dy->dims);
    gt->data_kind = IR_DATA_RUNTIME;
    if (gt->dtype == (ir_dtype)t->dtype || gt->dtype == IR_UNDEFINED) {
        gt->dtype = (ir_dtype)t->dtype;
        gt->data = dy->data;
        return DLA_OK;
    }
    int64_t count = ir_tensor_numel(gt);
    dla_tensor_desc d;
    rt_tensor_desc(t, &d);
    d.n = (uint64_t)(count > 0 ? count : 0);
    d.c = d.h = d.w = 1;
    float *f = malloc((size_t)d.n * sizeof(float) + 1);
    if (!f)
        return base_error(DLA_ERR_NOMEM, "input '%s': out of memory", t->name);
    *tmp = f;
    BASE_TRY(rt_tensor_unpack(&d, dy->data, dy->size, f));
    gt->dtype = IR_F32;
    gt->data = f;
    return DLA_OK;
}

/* Binds graph input gt to descriptor tensor id: borrowed when the layouts agree, else converted into *tmp. */
static dla_status bind_input(dla_module *mod, ir_tensor *gt, uint32_t id, void **tmp)
{
    const ldb_tensor *t = &mod->view.tensors[id];
    if (t->flags & LDB_TENSOR_DYNAMIC)
        return bind_dynamic(mod, gt, id, tmp);
    dla_tensor_desc d;
    rt_tensor_desc(t, &d);
    uint8_t *data = rt_tensor_data(mod, id);
    int64_t dims[LDB_MAX_RANK];
    for (int k = 0; k < t->rank; k++)
        dims[k] = t->dims[k];
    ir_tensor_set_shape(gt, t->rank, dims);
    if (d.format == DLA_FORMAT_NCHW && (gt->dtype == (ir_dtype)t->dtype || gt->dtype == IR_UNDEFINED)) {
        gt->dtype = (ir_dtype)t->dtype;
        gt->data = data;
    } else {
        size_t count = desc_count(&d);
        float *f = malloc(count * sizeof(float) + 1);
        if (!f)
            return base_error(DLA_ERR_NOMEM, "input '%s': out of memory", t->name);
        *tmp = f;
        BASE_TRY(rt_tensor_unpack(&d, data, (size_t)t->size, f));
        gt->dtype = IR_F32;
        gt->data = f;
    }
    gt->data_kind = IR_DATA_RUNTIME;
    return DLA_OK;
}

/* Stores graph output gt into dynamic descriptor id: its actual shape and its data in the descriptor's type. */
static dla_status store_dynamic(dla_module *mod, const ir_tensor *gt, const void *data, uint32_t id)
{
    const ldb_tensor *t = &mod->view.tensors[id];
    rt_dyn *dy = &mod->dyn[id];
    int64_t numel = ir_tensor_numel(gt);
    size_t es = ldb_dtype_size(t->dtype);
    if (numel < 0 || gt->rank > LDB_MAX_RANK)
        return base_error(DLA_ERR_INTERNAL, "output '%s': the subgraph produced no shape (rank %d)", t->name,
                          gt->rank);
    if (t->rank && gt->rank != t->rank)
        return base_error(DLA_ERR_FORMAT, "output '%s': the subgraph produced rank %d; the descriptor has rank %u",
                          t->name, gt->rank, t->rank);
    for (int k = 0; k < t->rank; k++)
        if (t->dims[k] >= 0 && gt->dims[k] != t->dims[k])
            return base_error(DLA_ERR_FORMAT, "output '%s': dim %d is %lld; the descriptor fixes it at %lld", t->name,
                              k, (long long)gt->dims[k], (long long)t->dims[k]);
    size_t nb = (size_t)numel * es;
    if (nb + 1 > dy->cap) {
        uint8_t *p = realloc(dy->data, nb + 1);
        if (!p)
            return base_error(DLA_ERR_NOMEM, "output '%s': out of memory for %zu bytes", t->name, nb);
        dy->data = p;
        dy->cap = nb + 1;
    }
    if (gt->dtype == (ir_dtype)t->dtype) {
        if (nb)
            memcpy(dy->data, data, nb);
    } else if (gt->dtype == IR_F32) {
        dla_tensor_desc d;
        rt_tensor_desc(t, &d);
        d.n = (uint64_t)numel;
        d.c = d.h = d.w = 1;
        BASE_TRY(rt_tensor_pack(&d, data, dy->data, nb));
    } else {
        return base_error(DLA_ERR_UNSUPPORTED, "output '%s': %s data cannot be stored as %s", t->name,
                          ir_dtype_name(gt->dtype), ldb_dtype_name(t->dtype));
    }
    dy->size = nb;
    dy->rank = gt->rank;
    memset(dy->dims, 0, sizeof dy->dims);
    for (int k = 0; k < gt->rank; k++)
        dy->dims[k] = gt->dims[k];
    dy->valid = 1;
    return DLA_OK;
}

/* Stores graph output gt (data taken from the executor) into descriptor tensor id. */
static dla_status store_output(dla_module *mod, const ir_tensor *gt, const void *data, uint32_t id)
{
    const ldb_tensor *t = &mod->view.tensors[id];
    if (t->flags & LDB_TENSOR_DYNAMIC)
        return store_dynamic(mod, gt, data, id);
    dla_tensor_desc d;
    rt_tensor_desc(t, &d);
    int64_t numel = ir_tensor_numel(gt);
    if (numel < 0 || (uint64_t)numel != (uint64_t)desc_count(&d))
        return base_error(DLA_ERR_FORMAT, "output '%s': the subgraph produced %lld elements; the descriptor holds "
                          "%llu (%llux%llux%llux%llu)", t->name, (long long)numel,
                          (unsigned long long)desc_count(&d), (unsigned long long)d.n, (unsigned long long)d.c,
                          (unsigned long long)d.h, (unsigned long long)d.w);
    uint8_t *dst = rt_tensor_data(mod, id);
    if (d.format == DLA_FORMAT_NCHW && gt->dtype == (ir_dtype)t->dtype) {
        size_t nb = ir_tensor_nbytes(gt);
        if (nb > t->size)
            return base_error(DLA_ERR_FORMAT, "output '%s': %zu bytes do not fit the descriptor's %llu", t->name, nb,
                              (unsigned long long)t->size);
        memcpy(dst, data, nb);
        return DLA_OK;
    }
    if (gt->dtype != IR_F32)
        return base_error(DLA_ERR_UNSUPPORTED, "output '%s': %s data cannot be stored as %s %s", t->name,
                          ir_dtype_name(gt->dtype), ldb_dtype_name(t->dtype), ldb_format_name(t->format));
    return rt_tensor_pack(&d, data, dst, (size_t)t->size);
}

dla_status rt_host_run(dla_module *mod, rt_host_task *ht)
{
    ir_graph *g = ht->g;
    void **tmp = calloc((size_t)g->n_inputs + 1, sizeof(void *));
    if (!tmp)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    dla_status st = DLA_OK;
    for (int i = 0; st == DLA_OK && i < g->n_inputs; i++)
        st = bind_input(mod, g->inputs[i], ht->in_tensor[i], &tmp[i]);
    if (st == DLA_OK)
        st = host_exec_run(ht->x);
    for (int i = 0; i < g->n_outputs; i++) {
        void *data = st == DLA_OK ? host_exec_take_output(ht->x, i) : NULL;
        if (st == DLA_OK && !data)
            st = base_error(DLA_ERR_INTERNAL, "output '%s': the host executor produced no data", g->outputs[i]->name);
        if (st == DLA_OK)
            st = store_output(mod, g->outputs[i], data, ht->out_tensor[i]);
        free(data);
    }
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *gt = g->inputs[i];
        gt->data = NULL;
        gt->data_kind = IR_DATA_NONE;
        ir_tensor_set_shape(gt, ht->in_decl_rank[i], ht->in_decl_dims[i]);
        free(tmp[i]);
    }
    free(tmp);
    return st;
}
