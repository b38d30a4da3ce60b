"""Writes the inputs of the quantizer lit tests into OUT:
  OUT/images/      N images (PNG, JPEG, BMP; in two class folders), a text
                   file and a corrupt JPEG (JPEG magic, garbage body)
  OUT/tiny.onnx    conv3x3(3->4)+relu -> global avg pool -> flatten -> gemm,
                   input 'data' 1x3xHxW, seeded weights
  OUT/other.onnx   the same with another layer count (a different net)
usage: make_inputs.py OUT [N] [H]
"""
import os
import sys

import cv2
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 6
h = int(sys.argv[3]) if len(sys.argv) > 3 else 16
rng = np.random.default_rng(0)
img_dir = os.path.join(out, "images")
for sub in ("cat", "dog"):
    os.makedirs(os.path.join(img_dir, sub), exist_ok=True)
exts = [".png", ".jpg", ".bmp"]
for i in range(n):
    img = rng.integers(0, 256, size=(h + i, h + 2 * i, 3), dtype=np.uint8)
    sub = ("cat", "dog")[i % 2]
    cv2.imwrite(os.path.join(img_dir, sub, "img%d%s" % (i, exts[i % 3])), img)
with open(os.path.join(img_dir, "notes.txt"), "w") as f:
    f.write("not an image\n")
with open(os.path.join(img_dir, "dog", "corrupt.jpg"), "wb") as f:
    f.write(b"\xff\xd8\xff\xe0" + bytes(rng.integers(0, 256, 200, dtype=np.uint8)))


def net(name, extra_relu):
    w = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "conv.w")
    b = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "conv.b")
    fw = numpy_helper.from_array(rng.standard_normal((2, 4)).astype(np.float32), "fc.w")
    fb = numpy_helper.from_array(rng.standard_normal(2).astype(np.float32), "fc.b")
    nodes = [
        helper.make_node("Conv", ["data", "conv.w", "conv.b"], ["conv"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"], name="relu"),
    ]
    last = "relu"
    if extra_relu:
        nodes.append(helper.make_node("Relu", ["relu"], ["relu2"], name="relu2"))
        last = "relu2"
    nodes += [
        helper.make_node("GlobalAveragePool", [last], ["pool"], name="pool"),
        helper.make_node("Flatten", ["pool"], ["flat"], name="flat"),
        helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["prob"], name="fc", transB=1),
    ]
    g = helper.make_graph(nodes, name,
                          [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, h, h])],
                          [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 2])],
                          [w, b, fw, fb])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.save(m, os.path.join(out, name + ".onnx"))


net("tiny", False)
net("other", True)
