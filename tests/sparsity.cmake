# 2:4 structured sparsity (trtexec --sparsity, src/compiler/sparsity.c): pruning, the 2:4 check and the eligibility
# rule on hand-made weights; then models built in the test with --sparsity force / enable / disable (flags on the
# conv ops, the engine's output against the host FP32 run of the pruned model, Xavier and FP16 stay dense, the
# runtime's prediction honours the flags).
dla_add_test(test_sparsity unit test_sparsity.c LIBS dla_compiler dla_base ${M_LIB})
dla_add_test(test_sparsity_e2e "e2e;engine" test_sparsity_e2e.c LIBS dla Threads::Threads ${M_LIB})
target_include_directories(test_sparsity_e2e PRIVATE ${CMAKE_BINARY_DIR}/src/onnx/gen)
# `dla exec --sparsity` / `dla inspect` on the bundled Fashion-MNIST CNN; ResNet-50's sparse prediction (models).
add_test(NAME test_sparsity_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_sparsity_cli.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(test_sparsity_cli PROPERTIES LABELS "unit;e2e" SKIP_RETURN_CODE 77 TIMEOUT 120)
add_test(NAME test_sparsity_cli_models
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_sparsity_cli.sh $<TARGET_FILE:dla_tool> models)
set_tests_properties(test_sparsity_cli_models PROPERTIES LABELS "models;e2e" SKIP_RETURN_CODE 77 TIMEOUT 300)
