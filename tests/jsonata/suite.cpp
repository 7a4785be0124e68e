// The official JSONata 2.0.6 test suite, run against runtime/jsonata.
//
//   jsonata_suite SUITE_DIR [--group NAME]... [--verbose] [--known-gaps FILE]
//                 [--summary-file FILE] [--no-fork] [--timeout SECONDS]
//
// SUITE_DIR is the data-only copy of the reference implementation's suite
// (groups/GROUP/caseNNN.json, datasets/; its README.md explains the fields).
// Each case is judged the way the reference runner judges it
// (test/run-test-suite.js of jsonata-js): compile errors are compared by code
// (and `token` when the case names one); evaluation is compared by
// undefinedResult, then result (deep equality, numbers as doubles), then
// error (every listed field), then code. `timelimit` + `depth` become the
// environment's limits: depth is the evaluation depth, the time limit a step
// budget, and both stop the evaluation with U1001. The function-eval group is
// skipped: Step Functions has no $eval.
//
// Isolation. By default every case runs in a forked child with an alarm, so
// that a case which crashes or hangs the evaluator costs that case and not
// the figure; the parent reports the signal. `--no-fork` runs in process
// (for a debugger); then a crash handler names the case that was running.
//
// Exit status: 0 when every case passed, or, with --known-gaps, when every
// failing case is listed there (listed cases that now pass only warn); 1
// otherwise; 77 when SUITE_DIR is absent (ctest's SKIP_RETURN_CODE).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/json/json.hpp"
#include "runtime/jsonata/jsonata.hpp"

namespace fs = std::filesystem;
namespace ja = sc::jsonata;
using sc::json::value;

