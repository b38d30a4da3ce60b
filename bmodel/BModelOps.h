//===- BModelOps.h - combine, extract, info text, print --------*- C++ -*-===//
//
// What tpu_model does, as library functions: the tool only parses arguments,
// calls these and writes the results.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BMODEL_BMODELOPS_H
#define ONNTC_BMODEL_BMODELOPS_H

#include "bmodel/BModel.h"
#include "bmodel/BModelWriter.h"

#include <string>
#include <utility>
#include <vector>

namespace onntc {
namespace bmodel {

/// A model ready to be written: the view plus the blobs it refers to.
struct BuiltModel {
  ModelInfo model;
  BModelWriter blobs;
};

/// Where a (net, stage) of an input ended up in a combined model.
struct StagePlace {
  unsigned net = 0;
  unsigned stage = 0;
};

/// Result of combineModels().
struct Combined {
  BuiltModel built;
  /// For input i, for each of its (net, stage) in file order, the place in
  /// the combined model.
  std::vector<std::vector<StagePlace>> placement;
};

/// Merges models in order, with the SDK's rules: a net whose name is new is
/// appended; a net whose name exists becomes a new stage of it only if both
/// are static or both dynamic, addr_mode agrees, the inputs agree in count,
/// names, dtypes, scales, zero points and shape counts and at least one input
/// shape differs, n_dynamic and h_w_dynamic agree, both have more than one
/// subnet or neither has, and the net is not a cascade net. The chip must be
/// the same in every input. Chip, kernel and cpuop modules, bmodel_type and
/// lib_backend come from the first input, device_num is the largest. Errors
/// name both files and the rule broken.
llvm::Expected<Combined> combineModels(llvm::ArrayRef<const BModel *> inputs);

/// A model holding only stage `stage` of net `net` (chip, device_num, modules,
/// addr_mode and cascade kept).
llvm::Expected<BuiltModel> extractStage(const BModel &model, unsigned net,
                                        unsigned stage);

/// Byte size of one stage's inputs (or outputs) in input_ref_data.dat
/// (output_ref_data.dat): dtype bytes x elements of each tensor's first shape.
uint64_t refDataBytes(const std::vector<TensorInfo> &tensors);

/// Reorders reference data of several inputs into the merged order of
/// `placement`. refs[i] is the whole file of input i; `models[i]` the model of
/// input i; `inputs` selects input (true) or output (false) tensors. Errors
/// name the file (`names[i]`) whose size does not match its model.
llvm::Expected<std::vector<uint8_t>>
mergeRefData(llvm::ArrayRef<const BModel *> models,
             llvm::ArrayRef<std::vector<uint8_t>> refs,
             llvm::ArrayRef<std::string> names,
             const std::vector<std::vector<StagePlace>> &placement,
             bool inputs);

/// Memory needs of a model as tpu_model --info reports them (docs/bmodel.md).
struct MemInfo {
  uint64_t coeff = 0;
  uint64_t neuron = 0;
  uint64_t bdcCmd = 0;
  uint64_t gdmaCmd = 0;
  uint64_t hauCmd = 0;
  uint64_t sdmaCmd = 0;
  uint64_t middleBuffer = 0;
  uint64_t dynamicIR = 0;
  uint64_t hostCoeff = 0;
  uint64_t hostNeuron = 0;

  uint64_t instruct() const {
    return bdcCmd + gdmaCmd + dynamicIR + hauCmd + sdmaCmd;
  }
  uint64_t runtime() const { return neuron + middleBuffer; }
  uint64_t device() const { return coeff + instruct() + runtime(); }
  uint64_t host() const { return hostCoeff + hostNeuron; }
};

/// The SDK's accounting, quirks included (every stage loop reads stage 0).
MemInfo computeMemInfo(const ModelInfo &model);

/// The text of `tpu_model --info`, line for line as the SDK prints it.
std::string formatInfo(const BModel &model);
/// The text of `tpu_model --weight`.
std::string formatWeights(const BModel &model);
/// The whole flatbuffer as flatbuffers text (non-strict JSON, defaults
/// included), as `tpu_model --print` shows it.
llvm::Expected<std::string> printAsText(const BModel &model);
/// The schema text (bmodel.fbs) built into the library.
llvm::StringRef schemaText();

} // namespace bmodel
} // namespace onntc

#endif
