//===- ParserLex.cpp - textual IR parser: characters, literals, types -----===//
#include "ir/ParserImpl.h"

#include "ir/Printer.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace onntc {
namespace textir {

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
      return fail(cur_ - 2,
                  "unknown escape '\\" + llvm::Twine(e) + "' in string");
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

llvm::Expected<std::string> Parser::valueName() {
  const char *at = cur_;
  auto nm = symbol("after '%'");
  if (nm && nm->empty())
    return fail(at, "a value name cannot be empty");
  return nm;
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
    return failHere("expected a type such as 'tensor<1x3xf32>'" +
                    describeHere());
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
    return fail(dtStart,
                "unknown element type '" + dt +
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
      return fail(
          start,
          "quant<...> needs as many zero points as scales (at least one)");
    if (q.scale.size() > 1 &&
        (q.axis < 0 || size_t(q.axis) >= t.shape.rank() ||
         (t.shape[q.axis] >= 0 && size_t(t.shape[q.axis]) != q.scale.size())))
      return fail(start, "per-channel quant<...> has " +
                             llvm::Twine(q.scale.size()) + " scales but axis " +
                             llvm::Twine(q.axis) +
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
    return failHere("expected a tensor literal (dense<...> or @\"key\")" +
                    describeHere());
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
      return fail(
          at, "hex tensor data must be \"0x\" followed by pairs of hex digits");
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
          return fail(at,
                      "expected a number in the element list" + describeHere());
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
    return fail(lit.loc,
                "a tensor literal needs a static shape, not " + printType(t));
  // Element count with an overflow check: literal sizes are compared before
  // anything is allocated, so an absurd type is an error, not a bad_alloc.
  int64_t n = 1;
  for (int64_t d : t.shape.dims()) {
    if (d != 0 && n > (int64_t(1) << 40) / d)
      return fail(lit.loc, "type " + printType(t) +
                               " is too large for a tensor literal");
    n *= d;
  }
  switch (lit.kind) {
  case TensorLit::Elided:
    return fail(lit.loc,
                "tensor data was elided when this IR was printed for "
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
          return fail(lit.elems[i].second,
                      "expected a number, got '" + tok + "'");
        out.setDouble(i, f);
      } else {
        int64_t v;
        if (tok.getAsInteger(10, v))
          return fail(lit.elems[i].second, "expected an integer for " +
                                               dtypeName(t.dtype) + ", got '" +
                                               tok + "'");
        out.setInt(i, v);
      }
    }
    return out;
  }
  }
  return fail(lit.loc, "bad tensor literal");
}

} // namespace textir
} // namespace onntc
