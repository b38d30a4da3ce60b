//===- Target.h - virtual TPU targets described as data ---------*- C++ -*-===//
//
// One constant TargetInfo per chip. Everything that differs between chips is a
// field here, so op code never asks which chip it is compiling for. Sources or
// assumptions for every figure are listed in docs/isa.md ("Targets").
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_ISA_TARGET_H
#define ONNTC_ISA_TARGET_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace onntc {
namespace isa {

/// Element types understood by the commands. The numeric values are part of
/// the command descriptor format (docs/isa.md "Data types"); never reorder.
enum class DType : uint8_t {
  F32 = 0,
  F16 = 1,
  BF16 = 2,
  I8 = 3,
  U8 = 4,
  I16 = 5,
  U16 = 6,
  I32 = 7,
  U32 = 8,
};
constexpr unsigned kNumDTypes = 9;

/// Bytes per element.
unsigned dtypeBytes(DType t);
/// Short name: f32 f16 bf16 i8 u8 i16 u16 i32 u32.
llvm::StringRef dtypeName(DType t);
bool isFloatDType(DType t);
/// True for F16 and BF16.
inline bool isHalfDType(DType t) { return t == DType::F16 || t == DType::BF16; }
bool isSignedDType(DType t);
/// True when the raw byte is a known DType value (used by the decoder).
bool isValidDType(uint8_t raw);

/// The parameters of one chip. All figures are per chip; see docs/isa.md for
/// where each comes from.
struct TargetInfo {
  /// Name as given to --target (BM1684, BM1684X).
  llvm::StringRef name;
  /// Number of NPU lanes; channel c of a local tensor lives on lane
  /// (startLane + c) % npuNum.
  unsigned npuNum;
  /// Local memory bytes per lane.
  uint32_t lmemBytes;
  /// Local memory banks per lane (lmemBytes / lmemBanks bytes each).
  unsigned lmemBanks;
  /// Execution-unit width in bytes per lane; eu elements = euBytes / dtype.
  unsigned euBytes;
  /// TPU (BDC) clock in MHz; latency = cycles / clockMHz microseconds.
  double clockMHz;
  /// Assumed GDMA bandwidths in bytes per TPU cycle.
  double dmaGlobalLocalBytesPerCycle;
  double dmaGlobalGlobalBytesPerCycle;
  double dmaLocalLocalBytesPerCycle;
  /// Assumed fixed latency of one GDMA command, in TPU cycles.
  unsigned dmaLatencyCycles;
  /// Assumed fixed issue overhead of one BDC command, in TPU cycles.
  unsigned bdcOverheadCycles;
  /// Burst size in bytes of a global-memory access; each contiguous global
  /// run is rounded up to it by the cost model.
  unsigned dmaBurstBytes;
  /// Start of device global memory.
  uint64_t gmemStartAddr;
  /// Start of the coefficient region inside global memory.
  uint64_t coeffStartAddr;
  /// Alignment of global buffers (coeff blobs, neurons, IO).
  uint64_t gmemAlignment;
  /// Preferred alignment of GDMA transfers in bytes.
  unsigned dmaAlignBytes;
  /// Whether the BDC computes in FP16/BF16 (BM1684 has only FP32 and INT8).
  bool hasHalfFloat;

  /// Elements of type t the EU processes per lane and cycle.
  unsigned euNum(DType t) const { return euBytes / dtypeBytes(t); }
  /// Bytes per local-memory bank.
  uint32_t bankBytes() const { return lmemBytes / lmemBanks; }
  /// Total local memory (all lanes).
  uint64_t totalLmemBytes() const { return uint64_t(lmemBytes) * npuNum; }
  /// Peak multiply-accumulates per cycle for dtype t (all lanes).
  uint64_t peakMacsPerCycle(DType t) const {
    return uint64_t(npuNum) * euNum(t);
  }
};

/// The BM1684 description.
const TargetInfo &getBM1684Target();
/// The BM1684X description.
const TargetInfo &getBM1684XTarget();
/// Every known target, for --target validation and listing.
llvm::ArrayRef<const TargetInfo *> allTargets();
/// Looks a target up by name (case-insensitive); nullptr when unknown.
const TargetInfo *lookupTarget(llvm::StringRef name);

} // namespace isa
} // namespace onntc

#endif
