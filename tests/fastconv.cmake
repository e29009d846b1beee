# The engine's INT8 convolution fast path (oneDNN s8 x s8 -> s32) bit-identical to the reference loops.
find_package(Threads REQUIRED)
dla_add_test(test_fastconv "unit;engine" test_fastconv.c
             LIBS dla_engine dla_kernels dla_base Threads::Threads OpenMP::OpenMP_C ${M_LIB})
