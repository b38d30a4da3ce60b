//===- Dataset.h - calibration datasets: LMDB of Caffe Datum records -*- C++ -*-===//
//
// A calibration dataset is an LMDB directory (data.mdb + lock.mdb) whose
// values are Caffe `Datum` messages (Datum.proto, Caffe's field numbers) and
// whose keys are `%08d_<relative path>` in write order, as Caffe's and the
// SDK's convert_imageset write them. Images are stored as raw unsigned bytes
// in (C, H, W) order, or encoded (a whole JPEG/PNG file, `encoded` set).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_DATASET_H
#define ONNTC_QUANTIZER_DATASET_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace onntc {

/// One decoded image: channel-major (C, H, W) floats in [0, 255] (or any
/// range for float_data records), channels in stored order.
struct Image {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<float> data;
};

/// One record as stored (the fields of Caffe's Datum the tools use).
struct DatumRecord {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::string data;             ///< Raw CHW bytes, or an encoded file.
  std::vector<float> floatData; ///< Used instead of `data` when non-empty.
  int label = 0;
  bool encoded = false;
};

/// Serialises / parses the protobuf wire form of a Datum.
std::string encodeDatum(const DatumRecord &d);
/// `what` names the record in errors (e.g. "calib.lmdb: record '0000_a.jpg'").
llvm::Expected<DatumRecord> decodeDatum(llvm::StringRef bytes,
                                        llvm::StringRef what);
/// The pixels of a record (decoding encoded records with OpenCV); checks that
/// the sizes agree with channels x height x width.
llvm::Expected<Image> datumToImage(const DatumRecord &d, llvm::StringRef what);

/// Writes key/value pairs into a new LMDB environment. Call commit() at the
/// end; the destructor of an uncommitted writer leaves the directory for the
/// caller to remove (ImageSet writes into a staging directory).
class LmdbWriter {
public:
  /// Creates the environment in the existing, empty directory `dir`.
  static llvm::Expected<std::unique_ptr<LmdbWriter>> create(llvm::StringRef dir);
  ~LmdbWriter();
  llvm::Error put(llvm::StringRef key, llvm::StringRef value);
  /// Commits the pending transaction and closes the environment.
  llvm::Error commit();

private:
  LmdbWriter() = default;
  llvm::Error flush(bool reopen);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads an LMDB dataset in key order; rewind() starts again.
class LmdbReader {
public:
  /// Fails with a message naming `dir` when it is missing, not a directory,
  /// not an LMDB environment, or empty.
  static llvm::Expected<std::unique_ptr<LmdbReader>> open(llvm::StringRef dir);
  ~LmdbReader();
  /// Number of records.
  size_t size() const;
  const std::string &path() const;
  /// The next record and its key; false at the end.
  llvm::Expected<bool> next(std::string &key, DatumRecord &rec);
  void rewind();

private:
  LmdbReader() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace onntc

#endif
