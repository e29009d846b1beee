# The engine's FP16 convolution fast path (src/engine/conv_fp16.c) bit-identical to the reference loops.
dla_add_test(test_fp16conv "unit;engine" test_fp16conv.c
             LIBS dla_engine dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
