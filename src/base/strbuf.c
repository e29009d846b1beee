/* A growable string for formatted reports (text tables, JSON, CSV). */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void base_sb_printf(base_sb *b, const char *fmt, ...)
{
    while (!b->oom) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

char *base_sb_take(base_sb *b)
{
    char *s = b->s;
    int oom = b->oom;
    memset(b, 0, sizeof *b);
    if (oom) {
        free(s);
        return NULL;
    }
    return s ? s : strdup("");
}
