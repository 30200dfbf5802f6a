"""Pieces deflated apart join into one deflate stream, and their CRC-32s into the CRC-32 of the
joined data, which is what a zip member needs (``ooxml.deflate_pieces``)."""

from __future__ import annotations

import random
import sys
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl.ooxml.deflate_pieces import _zlib_combine, crc_join, crc_join_zeros, deflate_piece, last_piece
from selfeval_xl.ooxml.zipcopy import ZipOut


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6), st.binary(max_size=50))
def test_pieces_join_into_one_stream_with_the_joined_crc(datas, tail):
    pieces = [deflate_piece(d, rows=1) for d in datas]
    crc = size = 0
    for p in pieces:
        crc, size = crc_join(crc, p.crc, p.size), size + p.size
    crc, size = crc_join(crc, zlib.crc32(tail), len(tail)), size + len(tail)
    stream = b"".join(p.deflated for p in pieces) + last_piece(tail)
    d = zlib.decompressobj(-15)
    assert d.decompress(stream) == b"".join(datas) + tail and d.eof
    assert (crc, size) == (zlib.crc32(b"".join(datas) + tail), len(b"".join(datas) + tail))
    assert sum(p.rows for p in pieces) == len(datas)


@pytest.mark.parametrize("join", [crc_join, crc_join_zeros], ids=["zlib", "zeros"])
def test_crc_join_past_the_zero_buffer(tmp_path, join):
    # zlib's crc32_combine, and without it 64 KB of zeros: a piece of 200,001 bytes joins in
    # four passes of them; the member written from the pieces is one zipfile reads back and
    # checks (testzip: CRC-32)
    if join is crc_join and sys.platform.startswith("linux"):
        assert _zlib_combine() is not None  # the fast path is the one taken here
    rng = random.Random(7)
    a, b = rng.randbytes(1000), rng.randbytes(200_001)
    assert join(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    assert join(zlib.crc32(a), 0, 0) == zlib.crc32(a) and join(0, zlib.crc32(b), len(b)) == zlib.crc32(b)
    first, second = deflate_piece(a), deflate_piece(b)
    info = zipfile.ZipInfo("x.xml")
    info.compress_type = zipfile.ZIP_DEFLATED
    info.CRC = crc_join(first.crc, second.crc, second.size)
    info.file_size = len(a) + len(b)
    with open(tmp_path / "x.zip", "wb") as fh:
        zo = ZipOut(fh)
        zo.copy(info, first.deflated + second.deflated + last_piece(b""))
        zo.close()
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        assert zf.testzip() is None and zf.read("x.xml") == a + b


def test_an_empty_piece_adds_nothing():
    empty = deflate_piece(b"", rows=0)
    assert empty.deflated == b"" and (empty.crc, empty.size) == (0, 0)


def test_crc_join_of_lengths_past_32_bits():
    # a piece stream past 2 GB: zlib's combine (its 64-bit entry point) agrees with the zero
    # passes at 2^31 + 5 bytes, and 2^32 + 5 is not taken for 5 (a length cut to 32 bits)
    a, b = zlib.crc32(b"head"), zlib.crc32(b"rows")
    assert crc_join(a, b, (1 << 31) + 5) == crc_join_zeros(a, b, (1 << 31) + 5)
    assert crc_join(a, b, (1 << 32) + 5) != crc_join(a, b, 5)
