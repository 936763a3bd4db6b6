/// The order in which a worker reads the connections that became readable in one loop iteration,
/// and where it stops to answer what it has read (`Worker.serveReadable`).
///
/// Usually (up to `backlog` connections) they are read in one pass, in the order their requests
/// arrived. A larger set is a backlog: at 10 000 connections one iteration can find thousands,
/// and reading them all before the first answer left kept each request in the server for tens of
/// milliseconds. Linux acknowledges a request on its own segment if no answer has left within its
/// delayed-ACK time (40 ms at least), and such a socket then also leaves its ping-pong mode and
/// acknowledges its next request at once as it is read: two segments more for the request and the
/// next one, and the kernel time of both sides with them. So a backlog is read in rounds of `round`
/// connections, each round's requests handed off and any answers already back sent before the next
/// round is read. And the newest share of it (`1 / newestShare`) is read first: those requests
/// arrived during the last iteration and can still be answered within their 40 ms, where the oldest
/// already waited past it. The rest follow in arrival order, each later by the time the newest
/// share takes to read.
///
/// Measured at 10 000 connections (`make bench-concurrency`'s load, 15 s runs, the builds taking
/// turns; medians; TCP segments a request, both sides): one pass 3.93 at 73k requests/s; rounds in
/// arrival order 3.35 at 78k, but bistable (some runs stayed near 3.6, nearly every request waiting
/// past 40 ms); in a later sitting this rule 3.21 at 83k, nginx 3.11 at 86k. Reading the newest
/// share first is what gets most runs out of the slow state (not every run: nginx's too can stay
/// in it); reading newest first throughout did as well, with a longer tail (p99 132-166 ms against
/// nginx's 120-131 in the same sittings).
/// `make bench-tcp-waits` shows the waits from the packets.
enum ReadOrder {
    /// More readable connections than this in one iteration are read in rounds, newest share first.
    static let backlog = 1024
    /// Connections read between two hand-offs while working through a backlog.
    static let round = 128
    /// The newest `count / newestShare` connections of a backlog are read first.
    static let newestShare = 4

    /// Calls `read` with the index of each of `count` readable connections, indexed as libev called
    /// their watchers (last reported first: index 0 is the newest), in the order described above;
    /// in a backlog, calls `endOfRound` after every `round` reads except the last.
    @inline(__always)
    static func visit(count: Int, read: (Int) -> Void, endOfRound: () -> Void) {
        guard count > backlog else {
            var index = count
            while index > 0 {
                index -= 1
                read(index)
            }
            return
        }
        let newest = count / newestShare
        var readInRound = 0
        var left = count
        func step(_ index: Int) {
            read(index)
            left -= 1
            readInRound += 1
            if readInRound == round, left > 0 {
                readInRound = 0
                endOfRound()
            }
        }
        // The newest share, oldest of them first, then the rest, oldest first.
        var index = newest
        while index > 0 {
            index -= 1
            step(index)
        }
        index = count
        while index > newest {
            index -= 1
            step(index)
        }
    }
}
