// The records of `print` statements (spec::Events): read from the program's ring buffer,
// their fields decoded as labels are, and what the kernel could not send counted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/bpf/map.h"
#include "runtime/bpf/object.h"
#include "runtime/bpf/ring_buffer.h"
#include "runtime/decode/decoder.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::session {

// One event: its statement and its fields' values, in the statement's order.
using EventSink =
    std::function<void(const spec::Events& events, const std::vector<std::string>& values)>;

class EventReader {
 public:
  // Null when the program prints nothing.
  static Result<std::unique_ptr<EventReader>> create(const spec::Program& program,
                                                     const bpf::Object& object);

  // Hands every record waiting to `sink`, in the order the kernel committed them (per CPU:
  // one buffer for every CPU keeps each CPU's records in order). Returns how many.
  Result<int> drain(const EventSink& sink);
  // Records of `events` the kernel could not send (the buffer was full), since load.
  uint64_t lost(const spec::Events& events) const;
  // Records decoded and handed over, and those too short or of no known statement.
  uint64_t delivered() const { return delivered_; }
  uint64_t malformed() const { return malformed_; }

 private:
  explicit EventReader(const spec::Program& program) : program_(program) {}
  void on_record(std::span<const uint8_t> record);

  const spec::Program& program_;
  std::unique_ptr<bpf::RingBuffer> ring_;
  std::unique_ptr<bpf::Map> drops_;
  std::map<std::string, bpf::Map> stacks_;
  std::unique_ptr<decode::Decoders> decoders_;
  const EventSink* sink_ = nullptr;  // during drain()
  std::vector<std::string> values_;
  uint64_t delivered_ = 0;
  uint64_t malformed_ = 0;
  uint64_t remembered_since_ = 0;  // delivered_ when the decoders last forgot
};

}  // namespace sonde::session
