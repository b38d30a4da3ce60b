/* Runs a Darknet network with Debian's libdarknet and dumps layer outputs.
 *
 *   darknet_dump CFG WEIGHTS INPUT.bin PREFIX LAYER...
 *
 * INPUT.bin is the net's input as raw float32 (C x H x W, RGB in [0,1]);
 * each LAYER's output is written to PREFIX_<layer>.bin as raw float32. The
 * oracle for run_darknet.sh; headless (no image I/O, no display). */
#include <darknet.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s CFG WEIGHTS INPUT.bin PREFIX LAYER...\n",
            argv[0]);
    return 2;
  }
  network *net = load_network(argv[1], argv[2], 0);
  set_batch_network(net, 1);
  int n = net->inputs;
  float *in = calloc((size_t)n, sizeof(float));
  FILE *f = fopen(argv[3], "rb");
  if (!f || fread(in, sizeof(float), (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "%s: cannot read %d floats\n", argv[3], n);
    return 1;
  }
  fclose(f);
  network_predict(net, in);
  for (int a = 5; a < argc; ++a) {
    int i = atoi(argv[a]);
    if (i < 0 || i >= net->n) {
      fprintf(stderr, "no layer %d\n", i);
      return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s_%d.bin", argv[4], i);
    FILE *o = fopen(path, "wb");
    if (!o || fwrite(net->layers[i].output, sizeof(float),
                     (size_t)net->layers[i].outputs, o) !=
                  (size_t)net->layers[i].outputs) {
      fprintf(stderr, "cannot write %s\n", path);
      return 1;
    }
    fclose(o);
  }
  return 0;
}
