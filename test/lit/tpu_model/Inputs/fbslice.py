"""Copies the flatbuffer part of a bmodel (after the 64-byte header) to OUT,
for flatc --raw-binary.   usage: fbslice.py IN OUT"""
import struct
import sys

data = open(sys.argv[1], "rb").read()
magic, hsize, fbsize, binsize = struct.unpack_from("<IIII", data, 0)
open(sys.argv[2], "wb").write(data[hsize:hsize + fbsize])
