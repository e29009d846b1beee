# Whole networks against torch (needs python3-torch; label models). Exports are cached in cache/models/.
add_test(NAME torchvision_vs_torch
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/torchvision_vs_torch.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(torchvision_vs_torch PROPERTIES LABELS "models;slow" TIMEOUT 1500 SKIP_RETURN_CODE 77)
# The bundled Fashion-MNIST model against torch's own outputs on the committed samples.
add_test(NAME fashion_vs_torch
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fashion_vs_torch.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(fashion_vs_torch PROPERTIES LABELS "e2e" SKIP_RETURN_CODE 77)
