//===- OutputDir.h - all-or-nothing output directories ---------*- C++ -*-===//
//
// A compile writes several files (ref data, IR, later the bmodel). None of
// them may appear half-written, and a failed compile must leave the output
// directory as it was. Files are therefore written into a private staging
// directory next to the output directory (same file system) and renamed in
// only by commit(); an uncommitted stage is deleted when destroyed.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_OUTPUTDIR_H
#define ONNTC_DRIVER_OUTPUTDIR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace onntc {

class StagedOutputDir {
public:
  /// Checks that `outdir` can be written (it is a directory or can be
  /// created) and creates the staging directory inside its parent.
  static llvm::Expected<std::unique_ptr<StagedOutputDir>>
  create(llvm::StringRef outdir);
  ~StagedOutputDir();
  StagedOutputDir(const StagedOutputDir &) = delete;
  StagedOutputDir &operator=(const StagedOutputDir &) = delete;

  /// Writes `name` (a plain file name) with `bytes` into the stage.
  llvm::Error writeFile(llvm::StringRef name, llvm::StringRef bytes);
  /// The staged path of `name`, for writers that need a path.
  std::string stagedPath(llvm::StringRef name) const;
  /// Records a file written through stagedPath().
  void addFile(llvm::StringRef name) { files_.push_back(name.str()); }

  /// Creates the output directory if needed and renames every staged file
  /// into it (each rename is atomic), then removes the stage.
  llvm::Error commit();

  const std::string &outdir() const { return outdir_; }
  const std::vector<std::string> &files() const { return files_; }

private:
  StagedOutputDir(std::string outdir, std::string stage)
      : outdir_(std::move(outdir)), stage_(std::move(stage)) {}
  void removeStage();

  std::string outdir_;
  std::string stage_;
  std::vector<std::string> files_;
  bool committed_ = false;
};

} // namespace onntc

#endif
