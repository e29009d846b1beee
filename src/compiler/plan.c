/* Memory pools (--memPoolSize) and buffer planning: task-internal activations share one arena by liveness.
 *
 * TensorRT's DLA pools (dla-facts §2.5): managed SRAM, local DRAM (intermediate tensors) and global DRAM
 * (weights); each a power of two of at least 4 KiB, limits per DLA subnetwork. */
#include "compiler/tb.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const pool_flags[LDB_POOL_COUNT] = {
    [LDB_POOL_GLOBAL_DRAM] = "--memPoolSize=dlaGlobalDRAM",
    [LDB_POOL_LOCAL_DRAM] = "--memPoolSize=dlaLocalDRAM",
    [LDB_POOL_SRAM] = "--memPoolSize=dlaSRAM",
};

const char *cc_pool_flag(int pool) { return pool >= 0 && pool < LDB_POOL_COUNT ? pool_flags[pool] : "?"; }

static int pool_of(const char *name, size_t len)
{
    static const struct { const char *name; int pool; } names[] = {
        {"dlaSRAM", LDB_POOL_SRAM}, {"dlaLocalDRAM", LDB_POOL_LOCAL_DRAM}, {"dlaGlobalDRAM", LDB_POOL_GLOBAL_DRAM},
        {"workspace", -1}, {"tacticSharedMem", -1}, {"tacticDRAM", -1},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == len && strncasecmp(names[i].name, name, len) == 0)
            return names[i].pool;
    return -2;
}

/* "1", "0.5", "512K", "4096B", "1G" -> bytes (MiB without a suffix). */
static int parse_size(const char *s, size_t len, uint64_t *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    double unit = 1024.0 * 1024.0;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'B': unit = 1; break;
        case 'K': unit = 1024.0; break;
        case 'M': unit = 1024.0 * 1024.0; break;
        case 'G': unit = 1024.0 * 1024.0 * 1024.0; break;
        default: return 0;
        }
        if (end[1])
            return 0;
    }
    if (end == buf || !(v >= 0) || v * unit > 1e15)
        return 0;
    *out = (uint64_t)llround(v * unit);
    return 1;
}

dla_status cc_parse_mem_pools(const char *spec, uint64_t limit[LDB_POOL_COUNT])
{
    limit[LDB_POOL_GLOBAL_DRAM] = (uint64_t)512 << 20;
    limit[LDB_POOL_LOCAL_DRAM] = (uint64_t)1 << 30;
    limit[LDB_POOL_SRAM] = (uint64_t)512 << 10;
    for (const char *p = spec ? spec : ""; *p;) {
        size_t len = strcspn(p, ",");
        const char *item = p;
        p += len + (p[len] == ',');
        if (!len)
            continue;
        const char *colon = memchr(item, ':', len);
        if (!colon)
            return base_error(DLA_ERR_INVALID_ARG, "--memPoolSize: '%.*s' is not POOL:SIZE (e.g. dlaSRAM:1)",
                              (int)len, item);
        int pool = pool_of(item, (size_t)(colon - item));
        if (pool == -2)
            return base_error(DLA_ERR_INVALID_ARG, "--memPoolSize: unknown pool '%.*s' (dlaSRAM, dlaLocalDRAM, "
                              "dlaGlobalDRAM)", (int)(colon - item), item);
        uint64_t v;
        size_t vlen = len - (size_t)(colon + 1 - item);
        if (!parse_size(colon + 1, vlen, &v))
            return base_error(DLA_ERR_INVALID_ARG, "--memPoolSize: '%.*s' is not a size (MiB, or with a suffix "
                              "B, K, M, G)", (int)vlen, colon + 1);
        if (pool < 0)
            continue; /* a GPU pool: nothing on the DLA uses it */
        if (v < CC_POOL_MIN || (v & (v - 1)))
            return base_error(DLA_ERR_INVALID_ARG, "%s: %llu bytes is not a power of two of at least %llu bytes "
                              "(4 KiB)", cc_pool_flag(pool), (unsigned long long)v,
                              (unsigned long long)CC_POOL_MIN);
        limit[pool] = v;
    }
    return DLA_OK;
}

/* ---- interval planning ------------------------------------------------------------------------------------ */

static int by_size_desc(const void *a, const void *b, void *iv_)
{
    const cc_interval *iv = iv_;
    int x = *(const int *)a, y = *(const int *)b;
    if (iv[x].size != iv[y].size)
        return iv[x].size < iv[y].size ? 1 : -1;
    return iv[x].first != iv[y].first ? iv[x].first - iv[y].first : x - y;
}

/* qsort with a context, as a small insertion sort (task buffer counts are small: hundreds). */
static void sort_ctx(int *idx, int n, void *ctx)
{
    for (int i = 1; i < n; i++) {
        int v = idx[i], j = i;
        while (j > 0 && by_size_desc(&idx[j - 1], &v, ctx) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

dla_status cc_plan_intervals(cc_interval *iv, int n, uint64_t align, uint64_t *total)
{
    *total = 0;
    if (n <= 0)
        return DLA_OK;
    int *order = malloc(sizeof(int) * (size_t)n);
    int *placed = malloc(sizeof(int) * (size_t)n);
    if (!order || !placed) {
        free(order);
        free(placed);
        return base_error(DLA_ERR_NOMEM, "out of memory for buffer planning");
    }
    for (int i = 0; i < n; i++)
        order[i] = i;
    sort_ctx(order, n, iv);
    int n_placed = 0;
    for (int k = 0; k < n; k++) {
        cc_interval *a = &iv[order[k]];
        uint64_t off = 0;
        /* lowest offset clear of every placed, live-overlapping interval: retry after each collision */
        for (int moved = 1; moved;) {
            moved = 0;
            for (int j = 0; j < n_placed; j++) {
                const cc_interval *b = &iv[placed[j]];
                if (b->last < a->first || a->last < b->first)
                    continue;
                if (off < b->offset + round_up(b->size, align) && b->offset < off + a->size) {
                    off = round_up(b->offset + b->size, align);
                    moved = 1;
                }
            }
        }
        a->offset = off;
        placed[n_placed++] = order[k];
        if (off + a->size > *total)
            *total = off + a->size;
    }
    *total = round_up(*total, align);
    free(order);
    free(placed);
    return DLA_OK;
}
