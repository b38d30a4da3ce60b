//===- OnnxOps.h - import functions of the ONNX op table --------*- C++ -*-===//
//
// Internal to frontends/onnx. Each function imports one ONNX node through an
// OnnxNodeContext; rows of the op table (OnnxOpTable.cpp) point at them.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_ONNX_ONNXOPS_H
#define ONNTC_FRONTENDS_ONNX_ONNXOPS_H

#include "frontends/onnx/OnnxContext.h"

namespace onntc {

// OnnxOpsNn.cpp
llvm::Error importConv(OnnxNodeContext &ctx);
llvm::Error importConvTranspose(OnnxNodeContext &ctx);
llvm::Error importPool(OnnxNodeContext &ctx);
llvm::Error importBatchNorm(OnnxNodeContext &ctx);
llvm::Error importLayerNorm(OnnxNodeContext &ctx);
llvm::Error importSoftmaxLike(OnnxNodeContext &ctx);
llvm::Error importMeanVarianceNorm(OnnxNodeContext &ctx);
llvm::Error importEinsum(OnnxNodeContext &ctx);

// OnnxOpsTensor.cpp
llvm::Error importConstant(OnnxNodeContext &ctx);
llvm::Error importCast(OnnxNodeContext &ctx);
llvm::Error importCastLike(OnnxNodeContext &ctx);
llvm::Error importClip(OnnxNodeContext &ctx);
llvm::Error importDropout(OnnxNodeContext &ctx);
llvm::Error importReduce(OnnxNodeContext &ctx);
llvm::Error importSqueezeLike(OnnxNodeContext &ctx);
llvm::Error importSplit(OnnxNodeContext &ctx);
llvm::Error importSlice(OnnxNodeContext &ctx);
llvm::Error importPad(OnnxNodeContext &ctx);
llvm::Error importTopK(OnnxNodeContext &ctx);
llvm::Error importResize(OnnxNodeContext &ctx);
llvm::Error importUpsample(OnnxNodeContext &ctx);
llvm::Error importEyeLike(OnnxNodeContext &ctx);
llvm::Error importShrink(OnnxNodeContext &ctx);

} // namespace onntc

#endif
