/* Per-layer flag lists in trtexec's spelling ("name:VALUE,name2:VALUE", one '*' wildcard per name): parsing and
 * matching shared by --layerDeviceTypes (place.c) and --layerPrecisions (precision.c). */
#include "compiler/cc.h"

#include <stdlib.h>
#include <string.h>

void cc_layer_specs_free(cc_layer_spec *s, int n)
{
    for (int i = 0; s && i < n; i++)
        free(s[i].name);
    free(s);
}

dla_status cc_layer_specs_parse(const char *text, const char *flag, const char *usage, int (*classify)(const char *),
                                cc_layer_spec **out, int *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (!text || !*text)
        return DLA_OK;
    int cap = 1;
    for (const char *c = text; *c; c++)
        cap += *c == ',';
    cc_layer_spec *s = calloc((size_t)cap, sizeof *s);
    if (!s)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    int n = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, ",");
        char *item = strndup(p, len);
        p += len + (p[len] == ',');
        if (!item) {
            cc_layer_specs_free(s, n);
            return base_error(DLA_ERR_NOMEM, "out of memory");
        }
        if (!*item) {
            free(item);
            continue;
        }
        /* names may contain ':' — the last one separates the value */
        char *colon = strrchr(item, ':');
        int code = colon && colon != item ? classify(colon + 1) : -1;
        if (code < 0) {
            dla_status st = base_error(DLA_ERR_INVALID_ARG, "%s: '%s' is not %s", flag, item, usage);
            free(item);
            cc_layer_specs_free(s, n);
            return st;
        }
        *colon = '\0';
        s[n].name = item;
        s[n].value = colon + 1;
        s[n].code = code;
        n++;
    }
    *out = s;
    *n_out = n;
    return DLA_OK;
}

/* trtexec's matching: exact, or one '*' standing for any run of characters. */
static int name_matches(const char *pattern, const char *name)
{
    const char *star = strchr(pattern, '*');
    if (!star)
        return strcmp(pattern, name) == 0;
    size_t pre = (size_t)(star - pattern), post = strlen(star + 1), len = strlen(name);
    return len >= pre + post && strncmp(pattern, name, pre) == 0 && strcmp(name + len - post, star + 1) == 0;
}

cc_layer_spec *cc_layer_specs_find(cc_layer_spec *s, int n, const char *name)
{
    cc_layer_spec *wild = NULL;
    for (int i = 0; i < n; i++) {
        int w = strchr(s[i].name, '*') != NULL;
        if (!w && strcmp(s[i].name, name) == 0)
            return &s[i];
        if (w && !wild && name_matches(s[i].name, name))
            wild = &s[i];
    }
    return wild;
}
