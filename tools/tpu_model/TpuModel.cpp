//===- TpuModel.cpp - inspect and rearrange .bmodel files -----------------===//
//
// Accepts the SDK's `tpu_model` command lines (`--info file`, `--combine a b
// -o out`, ...) through CLI11. All the work is in bmodel (BModelOps.h);
// this file parses arguments, checks that no output replaces an input and
// prints.
//
//===----------------------------------------------------------------------===//
#include "bmodel/BModel.h"
#include "bmodel/BModelOps.h"
#include "bmodel/BModelWriter.h"

#include "CLI/CLI.hpp"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

using namespace onntc::bmodel;
using llvm::Error;
using llvm::Expected;

namespace {

const char kUsage[] =
    R"(Usage: tpu_model OPERATION ARGS... [--fixed_time "TIME"]

Operations:
  --info model                 brief information about a bmodel
  --print model                the whole flatbuffer as text
  --weight model               per-op weight ranges of every net and stage
  --extract model [-o dir]     one file per net and stage,
                               bm_net<N>_stage<S>.bmodel (in dir, default .)
  --combine f1 f2 ... [-o out] merge bmodels (default out: bm_combined.bmodel)
  --combine_dir d1 d2 ... [-o dir]
                               merge folders holding compilation.bmodel,
                               input_ref_data.dat and output_ref_data.dat
                               (default dir: bm_combined)
  --dump model start size out  write bytes [start, start+size) of the binary
                               region (decimal or 0x hex) into out
  --version                    print the version
  --help                       print this text

Options:
  --fixed_time "TIME"          store TIME (ctime() form, e.g.
                               "Wed Apr 23 14:55:23 2025") as the create time
                               of written bmodels, for reproducible files

Outputs are written to a temporary file and renamed into place; an output
that would replace one of the inputs is refused.
)";

Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// True if `out` names an existing file or folder that is one of `inputs`.
bool sameAsAnInput(llvm::StringRef out,
                   const std::vector<std::string> &inputs) {
  for (const std::string &in : inputs) {
    bool same = false;
    if (!llvm::sys::fs::equivalent(out, in, same) && same)
      return true;
  }
  return false;
}

Expected<std::vector<uint8_t>> readWhole(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return fail(path + ": cannot read: " + buf.getError().message());
  llvm::StringRef b = (*buf)->getBuffer();
  return std::vector<uint8_t>(b.begin(), b.end());
}

Expected<uint64_t> parseNumber(llvm::StringRef s, llvm::StringRef what) {
  uint64_t v;
  bool bad = s.startswith_insensitive("0x")
                 ? s.drop_front(2).getAsInteger(16, v)
                 : s.getAsInteger(10, v);
  if (bad || s.empty())
    return fail("--dump: " + what + " '" + s +
                "' is not a decimal or 0x-hex number");
  return v;
}

struct Args {
  std::string op;
  std::vector<std::string> files;
  std::string output;
  bool hasOutput = false;
  WriteOptions write;
};

/// The one bmodel an operation like --info takes, read and verified.
Expected<BModel> readOnlyInput(const Args &a, llvm::StringRef option) {
  if (a.files.size() != 1)
    return fail(option + " takes exactly one bmodel");
  return readBModel(a.files[0]);
}

Error runInfo(const Args &a) {
  auto m = readOnlyInput(a, "--info");
  if (!m)
    return m.takeError();
  llvm::outs() << formatInfo(*m);
  return Error::success();
}

Error runPrint(const Args &a) {
  auto m = readOnlyInput(a, "--print");
  if (!m)
    return m.takeError();
  auto text = printAsText(*m);
  if (!text)
    return text.takeError();
  llvm::outs() << *text << "\n";
  return Error::success();
}

Error runWeight(const Args &a) {
  auto m = readOnlyInput(a, "--weight");
  if (!m)
    return m.takeError();
  llvm::outs() << formatWeights(*m);
  return Error::success();
}

Error runExtract(const Args &a) {
  auto m = readOnlyInput(a, "--extract");
  if (!m)
    return m.takeError();
  std::string dir = a.hasOutput ? a.output : ".";
  if (std::error_code ec =
          llvm::sys::fs::create_directories(dir, true, llvm::sys::fs::all_all))
    return fail(dir + ": cannot create folder: " + ec.message());
  const ModelInfo &info = m->info();
  for (unsigned n = 0; n < info.nets.size(); ++n)
    for (unsigned s = 0; s < info.nets[n].stages.size(); ++s) {
      llvm::SmallString<256> out(dir);
      llvm::sys::path::append(out, "bm_net" + llvm::Twine(n) + "_stage" +
                                       llvm::Twine(s) + ".bmodel");
      if (sameAsAnInput(out, a.files))
        return fail(out + ": is the input bmodel; refusing to overwrite it "
                          "(use -o to extract into another folder)");
      auto built = extractStage(*m, n, s);
      if (!built)
        return built.takeError();
      llvm::outs() << "Generate file [" << out << "] ......\n";
      if (Error e = built->blobs.writeAtomic(out, built->model, a.write))
        return e;
    }
  llvm::outs() << "Success: all files have been generated!\n";
  return Error::success();
}

