// Static validation of the Distributed Map's own fields (runtime/asl/
// compile_map.cpp): Label, ItemBatcher, ItemReader, ResultWriter, in both
// query languages.
#include "tests/runtime/asl/asl_test_util.hpp"

using namespace sc::asl;
using asl_test::kSchema;
using asl_test::one_state;
using asl_test::parse_ok;
using asl_test::problems;

namespace {

const std::string kDistributed =
    R"("ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"I","States":{"I":{"Type":"Succeed"}}})";
const std::string kInline = R"("ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}})";

// A Map state S with `fields`, distributed unless told otherwise.
std::string map(const std::string& fields, bool distributed = true) {
  return one_state(R"("Type":"Map","End":true,)" + fields + (distributed ? kDistributed : kInline));
}
std::string jsonata_map(const std::string& fields) {
  return R"({"QueryLanguage":"JSONata",)" + map(fields).substr(1);
}

}  // namespace

TEST_CASE("Distributed-only fields are refused on an INLINE Map", "[asl][validate][map]") {
  for (const char* f : {"ItemBatcher", "ItemReader", "ResultWriter"}) {
    INFO(f);
    std::string value = std::string(f) == "ItemBatcher"
                            ? R"({"MaxItemsPerBatch":2})"
                            : std::string(f) == "ItemReader"
                                  ? R"({"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b"}})"
                                  : R"({"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b"}})";
    REQUIRE_PROBLEM(map("\"" + std::string(f) + "\":" + value + ",", false), kSchema,
                    "Field '" + std::string(f) + "' is not supported", "/States/S");
    parse_ok(map("\"" + std::string(f) + "\":" + value + ","));
  }
}

TEST_CASE("ItemBatcher fields are validated", "[asl][validate][map]") {
  parse_ok(map(R"("ItemBatcher":{"MaxItemsPerBatch":10,"MaxInputBytesPerBatch":262144,
      "BatchInput":{"a":1,"b.$":"$.b"}},)"));
  parse_ok(map(R"("ItemBatcher":{"MaxItemsPerBatchPath":"$.n","MaxInputBytesPerBatchPath":"$.b"},)"));
  REQUIRE_PROBLEM(map(R"("ItemBatcher":{"MaxItemsPerBatch":2,"MaxItemsPerBatchPath":"$.n"},)"),
                  kSchema,
                  "There should only be one of the following fields: "
                  "[MaxItemsPerBatch, MaxItemsPerBatchPath]",
                  "/States/S/ItemBatcher");
  REQUIRE_PROBLEM(map(R"("ItemBatcher":{"MaxInputBytesPerBatch":2,"MaxInputBytesPerBatchPath":"$.n"},)"),
                  kSchema,
                  "There should only be one of the following fields: "
                  "[MaxInputBytesPerBatch, MaxInputBytesPerBatchPath]",
                  "/States/S/ItemBatcher");
  REQUIRE_PROBLEM(map(R"("ItemBatcher":{"MaxItemsPerBatch":0},)"), kSchema, "Minimum value is 1",
                  "/States/S/ItemBatcher/MaxItemsPerBatch");
  REQUIRE_PROBLEM(map(R"("ItemBatcher":{"MaxItemsPerBatch":"2"},)"), kSchema,
                  "Expected value of type [INTEGER]", "/States/S/ItemBatcher/MaxItemsPerBatch");
  REQUIRE_PROBLEM(map(R"("ItemBatcher":{"MaxInputBytesPerBatch":262145},)"), kSchema,
                  "Maximum value is 262144", "/States/S/ItemBatcher/MaxInputBytesPerBatch");
  REQUIRE_PROBLEM(map(R"("ItemBatcher":{"BatchInput":{}},)"), kSchema,
                  "At least one of the following fields is required: [MaxItemsPerBatch, "
                  "MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath]",
                  "/States/S/ItemBatcher");
  REQUIRE_PROBLEM(map(R"("ItemBatcher":{"MaxItemsPerBatch":1,"BatchInput":[1]},)"), kSchema,
                  "Expected value of type [OBJECT]", "/States/S/ItemBatcher/BatchInput");
  REQUIRE_PROBLEM(map(R"("ItemBatcher":{"MaxItemsPerBatch":1,"Size":1},)"), kSchema,
                  "Field 'Size' is not supported", "/States/S/ItemBatcher");
  REQUIRE_PROBLEM(map(R"("ItemBatcher":[],)"), kSchema, "Expected value of type [OBJECT]",
                  "/States/S/ItemBatcher");
  auto ds = problems(map(R"("ItemBatcher":{"MaxItemsPerBatchPath":"$.a[*]"},)"));
  CHECK(ds[0].location == "/States/S/ItemBatcher/MaxItemsPerBatchPath");
}

