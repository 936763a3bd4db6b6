// openloop: an open-loop HTTP/1.1 load generator for latency without coordinated omission.
//
// Request i is due at start + i / rate, whatever happened to the requests before it. Its latency is
// measured from that due time, not from when it was written: when the server stalls, the requests
// that should have gone out meanwhile wait in the client and that wait is charged to the server, as a
// real user arriving on schedule would see it (wrk2's and HdrHistogram's correction). A closed-loop
// client (wrk, or h2load --rps, which starts its clock when a request is submitted) instead stops
// sending while the server stalls and leaves the stall out of most samples.
//
// One thread, one epoll set, N keep-alive connections with one request in flight each (no
// pipelining). Bounded in count (rate * seconds requests) and in time (seconds + timeout).
// Prints one line: "OPENLOOP_JSON {...}" with the percentiles in microseconds; requests still unanswered
// or unsent when the run gives up count in them with their wait so far ("censored").
//
//   openloop --port P [--host 127.0.0.1] --rate R --seconds S [--connections N] [--path /]
//            [--body FILE] [--content-type T] [--timeout SECONDS]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { READ_CAPACITY = 1 << 16, MAX_REQUESTS = 20 * 1000 * 1000, SPIN_NS = 50 * 1000 };

typedef struct {
    int fd;
    int busy;              // a request is written (or being written) and its answer not yet read whole
    uint64_t due_ns;       // when the request in flight was due: its latency counts from here
    size_t written;        // bytes of the request written so far
    size_t have;           // bytes of the answer read so far
    char in[READ_CAPACITY];
} Connection;

static struct {
    const char *host, *path, *body_file, *content_type;
    int port, connections;
    double rate, seconds, timeout;
} opt = {"127.0.0.1", "/", NULL, "application/json", 0, 16, 0, 0, 5};

static char *request;
static size_t request_length;
static uint64_t *latencies;  // nanoseconds, one per completed 2xx-or-not answer
static uint64_t in_flight, completed, non2xx, read_errors, write_errors, connect_errors, idle_closes, max_backlog;

// Idle connections wait in a ring, oldest first: every connection keeps being used, so none sits idle
// long enough for the server's keep-alive timeout to close it under a steady rate.
static Connection **ring;
static int ring_head, ring_count, ring_capacity;

static void release(Connection *c) { ring[(ring_head + ring_count++) % ring_capacity] = c; }

