//===- NnConv.cpp - Conv and ConvTranspose --------------------------------===//
//
// Conv runs as one GEMM per (image, group): W_g [F/g x C/g*k] times the
// im2col matrix [C/g*k x out]. Pointwise convolutions (1x1, stride 1, no
// padding) multiply the input directly with no copy. Convolutions with one
// input channel per group (depthwise) use a direct kernel instead, since
// their GEMMs would have K = k and no reuse. ConvTranspose is the adjoint:
// a GEMM into a column matrix followed by col2im accumulation.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/Gemm.h"
#include "ir/ops/NnCommon.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace onntc {

namespace {

/// Checks X/W(/B) of Conv or ConvTranspose; returns the spatial rank.
llvm::Expected<int> checkConvOperands(const Node &n) {
  if (llvm::Error e = expectDType(n, 0, {DType::F32}))
    return e;
  if (llvm::Error e = expectDType(n, 1, {DType::F32}))
    return e;
  const Shape &x = n.input(0)->shape(), &w = n.input(1)->shape();
  if (x.rank() < 3 || x.rank() > 5)
    return makeError("input must have rank 3 to 5 (N, C, 1 to 3 spatial "
                     "dims), got " + x.str());
  if (w.rank() != x.rank())
    return makeError("weight shape " + w.str() +
                     " must have the same rank as the input " + x.str());
  if (n.getInt("group") < 1)
    return makeError("group must be at least 1, got " +
                     llvm::Twine(n.getInt("group")));
  if (Value *b = n.input(2)) {
    if (b->dtype() != DType::F32 || b->shape().rank() != 1)
      return makeError("bias must be a 1-D f32 tensor, got " + b->type().str());
  }
  return int(x.rank() - 2);
}

llvm::SmallVector<int64_t, 3> spatialOf(const Shape &s) {
  return llvm::SmallVector<int64_t, 3>(s.dims().begin() + 2, s.dims().end());
}

/// Writes column panels [p0, p1) of the im2col matrix of one image and group
/// (Cg channels) straight into sgemm's packed-B layout with panel width W,
/// so the GEMM needs no separate packing pass.
void im2colPacked(const float *x, const Geom3 &g, int64_t Cg, int64_t W,
                  int64_t p0, int64_t p1, float *dst) {
  int64_t ks = g.kSize(), os = g.outSize(), K = Cg * ks;
  // A panel's columns split into runs that share one output row.
  struct Run {
    int64_t col, len, oz, oy, ox0;
  };
  std::vector<Run> runs;
  for (int64_t p = p0; p < p1; ++p) {
    int64_t n0 = p * W, cols = std::min(W, os - n0);
    runs.clear();
    for (int64_t j = 0; j < cols;) {
      int64_t n = n0 + j, ox = n % g.out[2], rest = n / g.out[2];
      int64_t len = std::min(cols - j, g.out[2] - ox);
      runs.push_back({j, len, rest / g.out[1], rest % g.out[1], ox});
      j += len;
    }
    float *pd = dst + p * W * K;
    for (int64_t c = 0; c < Cg; ++c) {
      const float *xc = x + c * g.inSize();
      for (int64_t kz = 0; kz < g.k[0]; ++kz)
        for (int64_t ky = 0; ky < g.k[1]; ++ky)
          for (int64_t kx = 0; kx < g.k[2]; ++kx) {
            int64_t row = c * ks + (kz * g.k[1] + ky) * g.k[2] + kx;
            float *d = pd + row * W;
            for (int64_t j = cols; j < W; ++j)
              d[j] = 0.0f;
            int64_t xoff = kx * g.d[2] - g.pb[2];
            int64_t lo = xoff >= 0 ? 0 : (-xoff + g.s[2] - 1) / g.s[2];
            int64_t hi = g.in[2] - xoff <= 0
                             ? 0
                             : (g.in[2] - xoff + g.s[2] - 1) / g.s[2];
            for (const Run &r : runs) {
              float *ds = d + r.col - r.ox0; // indexed by ox
              int64_t iz = r.oz * g.s[0] - g.pb[0] + kz * g.d[0];
              int64_t iy = r.oy * g.s[1] - g.pb[1] + ky * g.d[1];
              int64_t a = r.ox0, b = r.ox0 + r.len;
              if (iz < 0 || iz >= g.in[0] || iy < 0 || iy >= g.in[1]) {
                for (int64_t ox = a; ox < b; ++ox)
                  ds[ox] = 0.0f;
                continue;
              }
              const float *src = xc + (iz * g.in[1] + iy) * g.in[2] + xoff;
              int64_t vlo = std::min(std::max(lo, a), b);
              int64_t vhi = std::min(std::max(hi, vlo), b);
              for (int64_t ox = a; ox < vlo; ++ox)
                ds[ox] = 0.0f;
              if (g.s[2] == 1)
                std::memcpy(ds + vlo, src + vlo, sizeof(float) * (vhi - vlo));
              else
                for (int64_t ox = vlo; ox < vhi; ++ox)
                  ds[ox] = src[ox * g.s[2]];
              for (int64_t ox = vhi; ox < b; ++ox)
                ds[ox] = 0.0f;
            }
          }
    }
  }
}

typedef float V8 __attribute__((vector_size(32)));

/// dst[i] += w * src[i] for i < n, eight lanes at a time (GCC vector
/// extensions: AVX where compiled for it, SSE pairs on baseline x86-64).
void axpyRow(float *dst, const float *src, float w, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V8 d, s;
    std::memcpy(&d, dst + i, sizeof(V8));
    std::memcpy(&s, src + i, sizeof(V8));
    d += w * s;
    std::memcpy(dst + i, &d, sizeof(V8));
  }
  for (; i < n; ++i)
    dst[i] += w * src[i];
}

