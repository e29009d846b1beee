/* engine: DLA memory formats (FEATURE chw32/chw16, dla_linear, dla_hwc4), their geometry and the host <-> DLA
 * conversions at the edges of a task. Rules in format.h. */
#include "engine/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *layout_name(int layout)
{
    switch (layout) {
    case ENG_LAYOUT_FEATURE: return "feature";
    case ENG_LAYOUT_LINEAR: return "dla_linear";
    case ENG_LAYOUT_HWC4: return "dla_hwc4";
    case ENG_LAYOUT_WEIGHT: return "weight";
    case ENG_LAYOUT_PARAM: return "param";
    default: return "unknown";
    }
}

static uint64_t round_up(uint64_t v, uint64_t m) { return (v + m - 1) / m * m; }

/* Fills the layout-derived fields of g (c, h, w, layout, precision set). */
static void geom_shape(eng_geom *g)
{
    g->elem_bytes = (uint8_t)eng_prec_bytes(g->precision);
    switch (g->layout) {
    case ENG_LAYOUT_FEATURE:
        g->atom_c = (uint8_t)(ENG_ATOM_BYTES / g->elem_bytes);
        g->c_stored = (uint32_t)round_up(g->c, g->atom_c);
        g->surfaces = g->c_stored / g->atom_c;
        g->row_bytes = g->w * ENG_ATOM_BYTES;
        break;
    case ENG_LAYOUT_LINEAR:
        g->atom_c = 1;
        g->c_stored = g->c;
        g->surfaces = g->c;
        g->row_bytes = g->w * g->elem_bytes;
        break;
    default: /* HWC4 */
        g->atom_c = (uint8_t)(g->c == 1 ? 1 : 4);
        g->c_stored = g->atom_c;
        g->surfaces = 1;
        g->row_bytes = g->w * g->atom_c * g->elem_bytes;
        break;
    }
}

static dla_status check_kind(int precision, int layout, const char *what, dla_status st)
{
    if (precision != ENG_INT8 && precision != ENG_INT16 && precision != ENG_FP16)
        return base_error(st, "%s: precision %d is not INT8 (0), INT16 (1) or FP16 (2)", what, precision);
    if (layout != ENG_LAYOUT_FEATURE && layout != ENG_LAYOUT_LINEAR && layout != ENG_LAYOUT_HWC4)
        return base_error(st, "%s: layout %d (%s) is not a data layout (feature, dla_linear, dla_hwc4)", what, layout,
                          layout_name(layout));
    return DLA_OK;
}

static dla_status check_dims(long long c, long long h, long long w, int layout, const char *what, dla_status st)
{
    if (c < 1 || h < 1 || w < 1 || c > ENG_MAX_DIM || h > ENG_MAX_DIM || w > ENG_MAX_DIM)
        return base_error(st, "%s: dims C=%lld H=%lld W=%lld; each must be 1..%d", what, c, h, w, ENG_MAX_DIM);
    if (layout == ENG_LAYOUT_HWC4 && c != 1 && c != 3 && c != 4)
        return base_error(st, "%s: dla_hwc4 needs C in {1, 3, 4}, got C=%lld", what, c);
    return DLA_OK;
}

dla_status eng_geom_make(int c, int h, int w, eng_precision precision, eng_layout layout, eng_geom *g)
{
    BASE_TRY(check_kind(precision, layout, "geometry", DLA_ERR_INVALID_ARG));
    BASE_TRY(check_dims(c, h, w, layout, "geometry", DLA_ERR_INVALID_ARG));
    memset(g, 0, sizeof *g);
    g->c = (uint32_t)c;
    g->h = (uint32_t)h;
    g->w = (uint32_t)w;
    g->layout = (uint8_t)layout;
    g->precision = (uint8_t)precision;
    geom_shape(g);
    uint64_t line = layout == ENG_LAYOUT_FEATURE ? g->row_bytes : round_up(g->row_bytes, 64);
    uint64_t surf = line * g->h;
    uint64_t size = surf * g->surfaces;
    if (size > UINT32_MAX)
        return base_error(DLA_ERR_UNSUPPORTED, "geometry: a %s cube of C=%d H=%d W=%d takes %llu bytes; the limit is "
                          "%u", layout_name(layout), c, h, w, (unsigned long long)size, UINT32_MAX);
    g->line_stride = (uint32_t)line;
    g->surf_stride = (uint32_t)surf;
    g->size = (uint32_t)size;
    return DLA_OK;
}

