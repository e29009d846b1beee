/* Engine layout: memory formats at the task edges (geometry, round trips, padding bytes, INT8 quantization ties,
 * FP16 saturation), PDP (max/avg with pads, strides, Q0.16 reciprocal rounding, pipe source), CDP (identity-like
 * LUT), RUBIK (transpose, reshape, contract, resize) and BDMA (concat along C, bounds, overlap) against
 * hand-computed values. */
#include "check.h"
#include "engine/format.h"

#include <stdlib.h>
#include <string.h>

/* ---- formats ---------------------------------------------------------------------------------------------- */

static void test_geometry(void)
{
    eng_geom g;
    CHECK_OK(eng_geom_make(33, 2, 3, ENG_INT8, ENG_LAYOUT_FEATURE, &g));
    CHECK(g.surfaces == 2 && g.line_stride == 96 && g.surf_stride == 192 && g.size == 384 && g.c_stored == 64);
    CHECK(eng_geom_at(&g, 32, 1, 2) == 192 + 96 + 64);
    CHECK(eng_geom_at(&g, 31, 0, 1) == 32 + 31);
    CHECK_OK(eng_geom_make(17, 1, 1, ENG_FP16, ENG_LAYOUT_FEATURE, &g));
    CHECK(g.atom_c == 16 && g.surfaces == 2 && g.size == 64 && eng_geom_at(&g, 16, 0, 0) == 32);
    CHECK(eng_geom_at(&g, 15, 0, 0) == 30);
    CHECK_OK(eng_geom_make(3, 2, 3, ENG_FP16, ENG_LAYOUT_LINEAR, &g));
    CHECK(g.line_stride == 64 && g.surf_stride == 128 && g.size == 384);
    CHECK(eng_geom_at(&g, 1, 1, 2) == 128 + 64 + 4);
    CHECK_OK(eng_geom_make(2, 1, 33, ENG_FP16, ENG_LAYOUT_LINEAR, &g)); /* 66 bytes -> 128 */
    CHECK(g.line_stride == 128 && g.size == 256);
    CHECK_OK(eng_geom_make(3, 2, 5, ENG_INT8, ENG_LAYOUT_HWC4, &g));
    CHECK(g.atom_c == 4 && g.line_stride == 64 && g.size == 128 && eng_geom_at(&g, 2, 1, 3) == 64 + 14);
    CHECK_OK(eng_geom_make(1, 2, 65, ENG_INT8, ENG_LAYOUT_HWC4, &g)); /* grayscale: C' = 1 */
    CHECK(g.atom_c == 1 && g.line_stride == 128 && g.size == 256);
    CHECK_OK(eng_geom_make(4, 1, 17, ENG_FP16, ENG_LAYOUT_HWC4, &g)); /* 136 bytes -> 192 */
    CHECK(g.line_stride == 192);
    CHECK_STATUS(eng_geom_make(2, 4, 4, ENG_INT8, ENG_LAYOUT_HWC4, &g), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(eng_geom_make(8193, 1, 1, ENG_INT8, ENG_LAYOUT_FEATURE, &g), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(eng_geom_make(1, 0, 1, ENG_INT8, ENG_LAYOUT_FEATURE, &g), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(eng_geom_make(1, 1, 1, ENG_INT8, ENG_LAYOUT_WEIGHT, &g), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(eng_geom_make(1, 1, 1, (eng_precision)7, ENG_LAYOUT_FEATURE, &g), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(eng_geom_make(8192, 8192, 8192, ENG_INT8, ENG_LAYOUT_FEATURE, &g), DLA_ERR_UNSUPPORTED);

    /* descriptor cubes: strides validated */
    eng_cube c = {0};
    c.layout = ENG_LAYOUT_FEATURE;
    c.precision = ENG_INT8;
    c.channel = 40;
    c.height = 2;
    c.width = 3;
    c.line_stride = 96;
    c.surf_stride = 256; /* gaps allowed */
    c.size = 256 + 192;
    CHECK_OK(eng_geom_from_cube(&c, "t", &g));
    CHECK(eng_geom_at(&g, 33, 1, 0) == 256 + 96 + 1);
    c.size = 256 + 191;
    CHECK_STATUS(eng_geom_from_cube(&c, "t", &g), DLA_ERR_FORMAT);
    c.size = 1000;
    c.line_stride = 64; /* below W*32 */
    CHECK_STATUS(eng_geom_from_cube(&c, "t", &g), DLA_ERR_FORMAT);
    c.line_stride = 100; /* not 32-aligned */
    CHECK_STATUS(eng_geom_from_cube(&c, "t", &g), DLA_ERR_FORMAT);
    c.line_stride = 96;
    c.surf_stride = 160; /* surfaces overlap */
    CHECK_STATUS(eng_geom_from_cube(&c, "t", &g), DLA_ERR_FORMAT);
}

static void test_quantize(void)
{
    CHECK(eng_quantize(2.5f, 1.0f, ENG_INT8) == 3);
    CHECK(eng_quantize(-2.5f, 1.0f, ENG_INT8) == -3);
    CHECK(eng_quantize(5.0f, 2.0f, ENG_INT8) == 3);
    CHECK(eng_quantize(-0.5f, 1.0f, ENG_INT8) == -1);
    CHECK(eng_quantize(0.49f, 1.0f, ENG_INT8) == 0);
    CHECK(eng_quantize(7.5f, 3.0f, ENG_INT8) == 3);
    CHECK(eng_quantize(127.4f, 1.0f, ENG_INT8) == 127);
    CHECK(eng_quantize(127.5f, 1.0f, ENG_INT8) == 127);
    CHECK(eng_quantize(1e9f, 1.0f, ENG_INT8) == 127);
    CHECK(eng_quantize(-128.0f, 1.0f, ENG_INT8) == -127); /* symmetric: never -128 */
    CHECK(eng_quantize(-1e9f, 1.0f, ENG_INT8) == -127);
    CHECK(eng_quantize(NAN, 1.0f, ENG_INT8) == 0);
    CHECK(eng_quantize(INFINITY, 1.0f, ENG_INT8) == 127);
    CHECK(eng_quantize(40000.0f, 1.0f, ENG_INT16) == 32767);
    CHECK(eng_quantize(-32767.5f, 1.0f, ENG_INT16) == -32767);
    CHECK(eng_quantize(-2.5f, 0.5f, ENG_INT16) == -5);
}

/* Packs host values, checks every non-data byte is zero and that unpacking gives the values back. */
static void roundtrip(int c, int h, int w, eng_precision prec, eng_layout layout, int n)
{
    eng_geom g;
    CHECK_OK(eng_geom_make(c, h, w, prec, layout, &g));
    size_t count = (size_t)n * c * h * w, bytes = (size_t)n * g.size;
    float *src = malloc(count * sizeof(float)), *back = malloc(count * sizeof(float));
    uint8_t *buf = malloc(bytes + 16), *mask = calloc(bytes, 1);
    float scale = prec == ENG_FP16 ? 1.0f : 0.25f;
    for (size_t i = 0; i < count; i++) {
        int q = (int)((i * 37 + 11) % 255) - 127; /* -127..127, exact in every format */
        src[i] = prec == ENG_FP16 ? (float)q * 0.125f : (float)q * scale;
    }
    memset(buf, 0xAB, bytes + 16);
    CHECK_OK(eng_fmt_pack_f32(&g, n, src, scale, buf, bytes));
    CHECK(buf[bytes] == 0xAB); /* nothing written past n * size */
    for (int b = 0; b < n; b++)
        for (int ci = 0; ci < c; ci++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    size_t at = (size_t)b * g.size + eng_geom_at(&g, ci, y, x);
                    for (int k = 0; k < g.elem_bytes; k++)
                        mask[at + k] = 1;
                }
    size_t stray = 0, data = 0;
    for (size_t i = 0; i < bytes; i++) {
        stray += !mask[i] && buf[i] != 0;
        data += mask[i];
    }
    CHECK(stray == 0);
    CHECK(data == count * g.elem_bytes); /* distinct positions per element */
    memset(back, 0, count * sizeof(float));
    CHECK_OK(eng_fmt_unpack_f32(&g, n, buf, bytes, scale, back));
    size_t bad = 0;
    for (size_t i = 0; i < count; i++)
        bad += back[i] != src[i];
    CHECK(bad == 0);
    if (bad)
        fprintf(stderr, "  roundtrip C=%d H=%d W=%d prec %d layout %d n %d: %zu wrong\n", c, h, w, prec, layout, n,
                bad);
    /* raw round trip through the same layout */
    if (prec == ENG_INT8) {
        int8_t *raw = malloc(count), *raw2 = malloc(count);
        for (size_t i = 0; i < count; i++)
            raw[i] = (int8_t)((int)(i % 251) - 125);
        CHECK_OK(eng_fmt_pack_raw(&g, n, raw, buf, bytes));
        CHECK_OK(eng_fmt_unpack_raw(&g, n, buf, bytes, raw2));
        CHECK(memcmp(raw, raw2, count) == 0);
        free(raw);
        free(raw2);
    }
    CHECK_STATUS(eng_fmt_pack_f32(&g, n, src, scale, buf, bytes - 1), DLA_ERR_INVALID_ARG);
    free(src);
    free(back);
    free(buf);
    free(mask);
}

static void test_formats(void)
{
    static const int cs[] = {1, 3, 17, 33};
    static const eng_precision ps[] = {ENG_INT8, ENG_INT16, ENG_FP16};
    for (int pi = 0; pi < 3; pi++) {
        for (int ci = 0; ci < 4; ci++) {
            roundtrip(cs[ci], 3, 5, ps[pi], ENG_LAYOUT_FEATURE, 1);
            roundtrip(cs[ci], 2, 33, ps[pi], ENG_LAYOUT_LINEAR, 1);
        }
        roundtrip(1, 3, 7, ps[pi], ENG_LAYOUT_HWC4, 1);
        roundtrip(3, 3, 7, ps[pi], ENG_LAYOUT_HWC4, 2);
        roundtrip(4, 2, 17, ps[pi], ENG_LAYOUT_HWC4, 1);
        roundtrip(33, 2, 3, ps[pi], ENG_LAYOUT_FEATURE, 2);
    }
    /* exact byte positions: INT8 chw32, C=3, 1x2 -> q at [w*32 + c]; scale 0.5: 1.25 -> 2.5 -> 3 (tie away) */
    eng_geom g;
    CHECK_OK(eng_geom_make(3, 1, 2, ENG_INT8, ENG_LAYOUT_FEATURE, &g));
    float x[6] = {1.25f, -1.25f, 100.0f, -100.0f, 0.2f, 0.0f}; /* c0: w0,w1; c1: w0,w1; c2: w0,w1 */
    uint8_t buf[64];
    CHECK_OK(eng_fmt_pack_f32(&g, 1, x, 0.5f, buf, sizeof buf));
    CHECK((int8_t)buf[0] == 3 && (int8_t)buf[32] == -3 && (int8_t)buf[1] == 127 && (int8_t)buf[33] == -127);
    CHECK((int8_t)buf[2] == 0 && buf[34] == 0 && buf[3] == 0 && buf[63] == 0);
    /* FP16: the DLA never writes INF; NaN stays NaN */
    CHECK_OK(eng_geom_make(2, 1, 2, ENG_FP16, ENG_LAYOUT_LINEAR, &g));
    float f[4] = {70000.0f, -INFINITY, NAN, 1.0f / 3.0f};
    uint8_t fb[128];
    CHECK_OK(eng_fmt_pack_f32(&g, 1, f, 0.0f, fb, sizeof fb));
    CHECK(eng_ld_u16(fb) == 0x7bff && eng_ld_u16(fb + 2) == 0xfbff);
    CHECK((eng_ld_u16(fb + 64) & 0x7c00) == 0x7c00 && (eng_ld_u16(fb + 64) & 0x3ff) != 0);
    CHECK(eng_ld_u16(fb + 66) == 0x3555); /* 1/3 rounded to nearest even */
    float back[4];
    CHECK_OK(eng_fmt_unpack_f32(&g, 1, fb, sizeof fb, 0.0f, back));
    CHECK(back[0] == 65504.0f && back[1] == -65504.0f && isnan(back[2]));
    /* INT unpack reads -128 (an engine output) as -128 * scale */
    CHECK_OK(eng_geom_make(1, 1, 1, ENG_INT8, ENG_LAYOUT_FEATURE, &g));
    uint8_t one[32] = {0x80};
    float y = 0;
    CHECK_OK(eng_fmt_unpack_f32(&g, 1, one, sizeof one, 0.5f, &y));
    CHECK(y == -64.0f);
    CHECK_STATUS(eng_fmt_pack_f32(&g, 1, &y, 0.0f, one, sizeof one), DLA_ERR_INVALID_ARG); /* INT scale 0 */
    CHECK_STATUS(eng_fmt_pack_f32(&g, 0, &y, 1.0f, one, sizeof one), DLA_ERR_INVALID_ARG);
}


/* ---- processor harness ------------------------------------------------------------------------------------ */

static eng_buffer BUFS[4];
static eng_ctx CTX;

static void ctx_reset(void)
{
    for (int i = 0; i < 4; i++) {
        free(BUFS[i].data);
        BUFS[i].data = NULL;
        BUFS[i].size = 0;
    }
    eng_ctx_release(&CTX);
    memset(&CTX, 0, sizeof CTX);
    CTX.bufs = BUFS;
    CTX.n_bufs = 4;
}

static uint8_t *buf_alloc(int i, size_t size, int fill)
{
    free(BUFS[i].data);
    BUFS[i].data = malloc(size);
    memset(BUFS[i].data, fill, size);
    BUFS[i].size = size;
    return BUFS[i].data;
}

/* A packed cube of `layout` in buffer `mem` at `offset`. */
static eng_cube cube_at(int c, int h, int w, eng_precision prec, eng_layout layout, int mem, uint32_t offset)
{
    eng_geom g;
    eng_cube q;
    memset(&q, 0, sizeof q);
    CHECK_OK(eng_geom_make(c, h, w, prec, layout, &g));
    q.mem_type = ENG_MEM_DRAM;
    q.layout = (uint8_t)layout;
    q.precision = (uint8_t)prec;
    q.mem = (int16_t)mem;
    q.offset = offset;
    q.size = g.size;
    q.width = (uint16_t)w;
    q.height = (uint16_t)h;
    q.channel = (uint16_t)c;
    q.line_stride = g.line_stride;
    q.surf_stride = g.surf_stride;
    return q;
}

/* Element (c,h,w) of a cube in the bound buffers. */
static uint8_t *elem(const eng_cube *q, int c, int h, int w)
{
    eng_geom g;
    CHECK_OK(eng_geom_from_cube(q, "test", &g));
    return BUFS[q->mem].data + q->offset + eng_geom_at(&g, (uint32_t)c, (uint32_t)h, (uint32_t)w);
}
static int32_t geti(const eng_cube *q, int c, int h, int w) { return eng_load_int(elem(q, c, h, w), q->precision); }
static void seti(const eng_cube *q, int c, int h, int w, int32_t v)
{
    eng_store_int(elem(q, c, h, w), q->precision, v);
}
static float getf(const eng_cube *q, int c, int h, int w) { return base_fp16_to_f32(eng_ld_u16(elem(q, c, h, w))); }
static void setf(const eng_cube *q, int c, int h, int w, float v) { eng_store_fp16(elem(q, c, h, w), v, NULL); }

/* ---- PDP -------------------------------------------------------------------------------------------------- */

static eng_op pdp_op(int mode, eng_precision prec, int kw, int kh, int sx, int sy, int pl, int pr, int pt, int pb)
{
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_PDP;
    op.index = 7;
    eng_pdp_op *p = &op.u.pdp;
    p->pool_mode = (uint8_t)mode;
    p->precision = (uint8_t)prec;
    p->pool_width = (uint8_t)kw;
    p->pool_height = (uint8_t)kh;
    p->stride_x = (uint8_t)sx;
    p->stride_y = (uint8_t)sy;
    p->pad_left = (uint8_t)pl;
    p->pad_right = (uint8_t)pr;
    p->pad_top = (uint8_t)pt;
    p->pad_bottom = (uint8_t)pb;
    p->recip_width = (uint16_t)(kw > 1 ? (65536 + kw / 2) / kw : 0);
    p->recip_height = (uint16_t)(kh > 1 ? (65536 + kh / 2) / kh : 0);
    return op;
}

static void test_pdp_maxmin(void)
{
    ctx_reset();
    /* C=33 (two surfaces), 5x5, v = y*5 + x - 12 (+ c for channel 32); 3x3 window, stride 2, pad 1 -> 3x3 */
    eng_op op = pdp_op(ENG_POOL_MAX, ENG_INT8, 3, 3, 2, 2, 1, 1, 1, 1);
    op.u.pdp.src = cube_at(33, 5, 5, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    op.u.pdp.dst = cube_at(33, 3, 3, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 64);
    buf_alloc(0, op.u.pdp.src.size, 0x55);
    buf_alloc(1, 64 + op.u.pdp.dst.size, 0);
    for (int c = 0; c < 33; c++)
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                seti(&op.u.pdp.src, c, y, x, y * 5 + x - 12 + (c == 32 ? 100 : 0));
    CHECK_OK(eng_exec_op(&CTX, &op));
    const eng_cube *d = &op.u.pdp.dst;
    /* max = v[min(2oy+1,4)][min(2ox+1,4)]: padded positions never win (with a zero pad, (0,0) would be 0) */
    CHECK(geti(d, 0, 0, 0) == -6 && geti(d, 0, 0, 1) == -4 && geti(d, 0, 0, 2) == -3);
    CHECK(geti(d, 0, 1, 0) == 4 && geti(d, 0, 2, 2) == 12 && geti(d, 5, 1, 1) == 6);
    CHECK(geti(d, 32, 2, 2) == 112 && geti(d, 32, 0, 0) == 94);
    op.u.pdp.pool_mode = ENG_POOL_MIN; /* min = v[max(2oy-1,0)][max(2ox-1,0)] */
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 0, 0, 0) == -12 && geti(d, 0, 1, 1) == -6 && geti(d, 0, 2, 2) == 6 && geti(d, 0, 0, 2) == -9);
    CHECK(geti(d, 32, 0, 0) == 88);
    /* malformed descriptors */
    eng_op bad = op;
    bad.u.pdp.pool_width = 9;
    CHECK_STATUS(eng_exec_op(&CTX, &bad), DLA_ERR_FORMAT);
    bad = op;
    bad.u.pdp.pad_left = 3; /* pad must be < window */
    CHECK_STATUS(eng_exec_op(&CTX, &bad), DLA_ERR_FORMAT);
    bad = op;
    bad.u.pdp.stride_x = 17;
    CHECK_STATUS(eng_exec_op(&CTX, &bad), DLA_ERR_FORMAT);
    bad = op;
    bad.u.pdp.dst.width = 2; /* the window arithmetic gives 3 */
    CHECK_STATUS(eng_exec_op(&CTX, &bad), DLA_ERR_FORMAT);
    bad = op;
    bad.u.pdp.dst.offset = 96; /* past the end of buffer 1 */
    CHECK_STATUS(eng_exec_op(&CTX, &bad), DLA_ERR_FORMAT);
    bad = op;
    bad.u.pdp.src.precision = ENG_FP16;
    CHECK_STATUS(eng_exec_op(&CTX, &bad), DLA_ERR_FORMAT);
    bad = op;
    bad.u.pdp.pool_mode = ENG_POOL_AVG;
    bad.u.pdp.recip_width = 0;
    CHECK_STATUS(eng_exec_op(&CTX, &bad), DLA_ERR_FORMAT);
}

static void test_pdp_avg(void)
{
    ctx_reset();
    /* 3x3 window, stride 1, pad 1 over [[1,2,3],[4,5,6],[7,8,9]]; recips round(65536/3) = 21845 */
    eng_op op = pdp_op(ENG_POOL_AVG, ENG_INT8, 3, 3, 1, 1, 1, 1, 1, 1);
    CHECK(op.u.pdp.recip_width == 21845);
    op.u.pdp.src = cube_at(1, 3, 3, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    op.u.pdp.dst = cube_at(1, 3, 3, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, op.u.pdp.src.size, 0);
    buf_alloc(1, op.u.pdp.dst.size, 0);
    for (int i = 0; i < 9; i++)
        seti(&op.u.pdp.src, 0, i / 3, i % 3, i + 1);
    const eng_cube *d = &op.u.pdp.dst;
    CHECK_OK(eng_exec_op(&CTX, &op));
    /* corner: 12 -> RHAZ(12*21845/2^16 = 3.99994) = 4 -> RHAZ(4*21845/2^16 = 1.3333) = 1 */
    CHECK(geti(d, 0, 0, 0) == 1);
    CHECK(geti(d, 0, 1, 1) == 5);                         /* 45 -> 15 -> 5 */
    CHECK(geti(d, 0, 0, 1) == 2);                         /* 21 -> 7 -> 2 */
    CHECK(geti(d, 0, 2, 2) == 3);                         /* 28 -> RHAZ(9.333)=9 -> 3 */
    /* pad value p = -2: padding_value[k-1] = -2k; corner sum 12 + 2*V(1) + 3*V(1) = 2 -> 1 -> 0 */
    for (int k = 1; k <= 7; k++)
        op.u.pdp.padding_value[k - 1] = -2 * k;
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 0, 0, 0) == 0);
    CHECK(geti(d, 0, 0, 1) == 2);  /* 21 + 3*V(1) = 15 -> 5 -> RHAZ(1.6666) = 2 */
    CHECK(geti(d, 0, 1, 1) == 5);  /* no padding in the window */
    CHECK(geti(d, 0, 2, 2) == 2);  /* 28 - 10 = 18 -> RHAZ(5.9999) = 6 -> RHAZ(1.99995) = 2 */

    /* ties: 3x2 window (recips 21845, 32768), stride 3: sums 15 -> 2.5 -> 3 and -21 -> -3.5 -> -4 */
    ctx_reset();
    op = pdp_op(ENG_POOL_AVG, ENG_INT8, 3, 2, 3, 1, 0, 0, 0, 0);
    CHECK(op.u.pdp.recip_height == 32768);
    op.u.pdp.src = cube_at(1, 2, 6, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    op.u.pdp.dst = cube_at(1, 1, 2, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, op.u.pdp.src.size, 0);
    buf_alloc(1, op.u.pdp.dst.size, 0);
    static const int v[2][6] = {{1, 2, 3, -1, -2, -3}, {2, 3, 4, -4, -5, -6}};
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 6; x++)
            seti(&op.u.pdp.src, 0, y, x, v[y][x]);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(&op.u.pdp.dst, 0, 0, 0) == 3 && geti(&op.u.pdp.dst, 0, 0, 1) == -4);

    /* the Q0.16 reciprocal's own rounding: INT16 1x3 window over {10923, 10924, 10924}: exact mean 10923.67,
     * RHAZ(32771 * 21845 / 2^16 = 10923.497) = 10923 */
    ctx_reset();
    op = pdp_op(ENG_POOL_AVG, ENG_INT16, 3, 1, 1, 1, 0, 0, 0, 0);
    op.u.pdp.src = cube_at(1, 1, 3, ENG_INT16, ENG_LAYOUT_FEATURE, 0, 0);
    op.u.pdp.dst = cube_at(1, 1, 1, ENG_INT16, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, op.u.pdp.src.size, 0);
    buf_alloc(1, op.u.pdp.dst.size, 0);
    seti(&op.u.pdp.src, 0, 0, 0, 10923);
    seti(&op.u.pdp.src, 0, 0, 1, 10924);
    seti(&op.u.pdp.src, 0, 0, 2, 10924);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(&op.u.pdp.dst, 0, 0, 0) == 10923);

    /* saturation: 1x2 window, pad_left 1 with padding_value[0] = 1000 over [120]: (120 + 1000) / 2 -> 127 */
    ctx_reset();
    op = pdp_op(ENG_POOL_AVG, ENG_INT8, 2, 1, 1, 1, 1, 0, 0, 0);
    op.u.pdp.padding_value[0] = 1000;
    op.u.pdp.src = cube_at(1, 1, 1, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    op.u.pdp.dst = cube_at(1, 1, 1, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, 32, 0);
    buf_alloc(1, 32, 0);
    seti(&op.u.pdp.src, 0, 0, 0, 120);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(&op.u.pdp.dst, 0, 0, 0) == 127 && CTX.stats.saturated == 1);
}

static void test_pdp_pipe_fp16(void)
{
    ctx_reset();
    /* INT pipe (fused after SDP): 2 channels 2x4, max 2x2 stride 2 -> 2 channels 1x2; 300 saturates to 127 */
    eng_op op = pdp_op(ENG_POOL_MAX, ENG_INT8, 2, 2, 2, 2, 0, 0, 0, 0);
    op.u.pdp.src.mem_type = ENG_MEM_HW;
    op.u.pdp.src.mem = -1;
    op.u.pdp.src.precision = ENG_INT8;
    op.u.pdp.src.channel = 2;
    op.u.pdp.src.height = 2;
    op.u.pdp.src.width = 4;
    op.u.pdp.dst = cube_at(2, 1, 2, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(1, op.u.pdp.dst.size, 0);
    CHECK_OK(eng_pipe_reserve(&CTX, 2, 2, 4, 0));
    static const int32_t pv[16] = {1, 5, -9, -8, 3, 2, -7, -20, 300, 0, -1, -2, 4, 6, -3, -4};
    memcpy(CTX.pipe.i32, pv, sizeof pv);
    CHECK_OK(eng_exec_op(&CTX, &op));
    const eng_cube *d = &op.u.pdp.dst;
    CHECK(geti(d, 0, 0, 0) == 5 && geti(d, 0, 0, 1) == -7 && geti(d, 1, 0, 0) == 127 && geti(d, 1, 0, 1) == -1);
    op.u.pdp.src.width = 3; /* does not match the pipe */
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);

    /* FP16 memory: avg 2x2 of {1, 2, 3, 4.5} = 2.625; max with a NaN -> NaN */
    ctx_reset();
    op = pdp_op(ENG_POOL_AVG, ENG_FP16, 2, 2, 2, 2, 0, 0, 0, 0);
    op.u.pdp.src = cube_at(2, 2, 2, ENG_FP16, ENG_LAYOUT_FEATURE, 0, 0);
    op.u.pdp.dst = cube_at(2, 1, 1, ENG_FP16, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, op.u.pdp.src.size, 0);
    buf_alloc(1, op.u.pdp.dst.size, 0);
    static const float fv[2][4] = {{1, 2, 3, 4.5f}, {-1, NAN, 7, 8}};
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < 4; i++)
            setf(&op.u.pdp.src, c, i / 2, i % 2, fv[c][i]);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(getf(&op.u.pdp.dst, 0, 0, 0) == 2.625f && isnan(getf(&op.u.pdp.dst, 1, 0, 0)));
    op.u.pdp.pool_mode = ENG_POOL_MAX;
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(getf(&op.u.pdp.dst, 0, 0, 0) == 4.5f && isnan(getf(&op.u.pdp.dst, 1, 0, 0)));

    /* FP16 pipe: 3x3 avg, pad 1, over one 1x1 value 9 with zero padding -> 9/9 = 1; pad value 0.5 -> (9+4)/9 */
    ctx_reset();
    op = pdp_op(ENG_POOL_AVG, ENG_FP16, 3, 3, 1, 1, 1, 1, 1, 1);
    op.u.pdp.src.mem_type = ENG_MEM_HW;
    op.u.pdp.src.mem = -1;
    op.u.pdp.src.precision = ENG_FP16;
    op.u.pdp.src.channel = op.u.pdp.src.height = op.u.pdp.src.width = 1;
    op.u.pdp.dst = cube_at(1, 1, 1, ENG_FP16, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(1, 32, 0);
    CHECK_OK(eng_pipe_reserve(&CTX, 1, 1, 1, 1));
    CTX.pipe.f32[0] = 9.0f;
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(getf(&op.u.pdp.dst, 0, 0, 0) == 1.0f);
    for (int k = 1; k <= 7; k++) {
        float pvk = 0.5f * (float)k;
        memcpy(&op.u.pdp.padding_value[k - 1], &pvk, 4);
    }
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK_NEAR(getf(&op.u.pdp.dst, 0, 0, 0), 13.0 / 9.0, 1e-3); /* 8 padded elements * 0.5 = 4 */
}

/* ---- BDMA ------------------------------------------------------------------------------------------------- */

static void test_bdma(void)
{
    ctx_reset();
    /* concat along C of A (C=32: one surface) and B (C=20) into D (C=52, two surfaces, line_stride 128) */
    eng_cube a = cube_at(32, 2, 3, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    eng_cube b = cube_at(20, 2, 3, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 256);
    eng_cube d = cube_at(52, 2, 3, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 32);
    d.line_stride = 128;
    d.surf_stride = 256;
    d.size = 512;
    buf_alloc(0, 512, 0);
    buf_alloc(1, 32 + 512, 0x77);
    for (int c = 0; c < 52; c++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                seti(c < 32 ? &a : &b, c < 32 ? c : c - 32, y, x, (c * 7 + y * 3 + x) % 200 - 100);
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_BDMA;
    op.index = 3;
    op.u.bdma.num_transfers = 2;
    eng_bdma_transfer *t = op.u.bdma.transfers;
    t[0] = (eng_bdma_transfer){0, 1, 0, 32, 96, 2, 96, 128, 1, 192, 256};
    t[1] = (eng_bdma_transfer){0, 1, 256, 32 + 256, 96, 2, 96, 128, 1, 192, 256};
    /* the planner gives the same transfers */
    eng_bdma_transfer pt;
    CHECK_OK(eng_bdma_plan_copy(&a, 0, 0, 0, &d, 0, 0, 0, 32, 2, 3, &pt));
    CHECK(memcmp(&pt, &t[0], sizeof pt) == 0);
    CHECK_OK(eng_bdma_plan_copy(&b, 0, 0, 0, &d, 32, 0, 0, 20, 2, 3, &pt));
    CHECK(memcmp(&pt, &t[1], sizeof pt) == 0);
    CHECK_STATUS(eng_bdma_plan_copy(&b, 0, 0, 0, &d, 16, 0, 0, 20, 2, 3, &pt), DLA_ERR_INVALID_ARG); /* mid-atom */
    CHECK_STATUS(eng_bdma_plan_copy(&a, 0, 0, 0, &d, 0, 0, 0, 20, 2, 3, &pt), DLA_ERR_INVALID_ARG);  /* part atom */
    CHECK_STATUS(eng_bdma_plan_copy(&a, 0, 0, 1, &d, 0, 0, 0, 32, 2, 3, &pt), DLA_ERR_INVALID_ARG);  /* past W */
    CHECK_OK(eng_exec_op(&CTX, &op));
    int bad = 0;
    for (int c = 0; c < 52; c++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                bad += geti(&d, c, y, x) != (c * 7 + y * 3 + x) % 200 - 100;
    CHECK(bad == 0);
    CHECK(BUFS[1].data[32 + 96] == 0x77); /* the stride gap of D is untouched */
    CHECK(geti(&d, 52, 0, 0) == 0);       /* B's zero pad channels came along */

    /* out of bounds: transfer 1 reads one line past buffer 0; nothing of the op is written */
    memset(BUFS[1].data, 0x11, BUFS[1].size);
    t[1].line_repeat = 3;
    t[1].src_line_stride = 96 + 32; /* 256 + 2*128 + 96 = 608 > 512 */
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "op 3") && strstr(dla_last_error(), "transfer 1") &&
          strstr(dla_last_error(), "source"));
    CHECK(BUFS[1].data[32] == 0x11);
    t[1] = t[0];
    t[1].dst_offset = 400; /* 400 + 96 > 544 - ... : 400 + 128 + 96 = 624 > 544 */
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "destination") != NULL);
    t[1] = t[0];
    t[1].dst_mem = 9;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    t[1] = t[0];
    t[1].line_size = 0;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    op.u.bdma.num_transfers = 0;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    op.u.bdma.num_transfers = 21;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);

    /* overlap: shift 12 bytes right by 4 inside one buffer, three lines of 4: memmove semantics for the transfer */
    uint8_t *m = buf_alloc(2, 16, 0);
    for (int i = 0; i < 16; i++)
        m[i] = (uint8_t)i;
    op.u.bdma.num_transfers = 1;
    t[0] = (eng_bdma_transfer){2, 2, 0, 4, 4, 3, 4, 4, 1, 0, 0};
    CHECK_OK(eng_exec_op(&CTX, &op));
    static const uint8_t want[16] = {0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    CHECK(memcmp(m, want, 16) == 0);
    /* broadcast read: source stride 0 repeats one line */
    t[0] = (eng_bdma_transfer){2, 0, 0, 0, 4, 3, 0, 4, 1, 0, 0};
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(memcmp(BUFS[0].data, "\0\1\2\3\0\1\2\3\0\1\2\3", 12) == 0);

    /* planned slice: FP16 chw16 C=20 4x5, box channels 16..19, rows 1..2, cols 2..4 -> a 4x2x3 cube */
    ctx_reset();
    eng_cube s5 = cube_at(20, 4, 5, ENG_FP16, ENG_LAYOUT_FEATURE, 0, 0);
    eng_cube d5 = cube_at(4, 2, 3, ENG_FP16, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, s5.size, 0);
    buf_alloc(1, d5.size, 0);
    for (int c = 0; c < 20; c++)
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 5; x++)
                setf(&s5, c, y, x, (float)(c * 100 + y * 10 + x));
    op.u.bdma.num_transfers = 1;
    CHECK_OK(eng_bdma_plan_copy(&s5, 16, 1, 2, &d5, 0, 0, 0, 4, 2, 3, &t[0]));
    CHECK(t[0].line_size == 96 && t[0].line_repeat == 2 && t[0].surface_repeat == 1);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(getf(&d5, 0, 0, 0) == 1612.0f && getf(&d5, 3, 1, 2) == 1924.0f && getf(&d5, 2, 1, 0) == 1822.0f);
    /* dla_linear slice of single channels (any channel offset) */
    eng_cube sl = cube_at(5, 2, 3, ENG_INT8, ENG_LAYOUT_LINEAR, 0, 0);
    eng_cube dl = cube_at(2, 2, 3, ENG_INT8, ENG_LAYOUT_LINEAR, 1, 0);
    buf_alloc(0, sl.size, 0);
    buf_alloc(1, dl.size, 0);
    for (int c = 0; c < 5; c++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                seti(&sl, c, y, x, c * 10 + y * 3 + x);
    CHECK_OK(eng_bdma_plan_copy(&sl, 3, 0, 0, &dl, 0, 0, 0, 2, 2, 3, &t[0]));
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(&dl, 0, 0, 0) == 30 && geti(&dl, 1, 1, 2) == 45);
}

