//===- SdkFlags.h - the SDK's common bmnetX flags for CLI11 -----*- C++ -*-===//
//
// A template so that the library itself does not depend on CLI11; tools
// include CLI/CLI.hpp first. Every flag takes `--flag=value` and
// `--flag value`; run normalizeSdkArgs first for `-flag=value` and `--v`.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_SDKFLAGS_H
#define ONNTC_DRIVER_SDKFLAGS_H

#include "driver/FrontendOptions.h"

namespace onntc {

/// Registers the flags every NNTC front-end compiler shares (reference
/// §3.1) plus OpenNNTC's --test_input, --emit and --seed. `withWeight`
/// adds --weight for the formats that keep weights in a second file.
template <typename App>
void addSdkFlags(App &app, SdkFlagValues &f, bool withWeight) {
  app.add_option("--model", f.model, "the model file");
  if (withWeight)
    app.add_option("--weight", f.weight, "the weights file");
  app.add_option(
      "--shapes", f.shapes,
      "input shapes in input order: [1,3,224,224] or [[1,3,224,224],[1,10]]");
  app.add_option("--input_names", f.inputNames,
                 "network inputs, comma-separated (selects and orders them)");
  app.add_option("--output_names", f.outputNames,
                 "network outputs, comma-separated (any tensor names)");
  app.add_option("--net_name", f.netName,
                 "net name (default: from the model file name)");
  app.add_option("--outdir", f.outdir,
                 "output directory (default: compilation)");
  app.add_option("--target", f.target, "BM1684 (default) or BM1684X");
  app.add_option("--opt", f.opt, "optimisation level 0, 1 (default) or 2");
  app.add_option("--dyn", f.dyn,
                 "dynamic compilation (true/false, default false)");
  app.add_option(
      "--cmp", f.cmp,
      "check the optimised graph against the imported one (default true)");
  app.add_option("--enable_profile", f.enableProfile,
                 "record profile info into the bmodel: per-layer command "
                 "counts and estimated cycles in net_profile (default false)");
  app.add_option("--mode", f.mode,
                 "compile (default): a bmodel; GenUmodel: the FP32 umodel and "
                 "test prototxt that INT8 calibration starts from");
  app.add_option(
      "--descs", f.descs,
      "input data descriptions [index,dtype,low,high], e.g. [0,int64,0,100]");
  app.add_option("--log_level", f.logLevel, "log level 0..4 (also --v)");
  app.add_option(
      "--test_input", f.testInput,
      "reference input data: .npy (one input) or .npz (by name or order)");
  app.add_option(
      "--emit", f.emit,
      "stop after a stage and write what it made: ir (imported and "
      "optimised IR + reference data), quantized-ir (INT8 compiles), cmds "
      "(command streams as text), bmodel (no cmodel check)");
  app.add_option("--seed", f.seed, "seed of the random reference inputs");
}

} // namespace onntc

#endif
