/* Scale tables: name -> per-tensor INT8 scale, in insertion order, with an open-addressing name index. */
#include "compiler/calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

dla_status cc_scale_table_create(cc_scale_table **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? DLA_OK : base_error(DLA_ERR_NOMEM, "out of memory creating a scale table");
}

void cc_scale_table_free(cc_scale_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->n; i++)
        free(t->items[i].name);
    free(t->items);
    free(t->slots);
    free(t);
}

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot holding name, or the empty slot where it would go. n_slots is a power of two, never full. */
static int slot_of(const cc_scale_table *t, const char *name)
{
    unsigned mask = (unsigned)t->n_slots - 1;
    for (unsigned s = hash_name(name) & mask;; s = (s + 1) & mask)
        if (!t->slots[s] || strcmp(t->items[t->slots[s] - 1].name, name) == 0)
            return (int)s;
}

static dla_status rehash(cc_scale_table *t, int n_slots)
{
    int *slots = calloc((size_t)n_slots, sizeof *slots);
    if (!slots)
        return base_error(DLA_ERR_NOMEM, "out of memory growing a scale table");
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    for (int i = 0; i < t->n; i++)
        t->slots[slot_of(t, t->items[i].name)] = i + 1;
    return DLA_OK;
}

const cc_scale *cc_scale_table_get(const cc_scale_table *t, const char *name)
{
    if (!t || !t->n_slots || !name)
        return NULL;
    int s = t->slots[slot_of(t, name)];
    return s ? &t->items[s - 1] : NULL;
}

int cc_scale_table_find(const cc_scale_table *t, const char *name, float *scale)
{
    const cc_scale *e = cc_scale_table_get(t, name);
    if (e && scale)
        *scale = e->scale;
    return e != NULL;
}

dla_status cc_scale_table_add(cc_scale_table *t, const char *name, float scale, float max_abs)
{
    if (!name || !*name)
        return base_error(DLA_ERR_INVALID_ARG, "scale table: empty tensor name");
    if (!isfinite(scale) || scale < 0)
        return base_error(DLA_ERR_INVALID_ARG, "scale table: tensor '%s' has scale %g (must be finite and >= 0)",
                          name, (double)scale);
    cc_scale *e = (cc_scale *)cc_scale_table_get(t, name);
    if (e) {
        e->scale = scale;
        e->max_abs = max_abs;
        return DLA_OK;
    }
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        cc_scale *items = realloc(t->items, sizeof *items * (size_t)cap);
        if (!items)
            return base_error(DLA_ERR_NOMEM, "out of memory growing a scale table");
        t->items = items;
        t->cap = cap;
    }
    if (2 * (t->n + 1) > t->n_slots)
        BASE_TRY(rehash(t, t->n_slots ? 2 * t->n_slots : 128));
    char *copy = strdup(name);
    if (!copy)
        return base_error(DLA_ERR_NOMEM, "out of memory growing a scale table");
    t->items[t->n] = (cc_scale){.name = copy, .scale = scale, .max_abs = max_abs};
    t->slots[slot_of(t, name)] = ++t->n;
    return DLA_OK;
}

dla_status cc_scale_table_merge(cc_scale_table *dst, const cc_scale_table *src, int overwrite)
{
    for (int i = 0; i < src->n; i++) {
        const cc_scale *e = &src->items[i];
        if (!overwrite && cc_scale_table_get(dst, e->name))
            continue;
        BASE_TRY(cc_scale_table_add(dst, e->name, e->scale, e->max_abs));
    }
    return DLA_OK;
}