/// One output plane of a convolution with a single input channel.
void depthwisePlane(const float *x, const float *w, float bias, const Geom3 &g,
                    float *y) {
  int64_t os = g.outSize();
  for (int64_t i = 0; i < os; ++i)
    y[i] = bias;
  for (int64_t kz = 0; kz < g.k[0]; ++kz)
    for (int64_t ky = 0; ky < g.k[1]; ++ky)
      for (int64_t kx = 0; kx < g.k[2]; ++kx) {
        float wv = w[(kz * g.k[1] + ky) * g.k[2] + kx];
        int64_t xoff = kx * g.d[2] - g.pb[2];
        int64_t lo = xoff >= 0 ? 0 : (-xoff + g.s[2] - 1) / g.s[2];
        int64_t hi = g.in[2] - xoff <= 0
                         ? 0
                         : (g.in[2] - xoff + g.s[2] - 1) / g.s[2];
        lo = std::min(lo, g.out[2]);
        hi = std::max(lo, std::min(hi, g.out[2]));
        for (int64_t oz = 0; oz < g.out[0]; ++oz) {
          int64_t iz = oz * g.s[0] - g.pb[0] + kz * g.d[0];
          if (iz < 0 || iz >= g.in[0])
            continue;
          for (int64_t oy = 0; oy < g.out[1]; ++oy) {
            int64_t iy = oy * g.s[1] - g.pb[1] + ky * g.d[1];
            if (iy < 0 || iy >= g.in[1])
              continue;
            const float *src = x + (iz * g.in[1] + iy) * g.in[2] + xoff;
            float *dst = y + (oz * g.out[1] + oy) * g.out[2];
            if (g.s[2] == 1) {
              if (hi > lo)
                axpyRow(dst + lo, src + lo, wv, hi - lo);
            } else {
              for (int64_t ox = lo; ox < hi; ++ox)
                dst[ox] += wv * src[ox * g.s[2]];
            }
          }
        }
      }
}

} // namespace

