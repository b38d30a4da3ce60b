//===- Quant.cpp - the quantized op family (INT8 reference kernels) -------===//
//
// Shape rules and bit-exact reference kernels of ir/ops/Quant.def. The
// integer arithmetic is support/IntMath.h, the same functions the cmodel
// executes the BDC INT8 commands with; float <-> int conversions are written
// as the cast command computes them (f32 multiply, round half to even).
//
//===----------------------------------------------------------------------===//
#include "ir/ops/NnCommon.h"

#include "ir/Graph.h"
#include "ir/KernelContext.h"
#include "support/IntMath.h"

#include <cmath>

namespace onntc {
namespace {

using support::requantValue;

bool isIntType(DType t) {
  return t == DType::I8 || t == DType::U8 || t == DType::I16 ||
         t == DType::I32;
}

void intRange(DType t, int64_t &lo, int64_t &hi) {
  switch (t) {
  case DType::I8:
    lo = -128, hi = 127;
    return;
  case DType::U8:
    lo = 0, hi = 255;
    return;
  case DType::I16:
    lo = -32768, hi = 32767;
    return;
  default:
    lo = INT32_MIN, hi = INT32_MAX;
    return;
  }
}

/// Reads element i of an integer tensor (i8, u8, i16, i32).
int64_t loadInt(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::I8:
    return t.data<int8_t>()[i];
  case DType::U8:
    return t.data<uint8_t>()[i];
  case DType::I16:
    return t.data<int16_t>()[i];
  default:
    return t.data<int32_t>()[i];
  }
}

/// An integer output tensor with saturating stores.
struct IntOut {
  Tensor t;
  int64_t lo = 0, hi = 0;
  IntOut(DType d, Shape s) : t(d, std::move(s)) { intRange(d, lo, hi); }
  void store(int64_t i, int64_t v) {
    v = support::clampInt(v, lo, hi);
    switch (t.dtype()) {
    case DType::I8:
      t.data<int8_t>()[i] = int8_t(v);
      return;
    case DType::U8:
      t.data<uint8_t>()[i] = uint8_t(v);
      return;
    case DType::I16:
      t.data<int16_t>()[i] = int16_t(v);
      return;
    default:
      t.data<int32_t>()[i] = int32_t(v);
      return;
    }
  }
};

llvm::Error expectIntOut(const Node &n, DType to, bool allowWide) {
  if (to == DType::I8 || to == DType::U8 ||
      (allowWide && (to == DType::I16 || to == DType::I32)))
    return llvm::Error::success();
  return makeError("'to' must be i8 or u8" +
                   llvm::Twine(allowWide ? ", i16 or i32" : "") + ", got " +
                   dtypeName(to));
}

/// Checks every kernel and inference repeats first: required attributes
/// present, `to` an integer type the op can produce, multiplier and shift
/// lists of equal length. Kernels may run on nodes that never went through
/// inference, so they must not trust anything.
llvm::Error checkAttrs(const Node &n, bool wideOut) {
  for (const AttrSpec &spec : n.info().attrs)
    if (spec.required && !n.hasAttr(spec.name))
      return makeError("required attribute '" + spec.name + "' is missing");
  if (n.info().findAttr("to"))
    if (llvm::Error e = expectIntOut(n, n.getType("to"), wideOut))
      return e;
  const AttrSpec *m = n.info().findAttr("multiplier");
  if (m && m->kind == AttrKind::Ints && n.info().findAttr("shift")->kind == AttrKind::Ints &&
      n.getInts("multiplier").size() != n.getInts("shift").size())
    return makeError("multiplier has " +
                     llvm::Twine(n.getInts("multiplier").size()) +
                     " entries but shift has " +
                     llvm::Twine(n.getInts("shift").size()));
  return llvm::Error::success();
}

/// Sets output 0, keeping a quantization the pass already attached.
void setQOutput(Node &n, DType t, Shape s) {
  TensorType ty(t, std::move(s));
  ty.quant = n.output(0)->type().quant;
  n.output(0)->setType(std::move(ty));
}

/// multiplier/shift attributes: equal length, 1 or `channels` entries.
llvm::Error checkRequantAttrs(const Node &n, int64_t channels,
                              llvm::StringRef channelWhat) {
  auto m = n.getInts("multiplier"), s = n.getInts("shift");
  if (m.size() != s.size())
    return makeError("multiplier has " + llvm::Twine(m.size()) +
                     " entries but shift has " + llvm::Twine(s.size()));
  if (m.size() != 1 && (channels < 0 || int64_t(m.size()) != channels))
    return makeError("multiplier/shift need 1 entry or one per " +
                     channelWhat + " (" + llvm::Twine(channels) + "), got " +
                     llvm::Twine(m.size()));
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] < INT32_MIN || m[i] > INT32_MAX)
      return makeError("multiplier " + llvm::Twine(m[i]) +
                       " does not fit 32 bits");
    if (s[i] < -128 || s[i] > 127)
      return makeError("shift " + llvm::Twine(s[i]) + " does not fit 8 bits");
  }
  return llvm::Error::success();
}