namespace {

constexpr const char* kSuiteVersion = "2.0.6";
constexpr int kSkip = 77;
/// Evaluation steps granted per millisecond of a case's `timelimit`. The
/// reference runner measures wall time; a step budget is deterministic.
constexpr uint64_t kStepsPerMs = 50'000;

struct test_case {
  std::string group;
  std::string id;  ///< "group/case012", or "group/file[3]" inside an array file
  std::string expr;
  std::shared_ptr<sc::json::document> doc;  ///< owns `spec`
  const value* spec = nullptr;
};

struct outcome {
  bool passed = false;
  std::string detail;  ///< "expected … got …" when failed
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Appends code point `cp` (a surrogate here) as its three-byte WTF-8 form.
void append_wtf8(std::string& out, unsigned cp) {
  out += static_cast<char>(0xE0 | (cp >> 12));
  out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out += static_cast<char>(0x80 | (cp & 0x3F));
}

/// RapidJSON refuses a `\uD800` escape without its pair; a few cases use one
/// on purpose. Such escapes become raw WTF-8 bytes (which the parser passes
/// through), the form the evaluator keeps lone surrogates in.
std::string lone_surrogates_to_wtf8(const std::string& text) {
  auto hex4 = [&](size_t at, unsigned& cp) {
    if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u') return false;
    cp = 0;
    for (size_t i = at + 2; i < at + 6; ++i) {
      char c = text[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      cp = cp * 16 + d;
    }
    return true;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned cp = 0, low = 0;
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != 'u') {
      out.append(text, i, 2);  // an escape pair such as `\\`: never a \u start
      i += 2;
      continue;
    }
    if (hex4(i, cp) && cp >= 0xD800 && cp <= 0xDFFF) {
      if (cp <= 0xDBFF && hex4(i + 6, low) && low >= 0xDC00 && low <= 0xDFFF) {
        out.append(text, i, 12);  // a proper pair: RapidJSON decodes it
        i += 12;
      } else {
        append_wtf8(out, cp);
        i += 6;
      }
      continue;
    }
    out += text[i++];
  }
  return out;
}

std::shared_ptr<sc::json::document> parse_file(const fs::path& p) {
  auto doc = std::make_shared<sc::json::document>();
  std::string err;
  if (!sc::json::parse(lone_surrogates_to_wtf8(read_file(p)), *doc, &err)) {
    std::fprintf(stderr, "jsonata_suite: cannot parse %s: %s\n", p.c_str(), err.c_str());
    return nullptr;
  }
  return doc;
}

const value* member(const value& o, const char* name) {
  if (!o.IsObject()) return nullptr;
  auto it = o.FindMember(name);
  return it == o.MemberEnd() ? nullptr : &it->value;
}

std::string str_member(const value& o, const char* name) {
  const value* v = member(o, name);
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

/// Every case of the selected groups, in a stable order (groups and files
/// sorted by name).
bool load_cases(const fs::path& dir, const std::vector<std::string>& groups,
                std::vector<test_case>& cases, int& skipped) {
  std::vector<fs::path> group_dirs;
  for (auto& e : fs::directory_iterator(dir / "groups"))
    if (e.is_directory()) group_dirs.push_back(e.path());
  std::sort(group_dirs.begin(), group_dirs.end());
  bool ok = true;
  for (auto& gd : group_dirs) {
    std::string group = gd.filename().string();
    if (!groups.empty() && std::none_of(groups.begin(), groups.end(), [&](const std::string& g) {
          return group.compare(0, g.size(), g) == 0;
        }))
      continue;
    std::vector<fs::path> files;
    for (auto& e : fs::directory_iterator(gd))
      if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      auto doc = parse_file(f);
      if (!doc) { ok = false; continue; }
      std::string stem = f.stem().string();
      auto add = [&](const value& spec, std::string id) {
        if (group == "function-eval") { ++skipped; return; }  // no $eval in Step Functions
        test_case c{group, std::move(id), {}, doc, &spec};
        if (const value* file = member(spec, "expr-file"); file && file->IsString())
          c.expr = read_file(gd / file->GetString());
        else
          c.expr = str_member(spec, "expr");
        cases.push_back(std::move(c));
      };
      if (doc->IsArray()) {
        for (rapidjson::SizeType i = 0; i < doc->Size(); ++i)
          add((*doc)[i], group + "/" + stem + "[" + std::to_string(i) + "]");
      } else {
        add(*doc, group + "/" + stem);
      }
    }
  }
  return ok;
}

class datasets {
 public:
  explicit datasets(fs::path dir) : dir_(std::move(dir)) {}
  /// The input named `name`, parsed once; nullptr when missing.
  const ja::value* get(const std::string& name) {
    auto it = cache_.find(name);
    if (it != cache_.end()) return &it->second;
    auto doc = parse_file(dir_ / (name + ".json"));
    if (!doc) return nullptr;
    return &cache_.emplace(name, ja::from_json(*doc)).first->second;
  }

