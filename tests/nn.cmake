dla_add_test(test_nn unit test_nn.c LIBS dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
