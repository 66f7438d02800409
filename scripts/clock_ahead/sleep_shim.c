/* clock_nanosleep straight to the kernel, for runs under libfaketime.
 *
 * With FAKETIME_DONT_FAKE_MONOTONIC=1 (needed: a faked monotonic clock makes every timed
 * lock, queue and event wait hang), libfaketime 0.9.10 still shifts the absolute monotonic
 * deadline that Python's time.sleep passes to clock_nanosleep, which then fails with EINVAL.
 * Preloaded before libfaketime, this leaves sleeping alone; the wall clock stays faked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *request,
                    struct timespec *remain) {
    if (syscall(SYS_clock_nanosleep, clock, flags, request, remain) == -1) {
        return errno;
    }
    return 0;
}
