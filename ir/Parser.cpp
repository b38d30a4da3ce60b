//===- Parser.cpp - the textual IR parser ---------------------------------===//
//
// A recursive-descent parser working directly on the characters of the
// buffer (the grammar is small and types such as `tensor<1x?x4xf32>` do not
// split into ordinary tokens). Every error goes through fail(), which turns
// a position into "file:line:col: error: ..." with the source line and a
// caret.
//
//===----------------------------------------------------------------------===//
#include "ir/Parser.h"

#include "ir/Diagnostics.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "ir/Weights.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace onntc {

namespace {

/// A tensor literal read before its type is known.
struct TensorLit {
  enum Kind { Decimal, Hex, Ref, Elided } kind = Decimal;
  const char *loc = nullptr;
  std::vector<std::pair<llvm::StringRef, const char *>> elems; ///< Decimal
  std::string bytes;                                           ///< Hex
  std::string key;                                             ///< Ref
};

class Parser {
public:
  Parser(llvm::SourceMgr &sm, const ParseOptions &opts, std::string weightsDir)
      : sm_(sm), opts_(opts), weightsDir_(std::move(weightsDir)) {
    const llvm::MemoryBuffer *mb = sm.getMemoryBuffer(sm.getMainFileID());
    cur_ = mb->getBufferStart();
    end_ = mb->getBufferEnd();
  }

  llvm::Expected<ParsedModule> parse();

private:
  //===--- errors ---------------------------------------------------------===//
  llvm::Error fail(const char *at, const llvm::Twine &msg) {
    std::string s;
    llvm::raw_string_ostream os(s);
    sm_.PrintMessage(os, llvm::SMLoc::getFromPointer(at), llvm::SourceMgr::DK_Error,
                     msg);
    os.flush();
    while (!s.empty() && s.back() == '\n')
      s.pop_back();
    return makeError(s);
  }
  llvm::Error failHere(const llvm::Twine &msg) { return fail(cur_, msg); }

  //===--- characters -----------------------------------------------------===//
  void skipSpace() {
    while (cur_ < end_) {
      if (*cur_ == ' ' || *cur_ == '\t' || *cur_ == '\n' || *cur_ == '\r') {
        ++cur_;
      } else if (*cur_ == '/' && cur_ + 1 < end_ && cur_[1] == '/') {
        while (cur_ < end_ && *cur_ != '\n')
          ++cur_;
      } else {
        break;
      }
    }
  }
  char peek() {
    skipSpace();
    return cur_ < end_ ? *cur_ : '\0';
  }
  bool consumeIf(char c) {
    if (peek() != c)
      return false;
    ++cur_;
    return true;
  }
  bool consumeIf(llvm::StringRef s) {
    skipSpace();
    if (llvm::StringRef(cur_, end_ - cur_).startswith(s)) {
      cur_ += s.size();
      return true;
    }
    return false;
  }
  llvm::Error expect(char c, const llvm::Twine &context) {
    if (consumeIf(c))
      return llvm::Error::success();
    return failHere("expected '" + llvm::Twine(c) + "' " + context + describeHere());
  }
  llvm::Error expect(llvm::StringRef s, const llvm::Twine &context) {
    if (consumeIf(s))
      return llvm::Error::success();
    return failHere("expected '" + s + "' " + context + describeHere());
  }
  std::string describeHere() {
    skipSpace();
    if (cur_ >= end_)
      return ", found end of file";
    const char *p = cur_;
    while (p < end_ && p - cur_ < 16 && *p != '\n' && *p != ' ')
      ++p;
    return ", found '" + std::string(cur_, p) + "'";
  }
  /// [A-Za-z_][A-Za-z0-9_]*; empty if none here.
  llvm::StringRef identifier() {
    skipSpace();
    const char *s = cur_;
    if (cur_ < end_ && (llvm::isAlpha(*cur_) || *cur_ == '_')) {
      while (cur_ < end_ && (llvm::isAlnum(*cur_) || *cur_ == '_'))
        ++cur_;
    }
    return llvm::StringRef(s, cur_ - s);
  }
  bool peekKeyword(llvm::StringRef kw) {
    skipSpace();
    llvm::StringRef rest(cur_, end_ - cur_);
    return rest.startswith(kw) &&
           (rest.size() == kw.size() ||
            !(llvm::isAlnum(rest[kw.size()]) || rest[kw.size()] == '_'));
  }

