//===- PaddleContext.h - state shared by the Paddle op importers -*- C++ -*-=//
//
// Internal to frontends/paddle. A PaddleOpContext is handed to the import
// function of one op-table row: it resolves the op's input slots
// ("X", "Filter", ...) to IR values, reads attributes whatever integer or
// float kind Paddle stored them as, creates IR nodes (each with the op's
// SourceLoc, each type-inferred at once) and binds the output variables.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_PADDLE_PADDLECONTEXT_H
#define ONNTC_FRONTENDS_PADDLE_PADDLECONTEXT_H

#include "frontends/paddle/PaddleImporter.h"

#include "llvm/ADT/StringMap.h"

#include <optional>

namespace onntc {

class PaddleOpContext;
using PaddleOpDesc = ::paddle::framework::proto::OpDesc;

/// An op-table row's import function.
using PaddleImportFn = llvm::Error (*)(PaddleOpContext &ctx);

/// One row of the sorted op table: Paddle op type, import function and, for
/// the generic functions, the IR op.
struct PaddleOpRow {
  const char *name;
  PaddleImportFn fn;
  OpKind kind;
};

/// Looks up `type` in the table; null if the op is not supported.
const PaddleOpRow *findPaddleOp(llvm::StringRef type);
llvm::ArrayRef<PaddleOpRow> paddleOpTable();

/// Whole-import state: the graph being built and the variable -> value map.
struct PaddleImportState {
  Graph *graph = nullptr;
  std::string file;     ///< program path as given (errors)
  std::string fileName; ///< program file base name (SourceLocs)
  const llvm::StringMap<Tensor> *params = nullptr;
  llvm::StringMap<Value *> values;
};

class PaddleOpContext {
public:
  PaddleOpContext(PaddleImportState &st, const PaddleOpDesc &op, int index,
                  const PaddleOpRow &row);

  const PaddleOpDesc &op() const { return op_; }
  const PaddleOpRow &row() const { return row_; }
  Graph &graph() { return *st_.graph; }
  /// The op's name: its first output variable.
  const std::string &name() const { return name_; }
  SourceLoc loc() const;

  // --- inputs and outputs (by slot name) ------------------------------------
  /// The variable names of a slot (empty if the slot is absent or empty).
  std::vector<std::string> args(llvm::StringRef slot, bool output) const;
  bool hasInput(llvm::StringRef slot) const {
    return !args(slot, false).empty();
  }
  /// The single value of an input slot; error when absent or undefined.
  llvm::Expected<Value *> input(llvm::StringRef slot);
  /// Every value of an input slot (concat's X), in order.
  llvm::Expected<std::vector<Value *>> inputList(llvm::StringRef slot);
  /// The variable of an output slot; error when absent.
  llvm::Expected<std::string> outputVar(llvm::StringRef slot) const;

  // --- attributes (absent: the default) --------------------------------------
  const PaddleOpDesc::Attr *attr(llvm::StringRef name) const;
  llvm::Expected<int64_t> attrInt(llvm::StringRef name, int64_t def) const;
  llvm::Expected<float> attrFloat(llvm::StringRef name, float def) const;
  llvm::Expected<bool> attrBool(llvm::StringRef name, bool def) const;
  llvm::Expected<std::string> attrString(llvm::StringRef name,
                                         llvm::StringRef def) const;
  llvm::Expected<std::vector<int64_t>>
  attrInts(llvm::StringRef name, std::vector<int64_t> def = {}) const;

  // --- building ---------------------------------------------------------------
  /// An intermediate node; its output is named `<op>_<suffix>`.
  llvm::Expected<Value *> emit(OpKind k, llvm::ArrayRef<Value *> inputs,
                               llvm::StringRef suffix,
                               const Attributes &attrs = {});
  /// The node producing output slot `slot` (default "Out"), bound to the
  /// slot's variable name.
  llvm::Expected<Value *> emitOut(OpKind k, llvm::ArrayRef<Value *> inputs,
                                  const Attributes &attrs = {},
                                  llvm::StringRef slot = "Out");
  /// Binds output slot `slot` to an existing value (identity-like ops).
  llvm::Error bindOutput(llvm::StringRef slot, Value *v);
  /// A Constant of `t` named `<op>_<suffix>`.
  Value *constant(Tensor t, llvm::StringRef suffix);
  Value *constInts(llvm::ArrayRef<int64_t> v, llvm::StringRef suffix);
  Value *constFloat(float v, llvm::StringRef suffix);

  // --- errors -------------------------------------------------------------------
  /// "<file>: op #<i> '<type>' (output '<var>')".
  std::string prefix() const;
  llvm::Error error(const llvm::Twine &msg) const;
  /// The same, as a PaddleUnsupportedError.
  llvm::Error unsupported(const llvm::Twine &msg) const;

private:
  llvm::Expected<Value *> lookup(const std::string &var);
  llvm::Expected<Node *> finish(Node *n, const Attributes &attrs);

  PaddleImportState &st_;
  const PaddleOpDesc &op_;
  int index_;
  const PaddleOpRow &row_;
  std::string name_;
};

/// "<file>: op #<i> '<type>' (output '<var>')" for any op.
std::string describePaddleOp(llvm::StringRef file, const PaddleOpDesc &op,
                             int index);

// Import functions of the op families (PaddleOps*.cpp).
llvm::Error importUnary(PaddleOpContext &ctx);
llvm::Error importConv(PaddleOpContext &ctx);
llvm::Error importBatchNorm(PaddleOpContext &ctx);
llvm::Error importPool2d(PaddleOpContext &ctx);
llvm::Error importRelu6(PaddleOpContext &ctx);
llvm::Error importHardSwish(PaddleOpContext &ctx);
llvm::Error importSwish(PaddleOpContext &ctx);
llvm::Error importSoftmax(PaddleOpContext &ctx);
llvm::Error importDropout(PaddleOpContext &ctx);
llvm::Error importElementwise(PaddleOpContext &ctx);
llvm::Error importScale(PaddleOpContext &ctx);
llvm::Error importMul(PaddleOpContext &ctx);
llvm::Error importMatmul(PaddleOpContext &ctx);
llvm::Error importMatmulV2(PaddleOpContext &ctx);
llvm::Error importFc(PaddleOpContext &ctx);
llvm::Error importReshape2(PaddleOpContext &ctx);
llvm::Error importTranspose2(PaddleOpContext &ctx);
llvm::Error importConcat(PaddleOpContext &ctx);
llvm::Error importFlattenRange(PaddleOpContext &ctx);
llvm::Error importFlatten2(PaddleOpContext &ctx);
llvm::Error importFeedFetch(PaddleOpContext &ctx);

} // namespace onntc

#endif
