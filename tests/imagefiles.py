"""Helpers shared by the tests that build broken image files."""

import struct
import zlib


def patch_ihdr(png: bytes, width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` (with a valid CRC), pixel data unchanged."""
    assert png[12:16] == b"IHDR"
    ihdr = bytearray(png[8:33])  # length, type, 13 data bytes, CRC
    ihdr[8:16] = struct.pack(">II", width, height)
    ihdr[21:25] = struct.pack(">I", zlib.crc32(bytes(ihdr[4:21])))
    return png[:8] + bytes(ihdr) + png[33:]