llvm::Error inferConv(Node &n) {
  llvm::Expected<int> nspOr = checkConvOperands(n);
  if (!nspOr)
    return nspOr.takeError();
  int nsp = *nspOr;
  const Shape &x = n.input(0)->shape(), &w = n.input(1)->shape();
  int64_t group = n.getInt("group");
  if (x[1] >= 0 && w[1] >= 0 && x[1] != w[1] * group)
    return makeError("input has " + llvm::Twine(x[1]) +
                     " channels but weight " + w.str() + " with group " +
                     llvm::Twine(group) + " expects " +
                     llvm::Twine(w[1] * group));
  if (w[0] >= 0 && w[0] % group != 0)
    return makeError("output channels " + llvm::Twine(w[0]) +
                     " are not divisible by group " + llvm::Twine(group));
  if (Value *b = n.input(2))
    if (b->shape()[0] >= 0 && w[0] >= 0 && b->shape()[0] != w[0])
      return makeError("bias has " + llvm::Twine(b->shape()[0]) +
                       " values but there are " + llvm::Twine(w[0]) +
                       " output channels");
  llvm::Expected<Window> win = readWindow(n, nsp, spatialOf(w), true);
  if (!win)
    return win.takeError();
  Shape out{x[0], w[0]};
  for (int i = 0; i < nsp; ++i) {
    bool ok;
    int64_t o = windowOutDim(x[2 + i], win->kernel[i], win->strides[i],
                             win->dilations[i], win->padBegin[i],
                             win->padEnd[i], false, ok);
    if (!ok)
      return makeError("kernel of extent " + llvm::Twine(win->kernel[i]) +
                       " does not fit spatial dim " + llvm::Twine(i) +
                       " of input " + x.str() + " with the given pads");
    out.mutableDims().push_back(o);
  }
  setOutput(n, 0, DType::F32, out);
  return llvm::Error::success();
}

llvm::Error computeConv(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = expectF32Inputs(in, {0, 1}, {2}, "Conv"))
    return e;
  const Tensor &X = in[0], &W = in[1];
  const Shape &xs = X.shape(), &ws = W.shape();
  int nsp = int(xs.rank()) - 2;
  if (nsp < 1 || nsp > 3 || ws.rank() != xs.rank())
    return makeError("Conv expects input and weight of equal rank 3 to 5");
  int64_t N = xs[0], C = xs[1], F = ws[0], group = n.getInt("group");
  if (group < 1 || C != ws[1] * group || F % group != 0)
    return makeError("Conv channel counts do not match the weight and group");
  llvm::Expected<Window> win = readWindow(n, nsp, spatialOf(ws), true);
  if (!win)
    return win.takeError();
  llvm::SmallVector<int64_t, 3> outSp;
  for (int i = 0; i < nsp; ++i) {
    bool ok;
    outSp.push_back(windowOutDim(xs[2 + i], win->kernel[i], win->strides[i],
                                 win->dilations[i], win->padBegin[i],
                                 win->padEnd[i], false, ok));
    if (!ok)
      return makeError("Conv kernel does not fit the input");
  }
  Geom3 g = makeGeom3(*win, spatialOf(xs), outSp);
  Shape ys{N, F};
  for (int64_t o : outSp)
    ys.mutableDims().push_back(o);
  if (llvm::Error e = checkResultSize(double(ys.numElements()) *
                                          std::max<int64_t>(1, g.kSize()),
                                      "Conv"))
    return e;
  Tensor Y(DType::F32, ys);
  const float *x = X.data<float>(), *w = W.data<float>();
  const float *bias = in.size() > 2 && in[2].isValid() ? in[2].data<float>()
                                                       : nullptr;
  if (bias && in[2].numElements() != F)
    return makeError("Conv bias has " + llvm::Twine(in[2].numElements()) +
                     " values for " + llvm::Twine(F) + " output channels");
  float *y = Y.data<float>();
  int64_t Cg = C / group, Fg = F / group, ks = g.kSize();
  int64_t is = g.inSize(), os = g.outSize();

  if (Cg == 1) {
    // Depthwise (possibly with a channel multiplier): direct kernel.
    ctx.parallelFor(N * F, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        int64_t img = i / F, f = i % F, c = f / Fg;
        depthwisePlane(x + (img * C + c) * is, w + f * ks,
                       bias ? bias[f] : 0.0f, g, y + i * os);
      }
    });
    out.push_back(std::move(Y));
    return llvm::Error::success();
  }

  bool pointwise = ks == 1;
  for (int i = 0; i < kMaxSpatial; ++i)
    pointwise = pointwise && g.s[i] == 1 && g.pb[i] == 0 && g.pe[i] == 0;
  int64_t K = Cg * ks;
  // im2col writes every element of the packed panels.
  int64_t panelW = sgemmPanelWidth(), panels = (os + panelW - 1) / panelW;
  float *packed = pointwise ? nullptr
                            : ctx.scratch(kScratchCallerPackedB,
                                          sgemmPackedBSize(K, os));
  for (int64_t img = 0; img < N; ++img) {
    for (int64_t gi = 0; gi < group; ++gi) {
      const float *xg = x + (img * C + gi * Cg) * is;
      float *yg = y + (img * F + gi * Fg) * os;
      const float *gb = bias ? bias + gi * Fg : nullptr;
      if (pointwise) {
        sgemm(false, false, Fg, os, K, 1.0f, w + gi * Fg * K, K, xg, os,
              0.0f, yg, os, &ctx, gb);
        continue;
      }
      ctx.parallelFor(panels, 1, [&](int64_t p0, int64_t p1) {
        im2colPacked(xg, g, Cg, panelW, p0, p1, packed);
      });
      sgemmPrepackedB(false, Fg, os, K, 1.0f, w + gi * Fg * K, K, packed,
                      0.0f, yg, os, &ctx, gb);
    }
  }
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

