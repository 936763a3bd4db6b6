import Logging
import Testing
@testable import Evserve

/// Triton's repository API's bodies: what the index, load and unload requests accept.
@Suite struct V2RepositoryRoutesTests {
    private func index(body: String) throws -> HTTPResponse {
        let repository = TemporaryRepository()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let updater = ModelUpdater(source: .repository(ModelRepository(directory: repository.path)), store: ModelStore(),
                                   metrics: MetricsRegistry(), logger: logger)
        let route = try #require(V2RepositoryRoutes(updater: updater, explicitControl: true).table.first { $0.path == "/v2/repository/index" })
        let request = HTTPRequest(method: .post, target: "/v2/repository/index", versionMajor: 1, versionMinor: 1,
                                  contentType: "application/json", body: Array(body.utf8), keepAlive: true)
        guard case .offload(let job) = route.handler(request, .empty) else { throw IndexAnsweredInline() }
        return job()
    }

    private struct IndexAnsweredInline: Error {}

    /// `ready` is optional, and when given it is true or false: a null is refused with 400, as the
    /// protocol's `$boolean` and Triton's server have it (schemathesis found it accepted).
    @Test(arguments: [("{}", 200), (#"{"ready": true}"#, 200), (#"{"ready": false}"#, 200),
                      (#"{"ready": null}"#, 400), (#"{"ready": 1}"#, 400)])
    func readyIsTrueOrFalse(body: String, status: Int) throws {
        #expect(try index(body: body).status == status)
    }
}
