#include "compiler/lower/shared_values.h"

#include <fmt/format.h>

#include <map>
#include <regex>
#include <set>

#include "compiler/lower/function_builder.h"

namespace sonde::lower {
namespace {

// Helpers whose result is the same wherever in one event they are called, as the
// bodies call them (function_builder.cpp), and the member that holds it.
struct Helper {
  const char* call;
  const char* member;
};
constexpr Helper kHelpers[] = {
    {"bpf_get_current_pid_tgid()", "pid_tgid"},   {"bpf_get_current_uid_gid()", "uid_gid"},
    {"bpf_get_current_cgroup_id()", "cgroup_id"}, {"bpf_ktime_get_ns()", "ktime"},
    {"bpf_get_smp_processor_id()", "cpu"},        {"bpf_get_current_task()", "task"},
};

// The task's comm, as fill_string() reads a whole one (a shorter read truncates it
// differently, so it stays in its body).
const std::regex& comm_read() {
  static const std::regex re(R"(bpf_get_current_comm\(([^;]+), 16\);)");
  return re;
}

// A predicate tested once for several bodies must not do anything but compute: no map
// access, no stack capture, no record, and no `return` before its test (which would end
// every body).
bool side_effect_free(const SharedBody& body) {
  const std::string lines = body.text.substr(0, body.predicate_at);
  for (const char* s : {"bpf_map_", "bpf_get_stackid", "ringbuf", "sonde_span", "sonde_bump",
                        "sonde_lookup", "return"})
    if (lines.find(s) != std::string::npos || body.condition.find(s) != std::string::npos)
      return false;
  return true;
}

// Bytes of the buffers a predicate's lines declare (`char s0[16] = {};`).
uint32_t buffer_bytes(const std::string& text) {
  static const std::regex re(R"(char \w+\[(\d+)\])");
  uint32_t bytes = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it)
    bytes += (static_cast<uint32_t>(std::stoul((*it)[1].str())) + 7) / 8 * 8;
  return bytes;
}

std::string indent(const std::string& lines, const std::string& by) {
  std::string out;
  size_t start = 0;
  while (start < lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size() - 1;
    out += by + lines.substr(start, end + 1 - start);
    start = end + 1;
  }
  return out;
}

// One value the bodies may share.
struct Value {
  enum Kind { kHelper, kComm, kContext } kind;
  std::string member;  // in the values' struct
  std::string source;  // the helper call or the context access
};

class Planner {
 public:
  Planner(const std::string& name, const std::vector<SharedBody>& bodies)
      : name_(name), bodies_(bodies) {}

  SharedProgramC plan(uint32_t stack_room, bool share) {
    if (!share) return unshared();
    catalog();
    runs();
    choose();
    if (stack() > stack_room) return unshared();
    SharedProgramC out;
    const bool values = !top_.empty() || any_run_values();
    if (values) {
      out.types = fmt::format("struct {}_values {{\n", name_);
      for (const Value& v : values_) {
        if (!used(v.member)) continue;
        out.types += v.kind == Value::kComm ? fmt::format("  char {}[16];\n", v.member)
                                            : fmt::format("  __u64 {};\n", v.member);
      }
      out.types += "};\n";
      out.extra_parameter = fmt::format(", const struct {}_values *sv", name_);
      out.statements += fmt::format(
          "  struct {0}_values values;\n  const struct {0}_values *sv = "
          "&values;\n",
          name_);
    }
    const std::string args = values ? "(ctx, sv);\n" : "(ctx);\n";
    out.statements += reads(top_, "  ");
    for (const Run& r : runs_) {
      if (!r.guarded) {
        for (size_t b = r.first; b < r.end; ++b) out.statements += "  " + bodies_[b].name + args;
        continue;
      }
      const SharedBody& first = bodies_[r.first];
      std::string block = substitute(first, first.text.substr(0, first.predicate_at), top_);
      block += fmt::format("  if ({}) {{\n", substitute(first, first.condition, top_));
      block += reads(r.values, "    ");
      for (size_t b = r.first; b < r.end; ++b) block += "    " + bodies_[b].name + args;
      block += "  }\n";
      out.statements += "  {\n" + indent(block, "  ") + "  }\n";
    }
    for (size_t b = 0; b < bodies_.size(); ++b) {
      const SharedBody& body = bodies_[b];
      const Run& r = runs_[run_of_[b]];
      std::string text = body.text;
      if (r.guarded)
        text = body.text.substr(0, body.predicate_at) + body.text.substr(body.predicate_end);
      std::set<std::string> members = top_;
      members.insert(r.values.begin(), r.values.end());
      out.texts.push_back(substitute(body, text, members));
    }
    return out;
  }

