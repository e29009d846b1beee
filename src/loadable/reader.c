/* loadable: parse and validate. Order: header (magic, version, size, CRC), section table (types, bounds,
 * record sizes, overlap), then each section decoded into native structs with every field range-checked, then the
 * cross-references (memory <-> tensors, addresses, blobs, tasks -> indices/events/layers/blobs), the bindings and
 * the pool totals. Nothing is read before its bounds are known; all size arithmetic is in uint64_t with explicit
 * overflow checks. The first violation is reported (DLA_ERR_FORMAT) naming the record, field, value and limit. */
#include "loadable/loadable.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LDB_MAX_MEMORY ((uint64_t)1 << 40) /* largest memory entry / tensor (1 TiB) */

typedef struct sec {
    const uint8_t *p; /* NULL when absent */
    uint64_t size;
    uint32_t count;
} sec;

typedef struct ctx {
    const uint8_t *base;
    uint64_t total;
    sec s[LDB_SEC_TYPE_COUNT];
    ldb_view *v;
    /* decoded arrays (owned by v->owned_) */
    ldb_blob *blobs;
    ldb_memory *memory;
    ldb_address *addresses;
    ldb_tensor *tensors;
    ldb_event *events;
    ldb_layer *layers;
    ldb_task *tasks;
    uint32_t *indices;
    uint32_t n_indices;
} ctx;

static const uint32_t record_size[LDB_SEC_TYPE_COUNT] = {
    [LDB_SEC_STRINGS] = 1,           [LDB_SEC_BUILD_INFO] = LDB_REC_BUILD_INFO, [LDB_SEC_POOLS] = LDB_REC_POOLS,
    [LDB_SEC_BLOBS] = LDB_REC_BLOB,  [LDB_SEC_BLOB_DATA] = 1,                   [LDB_SEC_MEMORY] = LDB_REC_MEMORY,
    [LDB_SEC_ADDRESSES] = LDB_REC_ADDRESS, [LDB_SEC_TENSORS] = LDB_REC_TENSOR, [LDB_SEC_EVENTS] = LDB_REC_EVENT,
    [LDB_SEC_LAYERS] = LDB_REC_LAYER, [LDB_SEC_TASKS] = LDB_REC_TASK,          [LDB_SEC_INDICES] = 4,
};

#define BAD(...) base_error(DLA_ERR_FORMAT, "loadable: " __VA_ARGS__)
#define ULL(x) ((unsigned long long)(x))

static int is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* (offset, size) lies inside a container of `limit` bytes. */
static int inside(uint64_t offset, uint64_t size, uint64_t limit)
{
    return offset <= limit && size <= limit - offset;
}

static dla_status get_str(const ctx *c, uint32_t off, const char *what, uint32_t i, const char *field,
                          const char **out)
{
    if (off >= c->v->strings_size)
        return BAD("%s[%u].%s: string offset %u is outside the %llu-byte string table", what, i, field, off,
                   ULL(c->v->strings_size));
    *out = c->v->strings + off;
    return DLA_OK;
}

static dla_status get_name(const ctx *c, uint32_t off, const char *what, uint32_t i, const char **out)
{
    BASE_TRY(get_str(c, off, what, i, "name", out));
    if (!**out)
        return BAD("%s[%u]: empty name", what, i);
    return DLA_OK;
}

/* ---- header and section table ----------------------------------------------------------------------------- */

static dla_status check_header(ctx *c, const uint8_t *p, size_t size)
{
    if (size < LDB_HEADER_SIZE)
        return BAD("%zu bytes is shorter than the %d-byte header", size, LDB_HEADER_SIZE);
    if (memcmp(p, LDB_MAGIC, 4) != 0)
        return BAD("bad magic (expected \"DLAK\")");
    uint16_t major = ldb_rd16(p + 8), minor = ldb_rd16(p + 10), patch = ldb_rd16(p + 12);
    if (major != LDB_VERSION_MAJOR || minor > LDB_VERSION_MINOR)
        return base_error(DLA_ERR_VERSION, "loadable: format version %u.%u.%u, this build reads %d.0 to %d.%d",
                          major, minor, patch, LDB_VERSION_MAJOR, LDB_VERSION_MAJOR, LDB_VERSION_MINOR);
    if (ldb_rd16(p + 14) != LDB_HEADER_SIZE)
        return BAD("header size %u, expected %d", ldb_rd16(p + 14), LDB_HEADER_SIZE);
    if (ldb_rd64(p + 16) != size)
        return BAD("header says %llu bytes, the buffer has %zu (truncated or padded)", ULL(ldb_rd64(p + 16)), size);
    uint32_t crc = ldb_crc32(0, p + LDB_CRC_START, size - LDB_CRC_START);
    if (crc != ldb_rd32(p + LDB_CRC_OFFSET))
        return BAD("CRC-32 mismatch (stored 0x%08x, computed 0x%08x): the file is corrupt",
                   ldb_rd32(p + LDB_CRC_OFFSET), crc);
    uint32_t flags = ldb_rd32(p + 24);
    if (flags & ~(uint32_t)LDB_FLAG_STANDALONE)
        return BAD("unknown header flags 0x%x", flags);
    if (!all_zero(p + 40, 24))
        return BAD("reserved header bytes 40..63 are not zero");
    c->v->major = major;
    c->v->minor = minor;
    c->v->patch = patch;
    c->v->flags = flags;
    c->v->total_size = size;
    return DLA_OK;
}

