"""Shared by the table generators: the White_Space list, two-stage code point tables for the C
kernels (identical 128-code-point blocks are stored once; stage 1 maps each block of the code
space to its copy in stage 2), and runs and array literals for the Swift tables."""

# PropList.txt White_Space (unchanged since Unicode 6.3).
WHITE_SPACE = set(range(0x09, 0x0E)) | {0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F,
                                        0x3000} | set(range(0x2000, 0x200B))

BLOCK = 128


def c_array(out, ctype, name, values, per_line):
    """Writes `const ctype name[n] = { ... };` with per_line values on each line."""
    out.write("const %s %s[%d] = {\n" % (ctype, name, len(values)))
    for i in range(0, len(values), per_line):
        out.write("  " + ",".join(str(x) for x in values[i:i + per_line]) + ",\n")
    out.write("};\n")


def write(out, prefix, value_of, stage2_type, stage2_per_line):
    """Writes `<prefix>_stage1` (uint16_t, one entry per block) and `<prefix>_stage2`."""
    blocks, index, stage1 = {}, [], []
    for hi in range(0x110000 // BLOCK):
        blk = tuple(value_of(hi * BLOCK + lo) for lo in range(BLOCK))
        if blk not in blocks:
            blocks[blk] = len(index)
            index.append(blk)
        stage1.append(blocks[blk])
    c_array(out, "uint16_t", prefix + "_stage1", stage1, 16)
    out.write("\n")
    c_array(out, stage2_type, prefix + "_stage2", [v for blk in index for v in blk], stage2_per_line)


def runs(code_points):
    """Sorted code points as [first, last] runs of consecutive ones."""
    out = []
    for c in sorted(code_points):
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def swift_array(out, name, swift_type, items, per_line, doc=None):
    """Writes `let name: [swift_type] = [ ... ]` from preformatted items, per_line to a line."""
    if doc:
        out.write(doc)
    out.write(f"let {name}: [{swift_type}] = [\n")
    for k in range(0, len(items), per_line):
        out.write("    " + " ".join(x + "," for x in items[k:k + per_line]) + "\n")
    out.write("]\n")
