//===- CApi.cpp - the bmrt_* C API over runtime::Context ------------------===//
#include "bmruntime_interface.h"

#include "runtime/api/Runtime.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

using namespace onntc;
using namespace onntc::runtime;

struct bm_context {
  int devid = 0;
};

namespace {

/// The C-side copy of a NetDesc: bm_net_info_t plus the arrays it points at.
struct CNetInfo {
  bm_net_info_t info{};
  std::vector<const char *> inNames, outNames;
  std::vector<bm_data_type_t> inTypes, outTypes;
  std::vector<float> inScales, outScales;
  std::vector<int> inZp, outZp, inLoc, outLoc;
  std::vector<size_t> maxIn, maxOut;
  std::vector<bm_stage_info_t> stages;
  std::vector<std::vector<bm_shape_t>> inShapes, outShapes;
  std::vector<std::vector<bm_device_mem_t>> inMems, outMems;
};

/// What a void* p_bmrt points at.
struct CRuntime {
  bm_handle_t handle = nullptr;
  uint32_t flags = 0;
  Context ctx;
  std::string lastError;
  std::map<std::string, std::unique_ptr<CNetInfo>> infos;
  bool haveProfile = false;
  bmrt_sim_profile_t profile{};
};

CRuntime *unwrap(void *p) { return static_cast<CRuntime *>(p); }

bool failWith(CRuntime *rt, llvm::Error e) {
  rt->lastError = llvm::toString(std::move(e));
  return false;
}

bm_shape_t toCShape(const Shape &s) {
  bm_shape_t r{};
  r.num_dims = int(std::min<size_t>(s.size(), BM_MAX_DIMS_NUM));
  for (int i = 0; i < r.num_dims; ++i)
    r.dims[i] = int(s[i]);
  return r;
}

Shape fromCShape(const bm_shape_t &s) {
  Shape r;
  for (int i = 0; i < s.num_dims && i < BM_MAX_DIMS_NUM; ++i)
    r.push_back(uint64_t(s.dims[i] < 0 ? 0 : s.dims[i]));
  return r;
}

std::unique_ptr<CNetInfo> makeInfo(const NetDesc &d) {
  auto c = std::make_unique<CNetInfo>();
  for (const TensorDesc &t : d.inputs) {
    c->inNames.push_back(t.name.c_str());
    c->inTypes.push_back(bm_data_type_t(t.dtype));
    c->inScales.push_back(t.scale);
    c->inZp.push_back(t.zeroPoint);
    c->inLoc.push_back(0);
  }
  for (const TensorDesc &t : d.outputs) {
    c->outNames.push_back(t.name.c_str());
    c->outTypes.push_back(bm_data_type_t(t.dtype));
    c->outScales.push_back(t.scale);
    c->outZp.push_back(t.zeroPoint);
    c->outLoc.push_back(0);
  }
  c->maxIn.assign(d.maxInputBytes.begin(), d.maxInputBytes.end());
  c->maxOut.assign(d.maxOutputBytes.begin(), d.maxOutputBytes.end());
  for (const StageDesc &s : d.stages) {
    std::vector<bm_shape_t> in, out;
    for (const Shape &sh : s.inputShapes)
      in.push_back(toCShape(sh));
    for (const Shape &sh : s.outputShapes)
      out.push_back(toCShape(sh));
    c->inShapes.push_back(std::move(in));
    c->outShapes.push_back(std::move(out));
    c->inMems.emplace_back(d.inputs.size(), bm_device_mem_t{});
    c->outMems.emplace_back(d.outputs.size(), bm_device_mem_t{});
  }
  for (size_t s = 0; s < d.stages.size(); ++s)
    c->stages.push_back({c->inShapes[s].data(), c->outShapes[s].data(),
                         c->inMems[s].data(), c->outMems[s].data()});
  bm_net_info_t &i = c->info;
  i.name = d.name.c_str();
  i.is_dynamic = d.isDynamic;
  i.input_num = int(d.inputs.size());
  i.input_names = c->inNames.data();
  i.input_dtypes = c->inTypes.data();
  i.input_scales = c->inScales.data();
  i.output_num = int(d.outputs.size());
  i.output_names = c->outNames.data();
  i.output_dtypes = c->outTypes.data();
  i.output_scales = c->outScales.data();
  i.stage_num = int(d.stages.size());
  i.stages = c->stages.data();
  i.max_input_bytes = c->maxIn.data();
  i.max_output_bytes = c->maxOut.data();
  i.input_zero_point = c->inZp.data();
  i.output_zero_point = c->outZp.data();
  i.input_loc_devices = c->inLoc.data();
  i.output_loc_devices = c->outLoc.data();
  i.core_num = int(d.coreNum);
  i.addr_mode = d.addrMode;
  return c;
}

void applyFlags(CRuntime *rt) {
  ContextOptions o = rt->ctx.options();
  o.checkCoeff = (rt->flags & BM_RUNTIME_CHECK_MEM) != 0;
  rt->ctx.setOptions(o);
}

/// Runs `net` on host tensors and records the profile.
llvm::Expected<LaunchResult> run(CRuntime *rt, const char *net,
                                 std::vector<Tensor> ins) {
  if (!net)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "net name is NULL");
  llvm::Expected<LaunchResult> r = rt->ctx.launch(net, ins);
  if (r) {
    const LaunchProfile &p = r->profile;
    rt->profile = {p.totalCycles, p.bdcBusyCycles, p.gdmaBusyCycles, p.macs,
                   p.clockMHz,    p.latencyUs,     p.macUtilization};
    rt->haveProfile = true;
  }
  return r;
}

