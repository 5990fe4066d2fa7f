import CTokKernels
import Testing

/// The generated Unicode 16.0 class table agrees with ICU wherever ICU's (older) Unicode
/// version already assigned the character and its category did not change since.
@Suite struct UnicodeTableTests {
    @Test func tableAgreesWithICUOnCharactersICUKnows() {
        var compared = 0
        var differing: [UInt32] = []
        for cp in UInt32(0)..<0x110000 where !(0xD800...0xDFFF).contains(cp) {
            guard tok_icu_is_assigned(cp) != 0 else { continue }
            compared += 1
            if tok_ucls(cp) != tok_icu_class(cp) { differing.append(cp) }
        }
        #expect(compared > 140_000)
        // Unicode 16.0 changed the category of a handful of existing characters; anything more
        // means the generator or the glue is wrong.
        #expect(differing.count <= 8, "differing: \(differing.prefix(20).map { String($0, radix: 16) })")
    }

    @Test func spotChecks() {
        #expect(tok_ucls(0x41) & UInt8(TOK_CLS_L) != 0)
        #expect(tok_ucls(0x1C89) & UInt8(TOK_CLS_L) != 0)       // new in Unicode 16.0
        #expect(tok_ucls(0xA7CE) == 0)                          // new in 17.0: unassigned here
        #expect(tok_ucls(0x3000) & UInt8(TOK_CLS_WS) != 0)
        #expect(tok_ucls(0x301) == UInt8(TOK_CLS_M | TOK_CLS_UC | TOK_CLS_LC))
        #expect(tok_ucls(0x4E2D) == UInt8(TOK_CLS_L | TOK_CLS_UC | TOK_CLS_LC)) // Lo
        #expect(tok_ucls(0x1C5) == UInt8(TOK_CLS_L | TOK_CLS_UC))   // Lt
        #expect(tok_ucls(0x21) == UInt8(TOK_CLS_PS))              // ! (Po)
        #expect(tok_ucls(0x60) == UInt8(TOK_CLS_PS))              // ` (Sk)
        #expect(tok_ucls(0x3002) == UInt8(TOK_CLS_PS))            // 。 (Po)
        #expect(tok_ucls(0x2427) == UInt8(TOK_CLS_PS))            // So, new in Unicode 16.0
        #expect(tok_ucls(0x30FC) == UInt8(TOK_CLS_L | TOK_CLS_UC | TOK_CLS_LC)) // ー (Lm)
    }
}