 private:
  fs::path dir_;
  std::map<std::string, ja::value> cache_;
};

std::string show(const ja::value& v) {
  if (v.is_undefined()) return "undefined";
  std::string s = ja::to_json(v);
  return s.size() > 400 ? s.substr(0, 400) + "…" : s;
}

std::string show(const value& v) {
  std::string s = sc::json::dump(v);
  return s.size() > 400 ? s.substr(0, 400) + "…" : s;
}

std::string show(const ja::error& e) {
  std::string s = "error " + e.code + ": " + e.message;
  if (e.token) s += " (token " + *e.token + ")";
  return s;
}

/// Arrays compared as multisets (`unordered` cases), else deep equality.
bool equal_result(const ja::value& got, const ja::value& want, bool unordered) {
  if (!unordered || !got.is_array() || !want.is_array()) return ja::deep_equal(got, want);
  const auto& g = got.as_array();
  const auto& w = want.as_array();
  if (g.size() != w.size()) return false;
  std::vector<bool> used(g.size());
  for (size_t i = 0; i < w.size(); ++i) {
    bool found = false;
    for (size_t j = 0; j < g.size() && !found; ++j)
      if (!used[j] && ja::deep_equal(g[j], w[i])) used[j] = found = true;
    if (!found) return false;
  }
  return true;
}

/// Does the error `e` carry every field the case's `error` object lists?
/// `functionName` is not part of our error type: the code and value checks
/// cover those two cases.
bool error_matches(const ja::error& e, const value& want, std::string& why) {
  for (auto& m : want.GetObject()) {
    std::string key = m.name.GetString();
    if (key == "code" || key == "message" || key == "token") {
      std::string w = m.value.IsString() ? m.value.GetString() : "";
      std::string g = key == "code" ? e.code : key == "message" ? e.message : e.token.value_or("");
      if (g != w) { why = key + " " + show(m.value) + " expected"; return false; }
    } else if (key == "value") {
      if (!ja::deep_equal(e.val, ja::from_json(m.value))) {
        why = "value " + show(m.value) + " expected";
        return false;
      }
    }
  }
  return true;
}

outcome run_case(const test_case& c, datasets& data) {
  const value& spec = *c.spec;
  const value* want_code = member(spec, "code");
  const value* want_error = member(spec, "error");
  const value* want_token = member(spec, "token");
  auto code_of = [](const value* v) { return v && v->IsString() ? std::string(v->GetString()) : ""; };

  auto compiled = ja::expression::compile(c.expr);
  if (auto* err = std::get_if<ja::error>(&compiled)) {
    if (want_code) {
      bool ok = err->code == code_of(want_code) &&
                (!want_token || err->token.value_or("") == code_of(want_token));
      if (ok) return {true, {}};
      return {false, "expected compile error " + show(*want_code) +
                         (want_token ? " token " + show(*want_token) : "") + ", got " + show(*err)};
    }
    if (want_error) {
      std::string why;
      if (error_matches(*err, *want_error, why)) return {true, {}};
      return {false, "expected " + show(*want_error) + ", got compile " + show(*err)};
    }
    return {false, "unexpected compile " + show(*err)};
  }
  const auto& expr = std::get<ja::expression>(compiled);

  ja::value input;
  if (const value* d = member(spec, "data")) {
    input = ja::from_json(*d);
  } else if (const value* ds = member(spec, "dataset"); ds && ds->IsString()) {
    const ja::value* v = data.get(ds->GetString());
    if (!v) return {false, "missing dataset " + show(*ds)};
    input = *v;
  }
  ja::bindings vars;
  if (const value* b = member(spec, "bindings"); b && b->IsObject())
    for (auto& m : b->GetObject()) vars[m.name.GetString()] = ja::from_json(m.value);

  ja::environment env;
  env.now_ms = 1'700'000'000'000;  // 2023-11-14T22:13:20Z; no case depends on it
  auto rng = std::make_shared<std::mt19937_64>(20240101);
  env.random_bits = [rng] { return (*rng)(); };
  const value* timelimit = member(spec, "timelimit");
  const value* depth = member(spec, "depth");
  if (timelimit && depth && timelimit->IsNumber() && depth->IsNumber()) {
    env.lim.max_depth = static_cast<size_t>(depth->GetDouble());
    env.lim.max_steps = static_cast<uint64_t>(timelimit->GetDouble()) * kStepsPerMs;
  }

  ja::value got;
  std::optional<ja::error> thrown;
  try {
    got = expr.evaluate(input, vars, env);
  } catch (const ja::exception& e) {
    thrown = e.err();
  } catch (const std::exception& e) {
    return {false, std::string("escaped C++ exception: ") + e.what()};
  } catch (...) {
    return {false, "escaped unknown C++ exception"};
  }
  std::string got_text = thrown ? show(*thrown) : show(got);

  if (member(spec, "undefinedResult")) {
    if (!thrown && got.is_undefined()) return {true, {}};
    return {false, "expected undefined, got " + got_text};
  }
  if (const value* r = member(spec, "result")) {
    const value* unordered = member(spec, "unordered");
    if (!thrown && equal_result(got, ja::from_json(*r), unordered && unordered->IsTrue()))
      return {true, {}};
    return {false, "expected " + show(*r) + ", got " + got_text};
  }
  if (want_error) {
    std::string why;
    if (thrown && error_matches(*thrown, *want_error, why)) return {true, {}};
    return {false, "expected error " + show(*want_error) + ", got " + got_text +
                       (why.empty() ? "" : " (" + why + ")")};
  }
  if (want_code) {
    if (thrown && thrown->code == code_of(want_code)) return {true, {}};
    return {false, "expected error " + show(*want_code) + ", got " + got_text};
  }
  return {false, "nothing to check in this case"};
}

// ---- isolation ----------------------------------------------------------------

char g_current[256];  // the case running in process, for the crash handler

void on_crash(int sig) {
  const char head[] = "\njsonata_suite: the process died (signal) in case ";
  ssize_t r = write(2, head, sizeof head - 1);
  r = write(2, g_current, strlen(g_current));
  r = write(2, "\n", 1);
  (void)r;
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_crash_handler() {
  static std::vector<char> alt(1 << 16);
  stack_t ss{};
  ss.ss_sp = alt.data();
  ss.ss_size = alt.size();
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_crash;
  sa.sa_flags = SA_ONSTACK;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &sa, nullptr);
}

/// Runs the case in a child process: its verdict comes back through a pipe;
/// a signal or the alarm becomes a failure naming it.
outcome run_forked(const test_case& c, datasets& data, unsigned timeout) {
  int fd[2];
  if (pipe(fd) != 0) return run_case(c, data);
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) { close(fd[0]); close(fd[1]); return run_case(c, data); }
  if (pid == 0) {
    close(fd[0]);
    alarm(timeout);
    outcome o = run_case(c, data);
    std::string msg = (o.passed ? "P" : "F") + o.detail;
    for (size_t off = 0; off < msg.size();) {
      ssize_t n = write(fd[1], msg.data() + off, msg.size() - off);
      if (n <= 0) break;
      off += n;
    }
    _exit(0);
  }
  close(fd[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = read(fd[0], buf, sizeof buf)) > 0;) msg.append(buf, n);
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGALRM) return {false, "timed out after " + std::to_string(timeout) + " s"};
    return {false, std::string("CRASHED: ") + strsignal(sig)};
  }
  if (msg.empty()) return {false, "the child exited without a verdict (status " +
                                      std::to_string(WEXITSTATUS(status)) + ")"};
  return {msg[0] == 'P', msg.substr(1)};
}