static dla_status read_sections(ctx *c)
{
    const uint8_t *p = c->base;
    uint32_t n = ldb_rd32(p + 28), table = ldb_rd32(p + 32), entry = ldb_rd32(p + 36);
    if (n < 1 || n > LDB_MAX_SECTIONS)
        return BAD("section count %u is not from 1 to %d", n, LDB_MAX_SECTIONS);
    if (table != LDB_HEADER_SIZE || entry != LDB_SECTION_ENTRY_SIZE)
        return BAD("section table at %u with %u-byte entries, expected %d and %d", table, entry, LDB_HEADER_SIZE,
                   LDB_SECTION_ENTRY_SIZE);
    uint64_t table_end = (uint64_t)table + (uint64_t)n * entry;
    if (table_end > c->total)
        return BAD("the section table (%u entries) runs past the end of the file", n);
    uint64_t off[LDB_MAX_SECTIONS], len[LDB_MAX_SECTIONS];
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = p + table + (uint64_t)i * entry;
        uint32_t type = ldb_rd32(e), count = ldb_rd32(e + 24), rs = ldb_rd32(e + 28);
        off[i] = ldb_rd64(e + 8);
        len[i] = ldb_rd64(e + 16);
        if (type < 1 || type >= LDB_SEC_TYPE_COUNT)
            return BAD("section %u: unknown type %u", i, type);
        if (c->s[type].p)
            return BAD("section %u: type %u appears twice", i, type);
        if (ldb_rd32(e + 4))
            return BAD("section %u: reserved field is %u, expected 0", i, ldb_rd32(e + 4));
        if (off[i] % LDB_BLOB_ALIGN || off[i] < table_end || !inside(off[i], len[i], c->total))
            return BAD("section %u (type %u): offset %llu size %llu is not a %d-aligned range after the section "
                       "table inside the %llu-byte file", i, type, ULL(off[i]), ULL(len[i]), LDB_BLOB_ALIGN,
                       ULL(c->total));
        if (rs != record_size[type] || (uint64_t)count * rs != len[i])
            return BAD("section %u (type %u): %u records of %u bytes in %llu bytes (records are %u bytes)", i, type,
                       count, rs, ULL(len[i]), record_size[type]);
        for (uint32_t j = 0; j < i; j++)
            if (len[i] && len[j] && off[i] < off[j] + len[j] && off[j] < off[i] + len[i])
                return BAD("sections %u and %u overlap", j, i);
        c->s[type] = (sec){p + off[i], len[i], count};
    }
    if (!c->s[LDB_SEC_STRINGS].p || !c->s[LDB_SEC_BUILD_INFO].p || !c->s[LDB_SEC_POOLS].p)
        return BAD("a required section (strings, build info, pools) is missing");
    if (c->s[LDB_SEC_BUILD_INFO].count != 1 || c->s[LDB_SEC_POOLS].count != 1)
        return BAD("build info and pools must hold one record each");
    return DLA_OK;
}

/* ---- decoded storage -------------------------------------------------------------------------------------- */

static size_t round16(size_t x)
{
    return (x + 15) & ~(size_t)15;
}

static dla_status allocate(ctx *c)
{
    const struct { uint32_t n; size_t elem; } parts[] = {
        {c->s[LDB_SEC_BLOBS].count, sizeof(ldb_blob)},     {c->s[LDB_SEC_MEMORY].count, sizeof(ldb_memory)},
        {c->s[LDB_SEC_ADDRESSES].count, sizeof(ldb_address)}, {c->s[LDB_SEC_TENSORS].count, sizeof(ldb_tensor)},
        {c->s[LDB_SEC_EVENTS].count, sizeof(ldb_event)},   {c->s[LDB_SEC_LAYERS].count, sizeof(ldb_layer)},
        {c->s[LDB_SEC_TASKS].count, sizeof(ldb_task)},     {c->s[LDB_SEC_INDICES].count, sizeof(uint32_t)},
    };
    size_t total = 16, sz[8];
    for (int i = 0; i < 8; i++) {
        if (!base_mul_size(parts[i].n, parts[i].elem, &sz[i]) || sz[i] > SIZE_MAX / 2 - total)
            return base_error(DLA_ERR_NOMEM, "loadable: the decoded tables do not fit in memory");
        total += round16(sz[i]);
    }
    uint8_t *m = calloc(1, total);
    if (!m)
        return base_error(DLA_ERR_NOMEM, "loadable: out of memory for the decoded tables (%zu bytes)", total);
    c->v->owned_ = m;
    void **dst[8] = {(void **)&c->blobs, (void **)&c->memory, (void **)&c->addresses, (void **)&c->tensors,
                     (void **)&c->events, (void **)&c->layers, (void **)&c->tasks, (void **)&c->indices};
    for (int i = 0; i < 8; i++) {
        *dst[i] = m;
        m += round16(sz[i]);
    }
    c->n_indices = c->s[LDB_SEC_INDICES].count;
    return DLA_OK;
}

/* ---- sections --------------------------------------------------------------------------------------------- */

