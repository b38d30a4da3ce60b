//===- BModelGen.cpp - test-only: writes sample bmodels from JSON
//----------===//
//
// bmodel_gen DESC.json (-o OUT.bmodel | --dir DIR) [--fixed_time T]
//            [--no-validate]
//
// Builds a ModelInfo from a small JSON description and writes it with the
// library writer. --dir writes DIR/compilation.bmodel plus
// input_ref_data.dat and output_ref_data.dat filled with seeded bytes, as a
// compiler output folder. Blob contents are described, not spelled out:
//   {"size": N, "seed": S}  N pseudo-random bytes
//   {"size": N, "fill": B}  N bytes of value B
//   {"text": "..."}         the UTF-8 bytes of a string
//   {"hex": "0a1b..."}      the given bytes
// See test/lit/tpu_model/Inputs/*.json for examples. Unknown keys are errors.
//
//===----------------------------------------------------------------------===//
#include "bmodel/BModel.h"
#include "bmodel/BModelOps.h"
#include "bmodel/BModelWriter.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <initializer_list>

using namespace onntc::bmodel;
namespace json = llvm::json;
using llvm::Error;
using llvm::Expected;

namespace {

Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

uint64_t splitmix(uint64_t &s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<uint8_t> seeded(uint64_t n, uint64_t seed) {
  std::vector<uint8_t> v(n);
  for (uint64_t i = 0; i < n; ++i)
    v[i] = uint8_t(splitmix(seed));
  return v;
}

class Gen {
public:
  BModelWriter w;

  Error checkKeys(const json::Object &o, std::initializer_list<const char *> ok,
                  llvm::StringRef where) {
    for (const auto &kv : o) {
      bool known = false;
      for (const char *k : ok)
        known |= kv.first == k;
      if (!known)
        return fail(where + ": unknown key '" + kv.first.str() + "'");
    }
    return Error::success();
  }

  Expected<std::vector<uint8_t>> bytes(const json::Value *v,
                                       llvm::StringRef where) {
    const json::Object *o = v ? v->getAsObject() : nullptr;
    if (!o)
      return fail(where + ": expected a blob object");
    if (Error e = checkKeys(*o, {"size", "seed", "fill", "text", "hex"}, where))
      return e;
    if (auto t = o->getString("text"))
      return std::vector<uint8_t>(t->begin(), t->end());
    if (auto h = o->getString("hex")) {
      std::string raw;
      if (!llvm::tryGetFromHex(*h, raw))
        return fail(where + ": bad hex");
      return std::vector<uint8_t>(raw.begin(), raw.end());
    }
    uint64_t n = o->getInteger("size").getValueOr(0);
    if (auto f = o->getInteger("fill"))
      return std::vector<uint8_t>(n, uint8_t(*f));
    return seeded(n, o->getInteger("seed").getValueOr(1));
  }

  Expected<BinaryRange> blob(const json::Value *v, llvm::StringRef where) {
    auto b = bytes(v, where);
    if (!b)
      return b.takeError();
    return w.addBlob(*b);
  }

  Error optBlob(const json::Object &o, llvm::StringRef key,
                std::optional<BinaryRange> &out, llvm::StringRef where) {
    if (const json::Value *v = o.get(key)) {
      auto r = blob(v, (where + "." + key).str());
      if (!r)
        return r.takeError();
      out = *r;
    }
    return Error::success();
  }

  template <typename T>
  T num(const json::Object &o, llvm::StringRef key, T def = T()) {
    if (auto i = o.getInteger(key))
      return T(*i);
    if (auto b = o.getBoolean(key))
      return T(*b);
    return def;
  }

  template <typename T>
  std::vector<T> ints(const json::Object &o, llvm::StringRef key) {
    std::vector<T> r;
    if (const json::Array *a = o.getArray(key))
      for (const json::Value &v : *a)
        r.push_back(T(v.getAsInteger().getValueOr(0)));
    return r;
  }

  template <typename T, typename Fn>
  Error list(const json::Object &o, llvm::StringRef key, std::vector<T> &out,
             llvm::StringRef where, Fn fn) {
    const json::Array *a = o.getArray(key);
    if (!a)
      return Error::success();
    for (size_t i = 0; i < a->size(); ++i) {
      std::string w = (where + "." + key + "[" + llvm::Twine(i) + "]").str();
      const json::Object *e = (*a)[i].getAsObject();
      if (!e)
        return fail(w + ": expected an object");
      auto r = fn(*e, w);
      if (!r)
        return r.takeError();
      out.push_back(std::move(*r));
    }
    return Error::success();
  }

  Expected<TensorInfo> tensor(const json::Object &o, llvm::StringRef where) {
    if (Error e =
            checkKeys(o,
                      {"name", "dtype", "shape", "shapes", "scale",
                       "zero_point", "device_addr", "size", "mem_type",
                       "hidden", "index", "gmem_stmode", "cpu_addr", "pad_h"},
                      where))
      return e;
    TensorInfo t;
    t.name = o.getString("name").getValueOr("").str();
    if (auto d = o.getString("dtype")) {
      auto dt = parseDType(*d);
      if (!dt)
        return fail(where + ": unknown dtype '" + *d + "'");
      t.dtype = *dt;
    } else if (auto n = o.getInteger("dtype")) {
      t.dtype = static_cast<DType>(*n);
    }
    if (o.get("shape"))
      t.shapes.push_back(ints<uint64_t>(o, "shape"));
    if (const json::Array *a = o.getArray("shapes"))
      for (const json::Value &s : *a) {
        Shape sh;
        if (const json::Array *d = s.getAsArray())
          for (const json::Value &x : *d)
            sh.push_back(uint64_t(x.getAsInteger().getValueOr(0)));
        t.shapes.push_back(sh);
      }
    t.scale = float(o.getNumber("scale").getValueOr(1.0));
    t.zeroPoint = num<int32_t>(o, "zero_point");
    t.deviceAddr = num<uint64_t>(o, "device_addr");
    t.size = num<uint64_t>(o, "size");
    t.memType = num<uint32_t>(o, "mem_type");
    t.hidden = num<int32_t>(o, "hidden");
    t.index = num<int32_t>(o, "index");
    t.gmemStmode = num<int32_t>(o, "gmem_stmode");
    t.cpuAddr = num<uint32_t>(o, "cpu_addr");
    t.padH = num<uint32_t>(o, "pad_h");
    return t;
  }

  Expected<CmdGroupInfo> group(const json::Object &o, llvm::StringRef where) {
    if (Error e = checkKeys(o,
                            {"bdc_num", "gdma_num", "bdc", "gdma",
                             "bdc_cmd_byte", "gdma_cmd_byte"},
                            where))
      return e;
    CmdGroupInfo g;
    g.bdcNum = num<uint32_t>(o, "bdc_num");
    g.gdmaNum = num<uint32_t>(o, "gdma_num");
    g.bdcCmdByte = num<uint32_t>(o, "bdc_cmd_byte");
    g.gdmaCmdByte = num<uint32_t>(o, "gdma_cmd_byte");
    if (Error e = optBlob(o, "bdc", g.bdc, where))
      return e;
    if (Error e = optBlob(o, "gdma", g.gdma, where))
      return e;
    return g;
  }

  Error blobList(const json::Object &o, llvm::StringRef key,
                 std::vector<BinaryRange> &out, llvm::StringRef where) {
    if (const json::Array *a = o.getArray(key))
      for (const json::Value &v : *a) {
        auto r = blob(&v, (where + "." + key).str());
        if (!r)
          return r.takeError();
        out.push_back(*r);
      }
    return Error::success();
  }

  Expected<SubNetInfo> subnet(const json::Object &o, llvm::StringRef where) {
    if (Error e = checkKeys(o,
                            {"mode", "dynamic", "ir_offset", "ir_len",
                             "n_dynamic", "h_w_dynamic", "id", "next",
                             "cmd_groups", "core_commands", "cpu_params",
                             "inputs", "outputs", "merge", "switch"},
                            where))
      return e;
    SubNetInfo s;
    llvm::StringRef mode = o.getString("mode").getValueOr("tpu");
    if (mode != "tpu" && mode != "cpu")
      return fail(where + ": mode must be tpu or cpu");
    s.mode = mode == "cpu" ? SubnetMode::Cpu : SubnetMode::Tpu;
    s.isDynamic = num<bool>(o, "dynamic");
    s.irOffset = num<uint32_t>(o, "ir_offset");
    s.irLen = num<uint32_t>(o, "ir_len");
    s.nDynamic = num<bool>(o, "n_dynamic");
    s.hwDynamic = num<bool>(o, "h_w_dynamic");
    s.id = num<int32_t>(o, "id", -1);
    s.nextSubnetIds = ints<int32_t>(o, "next");
    auto grp = [&](const json::Object &g, llvm::StringRef w) {
      return group(g, w);
    };
    auto ten = [&](const json::Object &t, llvm::StringRef w) {
      return tensor(t, w);
    };
    if (Error e = list(o, "cmd_groups", s.cmdGroups, where, grp))
      return e;
    if (Error e = list(o, "inputs", s.inputs, where, ten))
      return e;
    if (Error e = list(o, "outputs", s.outputs, where, ten))
      return e;
    if (Error e = list(o, "core_commands", s.coreCommands, where,
                       [&](const json::Object &c,
                           llvm::StringRef w) -> Expected<CoreCommandsInfo> {
                         if (Error e = checkKeys(
                                 c, {"gdma_tiu", "sdma", "hau", "cdma"}, w))
                           return e;
                         CoreCommandsInfo cc;
                         if (Error e = list(c, "gdma_tiu", cc.gdmaTiu, w, grp))
                           return e;
                         if (Error e = blobList(c, "sdma", cc.sdma, w))
                           return e;
                         if (Error e = blobList(c, "hau", cc.hau, w))
                           return e;
                         if (Error e = blobList(c, "cdma", cc.cdma, w))
                           return e;
                         return cc;
                       }))
      return e;
    if (Error e =
            list(o, "cpu_params", s.cpuParams, where,
                 [&](const json::Object &p,
                     llvm::StringRef w) -> Expected<CpuParamInfo> {
                   if (Error e = checkKeys(
                           p, {"op_type", "param", "consts", "is_custom"}, w))
                     return e;
                   CpuParamInfo cp;
                   cp.opType = num<int32_t>(p, "op_type");
                   cp.isCustom = num<int32_t>(p, "is_custom");
                   if (Error e = optBlob(p, "param", cp.param, w))
                     return e;
                   if (Error e = list(
                           p, "consts", cp.consts, w,
                           [&](const json::Object &c,
                               llvm::StringRef w2) -> Expected<CpuConstInfo> {
                             if (Error e = checkKeys(c, {"name", "data"}, w2))
                               return e;
                             CpuConstInfo k;
                             k.name = c.getString("name").getValueOr("").str();
                             if (Error e = optBlob(c, "data", k.data, w2))
                               return e;
                             return k;
                           }))
                     return e;
                   return cp;
                 }))
      return e;
    if (const json::Array *m = o.getArray("merge")) {
      MergeParamInfo mp;
      for (const json::Value &v : *m) {
        std::vector<int32_t> from;
        if (const json::Array *a = v.getAsArray())
          for (const json::Value &x : *a)
            from.push_back(int32_t(x.getAsInteger().getValueOr(0)));
        mp.outputFrom.push_back(from);
      }
      s.merge = mp;
    }
    if (const json::Object *sw = o.getObject("switch"))
      s.switchParam = SwitchParamInfo{ints<int32_t>(*sw, "output_from"),
                                      ints<int32_t>(*sw, "output_branch")};
    return s;
  }

  Expected<StageInfo> stage(const json::Object &o, llvm::StringRef where) {
    if (Error e = checkKeys(o,
                            {"dynamic",
                             "n_dynamic",
                             "h_w_dynamic",
                             "core_num",
                             "ctx_addr",
                             "ctx_size",
                             "ctx_sizes",
                             "cpu_mem_size",
                             "io_addr",
                             "io_size",
                             "dynamic_ctx_addr",
                             "dynamic_coeff_offset",
                             "dynamic_combined_coeff_offset",
                             "inputs",
                             "outputs",
                             "coeff",
                             "cmd_groups",
                             "net_profile",
                             "stage_ir",
                             "binary_ir",
                             "net_stat",
                             "tensor_loc",
                             "subnets"},
                            where))
      return e;
    StageInfo s;
    s.isDynamic = num<bool>(o, "dynamic");
    s.nDynamic = num<bool>(o, "n_dynamic");
    s.hwDynamic = num<bool>(o, "h_w_dynamic");
    s.coreNum = num<uint32_t>(o, "core_num");
    s.ctxAddr = num<uint64_t>(o, "ctx_addr");
    s.ctxSize = num<uint64_t>(o, "ctx_size");
    s.ctxSizes = ints<uint64_t>(o, "ctx_sizes");
    s.cpuMemSize = num<uint32_t>(o, "cpu_mem_size");
    s.ioAddr = num<uint64_t>(o, "io_addr");
    s.ioSize = num<uint64_t>(o, "io_size");
    s.dynamicCtxAddr = num<uint64_t>(o, "dynamic_ctx_addr");
    s.dynamicCoeffOffset = num<uint64_t>(o, "dynamic_coeff_offset");
    s.dynamicCombinedCoeffOffset =
        num<uint64_t>(o, "dynamic_combined_coeff_offset");
    auto ten = [&](const json::Object &t, llvm::StringRef w) {
      return tensor(t, w);
    };
    if (Error e = list(o, "inputs", s.inputs, where, ten))
      return e;
    if (Error e = list(o, "outputs", s.outputs, where, ten))
      return e;
    if (const json::Object *c = o.getObject("coeff")) {
      std::string w = (where + ".coeff").str();
      if (Error e = checkKeys(*c, {"address", "data", "locations"}, w))
        return e;
      auto b = bytes(c->get("data"), w + ".data");
      if (!b)
        return b.takeError();
      CoeffInfo ci = this->w.addCoeff(*b, num<uint64_t>(*c, "address"));
      if (Error e = list(*c, "locations", ci.locations, w,
                         [&](const json::Object &l,
                             llvm::StringRef) -> Expected<LocationInfo> {
                           return LocationInfo{
                               l.getString("name").getValueOr("").str(),
                               num<uint64_t>(l, "offset"),
                               num<uint64_t>(l, "size")};
                         }))
        return e;
      s.coeff = ci;
    }
    if (Error e = list(o, "cmd_groups", s.cmdGroups, where,
                       [&](const json::Object &g, llvm::StringRef w) {
                         return group(g, w);
                       }))
      return e;
    if (Error e = list(o, "stage_ir", s.stageIR, where,
                       [&](const json::Object &i,
                           llvm::StringRef) -> Expected<StageIRInfo> {
                         StageIRInfo r;
                         r.irInfoLen = num<uint32_t>(i, "ir_info_len");
                         r.heightHigh = num<int32_t>(i, "height_high");
                         r.heightLow = num<int32_t>(i, "height_low");
                         r.widthHigh = num<int32_t>(i, "width_high");
                         r.widthLow = num<int32_t>(i, "width_low");
                         return r;
                       }))
      return e;
    for (auto [key, field] : {std::make_pair("net_profile", &s.netProfile),
                              std::make_pair("binary_ir", &s.binaryIR),
                              std::make_pair("net_stat", &s.netStat),
                              std::make_pair("tensor_loc", &s.tensorLoc)})
      if (Error e = optBlob(o, key, *field, where))
        return e;
    if (Error e = list(o, "subnets", s.subnets, where,
                       [&](const json::Object &sn, llvm::StringRef w) {
                         return subnet(sn, w);
                       }))
      return e;
    return s;
  }

  Expected<ModelInfo> model(const json::Object &o) {
    if (Error e =
            checkKeys(o,
                      {"chip", "device_num", "bmodel_type", "kernel_module",
                       "cpuop_module", "lib_backend", "nets", "ref_seed"},
                      "model"))
      return e;
    ModelInfo m;
    m.chip = o.getString("chip").getValueOr("").str();
    m.deviceNum = num<uint32_t>(o, "device_num");
    m.bmodelType = num<uint32_t>(o, "bmodel_type");
    for (auto [key, field] : {std::make_pair("kernel_module", &m.kernelModule),
                              std::make_pair("cpuop_module", &m.cpuopModule)})
      if (const json::Object *k = o.getObject(key)) {
        auto r = blob(k->get("data"), key);
        if (!r)
          return r.takeError();
        *field = ModuleInfo{k->getString("name").getValueOr("").str(), *r};
      }
    if (Error e = optBlob(o, "lib_backend", m.libBackend, "model"))
      return e;
    if (Error e = list(
            o, "nets", m.nets, "model",
            [&](const json::Object &n, llvm::StringRef w) -> Expected<NetInfo> {
              if (Error e = checkKeys(
                      n, {"name", "addr_mode", "cascade", "stages"}, w))
                return e;
              NetInfo net;
              net.name = n.getString("name").getValueOr("").str();
              net.addrMode = num<int32_t>(n, "addr_mode");
              if (const json::Object *c = n.getObject("cascade"))
                net.cascade = CascadeInfo{
                    num<uint32_t>(*c, "device_id"), num<uint32_t>(*c, "step"),
                    c->getString("main_name").getValueOr("").str()};
              if (Error e =
                      list(n, "stages", net.stages, w,
                           [&](const json::Object &s, llvm::StringRef w2) {
                             return stage(s, w2);
                           }))
                return e;
              return net;
            }))
      return e;
    return m;
  }
};

/// Seeded bytes for every stage's inputs or outputs, in file order.
std::vector<uint8_t> refData(const ModelInfo &m, bool inputs, uint64_t seed) {
  std::vector<uint8_t> out;
  for (const NetInfo &n : m.nets)
    for (size_t s = 0; s < n.stages.size(); ++s)
      for (const TensorInfo &t :
           inputs ? n.stages[s].inputs : n.stages[s].outputs) {
        uint64_t sd = llvm::hash_combine(seed, n.name, s, t.name, inputs);
        auto b = seeded(refDataBytes({t}), sd);
        out.insert(out.end(), b.begin(), b.end());
      }
  return out;
}

Error run(int argc, char **argv) {
  std::string desc, out, dir;
  WriteOptions opts;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef a = argv[i];
    if ((a == "-o" || a == "--dir" || a == "--fixed_time") && i + 1 >= argc)
      return fail(a + " needs a value");
    if (a == "-o")
      out = argv[++i];
    else if (a == "--dir")
      dir = argv[++i];
    else if (a == "--fixed_time")
      opts.fixedTime = std::string(argv[++i]);
    else if (a == "--no-validate")
      opts.validate = false;
    else if (desc.empty() && !a.startswith("-"))
      desc = a.str();
    else
      return fail("unknown argument '" + a + "'");
  }
  if (desc.empty() || out.empty() == dir.empty())
    return fail("usage: bmodel_gen DESC.json (-o OUT.bmodel | --dir DIR) "
                "[--fixed_time T] [--no-validate]");
  auto buf = llvm::MemoryBuffer::getFile(desc);
  if (!buf)
    return fail(desc + ": " + buf.getError().message());
  auto val = json::parse((*buf)->getBuffer());
  if (!val)
    return fail(desc + ": " + llvm::toString(val.takeError()));
  const json::Object *root = val->getAsObject();
  if (!root)
    return fail(desc + ": expected a JSON object");
  Gen g;
  auto m = g.model(*root);
  if (!m)
    return fail(desc + ": " + llvm::toString(m.takeError()));
  if (!out.empty())
    return g.w.writeAtomic(out, *m, opts);
  if (std::error_code ec =
          llvm::sys::fs::create_directories(dir, true, llvm::sys::fs::all_all))
    return fail(dir + ": " + ec.message());
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, "compilation.bmodel");
  if (Error e = g.w.writeAtomic(p, *m, opts))
    return e;
  uint64_t seed = uint64_t(root->getInteger("ref_seed").getValueOr(7));
  for (bool in : {true, false}) {
    llvm::SmallString<256> f(dir);
    llvm::sys::path::append(f,
                            in ? "input_ref_data.dat" : "output_ref_data.dat");
    if (Error e = writeFileAtomic(f, refData(*m, in, seed)))
      return e;
  }
  return Error::success();
}

} // namespace

int main(int argc, char **argv) {
  if (Error e = run(argc, argv)) {
    llvm::errs() << "bmodel_gen: error: " << llvm::toString(std::move(e))
                 << "\n";
    return 1;
  }
  return 0;
}
