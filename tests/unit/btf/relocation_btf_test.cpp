// The relocation BTF against libbpf's own view: the CO-RE relocations runtime/btf reads
// are the ones libbpf applies, and an object relocated against the subset gets the very
// instructions it gets against the whole kernel BTF, for hand-written objects and for
// programs over every member of the kernel's largest structs.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/btf.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "compiler/kernel/btf.h"
#include "format/btf_records.h"
#include "format/elf.h"
#include "tests/unit/btf/btf_test_util.h"
#include "tests/unit/kernel/task_program.h"

namespace sonde::btf {
namespace {

using test_support::BtfFile;
using test_support::expect_same_instructions;
using test_support::loaded_instructions;
using test_support::object_path;
using test_support::read_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RelocationBtf : public test_support::KernelBtfTest {};

// libbpf's debug output while it loads an object.
std::string libbpf_log;
int capture(enum libbpf_print_level, const char* format, va_list args) {
  char line[1024];
  vsnprintf(line, sizeof line, format, args);
  libbpf_log += line;
  return 0;
}

// libbpf's names of the relocation kinds (core_relo_kind_str in relo_core.c).
const char* kind_name(uint32_t kind) {
  static const char* names[] = {"byte_off",    "byte_sz",    "field_exists",   "signed",
                                "lshift_u64",  "rshift_u64", "local_type_id",  "target_type_id",
                                "type_exists", "type_size",  "enumval_exists", "enumval_value",
                                "type_matches"};
  return kind < std::size(names) ? names[kind] : "unknown";
}

TEST_F(RelocationBtf, ReadsTheRelocationsLibbpfApplies) {
  std::vector<uint8_t> elf = read_file(object_path("relocations"));
  auto ext = format::elf_section_bytes(elf, ".BTF.ext");
  ASSERT_TRUE(ext) << ext.error().message;
  auto ours = format::btf_ext_core_relocations(*ext);
  ASSERT_TRUE(ours) << ours.error().message;
  std::vector<std::string> mine;
  for (const auto& r : *ours)
    mine.push_back(fmt::format("<{}> [{}]", kind_name(r.kind), r.type_id));

  libbpf_log.clear();
  libbpf_print_fn_t previous = libbpf_set_print(capture);
  auto loaded = loaded_instructions(object_path("relocations"), nullptr);
  libbpf_set_print(previous);
  ASSERT_EQ(loaded.size(), 2u) << libbpf_log;
  // "prog 'task': relo #3: <byte_off> [12] struct task_struct___s1.pid (0:0 @ offset 0)"
  std::vector<std::string> theirs;
  std::regex relo(R"(relo #\d+: (<\w+> \[\d+\]) )");
  for (std::sregex_iterator it(libbpf_log.begin(), libbpf_log.end(), relo), end; it != end; ++it)
    theirs.push_back((*it)[1]);
  std::sort(mine.begin(), mine.end());
  std::sort(theirs.begin(), theirs.end());
  EXPECT_EQ(mine, theirs);
  EXPECT_GE(mine.size(), 14u);  // one per put() of relocations.bpf.c at least

  // The roots, as the source names them; sched_entity and list_head are reached by
  // value from task_struct, not looked up.
  auto relocations = core_relocations(elf);
  ASSERT_TRUE(relocations) << relocations.error().message;
  EXPECT_TRUE(relocations->needs_whole_btf.empty());
  std::vector<std::string> roots;
  for (const auto& r : relocations->roots) roots.push_back(fmt::format("{}:{}", r.kind, r.name));
  EXPECT_THAT(roots, ElementsAre(fmt::format("{}:sock", BTF_KIND_STRUCT),
                                 fmt::format("{}:task_struct", BTF_KIND_STRUCT),
                                 fmt::format("{}:trace_event_raw_block_rq", BTF_KIND_STRUCT),
                                 fmt::format("{}:tcp_ca_state", BTF_KIND_ENUM)));
}

TEST_F(RelocationBtf, SubsetRelocatesLikeTheWholeKernelBtf) {
  auto subset = subset_of(read_file(object_path("relocations")));
  ASSERT_TRUE(subset) << subset.error().message;
  EXPECT_LT(subset->size() * 20, shared_kernel()->bytes().size())
      << "the subset is not small: " << subset->size() << " bytes";
  std::unique_ptr<struct btf, void (*)(struct btf*)> parsed(
      btf__new(subset->data(), static_cast<uint32_t>(subset->size())), btf__free);
  ASSERT_NE(parsed, nullptr) << "libbpf rejects the subset: " << std::strerror(errno);

  BtfFile file(*subset);
  auto whole = loaded_instructions(object_path("relocations"), nullptr);
  auto part = loaded_instructions(object_path("relocations"), file.path());
  ASSERT_EQ(whole.size(), 2u) << "the test object did not load against the kernel's BTF";
  ASSERT_EQ(part.size(), 2u) << "the test object did not load against the subset";
  expect_same_instructions(whole, part);
}

TEST_F(RelocationBtf, SubsetIsDeterministic) {
  auto elf = read_file(object_path("relocations"));
  auto a = subset_of(elf);
  auto b = subset_of(elf);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
}

TEST_F(RelocationBtf, TypeTheKernelLacksIsAnError) {
  auto relocations = core_relocations(read_file(object_path("session_fallback")));
  ASSERT_TRUE(relocations) << relocations.error().message;
  auto ids = relocation_types(*relocations, kernel());
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().message, "no kernel type named no_such_kernel_type");
}

TEST_F(RelocationBtf, KernelTypeIdsNeedTheWholeBtf) {
  // The subset renumbers types: an id from it would name another type in the kernel.
  auto relocations = core_relocations(read_file(object_path("kernel_type_id")));
  ASSERT_TRUE(relocations) << relocations.error().message;
  EXPECT_EQ(relocations->needs_whole_btf, "a relocation asks for a kernel type id");
}

TEST(CoreRelocations, NoneInAnObjectWithoutCoRe) {
  auto relocations = core_relocations(read_file(object_path("no_core")));
  ASSERT_TRUE(relocations) << relocations.error().message;
  EXPECT_TRUE(relocations->roots.empty());
  EXPECT_TRUE(relocations->needs_whole_btf.empty());
  // Not an ELF at all: nothing to read either (libbpf will say what is wrong).
  std::vector<uint8_t> junk(64, 0xab);
  auto none = core_relocations(junk);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->roots.empty());
}

