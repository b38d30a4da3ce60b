//===- OnnxContext.h - state shared by the ONNX op importers ---*- C++ -*-===//
//
// Internal to frontends/onnx. An OnnxNodeContext is handed to the import
// function of one op-table row: it resolves the ONNX node's inputs to IR
// values, reads attributes with kind checks, creates IR nodes (each with the
// node's SourceLoc, each type-inferred at once) and binds the ONNX outputs.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_ONNX_ONNXCONTEXT_H
#define ONNTC_FRONTENDS_ONNX_ONNXCONTEXT_H

#include "frontends/onnx/OnnxImporter.h"

#include "ir/Graph.h"
#include "ir/KernelContext.h"

#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <optional>

namespace onntc {

class OnnxNodeContext;

/// An op-table row's import function.
using OnnxImportFn = llvm::Error (*)(OnnxNodeContext &ctx);

/// One row of the sorted op table: ONNX op name, the oldest opset the row
/// handles, the import function and (for the generic functions) the IR op.
struct OnnxOpRow {
  const char *name;
  int minOpset;
  OnnxImportFn fn;
  OpKind kind;
};

/// Looks up `opType` in the table; null if the op is not supported.
const OnnxOpRow *findOnnxOp(llvm::StringRef opType);
llvm::ArrayRef<OnnxOpRow> onnxOpTable();

/// Whole-import state: the graph being built and the ONNX name -> value map.
struct OnnxImportState {
  Graph *graph = nullptr;
  std::string file;     ///< model path as given (for file-level errors).
  std::string fileName; ///< base name, used in SourceLocs.
  std::string baseDir;  ///< for external tensor data.
  int opset = 0;
  bool inferTypes = true;
  /// Import-time folding (see OnnxImportOptions::foldConstants); the kernels
  /// evaluate nodes whose inputs are all constant.
  bool foldConstants = true;
  int64_t foldElementLimit = 1 << 16;
  KernelContext *kernels = nullptr;
  llvm::StringMap<Value *> values;
};

class OnnxNodeContext {
public:
  OnnxNodeContext(OnnxImportState &st, const onnx::NodeProto &node,
                  const OnnxOpRow &row, std::string name)
      : st_(st), node_(node), row_(row), name_(std::move(name)) {}

  const onnx::NodeProto &node() const { return node_; }
  const OnnxOpRow &row() const { return row_; }
  int opset() const { return st_.opset; }
  Graph &graph() { return *st_.graph; }
  const std::string &name() const { return name_; }
  SourceLoc loc() const;

  // --- inputs ---------------------------------------------------------------
  unsigned numInputs() const { return unsigned(node_.input_size()); }
  /// True if input i is present (listed with a non-empty name).
  bool hasInput(unsigned i) const {
    return int(i) < node_.input_size() && !node_.input(int(i)).empty();
  }
  /// Input i, or null when absent.
  Value *input(unsigned i) const;
  /// All inputs in order, absent ones as null (trailing nulls dropped).
  std::vector<Value *> inputs() const;
  /// Input i's data if it is a constant.
  const Tensor *constInput(unsigned i) const;
  /// Input i as integers; it must be a constant (error otherwise).
  llvm::Expected<std::vector<int64_t>> constIntsInput(unsigned i,
                                                      llvm::StringRef role);
  /// Requires input i; error naming `role` if absent.
  llvm::Expected<Value *> requireInput(unsigned i, llvm::StringRef role);

  // --- attributes -----------------------------------------------------------
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  llvm::Expected<int64_t> attrInt(llvm::StringRef name, int64_t def) const;
  llvm::Expected<std::optional<int64_t>> attrIntOpt(llvm::StringRef name) const;
  llvm::Expected<float> attrFloat(llvm::StringRef name, float def) const;
  llvm::Expected<std::string> attrString(llvm::StringRef name,
                                         llvm::StringRef def) const;
  llvm::Expected<std::optional<std::vector<int64_t>>>
  attrInts(llvm::StringRef name) const;
  llvm::Expected<std::optional<std::vector<float>>>
  attrFloats(llvm::StringRef name) const;
  /// Converts ONNX attribute `a` to the IR kind `k`.
  llvm::Expected<AttrValue> convertAttr(const onnx::AttributeProto &a,
                                        AttrKind k) const;
  /// Copies every ONNX attribute onto `n` by name, converting to the kinds
  /// the IR op declares; names in `skip` are left out. An attribute the IR
  /// op does not declare is an error.
  llvm::Error copyAttrs(Node *n,
                        llvm::ArrayRef<llvm::StringRef> skip = {}) const;
  /// Error if the node has an attribute outside `known` (for hand-written
  /// conversions that read attributes one by one).
  llvm::Error checkAttrs(llvm::ArrayRef<llvm::StringRef> known) const;

  // --- building -------------------------------------------------------------
  /// An intermediate node; outputs are named `<node>_<suffix>`.
  llvm::Expected<Node *> emit(OpKind k, llvm::ArrayRef<Value *> inputs,
                              llvm::StringRef suffix, unsigned numOutputs = 1,
                              const Attributes &attrs = {});
  /// The node producing the ONNX node's outputs: one IR output per ONNX
  /// output (trailing absent ones dropped), bound to the ONNX names.
  /// `attrs` are set before type inference runs.
  /// `numOuts` limits the IR outputs to the first ONNX outputs (the
  /// caller binds the others itself).
  llvm::Expected<Node *> emitFinal(OpKind k, llvm::ArrayRef<Value *> inputs,
                                   const Attributes &attrs = {},
                                   unsigned numOuts = ~0u);
  /// Like emitFinal, but copies the ONNX attributes (minus `skip`) first.
  /// `extra` attributes (converted by the caller) are added to the copies.
  llvm::Expected<Node *>
  emitFinalWithAttrs(OpKind k, llvm::ArrayRef<Value *> inputs,
                     llvm::ArrayRef<llvm::StringRef> skip = {},
                     const Attributes &extra = {});
  /// Binds ONNX output i to an existing value (e.g. Identity-like mappings).
  void bindOutput(unsigned i, Value *v);
  /// Constants created for converted attributes.
  Value *constInts(llvm::ArrayRef<int64_t> v, llvm::StringRef suffix,
                   bool scalar = false);
  Value *constTensor(Tensor t, llvm::StringRef suffix);

  /// Number of ONNX outputs that are requested (up to the last non-empty).
  unsigned numOutputs() const;
  bool hasOutput(unsigned i) const {
    return int(i) < node_.output_size() && !node_.output(int(i)).empty();
  }

  // --- errors ---------------------------------------------------------------
  /// "<file>: node '<name>' (<Op>, opset N): <msg>".
  llvm::Error error(const llvm::Twine &msg) const;
  /// The same, as an OnnxUnsupportedError.
  llvm::Error unsupported(const llvm::Twine &msg) const;
  std::string prefix() const;

private:
  llvm::Expected<Node *> finish(Node *n, const Attributes &attrs);
  /// Replaces a just-created node by Constants when its results are known
  /// at import time; returns the node that now produces output 0.
  llvm::Expected<Node *> foldIfConstant(Node *n);

  OnnxImportState &st_;
  const onnx::NodeProto &node_;
  const OnnxOpRow &row_;
  std::string name_;
};

// Import functions of the op families (defined in OnnxOps*.cpp).
llvm::Error importDirect(OnnxNodeContext &ctx);
llvm::Error importNoAttrs(OnnxNodeContext &ctx);

} // namespace onntc

#endif
