#!/usr/bin/env python3
"""png_nonblank.py PNG MIN_FRACTION MIN_COLOURS -- exit 0 when the screenshot
PNG is not blank: at least MIN_FRACTION of its pixels are not white and it
holds at least MIN_COLOURS distinct colours (text, tables and charts give
hundreds; a blank or failed render one or two). Reads the PNG with zlib
alone: 8-bit greyscale, RGB or RGBA, not interlaced (what Chromium writes).
Pixels are sampled on every second row and column."""
import struct
import sys
import zlib

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> bytes per pixel at depth 8


def chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos = 8
    while pos + 8 <= len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        yield data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(kind, line, prev, bpp):
    """Undo one row's PNG filter in place."""
    if kind == 1:
        for x in range(bpp, len(line)):
            line[x] = (line[x] + line[x - bpp]) & 255
    elif kind == 2:
        line[:] = bytes((a + b) & 255 for a, b in zip(line, prev))
    elif kind == 3:
        for x in range(len(line)):
            left = line[x - bpp] if x >= bpp else 0
            line[x] = (line[x] + (left + prev[x]) // 2) & 255
    elif kind == 4:
        for x in range(len(line)):
            left = line[x - bpp] if x >= bpp else 0
            corner = prev[x - bpp] if x >= bpp else 0
            line[x] = (line[x] + paeth(left, prev[x], corner)) & 255
    elif kind != 0:
        raise ValueError("bad filter type %d" % kind)


def rows(path):
    """The image's width, its bytes per pixel and its rows, unfiltered."""
    header, idat = None, b""
    with open(path, "rb") as f:
        for kind, body in chunks(f.read()):
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat += body
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError("unsupported PNG (depth %d, colour type %d, interlace %d)"
                         % (depth, colour, interlace))
    bpp = CHANNELS[colour]
    raw, stride = zlib.decompress(idat), width * bpp
    prev, out = bytearray(stride), []
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1:start + 1 + stride])
        unfilter(raw[start], line, prev, bpp)
        out.append(bytes(line))
        prev = line
    return width, bpp, out


def main():
    path, min_fraction, min_colours = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    width, bpp, image = rows(path)
    white = b"\xff" * min(bpp, 3)
    colours, marked, seen = set(), 0, 0
    for line in image[::2]:
        for x in range(0, width * bpp, 2 * bpp):
            px = line[x:x + min(bpp, 3)]
            colours.add(px)
            seen += 1
            marked += px != white
    fraction = marked / seen if seen else 0.0
    print("%s: %d x %d, %.1f %% not white, %d colours"
          % (path, width, len(image), 100 * fraction, len(colours)))
    if fraction < min_fraction or len(colours) < min_colours:
        print("blank: want at least %.1f %% not white and %d colours"
              % (100 * min_fraction, min_colours))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
