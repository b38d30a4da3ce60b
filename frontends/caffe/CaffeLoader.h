//===- CaffeLoader.h - Caffe prototxt / caffemodel reading ------*- C++ -*-===//
//
// Reads a Caffe net description (.prototxt, protobuf text) and its weights
// (.caffemodel, protobuf binary) into NetParameter messages of the project's
// own caffe.proto, and normalises them the way Caffe does on load: V1
// `layers` (field 2) become `layer` entries with the new type names, old
// `input:` + `input_dim` / `input_shape` declarations become Input layers,
// and layers whose include/exclude rules do not match the TEST phase are
// dropped. Unknown fields never fail a load.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_CAFFE_CAFFELOADER_H
#define ONNTC_FRONTENDS_CAFFE_CAFFELOADER_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace onntc_caffe {
class NetParameter;
class LayerParameter;
class BlobProto;
} // namespace onntc_caffe

namespace onntc {

/// Parses protobuf text (a .prototxt). `file` names it in errors.
llvm::Expected<std::unique_ptr<onntc_caffe::NetParameter>>
parseCaffeText(llvm::StringRef text, llvm::StringRef file);
/// Parses protobuf binary (a .caffemodel). `file` names it in errors.
llvm::Expected<std::unique_ptr<onntc_caffe::NetParameter>>
parseCaffeBinary(llvm::StringRef bytes, llvm::StringRef file);

/// Upgrades a parsed net in place: V1 layers -> layers, input declarations
/// -> Input layers and, with `testPhaseOnly`, drops the layers whose
/// include/exclude rules do not select the TEST phase (a deploy net is run
/// in TEST; a caffemodel's layers are only matched by name, so it keeps all).
/// Errors name the file and layer.
llvm::Error upgradeCaffeNet(onntc_caffe::NetParameter &net,
                            llvm::StringRef file, bool testPhaseOnly = true);

/// Reads and upgrades a .prototxt file.
llvm::Expected<std::unique_ptr<onntc_caffe::NetParameter>>
loadCaffePrototxt(llvm::StringRef path);
/// Reads and upgrades a .caffemodel file. A file that is not a binary Caffe
/// net, or whose layers carry no weights at all, is an error.
llvm::Expected<std::unique_ptr<onntc_caffe::NetParameter>>
loadCaffeModel(llvm::StringRef path);

/// The caffemodel's layers that carry blobs, by layer name (a training net
/// may hold more layers than the deploy net; only names are matched).
llvm::StringMap<const onntc_caffe::LayerParameter *>
caffeWeightLayers(const onntc_caffe::NetParameter &weights);

/// The V1 layer type enum value's new-format type name ("" if unknown).
llvm::StringRef caffeV1TypeName(int v1Type);

} // namespace onntc

#endif
