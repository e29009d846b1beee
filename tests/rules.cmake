dla_add_test(test_rules unit test_rules.c LIBS dla_compiler dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
