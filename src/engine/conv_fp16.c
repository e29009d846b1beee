/* Engine CONV, FP16 fast path: the same numbers as conv.c's reference loops (conv_kernel_fp), bit for bit.
 *
 * The reference, per output kernel k and output pixel, starts a double accumulator at +0.0 and adds
 * (double)w * (double)x for c (outer), then r, then s (inner), in that order, then rounds once to float. This
 * file keeps exactly that sequence of double additions for every output pixel and changes everything else:
 *   - the input is converted once per op to doubles [Hp][C][sx][Wq] (each padded row split into its sx
 *     column phases, so that the pixels ox, ox+1, ... of one tap are contiguous for any stride and dilation);
 *   - the weights are converted once per op and packed [group][kernel block][c][r][s][KB] (KB = 8, 4 or 1
 *     kernels; a short last block is zero-filled and its outputs dropped);
 *   - a tile is KB kernels x one output row; its pixels go 8 at a time through AVX-512 lanes (or through a
 *     portable C loop), KB x NV vector accumulators stay in registers while c, r, s run in the reference order,
 *     so each input load serves KB kernels;
 *   - a tile is one output row x a run of kernel blocks (about 256 KiB of weights: input rows and weights stay
 *     in L2); tiles are spread over the OpenMP threads.
 * FMA is allowed: a product of two FP16 values (INF read as +-65536 per the reference, subnormals exact) has at
 * most 22 significant bits, so w * x is exact in double and fma(w, x, acc) rounds exactly like acc + w * x.
 * +0.0 + (-0.0) = +0.0 either way round, so signed zeros agree as well. Sums never reach the float range limit.
 * NaN: the reference's NaN results depend on which NaN operand x86 propagates, so an op with a NaN anywhere in
 * its input, weights or pad_val is declined and the reference loops run it (they also count the NaN inputs). */
#include "engine/conv_fp16.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FP16 bits -> double as eng_fp16_to_f32(h, ENG_FP16_INF_CONV) widened; a NaN sets *nan. */
static inline double h2d(uint16_t h, int *nan)
{
    uint32_t e = (h >> 10) & 31u, m = h & 0x3ffu;
    double v;
    if (e == 0) {
        v = (double)m * 0x1p-24;
    } else if (e == 31) {
        v = 65536.0;
        *nan |= m != 0;
    } else {
        uint64_t bits = (uint64_t)(e + 1008u) << 52 | (uint64_t)m << 42;
        memcpy(&v, &bits, sizeof v);
    }
    return (h & 0x8000u) ? -v : v;
}

typedef struct fpc_plan {
    const eng_fp16_conv *d;
    const double *x; /* [Hp][C][sx][wq]: for one input row, channel after channel (the c loop streams) */
    const double *w; /* [G][nkb][Cg][R][S][kb] */
    float *out;
    size_t wq, xrow, npix; /* xrow = sx * wq doubles per padded input row */
    int kb, nkb, Cg, Kg;
    size_t soff[32]; /* tap s: (s*dx % sx) * wq + s*dx / sx */
} fpc_plan;

/* n FP16 values (little-endian) -> doubles, as h2d; NaNs stay NaN (the callers look for them). */
typedef void (*fpc_row_fn)(const uint8_t *src, size_t n, double *dst);

static void fpc_row_generic(const uint8_t *src, size_t n, double *dst)
{
    int nan = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t h = eng_ld_u16(src + 2 * i);
        dst[i] = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) ? (double)NAN : h2d(h, &nan);
    }
}

/* Input rows; returns 1 when a NaN is among the real input elements or pad_val, 2 when out of memory. FEATURE
 * cubes go a surface row at a time (contiguous W x atom values converted at once, then spread to the channel rows). */
