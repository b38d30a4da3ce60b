//===- Memory.cpp - simulated global and local memory
//----------------------===//
#include "runtime/cmodel/Memory.h"

#include "isa/Requant.h"
#include "support/Float16.h"
#include "runtime/cmodel/Access.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using llvm::Error;
using namespace onntc::isa;

namespace onntc {
namespace cmodel {

static Error memError(const llvm::Twine &msg) {
  return llvm::createStringError(std::errc::invalid_argument,
                                 msg.str().c_str());
}

static std::string hex(uint64_t v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("0x%llx", (unsigned long long)v);
  return os.str();
}

Error GlobalMemory::add(Region r) {
  if (r.size == 0)
    return memError("global region '" + r.name + "' has size 0");
  if (r.base + r.size < r.base)
    return memError("global region '" + r.name + "' wraps around 2^64");
  auto next = regions_.lower_bound(r.base);
  if (next != regions_.end() && next->first < r.base + r.size)
    return memError("global region '" + r.name + "' at " + hex(r.base) +
                    " overlaps region '" + next->second.name + "' at " +
                    hex(next->first));
  if (next != regions_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second.size > r.base)
      return memError("global region '" + r.name + "' at " + hex(r.base) +
                      " overlaps region '" + prev->second.name + "' at " +
                      hex(prev->first));
  }
  uint64_t base = r.base;
  auto it = regions_.emplace(base, std::move(r)).first;
  if (!it->second.owned.empty())
    it->second.data = it->second.owned.data();
  return Error::success();
}

Error GlobalMemory::mapRegion(uint64_t base, uint64_t size,
                              llvm::StringRef name) {
  Region r;
  r.base = base;
  r.size = size;
  r.name = name.str();
  if (size > (uint64_t(1) << 40))
    return memError("global region '" + name + "' of " + llvm::Twine(size) +
                    " bytes is too large to simulate");
  r.owned.assign(size, 0);
  return add(std::move(r));
}

Error GlobalMemory::mapExternal(uint64_t base,
                                llvm::MutableArrayRef<uint8_t> bytes,
                                llvm::StringRef name) {
  Region r;
  r.base = base;
  r.size = bytes.size();
  r.name = name.str();
  r.data = bytes.data();
  return add(std::move(r));
}

Error GlobalMemory::unmap(uint64_t base) {
  if (!regions_.erase(base))
    return memError("no global region starts at " + hex(base));
  return Error::success();
}

llvm::Expected<uint8_t *> GlobalMemory::translate(uint64_t addr,
                                                  uint64_t size) {
  auto it = regions_.upper_bound(addr);
  if (it != regions_.begin()) {
    --it;
    const Region &r = it->second;
    if (addr >= r.base && addr - r.base <= r.size &&
        size <= r.size - (addr - r.base))
      return r.data + (addr - r.base);
  }
  return memError("global access [" + hex(addr) + ", " + hex(addr + size) +
                  ") is outside every mapped region (" + describe() + ")");
}

Error GlobalMemory::write(uint64_t addr, llvm::ArrayRef<uint8_t> bytes) {
  auto p = translate(addr, bytes.size());
  if (!p)
    return p.takeError();
  if (!bytes.empty())
    std::memcpy(*p, bytes.data(), bytes.size());
  return Error::success();
}

Error GlobalMemory::read(uint64_t addr, llvm::MutableArrayRef<uint8_t> bytes) {
  auto p = translate(addr, bytes.size());
  if (!p)
    return p.takeError();
  if (!bytes.empty())
    std::memcpy(bytes.data(), *p, bytes.size());
  return Error::success();
}

std::string GlobalMemory::describe() const {
  if (regions_.empty())
    return "no regions mapped";
  std::string s;
  for (auto &kv : regions_) {
    if (!s.empty())
      s += ", ";
    s += kv.second.name + " " + hex(kv.first) + "+" + hex(kv.second.size);
  }
  return s;
}

//===-- Element access ----------------------------------------------------===//

template <class T> static T rd(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <class T> static void wr(uint8_t *p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

double loadElement(const uint8_t *p, DType t) {
  switch (t) {
  case DType::F32:
    return rd<float>(p);
  case DType::F16:
    return halfToFloat(rd<uint16_t>(p));
  case DType::BF16:
    return bf16ToFloat(rd<uint16_t>(p));
  case DType::I8:
  case DType::U8:
  case DType::I16:
  case DType::U16:
  case DType::I32:
  case DType::U32:
    return double(loadInt(p, t));
  }
  return 0;
}

int64_t loadInt(const uint8_t *p, DType t) {
  switch (t) {
  case DType::I8:
    return rd<int8_t>(p);
  case DType::U8:
    return rd<uint8_t>(p);
  case DType::I16:
    return rd<int16_t>(p);
  case DType::U16:
    return rd<uint16_t>(p);
  case DType::I32:
    return rd<int32_t>(p);
  case DType::U32:
    return rd<uint32_t>(p);
  case DType::F32:
  case DType::F16:
  case DType::BF16:
    return int64_t(std::nearbyint(loadElement(p, t)));
  }
  return 0;
}

void storeInt(uint8_t *p, DType t, int64_t v) {
  switch (t) {
  case DType::I8:
    return wr<int8_t>(p, int8_t(saturate(v, t)));
  case DType::U8:
    return wr<uint8_t>(p, uint8_t(saturate(v, t)));
  case DType::I16:
    return wr<int16_t>(p, int16_t(saturate(v, t)));
  case DType::U16:
    return wr<uint16_t>(p, uint16_t(saturate(v, t)));
  case DType::I32:
    return wr<int32_t>(p, int32_t(saturate(v, t)));
  case DType::U32:
    return wr<uint32_t>(p, uint32_t(saturate(v, t)));
  case DType::F32:
  case DType::F16:
  case DType::BF16:
    return storeElement(p, t, double(v));
  }
}

void storeElement(uint8_t *p, DType t, double v) {
  switch (t) {
  case DType::F32:
    return wr<float>(p, float(v));
  case DType::F16:
    return wr<uint16_t>(p, floatToHalf(float(v)));
  case DType::BF16:
    return wr<uint16_t>(p, floatToBF16(float(v)));
  case DType::I8:
  case DType::U8:
  case DType::I16:
  case DType::U16:
  case DType::I32:
  case DType::U32: {
    if (std::isnan(v))
      v = 0;
    double r = std::nearbyint(v);
    r = std::min(std::max(r, dtypeMin(t)), dtypeMax(t));
    return storeInt(p, t, int64_t(r));
  }
  }
}

//===-- Host staging ------------------------------------------------------===//

Error writeLocalTensor(const TargetInfo &t, LocalMemory &mem, uint32_t addr,
                       Shape4 shape, Strides4 stride, DType dt,
                       llvm::ArrayRef<double> values) {
  if (values.size() != shape.numElements())
    return memError("writeLocalTensor: " + llvm::Twine(values.size()) +
                    " values for " + llvm::Twine(shape.numElements()) +
                    " elements");
  auto v = LocalView::make(t, mem, addr, stride, shape, dt, "tensor",
                           LaneRule::Normal, 0);
  if (!v)
    return v.takeError();
  size_t i = 0;
  for (uint32_t n = 0; n < shape.n; ++n)
    for (uint32_t c = 0; c < shape.c; ++c)
      for (uint32_t h = 0; h < shape.h; ++h)
        for (uint32_t w = 0; w < shape.w; ++w)
          storeElement(v->at(n, c, h, w), dt, values[i++]);
  return Error::success();
}

llvm::Expected<std::vector<double>> readLocalTensor(const TargetInfo &t,
                                                    const LocalMemory &mem,
                                                    uint32_t addr, Shape4 shape,
                                                    Strides4 stride, DType dt) {
  auto v = LocalView::make(t, const_cast<LocalMemory &>(mem), addr, stride,
                           shape, dt, "tensor", LaneRule::Normal, 0);
  if (!v)
    return v.takeError();
  std::vector<double> out;
  out.reserve(shape.numElements());
  for (uint32_t n = 0; n < shape.n; ++n)
    for (uint32_t c = 0; c < shape.c; ++c)
      for (uint32_t h = 0; h < shape.h; ++h)
        for (uint32_t w = 0; w < shape.w; ++w)
          out.push_back(loadElement(v->at(n, c, h, w), dt));
  return out;
}

} // namespace cmodel
} // namespace onntc
