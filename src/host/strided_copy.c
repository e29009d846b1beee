/* The strided copy behind Transpose, Slice, Expand, Tile, Pad, DepthToSpace and SpaceToDepth (op_shape.h).
 *
 * After merging axes that run on contiguously in both source and destination, the innermost two axes form a
 * 2-D block: rows contiguous on both sides go through memcpy; otherwise 32x32 tiles keep both sides in cache
 * (for a transpose the block pairs the destination's contiguous axis with the source's). */
#include "host/op_shape.h"

#include <string.h>

#define TILE 32
#define PAR_MIN_BYTES ((size_t)1 << 18)

void host_contig_strides(int rank, const int64_t *dims, int64_t *str)
{
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        str[i] = s;
        s *= dims[i];
    }
}

/* One row of n elements: dst stride ds, src stride ss. */
static void copy_row(size_t es, int64_t n, char *d, int64_t ds, const char *s, int64_t ss)
{
    if (ds == 1 && ss == 1) {
        memcpy(d, s, (size_t)n * es);
        return;
    }
#define ROW(T)                                                                                                \
    do {                                                                                                      \
        T *dt = (T *)(void *)d;                                                                               \
        const T *st = (const T *)(const void *)s;                                                             \
        for (int64_t i = 0; i < n; i++)                                                                       \
            dt[i * ds] = st[i * ss];                                                                          \
    } while (0)
    switch (es) {
    case 1: ROW(uint8_t); break;
    case 2: ROW(uint16_t); break;
    case 4: ROW(uint32_t); break;
    case 8: ROW(uint64_t); break;
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy(d + i * ds * (int64_t)es, s + i * ss * (int64_t)es, es);
    }
#undef ROW
}

/* dst[a * da + b * db] = src[a * sa + b * sb] for a < na, b < nb, in cache tiles (a transpose when the source
 * runs along a and the destination along b; a plain row loop otherwise). */
static void copy_2d(size_t es, int64_t na, int64_t nb, char *d, int64_t da, int64_t db, const char *s, int64_t sa,
                    int64_t sb)
{
    if (db == 1 && sb == 1) {
        for (int64_t a = 0; a < na; a++)
            memcpy(d + a * da * (int64_t)es, s + a * sa * (int64_t)es, (size_t)nb * es);
        return;
    }
#define T2D(T)                                                                                                \
    do {                                                                                                      \
        T *dt = (T *)(void *)d;                                                                               \
        const T *st = (const T *)(const void *)s;                                                             \
        for (int64_t a0 = 0; a0 < na; a0 += TILE)                                                             \
            for (int64_t b0 = 0; b0 < nb; b0 += TILE) {                                                       \
                int64_t a1 = a0 + TILE < na ? a0 + TILE : na, b1 = b0 + TILE < nb ? b0 + TILE : nb;           \
                for (int64_t a = a0; a < a1; a++)                                                             \
                    for (int64_t b = b0; b < b1; b++)                                                         \
                        dt[a * da + b * db] = st[a * sa + b * sb];                                            \
            }                                                                                                 \
    } while (0)
    switch (es) {
    case 1: T2D(uint8_t); break;
    case 2: T2D(uint16_t); break;
    case 4: T2D(uint32_t); break;
    case 8: T2D(uint64_t); break;
    default:
        for (int64_t a = 0; a < na; a++)
            for (int64_t b = 0; b < nb; b++)
                memcpy(d + (a * da + b * db) * (int64_t)es, s + (a * sa + b * sb) * (int64_t)es, es);
    }
#undef T2D
}

void host_strided_copy(size_t es, int rank, const int64_t *dims, void *dst, const int64_t *dst_str,
                       const void *src, const int64_t *src_str)
{
    int64_t d[HOST_COPY_MAX_RANK], ds[HOST_COPY_MAX_RANK], ss[HOST_COPY_MAX_RANK];
    int r = 0;
    int64_t numel = 1;
    for (int i = 0; i < rank; i++)
        numel *= dims[i];
    if (numel == 0)
        return;
    /* drop unit axes; merge an axis into the previous one when both sides run on through it */
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 1)
            continue;
        if (r > 0 && ds[r - 1] == dst_str[i] * dims[i] && ss[r - 1] == src_str[i] * dims[i]) {
            d[r - 1] *= dims[i];
            ds[r - 1] = dst_str[i];
            ss[r - 1] = src_str[i];
            continue;
        }
        d[r] = dims[i];
        ds[r] = dst_str[i];
        ss[r] = src_str[i];
        r++;
    }
    if (r == 0) {
        memcpy(dst, src, es);
        return;
    }
    /* the inner 2-D block: the last axis and, for a transpose, the source's contiguous axis, else the one
     * before the last */
    int last = r - 1, tj = r >= 2 ? r - 2 : -1;
    if (ds[last] == 1 && ss[last] != 1)
        for (int i = 0; i < last; i++)
            if (ss[i] == 1)
                tj = i;
    /* outer axes: all but the row axis (and the tile's second axis) */
    int64_t od[HOST_COPY_MAX_RANK], ods[HOST_COPY_MAX_RANK], oss[HOST_COPY_MAX_RANK];
    int no = 0;
    int64_t n_outer = 1;
    for (int i = 0; i < last; i++) {
        if (i == tj)
            continue;
        od[no] = d[i];
        ods[no] = ds[i];
        oss[no] = ss[i];
        n_outer *= d[i];
        no++;
    }
    char *db = dst;
    const char *sb = src;
    int64_t ies = (int64_t)es;
    int par = (size_t)numel * es >= PAR_MIN_BYTES && n_outer > 1;
#pragma omp parallel for schedule(static) if (par)
    for (int64_t o = 0; o < n_outer; o++) {
        int64_t rem = o, so = 0, doff = 0;
        for (int k = no - 1; k >= 0; k--) {
            int64_t idx = rem % od[k];
            rem /= od[k];
            so += idx * oss[k];
            doff += idx * ods[k];
        }
        if (tj >= 0)
            copy_2d(es, d[tj], d[last], db + doff * ies, ds[tj], ds[last], sb + so * ies, ss[tj], ss[last]);
        else
            copy_row(es, d[last], db + doff * ies, ds[last], sb + so * ies, ss[last]);
    }
}
