/* loadable: the builder. Each add_* encodes its record at once into its section's byte buffer (little-endian,
 * docs/loadable.md); ldb_finish lays the sections out after the header and the section table, seals the CRC and
 * parses the result, so a builder never hands out a loadable the reader refuses. */
#include "loadable/loadable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

/* Section buffers, in file order (index = position in this table, not the section type). */
enum { S_STRINGS, S_BUILD, S_POOLS, S_BLOBS, S_BLOB_DATA, S_MEMORY, S_ADDRESSES, S_TENSORS, S_EVENTS, S_LAYERS,
       S_TASKS, S_INDICES, S_COUNT };
static const struct { uint32_t type, record_size; } sec_info[S_COUNT] = {
    {LDB_SEC_STRINGS, 1},
    {LDB_SEC_BUILD_INFO, LDB_REC_BUILD_INFO},
    {LDB_SEC_POOLS, LDB_REC_POOLS},
    {LDB_SEC_BLOBS, LDB_REC_BLOB},
    {LDB_SEC_BLOB_DATA, 1},
    {LDB_SEC_MEMORY, LDB_REC_MEMORY},
    {LDB_SEC_ADDRESSES, LDB_REC_ADDRESS},
    {LDB_SEC_TENSORS, LDB_REC_TENSOR},
    {LDB_SEC_EVENTS, LDB_REC_EVENT},
    {LDB_SEC_LAYERS, LDB_REC_LAYER},
    {LDB_SEC_TASKS, LDB_REC_TASK},
    {LDB_SEC_INDICES, 4},
};

struct ldb_builder {
    dla_status err;        /* first error, kept until ldb_finish */
    buf sec[S_COUNT];
    uint32_t *hash;        /* string offsets + 1 (0 = empty slot), open addressing */
    size_t hash_cap, hash_n;
    uint64_t used[LDB_POOL_COUNT];
    uint32_t flags;
    int minor;             /* the format minor the file needs: 1 with a dynamic tensor, else 0 */
};

static void fail(ldb_builder *b, dla_status st)
{
    if (b->err == DLA_OK)
        b->err = st;
}

/* Appends n zeroed bytes; NULL (and the builder's error set) when out of memory or past 4 GiB of records. */
static uint8_t *grow(ldb_builder *b, buf *x, size_t n)
{
    if (b->err != DLA_OK)
        return NULL;
    if (n > ((size_t)1 << 40) - x->len) {
        fail(b, base_error(DLA_ERR_NOMEM, "loadable builder: a section exceeds 1 TiB"));
        return NULL;
    }
    if (x->len + n > x->cap) {
        size_t cap = x->cap ? x->cap : 256;
        while (cap < x->len + n)
            cap *= 2;
        uint8_t *p = realloc(x->p, cap);
        if (!p) {
            fail(b, base_error(DLA_ERR_NOMEM, "loadable builder: out of memory (%zu bytes)", cap));
            return NULL;
        }
        x->p = p;
        x->cap = cap;
    }
    uint8_t *r = x->p + x->len;
    memset(r, 0, n);
    x->len += n;
    return r;
}

/* A new record in section s; *id receives its index. */
static uint8_t *record(ldb_builder *b, int s, uint32_t *id)
{
    size_t rs = sec_info[s].record_size;
    size_t n = b->sec[s].len / rs;
    if (n >= LDB_NONE) {
        fail(b, base_error(DLA_ERR_NOMEM, "loadable builder: more than 2^32-2 records"));
        return NULL;
    }
    *id = (uint32_t)n;
    return grow(b, &b->sec[s], rs);
}

dla_status ldb_builder_create(ldb_builder **out)
{
    *out = NULL;
    ldb_builder *b = calloc(1, sizeof *b);
    if (!b)
        return base_error(DLA_ERR_NOMEM, "loadable builder: out of memory");
    /* offset 0 of the string table is the empty string */
    if (!grow(b, &b->sec[S_STRINGS], 1) || !grow(b, &b->sec[S_BUILD], LDB_REC_BUILD_INFO) ||
        !grow(b, &b->sec[S_POOLS], LDB_REC_POOLS)) {
        dla_status st = b->err;
        ldb_builder_destroy(b);
        return st;
    }
    *out = b;
    return DLA_OK;
}