// Every named member of a struct at any depth of anonymous nesting, as a C access
// reaches it.
std::vector<std::pair<uint32_t, std::string_view>> all_members(const kernel::Btf& btf,
                                                               std::string_view struct_name) {
  std::vector<std::pair<uint32_t, std::string_view>> out;
  std::optional<uint32_t> id = btf.find(struct_name, kernel::TypeKind::kStruct);
  if (!id) return out;
  std::vector<uint32_t> stack{*id};
  while (!stack.empty()) {
    uint32_t s = stack.back();
    stack.pop_back();
    for (const kernel::Member& m : btf.members(s)) {
      if (m.name.empty()) {
        stack.push_back(btf.resolve(m.type));
      } else {
        out.emplace_back(*id, m.name);
      }
    }
  }
  return out;
}

bool have_clang() { return std::system("clang-16 --version > /dev/null 2>&1") == 0; }

class GeneratedPrograms : public RelocationBtf {
 protected:
  void SetUp() override {
    RelocationBtf::SetUp();
    if (IsSkipped()) return;
    if (!have_clang()) GTEST_SKIP() << "clang-16 is not installed: cannot compile the programs";
    auto btf = kernel::Btf::open();
    ASSERT_TRUE(btf) << btf.error().message;
    compiler_btf_ = *btf;
    std::string tmpl = (std::filesystem::temp_directory_path() / "sonde_btf_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Compiles `source` as the compiler's C is compiled; returns the object's path.
  std::string compile(const std::string& source) {
    {
      std::ofstream c(dir_ / "prog.c");
      c << source;
    }
    std::string cmd = "clang-16 -target bpf -O2 -g -Wall -Werror -c " + (dir_ / "prog.c").string() +
                      " -o " + (dir_ / "prog.o").string() + " 2> " + (dir_ / "clang.log").string();
    if (std::system(cmd.c_str()) != 0) {
      std::ifstream in(dir_ / "clang.log");
      ADD_FAILURE() << "clang-16 rejected the program:\n"
                    << std::string(std::istreambuf_iterator<char>(in), {});
      return "";
    }
    return (dir_ / "prog.o").string();
  }

  std::shared_ptr<const kernel::Btf> compiler_btf_;
  std::filesystem::path dir_;
};

TEST_F(GeneratedPrograms, EveryMemberOfBigStructsRelocatesLikeTheWholeKernelBtf) {
  // Anonymous unions, bitfields, arrays of structs, function pointers, nested anonymous
  // types: the emitter declares each member as the compiler does, and the program asks
  // libbpf for its offset and size.
  kernel::TypeEmitter e(compiler_btf_, "___s9");
  std::string body;
  size_t fields = 0;
  for (std::string_view name : {"task_struct", "sk_buff", "sock", "inode", "file", "mm_struct",
                                "request", "bio", "page", "net_device"}) {
    auto members = all_members(*compiler_btf_, name);
    if (members.empty()) continue;
    std::string pointer = e.c_type(members.front().first) + " *p_" + std::string(name) + " = 0;\n";
    body += "\t" + pointer;
    for (auto [id, member] : members) {
      ASSERT_TRUE(e.use_member(id, member)) << name << "." << member;
      for (int kind : {0, 1})  // BPF_FIELD_BYTE_OFFSET, BPF_FIELD_BYTE_SIZE
        body += fmt::format("\tout[{}] = __builtin_preserve_field_info(p_{}->{}, {});\n", fields++,
                            name, member, kind);
    }
  }
  EXPECT_GT(fields, 1600u);
  std::string source = e.declarations() + fmt::format(R"(
#define SEC(name) __attribute__((section(name), used))
__u64 out[{}];
SEC("tracepoint/syscalls/sys_enter_getpid")
int fields(void *ctx) {{
{}	return 0;
}}
char LICENSE[] SEC("license") = "GPL";
)",
                                                      fields, body);
  std::string object = compile(source);
  ASSERT_FALSE(object.empty());

  auto subset = subset_of(read_file(object));
  ASSERT_TRUE(subset) << subset.error().message;
  BtfFile file(*subset);
  auto whole = loaded_instructions(object, nullptr);
  auto part = loaded_instructions(object, file.path());
  ASSERT_EQ(whole.size(), 1u) << "the program did not load against the kernel's BTF";
  ASSERT_EQ(part.size(), 1u) << "the program did not load against the subset";
  expect_same_instructions(whole, part);
}

using testing_programs::kTaskProgram;
using testing_programs::TaskOut;

TEST_F(GeneratedPrograms, ProgramRelocatedAgainstTheSubsetAloneReadsTheTruth) {
  kernel::TypeEmitter e(compiler_btf_, "___s7");
  auto id = [&](const char* name) {
    return compiler_btf_->find(name, kernel::TypeKind::kStruct).value_or(0);
  };
  for (std::string_view m : {"pid", "tgid", "comm", "real_parent", "se", "flags"})
    ASSERT_TRUE(e.use_member(id("task_struct"), m)) << m;
  ASSERT_TRUE(e.use_member(id("sched_entity"), "vruntime"));
  std::string object = compile(e.declarations() + std::string(kTaskProgram));
  ASSERT_FALSE(object.empty());
  auto subset = subset_of(read_file(object));
  ASSERT_TRUE(subset) << subset.error().message;
  BtfFile file(*subset);

  LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = file.path());
  std::unique_ptr<bpf_object, void (*)(bpf_object*)> obj(
      bpf_object__open_file(object.c_str(), &opts), bpf_object__close);
  ASSERT_NE(obj, nullptr) << std::strerror(errno);
  struct bpf_map* bss = nullptr;
  struct bpf_map* map = nullptr;
  bpf_object__for_each_map(map, obj.get()) {
    if (std::string_view(bpf_map__name(map)).ends_with(".bss")) bss = map;
  }
  ASSERT_NE(bss, nullptr);
  // Before load, the initial value is libbpf's copy of .bss: set the process to watch.
  size_t size = 0;
  auto* initial = static_cast<TaskOut*>(const_cast<void*>(bpf_map__initial_value(bss, &size)));
  ASSERT_NE(initial, nullptr);
  ASSERT_EQ(size, sizeof(TaskOut));
  initial->target_tgid = static_cast<uint32_t>(getpid());
  ASSERT_EQ(bpf_object__load(obj.get()), 0) << "CO-RE could not relocate against the subset";
  struct bpf_program* prog = bpf_object__find_program_by_name(obj.get(), "probe");
  ASSERT_NE(prog, nullptr);
  std::unique_ptr<bpf_link, int (*)(bpf_link*)> link(bpf_program__attach(prog), bpf_link__destroy);
  ASSERT_NE(link, nullptr) << std::strerror(errno);
  syscall(SYS_getpid);  // the libc wrapper may not enter the kernel

