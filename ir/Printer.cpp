//===- Printer.cpp - the textual IR printer -------------------------------===//
#include "ir/Printer.h"

#include "ir/Weights.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace onntc {

//===----------------------------------------------------------------------===//
// Small pieces
//===----------------------------------------------------------------------===//

static bool isBareChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$' || c == '/' ||
         c == '-';
}

std::string quoteString(llvm::StringRef s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      out += '\\';
      out += llvm::hexdigit(c >> 4, true);
      out += llvm::hexdigit(c & 15, true);
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string printSymbol(llvm::StringRef name) {
  if (!name.empty() && llvm::all_of(name, isBareChar))
    return name.str();
  return quoteString(name);
}

std::string printValueName(llvm::StringRef name) {
  return "%" + printSymbol(name);
}

std::string formatFloat(float f) {
  if (std::isnan(f))
    return "nan";
  if (std::isinf(f))
    return f > 0 ? "inf" : "-inf";
  char buf[48];
  int prec = 1;
  for (; prec <= 9; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, double(f));
    float back = std::strtof(buf, nullptr);
    if (std::memcmp(&back, &f, sizeof f) == 0)
      break;
  }
  // Whole numbers below 1e16 read better without an exponent (10.0, not
  // 1e+01); more digits still read back exactly.
  if (f != 0) {
    int e = int(std::floor(std::log10(std::fabs(double(f)))));
    if (e >= 0 && e < 16 && prec <= e)
      std::snprintf(buf, sizeof buf, "%.*g", e + 1, double(f));
  }
  std::string s = buf;
  if (s.find_first_of(".eE") == std::string::npos)
    s += ".0";
  return s;
}

std::string printType(const TensorType &t) {
  std::string out = "tensor<";
  for (int64_t d : t.shape.dims()) {
    out += d < 0 ? std::string("?") : std::to_string(d);
    out += 'x';
  }
  out += dtypeName(t.dtype).str();
  if (t.quant) {
    out += ", quant<scale=[";
    for (size_t i = 0; i < t.quant->scale.size(); ++i)
      out += (i ? ", " : "") + formatFloat(t.quant->scale[i]);
    out += "], zp=[";
    for (size_t i = 0; i < t.quant->zeroPoint.size(); ++i)
      out += (i ? ", " : "") + std::to_string(t.quant->zeroPoint[i]);
    out += "], axis=" + std::to_string(t.quant->axis) + ">";
  }
  return out + ">";
}

static std::string printLoc(const SourceLoc &l) {
  if (l.file.empty() && l.node.empty() && l.opType.empty() && l.opset == 0)
    return "";
  return " loc(" + quoteString(l.file) + ":" + quoteString(l.node) + ":" +
         quoteString(l.opType) + ":" + std::to_string(l.opset) + ")";
}

static std::string denseDecimal(const Tensor &t) {
  std::string out = "dense<[";
  int64_t n = t.numElements();
  for (int64_t i = 0; i < n; ++i) {
    if (i)
      out += ", ";
    if (isFloat(t.dtype()))
      out += formatFloat(float(t.getDouble(i)));
    else
      out += std::to_string(t.getInt(i));
  }
  return out + "]>";
}

static std::string denseHex(const Tensor &t) {
  std::string out = "dense<\"0x";
  out += llvm::toHex(
      llvm::StringRef(reinterpret_cast<const char *>(t.raw()), t.byteSize()));
  return out + "\">";
}

//===----------------------------------------------------------------------===//
// The module printer
//===----------------------------------------------------------------------===//

namespace {

class Printer {
public:
  Printer(const PrintOptions &o) : opts_(o) {}

  void graph(const Graph &g, std::string &out, unsigned indent);
  /// Did any tensor get printed as a sidecar reference, and to which file?
  std::string weightsRef;

  /// The literal of a tensor (without the `: type` suffix).
  std::string tensorLiteral(const Tensor &t, llvm::StringRef preferredKey) {
    if (t.numElements() <= opts_.inlineLimit)
      return denseDecimal(t);
    if (opts_.sink) {
      weightsRef = opts_.sinkRef;
      return "@" + printSymbol(opts_.sink->add(preferredKey, t));
    }
    if (opts_.existing)
      if (std::optional<llvm::StringRef> key = opts_.existing->keyOf(t)) {
        weightsRef = opts_.existing->ref;
        return "@" + printSymbol(*key);
      }
    if (opts_.elideAbove >= 0 && t.numElements() > opts_.elideAbove)
      return "dense<elided>";
    return denseHex(t);
  }