  llvm::Expected<std::string> stringLiteral(const llvm::Twine &context);
  /// A bare or quoted name after `%` / `@`.
  llvm::Expected<std::string> symbol(const llvm::Twine &context);
  /// A numeric token: [-+]?[0-9.eE+-]* or inf/nan; empty if none.
  llvm::StringRef numberToken();
  llvm::Expected<int64_t> integer(const llvm::Twine &context);
  llvm::Expected<float> floating(const llvm::Twine &context);

  //===--- grammar --------------------------------------------------------===//
  llvm::Expected<TensorType> type();
  llvm::Expected<TensorLit> tensorLiteral();
  llvm::Expected<Tensor> materialize(const TensorLit &lit, const TensorType &t);
  llvm::Error attribute(const OpInfo &info, llvm::StringSet<> &seen,
                        Attributes &out);
  llvm::Expected<SourceLoc> location();
  llvm::Error graph(Graph &g);
  llvm::Error node(Graph &g);
  llvm::Error header(Module &m);
  llvm::Error verify(Graph &g);

  llvm::SourceMgr &sm_;
  const ParseOptions &opts_;
  std::string weightsDir_;
  const char *cur_;
  const char *end_;
  std::shared_ptr<WeightsFile> weights_;
  llvm::DenseMap<const Node *, const char *> nodeLocs_;
  unsigned depth_ = 0;
  static constexpr unsigned kMaxRegionDepth = 64;
};

llvm::Expected<std::string> Parser::stringLiteral(const llvm::Twine &context) {
  if (peek() != '"')
    return failHere("expected a string literal " + context + describeHere());
  const char *start = cur_++;
  std::string out;
  while (true) {
    if (cur_ >= end_ || *cur_ == '\n')
      return fail(start, "unterminated string literal");
    char c = *cur_++;
    if (c == '"')
      break;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (cur_ >= end_)
      return fail(start, "unterminated string literal");
    char e = *cur_++;
    if (e == 'n')
      out += '\n';
    else if (e == 't')
      out += '\t';
    else if (e == '"' || e == '\\')
      out += e;
    else if (llvm::isHexDigit(e) && cur_ < end_ && llvm::isHexDigit(*cur_))
      out += char(llvm::hexFromNibbles(e, *cur_++));
    else
      return fail(cur_ - 2, "unknown escape '\\" + llvm::Twine(e) + "' in string");
  }
  return out;
}

llvm::Expected<std::string> Parser::symbol(const llvm::Twine &context) {
  if (peek() == '"')
    return stringLiteral(context);
  const char *s = cur_;
  while (cur_ < end_ && (llvm::isAlnum(*cur_) || *cur_ == '_' || *cur_ == '.' ||
                         *cur_ == '$' || *cur_ == '/' || *cur_ == '-'))
    ++cur_;
  if (s == cur_)
    return failHere("expected a name " + context + describeHere());
  return std::string(s, cur_);
}

llvm::StringRef Parser::numberToken() {
  skipSpace();
  const char *s = cur_;
  if (cur_ < end_ && (*cur_ == '-' || *cur_ == '+'))
    ++cur_;
  llvm::StringRef rest(cur_, end_ - cur_);
  if (rest.startswith("inf") || rest.startswith("nan")) {
    cur_ += 3;
    return llvm::StringRef(s, cur_ - s);
  }
  while (cur_ < end_ && (llvm::isDigit(*cur_) || *cur_ == '.' || *cur_ == 'e' ||
                         *cur_ == 'E' ||
                         ((*cur_ == '-' || *cur_ == '+') &&
                          (cur_[-1] == 'e' || cur_[-1] == 'E'))))
    ++cur_;
  return llvm::StringRef(s, cur_ - s);
}

llvm::Expected<int64_t> Parser::integer(const llvm::Twine &context) {
  skipSpace();
  const char *at = cur_;
  llvm::StringRef tok = numberToken();
  int64_t v;
  if (tok.empty() || tok.getAsInteger(10, v)) {
    cur_ = at;
    return fail(at, "expected an integer " + context + describeHere());
  }
  return v;
}

static bool parseFloatToken(llvm::StringRef tok, float &out) {
  if (tok == "inf" || tok == "+inf") {
    out = std::numeric_limits<float>::infinity();
    return true;
  }
  if (tok == "-inf") {
    out = -std::numeric_limits<float>::infinity();
    return true;
  }
  if (tok == "nan") {
    out = std::numeric_limits<float>::quiet_NaN();
    return true;
  }
  if (tok.empty())
    return false;
  std::string s = tok.str();
  char *endp = nullptr;
  out = std::strtof(s.c_str(), &endp);
  return endp == s.c_str() + s.size();
}

llvm::Expected<float> Parser::floating(const llvm::Twine &context) {
  skipSpace();
  const char *at = cur_;
  float f;
  if (!parseFloatToken(numberToken(), f)) {
    cur_ = at;
    return fail(at, "expected a number " + context + describeHere());
  }
  return f;
}

//===----------------------------------------------------------------------===//
// Types and literals
//===----------------------------------------------------------------------===//

llvm::Expected<TensorType> Parser::type() {
  skipSpace();
  const char *start = cur_;
  if (!peekKeyword("tensor"))
    return failHere("expected a type such as 'tensor<1x3xf32>'" + describeHere());
  cur_ += 6;
  if (cur_ >= end_ || *cur_ != '<')
    return failHere("expected '<' after 'tensor'");
  ++cur_;
  TensorType t;
  while (cur_ < end_ && (llvm::isDigit(*cur_) || *cur_ == '?')) {
    if (*cur_ == '?') {
      ++cur_;
      t.shape.mutableDims().push_back(kDynamicDim);
    } else {
      const char *d = cur_;
      while (cur_ < end_ && llvm::isDigit(*cur_))
        ++cur_;
      int64_t v;
      if (llvm::StringRef(d, cur_ - d).getAsInteger(10, v))
        return fail(d, "dimension is too large");
      t.shape.mutableDims().push_back(v);
    }
    if (cur_ >= end_ || *cur_ != 'x')
      return failHere("expected 'x' after a dimension in the type");
    ++cur_;
  }
  const char *dtStart = cur_;
  while (cur_ < end_ && llvm::isAlnum(*cur_))
    ++cur_;
  llvm::StringRef dt(dtStart, cur_ - dtStart);
  std::optional<DType> d = parseDType(dt);
  if (!d)
    return fail(dtStart, "unknown element type '" + dt +
                             "' (expected f32 f16 bf16 i8 u8 i16 u16 i32 i64 bool)");
  t.dtype = *d;
  if (consumeIf(',')) {
    if (!peekKeyword("quant"))
      return failHere("expected 'quant<...>' after ',' in the type");
    cur_ += 5;
    QuantParams q;
    if (llvm::Error e = expect('<', "after 'quant'"))
      return e;
    if (llvm::Error e = expect("scale", "in quant<...>"))
      return e;
    if (llvm::Error e = expect('=', "after 'scale'"))
      return e;
    if (llvm::Error e = expect('[', "to open the scale list"))
      return e;
    if (!consumeIf(']')) {
      do {
        auto f = floating("in the scale list");
        if (!f)
          return f.takeError();
        q.scale.push_back(*f);
      } while (consumeIf(','));
      if (llvm::Error e = expect(']', "to close the scale list"))
        return e;
    }
    if (llvm::Error e = expect(',', "after the scale list"))
      return e;
    if (llvm::Error e = expect("zp", "in quant<...>"))
      return e;
    if (llvm::Error e = expect('=', "after 'zp'"))
      return e;
    if (llvm::Error e = expect('[', "to open the zero-point list"))
      return e;
    if (!consumeIf(']')) {
      do {
        auto z = integer("in the zero-point list");
        if (!z)
          return z.takeError();
        q.zeroPoint.push_back(int32_t(*z));
      } while (consumeIf(','));
      if (llvm::Error e = expect(']', "to close the zero-point list"))
        return e;
    }
    if (llvm::Error e = expect(',', "after the zero-point list"))
      return e;
    if (llvm::Error e = expect("axis", "in quant<...>"))
      return e;
    if (llvm::Error e = expect('=', "after 'axis'"))
      return e;
    auto ax = integer("for the quantization axis");
    if (!ax)
      return ax.takeError();
    q.axis = int(*ax);
    if (llvm::Error e = expect('>', "to close quant<...>"))
      return e;
    if (q.scale.empty() || q.scale.size() != q.zeroPoint.size())
      return fail(start, "quant<...> needs as many zero points as scales (at least one)");
    if (q.scale.size() > 1 &&
        (q.axis < 0 || size_t(q.axis) >= t.shape.rank() ||
         (t.shape[q.axis] >= 0 && size_t(t.shape[q.axis]) != q.scale.size())))
      return fail(start, "per-channel quant<...> has " + llvm::Twine(q.scale.size()) +
                             " scales but axis " + llvm::Twine(q.axis) +
                             " of the type does not have that many channels");
    t.quant = std::move(q);
  }
  if (llvm::Error e = expect('>', "to close the type"))
    return e;
  return t;
}

llvm::Expected<TensorLit> Parser::tensorLiteral() {
  TensorLit lit;
  skipSpace();
  lit.loc = cur_;
  if (consumeIf('@')) {
    lit.kind = TensorLit::Ref;
    auto k = symbol("after '@'");
    if (!k)
      return k.takeError();
    lit.key = std::move(*k);
    return lit;
  }
  if (!peekKeyword("dense"))
    return failHere("expected a tensor literal (dense<...> or @\"key\")" + describeHere());
  cur_ += 5;
  if (llvm::Error e = expect('<', "after 'dense'"))
    return e;
  if (peekKeyword("elided")) {
    cur_ += 6;
    lit.kind = TensorLit::Elided;
  } else if (peek() == '"') {
    lit.kind = TensorLit::Hex;
    const char *at = cur_;
    auto s = stringLiteral("with hex data");
    if (!s)
      return s.takeError();
    llvm::StringRef hex(*s);
    if (!hex.consume_front("0x") || hex.size() % 2 ||
        !llvm::all_of(hex, llvm::isHexDigit))
      return fail(at, "hex tensor data must be \"0x\" followed by pairs of hex digits");
    lit.bytes = llvm::fromHex(hex);
  } else {
    lit.kind = TensorLit::Decimal;
    if (llvm::Error e = expect('[', "to open the element list"))
      return e;
    if (!consumeIf(']')) {
      do {
        skipSpace();
        const char *at = cur_;
        llvm::StringRef tok = numberToken();
        if (tok.empty())
          return fail(at, "expected a number in the element list" + describeHere());
        lit.elems.push_back({tok, at});
      } while (consumeIf(','));
      if (llvm::Error e = expect(']', "to close the element list"))
        return e;
    }
  }
  if (llvm::Error e = expect('>', "to close dense<...>"))
    return e;
  return lit;
}

llvm::Expected<Tensor> Parser::materialize(const TensorLit &lit,
                                           const TensorType &t) {
  if (!t.shape.isStatic())
    return fail(lit.loc, "a tensor literal needs a static shape, not " + printType(t));
  // Element count with an overflow check: literal sizes are compared before
  // anything is allocated, so an absurd type is an error, not a bad_alloc.
  int64_t n = 1;
  for (int64_t d : t.shape.dims()) {
    if (d != 0 && n > (int64_t(1) << 40) / d)
      return fail(lit.loc, "type " + printType(t) + " is too large for a tensor literal");
    n *= d;
  }
  switch (lit.kind) {
  case TensorLit::Elided:
    return fail(lit.loc, "tensor data was elided when this IR was printed for "
                         "reading (e.g. by --print-after); it cannot be parsed back");
  case TensorLit::Ref: {
    if (!weights_)
      return fail(lit.loc, "tensor '@" + lit.key +
                               "' refers to the weights file, but the module "
                               "header names none (add weights=\"<file>\")");
    const Tensor *w = weights_->find(lit.key);
    if (!w)
      return fail(lit.loc, "no tensor '" + lit.key + "' in weights file " +
                               weights_->displayName());
    if (w->dtype() != t.dtype || w->shape() != t.shape)
      return fail(lit.loc, "weights entry '" + lit.key + "' is " +
                               printType(w->type()) + " but the text says " +
                               printType(t));
    return *w;
  }
  case TensorLit::Hex: {
    uint64_t need = uint64_t(n) * dtypeSize(t.dtype);
    if (lit.bytes.size() != need)
      return fail(lit.loc, "hex data has " + llvm::Twine(lit.bytes.size()) +
                               " bytes but " + printType(t) + " needs " +
                               llvm::Twine(need));
    Tensor out(t.dtype, t.shape);
    if (!lit.bytes.empty())
      std::memcpy(out.raw(), lit.bytes.data(), lit.bytes.size());
    return out;
  }
  case TensorLit::Decimal: {
    if (int64_t(lit.elems.size()) != n)
      return fail(lit.loc, "literal has " + llvm::Twine(lit.elems.size()) +
                               " elements but " + printType(t) + " has " +
                               llvm::Twine(n));
    Tensor out(t.dtype, t.shape);
    for (int64_t i = 0; i < n; ++i) {
      llvm::StringRef tok = lit.elems[i].first;
      if (isFloat(t.dtype)) {
        float f;
        if (!parseFloatToken(tok, f))
          return fail(lit.elems[i].second, "expected a number, got '" + tok + "'");
        out.setDouble(i, f);
      } else {
        int64_t v;
        if (tok.getAsInteger(10, v))
          return fail(lit.elems[i].second,
                      "expected an integer for " + dtypeName(t.dtype) + ", got '" +
                          tok + "'");
        out.setInt(i, v);
      }
    }
    return out;
  }
  }
  return fail(lit.loc, "bad tensor literal");
}

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
    return fail(at, "unknown attribute '" + *name + "' for '" + info.mnemonic + "'");
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
      return fail(valAt, "expected an element type for attribute '" + *name + "'" +
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
      auto nm = symbol("after '%'");
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
  if (nout < info.minOutputs || (info.maxOutputs >= 0 && nout > info.maxOutputs))
    return fail(lineStart, "'" + info.mnemonic + "' produces " +
                               llvm::Twine(info.minOutputs) +
                               (info.maxOutputs < 0
                                    ? " or more"
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
            return fail(at, "operand " + llvm::Twine(inputs.size()) + " of '" + mn +
                                "' is required and cannot be 'none'");
          inputs.push_back(nullptr);
          continue;
        }
        if (!consumeIf('%'))
          return failHere("expected an operand '%name' or 'none'" + describeHere());
        auto nm = symbol("after '%'");
        if (!nm)
          return nm.takeError();
        Value *v = g.findValue(*nm);
        if (!v)
          return fail(at, "use of undefined value '%" + *nm +
                              "' (values must be defined before they are used)");
        inputs.push_back(v);
      } while (consumeIf(','));
      if (llvm::Error e = expect(')', "to close the operand list"))
        return e;
    }
    int nin = int(inputs.size());
    if (nin < info.minInputs || (info.maxInputs >= 0 && nin > info.maxInputs))
      return fail(opAt, "'" + mn + "' takes " + llvm::Twine(info.minInputs) +
                            (info.maxInputs < 0
                                 ? " or more"
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
      return failHere("regions nest deeper than " + llvm::Twine(kMaxRegionDepth) +
                      " levels");
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
        return failHere("expected a graph input '%name: type'" + describeHere());
      auto nm = symbol("after '%'");
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
      auto nm = symbol("after '%'");
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
      return failHere("expected '}' to close the graph body, found end of file");
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
        return fail(valAt, "unknown stage '" + s +
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
    return makeError(sm_.getMemoryBuffer(sm_.getMainFileID())->getBufferIdentifier() +
                     ": " + llvm::toString(std::move(e)));
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
    return failHere("expected end of file after the module's graph" + describeHere());
  if (opts_.verify)
    if (llvm::Error e = verify(m->graph))
      return e;
  return ParsedModule{std::move(m), weights_};
}

} // namespace

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
