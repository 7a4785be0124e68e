"""The input side of the Distributed Map through the API: ItemBatcher, Label,
ItemReader and ResultWriter, as CreateStateMachine and
ValidateStateMachineDefinition judge them and as an execution runs them.

ItemReader and ResultWriter need Amazon S3, which Statecraft cannot call yet:
a definition using them is accepted and fails at run time with the error AWS
raises when the S3 call cannot be made (States.ItemReaderFailed,
States.ResultWriterFailed).
"""

import json
import unittest

from common import E2ETestCase

DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}


def map_def(extra=None, processor=None, jsonata=False, distributed=True):
    state = {
        "Type": "Map",
        "End": True,
        "ItemProcessor": {
            "StartAt": "P",
            "States": processor or {"P": {"Type": "Pass", "End": True}},
        },
    }
    if distributed:
        state["ItemProcessor"]["ProcessorConfig"] = dict(DISTRIBUTED)
    state.update(extra or {})
    d = {"StartAt": "M", "States": {"M": state}}
    if jsonata:
        d["QueryLanguage"] = "JSONata"
    return d


class MapItemsDefinitionTest(E2ETestCase):
    def assert_invalid(self, definition, needle):
        err = self.assertClientError(self.sfn.exceptions.InvalidDefinition,
                                     self.create_sm, definition)
        self.assertIn(needle, err.response["Error"]["Message"])
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(definition))
        self.assertEqual(r["result"], "FAIL")
        self.assertTrue(any(needle in "%s at %s" % (d["message"], d.get("location", ""))
                            for d in r["diagnostics"]), r["diagnostics"])

    def assert_valid(self, definition):
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(definition))
        self.assertEqual(r["result"], "OK", r["diagnostics"])
        self.create_sm(definition)

    def test_accepted_definitions(self):
        self.assert_valid(map_def({
            "Label": "orders-2026",
            "ItemBatcher": {"MaxItemsPerBatch": 10, "MaxInputBytesPerBatch": 4096,
                            "BatchInput": {"run.$": "$$.Execution.Name"}},
            "ToleratedFailurePercentage": 5}))
        self.assert_valid(map_def({
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW",
                                            "CSVDelimiter": "TAB", "MaxItems": 100},
                           "Parameters": {"Bucket": "b", "Key.$": "$.key"}},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket": "b", "Prefix": "out/"},
                             "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"}}}))
        self.assert_valid(map_def({
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "/orders"},
                           "Parameters": {"Bucket": "b", "Key": "orders.json"}}}))
        self.assert_valid(map_def({
            "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.size %}",
                            "BatchInput": "{% {'n': $count($states.input.items)} %}"},
            "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2",
                           "Arguments": {"Bucket": "b", "Prefix": "{% $states.input.prefix %}"}}},
            jsonata=True))

    def test_refused_definitions(self):
        self.assert_invalid(map_def({"ItemBatcher": {"MaxItemsPerBatch": 2}}, distributed=False),
                            "Field 'ItemBatcher' is not supported at /States/M")
        self.assert_invalid(map_def({"ItemBatcher": {"MaxItemsPerBatch": 2,
                                                     "MaxItemsPerBatchPath": "$.n"}}),
                            "There should only be one of the following fields: "
                            "[MaxItemsPerBatch, MaxItemsPerBatchPath] at /States/M/ItemBatcher")
        self.assert_invalid(map_def({"ItemBatcher": {"MaxInputBytesPerBatch": 262145}}),
                            "Maximum value is 262144 at /States/M/ItemBatcher/MaxInputBytesPerBatch")
        self.assert_invalid(map_def({"ItemBatcher": {"MaxItemsPerBatchPath": "$.n"}}, jsonata=True),
                            "field 'MaxItemsPerBatchPath' is only supported for the 'JSONPath' "
                            "QueryLanguage")
        self.assert_invalid(map_def({"Label": "x" * 41}),
                            "Label must be between 1 and 40 characters long at /States/M/Label")
        self.assert_invalid(map_def({"Label": "my label"}), "at /States/M/Label")
        self.assert_invalid(map_def({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                                                    "Parameters": {"Bucket": "b", "Key": "k"}}}),
                            "These fields are required: [InputType] at /States/M/ItemReader")
        self.assert_invalid(map_def({"ItemReader": {"Resource": "arn:aws:states:::s3:deleteObject"}}),
                            "at /States/M/ItemReader/Resource")
        self.assert_invalid(map_def({"ResultWriter": {"Resource": "arn:aws:states:::s3:getObject",
                                                      "Parameters": {"Bucket": "b"}}}),
                            "at /States/M/ResultWriter/Resource")


