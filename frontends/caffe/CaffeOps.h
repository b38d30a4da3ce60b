//===- CaffeOps.h - import functions of the Caffe layer table ---*- C++ -*-===//
//
// Internal to frontends/caffe. Each function imports one layer through a
// CaffeLayerContext; rows of the layer table (CaffeOpTable.cpp) point at them.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_CAFFE_CAFFEOPS_H
#define ONNTC_FRONTENDS_CAFFE_CAFFEOPS_H

#include "frontends/caffe/CaffeContext.h"

namespace onntc {

// CaffeOpsNn.cpp
llvm::Error importConvolution(CaffeLayerContext &ctx);
llvm::Error importDeconvolution(CaffeLayerContext &ctx);
llvm::Error importInnerProduct(CaffeLayerContext &ctx);
llvm::Error importPooling(CaffeLayerContext &ctx);
llvm::Error importBatchNorm(CaffeLayerContext &ctx);
llvm::Error importScale(CaffeLayerContext &ctx);
llvm::Error importBias(CaffeLayerContext &ctx);
llvm::Error importPReLU(CaffeLayerContext &ctx);
llvm::Error importLRN(CaffeLayerContext &ctx);
llvm::Error importNormalize(CaffeLayerContext &ctx);

// CaffeOpsTensor.cpp
llvm::Error importUnary(CaffeLayerContext &ctx);
llvm::Error importReLU(CaffeLayerContext &ctx);
llvm::Error importELU(CaffeLayerContext &ctx);
llvm::Error importPower(CaffeLayerContext &ctx);
llvm::Error importIdentity(CaffeLayerContext &ctx);
llvm::Error importEltwise(CaffeLayerContext &ctx);
llvm::Error importConcat(CaffeLayerContext &ctx);
llvm::Error importSlice(CaffeLayerContext &ctx);
llvm::Error importSplit(CaffeLayerContext &ctx);
llvm::Error importFlatten(CaffeLayerContext &ctx);
llvm::Error importReshape(CaffeLayerContext &ctx);
llvm::Error importPermute(CaffeLayerContext &ctx);
llvm::Error importSoftmax(CaffeLayerContext &ctx);
llvm::Error importCrop(CaffeLayerContext &ctx);

/// Normalises a possibly negative Caffe axis against `rank`; error if out
/// of range.
llvm::Expected<int64_t> caffeAxis(CaffeLayerContext &ctx, int64_t axis,
                                  size_t rank, llvm::StringRef what);

} // namespace onntc

#endif
