/// Limits and timeouts of a running server. Defaults follow uvicorn where it has the same knob.
struct ServerConfiguration: Sendable {
    var host = "127.0.0.1"
    var port = 8000
    /// Event loops (threads) serving the port.
    var workers = 1
    var backlog: Int32 = 2048
    /// Largest request body accepted; larger ones get 413 (from Content-Length, before reading).
    var maxBodySize = 1 << 20
    /// Largest request head (request line + headers); larger ones get 431.
    var maxHeadSize = 16 * 1024
    /// A request must arrive completely within this many seconds of its first byte (else 408).
    var requestTimeout = 10.0
    /// A response must make progress (the client takes some of its bytes) within this many seconds,
    /// else the connection closes. `--request-timeout` sets both this and `requestTimeout`.
    var writeTimeout = 10.0
    /// An idle keep-alive connection is closed after this many seconds.
    var keepAliveTimeout = 5.0
    /// After SIGTERM, in-flight requests get this long to finish.
    var gracefulTimeout = 30.0
    /// After the last response of a closing connection, unread input is drained this long.
    var lingerTimeout = 2.0
    /// Beyond this many open connections, new ones wait in the listen backlog.
    var maxConnections = 10_000
    /// A connection with this many responses owed stops being read until some are sent.
    var maxPipelinedRequests = 64
    /// A connection with this many bytes unsent stops being read until the client catches up.
    var maxUnsentBytes = 256 * 1024
    var accessLog = false
    /// Watch SIGINT/SIGTERM (the real process); tests that run servers in-process turn this off.
    var handleSignals = true
}