Error runCombine(const Args &a) {
  if (a.files.empty())
    return fail("--combine needs at least one bmodel");
  std::string out = a.hasOutput ? a.output : "bm_combined.bmodel";
  if (sameAsAnInput(out, a.files))
    return fail(out + ": is one of the inputs; refusing to overwrite it");
  std::vector<BModel> models;
  for (const std::string &f : a.files) {
    auto m = readBModel(f);
    if (!m)
      return m.takeError();
    models.push_back(std::move(*m));
  }
  std::vector<const BModel *> ptrs;
  for (const BModel &m : models)
    ptrs.push_back(&m);
  auto combined = combineModels(ptrs);
  if (!combined)
    return combined.takeError();
  if (Error e = combined->built.blobs.writeAtomic(out, combined->built.model,
                                                  a.write))
    return e;
  llvm::outs() << "Success: combined to [" << out << "].\n";
  return Error::success();
}

Error runCombineDir(const Args &a) {
  if (a.files.empty())
    return fail("--combine_dir needs at least one folder");
  std::string outDir = a.hasOutput ? a.output : "bm_combined";
  if (sameAsAnInput(outDir, a.files))
    return fail(outDir + ": is one of the input folders; refusing to "
                         "overwrite it");
  std::vector<BModel> models;
  std::vector<std::vector<uint8_t>> ins, outs;
  std::vector<std::string> inNames, outNames;
  for (const std::string &d : a.files) {
    llvm::SmallString<256> p(d);
    llvm::sys::path::append(p, "compilation.bmodel");
    auto m = readBModel(p);
    if (!m)
      return m.takeError();
    models.push_back(std::move(*m));
    for (auto [name, store, names] :
         {std::make_tuple("input_ref_data.dat", &ins, &inNames),
          std::make_tuple("output_ref_data.dat", &outs, &outNames)}) {
      llvm::SmallString<256> f(d);
      llvm::sys::path::append(f, name);
      auto bytes = readWhole(f);
      if (!bytes)
        return bytes.takeError();
      store->push_back(std::move(*bytes));
      names->push_back(std::string(f));
    }
  }
  std::vector<const BModel *> ptrs;
  for (const BModel &m : models)
    ptrs.push_back(&m);
  auto combined = combineModels(ptrs);
  if (!combined)
    return combined.takeError();
  auto inData = mergeRefData(ptrs, ins, inNames, combined->placement, true);
  if (!inData)
    return inData.takeError();
  auto outData = mergeRefData(ptrs, outs, outNames, combined->placement, false);
  if (!outData)
    return outData.takeError();
  auto bytes = combined->built.blobs.serialize(combined->built.model, a.write);
  if (!bytes)
    return bytes.takeError();
  if (std::error_code ec = llvm::sys::fs::create_directories(
          outDir, true, llvm::sys::fs::all_all))
    return fail(outDir + ": cannot create folder: " + ec.message());
  for (auto [name, data] : {std::make_pair("compilation.bmodel", &*bytes),
                            std::make_pair("input_ref_data.dat", &*inData),
                            std::make_pair("output_ref_data.dat", &*outData)}) {
    llvm::SmallString<256> f(outDir);
    llvm::sys::path::append(f, name);
    if (Error e = writeFileAtomic(f, *data))
      return e;
  }
  llvm::outs() << "Success: combined to [" << outDir << "].\n";
  return Error::success();
}

Error runDump(const Args &a) {
  if (a.files.size() != 4)
    return fail("--dump takes: model start size outfile");
  auto m = readBModel(a.files[0]);
  if (!m)
    return m.takeError();
  auto start = parseNumber(a.files[1], "start");
  if (!start)
    return start.takeError();
  auto size = parseNumber(a.files[2], "size");
  if (!size)
    return size.takeError();
  uint64_t region = m->binaryRegion().size();
  if (*start > region || *size > region - *start)
    return fail(a.files[0] + ": [" + llvm::Twine(*start) + ", +" +
                llvm::Twine(*size) + ") is outside the binary region of " +
                llvm::Twine(region) + " bytes");
  const std::string &out = a.files[3];
  if (sameAsAnInput(out, {a.files[0]}))
    return fail(out + ": is the input bmodel; refusing to overwrite it");
  if (Error e = writeFileAtomic(out, m->bytes(BinaryRange{*start, *size})))
    return e;
  llvm::outs() << "save file[" << out << "] success\n";
  return Error::success();
}