void ldb_builder_destroy(ldb_builder *b)
{
    if (!b)
        return;
    for (int s = 0; s < S_COUNT; s++)
        free(b->sec[s].p);
    free(b->hash);
    free(b);
}

/* ---- strings ---------------------------------------------------------------------------------------------- */

static size_t str_hash(const char *s)
{
    size_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static int rehash(ldb_builder *b)
{
    size_t cap = b->hash_cap ? b->hash_cap * 2 : 256;
    uint32_t *h = calloc(cap, sizeof *h);
    if (!h)
        return 0;
    for (size_t i = 0; i < b->hash_cap; i++) {
        if (!b->hash[i])
            continue;
        size_t j = str_hash((const char *)b->sec[S_STRINGS].p + b->hash[i] - 1) & (cap - 1);
        while (h[j])
            j = (j + 1) & (cap - 1);
        h[j] = b->hash[i];
    }
    free(b->hash);
    b->hash = h;
    b->hash_cap = cap;
    return 1;
}

uint32_t ldb_add_string(ldb_builder *b, const char *s)
{
    if (!s || !*s || b->err != DLA_OK)
        return 0;
    if ((b->hash_n + 1) * 2 > b->hash_cap && !rehash(b)) {
        fail(b, base_error(DLA_ERR_NOMEM, "loadable builder: out of memory for the string table"));
        return 0;
    }
    size_t j = str_hash(s) & (b->hash_cap - 1);
    for (; b->hash[j]; j = (j + 1) & (b->hash_cap - 1))
        if (strcmp((const char *)b->sec[S_STRINGS].p + b->hash[j] - 1, s) == 0)
            return b->hash[j] - 1;
    size_t n = strlen(s) + 1, off = b->sec[S_STRINGS].len;
    if (off + n >= LDB_NONE) {
        fail(b, base_error(DLA_ERR_NOMEM, "loadable builder: the string table exceeds 4 GiB"));
        return 0;
    }
    uint8_t *p = grow(b, &b->sec[S_STRINGS], n);
    if (!p)
        return 0;
    memcpy(p, s, n);
    b->hash[j] = (uint32_t)off + 1;
    b->hash_n++;
    return (uint32_t)off;
}

/* ---- records ---------------------------------------------------------------------------------------------- */

uint32_t ldb_add_blob(ldb_builder *b, const char *name, uint32_t kind, const void *data, uint64_t size)
{
    if (size && !data) {
        fail(b, base_error(DLA_ERR_INVALID_ARG, "loadable builder: blob '%s' has %llu bytes but no data",
                           name ? name : "", (unsigned long long)size));
        return LDB_NONE;
    }
    buf *d = &b->sec[S_BLOB_DATA];
    size_t pad = (LDB_BLOB_ALIGN - d->len % LDB_BLOB_ALIGN) % LDB_BLOB_ALIGN;
    if (b->err != DLA_OK || (pad && !grow(b, d, pad)))
        return LDB_NONE;
    uint64_t offset = d->len;
    if (size > SIZE_MAX || (size && !grow(b, d, (size_t)size)))
        return LDB_NONE;
    if (size)
        memcpy(d->p + offset, data, (size_t)size);
    uint32_t name_off = ldb_add_string(b, name), id;
    uint8_t *r = record(b, S_BLOBS, &id);
    if (!r)
        return LDB_NONE;
    ldb_wr32(r, name_off);
    ldb_wr32(r + 4, kind);
    ldb_wr64(r + 8, offset);
    ldb_wr64(r + 16, size);
    return id;
}

/* The pool bytes an entry takes: ALLOC entries that are not bound I/O, size rounded up to the alignment. */
static void count_pool(ldb_builder *b, const ldb_memory *m)
{
    if (!(m->flags & LDB_MEM_ALLOC) || (m->flags & (LDB_MEM_INPUT | LDB_MEM_OUTPUT)) || m->pool >= LDB_POOL_COUNT)
        return;
    uint64_t a = m->alignment ? m->alignment : 1, s = m->size;
    if (s % a)
        s = s + (a - s % a) < s ? UINT64_MAX : s + (a - s % a);
    b->used[m->pool] = b->used[m->pool] + s < s ? UINT64_MAX : b->used[m->pool] + s;
}

uint32_t ldb_add_memory(ldb_builder *b, const ldb_memory *m)
{
    uint32_t name = ldb_add_string(b, m->name), id;
    uint8_t *r = record(b, S_MEMORY, &id);
    if (!r)
        return LDB_NONE;
    ldb_wr32(r, id);
    ldb_wr32(r + 4, name);
    ldb_wr64(r + 8, m->size);
    ldb_wr32(r + 16, m->alignment);
    r[20] = m->domain;
    r[21] = m->flags;
    r[22] = m->pool;
    ldb_wr32(r + 24, m->bind_id);
    ldb_wr32(r + 28, m->tensor);
    ldb_wr32(r + 32, m->blob);
    ldb_wr64(r + 40, m->content_offset);
    count_pool(b, m);
    return id;
}

uint32_t ldb_add_address(ldb_builder *b, const ldb_address *a)
{
    uint32_t id;
    uint8_t *r = record(b, S_ADDRESSES, &id);
    if (!r)
        return LDB_NONE;
    ldb_wr32(r, id);
    ldb_wr32(r + 4, a->mem);
    ldb_wr64(r + 8, a->offset);
    ldb_wr64(r + 16, a->size);
    return id;
}

uint32_t ldb_add_tensor(ldb_builder *b, const ldb_tensor *t)
{
    uint32_t name = ldb_add_string(b, t->name), id;
    uint8_t *r = record(b, S_TENSORS, &id);
    if (!r)
        return LDB_NONE;
    ldb_wr32(r, id);
    ldb_wr32(r + 4, name);
    ldb_wr32(r + 8, t->mem);
    r[12] = t->rank;
    r[13] = t->dtype;
    r[14] = t->format;
    r[15] = t->flags;
    if (t->flags & LDB_TENSOR_DYNAMIC)
        b->minor = 1;
    ldb_wr64(r + 16, t->offset);
    ldb_wr64(r + 24, t->size);
    uint32_t scale_bits;
    memcpy(&scale_bits, &t->scale, 4);
    ldb_wr32(r + 32, scale_bits);
    ldb_wr32(r + 36, t->n);
    ldb_wr32(r + 40, t->c);
    ldb_wr32(r + 44, t->h);
    ldb_wr32(r + 48, t->w);
    for (int i = 0; i < LDB_MAX_RANK; i++) {
        ldb_wr64(r + 56 + 8 * i, (uint64_t)t->dims[i]);
        ldb_wr64(r + 120 + 8 * i, t->strides[i]);
    }
    return id;
}

uint32_t ldb_add_event(ldb_builder *b, const ldb_event *e)
{
    uint32_t id;
    uint8_t *r = record(b, S_EVENTS, &id);
    if (!r)
        return LDB_NONE;
    ldb_wr32(r, id);
    r[4] = e->type;
    ldb_wr32(r + 8, e->target);
    ldb_wr32(r + 12, e->value);
    return id;
}

/* Appends n indices; returns the first one's position in the index array. */
static uint32_t add_indices(ldb_builder *b, const uint32_t *v, uint32_t n)
{
    size_t first = b->sec[S_INDICES].len / 4;
    if (n && !v) {
        fail(b, base_error(DLA_ERR_INVALID_ARG, "loadable builder: a task's index list of %u entries is NULL", n));
        return 0;
    }
    if (first + n >= LDB_NONE) {
        fail(b, base_error(DLA_ERR_NOMEM, "loadable builder: more than 2^32-2 indices"));
        return 0;
    }
    uint8_t *p = n ? grow(b, &b->sec[S_INDICES], (size_t)n * 4) : NULL;
    for (uint32_t i = 0; p && i < n; i++)
        ldb_wr32(p + 4 * i, v[i]);
    return (uint32_t)first;
}

static void put_range(uint8_t *r, uint32_t first, uint32_t count)
{
    ldb_wr32(r, first);
    ldb_wr32(r + 4, count);
}

/* Stores a record array as a blob named "<task>/<what>" and writes (blob, count, record size) at r. */
static void put_records(ldb_builder *b, uint8_t *r, const ldb_task *t, const ldb_records *x, uint32_t kind,
                        const char *what)
{
    uint32_t blob = LDB_NONE;
    if (x->count) {
        char name[256];
        snprintf(name, sizeof name, "%s/%s", t->name ? t->name : "task", what);
        blob = ldb_add_blob(b, name, kind, x->data, (uint64_t)x->count * x->record_size);
    }
    ldb_wr32(r, blob);
    ldb_wr32(r + 4, x->count);
    ldb_wr32(r + 8, x->count ? x->record_size : 0);
}

static uint32_t add_layers(ldb_builder *b, const ldb_layer *l, uint32_t n)
{
    uint32_t first = (uint32_t)(b->sec[S_LAYERS].len / LDB_REC_LAYER), id;
    if (n && !l) {
        fail(b, base_error(DLA_ERR_INVALID_ARG, "loadable builder: a task's %u layers are NULL", n));
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t name = ldb_add_string(b, l[i].name), prec = ldb_add_string(b, l[i].precision);
        uint8_t *r = record(b, S_LAYERS, &id);
        if (!r)
            return 0;
        ldb_wr32(r, name);
        ldb_wr32(r + 4, prec);
        ldb_wr32(r + 8, l[i].first_op);
        ldb_wr32(r + 12, l[i].op_count);
        ldb_wr32(r + 16, l[i].units);
        ldb_wr32(r + 20, l[i].tensor);
    }
    return first;
}

uint32_t ldb_add_task(ldb_builder *b, const ldb_task *t)
{
    /* the index arrays, layers and blobs first: they are separate sections */
    uint32_t a = add_indices(b, t->addresses, t->n_addresses);
    uint32_t w = add_indices(b, t->wait_events, t->n_wait);
    uint32_t s = add_indices(b, t->signal_events, t->n_signal);
    uint32_t in = add_indices(b, t->inputs, t->n_inputs);
    uint32_t out = add_indices(b, t->outputs, t->n_outputs);
    uint32_t layers = add_layers(b, t->layers, t->n_layers);
    uint8_t rec[LDB_REC_TASK] = {0};
    put_records(b, rec + 52, t, &t->ops, LDB_BLOB_OPS, "ops");
    put_records(b, rec + 64, t, &t->surfaces, LDB_BLOB_SURFACES, "surfaces");
    put_records(b, rec + 76, t, &t->luts, LDB_BLOB_LUTS, "luts");
    uint32_t sub = LDB_NONE;
    if (t->type == LDB_TASK_HOST) {
        char name[256];
        snprintf(name, sizeof name, "%s/subgraph", t->name ? t->name : "task");
        sub = ldb_add_blob(b, name, LDB_BLOB_SUBGRAPH, t->subgraph.data, t->subgraph.size);
    }
    uint32_t name = ldb_add_string(b, t->name), id;
    uint8_t *r = record(b, S_TASKS, &id);
    if (!r)
        return LDB_NONE;
    memcpy(r, rec, sizeof rec);
    ldb_wr32(r, id);
    r[4] = t->type;
    ldb_wr16(r + 6, (uint16_t)t->core);
    ldb_wr32(r + 8, name);
    put_range(r + 12, a, t->n_addresses);
    put_range(r + 20, w, t->n_wait);
    put_range(r + 28, s, t->n_signal);
    put_range(r + 36, in, t->n_inputs);
    put_range(r + 44, out, t->n_outputs);
    put_range(r + 88, t->n_layers ? layers : 0, t->n_layers);
    for (int u = 0; u < LDB_UNIT_COUNT; u++)
        ldb_wr32(r + 96 + 4 * u, t->ops_per_unit[u]);
    ldb_wr32(r + 120, sub);
    return id;
}

void ldb_set_build_info(ldb_builder *b, const ldb_build_info *info)
{
    uint32_t v = ldb_add_string(b, info->dlakit_version), p = ldb_add_string(b, info->platform);
    uint32_t m = ldb_add_string(b, info->model), o = ldb_add_string(b, info->options);
    if (b->err != DLA_OK)
        return;
    uint8_t *r = b->sec[S_BUILD].p;
    ldb_wr32(r, v);
    ldb_wr32(r + 4, p);
    ldb_wr32(r + 8, m);
    ldb_wr32(r + 12, o);
    ldb_wr32(r + 16, info->precision);
}

void ldb_set_pool_limits(ldb_builder *b, const uint64_t limit[LDB_POOL_COUNT])
{
    if (b->err != DLA_OK)
        return;
    for (int p = 0; p < LDB_POOL_COUNT; p++)
        ldb_wr64(b->sec[S_POOLS].p + 8 * p, limit[p]);
}

void ldb_set_flags(ldb_builder *b, uint32_t flags)
{
    b->flags = flags;
}

/* ---- layout ----------------------------------------------------------------------------------------------- */

static uint64_t align_up(uint64_t x)
{
    return (x + LDB_BLOB_ALIGN - 1) / LDB_BLOB_ALIGN * LDB_BLOB_ALIGN;
}

dla_status ldb_finish(ldb_builder *b, void **bytes, size_t *size)
{
    *bytes = NULL;
    *size = 0;
    if (b->err != DLA_OK)
        return b->err;
    for (int p = 0; p < LDB_POOL_COUNT; p++)
        ldb_wr64(b->sec[S_POOLS].p + 24 + 8 * p, b->used[p]);
    /* empty optional sections are left out; strings, build info and pools are always there */
    int n_sec = 0;
    uint64_t offsets[S_COUNT], end = LDB_HEADER_SIZE;
    for (int s = 0; s < S_COUNT; s++) {
        n_sec += b->sec[s].len > 0;
        if (b->sec[s].len / sec_info[s].record_size > UINT32_MAX - 1)
            return base_error(DLA_ERR_NOMEM, "loadable builder: section %u has more than 2^32-2 records",
                              sec_info[s].type);
    }
    end += (uint64_t)n_sec * LDB_SECTION_ENTRY_SIZE;
    for (int s = 0; s < S_COUNT; s++) {
        if (!b->sec[s].len)
            continue;
        offsets[s] = align_up(end);
        end = offsets[s] + b->sec[s].len;
    }
    if (end > SIZE_MAX)
        return base_error(DLA_ERR_NOMEM, "loadable builder: %llu bytes do not fit in memory",
                          (unsigned long long)end);
    uint8_t *out = calloc(1, (size_t)end);
    if (!out)
        return base_error(DLA_ERR_NOMEM, "loadable builder: out of memory for %llu bytes", (unsigned long long)end);
    memcpy(out, LDB_MAGIC, 4);
    ldb_wr16(out + 8, LDB_VERSION_MAJOR);
    ldb_wr16(out + 10, (uint16_t)b->minor); /* the oldest minor that can read it (<= LDB_VERSION_MINOR) */
    ldb_wr16(out + 12, LDB_VERSION_PATCH);
    ldb_wr16(out + 14, LDB_HEADER_SIZE);
    ldb_wr64(out + 16, end);
    ldb_wr32(out + 24, b->flags);
    ldb_wr32(out + 28, (uint32_t)n_sec);
    ldb_wr32(out + 32, LDB_HEADER_SIZE);
    ldb_wr32(out + 36, LDB_SECTION_ENTRY_SIZE);
    uint8_t *e = out + LDB_HEADER_SIZE;
    for (int s = 0; s < S_COUNT; s++) {
        if (!b->sec[s].len)
            continue;
        ldb_wr32(e, sec_info[s].type);
        ldb_wr64(e + 8, offsets[s]);
        ldb_wr64(e + 16, b->sec[s].len);
        ldb_wr32(e + 24, (uint32_t)(b->sec[s].len / sec_info[s].record_size));
        ldb_wr32(e + 28, sec_info[s].record_size);
        memcpy(out + offsets[s], b->sec[s].p, b->sec[s].len);
        e += LDB_SECTION_ENTRY_SIZE;
    }
    ldb_reseal(out, (size_t)end);
    ldb_view v;
    dla_status st = ldb_parse(out, (size_t)end, &v);
    if (st != DLA_OK) {
        free(out);
        return st;
    }
    ldb_view_free(&v);
    *bytes = out;
    *size = (size_t)end;
    return DLA_OK;
}
