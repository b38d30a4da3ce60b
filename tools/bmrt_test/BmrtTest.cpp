//===- BmrtTest.cpp - bmrt_test: run bmodels on the cmodel and compare ----===//
//
// The SDK's bmrt_test (reference §5) over OpenNNTC's runtime: loads a
// context dir (compilation.bmodel + input_ref_data.dat + output_ref_data.dat)
// or a bare bmodel, runs every net and stage on the chip simulator, prints
// the SDK's log lines plus the simulated figures, and compares with the
// reference outputs. Exit status: 0 on success, 1 on any error or mismatch,
// 2 on bad usage.
//
//===----------------------------------------------------------------------===//
#include "runtime/api/Compare.h"
#include "runtime/api/Runtime.h"

#include "CLI/CLI.hpp"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <optional>

using namespace onntc;
using namespace onntc::runtime;

namespace {

/// Prints one line in the SDK's BMRT_LOG form.
void logLine(const char *func, int line, const char *level, const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));
void logLine(const char *func, int line, const char *level, const char *fmt,
             ...) {
  std::printf("[BMRT][%s:%d] %s:", func, line, level);
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
  std::printf("\n");
  std::fflush(stdout);
}
/// Every function that logs names itself in `logFn` (the SDK's function
/// names: bmrt_test, show_net_info, print_array, load_bmodel).
#define BMRT_LOG(level, ...) logLine(logFn, __LINE__, #level, __VA_ARGS__)

struct Options {
  std::vector<std::string> contextDirs;
  std::string bmodel;
  std::optional<bool> compare;
  Tolerance tol;
  int loopnum = 1;
  int calculateTimes = 1;
  int netIdx = -1;
  int stageIdx = -1;
  std::optional<std::vector<Shape>> shapes;
  bool exportOutput = false;
  bool checkMem = false;
};

void usage(const char *prog) {
  std::printf(
      "Usage: %s [--context_dir=<dir> | --bmodel=<file>] [options]\n"
      "Runs bmodels on the OpenNNTC chip simulator (cmodel).\n"
      "  -d, --context_dir <dir>   dir with compilation.bmodel, "
      "input_ref_data.dat,\n"
      "                            output_ref_data.dat (compare on by "
      "default)\n"
      "  -a, --append_dir <dir>    another context dir; its nets are "
      "appended\n"
      "      --bmodel <file>       run a bmodel file (compare off, zero "
      "inputs)\n"
      "  -c, --compare <0|1>       compare outputs with output_ref_data.dat\n"
      "      --accuracy_f <float>  float tolerance (default 0.01)\n"
      "      --accuracy_i <int>    integer tolerance (default 0)\n"
      "  -l, --loopnum <n>         whole-run repeats (default 1)\n"
      "      --calculate_times <n> launches per timing (default 1)\n"
      "      --net_idx <n>         run only net n\n"
      "      --stage_idx <n>       run only stage n\n"
      "      --shapes <list>       input shapes, e.g. "
      "\"[1,3,224,224],[1,10]\"\n"
      "      --export_output       write the outputs to output.dat\n"
      "      --check_mem           verify coeff sha256 check codes on load\n"
      "  -i, --devid <n>           device id (only 0: one simulated device)\n"
      "  -h, --help                this text\n"
      "      --version             version\n",
      prog);
}

bool parseInt(llvm::StringRef s, int &out) {
  return !s.trim().getAsInteger(10, out);
}

/// "[1,3,224,224],[1,10]" -> shapes.
std::optional<std::vector<Shape>> parseShapes(llvm::StringRef text) {
  std::vector<Shape> r;
  text = text.trim();
  while (!text.empty()) {
    if (!text.consume_front("["))
      return std::nullopt;
    size_t close = text.find(']');
    if (close == llvm::StringRef::npos)
      return std::nullopt;
    llvm::SmallVector<llvm::StringRef, 8> dims;
    text.substr(0, close).split(dims, ',', -1, false);
    Shape s;
    for (llvm::StringRef d : dims) {
      uint64_t v;
      if (d.trim().getAsInteger(10, v))
        return std::nullopt;
      s.push_back(v);
    }
    r.push_back(std::move(s));
    text = text.drop_front(close + 1).ltrim();
    if (!text.empty() && !text.consume_front(","))
      return std::nullopt;
    text = text.ltrim();
  }
  if (r.empty())
    return std::nullopt;
  return r;
}

