//===- Graph.h - values, nodes, graphs and modules -------------*- C++ -*-===//
//
// The IR is a list of nodes in topological order over SSA values. A Value is
// produced by exactly one node output or is a graph input; a Node has typed
// attributes, a SourceLoc naming the model node it came from, and optional
// nested regions (reserved for control flow and for TPU/CPU subnets).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_GRAPH_H
#define ONNTC_IR_GRAPH_H

#include "ir/OpInfo.h"
#include "ir/Types.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <list>
#include <memory>
#include <string>
#include <vector>

namespace onntc {

class Graph;
class Node;

/// Where a node came from: the model file, the framework node name and op.
struct SourceLoc {
  std::string file;
  std::string node;
  std::string opType;
  int opset = 0;
  bool empty() const { return file.empty() && node.empty(); }
};

/// Where a node is to run once partitioned. Unassigned until the backend's
/// subnet split runs.
enum class Placement : uint8_t { Unassigned, Tpu, Cpu };

/// One use of a value: the node and the operand index.
struct Use {
  Node *user;
  unsigned operand;
};

class Value {
public:
  const std::string &name() const { return name_; }
  const TensorType &type() const { return type_; }
  void setType(TensorType t) { type_ = std::move(t); }
  const Shape &shape() const { return type_.shape; }
  DType dtype() const { return type_.dtype; }

  /// The producing node, or null for graph inputs.
  Node *producer() const { return producer_; }
  unsigned resultIndex() const { return resultIndex_; }
  const std::vector<Use> &uses() const { return uses_; }
  bool hasUses() const { return !uses_.empty(); }
  /// The data if this value is produced by a Constant node, else null.
  const Tensor *constantValue() const;

private:
  friend class Graph;
  friend class Node;
  Value(std::string name, TensorType type) : name_(std::move(name)), type_(std::move(type)) {}
  std::string name_;
  TensorType type_;
  Node *producer_ = nullptr;
  unsigned resultIndex_ = 0;
  std::vector<Use> uses_;
};

class Node {
public:
  OpKind kind() const { return kind_; }
  const OpInfo &info() const { return opInfo(kind_); }
  const std::string &name() const { return name_; }
  void setName(std::string n) { name_ = std::move(n); }
  const SourceLoc &loc() const { return loc_; }
  void setLoc(SourceLoc l) { loc_ = std::move(l); }
  Graph *graph() const { return graph_; }
  Placement placement() const { return placement_; }
  void setPlacement(Placement p) { placement_ = p; }

  unsigned numInputs() const { return unsigned(inputs_.size()); }
  /// Input i, or null for an absent optional input.
  Value *input(unsigned i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  llvm::ArrayRef<Value *> inputs() const { return inputs_; }
  void setInput(unsigned i, Value *v);
  void addInput(Value *v);
  /// Drops trailing absent inputs and all inputs from `from` on.
  void truncateInputs(unsigned from);

  unsigned numOutputs() const { return unsigned(outputs_.size()); }
  Value *output(unsigned i = 0) const { return outputs_[i].get(); }

  Attributes &attrs() { return attrs_; }
  const Attributes &attrs() const { return attrs_; }
  bool hasAttr(llvm::StringRef n) const { return attrs_.has(n); }
  void setAttr(llvm::StringRef n, AttrValue v) { attrs_.set(n, std::move(v)); }
  /// Typed getters: the node's value, else the Ops.def default. Asking for an
  /// attribute the op does not declare, or of the wrong kind, is a bug.
  int64_t getInt(llvm::StringRef n) const;
  float getFloat(llvm::StringRef n) const;
  const std::string &getString(llvm::StringRef n) const;
  llvm::ArrayRef<int64_t> getInts(llvm::StringRef n) const;
  llvm::ArrayRef<float> getFloats(llvm::StringRef n) const;
  const Tensor &getTensor(llvm::StringRef n) const;
  DType getType(llvm::StringRef n) const;

  /// Nested graphs (control-flow bodies, subnets). Empty for plain ops.
  std::vector<std::unique_ptr<Graph>> &regions() { return regions_; }
  const std::vector<std::unique_ptr<Graph>> &regions() const { return regions_; }

  /// "file: node 'name' (OpType, opset N)" for error messages.
  std::string describe() const;

private:
  friend class Graph;
  Node(OpKind k, Graph *g) : kind_(k), graph_(g) {}
  const AttrValue &getAttr(llvm::StringRef n, AttrKind k) const;

  OpKind kind_;
  Graph *graph_;
  std::string name_;
  SourceLoc loc_;
  Placement placement_ = Placement::Unassigned;
  std::vector<Value *> inputs_;
  std::vector<std::unique_ptr<Value>> outputs_;
  Attributes attrs_;
  std::vector<std::unique_ptr<Graph>> regions_;
  std::list<std::unique_ptr<Node>>::iterator self_;
};

class Graph {
public:
  using NodeList = std::list<std::unique_ptr<Node>>;

