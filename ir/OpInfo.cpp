#include "ir/OpInfo.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace onntc {

namespace {

struct RawAttr {
  OpKind op;
  const char *name;
  AttrKind kind;
  const char *def;
};

const RawAttr kRawAttrs[] = {
#define ATTR(Op, Name, Kind, Default)                                          \
  {OpKind::Op, #Name, AttrKind::Kind, Default},
#include "ir/Ops.def"
};

std::vector<OpInfo> buildTable() {
  std::vector<OpInfo> t = {
#define OP(Id, Mn, MinIn, MaxIn, MinOut, MaxOut, Traits)                       \
  OpInfo{OpKind::Id, #Id, Mn, MinIn, MaxIn, MinOut, MaxOut, Traits, {}},
#include "ir/Ops.def"
  };
  for (const RawAttr &r : kRawAttrs) {
    AttrSpec s;
    s.name = r.name;
    s.kind = r.kind;
    s.defaultText = r.def;
    s.required = s.defaultText == "!";
    if (!s.required && !s.defaultText.empty()) {
      auto v = parseAttrLiteral(r.kind, s.defaultText);
      if (!v) {
        llvm::errs() << "internal: bad default for " << r.name << ": "
                     << llvm::toString(v.takeError()) << "\n";
        std::abort();
      }
      s.defaultValue = std::move(*v);
      s.hasDefault = true;
    }
    t[size_t(r.op)].attrs.push_back(std::move(s));
  }
  return t;
}

const std::vector<OpInfo> &table() {
  static const std::vector<OpInfo> t = buildTable();
  return t;
}

HookTable buildHooks() {
  HookTable h(kNumOps);
  registerNnOps(h);
  registerReductionOps(h);
  registerMiscOps(h);
  registerActivationOps(h);
  registerElementwiseOps(h);
  registerTensorOps(h);
  registerQuantOps(h);
  return h;
}

llvm::Error litError(llvm::StringRef text, const char *what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "expected %s, got '%s'", what,
                                 text.str().c_str());
}

/// Splits `[a, b, c]` into trimmed elements; false if not bracketed.
bool splitList(llvm::StringRef text, llvm::SmallVectorImpl<llvm::StringRef> &out) {
  text = text.trim();
  if (!text.consume_front("[") || !text.consume_back("]"))
    return false;
  text = text.trim();
  if (text.empty())
    return true;
  // Strings may contain commas; split respecting quotes.
  size_t start = 0;
  bool inStr = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && inStr) {
      ++i;
      continue;
    }
    if (c == '"')
      inStr = !inStr;
    else if (c == ',' && !inStr) {
      out.push_back(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push_back(text.substr(start).trim());
  return true;
}

bool parseFloatText(llvm::StringRef s, float &out) {
  s = s.trim();
  if (s == "inf") {
    out = std::numeric_limits<float>::infinity();
    return true;
  }
  if (s == "-inf") {
    out = -std::numeric_limits<float>::infinity();
    return true;
  }
  if (s == "nan") {
    out = std::numeric_limits<float>::quiet_NaN();
    return true;
  }
  double d;
  if (s.getAsDouble(d))
    return false;
  out = float(d);
  return true;
}

bool parseStringText(llvm::StringRef s, std::string &out) {
  s = s.trim();
  if (s.size() < 2 || s.front() != '"' || s.back() != '"')
    return false;
  s = s.drop_front().drop_back();
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      if (n == 'n')
        out += '\n';
      else if (n == 't')
        out += '\t';
      else if (llvm::isHexDigit(n) && i + 1 < s.size() &&
               llvm::isHexDigit(s[i + 1])) {
        out += char(llvm::hexFromNibbles(n, s[i + 1]));
        ++i;
      } else
        out += n;
    } else
      out += s[i];
  }
  return true;
}

} // namespace

const AttrSpec *OpInfo::findAttr(llvm::StringRef n) const {
  for (const AttrSpec &a : attrs)
    if (a.name == n)
      return &a;
  return nullptr;
}

const OpInfo &opInfo(OpKind k) { return table()[size_t(k)]; }

llvm::ArrayRef<OpInfo> allOps() { return table(); }

std::optional<OpKind> lookupOpByMnemonic(llvm::StringRef mnemonic) {
  for (const OpInfo &i : table())
    if (i.mnemonic == mnemonic)
      return i.kind;
  return std::nullopt;
}

std::optional<OpKind> lookupOpByName(llvm::StringRef name) {
  for (const OpInfo &i : table())
    if (i.name == name)
      return i.kind;
  return std::nullopt;
}

const OpHooks &opHooks(OpKind k) {
  static const HookTable hooks = buildHooks();
  return hooks[size_t(k)];
}

llvm::Expected<AttrValue> parseAttrLiteral(AttrKind k, llvm::StringRef text) {
  text = text.trim();
  switch (k) {
  case AttrKind::Int: {
    int64_t v;
    if (text.getAsInteger(10, v))
      return litError(text, "an integer");
    return AttrValue(v);
  }
  case AttrKind::Float: {
    float f;
    if (!parseFloatText(text, f))
      return litError(text, "a float");
    return AttrValue(f);
  }
  case AttrKind::String: {
    std::string s;
    if (!parseStringText(text, s))
      return litError(text, "a quoted string");
    return AttrValue(std::move(s));
  }
  case AttrKind::Ints: {
    llvm::SmallVector<llvm::StringRef, 8> parts;
    if (!splitList(text, parts))
      return litError(text, "a list of integers");
    std::vector<int64_t> v;
    for (llvm::StringRef p : parts) {
      int64_t x;
      if (p.getAsInteger(10, x))
        return litError(p, "an integer");
      v.push_back(x);
    }
    return AttrValue(std::move(v));
  }
  case AttrKind::Floats: {
    llvm::SmallVector<llvm::StringRef, 8> parts;
    if (!splitList(text, parts))
      return litError(text, "a list of floats");
    std::vector<float> v;
    for (llvm::StringRef p : parts) {
      float x;
      if (!parseFloatText(p, x))
        return litError(p, "a float");
      v.push_back(x);
    }
    return AttrValue(std::move(v));
  }
  case AttrKind::Strings: {
    llvm::SmallVector<llvm::StringRef, 8> parts;
    if (!splitList(text, parts))
      return litError(text, "a list of strings");
    std::vector<std::string> v;
    for (llvm::StringRef p : parts) {
      std::string s;
      if (!parseStringText(p, s))
        return litError(p, "a quoted string");
      v.push_back(std::move(s));
    }
    return AttrValue(std::move(v));
  }
  case AttrKind::Type: {
    auto t = parseDType(text);
    if (!t)
      return litError(text, "an element type");
    return AttrValue(*t);
  }
  case AttrKind::Tensor:
    return litError(text, "a non-tensor attribute kind");
  }
  return litError(text, "a known attribute kind");
}

} // namespace onntc