llvm::Error inferConvTranspose(Node &n) {
  llvm::Expected<int> nspOr = checkConvOperands(n);
  if (!nspOr)
    return nspOr.takeError();
  int nsp = *nspOr;
  const Shape &x = n.input(0)->shape(), &w = n.input(1)->shape();
  int64_t group = n.getInt("group");
  if (x[1] >= 0 && w[0] >= 0 && x[1] != w[0])
    return makeError("input has " + llvm::Twine(x[1]) +
                     " channels but the weight " + w.str() + " expects " +
                     llvm::Twine(w[0]));
  if (w[0] >= 0 && w[0] % group != 0)
    return makeError("input channels are not divisible by group " +
                     llvm::Twine(group));
  llvm::Expected<Window> win = readWindow(n, nsp, spatialOf(w), true);
  if (!win)
    return win.takeError();
  llvm::ArrayRef<int64_t> op = n.getInts("output_padding");
  if (!op.empty() && op.size() != size_t(nsp))
    return makeError("output_padding needs one value per spatial dim");
  int64_t F = w[1] < 0 ? kDynamicDim : w[1] * group;
  if (Value *b = n.input(2))
    if (b->shape()[0] >= 0 && F >= 0 && b->shape()[0] != F)
      return makeError("bias has " + llvm::Twine(b->shape()[0]) +
                       " values but there are " + llvm::Twine(F) +
                       " output channels");
  Shape out{x[0], F};
  for (int i = 0; i < nsp; ++i) {
    int64_t in = x[2 + i], k = win->kernel[i];
    if (in < 0 || k < 0) {
      out.mutableDims().push_back(kDynamicDim);
      continue;
    }
    int64_t o = win->strides[i] * (in - 1) + (op.empty() ? 0 : op[i]) +
                (k - 1) * win->dilations[i] + 1 - win->padBegin[i] -
                win->padEnd[i];
    if (o < 1)
      return makeError("output extent of spatial dim " + llvm::Twine(i) +
                       " would be " + llvm::Twine(o) + "; check pads");
    out.mutableDims().push_back(o);
  }
  setOutput(n, 0, DType::F32, out);
  return llvm::Error::success();
}

