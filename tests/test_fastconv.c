/* The engine's INT8 convolution fast path (oneDNN s8 x s8 -> s32, src/kernels/dnnl_conv_s8.c, wired in
 * src/engine/conv.c) against the reference loops (DLA_ENGINE_REF_CONV=1), bit for bit: every pipe value and the
 * engine statistics (CACC clips, in_cvt saturations).
 *
 * Shapes: C/K in {1,3,4,16,33,64,130}, groups 1 / 2 / depthwise, R,S in {1,3,5,7}, strides 1/2/4, dilations 1/2,
 * each pad 0..3, pad_val 0 / -37 / +-128..127 extremes, clip_truncate 0/3/9, partial-H bands (fewer output rows
 * than the full convolution, asymmetric pads), value modes from uniform to all +-127/-128 (the largest sums),
 * FEATURE, LINEAR and HWC4 sources, in_cvt enabled, shifts up to 63; then two threads at once (the runtime's two cores).
 * On a CPU without VNNI/AMX the fast path declines every shape and the comparison is trivially equal (noted). */
#include "check.h"
#include "engine/engine.h"
#include "engine/format.h"
#include "engine/numerics.h"
#include "kernels/kernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd32(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}
static int rnd(uint64_t *s, int lo, int hi) { return lo + (int)(rnd32(s) % (uint32_t)(hi - lo + 1)); }

typedef struct fc_case {
    int C, K, G, H, W, R, S, sy, sx, dy, dx, pt, pb, pl, pr, OH, OW, pad_val, clip, mode, linear, cvt;
} fc_case;

typedef struct fc_result {
    int32_t *pipe;
    size_t n;
    eng_stats st;
    int used_fast; /* the fast path had an implementation for the shape */
} fc_result;

static int8_t value(uint64_t *s, int mode)
{
    switch (mode) {
    case 0: return (int8_t)rnd(s, -128, 127);
    case 1: return rnd(s, 0, 1) ? 127 : -128;              /* extremes of both signs */
    case 2: return -128;                                     /* the largest products, all positive sums */
    case 3: return (int8_t)(rnd(s, 0, 3) ? 0 : rnd(s, -128, 127)); /* sparse (zero weights are skipped) */
    default: return (int8_t)rnd(s, -3, 3);
    }
}

/* Builds op + buffer for c (seeded), runs it with or without the reference path. */
static int run_case(const fc_case *c, uint64_t seed, int ref, fc_result *res)
{
    uint64_t s = seed;
    eng_geom g;
    if (eng_geom_make(c->C, c->H, c->W, ENG_INT8,
                      c->linear == 2 ? ENG_LAYOUT_HWC4 : c->linear ? ENG_LAYOUT_LINEAR : ENG_LAYOUT_FEATURE, &g) != DLA_OK)
        return -1;
    int Cg = c->C / c->G;
    size_t wbytes = (size_t)c->K * Cg * c->R * c->S;
    uint32_t woff = (g.size + 63) & ~63u;
    size_t total = woff + wbytes + 64;
    uint8_t *buf = malloc(total);
    if (!buf)
        return -1;
    memset(buf, 0x5a, total); /* garbage in atom pad channels must not matter */
    for (int ch = 0; ch < c->C; ch++)
        for (int h = 0; h < c->H; h++)
            for (int w = 0; w < c->W; w++)
                buf[eng_geom_at(&g, (uint32_t)ch, (uint32_t)h, (uint32_t)w)] = (uint8_t)value(&s, c->mode);
    /* weights: extremes mode 2 pairs -128 inputs with -128 weights; mode 1 mixes */
    for (size_t i = 0; i < wbytes; i++)
        buf[woff + i] = (uint8_t)value(&s, c->mode);

    eng_buffer b = {buf, total};
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = &b;
    ctx.n_bufs = 1;
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_CONV;
    op.index = 7;
    eng_conv_op *cv = &op.u.conv;
    cv->in_precision = cv->out_precision = ENG_INT8;
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
    cv->pad_val = (int16_t)c->pad_val;
    cv->out_width = (uint16_t)c->OW;
    cv->out_height = (uint16_t)c->OH;
    cv->out_channel = (uint16_t)c->K;
    cv->clip_truncate = (uint8_t)c->clip;
    if (c->cvt) /* image-mode converter: ((x - 3) * 45) >> 5, saturating to int8 now and then */
        cv->in_cvt = (eng_cvt){.scale = 45, .truncate = 5, .enable = 1, .offset = 3};
    eng_geom_to_cube(&g, ENG_MEM_DRAM, 0, 0, &cv->src);
    cv->weight.mem_type = ENG_MEM_DRAM;
    cv->weight.layout = ENG_LAYOUT_WEIGHT;
    cv->weight.precision = ENG_INT8;
    cv->weight.offset = woff;
    cv->weight.size = (uint32_t)wbytes;
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
    else
        unsetenv("DLA_ENGINE_REF_CONV");
    dla_status st = eng_exec_op(&ctx, &op);
    unsetenv("DLA_ENGINE_REF_CONV");
    int rc = 0;
    if (st != DLA_OK) {
        fprintf(stderr, "conv failed (status %d)\n", (int)st);
        rc = -1;
    } else {
        res->n = (size_t)c->K * c->OH * c->OW;
        res->pipe = malloc(res->n * sizeof(int32_t));
        if (!res->pipe)
            rc = -1;
        else
            memcpy(res->pipe, ctx.pipe.i32, res->n * sizeof(int32_t));
        res->st = ctx.stats;
        k_s8_conv_desc kd = {.c = c->C, .h = (c->OH - 1) * c->sy + (c->R - 1) * c->dy + 1,
                             .w = (c->OW - 1) * c->sx + (c->S - 1) * c->dx + 1, .k = c->K, .groups = c->G,
                             .r = c->R, .s = c->S, .sy = c->sy, .sx = c->sx, .dy = c->dy, .dx = c->dx, .oh = c->OH,
                             .ow = c->OW};
        res->used_fast = !ref && c->pad_val >= -128 && c->pad_val <= 127 && *k_s8_conv_impl(&kd) != '\0';
    }
    eng_ctx_release(&ctx);
    free(buf);
    return rc;
}

