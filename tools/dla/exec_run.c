/* dla exec: the run — load the loadable on a DLA core (dla/runtime.h, the cuDLA-shaped API), bind the inputs,
 * warm up, time the iterations as trtexec does (at least --iterations runs and --duration seconds), export the
 * outputs, report the per-layer profile and, with --checkFP32, compare with the host FP32 reference executor. */
#include "cli.h"
#include "exec_report.h"
#include "exec_steps.h"

#include "dla/loadable.h"
#include "dla/runtime.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state of one run: the device, the module, its bound buffers and the float NCHW data at the edges. */
typedef struct run_state {
    dla_device *dev;
    dla_module *mod;
    int n_in, n_out;
    dla_tensor_desc *in_desc, *out_desc;
    void **in_buf, **out_buf;   /* registered memory, in the descriptors' formats */
    dla_mem **in_mem, **out_mem;
    float **in_f32, **out_f32;  /* float NCHW */
    const void **out_dyn;       /* dynamic outputs: the runtime's data of the last run (dla_module_output_data) */
    exec_profile prof;
} run_state;

static int fail_rt(const char *what)
{
    fflush(stdout);
    fprintf(stderr, "dla exec: %s: %s\n", what, dla_last_error());
    return 1;
}

static size_t desc_count(const dla_tensor_desc *d)
{
    return (size_t)(d->n * d->c * d->h * d->w);
}

/* A tensor view (name, float32, the descriptor's dims) of float data; the data pointer is borrowed. */
static dla_tensor desc_tensor(const dla_tensor_desc *d, float *data)
{
    dla_tensor t;
    memset(&t, 0, sizeof t);
    t.name = (char *)d->name;
    t.dtype = DLA_FLOAT32;
    t.rank = d->rank;
    memcpy(t.dims, d->dims, sizeof t.dims);
    t.data = data;
    t.nbytes = desc_count(d) * sizeof(float);
    return t;
}

static void shape_text(char *buf, size_t size, int rank, const int64_t *dims)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < rank && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? "x" : "", (long long)dims[i]);
}

static const char *format_name(dla_format f)
{
    switch (f) {
    case DLA_FORMAT_NCHW: return "chw";
    case DLA_FORMAT_DLA_LINEAR: return "dla_linear";
    case DLA_FORMAT_DLA_HWC4: return "dla_hwc4";
    case DLA_FORMAT_CHW16: return "chw16";
    case DLA_FORMAT_CHW32: return "chw32";
    }
    return "?";
}

static const char *type_name(dla_dtype t)
{
    return t == DLA_FLOAT32 ? "fp32" : t == DLA_FLOAT16 ? "fp16" : t == DLA_INT8 ? "int8" : dla_dtype_name(t);
}