static dla_status read_strings(ctx *c)
{
    const sec *s = &c->s[LDB_SEC_STRINGS];
    if (s->size < 1 || s->p[0] != 0 || s->p[s->size - 1] != 0)
        return BAD("the string table must start and end with a NUL byte");
    c->v->strings = (const char *)s->p;
    c->v->strings_size = (size_t)s->size;
    return DLA_OK;
}

static dla_status read_build_and_pools(ctx *c)
{
    const uint8_t *r = c->s[LDB_SEC_BUILD_INFO].p;
    ldb_build_info *b = &c->v->build;
    BASE_TRY(get_str(c, ldb_rd32(r), "build", 0, "dlakit_version", &b->dlakit_version));
    BASE_TRY(get_str(c, ldb_rd32(r + 4), "build", 0, "platform", &b->platform));
    BASE_TRY(get_str(c, ldb_rd32(r + 8), "build", 0, "model", &b->model));
    BASE_TRY(get_str(c, ldb_rd32(r + 12), "build", 0, "options", &b->options));
    b->precision = ldb_rd32(r + 16);
    if (b->precision & ~LDB_BUILD_FLAGS_ALL)
        return BAD("build info: unknown precision flags 0x%x", b->precision);
    if (!all_zero(r + 20, 12))
        return BAD("build info: reserved bytes are not zero");
    r = c->s[LDB_SEC_POOLS].p;
    for (int p = 0; p < LDB_POOL_COUNT; p++) {
        uint64_t lim = ldb_rd64(r + 8 * p);
        if (lim && (!is_pow2(lim) || lim < 4096))
            return BAD("pool %s: size %llu is not 0 or a power of two >= 4096", ldb_pool_name((uint32_t)p),
                       ULL(lim));
        c->v->pools.limit[p] = lim;
        c->v->pools.used[p] = ldb_rd64(r + 24 + 8 * p);
    }
    return DLA_OK;
}

static dla_status read_blobs(ctx *c)
{
    const sec *s = &c->s[LDB_SEC_BLOBS], *d = &c->s[LDB_SEC_BLOB_DATA];
    uint64_t data_size = d->p ? d->size : 0, prev_end = 0;
    for (uint32_t i = 0; i < s->count; i++) {
        const uint8_t *r = s->p + (uint64_t)i * LDB_REC_BLOB;
        ldb_blob *b = &c->blobs[i];
        BASE_TRY(get_str(c, ldb_rd32(r), "blob", i, "name", &b->name));
        b->kind = ldb_rd32(r + 4);
        b->offset = ldb_rd64(r + 8);
        b->size = ldb_rd64(r + 16);
        if (b->kind >= LDB_BLOB_KIND_COUNT)
            return BAD("blob[%u] '%s': unknown kind %u", i, b->name, b->kind);
        if (b->offset % LDB_BLOB_ALIGN || b->offset < prev_end || !inside(b->offset, b->size, data_size))
            return BAD("blob[%u] '%s': offset %llu size %llu is not a %d-aligned range after the previous blob "
                       "inside the %llu-byte blob data", i, b->name, ULL(b->offset), ULL(b->size), LDB_BLOB_ALIGN,
                       ULL(data_size));
        if (ldb_rd64(r + 24))
            return BAD("blob[%u]: reserved field is not zero", i);
        b->data = d->p ? d->p + b->offset : c->base; /* never NULL, even for an empty blob */
        prev_end = b->offset + b->size;
    }
    c->v->blobs = c->blobs;
    c->v->n_blobs = s->count;
    return DLA_OK;
}

static dla_status check_memory(ctx *c, uint32_t i, const ldb_memory *m)
{
    if (m->size == 0 || m->size > LDB_MAX_MEMORY)
        return BAD("memory[%u] '%s': size %llu is not from 1 to 2^40", i, m->name, ULL(m->size));
    if (!is_pow2(m->alignment) || m->alignment > LDB_MAX_ALIGNMENT)
        return BAD("memory[%u] '%s': alignment %u is not a power of two from 1 to %d", i, m->name, m->alignment,
                   LDB_MAX_ALIGNMENT);
    if (m->domain > LDB_DOMAIN_SRAM || m->pool >= LDB_POOL_COUNT ||
        (m->domain == LDB_DOMAIN_SRAM) != (m->pool == LDB_POOL_SRAM))
        return BAD("memory[%u] '%s': domain %u with pool %u (SRAM domain <=> SRAM pool)", i, m->name, m->domain,
                   m->pool);
    if (!m->flags || (m->flags & ~15u) || (m->flags & LDB_MEM_INPUT && m->flags & LDB_MEM_OUTPUT))
        return BAD("memory[%u] '%s': flags 0x%x (ALLOC=1 SET=2 INPUT=4 OUTPUT=8, not INPUT and OUTPUT)", i,
                   m->name, m->flags);
    int io = (m->flags & (LDB_MEM_INPUT | LDB_MEM_OUTPUT)) != 0;
    if (io != (m->bind_id != LDB_NONE))
        return BAD("memory[%u] '%s': bind id %u on a%s bound entry", i, m->name, m->bind_id, io ? "" : " non");
    if (m->flags & LDB_MEM_SET) {
        if (m->blob >= c->v->n_blobs)
            return BAD("memory[%u] '%s': content blob %u of %u", i, m->name, m->blob, c->v->n_blobs);
        const ldb_blob *b = &c->blobs[m->blob];
        if (b->kind != LDB_BLOB_DATA && b->kind != LDB_BLOB_WEIGHTS)
            return BAD("memory[%u] '%s': content blob %u is a kind-%u blob, not data or weights", i, m->name,
                       m->blob, b->kind);
        if (!inside(m->content_offset, b->size, m->size))
            return BAD("memory[%u] '%s': content of %llu bytes at %llu exceeds its %llu bytes", i, m->name,
                       ULL(b->size), ULL(m->content_offset), ULL(m->size));
    } else if (m->blob != LDB_NONE || m->content_offset) {
        return BAD("memory[%u] '%s': content blob %u without the SET flag", i, m->name, m->blob);
    }
    return DLA_OK;
}

