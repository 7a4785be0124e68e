// Step Functions Local's mock files (mock_config.hpp).
#include "actors/mock_config.hpp"

#include "runtime/json/json.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace sc::actors {

namespace {

std::string where(const std::string& base, const std::string& key) {
  bool plain = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]));
  for (char ch : key)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') plain = false;
  return plain ? base + "." + key : base + "[" + json::quote(key) + "]";
}

bool parse_index(const std::string& s, size_t& pos, int64_t& out) {
  size_t start = pos;
  out = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (out > 100000000) return false;
    out = out * 10 + (s[pos] - '0');
    ++pos;
  }
  return pos > start;
}

void read_response(const std::string& at, const json::value& v, mock_answer& a,
                   std::vector<std::string>& problems) {
  if (!v.IsObject()) {
    problems.push_back(at + ": must be an object with \"Return\" or \"Throw\"");
    return;
  }
  auto ret = v.FindMember("Return");
  auto thr = v.FindMember("Throw");
  const bool has_ret = ret != v.MemberEnd(), has_thr = thr != v.MemberEnd();
  if (has_ret == has_thr) {
    problems.push_back(at + ": must have exactly one of \"Return\" and \"Throw\"");
    return;
  }
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    std::string k = m->name.GetString();
    if (k != "Return" && k != "Throw") problems.push_back(where(at, k) + ": unknown field");
  }
  if (has_ret) {
    a.output = json::dump(ret->value);
    return;
  }
  a.failed = true;
  const std::string tat = at + ".Throw";
  if (!thr->value.IsObject()) {
    problems.push_back(tat + ": must be an object with \"Error\" and \"Cause\"");
    return;
  }
  for (auto m = thr->value.MemberBegin(); m != thr->value.MemberEnd(); ++m) {
    std::string k = m->name.GetString();
    if (k == "Error" || k == "Cause") {
      if (!m->value.IsString()) {
        problems.push_back(tat + "." + k + ": must be a string");
        continue;
      }
      (k == "Error" ? a.error : a.cause) = m->value.GetString();
      (k == "Error" ? a.has_error : a.has_cause) = true;
    } else {
      problems.push_back(where(tat, k) + ": unknown field");
    }
  }
}

int64_t file_mtime_ns(const std::string& path) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0) return -1;
  return int64_t(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec + int64_t(sb.st_size) * 7;
}

}  // namespace

std::string machine_name_of(const std::string& machine_arn) {
  static const std::string tag = ":stateMachine:";
  auto p = machine_arn.find(tag);
  if (p == std::string::npos) return machine_arn;
  std::string rest = machine_arn.substr(p + tag.size());
  return rest.substr(0, rest.find_first_of(":/"));
}

std::optional<mock_file> parse_mock_file(const std::string& text,
                                         std::vector<std::string>& problems) {
  json::document d;
  std::string err;
  if (!json::parse(text, d, &err)) {
    problems.push_back("not valid JSON: " + err);
    return std::nullopt;
  }
  if (!d.IsObject()) {
    problems.push_back("$: must be an object with \"StateMachines\" and \"MockedResponses\"");
    return std::nullopt;
  }
  mock_file f;
  for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m) {
    std::string k = m->name.GetString();
    if (k != "StateMachines" && k != "MockedResponses")
      problems.push_back(where("$", k) + ": unknown field");
  }
  // MockedResponses
  if (auto r = d.FindMember("MockedResponses"); r != d.MemberEnd()) {
    if (!r->value.IsObject()) problems.push_back("$.MockedResponses: must be an object");
    else
      for (auto m = r->value.MemberBegin(); m != r->value.MemberEnd(); ++m) {
        const std::string name = m->name.GetString();
        const std::string at = where("$.MockedResponses", name);
        if (!m->value.IsObject() || m->value.MemberCount() == 0) {
          problems.push_back(at + ": must be an object of invocation ranges (\"0\", \"1-2\", …)");
          continue;
        }
        std::vector<mock_file::response_range> ranges;
        for (auto e = m->value.MemberBegin(); e != m->value.MemberEnd(); ++e) {
          const std::string key = e->name.GetString();
          const std::string rat = where(at, key);
          mock_file::response_range rr;
          size_t pos = 0;
          bool ok = parse_index(key, pos, rr.from);
          rr.to = rr.from;
          if (ok && pos < key.size()) ok = key[pos++] == '-' && parse_index(key, pos, rr.to);
          if (!ok || pos != key.size() || rr.to < rr.from) {
            problems.push_back(rat + ": the key must be an invocation number such as \"0\" or a "
                                     "range such as \"1-2\"");
            continue;
          }
          read_response(rat, e->value, rr.answer, problems);
          ranges.push_back(std::move(rr));
        }
        std::sort(ranges.begin(), ranges.end(),
                  [](const auto& a, const auto& b) { return a.from < b.from; });
        int64_t next = 0;
        for (const auto& rr : ranges) {
          if (rr.from != next) {
            problems.push_back(at + ": the invocation ranges must follow each other from \"0\" "
                                    "without gaps or overlaps (invocation " +
                               std::to_string(next) + " is " +
                               (rr.from > next ? "missing)" : "given twice)"));
            break;
          }
          next = rr.to + 1;
        }
        f.responses[name] = std::move(ranges);
      }
  }
  // StateMachines
  if (auto s = d.FindMember("StateMachines"); s != d.MemberEnd()) {
    if (!s->value.IsObject()) problems.push_back("$.StateMachines: must be an object");
    else
      for (auto m = s->value.MemberBegin(); m != s->value.MemberEnd(); ++m) {
        const std::string machine = m->name.GetString();
        const std::string at = where("$.StateMachines", machine);
        if (!m->value.IsObject()) {
          problems.push_back(at + ": must be an object with \"TestCases\"");
          continue;
        }
        for (auto x = m->value.MemberBegin(); x != m->value.MemberEnd(); ++x)
          if (std::string(x->name.GetString()) != "TestCases")
            problems.push_back(where(at, x->name.GetString()) + ": unknown field");
        auto tcs = m->value.FindMember("TestCases");
        if (tcs == m->value.MemberEnd() || !tcs->value.IsObject()) {
          problems.push_back(at + ".TestCases: must be an object");
          continue;
        }
        auto& cases = f.machines[machine];
        for (auto tc = tcs->value.MemberBegin(); tc != tcs->value.MemberEnd(); ++tc) {
          const std::string name = tc->name.GetString();
          const std::string tat = where(at + ".TestCases", name);
          if (!tc->value.IsObject()) {
            problems.push_back(tat + ": must be an object of state name → mocked response name");
            continue;
          }
          auto& states = cases[name];
          for (auto st = tc->value.MemberBegin(); st != tc->value.MemberEnd(); ++st) {
            const std::string sat = where(tat, st->name.GetString());
            if (!st->value.IsString()) {
              problems.push_back(sat + ": must be the name of a mocked response");
              continue;
            }
            std::string resp = st->value.GetString();
            if (!f.responses.count(resp))
              problems.push_back(sat + ": no mocked response named " + json::quote(resp) +
                                 " in $.MockedResponses");
            states[st->name.GetString()] = resp;
          }
        }
      }
  }
  if (!problems.empty()) return std::nullopt;
  return f;
}

