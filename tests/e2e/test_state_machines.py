"""State machine CRUD: CreateStateMachine, DescribeStateMachine,
UpdateStateMachine, DeleteStateMachine, ListStateMachines,
DescribeStateMachineForExecution."""

import json
import time
import unittest
import uuid

from common import (ACCOUNT, E2ETestCase, OTHER_ROLE_ARN, PASS_DEF, REGION, ROLE_ARN,
                    WAIT_DEF, dumps, sm_arn, exec_arn, uname, wait_for_status)


class CreateDescribe(E2ETestCase):

    def test_create_returns_arn_and_creation_date(self):
        name = uname("sm")
        r = self.sfn.create_state_machine(name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN)
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=r["stateMachineArn"])
        self.assertEqual(r["stateMachineArn"],
                         "arn:aws:states:us-east-1:123456789012:stateMachine:" + name)
        self.assertRecent(r["creationDate"])
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertNotIn("stateMachineVersionArn", r)  # only with publish=true

    def test_describe_standard_fields(self):
        definition = json.dumps(PASS_DEF)
        arn, name = self.create_sm(definition)
        created = self.sfn.describe_state_machine(stateMachineArn=arn)
        d = {k: v for k, v in created.items() if k != "ResponseMetadata"}
        creation = d.pop("creationDate")
        self.assertRecent(creation)
        d.pop("revisionId", None)  # optional in the model; not asserted
        self.assertEqual(d, {
            "stateMachineArn": sm_arn(name),
            "name": name,
            "status": "ACTIVE",
            "definition": definition,
            "roleArn": ROLE_ARN,
            "type": "STANDARD",
            "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
            "tracingConfiguration": {"enabled": False},
            "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
        })

    def test_describe_express_type(self):
        arn, name = self.create_sm(PASS_DEF, sm_type="EXPRESS")
        d = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(d["type"], "EXPRESS")
        self.assertEqual(d["name"], name)
        self.assertEqual(d["status"], "ACTIVE")

    def test_type_defaults_to_standard(self):
        name = uname("sm")
        r = self.sfn.create_state_machine(name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN)
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=r["stateMachineArn"])
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=r["stateMachineArn"])["type"],
                         "STANDARD")

    def test_definition_returned_verbatim(self):
        # AWS stores and returns the definition string as submitted
        # (whitespace and key order included).
        definition = ('{\n  "StartAt": "Only",\n    "Comment" : "odd   spacing",\n'
                      '  "States": {"Only": {"Type": "Succeed"}}\n}\n')
        arn, _ = self.create_sm(definition)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["definition"], definition)

    def test_name_of_80_chars_is_accepted(self):
        name = ("n80-" + uuid.uuid4().hex * 3)[:80]
        self.assertEqual(len(name), 80)
        arn, _ = self.create_sm(PASS_DEF, name=name)
        self.assertEqual(arn, sm_arn(name))

    def test_name_with_unicode_letters_and_dash_underscore(self):
        name = "Zaż_ółć-" + uuid.uuid4().hex[:8]
        arn, _ = self.create_sm(PASS_DEF, name=name)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["name"], name)


