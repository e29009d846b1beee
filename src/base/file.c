/* Whole-file reads and atomic writes. */
#include "base/base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dla_status base_read_file(const char *path, void **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return base_error(DLA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    dla_status st = DLA_OK;
    unsigned char *buf = NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        st = base_error(DLA_ERR_IO, "%s: cannot seek (not a regular file?)", path);
        goto close;
    }
    long len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        st = base_error(DLA_ERR_IO, "%s: cannot determine the file size", path);
        goto close;
    }
    buf = malloc((size_t)len + 1); /* +1: never malloc(0), and text users get a terminator */
    if (!buf) {
        st = base_error(DLA_ERR_NOMEM, "%s: cannot allocate %ld bytes", path, len);
        goto close;
    }
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        st = base_error(DLA_ERR_IO, "%s: short read", path);
        free(buf);
        goto close;
    }
    buf[len] = 0;
    *data = buf;
    *size = (size_t)len;
close:
    fclose(f);
    return st;
}

dla_status base_write_file(const char *path, const void *data, size_t size)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 5);
    if (!tmp)
        return base_error(DLA_ERR_NOMEM, "%s: out of memory", path);
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    dla_status st = DLA_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        st = base_error(DLA_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
        goto free_tmp;
    }
    int ok = fwrite(data, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        st = base_error(DLA_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        remove(tmp);
    }
free_tmp:
    free(tmp);
    return st;
}

char *base_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;
    if (slash == path)
        n = 1;
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, slash ? path : ".", n);
    d[n] = '\0';
    return d;
}
