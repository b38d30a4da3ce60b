#!/usr/bin/python3
"""Prepares inputs for the ONNX fixtures under /work/shared/fixtures/onnx.

The Ultra-Light face detector (RFB-320) takes 1x3x240x320 RGB scaled as
(pixel - 127) / 128. The input is a real group photo from the fixtures,
resized to 320x240, so scores and boxes are meaningful.

  prep_fixtures.py --fixtures DIR --out CACHE

writes CACHE/<name>/{model.path,input.npy,meta.json} for every fixture it
finds; model.path holds the absolute path of the (read-only) model.
"""
import argparse
import json
import os
import sys

import numpy as np

# cache name -> (model path relative to fixtures/onnx, image relative to fixtures, (W, H))
FIXTURES = {
    "ulfd-rfb320": ("ulfd-rfb320/version-RFB-320.onnx", "images/faces/ulfd-group.jpg", (320, 240)),
    "ulfd-rfb320-simplified": ("ulfd-rfb320/version-RFB-320_simplified.onnx",
                               "images/faces/ulfd-group.jpg", (320, 240)),
    "ulfd-rfb320-nopost": ("ulfd-rfb320/version-RFB-320_without_postprocessing.onnx",
                           "images/faces/ulfd-group.jpg", (320, 240)),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", required=True, help="the shared fixtures folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        print("\n".join(FIXTURES))
        return 0
    from PIL import Image
    for name, (rel, img_rel, (w, h)) in FIXTURES.items():
        model = os.path.join(args.fixtures, "onnx", rel)
        image = os.path.join(args.fixtures, img_rel)
        if not os.path.isfile(model) or not os.path.isfile(image):
            print("prep_fixtures: %s: %s or %s is missing, skipped" % (name, model, image))
            continue
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        im = Image.open(image).convert("RGB").resize((w, h), Image.BILINEAR)
        x = (np.asarray(im, dtype=np.float32) - 127.0) / 128.0
        x = np.ascontiguousarray(x.transpose(2, 0, 1)[None])
        np.save(os.path.join(d, "input.npy"), x)
        with open(os.path.join(d, "model.path"), "w") as f:
            f.write(os.path.abspath(model) + "\n")
        with open(os.path.join(d, "meta.json"), "w") as f:
            json.dump({"name": name, "shape": list(x.shape), "image": image}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
