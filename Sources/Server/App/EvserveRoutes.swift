/// evserve's routes: what each path answers, and which work leaves the loop.
struct EvserveRoutes: Sendable {
    var estimatorName = "GradientBoostingRegressor"

    func router() -> Router {
        var router = Router()
        let index = HTTPResponse.json(JSONText.string("Serving a \(estimatorName) model using evserve."))
        router.add(.get, "/") { _ in .respond(index) }
        let healthy = HTTPResponse.json(#"{"status":"ok"}"#)
        router.add(.get, "/healthz") { _ in .respond(healthy) }
        return router
    }
}
