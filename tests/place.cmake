# Placement and partitioning (compiler stage 1): unit tests on hand-built graphs.
dla_add_test(test_place unit test_place.c LIBS dla_compiler dla)

# docs/operators.md is generated from the rule table: `cmake --build build --target operators_doc` rewrites it,
# and a test fails when the checked-in file differs from what the build generates.
add_custom_target(operators_doc
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/check_operators_doc.sh $<TARGET_FILE:dla_tool>
          ${CMAKE_SOURCE_DIR}/docs/operators.md --write
  DEPENDS dla_tool
  COMMENT "Generating docs/operators.md from the DLA rule table"
  VERBATIM)
add_test(NAME operators_doc_fresh
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/check_operators_doc.sh $<TARGET_FILE:dla_tool>
                 ${CMAKE_SOURCE_DIR}/docs/operators.md)
set_tests_properties(operators_doc_fresh PROPERTIES LABELS "unit")

# `dla ops` on real networks: torchvision classifiers all on the DLA in one subgraph; PaddleOCR det/cls models
# with the reason for every host layer (needs python3-torch and npm; label models).
add_test(NAME placement_models
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/placement_models.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(placement_models PROPERTIES LABELS "models" TIMEOUT 1200 SKIP_RETURN_CODE 77)

# The `dla ops` command line: table, placement of the bundled model, trtexec's fallback semantics, JSON.
add_test(NAME ops_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/ops_cli.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(ops_cli PROPERTIES LABELS "unit;e2e" SKIP_RETURN_CODE 77)
