#!/usr/bin/python3
"""OpenCV DNN as the oracle of the TensorFlow res10-SSD face detector.

  tf_oracle.py MODEL.pb CONFIG.pbtxt IMAGE OUTDIR

Prepares the detector's input from a photo the way OpenCV's face-detector
sample does (300x300, BGR, mean 104/177/123 subtracted), runs
cv2.dnn.readNetFromTensorflow(pb, pbtxt) on it and writes into OUTDIR:
  input.npy              the input in TensorFlow's layout, NHWC [1,300,300,3]
                         (what bmnett --test_input takes)
  mbox_loc.npy           OpenCV's outputs of the two tensors bmnett compiles,
  mbox_conf_flatten.npy  as float32 [1, N]
OpenCV takes NCHW blobs; its TensorFlow importer keeps TensorFlow's NHWC
element order for Reshape/flatten, so its outputs compare 1:1 with ours.
"""
import os
import sys

import cv2
import numpy as np


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    pb, pbtxt, image, outdir = sys.argv[1:]
    img = cv2.imread(image)
    if img is None:
        print("tf_oracle: cannot read image %s" % image, file=sys.stderr)
        return 2
    blob = cv2.dnn.blobFromImage(img, 1.0, (300, 300), (104.0, 177.0, 123.0),
                                 swapRB=False, crop=False)
    net = cv2.dnn.readNetFromTensorflow(pb, pbtxt)
    net.setInput(blob)
    names = ["mbox_loc", "mbox_conf_flatten"]
    outs = net.forward(names)
    os.makedirs(outdir, exist_ok=True)
    np.save(os.path.join(outdir, "input.npy"),
            np.ascontiguousarray(blob.transpose(0, 2, 3, 1), dtype=np.float32))
    for n, o in zip(names, outs):
        np.save(os.path.join(outdir, n + ".npy"),
                np.ascontiguousarray(o.reshape(1, -1), dtype=np.float32))
    print("tf_oracle: %s" % ", ".join("%s %s" % (n, list(o.shape))
                                     for n, o in zip(names, outs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
