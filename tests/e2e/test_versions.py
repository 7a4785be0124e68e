"""State machine versions: PublishStateMachineVersion, publish /
versionDescription on CreateStateMachine and UpdateStateMachine,
ListStateMachineVersions, DeleteStateMachineVersion, DescribeStateMachine on
a version ARN, and executions started through a version ARN. Facts from
AWS-recorded answers (LocalStack's test_sfn_api_versioning snapshots)."""

import json

from common import (E2ETestCase, PASS_DEF, ROLE_ARN, OTHER_ROLE_ARN, dumps, sm_arn, uname,
                    wait_for_status)


def pass_def(tag):
    return {"Comment": tag, "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Result": {"tag": tag}, "End": True}}}


class Publish(E2ETestCase):

    def test_create_with_publish_returns_version_1(self):
        name = uname("v")
        r = self.sfn.create_state_machine(name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN,
                                          publish=True)
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=r["stateMachineArn"])
        self.assertEqual(r["stateMachineVersionArn"], sm_arn(name) + ":1")

    def test_version_description_without_publish(self):
        for publish in (None, False):
            kw = {} if publish is None else {"publish": publish}
            e = self.assertErrorCode("ValidationException", self.sfn.create_state_machine,
                                     name=uname("v"), definition=dumps(PASS_DEF), roleArn=ROLE_ARN,
                                     versionDescription="d", **kw)
            self.assertEqual(e.response["Error"]["Message"],
                             "Version description can only be set when publish is true")
        arn, _ = self.create_sm(PASS_DEF)
        self.assertErrorCode("ValidationException", self.sfn.update_state_machine,
                             stateMachineArn=arn, roleArn=OTHER_ROLE_ARN, versionDescription="d")

    def test_describe_version(self):
        name = uname("v")
        definition = dumps(PASS_DEF)
        r = self.sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE_ARN,
                                          publish=True, versionDescription="HelloWorld!")
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=r["stateMachineArn"])
        d = self.sfn.describe_state_machine(stateMachineArn=r["stateMachineVersionArn"])
        self.assertRecent(d.pop("creationDate"))
        d.pop("ResponseMetadata")
        self.assertEqual(d, {
            "stateMachineArn": sm_arn(name) + ":1", "name": name, "status": "ACTIVE",
            "definition": definition, "roleArn": ROLE_ARN, "type": "STANDARD",
            "description": "HelloWorld!",
            "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
            "tracingConfiguration": {"enabled": False},
            "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
        })
        base = self.sfn.describe_state_machine(stateMachineArn=r["stateMachineArn"])
        self.assertNotIn("description", base)

    def test_publish_update_publish_and_versions_never_change(self):
        arn, _ = self.create_sm(pass_def("R0"))
        u1 = self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("R1")))
        p1 = self.sfn.publish_state_machine_version(stateMachineArn=arn)
        self.assertEqual(p1["stateMachineVersionArn"], arn + ":1")
        self.assertRecent(p1["creationDate"])
        u2 = self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("R2")))
        p2 = self.sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=u2["revisionId"],
                                                    description="PublishedV2Description")
        self.assertEqual(p2["stateMachineVersionArn"], arn + ":2")
        d1 = self.sfn.describe_state_machine(stateMachineArn=arn + ":1")
        d2 = self.sfn.describe_state_machine(stateMachineArn=arn + ":2")
        self.assertEqual(json.loads(d1["definition"])["Comment"], "R1")
        self.assertEqual(d1["revisionId"], u1["revisionId"])
        self.assertNotIn("description", d1)
        self.assertEqual(json.loads(d2["definition"])["Comment"], "R2")
        self.assertEqual(d2["revisionId"], u2["revisionId"])
        self.assertEqual(d2["description"], "PublishedV2Description")
        self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("R3")),
                                      roleArn=OTHER_ROLE_ARN)
        again = self.sfn.describe_state_machine(stateMachineArn=arn + ":1")
        self.assertEqual(again["definition"], d1["definition"])
        self.assertEqual(again["roleArn"], ROLE_ARN)
        versions = self.sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
        self.assertEqual([v["stateMachineVersionArn"] for v in versions], [arn + ":2", arn + ":1"])

    def test_revision_conflict(self):
        arn, _ = self.create_sm(pass_def("R0"))
        u2 = self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("R2")))
        u3 = self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("R3")))
        e = self.assertClientError(self.sfn.exceptions.ConflictException,
                                   self.sfn.publish_state_machine_version, stateMachineArn=arn,
                                   revisionId=u2["revisionId"])
        self.assertEqual(e.response["Error"]["Message"],
                         "Failed to publish the State Machine version for revision %s. The current "
                         "State Machine revision is %s." % (u2["revisionId"], u3["revisionId"]))

    def test_idempotent_publish(self):
        arn, _ = self.create_sm(PASS_DEF)
        p1 = self.sfn.publish_state_machine_version(stateMachineArn=arn)
        p2 = self.sfn.publish_state_machine_version(stateMachineArn=arn, description="other")
        self.assertEqual(p1["stateMachineVersionArn"], p2["stateMachineVersionArn"])
        self.assertEqual(p1["creationDate"], p2["creationDate"])
        versions = self.sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
        self.assertEqual(len(versions), 1)

    def test_update_with_publish_and_no_change(self):
        arn, _ = self.create_sm(PASS_DEF)
        u1 = self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(PASS_DEF), publish=True)
        self.assertEqual(u1["stateMachineVersionArn"], arn + ":1")
        self.assertNotIn("revisionId", u1)
        u2 = self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(PASS_DEF), publish=True)
        self.assertEqual(u2["stateMachineVersionArn"], arn + ":1")
        u3 = self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("x")),
                                           publish=True, versionDescription="vd")
        self.assertEqual(u3["stateMachineVersionArn"], arn + ":2")
        self.assertIn("revisionId", u3)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn + ":2")["description"], "vd")

    def test_publish_errors(self):
        missing = sm_arn(uname("missing"))
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                               self.sfn.publish_state_machine_version, stateMachineArn=missing)
        self.assertClientError(self.sfn.exceptions.InvalidArn,
                               self.sfn.publish_state_machine_version, stateMachineArn="nope")
        self.assertErrorCode("ValidationException", self.sfn.publish_state_machine_version,
                             stateMachineArn=sm_arn("x"), description="d" * 257)

    def test_numbers_are_not_reused(self):
        arn, _ = self.create_sm(pass_def("a"), publish=True)
        self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("b")), publish=True)
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":2")
        self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("c")))
        p = self.sfn.publish_state_machine_version(stateMachineArn=arn)
        self.assertEqual(p["stateMachineVersionArn"], arn + ":3")


    def test_quota_of_1000_versions(self):
        arn, _ = self.create_sm(pass_def("0"), publish=True)
        for i in range(1, 1000):
            self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def(str(i))),
                                          publish=True)
        self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("last")))
        e = self.assertClientError(self.sfn.exceptions.ServiceQuotaExceededException,
                                   self.sfn.publish_state_machine_version, stateMachineArn=arn)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 402)  # as AWS documents
        self.assertEqual(e.response["Error"]["Message"],
                         "Maximum number of versions (1000) reached for state machine: '%s'" % arn)
        # publish=true on UpdateStateMachine hits the same quota, and the
        # update does not happen either
        before = self.sfn.describe_state_machine(stateMachineArn=arn)
        e = self.assertClientError(self.sfn.exceptions.ServiceQuotaExceededException,
                                   self.sfn.update_state_machine, stateMachineArn=arn,
                                   definition=dumps(pass_def("later")), publish=True)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 402)
        after = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual((after["definition"], after["revisionId"]), (before["definition"], before["revisionId"]))
        self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("last")))
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
        p = self.sfn.publish_state_machine_version(stateMachineArn=arn)
        self.assertEqual(p["stateMachineVersionArn"], arn + ":1001")


