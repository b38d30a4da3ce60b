#include "driver/RefData.h"

#include "ir/Diagnostics.h"

#include <cmath>
#include <cstring>
#include <random>

namespace onntc {

llvm::Expected<std::vector<Tensor>>
generateInputs(llvm::ArrayRef<InputSpec> inputs,
               llvm::ArrayRef<InputDesc> descs, uint64_t seed) {
  for (const InputDesc &d : descs)
    if (d.index >= inputs.size())
      return makeError("--descs describes input " + llvm::Twine(d.index) +
                       " but the network has " + llvm::Twine(inputs.size()) +
                       " input(s)");
  std::mt19937_64 rng(seed);
  // A double in [0, 1) from the top 53 bits: the same on every platform,
  // unlike std::uniform_real_distribution.
  auto unit = [&rng]() { return double(rng() >> 11) * 0x1.0p-53; };

  std::vector<Tensor> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputSpec &in = inputs[i];
    if (!in.type.shape.isStatic())
      return makeError("input '" + in.name + "' has dynamic shape " +
                       in.type.shape.str() + "; give its shape with --shapes");
    double lo = 0.0, hi = 1.0;
    for (const InputDesc &d : descs)
      if (d.index == i) {
        if (d.dtype != in.type.dtype)
          return makeError("--descs gives input " + llvm::Twine(i) + " ('" +
                           in.name + "') type " + dtypeName(d.dtype) +
                           " but the network input is " +
                           dtypeName(in.type.dtype));
        lo = d.low;
        hi = d.high;
      }
    Tensor t(in.type.dtype, in.type.shape);
    int64_t n = t.numElements();
    bool fl = isFloat(in.type.dtype);
    if (in.type.dtype == DType::Bool) {
      // Booleans: [lo, hi) over {0, 1}.
      int64_t a = int64_t(std::ceil(lo)), b = int64_t(std::ceil(hi));
      a = std::max<int64_t>(a, 0);
      b = std::min<int64_t>(b, 2);
      for (int64_t k = 0; k < n; ++k)
        t.setInt(k, b > a ? a + int64_t(unit() * double(b - a)) : 0);
    } else if (fl) {
      for (int64_t k = 0; k < n; ++k)
        t.setDouble(k, lo + unit() * (hi - lo));
    } else {
      // Integers in [ceil(lo), ceil(hi)); an empty range gives ceil(lo).
      int64_t a = int64_t(std::ceil(lo)), b = int64_t(std::ceil(hi));
      for (int64_t k = 0; k < n; ++k)
        t.setInt(k, b > a ? a + int64_t(unit() * double(b - a)) : a);
    }
    out.push_back(std::move(t));
  }
  return out;
}

llvm::Expected<std::vector<Tensor>>
bindTestInputs(std::vector<NamedTensor> arrays,
               llvm::ArrayRef<InputSpec> inputs, llvm::StringRef file) {
  if (arrays.size() != inputs.size())
    return makeError(file + " holds " + llvm::Twine(arrays.size()) +
                     " array(s) but the network has " +
                     llvm::Twine(inputs.size()) + " input(s)");
  bool byName = true;
  for (const NamedTensor &a : arrays) {
    bool found = false;
    for (const InputSpec &in : inputs)
      found |= in.name == a.name;
    byName &= found;
  }
  std::vector<Tensor> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputSpec &in = inputs[i];
    const NamedTensor *a = &arrays[i];
    if (byName)
      for (const NamedTensor &c : arrays)
        if (c.name == in.name)
          a = &c;
    std::string what = (file + (a->name.empty() ? "" : ":" + a->name)).str();
    const Shape &want = in.type.shape;
    bool ok = want.rank() == a->tensor.shape().rank();
    for (size_t d = 0; ok && d < want.rank(); ++d)
      ok = want[d] < 0 || want[d] == a->tensor.shape()[d];
    if (!ok)
      return makeError(what + " has shape " + a->tensor.shape().str() +
                       " but input '" + in.name + "' is " + want.str());
    Tensor t = a->tensor;
    if (t.dtype() != in.type.dtype)
      t = t.castTo(in.type.dtype);
    out.push_back(std::move(t));
  }
  return out;
}

std::string encodeRefData(llvm::ArrayRef<Tensor> tensors) {
  std::string out;
  size_t total = 0;
  for (const Tensor &t : tensors)
    total += t.byteSize();
  out.reserve(total);
  for (const Tensor &t : tensors)
    if (t.byteSize())
      out.append(reinterpret_cast<const char *>(t.raw()), t.byteSize());
  return out;
}

llvm::Expected<std::vector<Tensor>>
decodeRefData(llvm::StringRef bytes, llvm::ArrayRef<TensorType> types,
              llvm::StringRef what) {
  std::vector<Tensor> out;
  size_t pos = 0;
  for (const TensorType &ty : types) {
    if (!ty.shape.isStatic())
      return makeError(what +
                       ": cannot split reference data for dynamic shape " +
                       ty.shape.str());
    Tensor t(ty.dtype, ty.shape);
    if (pos + t.byteSize() > bytes.size())
      return makeError(what + ": " + llvm::Twine(bytes.size()) +
                       " bytes is too short for the expected tensors");
    if (t.byteSize())
      std::memcpy(t.raw(), bytes.data() + pos, t.byteSize());
    pos += t.byteSize();
    out.push_back(std::move(t));
  }
  if (pos != bytes.size())
    return makeError(what + ": " + llvm::Twine(bytes.size() - pos) +
                     " bytes left over after the expected tensors");
  return out;
}

} // namespace onntc
