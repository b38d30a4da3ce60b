//===- OnnxConformance.cpp - ONNX backend tests on the IR interpreter -----===//
//
// Runs the ONNX backend test data (libonnx-testdata: node, pytorch-converted,
// pytorch-operator, simple) through the ONNX importer and the reference
// interpreter and compares with the expected outputs. Each test runs in a
// child process, so a crashing kernel fails its test, not the whole run.
//
// Usage: onnx_conformance [--data DIR] [--known FILE] [--must-pass FILE]
//                         [--write-must-pass FILE] [--filter TEXT] [-v]
//
// --must-pass FILE is the floor: every test it lists has to pass; one that
// fails, turns unsupported or is missing from the data fails the run.
// --write-must-pass FILE regenerates it (every test that passes now).
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/OnnxImporter.h"
#include "ir/Interpreter.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <sys/wait.h>
#include <unistd.h>

using namespace onntc;

namespace {

enum class Outcome : char { Pass = 'P', Fail = 'F', Unsupported = 'U' };

struct Result {
  Outcome outcome = Outcome::Fail;
  std::string message;
};

/// Tolerances (documented in README.md): floats |got - want| <= atol +
/// rtol * |want|, NaN matches NaN, infinities must match exactly; integers
/// and bools exactly.
constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-5;

std::vector<std::string> listDir(llvm::StringRef dir, bool dirs) {
  std::vector<std::string> out;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    bool isDir = llvm::sys::fs::is_directory(it->path());
    if (isDir == dirs)
      out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

llvm::Expected<Tensor> readTensorFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, false, false);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read %s",
                                   path.str().c_str());
  onnx::TensorProto t;
  if (!t.ParseFromArray((*buf)->getBufferStart(),
                        int((*buf)->getBufferSize())) ||
      (t.dims_size() == 0 && t.data_type() == 0))
    return llvm::make_error<OnnxUnsupportedError>(
        (path + ": test data is not a TensorProto (sequence or optional?)")
            .str());
  return tensorFromOnnx(t, llvm::sys::path::parent_path(path), path);
}

/// Numbered files `prefix_<i>.pb` of a data set, in index order.
std::vector<std::string> numbered(llvm::StringRef dir, llvm::StringRef prefix) {
  std::vector<std::string> out;
  for (unsigned i = 0;; ++i) {
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, prefix + "_" + std::to_string(i) + ".pb");
    if (!llvm::sys::fs::exists(p))
      break;
    out.push_back(p.str().str());
  }
  return out;
}

std::string compare(const Tensor &got, const Tensor &want, size_t idx) {
  std::string where = "output " + std::to_string(idx);
  if (got.dtype() != want.dtype())
    return where + ": dtype " + dtypeName(got.dtype()).str() + ", expected " +
           dtypeName(want.dtype()).str();
  if (got.shape() != want.shape())
    return where + ": shape " + got.shape().str() + ", expected " +
           want.shape().str();
  int64_t n = want.numElements();
  for (int64_t i = 0; i < n; ++i) {
    if (isFloat(want.dtype())) {
      double g = got.getDouble(i), w = want.getDouble(i);
      if (std::isnan(w) && std::isnan(g))
        continue;
      if (std::isinf(w) || std::isinf(g)) {
        if (g == w)
          continue;
      } else if (std::fabs(g - w) <= kAtol + kRtol * std::fabs(w)) {
        continue;
      }
      return where + ": element " + std::to_string(i) + " is " +
             std::to_string(g) + ", expected " + std::to_string(w);
    }
    if (got.getInt(i) != want.getInt(i))
      return where + ": element " + std::to_string(i) + " is " +
             std::to_string(got.getInt(i)) + ", expected " +
             std::to_string(want.getInt(i));
  }
  return "";
}

/// Classifies an error: unsupported content vs a real failure.
Result fromError(llvm::Error e) {
  Result r;
  r.outcome = Outcome::Fail;
  llvm::handleAllErrors(
      std::move(e),
      [&](const OnnxUnsupportedError &u) {
        r.outcome = Outcome::Unsupported;
        llvm::raw_string_ostream os(r.message);
        u.log(os);
      },
      [&](const llvm::ErrorInfoBase &b) { r.message = b.message(); });
  return r;
}

