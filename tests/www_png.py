#!/usr/bin/env python3
"""Read a PNG screenshot (8-bit RGB or RGBA, not interlaced: what
Chromium writes) with zlib alone, and check it shows the sample page:
the header band in the site's clay colour, the page background in ash,
and enough distinct colours that more than a blank page was drawn.
Usage: www_png.py FILE.png. Prints one line; exit 0 when it looks right."""
import struct, sys, zlib

def read_png(path):
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    i, idat, w = 8, b"", None
    while i < len(d):
        n, t = struct.unpack(">I4s", d[i:i + 8])
        body = d[i + 8:i + 8 + n]
        if t == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and inter == 0, (depth, ctype, inter)
            bpp = 3 if ctype == 2 else 4
        elif t == b"IDAT":
            idat += body
        i += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w * bpp)
    stride = w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line); prev = line
    return w, h, bpp, rows

def px(rows, bpp, x, y):
    return tuple(rows[y][x * bpp:x * bpp + 3])

w, h, bpp, rows = read_png(sys.argv[1])
near = lambda p, q: all(abs(a - b) <= 24 for a, b in zip(p, q))
header = px(rows, bpp, 8, 8)              # left end of the header gradient
ash = px(rows, bpp, w // 2, h - 8)        # the page background at the bottom
colours = {px(rows, bpp, x, y) for y in range(0, h, 7) for x in range(0, w, 7)}
ok = near(header, (0xb5, 0x54, 0x2f)) and near(ash, (0xf4, 0xef, 0xe9)) and len(colours) > 30
print("%dx%d, header pixel %s, background %s, %d colours sampled" % (w, h, header, ash, len(colours)))
sys.exit(0 if ok else 1)
