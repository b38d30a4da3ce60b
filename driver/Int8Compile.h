//===- Int8Compile.h - what an INT8 compile adds to runCompile --*- C++ -*-===//
//
// The import and quantize steps of an INT8 compile, shared by bmnetu and
// auto_cali so that both compile an int8umodel the same way: the umodel's
// FP32 net (checked against its deploy prototxt, reshaped by --shapes or
// --max_n) is what runCompile imports, and the quantize callback rewrites
// it with the umodel's tables (quantizer/QuantizeNet.h). The flags are
// bmnetu's beyond the shared SDK ones.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_INT8COMPILE_H
#define ONNTC_DRIVER_INT8COMPILE_H

#include "driver/CompileDriver.h"
#include "driver/FrontendOptions.h"
#include "quantizer/NetText.h"
#include "quantizer/QuantizeNet.h"
#include "quantizer/UModel.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace onntc {

/// bmnetu's own flags.
struct Int8CompileFlags {
  int maxN = 0;
  std::string inputsFp32, outputsFp32, prec = "INT8";
};

/// Registers bmnetu's flags on a CLI11 app (a template so that the driver
/// library does not depend on CLI11).
template <typename App> void addInt8CompileFlags(App &app, Int8CompileFlags &f) {
  app.add_option("--max_n", f.maxN,
                 "batch size to compile for (sets dim 0 of every input)");
  app.add_option("--input_as_fp32", f.inputsFp32,
                 "inputs kept FP32 (names, comma-separated, or true for "
                 "all); others take INT8 with the calibrated scale");
  app.add_option("--output_as_fp32", f.outputsFp32,
                 "outputs given as FP32 (names or true for all); others "
                 "stay INT8 where an INT8 op produces them");
  app.add_option("--prec", f.prec, "precision: INT8 (the only one)");
}

/// Checks the flags against the shared options (--prec, --mode, --max_n
/// against --shapes).
llvm::Error checkInt8CompileFlags(const FrontendOptions &o,
                                  const Int8CompileFlags &f);

/// The quantize stage's options the flags ask for.
QuantizeOptions int8QuantizeOptions(const Int8CompileFlags &f);

/// The import of an INT8 compile: takes the FP32 net out of `u` (an
/// int8umodel) after checking that `proto` (read from `protoPath`)
/// describes it, and applies --shapes / --max_n. `u` keeps its tables for
/// quantizeInt8Net.
llvm::Expected<std::unique_ptr<Module>>
takeInt8Net(UModel &u, const NetText &proto, const FrontendOptions &o,
            const Int8CompileFlags &f);

/// The quantize callback of an INT8 compile: rewrites `m` with the tables
/// of `u`; returns the summary line for the log.
llvm::Expected<std::string> quantizeInt8Net(Module &m, const UModel &u,
                                            const Int8CompileFlags &f);

} // namespace onntc

#endif
