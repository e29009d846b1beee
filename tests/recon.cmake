dla_add_test(test_recon unit test_recon.c LIBS dla_compiler dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
