# ONNX backend conformance: every test of libonnx-testdata's suites runs on the host executor
# (rtol 1e-3, atol 1e-5). Tests using ops dlakit lacks are reported as SKIP naming the op; known failures
# are listed with reasons in tests/conformance/exceptions.txt. Each run prints a summary line with the counts.
set(ONNX_TESTDATA /usr/share/libonnx-testdata/data)
foreach(suite node simple pytorch-converted pytorch-operator)
  add_test(NAME conformance_${suite}
           COMMAND dla_tool run --onnx-test ${ONNX_TESTDATA}/${suite}
                   --exceptions ${CMAKE_SOURCE_DIR}/tests/conformance/exceptions.txt --threads 1)
  set_tests_properties(conformance_${suite} PROPERTIES LABELS "onnx;e2e" TIMEOUT 900)
endforeach()
