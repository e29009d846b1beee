/* base: fp16 conversion, arena, status strings, file I/O. */
#include "base/base.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static void test_fp16(void)
{
    CHECK(base_f32_to_fp16(1.0f) == 0x3c00);
    CHECK(base_f32_to_fp16(-2.0f) == 0xc000);
    CHECK(base_f32_to_fp16(65504.0f) == 0x7bff);
    CHECK(base_f32_to_fp16(65520.0f) == 0x7c00);   /* rounds up past the largest finite value */
    CHECK(base_f32_to_fp16(65519.0f) == 0x7bff);
    CHECK(base_f32_to_fp16(5.9604645e-8f) == 0x0001); /* smallest subnormal */
    CHECK(base_f32_to_fp16(2.9802322e-8f) == 0x0000); /* half of it: ties to even -> 0 */
    CHECK(base_f32_to_fp16(1.0f + 1.0f / 2048) == 0x3c00); /* tie, even stays */
    CHECK(base_f32_to_fp16(1.0f + 3.0f / 2048) == 0x3c02); /* tie, odd rounds up */
    for (uint32_t h = 0; h < 0x7c00; h++) /* every finite half round-trips */
        if (base_f32_to_fp16(base_fp16_to_f32((uint16_t)h)) != h) {
            CHECK(!"fp16 round trip");
            break;
        }
    CHECK(base_bf16_to_f32(base_f32_to_bf16(1.5f)) == 1.5f);
}

static void test_arena(void)
{
    base_arena *a = base_arena_create();
    CHECK(a != NULL);
    char *s = base_arena_strdup(a, "hello");
    CHECK(strcmp(s, "hello") == 0);
    void *big = base_arena_alloc(a, 1 << 20);
    CHECK(big != NULL && ((uintptr_t)big & 15) == 0);
    char *t = base_arena_strdup(a, "after");
    CHECK(strcmp(t, "after") == 0 && strcmp(s, "hello") == 0);
    base_arena_destroy(a);
    base_arena_destroy(NULL);
}

static void test_status(void)
{
    CHECK(strcmp(dla_status_str(DLA_OK), "ok") == 0);
    CHECK(strcmp(dla_status_str((dla_status)999), "unknown status") == 0);
    CHECK(base_error(DLA_ERR_FORMAT, "x %d", 3) == DLA_ERR_FORMAT);
    CHECK(strcmp(dla_last_error(), "x 3") == 0);
}

static void test_files(void)
{
    void *d;
    size_t n;
    CHECK(base_read_file("/nonexistent/file", &d, &n) == DLA_ERR_IO);
    CHECK(strstr(dla_last_error(), "/nonexistent/file") != NULL);
    CHECK_OK(base_write_file("test_base.tmpfile", "abc", 3));
    CHECK_OK(base_read_file("test_base.tmpfile", &d, &n));
    CHECK(n == 3 && memcmp(d, "abc", 3) == 0);
    free(d);
    remove("test_base.tmpfile");
    char *dn = base_dirname("a/b/c.onnx");
    CHECK(strcmp(dn, "a/b") == 0);
    free(dn);
    dn = base_dirname("c.onnx");
    CHECK(strcmp(dn, ".") == 0);
    free(dn);
}

int main(void)
{
    test_fp16();
    test_arena();
    test_status();
    test_files();
    return TEST_RESULT();
}