/// Parses argv with CLI11 in the SDK's getopt_long spellings (`--opt=v`,
/// `--opt v`, the short forms -d -a -c -l -i -h); values are checked here so
/// that a bad one names its flag. Returns an exit code when the program
/// should stop.
std::optional<int> parseOptions(int argc, char **argv, Options &o) {
  CLI::App app{"bmrt_test"};
  app.set_help_flag();
  // Like getopt: a repeated option keeps its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::vector<std::string> dirs, appended;
  std::string compare, accF, accI, loopnum, calc, netIdx, stageIdx, shapes,
      devid;
  bool help = false, version = false;
  app.add_option("-d,--context_dir", dirs)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  app.add_option("-a,--append_dir", appended)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  app.add_option("--bmodel", o.bmodel);
  app.add_option("-c,--compare", compare);
  app.add_option("--accuracy_f", accF);
  app.add_option("--accuracy_i", accI);
  app.add_option("-l,--loopnum", loopnum);
  app.add_option("--calculate_times", calc);
  app.add_option("--net_idx", netIdx);
  app.add_option("--stage_idx", stageIdx);
  app.add_option("--shapes", shapes);
  app.add_flag("--export_output", o.exportOutput);
  app.add_flag("--check_mem", o.checkMem);
  app.add_option("-i,--devid", devid);
  app.add_flag("-h,--help", help);
  app.add_flag("--version", version);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError &) {
    std::vector<std::string> rest = app.remaining();
    std::string first = rest.empty() ? "" : rest.front();
    if (llvm::StringRef(first).startswith("-")) {
      std::fprintf(stderr, "%s: unrecognized option '%s'\n", argv[0],
                   first.c_str());
      usage(argv[0]);
    } else {
      std::fprintf(stderr, "bmrt_test: unexpected argument '%s'\n",
                   first.c_str());
    }
    return 2;
  } catch (const CLI::ParseError &e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    usage(argv[0]);
    return 2;
  }
  if (help) {
    usage(argv[0]);
    return 0;
  }
  if (version) {
    std::printf("bmrt_test version: %s (OpenNNTC, simulated device)\n",
                ONNTC_VERSION);
    return 0;
  }
  auto bad = [&](const char *opt, const std::string &val) {
    std::fprintf(stderr, "bmrt_test: invalid value '%s' for --%s\n",
                 val.c_str(), opt);
    return 2;
  };
  // As with getopt: each -d goes in front, each -a at the back.
  o.contextDirs.assign(dirs.rbegin(), dirs.rend());
  o.contextDirs.insert(o.contextDirs.end(), appended.begin(), appended.end());
  auto given = [&](const char *name) { return app.count(name) > 0; };
  if (given("--compare")) {
    int v;
    if (!parseInt(compare, v) || (v != 0 && v != 1))
      return bad("compare", compare);
    o.compare = v != 0;
  }
  if (given("--accuracy_f")) {
    double v;
    if (llvm::StringRef(accF).trim().getAsDouble(v) || v < 0)
      return bad("accuracy_f", accF);
    o.tol.f = float(v);
  }
  if (given("--accuracy_i") && (!parseInt(accI, o.tol.i) || o.tol.i < 0))
    return bad("accuracy_i", accI);
  if (given("--loopnum") && (!parseInt(loopnum, o.loopnum) || o.loopnum < 1))
    return bad("loopnum", loopnum);
  if (given("--calculate_times") &&
      (!parseInt(calc, o.calculateTimes) || o.calculateTimes < 1))
    return bad("calculate_times", calc);
  if (given("--net_idx") && (!parseInt(netIdx, o.netIdx) || o.netIdx < 0))
    return bad("net_idx", netIdx);
  if (given("--stage_idx") &&
      (!parseInt(stageIdx, o.stageIdx) || o.stageIdx < 0))
    return bad("stage_idx", stageIdx);
  if (given("--shapes")) {
    o.shapes = parseShapes(shapes);
    if (!o.shapes)
      return bad("shapes", shapes);
  }
  if (given("--devid")) {
    int v;
    if (!parseInt(devid, v) || v != 0)
      return bad("devid", devid);
  }
  if (o.contextDirs.empty() == o.bmodel.empty()) {
    std::fprintf(stderr, "bmrt_test: give either --context_dir or --bmodel "
                         "(see --help)\n");
    return 2;
  }
  return std::nullopt;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

