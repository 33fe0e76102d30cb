// The subset of the kernel's BTF relocates an object exactly as the whole of it does.
#include "runtime/btf/relocation_btf.h"

#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace sonde::btf {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return {text.begin(), text.end()};
}

std::string object_path(const char* name) {
  return std::string(BTF_TEST_OBJECTS) + "/" + name + ".bpf.o";
}

class KernelBtf : public testing::Test {
 protected:
  void SetUp() override {
    auto data = read_kernel_btf();
    ASSERT_TRUE(data) << data.error().message;
    data_ = std::move(data.value());
    auto kernel = RawBtf::parse(data_);
    ASSERT_TRUE(kernel) << kernel.error().message;
    kernel_.emplace(std::move(kernel.value()));
  }
  std::vector<uint8_t> data_;
  std::optional<RawBtf> kernel_;
};

// Each program's instructions as libbpf handed them to the kernel, map fds masked (they
// differ from one load to the next). Loads into the kernel: the verifier accepts both.
std::map<std::string, std::vector<bpf_insn>> loaded_instructions(const std::string& object,
                                                                 const char* btf_path) {
  bpf_object_open_opts opts{};
  opts.sz = sizeof opts;
  opts.btf_custom_path = btf_path;
  std::map<std::string, std::vector<bpf_insn>> out;
  bpf_object* obj = bpf_object__open_file(object.c_str(), &opts);
  if (!obj) return out;
  if (bpf_object__load(obj) == 0) {
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
      const bpf_insn* insns = bpf_program__insns(prog);
      std::vector<bpf_insn> copy(insns, insns + bpf_program__insn_cnt(prog));
      for (size_t i = 0; i + 1 < copy.size(); ++i) {
        if (copy[i].code == (BPF_LD | BPF_IMM | BPF_DW) && copy[i].src_reg != 0)
          copy[i].imm = copy[i + 1].imm = 0;
      }
      out[bpf_program__name(prog)] = std::move(copy);
    }
  }
  bpf_object__close(obj);
  return out;
}

TEST_F(KernelBtf, SubsetRelocatesLikeTheWholeKernelBtf) {
  auto subset = relocation_btf(read_file(object_path("relocations")), *kernel_);
  ASSERT_TRUE(subset) << subset.error().message;
  EXPECT_LT(subset->size() * 20, data_.size())
      << "the subset is not small: " << subset->size() << " bytes";
  EXPECT_TRUE(RawBtf::parse(*subset)) << "the subset does not parse";

  std::string path = "/tmp/sonde-btf-test-" + std::to_string(getpid()) + ".btf";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(subset->data()),
             static_cast<std::streamsize>(subset->size()));
  auto whole = loaded_instructions(object_path("relocations"), nullptr);
  auto part = loaded_instructions(object_path("relocations"), path.c_str());
  unlink(path.c_str());
  ASSERT_EQ(whole.size(), 2u) << "the test object did not load against the kernel's BTF";
  ASSERT_EQ(part.size(), 2u) << "the test object did not load against the subset";
  for (const auto& [name, insns] : whole) {
    const auto& other = part[name];
    ASSERT_EQ(insns.size(), other.size()) << name;
    for (size_t i = 0; i < insns.size(); ++i) {
      EXPECT_EQ(std::memcmp(&insns[i], &other[i], sizeof(bpf_insn)), 0)
          << name << " instruction " << i << ": off " << insns[i].off << " vs " << other[i].off
          << ", imm " << insns[i].imm << " vs " << other[i].imm;
    }
  }
}

TEST_F(KernelBtf, SubsetIsDeterministic) {
  auto elf = read_file(object_path("relocations"));
  auto a = relocation_btf(elf, *kernel_);
  auto b = relocation_btf(elf, *kernel_);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
}

TEST_F(KernelBtf, FlavoredTypeTheKernelLacksIsAnError) {
  auto subset = relocation_btf(read_file(object_path("missing")), *kernel_);
  ASSERT_FALSE(subset);
  EXPECT_EQ(subset.error().message, "no kernel type named no_such_kernel_type");
}

TEST(RawBtf, RejectsWhatIsNotBtf) {
  std::vector<uint8_t> junk(64, 0xab);
  auto b = RawBtf::parse(junk);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "not BTF: magic 0xabab");
  EXPECT_FALSE(RawBtf::parse(std::vector<uint8_t>(4, 0)));
}

TEST(RawBtf, TruncatedKernelBtfIsAnError) {
  auto data = read_kernel_btf();
  ASSERT_TRUE(data);
  data->resize(data->size() / 2);
  EXPECT_FALSE(RawBtf::parse(*data));
}

}  // namespace
}  // namespace sonde::btf
