dla_add_test(test_perf_fusion unit test_perf_fusion.c LIBS dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