/// The operations; each takes its files as the values of its option.
const char *const kOperations[] = {"--info",    "--print",   "--weight",
                                   "--extract", "--combine", "--combine_dir",
                                   "--dump"};

/// Parses the SDK's command line with CLI11. Each operation is an option
/// taking any number of values (its files; the operation checks the count,
/// so `--info` alone says what it needs); -o and --fixed_time may come
/// anywhere. The SDK's single-dash `-fixed_time` is accepted too. Returns
/// an empty op when none is given.
Expected<Args> parseArgs(int argc, char **argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i > 0; --i) {
    std::string arg = argv[i];
    if (arg == "-fixed_time" || llvm::StringRef(arg).startswith("-fixed_time="))
      arg = "-" + arg;
    args.push_back(arg); // CLI11 takes the arguments in reverse order
  }
  Args a;
  CLI::App app{"tpu_model"};
  app.set_help_flag();
  // Like getopt: a repeated option keeps its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.allow_extras(false);
  std::vector<std::vector<std::string>> values(std::size(kOperations));
  std::vector<CLI::Option *> ops;
  for (size_t i = 0; i < std::size(kOperations); ++i)
    ops.push_back(app.add_option(kOperations[i], values[i])
                      ->expected(0, CLI::detail::expected_max_vector_size)
                      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
                      ->allow_extra_args());
  bool help = false, version = false;
  app.add_flag("--help,-h", help);
  app.add_flag("--version", version);
  CLI::Option *out = app.add_option("-o", a.output);
  std::string fixedTime;
  CLI::Option *fixed = app.add_option("--fixed_time", fixedTime);
  try {
    app.parse(args);
  } catch (const CLI::ExtrasError &) {
    // The first argument CLI11 did not take names the problem.
    std::vector<std::string> rest = app.remaining();
    llvm::StringRef first = rest.empty() ? "" : llvm::StringRef(rest.front());
    bool anyOp = help || version;
    for (CLI::Option *o : ops)
      anyOp |= o->count() > 0;
    if (!anyOp && first.startswith("-"))
      return fail("unknown operation '" + first + "' (see tpu_model --help)");
    if (first.startswith("--"))
      return fail("unknown option '" + first + "' (see tpu_model --help)");
    if (!anyOp)
      return a; // files without an operation: the usage text
    return fail("unexpected argument '" + first + "' (see tpu_model --help)");
  } catch (const CLI::ParseError &e) {
    return fail(std::string(e.what()) + " (see tpu_model --help)");
  }
  a.hasOutput = out->count() > 0;
  if (fixed->count())
    a.write.fixedTime = fixedTime;
  std::vector<std::string> given;
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i]->count()) {
      given.push_back(kOperations[i]);
      a.op = kOperations[i];
      a.files = values[i];
      // An operation given without values reads as one empty value.
      if (a.files.size() == 1 && a.files[0].empty())
        a.files.clear();
    }
  if (help)
    given.push_back("--help");
  if (version)
    given.push_back("--version");
  if (given.size() > 1)
    return fail("give one operation, not " + llvm::join(given, " and "));
  if (help)
    a.op = "--help";
  else if (version)
    a.op = "--version";
  return a;
}

} // namespace

int main(int argc, char **argv) {
  auto args = parseArgs(argc, argv);
  if (!args) {
    llvm::errs() << "tpu_model: error: " << llvm::toString(args.takeError())
                 << "\n";
    return 1;
  }
  const std::string &op = args->op;
  if (op.empty() || op == "--help") {
    (op.empty() ? llvm::errs() : llvm::outs()) << kUsage;
    return op.empty() ? 1 : 0;
  }
  if (op == "--version") {
    llvm::outs() << "tpu_model (OpenNNTC) " << ONNTC_VERSION
                 << ", writes bmodel B." << writerVersion() << "\n";
    return 0;
  }
  if (args->hasOutput && op != "--combine" && op != "--combine_dir" &&
      op != "--extract") {
    llvm::errs() << "tpu_model: error: -o applies to --combine, "
                    "--combine_dir and --extract only\n";
    return 1;
  }
  Error err = Error::success();
  if (op == "--info")
    err = runInfo(*args);
  else if (op == "--print")
    err = runPrint(*args);
  else if (op == "--weight")
    err = runWeight(*args);
  else if (op == "--extract")
    err = runExtract(*args);
  else if (op == "--combine")
    err = runCombine(*args);
  else if (op == "--combine_dir")
    err = runCombineDir(*args);
  else
    err = runDump(*args);
  if (err) {
    llvm::outs().flush();
    llvm::errs() << "tpu_model: error: " << llvm::toString(std::move(err))
                 << "\n";
    return 1;
  }
  return 0;
}
