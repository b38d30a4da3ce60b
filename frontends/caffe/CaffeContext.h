//===- CaffeContext.h - state shared by the Caffe layer importers -*- C++ -*-===//
//
// Internal to frontends/caffe. A CaffeLayerContext is handed to the import
// function of one layer-table row: it resolves the layer's bottoms to IR
// values, fetches and checks its weight blobs (from the prototxt or, by layer
// name, from the caffemodel), creates IR nodes (each with the layer's
// SourceLoc, each type-inferred at once) and binds the layer's tops.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_CAFFE_CAFFECONTEXT_H
#define ONNTC_FRONTENDS_CAFFE_CAFFECONTEXT_H

#include "frontends/caffe/CaffeImporter.h"
#include "frontends/caffe/caffe.pb.h"

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include "llvm/ADT/StringMap.h"

namespace onntc {

class CaffeLayerContext;

/// A layer-table row's import function.
using CaffeImportFn = llvm::Error (*)(CaffeLayerContext &ctx);

/// One row of the sorted layer table: Caffe layer type, import function,
/// the IR op of the generic functions, and the IR form shown by --list_ops.
struct CaffeLayerRow {
  const char *type;
  CaffeImportFn fn;
  OpKind kind;
  const char *irForm;
};

/// Looks up a layer type; null if unsupported.
const CaffeLayerRow *findCaffeLayer(llvm::StringRef type);
llvm::ArrayRef<CaffeLayerRow> caffeLayerTable();

/// Whole-import state.
struct CaffeImportState {
  Graph *graph = nullptr;
  std::string protoName;  ///< base name of the prototxt (locations, errors)
  std::string weightName; ///< base name of the caffemodel ("" if none)
  /// The current value of each blob name (in-place layers rebind it).
  llvm::StringMap<Value *> blobs;
  /// Layers of the caffemodel that carry blobs, by name.
  llvm::StringMap<const onntc_caffe::LayerParameter *> weightLayers;
};

class CaffeLayerContext {
public:
  CaffeLayerContext(CaffeImportState &st, const onntc_caffe::LayerParameter &l,
                    const CaffeLayerRow &row)
      : st_(st), layer_(l), row_(row) {}

  const onntc_caffe::LayerParameter &layer() const { return layer_; }
  const CaffeLayerRow &row() const { return row_; }
  Graph &graph() { return *st_.graph; }
  const std::string &name() const { return layer_.name(); }
  SourceLoc loc() const;

  // --- bottoms and tops ------------------------------------------------------
  unsigned numBottoms() const { return unsigned(layer_.bottom_size()); }
  unsigned numTops() const { return unsigned(layer_.top_size()); }
  /// Bottom i's current value (the importer checked that it exists).
  Value *bottom(unsigned i) const;
  /// Error unless the layer has bottoms/tops in the given ranges.
  llvm::Error checkArity(unsigned minB, unsigned maxB, unsigned minT,
                         unsigned maxT) const;
  /// The static shape of bottom i (error if not static).
  llvm::Expected<Shape> bottomShape(unsigned i) const;

  // --- weights ---------------------------------------------------------------
  /// Number of weight blobs the layer has (prototxt, else caffemodel).
  unsigned numBlobs() const;
  /// Blob i as an f32 tensor of shape `expected`. The blob must exist (else
  /// an error naming the caffemodel) and hold exactly the expected number of
  /// values with the same dims up to leading 1s (legacy 4-D blobs).
  llvm::Expected<Tensor> blob(unsigned i, const Shape &expected,
                              llvm::StringRef role) const;

  // --- building --------------------------------------------------------------
  /// An intermediate node; its output is named `<layer>_<suffix>`.
  llvm::Expected<Node *> emit(OpKind k, llvm::ArrayRef<Value *> inputs,
                              llvm::StringRef suffix,
                              const Attributes &attrs = {});
  /// A node whose output becomes top `top`.
  llvm::Expected<Node *> emitTop(OpKind k, llvm::ArrayRef<Value *> inputs,
                                 const Attributes &attrs = {},
                                 unsigned top = 0);
  /// Binds top i to an existing value (identity-like layers).
  void bindTop(unsigned i, Value *v);
  Value *constTensor(Tensor t, llvm::StringRef suffix);
  Value *constInts(llvm::ArrayRef<int64_t> v, llvm::StringRef suffix);
  Value *constFloat(float v, llvm::StringRef suffix);

  // --- errors ----------------------------------------------------------------
  /// "<prototxt>: layer '<name>' (<Type>)".
  std::string prefix() const;
  llvm::Error error(const llvm::Twine &msg) const;
  llvm::Error unsupported(const llvm::Twine &msg) const;

private:
  llvm::Expected<Node *> finish(Node *n, const Attributes &attrs);
  const onntc_caffe::BlobProto *findBlob(unsigned i) const;

  CaffeImportState &st_;
  const onntc_caffe::LayerParameter &layer_;
  const CaffeLayerRow &row_;
};

} // namespace onntc

#endif