static dla_status read_memory(ctx *c)
{
    const sec *s = &c->s[LDB_SEC_MEMORY];
    uint64_t used[LDB_POOL_COUNT] = {0};
    for (uint32_t i = 0; i < s->count; i++) {
        const uint8_t *r = s->p + (uint64_t)i * LDB_REC_MEMORY;
        ldb_memory *m = &c->memory[i];
        m->id = ldb_rd32(r);
        BASE_TRY(get_str(c, ldb_rd32(r + 4), "memory", i, "name", &m->name));
        m->size = ldb_rd64(r + 8);
        m->alignment = ldb_rd32(r + 16);
        m->domain = r[20];
        m->flags = r[21];
        m->pool = r[22];
        m->bind_id = ldb_rd32(r + 24);
        m->tensor = ldb_rd32(r + 28);
        m->blob = ldb_rd32(r + 32);
        m->content_offset = ldb_rd64(r + 40);
        if (m->id != i)
            return BAD("memory[%u]: id %u, expected its index", i, m->id);
        if (r[23] || ldb_rd32(r + 36) || !all_zero(r + 48, 16))
            return BAD("memory[%u]: reserved bytes are not zero", i);
        BASE_TRY(check_memory(c, i, m));
        if ((m->flags & LDB_MEM_ALLOC) && !(m->flags & (LDB_MEM_INPUT | LDB_MEM_OUTPUT))) {
            /* size <= 2^40 and alignment <= 2^16: no overflow below; the pool sum is bounded by 2^32 * 2^41 */
            uint64_t bytes = (m->size + m->alignment - 1) / m->alignment * m->alignment;
            if (__builtin_add_overflow(used[m->pool], bytes, &used[m->pool]))
                return BAD("pool %s: total size overflows", ldb_pool_name(m->pool));
        }
        if (m->flags & LDB_MEM_INPUT)
            c->v->n_inputs++;
        if (m->flags & LDB_MEM_OUTPUT)
            c->v->n_outputs++;
    }
    for (int p = 0; p < LDB_POOL_COUNT; p++)
        if (used[p] != c->v->pools.used[p])
            return BAD("pool %s: the header records %llu bytes used, the memory list sums to %llu",
                       ldb_pool_name((uint32_t)p), ULL(c->v->pools.used[p]), ULL(used[p]));
    c->v->memory = c->memory;
    c->v->n_memory = s->count;
    return DLA_OK;
}

/* Bind ids: inputs 0..n_inputs-1 each once, outputs likewise. */
static dla_status check_bindings(ctx *c)
{
    ldb_view *v = c->v;
    uint8_t *seen = calloc((size_t)v->n_inputs + v->n_outputs + 1, 1);
    if (!seen)
        return base_error(DLA_ERR_NOMEM, "loadable: out of memory");
    dla_status st = DLA_OK;
    for (uint32_t i = 0; i < v->n_memory && st == DLA_OK; i++) {
        const ldb_memory *m = &c->memory[i];
        if (!(m->flags & (LDB_MEM_INPUT | LDB_MEM_OUTPUT)))
            continue;
        int out = (m->flags & LDB_MEM_OUTPUT) != 0;
        uint32_t n = out ? v->n_outputs : v->n_inputs;
        if (m->bind_id >= n || seen[(out ? v->n_inputs : 0) + m->bind_id]++)
            st = BAD("memory[%u] '%s': %s bind id %u is not unique in 0..%u", i, m->name, out ? "output" : "input",
                     m->bind_id, n - 1);
    }
    for (uint32_t i = 0; i < v->n_memory && st == DLA_OK; i++)
        if (c->memory[i].tensor != LDB_NONE && c->memory[i].tensor >= v->n_tensors)
            st = BAD("memory[%u] '%s': tensor %u of %u", i, c->memory[i].name, c->memory[i].tensor, v->n_tensors);
    free(seen);
    return st;
}

