# The task builder and dla_builder_build: Fashion-MNIST and hand-built graphs compiled into loadables (FP16, INT8
# calibrated on the bundled samples, forced host layers, standalone), parsed back and checked.
dla_add_test(test_tb "unit;loadable" test_tb.c LIBS dla)
target_include_directories(test_tb PRIVATE ${CMAKE_BINARY_DIR}/src/onnx/gen)
