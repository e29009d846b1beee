# INT8 calibration: scale tables, TensorRT calibration caches, calibrators, the range collector, Q/DQ scales, and
# the dla/calib.h API on the bundled Fashion-MNIST model and a two-input model fed from a folder of .npy files.
dla_add_test(test_calib unit test_calib.c LIBS dla dla_compiler dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
# `dla calib` end to end on the bundled model: cache format, a scale per Conv output, --show, warnings, errors.
add_test(NAME calib_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/calib_cli.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(calib_cli PROPERTIES LABELS "unit;e2e" SKIP_RETURN_CODE 77)