void showNetInfo(const NetDesc &d, size_t index) {
  const char *logFn = "show_net_info";
  BMRT_LOG(INFO, " ########################");
  BMRT_LOG(INFO, " NetName: %s, Index=%zu, CoreNum=%u", d.name.c_str(), index,
           d.coreNum);
  for (size_t s = 0; s < d.stages.size(); ++s) {
    BMRT_LOG(INFO, " ---- stage %zu ----", s);
    auto line = [&](const char *kind, size_t i, const TensorDesc &t,
                    const Shape &sh) {
      std::string dims;
      for (uint64_t v : sh)
        dims += std::to_string(v) + " ";
      BMRT_LOG(INFO,
               "   %s %zu) '%s' shape=[ %s] dtype=%s scale=%g zero_point=%d "
               "device_id=0",
               kind, i, t.name.c_str(), dims.c_str(),
               sdkDTypeName(t.dtype).str().c_str(), t.scale, t.zeroPoint);
    };
    for (size_t i = 0; i < d.inputs.size(); ++i)
      line("Input", i, d.inputs[i], d.stages[s].inputShapes[i]);
    for (size_t i = 0; i < d.outputs.size(); ++i)
      line("Output", i, d.outputs[i], d.stages[s].outputShapes[i]);
  }
  BMRT_LOG(INFO, " ########################");
}

void printArray(const Tensor &t, size_t index) {
  const char *logFn = "print_array";
  if (t.dtype != DType::F32 && t.dtype != DType::I32)
    return;
  std::string dims, vals;
  for (uint64_t v : t.shape)
    dims += std::to_string(v) + " ";
  uint64_t n = t.elementCount();
  for (uint64_t i = 0; i < n && i < 16; ++i) {
    double v = elementAt(t.data, t.dtype, i);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g ", v);
    vals += buf;
  }
  if (n > 16)
    vals += "... ";
  BMRT_LOG(INFO, "output data #%zu shape: [%s] < %s> len=%llu", index,
           dims.c_str(), vals.c_str(), (unsigned long long)n);
}

llvm::ArrayRef<uint8_t> bytesOf(const llvm::MemoryBuffer &b) {
  return {reinterpret_cast<const uint8_t *>(b.getBufferStart()),
          b.getBufferSize()};
}

/// One loaded context dir (or bare bmodel) and its reference files.
struct Source {
  std::string dir;
  std::unique_ptr<llvm::MemoryBuffer> inRef, outRef;
};

std::unique_ptr<llvm::MemoryBuffer> readRef(const std::string &dir,
                                            const char *name, bool &failed) {
  const char *logFn = "read_ref_data";
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, name);
  auto buf = llvm::MemoryBuffer::getFile(p, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    BMRT_LOG(FATAL, "cannot open %s: %s", p.c_str(),
             buf.getError().message().c_str());
    failed = true;
    return nullptr;
  }
  return std::move(*buf);
}

} // namespace