llvm::Error countError(const char *what, const NetDesc &d, int got,
                       size_t want) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "net '%s' has %zu %s, %d given",
                                 d.name.c_str(), want, what, got);
}

} // namespace

extern "C" {

bm_status_t bm_dev_request(bm_handle_t *handle, int devid) {
  if (!handle || devid != 0)
    return BM_ERR_PARAM;
  *handle = new bm_context{devid};
  return BM_SUCCESS;
}

void bm_dev_free(bm_handle_t handle) { delete handle; }

bm_status_t bm_thread_sync(bm_handle_t) { return BM_SUCCESS; }

bm_status_t bm_malloc_device_byte(bm_handle_t, bm_device_mem_t *pmem,
                                  unsigned int size) {
  if (!pmem)
    return BM_ERR_PARAM;
  void *p = std::calloc(size ? size : 1, 1);
  if (!p)
    return BM_ERR_NOMEM;
  pmem->host_addr = p;
  pmem->size = size;
  pmem->device_addr = reinterpret_cast<uintptr_t>(p);
  return BM_SUCCESS;
}

void bm_free_device(bm_handle_t, bm_device_mem_t mem) {
  std::free(mem.host_addr);
}

bm_status_t bm_memcpy_s2d(bm_handle_t, bm_device_mem_t dst, void *src) {
  if (!dst.host_addr || !src)
    return BM_ERR_PARAM;
  std::memcpy(dst.host_addr, src, dst.size);
  return BM_SUCCESS;
}

bm_status_t bm_memcpy_d2s(bm_handle_t, void *dst, bm_device_mem_t src) {
  if (!src.host_addr || !dst)
    return BM_ERR_PARAM;
  std::memcpy(dst, src.host_addr, src.size);
  return BM_SUCCESS;
}

unsigned int bm_mem_get_device_size(bm_device_mem_t mem) { return mem.size; }

void *bmrt_create(bm_handle_t bm_handle) {
  auto *rt = new CRuntime;
  rt->handle = bm_handle;
  return rt;
}

void bmrt_destroy(void *p_bmrt) { delete unwrap(p_bmrt); }

bm_handle_t bmrt_get_bm_handle(void *p_bmrt) {
  return p_bmrt ? unwrap(p_bmrt)->handle : nullptr;
}

void bmrt_set_flags(void *p_bmrt, uint32_t flags) {
  if (!p_bmrt)
    return;
  unwrap(p_bmrt)->flags = flags;
  applyFlags(unwrap(p_bmrt));
}

uint32_t bmrt_get_flags(void *p_bmrt) {
  return p_bmrt ? unwrap(p_bmrt)->flags : 0;
}

bool bmrt_load_bmodel(void *p_bmrt, const char *bmodel_path) {
  if (!p_bmrt || !bmodel_path)
    return false;
  CRuntime *rt = unwrap(p_bmrt);
  if (llvm::Error e = rt->ctx.loadBModel(bmodel_path))
    return failWith(rt, std::move(e));
  return true;
}

bool bmrt_load_bmodel_data(void *p_bmrt, const void *bmodel_data, size_t size) {
  if (!p_bmrt || !bmodel_data)
    return false;
  CRuntime *rt = unwrap(p_bmrt);
  llvm::ArrayRef<uint8_t> bytes(static_cast<const uint8_t *>(bmodel_data),
                                size);
  if (llvm::Error e = rt->ctx.loadBModelData(bytes, "<bmodel data>"))
    return failWith(rt, std::move(e));
  return true;
}

void bmrt_show_neuron_network(void *p_bmrt) {
  if (!p_bmrt)
    return;
  CRuntime *rt = unwrap(p_bmrt);
  for (size_t i = 0; i < rt->ctx.netCount(); ++i)
    std::printf("net %zu: [%s]\n", i, rt->ctx.netInfo(i).name.c_str());
}

int bmrt_get_network_number(void *p_bmrt) {
  return p_bmrt ? int(unwrap(p_bmrt)->ctx.netCount()) : 0;
}

void bmrt_get_network_names(void *p_bmrt, const char ***network_names) {
  if (!p_bmrt || !network_names)
    return;
  CRuntime *rt = unwrap(p_bmrt);
  size_t n = rt->ctx.netCount();
  auto **names =
      static_cast<const char **>(std::malloc(sizeof(char *) * (n ? n : 1)));
  for (size_t i = 0; i < n; ++i)
    names[i] = rt->ctx.netInfo(i).name.c_str();
  *network_names = names;
}

const bm_net_info_t *bmrt_get_network_info(void *p_bmrt, const char *net_name) {
  if (!p_bmrt || !net_name)
    return nullptr;
  CRuntime *rt = unwrap(p_bmrt);
  const NetDesc *d = rt->ctx.netInfo(net_name);
  if (!d) {
    rt->lastError = std::string("no net named '") + net_name + "' is loaded";
    return nullptr;
  }
  std::unique_ptr<CNetInfo> &c = rt->infos[d->name];
  if (!c)
    c = makeInfo(*d);
  return &c->info;
}

void bmrt_print_network_info(const bm_net_info_t *net_info) {
  if (!net_info)
    return;
  const bm_net_info_t &n = *net_info;
  auto shape = [](const bm_shape_t &s) {
    std::string r = "[";
    for (int i = 0; i < s.num_dims; ++i)
      r += (i ? "," : "") + std::to_string(s.dims[i]);
    return r + "]";
  };
  std::printf("net name: %s\n", n.name);
  std::printf("is dynamic: %d\n", int(n.is_dynamic));
  std::printf("input num: %d\n", n.input_num);
  for (int i = 0; i < n.input_num; ++i)
    std::printf("input %d: name %s, dtype %s, scale %g, zero_point %d, max "
                "bytes %zu\n",
                i, n.input_names[i],
                sdkDTypeName(DType(n.input_dtypes[i])).str().c_str(),
                n.input_scales[i], n.input_zero_point[i], n.max_input_bytes[i]);
  std::printf("output num: %d\n", n.output_num);
  for (int i = 0; i < n.output_num; ++i)
    std::printf("output %d: name %s, dtype %s, scale %g, zero_point %d, max "
                "bytes %zu\n",
                i, n.output_names[i],
                sdkDTypeName(DType(n.output_dtypes[i])).str().c_str(),
                n.output_scales[i], n.output_zero_point[i],
                n.max_output_bytes[i]);
  std::printf("stage num: %d\n", n.stage_num);
  for (int s = 0; s < n.stage_num; ++s) {
    std::printf("stage %d:", s);
    for (int i = 0; i < n.input_num; ++i)
      std::printf(" input %d %s", i,
                  shape(n.stages[s].input_shapes[i]).c_str());
    for (int i = 0; i < n.output_num; ++i)
      std::printf(" output %d %s", i,
                  shape(n.stages[s].output_shapes[i]).c_str());
    std::printf("\n");
  }
}

bool bmrt_launch_tensor_ex(void *p_bmrt, const char *net_name,
                           const bm_tensor_t input_tensors[], int input_num,
                           bm_tensor_t output_tensors[], int output_num,
                           bool user_mem, bool user_stmode) {
  (void)user_stmode; // Only BM_STORE_1N exists here.
  if (!p_bmrt)
    return false;
  CRuntime *rt = unwrap(p_bmrt);
  const NetDesc *d = net_name ? rt->ctx.netInfo(net_name) : nullptr;
  if (!d) {
    rt->lastError = std::string("no net named '") +
                    (net_name ? net_name : "(null)") + "' is loaded";
    return false;
  }
  if (input_num != int(d->inputs.size()))
    return failWith(rt, countError("inputs", *d, input_num, d->inputs.size()));
  if (output_num != int(d->outputs.size()))
    return failWith(rt,
                    countError("outputs", *d, output_num, d->outputs.size()));
  std::vector<Tensor> ins;
  for (int i = 0; i < input_num; ++i) {
    const bm_tensor_t &t = input_tensors[i];
    Tensor h(DType(t.dtype), fromCShape(t.shape));
    if (!t.device_mem.host_addr || t.device_mem.size < h.data.size())
      return failWith(rt, llvm::createStringError(
                              llvm::inconvertibleErrorCode(),
                              "input %d of net '%s': device memory of %u "
                              "bytes, %zu needed",
                              i, net_name, t.device_mem.size, h.data.size()));
    std::memcpy(h.data.data(), t.device_mem.host_addr, h.data.size());
    ins.push_back(std::move(h));
  }
  llvm::Expected<LaunchResult> r = run(rt, net_name, std::move(ins));
  if (!r)
    return failWith(rt, r.takeError());
  for (int i = 0; i < output_num; ++i) {
    const Tensor &o = r->outputs[i];
    bm_tensor_t &t = output_tensors[i];
    if (user_mem) {
      if (!t.device_mem.host_addr || t.device_mem.size < o.data.size())
        return failWith(rt, llvm::createStringError(
                                llvm::inconvertibleErrorCode(),
                                "output %d of net '%s': user memory of %u "
                                "bytes, %zu needed",
                                i, net_name, t.device_mem.size, o.data.size()));
    } else if (bm_malloc_device_byte(rt->handle, &t.device_mem,
                                     unsigned(o.data.size())) != BM_SUCCESS) {
      return failWith(rt, llvm::createStringError(
                              llvm::inconvertibleErrorCode(), "out of memory"));
    }
    std::memcpy(t.device_mem.host_addr, o.data.data(), o.data.size());
    t.dtype = bm_data_type_t(o.dtype);
    t.shape = toCShape(o.shape);
    t.st_mode = BM_STORE_1N;
  }
  return true;
}

bool bmrt_launch_tensor(void *p_bmrt, const char *net_name,
                        const bm_tensor_t input_tensors[], int input_num,
                        bm_tensor_t output_tensors[], int output_num) {
  return bmrt_launch_tensor_ex(p_bmrt, net_name, input_tensors, input_num,
                               output_tensors, output_num, false, false);
}

bool bmrt_launch_data(void *p_bmrt, const char *net_name,
                      void *const input_datas[],
                      const bm_shape_t input_shapes[], int input_num,
                      void *output_datas[], bm_shape_t output_shapes[],
                      int output_num, bool user_mem) {
  if (!p_bmrt)
    return false;
  CRuntime *rt = unwrap(p_bmrt);
  const NetDesc *d = net_name ? rt->ctx.netInfo(net_name) : nullptr;
  if (!d) {
    rt->lastError = std::string("no net named '") +
                    (net_name ? net_name : "(null)") + "' is loaded";
    return false;
  }
  if (input_num != int(d->inputs.size()))
    return failWith(rt, countError("inputs", *d, input_num, d->inputs.size()));
  if (output_num != int(d->outputs.size()))
    return failWith(rt,
                    countError("outputs", *d, output_num, d->outputs.size()));
  std::vector<Tensor> ins;
  for (int i = 0; i < input_num; ++i) {
    Tensor h(d->inputs[i].dtype, fromCShape(input_shapes[i]));
    if (!input_datas[i])
      return failWith(rt, llvm::createStringError(
                              llvm::inconvertibleErrorCode(),
                              "input %d of net '%s' is NULL", i, net_name));
    std::memcpy(h.data.data(), input_datas[i], h.data.size());
    ins.push_back(std::move(h));
  }
  llvm::Expected<LaunchResult> r = run(rt, net_name, std::move(ins));
  if (!r)
    return failWith(rt, r.takeError());
  for (int i = 0; i < output_num; ++i) {
    const Tensor &o = r->outputs[i];
    if (!user_mem)
      output_datas[i] = std::malloc(o.data.size() ? o.data.size() : 1);
    if (!output_datas[i])
      return failWith(rt, llvm::createStringError(
                              llvm::inconvertibleErrorCode(),
                              "output %d of net '%s' is NULL", i, net_name));
    std::memcpy(output_datas[i], o.data.data(), o.data.size());
    if (output_shapes)
      output_shapes[i] = toCShape(o.shape);
  }
  return true;
}

size_t bmrt_data_type_size(bm_data_type_t dtype) {
  unsigned bits = bmodel::dtypeBits(DType(dtype));
  return bits >= 8 ? bits / 8 : (bits ? 1 : 0);
}

bm_shape_t bmrt_shape(const int *dims, int num_dims) {
  bm_shape_t s{};
  s.num_dims = num_dims < 0 ? 0 : std::min(num_dims, BM_MAX_DIMS_NUM);
  for (int i = 0; i < s.num_dims; ++i)
    s.dims[i] = dims[i];
  return s;
}

uint64_t bmrt_shape_count(const bm_shape_t *shape) {
  if (!shape)
    return 0;
  uint64_t n = 1;
  for (int i = 0; i < shape->num_dims && i < BM_MAX_DIMS_NUM; ++i)
    n *= uint64_t(shape->dims[i] < 0 ? 0 : shape->dims[i]);
  return n;
}

bool bmrt_shape_is_same(const bm_shape_t *left, const bm_shape_t *right) {
  if (!left || !right || left->num_dims != right->num_dims)
    return false;
  for (int i = 0; i < left->num_dims && i < BM_MAX_DIMS_NUM; ++i)
    if (left->dims[i] != right->dims[i])
      return false;
  return true;
}

size_t bmrt_tensor_bytesize(const bm_tensor_t *tensor) {
  if (!tensor)
    return 0;
  return size_t(bmodel::dtypeBytes(DType(tensor->dtype),
                                   bmrt_shape_count(&tensor->shape)));
}

size_t bmrt_tensor_device_size(const bm_tensor_t *tensor) {
  return tensor ? tensor->device_mem.size : 0;
}

bool bmrt_tensor(bm_tensor_t *tensor, void *p_bmrt, bm_data_type_t dtype,
                 bm_shape_t shape) {
  if (!tensor)
    return false;
  tensor->dtype = dtype;
  tensor->shape = shape;
  tensor->st_mode = BM_STORE_1N;
  bm_handle_t h = p_bmrt ? unwrap(p_bmrt)->handle : nullptr;
  return bm_malloc_device_byte(h, &tensor->device_mem,
                               unsigned(bmrt_tensor_bytesize(tensor))) ==
         BM_SUCCESS;
}

void bmrt_tensor_with_device(bm_tensor_t *tensor, bm_device_mem_t device_mem,
                             bm_data_type_t dtype, bm_shape_t shape) {
  if (!tensor)
    return;
  tensor->dtype = dtype;
  tensor->shape = shape;
  tensor->device_mem = device_mem;
  tensor->st_mode = BM_STORE_1N;
}

const char *bmrt_get_last_error(void *p_bmrt) {
  return p_bmrt ? unwrap(p_bmrt)->lastError.c_str() : "";
}

bool bmrt_get_last_profile(void *p_bmrt, bmrt_sim_profile_t *profile) {
  if (!p_bmrt || !profile || !unwrap(p_bmrt)->haveProfile)
    return false;
  *profile = unwrap(p_bmrt)->profile;
  return true;
}

} // extern "C"
