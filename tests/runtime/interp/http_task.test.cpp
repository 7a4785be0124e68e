// The HTTP Task's pure part (runtime/interp/http_task.hpp): arguments,
// the request built from them and a connection, AWS's output and errors.
//
//   ./build/tests/runtime_tests "[http_task]"
#include "runtime/interp/http_task.hpp"

#include "runtime/interp/integration.hpp"

#include <catch2/catch.hpp>

using namespace sc::interp;
using namespace sc::interp::http_task;

namespace {

std::string header(const request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<none>";
}

arguments args(const std::string& json) {
  task_error e;
  auto a = read_arguments(json, e);
  INFO(e.cause);
  REQUIRE(a);
  return *a;
}

std::string refused(const std::string& json) {
  task_error e;
  REQUIRE_FALSE(read_arguments(json, e));
  CHECK(e.error == "States.Runtime");
  return e.cause;
}

constexpr const char* conn = R"("Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:1:connection/c/1"})";

}  // namespace

TEST_CASE("http:invoke is a request-response integration", "[http_task]") {
  auto ir = parse_integration("arn:aws:states:::http:invoke");
  REQUIRE(ir);
  CHECK(ir->resource_type == "http");
  CHECK(ir->resource == "invoke");
  CHECK(integration_supported(*ir));
  auto cb = parse_integration("arn:aws:states:::http:invoke.waitForTaskToken");
  REQUIRE(cb);
  CHECK_FALSE(integration_supported(*cb));
}