static dla_status read_addresses(ctx *c)
{
    const sec *s = &c->s[LDB_SEC_ADDRESSES];
    for (uint32_t i = 0; i < s->count; i++) {
        const uint8_t *r = s->p + (uint64_t)i * LDB_REC_ADDRESS;
        ldb_address *a = &c->addresses[i];
        a->id = ldb_rd32(r);
        a->mem = ldb_rd32(r + 4);
        a->offset = ldb_rd64(r + 8);
        a->size = ldb_rd64(r + 16);
        if (a->id != i || ldb_rd64(r + 24))
            return BAD("address[%u]: id %u (expected its index) or reserved bytes not zero", i, a->id);
        if (a->mem >= c->v->n_memory)
            return BAD("address[%u]: memory %u of %u", i, a->mem, c->v->n_memory);
        if (a->size == 0 || !inside(a->offset, a->size, c->memory[a->mem].size))
            return BAD("address[%u]: %llu bytes at %llu are not inside memory %u of %llu bytes", i, ULL(a->size),
                       ULL(a->offset), a->mem, ULL(c->memory[a->mem].size));
    }
    c->v->addresses = c->addresses;
    c->v->n_addresses = s->count;
    return DLA_OK;
}

/* The format's constraints on the element type (dla-facts §2.3): chw16 is FP16, chw32 INT8, the other DLA
 * formats FP16 or INT8. */
static int format_fits(uint32_t format, uint32_t dtype)
{
    switch (format) {
    case LDB_FMT_NCHW: return 1;
    case LDB_FMT_CHW16: return dtype == LDB_DT_HALF;
    case LDB_FMT_CHW32: return dtype == LDB_DT_INT8;
    default: return dtype == LDB_DT_HALF || dtype == LDB_DT_INT8;
    }
}

static dla_status check_tensor(const ctx *c, uint32_t i, const ldb_tensor *t)
{
    size_t es = ldb_dtype_size(t->dtype);
    if (!es || t->format >= LDB_FMT_COUNT || !format_fits(t->format, t->dtype))
        return BAD("tensor[%u] '%s': data type %u in format %u is not a valid pair", i, t->name, t->dtype,
                   t->format);
    uint32_t known = c->v->minor >= 1 ? LDB_TENSOR_HAS_SCALE | LDB_TENSOR_DYNAMIC : LDB_TENSOR_HAS_SCALE;
    if (t->rank > LDB_MAX_RANK || (t->flags & ~known))
        return BAD("tensor[%u] '%s': rank %u (max %d) or flags 0x%x", i, t->name, t->rank, LDB_MAX_RANK, t->flags);
    if (t->flags & LDB_TENSOR_HAS_SCALE ? !(isfinite(t->scale) && t->scale > 0) : t->scale != 0)
        return BAD("tensor[%u] '%s': scale %g (a scale is finite and > 0, and 0 without the flag)", i, t->name,
                   (double)t->scale);
    if (t->flags & LDB_TENSOR_DYNAMIC) {
        if (t->format != LDB_FMT_NCHW || t->n || t->c || t->h || t->w || !t->size || t->size > LDB_MAX_MEMORY)
            return BAD("tensor[%u] '%s': a dynamic tensor is NCHW with n = c = h = w = 0 and a capacity of 1 byte "
                       "to 2^40 (format %u, %u*%u*%u*%u, %llu bytes)", i, t->name, t->format, t->n, t->c, t->h,
                       t->w, ULL(t->size));
        for (int d = 0; d < LDB_MAX_RANK; d++)
            if (t->strides[d] != 0 || (d >= t->rank ? t->dims[d] != 0 : t->dims[d] < -1))
                return BAD("tensor[%u] '%s': dims[%d] = %lld (a dynamic tensor: >= -1 below the rank, 0 above; "
                           "strides 0)", i, t->name, d, (long long)t->dims[d]);
    } else {
        uint64_t numel = 1, nchw = 1;
        for (int d = 0; d < LDB_MAX_RANK; d++) {
            if (d >= t->rank ? t->dims[d] != 0 || t->strides[d] != 0 : t->dims[d] < 0)
                return BAD("tensor[%u] '%s': dims[%d] = %lld (>= 0 below the rank, 0 and stride 0 above)", i,
                           t->name, d, (long long)t->dims[d]);
            if (d < t->rank && __builtin_mul_overflow(numel, (uint64_t)t->dims[d], &numel))
                return BAD("tensor[%u] '%s': element count overflows", i, t->name);
        }
        const uint32_t v4[4] = {t->n, t->c, t->h, t->w};
        int overflow = 0;
        for (int d = 0; d < 4; d++)
            overflow |= __builtin_mul_overflow(nchw, (uint64_t)v4[d], &nchw);
        if (overflow || nchw != numel)
            return BAD("tensor[%u] '%s': n*c*h*w = %u*%u*%u*%u differs from the %llu elements of its dims", i,
                       t->name, t->n, t->c, t->h, t->w, ULL(numel));
        uint64_t dense;
        if (__builtin_mul_overflow(numel, (uint64_t)es, &dense) || t->size < dense || t->size > LDB_MAX_MEMORY)
            return BAD("tensor[%u] '%s': size %llu is below its %llu elements of %zu bytes or above 2^40", i,
                       t->name, ULL(t->size), ULL(numel), es);
    }
    if (t->mem == LDB_NONE ? t->offset != 0
                           : t->mem >= c->v->n_memory || !inside(t->offset, t->size, c->memory[t->mem].size))
        return BAD("tensor[%u] '%s': memory %u offset %llu size %llu is not inside a memory entry", i, t->name,
                   t->mem, ULL(t->offset), ULL(t->size));
    return DLA_OK;
}

