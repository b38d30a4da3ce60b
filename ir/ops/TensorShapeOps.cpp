//===- TensorShapeOps.cpp - Shape, Size, ConstantOfShape, Range -----------===//
//
// The TensorOps that produce shapes or tensors sized by scalar operands.
// Inference reads constant operands to give static result shapes.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/TensorOpsParts.h"

#include <algorithm>
#include <cmath>

namespace onntc {
namespace {

llvm::Error success() { return llvm::Error::success(); }

//===----------------------------------------------------------------------===//
// Shape, Size, ConstantOfShape, Range
//===----------------------------------------------------------------------===//

std::pair<int64_t, int64_t> shapeRange(const Node &n, int64_t r) {
  auto clampAxis = [r](int64_t a) {
    if (a < 0)
      a += r;
    return std::clamp<int64_t>(a, 0, r);
  };
  int64_t start = clampAxis(n.getInt("start"));
  int64_t end = n.hasAttr("end") ? clampAxis(n.getInt("end")) : r;
  return {start, std::max(start, end)};
}

llvm::Error inferShape(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  auto [b, e] = shapeRange(n, int64_t(n.input(0)->shape().rank()));
  setOutput(n, 0, DType::I64, Shape{e - b});
  return success();
}

llvm::Error computeShape(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  const Shape &s = in[0].shape();
  auto [b, e] = shapeRange(n, int64_t(s.rank()));
  out = {Tensor::fromInts(DType::I64, Shape{e - b},
                          s.dims().slice(size_t(b), size_t(e - b)))};
  return success();
}

llvm::Error inferSize(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  setOutput(n, 0, DType::I64, Shape{});
  return success();
}

llvm::Error computeSize(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  out = {Tensor::fromInts(DType::I64, Shape{}, {in[0].numElements()})};
  return success();
}

llvm::Expected<Tensor> fillValue(const Node &n) {
  if (!n.hasAttr("value"))
    return Tensor::scalarFloat(0.0f);
  const Tensor &v = n.getTensor("value");
  if (!v.isValid() || v.numElements() != 1)
    return makeError("value must hold exactly one element");
  return v;
}

llvm::Expected<Shape> shapeFromInts(llvm::ArrayRef<int64_t> v) {
  for (int64_t d : v)
    if (d < 0)
      return makeError("shape entry " + llvm::Twine(d) + " is negative");
  auto c = checkedProduct(v);
  if (!c)
    return c.takeError();
  return Shape(v);
}

llvm::Error inferConstantOfShape(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  if (llvm::Error e = checkIntVector(n, 0, "shape"))
    return e;
  auto v = fillValue(n);
  if (!v)
    return v.takeError();
  if (auto dims = constantInts(n, 0)) {
    auto s = shapeFromInts(*dims);
    if (!s)
      return s.takeError();
    setOutput(n, 0, v->dtype(), *s);
    return success();
  }
  const Shape &ss = n.input(0)->shape();
  if (ss.rank() != 1 || ss[0] < 0)
    return makeError("the shape input's length is unknown; the output rank "
                     "cannot be inferred");
  setOutput(n, 0, v->dtype(),
            Shape(std::vector<int64_t>(size_t(ss[0]), kDynamicDim)));
  return success();
}

llvm::Error computeConstantOfShape(const Node &n, llvm::ArrayRef<Tensor> in,
                                   std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  auto v = fillValue(n);
  if (!v)
    return v.takeError();
  auto s = shapeFromInts(in[0].toInts());
  if (!s)
    return s.takeError();
  auto yt = allocTensor(v->dtype(), *s);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  dispatchBySize(dtypeSize(y.dtype()), [&](auto u) {
    using U = decltype(u);
    U x = *reinterpret_cast<const U *>(v->raw());
    std::fill(reinterpret_cast<U *>(y.raw()),
              reinterpret_cast<U *>(y.raw()) + y.numElements(), x);
  });
  out = {std::move(y)};
  return success();
}

llvm::Expected<int64_t> rangeLength(double start, double limit, double delta) {
  if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) ||
      !std::isfinite(delta))
    return makeError("delta must be non-zero and all operands finite");
  double len = std::ceil((limit - start) / delta);
  if (len > double(kMaxElements))
    return makeError("range has more than 2^40 elements");
  return len < 0 ? 0 : int64_t(len);
}

constexpr unsigned kRangeMask = kMaskF32 | kMaskSInt;

llvm::Error inferRange(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 3))
    return e;
  DType t = n.input(0)->dtype();
  for (unsigned i = 0; i < 3; ++i) {
    if (llvm::Error e = checkInputDType(n, i, kRangeMask))
      return e;
    if (n.input(i)->dtype() != t)
      return makeError("start, limit and delta must have one dtype");
    if (n.input(i)->shape().numElements() > 1)
      return makeError("start, limit and delta must be scalars");
  }
  int64_t len = kDynamicDim;
  const Tensor *a = n.input(0)->constantValue(),
               *b = n.input(1)->constantValue(),
               *c = n.input(2)->constantValue();
  if (a && b && c && a->numElements() == 1 && b->numElements() == 1 &&
      c->numElements() == 1) {
    auto l = rangeLength(a->getDouble(0), b->getDouble(0), c->getDouble(0));
    if (!l)
      return l.takeError();
    len = *l;
  }
  setOutput(n, 0, t, Shape{len});
  return success();
}

llvm::Error computeRange(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 3))
    return e;
  for (unsigned i = 0; i < 3; ++i)
    if (in[i].numElements() != 1 || in[i].dtype() != in[0].dtype())
      return makeError("start, limit and delta must be scalars of one dtype");
  auto len =
      rangeLength(in[0].getDouble(0), in[1].getDouble(0), in[2].getDouble(0));
  if (!len)
    return len.takeError();
  auto yt = allocTensor(in[0].dtype(), Shape{*len});
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  bool ok = dispatchDType<kRangeMask>(y.dtype(), [&](auto tag) {
    using T = typename Storage<decltype(tag)::value>::type;
    T start = in[0].data<T>()[0], delta = in[2].data<T>()[0];
    T *p = y.data<T>();
    for (int64_t i = 0; i < *len; ++i)
      p[i] = T(start + T(i) * delta);
  });
  if (!ok)
    return makeError("dtype " + dtypeName(y.dtype()) +
                     " is not supported by Range");
  out = {std::move(y)};
  return success();
}

} // namespace

void registerTensorShapeOps(HookTable &t) {
  t[size_t(OpKind::Shape)] = {inferShape, computeShape};
  t[size_t(OpKind::Size)] = {inferSize, computeSize};
  t[size_t(OpKind::ConstantOfShape)] = {inferConstantOfShape,
                                        computeConstantOfShape};
  t[size_t(OpKind::Range)] = {inferRange, computeRange};
}

} // namespace onntc
