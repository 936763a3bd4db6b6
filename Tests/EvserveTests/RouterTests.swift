import Testing
@testable import Evserve
import TestSupport

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

/// Path templates: `{parameter}` segments, their values handed to the handler, the template as the
/// route label, exact paths first.
@Suite struct RouterTemplateTests {
    private func request(_ method: HTTPMethod, _ target: String) -> HTTPRequest {
        HTTPRequest(method: method, target: target, versionMajor: 1, versionMinor: 1, contentType: nil, body: [], keepAlive: true)
    }

    /// A handler that answers with its parameters joined, so a test can read what it was given.
    private func echo(_ status: Int) -> Route.ParameterizedHandler {
        { _, parameters in
            let text = ["name", "version"].map { parameters[$0] ?? "-" }.joined(separator: "|")
            return .respond(.json(text, status: status))
        }
    }

    private func answer(_ outcome: RouteOutcome) -> (status: Int, body: String)? {
        if case .respond(let response) = outcome { return (response.status, String(decoding: response.body, as: UTF8.self)) }
        return nil
    }

    private var v2: Router {
        Router([
            Route(.get, "/v2/models/{name}", parameterized: echo(200)),
            Route(.get, "/v2/models/{name}/versions/{version}", parameterized: echo(201)),
            Route(.post, "/v2/models/{name}/infer", parameterized: echo(202)),
            Route(.post, "/v2/models/{name}/versions/{version}/infer", parameterized: echo(203)),
            Route(.get, "/v2/models/{name}/ready", parameterized: echo(204)),
        ])
    }

    /// Each parameter takes one segment; the label is the template, not the path sent.
    @Test func parametersAreHandedToTheHandler() {
        let (route, outcome) = v2.route(request(.post, "/v2/models/boston/versions/3/infer?x=1"))
        #expect(route == "/v2/models/{name}/versions/{version}/infer")
        #expect(answer(outcome)?.status == 203)
        #expect(answer(outcome)?.body == "boston|3")
        #expect(answer(v2.route(request(.get, "/v2/models/boston")).outcome)?.body == "boston|-")
    }

    /// Templates of different lengths never shadow each other, and a model may be called like a
    /// literal segment of another template.
    @Test func segmentCountsSelectTheTemplate() {
        #expect(answer(v2.route(request(.get, "/v2/models/versions/ready")).outcome)?.body == "versions|-")
        #expect(answer(v2.route(request(.get, "/v2/models/ready")).outcome)?.body == "ready|-")
        #expect(answer(v2.route(request(.get, "/v2/models/a/versions/1")).outcome)?.status == 201)
    }

    /// An empty segment, an extra segment or a trailing slash matches nothing: 404, label `unmatched`.
    @Test func pathsThatDoNotFitAre404() {
        for target in ["/v2/models/", "/v2/models//infer", "/v2/models/a/infer/", "/v2/models/a/b/c/d/e/f", "/v2/model/a", "*"] {
            let (route, outcome) = v2.route(request(.get, target))
            #expect(route == Router.unmatched, "\(target)")
            #expect(answer(outcome)?.status == 404, "\(target)")
        }
    }

    /// A fitting template without the method is 405 with `Allow`, labelled with the template; HEAD uses GET.
    @Test func methodsOnTemplates() {
        let (route, outcome) = v2.route(request(.get, "/v2/models/a/infer"))
        #expect(route == "/v2/models/{name}/infer")
        guard case .respond(let response) = outcome else { Issue.record("expected a response"); return }
        #expect(response.status == 405)
        #expect(response.extraHeaders.map(\.value) == ["POST"])
        #expect(answer(v2.route(request(.head, "/v2/models/a/ready")).outcome)?.status == 204)
    }

    /// Where several templates fit, the first declared with the method answers, even when an earlier
    /// one fits without it; with none having the method, the first that fits labels the 405.
    @Test func theFirstFittingTemplateWithTheMethodAnswers() {
        let router = Router([
            Route(.get, "/m/{name}/x", parameterized: echo(200)),
            Route(.post, "/m/{version}/{name}", parameterized: echo(201)),
        ])
        let (route, outcome) = router.route(request(.post, "/m/1/x"))
        #expect(route == "/m/{version}/{name}")
        #expect(answer(outcome)?.status == 201)
        #expect(answer(outcome)?.body == "x|1")
        #expect(answer(router.route(request(.get, "/m/1/x")).outcome)?.body == "1|-")
        let (label, refused) = router.route(request(.put, "/m/1/x"))
        #expect(label == "/m/{name}/x")
        guard case .respond(let response) = refused else { Issue.record("expected a response"); return }
        #expect(response.status == 405)
        #expect(response.extraHeaders.map(\.value) == ["GET"])
    }

