//===- PaddleModel.h - Paddle inference-model files ------------*- C++ -*-===//
//
// Reads the files of a Paddle inference model: the program (`__model__` or
// `*.pdmodel`, a ProgramDesc protobuf) and the persistable variables, either
// one LoDTensor file per variable (named as the variable) or one combined
// `*.pdiparams` file holding the LoDTensor records of every persistable
// variable in sorted-name order. A LoDTensor record is: uint32 version,
// uint64 LoD level count and per level a uint64 byte size plus that many
// bytes of uint64 offsets, uint32 tensor version, int32 TensorDesc size, the
// TensorDesc protobuf, then the raw little-endian elements.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_PADDLE_PADDLEMODEL_H
#define ONNTC_FRONTENDS_PADDLE_PADDLEMODEL_H

#include "ir/Tensor.h"

#include "frontends/paddle/framework.pb.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace onntc {

using PaddleProgram = ::paddle::framework::proto::ProgramDesc;
using PaddleVarType = ::paddle::framework::proto::VarType;

/// Where the files of one inference model are.
struct PaddleModelFiles {
  std::string dir;         ///< the model directory
  std::string programPath; ///< __model__ or *.pdmodel
  /// The combined parameter file (*.pdiparams, or `params`/`__params__`);
  /// empty when every parameter has its own file in `dir`.
  std::string paramsPath;
};

/// Resolves `--model`: a directory holding `inference.pdmodel` (+
/// `inference.pdiparams`), exactly one other `*.pdmodel` (+ the
/// `.pdiparams` of the same stem), or `__model__` (+ per-variable files, or
/// a combined `__params__`/`params` file); or the program file itself, with
/// the parameters beside it.
llvm::Expected<PaddleModelFiles> locatePaddleModel(llvm::StringRef model);

/// Parses a ProgramDesc. `path` names the file in errors. Besides protobuf
/// validity, requires block 0 with at least one op, and a type on every op.
llvm::Expected<std::unique_ptr<PaddleProgram>>
parsePaddleProgram(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef path);

/// Reads the program file named by `path`.
llvm::Expected<std::unique_ptr<PaddleProgram>>
loadPaddleProgram(llvm::StringRef path);

/// Reads one LoDTensor record at `offset` of `data` (advanced past it).
/// `file` and `var` name it in errors. FP64 data is converted to f32 (the
/// IR has no f64); the LoD itself is read and dropped (inference weights
/// have none).
llvm::Expected<Tensor> readPaddleLoDTensor(llvm::ArrayRef<uint8_t> data,
                                           size_t &offset,
                                           llvm::StringRef file,
                                           llvm::StringRef var);

/// The persistable variables of block 0 that the parameter files hold, in
/// the order of a combined file (sorted by name; feed/fetch lists are not
/// stored).
std::vector<std::string> paddlePersistableVars(const PaddleProgram &prog);

/// Loads every persistable variable and checks each against its VarDesc
/// (dtype and dims). With a combined file the whole file must be consumed.
llvm::Expected<llvm::StringMap<Tensor>>
loadPaddleParams(const PaddleProgram &prog, const PaddleModelFiles &files);

/// The same from a combined file already in memory (tests, fuzzing).
llvm::Expected<llvm::StringMap<Tensor>>
readPaddleCombinedParams(const PaddleProgram &prog,
                         llvm::ArrayRef<uint8_t> data, llvm::StringRef file);

/// The IR dtype of a Paddle VarType::Type, if the IR has one (FP64 maps to
/// f32: parameters are converted).
std::optional<DType> dtypeFromPaddle(int paddleType);
/// "FP32", "INT64", ... for messages.
std::string paddleTypeName(int paddleType);

} // namespace onntc

#endif
