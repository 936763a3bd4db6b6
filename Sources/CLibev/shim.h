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
