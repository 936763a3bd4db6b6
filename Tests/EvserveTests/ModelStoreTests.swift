import Glibc
import Logging
import Testing
import Inference
@testable import Evserve

/// A one-stump model whose every prediction is `base` ± 0.1 (feature 1 below or above 0.5).
func stumpModelFile(base: Double) -> [UInt8] {
    Array("""
    {"format": "evserve.trees", "version": 1, "estimator": "GradientBoostingRegressor", "n_features": 2,
     "init": \(base), "learning_rate": 0.1, "trees": [{"children_left": [1, -1, -1], "children_right": [2, -1, -1],
     "feature": [1, -2, -2], "threshold": [0.5, -2.0, -2.0], "value": [0.0, -1.0, 1.0]}]}
    """.utf8)
}

func stumpModel(base: Double) throws -> TreeModel { try TreeModel(modelFile: stumpModelFile(base: base)) }

/// The model store: lookups by name and version, and replacing a model while requests hold the old one.
@Suite struct ModelStoreTests {
    static func served(_ name: String, _ version: Int, base: Double) throws -> ServedModel {
        ServedModel(name: name, version: version, model: try stumpModel(base: base))
    }

    /// Without a version the highest loaded version answers; a version may be named.
    @Test func highestLoadedVersionAnswers() throws {
        let store = ModelStore(defaultModelName: "m")
        store.replace("m", with: [1: ModelVersionState(served: try Self.served("m", 1, base: 1)),
                                  3: ModelVersionState(served: try Self.served("m", 3, base: 3)),
                                  4: ModelVersionState(reason: "broken file")])
        #expect(try store.resolve(name: "m", version: nil).get().version == 3)
        #expect(try store.resolve(name: "m", version: "1").get().version == 1)
        #expect(store.defaultModel?.version == 3)
        #expect(store.versions(of: "m") == [1, 3, 4])
        #expect(store.isReady)
    }

    /// Unknown names and versions are 404s naming what exists; a version that did not load is a 503 saying why.
    @Test func unknownAndUnloaded() throws {
        let store = ModelStore(defaultModelName: "m")
        store.replace("m", with: [1: ModelVersionState(served: try Self.served("m", 1, base: 1)), 2: ModelVersionState(reason: "cannot open x")])
        #expect(store.resolve(name: "x", version: nil).failure == .init(status: 404, "unknown model 'x'; this server serves 'm'"))
        #expect(store.resolve(name: "m", version: "7").failure == .init(status: 404, "model 'm' has no version '7'; its versions are 1, 2"))
        #expect(store.resolve(name: "m", version: "2").failure == .init(status: 503, "model 'm' version 2 is not ready: cannot open x"))
        #expect(store.readiness(name: "m", version: "2").map { $0.ready } == .success(false))
    }

    /// A model with no loaded version makes the server not ready; so does draining.
    @Test func readiness() throws {
        let store = ModelStore(defaultModelName: "m")
        #expect(!store.isReady)
        store.replace("m", with: [1: ModelVersionState(loading: true)])
        #expect(!store.isReady && store.defaultModel == nil)
        store.replace("m", with: [1: ModelVersionState(served: try Self.served("m", 1, base: 1))])
        #expect(store.isReady)
        store.markDraining()
        #expect(!store.isReady)
    }

    /// The default model follows its name's updates only: another name's replace leaves it, and
    /// removing it leaves the FastAPI-style routes without a model until it is loaded again.
    @Test func defaultModelFollowsItsName() throws {
        let store = ModelStore(defaultModelName: "m")
        store.replace("m", with: [2: ModelVersionState(served: try Self.served("m", 2, base: 1))])
        store.replace("other", with: [9: ModelVersionState(served: try Self.served("other", 9, base: 1))])
        #expect(store.defaultModel?.version == 2)
        store.remove("other")
        #expect(store.defaultModel?.version == 2)
        store.remove("m")
        #expect(store.defaultModel == nil)
        store.replace("m", with: [4: ModelVersionState(served: try Self.served("m", 4, base: 1))])
        #expect(store.defaultModel?.version == 4)
    }

    /// A request that took the model before a replace answers from it; the old model is freed when
    /// the last holder lets go, and new lookups see the new model at once.
    @Test func oldModelLivesAsLongAsItsLastRequest() throws {
        let store = ModelStore(defaultModelName: "m")
        store.replace("m", with: [1: ModelVersionState(served: try Self.served("m", 1, base: 1))])
        var held: ServedModel? = store.defaultModel
        weak let old = held
        store.replace("m", with: [1: ModelVersionState(served: try Self.served("m", 1, base: 5))])
        #expect(held?.model.predict([0, 0], rowCount: 1) == [1 - 0.1])
        #expect(store.defaultModel?.model.predict([0, 0], rowCount: 1) == [5 - 0.1])
        #expect(old != nil)
        held = nil
        #expect(old == nil)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
