//===- Calibrator.h - running the FP32 reference over a dataset -*- C++ -*-===//
//
// Feeds calibration images (from the LMDBs the Data layers name, with their
// preprocessing) through the FP32 reference interpreter and gathers the
// statistics of every activation; turns statistics into an int8umodel's
// activation table; and measures, per activation, how far a simulated INT8
// run (activations and weights quantized and dequantized with the chosen
// scales) drifts from FP32 (cosine similarity).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_CALIBRATOR_H
#define ONNTC_QUANTIZER_CALIBRATOR_H

#include "quantizer/Calibration.h"
#include "quantizer/NetText.h"
#include "quantizer/UModel.h"

#include "ir/Graph.h"
#include "ir/KernelContext.h"

#include "llvm/Support/raw_ostream.h"

#include <functional>

namespace onntc {

/// Reads batches for the graph inputs of a net from their Data layers.
class BatchSource {
public:
  /// One Data layer per graph input (matched by top name). `protoPath`
  /// names the prototxt in errors.
  static llvm::Expected<std::unique_ptr<BatchSource>>
  open(const Graph &g, const std::vector<DataLayer> &data,
       llvm::StringRef protoPath);
  /// Batches already in memory (one tensor per graph input each), e.g.
  /// auto_cali's decoded image folder; `name` stands for the dataset in
  /// messages.
  static std::unique_ptr<BatchSource>
  fromBatches(std::vector<std::vector<Tensor>> batches, std::string name);
  ~BatchSource();
  /// How many whole batches the smallest dataset holds.
  size_t numBatches() const;
  /// The LMDB that limits numBatches().
  const std::string &limitingSource() const;
  /// The next batch: one tensor per graph input.
  llvm::Expected<std::vector<Tensor>> next();
  void rewind();

private:
  BatchSource() = default;
  struct Input;
  std::vector<std::unique_ptr<Input>> inputs_;
  std::vector<std::vector<Tensor>> memory_;
  size_t next_ = 0;
  size_t batches_ = 0;
  std::string limiting_;
};

using BatchProgressFn = std::function<void(size_t, size_t)>;

/// Runs `iterations` batches and collects the statistics of the graph
/// inputs and of every F32 node output.
llvm::Expected<CalibrationStats>
collectStats(const Graph &g, BatchSource &src, size_t iterations,
             KernelContext &ctx, const BatchProgressFn &progress = {});

/// Symmetric INT8 parameters from the statistics: threshold by `method`,
/// scale = threshold / 127, zero point 0. Values listed in `fp32Values`
/// (IR value or node names) are marked to stay in FP32.
std::map<std::string, ActivationQuant>
makeActivationTable(const CalibrationStats &s, ThMethod method,
                    const std::vector<std::string> &fp32Values, const Graph &g);

/// Symmetric INT8 of a weight: per channel along `axis`, or per tensor
/// when `axis` < 0. scale = absmax / 127, round half away from zero.
Int8Weight quantizeWeight(const Tensor &w, int axis);

/// The weight operand of a node that has one (Conv, ConvTranspose, Gemm,
/// MatMul with a constant right operand) and its output-channel axis.
struct WeightUse {
  unsigned operand = 1;
  int axis = 0;
};
std::optional<WeightUse> weightOperand(const Node &n);

/// Fills u.int8Weights and u.int32Biases for every node with a constant
/// weight (bias scale = input activation scale x weight scale).
void quantizeWeights(const Graph &g, bool perChannel, UModel &u);

/// Cosine of the simulated-INT8 activation against the FP32 one, per value
/// name, accumulated over `iterations` batches.
llvm::Expected<std::map<std::string, double>>
simulateInt8(const Graph &g, const std::map<std::string, ActivationQuant> &acts,
             bool perChannel, BatchSource &src, size_t iterations,
             KernelContext &ctx, const BatchProgressFn &progress = {});

} // namespace onntc

#endif