  TaskOut out{};
  uint32_t key = 0;
  ASSERT_EQ(bpf_map__lookup_elem(bss, &key, sizeof key, &out, sizeof out, 0), 0);
  ASSERT_GE(out.hits, 1u);
  EXPECT_EQ(out.pid, static_cast<int32_t>(syscall(SYS_gettid)));
  EXPECT_EQ(out.tgid, getpid());
  EXPECT_EQ(out.parent_tgid, getppid());
  std::ifstream comm_file("/proc/self/comm");
  std::string comm;
  std::getline(comm_file, comm);
  EXPECT_EQ(std::string(out.comm, strnlen(out.comm, sizeof(out.comm))), comm);
  EXPECT_NE(out.vruntime, 0u);
}

TEST(RawBtf, RejectsWhatIsNotBtf) {
  std::vector<uint8_t> junk(64, 0xab);
  auto b = RawBtf::parse(junk);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "not BTF: magic 0xabab");
  EXPECT_FALSE(RawBtf::parse(std::vector<uint8_t>(4, 0)));
}

TEST_F(RelocationBtf, TruncatedKernelBtfIsAnError) {
  auto bytes = shared_kernel()->bytes();
  std::vector<uint8_t> half(bytes.begin(), bytes.begin() + bytes.size() / 2);
  EXPECT_FALSE(RawBtf::parse(half));
}

