# The runtime (src/runtime, dla/runtime.h): modules, scheduler, HOST tasks, events, threads, statistics.
find_package(Threads REQUIRED)
dla_add_test(test_runtime "unit;engine" test_runtime.c LIBS dla Threads::Threads ${M_LIB})
