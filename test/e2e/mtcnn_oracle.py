#!/usr/bin/python3
"""Makes the MTCNN inputs and OpenCV oracle outputs for run_mxnet.sh.

  mtcnn_oracle.py OUTDIR

The MXNet MTCNN checkpoints (fixtures/mxnet/mtcnn) hold the weights of the
Caffe models (fixtures/caffe/mtcnn) with H and W transposed and the first
convolution's colour channels flipped. So the MXNet nets on an RGB image
with H and W swapped must give the Caffe nets' outputs on the BGR image,
with H and W swapped back in spatial outputs. For each detN this writes
  OUTDIR/detN_input.npy          the MXNet input (RGB, [N,C,W,H] of the photo)
  OUTDIR/detN_out_<i>.npy        OpenCV's outputs, in MXNet head order
Inputs are crops of a real photo (fixtures/images/faces) scaled like MTCNN
does ((x - 127.5) / 128); det4's 15 channels are five 24x24 patches.
"""
import os
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.environ.get("ONNTC_FIXTURES",
                     os.path.join(HERE, "..", "..", "..", "shared", "fixtures"))

# net: (size, caffe output blob names in MXNet head order)
NETS = {
    "det1": (12, ["conv4-2", "prob1"]),
    "det2": (24, ["conv5-2", "prob1"]),
    "det3": (48, ["conv6-3", "conv6-2", "prob1"]),
    "det4": (24, ["fc5_1", "fc5_2", "fc5_3", "fc5_4", "fc5_5"]),
}


def crop(img, y, x, size, out):
    patch = img[y:y + size, x:x + size]
    patch = cv2.resize(patch, (out, out), interpolation=cv2.INTER_AREA)
    return (patch.astype(np.float32) - 127.5) * 0.0078125  # HWC, BGR


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    faces = os.path.join(FIX, "images", "faces")
    photo = sorted(f for f in os.listdir(faces) if f.lower().endswith((".jpg", ".png")))[0]
    img = cv2.imread(os.path.join(faces, photo))
    h, w = img.shape[:2]
    rng = np.random.RandomState(7)
    for net, (size, blobs) in NETS.items():
        # Caffe input: BGR, NCHW. det4 stacks five patches (15 channels).
        patches = 5 if net == "det4" else 1
        chans = []
        for _ in range(patches):
            s = int(rng.randint(40, min(h, w) // 2))
            y, x = int(rng.randint(0, h - s)), int(rng.randint(0, w - s))
            chans.append(crop(img, y, x, s, size).transpose(2, 0, 1))
        caffe_in = np.concatenate(chans, axis=0)[None].astype(np.float32)
        if net == "det1":
            # P-Net is fully convolutional: use a non-square input so that a
            # wrong H/W transposition cannot go unnoticed.
            s = int(min(h, w) * 0.6)
            patch = cv2.resize(img[:s, :int(s * 1.4)], (17, 12),
                               interpolation=cv2.INTER_AREA)
            caffe_in = ((patch.astype(np.float32) - 127.5) * 0.0078125
                        ).transpose(2, 0, 1)[None]
        # MXNet input: every 3-channel group BGR -> RGB, H and W swapped.
        mx_in = caffe_in.copy()
        for p in range(caffe_in.shape[1] // 3):
            mx_in[:, 3 * p:3 * p + 3] = caffe_in[:, 3 * p:3 * p + 3][:, ::-1]
        mx_in = np.ascontiguousarray(mx_in.transpose(0, 1, 3, 2))
        np.save(os.path.join(outdir, net + "_input.npy"), mx_in)
        cnet = cv2.dnn.readNetFromCaffe(os.path.join(FIX, "caffe", "mtcnn", net + ".prototxt"),
                                        os.path.join(FIX, "caffe", "mtcnn", net + ".caffemodel"))
        cnet.setInput(caffe_in)
        outs = cnet.forward(blobs)
        for i, o in enumerate(outs):
            if o.ndim == 4:
                o = o.transpose(0, 1, 3, 2)
            np.save(os.path.join(outdir, "%s_out_%d.npy" % (net, i)),
                    np.ascontiguousarray(o.astype(np.float32)))
        print("%s: input %s, outputs %s" % (net, list(mx_in.shape),
                                           [list(o.shape) for o in outs]))


if __name__ == "__main__":
    main()
