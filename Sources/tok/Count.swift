import ArgumentParser
import TokCore

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count tokens (of stdin or each file).",
        discussion: """
            Examples:
              echo 'Hello, world!' | tok count                 # 4
              tok count --vocab o200k_base *.md                # a count per file, then the total
              tok count --lines notes.txt                      # a count per line
            """)

    @OptionGroup var vocab: VocabOptions

    @Flag(help: "Count each line (with its newline) separately.")
    var lines = false

    @Option(name: .customLong("allow-special"), help: "Special tokens to recognize: all, none, or a list.")
    var allowSpecial: String?

    @Argument(help: "Files (default: standard input).")
    var files: [String] = []

    func run() throws {
        try reportingErrors {
            let tok = try vocab.load()
            let allowed = parseSpecialSet(allowSpecial)
            let out = Output()
            var total = 0
            let paths = files.isEmpty ? ["-"] : files
            for path in paths {
                if lines {
                    try forEachLine(path: path) { chunk in
                        let counts = try tok.encodeBatch(bytes: chunk.map { Array($0) }, allowedSpecial: allowed,
                                                         disallowedSpecial: .none).map(\.count)
                        for c in counts { out.writeInt(c); out.byte(0x0A) }
                    }
                } else {
                    let n = try tok.encode(bytes: readAll(path: path), allowedSpecial: allowed, disallowedSpecial: .none).count
                    total += n
                    out.writeInt(n)
                    if paths.count > 1 { out.write(" \(path)") }
                    out.byte(0x0A)
                }
            }
            if paths.count > 1 && !lines { out.write("\(total) total\n") }
            out.flush()
        }
    }
}
