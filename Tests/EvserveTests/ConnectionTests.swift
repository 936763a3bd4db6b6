import Dispatch
import Glibc
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

    /// A client trickling its head slower than --request-timeout (slowloris) gets 408, then close.
    @Test func slowlorisGets408() throws {
        let server = try TestServer { $0.requestTimeout = 0.3 }
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n")
        usleep(150_000)
        try client.send("X-One: 1\r\n")  // activity must not extend the deadline
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

    /// A client that disconnects while its job runs does not disturb the server: the result is
    /// dropped and the next client is served.
    @Test func disconnectDuringJobIsHarmless() throws {
        let server = try TestServer()
        defer { server.stop() }
        do {
            let leaving = try TestClient(port: server.port)
            try leaving.send("GET /job?ms=100&id=gone HTTP/1.1\r\nHost: t\r\n\r\n")
        }  // closed here, while the job sleeps
        usleep(200_000)
        let client = try TestClient(port: server.port)
        try client.send("GET /job?id=next HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == #""next""#)
    }

    /// A client that stops reading gets its responses held back, and the server stops reading its
    /// requests (back-pressure) instead of buffering without bound; others are still served.
    @Test func greedyClientDoesNotStallOthers() throws {
        let server = try TestServer { $0.maxUnsentBytes = 64 * 1024 }
        defer { server.stop() }
        let greedy = try TestClient(port: server.port)
        let body = String(repeating: "x", count: 60_000)
        let request = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        // Push requests without reading replies until the socket buffers fill up.
        let writer = DispatchQueue(label: "greedy")
        writer.async { for _ in 0..<200 { if (try? greedy.send(request)) == nil { break } } }
        usleep(300_000)
        let polite = try TestClient(port: server.port)
        try polite.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try polite.readResponse().status == 200)
        // The greedy client still gets its replies, in order, once it reads.
        let first = try greedy.readResponse()
        #expect(first.status == 200)
        #expect(first.body.count == 60_000)
        shutdown(greedy.fd, Int32(SHUT_RDWR))
    }
}