mock_config::mock_config(std::string path, std::vector<std::string>& problems)
    : path_(std::move(path)) {
  load(problems);
}

mock_config::~mock_config() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

bool mock_config::load(std::vector<std::string>& problems) {
  const int64_t mtime = file_mtime_ns(path_);
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    problems.push_back("cannot read the file");
    std::lock_guard lock(mu_);
    mtime_ns_ = mtime;
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto f = parse_mock_file(ss.str(), problems);
  std::lock_guard lock(mu_);
  mtime_ns_ = mtime;
  if (!f) return false;
  file_ = std::make_shared<const mock_file>(std::move(*f));
  return true;
}

void mock_config::watch() {
  poller_ = std::thread([this] { poll(); });
}

void mock_config::poll() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; });
      if (stop_) return;
      if (file_mtime_ns(path_) == mtime_ns_) continue;
    }
    std::vector<std::string> problems;
    if (load(problems)) {
      std::cerr << "statecraftd: mock config " << path_ << " reloaded\n";
    } else {
      std::cerr << "statecraftd: mock config " << path_
                << " is broken; keeping the last good one:\n";
      for (auto& p : problems) std::cerr << "statecraftd:   " << path_ << ": " << p << "\n";
    }
  }
}

bool mock_config::has_test_case(const std::string& machine, const std::string& test_case) const {
  std::lock_guard lock(mu_);
  if (!file_) return false;
  auto m = file_->machines.find(machine);
  return m != file_->machines.end() && m->second.count(test_case);
}

std::optional<mock_answer> mock_config::answer(const std::string& machine,
                                               const std::string& test_case,
                                               const std::string& state,
                                               const std::string& execution_arn) {
  std::lock_guard lock(mu_);
  if (!file_) return std::nullopt;
  auto m = file_->machines.find(machine);
  if (m == file_->machines.end()) return std::nullopt;
  auto tc = m->second.find(test_case);
  if (tc == m->second.end()) return std::nullopt;
  auto st = tc->second.find(state);
  if (st == tc->second.end()) return std::nullopt;
  auto r = file_->responses.find(st->second);
  if (r == file_->responses.end() || r->second.empty()) return std::nullopt;
  const int64_t n = counts_[execution_arn + "\n" + state]++;
  for (const auto& rr : r->second)
    if (n >= rr.from && n <= rr.to) return rr.answer;
  return r->second.back().answer;
}

void mock_config::forget(const std::string& execution_arn) {
  std::lock_guard lock(mu_);
  const std::string prefix = execution_arn + "\n";
  for (auto it = counts_.lower_bound(prefix);
       it != counts_.end() && it->first.compare(0, prefix.size(), prefix) == 0;)
    it = counts_.erase(it);
}

}  // namespace sc::actors
