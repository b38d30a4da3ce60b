"""Converts an ONNX text-proto model to binary: to_binary.py IN.onnxtxt OUT.onnx [BYTES].

With BYTES, only the first BYTES bytes are written (a truncated file)."""
import sys

from google.protobuf import text_format
from onnx import ModelProto

model = text_format.Parse(open(sys.argv[1]).read(), ModelProto())
data = model.SerializeToString()
if len(sys.argv) > 3:
    data = data[: int(sys.argv[3])]
open(sys.argv[2], "wb").write(data)