static int fpc_load_input(const eng_fp16_conv *d, const eng_geom *g, const uint8_t *src, double *x, size_t wq,
                          fpc_row_fn cvt)
{
    int nan = 0, oom = 0;
    double pad = h2d(d->pad_val, &nan);
    size_t xrow = (size_t)d->sx * wq, plane = (size_t)d->Hp * xrow;
    int sx = d->sx, feat = g->layout == ENG_LAYOUT_FEATURE && g->elem_bytes == 2, atom = g->atom_c;
    size_t step = g->layout == ENG_LAYOUT_FEATURE ? ENG_ATOM_BYTES
                  : g->layout == ENG_LAYOUT_LINEAR ? g->elem_bytes
                                                   : (size_t)g->atom_c * g->elem_bytes;
    /* pad rows and columns first, then the data */
#pragma omp parallel for schedule(static) if ((size_t)d->C * plane > 65536)
    for (int c = 0; c < d->C; c++)
        for (int iy = 0; iy < d->Hp; iy++) {
            double *row = x + ((size_t)iy * d->C + (size_t)c) * xrow;
            if (iy < d->pt || iy >= d->pt + d->H) {
                for (size_t i = 0; i < xrow; i++)
                    row[i] = pad;
                continue;
            }
            for (int px = 0; px < d->pl; px++)
                row[(size_t)(px % sx) * wq + (size_t)(px / sx)] = pad;
            for (int px = d->pl + d->W; px < (int)xrow; px++)
                row[(size_t)(px % sx) * wq + (size_t)(px / sx)] = pad;
        }
    int nsurf = feat ? (d->C + atom - 1) / atom : 0;
    if (feat) {
#pragma omp parallel reduction(| : nan, oom) if ((size_t)d->C * plane > 65536)
        {
            double *tmp = malloc((size_t)d->W * (size_t)atom * sizeof *tmp);
            oom = !tmp;
#pragma omp for schedule(static)
            for (int t = 0; t < nsurf * d->H; t++) {
                if (!tmp)
                    continue;
                int sf = t / d->H, h = t % d->H, c0 = sf * atom, nc = d->C - c0 < atom ? d->C - c0 : atom;
                cvt(src + eng_geom_at(g, (uint32_t)c0, (uint32_t)h, 0), (size_t)d->W * (size_t)atom, tmp);
                for (int cc = 0; cc < nc; cc++) {
                    double *row = x + ((size_t)(h + d->pt) * d->C + (size_t)(c0 + cc)) * xrow;
                    int ph = d->pl % sx;
                    size_t idx = (size_t)(d->pl / sx);
                    for (int w = 0; w < d->W; w++) {
                        double v = tmp[(size_t)w * atom + cc];
                        nan |= v != v;
                        row[(size_t)ph * wq + idx] = v;
                        if (++ph == sx) {
                            ph = 0;
                            idx++;
                        }
                    }
                }
            }
            free(tmp);
        }
        return nan | oom << 1;
    }
#pragma omp parallel for schedule(static) reduction(| : nan) if ((size_t)d->C * plane > 65536)
    for (int c = 0; c < d->C; c++)
        for (int h = 0; h < d->H; h++) {
            double *row = x + ((size_t)(h + d->pt) * d->C + (size_t)c) * xrow;
            const uint8_t *p = src + eng_geom_at(g, (uint32_t)c, (uint32_t)h, 0);
            for (int w = 0; w < d->W; w++, p += step) {
                int px = w + d->pl;
                row[(size_t)(px % sx) * wq + (size_t)(px / sx)] = h2d(eng_ld_u16(p), &nan);
            }
        }
    return nan;
}