/// The (multiplier, shift) of channel c.
struct Rq {
  llvm::ArrayRef<int64_t> m, s;
  explicit Rq(const Node &n) : m(n.getInts("multiplier")), s(n.getInts("shift")) {}
  int64_t apply(int64_t acc, int64_t c, int64_t zp) const {
    size_t i = m.size() == 1 ? 0 : size_t(c);
    return requantValue(acc, int32_t(m[i]), int(s[i]), int32_t(zp));
  }
};

//===-- quantize / dequantize ---------------------------------------------===//

llvm::Error inferQuantize(Node &n) {
  if (llvm::Error e = checkAttrs(n, false))
    return e;
  if (llvm::Error e = expectDType(n, 0, {DType::F32}))
    return e;
  DType to = n.getType("to");
  if (llvm::Error e = expectIntOut(n, to, false))
    return e;
  float scale = n.getFloat("scale");
  if (!(scale > 0) || !std::isfinite(scale))
    return makeError("scale must be positive and finite, got " +
                     std::to_string(scale));
  int64_t lo, hi, zp = n.getInt("zero_point");
  intRange(to, lo, hi);
  if (zp < lo || zp > hi)
    return makeError("zero_point " + llvm::Twine(zp) + " is outside " +
                     dtypeName(to));
  TensorType ty(to, n.input(0)->shape());
  ty.quant = QuantParams{{scale}, {int32_t(zp)}, -1};
  n.output(0)->setType(std::move(ty));
  return llvm::Error::success();
}

llvm::Error computeQuantize(const Node &n, llvm::ArrayRef<Tensor> in,
                            std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = checkAttrs(n, false))
    return e;
  const Tensor &X = in[0];
  if (X.dtype() != DType::F32)
    return makeError("quantize takes f32");
  float mul = float(1.0 / double(n.getFloat("scale")));
  int64_t zp = n.getInt("zero_point");
  IntOut Y(n.getType("to"), X.shape());
  const float *x = X.data<float>();
  for (int64_t i = 0, e = X.numElements(); i < e; ++i)
    Y.store(i, support::quantizeF32(x[i], mul, zp, Y.lo, Y.hi));
  out.push_back(std::move(Y.t));
  return llvm::Error::success();
}

llvm::Error inferDequantize(Node &n) {
  if (llvm::Error e = checkAttrs(n, false))
    return e;
  if (llvm::Error e = expectDType(n, 0, {DType::I8, DType::U8, DType::I32}))
    return e;
  if (!(n.getFloat("scale") > 0))
    return makeError("scale must be positive");
  setOutput(n, 0, DType::F32, n.input(0)->shape());
  return llvm::Error::success();
}

llvm::Error computeDequantize(const Node &n, llvm::ArrayRef<Tensor> in,
                              std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = checkAttrs(n, false))
    return e;
  const Tensor &X = in[0];
  if (!isIntType(X.dtype()))
    return makeError("dequantize takes an integer tensor");
  float scale = n.getFloat("scale");
  int64_t zp = n.getInt("zero_point");
  Tensor Y(DType::F32, X.shape());
  float *y = Y.data<float>();
  for (int64_t i = 0, e = X.numElements(); i < e; ++i)
    y[i] = float(loadInt(X, i) - zp) * scale;
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

//===-- qconv -------------------------------------------------------------===//