static dla_status read_tensors(ctx *c)
{
    const sec *s = &c->s[LDB_SEC_TENSORS];
    for (uint32_t i = 0; i < s->count; i++) {
        const uint8_t *r = s->p + (uint64_t)i * LDB_REC_TENSOR;
        ldb_tensor *t = &c->tensors[i];
        t->id = ldb_rd32(r);
        BASE_TRY(get_name(c, ldb_rd32(r + 4), "tensor", i, &t->name));
        t->mem = ldb_rd32(r + 8);
        t->rank = r[12];
        t->dtype = r[13];
        t->format = r[14];
        t->flags = r[15];
        t->offset = ldb_rd64(r + 16);
        t->size = ldb_rd64(r + 24);
        uint32_t bits = ldb_rd32(r + 32);
        memcpy(&t->scale, &bits, 4);
        t->n = ldb_rd32(r + 36);
        t->c = ldb_rd32(r + 40);
        t->h = ldb_rd32(r + 44);
        t->w = ldb_rd32(r + 48);
        for (int d = 0; d < LDB_MAX_RANK; d++) {
            t->dims[d] = (int64_t)ldb_rd64(r + 56 + 8 * d);
            t->strides[d] = ldb_rd64(r + 120 + 8 * d);
        }
        if (t->id != i || ldb_rd32(r + 52) || ldb_rd64(r + 184))
            return BAD("tensor[%u]: id %u (expected its index) or reserved bytes not zero", i, t->id);
        BASE_TRY(check_tensor(c, i, t));
    }
    c->v->tensors = c->tensors;
    c->v->n_tensors = s->count;
    return DLA_OK;
}

static dla_status read_events_indices_layers(ctx *c)
{
    const sec *s = &c->s[LDB_SEC_EVENTS];
    for (uint32_t i = 0; i < s->count; i++) {
        const uint8_t *r = s->p + (uint64_t)i * LDB_REC_EVENT;
        ldb_event *e = &c->events[i];
        e->id = ldb_rd32(r);
        e->type = r[4];
        e->target = ldb_rd32(r + 8);
        e->value = ldb_rd32(r + 12);
        if (e->id != i || e->type != LDB_EVENT_SYNC || !all_zero(r + 5, 3))
            return BAD("event[%u]: id %u (expected its index), type %u (expected 0) or reserved bytes", i, e->id,
                       e->type);
    }
    c->v->events = c->events;
    c->v->n_events = s->count;
    s = &c->s[LDB_SEC_INDICES];
    for (uint32_t i = 0; i < s->count; i++)
        c->indices[i] = ldb_rd32(s->p + 4 * (uint64_t)i);
    s = &c->s[LDB_SEC_LAYERS];
    for (uint32_t i = 0; i < s->count; i++) {
        const uint8_t *r = s->p + (uint64_t)i * LDB_REC_LAYER;
        ldb_layer *l = &c->layers[i];
        BASE_TRY(get_name(c, ldb_rd32(r), "layer", i, &l->name));
        BASE_TRY(get_str(c, ldb_rd32(r + 4), "layer", i, "precision", &l->precision));
        l->first_op = ldb_rd32(r + 8);
        l->op_count = ldb_rd32(r + 12);
        l->units = ldb_rd32(r + 16);
        l->tensor = ldb_rd32(r + 20);
        if (l->units >= 1u << LDB_UNIT_COUNT || ldb_rd64(r + 24))
            return BAD("layer[%u] '%s': unit mask 0x%x or reserved bytes", i, l->name, l->units);
        if (l->tensor != LDB_NONE && l->tensor >= c->v->n_tensors)
            return BAD("layer[%u] '%s': tensor %u of %u", i, l->name, l->tensor, c->v->n_tensors);
    }
    c->v->layers = c->layers;
    c->v->n_layers = s->count;
    return DLA_OK;
}

/* ---- tasks ------------------------------------------------------------------------------------------------ */

typedef struct task_check {
    uint32_t *signaller; /* per event: the task that signals it, LDB_NONE until seen */
    uint8_t *layer_used, *blob_used;
} task_check;

/* A (first, count) range of the index array whose entries are all < limit. */
static dla_status get_list(const ctx *c, const uint8_t *r, uint32_t task, const char *what, uint32_t limit,
                           const uint32_t **out, uint32_t *n)
{
    uint32_t first = ldb_rd32(r), count = ldb_rd32(r + 4);
    if (!inside(first, count, c->n_indices))
        return BAD("task[%u]: %s list [%u, +%u) is outside the %u indices", task, what, first, count, c->n_indices);
    for (uint32_t k = 0; k < count; k++)
        if (c->indices[first + k] >= limit)
            return BAD("task[%u]: %s %u of %u", task, what, c->indices[first + k], limit);
    *out = c->indices + first;
    *n = count;
    return DLA_OK;
}

