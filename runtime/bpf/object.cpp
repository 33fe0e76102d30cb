#include "runtime/bpf/object.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/bpf/cpus.h"
#include "runtime/bpf/errno_text.h"
#include "runtime/bpf/libbpf_log.h"
#include "runtime/bpf/load_error.h"
#include "runtime/bpf/privileges.h"
#include "support/text.h"

namespace sonde::bpf {
namespace {

bool is_per_cpu(bpf_map_type type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

// libbpf reads btf_custom_path at load time; a memfd gives the blob a path without
// touching the filesystem.
Result<UniqueFd> btf_memfd(std::span<const uint8_t> btf) {
  UniqueFd fd(memfd_create("sonde-relocation-btf", MFD_CLOEXEC));
  if (!fd.valid()) {
    return Error{fmt::format("cannot hold the relocation BTF in memory: {}", errno_text(errno)),
                 ""};
  }
  size_t done = 0;
  while (done < btf.size()) {
    ssize_t n = ::write(fd.get(), btf.data() + done, btf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error{fmt::format("cannot hold the relocation BTF in memory: {}", errno_text(errno)),
                   ""};
    }
    done += static_cast<size_t>(n);
  }
  return fd;
}

// Which probes the user wrote for `program`, for messages; each once (statements on one
// hook share a program).
std::string who(std::string_view program, std::span<const spec::Probe> probes) {
  std::string out;
  std::vector<std::string_view> said;
  for (const spec::Probe& probe : probes) {
    if (probe.program != program || probe.display.empty()) continue;
    if (std::find(said.begin(), said.end(), probe.display) != said.end()) continue;
    said.push_back(probe.display);
    if (!out.empty()) out += ", ";
    out += probe.display;
  }
  return out.empty() ? fmt::format("BPF program '{}'", program) : out;
}

// Why a load failed when no single program did: the first warning that says something
// more than "failed to load object".
Error object_failure(std::string_view name, int err, const std::vector<std::string>& lines) {
  // libbpf's own first complaint then is about RLIMIT_MEMLOCK, which is not the cause.
  if (err == -EPERM || err == -EACCES) {
    Error e = permission_error("load BPF programs");
    return Error{fmt::format("cannot load BPF object '{}': {}", name, e.message), e.hint};
  }
  for (const std::string& line : lines) {
    if (line.find("target BTF") != std::string::npos) {
      return Error{fmt::format("cannot load BPF object '{}': the relocation BTF is invalid ({})",
                               name, line),
                   "the compiler extracts it from the kernel BTF; recompile the program"};
    }
  }
  for (const std::string& line : lines) {
    if (!starts_with(line, "failed to load object")) {
      return Error{fmt::format("cannot load BPF object '{}': {}", name, line), ""};
    }
  }
  return Error{fmt::format("cannot load BPF object '{}': {}", name, errno_text(err)), ""};
}

}  // namespace

Object::Object(std::shared_ptr<bpf_object> object, std::string name, UniqueFd btf)
    : object_(std::move(object)), name_(std::move(name)), btf_(std::move(btf)) {
  bpf_program* prog;
  bpf_object__for_each_program(prog, object_.get()) {
    logs_.push_back({.program = bpf_program__name(prog)});
  }
}

Object::Object(Object&&) noexcept = default;
Object& Object::operator=(Object&&) noexcept = default;
Object::~Object() = default;

Result<Object> Object::open(std::span<const uint8_t> elf, std::string_view name,
                            std::span<const uint8_t> relocation_btf) {
  LibbpfWarnings warnings;
  UniqueFd btf;
  std::string btf_path;
  if (!relocation_btf.empty()) {
    Result<UniqueFd> fd = btf_memfd(relocation_btf);
    if (!fd.ok()) return fd.error();
    btf = std::move(*fd);
    btf_path = fmt::format("/proc/self/fd/{}", btf.get());
  }
  std::string object_name(name);
  DECLARE_LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = object_name.c_str(),
                      .btf_custom_path = btf_path.empty() ? nullptr : btf_path.c_str());
  bpf_object* raw = bpf_object__open_mem(elf.data(), elf.size(), &opts);
  if (!raw) {
    int err = errno;
    std::string detail = warnings.last();
    return Error{fmt::format("cannot open BPF object '{}': {}", name,
                             detail.empty() ? errno_text(err) : detail),
                 "the object is not a valid BPF ELF for this sonde (rebuild the bundle)"};
  }
  return Object(std::shared_ptr<bpf_object>(raw, bpf_object__close), std::move(object_name),
                std::move(btf));
}

Status Object::set_constant(std::string_view variable, std::span<const uint8_t> value) {
  auto fail = [&](std::string_view why) {
    return Error{fmt::format("BPF object '{}': cannot set '{}': {}", name_, variable, why), ""};
  };
  if (loaded_) return fail("the object is already loaded");
  bpf_map* rodata = bpf_object__find_map_by_name(object_.get(), ".rodata");
  const btf* types = bpf_object__btf(object_.get());
  int section = types ? btf__find_by_name_kind(types, ".rodata", BTF_KIND_DATASEC) : -1;
  if (!rodata || section < 0) return fail("the object has no constants");
  const btf_type* datasec = btf__type_by_id(types, static_cast<uint32_t>(section));
  const btf_var_secinfo* vars = btf_var_secinfos(datasec);
  for (uint16_t i = 0; i < btf_vlen(datasec); ++i) {
    const btf_type* var = btf__type_by_id(types, vars[i].type);
    if (variable != btf__name_by_offset(types, var->name_off)) continue;
    if (vars[i].size != value.size()) {
      return fail(fmt::format("it has {} bytes, not {}", vars[i].size, value.size()));
    }
    size_t size = 0;
    const void* initial = bpf_map__initial_value(rodata, &size);
    std::vector<uint8_t> data(static_cast<const uint8_t*>(initial),
                              static_cast<const uint8_t*>(initial) + size);
    std::memcpy(data.data() + vars[i].offset, value.data(), value.size());
    int err = bpf_map__set_initial_value(rodata, data.data(), data.size());
    if (err < 0) return fail(errno_text(err));
    return {};
  }
  return fail("no such constant");
}

Status Object::reuse_map(std::string_view map, int fd) {
  auto fail = [&](std::string_view why) {
    return Error{fmt::format("BPF object '{}': cannot share map '{}': {}", name_, map, why), ""};
  };
  if (loaded_) return fail("the object is already loaded");
  bpf_map* m = bpf_object__find_map_by_name(object_.get(), std::string(map).c_str());
  if (m == nullptr) return fail("no such map");
  // libbpf checks the type, key, value and size against the map the fd names.
  if (int err = bpf_map__reuse_fd(m, fd); err < 0) return fail(errno_text(err));
  return {};
}

Status Object::load(const LoadOptions& options) {
  if (loaded_) {
    return Error{fmt::format("BPF object '{}' is already loaded", name_), ""};
  }
  failed_program_.clear();
  for (const std::string& disabled : options.disabled_programs) {
    bpf_program* prog = program(disabled);
    if (!prog) {
      return Error{fmt::format("BPF object '{}' has no program '{}' to leave out", name_, disabled),
                   ""};
    }
    bpf_program__set_autoload(prog, false);
  }
  constexpr size_t kMinLogSize = 128;  // the kernel refuses smaller log buffers
  for (ProgramLog& log : logs_) {
    bpf_program* prog = program(log.program);
    if (!bpf_program__autoload(prog) || options.log_size < kMinLogSize) continue;
    // Uninitialised on purpose: untouched pages of a failure-only buffer cost nothing.
    log.buffer.reset(new char[options.log_size]);
    log.buffer[0] = '\0';
    bpf_program__set_log_buf(prog, log.buffer.get(), options.log_size);
  }

  LibbpfWarnings warnings;
  int err = bpf_object__load(object_.get());
  loaded_ = true;  // libbpf refuses a second attempt either way
  btf_.reset();    // read by now, if it was needed

  // libbpf asks the kernel for a log only after a failed load, so a non-empty buffer
  // marks the program that failed.
  for (ProgramLog& log : logs_) {
    if (log.buffer && log.buffer[0] != '\0') {
      log.text = log.buffer.get();
      if (failed_program_.empty()) failed_program_ = log.program;
    }
    if (log.buffer) bpf_program__set_log_buf(program(log.program), nullptr, 0);
    log.buffer.reset();
  }
  if (err == 0) return {};

  std::vector<std::string> lines = warnings.lines();
  if (failed_program_.empty()) {
    for (auto it = lines.rbegin(); it != lines.rend() && failed_program_.empty(); ++it) {
      std::string name = program_of_warning(*it);
      if (has_program(name)) failed_program_ = name;
    }
  }
  if (failed_program_.empty()) return object_failure(name_, err, lines);

  bpf_program* prog = program(failed_program_);
  LoadFailure failure{.who = who(failed_program_, options.probes),
                      .program_type = static_cast<uint32_t>(bpf_program__type(prog)),
                      .attach_type = static_cast<uint32_t>(bpf_program__expected_attach_type(prog)),
                      .err = err,
                      .verifier_log = verifier_log(failed_program_)};
  for (std::string& line : lines) {
    if (program_of_warning(line) == failed_program_) {
      failure.libbpf_warnings.push_back(std::move(line));
    }
  }
  return describe_load_failure(failure);
}

std::vector<std::string> Object::program_names() const {
  std::vector<std::string> out;
  for (const ProgramLog& log : logs_) out.push_back(log.program);
  return out;
}

std::vector<std::string> Object::map_names() const {
  std::vector<std::string> out;
  bpf_map* map;
  bpf_object__for_each_map(map, object_.get()) out.push_back(bpf_map__name(map));
  return out;
}

std::vector<MapInfo> Object::declared_maps() const {
  std::vector<MapInfo> out;
  bpf_map* map;
  bpf_object__for_each_map(map, object_.get()) {
    out.push_back({.name = bpf_map__name(map),
                   .type = static_cast<uint32_t>(bpf_map__type(map)),
                   .key_size = bpf_map__key_size(map),
                   .value_size = bpf_map__value_size(map),
                   .max_entries = bpf_map__max_entries(map),
                   .flags = bpf_map__map_flags(map)});
  }
  return out;
}

bool Object::has_program(std::string_view name) const { return program(name) != nullptr; }

bpf_program* Object::program(std::string_view name) const {
  if (name.empty()) return nullptr;
  return bpf_object__find_program_by_name(object_.get(), std::string(name).c_str());
}

const std::string& Object::verifier_log(std::string_view program) const {
  static const std::string empty;
  for (const ProgramLog& log : logs_) {
    if (log.program == program) return log.text;
  }
  return empty;
}

int Object::program_fd(std::string_view name) const {
  bpf_program* prog = program(name);
  int fd = prog && loaded_ ? bpf_program__fd(prog) : -1;
  return fd >= 0 ? fd : -1;
}

Result<ProgramStats> Object::stats(std::string_view program) const {
  int fd = program_fd(program);
  if (fd < 0) {
    return Error{fmt::format("BPF program '{}' is not loaded", program), ""};
  }
  return program_stats(fd);
}

Result<Map> Object::map(std::string_view name) const {
  bpf_map* map = bpf_object__find_map_by_name(object_.get(), std::string(name).c_str());
  if (!map) {
    return Error{fmt::format("BPF object '{}' has no map '{}'", name_, name), ""};
  }
  int fd = bpf_map__fd(map);
  if (fd < 0) {
    return Error{fmt::format("map '{}' is not created yet: load the object first", name), ""};
  }
  bpf_map_info kernel{};
  uint32_t length = sizeof(kernel);
  int err = bpf_obj_get_info_by_fd(fd, &kernel, &length);
  if (err < 0) {
    return Error{fmt::format("map '{}': cannot read its info: {}", name, errno_text(err)), ""};
  }
  bpf_map_type type = bpf_map__type(map);
  MapInfo info{.name = std::string(name),
               .id = kernel.id,
               .type = static_cast<uint32_t>(type),
               .key_size = kernel.key_size,
               .value_size = kernel.value_size,
               .max_entries = kernel.max_entries,
               .flags = kernel.map_flags,
               .per_cpu = is_per_cpu(type)};
  uint32_t cpus = 1;
  if (info.per_cpu) {
    Result<int> possible = possible_cpus();
    if (!possible.ok()) return possible.error();
    cpus = static_cast<uint32_t>(*possible);
  }
  return Map(object_, fd, std::move(info), cpus);
}

Result<PartialLoad> open_and_load_partial(std::span<const uint8_t> elf, std::string_view name,
                                          std::span<const uint8_t> relocation_btf,
                                          LoadOptions options) {
  std::vector<ProgramFailure> failures;
  while (true) {
    Result<Object> object = Object::open(elf, name, relocation_btf);
    if (!object.ok()) return object.error();
    Status status = object->load(options);
    if (status.ok()) return PartialLoad{std::move(*object), std::move(failures)};
    const std::string& failed = object->failed_program();
    bool already_disabled =
        std::find(options.disabled_programs.begin(), options.disabled_programs.end(), failed) !=
        options.disabled_programs.end();
    if (failed.empty() || already_disabled) return status.error();
    failures.push_back({failed, status.error()});
    options.disabled_programs.push_back(failed);
  }
}

}  // namespace sonde::bpf