TEST_CASE("JSONata ItemBatcher takes expressions and no Path fields", "[asl][validate][map]") {
  parse_ok(jsonata_map(R"("ItemBatcher":{"MaxItemsPerBatch":"{% $states.input.n %}",
      "MaxInputBytesPerBatch":1024,"BatchInput":"{% {'a': 1} %}"},)"));
  parse_ok(jsonata_map(R"("ItemBatcher":{"MaxItemsPerBatch":3,"BatchInput":{"a":"{% 1 %}"}},)"));
  REQUIRE_PROBLEM(jsonata_map(R"("ItemBatcher":{"MaxItemsPerBatchPath":"$.n"},)"), kSchema,
                  "The QueryLanguage is set to 'JSONata', but field 'MaxItemsPerBatchPath' is only "
                  "supported for the 'JSONPath' QueryLanguage",
                  "/States/S/ItemBatcher");
  REQUIRE_PROBLEM(jsonata_map(R"("ItemBatcher":{"MaxItemsPerBatch":"ten"},)"), kSchema,
                  "Expected value of type [INTEGER]", "/States/S/ItemBatcher/MaxItemsPerBatch");
  REQUIRE_PROBLEM(jsonata_map(R"("ItemBatcher":{"MaxItemsPerBatch":1,"BatchInput":5},)"), kSchema,
                  "Expected value of type [OBJECT]", "/States/S/ItemBatcher/BatchInput");
}

TEST_CASE("Label: 1 to 40 characters, none of the forbidden ones", "[asl][validate][map]") {
  parse_ok(map(R"("Label":"my-label_1.x",)"));
  parse_ok(map("\"Label\":\"" + std::string(40, 'a') + "\","));
  parse_ok(map(R"("Label":"éèêëéèêëéèêëéèêëéèêëéèêëéèêëéèêëéèêëéèêë",)"));  // 40 code points
  const char* length = "Label must be between 1 and 40 characters long";
  REQUIRE_PROBLEM(map("\"Label\":\"" + std::string(41, 'a') + "\","), kSchema, length,
                  "/States/S/Label");
  REQUIRE_PROBLEM(map(R"("Label":"",)"), kSchema, length, "/States/S/Label");
  const char* chars =
      "Label must not contain whitespace, brackets (< > { } [ ]), wildcards (? *), special "
      "characters (\" # % \\ ^ | ~ ` $ & , ; : /) or control characters";
  for (const char* bad : {"a b", "a?", "a*", "<a", "a>", "{a", "a}", "[a", "a]", "a:b", "a;b",
                          "a,b", "a\\\\b", "a|b", "a^b", "a~b", "a$b", "a#b", "a%b", "a&b",
                          "a`b", "a\\\"b", "a/b", "a\\tb", "a\\u0001b", "a\\u007fb", "a\\u0085b", "a\\u00a0b", "a\\u2003b", "a\\u3000b"}) {
    INFO(bad);
    REQUIRE_PROBLEM(map(std::string("\"Label\":\"") + bad + "\","), kSchema, chars,
                    "/States/S/Label");
  }
  REQUIRE_PROBLEM(map(R"("Label":5,)"), kSchema, "Expected value of type [STRING]",
                  "/States/S/Label");
  REQUIRE_PROBLEM(jsonata_map(R"("Label":"a b",)"), kSchema, chars, "/States/S/Label");
}

