//===- UModel.h - .fp32umodel / .int8umodel files --------------*- C++ -*-===//
//
// A umodel is one flatbuffers file (schema UModel.fbs, identifier "OUMD",
// specified in docs/umodel.md): the net as IR text with its weights, and,
// for an int8umodel, the calibration results (per-activation thresholds,
// scales, zero points; INT8 weights with per-channel scales; INT32 biases),
// all keyed by IR value names. The prototxt files (NetText.h) are its
// readable half.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_UMODEL_H
#define ONNTC_QUANTIZER_UMODEL_H

#include "quantizer/NetText.h"

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace onntc {

/// Version written into every umodel; readers reject other versions.
constexpr uint32_t kUModelVersion = 1;

enum class UModelKind : uint8_t { Fp32, Int8 };

/// Calibration result of one activation (keyed by IR value name).
struct ActivationQuant {
  float threshold = 0;
  float min = 0;
  float max = 0;
  float scale = 0;    ///< real = scale * (q - zeroPoint)
  int32_t zeroPoint = 0;
  bool fp32 = false;  ///< Kept in FP32 (-fpfwd_outputs).
};

/// An INT8 weight: real = scales[c] * q, c along `axis` (-1: per tensor).
struct Int8Weight {
  Tensor data; ///< I8
  std::vector<float> scales;
  int axis = -1;
};

/// An INT32 bias: real = scales[c] * q.
struct Int32Bias {
  Tensor data; ///< I32, rank 1
  std::vector<float> scales;
};

struct UModel {
  UModelKind kind = UModelKind::Fp32;
  std::string netName;
  std::unique_ptr<Module> module;
  std::map<std::string, ActivationQuant> activations;
  std::map<std::string, Int8Weight> int8Weights;
  std::map<std::string, Int32Bias> int32Biases;
  std::string thMethod;
  bool perChannel = false;
  uint32_t calibrationSamples = 0;
};

/// The whole file image.
llvm::Expected<std::string> serializeUModel(const UModel &u);
/// Writes the file atomically (temporary file + rename).
llvm::Error writeUModel(const UModel &u, llvm::StringRef path);

/// Checks and reads a file image: identifier, flatbuffers verifier, version,
/// every tensor's size against its shape and type, then parses and verifies
/// the IR. `name` names the file in errors.
llvm::Expected<UModel> parseUModel(llvm::StringRef bytes, llvm::StringRef name);
llvm::Expected<UModel> readUModel(llvm::StringRef path);

/// File names the SDK's tools use for a net: `<net>_bmneto.fp32umodel` etc.
/// `suffix` is the tool part, "bmneto".
std::string fp32UmodelName(llvm::StringRef net, llvm::StringRef tool);
std::string fp32TestProtoName(llvm::StringRef net, llvm::StringRef tool);
std::string int8UmodelName(llvm::StringRef net, llvm::StringRef tool);
std::string int8DeployProtoName(llvm::StringRef net, llvm::StringRef tool);
std::string int8TestProtoName(llvm::StringRef net, llvm::StringRef tool);

/// What `bmneto --mode=GenUmodel` writes: `<dir>/<net>_<tool>.fp32umodel` and
/// `<dir>/<net>_<tool>_test_fp32.prototxt` (a Data layer per input, from
/// `data` where it names the input, else with an empty LMDB source for the
/// user to edit). Both atomically; `dir` must exist.
llvm::Error writeFp32Umodel(const Module &m, llvm::StringRef dir,
                            llvm::StringRef netName,
                            llvm::StringRef tool = "bmneto",
                            const std::vector<DataLayer> &data = {});

} // namespace onntc

#endif
