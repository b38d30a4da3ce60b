#include "ir/Diagnostics.h"

#include "ir/Graph.h"

namespace onntc {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}

llvm::Error nodeError(const Node &n, const llvm::Twine &msg) {
  return makeError(n.describe() + ": " + msg);
}

} // namespace onntc
