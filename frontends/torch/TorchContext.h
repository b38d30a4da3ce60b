//===- TorchContext.h - state shared by the TorchScript op importers -*- C++ -*-=//
//
// Internal to frontends/torch. TorchScript values are tensors, numbers,
// strings, None, lists and tuples; a TVal holds any of them. Tensors are IR
// values; numbers are kept on the host so that shape arithmetic of traced
// graphs (aten::size -> prim::NumToTensor -> aten::Int -> view) folds.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_TORCH_TORCHCONTEXT_H
#define ONNTC_FRONTENDS_TORCH_TORCHCONTEXT_H

#include "frontends/torch/TorchImporter.h"

#include "ir/Attributes.h"
#include "ir/OpInfo.h"

namespace onntc {

struct TVal {
  enum Kind { Undef, Tensor, Int, Float, Bool, None, String, List, Tuple };
  Kind kind = Undef;
  Value *v = nullptr;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<TVal> items;

  bool isNumber() const { return kind == Int || kind == Float || kind == Bool; }
  double number() const { return kind == Float ? f : double(i); }
  static TVal tensor(Value *v) { TVal t; t.kind = Tensor; t.v = v; return t; }
  static TVal integer(int64_t i) { TVal t; t.kind = Int; t.i = i; return t; }
  static TVal real(double f) { TVal t; t.kind = Float; t.f = f; return t; }
};

class TorchOpContext;
using TorchImportFn = llvm::Error (*)(TorchOpContext &ctx);

/// One row of the sorted op table: node kind, import function and, for the
/// generic functions, the IR op.
struct TorchOpRow {
  const char *name;
  TorchImportFn fn;
  OpKind kind;
};

const TorchOpRow *findTorchOp(llvm::StringRef kind);
llvm::ArrayRef<TorchOpRow> torchOpTable();

struct TorchImportState {
  Graph *graph = nullptr;
  const TsGraph *ts = nullptr;
  std::string file;
  std::string fileName;
  std::vector<TVal> vals;
};

class TorchOpContext {
public:
  TorchOpContext(TorchImportState &st, const TsNode &node, int index,
                 const TorchOpRow &row)
      : st_(st), node_(node), index_(index), row_(row) {}

  const TsNode &node() const { return node_; }
  const TorchOpRow &row() const { return row_; }
  Graph &graph() { return *st_.graph; }
  unsigned numInputs() const { return unsigned(node_.inputs.size()); }
  unsigned numOutputs() const { return unsigned(node_.outputs.size()); }
  std::string name() const;
  SourceLoc loc() const;

  // --- inputs ---------------------------------------------------------------
  const TVal &in(unsigned i) const;
  bool isNone(unsigned i) const;
  /// A tensor input; numbers become scalar constants of `like`'s dtype.
  llvm::Expected<Value *> tensor(unsigned i, Value *like = nullptr);
  llvm::Expected<int64_t> intArg(unsigned i);
  llvm::Expected<double> floatArg(unsigned i);
  llvm::Expected<std::vector<int64_t>> intsArg(unsigned i);
  llvm::Expected<std::vector<Value *>> tensorsArg(unsigned i);
  /// Static shape of a tensor input (error if not a tensor).
  llvm::Expected<Shape> shapeOf(unsigned i);

  // --- outputs ----------------------------------------------------------------
  void setOut(unsigned i, TVal v);
  llvm::Expected<Value *> emit(OpKind k, llvm::ArrayRef<Value *> inputs,
                               const Attributes &attrs = {},
                               llvm::StringRef suffix = "");
  llvm::Expected<std::vector<Value *>>
  emitMulti(OpKind k, llvm::ArrayRef<Value *> inputs, unsigned numOut,
            const Attributes &attrs = {});
  /// emit + setOut(0).
  llvm::Error emitOut(OpKind k, llvm::ArrayRef<Value *> inputs,
                      const Attributes &attrs = {});
  Value *constant(Tensor t, llvm::StringRef suffix);
  Value *constInts(llvm::ArrayRef<int64_t> v, llvm::StringRef suffix);

  // --- errors -------------------------------------------------------------------
  std::string prefix() const;
  llvm::Error error(const llvm::Twine &msg) const;

private:
  TorchImportState &st_;
  const TsNode &node_;
  int index_;
  const TorchOpRow &row_;
  unsigned counter_ = 0;
};

/// The op of a node kind without namespace and in-place `_`: "aten::add_"
/// -> "add".
llvm::StringRef torchBaseName(const TorchOpContext &ctx);
/// {v} repeated n times when v has one element (kernel sizes, strides).
std::vector<int64_t> torchRepeat(std::vector<int64_t> v, size_t n);
/// Folds a binary op whose inputs are both numbers (or one-element constant
/// tensors, for floordiv/remainder); false if it does not apply.
bool foldTorchNumbers(TorchOpContext &ctx, llvm::StringRef op,
                      llvm::Error &err);

// Import functions of TorchOpsNn.cpp.
llvm::Error importArith(TorchOpContext &ctx);
llvm::Error importUnary(TorchOpContext &ctx);
llvm::Error importIdentity(TorchOpContext &ctx);
llvm::Error importSilu(TorchOpContext &ctx);
llvm::Error importGelu(TorchOpContext &ctx);
llvm::Error importHardtanh(TorchOpContext &ctx);
llvm::Error importHardsigmoid(TorchOpContext &ctx);
llvm::Error importLeakyRelu(TorchOpContext &ctx);
llvm::Error importConvolution(TorchOpContext &ctx);
llvm::Error importLinear(TorchOpContext &ctx);
llvm::Error importAddmm(TorchOpContext &ctx);
llvm::Error importMatmul(TorchOpContext &ctx);
llvm::Error importBatchNorm(TorchOpContext &ctx);
llvm::Error importPool(TorchOpContext &ctx);
llvm::Error importAdaptiveAvgPool(TorchOpContext &ctx);

/// "<file>: node #<i> '<kind>' (output '%<name>', <source>)".
std::string describeTorchNode(llvm::StringRef file, const TsGraph &g,
                              const TsNode &n, int index);

} // namespace onntc

#endif
