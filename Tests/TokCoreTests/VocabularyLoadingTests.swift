import Foundation
import Testing
import TokCore

@Suite final class VocabularyLoadingTests {
    /// One directory per test (Swift Testing makes a fresh instance for each), removed afterwards.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokvocab-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// A small valid vocabulary: the 256 bytes, then "ab" and "abc".
    static func lines(extra: [String] = []) -> [String] {
        var l = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }
        l.append("\(Data("ab".utf8).base64EncodedString()) 256")
        l.append("\(Data("abc".utf8).base64EncodedString()) 257")
        return l + extra
    }

    func write(_ lines: [String], name: String = "v.tiktoken") throws -> String {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try lines.joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func expectError(_ lines: [String], code: TokError.Code, location suffix: String, message: String) throws {
        let path = try write(lines)
        do {
            _ = try Tokenizer(tiktokenFile: path, pattern: .cl100k)
            Issue.record("loaded a malformed vocabulary: \(message)")
        } catch {
            #expect(error.code == code)
            #expect(error.location == path + suffix, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func smallVocabularyLoadsAndEncodes() throws {
        let path = try write(Self.lines())
        let tok = try Tokenizer(tiktokenFile: path, pattern: .cl100k, specialTokens: ["<|end|>": 300])
        #expect(tok.encodeOrdinary("abc ab") == [257, 32, 256])
        #expect(tok.vocabularySize == 301)
        #expect(try tok.encode("ab<|end|>", allowedSpecial: .all) == [256, 300])
    }

    @Test func malformedFilesNameFileAndLine() throws {
        var bad = Self.lines()
        bad[10] = "@@@@ 10"
        try expectError(bad, code: .malformedVocabulary, location: ":11", message: "base64")
        bad = Self.lines()
        bad[20] = "\(Data([20]).base64EncodedString()) twenty"
        try expectError(bad, code: .malformedVocabulary, location: ":21", message: "rank")
        try expectError(Self.lines(extra: ["\(Data("zz".utf8).base64EncodedString()) 257"]),
                        code: .malformedVocabulary, location: ":259", message: "duplicate rank 257")
        try expectError(Self.lines(extra: ["\(Data("ab".utf8).base64EncodedString()) 258"]),
                        code: .malformedVocabulary, location: ":259", message: "duplicate token bytes")
        try expectError(Self.lines(extra: ["\(Data("zz".utf8).base64EncodedString()) 300"]),
                        code: .malformedVocabulary, location: "", message: "missing rank 258")
        // a huge rank is reported as a missing one, without a table sized by it
        try expectError(Self.lines(extra: ["\(Data("zz".utf8).base64EncodedString()) 2000000000"]),
                        code: .malformedVocabulary, location: "", message: "missing rank 258")
        bad = Self.lines()
        bad.remove(at: 65)  // byte 'A'
        bad.append("\(Data("A!".utf8).base64EncodedString()) 65")
        try expectError(bad, code: .malformedVocabulary, location: "", message: "single byte 0x41")
        try expectError(["bm8gcmFuaw=="], code: .malformedVocabulary, location: ":1", message: "rank")
    }

    @Test func emptyAndTruncatedFiles() throws {
        try expectError([""], code: .malformedVocabulary, location: "", message: "no tokens")
        let text = Array(Self.lines().joined(separator: "\n").utf8)
        let zpath = try write([], name: "v.tiktoken.zst")
        // a zstd frame of the text, cut short
        let full = try zstdCompress(text)
        try Data(full.prefix(full.count / 2)).write(to: URL(fileURLWithPath: zpath))
        do {
            _ = try Tokenizer(tiktokenFile: zpath, pattern: .cl100k)
            Issue.record("loaded truncated zstd")
        } catch {
            #expect(error.code == .malformedVocabulary)
            #expect(error.location == zpath)
            #expect(error.message.contains("zstd"))
        }
        try Data(full).write(to: URL(fileURLWithPath: zpath))
        #expect(try Tokenizer(tiktokenFile: zpath, pattern: .cl100k).mergeableCount == 258)
        do {
            _ = try Tokenizer(tiktokenFile: zpath, pattern: .cl100k, expectedSHA256: String(repeating: "0", count: 64))
            Issue.record("accepted a wrong hash")
        } catch {
            #expect(error.code == .hashMismatch)
        }
    }

    @Test func specialTokenIDsMustBeFreeAndNear() throws {
        let path = try write(Self.lines())
        for bad in [5, 2_000_000_000, -1] {
            do {
                _ = try Tokenizer(tiktokenFile: path, pattern: .cl100k, specialTokens: ["<x>": bad])
                Issue.record("accepted special id \(bad)")
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("\(bad)"))
            }
        }
    }

    @Test func aDecompressionBombIsRefused() throws {
        // 1.1 GiB of zeros compresses to a few kilobytes; loading must stop at the limit
        let zpath = try write([], name: "bomb.tiktoken.zst")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "head -c 1181116006 /dev/zero | zstd -q -1 -c > '\(zpath)'"]
        try p.run()
        p.waitUntilExit()
        do {
            _ = try Tokenizer(tiktokenFile: zpath, pattern: .cl100k)
            Issue.record("loaded a decompression bomb")
        } catch {
            #expect(error.code == .malformedVocabulary)
            #expect(error.message.contains("limit"))
        }
    }

    @Test func missingFileAndUnknownName() {
        #expect(throws: TokError.self) { try Tokenizer(tiktokenFile: "/nonexistent/x.tiktoken", pattern: .r50k) }
        do {
            _ = try Tokenizer(named: "p99k_base")
        } catch {
            #expect(error.code == .unknownName)
            #expect(error.message.contains("cl100k_base"))
        }
    }

    @Test func builtInsLoadOnceAndAreShared() throws {
        let a = try Tokenizer(named: "cl100k_base"), b = try Tokenizer(named: "cl100k")
        #expect(a.name == b.name)
        #expect(a.encodeOrdinary("same") == b.encodeOrdinary("same"))
    }

    func zstdCompress(_ bytes: [UInt8]) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["zstd", "-q", "-c"]
        let i = Pipe(), o = Pipe()
        p.standardInput = i
        p.standardOutput = o
        try p.run()
        i.fileHandleForWriting.write(Data(bytes))
        try i.fileHandleForWriting.close()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return [UInt8](out)
    }
}
