//===- DarknetModel.h - Darknet .cfg and .weights as data ------*- C++ -*-===//
//
// The two files of a Darknet model before any import: the `.cfg` (INI-like
// sections, `key=value` options, `#`/`;` comments) and the `.weights` (a
// header, then each layer's float32 arrays in the order of its sections).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_DARKNET_DARKNETMODEL_H
#define ONNTC_FRONTENDS_DARKNET_DARKNETMODEL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace onntc {

struct DnOption {
  std::string key, value;
  unsigned line = 0;
};

/// One `[type]` section with its options, as written.
struct DnSection {
  std::string type;
  unsigned line = 0;
  std::vector<DnOption> options;

  const DnOption *find(llvm::StringRef key) const;
};

/// A parsed `.cfg`. Sections keep file order; `file` is the base name used
/// in every message.
struct DnCfg {
  std::string file;
  std::vector<DnSection> sections;

  /// "<file>:<line>: [<type>]" for messages about a section or an option.
  std::string where(const DnSection &s) const;
  std::string where(const DnSection &s, const DnOption &o) const;

  /// Typed option reads: absent -> `def`; a malformed value is an error
  /// naming the file, line, section and key.
  llvm::Expected<int64_t> getInt(const DnSection &s, llvm::StringRef key,
                                 int64_t def) const;
  llvm::Expected<float> getFloat(const DnSection &s, llvm::StringRef key,
                                 float def) const;
  std::string getString(const DnSection &s, llvm::StringRef key,
                        llvm::StringRef def) const;
  /// A comma-separated integer list (`layers=-1, 8`); absent -> empty.
  llvm::Expected<std::vector<int64_t>> getInts(const DnSection &s,
                                               llvm::StringRef key) const;
  /// Error "<file>:<line>: [<type>] <msg>".
  llvm::Error error(const DnSection &s, const llvm::Twine &msg) const;
  llvm::Error error(const DnSection &s, const DnOption &o,
                    const llvm::Twine &msg) const;
};

/// Parses cfg text. Lines are `[section]`, `key=value`, blank, or comments
/// starting with `#` or `;`; anything else is an error with its line.
llvm::Expected<DnCfg> parseDarknetCfg(llvm::StringRef text,
                                      llvm::StringRef fileName);
llvm::Expected<DnCfg> readDarknetCfgFile(llvm::StringRef path);

/// A `.weights` file: header, then float32 data consumed layer by layer.
struct DnWeights {
  std::string file;
  int32_t major = 0, minor = 0, revision = 0;
  uint64_t seen = 0;
  /// Connected-layer weights stored transposed (major or minor > 1000).
  bool transpose = false;
  std::vector<float> data;
  size_t pos = 0;

  /// Takes the next `n` floats; an error naming `what` if fewer remain.
  llvm::Expected<llvm::ArrayRef<float>> take(size_t n, const llvm::Twine &what);
  size_t remaining() const { return data.size() - pos; }
};

/// Parses the header (int32 major, minor, revision; `seen` as uint64 when
/// major*10+minor >= 2, else uint32) and the float data after it.
llvm::Expected<DnWeights> parseDarknetWeights(llvm::StringRef bytes,
                                              llvm::StringRef fileName);
llvm::Expected<DnWeights> readDarknetWeightsFile(llvm::StringRef path);

} // namespace onntc

#endif
