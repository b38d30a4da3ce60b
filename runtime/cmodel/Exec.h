//===- Exec.h - functional execution of single commands ---------*- C++ -*-===//
//
// Internal to the cmodel: one function per command kind. Each validates its
// operands (returning an Error for anything out of bounds or inconsistent)
// and then computes the result in the simulated memories.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_RUNTIME_CMODEL_EXEC_H
#define ONNTC_RUNTIME_CMODEL_EXEC_H

#include "isa/Commands.h"
#include "runtime/cmodel/Memory.h"

#include "llvm/Support/Error.h"

namespace onntc {
namespace cmodel {

struct ExecContext {
  const isa::TargetInfo &t;
  GlobalMemory &gmem;
  LocalMemory &lmem;
};

/// One exec function per row of isa/Commands.def: execConv, ...,
/// execGdmaFill.
#define ISA_COMMAND(ENGINE, OPCODE, NAME, MNEMONIC)                            \
  llvm::Error exec##NAME(ExecContext &x, const isa::NAME##Cmd &c);
#include "isa/Commands.def"

/// Dispatches on the command body.
llvm::Error executeCommand(ExecContext &x, const isa::Command &cmd);

/// An Error with a formatted message (shared by the Exec*.cpp files).
llvm::Error execError(const llvm::Twine &msg);

/// Reads the per-channel requant pair of channel c from the table at
/// tableAddr (lane of c relative to startLane); bounds are checked by the
/// caller through checkRequantTable.
llvm::Error checkRequantTable(ExecContext &x, const isa::RequantParams &rq,
                              uint32_t channels, unsigned startLane);
void requantPair(ExecContext &x, const isa::RequantParams &rq, uint32_t c,
                 unsigned startLane, int32_t &mult, int &shift);

} // namespace cmodel
} // namespace onntc

#endif