/* Packed weights; returns 1 when a weight is NaN, 2 when out of memory. */
static int fpc_pack_weights(const fpc_plan *pl, const uint8_t *wp, double *wd, fpc_row_fn row)
{
    const eng_fp16_conv *d = pl->d;
    size_t crs = (size_t)pl->Cg * d->R * d->S;
    int nan = 0, nblk = d->G * pl->nkb, KB = pl->kb, oom = 0;
#pragma omp parallel reduction(| : nan, oom) if (crs * (size_t)d->K > 65536)
    {
        double *tmp = malloc(crs * (size_t)KB * sizeof *tmp); /* [KB][crs] */
        oom = !tmp;
#pragma omp for schedule(static)
        for (int blk = 0; blk < nblk; blk++) {
            if (!tmp)
                continue;
            int g = blk / pl->nkb, b = blk % pl->nkb;
            double *o = wd + (size_t)blk * crs * KB;
            for (int j = 0; j < KB; j++) {
                int kin = b * KB + j;
                if (kin < pl->Kg)
                    row(wp + ((size_t)g * pl->Kg + kin) * crs * 2, crs, tmp + (size_t)j * crs);
                else
                    for (size_t t = 0; t < crs; t++)
                        tmp[(size_t)j * crs + t] = 0.0;
            }
            for (size_t t = 0; t < crs; t++)
                for (int j = 0; j < KB; j++) {
                    double v = tmp[(size_t)j * crs + t];
                    nan |= v != v;
                    o[t * KB + (size_t)j] = v;
                }
        }
        free(tmp);
    }
    return nan | (oom << 1);
}

