/* base: status and messages, logging, arena allocator, fp16 conversion, file I/O, checked arithmetic.
 * The lowest layer: it includes nothing of dlakit's but the public status header. */
#ifndef DLA_BASE_H
#define DLA_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "dla/status.h"

/* ---- errors and logging (status.c) ---------------------------------------------------------------------- */

/* Originate an error: format the message into the thread's last-error slot and return `status`.
 * Use once where the error starts ("conv 'x': dilation 40 exceeds ..."); callers above just propagate. */
dla_status base_error(dla_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void base_clear_error(void);
void base_log(dla_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void base_logv(dla_log_level level, const char *fmt, va_list ap);
int base_log_enabled(dla_log_level level);

#define BASE_TRY(expr)                                                                                        \
    do {                                                                                                      \
        dla_status try_st_ = (expr);                                                                          \
        if (try_st_ != DLA_OK)                                                                                \
            return try_st_;                                                                                   \
    } while (0)

/* ---- arena (arena.c) ------------------------------------------------------------------------------------ */

/* A bump allocator for metadata (IR nodes, tensors, strings, attributes): everything is freed at once with the
 * arena. Allocations are 16-byte aligned and zeroed. Returns NULL on exhaustion of memory. */
typedef struct base_arena base_arena;
base_arena *base_arena_create(void);
void base_arena_destroy(base_arena *a);
void *base_arena_alloc(base_arena *a, size_t size);
char *base_arena_strdup(base_arena *a, const char *s);
char *base_arena_strndup(base_arena *a, const char *s, size_t n);
size_t base_arena_used(const base_arena *a);

/* ---- checked sizes ------------------------------------------------------------------------------------- */

/* *out = a * b; returns 0 on overflow of size_t (and leaves *out unspecified). */
static inline int base_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* ---- fp16 / bf16 (fp16.c) ------------------------------------------------------------------------------- */

float base_fp16_to_f32(uint16_t h);
uint16_t base_f32_to_fp16(float f); /* IEEE round-to-nearest-even, overflow to inf (the host's semantics) */
float base_bf16_to_f32(uint16_t h);
uint16_t base_f32_to_bf16(float f);

/* ---- growable strings (strbuf.c) ------------------------------------------------------------------------- */

/* Zero-initialise ({0}); base_sb_printf appends, base_sb_take hands over the string (malloc'd; "" when nothing was
 * written; NULL, with the buffer freed, if an allocation failed) and resets the builder. */
typedef struct base_sb {
    char *s;
    size_t len, cap;
    int oom;
} base_sb;
void base_sb_printf(base_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *base_sb_take(base_sb *b);

/* ---- files (file.c) ------------------------------------------------------------------------------------- */

/* Reads a whole file into a malloc'd buffer (caller frees). Errors name the path. */
dla_status base_read_file(const char *path, void **data, size_t *size);
/* Writes atomically: to "path.tmp", then renames, so a failed write never leaves a half-written file. */
dla_status base_write_file(const char *path, const void *data, size_t size);
/* Directory part of a path ("a/b/c.onnx" -> "a/b", "c.onnx" -> "."), malloc'd. */
char *base_dirname(const char *path);

#endif
