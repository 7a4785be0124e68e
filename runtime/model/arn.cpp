#include "runtime/model/arn.hpp"

#include <vector>

namespace sc::model {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool plausible_region(std::string_view r) {
  if (r.empty()) return false;
  for (char c : r)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

bool plausible_account(std::string_view a) {
  if (a.size() != 12) return false;
  for (char c : a)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::optional<arn> parse_arn(std::string_view text) {
  if (text.size() > 2048) return std::nullopt;
  auto parts = split(text, ':');
  if (parts.size() < 7 || parts[0] != "arn" || parts[2] != "states") return std::nullopt;
  if (parts[1] != "aws" && parts[1] != "aws-cn" && parts[1] != "aws-us-gov") return std::nullopt;
  if (!plausible_region(parts[3]) || !plausible_account(parts[4])) return std::nullopt;
  arn a;
  a.region = parts[3];
  a.account = parts[4];
  auto kind = parts[5];
  auto nonempty = [&](size_t from, size_t n) {
    if (parts.size() != from + n) return false;
    for (size_t i = from; i < from + n; ++i)
      if (parts[i].empty()) return false;
    return true;
  };
  if (kind == "stateMachine" && nonempty(6, 1)) {
    a.kind = arn_kind::state_machine;
    a.machine = parts[6];
  } else if (kind == "execution" && nonempty(6, 2)) {
    a.kind = arn_kind::execution;
    a.machine = parts[6];
    a.name = parts[7];
  } else if (kind == "express" && nonempty(6, 3)) {
    a.kind = arn_kind::express_execution;
    a.machine = parts[6];
    a.name = std::string(parts[7]) + ":" + std::string(parts[8]);
  } else if (kind == "activity" && nonempty(6, 1)) {
    a.kind = arn_kind::activity;
    a.name = parts[6];
  } else {
    return std::nullopt;
  }
  return a;
}

static std::string prefix(std::string_view region, std::string_view account) {
  std::string s = "arn:aws:states:";
  s += region;
  s += ':';
  s += account;
  s += ':';
  return s;
}

std::string state_machine_arn(std::string_view region, std::string_view account,
                              std::string_view name) {
  return prefix(region, account) + "stateMachine:" + std::string(name);
}

std::string execution_arn(std::string_view region, std::string_view account,
                          std::string_view machine, std::string_view name) {
  return prefix(region, account) + "execution:" + std::string(machine) + ":" + std::string(name);
}

std::string express_execution_arn(std::string_view region, std::string_view account,
                                  std::string_view machine, std::string_view name,
                                  std::string_view uuid) {
  return prefix(region, account) + "express:" + std::string(machine) + ":" + std::string(name) +
         ":" + std::string(uuid);
}

std::string activity_arn(std::string_view region, std::string_view account,
                         std::string_view name) {
  return prefix(region, account) + "activity:" + std::string(name);
}

std::string machine_arn_of_execution(const arn& e) {
  return state_machine_arn(e.region, e.account, e.machine);
}

std::string check_name(std::string_view name) {
  if (name.empty() || name.size() > 80)
    return "Invalid Name: '" + std::string(name) + "' (must be 1-80 characters)";
  static constexpr std::string_view forbidden = " <>{}[]?*\"#%\\^|~`$&,;:/";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || forbidden.find(static_cast<char>(c)) != std::string_view::npos ||
        c == '\t' || c == '\n' || c == '\r')
      return "Invalid Name: '" + std::string(name) + "'";
  }
  // U+0080..U+009F (C1 controls) in UTF-8 are C2 80..C2 9F.
  for (size_t i = 0; i + 1 < name.size(); ++i) {
    if (static_cast<unsigned char>(name[i]) == 0xC2 &&
        static_cast<unsigned char>(name[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(name[i + 1]) <= 0x9F)
      return "Invalid Name: '" + std::string(name) + "'";
  }
  return {};
}

}  // namespace sc::model
