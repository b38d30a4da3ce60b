//===- NnPool.cpp - MaxPool, AveragePool and the global pools -------------===//
#include "ir/ops/NnCommon.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace onntc {

namespace {

/// Validates a pool node and computes its output shape.
llvm::Expected<Shape> poolShape(const Node &n, bool hasDilations,
                                Window *winOut = nullptr) {
  const Shape &x = n.input(0)->shape();
  if (x.rank() < 3 || x.rank() > 5)
    return makeError("input must have rank 3 to 5 (N, C, 1 to 3 spatial "
                     "dims), got " + x.str());
  int nsp = int(x.rank()) - 2;
  llvm::Expected<Window> win = readWindow(n, nsp, {}, hasDilations);
  if (!win)
    return win.takeError();
  bool ceilMode = n.getInt("ceil_mode") != 0;
  Shape out{x[0], x[1]};
  for (int i = 0; i < nsp; ++i) {
    bool ok;
    int64_t o = windowOutDim(x[2 + i], win->kernel[i], win->strides[i],
                             win->dilations[i], win->padBegin[i],
                             win->padEnd[i], ceilMode, ok);
    if (!ok)
      return makeError("kernel of extent " + llvm::Twine(win->kernel[i]) +
                       " does not fit spatial dim " + llvm::Twine(i) +
                       " of input " + x.str());
    out.mutableDims().push_back(o);
  }
  if (winOut)
    *winOut = *win;
  return out;
}

/// Same as poolShape, for the concrete input of a kernel.
llvm::Expected<Geom3> poolGeom(const Node &n, const Shape &xs,
                               bool hasDilations, Shape &ys) {
  int nsp = int(xs.rank()) - 2;
  if (nsp < 1 || nsp > 3)
    return makeError("pool input must have rank 3 to 5");
  llvm::Expected<Window> win = readWindow(n, nsp, {}, hasDilations);
  if (!win)
    return win.takeError();
  bool ceilMode = n.getInt("ceil_mode") != 0;
  ys = Shape{xs[0], xs[1]};
  llvm::SmallVector<int64_t, 3> inSp, outSp;
  for (int i = 0; i < nsp; ++i) {
    bool ok;
    int64_t o = windowOutDim(xs[2 + i], win->kernel[i], win->strides[i],
                             win->dilations[i], win->padBegin[i],
                             win->padEnd[i], ceilMode, ok);
    if (!ok)
      return makeError("pool kernel does not fit the input");
    inSp.push_back(xs[2 + i]);
    outSp.push_back(o);
    ys.mutableDims().push_back(o);
  }
  return makeGeom3(*win, inSp, outSp);
}

/// For each output coordinate along spatial axis `i`, the range of kernel
/// taps [lo, hi) that land inside the input (dilation included).
struct TapRanges {
  std::vector<int64_t> lo[3], hi[3];
  explicit TapRanges(const Geom3 &g) {
    for (int i = 0; i < 3; ++i)
      for (int64_t o = 0; o < g.out[i]; ++o) {
        int64_t start = o * g.s[i] - g.pb[i];
        int64_t l = 0, h = g.k[i];
        while (l < h && start + l * g.d[i] < 0)
          ++l;
        while (h > l && start + (h - 1) * g.d[i] >= g.in[i])
          --h;
        lo[i].push_back(l);
        hi[i].push_back(h);
      }
  }
};

template <typename T>
void maxPoolPlanes(const T *x, T *y, int64_t *idx, const Geom3 &g,
                   const TapRanges &tr, bool colMajor, int64_t p0,
                   int64_t p1) {
  int64_t is = g.inSize(), os = g.outSize();
  T lowest = std::numeric_limits<T>::has_infinity
                 ? -std::numeric_limits<T>::infinity()
                 : std::numeric_limits<T>::lowest();
  for (int64_t p = p0; p < p1; ++p) {
    const T *xp = x + p * is;
    T *yp = y + p * os;
    int64_t *ip = idx ? idx + p * os : nullptr;
    for (int64_t oz = 0; oz < g.out[0]; ++oz)
      for (int64_t oy = 0; oy < g.out[1]; ++oy)
        for (int64_t ox = 0; ox < g.out[2]; ++ox) {
          T best = lowest;
          int64_t bestPos = -1;
          int64_t bz = oz * g.s[0] - g.pb[0], by = oy * g.s[1] - g.pb[1],
                  bx = ox * g.s[2] - g.pb[2];
          for (int64_t kz = tr.lo[0][oz]; kz < tr.hi[0][oz]; ++kz) {
            int64_t iz = bz + kz * g.d[0];
            for (int64_t ky = tr.lo[1][oy]; ky < tr.hi[1][oy]; ++ky) {
              int64_t row = (iz * g.in[1] + by + ky * g.d[1]) * g.in[2] + bx;
              if (!ip) {
                // Values only: branch-free running maximum.
                for (int64_t kx = tr.lo[2][ox]; kx < tr.hi[2][ox]; ++kx) {
                  T v = xp[row + kx * g.d[2]];
                  best = v > best ? v : best;
                }
                continue;
              }
              for (int64_t kx = tr.lo[2][ox]; kx < tr.hi[2][ox]; ++kx) {
                int64_t pos = row + kx * g.d[2];
                if (bestPos < 0 || xp[pos] > best) {
                  best = xp[pos];
                  bestPos = pos;
                }
              }
            }
          }
          int64_t o = (oz * g.out[1] + oy) * g.out[2] + ox;
          yp[o] = best;
          if (ip) {
            int64_t local = bestPos;
            if (colMajor && bestPos >= 0) {
              // Column-major numbering of the spatial dims.
              int64_t iz = bestPos / (g.in[1] * g.in[2]);
              int64_t iy = bestPos / g.in[2] % g.in[1];
              int64_t ix = bestPos % g.in[2];
              local = iz + iy * g.in[0] + ix * g.in[0] * g.in[1];
            }
            ip[o] = bestPos < 0 ? -1 : p * is + local;
          }
        }
  }
}

} // namespace

