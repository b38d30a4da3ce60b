#include "driver/FrontendOptions.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <cmath>

namespace onntc {

llvm::Expected<const isa::TargetInfo *> parseTarget(llvm::StringRef s) {
  if (const isa::TargetInfo *t = isa::lookupTarget(s.trim()))
    return t;
  std::string known;
  for (const isa::TargetInfo *t : isa::allTargets())
    known += (known.empty() ? "" : " or ") + t->name.str();
  return makeError("unknown --target '" + s + "'; expected " + known);
}

llvm::StringRef emitKindName(EmitKind k) {
  switch (k) {
  case EmitKind::None:
    return "";
  case EmitKind::IR:
    return "ir";
  case EmitKind::QuantizedIR:
    return "quantized-ir";
  case EmitKind::Cmds:
    return "cmds";
  case EmitKind::BModel:
    return "bmodel";
  }
  llvm_unreachable("unknown EmitKind");
}

namespace {

/// A parsed bracket list: either an atom (text between separators) or a
/// list of items.
struct ListItem {
  bool isList = false;
  std::string atom;
  std::vector<ListItem> items;
};

/// Recursive-descent parser for `[a,b,[c,d]]` as used by --shapes/--descs.
class ListParser {
public:
  ListParser(llvm::StringRef text, llvm::StringRef flag)
      : text_(text), flag_(flag) {}

  llvm::Expected<ListItem> parseTop() {
    if (!text_.ltrim().startswith("["))
      return makeError(
          flag_ + " '" + text_ + "': expected a bracketed list like " +
          (flag_ == "--shapes" ? "[1,3,224,224]" : "[0,int64,0,100]"));
    auto item = parseItem();
    if (!item)
      return item.takeError();
    skipSpaces();
    if (pos_ != text_.size())
      return err("unexpected '" + text_.substr(pos_, 1) + "'");
    return item;
  }

private:
  void skipSpaces() {
    while (pos_ < text_.size() && llvm::isSpace(text_[pos_]))
      ++pos_;
  }
  llvm::Error err(const llvm::Twine &msg) {
    return makeError(flag_ + " '" + text_ + "': " + msg + " at offset " +
                     llvm::Twine(pos_));
  }
  llvm::Expected<ListItem> parseItem() {
    skipSpaces();
    ListItem item;
    if (pos_ < text_.size() && text_[pos_] == '[') {
      ++pos_;
      item.isList = true;
      skipSpaces();
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return item;
      }
      while (true) {
        auto sub = parseItem();
        if (!sub)
          return sub.takeError();
        item.items.push_back(std::move(*sub));
        skipSpaces();
        if (pos_ >= text_.size())
          return err("missing ']'");
        if (text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (text_[pos_] == ']') {
          ++pos_;
          return item;
        }
        return err("expected ',' or ']'");
      }
    }
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ']' &&
           text_[pos_] != '[')
      ++pos_;
    llvm::StringRef atom = text_.slice(start, pos_).trim().trim("\"'");
    if (atom.empty())
      return err("empty item");
    item.atom = atom.str();
    return item;
  }