// ---- known gaps ---------------------------------------------------------------

/// `group/caseNNN  # reason` lines; blank lines and whole-line comments skipped.
std::set<std::string> read_known_gaps(const fs::path& p, bool& ok) {
  std::set<std::string> out;
  std::ifstream in(p);
  ok = static_cast<bool>(in);
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    auto e = line.find_last_not_of(" \t\r");
    out.insert(line.substr(b, e - b + 1));
  }
  return out;
}

int usage() {
  std::fprintf(stderr,
               "usage: jsonata_suite SUITE_DIR [--group NAME]... [--verbose] [--known-gaps FILE]\n"
               "                     [--summary-file FILE] [--no-fork] [--timeout SECONDS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, gaps_file, summary_file;
  std::vector<std::string> groups;
  bool verbose = false, fork_cases = true;
  unsigned timeout = 60;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--group") {
      const char* g = next();
      if (!g) return usage();
      groups.push_back(g);
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a == "--known-gaps") {
      const char* f = next();
      if (!f) return usage();
      gaps_file = f;
    } else if (a == "--summary-file") {
      const char* f = next();
      if (!f) return usage();
      summary_file = f;
    } else if (a == "--no-fork") {
      fork_cases = false;
    } else if (a == "--timeout") {
      const char* t = next();
      if (!t) return usage();
      timeout = static_cast<unsigned>(std::stoul(t));
    } else if (a.size() > 1 && a[0] == '-') {
      return usage();
    } else if (dir.empty()) {
      dir = a;
    } else {
      return usage();
    }
  }
  if (dir.empty()) return usage();
  if (!fs::is_directory(fs::path(dir) / "groups")) {
    std::printf("jsonata_suite: SKIPPED: the JSONata %s suite is not at %s "
                "(expected groups/ and datasets/ there)\n", kSuiteVersion, dir.c_str());
    if (!summary_file.empty())
      std::ofstream(summary_file) << "JSONata " << kSuiteVersion << " suite: not run (no suite at "
                                  << dir << ")\n";
    return kSkip;
  }

  std::set<std::string> gaps;
  if (!gaps_file.empty()) {
    bool ok = false;
    gaps = read_known_gaps(gaps_file, ok);
    if (!ok) { std::fprintf(stderr, "jsonata_suite: cannot read %s\n", gaps_file.c_str()); return 2; }
  }

  std::vector<test_case> cases;
  int skipped = 0;
  bool loaded = load_cases(dir, groups, cases, skipped);
  datasets data(fs::path(dir) / "datasets");
  for (const auto& c : cases)  // parsed once here, not once per forked child
    if (const value* ds = member(*c.spec, "dataset"); ds && ds->IsString()) data.get(ds->GetString());
  if (!fork_cases) install_crash_handler();

  struct tally { int passed = 0, total = 0; };
  std::map<std::string, tally> by_group;
  std::vector<std::string> unexpected, now_passing;
  int passed = 0;
  for (const auto& c : cases) {
    std::snprintf(g_current, sizeof g_current, "%s", c.id.c_str());
    outcome o = fork_cases ? run_forked(c, data, timeout) : run_case(c, data);
    auto& t = by_group[c.group];
    ++t.total;
    bool listed = gaps.count(c.id) > 0;
    if (o.passed) {
      ++t.passed;
      ++passed;
      if (listed) now_passing.push_back(c.id);
    } else {
      if (!listed) unexpected.push_back(c.id);
      if (verbose)
        std::printf("FAIL %s%s\n  expr: %s\n  %s\n", c.id.c_str(), listed ? " (known gap)" : "",
                    c.expr.c_str(), o.detail.c_str());
    }
    std::fflush(stdout);
  }

  // Per-group figures, three to a line; groups with failures marked.
  int col = 0;
  for (auto& [g, t] : by_group) {
    char cell[64];
    std::snprintf(cell, sizeof cell, "%s%-30.30s %3d/%-3d", t.passed == t.total ? " " : "*",
                  g.c_str(), t.passed, t.total);
    std::printf("%s%s", cell, ++col % 3 == 0 ? "\n" : "  ");
  }
  if (col % 3) std::printf("\n");
  if (skipped) std::printf("(skipped: %d cases of function-eval; Step Functions has no $eval)\n", skipped);

  for (auto& id : now_passing)
    std::printf("warning: %s is listed in %s but passes now; remove it from the list\n",
                id.c_str(), gaps_file.c_str());
  if (!unexpected.empty()) {
    std::printf("%zu failing case(s)%s:", unexpected.size(),
                gaps_file.empty() ? "" : " not listed as known gaps");
    const size_t shown = verbose ? unexpected.size() : std::min<size_t>(unexpected.size(), 100);
    for (size_t i = 0; i < shown; ++i)
      std::printf("%s%s", i % 4 == 0 ? "\n  " : "  ", unexpected[i].c_str());
    if (shown < unexpected.size()) std::printf("\n  … and %zu more", unexpected.size() - shown);
    std::printf("\n(run with --verbose for the expected and actual values)\n");
  }

  char figure[160];
  std::snprintf(figure, sizeof figure, "JSONata %s suite: %d of %zu passed", kSuiteVersion, passed,
                cases.size());
  std::string known;
  if (!gaps_file.empty())
    known = " (" + std::to_string(cases.size() - passed - unexpected.size()) +
            " failing known gaps, " + std::to_string(unexpected.size()) + " unexpected failures)";
  std::printf("%s%s\n", figure, known.c_str());
  if (!summary_file.empty()) std::ofstream(summary_file) << figure << known << "\n";
  if (!loaded) return 1;
  return unexpected.empty() ? 0 : 1;
}
