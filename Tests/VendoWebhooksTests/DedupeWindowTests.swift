import Synchronization
import Testing

@testable import VendoWebhooks

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let current = Mutex(1000.0)
    var now: Double { current.withLock { $0 } }
    func advance(_ seconds: Double) { current.withLock { $0 += seconds } }
    var function: @Sendable () -> Double { { [self] in self.now } }
}

@Suite struct DedupeWindowTests {
    @Test func successIsRememberedFailureIsNot() async {
        let window = DedupeWindow()
        #expect(await window.claim("a") == .run)
        window.finish("a", succeeded: true)
        #expect(await window.claim("a") == .duplicate)
        #expect(window.contains("a"))

        #expect(await window.claim("b") == .run)
        window.finish("b", succeeded: false)
        #expect(!window.contains("b"))
        #expect(await window.claim("b") == .run)
        window.finish("b", succeeded: true)
        #expect(await window.claim("b") == .duplicate)
    }

    @Test func keysExpireAfterTheWindow() async {
        let clock = ManualClock()
        let window = DedupeWindow(capacity: 100, window: .seconds(60), now: clock.function)
        _ = await window.claim("a")
        window.finish("a", succeeded: true)
        clock.advance(59)
        #expect(await window.claim("a") == .duplicate)
        clock.advance(2)
        #expect(!window.contains("a"))
        #expect(window.count == 0)
        #expect(await window.claim("a") == .run)
        window.finish("a", succeeded: true)
        #expect(window.count == 1)
        #expect(await window.claim("a") == .duplicate)
    }

    @Test func capacityEvictsTheOldest() async {
        let clock = ManualClock()
        let window = DedupeWindow(capacity: 3, window: .seconds(600), now: clock.function)
        for key in ["k1", "k2", "k3", "k4", "k5"] {
            #expect(await window.claim(key) == .run)
            window.finish(key, succeeded: true)
            clock.advance(1)
        }
        #expect(window.count == 3)
        #expect(!window.contains("k1"))
        #expect(!window.contains("k2"))
        #expect(window.contains("k3") && window.contains("k4") && window.contains("k5"))
        #expect(await window.claim("k1") == .run)
        window.finish("k1", succeeded: false)
    }

    @Test func memoryStaysBoundedUnderChurn() async {
        let clock = ManualClock()
        let window = DedupeWindow(capacity: 500, window: .seconds(10), now: clock.function)
        for index in 0..<20_000 {
            let key = "key-\(index)"
            #expect(await window.claim(key) == .run)
            window.finish(key, succeeded: true)
            if index % 100 == 0 { clock.advance(0.5) }
        }
        #expect(window.count <= 500)
        #expect(window.inFlightCount == 0)
    }

    @Test func keysWithOneHashAreNeverTakenForEachOther() async {
        // Every key hashes alike: the index holds one of them at a time.
        let window = DedupeWindow(capacity: 10, window: .seconds(600), keyHash: { _ in 42 })
        #expect(window.claimHandled("a") == .run)
        #expect(window.claimHandled("b") == .run, "b is not a's duplicate, though they share a hash")
        #expect(window.contains("b"))
        // a lost its index entry to b: forgotten early, so a redelivery runs
        // again (the safe side), and it is no longer counted.
        #expect(!window.contains("a"))
        #expect(window.count == 1)
        #expect(window.claimWithoutWaiting("a") == .run)
        window.finish("a", succeeded: true)
        #expect(window.contains("a") && !window.contains("b"))
        #expect(window.count == 1)
    }

    @Test func aKeySharingTheHashOfOneInFlightWaitsAndThenRunsItsOwn() async {
        let window = DedupeWindow(capacity: 10, window: .seconds(600), keyHash: { _ in 7 })
        #expect(window.claimWithoutWaiting("a") == .run)
        #expect(window.claimWithoutWaiting("b") == nil, "b waits while a claim on its hash is held")
        let waiter = Task { await window.claim("b") }
        for _ in 0..<100_000 where window.waiterCount("a") == 0 { await Task.yield() }  // b queued behind a
        #expect(window.waiterCount("a") == 1 && window.waiterCount("b") == 0)
        // Finishing b, which holds no claim, leaves a's claim and its waiter alone.
        window.finish("b", succeeded: false)
        #expect(window.inFlightCount == 1 && window.waiterCount("a") == 1)
        window.finish("a", succeeded: true)
        #expect(await waiter.value == .run, "b is its own key: it runs, not a duplicate of a")
        #expect(window.inFlightCount == 1)
        window.finish("b", succeeded: true)
        #expect(window.contains("b") && window.inFlightCount == 0)
    }

