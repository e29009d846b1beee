# The ONNX importer: models built in memory (unit) and every model of libonnx-testdata (onnx).
dla_add_test(test_onnx "unit;onnx" test_onnx.c LIBS dla_onnx)
target_include_directories(test_onnx PRIVATE ${CMAKE_BINARY_DIR}/src/onnx/gen)
dla_add_test(test_onnx_testdata onnx test_onnx_testdata.c LIBS dla_onnx)