  std::string node(const Node &n, unsigned indent, bool withRegions = true);

private:
  const PrintOptions &opts_;
};

} // namespace

static bool equalsDefault(const OpInfo &info, llvm::StringRef name,
                          const AttrValue &v) {
  const AttrSpec *spec = info.findAttr(name);
  if (!spec || !spec->hasDefault || attrKindOf(v) != spec->kind)
    return false;
  switch (attrKindOf(v)) {
  case AttrKind::Float: {
    // Compare bit patterns so that -0.0 and nan survive a round trip.
    float a = std::get<float>(v), b = std::get<float>(spec->defaultValue);
    return std::memcmp(&a, &b, sizeof a) == 0;
  }
  case AttrKind::Floats: {
    const auto &a = std::get<std::vector<float>>(v);
    const auto &b = std::get<std::vector<float>>(spec->defaultValue);
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
  }
  case AttrKind::Tensor:
    return false;
  case AttrKind::Int:
    return std::get<int64_t>(v) == std::get<int64_t>(spec->defaultValue);
  case AttrKind::String:
    return std::get<std::string>(v) ==
           std::get<std::string>(spec->defaultValue);
  case AttrKind::Ints:
    return std::get<std::vector<int64_t>>(v) ==
           std::get<std::vector<int64_t>>(spec->defaultValue);
  case AttrKind::Strings:
    return std::get<std::vector<std::string>>(v) ==
           std::get<std::vector<std::string>>(spec->defaultValue);
  case AttrKind::Type:
    return std::get<DType>(v) == std::get<DType>(spec->defaultValue);
  }
  return false;
}

static std::string attrLiteral(const AttrValue &v) {
  switch (attrKindOf(v)) {
  case AttrKind::Int:
    return std::to_string(std::get<int64_t>(v));
  case AttrKind::Float:
    return formatFloat(std::get<float>(v));
  case AttrKind::String:
    return quoteString(std::get<std::string>(v));
  case AttrKind::Ints: {
    std::string s = "[";
    const auto &xs = std::get<std::vector<int64_t>>(v);
    for (size_t i = 0; i < xs.size(); ++i)
      s += (i ? ", " : "") + std::to_string(xs[i]);
    return s + "]";
  }
  case AttrKind::Floats: {
    std::string s = "[";
    const auto &xs = std::get<std::vector<float>>(v);
    for (size_t i = 0; i < xs.size(); ++i)
      s += (i ? ", " : "") + formatFloat(xs[i]);
    return s + "]";
  }
  case AttrKind::Strings: {
    std::string s = "[";
    const auto &xs = std::get<std::vector<std::string>>(v);
    for (size_t i = 0; i < xs.size(); ++i)
      s += (i ? ", " : "") + quoteString(xs[i]);
    return s + "]";
  }
  case AttrKind::Type:
    return dtypeName(std::get<DType>(v)).str();
  case AttrKind::Tensor:
    break; // printed by the caller
  }
  return "";
}