llvm::Error inferQConv(Node &n) {
  if (llvm::Error e = checkAttrs(n, true))
    return e;
  if (llvm::Error e = expectDType(n, 0, {DType::I8, DType::U8}))
    return e;
  if (llvm::Error e = expectDType(n, 1, {DType::I8}))
    return e;
  const Shape &x = n.input(0)->shape(), &w = n.input(1)->shape();
  if (x.rank() != 4 || w.rank() != 4)
    return makeError("qconv takes a 4-D input and 4-D weights, got " +
                     x.str() + " and " + w.str());
  int64_t group = n.getInt("group");
  if (group < 1)
    return makeError("group must be at least 1");
  if (x[1] >= 0 && x[1] != w[1] * group)
    return makeError("input has " + llvm::Twine(x[1]) +
                     " channels but weight " + w.str() + " with group " +
                     llvm::Twine(group) + " expects " + llvm::Twine(w[1] * group));
  if (w[0] % group != 0)
    return makeError("output channels are not divisible by group");
  if (Value *b = n.input(2))
    if (b->dtype() != DType::I32 || b->shape().rank() != 1 ||
        b->shape()[0] != w[0])
      return makeError("bias must be i32 with one value per output channel, "
                       "got " + b->type().str());
  if (llvm::Error e = checkRequantAttrs(n, w[0], "output channel"))
    return e;
  DType to = n.getType("to");
  if (llvm::Error e = expectIntOut(n, to, true))
    return e;
  llvm::Expected<Window> win = readWindow(n, 2, {w[2], w[3]}, true);
  if (!win)
    return win.takeError();
  Shape out{x[0], w[0]};
  for (int i = 0; i < 2; ++i) {
    bool ok;
    int64_t o = windowOutDim(x[2 + i], win->kernel[i], win->strides[i],
                             win->dilations[i], win->padBegin[i],
                             win->padEnd[i], false, ok);
    if (!ok)
      return makeError("kernel does not fit input " + x.str());
    out.mutableDims().push_back(o);
  }
  setQOutput(n, to, out);
  return llvm::Error::success();
}

