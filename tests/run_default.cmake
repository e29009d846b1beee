# `make run` (scripts/run-default.sh) on the bundled Fashion-MNIST model: builds INT8 with GPU fallback, runs the
# loadable, agrees with the host FP32 run on all 8 bundled images, prints the predicted Orin time.
add_test(NAME make_run_default COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/run-default.sh ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(make_run_default PROPERTIES LABELS "e2e" TIMEOUT 300
                     PASS_REGULAR_EXPRESSION "top-1 agreement 8/8.*Orin DLA \\(predicted, one core\\): [0-9.]+ ms")
