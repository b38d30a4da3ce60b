//===- TfOpTable.cpp - the TensorFlow op table ----------------------------===//
//
// One row per supported TensorFlow op, sorted by name (a unit test checks
// the order; lookup is a binary search): {op, import function, IR op used by
// the generic functions, note}. `bmnett --list_ops` and
// docs/frontends/tensorflow.md print this table; a test keeps them equal.
//
//===----------------------------------------------------------------------===//

#include "frontends/tensorflow/TfContext.h"

#include <algorithm>
#include <cstring>

namespace onntc {

static llvm::Error importPlaceholder(TfNodeContext &ctx) {
  // Selected inputs were bound before the nodes were imported.
  if (ctx.state().values.count(ctx.name() + ":0"))
    return llvm::Error::success();
  return ctx.error("this Placeholder is not a network input");
}

static const TfOpRow kTfOps[] = {
    {"Add", importBinary, OpKind::Add, "Add (broadcast; NCHW-aware)"},
    {"AddV2", importBinary, OpKind::Add, "Add (broadcast; NCHW-aware)"},
    {"AvgPool", importPool, OpKind::AveragePool,
     "AveragePool; SAME padding excludes the padded cells"},
    {"BatchToSpaceND", importBatchToSpaceND, OpKind::Conv,
     "folded into the dilated Conv it follows"},
    {"BiasAdd", importBiasAdd, OpKind::Add, "Add of the channel vector"},
    {"ConcatV2", importConcatV2, OpKind::Concat,
     "Concat (axis mapped to NCHW when all inputs are 4-D)"},
    {"Const", importConst, OpKind::Constant, "Constant"},
    {"Conv2D", importConv2D, OpKind::Conv,
     "Conv (SAME/VALID/EXPLICIT, strides, dilations; HWIO weights)"},
    {"DepthwiseConv2dNative", importConv2D, OpKind::Conv,
     "grouped Conv (group = input channels)"},
    {"Dequantize", importDequantize, OpKind::Constant,
     "folded: MIN_COMBINED / MIN_FIRST, constant 8/16-bit input"},
    {"FusedBatchNorm", importFusedBatchNorm, OpKind::BatchNormalization,
     "BatchNormalization (inference)"},
    {"FusedBatchNormV2", importFusedBatchNorm, OpKind::BatchNormalization,
     "BatchNormalization (inference)"},
    {"FusedBatchNormV3", importFusedBatchNorm, OpKind::BatchNormalization,
     "BatchNormalization (inference)"},
    {"Identity", importIdentity, OpKind::Identity, "removed"},
    {"MatMul", importMatMul, OpKind::Gemm, "Gemm (transpose_a/b)"},
    {"Max", importReduce, OpKind::ReduceMax, "ReduceMax (axes mapped to NCHW)"},
    {"MaxPool", importPool, OpKind::MaxPool, "MaxPool (SAME/VALID)"},
    {"Maximum", importBinary, OpKind::Max, "Max (broadcast)"},
    {"Mean", importReduce, OpKind::ReduceMean,
     "ReduceMean (axes mapped to NCHW)"},
    {"Min", importReduce, OpKind::ReduceMin, "ReduceMin (axes mapped to NCHW)"},
    {"Minimum", importBinary, OpKind::Min, "Min (broadcast)"},
    {"Mul", importBinary, OpKind::Mul, "Mul (broadcast)"},
    {"Pack", importPack, OpKind::Concat,
     "Unsqueeze + Concat (folded when constant)"},
    {"Pad", importPad, OpKind::Pad, "Pad (constant 0)"},
    {"PadV2", importPad, OpKind::Pad, "Pad (constant value)"},
    {"Placeholder", importPlaceholder, OpKind::Identity,
     "network input (4-D inputs stay NHWC)"},
    {"Prod", importReduce, OpKind::ReduceProd,
     "ReduceProd (axes mapped to NCHW)"},
    {"RealDiv", importBinary, OpKind::Div, "Div (broadcast)"},
    {"Relu", importUnary, OpKind::Relu, "Relu"},
    {"Relu6", importRelu6, OpKind::Clip, "Clip(0, 6)"},
    {"Reshape", importReshape, OpKind::Reshape,
     "Reshape in NHWC element order"},
    {"Rsqrt", importRsqrt, OpKind::Reciprocal, "Reciprocal(Sqrt)"},
    {"Shape", importShape, OpKind::Shape, "constant (static shapes)"},
    {"Sigmoid", importUnary, OpKind::Sigmoid, "Sigmoid"},
    {"Softmax", importSoftmax, OpKind::Softmax, "Softmax over the last axis"},
    {"SpaceToBatchND", importSpaceToBatchND, OpKind::Conv,
     "folded into a dilated Conv (with the BatchToSpaceND after it)"},
    {"Sqrt", importUnary, OpKind::Sqrt, "Sqrt"},
    {"Square", importSquare, OpKind::Mul, "Mul(x, x)"},
    {"Squeeze", importSqueeze, OpKind::Squeeze, "Squeeze"},
    {"StridedSlice", importStridedSlice, OpKind::Constant,
     "constant (folded; constant input only)"},
    {"Sub", importBinary, OpKind::Sub, "Sub (broadcast)"},
    {"Sum", importReduce, OpKind::ReduceSum, "ReduceSum (axes mapped to NCHW)"},
    {"Tanh", importUnary, OpKind::Tanh, "Tanh"},
};

llvm::ArrayRef<TfOpRow> tfOpTable() { return kTfOps; }

const TfOpRow *findTfOp(llvm::StringRef op) {
  auto it = std::lower_bound(std::begin(kTfOps), std::end(kTfOps), op,
                             [](const TfOpRow &r, llvm::StringRef o) {
                               return o.compare(r.name) > 0;
                             });
  if (it == std::end(kTfOps) || op != it->name)
    return nullptr;
  return it;
}

} // namespace onntc
