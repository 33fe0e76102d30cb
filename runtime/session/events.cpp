#include "runtime/session/events.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sonde::session {

Result<std::unique_ptr<EventReader>> EventReader::create(const spec::Program& program,
                                                         const bpf::Object& object) {
  if (program.events.empty() || program.events_map.empty()) return std::unique_ptr<EventReader>();
  std::unique_ptr<EventReader> r(new EventReader(program));
  auto ring_map = object.map(program.events_map);
  if (!ring_map) return ring_map.error();
  auto ring = bpf::RingBuffer::open(
      ring_map.value(), [raw = r.get()](std::span<const uint8_t> rec) { raw->on_record(rec); });
  if (!ring) return ring.error();
  r->ring_ = std::make_unique<bpf::RingBuffer>(std::move(ring.value()));
  if (!program.drops_map.empty()) {
    auto drops = object.map(program.drops_map);
    if (!drops) return drops.error();
    r->drops_ = std::make_unique<bpf::Map>(std::move(drops.value()));
  }
  for (const auto& e : program.events) {
    for (const auto& f : e.fields) {
      if (f.aux_map.empty() || r->stacks_.count(f.aux_map)) continue;
      auto stacks = object.map(f.aux_map);
      if (!stacks) return stacks.error();
      r->stacks_.emplace(f.aux_map, std::move(stacks.value()));
    }
  }
  r->decoders_ = std::make_unique<decode::Decoders>(
      [raw = r.get()](const std::string& map, uint32_t id, std::vector<uint64_t>& frames) {
        auto it = raw->stacks_.find(map);
        if (it == raw->stacks_.end()) return false;
        auto found = it->second.read_stack(id, frames);
        return found.ok() && found.value();
      });
  return r;
}

void EventReader::on_record(std::span<const uint8_t> record) {
  uint64_t statement = 0;
  if (record.size() < sizeof(statement)) {
    ++malformed_;
    return;
  }
  std::memcpy(&statement, record.data(), sizeof(statement));
  for (const auto& e : program_.events) {
    if (e.statement != statement) continue;
    if (record.size() < e.record_size) break;
    values_.resize(e.fields.size());
    for (size_t i = 0; i < e.fields.size(); ++i)
      decoders_->decode_to(e.fields[i], record, values_[i]);
    ++delivered_;
    if (sink_ && *sink_) (*sink_)(e, values_);
    return;
  }
  ++malformed_;
}

Result<int> EventReader::drain(const EventSink& sink) {
  sink_ = &sink;
  auto n = ring_->consume();
  sink_ = nullptr;
  // User symbols and pids change; a long exploration must not keep every one it saw.
  if (delivered_ - remembered_since_ >= 4096) {
    decoders_->forget_volatile();
    remembered_since_ = delivered_;
  }
  return n;
}

uint64_t EventReader::lost(const spec::Events& events) const {
  if (!drops_) return 0;
  std::vector<uint8_t> buf(drops_->value_bytes());
  if (!drops_->lookup_slot(events.lost_index, buf)) return 0;
  uint64_t sum = 0;
  const size_t stride = buf.size() / std::max<uint32_t>(drops_->cpus(), 1);
  for (uint32_t cpu = 0; cpu < drops_->cpus(); ++cpu) {
    uint64_t v = 0;
    std::memcpy(&v, buf.data() + cpu * stride, sizeof(v));
    sum += v;
  }
  return sum;
}

}  // namespace sonde::session
