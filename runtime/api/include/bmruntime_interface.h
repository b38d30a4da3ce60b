/*===- bmruntime_interface.h - the BMRuntime C API over the cmodel -*- C -*-===
 *
 * The SDK's main bmrt_* entry points and structs (field order and meaning as
 * in the SDK's bmruntime_interface.h / bmdef.h), implemented by OpenNNTC's
 * runtime on the chip simulator. There is no device: "device memory" is host
 * memory owned by the runtime, and every launch is complete when it returns.
 * docs/runtime.md lists what is supported and what differs.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ONNTC_BMRUNTIME_INTERFACE_H
#define ONNTC_BMRUNTIME_INTERFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types, numbered as in the bmodel file. */
typedef enum bm_data_type_e {
  BM_FLOAT32 = 0,
  BM_FLOAT16 = 1,
  BM_INT8 = 2,
  BM_UINT8 = 3,
  BM_INT16 = 4,
  BM_UINT16 = 5,
  BM_INT32 = 6,
  BM_UINT32 = 7,
  BM_BFLOAT16 = 8,
  BM_INT4 = 9,
  BM_UINT4 = 10,
} bm_data_type_t;

/* Store modes of device tensors (only BM_STORE_1N is supported). */
typedef enum bm_store_mode_e {
  BM_STORE_1N = 0,
  BM_STORE_2N = 1,
  BM_STORE_4N = 2,
} bm_store_mode_t;

typedef enum bm_status_e {
  BM_SUCCESS = 0,
  BM_ERR_DEVNOTREADY = 1,
  BM_ERR_FAILURE = 2,
  BM_ERR_PARAM = 4,
  BM_ERR_NOMEM = 6,
} bm_status_t;

#define BM_MAX_DIMS_NUM 8

typedef struct bm_shape_s {
  int num_dims;
  int dims[BM_MAX_DIMS_NUM];
} bm_shape_t;

/* Simulated device memory: `host_addr` points at `size` bytes owned by the
 * runtime (allocate with bm_malloc_device_byte or bmrt_tensor, release with
 * bm_free_device). `device_addr` is informational. */
typedef struct bm_mem_desc {
  unsigned long long device_addr;
  unsigned int size;
  void *host_addr;
} bm_device_mem_t;

typedef struct bm_tensor_s {
  bm_data_type_t dtype;
  bm_shape_t shape;
  bm_device_mem_t device_mem;
  bm_store_mode_t st_mode;
} bm_tensor_t;

typedef struct bm_stage_info_s {
  bm_shape_t *input_shapes;
  bm_shape_t *output_shapes;
  bm_device_mem_t *input_mems;  /* not used by the simulator: zeroed */
  bm_device_mem_t *output_mems; /* not used by the simulator: zeroed */
} bm_stage_info_t;

/* Net information; pointers stay valid until bmrt_destroy. */
typedef struct bm_net_info_s {
  const char *name;
  bool is_dynamic;
  int input_num;
  char const **input_names;
  bm_data_type_t *input_dtypes;
  float *input_scales;
  int output_num;
  char const **output_names;
  bm_data_type_t *output_dtypes;
  float *output_scales;
  int stage_num;
  bm_stage_info_t *stages;
  size_t *max_input_bytes;  /* per input: largest byte size over stages */
  size_t *max_output_bytes; /* per output: largest byte size over stages */
  int *input_zero_point;
  int *output_zero_point;
  int *input_loc_devices;  /* all 0: one simulated device */
  int *output_loc_devices; /* all 0 */
  int core_num;
  int32_t addr_mode;
} bm_net_info_t;

/* Runtime flags (bmrt_set_flags). */
typedef enum bm_runtime_flag_e {
  BM_RUNTIME_AUTO = 0,
  BM_RUNTIME_SHARE_MEM = 1, /* accepted, no effect */
  BM_RUNTIME_CHECK_MEM = 2, /* verify coeff sha256 check codes on load */
} bm_runtime_flag_t;

