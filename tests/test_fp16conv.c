/* The engine's FP16 convolution fast path (src/engine/conv_fp16.c) against the reference loops (conv.c's
 * conv_kernel_fp, forced by DLA_ENGINE_REF_CONV=1), bit for bit: memcmp of every pipe.f32 value and equal engine
 * statistics. Both fast kernels run: the AVX-512 one (where the CPU has it) and the portable one
 * (DLA_ENGINE_FP16_GENERIC=1).
 *
 * Shapes: C/K in {1,3,16,33,64,130}, groups 1 / 2 / depthwise, R,S in {1,3,5,7}, strides 1/2/3, dilations 1/2,
 * each pad 0..3, pad_val +0 / -0 / a non-zero FP16 value / 65504, partial-H bands and narrower outputs, FEATURE and
 * LINEAR sources. Values: ordinary, large (near 60000), tiny and subnormal, signed zeros, +-INF (read as +-65536),
 * any non-NaN bit pattern, cancelling large products mixed with tiny ones (where a reordered sum gives other
 * bits: the check that this comparison can fail), and NaN inputs / weights / pad_val (the fast path hands those ops to the reference:
 * the NaN results and the NaN count must still match). */
#include "check.h"
#include "engine/engine.h"
#include "engine/format.h"
#include "engine/numerics.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t rnd32(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}
static int rnd(uint64_t *s, int lo, int hi) { return lo + (int)(rnd32(s) % (uint32_t)(hi - lo + 1)); }

typedef struct fp_case {
    int C, K, G, H, W, R, S, sy, sx, dy, dx, pt, pb, pl, pr, OH, OW;
    uint16_t pad_val;
    int mode, linear, nan; /* nan: 0 none, 1 in the input, 2 in the weights, 3 pad_val */
} fp_case;

typedef struct fp_result {
    float *pipe;
    size_t n;
    eng_stats st;
    double sec; /* eng_exec_op's wall time */
} fp_result;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One FP16 value of the given mode (never NaN). */
static uint16_t value(uint64_t *s, int mode)
{
    uint16_t sign = (uint16_t)(rnd(s, 0, 1) << 15);
    switch (mode) {
    case 0: return (uint16_t)(sign | rnd(s, 12, 17) << 10 | rnd(s, 0, 1023)); /* |x| in [2^-3, 8) */
    case 1: return (uint16_t)(sign | rnd(s, 29, 30) << 10 | rnd(s, 0, 1023)); /* large: up to 65504 */
    case 2: return (uint16_t)(sign | rnd(s, 0, 2) << 10 | rnd(s, 0, 1023));   /* subnormal and tiny */
    case 3: {                                                                   /* zeros, INF, a mix */
        int k = rnd(s, 0, 5);
        return (uint16_t)(k == 0 ? sign : k == 1 ? sign | 0x7c00 : k == 2 ? 0xbc00 /* -1 */
                          : sign | rnd(s, 0, 30) << 10 | rnd(s, 0, 1023));
    }
    case 5:
    case 6: return 0; /* filled by run_case */
    default: { /* any bit pattern but NaN */
        uint16_t h = (uint16_t)rnd32(s);
        return (h & 0x7c00) == 0x7c00 ? (uint16_t)(h & 0xfc00) : h;
    }
    }
}

