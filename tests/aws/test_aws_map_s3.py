"""Distributed Map reading its items from S3 and writing its results back
(moto's S3; tests/aws/run.py starts it and the node)."""

import json
import os
import sys

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from common import E2ETestCase, uname  # noqa: E402

MOTO = os.environ.get("AWS_TEST_MOTO", "")
LINES = 10000


def s3():
    return boto3.client("s3", endpoint_url=MOTO, region_name="us-east-1")


def distributed_map(reader, writer=None, processor_state=None, **extra):
    m = {"Type": "Map", "ItemReader": reader,
         "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                           "StartAt": "P",
                           "States": {"P": processor_state or {"Type": "Pass", "End": True}}},
         "MaxConcurrency": 1000, "End": True}
    if writer:
        m["ResultWriter"] = writer
    m.update(extra)
    return {"StartAt": "M", "States": {"M": m}}


class MapS3Test(E2ETestCase):
    def bucket(self):
        name = uname("bkt").lower().replace("_", "-")
        s3().create_bucket(Bucket=name)
        return name

    def test_csv_of_ten_thousand_lines_read_and_results_written_back(self):
        b = self.bucket()
        rows = ["id,name,score"] + ["%d,item %d,%d" % (i, i, i % 7) for i in range(LINES)]
        s3().put_object(Bucket=b, Key="in/data.csv", Body="\n".join(rows) + "\n")
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject",
             "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
             "Parameters": {"Bucket": b, "Key": "in/data.csv"}},
            {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": b, "Prefix": "out"}}))
        arn, d = self.run_to_end(sm, {}, timeout=120)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        out = json.loads(d["output"])
        self.assertIn("MapRunArn", out)
        details = out["ResultWriterDetails"]
        self.assertEqual(details["Bucket"], b)
        self.assertTrue(details["Key"].startswith("out/") and details["Key"].endswith("/manifest.json"))
        manifest = json.loads(s3().get_object(Bucket=b, Key=details["Key"])["Body"].read())
        self.assertEqual(manifest["DestinationBucket"], b)
        self.assertEqual(manifest["MapRunArn"], out["MapRunArn"])
        key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        results = json.loads(s3().get_object(Bucket=b, Key=key)["Body"].read())
        self.assertEqual(len(results), LINES)
        self.assertEqual(results[0]["Status"], "SUCCEEDED")
        self.assertEqual(json.loads(results[0]["Input"]), {"id": "0", "name": "item 0", "score": "0"})
        self.assertEqual(json.loads(results[-1]["Output"])["id"], str(LINES - 1))
        run = self.sfn.describe_map_run(mapRunArn=out["MapRunArn"])
        self.assertEqual(run["itemCounts"]["total"], LINES)
        self.assertEqual(run["itemCounts"]["succeeded"], LINES)

    def test_jsonl_with_max_items_and_given_headers_csv(self):
        b = self.bucket()
        s3().put_object(Bucket=b, Key="a.jsonl", Body="\n".join(json.dumps({"n": i}) for i in range(50)))
        s3().put_object(Bucket=b, Key="b.csv", Body='1;"x;y"\n2;"say ""hi"""\n')
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject",
             "ReaderConfig": {"InputType": "JSONL", "MaxItems": 5},
             "Parameters": {"Bucket": b, "Key": "a.jsonl"}}))
        _, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(json.loads(d["output"]), [{"n": i} for i in range(5)])
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject",
             "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["k", "v"],
                              "CSVDelimiter": "SEMICOLON"},
             "Parameters": {"Bucket.$": "$.bucket", "Key": "b.csv"}}))
        _, d = self.run_to_end(sm, {"bucket": b}, timeout=60)
        self.assertEqual(json.loads(d["output"]), [{"k": "1", "v": "x;y"}, {"k": "2", "v": 'say "hi"'}])

    def test_json_array_and_list_objects(self):
        b = self.bucket()
        s3().put_object(Bucket=b, Key="doc.json", Body=json.dumps({"data": {"rows": [1, 2, 3]}}))
        for i in range(3):
            s3().put_object(Bucket=b, Key="logs/%d.txt" % i, Body="x" * (i + 1))
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject",
             "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "/data/rows"},
             "Parameters": {"Bucket": b, "Key": "doc.json"}}))
        _, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(json.loads(d["output"]), [1, 2, 3])
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": b, "Prefix": "logs/"}}))
        _, d = self.run_to_end(sm, {}, timeout=60)
        out = json.loads(d["output"])
        self.assertEqual([o["Key"] for o in out], ["logs/0.txt", "logs/1.txt", "logs/2.txt"])
        self.assertEqual([o["Size"] for o in out], [1, 2, 3])
        self.assertIsInstance(out[0]["LastModified"], int)

    def test_missing_object_is_item_reader_failed(self):
        b = self.bucket()
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV"},
             "Parameters": {"Bucket": b, "Key": "nope.csv"}}))
        _, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.ItemReaderFailed")
        self.assertIn("NoSuchKey", d["cause"])
