dla_add_test(test_reduce unit test_reduce.c LIBS dla_host m)