class Idempotency(E2ETestCase):

    def test_same_request_returns_same_arn_and_date(self):
        name = uname("idem")
        args = dict(name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN, type="STANDARD")
        first = self.sfn.create_state_machine(**args)
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=first["stateMachineArn"])
        second = self.sfn.create_state_machine(**args)
        self.assertEqual(second["stateMachineArn"], first["stateMachineArn"])
        self.assertEqual(second["creationDate"], first["creationDate"])

    def test_different_role_and_tags_are_ignored(self):
        # Documented: the idempotency check is on name, definition, type,
        # logging and tracing; a different roleArn or tags is ignored and
        # neither is updated.
        name = uname("idem")
        first = self.sfn.create_state_machine(name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN,
                                              tags=[{"key": "a", "value": "1"}])
        arn = first["stateMachineArn"]
        self.addCleanup(self._quiet, self.sfn.delete_state_machine, stateMachineArn=arn)
        second = self.sfn.create_state_machine(name=name, definition=dumps(PASS_DEF),
                                               roleArn=OTHER_ROLE_ARN,
                                               tags=[{"key": "b", "value": "2"}])
        self.assertEqual(second["stateMachineArn"], arn)
        self.assertEqual(second["creationDate"], first["creationDate"])
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["roleArn"], ROLE_ARN)
        self.assertEqual(self.sfn.list_tags_for_resource(resourceArn=arn)["tags"],
                         [{"key": "a", "value": "1"}])

    def test_same_name_different_definition_already_exists(self):
        arn, name = self.create_sm(PASS_DEF)
        other = {"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}
        self.assertClientError(self.sfn.exceptions.StateMachineAlreadyExists,
                               self.sfn.create_state_machine,
                               name=name, definition=dumps(other), roleArn=ROLE_ARN)

    def test_same_name_different_type_already_exists(self):
        arn, name = self.create_sm(PASS_DEF, sm_type="STANDARD")
        self.assertClientError(self.sfn.exceptions.StateMachineAlreadyExists,
                               self.sfn.create_state_machine,
                               name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN, type="EXPRESS")


class CreateErrors(E2ETestCase):

    def _create(self, definition, name=None):
        return self.sfn.create_state_machine(name=name or uname("bad"), definition=definition,
                                             roleArn=ROLE_ARN)

    def test_invalid_definition_not_json(self):
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create, "{not json")

    def test_invalid_definition_missing_start_at(self):
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create,
                               json.dumps({"States": {"A": {"Type": "Succeed"}}}))

    def test_invalid_definition_start_at_unknown_state(self):
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create,
                               json.dumps({"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}))

    def test_invalid_definition_next_target_missing(self):
        d = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create, json.dumps(d))

    def test_invalid_definition_missing_states(self):
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create,
                               json.dumps({"StartAt": "A"}))

    def test_invalid_definition_state_without_end_or_next(self):
        d = {"StartAt": "A", "States": {"A": {"Type": "Pass"}}}
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create, json.dumps(d))

    def test_invalid_definition_unknown_state_type(self):
        d = {"StartAt": "A", "States": {"A": {"Type": "Teleport", "End": True}}}
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create, json.dumps(d))

    def test_invalid_definition_json_array(self):
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create, "[1,2]")

    def test_invalid_definition_message_mentions_problem(self):
        e = self.assertClientError(self.sfn.exceptions.InvalidDefinition, self._create,
                                   json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass",
                                                                              "Next": "Missing"}}}))
        self.assertTrue(e.response["Error"]["Message"], "InvalidDefinition must carry a message")

    def test_invalid_names(self):
        for bad in ["has space", "a<b", "a>b", "a*b", "a?b", "a{b", "a[b", 'a"b', "a#b",
                    "a%b", "a\\b", "a^b", "a|b", "a~b", "a`b", "a$b", "a&b", "a,b", "a;b",
                    "a:b", "a/b", "tab\there", "ctl\x01"]:
            with self.subTest(name=bad):
                self.assertClientError(self.sfn.exceptions.InvalidName, self._create,
                                       json.dumps(PASS_DEF), name=bad + uuid.uuid4().hex[:6])

    def test_name_of_81_chars_is_rejected(self):
        # botocore only validates the minimum length client-side, so the node
        # sees the request. The Name shape has max 80; AWS answers a violated
        # length constraint with ValidationException ("1 validation error
        # detected: ... Member must have length less than or equal to 80").
        name = ("n81-" + uuid.uuid4().hex * 3)[:81]
        self.assertEqual(len(name), 81)
        self.assertErrorCode("ValidationException", self._create, json.dumps(PASS_DEF), name=name)

    def test_invalid_type_enum(self):
        # Not a member of the StateMachineType enum -> ValidationException.
        self.assertErrorCode("ValidationException", self.sfn.create_state_machine,
                             name=uname("t"), definition=dumps(PASS_DEF), roleArn=ROLE_ARN,
                             type="TURBO")


class DescribeErrors(E2ETestCase):

    def test_unknown_state_machine(self):
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                               self.sfn.describe_state_machine,
                               stateMachineArn=sm_arn(uname("missing")))

    def test_malformed_arn(self):
        for bad in ["not-an-arn", "arn:aws:states:us-east-1:123456789012:", "arn:aws:s3:::bucket"]:
            with self.subTest(arn=bad):
                self.assertClientError(self.sfn.exceptions.InvalidArn,
                                       self.sfn.describe_state_machine, stateMachineArn=bad)

    def test_activity_arn_is_invalid_for_state_machine(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.describe_state_machine,
                               stateMachineArn="arn:aws:states:us-east-1:123456789012:activity:x")