TEST_CASE("ItemReader is validated and accepted", "[asl][validate][map]") {
  parse_ok(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["a","b"],
        "CSVDelimiter":"SEMICOLON","MaxItems":10},
      "Parameters":{"Bucket":"b","Key.$":"$.key"}},)"));
  parse_ok(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSON","ItemsPointer":"/data/items","MaxItemsPath":"$.max"},
      "Parameters":{"Bucket":"b","Key":"k"}},)"));
  parse_ok(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2",
      "Parameters":{"Bucket":"b","Prefix":"p/"}},)"));
  parse_ok(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"MANIFEST","ManifestType":"ATHENA_DATA","Transformation":"LOAD_AND_FLATTEN"},
      "Parameters":{"Bucket":"b","Key":"manifest.csv"}},)"));
  parse_ok(jsonata_map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSONL","MaxItems":"{% $states.input.max %}"},
      "Arguments":{"Bucket":"b","Key":"{% $states.input.key %}"}},)"));

  REQUIRE_PROBLEM(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:putObject"},)"), kSchema,
                  "Value should be one of the following: [arn:aws:states:::s3:getObject, "
                  "arn:aws:states:::s3:listObjectsV2]",
                  "/States/S/ItemReader/Resource");
  REQUIRE_PROBLEM(map(R"("ItemReader":{"Parameters":{"Bucket":"b"}},)"), kSchema,
                  "These fields are required: [Resource]", "/States/S/ItemReader");
  REQUIRE_PROBLEM(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "Parameters":{"Bucket":"b","Key":"k"}},)"),
                  kSchema, "These fields are required: [InputType]", "/States/S/ItemReader");
  REQUIRE_PROBLEM(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"XML"},"Parameters":{"Bucket":"b","Key":"k"}},)"),
                  kSchema, "Value should be one of the following: [CSV, JSON, JSONL, MANIFEST, PARQUET]",
                  "/States/S/ItemReader/ReaderConfig/InputType");
  REQUIRE_PROBLEM(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN"},"Parameters":{"Bucket":"b","Key":"k"}},)"),
                  kSchema, "These fields are required: [CSVHeaders]",
                  "/States/S/ItemReader/ReaderConfig");
  REQUIRE_PROBLEM(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSON","MaxItems":-1},"Parameters":{"Bucket":"b","Key":"k"}},)"),
                  kSchema, "Minimum value is 0", "/States/S/ItemReader/ReaderConfig/MaxItems");
  REQUIRE_PROBLEM(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSON","MaxItems":100000001},"Parameters":{"Bucket":"b","Key":"k"}},)"),
                  kSchema, "Maximum value is 100000000", "/States/S/ItemReader/ReaderConfig/MaxItems");
  parse_ok(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSON","MaxItems":0},"Parameters":{"Bucket":"b","Key":"k"}},)"));
  REQUIRE_PROBLEM(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSON","ItemsPointer":"data"},"Parameters":{"Bucket":"b","Key":"k"}},)"),
                  kSchema, "The value for the field 'ItemsPointer' must be a valid JSON Pointer",
                  "/States/S/ItemReader/ReaderConfig/ItemsPointer");
  REQUIRE_PROBLEM(map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSON","Extra":1},"Parameters":{"Bucket":"b","Key":"k"}},)"),
                  kSchema, "Field 'Extra' is not supported", "/States/S/ItemReader/ReaderConfig");
  REQUIRE_PROBLEM(jsonata_map(R"("ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2",
      "Parameters":{"Bucket":"b"}},)"),
                  kSchema,
                  "The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported "
                  "for the 'JSONPath' QueryLanguage",
                  "/States/S/ItemReader");
}

TEST_CASE("ResultWriter is validated and accepted", "[asl][validate][map]") {
  parse_ok(map(R"("ResultWriter":{"Resource":"arn:aws:states:::s3:putObject",
      "Parameters":{"Bucket":"b","Prefix":"out/"}},)"));
  parse_ok(map(R"("ResultWriter":{"Resource":"arn:aws:states:::s3:putObject",
      "Parameters":{"Bucket":"b","Prefix":"out/"},
      "WriterConfig":{"OutputType":"JSONL","Transformation":"FLATTEN"}},)"));
  parse_ok(map(R"("ResultWriter":{"WriterConfig":{"Transformation":"COMPACT"}},)"));
  parse_ok(jsonata_map(R"("ResultWriter":{"Resource":"arn:aws:states:::s3:putObject",
      "Arguments":{"Bucket":"b","Prefix":"out/"}},)"));
  REQUIRE_PROBLEM(map(R"("ResultWriter":{"Resource":"arn:aws:states:::s3:getObject",
      "Parameters":{"Bucket":"b"}},)"),
                  kSchema, "Value should be one of the following: [arn:aws:states:::s3:putObject]",
                  "/States/S/ResultWriter/Resource");
  REQUIRE_PROBLEM(map(R"("ResultWriter":{},)"), kSchema, "These fields are required: [Resource]",
                  "/States/S/ResultWriter");
  REQUIRE_PROBLEM(map(R"("ResultWriter":{"WriterConfig":{"OutputType":"CSV"}},)"), kSchema,
                  "Value should be one of the following: [JSON, JSONL]",
                  "/States/S/ResultWriter/WriterConfig/OutputType");
}
