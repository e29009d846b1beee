dla_add_test(test_normpool unit test_normpool.c LIBS dla_host)
