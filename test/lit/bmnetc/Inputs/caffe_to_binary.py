#!/usr/bin/python3
"""Writes a binary .caffemodel from a NetParameter in protobuf text.

  caffe_to_binary.py SCHEMA_DIR IN.txt OUT.caffemodel [TRUNCATE_TO_BYTES]

The schema is the project's own frontends/caffe/caffe.proto, compiled here
with protoc into a scratch directory next to OUT.
"""
import importlib
import os
import subprocess
import sys

from google.protobuf import text_format

schema_dir, src, dst = sys.argv[1:4]
gen = os.path.join(os.path.dirname(os.path.abspath(dst)), "caffe_pb_gen")
os.makedirs(gen, exist_ok=True)
subprocess.check_call(["protoc", "--python_out=" + gen, "-I" + schema_dir,
                       os.path.join(schema_dir, "caffe.proto")])
sys.path.insert(0, gen)
caffe_pb2 = importlib.import_module("caffe_pb2")
net = caffe_pb2.NetParameter()
text_format.Parse(open(src).read(), net)
data = net.SerializeToString()
if len(sys.argv) > 4:
    data = data[:int(sys.argv[4])]
open(dst, "wb").write(data)