static void describe(const fc_case *c)
{
    fprintf(stderr,
            "case C%d K%d G%d in %dx%d k%dx%d s%dx%d d%dx%d pads t%d b%d l%d r%d out %dx%d pad_val %d clip %d mode %d "
            "%s%s\n",
            c->C, c->K, c->G, c->H, c->W, c->R, c->S, c->sy, c->sx, c->dy, c->dx, c->pt, c->pb, c->pl, c->pr, c->OH,
            c->OW, c->pad_val, c->clip, c->mode, c->linear == 2 ? "HWC4" : c->linear ? "LINEAR" : "FEATURE",
            c->cvt ? " in_cvt" : "");
}

/* Fast vs reference for one case: 1 if equal. fast_count counts cases the fast path ran. */
static int compare_case(const fc_case *c, uint64_t seed, int *fast_count)
{
    fc_result a = {0}, r = {0};
    int ok = run_case(c, seed, 0, &a) == 0 && run_case(c, seed, 1, &r) == 0 && a.n == r.n;
    if (ok && memcmp(a.pipe, r.pipe, a.n * sizeof(int32_t))) {
        ok = 0;
        for (size_t i = 0; i < a.n; i++)
            if (a.pipe[i] != r.pipe[i]) {
                fprintf(stderr, "first difference at %zu: fast %d ref %d\n", i, a.pipe[i], r.pipe[i]);
                break;
            }
    }
    if (ok && memcmp(&a.st, &r.st, sizeof a.st)) {
        fprintf(stderr, "stats differ: saturated fast %llu ref %llu\n", (unsigned long long)a.st.saturated,
                (unsigned long long)r.st.saturated);
        ok = 0;
    }
    if (!ok)
        describe(c);
    *fast_count += a.used_fast;
    free(a.pipe);
    free(r.pipe);
    return ok;
}

static const int dims_ck[] = {1, 3, 4, 16, 33, 64, 130};
static const int ksz[] = {1, 3, 5, 7};
static const int strides[] = {1, 2, 4};

