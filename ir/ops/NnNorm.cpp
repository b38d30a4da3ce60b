//===- NnNorm.cpp - normalisations, LRN and the softmax ops ---------------===//
#include "ir/ops/NnCommon.h"

#include <algorithm>
#include <cmath>

namespace onntc {

namespace {

/// Expands `t` (right-aligned numpy broadcast) to `target` as floats.
llvm::Expected<std::vector<float>> expandTo(const Tensor &t,
                                            llvm::ArrayRef<int64_t> target) {
  const Shape &s = t.shape();
  if (s.rank() > target.size())
    return makeError("shape " + s.str() + " cannot broadcast to " +
                     Shape(target).str());
  size_t off = target.size() - s.rank();
  int64_t total = 1;
  for (int64_t d : target)
    total *= d;
  for (size_t i = 0; i < s.rank(); ++i)
    if (s[i] != 1 && s[i] != target[off + i])
      return makeError("shape " + s.str() + " cannot broadcast to " +
                       Shape(target).str());
  std::vector<float> out(static_cast<size_t>(total));
  const float *src = t.data<float>();
  for (int64_t i = 0; i < total; ++i) {
    int64_t rem = i, si = 0, stride = 1;
    for (size_t d = target.size(); d-- > off;) {
      int64_t idx = rem % target[d];
      rem /= target[d];
      int64_t sd = s[d - off];
      if (sd != 1)
        si += idx * stride;
      stride *= sd;
    }
    out[size_t(i)] = src[si];
  }
  return out;
}

llvm::Error expectAllF32(const Node &n) {
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (n.input(i))
      if (llvm::Error e = expectDType(n, i, {DType::F32}))
        return e;
  return llvm::Error::success();
}

/// Checks a per-channel parameter input (rank 1, extent C).
llvm::Error expectChannelParam(const Node &n, unsigned i, int64_t C) {
  const Shape &s = n.input(i)->shape();
  if (s.rank() != 1 || (C >= 0 && s[0] >= 0 && s[0] != C))
    return makeError("input " + llvm::Twine(i) + " must have shape [" +
                     llvm::Twine(C) + "], got " + s.str());
  return llvm::Error::success();
}

llvm::Error inferBatchNorm(Node &n) {
  if (llvm::Error e = expectAllF32(n))
    return e;
  const Shape &x = n.input(0)->shape();
  if (x.rank() < 2)
    return makeError("input must have rank >= 2 (N, C, ...), got " + x.str());
  unsigned last = n.kind() == OpKind::BatchNormalization ? 5 : 3;
  for (unsigned i = 1; i < last; ++i)
    if (llvm::Error e = expectChannelParam(n, i, x[1]))
      return e;
  setOutput(n, 0, DType::F32, x);
  return llvm::Error::success();
}

llvm::Error computeBatchNorm(const Node &n, llvm::ArrayRef<Tensor> in,
                             std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e =
          expectF32Inputs(in, {0, 1, 2, 3, 4}, {}, "BatchNormalization"))
    return e;
  const Tensor &X = in[0];
  if (X.shape().rank() < 2)
    return makeError("BatchNormalization needs an input of rank >= 2");
  int64_t N = X.shape()[0], C = X.shape()[1];
  int64_t inner = N * C == 0 ? 0 : X.numElements() / (N * C);
  for (unsigned i = 1; i < 5; ++i)
    if (in[i].numElements() != C)
      return makeError("BatchNormalization parameter " + llvm::Twine(i) +
                       " does not have C values");
  float eps = n.getFloat("epsilon");
  std::vector<float> mul(C), add(C);
  const float *sc = in[1].data<float>(), *bi = in[2].data<float>(),
              *mean = in[3].data<float>(), *var = in[4].data<float>();
  for (int64_t c = 0; c < C; ++c) {
    mul[c] = sc[c] / std::sqrt(var[c] + eps);
    add[c] = bi[c] - mean[c] * mul[c];
  }
  Tensor Y(DType::F32, X.shape());
  const float *x = X.data<float>();
  float *y = Y.data<float>();
  ctx.parallelFor(N * C, std::max<int64_t>(1, 16384 / (inner + 1)),
                  [&](int64_t b, int64_t e) {
                    for (int64_t p = b; p < e; ++p) {
                      float m = mul[p % C], a = add[p % C];
                      for (int64_t i = 0; i < inner; ++i)
                        y[p * inner + i] = x[p * inner + i] * m + a;
                    }
                  });
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

llvm::Error computeInstanceNorm(const Node &n, llvm::ArrayRef<Tensor> in,
                                std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e =
          expectF32Inputs(in, {0, 1, 2}, {}, "InstanceNormalization"))
    return e;
  const Tensor &X = in[0];
  if (X.shape().rank() < 2)
    return makeError("InstanceNormalization needs an input of rank >= 2");
  int64_t N = X.shape()[0], C = X.shape()[1];
  int64_t inner = N * C == 0 ? 0 : X.numElements() / (N * C);
  if (in[1].numElements() != C || in[2].numElements() != C)
    return makeError("InstanceNormalization scale/B need C values");
  float eps = n.getFloat("epsilon");
  const float *sc = in[1].data<float>(), *bi = in[2].data<float>();
  Tensor Y(DType::F32, X.shape());
  const float *x = X.data<float>();
  float *y = Y.data<float>();
  ctx.parallelFor(N * C, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const float *xp = x + p * inner;
      double s = 0.0, s2 = 0.0;
      for (int64_t i = 0; i < inner; ++i)
        s += xp[i];
      double mean = inner ? s / double(inner) : 0.0;
      for (int64_t i = 0; i < inner; ++i)
        s2 += (xp[i] - mean) * (xp[i] - mean);
      double var = inner ? s2 / double(inner) : 0.0;
      float m = float(sc[p % C] / std::sqrt(var + eps));
      float a = float(bi[p % C] - mean * m);
      for (int64_t i = 0; i < inner; ++i)
        y[p * inner + i] = xp[i] * m + a;
    }
  });
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