/* Portable tile: kernels of block (g, b) x output row oy, 16 pixels at a time. */
static void fpc_tile_generic(const fpc_plan *pl, int g, int b, int oy)
{
    enum { NX = 16 };
    const eng_fp16_conv *d = pl->d;
    int KB = pl->kb, nk = pl->Kg - b * KB < KB ? pl->Kg - b * KB : KB;
    const double *wblk = pl->w + ((size_t)g * pl->nkb + b) * (size_t)pl->Cg * d->R * d->S * KB;
    float *o = pl->out + (size_t)(g * pl->Kg + b * KB) * pl->npix + (size_t)oy * d->OW;
    for (int ox0 = 0; ox0 < d->OW; ox0 += NX) {
        int n = d->OW - ox0 < NX ? d->OW - ox0 : NX;
        double acc[8][NX];
        for (int j = 0; j < KB; j++)
            for (int i = 0; i < NX; i++)
                acc[j][i] = 0.0;
        const double *wv = wblk;
        for (int c = 0; c < pl->Cg; c++)
            for (int r = 0; r < d->R; r++) {
                const double *row = pl->x + ((size_t)(oy * d->sy + r * d->dy) * d->C + (size_t)(g * pl->Cg + c)) *
                                                pl->xrow + (size_t)ox0;
                for (int s = 0; s < d->S; s++, wv += KB) {
                    const double *xp = row + pl->soff[s];
                    for (int j = 0; j < KB; j++) {
                        double wj = wv[j];
                        for (int i = 0; i < n; i++)
                            acc[j][i] += wj * xp[i];
                    }
                }
            }
        for (int j = 0; j < nk; j++)
            for (int i = 0; i < n; i++)
                o[(size_t)j * pl->npix + (size_t)ox0 + (size_t)i] = (float)acc[j][i];
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FPC_HAVE_AVX512 1

/* AVX-512 tile, KB kernels x NV vectors of 8 pixels in registers; masked loads/stores for the row's tail. */
static inline __attribute__((always_inline, target("avx512f,avx512vl"))) void
fpc_tile512(const fpc_plan *pl, int g, int b, int oy, const int KB, const int NV)
{
    const eng_fp16_conv *d = pl->d;
    int nk = pl->Kg - b * KB < KB ? pl->Kg - b * KB : KB;
    const double *wblk = pl->w + ((size_t)g * pl->nkb + b) * (size_t)pl->Cg * d->R * d->S * KB;
    float *o = pl->out + (size_t)(g * pl->Kg + b * KB) * pl->npix + (size_t)oy * d->OW;
    const int NX = 8 * NV;
    for (int ox0 = 0; ox0 < d->OW; ox0 += NX) {
        int n = d->OW - ox0 < NX ? d->OW - ox0 : NX;
        __mmask8 m[4];
        __m512d acc[32];
        for (int v = 0; v < NV; v++) {
            int nv = n - 8 * v;
            m[v] = (__mmask8)(nv >= 8 ? 0xff : nv > 0 ? (1u << nv) - 1 : 0);
        }
        for (int i = 0; i < KB * NV; i++)
            acc[i] = _mm512_setzero_pd();
        const double *wv = wblk;
        for (int c = 0; c < pl->Cg; c++)
            for (int r = 0; r < d->R; r++) {
                const double *row = pl->x + ((size_t)(oy * d->sy + r * d->dy) * d->C + (size_t)(g * pl->Cg + c)) *
                                                pl->xrow + (size_t)ox0;
                for (int s = 0; s < d->S; s++, wv += KB) {
                    const double *xp = row + pl->soff[s];
                    __m512d xv[4];
                    for (int v = 0; v < NV; v++)
                        xv[v] = _mm512_maskz_loadu_pd(m[v], xp + 8 * v);
                    for (int j = 0; j < KB; j++) {
                        __m512d wj = _mm512_set1_pd(wv[j]);
                        for (int v = 0; v < NV; v++) /* exact product: fma == acc + w*x (see the top) */
                            acc[j * NV + v] = _mm512_fmadd_pd(wj, xv[v], acc[j * NV + v]);
                    }
                }
            }
        for (int j = 0; j < KB; j++) /* constant bounds: acc stays in registers (no spills in the loop above) */
            for (int v = 0; v < NV; v++)
                if (j < nk && m[v])
                    _mm256_mask_storeu_ps(o + (size_t)j * pl->npix + (size_t)ox0 + 8 * (size_t)v, m[v],
                                          _mm512_cvtpd_ps(acc[j * NV + v]));
    }
}

#define FPC_VARIANT(KB, NV)                                                                                        \
    __attribute__((target("avx512f,avx512vl"))) static void fpc_tile512_##KB##x##NV(const fpc_plan *pl, int g,   \
                                                                                     int b, int oy)             \
    {                                                                                                              \
        fpc_tile512(pl, g, b, oy, KB, NV);                                                                         \
    }
FPC_VARIANT(8, 1)
FPC_VARIANT(8, 2)
FPC_VARIANT(8, 3)
FPC_VARIANT(4, 1)
FPC_VARIANT(4, 2)
FPC_VARIANT(4, 4)
FPC_VARIANT(1, 1)
FPC_VARIANT(1, 2)
FPC_VARIANT(1, 4)

/* fpc_row_generic with F16C-in-AVX-512 conversions (exact, subnormals included); INF -> +-65536. */
__attribute__((target("avx512f"))) static void fpc_row512(const uint8_t *src, size_t n, double *dst)
{
    const __m512i absm = _mm512_set1_epi32(0x7fffffff), infb = _mm512_set1_epi32(0x7f800000),
                  big = _mm512_set1_epi32(0x47800000); /* 65536.0f */
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i f = _mm512_castps_si512(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + 2 * i))));
        __m512i mag = _mm512_and_si512(f, absm);
        __mmask16 inf = _mm512_cmpeq_epi32_mask(mag, infb);
        f = _mm512_mask_mov_epi32(f, inf, _mm512_or_si512(_mm512_andnot_si512(absm, f), big));
        _mm512_storeu_pd(dst + i, _mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_castsi512_ps(f))));
        _mm512_storeu_pd(dst + i + 8,
                         _mm512_cvtps_pd(_mm256_castsi256_ps(_mm512_extracti64x4_epi64(f, 1))));
    }
    if (i < n)
        fpc_row_generic(src + 2 * i, n - i, dst + i);
}
#endif

typedef void (*fpc_tile_fn)(const fpc_plan *pl, int g, int b, int oy);

static int fpc_generic_forced(void)
{
    const char *e = getenv("DLA_ENGINE_FP16_GENERIC");
    return e && *e && strcmp(e, "0");
}