llvm::Error inferMaxPool(Node &n) {
  if (llvm::Error e =
          expectDType(n, 0, {DType::F32, DType::I8, DType::U8, DType::I16,
                             DType::U16, DType::I32, DType::I64}))
    return e;
  llvm::Expected<Shape> s = poolShape(n, true);
  if (!s)
    return s.takeError();
  if (n.getInt("storage_order") != 0 && n.getInt("storage_order") != 1)
    return makeError("storage_order must be 0 or 1");
  setOutput(n, 0, n.input(0)->dtype(), *s);
  if (n.numOutputs() > 1)
    setOutput(n, 1, DType::I64, *s);
  return llvm::Error::success();
}

llvm::Error computeMaxPool(const Node &n, llvm::ArrayRef<Tensor> in,
                           std::vector<Tensor> &out, KernelContext &ctx) {
  const Tensor &X = in[0];
  Shape ys;
  llvm::Expected<Geom3> g = poolGeom(n, X.shape(), true, ys);
  if (!g)
    return g.takeError();
  bool wantIdx = n.numOutputs() > 1;
  bool colMajor = n.getInt("storage_order") == 1;
  int64_t planes = X.shape()[0] * X.shape()[1];
  return dispatchNumeric(X.dtype(), "MaxPool", [&](auto tag) -> llvm::Error {
    using T = decltype(tag);
    Tensor Y(X.dtype(), ys);
    Tensor I = wantIdx ? Tensor(DType::I64, ys) : Tensor();
    const T *x = X.data<T>();
    T *y = Y.data<T>();
    int64_t *idx = wantIdx ? I.data<int64_t>() : nullptr;
    TapRanges tr(*g);
    ctx.parallelFor(planes, 1, [&](int64_t b, int64_t e) {
      maxPoolPlanes<T>(x, y, idx, *g, tr, colMajor, b, e);
    });
    out.push_back(std::move(Y));
    if (wantIdx)
      out.push_back(std::move(I));
    return llvm::Error::success();
  });
}

llvm::Error inferAveragePool(Node &n) {
  if (llvm::Error e = expectDType(n, 0, {DType::F32}))
    return e;
  llvm::Expected<Shape> s = poolShape(n, false);
  if (!s)
    return s.takeError();
  setOutput(n, 0, DType::F32, *s);
  return llvm::Error::success();
}

