// The running kernel's BTF, opened once per test binary by us and by libbpf (the
// reference we check against).
#pragma once

#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <optional>
#include <string_view>

#include "compiler/kernel/btf.h"

namespace sonde::kernel::test_support {

class KernelBtfTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    struct stat st {};
    if (stat("/sys/kernel/btf/vmlinux", &st) != 0) return;
    if (!ours_) {
      Result<std::shared_ptr<const Btf>> btf = Btf::open();
      if (btf.ok()) ours_ = *btf;
    }
    if (theirs_ == nullptr) theirs_ = btf__load_vmlinux_btf();
  }

 protected:
  void SetUp() override {
    if (!ours_ || theirs_ == nullptr) {
      GTEST_SKIP() << "no kernel BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF off?)";
    }
  }
  const Btf& btf() const { return *ours_; }
  std::shared_ptr<const Btf> shared_btf() const { return ours_; }
  const struct btf* libbpf() const { return theirs_; }

 private:
  static inline std::shared_ptr<const Btf> ours_;
  static inline struct btf* theirs_ = nullptr;  // lives for the process, like the kernel's
};

// Bit offset of `name` in struct `id`, through anonymous members, as libbpf sees it.
inline std::optional<uint32_t> libbpf_member_offset(const struct btf* b, uint32_t id,
                                                    std::string_view name, int depth = 0) {
  const btf_type* t = btf__type_by_id(b, id);
  while (t != nullptr && (btf_is_mod(t) || btf_is_typedef(t))) {
    id = t->type;
    t = btf__type_by_id(b, id);
  }
  if (t == nullptr || !btf_is_composite(t) || depth > 16) return std::nullopt;
  const btf_member* m = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); ++i, ++m) {
    std::string_view member_name = btf__name_by_offset(b, m->name_off);
    if (member_name == name) return btf_member_bit_offset(t, i);
    if (member_name.empty()) {
      if (auto inner = libbpf_member_offset(b, m->type, name, depth + 1)) {
        return btf_member_bit_offset(t, i) + *inner;
      }
    }
  }
  return std::nullopt;
}

}  // namespace sonde::kernel::test_support
