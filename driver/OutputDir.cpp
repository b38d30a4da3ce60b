#include "driver/OutputDir.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace onntc {

namespace fs = llvm::sys::fs;

llvm::Expected<std::unique_ptr<StagedOutputDir>>
StagedOutputDir::create(llvm::StringRef outdir) {
  if (outdir.empty())
    return makeError("--outdir is empty");
  llvm::SmallString<256> abs(outdir);
  if (std::error_code ec = fs::make_absolute(abs))
    return makeError("--outdir '" + outdir + "': " + ec.message());
  llvm::sys::path::remove_dots(abs, /*remove_dot_dot=*/true);
  fs::file_status st;
  if (!fs::status(abs, st)) {
    if (!fs::is_directory(st))
      return makeError("--outdir '" + outdir +
                       "' exists and is not a directory; choose another path");
    if (fs::access(abs, fs::AccessMode::Write))
      return makeError("--outdir '" + outdir + "' is not writable");
  }
  llvm::StringRef parent = llvm::sys::path::parent_path(abs);
  // Find the nearest existing ancestor: it must be a directory.
  for (llvm::StringRef p = parent; !p.empty();
       p = llvm::sys::path::parent_path(p)) {
    fs::file_status ps;
    if (fs::status(p, ps))
      continue;
    if (!fs::is_directory(ps))
      return makeError("cannot create --outdir '" + outdir + "': '" + p +
                       "' is not a directory");
    break;
  }
  if (std::error_code ec = fs::create_directories(parent))
    return makeError("cannot create the parent of --outdir '" + outdir +
                     "': " + ec.message());
  llvm::SmallString<256> model(parent);
  llvm::sys::path::append(model,
                          "." + llvm::sys::path::filename(abs) + ".tmp-%%%%%%");
  llvm::SmallString<256> stage;
  if (std::error_code ec = fs::createUniqueDirectory(model, stage))
    return makeError("cannot create a staging directory next to --outdir '" +
                     outdir + "': " + ec.message());
  // createUniqueDirectory appends its own suffix to the model; fine.
  return std::unique_ptr<StagedOutputDir>(
      new StagedOutputDir(abs.str().str(), stage.str().str()));
}

StagedOutputDir::~StagedOutputDir() {
  if (!committed_)
    removeStage();
}

void StagedOutputDir::removeStage() {
  // Only our own staged files and the stage itself; nothing else.
  for (const std::string &f : files_)
    (void)fs::remove(stagedPath(f));
  (void)fs::remove(stage_);
}

std::string StagedOutputDir::stagedPath(llvm::StringRef name) const {
  llvm::SmallString<256> p(stage_);
  llvm::sys::path::append(p, name);
  return p.str().str();
}

llvm::Error StagedOutputDir::writeFile(llvm::StringRef name,
                                       llvm::StringRef bytes) {
  std::string path = stagedPath(name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, fs::OF_None);
  if (ec)
    return makeError("cannot write '" + path + "': " + ec.message());
  files_.push_back(name.str());
  os << bytes;
  os.close();
  if (os.has_error()) {
    std::error_code err = os.error();
    os.clear_error();
    return makeError("cannot write '" + path + "': " + err.message());
  }
  return llvm::Error::success();
}

llvm::Error StagedOutputDir::commit() {
  if (std::error_code ec = fs::create_directories(outdir_))
    return makeError("cannot create --outdir '" + outdir_ +
                     "': " + ec.message());
  for (const std::string &f : files_) {
    llvm::SmallString<256> dst(outdir_);
    llvm::sys::path::append(dst, f);
    if (std::error_code ec = fs::rename(stagedPath(f), dst))
      return makeError("cannot move '" + f + "' into '" + outdir_ +
                       "': " + ec.message());
  }
  committed_ = true;
  (void)fs::remove(stage_);
  return llvm::Error::success();
}

} // namespace onntc
