//===- Memory.h - simulated global and local memory -------------*- C++ -*-===//
//
// Global memory is sparse: the caller maps the regions a net uses (coeff,
// neurons, IO) at their 64-bit device addresses; an access outside every
// region is an Error. Local memory is npuNum lanes of lmemBytes, addressed
// as lane * lmemBytes + offset (the local address of the ISA).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_RUNTIME_CMODEL_MEMORY_H
#define ONNTC_RUNTIME_CMODEL_MEMORY_H

#include "isa/Layout.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace onntc {
namespace cmodel {

/// Sparse, region-backed device global memory.
class GlobalMemory {
public:
  /// Maps a zero-filled region of `size` bytes at `base`, owned by this
  /// object. Fails when it overlaps an existing region or wraps around.
  llvm::Error mapRegion(uint64_t base, uint64_t size, llvm::StringRef name);
  /// Maps caller-owned bytes at `base` (e.g. a coeff blob, read in place);
  /// the bytes must outlive the mapping.
  llvm::Error mapExternal(uint64_t base, llvm::MutableArrayRef<uint8_t> bytes,
                          llvm::StringRef name);
  /// Removes the region that starts at base.
  llvm::Error unmap(uint64_t base);
  /// Removes every region.
  void clear() { regions_.clear(); }

  /// Host pointer for [addr, addr + size), which must lie in one region.
  llvm::Expected<uint8_t *> translate(uint64_t addr, uint64_t size);
  /// Copies bytes in and out (same rules as translate).
  llvm::Error write(uint64_t addr, llvm::ArrayRef<uint8_t> bytes);
  llvm::Error read(uint64_t addr, llvm::MutableArrayRef<uint8_t> bytes);

  /// Human-readable list of regions for error messages.
  std::string describe() const;

private:
  struct Region {
    uint64_t base = 0, size = 0;
    std::string name;
    std::vector<uint8_t> owned;
    uint8_t *data = nullptr;
  };
  llvm::Error add(Region r);
  std::map<uint64_t, Region> regions_;
};

/// Local memory of all lanes.
class LocalMemory {
public:
  explicit LocalMemory(const isa::TargetInfo &t)
      : laneBytes_(t.lmemBytes), bytes_(t.totalLmemBytes(), 0) {}
  uint64_t size() const { return bytes_.size(); }
  uint32_t laneBytes() const { return laneBytes_; }
  /// The byte at local address 0; local address a is data()[a].
  uint8_t *data() { return bytes_.data(); }
  const uint8_t *data() const { return bytes_.data(); }
  /// Zeroes every lane.
  void clear() { std::fill(bytes_.begin(), bytes_.end(), 0); }

private:
  uint32_t laneBytes_;
  std::vector<uint8_t> bytes_;
};

/// Reads element i of a buffer of dtype t as double (f16/bf16 converted).
double loadElement(const uint8_t *p, isa::DType t);
/// Writes v as dtype t: floats are rounded to the type, integers rounded
/// half to even and saturated.
void storeElement(uint8_t *p, isa::DType t, double v);
/// Integer load without rounding (for integer dtypes).
int64_t loadInt(const uint8_t *p, isa::DType t);
/// Integer store with saturation.
void storeInt(uint8_t *p, isa::DType t, int64_t v);

/// Writes an NCHW host array into local memory at addr with the given
/// element strides (the channel-across-lanes mapping); for tests and for
/// runtimes that stage data without GDMA.
llvm::Error writeLocalTensor(const isa::TargetInfo &t, LocalMemory &mem,
                             uint32_t addr, isa::Shape4 shape,
                             isa::Strides4 stride, isa::DType dt,
                             llvm::ArrayRef<double> values);
/// Reads a local tensor into an NCHW host array.
llvm::Expected<std::vector<double>>
readLocalTensor(const isa::TargetInfo &t, const LocalMemory &mem, uint32_t addr,
                isa::Shape4 shape, isa::Strides4 stride, isa::DType dt);

} // namespace cmodel
} // namespace onntc

#endif