dla_status eng_geom_from_cube(const eng_cube *cube, const char *what, eng_geom *g)
{
    BASE_TRY(check_kind(cube->precision, cube->layout, what, DLA_ERR_FORMAT));
    BASE_TRY(check_dims(cube->channel, cube->height, cube->width, cube->layout, what, DLA_ERR_FORMAT));
    memset(g, 0, sizeof *g);
    g->c = cube->channel;
    g->h = cube->height;
    g->w = cube->width;
    g->layout = cube->layout;
    g->precision = cube->precision;
    geom_shape(g);
    g->line_stride = cube->line_stride;
    g->surf_stride = cube->layout == ENG_LAYOUT_HWC4 && cube->surf_stride == 0 ? cube->size : cube->surf_stride;
    g->size = cube->size;
    if (cube->offset % ENG_ATOM_BYTES || g->line_stride % ENG_ATOM_BYTES || g->surf_stride % ENG_ATOM_BYTES)
        return base_error(DLA_ERR_FORMAT, "%s: offset %u, line_stride %u and surf_stride %u must be multiples of %d "
                          "bytes", what, cube->offset, g->line_stride, g->surf_stride, ENG_ATOM_BYTES);
    if (g->h > 1 && g->line_stride < g->row_bytes)
        return base_error(DLA_ERR_FORMAT, "%s: line_stride %u is below the %u bytes of a %s row of width %u", what,
                          g->line_stride, g->row_bytes, layout_name(g->layout), g->w);
    uint64_t plane = (uint64_t)(g->h - 1) * g->line_stride + g->row_bytes;
    if (g->surfaces > 1 && g->surf_stride < plane)
        return base_error(DLA_ERR_FORMAT, "%s: surf_stride %u is below the %llu bytes of one surface (H=%u, "
                          "line_stride %u)", what, g->surf_stride, (unsigned long long)plane, g->h, g->line_stride);
    uint64_t extent = (uint64_t)(g->surfaces - 1) * g->surf_stride + plane;
    if (extent > g->size)
        return base_error(DLA_ERR_FORMAT, "%s: a %s cube C=%u H=%u W=%u with strides %u/%u spans %llu bytes; its size "
                          "is %u", what, layout_name(g->layout), g->c, g->h, g->w, g->line_stride, g->surf_stride,
                          (unsigned long long)extent, g->size);
    return DLA_OK;
}

void eng_geom_to_cube(const eng_geom *g, int mem_type, int mem, uint32_t offset, eng_cube *out)
{
    memset(out, 0, sizeof *out);
    out->mem_type = (uint8_t)mem_type;
    out->layout = g->layout;
    out->precision = g->precision;
    out->mem = (int16_t)mem;
    out->offset = offset;
    out->size = g->size;
    out->width = (uint16_t)g->w;
    out->height = (uint16_t)g->h;
    out->channel = (uint16_t)g->c;
    out->line_stride = g->line_stride;
    out->surf_stride = g->surf_stride;
}

dla_status eng_cube_map(const eng_ctx *ctx, const eng_op *op, const eng_cube *cube, const char *what,
                        int precision, eng_geom *g, uint8_t **base)
{
    if (cube->mem_type == ENG_MEM_HW)
        return base_error(DLA_ERR_FORMAT, "engine op %d: %s is on the fly (ENG_MEM_HW) where a memory cube is "
                          "needed", op->index, what);
    if (cube->mem_type != ENG_MEM_DRAM && cube->mem_type != ENG_MEM_SRAM)
        return base_error(DLA_ERR_FORMAT, "engine op %d: %s has memory type %d", op->index, what, cube->mem_type);
    BASE_TRY(eng_cube_check(ctx, op, cube, what));
    char name[96];
    snprintf(name, sizeof name, "engine op %d: %s", op->index, what);
    BASE_TRY(eng_geom_from_cube(cube, name, g));
    if (precision >= 0 && cube->precision != precision)
        return base_error(DLA_ERR_FORMAT, "engine op %d: %s has precision %d; the op runs at precision %d",
                          op->index, what, cube->precision, precision);
    *base = ctx->bufs[cube->mem].data + cube->offset;
    return DLA_OK;
}

void eng_geom_zero_pad(const eng_geom *g, uint8_t *base)
{
    if (g->c_stored == g->c || g->layout == ENG_LAYOUT_LINEAR)
        return;
    size_t n = (size_t)(g->c_stored - g->c) * g->elem_bytes;
    for (uint32_t y = 0; y < g->h; y++)
        for (uint32_t x = 0; x < g->w; x++)
            memset(base + eng_geom_at(g, g->c, y, x), 0, n);
}

/* ---- elements --------------------------------------------------------------------------------------------- */

int32_t eng_quantize(float x, float scale, eng_precision precision)
{
    if (isnan(x))
        return 0;
    double limit = precision == ENG_INT8 ? 127.0 : 32767.0;
    double q = (double)x / (double)scale;
    if (q >= limit)
        return (int32_t)limit;
    if (q <= -limit)
        return (int32_t)-limit;
    return (int32_t)round(q); /* C's round(): half away from zero */
}

/* ---- conversions ------------------------------------------------------------------------------------------ */

