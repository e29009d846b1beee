dla_add_test(test_shape unit test_shape.c LIBS dla_host)