  llvm::StringRef text_;
  llvm::StringRef flag_;
  size_t pos_ = 0;
};

/// True if every item of `l` is an atom.
bool isFlatList(const ListItem &l) {
  if (!l.isList)
    return false;
  for (const ListItem &i : l.items)
    if (i.isList)
      return false;
  return true;
}

/// Turns `[..]` or `[[..],[..]]` into a list of flat lists.
llvm::Expected<std::vector<const ListItem *>>
flatLists(const ListItem &top, llvm::StringRef flag, llvm::StringRef text) {
  std::vector<const ListItem *> out;
  if (!top.isList)
    return makeError(
        flag + " '" + text + "': expected a bracketed list like " +
        (flag == "--shapes" ? "[1,3,224,224]" : "[0,int64,0,100]"));
  if (isFlatList(top) && !top.items.empty()) {
    out.push_back(&top);
    return out;
  }
  for (const ListItem &i : top.items) {
    if (!isFlatList(i))
      return makeError(flag + " '" + text +
                       "': lists nest at most two levels deep");
    out.push_back(&i);
  }
  if (out.empty())
    return makeError(flag + " '" + text + "': the list is empty");
  return out;
}

std::optional<DType> parseDescType(llvm::StringRef s) {
  std::string l = s.lower();
  if (l == "fp32" || l == "float32" || l == "float" || l == "f32")
    return DType::F32;
  if (l == "fp16" || l == "float16" || l == "f16")
    return DType::F16;
  if (l == "int8" || l == "i8")
    return DType::I8;
  if (l == "uint8" || l == "u8")
    return DType::U8;
  if (l == "int16" || l == "i16")
    return DType::I16;
  if (l == "uint16" || l == "u16")
    return DType::U16;
  if (l == "int32" || l == "int" || l == "i32")
    return DType::I32;
  if (l == "int64" || l == "i64")
    return DType::I64;
  if (l == "bool")
    return DType::Bool;
  return std::nullopt;
}

} // namespace

llvm::Expected<std::vector<Shape>> parseShapes(llvm::StringRef text) {
  ListParser p(text, "--shapes");
  auto top = p.parseTop();
  if (!top)
    return top.takeError();
  auto lists = flatLists(*top, "--shapes", text);
  if (!lists)
    return lists.takeError();
  std::vector<Shape> shapes;
  for (const ListItem *l : *lists) {
    Shape s;
    for (const ListItem &d : l->items) {
      int64_t v;
      if (llvm::StringRef(d.atom).getAsInteger(10, v) || v <= 0)
        return makeError("--shapes '" + text + "': dimension '" + d.atom +
                         "' is not a positive integer");
      s.mutableDims().push_back(v);
    }
    shapes.push_back(std::move(s));
  }
  return shapes;
}

llvm::Expected<std::vector<InputDesc>> parseDescs(llvm::StringRef text) {
  ListParser p(text, "--descs");
  auto top = p.parseTop();
  if (!top)
    return top.takeError();
  auto lists = flatLists(*top, "--descs", text);
  if (!lists)
    return lists.takeError();
  std::vector<InputDesc> descs;
  for (const ListItem *l : *lists) {
    if (l->items.size() != 4)
      return makeError("--descs '" + text +
                       "': each description is [index, dtype, low, high]");
    InputDesc d;
    unsigned idx;
    if (llvm::StringRef(l->items[0].atom).getAsInteger(10, idx))
      return makeError("--descs '" + text + "': input index '" +
                       l->items[0].atom + "' is not a non-negative integer");
    d.index = idx;
    auto t = parseDescType(l->items[1].atom);
    if (!t)
      return makeError("--descs '" + text + "': unknown data type '" +
                       l->items[1].atom +
                       "' (use fp32, fp16, int8, uint8, int16, uint16, int32, "
                       "int64 or bool)");
    d.dtype = *t;
    double lo, hi;
    if (llvm::StringRef(l->items[2].atom).getAsDouble(lo) ||
        llvm::StringRef(l->items[3].atom).getAsDouble(hi) ||
        !std::isfinite(lo) || !std::isfinite(hi))
      return makeError("--descs '" + text + "': low/high must be numbers");
    if (!(lo < hi))
      return makeError("--descs '" + text + "': low must be below high");
    d.low = lo;
    d.high = hi;
    for (const InputDesc &o : descs)
      if (o.index == d.index)
        return makeError("--descs '" + text + "': input " + llvm::Twine(idx) +
                         " is described twice");
    descs.push_back(d);
  }
  return descs;
}

std::vector<std::string> parseNameList(llvm::StringRef text) {
  llvm::SmallVector<llvm::StringRef, 8> parts;
  text.split(parts, ',');
  std::vector<std::string> out;
  for (llvm::StringRef p : parts) {
    p = p.trim();
    if (!p.empty())
      out.push_back(p.str());
  }
  return out;
}