/* Builds op + buffer for c (seeded), runs it: ref 1 = reference loops, generic 1 = portable fast kernel. */
static int run_case(const fp_case *c, uint64_t seed, int ref, int generic, fp_result *res)
{
    uint64_t s = seed;
    eng_geom g;
    if (eng_geom_make(c->C, c->H, c->W, ENG_FP16, c->linear ? ENG_LAYOUT_LINEAR : ENG_LAYOUT_FEATURE, &g) != DLA_OK)
        return -1;
    int Cg = c->C / c->G;
    size_t nw = (size_t)c->K * Cg * c->R * c->S;
    uint32_t woff = (g.size + 63) & ~63u;
    size_t total = woff + nw * 2 + 64;
    uint8_t *buf = malloc(total);
    if (!buf)
        return -1;
    memset(buf, 0xff, total); /* NaN bits in atom pad channels must not matter */
    for (int ch = 0; ch < c->C; ch++)
        for (int h = 0; h < c->H; h++)
            for (int w = 0; w < c->W; w++) {
                uint16_t v = value(&s, c->mode);
                memcpy(buf + eng_geom_at(&g, (uint32_t)ch, (uint32_t)h, (uint32_t)w), &v, 2);
            }
    for (size_t i = 0; i < nw; i++) {
        uint16_t v = value(&s, c->mode == 1 ? 0 : c->mode); /* large x large sums stay far below FLT_MAX anyway */
        memcpy(buf + woff + 2 * i, &v, 2);
    }
    /* Cancelling pairs, where the summation order shows in the bits: channels 4i and 4i+1 hold the same large
     * input (2^10..65504) and opposite large weights, channels 4i+2, 4i+3 tiny inputs and ordinary weights. The
     * large products are integers that cancel exactly, but while a large one is in the accumulator the tiny
     * products already added are rounded to its ulp (2^-20 and up), so when they were added matters. */
    if (c->mode == 6) {
        for (int ch = 0; ch < c->C; ch++)
            for (int h = 0; h < c->H; h++)
                for (int wi = 0; wi < c->W; wi++) {
                    uint16_t x = ch % 4 == 0 ? (uint16_t)(rnd(&s, 25, 30) << 10 | rnd(&s, 0, 1023)) : value(&s, 2);
                    if (ch % 4 == 1)
                        memcpy(&x, buf + eng_geom_at(&g, (uint32_t)ch - 1, (uint32_t)h, (uint32_t)wi), 2);
                    memcpy(buf + eng_geom_at(&g, (uint32_t)ch, (uint32_t)h, (uint32_t)wi), &x, 2);
                }
        size_t rs = (size_t)c->R * c->S;
        for (size_t i = 0; i < nw; i++) {
            int cc = (int)(i / rs % (size_t)Cg);
            uint16_t w = cc % 4 == 0 ? (uint16_t)(rnd(&s, 0, 1) << 15 | rnd(&s, 25, 30) << 10 | rnd(&s, 0, 1023))
                                     : value(&s, 0);
            if (cc % 4 == 1 && Cg > 1) {
                memcpy(&w, buf + woff + 2 * (i - rs), 2);
                w ^= 0x8000;
            }
            memcpy(buf + woff + 2 * i, &w, 2);
        }
    }
    if (c->mode == 5) /* channel c % 3: x = 65504, 2^-24, 65504; w = 65504, 2^-24, -65504 */
        for (int ch = 0; ch < c->C; ch++) {
            uint16_t x = ch % 3 == 1 ? 0x0001 : 0x7bff, w = ch % 3 == 0 ? 0x7bff : ch % 3 == 1 ? 0x0001 : 0xfbff;
            for (int h = 0; h < c->H; h++)
                for (int wi = 0; wi < c->W; wi++)
                    memcpy(buf + eng_geom_at(&g, (uint32_t)ch, (uint32_t)h, (uint32_t)wi), &x, 2);
            for (int k = 0; k < c->K; k++)
                memcpy(buf + woff + 2 * ((size_t)k * Cg + (size_t)ch), &w, 2);
        }
    if (c->nan == 1) { /* two NaNs of both signs in the input */
        uint16_t a = 0x7e00, b = 0xfd01;
        memcpy(buf + eng_geom_at(&g, 0, (uint32_t)(c->H / 2), (uint32_t)(c->W / 2)), &a, 2);
        memcpy(buf + eng_geom_at(&g, (uint32_t)(c->C - 1), 0, 0), &b, 2);
    } else if (c->nan == 2) {
        uint16_t a = 0xfe00;
        memcpy(buf + woff + 2 * (nw / 2), &a, 2);
    }

    eng_buffer b = {buf, total};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_CONV;
    op.index = 3;
    eng_conv_op *cv = &op.u.conv;
    cv->in_precision = cv->out_precision = ENG_FP16;
    cv->stride_x = (uint8_t)c->sx;
    cv->stride_y = (uint8_t)c->sy;
    cv->pad_top = (uint8_t)c->pt;
    cv->pad_bottom = (uint8_t)c->pb;
    cv->pad_left = (uint8_t)c->pl;
    cv->pad_right = (uint8_t)c->pr;
    cv->dilation_x = (uint8_t)c->dx;
    cv->dilation_y = (uint8_t)c->dy;
    cv->kernel_w = (uint8_t)c->S;
    cv->kernel_h = (uint8_t)c->R;
    cv->groups = (uint16_t)c->G;
    cv->pad_val = (int16_t)(c->nan == 3 ? 0x7e01 : c->pad_val);
    cv->out_width = (uint16_t)c->OW;
    cv->out_height = (uint16_t)c->OH;
    cv->out_channel = (uint16_t)c->K;
    eng_geom_to_cube(&g, ENG_MEM_DRAM, 0, 0, &cv->src);
    cv->weight.mem_type = ENG_MEM_DRAM;
    cv->weight.layout = ENG_LAYOUT_WEIGHT;
    cv->weight.precision = ENG_FP16;
    cv->weight.offset = woff;
    cv->weight.size = (uint32_t)(nw * 2);
    cv->weight.width = (uint16_t)c->S;
    cv->weight.height = (uint16_t)c->R;
    cv->weight.channel = (uint16_t)Cg;
    cv->dst.mem_type = ENG_MEM_HW;
    cv->dst.mem = -1;
    cv->dst.channel = (uint16_t)c->K;
    cv->dst.height = (uint16_t)c->OH;
    cv->dst.width = (uint16_t)c->OW;

    if (ref)
        setenv("DLA_ENGINE_REF_CONV", "1", 1);
    if (generic)
        setenv("DLA_ENGINE_FP16_GENERIC", "1", 1);
    double t0 = now_s();
    dla_status st = eng_exec_op(&ctx, &op);
    res->sec = now_s() - t0;
    unsetenv("DLA_ENGINE_REF_CONV");
    unsetenv("DLA_ENGINE_FP16_GENERIC");
    int rc = 0;
    if (st != DLA_OK) {
        fprintf(stderr, "conv failed (status %d)\n", (int)st);
        rc = -1;
    } else {
        res->n = (size_t)c->K * c->OH * c->OW;
        res->pipe = malloc(res->n * sizeof(float));
        if (!res->pipe)
            rc = -1;
        else
            memcpy(res->pipe, ctx.pipe.f32, res->n * sizeof(float));
        res->st = ctx.stats;
    }
    eng_ctx_release(&ctx);
    free(buf);
    return rc;
}