/* ---- RUBIK ------------------------------------------------------------------------------------------------ */

static eng_op rubik_op(int mode, eng_precision prec)
{
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_RUBIK;
    op.index = 5;
    op.u.rubik.mode = (uint8_t)mode;
    op.u.rubik.precision = (uint8_t)prec;
    return op;
}

static void test_rubik_transpose_reshape(void)
{
    ctx_reset();
    eng_op op = rubik_op(ENG_RUBIK_TRANSPOSE, ENG_INT8);
    eng_cube *s = &op.u.rubik.src, *d = &op.u.rubik.dst;
    *s = cube_at(2, 3, 4, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    buf_alloc(0, s->size, 0);
    buf_alloc(1, 1024, 0x5a);
    for (int c = 0; c < 2; c++)
        for (int h = 0; h < 3; h++)
            for (int w = 0; w < 4; w++)
                seti(s, c, h, w, c * 100 + h * 10 + w);
    /* swap H and W */
    memcpy(op.u.rubik.perm, (uint8_t[4]){0, 1, 3, 2}, 4);
    *d = cube_at(2, 4, 3, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 1, 3, 2) == 123 && geti(d, 0, 1, 2) == 21 && geti(d, 1, 0, 1) == 110);
    CHECK(geti(d, 2, 0, 0) == 0); /* pad channel zeroed */
    /* swap C and H: dst C=3, H=2 */
    memcpy(op.u.rubik.perm, (uint8_t[4]){0, 2, 1, 3}, 4);
    *d = cube_at(3, 2, 4, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 2, 1, 3) == 123 && geti(d, 0, 1, 0) == 100 && geti(d, 1, 0, 2) == 12);
    /* C,H,W -> W,C,H into dla_linear */
    memcpy(op.u.rubik.perm, (uint8_t[4]){0, 3, 1, 2}, 4);
    *d = cube_at(4, 2, 3, ENG_INT8, ENG_LAYOUT_LINEAR, 1, 0);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 3, 1, 2) == 123 && geti(d, 2, 0, 1) == 12);
    memcpy(op.u.rubik.perm, (uint8_t[4]){0, 1, 1, 2}, 4); /* not a permutation */
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    memcpy(op.u.rubik.perm, (uint8_t[4]){1, 0, 2, 3}, 4); /* N would be C = 2 */
    *d = cube_at(1, 3, 4, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);

    /* reshape (2,3,4) -> (4,3,2) through the NCHW order, FEATURE -> dla_linear */
    op.u.rubik.mode = ENG_RUBIK_RESHAPE;
    *d = cube_at(4, 3, 2, ENG_INT8, ENG_LAYOUT_LINEAR, 1, 0);
    CHECK_OK(eng_exec_op(&CTX, &op));
    int bad = 0;
    for (int i = 0; i < 24; i++)
        bad += geti(d, i / 6, (i / 2) % 3, i % 2) != geti(s, i / 12, (i / 4) % 3, i % 4);
    CHECK(bad == 0);
    CHECK(geti(d, 3, 2, 1) == 123 && geti(d, 1, 0, 1) == 13); /* flat 7 = (0,1,3) */
    *d = cube_at(5, 5, 1, ENG_INT8, ENG_LAYOUT_LINEAR, 1, 0);
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    /* overlapping src and dst */
    *d = cube_at(4, 3, 2, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    op.u.rubik.mode = ENG_RUBIK_SPLIT;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_UNSUPPORTED);
    op.u.rubik.mode = 9;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
}