    @Test func theRingWrapsKeepingTheNewestAndExpiringInOrder() {
        let clock = ManualClock()
        let window = DedupeWindow(capacity: 4, window: .seconds(10), now: clock.function)
        for round in 0..<3 {  // wraps the four slots several times
            for index in 0..<4 {
                #expect(window.claimHandled("r\(round)-\(index)") == .run)
                clock.advance(1)
            }
            #expect(window.count == 4)
            for index in 0..<4 { #expect(window.claimHandled("r\(round)-\(index)") == .duplicate) }
            if round > 0 { #expect(!window.contains("r\(round - 1)-3"), "pushed out by capacity") }
        }
        // r2-0 was remembered at 1008 (expires 1018), r2-3 at 1011 (expires 1021).
        clock.advance(7)  // now 1019
        #expect(window.count == 2)
        #expect(!window.contains("r2-0") && !window.contains("r2-1"))
        #expect(window.contains("r2-2") && window.contains("r2-3"))
        // Remembering a key again supersedes its slot: counted once, kept until the new expiry.
        window.finish("r2-2", succeeded: true)
        #expect(window.count == 2)
        clock.advance(2)  // 1021: the old r2-2 and r2-3 slots expire, the new r2-2 does not
        #expect(window.contains("r2-2"))
        #expect(window.count == 1)
    }

    @Test func concurrentClaimsOfOneKeyRunOnce() async {
        let window = DedupeWindow()
        let runs = Recorder<Int>()
        await withTaskGroup(of: DedupeWindow.Claim.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    let claim = await window.claim("same")
                    if claim == .run {
                        runs.append(1)
                        try? await Task.sleep(for: .milliseconds(20))
                        window.finish("same", succeeded: true)
                    }
                    return claim
                }
            }
            var duplicates = 0
            for await claim in group where claim == .duplicate { duplicates += 1 }
            #expect(duplicates == 63)
        }
        #expect(runs.count == 1)
    }

    @Test func aWaiterRunsAgainWhenTheFirstFails() async {
        let window = DedupeWindow()
        #expect(await window.claim("k") == .run)
        let waiter = Task { await window.claim("k") }
        // Let the waiter queue up behind the in-flight claim.
        #expect(await waitUntil { window.waiterCount("k") == 1 })
        window.finish("k", succeeded: false)
        #expect(await waiter.value == .run)
        window.finish("k", succeeded: true)
        #expect(await window.claim("k") == .duplicate)
    }

    @Test func claimWithoutWaitingAnswersAtOnceOrDefersToClaim() async {
        let window = DedupeWindow()
        #expect(window.claimWithoutWaiting("a") == .run)
        #expect(window.claimWithoutWaiting("a") == nil, "in flight: the caller must wait in claim(_:)")
        let waiter = Task { await window.claim("a") }
        while window.waiterCount("a") == 0 { await Task.yield() }
        window.finish("a", succeeded: true)
        #expect(await waiter.value == .duplicate)
        #expect(window.claimWithoutWaiting("a") == .duplicate)

        #expect(window.claimWithoutWaiting("b") == .run)
        window.finish("b", succeeded: false)
        #expect(window.claimWithoutWaiting("b") == .run, "a failure is not remembered")
    }

    @Test func claimHandledRemembersInOneStepLikeAClaimAndASuccess() {
        let clock = ManualClock()
        let window = DedupeWindow(capacity: 2, window: .seconds(60), now: clock.function)
        #expect(window.claimHandled("a") == .run)
        #expect(window.contains("a"))
        #expect(window.count == 1)
        #expect(window.inFlightCount == 0, "nothing is left in flight")
        #expect(window.claimHandled("a") == .duplicate)
        #expect(window.claimWithoutWaiting("a") == .duplicate, "the two ways to claim agree")

        #expect(window.claimWithoutWaiting("b") == .run)
        #expect(window.claimHandled("b") == nil, "in flight elsewhere: the caller must wait")
        window.finish("b", succeeded: true)
        #expect(window.claimHandled("b") == .duplicate)
        #expect(window.count == 2)

        clock.advance(61)
        #expect(window.claimHandled("a") == .run, "expired: handled again")
        #expect(window.count == 1, "the expired success of b is dropped, a counts once")
        #expect(window.claimHandled("c") == .run)
        #expect(window.claimHandled("d") == .run)
        #expect(window.count == 2, "the capacity holds")
        #expect(!window.contains("a"), "the oldest is forgotten first")
    }

    @Test func countsStayRightThroughExpiryReclaimsAndStrayFinishes() {
        let clock = ManualClock()
        let window = DedupeWindow(capacity: 10, window: .seconds(60), now: clock.function)
        #expect(window.claimWithoutWaiting("a") == .run)
        #expect(window.inFlightCount == 1)
        window.finish("a", succeeded: true)
        #expect(window.inFlightCount == 0)
        #expect(window.count == 1)
        window.finish("a", succeeded: false)  // not claimed: a failure forgets nothing
        #expect(window.contains("a"))
        clock.advance(61)
        #expect(window.claimWithoutWaiting("a") == .run, "expired: it runs again")
        #expect(window.inFlightCount == 1)
        #expect(window.count == 0, "the expired success no longer counts")
        window.finish("a", succeeded: true)
        #expect(window.count == 1)
        #expect(window.inFlightCount == 0)
        window.finish("b", succeeded: true)  // remembered without a claim
        #expect(window.count == 2)
        #expect(window.contains("b"))
        #expect(window.inFlightCount == 0)
    }
}
