/* TensorProto -> typed buffer: dtype and dims validation, raw_data (little-endian), the typed repeated fields and
 * external data files. Every size is checked against the element count before anything is copied. */
#include "onnx/onnx_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ONNX_HOST_BIG_ENDIAN 1
#else
#define ONNX_HOST_BIG_ENDIAN 0
#endif

/* ONNX stores raw data little-endian; on a big-endian host reverse each element in place. */
static void from_little_endian(void *data, size_t numel, size_t es)
{
    if (!ONNX_HOST_BIG_ENDIAN || es == 1)
        return;
    unsigned char *p = data;
    for (size_t i = 0; i < numel; i++, p += es)
        for (size_t a = 0, b = es - 1; a < b; a++, b--) {
            unsigned char tmp = p[a];
            p[a] = p[b];
            p[b] = tmp;
        }
}

dla_status onnx_tensor_header(const Onnx__TensorProto *tp, const char *origin, const char *what, ir_dtype *dtype,
                              int *rank, int64_t *dims, int64_t *numel)
{
    int dt = tp->has_data_type ? tp->data_type : 0;
    if (dt == IR_UNDEFINED)
        return base_error(DLA_ERR_FORMAT, "%s: %s: data type is missing (UNDEFINED)", origin, what);
    if (dt == IR_STRING)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: string tensors are not supported", origin, what);
    if (dt < 0 || dt >= IR_DTYPE_MAX || ir_dtype_size((ir_dtype)dt) == 0)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: data type %d is not supported", origin, what, dt);
    if (tp->segment)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: segmented tensors are not supported", origin, what);
    if (tp->n_dims > IR_MAX_RANK)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: rank %zu exceeds the limit of %d", origin, what, tp->n_dims,
                          IR_MAX_RANK);
    int64_t n = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        int64_t d = tp->dims[i];
        if (d < 0)
            return base_error(DLA_ERR_FORMAT, "%s: %s: dims too large or negative: dim %zu is %lld", origin, what, i,
                              (long long)d);
        if (d > IR_MAX_NUMEL || (d && n > IR_MAX_NUMEL / d))
            return base_error(DLA_ERR_FORMAT,
                              "%s: %s: dims too large: dim %zu is %lld, the element count exceeds the limit of "
                              "%lld",
                              origin, what, i, (long long)d, (long long)IR_MAX_NUMEL);
        n *= d;
        dims[i] = d;
    }
    *dtype = (ir_dtype)dt;
    *rank = (int)tp->n_dims;
    *numel = n;
    return DLA_OK;
}

/* A decimal string with nothing else in it, into *v (for the offset/length keys of external data). */
static int parse_u64(const char *s, uint64_t *v)
{
    if (!s || !*s)
        return 0;
    uint64_t x = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
            return 0;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    return 1;
}

/* A location must stay inside base_dir: relative, and no ".." component. */
static int location_is_safe(const char *loc)
{
    if (!*loc || loc[0] == '/' || loc[0] == '\\')
        return 0;
    for (const char *p = loc; *p;) {
        size_t len = strcspn(p, "/\\");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += len;
        if (*p)
            p++;
    }
    return 1;
}

