# The bundled synthetic-shapes detector (models/detect): heads and full pipeline (NMS, TopK, Gather) against
# torch's outputs on the committed samples.
add_test(NAME det_vs_torch
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/det_check.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(det_vs_torch PROPERTIES LABELS "e2e" SKIP_RETURN_CODE 77)
