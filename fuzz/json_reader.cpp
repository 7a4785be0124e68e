// Fuzz target: the JSON reader and writer every payload, request body and
// definition goes through (runtime/json/json.hpp).
//
// Input: any bytes, parsed as one JSON document. Checks: a document that
// parses dumps to text that parses again to the same text (dump is a fixed
// point), and quote() of any bytes reads back as that string.
#include "fuzz/common.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sc;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  json::document doc;
  std::string error;
  const bool ok = json::parse(text, doc, &error);
  SC_FUZZ_CHECK(ok == json::valid(text), "parse and valid disagree");
  SC_FUZZ_CHECK(ok || !error.empty(), "a failed parse gives a message");
  if (ok) {
    (void)json::type_name(doc);
    const std::string once = json::dump(doc);
    json::document again;
    SC_FUZZ_CHECK(json::parse(once, again, &error), "dump output does not parse");
    SC_FUZZ_CHECK(json::dump(again) == once, "dump is not a fixed point");
  }

  // Any bytes as a JSON string literal (the writer side of history payloads).
  const std::string quoted = json::quote(text);
  json::document s;
  SC_FUZZ_CHECK(json::parse(quoted, s), "quote() output does not parse");
  SC_FUZZ_CHECK(s.IsString() && std::string_view(s.GetString(), s.GetStringLength()) == text,
                "quote() does not round-trip");
  return 0;
}