static dla_status get_records(const ctx *c, task_check *tc, const uint8_t *r, uint32_t task, const char *what,
                              uint32_t kind, ldb_records *x)
{
    x->blob = ldb_rd32(r);
    x->count = ldb_rd32(r + 4);
    x->record_size = ldb_rd32(r + 8);
    if (x->blob == LDB_NONE) {
        if (x->count || x->record_size)
            return BAD("task[%u]: %u %s records of %u bytes without a blob", task, x->count, what, x->record_size);
        return DLA_OK;
    }
    if (x->blob >= c->v->n_blobs || c->blobs[x->blob].kind != kind || tc->blob_used[x->blob]++)
        return BAD("task[%u]: %s blob %u is not an unshared kind-%u blob (of %u)", task, what, x->blob, kind,
                   c->v->n_blobs);
    if (x->count == 0 || x->record_size == 0 ||
        (uint64_t)x->count * x->record_size != c->blobs[x->blob].size)
        return BAD("task[%u]: %u %s records of %u bytes do not fill blob %u of %llu bytes", task, x->count, what,
                   x->record_size, x->blob, ULL(c->blobs[x->blob].size));
    x->data = c->blobs[x->blob].data;
    return DLA_OK;
}

static dla_status check_dla_task(const ctx *c, task_check *tc, uint32_t i, const uint8_t *r, ldb_task *t)
{
    BASE_TRY(get_records(c, tc, r + 52, i, "op", LDB_BLOB_OPS, &t->ops));
    BASE_TRY(get_records(c, tc, r + 64, i, "surface", LDB_BLOB_SURFACES, &t->surfaces));
    BASE_TRY(get_records(c, tc, r + 76, i, "LUT", LDB_BLOB_LUTS, &t->luts));
    uint64_t sum = 0;
    for (int u = 0; u < LDB_UNIT_COUNT; u++)
        sum += t->ops_per_unit[u];
    if (sum != t->ops.count)
        return BAD("task[%u]: per-processor op counts sum to %llu, the task has %u ops", i, ULL(sum), t->ops.count);
    if (!inside(t->layer_first, t->n_layers, c->v->n_layers))
        return BAD("task[%u]: layers [%u, +%u) outside the %u layers", i, t->layer_first, t->n_layers,
                   c->v->n_layers);
    for (uint32_t k = 0; k < t->n_layers; k++) {
        const ldb_layer *l = &c->layers[t->layer_first + k];
        if (tc->layer_used[t->layer_first + k]++)
            return BAD("task[%u]: layer %u belongs to two tasks", i, t->layer_first + k);
        if (!inside(l->first_op, l->op_count, t->ops.count))
            return BAD("layer[%u] '%s': ops [%u, +%u) outside task %u's %u ops", t->layer_first + k, l->name,
                       l->first_op, l->op_count, i, t->ops.count);
    }
    t->layers = t->n_layers ? c->layers + t->layer_first : NULL;
    if (ldb_rd32(r + 120) != LDB_NONE)
        return BAD("task[%u]: a DLA task with a subgraph blob", i);
    return DLA_OK;
}

static dla_status check_host_task(const ctx *c, task_check *tc, uint32_t i, const uint8_t *r, ldb_task *t)
{
    for (int k = 0; k < 3; k++)
        if (ldb_rd32(r + 52 + 12 * k) != LDB_NONE || ldb_rd32(r + 56 + 12 * k) || ldb_rd32(r + 60 + 12 * k))
            return BAD("task[%u]: a HOST task with DLA records", i);
    if (t->core != -1 || t->n_layers || t->layer_first || !all_zero(r + 96, 24))
        return BAD("task[%u]: a HOST task with a core (%d), layers or op counts", i, t->core);
    uint32_t b = ldb_rd32(r + 120);
    if (b >= c->v->n_blobs || c->blobs[b].kind != LDB_BLOB_SUBGRAPH || tc->blob_used[b]++)
        return BAD("task[%u]: subgraph blob %u is not an unshared subgraph blob (of %u)", i, b, c->v->n_blobs);
    t->subgraph = (ldb_bytes){c->blobs[b].data, c->blobs[b].size, b};
    t->ops.blob = t->surfaces.blob = t->luts.blob = LDB_NONE;
    return DLA_OK;
}

static dla_status check_events(const ctx *c, task_check *tc, uint32_t i, const ldb_task *t)
{
    for (uint32_t k = 0; k < t->n_wait; k++)
        if (tc->signaller[t->wait_events[k]] == LDB_NONE)
            return BAD("task[%u]: waits for event %u that no earlier task signals", i, t->wait_events[k]);
    for (uint32_t k = 0; k < t->n_signal; k++) {
        uint32_t e = t->signal_events[k];
        if (tc->signaller[e] != LDB_NONE)
            return BAD("task[%u]: event %u is already signalled by task %u", i, e, tc->signaller[e]);
        tc->signaller[e] = i;
    }
    return DLA_OK;
}

