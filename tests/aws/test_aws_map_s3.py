"""Distributed Map reading its items from S3 and writing its results back
(moto's S3; tests/aws/run.py starts it and the node)."""

import json
import os
import sys

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from common import E2ETestCase, uname, wait_for_status  # noqa: E402

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
        self.assertEqual(manifest["ResultFiles"]["FAILED"], [])
        # The results are written as they come, in files of about
        # aws.map_result_file_bytes (64 KiB in tests/aws/run.py).
        files = manifest["ResultFiles"]["SUCCEEDED"]
        self.assertGreater(len(files), 1)
        prefix = details["Key"][:-len("manifest.json")]
        self.assertEqual([f["Key"] for f in files],
                         ["%sSUCCEEDED_%d.json" % (prefix, i) for i in range(len(files))])
        results = []
        for f in files:
            body = s3().get_object(Bucket=b, Key=f["Key"])["Body"].read()
            self.assertEqual(len(body), f["Size"])
            results += json.loads(body)
        self.assertEqual(len(results), LINES)
        self.assertEqual(results[0]["Status"], "SUCCEEDED")
        self.assertEqual(json.loads(results[0]["Input"]), {"id": "0", "name": "item 0", "score": "0"})
        self.assertEqual(sorted(int(json.loads(r["Output"])["id"]) for r in results), list(range(LINES)))
        run = self.sfn.describe_map_run(mapRunArn=out["MapRunArn"])
        self.assertEqual(run["itemCounts"]["total"], LINES)
        self.assertEqual(run["itemCounts"]["succeeded"], LINES)
        self.assertEqual(run["itemCounts"]["resultsWritten"], LINES)

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