static dla_status read_external(const Onnx__TensorProto *tp, const char *origin, const char *base_dir,
                                const char *what, size_t nbytes, void *dst)
{
    const char *loc = NULL;
    uint64_t offset = 0, length = 0;
    int has_length = 0;
    for (size_t i = 0; i < tp->n_external_data; i++) {
        const Onnx__StringStringEntryProto *e = tp->external_data[i];
        const char *k = e->key ? e->key : "";
        if (strcmp(k, "location") == 0)
            loc = e->value;
        else if (strcmp(k, "offset") == 0 && !parse_u64(e->value, &offset))
            return base_error(DLA_ERR_FORMAT, "%s: %s: external data offset '%s' is not a number", origin, what,
                              e->value ? e->value : "");
        else if (strcmp(k, "length") == 0 && !(has_length = parse_u64(e->value, &length)))
            return base_error(DLA_ERR_FORMAT, "%s: %s: external data length '%s' is not a number", origin, what,
                              e->value ? e->value : "");
    }
    if (!loc || !*loc)
        return base_error(DLA_ERR_FORMAT, "%s: %s: external data without a location", origin, what);
    if (!location_is_safe(loc))
        return base_error(DLA_ERR_FORMAT,
                          "%s: %s: external data location '%s' must be a relative path without '..'", origin, what,
                          loc);
    if (!base_dir)
        return base_error(DLA_ERR_INVALID_ARG,
                          "%s: %s: external data file '%s' but no base folder to read it from (load the model from a "
                          "file)",
                          origin, what, loc);
    if (has_length && length != nbytes)
        return base_error(DLA_ERR_FORMAT, "%s: %s: external data length %llu, expected %zu bytes", origin, what,
                          (unsigned long long)length, nbytes);
    size_t plen = strlen(base_dir) + strlen(loc) + 2;
    char *path = malloc(plen);
    if (!path)
        return base_error(DLA_ERR_NOMEM, "%s: out of memory", origin);
    snprintf(path, plen, "%s/%s", base_dir, loc);
    dla_status st = DLA_OK;
    FILE *f = fopen(path, "rb");
    if (!f) {
        st = base_error(DLA_ERR_IO, "%s: %s: cannot open external data file '%s': %s", origin, what, path,
                        strerror(errno));
        goto free_path;
    }
    off_t fsize = -1;
    if (fseeko(f, 0, SEEK_END) == 0)
        fsize = ftello(f);
    if (fsize < 0) {
        st = base_error(DLA_ERR_IO, "%s: %s: cannot size external data file '%s'", origin, what, path);
        goto close;
    }
    uint64_t avail = offset <= (uint64_t)fsize ? (uint64_t)fsize - offset : 0;
    if (offset > (uint64_t)fsize || avail < nbytes || (!has_length && avail != nbytes)) {
        st = base_error(DLA_ERR_FORMAT,
                        "%s: %s: external data file '%s' has %lld bytes; offset %llu + %zu bytes does not fit",
                        origin, what, path, (long long)fsize, (unsigned long long)offset, nbytes);
        goto close;
    }
    if (fseeko(f, (off_t)offset, SEEK_SET) != 0 || fread(dst, 1, nbytes, f) != nbytes)
        st = base_error(DLA_ERR_IO, "%s: %s: short read from external data file '%s'", origin, what, path);
close:
    fclose(f);
free_path:
    free(path);
    return st;
}

/* The typed repeated field ONNX uses for dtype, and its length. */
static size_t typed_count(const Onnx__TensorProto *tp, ir_dtype dt, const char **field)
{
    switch (dt) {
    case IR_F32:
        *field = "float_data";
        return tp->n_float_data;
    case IR_F64:
        *field = "double_data";
        return tp->n_double_data;
    case IR_I64:
        *field = "int64_data";
        return tp->n_int64_data;
    case IR_U32:
    case IR_U64:
        *field = "uint64_data";
        return tp->n_uint64_data;
    default:
        *field = "int32_data";
        return tp->n_int32_data;
    }
}

static void copy_typed(const Onnx__TensorProto *tp, ir_dtype dt, size_t n, void *dst)
{
    switch (dt) {
    case IR_F32:
        memcpy(dst, tp->float_data, n * sizeof(float));
        return;
    case IR_F64:
        memcpy(dst, tp->double_data, n * sizeof(double));
        return;
    case IR_I64:
        memcpy(dst, tp->int64_data, n * sizeof(int64_t));
        return;
    case IR_U64:
        memcpy(dst, tp->uint64_data, n * sizeof(uint64_t));
        return;
    case IR_U32:
        for (size_t i = 0; i < n; i++)
            ((uint32_t *)dst)[i] = (uint32_t)tp->uint64_data[i];
        return;
    case IR_I32:
        memcpy(dst, tp->int32_data, n * sizeof(int32_t));
        return;
    case IR_BOOL:
        for (size_t i = 0; i < n; i++)
            ((uint8_t *)dst)[i] = tp->int32_data[i] != 0;
        return;
    default: /* int8/uint8 in one byte, int16/uint16/fp16/bf16 bit patterns in two */
        if (ir_dtype_size(dt) == 1)
            for (size_t i = 0; i < n; i++)
                ((uint8_t *)dst)[i] = (uint8_t)tp->int32_data[i];
        else
            for (size_t i = 0; i < n; i++)
                ((uint16_t *)dst)[i] = (uint16_t)tp->int32_data[i];
        return;
    }
}