class ListDelete(E2ETestCase):

    def test_paging_newest_first(self):
        arn, _ = self.create_sm(pass_def("0"))
        for i in range(1, 6):
            self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def(str(i))),
                                          publish=True)
        seen, token = [], None
        while True:
            kw = {"nextToken": token} if token else {}
            page = self.sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2, **kw)
            self.assertLessEqual(len(page["stateMachineVersions"]), 2)
            for v in page["stateMachineVersions"]:
                self.assertRecent(v["creationDate"])
            seen += [v["stateMachineVersionArn"] for v in page["stateMachineVersions"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, [arn + ":%d" % i for i in range(5, 0, -1)])

    def test_bad_token_and_unknown_machine(self):
        arn, _ = self.create_sm(PASS_DEF, publish=True)
        self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.list_state_machine_versions,
                               stateMachineArn=arn, nextToken="garbage")
        empty = self.sfn.list_state_machine_versions(stateMachineArn=sm_arn(uname("none")))
        self.assertEqual(empty["stateMachineVersions"], [])
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.list_state_machine_versions,
                               stateMachineArn=arn + ":1")

    def test_delete_version(self):
        arn, _ = self.create_sm(PASS_DEF, publish=True)
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
        self.assertEqual(self.sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"], [])
        # deleting again is fine
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
        e = self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                                   self.sfn.describe_state_machine, stateMachineArn=arn + ":1")
        self.assertEqual(e.response["Error"]["Message"],
                         "State Machine Does Not Exist: '%s:1'" % arn)
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.delete_state_machine_version,
                               stateMachineVersionArn=arn)
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.delete_state_machine_version,
                               stateMachineVersionArn="arn:aws:states:us-east-1:1:stateMachine:x:1")

    def test_deleting_machine_deletes_versions(self):
        name = uname("v")
        r = self.sfn.create_state_machine(name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN,
                                          publish=True)
        arn = r["stateMachineArn"]
        self.sfn.delete_state_machine(stateMachineArn=arn)
        self.assertEqual(self.sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"], [])
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                               self.sfn.describe_state_machine, stateMachineArn=arn + ":1")
        r2 = self.sfn.create_state_machine(name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN,
                                           publish=True)
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=arn)
        self.assertEqual(r2["stateMachineVersionArn"], arn + ":1")


