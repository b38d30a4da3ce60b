//===- CaffeOpTable.cpp - the Caffe layer table ---------------------------===//
//
// One row per supported Caffe layer type, sorted by type (a unit test checks
// the order; lookup is a binary search): {Caffe type, import function, IR op
// of the generic functions, the IR form --list_ops and docs/frontends/caffe.md
// show}. Input and the data layers are handled by the importer itself (they
// become network inputs) and have rows so that --list_ops shows them.
//
//===----------------------------------------------------------------------===//

#include "frontends/caffe/CaffeOps.h"

#include <algorithm>
#include <cstring>

namespace onntc {

static llvm::Error importNetInput(CaffeLayerContext &ctx) {
  return ctx.error("is a network input and is not imported as a layer");
}

static const CaffeLayerRow kCaffeLayers[] = {
    {"AbsVal", importUnary, OpKind::Abs, "abs"},
    {"BNLL", importUnary, OpKind::Softplus, "softplus"},
    {"BatchNorm", importBatchNorm, OpKind::BatchNormalization,
     "batch_norm (mean/var scaled by blob 2; scale 1, bias 0)"},
    {"Bias", importBias, OpKind::Add, "add (blob or 2nd bottom, axis/num_axes)"},
    {"Concat", importConcat, OpKind::Concat, "concat (axis or concat_dim)"},
    {"Convolution", importConvolution, OpKind::Conv,
     "conv (group, dilation, pad/kernel/stride and their _h/_w forms)"},
    {"Crop", importCrop, OpKind::Slice, "slice (axis, offset; shape of bottom 1)"},
    {"Data", importNetInput, OpKind::Identity, "network input (--shapes)"},
    {"Deconvolution", importDeconvolution, OpKind::ConvTranspose,
     "conv_transpose"},
    {"Dropout", importIdentity, OpKind::Identity, "nothing (identity at inference)"},
    {"DummyData", importNetInput, OpKind::Identity, "network input (--shapes)"},
    {"ELU", importELU, OpKind::Elu, "elu"},
    {"Eltwise", importEltwise, OpKind::Add,
     "add / mul / max (SUM with coeff: mul by constants, then add)"},
    {"Flatten", importFlatten, OpKind::Reshape, "reshape (axis, end_axis)"},
    {"HDF5Data", importNetInput, OpKind::Identity, "network input (--shapes)"},
    {"ImageData", importNetInput, OpKind::Identity, "network input (--shapes)"},
    {"InnerProduct", importInnerProduct, OpKind::Gemm,
     "flatten + gemm (axis, transpose, bias_term)"},
    {"Input", importNetInput, OpKind::Identity,
     "network input (also old input:/input_dim/input_shape)"},
    {"LRN", importLRN, OpKind::LRN,
     "lrn (ACROSS_CHANNELS); WITHIN_CHANNEL: mul, avg_pool, pow, mul"},
    {"MemoryData", importNetInput, OpKind::Identity, "network input (--shapes)"},
    {"Normalize", importNormalize, OpKind::Div,
     "reduce_sum_square, add eps, sqrt, div, mul by scale"},
    {"PReLU", importPReLU, OpKind::PRelu, "prelu (channel_shared)"},
    {"Permute", importPermute, OpKind::Transpose, "transpose"},
    {"Pooling", importPooling, OpKind::MaxPool,
     "max_pool / avg_pool / global pools (Caffe's ceil rounding and clipping)"},
    {"Power", importPower, OpKind::Pow, "mul, add, pow ((shift + scale*x)^power)"},
    {"ReLU", importReLU, OpKind::Relu, "relu, or leaky_relu (negative_slope)"},
    {"Reshape", importReshape, OpKind::Reshape,
     "reshape (0 and -1 codes, axis, num_axes)"},
    {"Scale", importScale, OpKind::Mul,
     "mul (+ add with bias_term; blob or 2nd bottom, axis/num_axes)"},
    {"Sigmoid", importUnary, OpKind::Sigmoid, "sigmoid"},
    {"Slice", importSlice, OpKind::Slice, "one slice per top (slice_point, axis or slice_dim)"},
    {"Softmax", importSoftmax, OpKind::Softmax, "softmax (axis)"},
    {"Split", importSplit, OpKind::Identity, "nothing (tops share the bottom)"},
    {"TanH", importUnary, OpKind::Tanh, "tanh"},
    {"WindowData", importNetInput, OpKind::Identity, "network input (--shapes)"},
};

llvm::ArrayRef<CaffeLayerRow> caffeLayerTable() { return kCaffeLayers; }

const CaffeLayerRow *findCaffeLayer(llvm::StringRef type) {
  auto it = std::lower_bound(
      std::begin(kCaffeLayers), std::end(kCaffeLayers), type,
      [](const CaffeLayerRow &r, llvm::StringRef t) { return r.type < t; });
  if (it == std::end(kCaffeLayers) || type != it->type)
    return nullptr;
  return it;
}

std::vector<CaffeLayerDesc> supportedCaffeLayers() {
  std::vector<CaffeLayerDesc> v;
  for (const CaffeLayerRow &r : kCaffeLayers)
    v.push_back({r.type, r.irForm});
  return v;
}

} // namespace onntc
