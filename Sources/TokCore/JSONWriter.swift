/// JSON string literals, for the CLI's writers and the trainer's tokenizer.json.

/// A JSON string literal for bytes (ill-formed UTF-8 becomes U+FFFD).
package func jsonString(_ bytes: some Sequence<UInt8>) -> String {
    var out: [UInt8] = []
    appendJSONString(validUTF8: Array(String(decoding: Array(bytes), as: UTF8.self).utf8), to: &out)
    return String(decoding: out, as: UTF8.self)
}

/// Appends the JSON string literal of valid UTF-8 bytes: quote, backslash and control characters
/// escaped, and U+FEFF as \ufeff (Foundation's JSON reader drops it raw at the start of a string).
package func appendJSONString(validUTF8 bytes: some Collection<UInt8>, to buf: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    buf.append(0x22)
    var it = bytes.makeIterator()
    var pendingBOM = 0   // bytes of EF BB BF matched so far
    while let b = it.next() {
        if pendingBOM > 0 {
            let want: UInt8 = pendingBOM == 1 ? 0xBB : 0xBF
            if b == want {
                pendingBOM += 1
                if pendingBOM == 3 { buf.append(contentsOf: Array("\\ufeff".utf8)); pendingBOM = 0 }
                continue
            }
            buf.append(contentsOf: [0xEF, 0xBB, 0xBF].prefix(pendingBOM))
            pendingBOM = 0
        }
        switch b {
        case 0x22: buf.append(0x5C); buf.append(0x22)
        case 0x5C: buf.append(0x5C); buf.append(0x5C)
        case 0x0A: buf.append(0x5C); buf.append(UInt8(ascii: "n"))
        case 0x0D: buf.append(0x5C); buf.append(UInt8(ascii: "r"))
        case 0x09: buf.append(0x5C); buf.append(UInt8(ascii: "t"))
        case 0xEF: pendingBOM = 1
        case 0..<0x20:
            buf.append(contentsOf: Array("\\u00".utf8))
            buf.append(hex[Int(b >> 4)]); buf.append(hex[Int(b & 15)])
        default: buf.append(b)
        }
    }
    if pendingBOM > 0 { buf.append(contentsOf: [0xEF, 0xBB, 0xBF].prefix(pendingBOM)) }
    buf.append(0x22)
}
