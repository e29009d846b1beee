dla_add_test(test_recon unit test_recon.c LIBS dla_compiler dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
dla_add_test(test_recon_onnx onnx test_recon_onnx.c
             LIBS dla_compiler dla_onnx dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
