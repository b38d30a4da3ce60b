//===- OnnxOpTable.cpp - the ONNX op table
//---------------------------------===//
//
// One row per supported ONNX op, sorted by name (a unit test checks the
// order; lookup is a binary search): {ONNX op, oldest opset handled, import
// function, IR op used by the generic functions}. Adding an ONNX op is one
// row here, plus an import function when the op needs more than a renaming.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/OnnxOps.h"

#include <algorithm>
#include <cstring>

namespace onntc {

llvm::Error importDirect(OnnxNodeContext &ctx) {
  return ctx.emitFinalWithAttrs(ctx.row().kind, ctx.inputs()).takeError();
}

static const OnnxOpRow kOnnxOps[] = {
    {"Abs", 7, importDirect, OpKind::Abs},
    {"Acos", 7, importDirect, OpKind::Acos},
    {"Acosh", 9, importDirect, OpKind::Acosh},
    {"Add", 7, importDirect, OpKind::Add},
    {"And", 7, importDirect, OpKind::And},
    {"ArgMax", 7, importDirect, OpKind::ArgMax},
    {"ArgMin", 7, importDirect, OpKind::ArgMin},
    {"Asin", 7, importDirect, OpKind::Asin},
    {"Asinh", 9, importDirect, OpKind::Asinh},
    {"Atan", 7, importDirect, OpKind::Atan},
    {"Atanh", 9, importDirect, OpKind::Atanh},
    {"AveragePool", 7, importPool, OpKind::AveragePool},
    {"BatchNormalization", 7, importBatchNorm, OpKind::BatchNormalization},
    {"BitShift", 11, importDirect, OpKind::BitShift},
    {"Cast", 7, importCast, OpKind::Cast},
    {"CastLike", 15, importCastLike, OpKind::Cast},
    {"Ceil", 7, importDirect, OpKind::Ceil},
    {"Celu", 12, importDirect, OpKind::Celu},
    {"Clip", 7, importClip, OpKind::Clip},
    {"Concat", 7, importDirect, OpKind::Concat},
    {"Constant", 7, importConstant, OpKind::Constant},
    {"ConstantOfShape", 9, importDirect, OpKind::ConstantOfShape},
    {"Conv", 7, importConv, OpKind::Conv},
    {"ConvTranspose", 7, importConvTranspose, OpKind::ConvTranspose},
    {"Cos", 7, importDirect, OpKind::Cos},
    {"Cosh", 9, importDirect, OpKind::Cosh},
    {"CumSum", 11, importDirect, OpKind::CumSum},
    {"DepthToSpace", 7, importDirect, OpKind::DepthToSpace},
    {"Div", 7, importDirect, OpKind::Div},
    {"Dropout", 7, importDropout, OpKind::Dropout},
    {"Einsum", 12, importEinsum, OpKind::MatMul},
    {"Elu", 7, importDirect, OpKind::Elu},
    {"Equal", 7, importDirect, OpKind::Equal},
    {"Erf", 9, importDirect, OpKind::Erf},
    {"Exp", 7, importDirect, OpKind::Exp},
    {"Expand", 8, importDirect, OpKind::Expand},
    {"EyeLike", 9, importEyeLike, OpKind::Constant},
    {"Flatten", 7, importDirect, OpKind::Flatten},
    {"Floor", 7, importDirect, OpKind::Floor},
    {"Gather", 7, importDirect, OpKind::Gather},
    {"GatherElements", 11, importDirect, OpKind::GatherElements},
    {"GatherND", 11, importDirect, OpKind::GatherND},
    {"Gemm", 7, importDirect, OpKind::Gemm},
    {"GlobalAveragePool", 7, importDirect, OpKind::GlobalAveragePool},
    {"GlobalMaxPool", 7, importDirect, OpKind::GlobalMaxPool},
    {"Greater", 7, importDirect, OpKind::Greater},
    {"GreaterOrEqual", 12, importDirect, OpKind::GreaterOrEqual},
    {"HardSigmoid", 7, importDirect, OpKind::HardSigmoid},
    {"HardSwish", 14, importDirect, OpKind::HardSwish},
    {"Hardmax", 7, importSoftmaxLike, OpKind::Hardmax},
    {"Identity", 7, importDirect, OpKind::Identity},
    {"InstanceNormalization", 7, importDirect, OpKind::InstanceNormalization},
    {"IsInf", 10, importDirect, OpKind::IsInf},
    {"IsNaN", 9, importDirect, OpKind::IsNaN},
    {"LRN", 7, importDirect, OpKind::LRN},
    {"LayerNormalization", 17, importLayerNorm, OpKind::LayerNormalization},
    {"LeakyRelu", 7, importDirect, OpKind::LeakyRelu},
    {"Less", 7, importDirect, OpKind::Less},
    {"LessOrEqual", 12, importDirect, OpKind::LessOrEqual},
    {"Log", 7, importDirect, OpKind::Log},
    {"LogSoftmax", 7, importSoftmaxLike, OpKind::LogSoftmax},
    {"MatMul", 7, importDirect, OpKind::MatMul},
    {"Max", 7, importDirect, OpKind::Max},
    {"MaxPool", 7, importPool, OpKind::MaxPool},
    {"Mean", 7, importDirect, OpKind::Mean},
    {"MeanVarianceNormalization", 9, importMeanVarianceNorm,
     OpKind::ReduceMean},
    {"Min", 7, importDirect, OpKind::Min},
    {"Mod", 10, importDirect, OpKind::Mod},
    {"Mul", 7, importDirect, OpKind::Mul},
    {"Neg", 7, importDirect, OpKind::Neg},
    {"NonMaxSuppression", 10, importDirect, OpKind::NonMaxSuppression},
    {"NonZero", 9, importDirect, OpKind::NonZero},
    {"Not", 7, importDirect, OpKind::Not},
    {"OneHot", 9, importDirect, OpKind::OneHot},
    {"Or", 7, importDirect, OpKind::Or},
    {"PRelu", 7, importDirect, OpKind::PRelu},
    {"Pad", 7, importPad, OpKind::Pad},
    {"Pow", 7, importDirect, OpKind::Pow},
    {"Range", 11, importDirect, OpKind::Range},
    {"Reciprocal", 7, importDirect, OpKind::Reciprocal},
    {"ReduceL1", 7, importReduce, OpKind::ReduceL1},
    {"ReduceL2", 7, importReduce, OpKind::ReduceL2},
    {"ReduceLogSum", 7, importReduce, OpKind::ReduceLogSum},
    {"ReduceLogSumExp", 7, importReduce, OpKind::ReduceLogSumExp},
    {"ReduceMax", 7, importReduce, OpKind::ReduceMax},
    {"ReduceMean", 7, importReduce, OpKind::ReduceMean},
    {"ReduceMin", 7, importReduce, OpKind::ReduceMin},
    {"ReduceProd", 7, importReduce, OpKind::ReduceProd},
    {"ReduceSum", 7, importReduce, OpKind::ReduceSum},
    {"ReduceSumSquare", 7, importReduce, OpKind::ReduceSumSquare},
    {"Relu", 7, importDirect, OpKind::Relu},
    {"Reshape", 7, importDirect, OpKind::Reshape},
    {"Resize", 10, importResize, OpKind::Resize},
    {"Round", 11, importDirect, OpKind::Round},
    {"Scatter", 9, importDirect, OpKind::ScatterElements},
    {"ScatterElements", 11, importDirect, OpKind::ScatterElements},
    {"ScatterND", 11, importDirect, OpKind::ScatterND},
    {"Selu", 7, importDirect, OpKind::Selu},
    {"Shape", 7, importDirect, OpKind::Shape},
    {"Shrink", 9, importShrink, OpKind::Where},
    {"Sigmoid", 7, importDirect, OpKind::Sigmoid},
    {"Sign", 9, importDirect, OpKind::Sign},
    {"Sin", 7, importDirect, OpKind::Sin},
    {"Sinh", 9, importDirect, OpKind::Sinh},
    {"Size", 7, importDirect, OpKind::Size},
    {"Slice", 7, importSlice, OpKind::Slice},
    {"Softmax", 7, importSoftmaxLike, OpKind::Softmax},
    {"Softplus", 7, importDirect, OpKind::Softplus},
    {"Softsign", 7, importDirect, OpKind::Softsign},
    {"SpaceToDepth", 7, importDirect, OpKind::SpaceToDepth},
    {"Split", 7, importSplit, OpKind::Split},
    {"Sqrt", 7, importDirect, OpKind::Sqrt},
    {"Squeeze", 7, importSqueezeLike, OpKind::Squeeze},
    {"Sub", 7, importDirect, OpKind::Sub},
    {"Sum", 7, importDirect, OpKind::Sum},
    {"Tan", 7, importDirect, OpKind::Tan},
    {"Tanh", 7, importDirect, OpKind::Tanh},
    {"ThresholdedRelu", 10, importDirect, OpKind::ThresholdedRelu},
    {"Tile", 7, importDirect, OpKind::Tile},
    {"TopK", 7, importTopK, OpKind::TopK},
    {"Transpose", 7, importDirect, OpKind::Transpose},
    {"Trilu", 14, importDirect, OpKind::Trilu},
    {"Unsqueeze", 7, importSqueezeLike, OpKind::Unsqueeze},
    {"Upsample", 7, importUpsample, OpKind::Resize},
    {"Where", 9, importDirect, OpKind::Where},
    {"Xor", 7, importDirect, OpKind::Xor},
};

llvm::ArrayRef<OnnxOpRow> onnxOpTable() { return kOnnxOps; }

const OnnxOpRow *findOnnxOp(llvm::StringRef opType) {
  auto *end = std::end(kOnnxOps);
  auto *it = std::lower_bound(std::begin(kOnnxOps), end, opType,
                              [](const OnnxOpRow &r, llvm::StringRef name) {
                                return llvm::StringRef(r.name) < name;
                              });
  return it != end && opType == it->name ? it : nullptr;
}

} // namespace onntc
