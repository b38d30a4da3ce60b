//===- SchemaCheck.cpp - verify a bmodel with flatc's generated verifier
//---===//
//
// bmodel_schema_check FILE: reads the 64-byte header by hand, runs the
// verifier that flatc generated from bmodel.fbs in this test's build folder
// (not the library's copy) and prints the fields the SDK runtime reads first.
// Exit 0 only when the file verifies.
//
//===----------------------------------------------------------------------===//
#include "bmodel_generated.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

static uint32_t le32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bmodel_schema_check FILE\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  if (f.size() < 64) {
    std::fprintf(stderr, "FAIL: shorter than the header\n");
    return 1;
  }
  uint32_t magic = le32(&f[0]), hsize = le32(&f[4]), fbsize = le32(&f[8]),
           binsize = le32(&f[12]);
  std::printf("magic 0x%08X header %u flatbuffer %u binary %u file %zu\n",
              magic, hsize, fbsize, binsize, f.size());
  if (magic != 0xFF55AAEE || uint64_t(hsize) + fbsize + binsize > f.size()) {
    std::fprintf(stderr, "FAIL: bad header\n");
    return 1;
  }
  flatbuffers::Verifier v(&f[hsize], fbsize);
  if (!bmodel::VerifyModelBuffer(v)) {
    std::fprintf(stderr, "FAIL: flatbuffer does not verify\n");
    return 1;
  }
  const bmodel::Model *m = bmodel::GetModel(&f[hsize]);
  std::printf("VERIFIED type %s version %s chip %s nets %u neuron_size %llu\n",
              m->type()->c_str(), m->version()->c_str(), m->chip()->c_str(),
              m->net()->size(), (unsigned long long)m->neuron_size());
  for (const bmodel::Net *net : *m->net()) {
    std::printf("net %s stages %u\n", net->name()->c_str(),
                net->parameter() ? net->parameter()->size() : 0);
    if (!net->parameter())
      continue;
    for (const bmodel::NetParameter *p : *net->parameter()) {
      std::printf("  is_dynamic %d ctx_size %llu inputs %u outputs %u\n",
                  p->is_dynamic(), (unsigned long long)p->ctx_size(),
                  p->input_tensor()->size(), p->output_tensor()->size());
      if (const bmodel::CoeffMem *c = p->coeff_mem()) {
        const bmodel::Binary *b = c->binary_coeff();
        bool inside = b && b->start() + b->size() <= binsize;
        std::printf("  coeff start %llu size %llu inside %d check_code %u\n",
                    b ? (unsigned long long)b->start() : 0ull,
                    b ? (unsigned long long)b->size() : 0ull, inside,
                    c->check_code() ? c->check_code()->size() : 0);
      }
    }
  }
  return 0;
}
