//===- Pipeline.h - the tile pipeline every local op runs through -*- C++ -*-===//
//
// Internal to onntc_backend. Lowers one node described as a LocalOp:
//   1. tile choice: the largest tile of LocalOp::space() whose buffers
//      (LocalOp::localBufferBytes, twice when overlapping) fit one lane;
//   2. local allocation: per-slice buffers once, then every per-tile
//      buffer once per buffer set, sized for the largest tile so that
//      addresses stay put;
//   3. per tile: GDMA loads (LocalOp::transfer), LocalOp::emitLocal, GDMA
//      stores, through a TilePipeline that overlaps the loads of one tile
//      with the compute of the previous one when two sets fit.
// Tiles run N, C, H, W outermost first; an op with per-slice buffers runs
// its channel slices outermost, so each slice's shared buffers load once.
// Layer groups (several ops per local residency) will extend this file.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_PIPELINE_H
#define ONNTC_BACKEND_CORE_PIPELINE_H

#include "backend/core/OpHooks.h"

namespace onntc {
namespace backend {

/// Emits the commands of node `n` described by `op`.
llvm::Error runLocalOp(const Node &n, const LocalOp &op, LowerContext &ctx);

} // namespace backend
} // namespace onntc

#endif
