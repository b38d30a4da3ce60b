//===- ConvertImageset.cpp - image folder -> calibration LMDB -------------===//
//
//   convert_imageset --imageset_rootfolder=images/ --imageset_lmdbfolder=calib_lmdb
//                    [--resize_height=224 --resize_width=224] [--shuffle]
//                    [--bgr2rgb] [--gray]
//
// The SDK's flags (also `-flag=v`). Writes an LMDB of Caffe Datum records
// (docs/umodel.md); files that are not images, or do not decode, are listed
// on stderr and skipped.
//
//===----------------------------------------------------------------------===//
#include "quantizer/ImageSet.h"
#include "driver/FrontendOptions.h"
#include "quantizer/ToolSupport.h"

#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"convert_imageset: make a calibration LMDB (Caffe Datum "
               "records) from a folder of .jpg/.jpeg/.png/.bmp images, "
               "searched recursively"};
  ImageSetOptions o;
  std::string shuffle = "false", bgr2rgb = "false", gray = "false";
  app.add_option("--imageset_rootfolder", o.rootFolder,
                 "folder of images (sub-folders included; a first-level "
                 "sub-folder's sorted index is the label)")
      ->required();
  app.add_option("--imageset_lmdbfolder", o.lmdbFolder,
                 "LMDB folder to create (must not exist)")
      ->required();
  app.add_option("--resize_height", o.resizeHeight,
                 "resize every image to this height (with --resize_width)");
  app.add_option("--resize_width", o.resizeWidth,
                 "resize every image to this width (with --resize_height)");
  app.add_option("--shuffle", shuffle, "shuffle the image order (seeded)")
      ->expected(0, 1)
      ->default_str("false");
  app.add_option("--seed", o.seed, "seed of --shuffle (default 0)");
  app.add_option("--bgr2rgb", bgr2rgb, "store channels as RGB instead of BGR")
      ->expected(0, 1);
  app.add_option("--gray", gray, "store one gray channel")->expected(0, 1);
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  for (auto [name, text, flag] :
       {std::tuple{"--shuffle", &shuffle, &o.shuffle},
        std::tuple{"--bgr2rgb", &bgr2rgb, &o.bgr2rgb},
        std::tuple{"--gray", &gray, &o.gray}})
    if (!parseSdkBool(*text, *flag)) {
      llvm::errs() << "convert_imageset: error: " << name
                   << " takes true or false, not '" << *text << "'\n";
      return 1;
    }

  ProgressBar bar(llvm::errs(), llvm::sys::Process::StandardErrIsDisplayed(),
                  "convert_imageset");
  auto res = convertImageSet(o, [&](size_t d, size_t t) { bar.update(d, t); });
  bar.finish();
  if (!res) {
    llvm::errs() << "convert_imageset: error: "
                 << llvm::toString(res.takeError()) << "\n";
    return 1;
  }
  for (const std::string &f : res->notImages)
    llvm::errs() << "convert_imageset: warning: skipped '"
                 << (llvm::Twine(o.rootFolder) + "/" + f).str()
                 << "': not an image (.jpg, .jpeg, .png, .bmp)\n";
  for (const auto &[f, why] : res->undecodable)
    llvm::errs() << "convert_imageset: warning: skipped '" << f << "': " << why
                 << "\n";
  llvm::outs() << "convert_imageset: wrote " << res->written << " images to "
               << o.lmdbFolder;
  if (size_t skipped = res->notImages.size() + res->undecodable.size())
    llvm::outs() << " (" << skipped << " files skipped)";
  llvm::outs() << "\n";
  return 0;
}
