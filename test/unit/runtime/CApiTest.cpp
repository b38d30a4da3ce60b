//===- CApiTest.cpp - the bmrt_* C API ------------------------------------===//
#include "TestModels.h"

#include "bmruntime_interface.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <string>

using namespace onntc;
using namespace onntc::testmodels;

namespace {

std::vector<uint8_t> sampleBytes() {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = makeModel(t);
  addAddReluNet(m, t, "addrelu", {{1, 4, 4, 4}, {1, 4, 8, 8}}, 11);
  addConvNet(m, t, "conv", 21);
  llvm::Expected<std::vector<uint8_t>> b = serialize(m);
  REQUIRE(static_cast<bool>(b));
  return *b;
}

SampleModel sampleModel() {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = makeModel(t);
  addAddReluNet(m, t, "addrelu", {{1, 4, 4, 4}, {1, 4, 8, 8}}, 11);
  addConvNet(m, t, "conv", 21);
  return m;
}

} // namespace

TEST_CASE("C API: load, names, net info in the SDK's fields",
          "[runtime][capi]") {
  bm_handle_t h = nullptr;
  REQUIRE(bm_dev_request(&h, 0) == BM_SUCCESS);
  CHECK(bm_dev_request(&h, 1) == BM_ERR_PARAM);
  void *rt = bmrt_create(h);
  REQUIRE(rt);
  CHECK(bmrt_get_bm_handle(rt) == h);
  std::vector<uint8_t> bytes = sampleBytes();
  REQUIRE(bmrt_load_bmodel_data(rt, bytes.data(), bytes.size()));
  CHECK(bmrt_get_network_number(rt) == 2);
  const char **names = nullptr;
  bmrt_get_network_names(rt, &names);
  REQUIRE(names);
  CHECK(std::string(names[0]) == "addrelu");
  CHECK(std::string(names[1]) == "conv");
  std::free(names);

  const bm_net_info_t *info = bmrt_get_network_info(rt, "addrelu");
  REQUIRE(info);
  CHECK(std::string(info->name) == "addrelu");
  CHECK_FALSE(info->is_dynamic);
  CHECK(info->input_num == 1);
  CHECK(std::string(info->input_names[0]) == "x");
  CHECK(info->input_dtypes[0] == BM_FLOAT32);
  CHECK(info->input_scales[0] == 1.0f);
  CHECK(info->output_num == 1);
  CHECK(std::string(info->output_names[0]) == "y");
  CHECK(info->stage_num == 2);
  CHECK(info->stages[1].input_shapes[0].num_dims == 4);
  CHECK(info->stages[1].input_shapes[0].dims[3] == 8);
  CHECK(info->max_input_bytes[0] == 1024);
  CHECK(info->max_output_bytes[0] == 1024);
  CHECK(info->input_zero_point[0] == 0);
  CHECK(info->core_num == 1);
  CHECK(info->addr_mode == 0);
  CHECK(bmrt_get_network_info(rt, "none") == nullptr);
  CHECK(std::string(bmrt_get_last_error(rt)).find("'none'") !=
        std::string::npos);

  // Same nets again: refused, with a message.
  CHECK_FALSE(bmrt_load_bmodel_data(rt, bytes.data(), bytes.size()));
  CHECK(std::string(bmrt_get_last_error(rt)).find("already loaded") !=
        std::string::npos);
  CHECK_FALSE(bmrt_load_bmodel(rt, "/nonexistent.bmodel"));
  CHECK(bmrt_get_network_number(rt) == 2);
  bmrt_destroy(rt);
  bm_dev_free(h);
}

