//===- Compare.cpp - reference data and output comparison -----------------===//
#include "runtime/api/Compare.h"

#include "support/Float16.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/Format.h"

#include <cmath>
#include <cstring>

using namespace onntc;
using namespace onntc::runtime;

bool runtime::isFloatType(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

double runtime::elementAt(llvm::ArrayRef<uint8_t> b, DType t, uint64_t i) {
  auto le = [&](unsigned n) {
    uint64_t v = 0;
    for (unsigned k = 0; k < n; ++k)
      v |= uint64_t(b[i * n + k]) << (8 * k);
    return v;
  };
  switch (t) {
  case DType::F32: {
    uint32_t u = uint32_t(le(4));
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  case DType::F16:
    return halfToFloat(uint16_t(le(2)));
  case DType::BF16: {
    uint32_t u = uint32_t(le(2)) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  case DType::I8:
    return int8_t(le(1));
  case DType::U8:
    return uint8_t(le(1));
  case DType::I16:
    return int16_t(le(2));
  case DType::U16:
    return uint16_t(le(2));
  case DType::I32:
    return int32_t(le(4));
  case DType::U32:
    return uint32_t(le(4));
  case DType::I4:
  case DType::U4: {
    uint8_t byte = b[i / 2];
    int v = (i % 2) ? byte >> 4 : byte & 0xf;
    if (t == DType::I4 && v >= 8)
      v -= 16;
    return v;
  }
  }
  return 0;
}

uint64_t runtime::compareTensor(const Tensor &got, llvm::ArrayRef<uint8_t> exp,
                                const Tolerance &tol, llvm::StringRef label,
                                llvm::raw_ostream &os) {
  const unsigned kMaxPrinted = 30;
  uint64_t n = got.elementCount(), errors = 0;
  bool isFloat = isFloatType(got.dtype);
  for (uint64_t i = 0; i < n; ++i) {
    double e = elementAt(exp, got.dtype, i);
    double g = elementAt(got.data, got.dtype, i);
    if (isFloat) {
      bool bad;
      const char *kind;
      if (std::isnan(e) || std::isnan(g)) {
        bad = std::isnan(e) != std::isnan(g);
        kind = "nan";
      } else {
        double m = std::max(std::fabs(e), std::fabs(g));
        double diff = std::fabs(e - g);
        if (m > 1.0) {
          bad = diff / m > tol.f;
          kind = "rel";
        } else {
          bad = diff > tol.f;
          kind = "abs";
        }
      }
      if (!bad)
        continue;
      if (errors++ < kMaxPrinted)
        os << label << " " << kind << " warning at index " << i
           << llvm::format(" exp %.20f got %.20f\n", e, g);
    } else {
      int64_t ei = int64_t(e), gi = int64_t(g);
      int64_t diff = ei > gi ? ei - gi : gi - ei;
      if (diff <= tol.i)
        continue;
      if (errors++ < kMaxPrinted)
        os << label
           << llvm::format(" error at index %3llu: [exp %3lld, got %3lld] "
                           "diff=%2lld (delta=%d)\n",
                           (unsigned long long)i, (long long)ei, (long long)gi,
                           (long long)(ei - gi), tol.i);
    }
  }
  if (errors > kMaxPrinted)
    os << label << " ... " << errors << " mismatches in total (first "
       << kMaxPrinted << " shown)\n";
  return errors;
}

RefLayout runtime::computeRefLayout(const Context &ctx) {
  RefLayout l;
  for (size_t n = 0; n < ctx.netCount(); ++n) {
    const NetDesc &d = ctx.netInfo(n);
    if (l.inBytes.size() <= d.fileIndex) {
      l.inBytes.resize(d.fileIndex + 1, 0);
      l.outBytes.resize(d.fileIndex + 1, 0);
    }
    l.in.emplace_back();
    l.out.emplace_back();
    for (const StageDesc &st : d.stages) {
      l.in.back().push_back(l.inBytes[d.fileIndex]);
      l.out.back().push_back(l.outBytes[d.fileIndex]);
      for (size_t i = 0; i < d.inputs.size(); ++i)
        l.inBytes[d.fileIndex] += bmodel::dtypeBytes(
            d.inputs[i].dtype, bmodel::elementCount(st.inputShapes[i]));
      for (size_t i = 0; i < d.outputs.size(); ++i)
        l.outBytes[d.fileIndex] += bmodel::dtypeBytes(
            d.outputs[i].dtype, bmodel::elementCount(st.outputShapes[i]));
    }
  }
  return l;
}

std::vector<Tensor> runtime::refInputs(const Context &ctx,
                                       const RefLayout &layout, size_t net,
                                       unsigned stage,
                                       llvm::ArrayRef<uint8_t> ref) {
  const NetDesc &d = ctx.netInfo(net);
  uint64_t pos = layout.in[net][stage];
  std::vector<Tensor> r;
  for (size_t i = 0; i < d.inputs.size(); ++i) {
    Tensor t(d.inputs[i].dtype, d.stages[stage].inputShapes[i]);
    assert(pos + t.data.size() <= ref.size() && "ref file too short");
    std::memcpy(t.data.data(), ref.data() + pos, t.data.size());
    pos += t.data.size();
    r.push_back(std::move(t));
  }
  return r;
}

uint64_t runtime::compareOutputs(const Context &ctx, const RefLayout &layout,
                                 size_t net, unsigned stage,
                                 llvm::ArrayRef<Tensor> outputs,
                                 llvm::ArrayRef<uint8_t> ref,
                                 const Tolerance &tol, llvm::raw_ostream &log) {
  const NetDesc &d = ctx.netInfo(net);
  uint64_t pos = layout.out[net][stage], mismatches = 0;
  // Every output the net declares is compared; a run that returns another
  // number of outputs is a mismatch per missing or extra output.
  if (outputs.size() != d.outputs.size()) {
    log << "net '" << d.name << "' stage " << stage << " declares "
        << d.outputs.size() << " outputs but the run returned "
        << outputs.size() << "\n";
    mismatches += outputs.size() > d.outputs.size()
                      ? outputs.size() - d.outputs.size()
                      : d.outputs.size() - outputs.size();
  }
  for (size_t i = 0; i < outputs.size() && i < d.outputs.size(); ++i) {
    uint64_t n = bmodel::dtypeBytes(
        d.outputs[i].dtype,
        bmodel::elementCount(d.stages[stage].outputShapes[i]));
    assert(pos + n <= ref.size() && "ref file too short");
    std::string label =
        "output #" + std::to_string(i) + " '" + d.outputs[i].name + "':";
    mismatches += compareTensor(outputs[i], ref.slice(pos, n), tol, label, log);
    pos += n;
  }
  return mismatches;
}

static llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readWhole(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, name);
  auto buf = llvm::MemoryBuffer::getFile(p, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot open %s: %s",
                                   p.c_str(), buf.getError().message().c_str());
  return std::move(*buf);
}

static llvm::ArrayRef<uint8_t> bytesOf(const llvm::MemoryBuffer &b) {
  return {reinterpret_cast<const uint8_t *>(b.getBufferStart()),
          b.getBufferSize()};
}

llvm::Expected<std::vector<StageCheck>>
runtime::checkContextDir(llvm::StringRef dir, const Tolerance &tol,
                         llvm::raw_ostream &log) {
  Context ctx;
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, "compilation.bmodel");
  if (llvm::Error e = ctx.loadBModel(path))
    return e;
  auto in = readWhole(dir, "input_ref_data.dat");
  if (!in)
    return in.takeError();
  auto out = readWhole(dir, "output_ref_data.dat");
  if (!out)
    return out.takeError();
  RefLayout l = computeRefLayout(ctx);
  if (llvm::Error e = checkRefSizes(l, 0, (*in)->getBufferSize(),
                                    (*out)->getBufferSize(), dir))
    return e;
  std::vector<StageCheck> r;
  for (size_t n = 0; n < ctx.netCount(); ++n) {
    const NetDesc &d = ctx.netInfo(n);
    for (unsigned s = 0; s < d.stages.size(); ++s) {
      std::vector<Tensor> ins = refInputs(ctx, l, n, s, bytesOf(**in));
      llvm::Expected<LaunchResult> res = ctx.launch(n, ins, int(s));
      if (!res)
        return res.takeError();
      StageCheck c;
      c.net = d.name;
      c.stage = s;
      c.profile = res->profile;
      c.mismatches =
          compareOutputs(ctx, l, n, s, res->outputs, bytesOf(**out), tol, log);
      r.push_back(std::move(c));
    }
  }
  return r;
}

llvm::Error runtime::checkRefSizes(const RefLayout &l, unsigned file,
                                   uint64_t inSize, uint64_t outSize,
                                   llvm::StringRef dir) {
  auto check = [&](uint64_t have, uint64_t need,
                   const char *name) -> llvm::Error {
    if (have >= need)
      return llvm::Error::success();
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s/%s has %llu bytes but the nets of its bmodel need %llu (net -> "
        "stage -> tensor order)",
        dir.str().c_str(), name, (unsigned long long)have,
        (unsigned long long)need);
  };
  // The reference outputs must be exactly the bmodel's: extra bytes mean the
  // compiler wrote more (or larger) outputs than the bmodel returns, which a
  // prefix comparison would never notice.
  uint64_t wantOut = file < l.outBytes.size() ? l.outBytes[file] : 0;
  if (outSize != UINT64_MAX && outSize > wantOut)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s/output_ref_data.dat has %llu bytes but the outputs of the nets of "
        "its bmodel take %llu: the reference holds more or larger outputs "
        "than the bmodel returns (net -> stage -> tensor order)",
        dir.str().c_str(), (unsigned long long)outSize,
        (unsigned long long)wantOut);
  uint64_t needIn = file < l.inBytes.size() ? l.inBytes[file] : 0;
  uint64_t needOut = file < l.outBytes.size() ? l.outBytes[file] : 0;
  if (llvm::Error e = check(inSize, needIn, "input_ref_data.dat"))
    return e;
  return check(outSize, needOut, "output_ref_data.dat");
}
