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
        fprintf(stderr, "  roundtrip C=%d H=%d W=%d prec %d layout %d n %d: %zu wrong\n", c, h, w, prec, layout, n, bad);
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

int main(void)
{
    test_geometry();
    test_quantize();
    test_formats();
    return TEST_RESULT();
}
