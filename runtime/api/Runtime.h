//===- Runtime.h - load bmodels and run them on the cmodel ------*- C++ -*-===//
//
// The C++ runtime API (the counterpart of the SDK's bmruntime::Context /
// Network). A Context loads one or more .bmodel files; nets are appended in
// load order and net names must be unique. launch() chooses a stage from the
// input shapes as the SDK does and runs the stage's TPU command groups on the
// chip simulator. There is no device: device memory is the cmodel's
// simulated global memory, laid out as docs/runtime.md ("Memory placement
// contract") describes.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_RUNTIME_API_RUNTIME_H
#define ONNTC_RUNTIME_API_RUNTIME_H

#include "bmodel/BModel.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace onntc {
namespace isa {
struct TargetInfo;
}
namespace runtime {

using bmodel::DType;
using bmodel::Shape;

/// Name, type and quantization of one input or output of a net (the same in
/// every stage).
struct TensorDesc {
  std::string name;
  DType dtype = DType::F32;
  float scale = 1.0f;
  int32_t zeroPoint = 0;
};

/// The compiled shapes of one stage.
struct StageDesc {
  std::vector<Shape> inputShapes;
  std::vector<Shape> outputShapes;
};

/// What a user needs to know about a net (the fields of bm_net_info_t).
struct NetDesc {
  std::string name;
  bool isDynamic = false;
  std::vector<TensorDesc> inputs, outputs;
  std::vector<StageDesc> stages;
  /// Per input / output: the largest byte size over all stages.
  std::vector<uint64_t> maxInputBytes, maxOutputBytes;
  uint32_t coreNum = 1;
  int32_t addrMode = 0;
  /// File the net came from and its index among the loaded files.
  std::string file;
  unsigned fileIndex = 0;
  /// Empty when the runtime can run every stage; otherwise why it cannot
  /// (dynamic net, CPU subnet, ...). launch() returns this as an Error.
  std::string unsupportedReason;
};

/// Host data with a shape and a dtype. Bytes are dense, row-major,
/// little-endian elements of the dtype (int4 packs two per byte).
struct Tensor {
  DType dtype = DType::F32;
  Shape shape;
  std::vector<uint8_t> data;

  Tensor() = default;
  /// A zero-filled tensor of the given shape.
  Tensor(DType t, Shape s);
  uint64_t elementCount() const { return bmodel::elementCount(shape); }
  /// Bytes the shape needs (data.size() should equal it).
  uint64_t byteSize() const {
    return bmodel::dtypeBytes(dtype, elementCount());
  }
};

/// Simulated execution figures of one launch (all command groups of the
/// stage, one after the other).
struct LaunchProfile {
  uint64_t totalCycles = 0;
  uint64_t bdcBusyCycles = 0, gdmaBusyCycles = 0;
  uint64_t bdcCommands = 0, gdmaCommands = 0;
  uint64_t macs = 0;
  uint64_t gdmaGlobalBytes = 0;
  double clockMHz = 0;
  /// totalCycles / clockMHz.
  double latencyUs = 0;
  /// macs / (totalCycles x peak MACs per cycle of macDType); 0 without MACs.
  double macUtilization = 0;
  /// The dtype whose peak the utilization is measured against: the
  /// narrowest dtype among the stage's IO tensors (see docs/runtime.md).
  std::string macDType;
  /// Wall-clock microseconds spent in the simulator.
  double simWallUs = 0;
};

struct LaunchResult {
  unsigned stage = 0;
  std::vector<Tensor> outputs;
  LaunchProfile profile;
};

struct ContextOptions {
  /// Verify every coefficient check_code (SHA-256) when a bmodel is loaded
  /// (the SDK's BM_RUNTIME_CHECK_MEM flag).
  bool checkCoeff = false;
};

/// Loaded nets and the simulator they run on.
class Context {
public:
  explicit Context(ContextOptions opts = {});
  ~Context();
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  const ContextOptions &options() const { return opts_; }
  void setOptions(ContextOptions o) { opts_ = o; }

  /// Loads a file; its nets are appended. On error nothing is added.
  llvm::Error loadBModel(llvm::StringRef path);
  /// Loads a file image from memory (copied); `name` is used in messages.
  llvm::Error loadBModelData(llvm::ArrayRef<uint8_t> bytes,
                             llvm::StringRef name = "<memory>");

  size_t netCount() const { return nets_.size(); }
  std::vector<std::string> netNames() const;
  /// nullptr when no net has that name.
  const NetDesc *netInfo(llvm::StringRef name) const;
  const NetDesc &netInfo(size_t index) const;
  /// Index of a net by name; None when absent.
  std::optional<size_t> netIndex(llvm::StringRef name) const;
  /// The bmodel view of one stage (for tools).
  const bmodel::StageInfo &stageInfo(size_t net, unsigned stage) const;
  /// Chip of the loaded files ("" before the first load).
  llvm::StringRef chip() const { return chip_; }
  /// The ISA target of the chip; nullptr before the first load.
  const isa::TargetInfo *target() const { return target_; }

  /// The stage the SDK would pick for these input shapes (reference §1.3):
  /// static nets take the first stage whose every input shape is equal; a
  /// single-stage net also accepts equal element counts. Dynamic nets look
  /// at input 0: same rank, every stage dim >= the given dim, smallest
  /// product of differences wins.
  llvm::Expected<unsigned> selectStage(size_t net,
                                       llvm::ArrayRef<Shape> shapes) const;

  /// Runs a net. Inputs are in the net's input order with the net's dtypes.
  /// `stage` < 0 selects by shape; otherwise the shapes must fit that stage.
  llvm::Expected<LaunchResult>
  launch(llvm::StringRef net, llvm::ArrayRef<Tensor> inputs, int stage = -1);
  llvm::Expected<LaunchResult> launch(size_t net, llvm::ArrayRef<Tensor> inputs,
                                      int stage = -1);

private:
  struct LoadedNet;
  struct Sim;
  llvm::Error addModel(bmodel::BModel model);
  llvm::Expected<LaunchResult> runStage(LoadedNet &net, unsigned stage,
                                        llvm::ArrayRef<Tensor> inputs);

  ContextOptions opts_;
  std::vector<std::unique_ptr<bmodel::BModel>> models_;
  std::vector<std::unique_ptr<LoadedNet>> nets_;
  std::string chip_;
  const isa::TargetInfo *target_ = nullptr;
  std::unique_ptr<Sim> sim_;
};

/// The SDK's upper-case dtype name used by bmrt_test (FLOAT32, INT8, ...).
llvm::StringRef sdkDTypeName(DType t);
/// "[1,3,224,224]"-style text of a shape, without spaces.
std::string shapeText(const Shape &s);

} // namespace runtime
} // namespace onntc

#endif
