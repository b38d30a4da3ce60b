//===- OpHooks.cpp - the table of lowering rows, indexed by op ------------===//

#include "backend/core/OpHooks.h"

using namespace onntc;
using namespace onntc::backend;

namespace {

/// Every family's rows, indexed by OpKind; built once.
std::vector<const LoweringRow *> buildIndex(const LoweringTable &rows) {
  std::vector<const LoweringRow *> byKind;
  for (const LoweringRow &r : rows) {
    assert((r.local == nullptr) != (r.global == nullptr) &&
           "a row has exactly one of local and global");
    if (byKind.size() <= unsigned(r.kind))
      byKind.resize(unsigned(r.kind) + 1, nullptr);
    assert(!byKind[unsigned(r.kind)] && "two rows for one op");
    byKind[unsigned(r.kind)] = &r;
  }
  return byKind;
}

const LoweringTable &allRows() {
  static const LoweringTable rows = [] {
    LoweringTable t;
    registerNnRows(t);
    registerNnNormRows(t);
    registerElementwiseRows(t);
    registerDataRows(t);
    registerQuantRows(t);
    registerDeconvRows(t);
    return t;
  }();
  return rows;
}

} // namespace

const LoweringRow *backend::loweringRow(OpKind k) {
  static const std::vector<const LoweringRow *> index = buildIndex(allRows());
  return unsigned(k) < index.size() ? index[unsigned(k)] : nullptr;
}
