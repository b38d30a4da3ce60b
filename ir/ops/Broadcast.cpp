//===- Broadcast.cpp - layout merging and shared inference ----------------===//
#include "ir/ops/Broadcast.h"

namespace onntc {

std::string dtypeList(unsigned mask) {
  std::string s;
  for (unsigned i = 0; i <= unsigned(DType::Bool); ++i)
    if (mask & (1u << i)) {
      if (!s.empty())
        s += ", ";
      s += dtypeName(DType(i)).str();
    }
  return s;
}

BroadcastLayout makeBroadcastLayout(const Shape &out,
                                    llvm::ArrayRef<const Shape *> ins) {
  size_t r = out.rank(), K = ins.size();
  BroadcastLayout L;
  L.strides.resize(K);
  // Full-rank strides per operand, 0 on broadcast dimensions.
  std::vector<std::vector<int64_t>> full(K, std::vector<int64_t>(r, 0));
  for (size_t k = 0; k < K; ++k) {
    const Shape &s = *ins[k];
    size_t lead = r - s.rank();
    int64_t acc = 1;
    for (size_t i = s.rank(); i-- > 0;) {
      full[k][lead + i] = s[i] == 1 ? 0 : acc;
      acc *= s[i];
    }
  }
  for (size_t i = 0; i < r; ++i) {
    if (out[i] == 1)
      continue;
    if (!L.dims.empty()) {
      bool merge = true;
      for (size_t k = 0; k < K && merge; ++k)
        merge = L.strides[k].back() == full[k][i] * out[i];
      if (merge) {
        L.dims.back() *= out[i];
        for (size_t k = 0; k < K; ++k)
          L.strides[k].back() = full[k][i];
        continue;
      }
    }
    L.dims.push_back(out[i]);
    for (size_t k = 0; k < K; ++k)
      L.strides[k].push_back(full[k][i]);
  }
  if (L.dims.empty()) {
    L.dims.push_back(1);
    for (size_t k = 0; k < K; ++k)
      L.strides[k].push_back(1);
  }
  return L;
}

llvm::Expected<Shape> broadcastTensors(llvm::ArrayRef<Tensor> ts) {
  Shape s;
  bool first = true;
  for (const Tensor &t : ts) {
    if (!t.isValid())
      continue;
    if (first) {
      s = t.shape();
      first = false;
      continue;
    }
    auto b = broadcastShapes(s, t.shape());
    if (!b)
      return b.takeError();
    s = *b;
  }
  return s;
}

llvm::Expected<Tensor> allocTensor(DType t, const Shape &s) {
  int64_t limit = kMaxTensorBytes / int64_t(dtypeSize(t)), n = 1;
  for (int64_t d : s.dims()) {
    if (d < 0)
      return makeError("cannot allocate a tensor of dynamic shape " + s.str());
    if (d != 0 && n > limit / d)
      n = limit + 1;
    else
      n *= d;
  }
  if (n > limit)
    return makeError("result " + s.str() +
                     " would need more than 4 GiB; the "
                     "reference kernels refuse tensors that large");
  return Tensor(t, s);
}

Tensor toF32(const Tensor &t) {
  if (t.dtype() == DType::F32)
    return t;
  return t.castTo(DType::F32);
}

llvm::Error checkRequiredAttrs(const Node &n) {
  for (const AttrSpec &a : n.info().attrs)
    if (a.required && !n.hasAttr(a.name))
      return makeError("required attribute '" + a.name + "' is missing");
  return llvm::Error::success();
}

llvm::Error checkInputDType(const Node &n, unsigned i, unsigned mask) {
  Value *v = n.input(i);
  if (!v)
    return makeError("input " + llvm::Twine(i) + " is missing");
  if (!(mask & dtBit(v->dtype())))
    return makeError("input " + llvm::Twine(i) + " has dtype " +
                     dtypeName(v->dtype()) + "; expected one of " +
                     dtypeList(mask));
  return llvm::Error::success();
}

llvm::Error inferBroadcastAs(Node &n, unsigned mask, std::optional<DType> out) {
  Shape s;
  std::optional<DType> t;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    Value *v = n.input(i);
    if (!v)
      continue;
    if (llvm::Error e = checkInputDType(n, i, mask))
      return e;
    if (!t) {
      t = v->dtype();
      s = v->shape();
      continue;
    }
    if (v->dtype() != *t)
      return makeError("input " + llvm::Twine(i) + " has dtype " +
                       dtypeName(v->dtype()) + " but input 0 has " +
                       dtypeName(*t) + "; insert a Cast");
    auto b = broadcastShapes(s, v->shape());
    if (!b)
      return b.takeError();
    s = std::move(*b);
  }
  if (!t)
    return makeError("no inputs");
  setOutput(n, 0, out ? *out : *t, s);
  return llvm::Error::success();
}

bool hasHalfInput(llvm::ArrayRef<Tensor> inputs) {
  for (const Tensor &t : inputs)
    if (t.isValid() && (t.dtype() == DType::F16 || t.dtype() == DType::BF16))
      return true;
  return false;
}

llvm::Error computeViaF32(ComputeFn f, const Node &n,
                          llvm::ArrayRef<Tensor> inputs,
                          std::vector<Tensor> &outputs, KernelContext &ctx) {
  // Results follow input 0's dtype: only cast back if it was a half type.
  std::optional<DType> half;
  if (!inputs.empty() && inputs[0].isValid() &&
      (inputs[0].dtype() == DType::F16 || inputs[0].dtype() == DType::BF16))
    half = inputs[0].dtype();
  std::vector<Tensor> ins;
  ins.reserve(inputs.size());
  for (const Tensor &t : inputs) {
    if (t.isValid() && (t.dtype() == DType::F16 || t.dtype() == DType::BF16)) {
      ins.push_back(t.castTo(DType::F32));
    } else {
      ins.push_back(t);
    }
  }
  if (llvm::Error e = f(n, ins, outputs, ctx))
    return e;
  if (half)
    for (Tensor &o : outputs)
      if (o.isValid() && o.dtype() == DType::F32)
        o = o.castTo(*half);
  return llvm::Error::success();
}

} // namespace onntc