static void describe(const fp_case *c, int generic)
{
    fprintf(stderr,
            "case C%d K%d G%d in %dx%d k%dx%d s%dx%d d%dx%d pads t%d b%d l%d r%d out %dx%d pad_val 0x%04x mode %d "
            "%s nan %d (%s kernel)\n",
            c->C, c->K, c->G, c->H, c->W, c->R, c->S, c->sy, c->sx, c->dy, c->dx, c->pt, c->pb, c->pl, c->pr, c->OH,
            c->OW, c->pad_val, c->mode, c->linear ? "LINEAR" : "FEATURE", c->nan, generic ? "portable" : "best");
}

static int same(const fp_result *a, const fp_result *r)
{
    if (a->n != r->n)
        return 0;
    if (memcmp(a->pipe, r->pipe, a->n * sizeof(float))) {
        for (size_t i = 0; i < a->n; i++)
            if (memcmp(&a->pipe[i], &r->pipe[i], sizeof(float))) {
                fprintf(stderr, "first difference at %zu: fast %.9g ref %.9g\n", i, a->pipe[i], r->pipe[i]);
                break;
            }
        return 0;
    }
    if (memcmp(&a->st, &r->st, sizeof a->st)) {
        fprintf(stderr, "stats differ: nan_inputs fast %llu ref %llu\n", (unsigned long long)a->st.nan_inputs,
                (unsigned long long)r->st.nan_inputs);
        return 0;
    }
    return 1;
}

/* Reference vs the best fast kernel and vs the portable one: 1 if all equal. */
static int compare_case(const fp_case *c, uint64_t seed)
{
    fp_result r = {0}, a = {0}, p = {0};
    int ok = run_case(c, seed, 1, 0, &r) == 0;
    if (ok) {
        ok = run_case(c, seed, 0, 0, &a) == 0 && same(&a, &r);
        if (!ok)
            describe(c, 0);
    }
    if (ok) {
        ok = run_case(c, seed, 0, 1, &p) == 0 && same(&p, &r);
        if (!ok)
            describe(c, 1);
    }
    if (ok && c->nan == 1) { /* the NaN inputs were counted (the whole cube) and, where read, propagated */
        unsigned long long want = c->C == 1 && c->H / 2 == 0 && c->W / 2 == 0 ? 1 : 2;
        int read = c->G == 1 && c->sy == 1 && c->sx == 1 && c->dy == 1 && c->dx == 1 &&
                   c->OH == c->H + c->pt + c->pb - c->R + 1 && c->OW == c->W + c->pl + c->pr - c->S + 1;
        int seen = 0;
        for (size_t i = 0; i < r.n; i++)
            seen |= r.pipe[i] != r.pipe[i];
        if (r.st.nan_inputs != want || (read && !seen)) {
            fprintf(stderr, "NaN inputs: %llu counted (%llu expected), NaN output %s\n",
                    (unsigned long long)r.st.nan_inputs, want, seen ? "seen" : "missing");
            describe(c, 0);
            ok = 0;
        }
    }
    free(r.pipe);
    free(a.pipe);
    free(p.pipe);
    return ok;
}

