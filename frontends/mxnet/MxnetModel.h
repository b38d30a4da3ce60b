//===- MxnetModel.h - MXNet symbol JSON and NDArray params ----*- C++ -*-===//
//
// The two files of an MXNet checkpoint as plain data, before any import:
// the symbol graph (`<prefix>-symbol.json`) and the parameters
// (`<prefix>-NNNN.params`, an NDArray list). Parsing checks structure and
// bounds only; what the ops mean is the importer's business.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_MXNET_MXNETMODEL_H
#define ONNTC_FRONTENDS_MXNET_MXNETMODEL_H

#include "ir/Tensor.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace onntc {

/// One node input or graph head: output `index` of node `node`.
struct MxEntry {
  uint32_t node = 0;
  uint32_t index = 0;
};

/// One node of the symbol graph. `attrs` merges the old `param` key and the
/// newer `attrs` / `attr` keys (all values are strings in MXNet's files).
struct MxNode {
  std::string op;
  std::string name;
  std::map<std::string, std::string> attrs;
  std::vector<MxEntry> inputs;
};

/// A parsed `-symbol.json`. Node inputs always refer to earlier nodes.
struct MxSymbol {
  std::vector<MxNode> nodes;
  std::vector<uint32_t> argNodes;
  std::vector<MxEntry> heads;
};

/// Parses symbol JSON text. `fileName` prefixes every error.
llvm::Expected<MxSymbol> parseMxnetSymbol(llvm::StringRef text,
                                          llvm::StringRef fileName);
/// Reads and parses a `-symbol.json` file.
llvm::Expected<MxSymbol> readMxnetSymbolFile(llvm::StringRef path);

/// Whether a parameter was saved as `arg:` (learned) or `aux:` (auxiliary
/// state such as BatchNorm moving statistics).
enum class MxParamKind : uint8_t { Arg, Aux };

/// The NDArray layout a parameter was stored in.
enum class MxNDArrayLayout : uint8_t {
  Legacy, ///< no magic: uint32 ndim, uint32 dims (the "v1" files)
  V1,     ///< magic 0xF993FAC8: uint32 ndim, int64 dims
  V2,     ///< magic 0xF993FAC9: int32 storage type, uint32 ndim, int64 dims
  V3,     ///< magic 0xF993FACA: as V2 with numpy shape semantics
};

struct MxParam {
  MxParamKind kind = MxParamKind::Arg;
  MxNDArrayLayout layout = MxNDArrayLayout::Legacy;
  /// The data, converted to f32 for float types (f64 and f16 are narrowed or
  /// widened); integer types keep an IR integer dtype.
  Tensor value;
};

/// A parsed `.params` file, keyed by name without the `arg:`/`aux:` prefix.
struct MxParams {
  llvm::StringMap<MxParam> params;
  /// Names in file order (for messages).
  std::vector<std::string> order;
};

/// Parses an NDArray list. Every read is bounds-checked: a truncated or
/// foreign file is an error naming `fileName` and the array being read.
llvm::Expected<MxParams> parseMxnetParams(llvm::StringRef bytes,
                                          llvm::StringRef fileName);
/// Reads and parses a `.params` file.
llvm::Expected<MxParams> readMxnetParamsFile(llvm::StringRef path);

/// The magic number that starts an NDArray list file.
constexpr uint64_t kMxNDArrayListMagic = 0x112;

} // namespace onntc

#endif
