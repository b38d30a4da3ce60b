#include "ir/Graph.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <algorithm>
#include <cassert>

namespace onntc {

const Tensor *Value::constantValue() const {
  if (producer_ && producer_->kind() == OpKind::Constant)
    return &producer_->getTensor("value");
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Node
//===----------------------------------------------------------------------===//

void Node::setInput(unsigned i, Value *v) {
  if (i >= inputs_.size())
    inputs_.resize(i + 1, nullptr);
  if (Value *old = inputs_[i]) {
    auto &u = old->uses_;
    for (auto it = u.begin(); it != u.end(); ++it)
      if (it->user == this && it->operand == i) {
        u.erase(it);
        break;
      }
  }
  inputs_[i] = v;
  if (v)
    v->uses_.push_back({this, i});
}

void Node::addInput(Value *v) { setInput(unsigned(inputs_.size()), v); }

void Node::truncateInputs(unsigned from) {
  for (unsigned i = from; i < inputs_.size(); ++i)
    setInput(i, nullptr);
  if (inputs_.size() > from)
    inputs_.resize(from);
  while (!inputs_.empty() && !inputs_.back())
    inputs_.pop_back();
}

const AttrValue &Node::getAttr(llvm::StringRef n, AttrKind k) const {
  if (const AttrValue *v = attrs_.find(n)) {
    assert(attrKindOf(*v) == k && "attribute of unexpected kind");
    return *v;
  }
  const AttrSpec *spec = info().findAttr(n);
  assert(spec && "op does not declare this attribute");
  assert(spec->hasDefault && "attribute absent and has no default");
  assert(spec->kind == k && "attribute of unexpected kind");
  return spec->defaultValue;
}

int64_t Node::getInt(llvm::StringRef n) const {
  return std::get<int64_t>(getAttr(n, AttrKind::Int));
}
float Node::getFloat(llvm::StringRef n) const {
  return std::get<float>(getAttr(n, AttrKind::Float));
}
const std::string &Node::getString(llvm::StringRef n) const {
  return std::get<std::string>(getAttr(n, AttrKind::String));
}
llvm::ArrayRef<int64_t> Node::getInts(llvm::StringRef n) const {
  return std::get<std::vector<int64_t>>(getAttr(n, AttrKind::Ints));
}
llvm::ArrayRef<float> Node::getFloats(llvm::StringRef n) const {
  return std::get<std::vector<float>>(getAttr(n, AttrKind::Floats));
}
const Tensor &Node::getTensor(llvm::StringRef n) const {
  return std::get<Tensor>(getAttr(n, AttrKind::Tensor));
}
DType Node::getType(llvm::StringRef n) const {
  return std::get<DType>(getAttr(n, AttrKind::Type));
}

std::string Node::describe() const {
  std::string s;
  if (!loc_.file.empty())
    s += loc_.file + ": ";
  s += "node '" + (loc_.node.empty() ? name_ : loc_.node) + "' (";
  s += loc_.opType.empty() ? info().name.str() : loc_.opType;
  if (loc_.opset > 0)
    s += ", opset " + std::to_string(loc_.opset);
  s += ")";
  return s;
}

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

Graph::~Graph() {
  // Drop uses first so that Value destructors never see dangling users.
  for (auto &n : nodes_)
    n->inputs_.clear();
}

std::string Graph::uniqueName(llvm::StringRef base) {
  std::string b = base.empty() ? std::string("v") : base.str();
  if (!names_.count(b))
    return b;
  unsigned &c = nameCounters_[b];
  while (true) {
    std::string cand = b + "_" + std::to_string(++c);
    if (!names_.count(cand))
      return cand;
  }
}

void Graph::registerName(Value *v) { names_[v->name_] = v; }

Value *Graph::findValue(llvm::StringRef name) const {
  auto it = names_.find(name);
  return it == names_.end() ? nullptr : it->second;
}

bool Graph::renameValue(Value *v, llvm::StringRef newName) {
  Value *other = findValue(newName);
  if (other == v)
    return true;
  if (other)
    return false;
  names_.erase(v->name_);
  v->name_ = newName.str();
  registerName(v);
  return true;
}

Value *Graph::addInput(llvm::StringRef name, TensorType type) {
  inputValues_.emplace_back(new Value(uniqueName(name), std::move(type)));
  Value *v = inputValues_.back().get();
  registerName(v);
  inputs_.push_back(v);
  return v;
}

void Graph::eraseInput(unsigned i) {
  Value *v = inputs_[i];
  assert(!v->hasUses() && "erasing a used graph input");
  names_.erase(v->name());
  inputs_.erase(inputs_.begin() + i);
  for (auto it = inputValues_.begin(); it != inputValues_.end(); ++it)
    if (it->get() == v) {
      inputValues_.erase(it);
      break;
    }
}

Node *Graph::createNode(OpKind k, llvm::ArrayRef<Value *> inputs,
                        llvm::ArrayRef<std::string> outNames,
                        llvm::StringRef name, SourceLoc loc, Node *before) {
  std::unique_ptr<Node> n(new Node(k, this));
  n->name_ = name.str();
  n->loc_ = std::move(loc);
  for (Value *v : inputs)
    n->addInput(v);
  for (unsigned i = 0; i < outNames.size(); ++i) {
    std::string base = outNames[i];
    if (base.empty())
      base = outNames.size() == 1 ? name.str() : name.str() + "_" + std::to_string(i);
    std::unique_ptr<Value> v(new Value(uniqueName(base), TensorType()));
    v->producer_ = n.get();
    v->resultIndex_ = i;
    registerName(v.get());
    n->outputs_.push_back(std::move(v));
  }
  Node *raw = n.get();
  NodeList::iterator pos = before ? before->self_ : nodes_.end();
  raw->self_ = nodes_.insert(pos, std::move(n));
  return raw;
}

Node *Graph::createConstant(llvm::StringRef name, Tensor t, SourceLoc loc,
                            Node *before) {
  if (!before && !nodes_.empty())
    before = nodes_.front().get();
  TensorType ty = t.type();
  Node *n = createNode(OpKind::Constant, {}, {name.str()}, name, std::move(loc),
                       before);
  n->setAttr("value", std::move(t));
  n->output()->setType(std::move(ty));
  return n;
}

void Graph::eraseNode(Node *n) {
  for (auto &o : n->outputs_) {
    assert(!o->hasUses() && "erasing a node whose result is still used");
    names_.erase(o->name());
  }
  for (unsigned i = 0; i < n->inputs_.size(); ++i)
    n->setInput(i, nullptr);
  nodes_.erase(n->self_);
}

void Graph::moveBefore(Node *n, Node *before) {
  nodes_.splice(before ? before->self_ : nodes_.end(), nodes_, n->self_);
}

void Graph::replaceAllUsesWith(Value *from, Value *to) {
  assert(from != to);
  std::vector<Use> uses = from->uses_;
  for (const Use &u : uses)
    u.user->setInput(u.operand, to);
  for (auto &o : outputs_)
    if (o == from)
      o = to;
}

bool Graph::topoSort() {
  llvm::DenseMap<Node *, unsigned> pending;
  std::vector<Node *> ready;
  std::vector<Node *> order;
  order.reserve(nodes_.size());
  // Kahn's algorithm, picking nodes in their current order for stability.
  llvm::DenseMap<Node *, size_t> position;
  size_t idx = 0;
  for (auto &n : nodes_)
    position[n.get()] = idx++;
  for (auto &n : nodes_) {
    unsigned cnt = 0;
    llvm::SmallPtrSet<Node *, 4> seen;
    for (Value *v : n->inputs_)
      if (v && v->producer_ && seen.insert(v->producer_).second)
        ++cnt;
    pending[n.get()] = cnt;
    if (cnt == 0)
      ready.push_back(n.get());
  }
  auto cmp = [&](Node *a, Node *b) { return position[a] > position[b]; };
  std::make_heap(ready.begin(), ready.end(), cmp);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), cmp);
    Node *n = ready.back();
    ready.pop_back();
    order.push_back(n);
    llvm::SmallPtrSet<Node *, 8> done;
    for (auto &o : n->outputs_)
      for (const Use &u : o->uses_)
        if (done.insert(u.user).second && --pending[u.user] == 0) {
          ready.push_back(u.user);
          std::push_heap(ready.begin(), ready.end(), cmp);
        }
  }
  if (order.size() != nodes_.size())
    return false;
  for (Node *n : order)
    nodes_.splice(nodes_.end(), nodes_, n->self_);
  return true;
}

llvm::StringRef stageName(IRStage s) {
  switch (s) {
  case IRStage::Imported: return "imported";
  case IRStage::Optimized: return "optimized";
  case IRStage::Quantized: return "quantized";
  case IRStage::Lowered: return "lowered";
  }
  return "?";
}

std::optional<IRStage> parseStage(llvm::StringRef s) {
  for (IRStage st : {IRStage::Imported, IRStage::Optimized, IRStage::Quantized,
                     IRStage::Lowered})
    if (stageName(st) == s)
      return st;
  return std::nullopt;
}

} // namespace onntc