static const int dims_ck[] = {1, 3, 16, 33, 64, 130};
static const int ksz[] = {1, 3, 5, 7};
static const uint16_t pads[] = {0x0000, 0x8000, 0xb5a0 /* -0.3516 */, 0x7bff /* 65504 */};

static void make_case(uint64_t *s, int C, int K, int gk, int R, int S, fp_case *c)
{
    memset(c, 0, sizeof *c);
    c->C = C >= 0 ? C : dims_ck[rnd(s, 0, 5)];
    c->K = K >= 0 ? K : dims_ck[rnd(s, 0, 5)];
    gk = gk >= 0 ? gk : rnd(s, 0, 2);
    if (gk == 2) {
        c->G = c->C;
        c->K = c->C * (rnd(s, 0, 3) ? 1 : 2);
    } else if (gk == 1 && c->C % 2 == 0) {
        c->G = 2;
        if (c->K % 2)
            c->K *= 2;
    } else {
        c->G = 1;
    }
    c->R = R >= 0 ? R : ksz[rnd(s, 0, 3)];
    c->S = S >= 0 ? S : ksz[rnd(s, 0, 3)];
    c->sy = rnd(s, 1, 3) == 3 ? 3 : rnd(s, 1, 2);
    c->sx = rnd(s, 1, 3) == 3 ? 3 : rnd(s, 1, 2);
    c->dy = rnd(s, 1, 2);
    c->dx = rnd(s, 1, 2);
    c->pt = rnd(s, 0, 3);
    c->pb = rnd(s, 0, 3);
    c->pl = rnd(s, 0, 3);
    c->pr = rnd(s, 0, 3);
    int ekh = (c->R - 1) * c->dy + 1, ekw = (c->S - 1) * c->dx + 1;
    c->H = ekh - c->pt - c->pb + rnd(s, 0, 9);
    c->W = ekw - c->pl - c->pr + rnd(s, 0, 30); /* rows up to ~30 outputs: every vector tail */
    if (c->H < 1) {
        c->pb += 1 - c->H;
        c->H = 1;
    }
    if (c->W < 1) {
        c->pr += 1 - c->W;
        c->W = 1;
    }
    int fh = (c->H + c->pt + c->pb - ekh) / c->sy + 1, fw = (c->W + c->pl + c->pr - ekw) / c->sx + 1;
    c->OH = rnd(s, 0, 3) ? fh : rnd(s, 1, fh); /* one case in four: a partial-H band */
    c->OW = rnd(s, 0, 5) ? fw : rnd(s, 1, fw);
    c->pad_val = pads[rnd(s, 0, 3)];
    c->mode = rnd(s, 0, 2) == 0 ? 6 : rnd(s, 0, 4); /* a third: cancelling pairs, where the order shows */
    c->linear = rnd(s, 0, 5) == 0;
    c->nan = rnd(s, 0, 9) == 0 ? rnd(s, 1, 3) : 0;
}

static int test_grid(void)
{
    uint64_t s = 0x9e3779b97f4a7c15ull;
    fp_case c;
    int bad = 0, n = 0;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++, n++) {
            make_case(&s, dims_ck[i], dims_ck[j], (i + j) % 3, -1, -1, &c);
            bad += !compare_case(&c, s);
        }
    for (int rep = 0; rep < 2; rep++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++, n++) {
                make_case(&s, rep ? 16 : -1, -1, -1, ksz[i], ksz[j], &c);
                bad += !compare_case(&c, s);
            }
    for (int i = 0; i < 50; i++, n++) {
        make_case(&s, -1, -1, -1, -1, -1, &c);
        bad += !compare_case(&c, s);
    }
    CHECK(bad == 0);
    return n;
}

static int test_corners(void)
{
    static const fp_case cases[] = {
        /*  C    K   G  H   W   R  S sy sx dy dx pt pb pl pr OH OW pad_val mode lin nan */
        {64, 64, 1, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 14, 14, 0x0000, 0, 0, 0},  /* ResNet-like */
        {64, 130, 1, 14, 14, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 7, 7, 0x0000, 0, 0, 0},   /* 1x1 stride 2 */
        {3, 16, 1, 40, 40, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 20, 20, 0x0000, 0, 0, 0},   /* the stem */
        {130, 16, 1, 9, 9, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 0x7bff, 1, 0, 0},     /* large, long sums */
        {33, 33, 33, 16, 16, 5, 5, 1, 1, 2, 2, 3, 3, 3, 3, 14, 14, 0xb5a0, 2, 0, 0}, /* depthwise, tiny */
        {16, 16, 2, 8, 8, 3, 3, 1, 1, 1, 1, 0, 1, 1, 1, 3, 8, 0x8000, 3, 0, 0},     /* a band: 3 of 7 rows */
        {16, 8, 1, 12, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 12, 40, 0x0000, 3, 1, 0},  /* INF, LINEAR */
        {16, 8, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 0x0000, 0, 0, 1},      /* NaN inputs */
        {16, 8, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 0x0000, 0, 0, 2},      /* NaN weight */
        {16, 8, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 0x0000, 0, 0, 3},      /* NaN pad_val */
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0x0000, 4, 0, 0},
        {4, 12, 1, 9, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 9, 33, 0x3c00, 4, 0, 0},    /* 4-kernel blocks, tails */
    };
    int bad = 0, n = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < n; i++)
        bad += !compare_case(&cases[i], 1000 + (uint64_t)i);
    CHECK(bad == 0);
    return n;
}

