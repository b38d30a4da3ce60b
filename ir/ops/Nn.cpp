//===- Nn.cpp - Nn family: registration, Gemm and MatMul ------------------===//
//
// Convolutions live in NnConv.cpp, pools in NnPool.cpp, normalisations and
// the softmax ops in NnNorm.cpp; all of them run their matrix products on
// the packed SGEMM of Gemm.cpp.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/Gemm.h"
#include "ir/ops/NnCommon.h"

#include <algorithm>

namespace onntc {

namespace {

llvm::Error inferGemm(Node &n) {
  for (unsigned i = 0; i < 2; ++i) {
    if (llvm::Error e = expectDType(n, i, {DType::F32}))
      return e;
    if (llvm::Error e = expectRank(n, i, 2))
      return e;
  }
  const Shape &a = n.input(0)->shape(), &b = n.input(1)->shape();
  bool ta = n.getInt("transA") != 0, tb = n.getInt("transB") != 0;
  int64_t M = ta ? a[1] : a[0], Ka = ta ? a[0] : a[1];
  int64_t Kb = tb ? b[1] : b[0], N = tb ? b[0] : b[1];
  if (Ka >= 0 && Kb >= 0 && Ka != Kb)
    return makeError("inner dimensions differ: A " + a.str() + " (transA=" +
                     llvm::Twine(int(ta)) + ") and B " + b.str() +
                     " (transB=" + llvm::Twine(int(tb)) + ")");
  Shape out{M, N};
  if (Value *c = n.input(2)) {
    if (c->dtype() != DType::F32)
      return makeError("C must be f32, got " + c->type().str());
    if (c->shape().rank() > 2)
      return makeError("C must have rank <= 2, got " + c->shape().str());
    llvm::Expected<Shape> bs = broadcastShapes(out, c->shape());
    if (!bs)
      return makeError("C " + c->shape().str() +
                       " cannot be broadcast to the result " + out.str());
    if (M < 0 && bs->rank() == 2)
      out[0] = (*bs)[0];
    if (N < 0 && bs->rank() == 2)
      out[1] = (*bs)[1];
  }
  setOutput(n, 0, DType::F32, out);
  return llvm::Error::success();
}

llvm::Error computeGemm(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = expectF32Inputs(in, {0, 1}, {2}, "Gemm"))
    return e;
  const Tensor &A = in[0], &B = in[1];
  if (A.shape().rank() != 2 || B.shape().rank() != 2)
    return makeError("Gemm needs 2-D A and B");
  bool ta = n.getInt("transA") != 0, tb = n.getInt("transB") != 0;
  int64_t M = ta ? A.shape()[1] : A.shape()[0];
  int64_t K = ta ? A.shape()[0] : A.shape()[1];
  int64_t N = tb ? B.shape()[0] : B.shape()[1];
  if ((tb ? B.shape()[1] : B.shape()[0]) != K)
    return makeError("Gemm inner dimensions differ");
  Tensor Y(DType::F32, Shape{M, N});
  float *y = Y.data<float>();
  float beta = 0.0f;
  if (in.size() > 2 && in[2].isValid()) {
    const Tensor &Ct = in[2];
    const Shape &cs = Ct.shape();
    if (cs.rank() > 2)
      return makeError("Gemm C must have rank <= 2");
    int64_t cm = cs.rank() == 2 ? cs[0] : 1;
    int64_t cn = cs.rank() >= 1 ? cs[cs.rank() - 1] : 1;
    if ((cm != 1 && cm != M) || (cn != 1 && cn != N))
      return makeError("Gemm C " + cs.str() + " does not broadcast to " +
                       Shape{M, N}.str());
    const float *c = Ct.data<float>();
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        y[i * N + j] = c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
    beta = n.getFloat("beta");
  }
  sgemm(ta, tb, M, N, K, n.getFloat("alpha"), A.data<float>(),
        A.shape()[1], B.data<float>(), B.shape()[1], beta, y, N, &ctx);
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

/// Shapes of a MatMul after promoting 1-D operands; returns the output.
llvm::Expected<Shape> matmulShape(const Shape &a, const Shape &b) {
  if (a.rank() == 0 || b.rank() == 0)
    return makeError("MatMul operands must have rank >= 1, got " + a.str() +
                     " and " + b.str());
  Shape a2 = a, b2 = b;
  if (a.rank() == 1)
    a2 = Shape{1, a[0]};
  if (b.rank() == 1)
    b2 = Shape{b[0], 1};
  int64_t Ka = a2[a2.rank() - 1], Kb = b2[b2.rank() - 2];
  if (Ka >= 0 && Kb >= 0 && Ka != Kb)
    return makeError("MatMul inner dimensions differ: " + a.str() + " and " +
                     b.str());
  Shape ba(a2.dims().drop_back(2)), bb(b2.dims().drop_back(2));
  llvm::Expected<Shape> batch = broadcastShapes(ba, bb);
  if (!batch)
    return batch.takeError();
  Shape out = *batch;
  if (a.rank() != 1)
    out.mutableDims().push_back(a2[a2.rank() - 2]);
  if (b.rank() != 1)
    out.mutableDims().push_back(b2[b2.rank() - 1]);
  return out;
}

llvm::Error inferMatMul(Node &n) {
  for (unsigned i = 0; i < 2; ++i)
    if (llvm::Error e = expectDType(n, i, {DType::F32}))
      return e;
  llvm::Expected<Shape> s =
      matmulShape(n.input(0)->shape(), n.input(1)->shape());
  if (!s)
    return s.takeError();
  setOutput(n, 0, DType::F32, *s);
  return llvm::Error::success();
}

llvm::Error computeMatMul(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = expectF32Inputs(in, {0, 1}, {}, "MatMul"))
    return e;
  const Tensor &A = in[0], &B = in[1];
  llvm::Expected<Shape> ys = matmulShape(A.shape(), B.shape());
  if (!ys)
    return ys.takeError();
  Shape a2 = A.shape(), b2 = B.shape();
  if (a2.rank() == 1)
    a2 = Shape{1, a2[0]};
  if (b2.rank() == 1)
    b2 = Shape{b2[0], 1};
  int64_t M = a2[a2.rank() - 2], K = a2[a2.rank() - 1];
  int64_t N = b2[b2.rank() - 1];
  Shape ba(a2.dims().drop_back(2)), bb(b2.dims().drop_back(2));
  Shape batch = *broadcastShapes(ba, bb);
  size_t r = batch.rank();
  int64_t nb = batch.numElements();
  // Per-dim batch strides of A and B in units of whole matrices (0 where
  // the operand is broadcast).
  std::vector<int64_t> sa(r, 0), sb(r, 0);
  int64_t acc = 1;
  for (size_t i = ba.rank(); i-- > 0;) {
    sa[r - ba.rank() + i] = ba[i] == 1 ? 0 : acc;
    acc *= ba[i];
  }
  acc = 1;
  for (size_t i = bb.rank(); i-- > 0;) {
    sb[r - bb.rank() + i] = bb[i] == 1 ? 0 : acc;
    acc *= bb[i];
  }
  Tensor Y(DType::F32, *ys);
  const float *a = A.data<float>(), *b = B.data<float>();
  float *y = Y.data<float>();
  auto runBatch = [&](int64_t bi, KernelContext *c) {
    int64_t rem = bi, oa = 0, ob = 0;
    for (size_t d = r; d-- > 0;) {
      int64_t idx = rem % batch[d];
      rem /= batch[d];
      oa += idx * sa[d];
      ob += idx * sb[d];
    }
    sgemm(false, false, M, N, K, 1.0f, a + oa * M * K, K, b + ob * K * N, N,
          0.0f, y + bi * M * N, N, c);
  };
  if (nb > 1 && double(M) * N * K < 1e6) {
    ctx.parallelFor(nb, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t bi = b0; bi < b1; ++bi)
        runBatch(bi, nullptr);
    });
  } else {
    for (int64_t bi = 0; bi < nb; ++bi)
      runBatch(bi, &ctx);
  }
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

} // namespace

void registerNnOps(HookTable &t) {
  t[size_t(OpKind::Conv)] = {inferConv, computeConv};
  t[size_t(OpKind::ConvTranspose)] = {inferConvTranspose,
                                      computeConvTranspose};
  t[size_t(OpKind::MaxPool)] = {inferMaxPool, computeMaxPool};
  t[size_t(OpKind::AveragePool)] = {inferAveragePool, computeAveragePool};
  t[size_t(OpKind::GlobalAveragePool)] = {inferGlobalPool,
                                          computeGlobalAveragePool};
  t[size_t(OpKind::GlobalMaxPool)] = {inferGlobalPool, computeGlobalMaxPool};
  t[size_t(OpKind::Gemm)] = {inferGemm, computeGemm};
  t[size_t(OpKind::MatMul)] = {inferMatMul, computeMatMul};
  registerNnNormOps(t);
}

} // namespace onntc