llvm::Error computeQConv(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = checkAttrs(n, true))
    return e;
  const Tensor &X = in[0], &W = in[1];
  const Tensor *B = in.size() > 2 && in[2].isValid() ? &in[2] : nullptr;
  if ((X.dtype() != DType::I8 && X.dtype() != DType::U8) ||
      W.dtype() != DType::I8 || X.shape().rank() != 4 ||
      W.shape().rank() != 4 || (B && B->dtype() != DType::I32))
    return makeError("qconv takes i8/u8 NCHW input, i8 OIHW weights, i32 bias");
  const Shape &xs = X.shape(), &ws = W.shape();
  llvm::Expected<Window> win = readWindow(n, 2, {ws[2], ws[3]}, true);
  if (!win)
    return win.takeError();
  const int64_t N = xs[0], C = xs[1], IH = xs[2], IW = xs[3];
  const int64_t group = n.getInt("group");
  if (group < 1 || C % group || ws[0] % group)
    return makeError("qconv group " + llvm::Twine(group) +
                     " does not divide the channels");
  const int64_t OC = ws[0], ICg = C / group, OCg = OC / group, KH = ws[2],
                KW = ws[3];
  if (B && B->numElements() != OC)
    return makeError("qconv bias has " + llvm::Twine(B->numElements()) +
                     " values for " + llvm::Twine(OC) + " channels");
  if (ICg != ws[1])
    return makeError("qconv weight " + ws.str() + " does not match input " +
                     xs.str());
  bool ok1, ok2;
  const int64_t OH = windowOutDim(IH, KH, win->strides[0], win->dilations[0],
                                  win->padBegin[0], win->padEnd[0], false, ok1);
  const int64_t OW = windowOutDim(IW, KW, win->strides[1], win->dilations[1],
                                  win->padBegin[1], win->padEnd[1], false, ok2);
  if (!ok1 || !ok2)
    return makeError("qconv kernel does not fit the input");
  const int64_t sh = win->strides[0], sw = win->strides[1],
                dh = win->dilations[0], dw = win->dilations[1],
                pt = win->padBegin[0], pl = win->padBegin[1];
  const int64_t inZp = n.getInt("in_zp"), outZp = n.getInt("out_zp");
  const bool relu = n.getInt("relu") != 0;
  Rq rq(n);
  if (rq.m.size() != 1 && int64_t(rq.m.size()) != OC)
    return makeError("qconv multiplier count does not match the channels");
  IntOut Y(n.getType("to"), Shape{N, OC, OH, OW});
  // Input widened once to int32 with the zero point taken off.
  std::vector<int32_t> xw(size_t(X.numElements()));
  for (int64_t i = 0, e = X.numElements(); i < e; ++i)
    xw[size_t(i)] = int32_t(loadInt(X, i) - inZp);
  const int8_t *wp = W.data<int8_t>();
  const int32_t *bp = B ? B->data<int32_t>() : nullptr;
  ctx.parallelFor(N * OC, 1, [&](int64_t b, int64_t e) {
    std::vector<int64_t> acc(size_t(OH * OW));
    for (int64_t p = b; p < e; ++p) {
      int64_t nIdx = p / OC, oc = p % OC, g = oc / OCg;
      std::fill(acc.begin(), acc.end(), bp ? int64_t(bp[oc]) : 0);
      for (int64_t icl = 0; icl < ICg; ++icl) {
        const int32_t *plane = xw.data() + ((nIdx * C + g * ICg + icl) * IH) * IW;
        const int8_t *wk = wp + ((oc * ICg + icl) * KH) * KW;
        for (int64_t ky = 0; ky < KH; ++ky)
          for (int64_t kx = 0; kx < KW; ++kx) {
            int64_t wv = wk[ky * KW + kx];
            if (!wv)
              continue;
            int64_t offX = kx * dw - pl;
            int64_t lo = offX >= 0 ? 0 : (-offX + sw - 1) / sw;
            int64_t hi = IW - offX <= 0 ? 0 : (IW - offX - 1) / sw + 1;
            hi = std::min(hi, OW);
            if (lo >= hi)
              continue;
            for (int64_t oy = 0; oy < OH; ++oy) {
              int64_t iy = oy * sh + ky * dh - pt;
              if (iy < 0 || iy >= IH)
                continue;
              const int32_t *row = plane + iy * IW + offX;
              int64_t *a = acc.data() + oy * OW;
              for (int64_t ox = lo; ox < hi; ++ox)
                a[ox] += wv * row[ox * sw];
            }
          }
      }
      int64_t base = (nIdx * OC + oc) * OH * OW;
      for (int64_t i = 0; i < OH * OW; ++i) {
        int64_t v = rq.apply(acc[size_t(i)], oc, outZp);
        if (relu)
          v = std::max(v, outZp);
        Y.store(base + i, v);
      }
    }
  });
  out.push_back(std::move(Y.t));
  return llvm::Error::success();
}

//===-- qmatmul -----------------------------------------------------------===//

llvm::Error inferQMatMul(Node &n) {
  if (llvm::Error e = checkAttrs(n, true))
    return e;
  if (llvm::Error e = expectDType(n, 0, {DType::I8, DType::U8}))
    return e;
  if (llvm::Error e = expectDType(n, 1, {DType::I8}))
    return e;
  const Shape &a = n.input(0)->shape(), &b = n.input(1)->shape();
  if (a.rank() != 2 || b.rank() != 2)
    return makeError("qmatmul takes 2-D operands, got " + a.str() + " and " +
                     b.str());
  bool tb = n.getInt("trans_b") != 0;
  int64_t K = tb ? b[1] : b[0], N = tb ? b[0] : b[1];
  if (a[1] >= 0 && a[1] != K)
    return makeError("inner dimensions differ: " + a.str() + " and " +
                     b.str() + (tb ? " (transposed)" : ""));
  if (Value *bias = n.input(2))
    if (bias->dtype() != DType::I32 || bias->shape().rank() != 1 ||
        bias->shape()[0] != N)
      return makeError("bias must be i32 [" + llvm::Twine(N) + "], got " +
                       bias->type().str());
  if (llvm::Error e = checkRequantAttrs(n, N, "output column"))
    return e;
  DType to = n.getType("to");
  if (llvm::Error e = expectIntOut(n, to, true))
    return e;
  setQOutput(n, to, Shape{a[0], N});
  return llvm::Error::success();
}