    /// Random paths, routed by the router and by a plain reading of the rules above (split the
    /// path at every `/`; a literal equal, a parameter non-empty, `%2F` a slash inside a value), give
    /// the same label, status and parameters: the matcher walks the path's bytes through unsafe
    /// buffers, and this checks it where examples do not reach.
    @Test func randomPathsRouteAsTheRulesSay() {
        let routes: [(HTTPMethod, String, Int)] = [
            (.get, "/v2/models/{name}", 200), (.get, "/v2/models/{name}/versions/{version}", 201),
            (.post, "/v2/models/{name}/infer", 202), (.post, "/v2/models/{name}/versions/{version}/infer", 203),
            (.get, "/v2/models/{name}/ready", 204), (.post, "/v2/repository/models/{name}/load", 205),
            (.get, "/{name}/{version}", 206),
        ]
        let router = Router(routes.map { Route($0.0, $0.1, parameterized: echo($0.2)) })
        let pieces = ["v2", "models", "versions", "infer", "ready", "repository", "load", "a", "1", "", "x%2Fy", "%2f",
                      "v", "v22", "modelz", "é"]
        var g = SeededGenerator(seed: 7)
        // One memo for all, as a worker keeps it; a third of the paths repeat the one before, with
        // either method, so that the memo's answer is checked as well as a fresh match.
        var memo = Router.TemplateMemo()
        var path = "/"
        for _ in 0..<5000 {
            if Int.random(in: 0..<3, using: &g) > 0 {
                let segments = (0..<Int.random(in: 0...7, using: &g)).map { _ in pieces.randomElement(using: &g)! }
                path = (Int.random(in: 0..<20, using: &g) == 0 ? "" : "/") + segments.joined(separator: "/")
            }
            let method: HTTPMethod = Bool.random(using: &g) ? .get : .post
            let (label, outcome) = router.route(request(method, path), memo: &memo)
            // The rules, read plainly.
            let parts = path.hasPrefix("/") ? path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) : []
            let fitting = routes.indices.filter { r in
                let template = routes[r].1.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
                return path.hasPrefix("/") && template.count == parts.count && zip(template, parts).allSatisfy { t, p in
                    t.hasPrefix("{") ? !p.isEmpty : t == p
                }
            }
            func parameters(_ r: Int) -> String {
                let template = routes[r].1.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
                func value(_ name: String) -> String {
                    guard let k = template.firstIndex(of: "{\(name)}"[...]) else { return "-" }
                    var decoded = "", rest = parts[k]
                    while let first = rest.first {
                        if rest.hasPrefix("%2F") || rest.hasPrefix("%2f") {
                            decoded += "/"
                            rest = rest.dropFirst(3)
                        } else {
                            decoded.append(first)
                            rest = rest.dropFirst()
                        }
                    }
                    return decoded
                }
                return value("name") + "|" + value("version")
            }
            if let r = fitting.first(where: { routes[$0].0 == method }) {
                #expect(label == routes[r].1, "\(path)")
                #expect(answer(outcome)?.status == routes[r].2, "\(path)")
                #expect(answer(outcome)?.body == parameters(r), "\(path)")
            } else if let r = fitting.first {
                #expect(label == routes[r].1, "\(path)")
                #expect(answer(outcome)?.status == 405, "\(path)")
            } else {
                #expect(label == Router.unmatched, "\(path)")
                #expect(answer(outcome)?.status == 404, "\(path)")
            }
        }
    }

    /// An encoded slash stays inside its segment and is a slash in the value.
    @Test func encodedSlashStaysInOneParameter() {
        #expect(answer(v2.route(request(.get, "/v2/models/team%2Fboston/ready")).outcome)?.body == "team/boston|-")
        #expect(answer(v2.route(request(.get, "/v2/models/a%2fb")).outcome)?.body == "a/b|-")
    }

    /// An exact route wins over a template that also fits, and keeps its own label.
    @Test func exactPathsComeFirst() {
        var router = v2
        router.add(Route(.get, "/v2/models/special") { _ in .respond(.json("exact", status: 299)) })
        let (route, outcome) = router.route(request(.get, "/v2/models/special"))
        #expect(route == "/v2/models/special")
        #expect(answer(outcome)?.status == 299)
        #expect(answer(router.route(request(.get, "/v2/models/other")).outcome)?.status == 200)
    }

    /// The labels are the declared paths and templates, each once, in order.
    @Test func labelsAreTheTemplates() {
        var router = v2
        router.add(Route(.post, "/v2/models/{name}/ready", parameterized: echo(200)))
        #expect(router.paths == ["/v2/models/{name}", "/v2/models/{name}/versions/{version}", "/v2/models/{name}/infer",
                                 "/v2/models/{name}/versions/{version}/infer", "/v2/models/{name}/ready"])
    }

    /// OpenAPI gets each template parameter as a required path parameter; exact routes get none.
    @Test func documentationDeclaresPathParameters() {
        let templated = Route(.get, "/v2/models/{name}/versions/{version}", operation: ["summary": "x"], parameterized: echo(200))
        let parameters = templated.documentation?.operation["parameters"]?.arrayValue ?? []
        #expect(parameters.compactMap { $0["name"]?.stringValue } == ["name", "version"])
        #expect(parameters.allSatisfy { $0["in"] == "path" && $0["required"] == true })
        let exact = Route(.get, "/v2", operation: ["summary": "x"]) { _ in .respond(.json("1")) }
        #expect(exact.documentation?.operation["parameters"] == nil)
    }
}
