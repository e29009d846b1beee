# `dla exec` / `dlaexec` (trtexec's flags): every command-line error path, builds of the bundled Fashion-MNIST model
# (FP16, INT8 calibrated on its samples, DLA standalone), save/load round trips and exported outputs.
add_test(NAME exec_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/exec_cli.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(exec_cli PROPERTIES LABELS "unit;e2e" SKIP_RETURN_CODE 77 TIMEOUT 300)
# The seed's trtexec commands (models/README.md) on the six reference networks in cache/models (make models),
# build only: each network lands on the DLA in one subgraph.
add_test(NAME exec_seed_commands COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/seed_commands.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(exec_seed_commands PROPERTIES LABELS "models;slow" SKIP_RETURN_CODE 77 TIMEOUT 3600)