static void test_rubik_contract_resize(void)
{
    ctx_reset();
    /* contract, INT8, C=3, strides 2x2: phases of 2x2 at channels p*32 + c; dst 3x3x4 (bottom row cropped) */
    eng_op op = rubik_op(ENG_RUBIK_CONTRACT, ENG_INT8);
    op.u.rubik.stride_x = op.u.rubik.stride_y = 2;
    eng_cube *s = &op.u.rubik.src, *d = &op.u.rubik.dst;
    *s = cube_at(128, 2, 2, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    *d = cube_at(3, 3, 4, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, s->size, 0);
    buf_alloc(1, d->size, 0);
    for (int p = 0; p < 4; p++)
        for (int c = 0; c < 32; c++)
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 2; x++)
                    seti(s, p * 32 + c, y, x, c < 3 ? p * 20 + c * 5 + y * 2 + x : -99);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 1, 2, 3) == 28); /* phase (px 1, py 0) = 1: 20 + 5 + 2 + 1 */
    CHECK(geti(d, 2, 1, 0) == 50); /* phase (0, 1) = 2: 40 + 10 */
    int bad = 0;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++)
                bad += geti(d, c, y, x) != ((y % 2) * 2 + x % 2) * 20 + c * 5 + (y / 2) * 2 + x / 2;
    CHECK(bad == 0);
    d->height = 2; /* (Hp-1)*sy = 2 is too small */
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    *d = cube_at(3, 3, 4, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    s->channel = 12; /* C*sx*sy without the atom padding */
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);

    /* resize nearest x2 and linear (half_pixel) x2 along W */
    ctx_reset();
    op = rubik_op(ENG_RUBIK_RESIZE, ENG_INT8);
    op.u.rubik.stride_x = 2;
    op.u.rubik.stride_y = 2;
    *s = cube_at(3, 1, 2, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    *d = cube_at(3, 2, 4, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, s->size, 0);
    buf_alloc(1, d->size, 0);
    static const int sv[3][2] = {{0, 100}, {0, 2}, {0, -2}};
    for (int c = 0; c < 3; c++)
        for (int x = 0; x < 2; x++)
            seti(s, c, 0, x, sv[c][x]);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 0, 1, 0) == 0 && geti(d, 0, 0, 1) == 0 && geti(d, 0, 1, 2) == 100 && geti(d, 0, 0, 3) == 100);
    op.u.rubik.resize_linear = 1;
    CHECK_OK(eng_exec_op(&CTX, &op));
    static const int lin[3][4] = {{0, 25, 75, 100}, {0, 1, 2, 2}, {0, -1, -2, -2}}; /* 0.5 -> 1, 1.5 -> 2 */
    bad = 0;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 4; x++)
                bad += geti(d, c, y, x) != lin[c][x];
    CHECK(bad == 0);
    /* 2-D linear: 2x2 [[0, 40], [80, 120]] x2 -> row 1 = (3*row0 + row1)/4 per column: 20, 30, 50, 60 */
    *s = cube_at(1, 2, 2, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    *d = cube_at(1, 4, 4, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, s->size, 0);
    buf_alloc(1, d->size, 0);
    seti(s, 0, 0, 0, 0);
    seti(s, 0, 0, 1, 40);
    seti(s, 0, 1, 0, 80);
    seti(s, 0, 1, 1, 120);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 0, 1, 0) == 20 && geti(d, 0, 1, 1) == 30 && geti(d, 0, 1, 2) == 50 && geti(d, 0, 1, 3) == 60);
    CHECK(geti(d, 0, 0, 0) == 0 && geti(d, 0, 3, 3) == 120 && geti(d, 0, 2, 1) == 70); /* (10 + 3*90) / 4 */
    /* FP16 linear: [0, 1] -> 0, 0.25, 0.75, 1 */
    op = rubik_op(ENG_RUBIK_RESIZE, ENG_FP16);
    op.u.rubik.stride_x = 2;
    op.u.rubik.stride_y = 1;
    op.u.rubik.resize_linear = 1;
    *s = cube_at(1, 1, 2, ENG_FP16, ENG_LAYOUT_FEATURE, 0, 0);
    *d = cube_at(1, 1, 4, ENG_FP16, ENG_LAYOUT_FEATURE, 1, 0);
    setf(s, 0, 0, 0, 0.0f);
    setf(s, 0, 0, 1, 1.0f);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(getf(d, 0, 0, 0) == 0.0f && getf(d, 0, 0, 1) == 0.25f && getf(d, 0, 0, 2) == 0.75f &&
          getf(d, 0, 0, 3) == 1.0f);
    d->width = 3;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
}