llvm::Error computeAveragePool(const Node &n, llvm::ArrayRef<Tensor> in,
                               std::vector<Tensor> &out, KernelContext &ctx) {
  const Tensor &X = in[0];
  if (X.dtype() != DType::F32)
    return makeError("AveragePool supports f32 only");
  Shape ys;
  llvm::Expected<Geom3> gOr = poolGeom(n, X.shape(), false, ys);
  if (!gOr)
    return gOr.takeError();
  const Geom3 g = *gOr;
  bool includePad = n.getInt("count_include_pad") != 0;
  Tensor Y(DType::F32, ys);
  const float *x = X.data<float>();
  float *y = Y.data<float>();
  int64_t is = g.inSize(), os = g.outSize();
  ctx.parallelFor(X.shape()[0] * X.shape()[1], 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const float *xp = x + p * is;
      float *yp = y + p * os;
      for (int64_t oz = 0; oz < g.out[0]; ++oz)
        for (int64_t oy = 0; oy < g.out[1]; ++oy)
          for (int64_t ox = 0; ox < g.out[2]; ++ox) {
            int64_t o[3] = {oz, oy, ox}, lo[3], hi[3], plo[3], phi[3];
            for (int i = 0; i < 3; ++i) {
              int64_t start = o[i] * g.s[i] - g.pb[i];
              int64_t end = start + g.k[i];
              // Padded region counts when count_include_pad, but never the
              // part of a ceil_mode window beyond the end padding.
              plo[i] = std::max<int64_t>(start, -g.pb[i]);
              phi[i] = std::min<int64_t>(end, g.in[i] + g.pe[i]);
              lo[i] = std::max<int64_t>(start, 0);
              hi[i] = std::min<int64_t>(end, g.in[i]);
            }
            float sum = 0.0f;
            for (int64_t iz = lo[0]; iz < hi[0]; ++iz)
              for (int64_t iy = lo[1]; iy < hi[1]; ++iy) {
                const float *row = xp + (iz * g.in[1] + iy) * g.in[2];
                for (int64_t ix = lo[2]; ix < hi[2]; ++ix)
                  sum += row[ix];
              }
            int64_t count = 1;
            for (int i = 0; i < 3; ++i)
              count *= includePad ? std::max<int64_t>(0, phi[i] - plo[i])
                                  : std::max<int64_t>(0, hi[i] - lo[i]);
            yp[(oz * g.out[1] + oy) * g.out[2] + ox] =
                count > 0 ? sum / float(count) : 0.0f;
          }
    }
  });
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

llvm::Error inferGlobalPool(Node &n) {
  const Shape &x = n.input(0)->shape();
  if (n.kind() == OpKind::GlobalAveragePool) {
    if (llvm::Error e = expectDType(n, 0, {DType::F32}))
      return e;
  } else if (llvm::Error e = expectDType(n, 0,
                                         {DType::F32, DType::I8, DType::U8,
                                          DType::I32, DType::I64}))
    return e;
  if (x.rank() < 3)
    return makeError("input must have rank >= 3 (N, C, spatial...), got " +
                     x.str());
  Shape out = x;
  for (size_t i = 2; i < x.rank(); ++i)
    out[i] = 1;
  setOutput(n, 0, n.input(0)->dtype(), out);
  return llvm::Error::success();
}

static Shape globalOutShape(const Shape &x) {
  Shape out = x;
  for (size_t i = 2; i < x.rank(); ++i)
    out[i] = 1;
  return out;
}

llvm::Error computeGlobalAveragePool(const Node &n, llvm::ArrayRef<Tensor> in,
                                     std::vector<Tensor> &out,
                                     KernelContext &ctx) {
  const Tensor &X = in[0];
  if (X.dtype() != DType::F32 || X.shape().rank() < 3)
    return makeError("GlobalAveragePool needs an f32 input of rank >= 3");
  int64_t planes = X.shape()[0] * X.shape()[1];
  int64_t size = planes == 0 ? 0 : X.numElements() / planes;
  Tensor Y(DType::F32, globalOutShape(X.shape()));
  const float *x = X.data<float>();
  float *y = Y.data<float>();
  ctx.parallelFor(planes, 16, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      double s = 0.0;
      for (int64_t i = 0; i < size; ++i)
        s += x[p * size + i];
      y[p] = size ? float(s / double(size)) : 0.0f;
    }
  });
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

llvm::Error computeGlobalMaxPool(const Node &n, llvm::ArrayRef<Tensor> in,
                                 std::vector<Tensor> &out,
                                 KernelContext &ctx) {
  const Tensor &X = in[0];
  if (X.shape().rank() < 3)
    return makeError("GlobalMaxPool needs an input of rank >= 3");
  int64_t planes = X.shape()[0] * X.shape()[1];
  int64_t size = planes == 0 ? 0 : X.numElements() / planes;
  return dispatchNumeric(X.dtype(), "GlobalMaxPool", [&](auto tag) {
    using T = decltype(tag);
    Tensor Y(X.dtype(), globalOutShape(X.shape()));
    const T *x = X.data<T>();
    T *y = Y.data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      T m = size ? x[p * size] : T{};
      for (int64_t i = 1; i < size; ++i)
        m = std::max(m, x[p * size + i]);
      y[p] = m;
    }
    out.push_back(std::move(Y));
    return llvm::Error::success();
  });
}

} // namespace onntc
