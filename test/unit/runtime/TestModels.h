//===- TestModels.h - hand-built bmodels for the runtime tests --*- C++ -*-===//
//
// Small nets written with the bmodel writer and the ISA's command builders
// (no backend involved), each with inputs and expected outputs computed in
// plain C++, following the placement contract of docs/runtime.md.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_TEST_UNIT_RUNTIME_TESTMODELS_H
#define ONNTC_TEST_UNIT_RUNTIME_TESTMODELS_H

#include "isa/Layout.h"
#include "runtime/api/Runtime.h"
#include "bmodel/BModelWriter.h"

#include <string>
#include <vector>

namespace onntc {
namespace testmodels {

/// Inputs and expected outputs of one stage of one net.
struct RefCase {
  std::string net;
  unsigned stage = 0;
  std::vector<runtime::Tensor> inputs, outputs;
};

/// A model being built, with the reference data of every static stage in
/// file order (net, then stage).
struct SampleModel {
  bmodel::BModelWriter writer;
  bmodel::ModelInfo info;
  std::vector<RefCase> cases;
};

/// Starts an empty model for target t.
SampleModel makeModel(const isa::TargetInfo &t);
/// y = relu(x + b), b a coefficient tensor of x's shape; one stage per shape
/// (f32, N=1).
void addAddReluNet(SampleModel &m, const isa::TargetInfo &t,
                   const std::string &name,
                   const std::vector<isa::Shape4> &stageShapes, unsigned seed);
/// out = relu(conv3x3(data, pad 1) + bias): data [1,2,5,5] -> out [1,3,5,5].
void addConvNet(SampleModel &m, const isa::TargetInfo &t,
                const std::string &name, unsigned seed);
/// y = relu(saturate(x + b)) on int8 (b an int8 coefficient tensor),
/// x and y [1,8,4,4] int8.
void addInt8AddNet(SampleModel &m, const isa::TargetInfo &t,
                   const std::string &name, unsigned seed);
/// y = 2 * relu(x + b) split over two TPU subnets and three command groups
/// that pass intermediates through neuron memory: subnet 0 group 0 stores
/// x + b, group 1 stores its relu, subnet 1 doubles it. [1,4,4,4] f32.
void addMultiGroupNet(SampleModel &m, const isa::TargetInfo &t,
                      const std::string &name, unsigned seed);
/// y = y + x where y starts as whatever the neuron memory holds at y's
/// address ([1,4,4,4] f32): x on a zeroed neuron memory, 2x if a launch saw
/// the previous launch's neurons.
void addAccumulateNet(SampleModel &m, const isa::TargetInfo &t,
                      const std::string &name, unsigned seed);
/// A dynamic net (no reference data; the runtime must refuse it).
void addDynamicNet(SampleModel &m, const std::string &name);
/// A net with a TPU subnet followed by a CPU subnet (refused as well).
void addCpuSubnetNet(SampleModel &m, const std::string &name);

/// The model as a file image (fixed time).
llvm::Expected<std::vector<uint8_t>> serialize(const SampleModel &m);
/// Writes dir/compilation.bmodel, dir/input_ref_data.dat and
/// dir/output_ref_data.dat (reference data of every RefCase in order).
llvm::Error writeContextDir(const SampleModel &m, llvm::StringRef dir);

/// Tensor helpers.
runtime::Tensor f32Tensor(const bmodel::Shape &s, const std::vector<float> &v);
std::vector<float> f32Values(const runtime::Tensor &t);

} // namespace testmodels
} // namespace onntc

#endif