llvm::Error inferLayerNorm(Node &n) {
  if (llvm::Error e = expectAllF32(n))
    return e;
  const Shape &x = n.input(0)->shape();
  llvm::Expected<int64_t> ax = normalizeAxis(n.getInt("axis"), x.rank());
  if (!ax)
    return ax.takeError();
  Shape inner(x.dims().drop_front(*ax));
  for (unsigned i = 1; i < 3; ++i)
    if (Value *p = n.input(i)) {
      llvm::Expected<Shape> b = broadcastShapes(inner, p->shape());
      if (!b || b->rank() != inner.rank()) {
        if (!b)
          llvm::consumeError(b.takeError());
        return makeError("input " + llvm::Twine(i) + " " + p->shape().str() +
                         " does not broadcast to the normalised shape " +
                         inner.str());
      }
    }
  setOutput(n, 0, DType::F32, x);
  return llvm::Error::success();
}

llvm::Error computeLayerNorm(const Node &n, llvm::ArrayRef<Tensor> in,
                             std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e =
          expectF32Inputs(in, {0, 1}, {2}, "LayerNormalization"))
    return e;
  const Tensor &X = in[0];
  const Shape &xs = X.shape();
  llvm::Expected<int64_t> ax = normalizeAxis(n.getInt("axis"), xs.rank());
  if (!ax)
    return ax.takeError();
  llvm::ArrayRef<int64_t> innerDims = xs.dims().drop_front(*ax);
  int64_t inner = 1;
  for (int64_t d : innerDims)
    inner *= d;
  int64_t outer = inner == 0 ? 0 : X.numElements() / inner;
  llvm::Expected<std::vector<float>> scale = expandTo(in[1], innerDims);
  if (!scale)
    return scale.takeError();
  std::vector<float> bias(size_t(inner), 0.0f);
  if (in.size() > 2 && in[2].isValid()) {
    llvm::Expected<std::vector<float>> b = expandTo(in[2], innerDims);
    if (!b)
      return b.takeError();
    bias = std::move(*b);
  }
  float eps = n.getFloat("epsilon");
  Tensor Y(DType::F32, xs);
  const float *x = X.data<float>();
  float *y = Y.data<float>();
  ctx.parallelFor(outer, std::max<int64_t>(1, 8192 / (inner + 1)),
                  [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const float *xp = x + p * inner;
      float *yp = y + p * inner;
      double s = 0.0, s2 = 0.0;
      for (int64_t i = 0; i < inner; ++i)
        s += xp[i];
      double mean = s / double(inner);
      for (int64_t i = 0; i < inner; ++i)
        s2 += (xp[i] - mean) * (xp[i] - mean);
      float inv = float(1.0 / std::sqrt(s2 / double(inner) + eps));
      for (int64_t i = 0; i < inner; ++i)
        yp[i] = (xp[i] - float(mean)) * inv * (*scale)[i] + bias[i];
    }
  });
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

llvm::Error inferLRN(Node &n) {
  if (llvm::Error e = expectDType(n, 0, {DType::F32}))
    return e;
  const Shape &x = n.input(0)->shape();
  if (x.rank() < 3)
    return makeError("input must have rank >= 3 (N, C, spatial...), got " +
                     x.str());
  if (!n.hasAttr("size"))
    return makeError("the required attribute size is missing");
  if (n.getInt("size") < 1)
    return makeError("size must be positive");
  setOutput(n, 0, DType::F32, x);
  return llvm::Error::success();
}

