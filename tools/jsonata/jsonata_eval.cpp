// jsonata_eval: runtime/jsonata from the command line.
//
//   jsonata_eval < cases.jsonl        one answer line per case line
//   jsonata_eval -e EXPR [-d JSON]    evaluates one expression, prints the result
//
// The JSON Lines form is our side of the differential check against
// jsonata-js (tests/jsonata/differential): the same shapes as its
// reference.js, so the two outputs compare line by line:
//   in:  {"expr": "...", "data": <json>?, "bindings": {...}?}   (no data: undefined input)
//   out: {"result": <json>} | {"undefined": true} | {"function": true}
//        | {"error": {"code": "...", "message": "..."}}
// Every answer is flushed before the next case starts, so when a case kills
// the process the caller knows which one it was (the first unanswered).
// The environment is fixed: the clock at 1700000000000 ms, $random from a
// seeded generator, default limits.
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

#include "runtime/json/json.hpp"
#include "runtime/jsonata/jsonata.hpp"

namespace ja = sc::jsonata;

namespace {

std::string error_line(const std::string& code, const std::string& message) {
  return R"({"error":{"code":)" + sc::json::quote(code) + R"(,"message":)" +
         sc::json::quote(message) + "}}";
}

/// One case: compile, evaluate, the answer line.
std::string answer(const std::string& expr_text, const ja::value& input, const ja::bindings& vars) {
  auto compiled = ja::expression::compile(expr_text);
  if (auto* e = std::get_if<ja::error>(&compiled)) return error_line(e->code, e->message);
  ja::environment env;
  env.now_ms = 1'700'000'000'000;
  auto rng = std::make_shared<std::mt19937_64>(42);
  env.random_bits = [rng] { return (*rng)(); };
  try {
    ja::value v = std::get<ja::expression>(compiled).evaluate(input, vars, env);
    if (v.is_undefined()) return R"({"undefined":true})";
    if (v.is_function()) return R"({"function":true})";
    return R"({"result":)" + ja::to_json(v) + "}";
  } catch (const ja::exception& e) {
    return error_line(e.err().code, e.err().message);
  } catch (const std::exception& e) {
    return error_line("C++", e.what());  // a bug: nothing but ja::exception may escape
  }
}

int lines() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    sc::json::document doc;
    std::string err;
    std::string out;
    if (!sc::json::parse(line, doc, &err) || !doc.IsObject() || !doc.HasMember("expr") ||
        !doc["expr"].IsString()) {
      out = error_line("INPUT", "not a case line: " + err);
    } else {
      ja::value input;
      if (doc.HasMember("data")) input = ja::from_json(doc["data"]);
      ja::bindings vars;
      if (doc.HasMember("bindings") && doc["bindings"].IsObject())
        for (auto& m : doc["bindings"].GetObject()) vars[m.name.GetString()] = ja::from_json(m.value);
      out = answer(std::string(doc["expr"].GetString(), doc["expr"].GetStringLength()), input, vars);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string expr, data;
  bool have_expr = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-e" || a == "--expr") && i + 1 < argc) {
      expr = argv[++i];
      have_expr = true;
    } else if ((a == "-d" || a == "--data") && i + 1 < argc) {
      data = argv[++i];
    } else {
      std::fprintf(stderr, "usage: jsonata_eval < cases.jsonl\n       jsonata_eval -e EXPR [-d JSON]\n");
      return 2;
    }
  }
  if (!have_expr) return lines();
  ja::value input;
  if (!data.empty()) {
    std::string err;
    if (!ja::from_json_text(data, input, &err)) {
      std::fprintf(stderr, "jsonata_eval: bad JSON: %s\n", err.c_str());
      return 2;
    }
  }
  std::string out = answer(expr, input, {});
  std::printf("%s\n", out.c_str());
  return out.rfind(R"({"error")", 0) == 0 ? 1 : 0;
}
