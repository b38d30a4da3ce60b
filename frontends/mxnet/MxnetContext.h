//===- MxnetContext.h - state shared by the MXNet op importers -*- C++ -*-===//
//
// Internal to frontends/mxnet. An MxNodeContext is handed to one op-table
// row's import function: it reads the node's string attributes with typed
// parsers, resolves inputs (parameters become Constant nodes), creates IR
// nodes (each type-inferred at once, with the node's SourceLoc) and binds
// the node's outputs.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_MXNET_MXNETCONTEXT_H
#define ONNTC_FRONTENDS_MXNET_MXNETCONTEXT_H

#include "frontends/mxnet/MxnetImporter.h"

#include "ir/Attributes.h"

#include <map>
#include <optional>

namespace onntc {

class MxNodeContext;
using MxImportFn = llvm::Error (*)(MxNodeContext &ctx);

/// One row of the sorted op table.
struct MxOpRow {
  const char *name;
  MxImportFn fn;
  /// For generic rows (unary, binary, scalar ops): the IR op.
  OpKind kind;
};

llvm::ArrayRef<MxOpRow> mxnetOpTable();
const MxOpRow *findMxnetOp(llvm::StringRef op);

/// Whole-import state.
struct MxImportState {
  Graph *graph = nullptr;
  std::string symbolFile; ///< base names, for messages and SourceLocs
  std::string paramsFile;
  const MxSymbol *sym = nullptr;
  const MxParams *params = nullptr;
  /// Values of node outputs, by (node id, output index).
  std::map<std::pair<uint32_t, uint32_t>, Value *> values;
  /// Constants already made for parameters, by name.
  llvm::StringMap<Value *> paramValues;
};

class MxNodeContext {
public:
  MxNodeContext(MxImportState &st, uint32_t id)
      : st_(st), id_(id), node_(st.sym->nodes[id]) {}

  const MxNode &node() const { return node_; }
  const std::string &name() const { return node_.name; }
  Graph &graph() { return *st_.graph; }
  SourceLoc loc() const;

  // --- attributes (MXNet keeps them as strings) ------------------------------
  bool hasAttr(llvm::StringRef k) const { return node_.attrs.count(k.str()); }
  llvm::Expected<std::string> attrStr(llvm::StringRef k,
                                      llvm::StringRef def) const;
  llvm::Expected<int64_t> attrInt(llvm::StringRef k, int64_t def) const;
  llvm::Expected<float> attrFloat(llvm::StringRef k, float def) const;
  llvm::Expected<bool> attrBool(llvm::StringRef k, bool def) const;
  /// A tuple such as "(3,3)", "[1, 2]", "(3,)" or a bare "3"; `def` when
  /// absent. Elements may be negative ("(0,-1)") or "None" (-> kNone).
  llvm::Expected<std::vector<int64_t>>
  attrTuple(llvm::StringRef k, std::vector<int64_t> def) const;
  static constexpr int64_t kNone = INT64_MIN;

  // --- inputs ----------------------------------------------------------------
  unsigned numInputs() const { return unsigned(node_.inputs.size()); }
  /// Input i's value (a Constant for parameters); error if absent.
  llvm::Expected<Value *> input(unsigned i, llvm::StringRef role);
  /// Input i's data when it is a parameter, else null.
  const Tensor *paramInput(unsigned i) const;
  /// Name of the node that produces input i.
  const std::string &inputName(unsigned i) const;
  /// Requires exactly `n` inputs (or between `lo` and `hi`).
  llvm::Error expectInputs(unsigned lo, unsigned hi) const;

  // --- building --------------------------------------------------------------
  /// An intermediate node with one output `<node>_<suffix>`.
  llvm::Expected<Value *> emit(OpKind k, llvm::ArrayRef<Value *> inputs,
                               llvm::StringRef suffix,
                               const Attributes &attrs = {});
  /// The node producing output 0 of the MXNet node (named after it).
  llvm::Expected<Value *> emitFinal(OpKind k, llvm::ArrayRef<Value *> inputs,
                                    const Attributes &attrs = {});
  /// Creates a node with `numOut` outputs named `names` (inferred at once).
  llvm::Expected<Node *> emitNode(OpKind k, llvm::ArrayRef<Value *> inputs,
                                  llvm::ArrayRef<std::string> names,
                                  const Attributes &attrs);
  /// Binds MXNet output i to `v`.
  void bindOutput(unsigned i, Value *v);
  /// The IR name of MXNet output i of this node.
  std::string outputName(unsigned i, unsigned numOutputs) const;
  Value *constTensor(Tensor t, llvm::StringRef suffix);
  Value *constInts(llvm::ArrayRef<int64_t> v, llvm::StringRef suffix);
  /// `param` reshaped, as a Constant (used for per-channel operands).
  Value *constParam(const Tensor &param, const Shape &shape,
                    llvm::StringRef suffix);

  // --- errors ----------------------------------------------------------------
  /// "<file>: node '<name>' (<op>): <msg>".
  llvm::Error error(const llvm::Twine &msg) const;
  std::string prefix() const;

private:
  llvm::Expected<Value *> finishOne(Node *n, const Attributes &attrs);
  MxImportState &st_;
  uint32_t id_;
  const MxNode &node_;
};

// Import functions (MxnetOpsNn.cpp, MxnetOpsTensor.cpp).
llvm::Error importConvolution(MxNodeContext &ctx);
llvm::Error importDeconvolution(MxNodeContext &ctx);
llvm::Error importFullyConnected(MxNodeContext &ctx);
llvm::Error importBatchNorm(MxNodeContext &ctx);
llvm::Error importActivation(MxNodeContext &ctx);
llvm::Error importLeakyReLU(MxNodeContext &ctx);
llvm::Error importPooling(MxNodeContext &ctx);
llvm::Error importSoftmaxActivation(MxNodeContext &ctx);
llvm::Error importSoftmax(MxNodeContext &ctx);
llvm::Error importSoftmaxOutput(MxNodeContext &ctx);
llvm::Error importUpSampling(MxNodeContext &ctx);
llvm::Error importUnary(MxNodeContext &ctx);
llvm::Error importBinary(MxNodeContext &ctx);
llvm::Error importScalar(MxNodeContext &ctx);
llvm::Error importRScalar(MxNodeContext &ctx);
llvm::Error importIdentity(MxNodeContext &ctx);
llvm::Error importConcat(MxNodeContext &ctx);
llvm::Error importFlatten(MxNodeContext &ctx);
llvm::Error importReshape(MxNodeContext &ctx);
llvm::Error importTranspose(MxNodeContext &ctx);
llvm::Error importSliceChannel(MxNodeContext &ctx);
llvm::Error importCrop(MxNodeContext &ctx);
llvm::Error importClip(MxNodeContext &ctx);

/// Ops whose inputs after the first are training labels (not net inputs).
bool mxnetOpHasLabelInputs(llvm::StringRef op);

} // namespace onntc

#endif
