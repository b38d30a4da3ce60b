//===- Resize.cpp - Resize (opset 13 form) --------------------------------===//
//
// Every supported mode is separable, so the kernel resamples one axis at a
// time: for each output coordinate along the axis it builds a short list of
// (input index, weight) taps, or marks the coordinate as outside the crop
// (tf_crop_and_resize), and applies it to the [outer, axis, inner] view.
// Nearest resampling only selects elements and works on any dtype; linear
// and cubic need f32.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/NnCommon.h"

#include <cmath>
#include <cstring>

namespace onntc {

namespace {

enum class ResizeMode { Nearest, Linear, Cubic };
enum class CoordMode {
  HalfPixel,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelForNn,
  TfCropAndResize
};
enum class NearestMode { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

struct ResizeAttrs {
  ResizeMode mode;
  CoordMode coord;
  NearestMode nearest;
  float cubicA;
  bool excludeOutside;
  float extrapolation;
};

llvm::Expected<ResizeAttrs> readResizeAttrs(const Node &n) {
  ResizeAttrs a;
  llvm::StringRef m = n.getString("mode");
  if (m == "nearest")
    a.mode = ResizeMode::Nearest;
  else if (m == "linear")
    a.mode = ResizeMode::Linear;
  else if (m == "cubic")
    a.mode = ResizeMode::Cubic;
  else
    return makeError("mode '" + m + "' is not one of nearest, linear, cubic");
  llvm::StringRef c = n.getString("coordinate_transformation_mode");
  if (c == "half_pixel")
    a.coord = CoordMode::HalfPixel;
  else if (c == "pytorch_half_pixel")
    a.coord = CoordMode::PytorchHalfPixel;
  else if (c == "align_corners")
    a.coord = CoordMode::AlignCorners;
  else if (c == "asymmetric")
    a.coord = CoordMode::Asymmetric;
  else if (c == "tf_half_pixel_for_nn")
    a.coord = CoordMode::TfHalfPixelForNn;
  else if (c == "tf_crop_and_resize")
    a.coord = CoordMode::TfCropAndResize;
  else
    return makeError("coordinate_transformation_mode '" + c +
                     "' is not supported");
  llvm::StringRef nm = n.getString("nearest_mode");
  if (nm == "round_prefer_floor")
    a.nearest = NearestMode::RoundPreferFloor;
  else if (nm == "round_prefer_ceil")
    a.nearest = NearestMode::RoundPreferCeil;
  else if (nm == "floor")
    a.nearest = NearestMode::Floor;
  else if (nm == "ceil")
    a.nearest = NearestMode::Ceil;
  else
    return makeError("nearest_mode '" + nm + "' is not supported");
  a.cubicA = n.getFloat("cubic_coeff_a");
  a.excludeOutside = n.getInt("exclude_outside") != 0;
  a.extrapolation = n.getFloat("extrapolation_value");
  return a;
}

/// Floats of a constant input, if it is constant and non-empty.
std::optional<std::vector<float>> constantFloats(const Node &n, unsigned i) {
  Value *v = n.input(i);
  if (!v)
    return std::nullopt;
  const Tensor *t = v->constantValue();
  if (!t || t->numElements() == 0)
    return std::nullopt;
  std::vector<float> out;
  for (int64_t k = 0; k < t->numElements(); ++k)
    out.push_back(float(t->getDouble(k)));
  return out;
}

llvm::Error inferResize(Node &n) {
  llvm::Expected<ResizeAttrs> a = readResizeAttrs(n);
  if (!a)
    return a.takeError();
  const Shape &x = n.input(0)->shape();
  DType dt = n.input(0)->dtype();
  if (a->mode != ResizeMode::Nearest && dt != DType::F32)
    return makeError("linear and cubic resize need f32 input, got " +
                     dtypeName(dt));
  if (a->mode == ResizeMode::Nearest && (dt == DType::F16 || dt == DType::BF16))
    return makeError("resize has no kernel for " + dtypeName(dt));
  Value *scales = n.input(2), *sizes = n.input(3);
  bool hasScales = scales && scales->shape().numElements() != 0;
  bool hasSizes = sizes && sizes->shape().numElements() != 0;
  if (hasScales && hasSizes)
    return makeError("only one of scales and sizes may be given");
  if (!hasScales && !hasSizes)
    return makeError("one of scales and sizes must be given");
  if (a->coord == CoordMode::TfCropAndResize && !n.input(1))
    return makeError("tf_crop_and_resize needs the roi input");
  Shape out(std::vector<int64_t>(x.rank(), kDynamicDim));
  if (hasSizes) {
    if (sizes->dtype() != DType::I64)
      return makeError("sizes must be i64");
    if (std::optional<std::vector<int64_t>> s = constantInts(n, 3)) {
      if (s->size() != x.rank())
        return makeError("sizes has " + llvm::Twine(s->size()) +
                         " values for an input of rank " +
                         llvm::Twine(x.rank()));
      for (size_t i = 0; i < x.rank(); ++i) {
        if ((*s)[i] < 0)
          return makeError("sizes must not be negative");
        out[i] = (*s)[i];
      }
    }
  } else {
    if (scales->dtype() != DType::F32)
      return makeError("scales must be f32");
    if (std::optional<std::vector<float>> s = constantFloats(n, 2)) {
      if (s->size() != x.rank())
        return makeError("scales has " + llvm::Twine(s->size()) +
                         " values for an input of rank " +
                         llvm::Twine(x.rank()));
      for (size_t i = 0; i < x.rank(); ++i) {
        if (!((*s)[i] > 0.0f) || double(x[i]) * (*s)[i] > 1e12)
          return makeError("scales must be positive and finite");
        out[i] = x[i] < 0 ? kDynamicDim
                          : int64_t(std::floor(double(x[i]) * double((*s)[i])));
      }
    }
  }
  setOutput(n, 0, dt, out);
  return llvm::Error::success();
}

/// Taps of one output coordinate: up to 4 (index, weight) pairs.
struct Taps {
  int count = 0;
  int64_t idx[4];
  float w[4];
  bool outside = false;
};

void cubicCoeffs(double t, double A, double c[4]) {
  double x0 = t + 1, x1 = t, x2 = 1 - t, x3 = 2 - t;
  c[0] = ((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A;
  c[1] = ((A + 2) * x1 - (A + 3)) * x1 * x1 + 1;
  c[2] = ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1;
  c[3] = ((A * x3 - 5 * A) * x3 + 8 * A) * x3 - 4 * A;
}

/// `scale` is the axis scale; ONNX's coordinate formulas use the unrounded
/// resized length in * scale (not the integer output extent) in the
/// align_corners, pytorch_half_pixel and tf_crop_and_resize modes.
std::vector<Taps> axisTaps(const ResizeAttrs &a, int64_t in, int64_t out,
                           double scale, double roiStart, double roiEnd) {
  double len = double(in) * scale;
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    double x = 0.0;
    switch (a.coord) {
    case CoordMode::HalfPixel:
      x = (o + 0.5) / scale - 0.5;
      break;
    case CoordMode::PytorchHalfPixel:
      x = len > 1.0 ? (o + 0.5) / scale - 0.5 : 0.0;
      break;
    case CoordMode::AlignCorners:
      x = len <= 1.0 ? 0.0 : double(o) * double(in - 1) / (len - 1.0);
      break;
    case CoordMode::Asymmetric:
      x = o / scale;
      break;
    case CoordMode::TfHalfPixelForNn:
      x = (o + 0.5) / scale;
      break;
    case CoordMode::TfCropAndResize:
      x = len > 1.0 ? roiStart * (in - 1) +
                          o * (roiEnd - roiStart) * (in - 1) / (len - 1.0)
                    : 0.5 * (roiStart + roiEnd) * (in - 1);
      break;
    }
    Taps &t = taps[size_t(o)];
    if (a.coord == CoordMode::TfCropAndResize &&
        (x < 0.0 || x > double(in - 1))) {
      t.outside = true;
      continue;
    }
    auto clampIdx = [&](int64_t i) {
      return std::max<int64_t>(0, std::min<int64_t>(in - 1, i));
    };
    switch (a.mode) {
    case ResizeMode::Nearest: {
      double r = 0.0;
      switch (a.nearest) {
      case NearestMode::RoundPreferFloor:
        r = std::ceil(x - 0.5);
        break;
      case NearestMode::RoundPreferCeil:
        r = std::floor(x + 0.5);
        break;
      case NearestMode::Floor:
        r = std::floor(x);
        break;
      case NearestMode::Ceil:
        r = std::ceil(x);
        break;
      }
      t.count = 1;
      t.idx[0] = clampIdx(int64_t(r));
      t.w[0] = 1.0f;
      break;
    }
    case ResizeMode::Linear: {
      double xc = std::max(0.0, std::min(double(in - 1), x));
      int64_t i0 = int64_t(std::floor(xc));
      double f = xc - double(i0);
      t.count = 2;
      t.idx[0] = i0;
      t.idx[1] = clampIdx(i0 + 1);
      t.w[0] = float(1.0 - f);
      t.w[1] = float(f);
      break;
    }
    case ResizeMode::Cubic: {
      double fl = std::floor(x);
      double c[4];
      cubicCoeffs(x - fl, a.cubicA, c);
      double sum = 0.0;
      t.count = 4;
      for (int k = 0; k < 4; ++k) {
        int64_t i = int64_t(fl) - 1 + k;
        if (a.excludeOutside && (i < 0 || i >= in))
          c[k] = 0.0;
        sum += c[k];
        t.idx[k] = clampIdx(i);
      }
      for (int k = 0; k < 4; ++k)
        t.w[k] = float(a.excludeOutside && sum != 0.0 ? c[k] / sum : c[k]);
      break;
    }
    }
  }
  return taps;
}

bool isIdentity(const std::vector<Taps> &taps, int64_t in) {
  if (int64_t(taps.size()) != in)
    return false;
  for (int64_t o = 0; o < in; ++o) {
    const Taps &t = taps[size_t(o)];
    if (t.outside)
      return false;
    for (int k = 0; k < t.count; ++k)
      if (t.w[k] != 0.0f && !(t.idx[k] == o && t.w[k] == 1.0f))
        return false;
  }
  return true;
}

llvm::Error computeResize(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &ctx) {
  llvm::Expected<ResizeAttrs> a = readResizeAttrs(n);
  if (!a)
    return a.takeError();
  const Tensor &X = in[0];
  const Shape &xs = X.shape();
  size_t r = xs.rank();
  auto present = [&](unsigned i) {
    return in.size() > i && in[i].isValid() && in[i].numElements() > 0;
  };
  std::vector<int64_t> outDims(r);
  std::vector<double> scales(r);
  if (present(3)) {
    if (size_t(in[3].numElements()) != r)
      return makeError("Resize sizes length differs from the input rank");
    for (size_t i = 0; i < r; ++i) {
      outDims[i] = in[3].getInt(int64_t(i));
      scales[i] = xs[i] ? double(outDims[i]) / double(xs[i]) : 1.0;
    }
  } else if (present(2)) {
    if (size_t(in[2].numElements()) != r)
      return makeError("Resize scales length differs from the input rank");
    for (size_t i = 0; i < r; ++i) {
      scales[i] = in[2].getDouble(int64_t(i));
      if (!(scales[i] > 0.0) || double(xs[i]) * scales[i] > 1e12)
        return makeError("Resize scales must be positive and finite");
      outDims[i] = int64_t(std::floor(double(xs[i]) * scales[i]));
    }
  } else {
    return makeError("Resize needs scales or sizes");
  }
  double total = 1.0;
  for (size_t i = 0; i < r; ++i) {
    if (outDims[i] < 0)
      return makeError("Resize output extent " + llvm::Twine(outDims[i]) +
                       " is negative");
    // The separable passes hold at most max(in, out) along each axis.
    total *= double(std::max(outDims[i], xs[i]));
  }
  if (llvm::Error e = checkResultSize(total, "Resize"))
    return e;
  std::vector<double> roi(2 * r, 0.0);
  if (a->coord == CoordMode::TfCropAndResize) {
    if (!present(1) || size_t(in[1].numElements()) != 2 * r)
      return makeError("tf_crop_and_resize needs a roi of 2 * rank values");
    for (size_t i = 0; i < 2 * r; ++i)
      roi[i] = in[1].getDouble(int64_t(i));
  }
  bool nearest = a->mode == ResizeMode::Nearest;
  if (!nearest && X.dtype() != DType::F32)
    return makeError("linear and cubic Resize need f32 input");
  size_t es = dtypeSize(X.dtype());
  Tensor cur = X;
  for (size_t ax = 0; ax < r; ++ax) {
    int64_t inD = cur.shape()[ax], outD = outDims[ax];
    std::vector<Taps> taps =
        axisTaps(*a, inD, outD, scales[ax], roi[ax], roi[r + ax]);
    if (isIdentity(taps, inD))
      continue;
    if (inD == 0 && outD > 0)
      return makeError("Resize cannot enlarge an empty axis");
    Shape ns = cur.shape();
    ns[ax] = outD;
    Tensor next(X.dtype(), ns);
    int64_t inner = 1;
    for (size_t i = ax + 1; i < r; ++i)
      inner *= ns[i];
    int64_t outer = 1;
    for (size_t i = 0; i < ax; ++i)
      outer *= ns[i];
    const uint8_t *src = cur.raw();
    uint8_t *dst = next.raw();
    float extrap = a->extrapolation;
    ctx.parallelFor(outer * outD, std::max<int64_t>(1, 2048 / (inner + 1)),
                    [&](int64_t b, int64_t e) {
      for (int64_t l = b; l < e; ++l) {
        int64_t o = l / outD, j = l % outD;
        const Taps &t = taps[size_t(j)];
        uint8_t *d = dst + size_t(l * inner) * es;
        if (t.outside) {
          // Only reachable in tf_crop_and_resize.
          if (nearest && X.dtype() != DType::F32) {
            for (int64_t i = 0; i < inner; ++i)
              next.setDouble(l * inner + i, extrap);
          } else {
            float *df = reinterpret_cast<float *>(d);
            for (int64_t i = 0; i < inner; ++i)
              df[i] = extrap;
          }
          continue;
        }
        if (nearest) {
          std::memcpy(d, src + size_t((o * inD + t.idx[0]) * inner) * es,
                      size_t(inner) * es);
          continue;
        }
        float *df = reinterpret_cast<float *>(d);
        const float *sf = reinterpret_cast<const float *>(src);
        for (int64_t i = 0; i < inner; ++i)
          df[i] = 0.0f;
        for (int k = 0; k < t.count; ++k) {
          const float *row = sf + (o * inD + t.idx[k]) * inner;
          float w = t.w[k];
          for (int64_t i = 0; i < inner; ++i)
            df[i] += w * row[i];
        }
      }
    });
    cur = std::move(next);
  }
  // Axes that were all identity still need a fresh output buffer.
  out.push_back(cur.buffer() == X.buffer() ? X.clone() : std::move(cur));
  return llvm::Error::success();
}

} // namespace

void registerResizeOp(HookTable &t) {
  t[size_t(OpKind::Resize)] = {inferResize, computeResize};
}

} // namespace onntc