static int fpc_avx512(void)
{
#ifdef FPC_HAVE_AVX512
    return !fpc_generic_forced() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

static fpc_tile_fn fpc_pick(int KB, int OW)
{
#ifdef FPC_HAVE_AVX512
    if (fpc_avx512()) {
        int nv = OW <= 8 ? 1 : OW <= 16 ? 2 : OW <= 24 ? 3 : 4;
        if (KB == 8)
            return nv == 1 ? fpc_tile512_8x1 : nv == 2 || nv == 4 ? fpc_tile512_8x2 : fpc_tile512_8x3;
        if (KB == 4)
            return nv == 1 ? fpc_tile512_4x1 : nv == 2 ? fpc_tile512_4x2 : fpc_tile512_4x4;
        return nv == 1 ? fpc_tile512_1x1 : nv == 2 ? fpc_tile512_1x2 : fpc_tile512_1x4;
    }
#else
    (void)OW;
#endif
    (void)KB;
    return fpc_tile_generic;
}

dla_status eng_conv_fp16_fast(const eng_fp16_conv *d, const eng_geom *g, const uint8_t *src, const uint8_t *wp,
                              float *out, int *done)
{
    *done = 0;
    fpc_plan pl;
    memset(&pl, 0, sizeof pl);
    pl.d = d;
    pl.out = out;
    pl.Cg = d->C / d->G;
    pl.Kg = d->K / d->G;
    pl.kb = pl.Kg >= 8 ? 8 : pl.Kg >= 4 ? 4 : 1;
    pl.nkb = (pl.Kg + pl.kb - 1) / pl.kb;
    pl.wq = (size_t)(d->Wp + d->sx - 1) / (size_t)d->sx;
    pl.xrow = (size_t)d->sx * pl.wq;
    pl.npix = (size_t)d->OH * d->OW;
    if (d->S > 32)
        return DLA_OK;
    for (int s = 0; s < d->S; s++)
        pl.soff[s] = (size_t)(s * d->dx % d->sx) * pl.wq + (size_t)(s * d->dx / d->sx);
    size_t nx = (size_t)d->C * d->Hp * pl.xrow;
    size_t nw = (size_t)d->G * pl.nkb * pl.kb * (size_t)pl.Cg * d->R * d->S;
    double *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
    if (!x || !w) {
        free(x);
        free(w);
        return base_error(DLA_ERR_NOMEM, "engine op %d (CONV): cannot allocate the FP16 fast path's %zu + %zu doubles",
                          d->index, nx, nw);
    }
    pl.x = x;
    pl.w = w;
    fpc_row_fn row = fpc_row_generic;
#ifdef FPC_HAVE_AVX512
    if (fpc_avx512())
        row = fpc_row512;
#endif
    int nan = fpc_load_input(d, g, src, x, pl.wq, row);
    nan |= fpc_pack_weights(&pl, wp, w, row);
    if (nan & 2) {
        free(x);
        free(w);
        return base_error(DLA_ERR_NOMEM, "engine op %d (CONV): cannot allocate the FP16 fast path's row buffers",
                          d->index);
    }
    if (!nan) {
        fpc_tile_fn fn = fpc_pick(pl.kb, d->OW);
        /* A tile: one output row x a run of kernel blocks whose weights take about 256 KiB, so that both the
         * row's input (every channel, R rows) and those weights stay in L2 while the blocks go by. */
        int nblk = d->G * pl.nkb;
        size_t blk_bytes = (size_t)pl.Cg * d->R * d->S * (size_t)pl.kb * sizeof(double);
        int run = (int)((256u << 10) / blk_bytes);
        run = run < 1 ? 1 : run > nblk ? nblk : run;
        int nrun = (nblk + run - 1) / run, ntile = nrun * d->OH;
        double work = (double)pl.npix * d->K * pl.Cg * d->R * d->S;
#pragma omp parallel for schedule(dynamic, 1) if (work > 1e6)
        for (int t = 0; t < ntile; t++) {
            int r0 = t / d->OH * run, oy = t % d->OH, r1 = r0 + run < nblk ? r0 + run : nblk;
            for (int blk = r0; blk < r1; blk++)
                fn(&pl, blk / pl.nkb, blk % pl.nkb, oy);
        }
        *done = 1;
    }
    free(x);
    free(w);
    return DLA_OK;
}