int main(int argc, char **argv) {
  const char *logFn = "bmrt_test";
  Options o;
  if (std::optional<int> rc = parseOptions(argc, argv, o))
    return *rc;
  bool compare = o.compare.value_or(o.bmodel.empty());
  BMRT_LOG(INFO, "Loop num: %d", o.loopnum);

  ContextOptions co;
  co.checkCoeff = o.checkMem;
  Context ctx(co);
  std::vector<Source> sources;
  std::vector<std::string> files;
  if (!o.bmodel.empty()) {
    files.push_back(o.bmodel);
    sources.push_back({llvm::sys::path::parent_path(o.bmodel).str(), {}, {}});
    if (sources.back().dir.empty())
      sources.back().dir = ".";
  }
  for (const std::string &d : o.contextDirs) {
    llvm::SmallString<256> p(d);
    llvm::sys::path::append(p, "compilation.bmodel");
    files.push_back(p.str().str());
    sources.push_back({d, {}, {}});
  }
  for (size_t i = 0; i < files.size(); ++i) {
    logFn = "load_bmodel";
    BMRT_LOG(INFO, "Loading bmodel from [%s]. Thanks for your patience...",
             files[i].c_str());
    size_t before = ctx.netCount();
    if (llvm::Error e = ctx.loadBModel(files[i])) {
      BMRT_LOG(FATAL, "%s", llvm::toString(std::move(e)).c_str());
      return 1;
    }
    BMRT_LOG(INFO, "pre net num: %zu, load net num: %zu", before,
             ctx.netCount() - before);
  }
  logFn = "bmrt_test";
  BMRT_LOG(INFO, "chip: %s (simulated on the OpenNNTC cmodel)",
           ctx.chip().str().c_str());
  for (size_t i = 0; i < ctx.netCount(); ++i)
    showNetInfo(ctx.netInfo(i), i);

  // Reference files: inputs whenever a context dir is used, outputs when
  // comparing.
  bool readInputs = o.bmodel.empty() || compare;
  bool failed = false;
  for (Source &s : sources) {
    if (readInputs)
      s.inRef = readRef(s.dir, "input_ref_data.dat", failed);
    if (compare)
      s.outRef = readRef(s.dir, "output_ref_data.dat", failed);
  }
  if (failed)
    return 1;
  RefLayout layout = computeRefLayout(ctx);
  for (size_t s = 0; s < sources.size(); ++s) {
    uint64_t inSize =
        sources[s].inRef ? sources[s].inRef->getBufferSize() : UINT64_MAX;
    uint64_t outSize =
        sources[s].outRef ? sources[s].outRef->getBufferSize() : UINT64_MAX;
    if (llvm::Error e = checkRefSizes(layout, unsigned(s), inSize, outSize,
                                      sources[s].dir)) {
      BMRT_LOG(FATAL, "%s", llvm::toString(std::move(e)).c_str());
      return 1;
    }
  }
  if (o.netIdx >= 0 && size_t(o.netIdx) >= ctx.netCount()) {
    BMRT_LOG(FATAL, "--net_idx=%d but only %zu nets are loaded", o.netIdx,
             ctx.netCount());
    return 1;
  }
  std::FILE *exportFile = nullptr;
  if (o.exportOutput) {
    exportFile = std::fopen("output.dat", "wb");
    if (!exportFile) {
      BMRT_LOG(FATAL, "cannot create output.dat");
      return 1;
    }
  }
  auto closeExport = [&]() {
    if (exportFile)
      std::fclose(exportFile);
    exportFile = nullptr;
  };

  for (int loop = 0; loop < o.loopnum; ++loop) {
    for (size_t n = 0; n < ctx.netCount(); ++n) {
      if (o.netIdx >= 0 && size_t(o.netIdx) != n)
        continue;
      const NetDesc &d = ctx.netInfo(n);
      const Source &src = sources[d.fileIndex];
      std::vector<unsigned> stages;
      if (o.shapes) {
        llvm::Expected<unsigned> s = ctx.selectStage(n, *o.shapes);
        if (!s) {
          BMRT_LOG(FATAL, "%s", llvm::toString(s.takeError()).c_str());
          closeExport();
          return 1;
        }
        stages.push_back(*s);
      } else {
        for (unsigned s = 0; s < d.stages.size(); ++s)
          stages.push_back(s);
      }
      if (o.stageIdx >= 0) {
        if (size_t(o.stageIdx) >= d.stages.size()) {
          BMRT_LOG(FATAL, "--stage_idx=%d but net '%s' has %zu stages",
                   o.stageIdx, d.name.c_str(), d.stages.size());
          closeExport();
          return 1;
        }
        if (std::find(stages.begin(), stages.end(), unsigned(o.stageIdx)) ==
            stages.end()) {
          BMRT_LOG(FATAL,
                   "--stage_idx=%d does not match the stage of "
                   "--shapes",
                   o.stageIdx);
          closeExport();
          return 1;
        }
        stages = {unsigned(o.stageIdx)};
      }
      for (unsigned si : stages) {
        const StageDesc &sd = d.stages[si];
        BMRT_LOG(INFO, "==> running network #%zu, name: %s, loop: %d", n,
                 d.name.c_str(), loop);
        auto t0 = std::chrono::steady_clock::now();
        std::vector<Tensor> inputs;
        if (src.inRef)
          inputs = refInputs(ctx, layout, n, si, bytesOf(*src.inRef));
        for (size_t i = 0; i < d.inputs.size(); ++i) {
          if (!src.inRef)
            inputs.emplace_back(d.inputs[i].dtype, sd.inputShapes[i]);
          if (o.shapes && i < o.shapes->size())
            inputs[i].shape = (*o.shapes)[i];
          BMRT_LOG(INFO, "reading input #%zu, bytesize=%zu", i,
                   inputs[i].data.size());
        }
        double loadInput = secondsSince(t0);

        auto t1 = std::chrono::steady_clock::now();
        std::optional<LaunchResult> res;
        double simUs = 0;
        for (int k = 0; k < o.calculateTimes; ++k) {
          llvm::Expected<LaunchResult> r = ctx.launch(n, inputs, int(si));
          if (!r) {
            BMRT_LOG(FATAL, "%s", llvm::toString(r.takeError()).c_str());
            closeExport();
            return 1;
          }
          simUs += r->profile.simWallUs;
          res = std::move(*r);
        }
        double calc = secondsSince(t1) / o.calculateTimes;
        simUs /= o.calculateTimes;
        long long totalUs = (long long)(calc * 1e6);
        long long npuUs = (long long)simUs;
        BMRT_LOG(INFO,
                 "net[%s] stage[%u], launch total time is %lld us (npu %lld "
                 "us, cpu %lld us), (launch func time %lld us, sync 0 us)",
                 d.name.c_str(), si, totalUs, npuUs,
                 std::max(0LL, totalUs - npuUs), totalUs);
        const LaunchProfile &p = res->profile;
        BMRT_LOG(INFO,
                 "net[%s] stage[%u], simulated %s: %llu cycles (bdc busy "
                 "%llu, gdma busy %llu), latency %.3f us at %g MHz, MAC "
                 "utilization %.2f%% (%s peak)",
                 d.name.c_str(), si, ctx.chip().str().c_str(),
                 (unsigned long long)p.totalCycles,
                 (unsigned long long)p.bdcBusyCycles,
                 (unsigned long long)p.gdmaBusyCycles, p.latencyUs, p.clockMHz,
                 p.macUtilization * 100, p.macDType.c_str());

        auto t2 = std::chrono::steady_clock::now();
        BMRT_LOG(INFO, "+++ The network[%s] stage[%u] output_data +++",
                 d.name.c_str(), si);
        for (size_t i = 0; i < res->outputs.size(); ++i) {
          printArray(res->outputs[i], i);
          if (exportFile)
            std::fwrite(res->outputs[i].data.data(), 1,
                        res->outputs[i].data.size(), exportFile);
        }
        double getOutput = secondsSince(t2);

        double cmpTime = 0;
        if (compare) {
          auto t3 = std::chrono::steady_clock::now();
          BMRT_LOG(INFO, "==>comparing output in mem #0 ...");
          std::string text;
          llvm::raw_string_ostream os(text);
          uint64_t mismatches = compareOutputs(ctx, layout, n, si, res->outputs,
                                               bytesOf(*src.outRef), o.tol, os);
          std::fputs(os.str().c_str(), stdout);
          cmpTime = secondsSince(t3);
          if (mismatches) {
            BMRT_LOG(FATAL, "+++ The network[%s] stage[%u] cmp failed +++",
                     d.name.c_str(), si);
            closeExport();
            return 1;
          }
          BMRT_LOG(INFO, "+++ The network[%s] stage[%u] cmp success +++",
                   d.name.c_str(), si);
        }
        BMRT_LOG(INFO, "load input time(s): %f", loadInput);
        BMRT_LOG(INFO, "calculate  time(s): %f", calc);
        BMRT_LOG(INFO, "get output time(s): %f", getOutput);
        BMRT_LOG(INFO, "compare    time(s): %f", cmpTime);
      }
    }
  }
  closeExport();
  return 0;
}
