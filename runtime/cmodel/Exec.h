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

llvm::Error execConv(ExecContext &x, const isa::ConvCmd &c);
llvm::Error execMatMul(ExecContext &x, const isa::MatMulCmd &c);
llvm::Error execPool(ExecContext &x, const isa::PoolCmd &c);
llvm::Error execBinary(ExecContext &x, const isa::BinaryCmd &c);
llvm::Error execUnary(ExecContext &x, const isa::UnaryCmd &c);
llvm::Error execReduce(ExecContext &x, const isa::ReduceCmd &c);
llvm::Error execCopy(ExecContext &x, const isa::CopyCmd &c);
llvm::Error execFill(ExecContext &x, const isa::FillCmd &c);
llvm::Error execCast(ExecContext &x, const isa::CastCmd &c);
llvm::Error execRequant(ExecContext &x, const isa::RequantCmd &c);
llvm::Error execLut(ExecContext &x, const isa::LutCmd &c);
llvm::Error execGdmaMove(ExecContext &x, const isa::GdmaMoveCmd &c);
llvm::Error execGdmaFill(ExecContext &x, const isa::GdmaFillCmd &c);

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