static dla_status read_task(const ctx *c, task_check *tc, uint32_t i)
{
    const uint8_t *r = c->s[LDB_SEC_TASKS].p + (uint64_t)i * LDB_REC_TASK;
    ldb_task *t = &c->tasks[i];
    ldb_view *v = c->v;
    t->id = ldb_rd32(r);
    t->type = r[4];
    t->core = (int16_t)ldb_rd16(r + 6);
    if (t->id != i || t->type > LDB_TASK_HOST || r[5] || ldb_rd32(r + 124))
        return BAD("task[%u]: id %u (expected its index), type %u or reserved bytes", i, t->id, t->type);
    if (t->core < -1 || t->core >= LDB_MAX_CORES)
        return BAD("task[%u]: core %d is not -1 (any) or 0..%d", i, t->core, LDB_MAX_CORES - 1);
    BASE_TRY(get_str(c, ldb_rd32(r + 8), "task", i, "name", &t->name));
    BASE_TRY(get_list(c, r + 12, i, "address", v->n_addresses, &t->addresses, &t->n_addresses));
    BASE_TRY(get_list(c, r + 20, i, "wait event", v->n_events, &t->wait_events, &t->n_wait));
    BASE_TRY(get_list(c, r + 28, i, "signal event", v->n_events, &t->signal_events, &t->n_signal));
    BASE_TRY(get_list(c, r + 36, i, "input tensor", v->n_tensors, &t->inputs, &t->n_inputs));
    BASE_TRY(get_list(c, r + 44, i, "output tensor", v->n_tensors, &t->outputs, &t->n_outputs));
    t->layer_first = ldb_rd32(r + 88);
    t->n_layers = ldb_rd32(r + 92);
    for (int u = 0; u < LDB_UNIT_COUNT; u++)
        t->ops_per_unit[u] = ldb_rd32(r + 96 + 4 * u);
    if (t->type == LDB_TASK_DLA)
        BASE_TRY(check_dla_task(c, tc, i, r, t));
    else
        BASE_TRY(check_host_task(c, tc, i, r, t));
    return check_events(c, tc, i, t);
}

static dla_status read_tasks(ctx *c)
{
    ldb_view *v = c->v;
    uint32_t n = c->s[LDB_SEC_TASKS].count;
    task_check tc = {calloc((size_t)v->n_events + 1, sizeof(uint32_t)), calloc((size_t)v->n_layers + 1, 1),
                     calloc((size_t)v->n_blobs + 1, 1)};
    dla_status st = DLA_OK;
    if (!tc.signaller || !tc.layer_used || !tc.blob_used)
        st = base_error(DLA_ERR_NOMEM, "loadable: out of memory");
    for (uint32_t e = 0; st == DLA_OK && e < v->n_events; e++)
        tc.signaller[e] = LDB_NONE;
    uint32_t n_host = 0;
    for (uint32_t i = 0; st == DLA_OK && i < n; i++) {
        st = read_task(c, &tc, i);
        n_host += c->tasks[i].type == LDB_TASK_HOST;
    }
    for (uint32_t e = 0; st == DLA_OK && e < v->n_events; e++)
        if (tc.signaller[e] == LDB_NONE)
            st = BAD("event[%u] is never signalled", e);
    for (uint32_t l = 0; st == DLA_OK && l < v->n_layers; l++)
        if (!tc.layer_used[l])
            st = BAD("layer[%u] '%s' belongs to no task", l, c->layers[l].name);
    if (st == DLA_OK && (v->flags & LDB_FLAG_STANDALONE) && (n_host || !n))
        st = BAD("a standalone loadable with %u HOST tasks of %u", n_host, n);
    free(tc.signaller);
    free(tc.layer_used);
    free(tc.blob_used);
    v->tasks = c->tasks;
    v->n_tasks = st == DLA_OK ? n : 0;
    return st;
}

/* ---- entry points ----------------------------------------------------------------------------------------- */

dla_status ldb_parse(const void *bytes, size_t size, ldb_view *view)
{
    memset(view, 0, sizeof *view);
    if (!bytes && size)
        return base_error(DLA_ERR_INVALID_ARG, "loadable: NULL buffer of %zu bytes", size);
    ctx c = {.base = bytes, .total = size, .v = view};
    dla_status st = check_header(&c, bytes, size);
    if (st == DLA_OK)
        st = read_sections(&c);
    if (st == DLA_OK)
        st = allocate(&c);
    if (st == DLA_OK)
        st = read_strings(&c);
    if (st == DLA_OK)
        st = read_build_and_pools(&c);
    if (st == DLA_OK)
        st = read_blobs(&c);
    if (st == DLA_OK)
        st = read_memory(&c);
    if (st == DLA_OK)
        st = read_addresses(&c);
    if (st == DLA_OK)
        st = read_tensors(&c);
    if (st == DLA_OK)
        st = check_bindings(&c);
    if (st == DLA_OK)
        st = read_events_indices_layers(&c);
    if (st == DLA_OK)
        st = read_tasks(&c);
    if (st != DLA_OK)
        ldb_view_free(view);
    return st;
}

void ldb_view_free(ldb_view *view)
{
    if (!view)
        return;
    free(view->owned_);
    memset(view, 0, sizeof *view);
}

uint32_t ldb_view_binding(const ldb_view *v, int output, uint32_t bind_id)
{
    uint8_t flag = output ? LDB_MEM_OUTPUT : LDB_MEM_INPUT;
    for (uint32_t i = 0; i < v->n_memory; i++)
        if ((v->memory[i].flags & flag) && v->memory[i].bind_id == bind_id)
            return i;
    return LDB_NONE;
}

uint32_t ldb_view_find_tensor(const ldb_view *v, const char *name)
{
    for (uint32_t i = 0; i < v->n_tensors; i++)
        if (strcmp(v->tensors[i].name, name) == 0)
            return i;
    return LDB_NONE;
}

uint64_t ldb_view_weight_bytes(const ldb_view *v)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < v->n_blobs; i++)
        if (v->blobs[i].kind == LDB_BLOB_WEIGHTS)
            n += v->blobs[i].size;
    return n;
}