class VersionExecutions(E2ETestCase):

    def test_start_through_version(self):
        arn, name = self.create_sm(pass_def("v1"), publish=True)
        self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("latest")))
        plain = self.start(arn)
        ex = self.start(arn + ":1")
        self.assertTrue(ex.startswith("arn:aws:states:us-east-1:123456789012:execution:%s:" % name))
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "SUCCEEDED")
        wait_for_status(self.sfn, plain)
        d = self.sfn.describe_execution(executionArn=ex)
        self.assertEqual(d["stateMachineArn"], arn)
        self.assertEqual(d["stateMachineVersionArn"], arn + ":1")
        self.assertNotIn("stateMachineAliasArn", d)
        self.assertEqual(json.loads(d["output"]), {"tag": "v1"})
        self.assertNotIn("stateMachineVersionArn", self.sfn.describe_execution(executionArn=plain))
        details = self.sfn.get_execution_history(executionArn=ex)["events"][0]["executionStartedEventDetails"]
        self.assertEqual(details["stateMachineVersionArn"], arn + ":1")
        self.assertNotIn("stateMachineAliasArn", details)
        plain_details = self.sfn.get_execution_history(executionArn=plain)["events"][0]["executionStartedEventDetails"]
        self.assertNotIn("stateMachineVersionArn", plain_details)
        sm = self.sfn.describe_state_machine_for_execution(executionArn=ex)
        self.assertEqual(sm["stateMachineArn"], arn)
        self.assertEqual(json.loads(sm["definition"])["Comment"], "v1")
        listed = self.sfn.list_executions(stateMachineArn=arn + ":1")["executions"]
        self.assertEqual([e["executionArn"] for e in listed], [ex])
        self.assertEqual(listed[0]["stateMachineVersionArn"], arn + ":1")
        everything = self.sfn.list_executions(stateMachineArn=arn)["executions"]
        self.assertEqual({e["executionArn"] for e in everything}, {ex, plain})

    def test_context_object_names_the_version(self):
        definition = {"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                       "Parameters": {"id.$": "$$.StateMachine.Id",
                                                                      "name.$": "$$.StateMachine.Name"},
                                                       "End": True}}}
        arn, name = self.create_sm(definition, publish=True)
        ex = self.start(arn + ":1")
        wait_for_status(self.sfn, ex)
        out = json.loads(self.sfn.describe_execution(executionArn=ex)["output"])
        self.assertEqual(out, {"id": arn + ":1", "name": name})

    def test_distributed_map_run_arn_has_no_qualifier(self):
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "End": True,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
        arn, name = self.create_sm(definition, publish=True)
        ex = self.start(arn + ":1", {"items": [1, 2]})
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "SUCCEEDED")
        events = self.sfn.get_execution_history(executionArn=ex)["events"]
        run = [e for e in events if e["type"] == "MapRunStarted"][0]["mapRunStartedEventDetails"]["mapRunArn"]
        self.assertTrue(run.startswith("arn:aws:states:us-east-1:123456789012:mapRun:%s/" % name), run)

    def test_start_unknown_version(self):
        arn, _ = self.create_sm(PASS_DEF, publish=True)
        e = self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                                   self.sfn.start_execution, stateMachineArn=arn + ":7")
        self.assertIn(arn + ":7", e.response["Error"]["Message"])
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                               self.sfn.list_executions, stateMachineArn=arn + ":7")

    def test_sync_express_through_version(self):
        arn, _ = self.create_sm(pass_def("e1"), sm_type="EXPRESS", publish=True)
        self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("e2")))
        r = self.sfn.start_sync_execution(stateMachineArn=arn + ":1")
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertEqual(json.loads(r["output"]), {"tag": "e1"})
        self.assertEqual(r["stateMachineArn"], arn)
        latest = self.sfn.start_sync_execution(stateMachineArn=arn)
        self.assertEqual(json.loads(latest["output"]), {"tag": "e2"})