/* A random case; C, K, group kind (0 dense, 1 two groups, 2 depthwise), R and S may be forced (>= 0). */
static void make_case(uint64_t *s, int C, int K, int gk, int R, int S, fc_case *c)
{
    memset(c, 0, sizeof *c);
    c->C = C >= 0 ? C : dims_ck[rnd(s, 0, 6)];
    c->K = K >= 0 ? K : dims_ck[rnd(s, 0, 6)];
    gk = gk >= 0 ? gk : rnd(s, 0, 2);
    if (gk == 2) { /* depthwise: K = C (or a multiple) */
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
    c->sy = strides[rnd(s, 0, 2)];
    c->sx = strides[rnd(s, 0, 2)];
    c->dy = rnd(s, 1, 2);
    c->dx = rnd(s, 1, 2);
    c->pt = rnd(s, 0, 3);
    c->pb = rnd(s, 0, 3);
    c->pl = rnd(s, 0, 3);
    c->pr = rnd(s, 0, 3);
    int ekh = (c->R - 1) * c->dy + 1, ekw = (c->S - 1) * c->dx + 1;
    /* the padded input holds the dilated kernel; a few outputs more at most */
    c->H = ekh - c->pt - c->pb + rnd(s, 0, 9);
    c->W = ekw - c->pl - c->pr + rnd(s, 0, 9);
    if (c->H < 1) {
        c->pb += 1 - c->H;
        c->H = 1;
    }
    if (c->W < 1) {
        c->pr += 1 - c->W;
        c->W = 1;
    }
    if (c->pb > 31)
        c->pb = 31;
    if (c->pr > 31)
        c->pr = 31;
    int fh = (c->H + c->pt + c->pb - ekh) / c->sy + 1, fw = (c->W + c->pl + c->pr - ekw) / c->sx + 1;
    /* one case in four: a partial-H band (fewer rows than the full convolution) */
    c->OH = rnd(s, 0, 3) ? fh : rnd(s, 1, fh);
    c->OW = rnd(s, 0, 5) ? fw : rnd(s, 1, fw);
    int pv = rnd(s, 0, 5);
    c->pad_val = pv < 3 ? 0 : pv == 3 ? -37 : pv == 4 ? 127 : -128;
    static const int clips[] = {0, 3, 9};
    c->clip = clips[rnd(s, 0, 2)];
    c->mode = rnd(s, 0, 4);
    c->linear = rnd(s, 0, 7) == 0;
    c->cvt = rnd(s, 0, 9) == 0;
}

static void test_grid(int *fast, int *total)
{
    uint64_t s = rng_state;
    fc_case c;
    int bad = 0;
    /* every C x K pair, group kind cycling */
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++) {
            make_case(&s, dims_ck[i], dims_ck[j], (i + j) % 3, -1, -1, &c);
            bad += !compare_case(&c, s, fast);
            ++*total;
        }
    /* every R x S pair, twice, with random channels */
    for (int rep = 0; rep < 2; rep++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                make_case(&s, rep ? 16 : -1, -1, -1, ksz[i], ksz[j], &c);
                bad += !compare_case(&c, s, fast);
                ++*total;
            }
    /* all-random */
    for (int i = 0; i < 60; i++) {
        make_case(&s, -1, -1, -1, -1, -1, &c);
        bad += !compare_case(&c, s, fast);
        ++*total;
    }
    CHECK(bad == 0);
}

/* Hand-picked corners: the largest exact sums (C*R*S large, every product +16384), ResNet-like shapes, a
 * pad value outside int8 (reference path on both sides), stride 4 with 7x7 and dilation 2. */
