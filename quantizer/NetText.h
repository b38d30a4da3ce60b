//===- NetText.h - the Caffe-style prototxt half of a umodel ---*- C++ -*-===//
//
// `<net>_bmneto_test_fp32.prototxt` (a Data layer per network input, whose
// transform_param / data_param the user edits to point at the calibration
// LMDB), `..._test_int8_unique_top.prototxt` (the same for the INT8 net) and
// `..._deploy_int8_unique_top.prototxt` (an Input layer instead, for bmnetu).
// Schema: NetText.proto (Caffe's names and field numbers). One layer per IR
// node (constants are weights, not layers), named after its first output
// value, tops named after the node's output values.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_NETTEXT_H
#define ONNTC_QUANTIZER_NETTEXT_H

#include "quantizer/Preprocess.h"

#include "ir/Graph.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace onntc {

enum class NetPhase : uint8_t { TestFp32, TestInt8, DeployInt8 };

/// A Data layer's parameters.
struct DataLayer {
  std::string name;
  std::string top;
  std::string source; ///< LMDB directory; empty until the user sets it.
  unsigned batchSize = 1;
  Preprocess preprocess;
};

struct NetTextOptions {
  NetPhase phase = NetPhase::TestFp32;
  /// Data layers to write, by network-input name; inputs not listed get a
  /// Data layer with an empty source, batch size from the input shape and
  /// identity preprocessing.
  std::vector<DataLayer> data;
  std::string modelType = "BMNETO2UModel";
};

/// The name of a node's layer: its first result's value name. (Node names
/// are not kept by the IR text a umodel stores, and several IR nodes may
/// come from one framework node; value names are unique and kept.)
const std::string &netLayerName(const Node &n);

/// The prototxt text of `m`.
std::string printNetText(const Module &m, llvm::StringRef netName,
                         const NetTextOptions &opts);

struct NetLayer {
  std::string name;
  std::string type;
  std::vector<std::string> bottoms;
  std::vector<std::string> tops;
};

struct NetText {
  std::string name;
  std::string modelType;
  std::vector<DataLayer> data;  ///< Data layers in file order.
  std::vector<NetLayer> layers; ///< Every other layer.
};

/// Reads a prototxt (fields this schema lacks are skipped, so users may keep
/// other Caffe parameters). Errors name `path` with line and column.
llvm::Expected<NetText> parseNetText(llvm::StringRef text, llvm::StringRef path);
llvm::Expected<NetText> readNetText(llvm::StringRef path);

/// Fails, naming both files, when the prototxt does not describe `m`
/// (another net name, or layers the net lacks or that it has in excess).
llvm::Error checkNetTextMatches(const NetText &t, llvm::StringRef protoPath,
                                const Module &m, llvm::StringRef netName,
                                llvm::StringRef umodelPath);

} // namespace onntc

#endif
