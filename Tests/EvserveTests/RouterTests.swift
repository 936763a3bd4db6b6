import Testing
@testable import Evserve

/// Routing by exact path and method, FastAPI-style 404/405.
@Suite struct RouterTests {
    private func request(_ method: HTTPMethod, _ target: String) -> HTTPRequest {
        HTTPRequest(method: method, target: target, versionMajor: 1, versionMinor: 1, contentType: nil, body: [], keepAlive: true)
    }

    private func status(_ outcome: RouteOutcome) -> Int? {
        if case .respond(let response) = outcome { return response.status }
        return nil
    }

    /// The matching handler answers; the query string does not take part in matching.
    @Test func matchesPathAndMethod() {
        var router = Router()
        router.add(.get, "/a") { _ in .respond(.json("1", status: 201)) }
        let (route, outcome) = router.route(request(.get, "/a?x=y"))
        #expect(route == "/a")
        #expect(status(outcome) == 201)
    }

    /// HEAD uses the GET handler; other methods on a known path are 405; unknown paths 404.
    @Test func headFallsBackToGetAndMissesAreErrors() {
        var router = Router()
        router.add(.get, "/a") { _ in .respond(.json("1", status: 201)) }
        router.add(.post, "/a") { _ in .respond(.json("1", status: 202)) }
        #expect(status(router.route(request(.head, "/a")).outcome) == 201)
        #expect(status(router.route(request(.put, "/a")).outcome) == 405)
        let (route, missing) = router.route(request(.get, "/b"))
        #expect(route == Router.unmatched)
        #expect(status(missing) == 404)
    }
}
