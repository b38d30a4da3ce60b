//===- TfContext.h - state shared by the TensorFlow op importers -*- C++
//-*-===//
//
// Internal to frontends/tensorflow. A TfNodeContext is handed to the import
// function of one op-table row. It resolves the node's data inputs (tensor
// names `node`, `node:1`; control inputs `^node` are ignored) to IR values
// in either layout, reads attributes with kind checks, creates IR nodes
// (each with the node's SourceLoc, type-inferred and constant-folded at
// once) and binds the node's outputs.
//
// Layout: every bound value carries `nchw`. A value with nchw=true is a
// TensorFlow NHWC tensor held in the IR as NCHW (its IR shape is the
// permuted one). Ops that are layout-agnostic keep the flag; ops that need
// TensorFlow's element order ask for `inputTf`, which transposes back.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_TENSORFLOW_TFCONTEXT_H
#define ONNTC_FRONTENDS_TENSORFLOW_TFCONTEXT_H

#include "frontends/tensorflow/TfImporter.h"
#include "frontends/tensorflow/tf_graph.pb.h"

#include "ir/Graph.h"
#include "ir/KernelContext.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace onntc {

class TfNodeContext;

using TfImportFn = llvm::Error (*)(TfNodeContext &ctx);

/// One row of the sorted op table: TensorFlow op, import function, IR op
/// for the generic functions, and a one-line note for --list_ops and docs.
struct TfOpRow {
  const char *name;
  TfImportFn fn;
  OpKind kind;
  const char *note;
};

const TfOpRow *findTfOp(llvm::StringRef op);
llvm::ArrayRef<TfOpRow> tfOpTable();

/// A bound TensorFlow tensor.
struct TfValue {
  Value *v = nullptr;
  /// True: a TensorFlow NHWC tensor held as NCHW.
  bool nchw = false;
};

/// A SpaceToBatchND whose result feeds a convolution that folds it away.
struct TfSpaceToBatch {
  TfValue input;
  int64_t block[2] = {1, 1};
  int64_t pads[4] = {0, 0, 0, 0}; ///< top, bottom, left, right
  std::string nodeName;
};

/// Whole-import state.
struct TfImportState {
  Graph *graph = nullptr;
  std::string fileName; ///< base name, used in SourceLocs and messages.
  KernelContext *kernels = nullptr;
  int64_t foldElementLimit = 1 << 16;
  /// Canonical tensor name ("node:0") -> value.
  llvm::StringMap<TfValue> values;
  /// TensorFlow nodes by name, and the nodes reading each node's outputs.
  llvm::StringMap<const tfproto::NodeDef *> nodes;
  llvm::StringMap<std::vector<const tfproto::NodeDef *>> consumers;
  /// Pending SpaceToBatchND results by canonical tensor name.
  llvm::StringMap<TfSpaceToBatch> spaceToBatch;
  /// Layout conversions already made, so each value is transposed once.
  llvm::DenseMap<Value *, Value *> toNchw, toNhwc;
};

/// "node:0" for "node", "node:1" for "node:1"; control inputs ("^node")
/// give an empty string.
std::string canonicalTensorName(llvm::StringRef name);
/// The node-name part of a tensor name ("a/b:1" -> "a/b", "^c" -> "c").
llvm::StringRef tensorNodeName(llvm::StringRef name);

/// NHWC axis -> NCHW axis (rank 4).
inline int64_t nhwcToNchwAxis(int64_t a) {
  static const int64_t m[4] = {0, 2, 3, 1};
  return m[a];
}

class TfNodeContext {
public:
  TfNodeContext(TfImportState &st, const tfproto::NodeDef &node,
                const TfOpRow &row)
      : st_(st), node_(node), row_(row) {}

  const tfproto::NodeDef &node() const { return node_; }
  const TfOpRow &row() const { return row_; }
  const std::string &name() const { return node_.name(); }
  Graph &graph() { return *st_.graph; }
  TfImportState &state() { return st_; }
  SourceLoc loc() const;

