// Parser tests: syntax errors as jsonata-js reports them (code, position
// just past the token, token, message), nesting bounds, and the static facts
// the API derives from the tree.
#include <catch2/catch.hpp>

#include <string>

#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/jsonata.hpp"

using namespace sc::jsonata;

namespace {

error compile_error(const std::string& text) {
  auto r = expression::compile(text);
  REQUIRE(std::holds_alternative<error>(r));
  return std::get<error>(r);
}

bool compiles(const std::string& text) {
  return std::holds_alternative<expression>(expression::compile(text));
}

}  // namespace

TEST_CASE("Error templates are filled as jsonata-js fills them", "[jsonata][parser]") {
  CHECK(std::string(message_template("T2002")) ==
        "The right side of the {{token}} operator must evaluate to a number");
  CHECK(std::string(message_template("X9999")).empty());
  CHECK(make_error("T2001", 3, std::string("+")).message ==
        "The left side of the \"+\" operator must evaluate to a number");
  CHECK(make_error("T1005", 0, std::string("sum")).message ==
        "Attempted to invoke a non-function. Did you mean $sum?");
  CHECK(make_error("T2009", 0, std::string("<"), value::string("a"), value::number(1)).message ==
        "The values \"a\" and 1 either side of operator \"<\" must be of the same data type");
  CHECK(make_error("D1001", 0, std::nullopt, value::number(1.0 / 0.0)).message ==
        "Number out of range: null");
  CHECK(make_error("S0201").message == "Syntax error: undefined");
  CHECK(make_error("T0410", 0, std::string("substring"), {}, {}, 2).message ==
        "Argument 2 of function \"substring\" does not match function signature");
}

TEST_CASE("Syntax errors carry jsonata-js's codes, positions and tokens", "[jsonata][parser]") {
  struct c {
    const char* text;
    const char* code;
    size_t position;
    const char* message;
  };
  const c cases[] = {
      {"1 2", "S0201", 3, "Syntax error: 2"},
      {"[1,2", "S0203", 4, "Expected \"]\" before end of expression"},
      {"(", "S0203", 1, "Expected \")\" before end of expression"},
      {"{", "S0203", 1, "Expected \":\" before end of expression"},
      {"1 +", "S0207", 3, "Unexpected end of expression"},
      {"$x := 5; $x", "S0201", 8, "Syntax error: \";\""},
      {"/abc", "S0302", 4, "No terminating / in regular expression"},
      {"@", "S0211", 1, "The symbol \"@\" cannot be used as a unary operator"},
      {"\"\\u", "S0104", 2, "The escape sequence \\u must be followed by 4 hex digits"},
      {"\"\\q\"", "S0103", 2, "Unsupported escape sequence: \\\"q\""},
      {"`abc", "S0105", 4, "Quoted property name must be terminated with a backquote (`)"},
      {"\"abc", "S0101", 4, "String literal must be terminated by a matching quote"},
      {"a.2", "S0213", 3, "The literal value 2 cannot be used as a step within a path expression"},
      {"function($x, 1){1}", "S0208", 14,
       "Parameter 2 of function definition must be a variable name (start with $)"},
      {"1 := 2", "S0212", 1, "The left side of := must be a variable name (start with $)"},
      {"a ! b", "S0204", 3, "Unknown operator: \"!\""},
      {"a@b", "S0214", 3, "The right side of \"@\" must be a variable name (start with $)"},
      {"a{\"x\":1}{\"y\":2}", "S0210", 9, "Each step can only have one grouping expression"},
      {"$x{\"a\":1}[0]", "S0209", 10, "A predicate cannot follow a grouping expression in a step"},
      {"a[0]@$x", "S0215", 5, "A context variable binding must precede any predicates on a step"},
      {"a^(x)@$y", "S0216", 6,
       "A context variable binding must precede the 'order-by' clause on a step"},
      {"/* open", "S0106", 0, "Comment has no closing tag"},
      {"1e999", "S0102", 0, "Number out of range: \"1e999\""},
  };
  for (const auto& k : cases) {
    INFO(k.text);
    error e = compile_error(k.text);
    CHECK(e.code == k.code);
    CHECK(e.position == k.position);
    CHECK(e.message == k.message);
  }
}

TEST_CASE("A parent operator that no step can supply is S0217", "[jsonata][parser]") {
  CHECK(compile_error("%").code == "S0217");
  CHECK(compile_error("(1).%").code == "S0217");
  CHECK(compiles("a.b.%"));
  CHECK(compiles("a.b[%.x = 1]"));
}

TEST_CASE("Nesting is bounded: deep input is an error, not a stack overflow", "[jsonata][parser]") {
  CHECK(compile_error(std::string(100000, '(') + "1" + std::string(100000, ')')).code == "S0201");
  CHECK(compile_error(std::string(100000, '[')).code == "S0201");
  CHECK(compile_error(std::string(100000, '-') + "1").code == "S0201");
  std::string sum = "1";
  for (int i = 0; i < 50000; ++i) sum += "+1";
  CHECK(compile_error(sum).code == "S0201");
  CHECK(compiles(std::string(200, '(') + "1" + std::string(200, ')')));
}

TEST_CASE("Positions count UTF-16 units", "[jsonata][parser]") {
  // "😀" is 4 bytes and 2 UTF-16 units
  error e = compile_error("\"\xF0\x9F\x98\x80\" 2");
  CHECK(e.position == 6);
}

TEST_CASE("Tokens: strings with escapes, names, numbers, comments", "[jsonata][parser]") {
  auto eval = [](const std::string& text) {
    auto r = expression::compile(text);
    REQUIRE(std::holds_alternative<expression>(r));
    return to_json(std::get<expression>(r).evaluate(value(), {}, {}));
  };
  CHECK(eval(R"("a\"b\\c\/d\n\u00e9")") == R"("a\"b\\c/d\né")");
  CHECK(eval(R"("\ud83d\ude00")") == "\"\xF0\x9F\x98\x80\"");
  CHECK(eval("'single'") == R"("single")");
  CHECK(eval("1.5e2 /* comment */ + 0") == "150");
  CHECK(eval("{\"a b\": 1}.`a b`") == "1");
  CHECK(eval("[true, false, null]") == "[true,false,null]");
  CHECK(eval("-(3)") == "-3");
}

TEST_CASE("Free variables and $states fields are listed", "[jsonata][parser]") {
  auto r = expression::compile(
      "($x := 1; $f := function($a){$a + $y}; $states.input.v & $states.result.w & $x & $$.z & $)");
  REQUIRE(std::holds_alternative<expression>(r));
  const expression& e = std::get<expression>(r);
  // `$$` (the input document) is listed as "$"; built-ins read as variables
  // are listed too (a caller binding of that name would shadow them).
  CHECK(e.free_variables() == std::vector<std::string>{"y", "states", "$"});
  CHECK(e.states_fields() == std::vector<std::string>{"input", "result"});

  auto shadow = expression::compile("($states := {}; $states.result)");
  REQUIRE(std::holds_alternative<expression>(shadow));
  CHECK(std::get<expression>(shadow).states_fields().empty());
  CHECK(std::get<expression>(shadow).free_variables().empty());

  auto builtin = expression::compile("$sum($x)");
  REQUIRE(std::holds_alternative<expression>(builtin));
  CHECK(std::get<expression>(builtin).free_variables() == std::vector<std::string>{"sum", "x"});
}
