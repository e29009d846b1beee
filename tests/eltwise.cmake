dla_add_test(test_eltwise unit test_eltwise.c LIBS dla_host)
