/* The dla tool's OpenMP wait default. oneDNN (and so the host executor) runs on libgomp, whose default barrier
 * wait spins ~300000 pause iterations (milliseconds) before sleeping; on a machine with more runnable threads
 * than cores a thread spinning for a descheduled partner burns its own time slice, and ResNet-50 at 2 threads
 * ran 3-10x slower than with a bounded spin (docs/benchmarks.md). GOMP_SPINCOUNT=10000 costs nothing
 * measurable on a quiet machine. libgomp reads its environment once, in its initialiser, before any code of
 * ours runs (and glibc drops a value set from .preinit_array), so the tool re-executes itself once with the
 * variable set when the user set neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT. DLA_OMP_DEFAULTS=0 turns this
 * off. Linux/glibc only (constructors receive argv; /proc/self/exe); anywhere else it does nothing. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void dla_omp_defaults(int argc, char **argv, char **envp)
{
    (void)envp;
#ifdef __linux__
    const char *off = getenv("DLA_OMP_DEFAULTS");
    if (argc < 1 || !argv || getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT") || (off && !strcmp(off, "0")))
        return;
    if (setenv("GOMP_SPINCOUNT", "10000", 0) != 0)
        return;
    execv("/proc/self/exe", argv); /* returns only on failure: carry on with libgomp's default */
    unsetenv("GOMP_SPINCOUNT");
#else
    (void)argc;
    (void)argv;
#endif
}
