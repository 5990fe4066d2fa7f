/*
 * platform.c — what the process may use of the machine.
 */
#define _GNU_SOURCE
#include "tok_support.h"

#include <unistd.h>
#if defined(__linux__)
#include <sched.h>
#endif

int tok_cpu_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
