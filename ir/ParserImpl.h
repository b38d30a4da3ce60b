//===- ParserImpl.h - internals of the textual IR parser ------*- C++ -*-===//
//
// Shared by Parser.cpp (the grammar) and ParserLex.cpp (characters, literals
// and types). Not part of the API: include ir/Parser.h instead.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_PARSERIMPL_H
#define ONNTC_IR_PARSERIMPL_H

#include "ir/Parser.h"

#include "ir/Diagnostics.h"
#include "ir/Weights.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

namespace onntc {
namespace textir {

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
    sm_.PrintMessage(os, llvm::SMLoc::getFromPointer(at),
                     llvm::SourceMgr::DK_Error, msg);
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
    return failHere("expected '" + llvm::Twine(c) + "' " + context +
                    describeHere());
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
  /// A value's name after `%`; never empty.
  llvm::Expected<std::string> valueName();
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

} // namespace textir
} // namespace onntc

#endif