static dla_status check_io(const eng_geom *g, int n, size_t buf_size, const char *fn)
{
    BASE_TRY(check_kind(g->precision, g->layout, fn, DLA_ERR_INVALID_ARG));
    BASE_TRY(check_dims(g->c, g->h, g->w, g->layout, fn, DLA_ERR_INVALID_ARG));
    if (n < 1 || n > ENG_MAX_DIM)
        return base_error(DLA_ERR_INVALID_ARG, "%s: batch %d must be 1..%d", fn, n, ENG_MAX_DIM);
    uint64_t plane = (uint64_t)(g->h - 1) * g->line_stride + g->row_bytes;
    if ((g->h > 1 && g->line_stride < g->row_bytes) || (g->surfaces > 1 && g->surf_stride < plane) ||
        (uint64_t)(g->surfaces - 1) * g->surf_stride + plane > g->size)
        return base_error(DLA_ERR_INVALID_ARG, "%s: geometry strides %u/%u do not fit C=%u H=%u W=%u in %u bytes", fn,
                          g->line_stride, g->surf_stride, g->c, g->h, g->w, g->size);
    if ((uint64_t)n * g->size > buf_size)
        return base_error(DLA_ERR_INVALID_ARG, "%s: %d image(s) of %u bytes need %llu bytes; the buffer has %zu", fn,
                          n, g->size, (unsigned long long)n * g->size, buf_size);
    return DLA_OK;
}

dla_status eng_fmt_pack_f32(const eng_geom *g, int n, const float *src, float scale, uint8_t *dst, size_t dst_size)
{
    BASE_TRY(check_io(g, n, dst_size, "pack"));
    if (g->precision != ENG_FP16 && !(isfinite(scale) && scale > 0))
        return base_error(DLA_ERR_INVALID_ARG, "pack: INT scale %g must be finite and > 0", (double)scale);
    memset(dst, 0, (size_t)n * g->size);
    size_t plane = (size_t)g->h * g->w;
    for (int b = 0; b < n; b++) {
        uint8_t *img = dst + (size_t)b * g->size;
        const float *s = src + (size_t)b * g->c * plane;
        for (uint32_t c = 0; c < g->c; c++)
            for (uint32_t y = 0; y < g->h; y++)
                for (uint32_t x = 0; x < g->w; x++) {
                    float v = s[c * plane + (size_t)y * g->w + x];
                    uint8_t *p = img + eng_geom_at(g, c, y, x);
                    if (g->precision == ENG_FP16)
                        eng_store_fp16(p, v, NULL);
                    else
                        eng_store_int(p, g->precision, eng_quantize(v, scale, g->precision));
                }
    }
    return DLA_OK;
}

dla_status eng_fmt_unpack_f32(const eng_geom *g, int n, const uint8_t *src, size_t src_size, float scale, float *dst)
{
    BASE_TRY(check_io(g, n, src_size, "unpack"));
    if (g->precision != ENG_FP16 && !(isfinite(scale) && scale > 0))
        return base_error(DLA_ERR_INVALID_ARG, "unpack: INT scale %g must be finite and > 0", (double)scale);
    size_t plane = (size_t)g->h * g->w;
    for (int b = 0; b < n; b++) {
        const uint8_t *img = src + (size_t)b * g->size;
        float *d = dst + (size_t)b * g->c * plane;
        for (uint32_t c = 0; c < g->c; c++)
            for (uint32_t y = 0; y < g->h; y++)
                for (uint32_t x = 0; x < g->w; x++) {
                    const uint8_t *p = img + eng_geom_at(g, c, y, x);
                    d[c * plane + (size_t)y * g->w + x] = g->precision == ENG_FP16
                                                              ? base_fp16_to_f32(eng_ld_u16(p))
                                                              : (float)((double)eng_load_int(p, g->precision) * scale);
                }
    }
    return DLA_OK;
}

dla_status eng_fmt_pack_raw(const eng_geom *g, int n, const void *src, uint8_t *dst, size_t dst_size)
{
    BASE_TRY(check_io(g, n, dst_size, "pack_raw"));
    memset(dst, 0, (size_t)n * g->size);
    const uint8_t *s = src;
    size_t eb = g->elem_bytes, plane = (size_t)g->h * g->w;
    for (int b = 0; b < n; b++) {
        uint8_t *img = dst + (size_t)b * g->size;
        const uint8_t *sb = s + (size_t)b * g->c * plane * eb;
        for (uint32_t c = 0; c < g->c; c++)
            for (uint32_t y = 0; y < g->h; y++)
                for (uint32_t x = 0; x < g->w; x++)
                    memcpy(img + eng_geom_at(g, c, y, x), sb + (c * plane + (size_t)y * g->w + x) * eb, eb);
    }
    return DLA_OK;
}

dla_status eng_fmt_unpack_raw(const eng_geom *g, int n, const uint8_t *src, size_t src_size, void *dst)
{
    BASE_TRY(check_io(g, n, src_size, "unpack_raw"));
    uint8_t *d = dst;
    size_t eb = g->elem_bytes, plane = (size_t)g->h * g->w;
    for (int b = 0; b < n; b++) {
        const uint8_t *img = src + (size_t)b * g->size;
        uint8_t *db = d + (size_t)b * g->c * plane * eb;
        for (uint32_t c = 0; c < g->c; c++)
            for (uint32_t y = 0; y < g->h; y++)
                for (uint32_t x = 0; x < g->w; x++)
                    memcpy(db + (c * plane + (size_t)y * g->w + x) * eb, img + eng_geom_at(g, c, y, x), eb);
    }
    return DLA_OK;
}