Result runTest(const std::string &dir) {
  llvm::SmallString<256> modelPath(dir);
  llvm::sys::path::append(modelPath, "model.onnx");
  auto model = loadOnnxModel(modelPath);
  if (!model)
    return fromError(model.takeError());
  std::vector<std::string> realInputs;
  {
    llvm::StringSet<> inits;
    for (const auto &t : (*model)->graph().initializer())
      inits.insert(t.name());
    for (const auto &in : (*model)->graph().input())
      if (!inits.count(in.name()))
        realInputs.push_back(in.name());
  }
  // Sequence, map and optional values have no IR form.
  for (const auto *list :
       {&(*model)->graph().input(), &(*model)->graph().output()})
    for (const auto &vi : *list)
      if (!vi.type().has_tensor_type())
        return {Outcome::Unsupported, "'" + vi.name() + "' is not a tensor"};
  std::vector<std::string> sets;
  for (const std::string &d : listDir(dir, true))
    if (llvm::StringRef(llvm::sys::path::filename(d))
            .startswith("test_data_set_"))
      sets.push_back(d);
  if (sets.empty())
    return {Outcome::Unsupported, "no test data sets"};

  KernelContext kctx(1);
  for (const std::string &set : sets) {
    std::vector<Tensor> inputs, expected;
    for (const std::string &f : numbered(set, "input")) {
      auto t = readTensorFile(f);
      if (!t)
        return fromError(t.takeError());
      inputs.push_back(std::move(*t));
    }
    for (const std::string &f : numbered(set, "output")) {
      auto t = readTensorFile(f);
      if (!t)
        return fromError(t.takeError());
      expected.push_back(std::move(*t));
    }
    if (inputs.size() > realInputs.size())
      return {Outcome::Fail, "more input files than model inputs"};
    OnnxImportOptions opts;
    for (size_t i = 0; i < inputs.size(); ++i) {
      opts.inputNames.push_back(realInputs[i]);
      opts.shapes.push_back(inputs[i].shape());
    }
    auto module = importOnnxModel(**model, modelPath, opts);
    if (!module)
      return fromError(module.takeError());
    const Graph &g = (*module)->graph;
    if (g.outputs().size() != expected.size())
      return {Outcome::Fail, "graph has " + std::to_string(g.outputs().size()) +
                                 " outputs, test data " +
                                 std::to_string(expected.size())};
    // ONNX 1.12 stores bfloat16 test data as UINT16 bit patterns.
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].dtype() == DType::U16 &&
          g.inputs()[i]->dtype() == DType::BF16)
        inputs[i] = Tensor(DType::BF16, inputs[i].shape(), inputs[i].buffer());
    for (size_t i = 0; i < expected.size(); ++i)
      if (expected[i].dtype() == DType::U16 &&
          g.outputs()[i]->dtype() == DType::BF16)
        expected[i] =
            Tensor(DType::BF16, expected[i].shape(), expected[i].buffer());
    auto outs = runGraph(g, inputs, kctx);
    if (!outs)
      return fromError(outs.takeError());
    for (size_t i = 0; i < expected.size(); ++i) {
      std::string diff = compare((*outs)[i], expected[i], i);
      if (!diff.empty())
        return {Outcome::Fail,
                llvm::sys::path::filename(set).str() + ": " + diff};
    }
  }
  return {Outcome::Pass, ""};
}

/// Runs one test in a child process; a crash or abort becomes a failure.
Result runIsolated(const std::string &dir) {
  int fds[2];
  if (pipe(fds) != 0)
    return runTest(dir);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return runTest(dir);
  }
  if (pid == 0) {
    close(fds[0]);
    Result r = runTest(dir);
    std::string msg(1, char(r.outcome));
    msg += r.message;
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t w = write(fds[1], msg.data() + off, msg.size() - off);
      if (w <= 0)
        break;
      off += size_t(w);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0)
    msg.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (msg.empty()) {
    if (WIFSIGNALED(status))
      return {Outcome::Fail,
              "crashed with signal " + std::to_string(WTERMSIG(status))};
    return {Outcome::Fail, "child exited without a result"};
  }
  return {Outcome(msg[0]), msg.substr(1)};
}

