//===- Parser.cpp - the textual IR parser ---------------------------------===//
//
// A recursive-descent parser working directly on the characters of the
// buffer (the grammar is small and types such as `tensor<1x?x4xf32>` do not
// split into ordinary tokens). Every error goes through fail(), which turns
// a position into "file:line:col: error: ..." with the source line and a
// caret.
//
//===----------------------------------------------------------------------===//
#include "ir/ParserImpl.h"

#include "ir/Printer.h"
#include "ir/Verifier.h"

#include "llvm/Support/Path.h"

namespace onntc {
namespace textir {

//===----------------------------------------------------------------------===//
// Nodes and graphs
//===----------------------------------------------------------------------===//

llvm::Error Parser::attribute(const OpInfo &info, llvm::StringSet<> &seen,
                              Attributes &out) {
  skipSpace();
  const char *at = cur_;
  auto name = symbol("for an attribute");
  if (!name)
    return name.takeError();
  const AttrSpec *spec = info.findAttr(*name);
  if (!spec)
    return fail(at, "unknown attribute '" + *name + "' for '" + info.mnemonic +
                        "'");
  if (!seen.insert(*name).second)
    return fail(at, "attribute '" + *name + "' is given twice");
  if (llvm::Error e = expect('=', "after the attribute name"))
    return e;
  skipSpace();
  const char *valAt = cur_;
  auto listOf = [&](auto elem) -> llvm::Error {
    if (llvm::Error e = expect('[', "to open the list of '" + *name + "'"))
      return e;
    if (consumeIf(']'))
      return llvm::Error::success();
    do {
      if (llvm::Error e = elem())
        return e;
    } while (consumeIf(','));
    return expect(']', "to close the list of '" + *name + "'");
  };
  switch (spec->kind) {
  case AttrKind::Int: {
    auto v = integer("for attribute '" + *name + "'");
    if (!v)
      return v.takeError();
    out.set(*name, *v);
    break;
  }
  case AttrKind::Float: {
    auto v = floating("for attribute '" + *name + "'");
    if (!v)
      return v.takeError();
    out.set(*name, *v);
    break;
  }
  case AttrKind::String: {
    auto v = stringLiteral("for attribute '" + *name + "'");
    if (!v)
      return v.takeError();
    out.set(*name, std::move(*v));
    break;
  }
  case AttrKind::Ints: {
    std::vector<int64_t> xs;
    if (llvm::Error e = listOf([&]() -> llvm::Error {
          auto v = integer("in the list");
          if (!v)
            return v.takeError();
          xs.push_back(*v);
          return llvm::Error::success();
        }))
      return e;
    out.set(*name, std::move(xs));
    break;
  }
  case AttrKind::Floats: {
    std::vector<float> xs;
    if (llvm::Error e = listOf([&]() -> llvm::Error {
          auto v = floating("in the list");
          if (!v)
            return v.takeError();
          xs.push_back(*v);
          return llvm::Error::success();
        }))
      return e;
    out.set(*name, std::move(xs));
    break;
  }
  case AttrKind::Strings: {
    std::vector<std::string> xs;
    if (llvm::Error e = listOf([&]() -> llvm::Error {
          auto v = stringLiteral("in the list");
          if (!v)
            return v.takeError();
          xs.push_back(std::move(*v));
          return llvm::Error::success();
        }))
      return e;
    out.set(*name, std::move(xs));
    break;
  }
  case AttrKind::Type: {
    llvm::StringRef id = identifier();
    std::optional<DType> d = parseDType(id);
    if (!d)
      return fail(
          valAt,
          "expected an element type for attribute '" + *name + "'" +
              (id.empty() ? describeHere() : ", found '" + id.str() + "'"));
    out.set(*name, *d);
    break;
  }
  case AttrKind::Tensor: {
    auto lit = tensorLiteral();
    if (!lit)
      return lit.takeError();
    if (llvm::Error e = expect(':', "before the type of the tensor literal"))
      return e;
    auto t = type();
    if (!t)
      return t.takeError();
    if (t->quant)
      return fail(valAt, "a tensor attribute's type carries no quantization");
    auto v = materialize(*lit, *t);
    if (!v)
      return v.takeError();
    out.set(*name, std::move(*v));
    break;
  }
  }
  return llvm::Error::success();
}

llvm::Expected<SourceLoc> Parser::location() {
  SourceLoc l;
  if (llvm::Error e = expect('(', "after 'loc'"))
    return e;
  std::string *parts[] = {&l.file, &l.node, &l.opType};
  for (std::string *p : parts) {
    auto s = stringLiteral("in loc(\"file\":\"node\":\"op\":opset)");
    if (!s)
      return s.takeError();
    *p = std::move(*s);
    if (llvm::Error e = expect(':', "in loc(\"file\":\"node\":\"op\":opset)"))
      return e;
  }
  auto v = integer("for the opset in loc(...)");
  if (!v)
    return v.takeError();
  l.opset = int(*v);
  if (llvm::Error e = expect(')', "to close loc(...)"))
    return e;
  return l;
}

llvm::Error Parser::node(Graph &g) {
  skipSpace();
  const char *lineStart = cur_;
  // Results.
  std::vector<std::string> outNames;
  std::vector<const char *> outLocs;
  if (peek() == '%') {
    do {
      skipSpace();
      const char *at = cur_;
      if (!consumeIf('%'))
        return failHere("expected a result name '%name'" + describeHere());
      auto nm = valueName();
      if (!nm)
        return nm.takeError();
      if (g.findValue(*nm) || llvm::is_contained(outNames, *nm))
        return fail(at, "redefinition of value '%" + *nm + "'");
      outNames.push_back(std::move(*nm));
      outLocs.push_back(at);
    } while (consumeIf(','));
    if (llvm::Error e = expect('=', "after the result names"))
      return e;
  }
  // The op.
  skipSpace();
  const char *opAt = cur_;
  llvm::StringRef mn = identifier();
  if (mn.empty())
    return failHere("expected an op name" + describeHere());
  std::optional<OpKind> kind = lookupOpByMnemonic(mn);
  if (!kind)
    return fail(opAt, "unknown op '" + mn + "'");
  const OpInfo &info = opInfo(*kind);
  int nout = int(outNames.size());
  if (nout < info.minOutputs ||
      (info.maxOutputs >= 0 && nout > info.maxOutputs))
    return fail(lineStart,
                "'" + info.mnemonic + "' produces " +
                    llvm::Twine(info.minOutputs) +
                    (info.maxOutputs < 0 ? " or more"
                     : info.maxOutputs == info.minOutputs
                         ? ""
                         : " to " + std::to_string(info.maxOutputs)) +
                    " results, not " + llvm::Twine(nout));

  std::vector<Value *> inputs;
  Attributes attrs;
  std::optional<TensorLit> constLit;
  if (*kind == OpKind::Constant) {
    auto lit = tensorLiteral();
    if (!lit)
      return lit.takeError();
    constLit = std::move(*lit);
  } else {
    if (llvm::Error e = expect('(', "to open the operand list of '" + mn + "'"))
      return e;
    if (!consumeIf(')')) {
      do {
        skipSpace();
        const char *at = cur_;
        if (peekKeyword("none")) {
          cur_ += 4;
          if (int(inputs.size()) < info.minInputs)
            return fail(at, "operand " + llvm::Twine(inputs.size()) + " of '" +
                                mn + "' is required and cannot be 'none'");
          inputs.push_back(nullptr);
          continue;
        }
        if (!consumeIf('%'))
          return failHere("expected an operand '%name' or 'none'" +
                          describeHere());
        auto nm = valueName();
        if (!nm)
          return nm.takeError();
        Value *v = g.findValue(*nm);
        if (!v)
          return fail(at,
                      "use of undefined value '%" + *nm +
                          "' (values must be defined before they are used)");
        inputs.push_back(v);
      } while (consumeIf(','));
      if (llvm::Error e = expect(')', "to close the operand list"))
        return e;
    }
    int nin = int(inputs.size());
    if (nin < info.minInputs || (info.maxInputs >= 0 && nin > info.maxInputs))
      return fail(opAt, "'" + mn + "' takes " + llvm::Twine(info.minInputs) +
                            (info.maxInputs < 0 ? " or more"
                             : info.maxInputs == info.minInputs
                                 ? ""
                                 : " to " + std::to_string(info.maxInputs)) +
                            " operands, not " + llvm::Twine(nin));
  }
  // Attributes.
  llvm::StringSet<> seen;
  if (consumeIf('{')) {
    if (!consumeIf('}')) {
      do {
        if (llvm::Error e = attribute(info, seen, attrs))
          return e;
      } while (consumeIf(','));
      if (llvm::Error e = expect('}', "to close the attribute list"))
        return e;
    }
  }
  // Result types.
  std::vector<TensorType> types;
  if (nout > 0) {
    if (llvm::Error e = expect(':', "before the result types"))
      return e;
    do {
      auto t = type();
      if (!t)
        return t.takeError();
      types.push_back(std::move(*t));
    } while (consumeIf(','));
    if (int(types.size()) != nout)
      return fail(lineStart, llvm::Twine(nout) + " results but " +
                                 llvm::Twine(types.size()) + " result types");
  }
  if (constLit) {
    TensorType plain = types[0];
    plain.quant.reset();
    auto v = materialize(*constLit, plain);
    if (!v)
      return v.takeError();
    attrs.set("value", std::move(*v));
    seen.insert("value");
  }
  for (const AttrSpec &s : info.attrs)
    if (s.required && !seen.count(s.name))
      return fail(opAt, "'" + mn + "' requires attribute '" + s.name + "'");
  // Placement, location, regions.
  Placement place = Placement::Unassigned;
  if (peekKeyword("on")) {
    cur_ += 2;
    skipSpace();
    const char *at = cur_;
    llvm::StringRef p = identifier();
    if (p == "tpu")
      place = Placement::Tpu;
    else if (p == "cpu")
      place = Placement::Cpu;
    else
      return fail(at, "expected 'tpu' or 'cpu' after 'on'");
  }
  SourceLoc loc;
  if (peekKeyword("loc")) {
    cur_ += 3;
    auto l = location();
    if (!l)
      return l.takeError();
    loc = std::move(*l);
  }
  std::vector<std::unique_ptr<Graph>> regions;
  if (peek() == '{') {
    if (depth_ >= kMaxRegionDepth)
      return failHere("regions nest deeper than " +
                      llvm::Twine(kMaxRegionDepth) + " levels");
    ++cur_;
    ++depth_;
    while (peekKeyword("graph")) {
      auto r = std::make_unique<Graph>();
      if (llvm::Error e = graph(*r))
        return e;
      regions.push_back(std::move(r));
    }
    if (llvm::Error e = expect('}', "to close the regions of '" + mn + "'"))
      return e;
    --depth_;
  }

  std::string nodeName = loc.node;
  if (nodeName.empty() && constLit && constLit->kind == TensorLit::Ref)
    nodeName = constLit->key;
  if (nodeName.empty() && !outNames.empty())
    nodeName = outNames[0];
  Node *n = g.createNode(*kind, inputs, outNames, nodeName, std::move(loc));
  for (unsigned i = 0; i < n->numOutputs(); ++i) {
    assert(n->output(i)->name() == outNames[i] && "names were checked free");
    n->output(i)->setType(types[i]);
  }
  for (auto &[name, v] : attrs.entries())
    n->setAttr(name, v);
  n->setPlacement(place);
  n->regions() = std::move(regions);
  nodeLocs_[n] = opAt;
  return llvm::Error::success();
}

llvm::Error Parser::graph(Graph &gr) {
  Graph *g = &gr;
  if (llvm::Error e = expect("graph", "to start a graph"))
    return e;
  if (llvm::Error e = expect('(', "to open the graph inputs"))
    return e;
  if (!consumeIf(')')) {
    do {
      skipSpace();
      const char *at = cur_;
      if (!consumeIf('%'))
        return failHere("expected a graph input '%name: type'" +
                        describeHere());
      auto nm = valueName();
      if (!nm)
        return nm.takeError();
      if (g->findValue(*nm))
        return fail(at, "redefinition of value '%" + *nm + "'");
      if (llvm::Error e = expect(':', "after the graph input name"))
        return e;
      auto t = type();
      if (!t)
        return t.takeError();
      g->addInput(*nm, std::move(*t));
    } while (consumeIf(','));
    if (llvm::Error e = expect(')', "to close the graph inputs"))
      return e;
  }
  if (llvm::Error e = expect("->", "after the graph inputs"))
    return e;
  if (llvm::Error e = expect('(', "to open the graph outputs"))
    return e;
  std::vector<std::pair<std::string, const char *>> outs;
  if (!consumeIf(')')) {
    do {
      skipSpace();
      const char *at = cur_;
      if (!consumeIf('%'))
        return failHere("expected a graph output '%name'" + describeHere());
      auto nm = valueName();
      if (!nm)
        return nm.takeError();
      outs.push_back({std::move(*nm), at});
    } while (consumeIf(','));
    if (llvm::Error e = expect(')', "to close the graph outputs"))
      return e;
  }
  if (llvm::Error e = expect('{', "to open the graph body"))
    return e;
  while (peek() != '}') {
    if (cur_ >= end_)
      return failHere(
          "expected '}' to close the graph body, found end of file");
    if (llvm::Error e = node(*g))
      return e;
  }
  ++cur_;
  for (auto &[nm, at] : outs) {
    Value *v = g->findValue(nm);
    if (!v)
      return fail(at, "graph output '%" + nm + "' is never defined");
    g->addOutput(v);
  }
  return llvm::Error::success();
}

llvm::Error Parser::header(Module &m) {
  if (llvm::Error e = expect("module", "at the start of the IR text"))
    return e;
  if (llvm::Error e = expect('@', "before the module name"))
    return e;
  auto nm = symbol("for the module");
  if (!nm)
    return nm.takeError();
  m.name = std::move(*nm);
  llvm::StringSet<> seen;
  while (true) {
    skipSpace();
    const char *at = cur_;
    if (peekKeyword("graph") || cur_ >= end_)
      break;
    llvm::StringRef key = identifier();
    if (key.empty())
      return failHere("expected a header field or 'graph'" + describeHere());
    if (!seen.insert(key).second)
      return fail(at, "header field '" + key + "' is given twice");
    if (llvm::Error e = expect('=', "after '" + key + "'"))
      return e;
    skipSpace();
    const char *valAt = cur_;
    if (key == "stage") {
      llvm::StringRef s = identifier();
      std::optional<IRStage> st = parseStage(s);
      if (!st)
        return fail(
            valAt,
            "unknown stage '" + s +
                "' (expected imported, optimized, quantized or lowered)");
      m.stage = *st;
      continue;
    }
    auto val = stringLiteral("for '" + key + "'");
    if (!val)
      return val.takeError();
    if (key == "target") {
      m.target = std::move(*val);
    } else if (key == "source") {
      m.sourceFile = std::move(*val);
    } else if (key == "weights" && opts_.weights) {
      weights_ = opts_.weights;
    } else if (key == "weights") {
      llvm::SmallString<256> path(*val);
      if (llvm::sys::path::is_relative(path) && !weightsDir_.empty()) {
        path = weightsDir_;
        llvm::sys::path::append(path, *val);
      }
      auto wf = WeightsFile::open(path);
      if (!wf)
        return fail(valAt, llvm::toString(wf.takeError()));
      weights_ = std::shared_ptr<WeightsFile>(std::move(*wf));
      weights_->ref = *val;
    } else {
      return fail(at, "unknown header field '" + key +
                          "' (expected stage, target, source or weights)");
    }
  }
  return llvm::Error::success();
}

llvm::Error Parser::verify(Graph &g) {
  // Arity, attributes and def-before-use were checked while parsing with
  // positions; verifyGraph is the backstop for anything structural.
  if (llvm::Error e = verifyGraph(g, /*checkTypes=*/false))
    return makeError(
        sm_.getMemoryBuffer(sm_.getMainFileID())->getBufferIdentifier() + ": " +
        llvm::toString(std::move(e)));
  for (auto &n : g.nodes()) {
    if (llvm::Error e = checkNodeTypes(*n)) {
      const char *at = nodeLocs_.lookup(n.get());
      return fail(at ? at : cur_, llvm::toString(std::move(e)));
    }
    for (auto &r : n->regions())
      if (llvm::Error e = verify(*r))
        return e;
  }
  return llvm::Error::success();
}

llvm::Expected<ParsedModule> Parser::parse() {
  auto m = std::make_unique<Module>();
  if (llvm::Error e = header(*m))
    return e;
  if (llvm::Error e = graph(m->graph))
    return e;
  if (peek() != '\0')
    return failHere("expected end of file after the module's graph" +
                    describeHere());
  if (opts_.verify)
    if (llvm::Error e = verify(m->graph))
      return e;
  return ParsedModule{std::move(m), weights_};
}

} // namespace textir

using textir::Parser;

llvm::Expected<ParsedModule> parseModuleText(llvm::StringRef text,
                                             llvm::StringRef bufferName,
                                             const ParseOptions &opts) {
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, bufferName),
                        llvm::SMLoc());
  Parser p(sm, opts, opts.weightsDir);
  return p.parse();
}

llvm::Expected<ParsedModule> parseModuleFile(llvm::StringRef path,
                                             const ParseOptions &opts) {
  auto mb = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!mb)
    return makeError(path + ": cannot read: " + mb.getError().message());
  std::string dir = opts.weightsDir;
  if (dir.empty() && path != "-")
    dir = llvm::sys::path::parent_path(path).str();
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(std::move(*mb), llvm::SMLoc());
  Parser p(sm, opts, dir);
  return p.parse();
}

} // namespace onntc
