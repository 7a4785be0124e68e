#include "actors/clock.hpp"

#include "cluster/store.hpp"

#include <atomic>
#include <cctype>
#include <cmath>
#include <string>

namespace sc::actors {

namespace {
std::atomic<bool> g_manual{false};
std::atomic<int64_t> g_manual_ms{0};
}  // namespace

int64_t exec_now_ms() {
  if (g_manual.load(std::memory_order_acquire)) return g_manual_ms.load(std::memory_order_acquire);
  return cluster::wall_ms();
}

bool manual_clock() { return g_manual.load(std::memory_order_acquire); }

void enable_manual_clock(int64_t start_ms) {
  g_manual_ms.store(start_ms, std::memory_order_release);
  g_manual.store(true, std::memory_order_release);
}

int64_t set_manual_clock(int64_t to_ms) {
  int64_t cur = g_manual_ms.load(std::memory_order_acquire);
  while (to_ms > cur && !g_manual_ms.compare_exchange_weak(cur, to_ms)) {
  }
  return g_manual_ms.load(std::memory_order_acquire);
}

std::optional<int64_t> parse_clock_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.'))
      ++j;
    if (j == i) return std::nullopt;
    double v = 0;
    try {
      size_t used = 0;
      v = std::stod(std::string(text.substr(i, j - i)), &used);
      if (used != j - i) return std::nullopt;
    } catch (...) {
      return std::nullopt;
    }
    size_t k = j;
    while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k]))) ++k;
    std::string_view unit = text.substr(j, k - j);
    double mult;
    if (unit.empty()) {
      if (any || k != text.size()) return std::nullopt;  // a bare number: seconds
      mult = 1000;
    } else if (unit == "ms") mult = 1;
    else if (unit == "s") mult = 1000;
    else if (unit == "m") mult = 60'000;
    else if (unit == "h") mult = 3'600'000;
    else if (unit == "d") mult = 86'400'000;
    else return std::nullopt;
    total += v * mult;
    any = true;
    i = k;
  }
  if (!std::isfinite(total) || total < 0 || total > 1e15) return std::nullopt;
  return static_cast<int64_t>(std::llround(total));
}

}  // namespace sc::actors