/* The device handle: an opaque simulated device. */
typedef struct bm_context *bm_handle_t;
bm_status_t bm_dev_request(bm_handle_t *handle, int devid);
void bm_dev_free(bm_handle_t handle);
/* Launches are synchronous: always BM_SUCCESS. */
bm_status_t bm_thread_sync(bm_handle_t handle);
/* Simulated device memory helpers. */
bm_status_t bm_malloc_device_byte(bm_handle_t handle, bm_device_mem_t *pmem,
                                  unsigned int size);
void bm_free_device(bm_handle_t handle, bm_device_mem_t mem);
bm_status_t bm_memcpy_s2d(bm_handle_t handle, bm_device_mem_t dst, void *src);
bm_status_t bm_memcpy_d2s(bm_handle_t handle, void *dst, bm_device_mem_t src);
unsigned int bm_mem_get_device_size(bm_device_mem_t mem);

/* Runtime instances. `bm_handle` may be NULL. */
void *bmrt_create(bm_handle_t bm_handle);
void bmrt_destroy(void *p_bmrt);
bm_handle_t bmrt_get_bm_handle(void *p_bmrt);
void bmrt_set_flags(void *p_bmrt, uint32_t flags);
uint32_t bmrt_get_flags(void *p_bmrt);

bool bmrt_load_bmodel(void *p_bmrt, const char *bmodel_path);
bool bmrt_load_bmodel_data(void *p_bmrt, const void *bmodel_data, size_t size);
void bmrt_show_neuron_network(void *p_bmrt);
int bmrt_get_network_number(void *p_bmrt);
/* *network_names is allocated with malloc: free() it (not the strings). */
void bmrt_get_network_names(void *p_bmrt, const char ***network_names);
/* NULL when no net has that name. */
const bm_net_info_t *bmrt_get_network_info(void *p_bmrt, const char *net_name);
void bmrt_print_network_info(const bm_net_info_t *net_info);

/* Runs a net on device tensors. Outputs are allocated by the runtime
 * (release with bm_free_device) unless user_mem is true. Returns when the
 * run is complete; bm_thread_sync is a no-op. */
bool bmrt_launch_tensor(void *p_bmrt, const char *net_name,
                        const bm_tensor_t input_tensors[], int input_num,
                        bm_tensor_t output_tensors[], int output_num);
bool bmrt_launch_tensor_ex(void *p_bmrt, const char *net_name,
                           const bm_tensor_t input_tensors[], int input_num,
                           bm_tensor_t output_tensors[], int output_num,
                           bool user_mem, bool user_stmode);
/* Runs a net on host data (blocking). Without user_mem the runtime
 * allocates output_datas[i] with malloc (free() them). output_shapes are
 * filled. */
bool bmrt_launch_data(void *p_bmrt, const char *net_name,
                      void *const input_datas[],
                      const bm_shape_t input_shapes[], int input_num,
                      void *output_datas[], bm_shape_t output_shapes[],
                      int output_num, bool user_mem);

size_t bmrt_data_type_size(bm_data_type_t dtype);
bm_shape_t bmrt_shape(const int *dims, int num_dims);
uint64_t bmrt_shape_count(const bm_shape_t *shape);
bool bmrt_shape_is_same(const bm_shape_t *left, const bm_shape_t *right);
/* Allocates simulated device memory for the tensor. */
bool bmrt_tensor(bm_tensor_t *tensor, void *p_bmrt, bm_data_type_t dtype,
                 bm_shape_t shape);
void bmrt_tensor_with_device(bm_tensor_t *tensor, bm_device_mem_t device_mem,
                             bm_data_type_t dtype, bm_shape_t shape);
size_t bmrt_tensor_bytesize(const bm_tensor_t *tensor);
size_t bmrt_tensor_device_size(const bm_tensor_t *tensor);

/* OpenNNTC extensions. */
/* Message of the last failed call on this runtime ("" when none). */
const char *bmrt_get_last_error(void *p_bmrt);
typedef struct bmrt_sim_profile_s {
  uint64_t total_cycles;
  uint64_t bdc_busy_cycles;
  uint64_t gdma_busy_cycles;
  uint64_t macs;
  double clock_mhz;
  double latency_us;
  double mac_utilization;
} bmrt_sim_profile_t;
/* Simulated figures of the last successful launch. */
bool bmrt_get_last_profile(void *p_bmrt, bmrt_sim_profile_t *profile);

#ifdef __cplusplus
}
#endif

#endif
