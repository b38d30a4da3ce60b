//===- LowerContext.cpp - global placement and row helpers ----------------===//

#include "backend/core/LowerContext.h"

#include "isa/Layout.h"

#include "llvm/Support/FormatVariadic.h"

using namespace onntc;
using namespace onntc::backend;

//===-- helpers -----------------------------------------------------------===//

llvm::Error backend::nodeError(const Node &n, const llvm::Twine &msg) {
  std::string where;
  if (!n.loc().file.empty())
    where = n.loc().file + ": ";
  std::string name = n.loc().node.empty() ? n.name() : n.loc().node;
  std::string type =
      n.loc().opType.empty() ? n.info().name.str() : n.loc().opType;
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv("{0}node '{1}' ({2}): {3}", where, name, type, msg.str())
          .str());
}

std::vector<int64_t> backend::dimsOf(const Value *v) {
  auto d = v->shape().dims();
  return std::vector<int64_t>(d.begin(), d.end());
}

std::vector<int64_t> backend::intsOr(const Node &n, llvm::StringRef name,
                                     std::vector<int64_t> dflt) {
  if (!n.hasAttr(name))
    return dflt;
  auto v = n.getInts(name);
  if (v.empty())
    return dflt;
  return std::vector<int64_t>(v.begin(), v.end());
}

isa::Strides4 backend::denseStrides(isa::Shape4 s) {
  return isa::contiguousStrides(s);
}

//===-- LowerContext ------------------------------------------------------===//

/// Constants of the integer types the INT8 commands read (i8/u8 weights and
/// tables, i16, i32 biases) are placed as they are; every other constant as
/// f32.
static bool keepsOwnDType(DType t) {
  return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::I32;
}

const Value *LowerContext::root(const Value *v) const {
  while (true) {
    auto it = plan_.aliasOf.find(v);
    if (it == plan_.aliasOf.end())
      return v;
    v = it->second;
  }
}

const Tensor *LowerContext::constant(const Value *v) const {
  return root(v)->constantValue();
}

uint64_t LowerContext::addCoeff(const Tensor &t, llvm::StringRef key) {
  uint64_t off = isa::alignUp(coeff_.size(), kLocalAlign);
  coeff_.resize(off, 0);
  const uint8_t *p = t.raw();
  coeff_.insert(coeff_.end(), p, p + t.byteSize());
  locations_.push_back({key.str(), off, uint64_t(t.byteSize())});
  return target_.coeffStartAddr + off;
}

uint64_t LowerContext::addressOf(const Value *v) {
  const Value *r = root(v);
  if (const Tensor *c = r->constantValue()) {
    auto it = coeffOffset_.find(r);
    if (it != coeffOffset_.end())
      return target_.coeffStartAddr + it->second;
    uint64_t addr = addCoeff(
        keepsOwnDType(c->dtype()) ? *c : c->castTo(DType::F32), r->name());
    coeffOffset_[r] = addr - target_.coeffStartAddr;
    return addr;
  }
  auto it = plan_.neuronOffset.find(r);
  assert(it != plan_.neuronOffset.end() && "value without a neuron buffer");
  return ctxAddr_ + it->second;
}

isa::DType LowerContext::storageDType(const Value *v) const {
  if (const Tensor *c = constant(v))
    if (!keepsOwnDType(c->dtype()))
      return isa::DType::F32;
  switch (v->dtype()) {
  case DType::F32:
    return isa::DType::F32;
  case DType::F16:
    return isa::DType::F16;
  case DType::BF16:
    return isa::DType::BF16;
  case DType::I8:
    return isa::DType::I8;
  case DType::U8:
    return isa::DType::U8;
  case DType::I16:
    return isa::DType::I16;
  case DType::U16:
    return isa::DType::U16;
  case DType::I32:
    return isa::DType::I32;
  case DType::I64:
  case DType::Bool:
    break;
  }
  // The rows' checks accept f32 values only; other types never get here.
  assert(false && "value type without a TPU storage type");
  return isa::DType::F32;
}

const Node *LowerContext::fusedActivation(const Node &n) const {
  auto it = plan_.fusedActivation.find(&n);
  return it == plan_.fusedActivation.end() ? nullptr : it->second;
}

const Value *LowerContext::outputOf(const Node &n) const {
  if (const Node *a = fusedActivation(n))
    return a->output(0);
  return n.output(0);
}