llvm::Error computeQMatMul(const Node &n, llvm::ArrayRef<Tensor> in,
                           std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = checkAttrs(n, true))
    return e;
  const Tensor &A = in[0], &Bm = in[1];
  const Tensor *bias = in.size() > 2 && in[2].isValid() ? &in[2] : nullptr;
  if (A.shape().rank() != 2 || Bm.shape().rank() != 2 ||
      Bm.dtype() != DType::I8 || !isIntType(A.dtype()) ||
      (bias && bias->dtype() != DType::I32))
    return makeError("qmatmul takes 2-D i8/u8 A, i8 B and i32 bias");
  bool tb = n.getInt("trans_b") != 0;
  const int64_t M = A.shape()[0], K = A.shape()[1],
                N = tb ? Bm.shape()[0] : Bm.shape()[1];
  if ((tb ? Bm.shape()[1] : Bm.shape()[0]) != K)
    return makeError("qmatmul inner dimensions differ");
  if (bias && bias->numElements() != N)
    return makeError("qmatmul bias does not have one value per column");
  Rq rq(n);
  if (rq.m.size() != 1 && int64_t(rq.m.size()) != N)
    return makeError("qmatmul multiplier count does not match the columns");
  const int64_t aZp = n.getInt("a_zp"), outZp = n.getInt("out_zp");
  const bool relu = n.getInt("relu") != 0;
  IntOut Y(n.getType("to"), Shape{M, N});
  const int8_t *bp = Bm.data<int8_t>();
  ctx.parallelFor(M, 1, [&](int64_t b, int64_t e) {
    std::vector<int64_t> arow(static_cast<size_t>(K));
    for (int64_t m = b; m < e; ++m) {
      for (int64_t k = 0; k < K; ++k)
        arow[size_t(k)] = loadInt(A, m * K + k) - aZp;
      for (int64_t j = 0; j < N; ++j) {
        int64_t acc = bias ? bias->data<int32_t>()[j] : 0;
        for (int64_t k = 0; k < K; ++k)
          acc += arow[size_t(k)] * (tb ? bp[j * K + k] : bp[k * N + j]);
        int64_t v = rq.apply(acc, j, outZp);
        if (relu)
          v = std::max(v, outZp);
        Y.store(m * N + j, v);
      }
    }
  });
  out.push_back(std::move(Y.t));
  return llvm::Error::success();
}

//===-- qadd --------------------------------------------------------------===//

llvm::Error inferQAdd(Node &n) {
  if (llvm::Error e = checkAttrs(n, false))
    return e;
  for (unsigned i = 0; i < 2; ++i)
    if (llvm::Error e = expectDType(n, i, {DType::I8}))
      return e;
  if (n.getInts("multiplier").size() != 2)
    return makeError("qadd needs two multipliers (one per input)");
  for (int64_t m : n.getInts("multiplier"))
    if (m < -32768 || m > 32767)
      return makeError("qadd multiplier " + llvm::Twine(m) +
                       " does not fit 16 bits");
  int64_t s = n.getInt("shift");
  if (s < 0 || s > 62)
    return makeError("qadd shift must be in [0, 62], got " + llvm::Twine(s));
  DType to = n.getType("to");
  if (llvm::Error e = expectIntOut(n, to, false))
    return e;
  llvm::Expected<Shape> sh =
      broadcastShapes(n.input(0)->shape(), n.input(1)->shape());
  if (!sh)
    return sh.takeError();
  setQOutput(n, to, *sh);
  return llvm::Error::success();
}

/// Index of output element `i` (of shape ys, row-major) in an operand of
/// shape xs broadcast to ys.
int64_t broadcastIndex(int64_t i, const Shape &ys, const Shape &xs) {
  int64_t idx = 0, stride = 1;
  size_t off = ys.rank() - xs.rank();
  for (size_t d = ys.rank(); d-- > 0;) {
    int64_t coord = i % ys[d];
    i /= ys[d];
    if (d >= off) {
      int64_t ext = xs[d - off];
      idx += (ext == 1 ? 0 : coord) * stride;
      stride *= ext;
    }
  }
  return idx;
}