TEST_CASE("C API: launch_data and launch_tensor run the nets",
          "[runtime][capi]") {
  void *rt = bmrt_create(nullptr);
  std::vector<uint8_t> bytes = sampleBytes();
  REQUIRE(bmrt_load_bmodel_data(rt, bytes.data(), bytes.size()));
  SampleModel m = sampleModel();

  // launch_data on stage 1 of addrelu, runtime-allocated output.
  const RefCase &c1 = m.cases[1];
  int dims[4] = {1, 4, 8, 8};
  bm_shape_t s = bmrt_shape(dims, 4);
  CHECK(bmrt_shape_count(&s) == 256);
  void *in[1] = {const_cast<uint8_t *>(c1.inputs[0].data.data())};
  void *out[1] = {nullptr};
  bm_shape_t outShape[1];
  REQUIRE(bmrt_launch_data(rt, "addrelu", in, &s, 1, out, outShape, 1, false));
  REQUIRE(out[0]);
  CHECK(bmrt_shape_is_same(&outShape[0], &s));
  CHECK(std::memcmp(out[0], c1.outputs[0].data.data(), 1024) == 0);
  std::free(out[0]);
  bmrt_sim_profile_t prof;
  REQUIRE(bmrt_get_last_profile(rt, &prof));
  CHECK(prof.total_cycles > 0);
  CHECK(prof.clock_mhz == 1000.0);

  // launch_data with user memory on stage 0.
  const RefCase &c0 = m.cases[0];
  int dims0[4] = {1, 4, 4, 4};
  bm_shape_t s0 = bmrt_shape(dims0, 4);
  std::vector<uint8_t> userOut(256, 0xee);
  void *in0[1] = {const_cast<uint8_t *>(c0.inputs[0].data.data())};
  void *out0[1] = {userOut.data()};
  REQUIRE(bmrt_launch_data(rt, "addrelu", in0, &s0, 1, out0, nullptr, 1, true));
  CHECK(userOut == c0.outputs[0].data);

  // launch_tensor on conv with simulated device memory.
  const RefCase &c2 = m.cases[2];
  int dims2[4] = {1, 2, 5, 5};
  bm_tensor_t inT;
  REQUIRE(bmrt_tensor(&inT, rt, BM_FLOAT32, bmrt_shape(dims2, 4)));
  CHECK(bmrt_tensor_bytesize(&inT) == 200);
  CHECK(bmrt_tensor_device_size(&inT) == 200);
  REQUIRE(bm_memcpy_s2d(nullptr, inT.device_mem,
                        const_cast<uint8_t *>(c2.inputs[0].data.data())) ==
          BM_SUCCESS);
  bm_tensor_t outT;
  std::memset(&outT, 0, sizeof(outT));
  REQUIRE(bmrt_launch_tensor(rt, "conv", &inT, 1, &outT, 1));
  CHECK(bm_thread_sync(nullptr) == BM_SUCCESS);
  CHECK(outT.dtype == BM_FLOAT32);
  CHECK(outT.shape.num_dims == 4);
  CHECK(outT.shape.dims[1] == 3);
  REQUIRE(bmrt_tensor_bytesize(&outT) == 300);
  std::vector<float> got(75), exp = f32Values(c2.outputs[0]);
  REQUIRE(bm_memcpy_d2s(nullptr, got.data(), outT.device_mem) == BM_SUCCESS);
  for (size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == Approx(exp[i]).margin(1e-5));
  bm_free_device(nullptr, outT.device_mem);

  // Errors: wrong counts, wrong shape, unknown net.
  CHECK_FALSE(bmrt_launch_tensor(rt, "conv", &inT, 0, &outT, 1));
  CHECK(std::string(bmrt_get_last_error(rt)).find("has 1 inputs, 0 given") !=
        std::string::npos);
  int bad[4] = {1, 4, 2, 2};
  bm_shape_t badShape = bmrt_shape(bad, 4);
  void *outBad[1] = {nullptr};
  CHECK_FALSE(bmrt_launch_data(rt, "addrelu", in0, &badShape, 1, outBad,
                               nullptr, 1, false));
  CHECK(std::string(bmrt_get_last_error(rt)).find("no stage has") !=
        std::string::npos);
  CHECK_FALSE(bmrt_launch_tensor(rt, "zzz", &inT, 1, &outT, 1));
  bm_free_device(nullptr, inT.device_mem);
  bmrt_destroy(rt);
}

TEST_CASE("C API: flags and helpers", "[runtime][capi]") {
  CHECK(bmrt_data_type_size(BM_FLOAT32) == 4);
  CHECK(bmrt_data_type_size(BM_FLOAT16) == 2);
  CHECK(bmrt_data_type_size(BM_INT8) == 1);
  CHECK(bmrt_data_type_size(BM_UINT32) == 4);
  bm_shape_t a = bmrt_shape(nullptr, 0);
  CHECK(bmrt_shape_count(&a) == 1);
  int d[2] = {2, 3};
  bm_shape_t b = bmrt_shape(d, 2);
  CHECK_FALSE(bmrt_shape_is_same(&a, &b));

  // BM_RUNTIME_CHECK_MEM verifies the coeff check codes.
  SampleModel m = sampleModel();
  m.info.nets[0].stages[1].coeff->checkCode.assign(32, 0x11);
  llvm::Expected<std::vector<uint8_t>> bytes = serialize(m);
  REQUIRE(static_cast<bool>(bytes));
  void *rt = bmrt_create(nullptr);
  bmrt_set_flags(rt, BM_RUNTIME_CHECK_MEM);
  CHECK(bmrt_get_flags(rt) == BM_RUNTIME_CHECK_MEM);
  CHECK_FALSE(bmrt_load_bmodel_data(rt, bytes->data(), bytes->size()));
  CHECK(bmrt_get_network_number(rt) == 0);
  bmrt_set_flags(rt, 0);
  CHECK(bmrt_load_bmodel_data(rt, bytes->data(), bytes->size()));
  bmrt_destroy(rt);
}

extern "C" int onntc_c_header_smoke(void);

TEST_CASE("C API: the header compiles and links as C", "[runtime][capi]") {
  CHECK(onntc_c_header_smoke() == 12);
}
