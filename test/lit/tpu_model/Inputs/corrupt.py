"""Writes a damaged copy of a bmodel for the bad-file tests.

usage: corrupt.py MODE IN OUT
  empty      a 0-byte file
  short      the first 40 bytes (less than the 64-byte header)
  magic      the bmtap2 magic 0xFF55AAFF instead of 0xFF55AAEE
  sizes      flatbuffers_size grown by 4096 (header larger than the file)
  flatbuf    the flatbuffer's root offset pointed far outside the buffer
  binpast    binary_size shrunk by one and the last byte cut off, so the
             last blob ends past the binary region
"""
import struct
import sys

mode, src, dst = sys.argv[1:4]
data = bytearray(open(src, "rb").read())
magic, hsize, fbsize, binsize = struct.unpack_from("<IIII", data, 0)
if mode == "empty":
    data = bytearray()
elif mode == "short":
    data = data[:40]
elif mode == "magic":
    struct.pack_into("<I", data, 0, 0xFF55AAFF)
elif mode == "sizes":
    struct.pack_into("<I", data, 8, fbsize + 4096)
elif mode == "flatbuf":
    struct.pack_into("<I", data, hsize, 0x7FFFFF00)
elif mode == "binpast":
    struct.pack_into("<I", data, 12, binsize - 1)
    data = data[:-1]
else:
    sys.exit("unknown mode " + mode)
open(dst, "wb").write(bytes(data))
