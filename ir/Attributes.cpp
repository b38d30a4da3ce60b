#include "ir/Attributes.h"

namespace onntc {

llvm::StringRef attrKindName(AttrKind k) {
  switch (k) {
  case AttrKind::Int: return "int";
  case AttrKind::Float: return "float";
  case AttrKind::String: return "string";
  case AttrKind::Ints: return "ints";
  case AttrKind::Floats: return "floats";
  case AttrKind::Strings: return "strings";
  case AttrKind::Tensor: return "tensor";
  case AttrKind::Type: return "type";
  }
  return "?";
}

const AttrValue *Attributes::find(llvm::StringRef name) const {
  for (const auto &e : entries_)
    if (e.first == name)
      return &e.second;
  return nullptr;
}

void Attributes::set(llvm::StringRef name, AttrValue v) {
  for (auto &e : entries_)
    if (e.first == name) {
      e.second = std::move(v);
      return;
    }
  entries_.emplace_back(name.str(), std::move(v));
}

bool Attributes::erase(llvm::StringRef name) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->first == name) {
      entries_.erase(it);
      return true;
    }
  return false;
}

} // namespace onntc
