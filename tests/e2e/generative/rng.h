// A small deterministic random source: the same seed gives the same programs with any
// standard library (std::uniform_int_distribution and friends may differ between them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sonde::gen {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  // The generator of program `index` of a run with `seed`: any program of a run can be
  // regenerated alone.
  static Rng for_program(uint64_t seed, uint64_t index) {
    Rng mix(seed ^ (index * 0x9e3779b97f4a7c15ULL));
    return Rng(mix.next() ^ index);
  }

  uint64_t next() {  // splitmix64
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (n > 0); the modulo bias is irrelevant here.
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  // Uniform in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // True with probability `percent` / 100.
  bool chance(unsigned percent) { return below(100) < percent; }

  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
  template <typename T>
  T& pick(std::vector<T>& v) {
    return v[below(v.size())];
  }
  // An index drawn with the given weights (at least one positive).
  size_t weighted(const std::vector<unsigned>& weights) {
    uint64_t total = 0;
    for (unsigned w : weights) total += w;
    uint64_t r = below(total);
    for (size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  uint64_t state_;
};

}  // namespace sonde::gen
