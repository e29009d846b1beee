/* Public API: tensors and .npy round trips, argument errors, --shapes parsing errors. */
#include "check.h"
#include "dla/model.h"

#include <stdlib.h>
#include <string.h>

static void test_npy_roundtrip(void)
{
    const dla_dtype types[] = {DLA_FLOAT32, DLA_UINT8, DLA_INT8, DLA_INT32, DLA_INT64, DLA_BOOL, DLA_FLOAT16,
                               DLA_FLOAT64, DLA_UINT16, DLA_INT16, DLA_UINT32, DLA_UINT64};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        int64_t dims[3] = {2, 3, 5};
        dla_tensor *t, *u;
        CHECK_OK(dla_tensor_create("x", types[k], 3, dims, &t));
        for (size_t i = 0; i < t->nbytes; i++)
            ((unsigned char *)t->data)[i] = (unsigned char)(i * 7 + k);
        if (types[k] == DLA_BOOL)
            for (size_t i = 0; i < t->nbytes; i++)
                ((unsigned char *)t->data)[i] &= 1;
        CHECK_OK(dla_tensor_save_npy(t, "test_api_tmp.npy"));
        CHECK_OK(dla_tensor_load("test_api_tmp.npy", &u));
        CHECK(u && u->dtype == t->dtype && u->rank == 3 && u->dims[2] == 5 && u->nbytes == t->nbytes &&
              memcmp(u->data, t->data, t->nbytes) == 0);
        dla_tensor_destroy(t);
        dla_tensor_destroy(u);
    }
    /* scalar */
    dla_tensor *s, *u;
    CHECK_OK(dla_tensor_create(NULL, DLA_FLOAT32, 0, NULL, &s));
    *(float *)s->data = 2.5f;
    CHECK_OK(dla_tensor_save_npy(s, "test_api_tmp.npy"));
    CHECK_OK(dla_tensor_load("test_api_tmp.npy", &u));
    CHECK(u && u->rank == 0 && *(float *)u->data == 2.5f);
    dla_tensor_destroy(s);
    dla_tensor_destroy(u);
    remove("test_api_tmp.npy");
}

static void test_npy_errors(void)
{
    FILE *f = fopen("test_api_bad.npy", "wb");
    fputs("\x93NUMPY\x01\x00\x20\x00{'descr': '<f4', 'shape': (100,", f); /* header cut short */
    fclose(f);
    dla_tensor *t = (dla_tensor *)1;
    dla_status st = dla_tensor_load("test_api_bad.npy", &t);
    CHECK(st == DLA_ERR_FORMAT && t == NULL);
    CHECK(strstr(dla_last_error(), "test_api_bad.npy") != NULL);
    f = fopen("test_api_bad.npy", "wb");
    fputs("\x93NUMPY\x01\x00\x3a\x00{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }  \n", f);
    fwrite("abcd", 1, 4, f); /* 4 bytes of data for 400 needed */
    fclose(f);
    CHECK_STATUS(dla_tensor_load("test_api_bad.npy", &t), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "truncated") != NULL);
    remove("test_api_bad.npy");
    CHECK_STATUS(dla_tensor_load("/nonexistent.npy", &t), DLA_ERR_IO);
    int64_t bad = -1;
    CHECK_STATUS(dla_tensor_create("n", DLA_FLOAT32, 1, &bad, &t), DLA_ERR_INVALID_ARG);
}

static void test_model_errors(void)
{
    dla_model *m = (dla_model *)1;
    CHECK_STATUS(dla_model_load_file("/nonexistent/model.onnx", NULL, &m), DLA_ERR_IO);
    CHECK(m == NULL);
    CHECK(strstr(dla_last_error(), "/nonexistent/model.onnx") != NULL);
    const char junk[] = "this is not an onnx model at all";
    CHECK(dla_model_load_memory(junk, sizeof junk, NULL, &m) != DLA_OK);
    CHECK(m == NULL);
    dla_load_options lo = {.shapes = "input:1x3xq"};
    CHECK_STATUS(dla_model_load_memory(junk, sizeof junk, &lo, &m), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "--shapes") != NULL);
    dla_model_destroy(NULL);
}

int main(void)
{
    test_npy_roundtrip();
    test_npy_errors();
    test_model_errors();
    return TEST_RESULT();
}
