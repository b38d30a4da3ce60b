//===- CostModel.h - cycles of one command ----------------------*- C++ -*-===//
//
// The documented cost model (docs/isa.md "Cost model"). BDC commands cost a
// fixed issue overhead plus the per-lane work divided by the EU width; all
// lanes run in parallel, so the busiest lane decides. GDMA commands cost a
// fixed latency plus the bytes moved (global runs rounded up to bursts)
// divided by the direction's bandwidth.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_ISA_COSTMODEL_H
#define ONNTC_ISA_COSTMODEL_H

#include "isa/Commands.h"

namespace onntc {
namespace isa {

/// What one command costs and does.
struct CommandCost {
  /// Engine cycles at the target clock.
  uint64_t cycles = 0;
  /// Multiply-accumulates (conv, matmul) for utilization figures.
  uint64_t macs = 0;
  /// Bytes read plus written in global memory by a GDMA command.
  uint64_t globalBytes = 0;
};

/// Relative cost of one element of a unary or binary operation, in EU
/// passes (1 for simple arithmetic, more for transcendental functions).
unsigned unaryOpFactor(UnaryOp op);
unsigned binaryOpFactor(BinaryOp op);

/// Cost of one command on target t. Pure: no memory is touched.
CommandCost estimateCost(const TargetInfo &t, const Command &cmd);

} // namespace isa
} // namespace onntc

#endif