/* ---- CDP -------------------------------------------------------------------------------------------------- */

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* An identity-like LUT: LO entries i (step 1 from 0), LE entries 4i (step 4), unit slopes outside: y = x. */
static eng_lut identity_lut(int fp)
{
    eng_lut l;
    memset(&l, 0, sizeof l);
    l.precision = (uint8_t)(fp ? ENG_FP16 : ENG_INT16);
    for (int i = 0; i < 257; i++)
        l.lo[i] = (int16_t)(fp ? base_f32_to_fp16((float)i) : i);
    for (int i = 0; i < 65; i++)
        l.le[i] = (int16_t)(fp ? base_f32_to_fp16((float)(4 * i)) : 4 * i);
    l.hybrid_priority = l.underflow_priority = l.overflow_priority = 1; /* LO */
    if (fp) {
        l.lo_index_select = 0;
        l.le_index_select = 2;
        l.lo_start = l.le_start = f32_bits(0.0f);
        l.lo_end = l.le_end = f32_bits(256.0f);
        l.lo_slope_uflow_scale = l.lo_slope_oflow_scale = (int16_t)0x3c00; /* 1.0 */
        l.le_slope_uflow_scale = l.le_slope_oflow_scale = (int16_t)0x3c00;
    } else {
        l.lo_index_select = 0;
        l.le_index_select = 2;
        l.lo_start = l.le_start = 0;
        l.lo_end = l.le_end = 256;
        l.lo_slope_uflow_scale = l.lo_slope_oflow_scale = l.le_slope_uflow_scale = l.le_slope_oflow_scale = 1;
    }
    return l;
}

