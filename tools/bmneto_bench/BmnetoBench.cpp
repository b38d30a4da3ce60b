//===- BmnetoBench.cpp - phase timings of an ONNX compile -----------------===//
//
//   bmneto_bench --model m.onnx --shapes [1,3,224,224] [--test_input x.npy]
//                [--runs 5] [--threads 0] [--out_ref FILE]
//
// Times the stages bmneto goes through (driver/Stages.h), separately: import
// (parse, convert and verify the ONNX file), optimise (the "optimize"
// pipeline) and the reference interpreter, which is run --runs times on the
// same input after one warm-up run. Prints `key value` lines (wall seconds;
// *_cpu_s: process CPU seconds, all threads) for scripts/bench_resnet50.sh;
// not a test. --out_ref writes the last run's
// outputs in output_ref_data.dat format, so test/e2e/run.sh can check the
// reference interpreter on its own when a whole bmneto compile fails.
//
//===----------------------------------------------------------------------===//
#include "driver/FrontendOptions.h"
#include "driver/RefData.h"
#include "driver/Stages.h"
#include "frontends/onnx/OnnxImporter.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>

using namespace onntc;

namespace {

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// CPU seconds of the whole process (all threads); steadier than wall time
/// on a shared machine.
double cpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

llvm::Error run(const std::string &model, const std::string &shapesText,
                const std::string &testInput, int runs, unsigned threads,
                const std::string &outRef) {
  SdkFlagValues flags;
  flags.model = model;
  flags.shapes = shapesText;
  flags.testInput = testInput;
  flags.seed = 1;
  auto opts = makeFrontendOptions(flags);
  if (!opts)
    return opts.takeError();
  auto importOnnx = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    OnnxImportOptions io;
    io.shapes = opts->shapes;
    return importOnnxFile(opts->model, io);
  };

  double t0 = now(), c0 = cpuNow();
  auto module = importStage(*opts, importOnnx);
  if (!module)
    return module.takeError();
  double tImport = now() - t0, cImport = cpuNow() - c0;

  KernelContext kernels(threads);
  t0 = now();
  c0 = cpuNow();
  Module &m = **module;
  if (llvm::Error e = optimizeStage(m, *opts, kernels))
    return e;
  double tOpt = now() - t0, cOpt = cpuNow() - c0;

  auto inputs = referenceInputs(m.graph, *opts);
  if (!inputs)
    return inputs.takeError();

  std::vector<double> times;
  std::vector<Tensor> last;
  for (int r = 0; r <= runs; ++r) {
    t0 = now();
    auto outs = referenceOutputs(m.graph, *inputs, kernels);
    if (!outs)
      return outs.takeError();
    if (r > 0) // run 0 warms caches and the thread pool
      times.push_back(now() - t0);
    last = std::move(*outs);
  }
  if (!outRef.empty()) {
    std::string bytes = encodeRefData(last);
    std::error_code ec;
    llvm::raw_fd_ostream os(outRef, ec);
    if (ec)
      return llvm::createStringError(ec, "cannot write '%s': %s",
                                     outRef.c_str(), ec.message().c_str());
    os << bytes;
  }

  llvm::outs() << "nodes " << m.graph.numNodes() << "\n";
  llvm::outs() << llvm::format("import_s %.4f\n", tImport);
  llvm::outs() << llvm::format("import_cpu_s %.4f\n", cImport);
  llvm::outs() << llvm::format("optimize_s %.4f\n", tOpt);
  llvm::outs() << llvm::format("optimize_cpu_s %.4f\n", cOpt);
  llvm::outs() << "interp_s";
  for (double t : times)
    llvm::outs() << llvm::format(" %.4f", t);
  llvm::outs() << "\n" << llvm::format("interp_median_s %.4f\n", median(times));
  return llvm::Error::success();
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"bmneto_bench: time the import, optimisation and reference "
               "run of an ONNX model"};
  std::string model, shapes, testInput;
  int runs = 5;
  unsigned threads = 0;
  std::string outRef;
  app.add_option("--model", model, "the ONNX model")->required();
  app.add_option("--shapes", shapes, "input shapes, as for bmneto");
  app.add_option("--test_input", testInput,
                 ".npy/.npz input (default: random)");
  app.add_option("--runs", runs, "timed interpreter runs (default 5)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--threads", threads, "kernel threads (0: all cores)");
  app.add_option("--out_ref", outRef, "write the outputs as raw ref data here");
  CLI11_PARSE(app, argc, argv);
  if (llvm::Error e = run(model, shapes, testInput, runs, threads, outRef)) {
    llvm::errs() << "bmneto_bench: error: " << llvm::toString(std::move(e))
                 << "\n";
    return 1;
  }
  return 0;
}
