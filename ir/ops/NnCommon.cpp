//===- NnCommon.cpp - sliding-window geometry and checks ------------------===//
#include "ir/ops/NnCommon.h"

namespace onntc {

static llvm::Error attrLenError(llvm::StringRef name, size_t got,
                                size_t want) {
  return makeError("attribute '" + name + "' has " + llvm::Twine(got) +
                   " values but " + llvm::Twine(want) + " are needed");
}

llvm::Expected<Window> readWindow(const Node &n, int nsp,
                                  llvm::ArrayRef<int64_t> weightKernel,
                                  bool hasDilations) {
  Window w;
  w.nsp = nsp;
  const AttrSpec *kspec = n.info().findAttr("kernel_shape");
  if (kspec && kspec->required && !n.hasAttr("kernel_shape"))
    return makeError("the required attribute kernel_shape is missing");
  llvm::ArrayRef<int64_t> ks = n.getInts("kernel_shape");
  if (!ks.empty() && ks.size() != size_t(nsp))
    return attrLenError("kernel_shape", ks.size(), nsp);
  if (ks.empty() && weightKernel.empty())
    return makeError("kernel_shape is missing and cannot be taken from the "
                     "weight; give kernel_shape or a weight of known shape");
  for (int i = 0; i < nsp; ++i) {
    int64_t k = ks.empty() ? weightKernel[i] : ks[i];
    if (!ks.empty() && !weightKernel.empty() && weightKernel[i] >= 0 &&
        weightKernel[i] != ks[i])
      return makeError("kernel_shape " + llvm::Twine(ks[i]) +
                       " disagrees with the weight's spatial extent " +
                       llvm::Twine(weightKernel[i]) + " in dim " +
                       llvm::Twine(i));
    if (k < 1 && !(k == kDynamicDim && ks.empty()))
      return makeError("kernel extent must be positive, got " + llvm::Twine(k));
    w.kernel.push_back(k);
  }
  llvm::ArrayRef<int64_t> st = n.getInts("strides");
  if (!st.empty() && st.size() != size_t(nsp))
    return attrLenError("strides", st.size(), nsp);
  llvm::ArrayRef<int64_t> pads = n.getInts("pads");
  if (!pads.empty() && pads.size() != size_t(2 * nsp))
    return attrLenError("pads", pads.size(), 2 * nsp);
  llvm::ArrayRef<int64_t> dil;
  if (hasDilations) {
    dil = n.getInts("dilations");
    if (!dil.empty() && dil.size() != size_t(nsp))
      return attrLenError("dilations", dil.size(), nsp);
  }
  for (int i = 0; i < nsp; ++i) {
    w.strides.push_back(st.empty() ? 1 : st[i]);
    w.dilations.push_back(dil.empty() ? 1 : dil[i]);
    w.padBegin.push_back(pads.empty() ? 0 : pads[i]);
    w.padEnd.push_back(pads.empty() ? 0 : pads[nsp + i]);
    if (w.strides.back() < 1 || w.dilations.back() < 1)
      return makeError("strides and dilations must be positive");
    if (w.padBegin.back() < 0 || w.padEnd.back() < 0)
      return makeError("pads must not be negative");
  }
  return w;
}

int64_t windowOutDim(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb,
                     int64_t pe, bool ceilMode, bool &ok) {
  ok = true;
  if (in < 0 || k < 0)
    return kDynamicDim;
  int64_t span = in + pb + pe - ((k - 1) * d + 1);
  if (span < 0) {
    ok = false;
    return 0;
  }
  int64_t out = (ceilMode ? (span + s - 1) / s : span / s) + 1;
  if (ceilMode && (out - 1) * s >= in + pb)
    --out;
  return out;
}

Geom3 makeGeom3(const Window &w, llvm::ArrayRef<int64_t> inSpatial,
                llvm::ArrayRef<int64_t> outSpatial) {
  Geom3 g;
  int off = kMaxSpatial - w.nsp;
  for (int i = 0; i < kMaxSpatial; ++i) {
    bool real = i >= off;
    int j = i - off;
    g.in[i] = real ? inSpatial[j] : 1;
    g.out[i] = real ? outSpatial[j] : 1;
    g.k[i] = real ? w.kernel[j] : 1;
    g.s[i] = real ? w.strides[j] : 1;
    g.d[i] = real ? w.dilations[j] : 1;
    g.pb[i] = real ? w.padBegin[j] : 0;
    g.pe[i] = real ? w.padEnd[j] : 0;
  }
  return g;
}

llvm::Error expectDType(const Node &n, unsigned i,
                        std::initializer_list<DType> allowed) {
  Value *v = n.input(i);
  if (!v)
    return makeError("input " + llvm::Twine(i) + " is missing");
  for (DType t : allowed)
    if (v->dtype() == t)
      return llvm::Error::success();
  std::string names;
  for (DType t : allowed)
    names += (names.empty() ? "" : ", ") + dtypeName(t).str();
  return makeError("input " + llvm::Twine(i) + " has element type " +
                   dtypeName(v->dtype()) + "; expected one of: " + names);
}

llvm::Error expectF32Inputs(llvm::ArrayRef<Tensor> in,
                            std::initializer_list<unsigned> required,
                            std::initializer_list<unsigned> optional,
                            llvm::StringRef what) {
  for (unsigned i : required)
    if (i >= in.size() || !in[i].isValid() || in[i].dtype() != DType::F32)
      return makeError(what + " needs an f32 tensor as input " +
                       llvm::Twine(i));
  for (unsigned i : optional)
    if (i < in.size() && in[i].isValid() && in[i].dtype() != DType::F32)
      return makeError(what + " needs input " + llvm::Twine(i) +
                       " to be f32");
  return llvm::Error::success();
}

llvm::Error checkResultSize(double numElements, llvm::StringRef what) {
  if (numElements < 0 || numElements > double(int64_t(1) << 31))
    return makeError(what + " result of " + llvm::Twine(int64_t(numElements)) +
                     " elements is out of range");
  return llvm::Error::success();
}

llvm::Error expectRank(const Node &n, unsigned i, size_t r) {
  Value *v = n.input(i);
  if (!v)
    return makeError("input " + llvm::Twine(i) + " is missing");
  if (v->shape().rank() != r)
    return makeError("input " + llvm::Twine(i) + " has rank " +
                     llvm::Twine(v->shape().rank()) + " but rank " +
                     llvm::Twine(r) + " is required");
  return llvm::Error::success();
}

} // namespace onntc
