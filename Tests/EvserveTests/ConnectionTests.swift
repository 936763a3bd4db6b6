import Dispatch
import Glibc
import Synchronization
import Testing
@testable import Evserve

/// Live behaviour of one connection: a real server on a loopback port, a real client socket.
@Suite("Connection (live)")
struct ConnectionTests {
    /// One keep-alive connection carries 1000 requests in a row, each answered 200.
    @Test func thousandRequestsOnOneKeepAliveConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        for _ in 0..<1000 {
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == #""index""#)
        }
    }

    /// 100 requests written at once, mixing slow and instant jobs, come back strictly in request order.
    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        var batch = ""
        for i in 0..<100 {
            // Every 7th request is slow, so later jobs finish first.
            let ms = i % 7 == 0 ? 30 : 0
            batch += "GET /job?ms=\(ms)&id=\(i) HTTP/1.1\r\nHost: t\r\n\r\n"
        }
        try client.send(batch)
        for i in 0..<100 {
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "\"\(i)\"")
        }
    }

    /// Inline answers queued behind a slow job wait for it: order holds across both kinds of route.
    @Test func inlineResponseWaitsBehindEarlierJob() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET /job?ms=100&id=slow HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == #""slow""#)
        #expect(try client.readResponse().text == #""index""#)
    }

    /// A chunked request body is decoded and delivered whole.
    @Test func chunkedBodyIsDecoded() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "hello world")
    }

    /// `Expect: 100-continue` gets `100 Continue` before the client sends the body, then the answer.
    @Test func expectContinueIsAnsweredBeforeTheBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("body")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "body")
    }

    /// HEAD is answered like GET, with Content-Length but without a body.
    @Test func headHasNoBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(head: true)
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "7")
        #expect(head.body.isEmpty)
        // The next response starts right after the head: no stray body bytes were sent.
        #expect(try client.readResponse().text == #""index""#)
    }

    /// Every response carries Content-Length, Date, Server and Content-Type.
    @Test func responsesCarryStandardHeaders() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.headers["server"] == "evserve")
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.headers["content-length"] == String(response.body.count))
        #expect(response.headers["date"]?.hasSuffix(" GMT") == true)
    }

    /// Unknown paths get FastAPI's 404 body; the connection stays usable.
    @Test func unknownPathIs404() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 404)
        #expect(response.text == #"{"detail":"Not Found"}"#)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    /// A known path with the wrong method gets 405 with FastAPI's body and an Allow header.
    @Test func wrongMethodIs405WithAllow() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("DELETE / HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 405)
        #expect(response.text == #"{"detail":"Method Not Allowed"}"#)
        #expect(response.headers["allow"] == "GET")
    }

    /// Bytes that are not HTTP get 400 and the connection is closed.
    @Test func malformedRequestIs400ThenClose() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("NOT HTTP AT ALL\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.headers["connection"] == "close")
        #expect(response.text.contains("detail"))
        #expect(try client.waitsForClose())
    }

    /// A body declared larger than --max-body-size gets 413 before any of it is sent, then close.
    @Test func oversizedBodyIs413WithoutReadingIt() throws {
        let server = try TestServer { $0.maxBodySize = 1000 }
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.text.contains("1000"))
        #expect(try client.waitsForClose())
    }

    /// A chunked body that grows past the limit is cut off with 413 too.
    @Test func oversizedChunkedBodyIs413() throws {
        let server = try TestServer { $0.maxBodySize = 10 }
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
        #expect(try client.readResponse().status == 413)
    }

    /// A request head over 16 KiB gets 431, then close.
    @Test func oversizedHeadIs431() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + String(repeating: "a", count: 17 * 1024) + "\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 431)
        #expect(try client.waitsForClose())
    }

    /// A transfer coding other than chunked gets 501.
    @Test func unsupportedTransferEncodingIs501() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        #expect(try client.readResponse().status == 501)
    }

    /// A client trickling its head slower than --request-timeout (slowloris) gets 408, then close:
    /// the deadline runs from the first byte, and a steady trickle does not extend it.
    @Test func slowlorisGets408() throws {
        let server = try TestServer { $0.requestTimeout = 0.3 }
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n")
        // One header line whenever 50 ms pass without an answer: if activity extended the
        // deadline, the answer would never come and the loop's deadline would end the test.
        var lines = 0
        try waitUntil("408 for a head still arriving") {
            if client.waitForInput(timeout: 0.05) { return true }
            lines += 1
            try client.send("X-Line-\(lines): 1\r\n")
            return false
        }
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(try client.waitsForClose())
    }

    /// An idle keep-alive connection is closed silently after --keep-alive-timeout.
    @Test func idleConnectionIsClosedSilently() throws {
        let server = try TestServer { $0.keepAliveTimeout = 0.2 }
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(try client.waitsForClose())
    }

    /// `Connection: close` is honoured: answer, then close. HTTP/1.0 closes unless keep-alive is asked for.
    @Test func connectionCloseAndHTTP10() throws {
        let server = try TestServer()
        defer { server.stop() }
        let closing = try TestClient(port: server.port)
        try closing.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(try closing.readResponse().headers["connection"] == "close")
        #expect(try closing.waitsForClose())

        let old = try TestClient(port: server.port)
        try old.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try old.readResponse().headers["connection"] == "keep-alive")
        try old.send("GET / HTTP/1.0\r\n\r\n")
        #expect(try old.readResponse().status == 200)
        #expect(try old.waitsForClose())
    }

    /// A client that disconnects while its job runs does not disturb the server: the job ends, its
    /// answer goes nowhere, the connection is closed, and the next client is served.
    @Test func disconnectDuringJobIsHarmless() throws {
        let counts = CountingObserver()
        let server = try TestServer(observer: counts)
        defer { server.stop() }
        do {
            let leaving = try TestClient(port: server.port)
            try leaving.send("GET /job?ms=100&id=gone HTTP/1.1\r\nHost: t\r\n\r\n")
            try waitUntil("the server has read the request") { counts.started.load(ordering: .relaxed) == 1 }
        }  // closed here, while the job sleeps
        try waitUntil("the job has ended and its connection is closed") {
            counts.inFlight.load(ordering: .relaxed) == 0 && counts.open.load(ordering: .relaxed) == 0
        }
        let client = try TestClient(port: server.port)
        try client.send("GET /job?id=next HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == #""next""#)
    }

    /// A client that pipelines requests without reading the answers is held back: once the answers
    /// it owes pass --max-unsent-bytes the server stops reading it, so what the server holds for it
    /// stays bounded; another client is served meanwhile; and once the greedy client reads, every
    /// answer arrives, in request order.
    @Test func greedyClientDoesNotStallOthers() throws {
        let counts = CountingObserver()
        let maxUnsentBytes = 64 * 1024
        let server = try TestServer(configure: {
            $0.maxUnsentBytes = maxUnsentBytes
            $0.requestTimeout = 60  // also the write timeout; this client is slow to read on purpose
        }, observer: counts)
        defer { server.stop() }
        // Small kernel buffers on both ends of the answers' path, so the kernel cannot soak up the
        // test's 6 MB of answers (by default it takes up to net.ipv4.tcp_wmem's 4 MiB): the server's
        // own limit must be what holds the client back.
        let greedy = try TestClient(port: server.port, timeout: 30, receiveBufferSize: 64 * 1024)
        var serverFD: Int32 = -1
        try waitUntil("the server to accept the greedy client") {
            serverFD = serverEnd(of: greedy, serverPort: server.port) ?? -1
            return serverFD >= 0
        }
        var serverSendBuffer: Int32 = 64 * 1024
        setsockopt(serverFD, SOL_SOCKET, SO_SNDBUF, &serverSendBuffer, socklen_t(MemoryLayout<Int32>.size))

        let count = 100
        let bodies = (0..<count).map { i in "#\(i)#".paddedBytes(to: 60_000) }
        let requests = bodies.map { Array("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \($0.count)\r\n\r\n".utf8) + $0 }
        let requestSize = requests[0].count
        let writer = WriterOutcome()
        DispatchQueue.global().async {
            do { for request in requests { try greedy.send(request) } } catch { writer.failure.withLock { $0 = "\(error)" } }
            writer.done.signal()
        }

        // Held back: bytes wait in the kernel for the server, and nothing moves for 100 ms. A server
        // that read without bound would leave nothing waiting, so this wait would time out.
        var held = GreedySnapshot(greedy, serverFD, counts)
        var unchangedSince = monotonicNow()
        try waitUntil("the server to stop reading the greedy client", timeout: 20) {
            let now = GreedySnapshot(greedy, serverFD, counts)
            if now != held {
                held = now
                unchangedSince = monotonicNow()
                return false
            }
            return now.server.unread > 0 && monotonicNow() - unchangedSince >= 0.1
        }
        #expect(held.parsed < count)

        let polite = try TestClient(port: server.port)
        try polite.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try polite.readResponse().status == 200)

        var firstWrong: Int?
        for i in 0..<count {
            let response = try greedy.readResponse()
            if firstWrong == nil && (response.status != 200 || response.body != bodies[i]) { firstWrong = i }
        }
        #expect(firstWrong == nil, "answer \(firstWrong ?? -1) is not the echo of request \(firstWrong ?? -1)")
        #expect(writer.done.wait(timeout: .now() + 30) == .success)
        #expect(writer.failure.withLock { $0 } == nil)

        // What the server held in its own memory while holding the client back, from what was sent
        // and what sat in the kernel's queues. Every answer is equally long (the Date header too).
        let responseSize = greedy.receivedBytes / count
        let readByServer = held.sent - held.client.unsent - held.server.unread
        let writtenByServer = held.client.unread + held.server.unsent
        let heldInput = readByServer - held.parsed * requestSize
        let heldOutput = held.parsed * responseSize - writtenByServer
        // The server checks its limits before each request it parses, and one read (64 KiB) ends
        // at most two of these requests: so at most two answers past the limit, and one read plus
        // a part-read request of input.
        #expect(heldOutput <= maxUnsentBytes + 2 * responseSize, "answers held: \(heldOutput) bytes")
        #expect(heldInput <= 64 * 1024 + requestSize, "requests held: \(heldInput) bytes")
    }
}

/// What the greedy-client test watches: bytes sent, requests the server parsed, and the kernel's
/// queues on both ends of the connection.
private struct GreedySnapshot: Equatable {
    var sent: Int
    var parsed: Int
    var client: KernelQueues
    var server: KernelQueues

    init(_ client: TestClient, _ serverFD: Int32, _ counts: CountingObserver) {
        sent = client.sentBytes.load(ordering: .relaxed)
        parsed = counts.started.load(ordering: .relaxed)
        self.client = KernelQueues(fd: client.fd)
        server = KernelQueues(fd: serverFD)
    }
}

/// How a writer on another thread ended.
private final class WriterOutcome: Sendable {
    let failure = Mutex<String?>(nil)
    let done = DispatchSemaphore(value: 0)
}

private extension String {
    /// UTF-8 bytes of `self` followed by "x" up to `length` bytes.
    func paddedBytes(to length: Int) -> [UInt8] {
        Array(utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: length - utf8.count)
    }
}