class Delete(E2ETestCase):

    def test_delete_then_describe_fails(self):
        arn, _ = self.create_sm(PASS_DEF)
        r = self.sfn.delete_state_machine(stateMachineArn=arn)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual({k: v for k, v in r.items() if k != "ResponseMetadata"}, {})
        # Deletion may pass through DELETING; it must finish promptly with no
        # running executions.
        deadline = time.monotonic() + 5
        while True:
            try:
                d = self.sfn.describe_state_machine(stateMachineArn=arn)
                self.assertEqual(d["status"], "DELETING")
            except self.sfn.exceptions.StateMachineDoesNotExist:
                break
            self.assertLess(time.monotonic(), deadline, "state machine still exists after delete")
            time.sleep(0.1)
        arns = [m["stateMachineArn"] for m in self._list_all()]
        self.assertNotIn(arn, arns)

    def test_delete_unknown_succeeds(self):
        r = self.sfn.delete_state_machine(stateMachineArn=sm_arn(uname("never")))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_delete_malformed_arn(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.delete_state_machine,
                               stateMachineArn="garbage")

    def test_name_reusable_after_delete(self):
        arn, name = self.create_sm(PASS_DEF)
        self.sfn.delete_state_machine(stateMachineArn=arn)
        deadline = time.monotonic() + 5
        while True:
            try:
                self.sfn.describe_state_machine(stateMachineArn=arn)
            except self.sfn.exceptions.StateMachineDoesNotExist:
                break
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        other = {"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}
        arn2, _ = self.create_sm(other, name=name)
        self.assertEqual(arn2, arn)
        self.assertEqual(json.loads(self.sfn.describe_state_machine(stateMachineArn=arn2)["definition"]),
                         other)

    def test_delete_with_running_execution(self):
        # Documented: deletion sets status DELETING; the state machine is only
        # deleted once all its executions have completed. Meanwhile new
        # executions are refused with StateMachineDeleting, and so is a
        # CreateStateMachine of the same name.
        arn, name = self.create_sm(WAIT_DEF)
        ex = self.sfn.start_execution(stateMachineArn=arn)["executionArn"]
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=ex)
        self.sfn.delete_state_machine(stateMachineArn=arn)
        try:
            d = self.sfn.describe_state_machine(stateMachineArn=arn)
        except self.sfn.exceptions.StateMachineDoesNotExist:
            self.fail("state machine vanished at once although an execution is running "
                      "(AWS keeps it DELETING until its executions complete)")
        self.assertEqual(d["status"], "DELETING")
        self.assertClientError(self.sfn.exceptions.StateMachineDeleting, self.sfn.start_execution,
                               stateMachineArn=arn)
        self.assertClientError(self.sfn.exceptions.StateMachineDeleting, self.sfn.create_state_machine,
                               name=name, definition=dumps(WAIT_DEF), roleArn=ROLE_ARN)
        self.sfn.stop_execution(executionArn=ex)
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "ABORTED")
        deadline = time.monotonic() + 5
        while True:
            try:
                self.sfn.describe_state_machine(stateMachineArn=arn)
            except self.sfn.exceptions.StateMachineDoesNotExist:
                break
            self.assertLess(time.monotonic(), deadline, "state machine not deleted after its execution ended")
            time.sleep(0.1)
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist, self.sfn.start_execution,
                               stateMachineArn=arn)

    def test_large_definition(self):
        # ~900 KB definition (under the 1 MB request quota) is stored verbatim.
        definition = json.dumps({"Comment": "x" * 900000, "StartAt": "S",
                                 "States": {"S": {"Type": "Succeed"}}})
        arn, _ = self.create_sm(definition)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["definition"], definition)

    def test_state_names_with_unicode_and_punctuation(self):
        first, second = "Étape 1 / ✓ \"quoted\"", "Zweite: {Schritt}"
        arn, _ = self.create_sm({"StartAt": first, "States": {
            first: {"Type": "Pass", "Next": second}, second: {"Type": "Succeed"}}})
        ex = self.sfn.start_execution(stateMachineArn=arn)["executionArn"]
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "SUCCEEDED")
        names = [e["stateEnteredEventDetails"]["name"]
                 for e in self.sfn.get_execution_history(executionArn=ex)["events"]
                 if "stateEnteredEventDetails" in e]
        self.assertEqual(names, [first, second])

    def _list_all(self):
        out, token = [], None
        while True:
            kw = {"maxResults": 1000}
            if token:
                kw["nextToken"] = token
            r = self.sfn.list_state_machines(**kw)
            out.extend(r["stateMachines"])
            token = r.get("nextToken")
            if not token:
                return out


class List(E2ETestCase):

    def _list_all(self, page_size):
        pages, token = [], None
        while True:
            kw = {"maxResults": page_size}
            if token:
                kw["nextToken"] = token
            r = self.sfn.list_state_machines(**kw)
            pages.append(r)
            token = r.get("nextToken")
            if not token:
                return pages
            self.assertLess(len(pages), 10000)

    def test_list_item_fields(self):
        arn, name = self.create_sm(PASS_DEF, sm_type="EXPRESS")
        created = self.sfn.describe_state_machine(stateMachineArn=arn)["creationDate"]
        items = [m for p in self._list_all(1000) for m in p["stateMachines"] if m["stateMachineArn"] == arn]
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0], {"stateMachineArn": arn, "name": name, "type": "EXPRESS",
                                    "creationDate": created})

    def test_pagination(self):
        mine = {self.create_sm(PASS_DEF)[0] for _ in range(5)}
        pages = self._list_all(2)
        seen = []
        for i, p in enumerate(pages):
            self.assertLessEqual(len(p["stateMachines"]), 2)
            if i < len(pages) - 1:
                self.assertIn("nextToken", p)
            else:
                self.assertNotIn("nextToken", p)
            seen.extend(m["stateMachineArn"] for m in p["stateMachines"])
        self.assertEqual(len(seen), len(set(seen)), "duplicate items across pages")
        self.assertTrue(mine.issubset(set(seen)))
        self.assertGreaterEqual(len(pages), 3)
        # A single big page lists the same set.
        self.assertEqual(sorted(seen),
                         sorted(m["stateMachineArn"] for m in self._list_all(1000)[0]["stateMachines"]))

    def test_invalid_next_token(self):
        self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.list_state_machines,
                               nextToken="this-is-not-a-token")