/* Input i's float data: its --loadInputs file (any numeric type, converted), or uniform [-1, 1] (seeded). */
static int fill_input(const exec_opts *o, const dla_tensor_desc *d, int i, float *dst)
{
    size_t count = desc_count(d);
    for (int k = 0; k < o->n_inputs; k++) {
        if (strcmp(o->inputs[k].name, d->name) != 0)
            continue;
        dla_tensor *t;
        if (dla_tensor_load(o->inputs[k].file, &t) != DLA_OK)
            return fail_rt("--loadInputs");
        size_t esize = dla_dtype_size(t->dtype), n = esize ? t->nbytes / esize : 0;
        char want[128], got[128];
        shape_text(want, sizeof want, d->rank, d->dims);
        shape_text(got, sizeof got, t->rank, t->dims);
        int ok = n == count && (t->dtype == DLA_FLOAT32 || t->dtype == DLA_UINT8 || t->dtype == DLA_INT8 ||
                                t->dtype == DLA_INT32 || t->dtype == DLA_INT64 || t->dtype == DLA_FLOAT64);
        if (!ok) {
            fprintf(stderr, "dla exec: --loadInputs: %s holds %s %s; input '%s' needs %zu values (%s)\n",
                    o->inputs[k].file, dla_dtype_name(t->dtype), got, d->name, count, want);
            dla_tensor_destroy(t);
            return 1;
        }
        for (size_t j = 0; j < n; j++) {
            switch (t->dtype) {
            case DLA_FLOAT32: dst[j] = ((const float *)t->data)[j]; break;
            case DLA_UINT8: dst[j] = ((const uint8_t *)t->data)[j]; break;
            case DLA_INT8: dst[j] = ((const int8_t *)t->data)[j]; break;
            case DLA_INT32: dst[j] = (float)((const int32_t *)t->data)[j]; break;
            case DLA_INT64: dst[j] = (float)((const int64_t *)t->data)[j]; break;
            default: dst[j] = (float)((const double *)t->data)[j]; break;
            }
        }
        dla_tensor_destroy(t);
        return 0;
    }
    uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
    for (size_t j = 0; j < count; j++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        dst[j] = (float)((double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
    return 0;
}

static int check_input_names(const exec_opts *o, const run_state *r)
{
    for (int k = 0; k < o->n_inputs; k++) {
        int found = 0;
        for (int i = 0; i < r->n_in; i++)
            found |= strcmp(o->inputs[k].name, r->in_desc[i].name) == 0;
        if (found)
            continue;
        fprintf(stderr, "dla exec: --loadInputs: the engine has no input '%s' (inputs:", o->inputs[k].name);
        for (int i = 0; i < r->n_in; i++)
            fprintf(stderr, " '%s'", r->in_desc[i].name);
        fprintf(stderr, ")\n");
        return 1;
    }
    return 0;
}

static int alloc_side(run_state *r, int n, const dla_tensor_desc *desc, void ***buf, dla_mem ***mem, float ***f32)
{
    *buf = calloc((size_t)n + 1, sizeof **buf);
    *mem = calloc((size_t)n + 1, sizeof **mem);
    *f32 = calloc((size_t)n + 1, sizeof **f32);
    if (!*buf || !*mem || !*f32)
        return fail_rt("out of memory");
    for (int i = 0; i < n; i++) {
        (*buf)[i] = calloc(1, desc[i].size ? desc[i].size : 1);
        (*f32)[i] = calloc(desc_count(&desc[i]) + 1, sizeof(float));
        if (!(*buf)[i] || !(*f32)[i]) {
            fprintf(stderr, "dla exec: out of memory for tensor '%s'\n", desc[i].name);
            return 1;
        }
        if (dla_mem_register(r->dev, (*buf)[i], desc[i].size, &(*mem)[i]) != DLA_OK)
            return fail_rt("dla_mem_register");
    }
    return 0;
}

static int open_module(const exec_opts *o, const exec_engine *e, run_state *r)
{
    dla_loadable *l;
    int standalone = 0;
    if (dla_loadable_load(e->bytes, e->size, &l) == DLA_OK) {
        dla_loadable_info in;
        dla_loadable_get_info(l, &in);
        standalone = in.standalone;
        dla_loadable_destroy(l);
    }
    int core = o->dla_core < 0 ? 0 : o->dla_core;
    if (dla_device_create(core, standalone ? DLA_MODE_STANDALONE : DLA_MODE_HYBRID, &r->dev) != DLA_OK)
        return fail_rt("dla_device_create");
    if (dla_module_load(r->dev, e->bytes, e->size, &r->mod) != DLA_OK)
        return fail_rt(o->load_engine ? o->load_engine : "loading the engine");
    dla_module_attribute a;
    if (dla_module_get_attributes(r->mod, DLA_NUM_INPUT_TENSORS, &a) != DLA_OK)
        return fail_rt("module attributes");
    r->n_in = (int)a.num_input_tensors;
    if (dla_module_get_attributes(r->mod, DLA_NUM_OUTPUT_TENSORS, &a) != DLA_OK)
        return fail_rt("module attributes");
    r->n_out = (int)a.num_output_tensors;
    r->in_desc = calloc((size_t)r->n_in + 1, sizeof *r->in_desc);
    r->out_desc = calloc((size_t)r->n_out + 1, sizeof *r->out_desc);
    r->out_dyn = calloc((size_t)r->n_out + 1, sizeof *r->out_dyn);
    if (!r->in_desc || !r->out_desc || !r->out_dyn)
        return fail_rt("out of memory");
    a.input_tensor_desc = r->in_desc;
    if (r->n_in && dla_module_get_attributes(r->mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a) != DLA_OK)
        return fail_rt("input descriptors");
    a.output_tensor_desc = r->out_desc;
    if (r->n_out && dla_module_get_attributes(r->mod, DLA_OUTPUT_TENSOR_DESCRIPTORS, &a) != DLA_OK)
        return fail_rt("output descriptors");
    if (alloc_side(r, r->n_in, r->in_desc, &r->in_buf, &r->in_mem, &r->in_f32) ||
        alloc_side(r, r->n_out, r->out_desc, &r->out_buf, &r->out_mem, &r->out_f32))
        return 1;
    if (check_input_names(o, r))
        return 1;
    for (int i = 0; i < r->n_in; i++)
        if (fill_input(o, &r->in_desc[i], i, r->in_f32[i]))
            return 1;
    printf("[I] Engine on DLA core %d: %d input%s, %d output%s\n", core, r->n_in, r->n_in == 1 ? "" : "s", r->n_out,
           r->n_out == 1 ? "" : "s");
    for (int i = 0; i < r->n_in + r->n_out; i++) {
        const dla_tensor_desc *d = i < r->n_in ? &r->in_desc[i] : &r->out_desc[i - r->n_in];
        char dims[128];
        shape_text(dims, sizeof dims, d->rank, d->dims);
        printf("[I] Created %s binding for %s with dimensions %s%s (%s:%s, %llu bytes%s)\n",
               i < r->n_in ? "input" : "output", d->name, d->dynamic && !d->rank ? "?" : dims,
               d->dynamic ? " (data-dependent)" : "", type_name(d->dtype), format_name(d->format),
               (unsigned long long)d->size, d->dynamic ? " reserved" : "");
    }
    return 0;
}

static void close_module(run_state *r)
{
    if (r->dev)
        dla_synchronize(r->dev);
    for (int i = 0; r->in_mem && i < r->n_in; i++)
        if (r->in_mem[i])
            dla_mem_unregister(r->dev, r->in_mem[i]);
    for (int i = 0; r->out_mem && i < r->n_out; i++)
        if (r->out_mem[i])
            dla_mem_unregister(r->dev, r->out_mem[i]);
    dla_module_unload(r->mod);
    dla_device_destroy(r->dev);
    for (int i = 0; r->in_buf && i < r->n_in; i++) {
        free(r->in_buf[i]);
        free(r->in_f32[i]);
    }
    for (int i = 0; r->out_buf && i < r->n_out; i++) {
        free(r->out_buf[i]);
        free(r->out_f32[i]);
    }
    free(r->in_buf);
    free(r->in_f32);
    free(r->in_mem);
    free(r->out_buf);
    free(r->out_f32);
    free(r->out_mem);
    free(r->in_desc);
    free(r->out_desc);
    free((void *)r->out_dyn);
    exec_profile_release(&r->prof);
}

/* Host-typed NCHW tensors the runtime's pack/unpack do not convert (integer and bool network I/O of host
 * tasks: indices, counts, masks): the CLI converts them from and to float itself. */
static int is_plain_int(const dla_tensor_desc *d)
{
    return d->format == DLA_FORMAT_NCHW &&
           (d->dtype == DLA_INT32 || d->dtype == DLA_INT64 || d->dtype == DLA_UINT8 || d->dtype == DLA_BOOL ||
            (d->dtype == DLA_INT8 && !(d->scale > 0))) &&
           desc_count(d) * dla_dtype_size(d->dtype) <= d->size;
}

static double int_get(dla_dtype t, const void *p, size_t j)
{
    switch (t) {
    case DLA_INT32: return ((const int32_t *)p)[j];
    case DLA_INT64: return (double)((const int64_t *)p)[j];
    case DLA_INT8: return ((const int8_t *)p)[j];
    case DLA_FLOAT32: return ((const float *)p)[j];
    case DLA_FLOAT64: return ((const double *)p)[j];
    default: return ((const uint8_t *)p)[j];
    }
}

static void int_set(dla_dtype t, void *p, size_t j, float v)
{
    double r = v < 0 ? ceil(v - 0.5) : floor(v + 0.5);
    switch (t) {
    case DLA_INT32: ((int32_t *)p)[j] = (int32_t)fmax(fmin(r, 2147483647.0), -2147483648.0); break;
    case DLA_INT64: ((int64_t *)p)[j] = (int64_t)r; break;
    case DLA_INT8: ((int8_t *)p)[j] = (int8_t)fmax(fmin(r, 127), -128); break;
    case DLA_BOOL: ((uint8_t *)p)[j] = v != 0; break;
    default: ((uint8_t *)p)[j] = (uint8_t)fmax(fmin(r, 255), 0); break;
    }
}

static int pack_inputs(run_state *r)
{
    for (int i = 0; i < r->n_in; i++) {
        const dla_tensor_desc *d = &r->in_desc[i];
        if (is_plain_int(d)) {
            for (size_t j = 0; j < desc_count(d); j++)
                int_set(d->dtype, r->in_buf[i], j, r->in_f32[i][j]);
        } else if (dla_tensor_pack(d, r->in_f32[i], r->in_buf[i], d->size) != DLA_OK)
            return fail_rt("dla_tensor_pack");
    }
    return 0;
}

/* A dynamic output after a run: its actual shape into the descriptor (n = element count, c = h = w = 1), its data
 * from the runtime (the bound buffer may be smaller), converted to float like a static one. */
static int refresh_dynamic(run_state *r, int i)
{
    dla_tensor_desc *d = &r->out_desc[i];
    int rank = 0;
    int64_t dims[DLA_MAX_RANK];
    const void *data = NULL;
    uint64_t size = 0;
    if (dla_module_output_dims(r->mod, i, &rank, dims) != DLA_OK ||
        dla_module_output_data(r->mod, i, &data, &size) != DLA_OK)
        return fail_rt("dynamic output");
    size_t count = 1;
    for (int k = 0; k < rank; k++)
        count *= (size_t)dims[k];
    d->rank = rank;
    for (int k = 0; k < DLA_MAX_RANK; k++)
        d->dims[k] = k < rank ? dims[k] : 0;
    d->n = count;
    d->c = d->h = d->w = 1;
    float *f = realloc(r->out_f32[i], (count + 1) * sizeof(float));
    if (!f)
        return fail_rt("out of memory");
    r->out_f32[i] = f;
    r->out_dyn[i] = data;
    dla_tensor_desc live = *d;
    live.size = size;
    if (is_plain_int(&live)) {
        for (size_t j = 0; j < count; j++)
            f[j] = (float)int_get(d->dtype, data, j);
    } else if (dla_tensor_unpack(&live, data, size, f) != DLA_OK)
        return fail_rt("dla_tensor_unpack");
    return 0;
}

static int unpack_outputs(run_state *r)
{
    for (int i = 0; i < r->n_out; i++) {
        const dla_tensor_desc *d = &r->out_desc[i];
        if (d->dynamic) {
            if (refresh_dynamic(r, i))
                return 1;
        } else if (is_plain_int(d)) {
            for (size_t j = 0; j < desc_count(d); j++)
                r->out_f32[i][j] = (float)int_get(d->dtype, r->out_buf[i], j);
        } else if (dla_tensor_unpack(d, r->out_buf[i], d->size, r->out_f32[i]) != DLA_OK)
            return fail_rt("dla_tensor_unpack");
    }
    return 0;
}

static int infer_once(run_state *r)
{
    dla_task t = {.module = r->mod, .inputs = r->in_mem, .n_inputs = r->n_in, .outputs = r->out_mem,
                  .n_outputs = r->n_out};
    if (dla_submit(r->dev, &t, 1) != DLA_OK)
        return fail_rt("dla_submit");
    if (dla_synchronize(r->dev) != DLA_OK)
        return fail_rt("inference");
    return 0;
}

/* One growing array per timing column. */
typedef struct series {
    double *v[4];
    int n, cap;
} series;

static int series_push(series *s, const double x[4])
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 64;
        for (int k = 0; k < 4; k++) {
            double *g = realloc(s->v[k], sizeof(double) * (size_t)cap);
            if (!g)
                return fail_rt("out of memory");
            s->v[k] = g;
        }
        s->cap = cap;
    }
    for (int k = 0; k < 4; k++)
        s->v[k][s->n] = x[k];
    s->n++;
    return 0;
}

/* trtexec's loop: warm up for warmUp ms, then at least `iterations` runs and `duration` seconds. */
static int timed_runs(const exec_opts *o, run_state *r, series *s, double *total_s)
{
    if (pack_inputs(r))
        return 1;
    double w0 = cli_now();
    int warm = 0;
    while (o->warmup_ms > 0 && (cli_now() - w0) * 1e3 < o->warmup_ms) {
        if (infer_once(r))
            return 1;
        warm++;
    }
    if (warm)
        printf("[I] Warmup completed %d queries over %.0f ms\n", warm, (cli_now() - w0) * 1e3);
    double t_start = cli_now();
    while (s->n < o->iterations || cli_now() - t_start < o->duration_s) {
        double t0 = cli_now();
        if (!o->no_data_transfers && pack_inputs(r))
            return 1;
        double t1 = cli_now();
        if (infer_once(r))
            return 1;
        double t2 = cli_now();
        if (!o->no_data_transfers && unpack_outputs(r))
            return 1;
        double t3 = cli_now();
        double x[4] = {(t3 - t0) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3};
        if (series_push(s, x) || ((o->dump_profile || o->export_profile) &&
                                  exec_profile_add(&r->prof, r->mod, o->perf_platform, o->perf_power_mode)))
            return 1;
    }
    *total_s = cli_now() - t_start;
    printf("[I] Timing trace has %d queries over %.5g s\n", s->n, *total_s);
    return o->no_data_transfers ? unpack_outputs(r) : 0;
}

/* ---- --checkFP32: the same inputs on the host FP32 reference executor ------------------------------------ */

static void compare_output(const dla_tensor_desc *d, const float *got, const dla_tensor *ref)
{
    size_t n = desc_count(d), esize = dla_dtype_size(ref->dtype);
    int known = ref->dtype == DLA_FLOAT32 || ref->dtype == DLA_FLOAT64 || ref->dtype == DLA_INT32 ||
                ref->dtype == DLA_INT64 || ref->dtype == DLA_INT8 || ref->dtype == DLA_UINT8 || ref->dtype == DLA_BOOL;
    if (!known || !esize || ref->nbytes != n * esize) {
        printf("[I] checkFP32 '%s': the reference has %zu bytes of %s, the engine %zu values: not compared\n",
               d->name, ref->nbytes, dla_dtype_name(ref->dtype), n);
        return;
    }
    double *want = malloc(sizeof(double) * (n + 1));
    if (!want)
        return;
    double dot = 0, na = 0, nb = 0, maxd = 0, maxv = 0;
    for (size_t j = 0; j < n; j++) {
        want[j] = int_get(ref->dtype, ref->data, j);
        dot += (double)got[j] * want[j];
        na += (double)got[j] * got[j];
        nb += want[j] * want[j];
        maxd = fmax(maxd, fabs((double)got[j] - want[j]));
        maxv = fmax(maxv, fabs(want[j]));
    }
    double cosine = na > 0 && nb > 0 ? dot / sqrt(na * nb) : (na == nb ? 1.0 : 0.0);
    printf("[I] checkFP32 '%s': cosine %.6f, max |engine - FP32| %.4g (largest |FP32| %.4g)", d->name, cosine, maxd,
           maxv);
    /* classification-shaped outputs ([N, C] or [N, C, 1, 1]): top-1 agreement per row */
    int classes = d->rank == 2 || (d->rank == 4 && d->dims[2] == 1 && d->dims[3] == 1);
    if (classes && d->dims[0] > 0 && d->dims[1] > 1) {
        int64_t rows = d->dims[0], cols = d->dims[1], agree = 0;
        char eng_top[160] = "", ref_top[160] = "";
        size_t ne = 0, nr = 0;
        for (int64_t i = 0; i < rows; i++) {
            int64_t a = 0, b = 0;
            for (int64_t c = 1; c < cols; c++) {
                a = got[i * cols + c] > got[i * cols + a] ? c : a;
                b = want[i * cols + c] > want[i * cols + b] ? c : b;
            }
            agree += a == b;
            if (rows <= 16 && ne < sizeof eng_top && nr < sizeof ref_top) {
                ne += (size_t)snprintf(eng_top + ne, sizeof eng_top - ne, "%s%lld", i ? " " : "", (long long)a);
                nr += (size_t)snprintf(ref_top + nr, sizeof ref_top - nr, "%s%lld", i ? " " : "", (long long)b);
            }
        }
        printf(", top-1 agreement %lld/%lld", (long long)agree, (long long)rows);
        if (rows <= 16)
            printf(" (engine top-1: %s; FP32 top-1: %s)", eng_top, ref_top);
    }
    printf("\n");
    free(want);
}

/* With --loadEngine: the ONNX model of --checkFP32=MODEL or of the loadable's build info, with the engine's input
 * shapes. */
static int load_reference(const exec_opts *o, const exec_engine *e, const run_state *r, dla_model **out)
{
    const char *path = o->check_fp32_model;
    dla_loadable *l = NULL;
    if (!path && dla_loadable_load(e->bytes, e->size, &l) == DLA_OK) {
        dla_loadable_info in;
        dla_loadable_get_info(l, &in);
        path = in.model && *in.model ? in.model : NULL;
    }
    if (!path) {
        dla_loadable_destroy(l);
        fprintf(stderr, "dla exec: --checkFP32: the loadable names no model: give --checkFP32=MODEL.onnx\n");
        return 1;
    }
    char shapes[4096];
    size_t n = 0;
    shapes[0] = '\0';
    for (int i = 0; i < r->n_in && n < sizeof shapes; i++) {
        char dims[128];
        shape_text(dims, sizeof dims, r->in_desc[i].rank, r->in_desc[i].dims);
        n += (size_t)snprintf(shapes + n, sizeof shapes - n, "%s%s:%s", i ? "," : "", r->in_desc[i].name, dims);
    }
    dla_load_options lo = {.shapes = shapes};
    dla_status st = dla_model_load_file(path, &lo, out);
    if (st == DLA_OK)
        printf("[I] checkFP32: reference model %s\n", path);
    dla_loadable_destroy(l);
    return st == DLA_OK ? 0 : fail_rt("--checkFP32");
}

static int check_fp32(const exec_opts *o, const exec_engine *e, run_state *r)
{
    dla_model *own = NULL;
    if (!e->model && load_reference(o, e, r, &own))
        return 1;
    dla_model *model = e->model ? e->model : own;
    dla_tensor *ins = calloc((size_t)r->n_in + 1, sizeof *ins);
    const dla_tensor **ptrs = calloc((size_t)r->n_in + 1, sizeof *ptrs);
    if (!ins || !ptrs) {
        free(ins);
        free(ptrs);
        dla_model_destroy(own);
        return fail_rt("out of memory");
    }
    for (int i = 0; i < r->n_in; i++) {
        ins[i] = desc_tensor(&r->in_desc[i], r->in_f32[i]);
        ptrs[i] = &ins[i];
    }
    dla_tensor **outs = NULL;
    int n_outs = 0;
    dla_status st = dla_model_run(model, NULL, r->n_in, (const dla_tensor *const *)ptrs, &outs, &n_outs);
    free(ins);
    free(ptrs);
    if (st != DLA_OK) {
        dla_model_destroy(own);
        return fail_rt("--checkFP32 (host FP32 executor)");
    }
    for (int i = 0; i < r->n_out; i++) {
        int k = 0;
        while (k < n_outs && strcmp(outs[k]->name, r->out_desc[i].name) != 0)
            k++;
        if (k < n_outs)
            compare_output(&r->out_desc[i], r->out_f32[i], outs[k]);
        else
            printf("[I] checkFP32 '%s': no output of that name in the ONNX model\n", r->out_desc[i].name);
    }
    dla_tensors_destroy(outs, n_outs);
    dla_model_destroy(own);
    return 0;
}

static int export_outputs(const exec_opts *o, run_state *r)
{
    dla_tensor *ts = calloc((size_t)r->n_out + 1, sizeof *ts);
    dla_tensor **ptrs = calloc((size_t)r->n_out + 1, sizeof *ptrs);
    int rc = !ts || !ptrs ? fail_rt("out of memory") : 0;
    for (int i = 0; !rc && i < r->n_out; i++) {
        const dla_tensor_desc *d = &r->out_desc[i];
        ts[i] = desc_tensor(d, r->out_f32[i]);
        /* integer and bool host outputs (indices, counts) keep their type: the raw NCHW buffer */
        size_t esize = dla_dtype_size(d->dtype);
        int raw = d->format == DLA_FORMAT_NCHW && d->dtype != DLA_FLOAT32 && d->dtype != DLA_FLOAT16 &&
                  !(d->dtype == DLA_INT8 && d->scale > 0) && esize && desc_count(d) * esize <= d->size;
        if (d->dynamic && r->out_dyn[i])
            raw = d->dtype != DLA_FLOAT32 && d->dtype != DLA_FLOAT16 && esize;
        if (raw) {
            ts[i].dtype = d->dtype;
            ts[i].data = d->dynamic && r->out_dyn[i] ? (void *)r->out_dyn[i] : r->out_buf[i];
            ts[i].nbytes = desc_count(d) * esize;
        }
        ptrs[i] = &ts[i];
    }
    if (!rc)
        rc = exec_export_outputs(o->export_output, ptrs, r->n_out);
    free(ts);
    free(ptrs);
    return rc;
}

int exec_run(const exec_opts *o, const exec_engine *e)
{
    run_state r;
    memset(&r, 0, sizeof r);
    series s;
    memset(&s, 0, sizeof s);
    double total_s = 0;
    int rc = open_module(o, e, &r);
    if (!rc)
        rc = timed_runs(o, &r, &s, &total_s);
    if (!rc && o->export_output)
        rc = export_outputs(o, &r);
    if (!rc && (o->dump_profile || o->export_profile))
        rc = exec_profile_report(&r.prof, o->dump_profile, o->export_profile);
    if (!rc && o->check_fp32)
        rc = check_fp32(o, e, &r);
    if (!rc) {
        int64_t batch = r.n_in && r.in_desc[0].rank > 0 ? r.in_desc[0].dims[0] : 1;
        exec_timing t = {.n = s.n, .latency_ms = s.v[0], .h2d_ms = o->no_data_transfers ? NULL : s.v[1],
                         .compute_ms = s.v[2], .d2h_ms = o->no_data_transfers ? NULL : s.v[3],
                         .total_s = total_s, .batch = batch};
        exec_perf_summary(&t);
    }
    for (int k = 0; k < 4; k++)
        free(s.v[k]);
    close_module(&r);
    return rc;
}