static Connection *take(void) {
    Connection *c = ring[ring_head];
    ring_head = (ring_head + 1) % ring_capacity, ring_count--;
    return c;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void build_request(void) {
    char *body = NULL;
    size_t body_length = 0;
    if (opt.body_file) {
        FILE *f = fopen(opt.body_file, "rb");
        struct stat st;
        if (!f || fstat(fileno(f), &st) != 0) die(opt.body_file);
        body_length = (size_t)st.st_size;
        body = malloc(body_length + 1);
        if (fread(body, 1, body_length, f) != body_length) die("read body");
        fclose(f);
    }
    char head[1024];
    int n = body ? snprintf(head, sizeof head,
                            "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                            opt.path, opt.host, opt.port, opt.content_type, body_length)
                 : snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", opt.path, opt.host, opt.port);
    request_length = (size_t)n + body_length;
    request = malloc(request_length);
    memcpy(request, head, (size_t)n);
    if (body) memcpy(request + n, body, body_length);
    free(body);
}

static int open_connection(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    inet_pton(AF_INET, opt.host, &addr.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (fd >= 0) close(fd);
        connect_errors++;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static void watch(int epfd, Connection *c, int op, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, op, c->fd, &ev) != 0) die("epoll_ctl");
}

// A broken connection loses its request (counted by the caller) and is replaced by a fresh one.
static void reconnect(int epfd, Connection *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->busy = 0, c->have = 0, c->written = 0;
    c->fd = open_connection();
    if (c->fd < 0) die("reconnect");
    watch(epfd, c, EPOLL_CTL_ADD, EPOLLIN);
}

// Write what the socket takes; ask for EPOLLOUT only while a large body is still going out.
static void push(int epfd, Connection *c) {
    while (c->written < request_length) {
        ssize_t n = write(c->fd, request + c->written, request_length - c->written);
        if (n > 0) { c->written += (size_t)n; continue; }
        if (n < 0 && errno == EAGAIN) { watch(epfd, c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT); return; }
        write_errors++;  // the request is lost; its connection starts afresh
        reconnect(epfd, c);
        in_flight--;
        release(c);
        return;
    }
    watch(epfd, c, EPOLL_CTL_MOD, EPOLLIN);
}

// Length of a whole answer at the start of `in`, 0 while incomplete; sets *status. Answers carry
// Content-Length (every server measured here sends it); a chunked answer is not supported.
static size_t complete_answer(const char *in, size_t have, int *status) {
    const char *end = memmem(in, have, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - in) + 4;
    *status = (have > 12) ? atoi(in + 9) : 0;
    size_t body = 0;
    for (const char *line = memchr(in, '\n', head); line && line < end; line = memchr(line + 1, '\n', (size_t)(end - line))) {
        if (strncasecmp(line + 1, "content-length:", 15) == 0) body = strtoull(line + 16, NULL, 10);
    }
    return have >= head + body ? head + body : 0;
}

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double percentile_us(uint64_t n, double p) {
    if (n == 0) return 0;
    uint64_t i = (uint64_t)(p * (double)(n - 1) + 0.5);
    return (double)latencies[i] / 1000.0;
}

int main(int argc, char **argv) {
    static struct option options[] = {
        {"host", 1, 0, 'h'}, {"port", 1, 0, 'p'}, {"rate", 1, 0, 'r'}, {"seconds", 1, 0, 's'},
        {"connections", 1, 0, 'c'}, {"path", 1, 0, 'u'}, {"body", 1, 0, 'b'}, {"content-type", 1, 0, 't'},
        {"timeout", 1, 0, 'o'}, {0, 0, 0, 0}};
    for (int ch; (ch = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (ch) {
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 'r': opt.rate = atof(optarg); break;
        case 's': opt.seconds = atof(optarg); break;
        case 'c': opt.connections = atoi(optarg); break;
        case 'u': opt.path = optarg; break;
        case 'b': opt.body_file = optarg; break;
        case 't': opt.content_type = optarg; break;
        case 'o': opt.timeout = atof(optarg); break;
        default: return 2;
        }
    }
    uint64_t total = (uint64_t)(opt.rate * opt.seconds);
    if (opt.port <= 0 || opt.rate <= 0 || opt.seconds <= 0 || opt.connections <= 0 || total == 0 || total > MAX_REQUESTS) {
        fprintf(stderr, "usage: openloop --port P --rate R --seconds S [--connections N] [--path P] [--body FILE]\n"
                        "       (rate * seconds between 1 and %d requests)\n", MAX_REQUESTS);
        return 2;
    }
    prctl(PR_SET_TIMERSLACK, 1UL);  // wake on time: a late wake-up is charged to the server
    build_request();
    latencies = malloc(total * sizeof *latencies);
    int epfd = epoll_create1(0);
    Connection *conns = calloc((size_t)opt.connections, sizeof *conns);
    ring_capacity = opt.connections;
    ring = malloc((size_t)opt.connections * sizeof *ring);
    for (int i = 0; i < opt.connections; i++) {
        conns[i].fd = open_connection();
        if (conns[i].fd < 0) die("connect");
        watch(epfd, &conns[i], EPOLL_CTL_ADD, EPOLLIN);
        release(&conns[i]);
    }

    const double period_ns = 1e9 / opt.rate;
    const uint64_t start = now_ns() + 1000000;  // 1 ms from now
    const uint64_t give_up = start + (uint64_t)((opt.seconds + opt.timeout) * 1e9);
    uint64_t next = 0;
    struct epoll_event events[256];
    for (;;) {
        uint64_t now = now_ns();
        // Every request due by now goes out on an idle connection; the rest wait, their clock running.
        while (next < total && start + (uint64_t)((double)next * period_ns) <= now && ring_count > 0) {
            Connection *c = take();
            c->busy = 1, c->written = 0, c->have = 0;
            c->due_ns = start + (uint64_t)((double)next * period_ns);
            next++, in_flight++;
            push(epfd, c);
        }
        if (next < total) {
            uint64_t due = start + (uint64_t)((double)next * period_ns);
            if (due <= now && now - due > max_backlog) max_backlog = now - due;
        }
        if ((next == total && in_flight == 0) || now >= give_up) break;
        // Sleep until the next due time, or until an answer comes when every connection is busy. A due
        // time closer than SPIN_NS is polled for instead: at high rates a sleep and wake-up per request
        // would cost more than the request itself (the client's core is its own, so spinning is free).
        struct timespec wait = {0, 100 * 1000000};
        if (next < total && ring_count > 0) {
            uint64_t due = start + (uint64_t)((double)next * period_ns);
            uint64_t delta = due > now ? due - now : 0;
            if (delta < SPIN_NS) delta = 0;
            wait.tv_sec = (time_t)(delta / 1000000000u), wait.tv_nsec = (long)(delta % 1000000000u);
        }
        int n = epoll_pwait2(epfd, events, 256, &wait, NULL);
        if (n < 0 && errno != EINTR) die("epoll_pwait2");
        for (int i = 0; i < n; i++) {
            Connection *c = events[i].data.ptr;
            if ((events[i].events & EPOLLOUT) && c->busy && c->written < request_length) push(epfd, c);
            if (!(events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
            ssize_t got = read(c->fd, c->in + c->have, READ_CAPACITY - c->have);
            if (got < 0 && errno == EAGAIN) continue;
            if (got <= 0 && !c->busy) {  // the server closed an idle connection (its keep-alive timeout)
                idle_closes++;
                reconnect(epfd, c);  // still in the ring: the fresh socket takes its place
                continue;
            }
            if (got <= 0 || !c->busy) {  // closed or failed mid-request, or bytes nobody asked for
                read_errors++;
                int was_busy = c->busy;
                reconnect(epfd, c);
                if (was_busy) in_flight--, release(c);
                continue;
            }
            c->have += (size_t)got;
            int status = 0;
            size_t length = complete_answer(c->in, c->have, &status);
            if (length == 0) {
                if (c->have == READ_CAPACITY) { read_errors++; in_flight--; reconnect(epfd, c); release(c); }
                continue;
            }
            latencies[completed++] = now_ns() - c->due_ns;
            if (status < 200 || status > 299) non2xx++;
            c->busy = 0, c->have = 0;
            in_flight--;
            release(c);
        }
    }
    uint64_t end = now_ns();
    double elapsed = (double)(end - start) / 1e9;
    // Requests the run gave up on (unanswered, or never sent because every connection stayed busy) had
    // waited at least until now: they enter the percentiles with that wait, so a server that stops
    // answering cannot look fast by leaving only its quick answers behind.
    uint64_t samples = completed;
    for (int i = 0; i < opt.connections; i++)
        if (conns[i].busy) latencies[samples++] = end - conns[i].due_ns;
    for (uint64_t i = next; i < total; i++) {
        uint64_t due = start + (uint64_t)((double)i * period_ns);
        latencies[samples++] = end > due ? end - due : 0;
    }
    qsort(latencies, samples, sizeof *latencies, compare);
    printf("OPENLOOP_JSON {\"scheduled\": %llu, \"sent\": %llu, \"completed\": %llu, \"unfinished\": %llu, "
           "\"seconds\": %.6f, \"rate\": %.3f, \"connections\": %d, \"non2xx\": %llu, \"read_errors\": %llu, "
           "\"write_errors\": %llu, \"connect_errors\": %llu, \"idle_closes\": %llu, \"max_backlog_us\": %.1f, "
           "\"censored\": %llu, \"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.1f}\n",
           (unsigned long long)total, (unsigned long long)next, (unsigned long long)completed,
           (unsigned long long)in_flight, elapsed, opt.rate, opt.connections, (unsigned long long)non2xx,
           (unsigned long long)read_errors, (unsigned long long)write_errors, (unsigned long long)connect_errors,
           (unsigned long long)idle_closes,
           (double)max_backlog / 1000.0, (unsigned long long)(samples - completed), percentile_us(samples, 0.50),
           percentile_us(samples, 0.90), percentile_us(samples, 0.99), percentile_us(samples, 0.999),
           samples ? (double)latencies[samples - 1] / 1000.0 : 0.0);
    return 0;
}