llvm::Error computeConvTranspose(const Node &n, llvm::ArrayRef<Tensor> in,
                                 std::vector<Tensor> &out,
                                 KernelContext &ctx) {
  if (llvm::Error e = expectF32Inputs(in, {0, 1}, {2}, "ConvTranspose"))
    return e;
  const Tensor &X = in[0], &W = in[1];
  const Shape &xs = X.shape(), &ws = W.shape();
  int nsp = int(xs.rank()) - 2;
  if (nsp < 1 || nsp > 3 || ws.rank() != xs.rank())
    return makeError("ConvTranspose expects input and weight of equal rank");
  int64_t N = xs[0], C = xs[1], group = n.getInt("group");
  if (group < 1 || ws[0] != C || C % group != 0)
    return makeError("ConvTranspose channel counts do not match the weight");
  int64_t Fg = ws[1], F = Fg * group, Cg = C / group;
  llvm::Expected<Window> win = readWindow(n, nsp, spatialOf(ws), true);
  if (!win)
    return win.takeError();
  llvm::ArrayRef<int64_t> op = n.getInts("output_padding");
  llvm::SmallVector<int64_t, 3> outSp;
  for (int i = 0; i < nsp; ++i) {
    int64_t o = win->strides[i] * (xs[2 + i] - 1) +
                (op.size() == size_t(nsp) ? op[i] : 0) +
                (win->kernel[i] - 1) * win->dilations[i] + 1 -
                win->padBegin[i] - win->padEnd[i];
    if (o < 1)
      return makeError("ConvTranspose output extent is not positive");
    outSp.push_back(o);
  }
  // In the 3-D view "in" is the small (input) side, "out" the large side.
  Geom3 g = makeGeom3(*win, spatialOf(xs), outSp);
  Shape ys{N, F};
  for (int64_t o : outSp)
    ys.mutableDims().push_back(o);
  if (llvm::Error e = checkResultSize(double(ys.numElements()) +
                                          double(Fg) * g.kSize() * g.inSize(),
                                      "ConvTranspose"))
    return e;
  Tensor Y(DType::F32, ys);
  const float *x = X.data<float>(), *w = W.data<float>();
  const float *bias = in.size() > 2 && in[2].isValid() ? in[2].data<float>()
                                                       : nullptr;
  if (bias && in[2].numElements() != F)
    return makeError("ConvTranspose bias size does not match the channels");
  float *y = Y.data<float>();
  int64_t ks = g.kSize(), is = g.inSize(), os = g.outSize();
  int64_t M = Fg * ks;
  // The GEMM writes every element (beta = 0).
  float *col = ctx.scratch(kScratchCallerPackedB, size_t(M * is));
  for (int64_t img = 0; img < N; ++img)
    for (int64_t gi = 0; gi < group; ++gi) {
      // col[M x is] = W_g^T * X_g, W_g stored [Cg x M].
      sgemm(true, false, M, is, Cg, 1.0f, w + gi * Cg * M, M,
            x + (img * C + gi * Cg) * is, is, 0.0f, col, is, &ctx);
      float *yg = y + (img * F + gi * Fg) * os;
      ctx.parallelFor(Fg, 1, [&](int64_t f0, int64_t f1) {
        for (int64_t f = f0; f < f1; ++f) {
          float *yf = yg + f * os;
          float b = bias ? bias[gi * Fg + f] : 0.0f;
          std::fill(yf, yf + os, b);
          for (int64_t kz = 0; kz < g.k[0]; ++kz)
            for (int64_t ky = 0; ky < g.k[1]; ++ky)
              for (int64_t kx = 0; kx < g.k[2]; ++kx) {
                const float *cr =
                    col +
                    (f * ks + (kz * g.k[1] + ky) * g.k[2] + kx) * is;
                for (int64_t iz = 0; iz < g.in[0]; ++iz) {
                  int64_t oz = iz * g.s[0] - g.pb[0] + kz * g.d[0];
                  if (oz < 0 || oz >= g.out[0])
                    continue;
                  for (int64_t iy = 0; iy < g.in[1]; ++iy) {
                    int64_t oy = iy * g.s[1] - g.pb[1] + ky * g.d[1];
                    if (oy < 0 || oy >= g.out[1])
                      continue;
                    const float *src = cr + (iz * g.in[1] + iy) * g.in[2];
                    float *dst = yf + (oz * g.out[1] + oy) * g.out[2];
                    for (int64_t ix = 0; ix < g.in[2]; ++ix) {
                      int64_t ox = ix * g.s[2] - g.pb[2] + kx * g.d[2];
                      if (ox >= 0 && ox < g.out[2])
                        dst[ox] += src[ix];
                    }
                  }
                }
              }
        }
      });
    }
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

} // namespace onntc
