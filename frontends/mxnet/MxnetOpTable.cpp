//===- MxnetOpTable.cpp - the sorted table of supported MXNet ops ---------===//
//
// One row per MXNet op name (byte order, checked by a unit test): the import
// function and, for the generic rows, the IR op. `bmnetm --list_ops` and
// docs/frontends/mxnet.md are generated from this table.
//
//===----------------------------------------------------------------------===//
#include "frontends/mxnet/MxnetContext.h"

#include <algorithm>
#include <cstring>

namespace onntc {

namespace {

constexpr OpKind kNone = OpKind::Identity;

const MxOpRow kRows[] = {
    {"Activation", importActivation, kNone},
    {"BatchNorm", importBatchNorm, kNone},
    {"BlockGrad", importIdentity, kNone},
    {"Concat", importConcat, kNone},
    {"Convolution", importConvolution, kNone},
    {"Crop", importCrop, kNone},
    {"Deconvolution", importDeconvolution, kNone},
    {"Dropout", importIdentity, kNone},
    {"Flatten", importFlatten, kNone},
    {"FullyConnected", importFullyConnected, kNone},
    {"LeakyReLU", importLeakyReLU, kNone},
    {"LinearRegressionOutput", importIdentity, kNone},
    {"LogisticRegressionOutput", importUnary, OpKind::Sigmoid},
    {"Pooling", importPooling, kNone},
    {"Reshape", importReshape, kNone},
    {"SliceChannel", importSliceChannel, kNone},
    {"SoftmaxActivation", importSoftmaxActivation, kNone},
    {"SoftmaxOutput", importSoftmaxOutput, kNone},
    {"UpSampling", importUpSampling, kNone},
    {"_Div", importBinary, OpKind::Div},
    {"_Minus", importBinary, OpKind::Sub},
    {"_Mul", importBinary, OpKind::Mul},
    {"_Plus", importBinary, OpKind::Add},
    {"_copy", importIdentity, kNone},
    {"_div", importBinary, OpKind::Div},
    {"_div_scalar", importScalar, OpKind::Div},
    {"_maximum", importBinary, OpKind::Max},
    {"_maximum_scalar", importScalar, OpKind::Max},
    {"_minimum", importBinary, OpKind::Min},
    {"_minimum_scalar", importScalar, OpKind::Min},
    {"_minus", importBinary, OpKind::Sub},
    {"_minus_scalar", importScalar, OpKind::Sub},
    {"_mul", importBinary, OpKind::Mul},
    {"_mul_scalar", importScalar, OpKind::Mul},
    {"_plus", importBinary, OpKind::Add},
    {"_plus_scalar", importScalar, OpKind::Add},
    {"_power_scalar", importScalar, OpKind::Pow},
    {"_rdiv_scalar", importRScalar, OpKind::Div},
    {"_rminus_scalar", importRScalar, OpKind::Sub},
    {"broadcast_add", importBinary, OpKind::Add},
    {"broadcast_div", importBinary, OpKind::Div},
    {"broadcast_maximum", importBinary, OpKind::Max},
    {"broadcast_minimum", importBinary, OpKind::Min},
    {"broadcast_minus", importBinary, OpKind::Sub},
    {"broadcast_mul", importBinary, OpKind::Mul},
    {"broadcast_plus", importBinary, OpKind::Add},
    {"broadcast_sub", importBinary, OpKind::Sub},
    {"clip", importClip, kNone},
    {"concat", importConcat, kNone},
    {"elemwise_add", importBinary, OpKind::Add},
    {"elemwise_div", importBinary, OpKind::Div},
    {"elemwise_mul", importBinary, OpKind::Mul},
    {"elemwise_sub", importBinary, OpKind::Sub},
    {"exp", importUnary, OpKind::Exp},
    {"flatten", importFlatten, kNone},
    {"identity", importIdentity, kNone},
    {"log", importUnary, OpKind::Log},
    {"relu", importUnary, OpKind::Relu},
    {"sigmoid", importUnary, OpKind::Sigmoid},
    {"softmax", importSoftmax, kNone},
    {"split", importSliceChannel, kNone},
    {"sqrt", importUnary, OpKind::Sqrt},
    {"stop_gradient", importIdentity, kNone},
    {"tanh", importUnary, OpKind::Tanh},
    {"transpose", importTranspose, kNone},
};

} // namespace

llvm::ArrayRef<MxOpRow> mxnetOpTable() { return kRows; }

const MxOpRow *findMxnetOp(llvm::StringRef op) {
  auto it = std::lower_bound(std::begin(kRows), std::end(kRows), op,
                             [](const MxOpRow &r, llvm::StringRef k) {
                               return llvm::StringRef(r.name) < k;
                             });
  if (it == std::end(kRows) || op != it->name)
    return nullptr;
  return it;
}

bool mxnetOpHasLabelInputs(llvm::StringRef op) {
  return op == "SoftmaxOutput" || op == "LinearRegressionOutput" ||
         op == "LogisticRegressionOutput";
}

} // namespace onntc
