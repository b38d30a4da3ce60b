//===- ToolMain.h - the main() every bmnetX tool shares ---------*- C++ -*-===//
//
// A bmnetX tool differs from the others only in its importer, the text of
// its --list_ops and its help strings. runFrontendTool does the rest: SDK
// spellings (normalizeSdkArgs), the shared flags (addSdkFlags), --list_ops,
// the required-input check, option validation and runCompile, printing
// errors as `<tool>: error: ...` with a non-zero exit. Header-only and
// CLI11-based, for tools/ only: the driver library stays free of CLI11.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_TOOLMAIN_H
#define ONNTC_DRIVER_TOOLMAIN_H

#include "driver/CompileDriver.h"
#include "driver/SdkFlags.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace onntc {

/// What a front-end tool adds to the shared main.
struct FrontendTool {
  /// The tool's name, prefixing its log and error lines ("bmnetc").
  std::string name;
  /// The one-line description --help shows.
  std::string description;
  /// Whether the format keeps weights in a second file (--weight).
  bool withWeight = false;
  /// Whether --weight must be given (checked with --model).
  bool requireWeight = false;
  /// The error when --model (or a required --weight) is missing.
  std::string missingInputs = "--model is required (see --help)";
  /// The --list_ops help text and printer.
  std::string listOpsHelp;
  std::function<void(llvm::raw_ostream &)> listOps;
  /// Checks the validated options further (may be empty).
  std::function<llvm::Error(const FrontendOptions &)> check;
  /// Adds tool-only flags (bmnetu's --max_n, --input_as_fp32, ...).
  std::function<void(CLI::App &)> addFlags;
  /// Completes the options from the flags as typed (may be empty), e.g. a
  /// default --net_name read from the model.
  std::function<llvm::Error(FrontendOptions &, const SdkFlagValues &)> prepare;
  /// The quantize stage of an INT8 compiler (bmnetu); empty for FP32 ones.
  QuantizeCallback quantize;
  /// Imports the model the options name.
  std::function<llvm::Expected<std::unique_ptr<Module>>(
      const FrontendOptions &)>
      import;
};

/// The whole main() of a bmnetX tool; returns its exit code.
inline int runFrontendTool(int argc, char **argv, const FrontendTool &tool) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{tool.description};
  SdkFlagValues flags;
  bool listOps = false;
  addSdkFlags(app, flags, tool.withWeight);
  app.add_flag("--list_ops", listOps, tool.listOpsHelp);
  if (tool.addFlags)
    tool.addFlags(app);
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  auto fail = [&](const std::string &msg) {
    llvm::outs().flush();
    llvm::errs() << tool.name << ": error: " << msg << "\n";
    return 1;
  };
  if (listOps) {
    tool.listOps(llvm::outs());
    return 0;
  }
  if (flags.model.empty() || (tool.requireWeight && flags.weight.empty()))
    return fail(tool.missingInputs);
  auto opts = makeFrontendOptions(flags);
  if (!opts)
    return fail(llvm::toString(opts.takeError()));
  if (tool.prepare)
    if (llvm::Error e = tool.prepare(*opts, flags))
      return fail(llvm::toString(std::move(e)));
  if (tool.check)
    if (llvm::Error e = tool.check(*opts))
      return fail(llvm::toString(std::move(e)));
  auto import = [&]() { return tool.import(*opts); };
  if (llvm::Error e = runCompile(*opts, tool.name, import, llvm::outs(),
                                 tool.quantize))
    return fail(llvm::toString(std::move(e)));
  return 0;
}

} // namespace onntc

#endif
