// jsonata_bench: how long runtime/jsonata takes to evaluate typical Step
// Functions expressions (bench/jsonata/run.sh compares with jsonata-js).
//
//   jsonata_bench [--expressions FILE] [--input FILE] [--write-input FILE]
//                 [--seconds S] [--json]
//
// Each expression of expressions.json is compiled once and evaluated
// repeatedly against the same `$states` binding, as a state machine revision
// does for every execution; the time reported is wall time per evaluation
// (median of five rounds of at least S/5 seconds each), conversion of the
// input excluded. The input is a deterministic document (1,000 items with
// names and prices, an order, 100 ids, tags) unless --input names one;
// --write-input writes it so that the jsonata-js side (bench.js) evaluates
// exactly the same data.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/json/json.hpp"
#include "runtime/jsonata/jsonata.hpp"

namespace ja = sc::jsonata;
using clock_type = std::chrono::steady_clock;

namespace {

/// The benchmark document: plain JSON text, identical for both sides.
std::string make_input() {
  std::string s = R"({"id":"order-4711","name":"World","order":{"customer":{"name":"Ada Lovelace","tier":"gold"},"placed":"2024-05-01T10:00:00Z"},"tags":["express","gift","priority"],"ids":[)";
  for (int i = 0; i < 100; ++i) s += (i ? "," : "") + std::to_string(i + 1);
  s += R"(],"items":[)";
  for (int i = 0; i < 1000; ++i) {
    // Prices 0.5 .. 20.45: about half are above 10.
    double price = 0.5 + (i * 37 % 400) * 0.05;
    char item[160];
    std::snprintf(item, sizeof item, R"(%s{"sku":"SKU-%04d","name":"item %d","price":%s,"qty":%d})",
                  i ? "," : "", i, i, ja::format_number_js(price).c_str(), i % 7);
    s += item;
  }
  s += "]}";
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string expressions_file = STATECRAFT_SOURCE_DIR "/bench/jsonata/expressions.json";
  std::string input_file, write_input;
  double seconds = 2.0;
  bool json_out = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--expressions") expressions_file = next();
    else if (a == "--input") input_file = next();
    else if (a == "--write-input") write_input = next();
    else if (a == "--seconds") seconds = std::stod(next());
    else if (a == "--json") json_out = true;
    else {
      std::fprintf(stderr, "usage: jsonata_bench [--expressions FILE] [--input FILE] "
                           "[--write-input FILE] [--seconds S] [--json]\n");
      return 2;
    }
  }
  std::string input_text = input_file.empty() ? make_input() : read_file(input_file);
  if (!write_input.empty()) {
    std::ofstream(write_input) << input_text;
    return 0;
  }

  sc::json::document exprs;
  if (!sc::json::parse(read_file(expressions_file), exprs) || !exprs.IsArray()) {
    std::fprintf(stderr, "jsonata_bench: cannot read %s\n", expressions_file.c_str());
    return 2;
  }
  ja::value input;
  std::string err;
  if (!ja::from_json_text(input_text, input, &err)) {
    std::fprintf(stderr, "jsonata_bench: bad input: %s\n", err.c_str());
    return 2;
  }
  ja::value states = ja::value::object();
  states.mutable_object().set("input", input);
  ja::bindings vars{{"states", states}};
  ja::environment env;
  env.now_ms = 1'700'000'000'000;

  if (json_out) std::printf("[\n");
  bool first = true;
  for (auto& e : exprs.GetArray()) {
    std::string name = e["name"].GetString(), text = e["expr"].GetString();
    auto compiled = ja::expression::compile(text);
    if (auto* ce = std::get_if<ja::error>(&compiled)) {
      std::fprintf(stderr, "jsonata_bench: %s does not compile: %s\n", name.c_str(), ce->describe().c_str());
      return 1;
    }
    const auto& expr = std::get<ja::expression>(compiled);
    size_t sink = 0;
    auto once = [&] {
      ja::value v = expr.evaluate(ja::value(), vars, env);
      sink += static_cast<size_t>(v.type());
    };
    try {
      // Calibrate: iterations for one round of seconds/5.
      size_t n = 1;
      for (;;) {
        auto t0 = clock_type::now();
        for (size_t i = 0; i < n; ++i) once();
        double el = std::chrono::duration<double>(clock_type::now() - t0).count();
        if (el > 0.05) { n = std::max<size_t>(1, static_cast<size_t>(n * (seconds / 5) / el)); break; }
        n *= 4;
      }
      std::vector<double> rounds;
      for (int r = 0; r < 5; ++r) {
        auto t0 = clock_type::now();
        for (size_t i = 0; i < n; ++i) once();
        rounds.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count() / n);
      }
      std::sort(rounds.begin(), rounds.end());
      double us = rounds[2];
      if (json_out)
        std::printf("%s  {\"name\": %s, \"us\": %.4f, \"iterations\": %zu}", first ? "" : ",\n",
                    sc::json::quote(name).c_str(), us, n * 5);
      else
        std::printf("%-22s %12.3f us/eval  (%zu evaluations)\n", name.c_str(), us, n * 5);
      first = false;
    } catch (const ja::exception& x) {
      std::fprintf(stderr, "jsonata_bench: %s fails: %s\n", name.c_str(), x.err().describe().c_str());
      return 1;
    }
    if (sink == 42) std::printf(" ");  // keeps the results alive
  }
  if (json_out) std::printf("\n]\n");
  return 0;
}