TEST_CASE("HTTP Task arguments", "[http_task]") {
  auto a = args(std::string(R"({"ApiEndpoint":"https://x.example/p","Method":"post",)") + conn +
                R"(,"Headers":{"X-A":"1","X-N":2},"QueryParameters":{"q":"a b","m":["x","y"]},)"
                R"("RequestBody":{"k":[1,2]},"Transform":{"RequestBodyEncoding":"URL_ENCODED",)"
                R"("RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}})");
  CHECK(a.method == "POST");
  CHECK(a.connection_arn == "arn:aws:events:us-east-1:1:connection/c/1");
  CHECK(a.headers == pairs{{"X-A", "1"}, {"X-N", "2"}});
  CHECK(a.query == pairs{{"q", "a b"}, {"m", "x"}, {"m", "y"}});
  CHECK(a.has_body);
  CHECK(a.url_encoded);
  CHECK(a.arrays == array_format::brackets);
  auto ic = args(R"({"ApiEndpoint":"https://x","Method":"GET","InvocationConfig":{"ConnectionArn":"arn:c"}})");
  CHECK(ic.connection_arn == "arn:c");

  CHECK(refused(R"([1])").find("object") != std::string::npos);
  CHECK(refused(std::string(R"({"Method":"GET",)") + conn + "}").find("ApiEndpoint") != std::string::npos);
  CHECK(refused(std::string(R"({"ApiEndpoint":"ftp://x","Method":"GET",)") + conn + "}").find("https") !=
        std::string::npos);
  CHECK(refused(std::string(R"({"ApiEndpoint":"https://x","Method":"FETCH",)") + conn + "}").find("Method") !=
        std::string::npos);
  CHECK(refused(R"({"ApiEndpoint":"https://x","Method":"GET"})").find("ConnectionArn") != std::string::npos);
  CHECK(refused(std::string(R"({"ApiEndpoint":"https://x","Method":"GET","Headers":{"Host":"h"},)") + conn +
                "}")
            .find("'Host'") != std::string::npos);
  refused(std::string(R"({"ApiEndpoint":"https://x","Method":"GET","Headers":{"x-amz-date":"1"},)") + conn + "}");
  refused(std::string(R"({"ApiEndpoint":"https://x","Method":"GET","Headers":{"X-Forwarded-For":"1"},)") + conn + "}");
  refused(std::string(R"({"ApiEndpoint":"https://x","Method":"GET","Headers":{"X-A":{"o":1}},)") + conn + "}");
  refused(std::string(R"({"ApiEndpoint":"https://x","Method":"GET","Transform":{"RequestBodyEncoding":"GZIP"},)") +
          conn + "}");
  CHECK_FALSE(forbidden_header("X-Custom"));
  CHECK(forbidden_header("transfer-encoding"));
}

TEST_CASE("URL encoding of a JSON body", "[http_task]") {
  const char* body = R"({"a":"x y","list":["p","q"],"o":{"k":"v"},"n":1,"t":true})";
  CHECK(url_encode_json(body, array_format::indices) ==
        "a=x%20y&list%5B0%5D=p&list%5B1%5D=q&o%5Bk%5D=v&n=1&t=true");
  CHECK(url_encode_json(R"({"l":["p","q"]})", array_format::brackets) == "l%5B%5D=p&l%5B%5D=q");
  CHECK(url_encode_json(R"({"l":["p","q"]})", array_format::repeat) == "l=p&l=q");
  CHECK(url_encode_json(R"({"l":["p","q"]})", array_format::commas) == "l=p%2Cq");
  CHECK(url_encode_json("[1]", array_format::indices).empty());
  CHECK(percent_encode("a-b_c.d~e f/&") == "a-b_c.d~e%20f%2F%26");
  CHECK(base64("alice:pw") == "YWxpY2U6cHc=");
  CHECK(base64("ab") == "YWI=");
  CHECK(base64("abc") == "YWJj");
}

TEST_CASE("HTTP Task request", "[http_task]") {
  SECTION("JSON body, query, connection additions win") {
    auto a = args(std::string(R"({"ApiEndpoint":"https://x.example/p?z=0#frag","Method":"POST",)") + conn +
                  R"(,"Headers":{"X-A":"task","X-B":"b"},"QueryParameters":{"q":"1"},"RequestBody":{"k":"v"}})");
    connection_additions c;
    c.headers = {{"x-a", "conn"}, {"x-api-key", "s"}};
    c.query = {{"cq", "2"}};
    c.body = {{"extra", "e"}};
    auto r = build_request(a, c, "eu-west-1");
    CHECK(r.method == "POST");
    CHECK(r.url == "https://x.example/p?z=0&q=1&cq=2");
    CHECK(header(r, "X-A") == "<none>");
    CHECK(header(r, "x-a") == "conn");
    CHECK(header(r, "X-B") == "b");
    CHECK(header(r, "x-api-key") == "s");
    CHECK(header(r, "Content-Type") == "application/json; charset=UTF-8");
    CHECK(header(r, "User-Agent") == "Amazon|StepFunctions|HttpInvoke|eu-west-1");
    CHECK(header(r, "Range") == "bytes=0-262144");
    CHECK(r.body == R"({"k":"v","extra":"e"})");
  }
  SECTION("text body and URL-encoded body") {
    auto t = build_request(args(std::string(R"({"ApiEndpoint":"http://h/","Method":"PUT","RequestBody":"raw text",)") +
                                conn + "}"),
                           {}, "us-east-1");
    CHECK(t.body == "raw text");
    CHECK(header(t, "Content-Type") == "text/plain; charset=UTF-8");
    auto f = build_request(args(std::string(R"({"ApiEndpoint":"http://h/","Method":"POST","RequestBody":{"a":"1"},)") +
                                R"("Transform":{"RequestBodyEncoding":"URL_ENCODED"},"Headers":{"content-type":"x/y"},)" +
                                conn + "}"),
                           {}, "us-east-1");
    CHECK(f.body == "a=1");
    CHECK(header(f, "content-type") == "x/y");
    CHECK(header(f, "Content-Type") == "<none>");
    auto g = build_request(args(std::string(R"({"ApiEndpoint":"http://h/","Method":"GET",)") + conn + "}"), {},
                           "us-east-1");
    CHECK(g.body.empty());
    CHECK(header(g, "Content-Type") == "<none>");
    connection_additions cb;
    cb.body = {{"k", "v"}};
    auto gb = build_request(args(std::string(R"({"ApiEndpoint":"http://h/","Method":"GET",)") + conn + "}"), cb,
                            "us-east-1");
    CHECK(gb.body.empty());  // a GET gets no body from its connection
    auto pb = build_request(args(std::string(R"({"ApiEndpoint":"http://h/","Method":"POST",)") + conn + "}"), cb,
                            "us-east-1");
    CHECK(pb.body == R"({"k":"v"})");
  }
}

TEST_CASE("HTTP Task output and status errors", "[http_task]") {
  auto out = shape_output(200, "OK", {{"Content-Type", "application/json"}, {"Set-Cookie", "a"}, {"set-cookie", "b"}},
                          R"({"x":[1,2]})");
  CHECK(out == R"({"Headers":{"Content-Type":["application/json"],"Set-Cookie":["a","b"]},)"
               R"("ResponseBody":{"x":[1,2]},"StatusCode":200,"StatusText":"OK"})");
  CHECK_FALSE(status_error(204, out));
  auto text = shape_output(404, "", {{"Content-Type", "text/plain"}}, "nope");
  CHECK(text == R"({"Headers":{"Content-Type":["text/plain"]},"ResponseBody":"nope","StatusCode":404,"StatusText":"Not Found"})");
  auto e = status_error(404, text);
  REQUIRE(e);
  CHECK(e->error == "States.Http.StatusCode.404");
  CHECK(e->cause == text);
  // JSON content type that does not parse: kept as text; invalid UTF-8 replaced
  CHECK(shape_output(200, "OK", {{"content-type", "application/json"}}, "{bad") ==
        R"({"Headers":{"content-type":["application/json"]},"ResponseBody":"{bad","StatusCode":200,"StatusText":"OK"})");
  CHECK(shape_output(200, "OK", {}, "a\xff") ==
        "{\"Headers\":{},\"ResponseBody\":\"a\xEF\xBF\xBD\",\"StatusCode\":200,\"StatusText\":\"OK\"}");
  CHECK(status_error(302, "{}")->error == "States.Http.StatusCode.302");
}