static void test_cdp(void)
{
    ctx_reset();
    eng_lut luts[2] = {identity_lut(0), identity_lut(1)};
    CTX.luts = luts;
    CTX.n_luts = 2;
    eng_op op;
    memset(&op, 0, sizeof op);
    op.type = ENG_OP_CDP;
    op.index = 4;
    eng_cdp_op *p = &op.u.cdp;
    p->in_precision = p->out_precision = ENG_INT8;
    p->local_size = 3;
    p->lut_index = 0;
    p->out_cvt = (eng_cvt){1, 4, 1, 0}; /* y = RHAZ(p / 16) */
    p->src = cube_at(5, 1, 2, ENG_INT8, ENG_LAYOUT_FEATURE, 0, 0);
    p->dst = cube_at(5, 1, 2, ENG_INT8, ENG_LAYOUT_FEATURE, 1, 0);
    buf_alloc(0, p->src.size, 0);
    buf_alloc(1, p->dst.size, 0x33);
    static const int xv[2][5] = {{1, 2, 3, 4, 5}, {-3, 0, 7, -1, 2}};
    for (int x = 0; x < 2; x++)
        for (int c = 0; c < 5; c++)
            seti(&p->src, c, 0, x, xv[x][c]);
    const eng_cube *d = &p->dst;
    /* window 3: sqsums {5,14,29,50,41}, products {5,28,87,200,205} / 16 -> {0,2,5,13 (12.5 tie),13} */
    CHECK_OK(eng_exec_op(&CTX, &op));
    static const int w3[2][5] = {{0, 2, 5, 13, 13}, {-2, 0, 22, -3, 1}};
    int bad = 0;
    for (int x = 0; x < 2; x++)
        for (int c = 0; c < 5; c++)
            bad += geti(d, c, 0, x) != w3[x][c];
    CHECK(bad == 0);
    CHECK(geti(d, 5, 0, 0) == 0); /* pad channel zeroed */
    /* window 5: products {14, 60, 165, 216, 250} / 16 -> {1, 4, 10, 14 (13.5), 16} */
    p->local_size = 5;
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 0, 0, 0) == 1 && geti(d, 1, 0, 0) == 4 && geti(d, 2, 0, 0) == 10 && geti(d, 3, 0, 0) == 14 &&
          geti(d, 4, 0, 0) == 16);
    /* saturation: no truncation -> 205 clips to 127 */
    p->local_size = 3;
    p->out_cvt.truncate = 0;
    CTX.stats.saturated = 0;
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 4, 0, 0) == 127 && geti(d, 0, 0, 1) == -27 && geti(d, 2, 0, 1) == 127 && CTX.stats.saturated == 3);
    /* bypass sqsum: y = LUT(v) * v = v^2 */
    p->bypass_sqsum = 1;
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 4, 0, 0) == 25 && geti(d, 0, 0, 1) == 9 && geti(d, 2, 0, 1) == 49);
    /* bypass both + in_cvt (x - 1) * 2: y = v */
    p->bypass_out_mul = 1;
    p->in_cvt = (eng_cvt){2, 0, 1, 1};
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(geti(d, 0, 0, 0) == 0 && geti(d, 4, 0, 0) == 8 && geti(d, 0, 0, 1) == -8 && geti(d, 2, 0, 1) == 12);
    /* errors */
    p->local_size = 4;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    p->local_size = 3;
    p->lut_index = 1; /* FP16 table on the INT path */
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    p->lut_index = 2;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);
    p->lut_index = 0;
    p->out_precision = ENG_INT16;
    CHECK_STATUS(eng_exec_op(&CTX, &op), DLA_ERR_FORMAT);

    /* FP16, window 3 over {0.5, 1, 2}: sqsums {1.25, 5.25, 5}, y = {0.625, 5.25, 10} */
    memset(p, 0, sizeof *p);
    p->in_precision = p->out_precision = ENG_FP16;
    p->local_size = 3;
    p->lut_index = 1;
    p->src = cube_at(3, 1, 1, ENG_FP16, ENG_LAYOUT_FEATURE, 0, 0);
    p->dst = cube_at(3, 1, 1, ENG_FP16, ENG_LAYOUT_FEATURE, 1, 0);
    setf(&p->src, 0, 0, 0, 0.5f);
    setf(&p->src, 1, 0, 0, 1.0f);
    setf(&p->src, 2, 0, 0, 2.0f);
    CHECK_OK(eng_exec_op(&CTX, &op));
    CHECK(getf(d, 0, 0, 0) == 0.625f && getf(d, 1, 0, 0) == 5.25f && getf(d, 2, 0, 0) == 10.0f);
    CTX.luts = NULL;
    CTX.n_luts = 0;
}

int main(void)
{
    test_geometry();
    test_quantize();
    test_formats();
    test_pdp_maxmin();
    test_pdp_avg();
    test_pdp_pipe_fp16();
    test_bdma();
    test_rubik_transpose_reshape();
    test_rubik_contract_resize();
    test_cdp();
    ctx_reset();
    return TEST_RESULT();
}
