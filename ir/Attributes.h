//===- Attributes.h - typed node attributes --------------------*- C++ -*-===//
#ifndef ONNTC_IR_ATTRIBUTES_H
#define ONNTC_IR_ATTRIBUTES_H

#include "ir/Tensor.h"

#include "llvm/ADT/StringRef.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace onntc {

/// The kinds of attribute values. The order matches the AttrValue variant.
enum class AttrKind : uint8_t { Int, Float, String, Ints, Floats, Strings, Tensor, Type };

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>,
                               Tensor, DType>;

inline AttrKind attrKindOf(const AttrValue &v) { return AttrKind(v.index()); }
llvm::StringRef attrKindName(AttrKind k);

/// A small ordered name -> value map; insertion order is kept for printing
/// but the printer sorts by name for stable text.
class Attributes {
public:
  const AttrValue *find(llvm::StringRef name) const;
  bool has(llvm::StringRef name) const { return find(name) != nullptr; }
  void set(llvm::StringRef name, AttrValue v);
  bool erase(llvm::StringRef name);
  const std::vector<std::pair<std::string, AttrValue>> &entries() const {
    return entries_;
  }
  bool empty() const { return entries_.empty(); }

private:
  std::vector<std::pair<std::string, AttrValue>> entries_;
};

} // namespace onntc

#endif
