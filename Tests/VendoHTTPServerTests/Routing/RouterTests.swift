import Testing
@testable import VendoHTTPServer

/// Router and middleware, in process (no sockets needed).
@Suite struct RouterTests {
    private func status(_ router: Router, _ method: HTTPMethod, _ target: String) async -> (Int, String, String?) {
        do {
            let response = try await router.respond(to: HTTPRequest(method: method, target: target))
            guard case .bytes(let bytes) = response.body.storage else { return (response.status.code, "<stream>", nil) }
            return (response.status.code, textOf(bytes), response.headers["Allow"])
        } catch let error as HTTPError {
            return (error.status.code, error.message, error.headers["Allow"])
        } catch {
            return (-1, "\(error)", nil)
        }
    }

    @Test func exactAndPrefixRoutes() async {
        var router = Router()
        router.get("/a") { _ in .text("exact a") }
        router.on(.get, prefix: "/static/") { request in .text("static \(request.path)") }
        router.on(.get, prefix: "/static/img/") { _ in .text("images") }
        router.get("/static/exact") { _ in .text("exact wins") }

        #expect(await status(router, .get, "/a").1 == "exact a")
        #expect(await status(router, .get, "/a?x=1").1 == "exact a")
        #expect(await status(router, .get, "/a/").0 == 404)
        #expect(await status(router, .get, "/static/app.js").1 == "static /static/app.js")
        #expect(await status(router, .get, "/static/img/x.png").1 == "images")
        #expect(await status(router, .get, "/static/exact").1 == "exact wins")
        #expect(await status(router, .get, "/static").0 == 404)
        #expect(await status(router, .get, "/nope").0 == 404)
    }

    @Test func wrongMethodGets405WithAllow() async {
        var router = Router()
        router.get("/r") { _ in .text("get") }
        router.post("/r") { _ in .text("post") }
        router.delete("/d") { _ in .text("delete") }
        let (code, _, allow) = await status(router, .put, "/r")
        #expect(code == 405)
        #expect(allow == "GET, HEAD, POST")
        #expect(await status(router, .get, "/d").2 == "DELETE")
    }

    @Test func headFallsBackToGetUnlessItHasItsOwnRoute() async {
        var router = Router()
        router.get("/g") { request in .text("get saw \(request.method)") }
        router.get("/h") { _ in .text("get") }
        router.on(.head, "/h") { _ in .text("own head") }
        #expect(await status(router, .head, "/g").1 == "get saw HEAD")
        #expect(await status(router, .head, "/h").1 == "own head")
    }

    @Test func middlewareRunsOutermostFirstAroundEveryRouteAndMisses() async {
        struct Tag: HTTPMiddleware {
            let name: String
            let log: Recorder<String>
            func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
                log.append("\(name) in")
                defer { log.append("\(name) out") }
                var response = try await next.respond(to: request)
                response.headers.add(name: "X-Tag", value: name)
                return response
            }
        }
        let log = Recorder<String>()
        var router = Router()
        router.use(Tag(name: "outer", log: log))
        router.get("/") { _ in log.append("handler"); return .text("ok") }
        router.use(Tag(name: "inner", log: log))

        let response = try? await router.respond(to: HTTPRequest(method: .get, target: "/"))
        #expect(log.all == ["outer in", "inner in", "handler", "inner out", "outer out"])
        #expect(response?.headers.values(for: "X-Tag") == ["inner", "outer"])

        _ = try? await router.respond(to: HTTPRequest(method: .get, target: "/missing"))
        #expect(log.all.suffix(4) == ["outer in", "inner in", "inner out", "outer out"])
    }

    @Test func middlewareCanAnswerAndFillUserInfo() async throws {
        enum UserKey: RequestUserInfoKey { typealias Value = String }
        struct Auth: HTTPMiddleware {
            func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
                guard request.headers["Authorization"] == "Bearer good" else {
                    throw HTTPError(.unauthorized, headers: ["WWW-Authenticate": "Bearer"])
                }
                var request = request
                request.userInfo[UserKey.self] = "alice"
                return try await next.respond(to: request)
            }
        }
        let responder = ClosureResponder { request in .text("hello \(request.userInfo[UserKey.self] ?? "?")") }
            .wrapped(in: Auth())
        let ok = try await responder.respond(to: HTTPRequest(method: .get, target: "/", headers: ["Authorization": "Bearer good"]))
        guard case .bytes(let bytes) = ok.body.storage else { Issue.record("expected bytes"); return }
        #expect(textOf(bytes) == "hello alice")
        await #expect {
            _ = try await responder.respond(to: HTTPRequest(method: .get, target: "/"))
        } throws: { error in
            (error as? HTTPError)?.status == .unauthorized
        }
    }

    @Test func httpErrorRendersEscapedJSON() {
        let response = HTTPError(.badRequest, message: "bad \"x\"\n\u{1}\\", headers: ["X-A": "b"]).response
        guard case .bytes(let bytes) = response.body.storage else { Issue.record("expected bytes"); return }
        #expect(textOf(bytes) == #"{"error":{"status":400,"message":"bad \"x\"\n\u0001\\"}}"#)
        #expect(response.status == .badRequest)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers["X-A"] == "b")
        #expect(HTTPError(.notFound).message == "Not Found")
    }
}
