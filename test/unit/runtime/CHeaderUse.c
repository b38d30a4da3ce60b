/* Compiled as C: the public header must be valid C, and the C entry points
 * must link from a C translation unit. */
#include "bmruntime_interface.h"

#include <stddef.h>

int onntc_c_header_smoke(void) {
  bm_handle_t h = NULL;
  void *rt;
  int dims[2] = {2, 3};
  bm_shape_t s;
  int n;
  if (bm_dev_request(&h, 0) != BM_SUCCESS)
    return -1;
  rt = bmrt_create(h);
  s = bmrt_shape(dims, 2);
  n = (int)bmrt_shape_count(&s) * (int)bmrt_data_type_size(BM_FLOAT16);
  if (bmrt_get_network_number(rt) != 0 ||
      bmrt_get_network_info(rt, "none") != NULL)
    n = -2;
  bmrt_destroy(rt);
  bm_dev_free(h);
  return n;
}