llvm::Expected<bool> parseBool(llvm::StringRef text) {
  std::string l = text.trim().lower();
  if (l == "1" || l == "true" || l == "yes" || l == "on")
    return true;
  if (l == "0" || l == "false" || l == "no" || l == "off")
    return false;
  return makeError("'" + text + "' is not a boolean (use true/false or 1/0)");
}

std::string defaultNetName(llvm::StringRef modelPath) {
  llvm::StringRef p = modelPath;
  while (p.size() > 1 && llvm::sys::path::is_separator(p.back()))
    p = p.drop_back();
  std::string name = llvm::sys::path::stem(p).str();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_' && c != '-')
      c = '_';
  return name.empty() ? std::string("network") : name;
}

llvm::Expected<FrontendOptions> makeFrontendOptions(const SdkFlagValues &f) {
  FrontendOptions o;
  o.model = f.model;
  o.weight = f.weight;
  if (!f.shapes.empty()) {
    auto s = parseShapes(f.shapes);
    if (!s)
      return s.takeError();
    o.shapes = std::move(*s);
  }
  o.inputNames = parseNameList(f.inputNames);
  o.outputNames = parseNameList(f.outputNames);
  o.netName = f.netName.empty() ? defaultNetName(f.model) : f.netName;
  for (char c : o.netName)
    if (c == '/' || c == '\\' || c == '\0')
      return makeError("--net_name '" + o.netName +
                       "' must not contain path separators");
  if (f.outdir.empty())
    return makeError("--outdir must not be empty");
  o.outdir = f.outdir;
  auto t = parseTarget(f.target);
  if (!t)
    return t.takeError();
  o.target = *t;
  if (f.opt < 0 || f.opt > 2)
    return makeError("--opt " + llvm::Twine(f.opt) + " is not 0, 1 or 2");
  o.opt = f.opt;
  auto dyn = parseBool(f.dyn);
  if (!dyn)
    return makeError("--dyn: " + llvm::toString(dyn.takeError()));
  o.dyn = *dyn;
  auto cmp = parseBool(f.cmp);
  if (!cmp)
    return makeError("--cmp: " + llvm::toString(cmp.takeError()));
  o.cmp = *cmp;
  auto prof = parseBool(f.enableProfile);
  if (!prof)
    return makeError("--enable_profile: " + llvm::toString(prof.takeError()));
  o.enableProfile = *prof;
  if (llvm::StringRef(f.mode).equals_insensitive("compile"))
    o.mode = CompileMode::Compile;
  else if (llvm::StringRef(f.mode).equals_insensitive("GenUmodel"))
    o.mode = CompileMode::GenUmodel;
  else
    return makeError("--mode=" + f.mode + " is not known (use compile or "
                     "GenUmodel)");
  if (!f.descs.empty()) {
    auto d = parseDescs(f.descs);
    if (!d)
      return d.takeError();
    o.descs = std::move(*d);
  }
  if (f.logLevel < 0 || f.logLevel > 4)
    return makeError("--v " + llvm::Twine(f.logLevel) + " is not in 0..4");
  o.logLevel = f.logLevel;
  o.testInput = f.testInput;
  o.emit = EmitKind::None;
  if (!f.emit.empty()) {
    bool known = false;
    for (EmitKind k : {EmitKind::IR, EmitKind::QuantizedIR, EmitKind::Cmds,
                       EmitKind::BModel})
      if (f.emit == emitKindName(k)) {
        o.emit = k;
        known = true;
      }
    if (!known)
      return makeError("--emit=" + f.emit +
                       " is not a stop point (use ir, quantized-ir, cmds or "
                       "bmodel)");
  }
  o.seed = f.seed;
  return o;
}

std::string formatShapes(llvm::ArrayRef<Shape> shapes) {
  std::string s = "[";
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (i)
      s += ",";
    s += "[";
    for (size_t d = 0; d < shapes[i].rank(); ++d) {
      if (d)
        s += ",";
      s += std::to_string(shapes[i][d]);
    }
    s += "]";
  }
  return s + "]";
}

} // namespace onntc