class MapItemsExecutionTest(E2ETestCase):
    def test_item_batcher_forms_batches(self):
        sm, _ = self.create_sm(map_def({
            "ItemsPath": "$.items",
            "ItemSelector": {"id.$": "$$.Map.Item.Value", "at.$": "$$.Map.Item.Index"},
            "ItemBatcher": {"MaxItemsPerBatchPath": "$.size", "BatchInput": {"tag.$": "$.tag"}}}))
        _, d = self.run_to_end(sm, {"size": 2, "tag": "t1", "items": ["a", "b", "c"]})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), [
            {"BatchInput": {"tag": "t1"}, "Items": [{"id": "a", "at": 0}, {"id": "b", "at": 1}]},
            {"BatchInput": {"tag": "t1"}, "Items": [{"id": "c", "at": 2}]},
        ])

    def test_jsonata_item_batcher(self):
        sm, _ = self.create_sm(map_def({
            "Items": "{% $states.input.items %}",
            "ItemBatcher": {"MaxItemsPerBatch": 3, "BatchInput": {"n": "{% $count($states.input.items) %}"}}},
            jsonata=True))
        _, d = self.run_to_end(sm, {"items": [1, 2, 3, 4]})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), [
            {"BatchInput": {"n": 4}, "Items": [1, 2, 3]},
            {"BatchInput": {"n": 4}, "Items": [4]},
        ])

    def test_batch_path_not_an_integer_fails_the_execution(self):
        sm, _ = self.create_sm(map_def({"ItemBatcher": {"MaxItemsPerBatchPath": "$.size"},
                                        "ItemsPath": "$.items"}))
        _, d = self.run_to_end(sm, {"size": "big", "items": [1]})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Runtime")
        self.assertIn("MaxItemsPerBatchPath", d["cause"])

    def test_item_reader_fails_at_run_time(self):
        # The node calls S3 (docs/aws-integrations.md; tests/aws runs it
        # against moto): here no S3 is reachable with credentials.
        sm, _ = self.create_sm(map_def({
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "JSON"},
                           "Parameters": {"Bucket": "b", "Key": "k.json"}}}))
        _, d = self.run_to_end(sm, {})
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.ItemReaderFailed")
        self.assertIn("arn:aws:states:::s3:getObject", d["cause"])

    def test_result_writer_fails_at_run_time_and_can_be_caught(self):
        d = map_def({"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                      "Parameters": {"Bucket": "b", "Prefix": "p"}},
                     "Catch": [{"ErrorEquals": ["States.ResultWriterFailed"], "Next": "Caught"}]})
        del d["States"]["M"]["End"]
        d["States"]["M"]["Next"] = "Done"
        d["States"]["Done"] = {"Type": "Succeed"}
        d["States"]["Caught"] = {"Type": "Pass", "End": True}
        sm, _ = self.create_sm(d)
        _, r = self.run_to_end(sm, [1, 2])
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"])["Error"], "States.ResultWriterFailed")

    def test_failed_batch_counts_all_its_items(self):
        proc = {
            "P": {"Type": "Choice",
                  "Choices": [{"Variable": "$.Items[0]", "NumericLessThan": 0, "Next": "F"}],
                  "Default": "S"},
            "F": {"Type": "Fail", "Error": "Neg"},
            "S": {"Type": "Succeed"},
        }
        for count, status in ((1, "FAILED"), (2, "SUCCEEDED")):
            sm, _ = self.create_sm(map_def({"ItemBatcher": {"MaxItemsPerBatch": 2},
                                            "ToleratedFailureCount": count}, processor=proc))
            _, d = self.run_to_end(sm, [-1, 1, 2, 3])
            self.assertEqual(d["status"], status, (count, d))
            if status == "FAILED":
                self.assertEqual(d["error"], "States.ExceedToleratedFailureThreshold")


if __name__ == "__main__":
    unittest.main()
