dla_add_test(test_engcore "unit;engine" test_engcore.c LIBS dla_engine dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
