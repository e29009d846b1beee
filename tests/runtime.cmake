# The runtime (src/runtime, dla/runtime.h): modules, scheduler, HOST tasks, events, threads, statistics.
find_package(Threads REQUIRED)
dla_add_test(test_runtime "unit;engine" test_runtime.c LIBS dla Threads::Threads ${M_LIB})
# End to end: a model compiled by dla_builder_build and run through the runtime against the host FP32 executor.
dla_add_test(test_runtime_e2e "e2e;engine" test_runtime_e2e.c LIBS dla Threads::Threads ${M_LIB})
