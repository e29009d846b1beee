/* TensorRT's INT8 calibration cache, the text file `trtexec --calib=FILE` reads:
 *
 *     TRT-8601-EntropyCalibration2
 *     input: 3c010204
 *     conv1_out: 3d2f5c29
 *
 * The header names TensorRT's version (8601 = 8.6.1) and the calibrator; each entry is a tensor name, ": ", and
 * the IEEE-754 bits of the float32 scale (amax / 127) in lowercase hex without leading zeros (std::hex of the
 * uint32, as TensorRT and qdq-translator's Python hex() both print). */
#include "compiler/calib.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_HEADER "TRT-8601-EntropyCalibration2"

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A short printable excerpt of a line for error messages. */
static const char *excerpt(const char *s, size_t n, char *buf, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < size; i++)
        buf[k++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    if (k + 4 >= size && n > k)
        memcpy(buf + k, "...", 3), k += 3;
    buf[k] = '\0';
    return buf;
}

/* "TRT-<digits>-<algorithm>": 1 if the line is a valid header. */
static int valid_header(const char *s, size_t n)
{
    if (n < 7 || strncmp(s, "TRT-", 4) != 0)
        return 0;
    size_t i = 4;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    if (i == 4 || i >= n - 1 || s[i] != '-')
        return 0;
    for (i++; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

static dla_status parse_entry(const char *s, size_t n, const char *origin, int line, cc_scale_table *out)
{
    char ex[96], name[1024];
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ':')
            colon = s + i;
    if (!colon)
        return base_error(DLA_ERR_FORMAT,
                          "%s:%d: expected '<tensor name>: <hex bits of the float32 scale>', got '%s' (no ':')",
                          origin, line, excerpt(s, n, ex, sizeof ex));
    size_t name_len = (size_t)(colon - s);
    if (name_len == 0 || is_blank(s, name_len))
        return base_error(DLA_ERR_FORMAT, "%s:%d: empty tensor name in '%s'", origin, line,
                          excerpt(s, n, ex, sizeof ex));
    if (name_len >= sizeof name)
        return base_error(DLA_ERR_FORMAT, "%s:%d: tensor name of %zu bytes exceeds the limit of %zu", origin, line,
                          name_len, sizeof name - 1);
    const char *v = colon + 1, *end = s + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    size_t digits = (size_t)(end - v);
    uint32_t bits = 0;
    int ok = digits >= 1 && digits <= 8;
    for (const char *p = v; ok && p < end; p++) {
        int c = tolower((unsigned char)*p);
        if (!isxdigit(c))
            ok = 0;
        else
            bits = bits * 16 + (uint32_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
    }
    if (!ok)
        return base_error(DLA_ERR_FORMAT,
                          "%s:%d: the value of '%.*s' is '%.*s', not 1 to 8 hex digits (the float32 scale's bits)",
                          origin, line, (int)(name_len > 200 ? 200 : name_len), s,
                          (int)(digits > 40 ? 40 : digits), v);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    if (!isfinite(scale) || scale < 0 || (bits >> 31))
        return base_error(DLA_ERR_FORMAT, "%s:%d: the scale of '%.*s' is %g (bits %08x): must be finite and >= 0",
                          origin, line, (int)(name_len > 200 ? 200 : name_len), s, (double)scale, bits);
    memcpy(name, s, name_len);
    name[name_len] = '\0';
    return cc_scale_table_add(out, name, scale, 0);
}

dla_status cc_calib_cache_parse(const char *text, size_t size, const char *origin, cc_scale_table *out)
{
    if (!origin)
        origin = "<calibration cache>";
    if (memchr(text, '\0', size))
        return base_error(DLA_ERR_FORMAT, "%s: a NUL byte: not a calibration cache (a text file)", origin);
    int line = 0, seen_first = 0;
    const char *p = text, *end = text + size;
    while (p < end) {
        const char *nl = p;
        while (nl < end && *nl != '\n' && *nl != '\r')
            nl++;
        size_t n = (size_t)(nl - p);
        line++;
        if (!is_blank(p, n)) {
            if (!seen_first && !memchr(p, ':', n)) {
                char ex[96];
                if (!valid_header(p, n))
                    return base_error(DLA_ERR_FORMAT,
                                      "%s:%d: header '%s' is not TRT-<version>-<calibrator> (e.g. "
                                      "TRT-8601-EntropyCalibration2)",
                                      origin, line, excerpt(p, n, ex, sizeof ex));
                snprintf(out->header, sizeof out->header, "%.*s", (int)n, p);
            } else {
                BASE_TRY(parse_entry(p, n, origin, line, out));
            }
            seen_first = 1;
        }
        /* one line end: \n, \r\n or a lone \r */
        if (nl < end && *nl == '\r' && nl + 1 < end && nl[1] == '\n')
            nl++;
        p = nl + 1;
    }
    if (!seen_first)
        return base_error(DLA_ERR_FORMAT, "%s: empty calibration cache (no header, no entries)", origin);
    return DLA_OK;
}

dla_status cc_calib_cache_read(const char *path, cc_scale_table *out)
{
    void *bytes;
    size_t size;
    BASE_TRY(base_read_file(path, &bytes, &size));
    dla_status st = cc_calib_cache_parse(bytes, size, path, out);
    free(bytes);
    return st;
}

dla_status cc_calib_cache_format(const cc_scale_table *t, const char *header, char **text, size_t *size)
{
    *text = NULL;
    *size = 0;
    if (!header)
        header = DEFAULT_HEADER;
    size_t cap = strlen(header) + 2;
    for (int i = 0; i < t->n; i++)
        cap += strlen(t->items[i].name) + 12;
    char *s = malloc(cap + 1);
    if (!s)
        return base_error(DLA_ERR_NOMEM, "out of memory formatting a calibration cache");
    size_t k = (size_t)snprintf(s, cap + 1, "%s\n", header);
    for (int i = 0; i < t->n; i++) {
        const cc_scale *e = &t->items[i];
        if (strpbrk(e->name, "\r\n")) {
            free(s);
            return base_error(DLA_ERR_INVALID_ARG, "tensor name '%s' has a line break: not writable to a cache",
                              e->name);
        }
        uint32_t bits;
        memcpy(&bits, &e->scale, sizeof bits);
        k += (size_t)snprintf(s + k, cap + 1 - k, "%s: %x\n", e->name, (unsigned)bits);
    }
    *text = s;
    *size = k;
    return DLA_OK;
}

dla_status cc_calib_cache_write(const char *path, const cc_scale_table *t, const char *header)
{
    char *text;
    size_t size;
    BASE_TRY(cc_calib_cache_format(t, header, &text, &size));
    dla_status st = base_write_file(path, text, size);
    free(text);
    return st;
}