 private:
  struct Run {
    size_t first = 0;
    size_t end = 0;
    bool guarded = false;          // one predicate tested for all its bodies
    std::set<std::string> values;  // members read under that predicate
  };

  // Bodies as they were: nothing shared.
  SharedProgramC unshared() const {
    SharedProgramC out;
    for (const SharedBody& b : bodies_) {
      out.texts.push_back(b.text);
      out.statements += "  " + b.name + "(ctx);\n";
    }
    return out;
  }

  // Every value some body reads, and where: before its predicate's end (always run) or
  // after it.
  void catalog() {
    uses_.assign(bodies_.size(), {});
    auto note = [&](size_t b, const std::string& member, size_t at) {
      const SharedBody& body = bodies_[b];
      const bool early = !body.has_predicate || at < body.predicate_end;
      auto& u = uses_[b][member];
      (early ? u.first : u.second) = true;
    };
    for (size_t b = 0; b < bodies_.size(); ++b) {
      const std::string& text = bodies_[b].text;
      for (const Helper& h : kHelpers) {
        for (size_t at = text.find(h.call); at != std::string::npos;
             at = text.find(h.call, at + 1)) {
          add(Value{Value::kHelper, h.member, h.call});
          note(b, h.member, at);
        }
      }
      for (auto it = std::sregex_iterator(text.begin(), text.end(), comm_read());
           it != std::sregex_iterator(); ++it) {
        add(Value{Value::kComm, "comm", ""});
        note(b, "comm", static_cast<size_t>(it->position()));
      }
      for (const auto& [access, local] : bodies_[b].context_reads) {
        const size_t at = text.find(FunctionBuilder::context_read(local, access));
        if (at == std::string::npos) continue;
        note(b, add(Value{Value::kContext, "", access}), at);
      }
    }
  }

  // The member of `v`, added if new (context reads are c0, c1, ... by first read).
  std::string add(Value v) {
    for (const Value& known : values_)
      if (known.kind == v.kind &&
          (v.kind == Value::kContext ? known.source == v.source : known.member == v.member))
        return known.member;
    if (v.kind == Value::kContext) v.member = fmt::format("c{}", contexts_++);
    values_.push_back(v);
    return values_.back().member;
  }

  // Consecutive bodies whose predicates are the same C, free of side effects.
  void runs() {
    run_of_.assign(bodies_.size(), 0);
    for (size_t b = 0; b < bodies_.size();) {
      Run r{b, b + 1};
      const SharedBody& first = bodies_[b];
      if (first.has_predicate) {
        const std::string predicate = first.text.substr(0, first.predicate_end);
        if (side_effect_free(first)) {
          while (r.end < bodies_.size() && bodies_[r.end].has_predicate &&
                 bodies_[r.end].text.compare(0, bodies_[r.end].predicate_end, predicate) == 0 &&
                 bodies_[r.end].predicate_end == predicate.size())
            ++r.end;
        }
      }
      r.guarded = r.end - r.first >= 2;
      for (size_t i = r.first; i < r.end; ++i) run_of_[i] = runs_.size();
      runs_.push_back(r);
      b = r.end;
    }
  }

