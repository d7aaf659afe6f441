"""Crafted ELF files whose .eh_frame is hostile, written at test time (never committed): a
minimal ELF with one executable PT_LOAD over the whole file, a .text and an .eh_frame, for a
target to map executable so that memsnoop compiles its CFI.

    one_fde_200k_rows   one FDE of 200,000 rows (the old compiler: quadratic, 32 s)
    remember_bomb       remember_state nested 5,000 deep after a rule for register 50,000
                        (libdw copies every register of every state: GBs)
    too_many_rows       4.2 Mi rows, past the compiler's bound: falls back to stack copies
    oversize            an .eh_frame of 65 MiB (a sparse file), past the bound unread
    garbage             64 KiB of random bytes as .eh_frame
"""
import os
import random
import struct

TEXT_ADDR = 0x1000


def uleb(v):
    out = bytearray()
    while True:
        b, v = v & 0x7f, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _pad8(body):
    return body + b"\0" * (-(len(body) + 4) % 8)  # DW_CFA_nop up to the entry's alignment


def cie():
    # version 1, "zR", code 1, data -8, ra 16, fde encoding pcrel|sdata4;
    # CFA = rsp + 8, return address at CFA - 8
    body = struct.pack("<I", 0) + b"\x01zR\0" + uleb(1) + b"\x78" + uleb(16) + uleb(1) + b"\x1b"
    body += b"\x0c\x07\x08\x90\x01"
    body = _pad8(body)
    return struct.pack("<I", len(body)) + body


def fde(eh_addr, offset, cie_offset, pc, pc_range, insns):
    """An FDE at section offset `offset` of an .eh_frame at eh_addr."""
    id_field = offset + 4
    pc_field = eh_addr + offset + 8
    body = struct.pack("<Iii", id_field - cie_offset, pc - pc_field, pc_range) + uleb(0) + insns
    body = _pad8(body)
    return struct.pack("<I", len(body)) + body


def alternating_rows(rows):
    """Instructions of `rows` rows: the CFA offset alternates so that no row repeats the last."""
    return b"\x41\x0e\x10\x41\x0e\x08" * (rows // 2)


def remember_bomb(depth, reg=50000):
    return b"\x05" + uleb(reg) + uleb(2) + b"\x0a\x41" * depth


def eh_frame(eh_addr, insns, pc_range):
    data = cie()
    data += fde(eh_addr, len(data), 0, TEXT_ADDR, pc_range, insns)
    return data + struct.pack("<I", 0)


def eh_frame_hdr(hdr_addr, eh_addr):
    """The search table of the one FDE (after the CIE), as linkers write it."""
    fde_addr = eh_addr + len(cie())
    return b"\x01\x1b\x03\x3b" + struct.pack("<iIii", eh_addr - (hdr_addr + 4), 1,
                                                TEXT_ADDR - hdr_addr, fde_addr - hdr_addr)


def write_elf(path, eh_data, eh_size=None, text_size=0x1000):
    """An ET_DYN with .text at TEXT_ADDR, .eh_frame after it (eh_data, or a hole of eh_size
    bytes) and its .eh_frame_hdr, file offsets equal to addresses."""
    shstr = b"\0.text\0.eh_frame\0.shstrtab\0.eh_frame_hdr\0"
    eh_off = TEXT_ADDR + text_size
    eh_len = eh_size if eh_size is not None else len(eh_data)
    hdr_off = eh_off + eh_len
    hdr = eh_frame_hdr(hdr_off, eh_off)
    shstr_off = hdr_off + len(hdr)
    sh_off = (shstr_off + len(shstr) + 7) & ~7
    file_sz = sh_off + 5 * 64
    ehdr = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack(
        "<HHIQQQIHHHHHH", 3, 62, 1, TEXT_ADDR, 64, sh_off, 0, 64, 56, 1, 64, 5, 3)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, file_sz, file_sz, 0x1000)

    def shdr(name, typ, flags, addr, size):
        return struct.pack("<IIQQQQIIQQ", name, typ, flags, addr, addr, size, 0, 0, 1, 0)

    shdrs = (b"\0" * 64 + shdr(1, 1, 6, TEXT_ADDR, text_size) + shdr(7, 1, 2, eh_off, eh_len)
             + shdr(17, 3, 0, shstr_off, len(shstr)) + shdr(27, 1, 2, hdr_off, len(hdr)))
    with open(path, "wb") as f:
        f.write(ehdr + phdr)
        f.seek(TEXT_ADDR)
        f.write(b"\xc3" * text_size)
        if eh_size is None:
            f.write(eh_data)
        f.seek(hdr_off)
        f.write(hdr)
        f.seek(shstr_off)
        f.write(shstr)
        f.seek(sh_off)
        f.write(shdrs)


def write_all(directory):
    """Writes every crafted file into directory; returns {name: path}."""
    eh_addr = TEXT_ADDR + 0x1000
    files = {
        "one_fde_200k_rows": eh_frame(eh_addr, alternating_rows(200_000), 200_000),
        "remember_bomb": eh_frame(eh_addr, remember_bomb(5000), 5000),
        "too_many_rows": eh_frame(eh_addr, alternating_rows(4_300_000), 4_300_000),
        "garbage": random.Random(19).randbytes(64 << 10),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = os.path.join(directory, name)
        write_elf(paths[name], data)
    paths["oversize"] = os.path.join(directory, "oversize")
    write_elf(paths["oversize"], None, eh_size=65 << 20)
    return paths
