//===- ImageSet.h - image folder -> calibration LMDB ------------*- C++ -*-===//
//
// What convert_imageset does, as a library call so that tests and auto_cali
// share it: walk a folder recursively, decode every .jpg/.jpeg/.png/.bmp
// (any case) with OpenCV, optionally resize / swap to RGB / convert to gray,
// and write one raw Datum per image into a new LMDB. Other files are listed
// and skipped; files that do not decode are listed and skipped. The LMDB is
// written into a staging directory next to the target and renamed into
// place only when complete, so a failure leaves nothing behind.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_IMAGESET_H
#define ONNTC_QUANTIZER_IMAGESET_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace onntc {

struct ImageSetOptions {
  std::string rootFolder;
  std::string lmdbFolder;
  int resizeHeight = 0; ///< 0 and 0: keep each image's size.
  int resizeWidth = 0;
  bool shuffle = false;
  uint64_t seed = 0; ///< For --shuffle; fixed so that runs repeat.
  bool bgr2rgb = false;
  bool gray = false;
};

struct ImageSetResult {
  size_t written = 0;
  /// Files skipped: not images by extension, and images that do not decode
  /// (with the reason).
  std::vector<std::string> notImages;
  std::vector<std::pair<std::string, std::string>> undecodable;
};

/// Called after each image with (done, total).
using ProgressFn = std::function<void(size_t, size_t)>;

/// The image files below `root` (recursive, sorted by relative path) and the
/// other files found. Fails if `root` is missing or not a directory.
llvm::Error listImageFiles(const std::string &root,
                           std::vector<std::string> &images,
                           std::vector<std::string> &others);

struct Image;

/// Decodes one image file with OpenCV as 3-channel BGR (as convert_imageset
/// stores it), channel-major floats in [0, 255]. Fails, naming the file,
/// when it does not decode.
llvm::Expected<Image> readImageFile(const std::string &path);

llvm::Expected<ImageSetResult> convertImageSet(const ImageSetOptions &opts,
                                               const ProgressFn &progress = {});

} // namespace onntc

#endif
