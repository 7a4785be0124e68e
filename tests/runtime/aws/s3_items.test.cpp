// Distributed Map's S3 formats (runtime/aws/s3_items.hpp).
#include "runtime/aws/s3_items.hpp"

#include <catch2/catch.hpp>

using namespace sc::aws;
using namespace sc;

namespace {

std::string parse_all(const std::string& rc_text, const std::vector<std::string>& chunks) {
  json::document rc;
  json::parse(rc_text, rc);
  std::string err;
  auto cfg = parse_reader_config(rc, err);
  REQUIRE(cfg);
  item_parser p(*cfg);
  json::document items;
  items.SetArray();
  bool more = true;
  for (const auto& c : chunks)
    if (more) more = p.feed(c, items, items.GetAllocator());
  if (more) REQUIRE(p.finish(items, items.GetAllocator()));
  REQUIRE(p.error().empty());
  return json::dump(items);
}

}  // namespace

TEST_CASE("CSV rows split across chunks, quoted fields with delimiters and newlines", "[aws][s3items]") {
  CHECK(parse_all(R"({"InputType":"CSV"})", {"a,b\n1,\"x", ",y\"\n2,\"multi\nline\"\r\n3,\"q\"\"q\""}) ==
        R"([{"a":"1","b":"x,y"},{"a":"2","b":"multi\nline"},{"a":"3","b":"q\"q"}])");
  CHECK(parse_all(R"({"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["k"],"CSVDelimiter":"PIPE"})",
                  {"1|2\n", "3\n"}) == R"([{"k":"1"},{"k":"3"}])");
  CHECK(split_csv("a\tb", '\t') == std::vector<std::string>{"a", "b"});
}

TEST_CASE("MaxItems stops reading; JSONL skips blank lines; JSON with ItemsPointer", "[aws][s3items]") {
  CHECK(parse_all(R"({"InputType":"JSONL","MaxItems":2})", {"{\"n\":1}\n\n{\"n\":2}\n{\"n\":3}\n"}) ==
        R"([{"n":1},{"n":2}])");
  CHECK(parse_all(R"({"InputType":"JSON","ItemsPointer":"/a/b"})", {"{\"a\":{\"b\":[1,", "2]}}"}) == "[1,2]");
  CHECK(parse_all(R"({"InputType":"JSON","MaxItems":1})", {"[5,6]"}) == "[5]");
  CHECK(parse_all(R"({"InputType":"MANIFEST","ManifestType":"CSV"})", {"bkt,k1\nbkt,k2\n"}) ==
        R"([{"Bucket":"bkt","Key":"k1"},{"Bucket":"bkt","Key":"k2"}])");
}

TEST_CASE("reader errors and unsupported inputs are reported", "[aws][s3items]") {
  json::document rc;
  json::parse(R"({"InputType":"PARQUET"})", rc);
  std::string err;
  CHECK_FALSE(parse_reader_config(rc, err));
  CHECK(err.find("PARQUET") != std::string::npos);
  json::parse(R"({"InputType":"JSONL"})", rc);
  item_parser p(*parse_reader_config(rc, err));
  json::document items;
  items.SetArray();
  CHECK_FALSE(p.feed("{bad\n", items, items.GetAllocator()));
  CHECK(p.error().find("JSONL") != std::string::npos);
}

TEST_CASE("listObjectsV2 pages become items; results are formatted per WriterConfig", "[aws][s3items]") {
  json::document items;
  items.SetArray();
  std::string token;
  int64_t count = 0;
  REQUIRE(list_objects_items(
      "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a/1</Key><LastModified>2024-01-01T00:00:10.000Z"
      "</LastModified><ETag>&quot;e1&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>"
      "<NextContinuationToken>tok</NextContinuationToken></ListBucketResult>",
      items, items.GetAllocator(), token, 0, count));
  CHECK(json::dump(items) ==
        R"([{"Etag":"\"e1\"","Key":"a/1","LastModified":1704067210,"Size":3,"StorageClass":"STANDARD"}])");
  CHECK(token == "tok");
  std::vector<std::string> recs = {R"({"Output":"[1,2]","Status":"SUCCEEDED"})", R"({"Output":"3","Status":"SUCCEEDED"})"};
  CHECK(format_results(recs, "COMPACT", "JSON", false) == "[[1,2],3]");
  CHECK(format_results(recs, "FLATTEN", "JSONL", false) == "1\n2\n3\n");
  CHECK(format_results({"1", "2"}, "NONE", "JSON", true) == "[1,2]");
}

TEST_CASE("A JSON array streams element by element, split anywhere, resumable inside", "[aws][s3items]") {
  const std::string doc = R"( [ {"a":"x,]}\"y","b":[1,{"c":2}]}, "s]", 12.5 , true,null,[3] ] )";
  // Every split point: the same items.
  for (size_t cut = 0; cut <= doc.size(); ++cut)
    CHECK(parse_all(R"({"InputType":"JSON"})", {doc.substr(0, cut), doc.substr(cut)}) ==
          R"([{"a":"x,]}\"y","b":[1,{"c":2}]},"s]",12.5,true,null,[3]])");
  // Resumed inside the array at a byte offset (a later window).
  json::document rc;
  json::parse(R"({"InputType":"JSON","MaxItems":2})", rc);
  std::string err;
  item_parser first(*parse_reader_config(rc, err));
  json::document items;
  items.SetArray();
  CHECK_FALSE(first.feed("[1, 2, 3, 4]", items, items.GetAllocator()));  // full at 2
  CHECK(json::dump(items) == "[1,2]");
  CHECK(first.in_array());
  const size_t offset = std::string("[1, 2, 3, 4]").size() - first.pending_bytes();
  json::parse(R"({"InputType":"JSON"})", rc);
  item_parser next(*parse_reader_config(rc, err));
  next.resume_in_array();
  json::document rest;
  rest.SetArray();
  CHECK_FALSE(next.feed(std::string("[1, 2, 3, 4]").substr(offset), rest, rest.GetAllocator()));
  CHECK(next.done());
  CHECK(json::dump(rest) == "[3,4]");
  // Not an array, or not closed.
  item_parser bad(*parse_reader_config(rc, err));
  CHECK_FALSE(bad.feed("{\"a\":1}", rest, rest.GetAllocator()));
  CHECK(bad.error().find("must be a JSON array") != std::string::npos);
  item_parser open(*parse_reader_config(rc, err));
  open.feed("[1,2", rest, rest.GetAllocator());
  CHECK_FALSE(open.finish(rest, rest.GetAllocator()));
}
