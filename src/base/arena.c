/* Bump arena: a linked list of blocks; big requests get a block of their own. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

typedef struct arena_block {
    struct arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} arena_block;

struct base_arena {
    arena_block *head;
    size_t total;
};

base_arena *base_arena_create(void) { return calloc(1, sizeof(base_arena)); }

void base_arena_destroy(base_arena *a)
{
    if (!a)
        return;
    for (arena_block *b = a->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(a);
}

void *base_arena_alloc(base_arena *a, size_t size)
{
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0)
        size = ARENA_ALIGN;
    arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        if (cap > SIZE_MAX - sizeof(arena_block))
            return NULL;
        arena_block *nb = malloc(sizeof(arena_block) + cap);
        if (!nb)
            return NULL;
        nb->size = cap;
        nb->used = 0;
        if (b && cap == size) { /* a dedicated block: keep filling the current one afterwards */
            nb->next = b->next;
            b->next = nb;
            b = nb;
        } else {
            nb->next = b;
            a->head = b = nb;
        }
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *base_arena_strndup(base_arena *a, const char *s, size_t n)
{
    char *d = base_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *base_arena_strdup(base_arena *a, const char *s) { return base_arena_strndup(a, s, strlen(s)); }

size_t base_arena_used(const base_arena *a) { return a->total; }
