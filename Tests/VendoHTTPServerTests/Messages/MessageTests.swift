import Testing
@testable import VendoHTTPServer

@Suite struct HTTPRequestTests {
    @Test func targetSplitsIntoPathAndQuery() {
        let request = HTTPRequest(method: .get, target: "/a/b?x=1&y=2")
        #expect(request.path == "/a/b")
        #expect(request.query == "x=1&y=2")
        #expect(HTTPRequest(method: .get, target: "/plain").query == nil)
        #expect(HTTPRequest(method: .get, target: "http://host:8080/p?q").path == "/p")
        #expect(HTTPRequest(method: .get, target: "http://host:8080").path == "/")
        #expect(HTTPRequest(method: .get, target: "/e?").query == "")
    }

    @Test func queryItemsArePercentDecoded() {
        let request = HTTPRequest(method: .get, target: "/?a=1&b=hello%20world&c=x+y&flag&d=%zz&e=%E2%9C%93&&f=")
        let items = request.queryItems().map { "\($0.name)=\($0.value)" }
        #expect(items == ["a=1", "b=hello world", "c=x y", "flag=", "d=%zz", "e=✓", "f="])
        #expect(HTTPRequest(method: .get, target: "/").queryItems().isEmpty)
    }

    @Test func userInfoSlotsAreTyped() {
        enum A: RequestUserInfoKey { typealias Value = Int }
        enum B: RequestUserInfoKey { typealias Value = String }
        var info = RequestUserInfo()
        info[A.self] = 7
        info[B.self] = "seven"
        #expect(info[A.self] == 7)
        #expect(info[B.self] == "seven")
        info[A.self] = nil
        #expect(info[A.self] == nil)
    }
}

@Suite struct HTTPRequestBodyTests {
    @Test func fixedBodiesIterateOnceAndCollect() async throws {
        let body = HTTPRequestBody(bytes: Array("abc".utf8))
        var chunks: [[UInt8]] = []
        for try await chunk in body { chunks.append(chunk) }
        #expect(chunks == [Array("abc".utf8)])
        #expect(try await body.collect() == Array("abc".utf8))
        #expect(body.expectedLength == 3)
        await #expect(throws: HTTPError.self) { _ = try await body.collect(upTo: 2) }
        #expect(try await HTTPRequestBody.empty.collect().isEmpty)
    }

    @Test func streamSignalsFirstReadAndDemandAfterBackPressure() async throws {
        let signals = Recorder<String>()
        let stream = RequestBodyStream(declaredLength: nil) { signal in signals.append("\(signal)") }
        let big = [UInt8](repeating: 1, count: RequestBodyStream.highWaterMark)
        #expect(stream.push(big) == false, "a full buffer asks the producer to pause")
        let reader = Task { try await HTTPRequestBody(stream: stream).collect() }
        #expect(await eventually { signals.all.contains("demand") })
        #expect(signals.all.first == "firstRead")
        #expect(stream.push([2, 3]))
        stream.finish()
        #expect(try await reader.value.count == big.count + 2)
    }

    @Test func aFailedStreamThrowsToTheReader() async {
        struct Broken: Error {}
        let stream = RequestBodyStream(declaredLength: 10) { _ in }
        _ = stream.push([1])
        stream.fail(Broken())
        await #expect(throws: Broken.self) { _ = try await HTTPRequestBody(stream: stream).collect() }
    }

    @Test func collectRefusesADeclaredLengthOverTheLimitWithoutReading() async {
        let stream = RequestBodyStream(declaredLength: 100) { _ in Issue.record("must not start reading") }
        await #expect {
            _ = try await HTTPRequestBody(stream: stream).collect(upTo: 99)
        } throws: { error in
            (error as? HTTPError)?.status == .payloadTooLarge
        }
    }
}

@Suite struct HTTPResponseTests {
    @Test func convenienceConstructors() {
        let text = HTTPResponse.text("hi", status: .accepted)
        #expect(text.status == .accepted)
        #expect(text.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(text.body.count == 2)
        let json = HTTPResponse.json(Array("{}".utf8))
        #expect(json.headers["content-type"] == "application/json")
        #expect(HTTPResponseBody.stream { _ in }.count == nil)
        #expect(HTTPResponse().status == .ok && HTTPResponse().body.count == 0)
    }
}