TEST_F(RelocationBtf, EveryRecordIsLibbpfs) {
  // Records are found by stepping from every 64th: each id, compared with libbpf's.
  ASSERT_EQ(kernel().count(), btf__type_cnt(libbpf()));
  for (uint32_t id = 1; id < kernel().count(); ++id) {
    TypeRecord ours = kernel().type(id);
    const btf_type* theirs = btf__type_by_id(libbpf(), id);
    ASSERT_EQ(ours.name_off, theirs->name_off) << id;
    ASSERT_EQ(ours.info, theirs->info) << id;
    ASSERT_EQ(ours.size_or_type, theirs->size) << id;
    ASSERT_EQ(kernel().name(ours.name_off), btf__name_by_offset(libbpf(), theirs->name_off)) << id;
  }
  size_t roots = 0, named = 0;
  kernel().for_each_named_root([&](uint32_t id, const TypeRecord& t) {
    EXPECT_EQ(t.info, btf__type_by_id(libbpf(), id)->info);
    ++roots;
  });
  for (uint32_t id = 1; id < btf__type_cnt(libbpf()); ++id) {
    const btf_type* t = btf__type_by_id(libbpf(), id);
    named += t->name_off != 0 && named_root_kind(btf_kind(t));
  }
  EXPECT_EQ(roots, named);
  EXPECT_GT(roots, 1000u);
}

TEST(KernelBtf, OpenNamesTheFileItCannotRead) {
  auto missing = KernelBtf::open("/nonexistent/vmlinux");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/vmlinux"));
  // A file that is not BTF opens (it is only mapped) and fails at first use.
  auto not_btf = KernelBtf::open("/proc/self/exe");
  ASSERT_TRUE(not_btf) << not_btf.error().message;
  ASSERT_FALSE((*not_btf)->types());
  EXPECT_THAT((*not_btf)->types().error().message, HasSubstr("the kernel's BTF: not BTF"));
}

}  // namespace
}  // namespace sonde::btf