  Graph() = default;
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;
  ~Graph();

  /// Adds a graph input. The name is made unique if taken.
  Value *addInput(llvm::StringRef name, TensorType type);
  void addOutput(Value *v) { outputs_.push_back(v); }
  void setOutput(unsigned i, Value *v) { outputs_[i] = v; }
  void setOutputs(std::vector<Value *> outs) { outputs_ = std::move(outs); }
  llvm::ArrayRef<Value *> inputs() const { return inputs_; }
  llvm::ArrayRef<Value *> outputs() const { return outputs_; }
  /// Removes graph input i; it must have no uses.
  void eraseInput(unsigned i);

  /// Creates a node with `numOutputs` fresh values named after `outNames`
  /// (made unique; empty names derive from the node name) and inserts it
  /// before `before` (end of graph when null).
  Node *createNode(OpKind k, llvm::ArrayRef<Value *> inputs,
                   llvm::ArrayRef<std::string> outNames, llvm::StringRef name,
                   SourceLoc loc = {}, Node *before = nullptr);
  /// A Constant node holding `t`, inserted before `before` (or at the front
  /// of the graph when null, so that it dominates every use).
  Node *createConstant(llvm::StringRef name, Tensor t, SourceLoc loc = {},
                       Node *before = nullptr);
  /// Removes a node; none of its outputs may still be used.
  void eraseNode(Node *n);
  /// Moves `n` just before `before`.
  void moveBefore(Node *n, Node *before);
  void replaceAllUsesWith(Value *from, Value *to);

  NodeList &nodes() { return nodes_; }
  const NodeList &nodes() const { return nodes_; }
  size_t numNodes() const { return nodes_.size(); }

  /// A name not yet used by any value in this graph, derived from `base`.
  std::string uniqueName(llvm::StringRef base);
  /// Value lookup by name (inputs and node outputs).
  Value *findValue(llvm::StringRef name) const;
  /// Gives `v` the name `newName`. Rewrites use this to keep a tensor's
  /// model name on the value that replaces it. Returns false (and changes
  /// nothing) if another value of this graph already has that name.
  bool renameValue(Value *v, llvm::StringRef newName);

  /// Re-orders nodes topologically (stable where already ordered). Returns
  /// false if the graph has a cycle.
  bool topoSort();

private:
  friend class Node;
  void registerName(Value *v);

  NodeList nodes_;
  std::vector<std::unique_ptr<Value>> inputValues_;
  std::vector<Value *> inputs_;
  std::vector<Value *> outputs_;
  llvm::StringMap<Value *> names_;
  llvm::StringMap<unsigned> nameCounters_;
};

/// Which point of the flow a module is at; passes state the stage they need.
enum class IRStage : uint8_t { Imported, Optimized, Quantized, Lowered };
llvm::StringRef stageName(IRStage s);
std::optional<IRStage> parseStage(llvm::StringRef s);

/// A whole network: its graph plus what the header of the text form records.
struct Module {
  std::string name;
  IRStage stage = IRStage::Imported;
  std::string target; ///< Empty until a backend target is chosen.
  std::string sourceFile;
  Graph graph;
};

} // namespace onntc

#endif
