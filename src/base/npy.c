/* NumPy .npy reading and writing (format versions 1.0-3.0, little-endian, C order). Element types are given as
 * ONNX TensorProto.DataType codes, which base shares with ir (ir_dtype) and the public dla_dtype. */
#include "base/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *descr;
    int dtype;
    int size;
} npy_types[] = {
    {"<f4", 1, 4}, {"|u1", 2, 1}, {"|i1", 3, 1}, {"<u2", 4, 2}, {"<i2", 5, 2}, {"<i4", 6, 4}, {"<i8", 7, 8},
    {"|b1", 9, 1}, {"<f2", 10, 2}, {"<f8", 11, 8}, {"<u4", 12, 4}, {"<u8", 13, 8},
};

static int type_by_descr(const char *d, int *size)
{
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (strcmp(npy_types[i].descr, d) == 0 || (d[0] == '=' && strcmp(npy_types[i].descr + 1, d + 1) == 0)) {
            *size = npy_types[i].size;
            return npy_types[i].dtype;
        }
    /* single-byte types are also written with '<' or '=' by some writers */
    if ((d[0] == '<' || d[0] == '=') && (d[1] == 'u' || d[1] == 'i' || d[1] == 'b') && d[2] == '1' && !d[3]) {
        char alt[4] = {'|', d[1], '1', 0};
        return type_by_descr(alt, size);
    }
    return 0;
}

static const char *descr_by_type(int dtype)
{
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (npy_types[i].dtype == dtype)
            return npy_types[i].descr;
    return NULL;
}

/* Finds 'key': in the header dict and returns a pointer just after the colon, or NULL. */
static const char *dict_value(const char *hdr, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(hdr, pat);
    if (!p)
        return NULL;
    p = strchr(p + strlen(pat), ':');
    return p ? p + 1 : NULL;
}

dla_status base_npy_parse(const void *bytes, size_t size, const char *origin, base_npy *out)
{
    const unsigned char *b = bytes;
    memset(out, 0, sizeof *out);
    if (size < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return base_error(DLA_ERR_FORMAT, "%s: not a .npy file (bad magic)", origin);
    int major = b[6];
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)b[8] | (size_t)b[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12)
            return base_error(DLA_ERR_FORMAT, "%s: truncated .npy header", origin);
        hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        off = 12;
    } else {
        return base_error(DLA_ERR_VERSION, "%s: .npy format version %d is not supported (1-3 are)", origin, major);
    }
    if (hlen > size - off || hlen > 65536)
        return base_error(DLA_ERR_FORMAT, "%s: truncated .npy header (%zu bytes declared)", origin, hlen);
    char hdr[65537];
    memcpy(hdr, b + off, hlen);
    hdr[hlen] = '\0';
    const char *v = dict_value(hdr, "descr");
    char descr[16] = {0};
    if (!v || sscanf(v, " '%15[^']'", descr) != 1)
        return base_error(DLA_ERR_FORMAT, "%s: .npy header has no 'descr'", origin);
    int esize = 0;
    out->dtype = type_by_descr(descr, &esize);
    if (!out->dtype)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: .npy element type '%s' is not supported", origin, descr);
    v = dict_value(hdr, "fortran_order");
    if (v && strstr(v, "True") == v + strspn(v, " "))
        return base_error(DLA_ERR_UNSUPPORTED, "%s: Fortran-order .npy arrays are not supported", origin);
    v = dict_value(hdr, "shape");
    const char *p = v ? strchr(v, '(') : NULL;
    if (!p)
        return base_error(DLA_ERR_FORMAT, "%s: .npy header has no 'shape'", origin);
    p++;
    size_t numel = 1;
    while (1) {
        p += strspn(p, " ,");
        if (*p == ')')
            break;
        char *end;
        long long d = strtoll(p, &end, 10);
        if (end == p || d < 0)
            return base_error(DLA_ERR_FORMAT, "%s: bad .npy shape", origin);
        if (out->rank >= BASE_NPY_MAX_RANK)
            return base_error(DLA_ERR_UNSUPPORTED, "%s: .npy rank exceeds %d", origin, BASE_NPY_MAX_RANK);
        if (!base_mul_size(numel, (size_t)d, &numel) || numel > ((size_t)1 << 40))
            return base_error(DLA_ERR_FORMAT, "%s: .npy shape is too large", origin);
        out->dims[out->rank++] = d;
        p = end;
    }
    size_t nbytes = numel * (size_t)esize;
    if (size - off - hlen < nbytes)
        return base_error(DLA_ERR_FORMAT, "%s: .npy data is truncated: %zu bytes, shape needs %zu", origin,
                          size - off - hlen, nbytes);
    out->data = b + off + hlen;
    out->nbytes = nbytes;
    return DLA_OK;
}

dla_status base_npy_write(const char *path, int dtype, int rank, const int64_t *dims, const void *data,
                          size_t nbytes)
{
    const char *descr = descr_by_type(dtype);
    if (!descr)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: element type %d cannot be written as .npy", path, dtype);
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < rank; i++)
        n += snprintf(hdr + n, sizeof hdr - (size_t)n, "%lld,%s", (long long)dims[i], i + 1 < rank ? " " : "");
    n += snprintf(hdr + n, sizeof hdr - (size_t)n, "), }");
    /* pad with spaces so data starts on a 64-byte boundary; header ends with '\n' */
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)n + pad + 1;
    unsigned char *buf = malloc(10 + hlen + nbytes);
    if (!buf)
        return base_error(DLA_ERR_NOMEM, "%s: out of memory", path);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, hdr, (size_t)n);
    memset(buf + 10 + n, ' ', pad);
    buf[10 + hlen - 1] = '\n';
    if (nbytes)
        memcpy(buf + 10 + hlen, data, nbytes);
    dla_status st = base_write_file(path, buf, 10 + hlen + nbytes);
    free(buf);
    return st;
}
