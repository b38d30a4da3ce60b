//===- ImageSet.cpp - image folder -> calibration LMDB -------------------===//
#include "quantizer/ImageSet.h"

#include "quantizer/Dataset.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <random>

namespace onntc {

static bool isImageName(llvm::StringRef path) {
  std::string ext = llvm::sys::path::extension(path).lower();
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

llvm::Error listImageFiles(const std::string &root,
                           std::vector<std::string> &images,
                           std::vector<std::string> &others) {
  if (!llvm::sys::fs::exists(root))
    return makeError(root + ": the image folder does not exist "
                            "(check --imageset_rootfolder)");
  if (!llvm::sys::fs::is_directory(root))
    return makeError(root + ": not a folder (--imageset_rootfolder takes a "
                            "folder of images)");
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(root, ec), end;
       it != end && !ec; it.increment(ec)) {
    llvm::sys::fs::file_status st;
    if (llvm::sys::fs::status(it->path(), st))
      continue;
    if (!llvm::sys::fs::is_regular_file(st))
      continue;
    llvm::StringRef rel = llvm::StringRef(it->path()).drop_front(root.size());
    rel = rel.ltrim('/');
    (isImageName(rel) ? images : others).push_back(rel.str());
  }
  if (ec)
    return makeError(root + ": cannot list the folder: " + ec.message());
  std::sort(images.begin(), images.end());
  std::sort(others.begin(), others.end());
  return llvm::Error::success();
}

/// Labels: the index of the first-level sub-folder an image is in (sorted
/// names), 0 for images directly in the root, as class folders are laid out.
static std::vector<int> folderLabels(const std::vector<std::string> &files) {
  std::vector<std::string> classes;
  for (const std::string &f : files) {
    auto [dir, rest] = llvm::StringRef(f).split('/');
    if (!rest.empty())
      classes.push_back(dir.str());
  }
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  std::vector<int> labels;
  for (const std::string &f : files) {
    auto [dir, rest] = llvm::StringRef(f).split('/');
    if (rest.empty()) {
      labels.push_back(0);
      continue;
    }
    labels.push_back(int(std::lower_bound(classes.begin(), classes.end(),
                                          dir.str()) -
                         classes.begin()));
  }
  return labels;
}

static llvm::Expected<std::string> encodeImage(const std::string &path,
                                               const ImageSetOptions &o,
                                               int label, std::string &why) {
  cv::Mat m = cv::imread(path, o.gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (m.empty()) {
    why = "not a decodable image (corrupt or truncated file?)";
    return std::string();
  }
  if (o.resizeHeight > 0 && (m.rows != o.resizeHeight || m.cols != o.resizeWidth))
    cv::resize(m, m, cv::Size(o.resizeWidth, o.resizeHeight), 0, 0,
               cv::INTER_LINEAR);
  if (o.bgr2rgb && m.channels() == 3)
    cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  DatumRecord d;
  d.channels = m.channels();
  d.height = m.rows;
  d.width = m.cols;
  d.label = label;
  size_t plane = size_t(m.rows) * m.cols;
  d.data.resize(plane * d.channels);
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t *row = m.ptr<uint8_t>(y);
    for (int x = 0; x < m.cols; ++x)
      for (int c = 0; c < d.channels; ++c)
        d.data[c * plane + size_t(y) * m.cols + x] = char(row[x * d.channels + c]);
  }
  return encodeDatum(d);
}

llvm::Expected<Image> readImageFile(const std::string &path) {
  cv::Mat m = cv::imread(path, cv::IMREAD_COLOR);
  if (m.empty())
    return makeError(path + ": not a decodable image (corrupt or truncated "
                            "file?)");
  Image img;
  img.channels = m.channels();
  img.height = m.rows;
  img.width = m.cols;
  size_t plane = size_t(m.rows) * size_t(m.cols);
  img.data.resize(plane * size_t(img.channels));
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t *row = m.ptr<uint8_t>(y);
    for (int x = 0; x < m.cols; ++x)
      for (int c = 0; c < img.channels; ++c)
        img.data[size_t(c) * plane + size_t(y) * size_t(m.cols) + size_t(x)] =
            float(row[x * img.channels + c]);
  }
  return img;
}

llvm::Expected<ImageSetResult> convertImageSet(const ImageSetOptions &o,
                                               const ProgressFn &progress) {
  if (o.rootFolder.empty())
    return makeError("--imageset_rootfolder is required");
  if (o.lmdbFolder.empty())
    return makeError("--imageset_lmdbfolder is required");
  if ((o.resizeHeight > 0) != (o.resizeWidth > 0) || o.resizeHeight < 0 ||
      o.resizeWidth < 0)
    return makeError("give both --resize_height and --resize_width (positive), "
                     "or neither");
  ImageSetResult res;
  std::vector<std::string> files;
  if (llvm::Error e = listImageFiles(o.rootFolder, files, res.notImages))
    return e;
  if (files.empty())
    return makeError(o.rootFolder + ": no images (.jpg, .jpeg, .png, .bmp) in "
                                    "the folder or its sub-folders" +
                     (res.notImages.empty()
                          ? llvm::Twine("")
                          : llvm::Twine(" (") + llvm::Twine(res.notImages.size()) +
                                " other files)"));
  if (llvm::sys::fs::exists(o.lmdbFolder))
    return makeError(o.lmdbFolder + ": already exists; remove it or choose "
                                    "another --imageset_lmdbfolder");
  std::vector<int> labels = folderLabels(files);
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  if (o.shuffle) {
    std::mt19937_64 rng(o.seed);
    std::shuffle(order.begin(), order.end(), rng);
  }

  // Stage next to the target so the final rename stays on one file system.
  llvm::SmallString<256> target(o.lmdbFolder);
  llvm::sys::path::remove_dots(target, true);
  llvm::SmallString<256> stage(target);
  stage += ".tmp-" + std::to_string(llvm::sys::Process::getProcessId());
  if (std::error_code ec = llvm::sys::fs::create_directories(stage))
    return makeError(o.lmdbFolder + ": cannot create the output folder: " +
                     ec.message());
  auto cleanup = [&] { (void)llvm::sys::fs::remove_directories(stage); };
  auto writer = LmdbWriter::create(stage);
  if (!writer) {
    cleanup();
    return writer.takeError();
  }
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string &rel = files[order[i]];
    llvm::SmallString<256> full(o.rootFolder);
    llvm::sys::path::append(full, rel);
    std::string why;
    auto bytes = encodeImage(full.str().str(), o, labels[order[i]], why);
    if (!bytes) {
      cleanup();
      return bytes.takeError();
    }
    if (!why.empty()) {
      res.undecodable.push_back({full.str().str(), why});
    } else {
      char key[16];
      std::snprintf(key, sizeof key, "%08zu_", res.written);
      if (llvm::Error e = (*writer)->put(key + rel, *bytes)) {
        cleanup();
        return e;
      }
      ++res.written;
    }
    if (progress)
      progress(i + 1, order.size());
  }
  if (res.written == 0) {
    cleanup();
    return makeError(o.rootFolder + ": none of the " +
                     llvm::Twine(files.size()) + " image files decodes");
  }
  if (llvm::Error e = (*writer)->commit()) {
    cleanup();
    return e;
  }
  if (std::error_code ec = llvm::sys::fs::rename(stage, target)) {
    cleanup();
    return makeError(o.lmdbFolder + ": cannot move the finished LMDB into "
                                    "place: " + ec.message());
  }
  return res;
}

} // namespace onntc
