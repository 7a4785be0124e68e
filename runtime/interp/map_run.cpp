// Map Run and child execution ids (see map_run.hpp).
#include "runtime/interp/map_run.hpp"

#include <cstdio>

namespace sc::interp {

std::string placed_uuid(uint64_t a, uint64_t b, uint64_t placement) {
  // Layout: pppppppp-pppp-4rrr-Vrrr-pppprrrrrrrr (p: placement, r: random,
  // V: the RFC 4122 variant).
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%04x%08x",
                unsigned(placement >> 32), unsigned((placement >> 16) & 0xFFFF),
                unsigned(a & 0xFFF), unsigned(0x8000 | ((a >> 12) & 0x3FFF)),
                unsigned(placement & 0xFFFF), unsigned(b & 0xFFFFFFFF));
  return buf;
}

namespace {
int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
bool read_hex(std::string_view s, uint64_t& out) {
  for (char c : s) {
    int v = hex(c);
    if (v < 0) return false;
    out = (out << 4) | uint64_t(v);
  }
  return true;
}
}  // namespace

std::optional<uint64_t> embedded_placement(std::string_view arn) {
  // arn:aws:states:R:A:(mapRun|execution|express):<machine>/<label>:<uuid>[:…]
  auto slash = arn.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto colon = arn.find(':', slash);
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view id = arn.substr(colon + 1, 36);
  if (id.size() != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-')
    return std::nullopt;
  uint64_t h = 0;
  if (!read_hex(id.substr(0, 8), h) || !read_hex(id.substr(9, 4), h) ||
      !read_hex(id.substr(24, 4), h))
    return std::nullopt;
  return h;
}

std::string labelled_machine_arn(std::string_view map_run_arn) {
  std::string s(map_run_arn);
  auto pos = s.find(":mapRun:");
  if (pos == std::string::npos) return {};
  s.replace(pos, 8, ":stateMachine:");
  auto slash = s.find('/');
  auto colon = slash == std::string::npos ? std::string::npos : s.find(':', slash);
  if (colon != std::string::npos) s.erase(colon);
  return s;
}

}  // namespace sc::interp
