dla_add_test(test_shape unit test_shape.c LIBS dla_host)
# Shape-family ops against torch on exported modules (needs python3-torch; label models).
add_test(NAME shape_vs_torch COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/shape_vs_torch.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(shape_vs_torch PROPERTIES LABELS "models;slow" TIMEOUT 600 SKIP_RETURN_CODE 77)
dla_add_test(test_shape_fuzz unit test_shape_fuzz.c LIBS dla_host)