std::string Printer::node(const Node &n, unsigned indent, bool withRegions) {
  std::string out(indent, ' ');
  for (unsigned i = 0; i < n.numOutputs(); ++i)
    out += (i ? ", " : "") + printValueName(n.output(i)->name());
  if (n.numOutputs())
    out += " = ";
  out += n.info().mnemonic.str();

  if (n.kind() == OpKind::Constant) {
    // `constant <literal> : <type>`: the value's type is the output type
    // (less any quantization), so it is written once.
    std::string key = n.name().empty() ? n.output()->name() : n.name();
    if (const AttrValue *v = n.attrs().find("value");
        v && attrKindOf(*v) == AttrKind::Tensor)
      out += " " + tensorLiteral(std::get<Tensor>(*v), key);
  } else {
    out += "(";
    for (unsigned i = 0; i < n.numInputs(); ++i) {
      Value *v = n.input(i);
      out += (i ? ", " : "") +
             (v ? printValueName(v->name()) : std::string("none"));
    }
    out += ")";
  }

  std::vector<const std::pair<std::string, AttrValue> *> attrs;
  for (const auto &e : n.attrs().entries()) {
    if (n.kind() == OpKind::Constant && e.first == "value" &&
        attrKindOf(e.second) == AttrKind::Tensor)
      continue;
    if (!equalsDefault(n.info(), e.first, e.second))
      attrs.push_back(&e);
  }
  std::sort(attrs.begin(), attrs.end(),
            [](auto *a, auto *b) { return a->first < b->first; });
  if (!attrs.empty()) {
    out += " {";
    for (size_t i = 0; i < attrs.size(); ++i) {
      const auto &[name, v] = *attrs[i];
      out += (i ? ", " : "") + printSymbol(name) + " = ";
      if (attrKindOf(v) == AttrKind::Tensor) {
        const Tensor &t = std::get<Tensor>(v);
        std::string key =
            (n.numOutputs() ? n.output()->name() : n.name()) + "." + name;
        out += tensorLiteral(t, key) + " : " + printType(t.type());
      } else {
        out += attrLiteral(v);
      }
    }
    out += "}";
  }

  if (n.numOutputs()) {
    out += " : ";
    for (unsigned i = 0; i < n.numOutputs(); ++i)
      out += (i ? ", " : "") + printType(n.output(i)->type());
  }
  switch (n.placement()) {
  case Placement::Unassigned:
    break;
  case Placement::Tpu:
    out += " on tpu";
    break;
  case Placement::Cpu:
    out += " on cpu";
    break;
  }
  out += printLoc(n.loc());
  if (withRegions && !n.regions().empty()) {
    out += " {\n";
    for (const auto &r : n.regions())
      graph(*r, out, indent + 2);
    out += std::string(indent, ' ') + "}";
  }
  return out;
}

void Printer::graph(const Graph &g, std::string &out, unsigned indent) {
  out += std::string(indent, ' ') + "graph (";
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const Value *v = g.inputs()[i];
    out += (i ? ", " : "") + printValueName(v->name()) + ": " +
           printType(v->type());
  }
  out += ") -> (";
  for (size_t i = 0; i < g.outputs().size(); ++i)
    out += (i ? ", " : "") + printValueName(g.outputs()[i]->name());
  out += ") {\n";
  for (const auto &n : g.nodes())
    out += node(*n, indent + 2) + "\n";
  out += std::string(indent, ' ') + "}\n";
}

void printModule(const Module &m, llvm::raw_ostream &os,
                 const PrintOptions &opts) {
  Printer p(opts);
  std::string body;
  p.graph(m.graph, body, 0);
  os << "module @" << printSymbol(m.name.empty() ? "main" : m.name)
     << " stage=" << stageName(m.stage) << " target=" << quoteString(m.target)
     << " source=" << quoteString(m.sourceFile);
  if (!p.weightsRef.empty())
    os << " weights=" << quoteString(p.weightsRef);
  os << "\n" << body;
}

std::string printModuleToString(const Module &m, const PrintOptions &opts) {
  std::string s;
  llvm::raw_string_ostream os(s);
  printModule(m, os, opts);
  os.flush();
  return s;
}

std::string printNodeLine(const Node &n) {
  PrintOptions o;
  o.elideAbove = 16;
  Printer p(o);
  return p.node(n, 0, /*withRegions=*/false);
}

llvm::Error writeModuleFiles(const Module &m, llvm::StringRef tirPath,
                             int64_t inlineLimit) {
  llvm::SmallString<256> weightsPath(tirPath);
  if (llvm::sys::path::extension(weightsPath) == ".tir")
    llvm::sys::path::replace_extension(weightsPath, "");
  weightsPath += ".weights";
  // Check both targets first so that a refused one leaves nothing behind.
  for (llvm::StringRef p : {tirPath, llvm::StringRef(weightsPath)})
    if (llvm::Error e = checkReplaceableTarget(p))
      return e;
  WeightsWriter sink;
  PrintOptions o;
  o.inlineLimit = inlineLimit;
  o.sink = &sink;
  o.sinkRef = llvm::sys::path::filename(weightsPath).str();
  std::string text = printModuleToString(m, o);
  if (!sink.empty())
    if (llvm::Error e = sink.write(weightsPath))
      return e;
  return writeFileAtomically(tirPath, text);
}

} // namespace onntc