llvm::Error computeLRN(const Node &n, llvm::ArrayRef<Tensor> in,
                       std::vector<Tensor> &out, KernelContext &ctx) {
  const Tensor &X = in[0];
  if (X.dtype() != DType::F32 || X.shape().rank() < 3 || !n.hasAttr("size") ||
      n.getInt("size") < 1)
    return makeError("LRN needs an f32 input of rank >= 3 and size >= 1");
  int64_t N = X.shape()[0], C = X.shape()[1];
  int64_t inner = N * C == 0 ? 0 : X.numElements() / (N * C);
  int64_t size = n.getInt("size");
  float alpha = n.getFloat("alpha"), beta = n.getFloat("beta"),
        bias = n.getFloat("bias");
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Tensor Y(DType::F32, X.shape());
  const float *x = X.data<float>();
  float *y = Y.data<float>();
  ctx.parallelFor(N * C, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      int64_t img = p / C, c = p % C;
      int64_t c0 = std::max<int64_t>(0, c - before);
      int64_t c1 = std::min<int64_t>(C - 1, c + after);
      for (int64_t i = 0; i < inner; ++i) {
        float sq = 0.0f;
        for (int64_t cc = c0; cc <= c1; ++cc) {
          float v = x[(img * C + cc) * inner + i];
          sq += v * v;
        }
        y[p * inner + i] = x[p * inner + i] /
                           std::pow(bias + alpha / float(size) * sq, beta);
      }
    }
  });
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

llvm::Error inferSoftmaxLike(Node &n) {
  if (llvm::Error e = expectDType(n, 0, {DType::F32}))
    return e;
  const Shape &x = n.input(0)->shape();
  llvm::Expected<int64_t> ax = normalizeAxis(n.getInt("axis"), x.rank());
  if (!ax)
    return ax.takeError();
  setOutput(n, 0, DType::F32, x);
  return llvm::Error::success();
}

/// Runs fn(src, dst, len, stride) over every 1-D line along `axis`.
template <typename Fn>
llvm::Error alongAxis(const Node &n, const Tensor &X, Tensor &Y,
                      KernelContext &ctx, Fn fn) {
  const Shape &xs = X.shape();
  llvm::Expected<int64_t> ax = normalizeAxis(n.getInt("axis"), xs.rank());
  if (!ax)
    return ax.takeError();
  int64_t len = xs[*ax], inner = 1, outer = 1;
  for (size_t i = *ax + 1; i < xs.rank(); ++i)
    inner *= xs[i];
  for (int64_t i = 0; i < *ax; ++i)
    outer *= xs[i];
  const float *x = X.data<float>();
  float *y = Y.data<float>();
  ctx.parallelFor(outer * inner, std::max<int64_t>(1, 4096 / (len + 1)),
                  [&](int64_t b, int64_t e) {
                    for (int64_t l = b; l < e; ++l) {
                      int64_t o = l / inner, i = l % inner;
                      int64_t base = o * len * inner + i;
                      fn(x + base, y + base, len, inner);
                    }
                  });
  return llvm::Error::success();
}

llvm::Error computeSoftmaxLike(const Node &n, llvm::ArrayRef<Tensor> in,
                               std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = expectF32Inputs(in, {0}, {}, n.info().name))
    return e;
  const Tensor &X = in[0];
  Tensor Y(DType::F32, X.shape());
  OpKind k = n.kind();
  llvm::Error e = alongAxis(
      n, X, Y, ctx,
      [k](const float *x, float *y, int64_t len, int64_t st) {
        if (len == 0)
          return;
        float m = x[0];
        int64_t arg = 0;
        for (int64_t i = 1; i < len; ++i)
          if (x[i * st] > m) {
            m = x[i * st];
            arg = i;
          }
        if (k == OpKind::Hardmax) {
          for (int64_t i = 0; i < len; ++i)
            y[i * st] = i == arg ? 1.0f : 0.0f;
          return;
        }
        double sum = 0.0;
        for (int64_t i = 0; i < len; ++i) {
          float v = std::exp(x[i * st] - m);
          sum += v;
          if (k == OpKind::Softmax)
            y[i * st] = v;
        }
        if (k == OpKind::Softmax) {
          float inv = float(1.0 / sum);
          for (int64_t i = 0; i < len; ++i)
            y[i * st] *= inv;
        } else {
          float ls = float(std::log(sum));
          for (int64_t i = 0; i < len; ++i)
            y[i * st] = x[i * st] - m - ls;
        }
      });
  if (e)
    return e;
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

} // namespace

void registerNnNormOps(HookTable &t) {
  t[size_t(OpKind::BatchNormalization)] = {inferBatchNorm, computeBatchNorm};
  t[size_t(OpKind::InstanceNormalization)] = {inferBatchNorm,
                                              computeInstanceNorm};
  t[size_t(OpKind::LayerNormalization)] = {inferLayerNorm, computeLayerNorm};
  t[size_t(OpKind::LRN)] = {inferLRN, computeLRN};
  t[size_t(OpKind::Softmax)] = {inferSoftmaxLike, computeSoftmaxLike};
  t[size_t(OpKind::LogSoftmax)] = {inferSoftmaxLike, computeSoftmaxLike};
  t[size_t(OpKind::Hardmax)] = {inferSoftmaxLike, computeSoftmaxLike};
}

} // namespace onntc
