# INT8 calibration: scale tables, TensorRT calibration caches, calibrators, the range collector, Q/DQ scales, and
# the dla/calib.h API on the bundled Fashion-MNIST model and a two-input model fed from a folder of .npy files.
dla_add_test(test_calib unit test_calib.c LIBS dla dla_compiler dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