  // --- inputs ---------------------------------------------------------------
  /// Number of data inputs (control inputs are not counted).
  unsigned numInputs() const { return unsigned(dataInputs_().size()); }
  /// Canonical tensor name of data input i.
  std::string inputName(unsigned i) const;
  /// Data input i as bound (either layout); error if it is missing.
  llvm::Expected<TfValue> input(unsigned i) const;
  /// Data input i in TensorFlow's layout (transposed back if NCHW).
  llvm::Expected<Value *> inputTf(unsigned i);
  /// Data input i in NCHW; a 4-D value in TensorFlow layout is transposed.
  llvm::Expected<Value *> inputNchw(unsigned i);
  /// Converts a value between layouts (cached per value).
  llvm::Expected<Value *> toNchw(Value *v);
  llvm::Expected<Value *> toNhwc(Value *v);
  /// Data input i's data, if it is a constant (TensorFlow layout).
  const Tensor *constInput(unsigned i) const;
  /// Data input i as integers; must be a constant (error names `role`).
  llvm::Expected<std::vector<int64_t>> constIntsInput(unsigned i,
                                                      llvm::StringRef role);
  /// Requires exactly `n` data inputs (or between lo and hi).
  llvm::Error checkNumInputs(unsigned lo, unsigned hi) const;

  // --- attributes -----------------------------------------------------------
  const tfproto::AttrValue *attr(llvm::StringRef name) const;
  llvm::Expected<int64_t> attrInt(llvm::StringRef name, int64_t def) const;
  llvm::Expected<float> attrFloat(llvm::StringRef name, float def) const;
  llvm::Expected<bool> attrBool(llvm::StringRef name, bool def) const;
  llvm::Expected<std::string> attrString(llvm::StringRef name,
                                         llvm::StringRef def) const;
  /// A list(int) attribute; `def` when absent.
  llvm::Expected<std::vector<int64_t>> attrInts(llvm::StringRef name,
                                                std::vector<int64_t> def) const;
  /// Error unless data_format is absent or NHWC.
  llvm::Error requireNhwc() const;

  // --- building -------------------------------------------------------------
  /// An intermediate node named `<node>/<suffix>`.
  llvm::Expected<Value *> emit(OpKind k, llvm::ArrayRef<Value *> inputs,
                               llvm::StringRef suffix,
                               const Attributes &attrs = {});
  /// The node producing output 0, named after the TensorFlow node and bound
  /// to "<node>:0" with the given layout.
  llvm::Expected<Value *> emitFinal(OpKind k, llvm::ArrayRef<Value *> inputs,
                                    const Attributes &attrs, bool nchw);
  /// Binds output i to a value.
  void bind(unsigned i, TfValue v);
  /// A new Constant named `<node>/<suffix>`.
  Value *constTensor(Tensor t, llvm::StringRef suffix);
  Value *constInts(llvm::ArrayRef<int64_t> v, llvm::StringRef suffix);

  // --- errors ---------------------------------------------------------------
  /// "<file>: node '<name>' (<Op>): <msg>".
  llvm::Error error(const llvm::Twine &msg) const;
  llvm::Error unsupported(const llvm::Twine &msg) const;
  std::string prefix() const;

private:
  std::vector<int> dataInputs_() const;
  llvm::Expected<Value *> finish(Node *n, const Attributes &attrs);
  llvm::Expected<Value *> foldIfConstant(Node *n);

  TfImportState &st_;
  const tfproto::NodeDef &node_;
  const TfOpRow &row_;
};

// Import functions (TfOpsNn.cpp, TfOpsTensor.cpp).
llvm::Error importUnary(TfNodeContext &ctx);
llvm::Error importBinary(TfNodeContext &ctx);
llvm::Error importIdentity(TfNodeContext &ctx);
llvm::Error importConst(TfNodeContext &ctx);
llvm::Error importDequantize(TfNodeContext &ctx);
llvm::Error importRelu6(TfNodeContext &ctx);
llvm::Error importSquare(TfNodeContext &ctx);
llvm::Error importRsqrt(TfNodeContext &ctx);
llvm::Error importReduce(TfNodeContext &ctx);
llvm::Error importConcatV2(TfNodeContext &ctx);
llvm::Error importReshape(TfNodeContext &ctx);
llvm::Error importSqueeze(TfNodeContext &ctx);
llvm::Error importShape(TfNodeContext &ctx);
llvm::Error importStridedSlice(TfNodeContext &ctx);
llvm::Error importPack(TfNodeContext &ctx);
llvm::Error importSoftmax(TfNodeContext &ctx);
llvm::Error importMatMul(TfNodeContext &ctx);
llvm::Error importConv2D(TfNodeContext &ctx);
llvm::Error importBiasAdd(TfNodeContext &ctx);
llvm::Error importFusedBatchNorm(TfNodeContext &ctx);
llvm::Error importPad(TfNodeContext &ctx);
llvm::Error importPool(TfNodeContext &ctx);
llvm::Error importSpaceToBatchND(TfNodeContext &ctx);
llvm::Error importBatchToSpaceND(TfNodeContext &ctx);

} // namespace onntc

#endif