class Update(E2ETestCase):

    def test_update_definition_and_role(self):
        arn, name = self.create_sm(PASS_DEF)
        before = self.sfn.describe_state_machine(stateMachineArn=arn)
        new_def = json.dumps({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}})
        r = self.sfn.update_state_machine(stateMachineArn=arn, definition=new_def, roleArn=OTHER_ROLE_ARN)
        self.assertRecent(r["updateDate"])
        self.assertGreaterEqual(r["updateDate"], before["creationDate"])
        after = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(after["definition"], new_def)
        self.assertEqual(after["roleArn"], OTHER_ROLE_ARN)
        self.assertEqual(after["creationDate"], before["creationDate"])
        self.assertEqual(after["name"], name)
        self.assertEqual(after["stateMachineArn"], arn)

    def test_update_role_only_keeps_definition(self):
        arn, _ = self.create_sm(PASS_DEF)
        self.sfn.update_state_machine(stateMachineArn=arn, roleArn=OTHER_ROLE_ARN)
        after = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(json.loads(after["definition"]), PASS_DEF)
        self.assertEqual(after["roleArn"], OTHER_ROLE_ARN)

    def test_update_unknown(self):
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                               self.sfn.update_state_machine,
                               stateMachineArn=sm_arn(uname("missing")), definition=dumps(PASS_DEF))

    def test_update_without_changes_is_missing_required_parameter(self):
        arn, _ = self.create_sm(PASS_DEF)
        self.assertClientError(self.sfn.exceptions.MissingRequiredParameter,
                               self.sfn.update_state_machine, stateMachineArn=arn)

    def test_update_invalid_definition(self):
        arn, _ = self.create_sm(PASS_DEF)
        self.assertClientError(self.sfn.exceptions.InvalidDefinition, self.sfn.update_state_machine,
                               stateMachineArn=arn, definition='{"StartAt": "X", "States": {}}')
        self.assertEqual(json.loads(self.sfn.describe_state_machine(stateMachineArn=arn)["definition"]),
                         PASS_DEF)

    def test_update_malformed_arn(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.update_state_machine,
                               stateMachineArn="nope", definition=dumps(PASS_DEF))


class DescribeForExecution(E2ETestCase):

    def test_returns_definition_the_execution_used(self):
        arn, name = self.create_sm(WAIT_DEF)
        old_def = self.sfn.describe_state_machine(stateMachineArn=arn)["definition"]
        ex = self.sfn.start_execution(stateMachineArn=arn, name="first")["executionArn"]
        self.addCleanup(self._quiet, self.sfn.stop_execution, executionArn=ex)
        self.assertEqual(ex, exec_arn(name, "first"))
        new_def = json.dumps({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}})
        self.sfn.update_state_machine(stateMachineArn=arn, definition=new_def)

        d = self.sfn.describe_state_machine_for_execution(executionArn=ex)
        self.assertEqual(d["stateMachineArn"], arn)
        self.assertEqual(d["name"], name)
        self.assertEqual(d["definition"], old_def)
        self.assertEqual(d["roleArn"], ROLE_ARN)
        self.assertIsDatetime(d["updateDate"])

        # A new execution runs (and is described with) the new definition.
        ex2 = self.sfn.start_execution(stateMachineArn=arn)["executionArn"]
        self.assertEqual(wait_for_status(self.sfn, ex2)["status"], "SUCCEEDED")
        self.assertEqual(self.sfn.describe_state_machine_for_execution(executionArn=ex2)["definition"],
                         new_def)

    def test_unknown_execution(self):
        self.assertClientError(self.sfn.exceptions.ExecutionDoesNotExist,
                               self.sfn.describe_state_machine_for_execution,
                               executionArn=exec_arn(uname("sm"), "nope"))

    def test_malformed_arn(self):
        self.assertClientError(self.sfn.exceptions.InvalidArn,
                               self.sfn.describe_state_machine_for_execution, executionArn="xyz")


if __name__ == "__main__":
    unittest.main()
