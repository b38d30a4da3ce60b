//===- PaddleOpTable.cpp - the sorted Paddle op table ---------------------===//
//
// One row per Paddle op type, sorted by name (a unit test checks the order);
// lookup is a binary search. `bmpaddle --list_ops` and the op table of
// docs/frontends/paddle.md are printed from this array.
//
//===----------------------------------------------------------------------===//

#include "frontends/paddle/PaddleContext.h"

#include <algorithm>

namespace onntc {

static const PaddleOpRow kRows[] = {
    {"batch_norm", importBatchNorm, OpKind::BatchNormalization},
    {"concat", importConcat, OpKind::Concat},
    {"conv2d", importConv, OpKind::Conv},
    {"depthwise_conv2d", importConv, OpKind::Conv},
    {"dropout", importDropout, OpKind::Mul},
    {"elementwise_add", importElementwise, OpKind::Add},
    {"elementwise_div", importElementwise, OpKind::Div},
    {"elementwise_mul", importElementwise, OpKind::Mul},
    {"elementwise_sub", importElementwise, OpKind::Sub},
    {"fc", importFc, OpKind::MatMul},
    {"feed", importFeedFetch, OpKind::Identity},
    {"fetch", importFeedFetch, OpKind::Identity},
    {"flatten2", importFlatten2, OpKind::Flatten},
    {"flatten_contiguous_range", importFlattenRange, OpKind::Reshape},
    {"hard_swish", importHardSwish, OpKind::HardSwish},
    {"matmul", importMatmul, OpKind::MatMul},
    {"matmul_v2", importMatmulV2, OpKind::MatMul},
    {"mul", importMul, OpKind::MatMul},
    {"pool2d", importPool2d, OpKind::MaxPool},
    {"relu", importUnary, OpKind::Relu},
    {"relu6", importRelu6, OpKind::Clip},
    {"reshape2", importReshape2, OpKind::Reshape},
    {"scale", importScale, OpKind::Mul},
    {"sigmoid", importUnary, OpKind::Sigmoid},
    {"softmax", importSoftmax, OpKind::Softmax},
    {"swish", importSwish, OpKind::Sigmoid},
    {"tanh", importUnary, OpKind::Tanh},
    {"transpose2", importTranspose2, OpKind::Transpose},
};

llvm::ArrayRef<PaddleOpRow> paddleOpTable() { return kRows; }

const PaddleOpRow *findPaddleOp(llvm::StringRef type) {
  auto it = std::lower_bound(
      std::begin(kRows), std::end(kRows), type,
      [](const PaddleOpRow &r, llvm::StringRef t) { return r.name < t; });
  if (it == std::end(kRows) || type != it->name)
    return nullptr;
  return it;
}

std::vector<llvm::StringRef> supportedPaddleOps() {
  std::vector<llvm::StringRef> out;
  for (const PaddleOpRow &r : kRows)
    out.push_back(r.name);
  return out;
}

} // namespace onntc