llvm::Error computeQAdd(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = checkAttrs(n, false))
    return e;
  const Tensor &A = in[0], &B = in[1];
  if (A.dtype() != DType::I8 || B.dtype() != DType::I8)
    return makeError("qadd takes i8 operands");
  llvm::Expected<Shape> ys = broadcastShapes(A.shape(), B.shape());
  if (!ys)
    return ys.takeError();
  auto m = n.getInts("multiplier");
  if (m.size() != 2)
    return makeError("qadd needs two multipliers");
  const int shift = int(n.getInt("shift"));
  const int64_t zp = n.getInt("out_zp");
  const bool relu = n.getInt("relu") != 0;
  IntOut Y(n.getType("to"), *ys);
  const int8_t *a = A.data<int8_t>(), *b = B.data<int8_t>();
  bool same = A.shape() == *ys && B.shape() == *ys;
  for (int64_t i = 0, e = ys->numElements(); i < e; ++i) {
    int64_t ia = same ? i : broadcastIndex(i, *ys, A.shape());
    int64_t ib = same ? i : broadcastIndex(i, *ys, B.shape());
    int64_t v = requantValue(a[ia] * m[0] + b[ib] * m[1], 1, shift,
                             int32_t(zp));
    if (relu)
      v = std::max(v, zp);
    Y.store(i, v);
  }
  out.push_back(std::move(Y.t));
  return llvm::Error::success();
}

//===-- qavg_pool ---------------------------------------------------------===//

llvm::Expected<Geom3> qpoolGeom(const Node &n, const Shape &xs, Shape &ys) {
  if (xs.rank() != 4)
    return makeError("qavg_pool takes a 4-D input, got " + xs.str());
  llvm::Expected<Window> win = readWindow(n, 2, {}, false);
  if (!win)
    return win.takeError();
  ys = Shape{xs[0], xs[1]};
  for (int i = 0; i < 2; ++i) {
    bool ok;
    int64_t o = windowOutDim(xs[2 + i], win->kernel[i], win->strides[i], 1,
                             win->padBegin[i], win->padEnd[i], false, ok);
    if (!ok)
      return makeError("window does not fit input " + xs.str());
    ys.mutableDims().push_back(o);
  }
  return makeGeom3(*win, {xs[2], xs[3]}, {ys[2], ys[3]});
}

llvm::Error inferQAvgPool(Node &n) {
  if (llvm::Error e = checkAttrs(n, false))
    return e;
  if (llvm::Error e = expectDType(n, 0, {DType::I8, DType::U8}))
    return e;
  DType to = n.getType("to");
  if (llvm::Error e = expectIntOut(n, to, false))
    return e;
  int64_t m = n.getInt("multiplier"), s = n.getInt("shift");
  if (m < INT32_MIN || m > INT32_MAX || s < -128 || s > 127)
    return makeError("multiplier/shift out of range");
  Shape ys;
  llvm::Expected<Geom3> g = qpoolGeom(n, n.input(0)->shape(), ys);
  if (!g)
    return g.takeError();
  setQOutput(n, to, ys);
  return llvm::Error::success();
}

llvm::Error computeQAvgPool(const Node &n, llvm::ArrayRef<Tensor> in,
                            std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = checkAttrs(n, false))
    return e;
  const Tensor &X = in[0];
  if (X.dtype() != DType::I8 && X.dtype() != DType::U8)
    return makeError("qavg_pool takes i8/u8");
  Shape ys;
  llvm::Expected<Geom3> gOr = qpoolGeom(n, X.shape(), ys);
  if (!gOr)
    return gOr.takeError();
  const Geom3 g = *gOr;
  const int32_t m = int32_t(n.getInt("multiplier"));
  const int s = int(n.getInt("shift"));
  const int64_t inZp = n.getInt("in_zp"), outZp = n.getInt("out_zp");
  IntOut Y(n.getType("to"), ys);
  const int64_t planes = ys[0] * ys[1], IH = g.in[1], IW = g.in[2];
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oy = 0; oy < g.out[1]; ++oy)
      for (int64_t ox = 0; ox < g.out[2]; ++ox) {
        // Padding holds the input zero point, so it adds nothing.
        int64_t acc = 0;
        for (int64_t ky = 0; ky < g.k[1]; ++ky) {
          int64_t iy = oy * g.s[1] + ky - g.pb[1];
          if (iy < 0 || iy >= IH)
            continue;
          for (int64_t kx = 0; kx < g.k[2]; ++kx) {
            int64_t ix = ox * g.s[2] + kx - g.pb[2];
            if (ix < 0 || ix >= IW)
              continue;
            acc += loadInt(X, (p * IH + iy) * IW + ix) - inZp;
          }
        }
        Y.store((p * g.out[1] + oy) * g.out[2] + ox,
                requantValue(acc, m, s, int32_t(outZp)));
      }
  out.push_back(std::move(Y.t));
  return llvm::Error::success();
}

