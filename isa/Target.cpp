//===- Target.cpp - the per-chip descriptions
//------------------------------===//
//
// Figures from shared/reference/sophon-toolchain.md section 7 unless marked
// "assumed"; docs/isa.md states the reasoning behind each assumption.
//
//===----------------------------------------------------------------------===//
#include "isa/Target.h"

#include "llvm/Support/ErrorHandling.h"

namespace onntc {
namespace isa {

unsigned dtypeBytes(DType t) {
  switch (t) {
  case DType::F32:
  case DType::I32:
  case DType::U32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
  case DType::U16:
    return 2;
  case DType::I8:
  case DType::U8:
    return 1;
  }
  llvm_unreachable("bad DType");
}

llvm::StringRef dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I8:
    return "i8";
  case DType::U8:
    return "u8";
  case DType::I16:
    return "i16";
  case DType::U16:
    return "u16";
  case DType::I32:
    return "i32";
  case DType::U32:
    return "u32";
  }
  llvm_unreachable("bad DType");
}

bool isFloatDType(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

bool isSignedDType(DType t) {
  return t == DType::I8 || t == DType::I16 || t == DType::I32;
}

bool isValidDType(uint8_t raw) { return raw < kNumDTypes; }

// BM1684: 64 lanes x 512 KiB, 8 banks, EU 128 bytes (32 f32 lanes), 550 MHz
// TPU clock. DMA figures are assumptions: 32 GB/s effective global<->local
// = 32e9 / 550e6 = 58.2 bytes per TPU cycle; global<->global and local<->local
// at half that; 0.5 us fixed latency = 275 cycles.
static const TargetInfo BM1684 = {
    /*name=*/"BM1684",
    /*npuNum=*/64,
    /*lmemBytes=*/1u << 19,
    /*lmemBanks=*/8,
    /*euBytes=*/128,
    /*clockMHz=*/550.0,
    /*dmaGlobalLocalBytesPerCycle=*/58.2,
    /*dmaGlobalGlobalBytesPerCycle=*/29.1,
    /*dmaLocalLocalBytesPerCycle=*/29.1,
    /*dmaLatencyCycles=*/275,
    /*bdcOverheadCycles=*/32,
    /*dmaBurstBytes=*/64,
    /*gmemStartAddr=*/0x100000000ull,
    /*coeffStartAddr=*/0x100000000ull + 0x5100000ull,
    /*gmemAlignment=*/0x1000,
    /*dmaAlignBytes=*/512,
    /*hasHalfFloat=*/false,
};

// BM1684X: 64 lanes x 256 KiB, 16 banks, EU 64 bytes (16 f32, 32 f16, 64 i8),
// 1000 MHz TPU clock. DMA assumptions: 32 GB/s effective = 32 bytes per cycle
// global<->local, half for the other directions, 0.5 us = 500 cycles latency.
static const TargetInfo BM1684X = {
    /*name=*/"BM1684X",
    /*npuNum=*/64,
    /*lmemBytes=*/1u << 18,
    /*lmemBanks=*/16,
    /*euBytes=*/64,
    /*clockMHz=*/1000.0,
    /*dmaGlobalLocalBytesPerCycle=*/32.0,
    /*dmaGlobalGlobalBytesPerCycle=*/16.0,
    /*dmaLocalLocalBytesPerCycle=*/16.0,
    /*dmaLatencyCycles=*/500,
    /*bdcOverheadCycles=*/32,
    /*dmaBurstBytes=*/64,
    /*gmemStartAddr=*/0x100000000ull,
    /*coeffStartAddr=*/0x100000000ull,
    /*gmemAlignment=*/0x1000,
    /*dmaAlignBytes=*/512,
    /*hasHalfFloat=*/true,
};

static const TargetInfo *const AllTargets[] = {&BM1684, &BM1684X};

const TargetInfo &getBM1684Target() { return BM1684; }
const TargetInfo &getBM1684XTarget() { return BM1684X; }

llvm::ArrayRef<const TargetInfo *> allTargets() { return AllTargets; }

const TargetInfo *lookupTarget(llvm::StringRef name) {
  for (const TargetInfo *t : AllTargets)
    if (t->name.equals_insensitive(name))
      return t;
  return nullptr;
}

} // namespace isa
} // namespace onntc
