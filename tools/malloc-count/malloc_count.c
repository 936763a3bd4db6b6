// malloc_count: an LD_PRELOAD library that counts heap calls per thread, for
// bench/alloc_per_request.py (how many allocations one request costs).
//
// Each thread counts its own calls in a slot of a fixed table (no allocation, no lock on the
// counting path). SIGUSR2 (or the process's exit) writes every slot to $MALLOC_COUNT_FILE:
//
//     thread <tid> allocs <n> reallocs <n> frees <n> bytes <n>
//     total allocs <n> reallocs <n> frees <n> bytes <n>
//
// "allocs" counts calls that return a new block (malloc, calloc, the aligned variants);
// "reallocs" counts realloc calls (realloc(NULL, n) is an alloc, realloc(p, 0) a free);
// "bytes" is the sum of sizes asked for. The file is written beside its name and renamed into
// place, so a reader sees a whole dump or none.
//
// The real allocator is reached through glibc's __libc_* entry points, not dlsym: dlsym may
// itself allocate, which would recurse into this library before it is ready.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

enum { MAX_THREADS = 256 };

struct slot {
    _Atomic long tid;
    _Atomic uint64_t allocs, reallocs, frees, bytes;
};

// Slot MAX_THREADS is shared by every thread past the first MAX_THREADS (counts stay right, per
// thread attribution is lost for them).
static struct slot slots[MAX_THREADS + 1];
static _Atomic int used_slots;
// initial-exec: this library is loaded at start-up, so its thread-locals sit in the static TLS
// block and reading them never calls __tls_get_addr (which may allocate).
static __thread int my_slot __attribute__((tls_model("initial-exec"))) = -1;
static char dump_path[4096];

static struct slot *current(void) {
    if (my_slot < 0) {
        int index = atomic_fetch_add_explicit(&used_slots, 1, memory_order_relaxed);
        if (index >= MAX_THREADS) index = MAX_THREADS;
        my_slot = index;
        if (index < MAX_THREADS) atomic_store_explicit(&slots[index].tid, (long)syscall(SYS_gettid), memory_order_relaxed);
    }
    return &slots[my_slot];
}

static void add(_Atomic uint64_t *counter, uint64_t amount) {
    atomic_fetch_add_explicit(counter, amount, memory_order_relaxed);
}

static void counted_alloc(size_t size) {
    struct slot *s = current();
    add(&s->allocs, 1);
    add(&s->bytes, size);
}

void *malloc(size_t size) {
    counted_alloc(size);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    counted_alloc(count * size);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    if (pointer == NULL) {
        counted_alloc(size);
    } else if (size == 0) {
        add(&current()->frees, 1);
    } else {
        struct slot *s = current();
        add(&s->reallocs, 1);
        add(&s->bytes, size);
    }
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    if (pointer != NULL) add(&current()->frees, 1);
    __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size) {
    counted_alloc(size);
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    counted_alloc(size);
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    counted_alloc(size);
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

void *valloc(size_t size) {
    counted_alloc(size);
    return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

// --- The dump: async-signal-safe only (no stdio, no allocation). ---

struct line {
    char text[256];
    size_t length;
};

static void put_text(struct line *l, const char *text) {
    while (*text && l->length < sizeof l->text) l->text[l->length++] = *text++;
}

static void put_number(struct line *l, uint64_t value) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + value % 10); value /= 10; } while (value > 0);
    while (n > 0 && l->length < sizeof l->text) l->text[l->length++] = digits[--n];
}

static void put_counts(struct line *l, uint64_t allocs, uint64_t reallocs, uint64_t frees, uint64_t bytes) {
    put_text(l, " allocs "); put_number(l, allocs);
    put_text(l, " reallocs "); put_number(l, reallocs);
    put_text(l, " frees "); put_number(l, frees);
    put_text(l, " bytes "); put_number(l, bytes);
    put_text(l, "\n");
}

static void write_all(int fd, const char *bytes, size_t count) {
    while (count > 0) {
        ssize_t written = write(fd, bytes, count);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        bytes += written;
        count -= (size_t)written;
    }
}

static void dump(void) {
    if (dump_path[0] == 0) return;
    int saved_errno = errno;
    char partial[sizeof dump_path + 8];
    size_t length = strlen(dump_path);
    memcpy(partial, dump_path, length);
    memcpy(partial + length, ".part", 6);
    int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        uint64_t total[4] = {0, 0, 0, 0};
        int count = atomic_load_explicit(&used_slots, memory_order_relaxed);
        if (count > MAX_THREADS) count = MAX_THREADS + 1;
        for (int i = 0; i < count; i++) {
            struct slot *s = &slots[i];
            uint64_t values[4] = {atomic_load(&s->allocs), atomic_load(&s->reallocs), atomic_load(&s->frees),
                                  atomic_load(&s->bytes)};
            for (int k = 0; k < 4; k++) total[k] += values[k];
            struct line l = {.length = 0};
            put_text(&l, "thread ");
            put_number(&l, i < MAX_THREADS ? (uint64_t)atomic_load(&s->tid) : 0);
            put_counts(&l, values[0], values[1], values[2], values[3]);
            write_all(fd, l.text, l.length);
        }
        struct line l = {.length = 0};
        put_text(&l, "total");
        put_counts(&l, total[0], total[1], total[2], total[3]);
        write_all(fd, l.text, l.length);
        close(fd);
        rename(partial, dump_path);
    }
    errno = saved_errno;
}

static void on_signal(int signal_number) {
    (void)signal_number;
    dump();
}

__attribute__((constructor)) static void start(void) {
    const char *path = getenv("MALLOC_COUNT_FILE");
    if (path == NULL || strlen(path) >= sizeof dump_path) return;
    strcpy(dump_path, path);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR2, &action, NULL);
}

__attribute__((destructor)) static void finish(void) {
    dump();
}
