//===- PaddleImporter.h - Paddle inference model -> IR ---------*- C++ -*-===//
//
// Imports block 0 of a Paddle inference program (feed ops name the inputs,
// fetch ops the outputs) with its persistable variables as constants. Every
// IR node carries SourceLoc{program file, first output variable, op type}.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_PADDLE_PADDLEIMPORTER_H
#define ONNTC_FRONTENDS_PADDLE_PADDLEIMPORTER_H

#include "frontends/paddle/PaddleModel.h"

#include "ir/Graph.h"

#include <memory>
#include <string>
#include <vector>

namespace onntc {

/// What the caller asks of an import (the same roles as for ONNX).
struct PaddleImportOptions {
  /// One static shape per selected input; needed where the program has -1
  /// (the batch) in an input; must agree with every static dim it declares.
  std::vector<Shape> shapes;
  /// Selects and orders the inputs among the feed targets. Empty: the feed
  /// targets in `col` order.
  std::vector<std::string> inputNames;
  /// Any variables produced by ops. Empty: the fetch targets in `col` order.
  std::vector<std::string> outputNames;
};

/// Model content this importer does not handle (ops, attribute values,
/// data types); callers may tell it apart from malformed models.
class PaddleUnsupportedError
    : public llvm::ErrorInfo<PaddleUnsupportedError> {
public:
  static char ID;
  explicit PaddleUnsupportedError(std::string msg) : msg_(std::move(msg)) {}
  void log(llvm::raw_ostream &os) const override { os << msg_; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string msg_;
};

/// Imports a program whose persistable variables are in `params`. `file`
/// names the program in locations and errors.
llvm::Expected<std::unique_ptr<Module>>
importPaddleProgram(const PaddleProgram &prog,
                    const llvm::StringMap<Tensor> &params, llvm::StringRef file,
                    const PaddleImportOptions &opts);

/// locatePaddleModel + loadPaddleProgram + loadPaddleParams +
/// importPaddleProgram. Unsupported ops are reported before the parameter
/// files are read.
llvm::Expected<std::unique_ptr<Module>>
importPaddleModel(llvm::StringRef model, const PaddleImportOptions &opts);

/// The Paddle op types the importer handles, in name order, from its op
/// table (`bmpaddle --list_ops`, docs/frontends/paddle.md).
std::vector<llvm::StringRef> supportedPaddleOps();

} // namespace onntc

#endif