class MapS3StreamTest(E2ETestCase):
    """Items read in windows (tests/aws/run.py: aws.map_window_items 16,
    aws.map_read_bytes 4096), never all held at once."""

    def bucket(self):
        name = uname("bkt").lower().replace("_", "-")
        s3().create_bucket(Bucket=name)
        return name

    def test_jsonl_streamed_over_many_windows_keeps_order_and_counts(self):
        b = self.bucket()
        n = 700
        s3().put_object(Bucket=b, Key="big.jsonl",
                        Body="\n".join(json.dumps({"n": i, "pad": "x" * (i % 50)}) for i in range(n)) + "\n")
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"},
             "Parameters": {"Bucket": b, "Key": "big.jsonl"}},
            MaxConcurrency=2, ItemSelector={"n.$": "$$.Map.Item.Value.n", "i.$": "$$.Map.Item.Index"}))
        arn, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        self.assertEqual(json.loads(d["output"]), [{"n": i, "i": i} for i in range(n)])
        runs = self.sfn.list_map_runs(executionArn=arn)["mapRuns"]
        run = self.sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])
        self.assertEqual(run["itemCounts"]["total"], n)
        self.assertEqual(run["itemCounts"]["succeeded"], n)

    def test_list_objects_streamed_page_by_page(self):
        b = self.bucket()
        for i in range(40):
            s3().put_object(Bucket=b, Key="k/%03d" % i, Body="x")
        s3().put_object(Bucket=b, Key="other", Body="x")
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": b, "Prefix": "k/"}},
            MaxConcurrency=1))
        _, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        self.assertEqual([o["Key"] for o in json.loads(d["output"])], ["k/%03d" % i for i in range(40)])

    def test_json_array_streamed_over_windows(self):
        b = self.bucket()
        items = [{"n": i, "s": "a,]}\"" * (i % 3), "l": [i, {"x": None}]} for i in range(300)]
        s3().put_object(Bucket=b, Key="arr.json", Body=json.dumps(items, indent=1))
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
             "Parameters": {"Bucket": b, "Key": "arr.json"}}, MaxConcurrency=1))
        arn, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        self.assertEqual(json.loads(d["output"]), items)

    def test_csv_manifest_streamed(self):
        b = self.bucket()
        rows = ["%s,obj/%02d.txt" % (b, i) for i in range(20)]
        s3().put_object(Bucket=b, Key="manifest.csv", Body="\n".join(rows) + "\n")
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject",
             "ReaderConfig": {"InputType": "MANIFEST", "ManifestType": "CSV"},
             "Parameters": {"Bucket": b, "Key": "manifest.csv"}}, MaxConcurrency=1))
        _, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        self.assertEqual(json.loads(d["output"]), [{"Bucket": b, "Key": "obj/%02d.txt" % i} for i in range(20)])

    def test_max_items_and_item_batcher_across_windows(self):
        b = self.bucket()
        rows = ["a,b"] + ["%d,%d" % (i, i * 2) for i in range(300)]
        s3().put_object(Bucket=b, Key="t.csv", Body="\n".join(rows))  # no final newline
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject",
             "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 50},
             "Parameters": {"Bucket": b, "Key": "t.csv"}}, MaxConcurrency=1))
        _, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(json.loads(d["output"]), [{"a": str(i), "b": str(2 * i)} for i in range(50)])
        # The whole file (its last row without a newline), in batches of 7.
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject",
             "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
             "Parameters": {"Bucket": b, "Key": "t.csv"}},
            MaxConcurrency=1, ItemBatcher={"MaxItemsPerBatch": 7}))
        arn, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        batches = json.loads(d["output"])
        self.assertEqual([len(x["Items"]) for x in batches], [7] * 42 + [6])
        self.assertEqual([x for bt in batches for x in bt["Items"]],
                         [{"a": str(i), "b": str(2 * i)} for i in range(300)])
        run = self.sfn.describe_map_run(mapRunArn=self.sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"])
        self.assertEqual(run["itemCounts"]["total"], 300)
        self.assertEqual(run["executionCounts"]["total"], 43)

    def test_read_failure_mid_stream_is_item_reader_failed(self):
        b = self.bucket()
        lines = [json.dumps({"n": i}) for i in range(200)]
        lines[120] = "{not json"
        s3().put_object(Bucket=b, Key="bad.jsonl", Body="\n".join(lines))
        sm, _ = self.create_sm(distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"},
             "Parameters": {"Bucket": b, "Key": "bad.jsonl"}}, MaxConcurrency=2))
        arn, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.ItemReaderFailed")
        self.assertIn("not JSON", d["cause"])
        run = self.sfn.describe_map_run(mapRunArn=self.sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"])
        self.assertEqual(run["status"], "FAILED")
        # Items before the bad line ran (windows of 16 were read before it).
        self.assertGreater(run["itemCounts"]["succeeded"], 16)
        self.assertLess(run["itemCounts"]["total"], 121)
        types = [e["type"] for e in self.sfn.get_execution_history(executionArn=arn)["events"]]
        self.assertIn("MapRunFailed", types)
        self.assertIn("MapStateFailed", types)

    def test_results_written_in_files_with_failures_and_redrive_streams_on(self):
        b = self.bucket()
        table = uname("tbl")
        ddb = boto3.client("dynamodb", endpoint_url=MOTO, region_name="us-east-1")
        n = 60
        s3().put_object(Bucket=b, Key="r.jsonl", Body="\n".join(json.dumps({"n": i}) for i in range(n)))
        # A child reads a table that does not exist yet: the first fails the
        # Map; once the table exists, a redrive runs it again and streams on.
        child = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:describeTable",
                 "Parameters": {"TableName": table}, "ResultSelector": {"ok": True}, "End": True}
        m = distributed_map(
            {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"},
             "Parameters": {"Bucket": b, "Key": "r.jsonl"}},
            {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": b, "Prefix": "res"}},
            processor_state=child, MaxConcurrency=2)
        m["States"]["M"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] = "STANDARD"
        sm, _ = self.create_sm(m)
        arn, d = self.run_to_end(sm, {}, timeout=60)
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "States.ExceedToleratedFailureThreshold")
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        self.sfn.redrive_execution(executionArn=arn)
        d = wait_for_status(self.sfn, arn, timeout=60)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        manifest = json.loads(s3().get_object(Bucket=b, Key=out["ResultWriterDetails"]["Key"])["Body"].read())
        results = []
        for f in manifest["ResultFiles"]["SUCCEEDED"]:
            results += json.loads(s3().get_object(Bucket=b, Key=f["Key"])["Body"].read())
        self.assertEqual(sorted(json.loads(r["Input"])["n"] for r in results), list(range(n)))
        self.assertTrue(all(json.loads(r["Output"]) == {"ok": True} for r in results))
        run = self.sfn.describe_map_run(mapRunArn=out["MapRunArn"])
        self.assertEqual(run["itemCounts"]["succeeded"], n)
        self.assertEqual(run["itemCounts"]["total"], n)
