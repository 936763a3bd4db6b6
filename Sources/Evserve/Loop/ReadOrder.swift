/// The order in which a worker reads the connections that became readable in one loop iteration
/// (`Worker.serveReadable`): the order their requests arrived, all of them in one pass, however many.
///
/// Stops 17 to 33 read a backlog (more than 1024 at once, at 10 000 connections) in rounds of 128,
/// each handed off and answered before the next was read, its newest quarter first: on the Zen 4 of
/// stop 17 that kept more requests within Linux's 40 ms delayed-ACK time (3.21 TCP segments a request
/// at 83k requests/s, against 3.93 at 73k in one pass). On the Zen 3 of stop 34, `make
/// bench-concurrency`'s load (10 000 connections, 20 s rounds, the builds and nginx taking turns, six
/// rounds each over two sittings) put every build in the many-segments state alike (3.7-4.0 a
/// request), and the rounds only reordered who waited: p99 333-451 ms with them (median 383), 268-305
/// in one pass (median 279), nginx's static 200 257-323 (median 268), at the same requests/s (medians
/// 38.7k with rounds, 38.8k in one pass, nginx 41.3k). Rounds in arrival order, without the newest
/// quarter first, measured between the two (p99 309-443).
enum ReadOrder {
    /// Calls `read` with the index of each of `count` readable connections, indexed as libev called
    /// their watchers (last reported first: index 0 is the newest), oldest first.
    @inline(__always)
    static func visit(count: Int, read: (Int) -> Void) {
        var index = count
        while index > 0 {
            index -= 1
            read(index)
        }
    }
}