/// known_failures.txt: `suite/test  # reason` per line; '#' starts comments.
llvm::Expected<llvm::StringMap<std::string>> readKnown(llvm::StringRef path) {
  llvm::StringMap<std::string> known;
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read %s",
                                   path.str().c_str());
  llvm::SmallVector<llvm::StringRef, 64> lines;
  (*buf)->getBuffer().split(lines, '\n');
  unsigned lineNo = 0;
  for (llvm::StringRef line : lines) {
    ++lineNo;
    auto [name, reason] = line.split('#');
    name = name.trim();
    if (name.empty())
      continue;
    if (reason.trim().empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "%s:%u: '%s' needs a reason ('# why')",
                                     path.str().c_str(), lineNo,
                                     name.str().c_str());
    known[name] = reason.trim().str();
  }
  return known;
}

/// must_pass.txt: one `suite/test` per line; '#' starts a comment.
llvm::Expected<std::vector<std::string>> readMustPass(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return llvm::createStringError(
        buf.getError(), "cannot read %s (regenerate it with "
                        "test/conformance/run.sh <build-dir> --update-must-pass)",
        path.str().c_str());
  std::vector<std::string> names;
  llvm::SmallVector<llvm::StringRef, 64> lines;
  (*buf)->getBuffer().split(lines, '\n');
  for (llvm::StringRef line : lines) {
    llvm::StringRef name = line.split('#').first.trim();
    if (!name.empty())
      names.push_back(name.str());
  }
  return names;
}

/// Writes every passing test, sorted, with a header saying how to remake it.
llvm::Error writeMustPass(llvm::StringRef path,
                          std::vector<std::string> passing) {
  std::sort(passing.begin(), passing.end());
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write %s: %s",
                                   path.str().c_str(), ec.message().c_str());
  os << "# ONNX conformance tests that must pass (the floor): run.sh fails when\n"
        "# one of them fails, becomes unsupported or disappears from the data.\n"
        "# Generated by `test/conformance/run.sh <build-dir> --update-must-pass`\n"
        "# from the tests passing at the time; review its diff like code.\n";
  for (const std::string &n : passing)
    os << n << "\n";
  return llvm::Error::success();
}

const char *outcomeName(Outcome o) {
  switch (o) {
  case Outcome::Pass:
    return "passes";
  case Outcome::Fail:
    return "fails";
  case Outcome::Unsupported:
    return "is unsupported";
  }
  return "?";
}

} // namespace

