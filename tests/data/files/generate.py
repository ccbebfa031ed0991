#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the small IDX and CSV files that tests/data/*.cpp read.

The files are committed; this script documents how each was made and
rewrites them identically (gzip with mtime 0):  python3 generate.py

Valid IDX: images_3x4x5.idx (3 images of 4 x 5 pixels; pixel (r, c) of image
k is (37k + 11r + 3c) mod 256, except image 0's first pixel 0 and image 2's
last 255), labels_3.idx (7, 0, 9), labels_4.idx (7, 0, 9, 1), and the gzip
form images_3x4x5.idx.gz, which two_members.idx.gz splits into two gzip
members. Every other .idx / .idx.gz file is malformed in the one way its name
says (gzip_bomb.idx.gz is valid, but larger than a reader's ceiling). The fuzzers use *.idx, *.idx.gz and *.csv here as
their seed corpus.
"""

import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def images_header(count, rows, cols, magic=0x00000803):
    return struct.pack(">IIII", magic, count, rows, cols)


def labels_header(count, magic=0x00000801):
    return struct.pack(">II", magic, count)


def pixels():
    out = bytearray()
    for k in range(3):
        for r in range(4):
            for c in range(5):
                out.append((37 * k + 11 * r + 3 * c) % 256)
    out[0] = 0
    out[-1] = 255
    return bytes(out)


def main():
    images = images_header(3, 4, 5) + pixels()
    write("images_3x4x5.idx", images)
    write("images_3x4x5.idx.gz", gz(images))
    write("labels_3.idx", labels_header(3) + bytes([7, 0, 9]))
    write("labels_4.idx", labels_header(4) + bytes([7, 0, 9, 1]))

    # Malformed images files.
    write("empty.idx", b"")
    write("bad_magic.idx", images_header(3, 4, 5, magic=0x00010803) + pixels())
    write("bad_type.idx", images_header(3, 4, 5, magic=0x00000D03) + pixels())
    write("labels_as_images.idx", labels_header(3) + bytes([7, 0, 9]))
    write("truncated_header.idx", images_header(3, 4, 5)[:10])
    write("truncated_data.idx", images[:-10])
    write("trailing_bytes.idx", images + b"\x00\x01")
    write("absurd_rows.idx", images_header(3, 5000, 5) + pixels())
    write("zero_cols.idx", images_header(3, 4, 0))
    write("absurd_count.idx", images_header(0xFFFFFFFF, 28, 28) + pixels())
    # Each size within its limit, the product (10^8 · 4096²) far beyond.
    write("huge_product.idx", images_header(100_000_000, 4096, 4096) + pixels())
    # Promises a million 28 x 28 images, holds three: no huge allocation, just "truncated".
    write("lying_count.idx", images_header(1_000_000, 4, 5) + pixels())

    # Malformed labels files.
    write("label_out_of_range.idx", labels_header(3) + bytes([1, 10, 2]))
    write("labels_truncated.idx", labels_header(5) + bytes([1, 2]))

    # Malformed gzip: cut in half, and a flipped CRC byte.
    compressed = gz(images)
    write("truncated.idx.gz", compressed[: len(compressed) // 2])
    crc = bytearray(compressed)
    crc[-8] ^= 0xFF
    write("bad_crc.idx.gz", bytes(crc))
    # A byte after the gzip member: refused, as trailing_bytes.idx is.
    write("trailing_bytes.idx.gz", compressed + b"\x00")
    # Two members one after the other (as `cat a.gz b.gz` makes): one stream.
    write("two_members.idx.gz", gz(images[:20]) + gz(images[20:]))
    # 64 KB that expand to 64 MiB: a header promising 4096 images of
    # 128 x 128, then 64 members of 1 MiB of zeros. Over the ceiling a reader
    # is given, it must fail before allocating; the IDX fuzzer's seed.
    zeros = gz(bytes(1 << 20))
    write("gzip_bomb.idx.gz", gz(images_header(4096, 128, 128)) + zeros * 64)

    # CSV files.
    write("valid.csv",
          b'sepal_length, sepal_width,"petal, length",species\n'
          b"5.1,3.5,1.4,0\n"
          b" 4.9 , 3 ,+1.4e0,0\n"
          b"\n"
          b'6.3,"2.5",-5,2\n'
          b"7.0,3.2,4.7,1\n")
    write("crlf_bom.csv", b"\xef\xbb\xbfa,b,label\r\n1,2,1\r\n3,4,0\r\n")
    write("no_header.csv", b"1,2,3\n4,5,6\n")
    write("empty.csv", b"")
    # A label that overflows an int once 1 is added (num_classes = max + 1).
    write("label_overflow.csv", b"x,label\n0.5,2147483647\n")
    # Line ends of a lone carriage return (classic Mac OS).
    write("cr_only.csv", b"a,label\r1,0\r2,1\r")
    write("blank_lines.csv", b"\n  \n\r\n")
    write("header_only.csv", b"a,b,label\n")
    write("ragged.csv", b"a,b,label\n1,2,0\n3,4\n")
    write("ragged_long.csv", b"a,b,label\n1,2,0\n3,4,1,9\n")
    write("non_numeric.csv", b"a,b,label\n1,2,0\n3,abc,1\n")
    write("empty_cell.csv", b"a,b,label\n1,,0\n")
    write("na_cell.csv", b"a,b,label\n1,2,0\nNA,4,1\n")
    write("nan_cell.csv", b"a,b,label\n1,nan,0\n")
    write("bad_label.csv", b"a,b,label\n1,2,0\n3,4,2.5\n")
    write("negative_label.csv", b"a,b,label\n1,2,-1\n")
    write("unterminated_quote.csv", b'a,b,label\n1,"2,0\n')
    write("float_overflow.csv", b"a,label\n1e300,0\n")


if __name__ == "__main__":
    main()