//===-- requant -----------------------------------------------------------===//

llvm::Error inferRequant(Node &n) {
  if (llvm::Error e = checkAttrs(n, true))
    return e;
  if (llvm::Error e =
          expectDType(n, 0, {DType::I8, DType::U8, DType::I16, DType::I32}))
    return e;
  const Shape &x = n.input(0)->shape();
  if (llvm::Error e =
          checkRequantAttrs(n, x.rank() >= 2 ? x[1] : -1, "channel (axis 1)"))
    return e;
  DType to = n.getType("to");
  if (llvm::Error e = expectIntOut(n, to, true))
    return e;
  setQOutput(n, to, x);
  return llvm::Error::success();
}

llvm::Error computeRequant(const Node &n, llvm::ArrayRef<Tensor> in,
                           std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = checkAttrs(n, true))
    return e;
  const Tensor &X = in[0];
  if (!isIntType(X.dtype()))
    return makeError("requant takes an integer tensor");
  Rq rq(n);
  const Shape &xs = X.shape();
  int64_t C = xs.rank() >= 2 ? xs[1] : 1;
  if (rq.m.size() != 1 && int64_t(rq.m.size()) != C)
    return makeError("requant multiplier count does not match the channels");
  int64_t inner = 1;
  for (size_t d = 2; d < xs.rank(); ++d)
    inner *= xs[d];
  const int64_t inZp = n.getInt("in_zp"), outZp = n.getInt("out_zp");
  IntOut Y(n.getType("to"), xs);
  for (int64_t i = 0, e = X.numElements(); i < e; ++i)
    Y.store(i, rq.apply(loadInt(X, i) - inZp, (i / inner) % C, outZp));
  out.push_back(std::move(Y.t));
  return llvm::Error::success();
}

//===-- lut ---------------------------------------------------------------===//

llvm::Error inferLut(Node &n) {
  if (llvm::Error e = expectDType(n, 0, {DType::I8, DType::U8}))
    return e;
  Value *t = n.input(1);
  if (t->shape().rank() != 1 || t->shape()[0] != 256)
    return makeError("lut table must have 256 entries, got " + t->type().str());
  if (llvm::Error e = expectDType(n, 1, {DType::I8, DType::U8}))
    return e;
  setQOutput(n, t->dtype(), n.input(0)->shape());
  return llvm::Error::success();
}

llvm::Error computeLut(const Node &, llvm::ArrayRef<Tensor> in,
                       std::vector<Tensor> &out, KernelContext &) {
  const Tensor &X = in[0], &T = in[1];
  if ((X.dtype() != DType::I8 && X.dtype() != DType::U8) ||
      T.numElements() != 256 ||
      (T.dtype() != DType::I8 && T.dtype() != DType::U8))
    return makeError("lut takes an 8-bit input and a 256-entry 8-bit table");
  Tensor Y(T.dtype(), X.shape());
  const uint8_t *x = X.data<uint8_t>(), *t = T.data<uint8_t>();
  uint8_t *y = Y.data<uint8_t>();
  for (int64_t i = 0, e = X.numElements(); i < e; ++i)
    y[i] = t[x[i]];
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

} // namespace

void registerQuantOps(HookTable &t) {
  t[size_t(OpKind::Quantize)] = {inferQuantize, computeQuantize};
  t[size_t(OpKind::Dequantize)] = {inferDequantize, computeDequantize};
  t[size_t(OpKind::QConv)] = {inferQConv, computeQConv};
  t[size_t(OpKind::QMatMul)] = {inferQMatMul, computeQMatMul};
  t[size_t(OpKind::QAdd)] = {inferQAdd, computeQAdd};
  t[size_t(OpKind::QAvgPool)] = {inferQAvgPool, computeQAvgPool};
  t[size_t(OpKind::Requant)] = {inferRequant, computeRequant};
  t[size_t(OpKind::Lut)] = {inferLut, computeLut};
}

} // namespace onntc