/* The summation order shows in the bits: 65504^2 + 2^-48 - 65504^2 is 0 in the reference's order (c = 0, 1, 2)
 * and 2^-48 if the tiny product came last, so a fast path that reordered would fail here. */
static void test_order_visible(void)
{
    fp_case c = {3, 9, 1, 5, 20, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 5, 20, 0, 5, 0, 0};
    fp_result r = {0};
    CHECK(run_case(&c, 77, 1, 0, &r) == 0);
    CHECK(r.pipe && r.n == 900 && r.pipe[0] == 0.0f && r.pipe[899] == 0.0f);
    free(r.pipe);
    CHECK(compare_case(&c, 77));
}

/* --bench: the convolutions of ResNet-50 (224x224, torchvision v1.5: stride in the 3x3), FP16, each timed once on
 * the fast path and once on the reference loops; prints the sums. Not part of ctest. */
static int bench_resnet50(void)
{
    static const int L[][8] = {
        /* C     K    H    R  stride pad count */
        {3, 64, 224, 7, 2, 3, 1},
        {64, 64, 56, 1, 1, 0, 1},    {256, 64, 56, 1, 1, 0, 2},  {64, 64, 56, 3, 1, 1, 3},
        {64, 256, 56, 1, 1, 0, 4},   /* 3 expansions + the downsample */
        {256, 128, 56, 1, 1, 0, 1},  {128, 128, 56, 3, 2, 1, 1}, {256, 512, 56, 1, 2, 0, 1},
        {512, 128, 28, 1, 1, 0, 3},  {128, 128, 28, 3, 1, 1, 3}, {128, 512, 28, 1, 1, 0, 4},
        {512, 256, 28, 1, 1, 0, 1},  {256, 256, 28, 3, 2, 1, 1}, {512, 1024, 28, 1, 2, 0, 1},
        {1024, 256, 14, 1, 1, 0, 5}, {256, 256, 14, 3, 1, 1, 5}, {256, 1024, 14, 1, 1, 0, 6},
        {1024, 512, 14, 1, 1, 0, 1}, {512, 512, 14, 3, 2, 1, 1}, {1024, 2048, 14, 1, 2, 0, 1},
        {2048, 512, 7, 1, 1, 0, 2},  {512, 512, 7, 3, 1, 1, 2},  {512, 2048, 7, 1, 1, 0, 3},
        {2048, 1000, 1, 1, 1, 0, 1},
    };
    double fast = 0, ref = 0;
    int bad = 0, n = 0;
    for (size_t i = 0; i < sizeof L / sizeof L[0]; i++) {
        const int *l = L[i];
        int oh = (l[2] + 2 * l[5] - l[3]) / l[4] + 1;
        fp_case c = {l[0], l[1], 1, l[2], l[2], l[3], l[3], l[4], l[4], 1, 1, l[5], l[5], l[5], l[5], oh, oh,
                     0, 0, 0, 0};
        for (int k = 0; k < l[6]; k++, n++) {
            fp_result a = {0}, r = {0};
            if (run_case(&c, 500 + (uint64_t)n, 0, 0, &a) || run_case(&c, 500 + (uint64_t)n, 1, 0, &r) ||
                !same(&a, &r))
                bad++;
            fast += a.sec;
            ref += r.sec;
            free(a.pipe);
            free(r.pipe);
        }
    }
    printf("ResNet-50 FP16 convolutions (%d): fast %.1f ms, reference %.1f ms (%.2fx), %d differ\n", n, fast * 1e3,
           ref * 1e3, ref / fast, bad);
    return bad != 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0)
        return bench_resnet50();
    int n = test_grid();
    n += test_corners();
    test_order_visible();
    printf("fp16conv: %d cases compared (fast kernels vs reference), %d failures\n", n, check_failures);
    return TEST_RESULT();
}