int main(int argc, char **argv) {
  std::string data = "/usr/share/libonnx-testdata/data";
  std::string knownPath, filter, mustPassPath, writeMustPassPath;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef a = argv[i];
    if ((a == "--data" || a == "--known" || a == "--filter") && i + 1 < argc) {
      (a == "--data" ? data : a == "--known" ? knownPath : filter) = argv[++i];
    } else if (a == "--must-pass" && i + 1 < argc) {
      mustPassPath = argv[++i];
    } else if (a == "--write-must-pass" && i + 1 < argc) {
      writeMustPassPath = argv[++i];
    } else if (a == "-v") {
      verbose = true;
    } else {
      llvm::errs() << "usage: onnx_conformance [--data DIR] [--known FILE] "
                      "[--must-pass FILE] [--write-must-pass FILE] "
                      "[--filter TEXT] [-v]\n";
      return 2;
    }
  }
  if (!writeMustPassPath.empty() && !filter.empty()) {
    llvm::errs() << "conformance: --write-must-pass needs the whole test data "
                    "(drop --filter)\n";
    return 2;
  }
  if (!llvm::sys::fs::is_directory(data)) {
    llvm::errs() << "conformance: test data directory " << data
                 << " is missing (apt-get install libonnx-testdata)\n";
    return 1;
  }
  std::vector<std::string> mustPass;
  if (!mustPassPath.empty()) {
    auto mp = readMustPass(mustPassPath);
    if (!mp) {
      llvm::errs() << "conformance: " << llvm::toString(mp.takeError()) << "\n";
      return 2;
    }
    mustPass = std::move(*mp);
  }
  llvm::StringMap<std::string> known;
  if (!knownPath.empty()) {
    auto k = readKnown(knownPath);
    if (!k) {
      llvm::errs() << "conformance: " << llvm::toString(k.takeError()) << "\n";
      return 2;
    }
    known = std::move(*k);
  }

  unsigned passed = 0, failed = 0, knownFailed = 0, unsupported = 0;
  llvm::StringMap<Result> results;
  std::vector<std::string> passing;
  llvm::StringSet<> seen;
  std::vector<std::string> stale;
  for (const char *suite :
       {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    llvm::SmallString<256> sdir(data);
    llvm::sys::path::append(sdir, suite);
    for (const std::string &dir : listDir(sdir, true)) {
      std::string name =
          std::string(suite) + "/" + llvm::sys::path::filename(dir).str();
      if (!filter.empty() && name.find(filter) == std::string::npos)
        continue;
      seen.insert(name);
      Result r = runIsolated(dir);
      results[name] = r;
      if (r.outcome == Outcome::Pass)
        passing.push_back(name);
      bool isKnown = known.count(name) != 0;
      switch (r.outcome) {
      case Outcome::Pass:
        ++passed;
        if (isKnown)
          stale.push_back(name +
                          " now passes; remove it from the known-failure list");
        if (verbose)
          llvm::outs() << "PASS " << name << "\n";
        break;
      case Outcome::Unsupported:
        ++unsupported;
        if (isKnown)
          stale.push_back(name +
                          " is unsupported, not a failure; remove it from the "
                          "known-failure list");
        if (verbose)
          llvm::outs() << "UNSUPPORTED " << name << ": " << r.message << "\n";
        break;
      case Outcome::Fail:
        if (isKnown) {
          ++knownFailed;
          if (verbose)
            llvm::outs() << "KNOWN-FAIL " << name << ": " << r.message << "\n";
        } else {
          ++failed;
          llvm::outs() << "FAIL " << name << ": " << r.message << "\n";
        }
        break;
      }
      llvm::outs().flush();
    }
  }
  if (filter.empty())
    for (const auto &k : known)
      if (!seen.count(k.getKey()))
        stale.push_back(
            k.getKey().str() +
            " is in the known-failure list but not in the test data");
  for (const std::string &s : stale)
    llvm::outs() << "STALE " << s << "\n";

  // The floor: every listed test must still pass. With --filter, listed
  // tests outside the filter are not run and not judged.
  unsigned regressed = 0, floorChecked = 0;
  llvm::StringSet<> onFloor;
  for (const std::string &name : mustPass) {
    onFloor.insert(name);
    if (!filter.empty() && name.find(filter) == std::string::npos)
      continue;
    ++floorChecked;
    auto it = results.find(name);
    if (it == results.end()) {
      ++regressed;
      llvm::outs() << "REGRESSED " << name
                   << ": on the must-pass list but not in the test data\n";
    } else if (it->second.outcome != Outcome::Pass) {
      ++regressed;
      llvm::outs() << "REGRESSED " << name << ": on the must-pass list but "
                   << outcomeName(it->second.outcome) << ": "
                   << it->second.message << "\n";
    }
  }
  unsigned newPasses = 0;
  if (!mustPassPath.empty())
    for (const std::string &name : passing)
      if (!onFloor.count(name)) {
        ++newPasses;
        if (verbose)
          llvm::outs() << "NEW-PASS " << name << "\n";
      }

  unsigned supported = passed + failed + knownFailed;
  llvm::outs() << "tests: " << (supported + unsupported) << " total, "
               << supported << " with supported ops and types, " << unsupported
               << " unsupported\n";
  llvm::outs() << "passed " << passed << ", failed " << failed
               << ", known failures " << knownFailed
               << ", stale known-failure entries " << stale.size() << "\n";
  if (supported)
    llvm::outs() << llvm::format("pass rate among supported tests: %.1f%%\n",
                                 100.0 * passed / supported);
  if (!mustPassPath.empty()) {
    llvm::outs() << "must-pass floor: " << floorChecked << " checked, "
                 << regressed << " regressed";
    if (newPasses)
      llvm::outs() << "; " << newPasses
                   << " passing tests are not on it yet (run.sh "
                      "--update-must-pass adds them)";
    llvm::outs() << "\n";
  }
  if (!writeMustPassPath.empty()) {
    if (llvm::Error e = writeMustPass(writeMustPassPath, passing)) {
      llvm::errs() << "conformance: " << llvm::toString(std::move(e)) << "\n";
      return 1;
    }
    llvm::outs() << "wrote " << passing.size() << " passing tests to "
                 << writeMustPassPath << "\n";
  }
  llvm::outs() << "conformance: " << passed << " passed, " << failed
               << " failed\n";
  return failed == 0 && stale.empty() && regressed == 0 ? 0 : 1;
}