static void test_corners(int *fast, int *total)
{
    static const fc_case cases[] = {
        /*  C    K   G  H   W   R  S sy sx dy dx pt pb pl pr OH OW pad  clip mode lin cvt */
        {130, 16, 1, 9, 9, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 9, 9, -128, 0, 2, 0, 0},  /* 130*49*16384 ~ 1.04e8 */
        {130, 16, 1, 9, 9, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 127, 9, 1, 0, 0},
        {64, 64, 1, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 14, 14, 0, 3, 0, 0, 0},
        {64, 130, 1, 14, 14, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 7, 7, 0, 0, 0, 0, 0},
        {3, 64, 1, 23, 23, 7, 7, 2, 2, 1, 1, 3, 2, 3, 2, 10, 10, -37, 9, 0, 0, 1}, /* the stem, image mode */
        {64, 64, 64, 12, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 6, 6, -37, 3, 1, 0, 0}, /* depthwise */
        {33, 33, 33, 16, 16, 5, 5, 1, 1, 2, 2, 3, 3, 3, 3, 14, 14, -37, 0, 0, 0, 0},
        {16, 4, 1, 20, 20, 7, 7, 4, 4, 2, 2, 3, 0, 1, 2, 2, 3, 5, 3, 0, 1, 0},     /* partial rows and columns */
        {16, 16, 2, 8, 8, 3, 3, 1, 1, 1, 1, 0, 1, 1, 1, 3, 8, -37, 0, 0, 0, 0},    /* a band: 3 of 7 rows */
        {16, 16, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 200, 0, 0, 0, 0},    /* pad_val > int8: reference */
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 9, 0, 0, 0},
        {130, 130, 2, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 7, 7, -128, 9, 2, 0, 0},
        {64, 64, 1, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 9, 9, -128, 31, 2, 0, 0},  /* shifts past the SIMD range */
        {64, 64, 1, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 9, 9, -128, 63, 1, 0, 0},
        {64, 64, 1, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 9, 9, -128, 20, 2, 0, 0},
        {3, 32, 1, 20, 20, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 10, 10, -37, 3, 0, 2, 0}, /* HWC4 image input */
        {4, 16, 1, 12, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 12, 12, -37, 3, 0, 2, 1}, /* HWC4 + in_cvt */
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad += !compare_case(&cases[i], 1000 + i, fast);
        ++*total;
    }
    CHECK(bad == 0);
}

/* Two threads at once, each comparing its own cases (primitives and weight caches are shared). */
typedef struct thr_arg {
    uint64_t seed;
    int bad, fast;
} thr_arg;

static void *thr_main(void *p)
{
    thr_arg *a = p;
    uint64_t s = a->seed;
    for (int i = 0; i < 12; i++) {
        fc_case c;
        make_case(&s, dims_ck[rnd(&s, 2, 5)], 64, 0, 3, 3, &c);
        /* run fast only (setenv is process-wide: the reference runs come after the join) */
        c.cvt = 0;
        fc_result r = {0};
        if (run_case(&c, s + i, 0, &r) != 0) {
            a->bad++;
            continue;
        }
        free(r.pipe);
    }
    return NULL;
}

static void test_threads(void)
{
    /* warm-up compare, then concurrent fast runs, then re-compare the same cases sequentially */
    thr_arg args[2] = {{11, 0, 0}, {22, 0, 0}};
    pthread_t t[2];
    int started = 0;
    for (int i = 0; i < 2; i++)
        started += pthread_create(&t[i], NULL, thr_main, &args[i]) == 0;
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    CHECK(started == 2);
    CHECK(args[0].bad == 0 && args[1].bad == 0);
    int fast = 0, bad = 0;
    for (int k = 0; k < 2; k++) {
        uint64_t s = args[k].seed;
        for (int i = 0; i < 12; i++) {
            fc_case c;
            make_case(&s, dims_ck[rnd(&s, 2, 5)], 64, 0, 3, 3, &c);
            c.cvt = 0;
            bad += !compare_case(&c, s + i, &fast);
        }
    }
    CHECK(bad == 0);
}

/* Weights rewritten in place between two runs of the same shape must not hit a stale cached reorder. */
static void test_weight_change(void)
{
    fc_case c = {16, 16, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 0, 0, 0, 0, 0};
    int fast = 0;
    CHECK(compare_case(&c, 5, &fast));
    CHECK(compare_case(&c, 6, &fast)); /* another seed: other weights, very likely at the same address */
    CHECK(compare_case(&c, 5, &fast));
}

int main(void)
{
    int fast = 0, total = 0;
    test_grid(&fast, &total);
    test_corners(&fast, &total);
    test_threads();
    test_weight_change();
    k_s8_conv_desc probe = {.c = 64, .h = 16, .w = 16, .k = 64, .groups = 1, .r = 3, .s = 3, .sy = 1, .sx = 1,
                            .dy = 1, .dx = 1, .oh = 14, .ow = 14};
    int have = k_s8_conv_supported(&probe);
    if (have) /* a VNNI/AMX CPU: the fast path must have taken most cases */
        CHECK(fast * 2 > total);
    else
        fprintf(stderr, "note: no exact oneDNN int8 path on this CPU: every case ran the reference loops\n");
    printf("fastconv: %d cases bit-identical, %d on the fast path (%s)\n", total, fast,
           have ? k_s8_conv_impl(&probe) : "none");
    return TEST_RESULT();
}
