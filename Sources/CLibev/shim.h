// libev's watcher set-up API is macros, which Swift cannot call. These static inline functions wrap
// exactly the macros evserve uses; everything else in ev.h (ev_io_start, ev_async_send, ...) is a
// real function and is imported as is.
#ifndef EVSERVE_CLIBEV_SHIM_H
#define EVSERVE_CLIBEV_SHIM_H

#include <ev.h>

// accept4 is a GNU extension, hidden from Swift's Glibc module (built without _GNU_SOURCE).
// Declared here, with untyped address pointers so this header needs no <sys/socket.h> (including
// it here would claim that header for this module and hide its names from Glibc's), so the accept
// loop gets non-blocking, close-on-exec sockets in one system call.
extern int accept4(int sockfd, void *addr, void *addrlen, int flags);
// Also GNU: the CPUs this process may run on (for sizing parallel work to `taskset` or cpusets).
extern int sched_getaffinity(int pid, unsigned long cpusetsize, void *mask);
// glibc's <malloc.h>, which Swift's Glibc module does not include: returns freed heap memory of every
// arena to the kernel (after a model update, see ModelUpdater).
extern int malloc_trim(unsigned long pad);

// sched_setattr(2) and sched_getattr(2) have no glibc wrappers, and the Linux headers that define
// struct sched_attr would claim system headers for this module (see above): the struct as the kernel
// reads it (its first version, 48 bytes) and the system call numbers are written out here.
extern long syscall(long number, ...);
struct evserve_sched_attr {
    unsigned int size, policy;
    unsigned long long flags;
    int nice;
    unsigned int priority;
    unsigned long long runtime, deadline, period;
};

/// sched_getattr(2) (`set` zero) or sched_setattr(2) on the calling thread. Returns 0, or -1 on failure or
/// where the architecture's call number is not written here.
static inline int evserve_sched_attr_call(int set, struct evserve_sched_attr *attr) {
#if defined(__x86_64__)
    const long setattr = 314, getattr = 315;
#elif defined(__aarch64__)
    const long setattr = 274, getattr = 275;
#else
    return -1;
#endif
    long result = set ? syscall(setattr, 0, attr, 0) : syscall(getattr, 0, attr, (unsigned int)sizeof *attr, 0);
    return result == 0 ? 0 : -1;
}

/// Asks the kernel to give the calling thread scheduler slices of `nanoseconds` (Linux 6.12 and later,
/// EEVDF's custom slices: a thread with a shorter slice than the running one may preempt it when it
/// wakes). Its policy and nice value stay as they are; threads it creates later (Dispatch starts its
/// pool threads from whichever thread queues work) get the default slice back, by
/// SCHED_FLAG_RESET_ON_FORK. Returns 0, or -1 where the kernel or the architecture has no such call;
/// older kernels accept it and ignore the slice.
static inline int evserve_set_thread_slice(unsigned long long nanoseconds) {
    struct evserve_sched_attr attr = {0};
    if (evserve_sched_attr_call(0, &attr) != 0) return -1;
    attr.size = sizeof attr;
    attr.flags = 0x01;  // SCHED_FLAG_RESET_ON_FORK
    attr.runtime = nanoseconds;
    return evserve_sched_attr_call(1, &attr);
}

/// Puts the calling thread in SCHED_BATCH (`batch` nonzero) or back in SCHED_OTHER, its nice value and
/// flags kept. A SCHED_BATCH thread that wakes does not preempt the running one, and one that runs is
/// preempted by a normal thread that wakes (kernel/sched/fair.c, check_preempt_wakeup_fair): a job
/// thread in a long model call so leaves its core to its loop whenever the loop has work. Returns 0,
/// or -1 where the kernel or the architecture has no such call.
static inline int evserve_set_thread_batch(int batch) {
    struct evserve_sched_attr attr = {0};
    if (evserve_sched_attr_call(0, &attr) != 0) return -1;
    attr.size = sizeof attr;
    attr.policy = batch ? 3 : 0;  // SCHED_BATCH, SCHED_OTHER
    return evserve_sched_attr_call(1, &attr);
}

typedef void (*evserve_io_cb)(struct ev_loop *loop, ev_io *watcher, int revents);
typedef void (*evserve_timer_cb)(struct ev_loop *loop, ev_timer *watcher, int revents);
typedef void (*evserve_async_cb)(struct ev_loop *loop, ev_async *watcher, int revents);
typedef void (*evserve_signal_cb)(struct ev_loop *loop, ev_signal *watcher, int revents);
typedef void (*evserve_prepare_cb)(struct ev_loop *loop, ev_prepare *watcher, int revents);

static inline void evserve_io_init(ev_io *w, evserve_io_cb cb, int fd, int events) {
    ev_io_init(w, cb, fd, events);
}

static inline void evserve_timer_init(ev_timer *w, evserve_timer_cb cb, ev_tstamp after, ev_tstamp repeat) {
    ev_timer_init(w, cb, after, repeat);
}

static inline void evserve_async_init(ev_async *w, evserve_async_cb cb) {
    ev_async_init(w, cb);
}

static inline void evserve_signal_init(ev_signal *w, evserve_signal_cb cb, int signum) {
    ev_signal_init(w, cb, signum);
}

static inline void evserve_prepare_init(ev_prepare *w, evserve_prepare_cb cb) {
    ev_prepare_init(w, cb);
}

static inline int evserve_io_is_active(const ev_io *w) {
    return ev_is_active(w);
}

#endif