dla_status onnx_tensor_fill(const Onnx__TensorProto *tp, const char *origin, const char *base_dir,
                            const char *what, ir_dtype dtype, int64_t numel, void *dst)
{
    size_t es = ir_dtype_size(dtype);
    size_t nbytes = (size_t)numel * es; /* numel <= 2^40 and es <= 8: no overflow */
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        BASE_TRY(read_external(tp, origin, base_dir, what, nbytes, dst));
        from_little_endian(dst, (size_t)numel, es);
        return DLA_OK;
    }
    const char *field;
    size_t count = typed_count(tp, dtype, &field);
    if (tp->has_raw_data && (tp->raw_data.len > 0 || count == 0)) {
        if (tp->raw_data.len != nbytes)
            return base_error(DLA_ERR_FORMAT, "%s: %s: raw_data has %zu bytes, expected %zu (%lld x %s)", origin,
                              what, tp->raw_data.len, nbytes, (long long)numel, ir_dtype_name(dtype));
        if (nbytes)
            memcpy(dst, tp->raw_data.data, nbytes);
        from_little_endian(dst, (size_t)numel, es);
        return DLA_OK;
    }
    if (count != (size_t)numel)
        return base_error(DLA_ERR_FORMAT, "%s: %s: %s has %zu values, expected %lld (%s)", origin, what, field,
                          count, (long long)numel, ir_dtype_name(dtype));
    if (count)
        copy_typed(tp, dtype, count, dst);
    return DLA_OK;
}

dla_status onnx_tensor_to_ir(const onnx_ctx *c, const Onnx__TensorProto *tp, const char *what, ir_tensor *t)
{
    ir_dtype dt = IR_UNDEFINED;
    int rank = 0;
    int64_t dims[IR_MAX_RANK] = {0}, numel = 0;
    BASE_TRY(onnx_tensor_header(tp, c->origin, what, &dt, &rank, dims, &numel));
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    dla_status st = ir_tensor_alloc_const(c->g, t);
    if (st != DLA_OK)
        return base_error(st, "%s: %s: cannot allocate %lld x %s", c->origin, what, (long long)numel,
                          ir_dtype_name(dt));
    return onnx_tensor_fill(tp, c->origin, c->base_dir, what, dt, numel, t->data);
}

dla_status onnx_read_tensor_pb(const void *bytes, size_t size, const char *origin, ir_dtype *dtype, int *rank,
                               int64_t *dims, void **data, char **name)
{
    *data = NULL;
    if (name)
        *name = NULL;
    if (!origin)
        origin = "<memory>";
    if (!bytes && size)
        return base_error(DLA_ERR_INVALID_ARG, "%s: NULL tensor bytes", origin);
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, size, bytes);
    if (!tp)
        return base_error(DLA_ERR_FORMAT, "%s: not a valid ONNX TensorProto (protobuf parse failed)", origin);
    char what[300];
    snprintf(what, sizeof what, "tensor '%.256s'", tp->name ? tp->name : "");
    ir_dtype dt = IR_UNDEFINED;
    int r = 0;
    int64_t d[IR_MAX_RANK] = {0}, numel = 0;
    void *buf = NULL;
    char *nm = NULL;
    dla_status st = onnx_tensor_header(tp, origin, what, &dt, &r, d, &numel);
    if (st != DLA_OK)
        goto free_proto;
    size_t nbytes = (size_t)numel * ir_dtype_size(dt);
    buf = malloc(nbytes ? nbytes : 1);
    if (tp->name && *tp->name && name)
        nm = strdup(tp->name);
    if (!buf || (tp->name && *tp->name && name && !nm)) {
        st = base_error(DLA_ERR_NOMEM, "%s: %s: cannot allocate %zu bytes", origin, what, nbytes);
        goto free_bufs;
    }
    st = onnx_tensor_fill(tp, origin, NULL, what, dt, numel, buf);
    if (st != DLA_OK)
        goto free_bufs;
    *dtype = dt;
    *rank = r;
    memcpy(dims, d, sizeof(int64_t) * (size_t)r);
    *data = buf;
    if (name)
        *name = nm;
    goto free_proto;
free_bufs:
    free(buf);
    free(nm);
free_proto:
    onnx__tensor_proto__free_unpacked(tp, NULL);
    return st;
}

dla_status onnx_read_tensor_pb_file(const char *path, ir_dtype *dtype, int *rank, int64_t *dims, void **data,
                                    char **name)
{
    *data = NULL;
    if (name)
        *name = NULL;
    void *bytes;
    size_t size;
    BASE_TRY(base_read_file(path, &bytes, &size));
    dla_status st = onnx_read_tensor_pb(bytes, size, path, dtype, rank, dims, data, name);
    free(bytes);
    return st;
}
