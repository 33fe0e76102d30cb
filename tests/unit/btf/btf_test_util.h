// Shared by the relocation BTF tests: the kernel's BTF opened once (by us and by
// libbpf, the reference), the subset of an object computed as a session computes it,
// and objects loaded by libbpf against a given BTF.
#pragma once

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/bpf/btf_subset.h"
#include "runtime/btf/kernel_btf.h"
#include "runtime/btf/relocation_btf.h"

namespace sonde::btf::test_support {

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string object_path(const char* name) {
  return std::string(BTF_TEST_OBJECTS) + "/" + name + ".bpf.o";
}

class KernelBtfTest : public testing::Test {
 public:
  static void SetUpTestSuite() {
    if (!ours_) {
      if (auto k = KernelBtf::open(); k && k.value()->types()) ours_ = k.value();
    }
    if (theirs_ == nullptr) theirs_ = btf__load_vmlinux_btf();
  }

 protected:
  void SetUp() override {
    if (!ours_ || theirs_ == nullptr)
      GTEST_SKIP() << "no kernel BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF off?)";
  }
  const RawBtf& kernel() const { return ours_->types().value(); }
  std::shared_ptr<const KernelBtf> shared_kernel() const { return ours_; }
  const struct btf* libbpf() const { return theirs_; }

  // The subset for an object, by the steps runtime/session/relocation.cpp takes.
  Result<std::vector<uint8_t>> subset_of(std::span<const uint8_t> object) const {
    auto relocations = core_relocations(object);
    if (!relocations) return relocations.error();
    if (!relocations->needs_whole_btf.empty()) return Error{relocations->needs_whole_btf, ""};
    auto ids = relocation_types(*relocations, kernel());
    if (!ids) return ids.error();
    return bpf::write_btf_subset(kernel(), *ids);
  }

 private:
  static inline std::shared_ptr<const KernelBtf> ours_;
  static inline struct btf* theirs_ = nullptr;  // lives for the process, like the kernel's
};

// A BTF in memory with a path libbpf can open (btf_custom_path).
class BtfFile {
 public:
  explicit BtfFile(std::span<const uint8_t> bytes) : fd_(memfd_create("sonde-test-btf", 0)) {
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~BtfFile() { close(fd_); }
  const char* path() const { return path_.c_str(); }

 private:
  int fd_;
  std::string path_;
};

// Each program's instructions as libbpf handed them to the kernel (map addresses
// masked: they differ from one load to the next), relocated against `btf_path` or, when
// null, the kernel's BTF. Empty when the object did not load.
inline std::map<std::string, std::vector<bpf_insn>> loaded_instructions(const std::string& object,
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

// Fails the test at the first instruction that differs.
inline void expect_same_instructions(const std::map<std::string, std::vector<bpf_insn>>& whole,
                                     const std::map<std::string, std::vector<bpf_insn>>& part) {
  ASSERT_EQ(whole.size(), part.size());
  for (const auto& [name, insns] : whole) {
    ASSERT_TRUE(part.count(name)) << name;
    const auto& other = part.at(name);
    ASSERT_EQ(insns.size(), other.size()) << name;
    for (size_t i = 0; i < insns.size(); ++i) {
      ASSERT_EQ(std::memcmp(&insns[i], &other[i], sizeof(bpf_insn)), 0)
          << name << " instruction " << i << ": off " << insns[i].off << " vs " << other[i].off
          << ", imm " << insns[i].imm << " vs " << other[i].imm;
    }
  }
}

}  // namespace sonde::btf::test_support