  // Values read once: at the top, those two bodies read where they always run; under a
  // shared predicate, those two of its bodies read past it.
  void choose() {
    std::map<std::string, int> early;
    for (const auto& u : uses_)
      for (const auto& [member, where] : u)
        if (where.first) ++early[member];
    for (const auto& [member, n] : early)
      if (n >= 2) top_.insert(member);
    for (Run& r : runs_) {
      if (!r.guarded) continue;
      std::map<std::string, int> late;
      for (size_t b = r.first; b < r.end; ++b)
        for (const auto& [member, where] : uses_[b])
          if (where.second && !top_.count(member)) ++late[member];
      for (const auto& [member, n] : late)
        if (n >= 2) r.values.insert(member);
    }
  }

  bool any_run_values() const {
    for (const Run& r : runs_)
      if (!r.values.empty()) return true;
    return false;
  }
  bool used(const std::string& member) const {
    if (top_.count(member)) return true;
    for (const Run& r : runs_)
      if (r.values.count(member)) return true;
    return false;
  }

  uint32_t stack() const {
    uint32_t bytes = 0;
    for (const Value& v : values_)
      if (used(v.member)) bytes += v.kind == Value::kComm ? 16 : 8;
    for (const Run& r : runs_) {
      if (!r.guarded) continue;
      const SharedBody& first = bodies_[r.first];
      bytes += buffer_bytes(first.text.substr(0, first.predicate_at));
    }
    return bytes;
  }

  const Value& value(const std::string& member) const {
    for (const Value& v : values_)
      if (v.member == member) return v;
    return values_.front();  // every member comes from values_
  }

  // The lines that read `members` into `values`, in the order they were found.
  std::string reads(const std::set<std::string>& members, const std::string& pad) const {
    std::string c;
    for (const Value& v : values_) {
      if (!members.count(v.member)) continue;
      switch (v.kind) {
        case Value::kHelper:
          c += fmt::format("{}values.{} = {};\n", pad, v.member, v.source);
          break;
        case Value::kComm:
          c += fmt::format("{}bpf_get_current_comm(values.comm, 16);\n", pad);
          break;
        case Value::kContext: {
          // Read as a body reads it: one load at ctx plus a constant offset.
          const std::string local = "v_" + v.member;
          c += indent(FunctionBuilder::context_read(local, v.source), pad.substr(2));
          c += fmt::format("{}values.{} = {};\n", pad, v.member, local);
          break;
        }
      }
    }
    return c;
  }

  // `text` of `body` reading `members` from `sv` instead of computing them.
  std::string substitute(const SharedBody& body, std::string text,
                         const std::set<std::string>& members) const {
    for (const std::string& member : members) {
      const Value& v = value(member);
      switch (v.kind) {
        case Value::kHelper: {
          const std::string to = "sv->" + v.member;
          for (size_t at = text.find(v.source); at != std::string::npos;
               at = text.find(v.source, at + to.size()))
            text.replace(at, v.source.size(), to);
          break;
        }
        case Value::kComm:
          text = std::regex_replace(text, comm_read(), "__builtin_memcpy($1, sv->comm, 16);");
          break;
        case Value::kContext:
          for (const auto& [access, local] : body.context_reads) {
            if (access != v.source) continue;
            const std::string from = FunctionBuilder::context_read(local, access);
            const size_t at = text.find(from);
            if (at != std::string::npos)
              text.replace(at, from.size(), fmt::format("  __u64 {} = sv->{};\n", local, member));
          }
          break;
      }
    }
    return text;
  }

  const std::string& name_;
  const std::vector<SharedBody>& bodies_;
  std::vector<Value> values_;
  int contexts_ = 0;
  // Per body: member -> (read where it always runs, read past its predicate).
  std::vector<std::map<std::string, std::pair<bool, bool>>> uses_;
  std::vector<Run> runs_;
  std::vector<size_t> run_of_;
  std::set<std::string> top_;
};

}  // namespace

SharedProgramC share_values(const std::string& name, const std::vector<SharedBody>& bodies,
                            uint32_t stack_room, bool share) {
  return Planner(name, bodies).plan(stack_room, share);
}

}  // namespace sonde::lower
