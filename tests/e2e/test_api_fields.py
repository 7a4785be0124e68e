"""Fields and request rules beyond the basics: ValidateStateMachineDefinition
warnings, severity, maxResults and truncated; variableReferences;
encryptionConfiguration; loggingConfiguration and tracingConfiguration
echoed; includedData. boto3 and the AWS CLI."""

import json
import os
import subprocess
import unittest

from common import (ACCOUNT, REGION, ROLE_ARN, E2ETestCase, dumps, endpoint, poll_task, post_json,
                    uname, wait_for_status)

LOG_GROUP = "arn:aws:logs:%s:%s:log-group:fields:*" % (REGION, ACCOUNT)
KMS_KEY = "arn:aws:kms:%s:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % (REGION, ACCOUNT)

WARN_DEF = {
    "StartAt": "P",
    "States": {
        "P": {"Type": "Pass", "Result": "$.x", "Next": "Q"},
        "Q": {"Type": "Pass", "Parameters": {"a": "$.b", "nested": {"c": "States.Format('{}', $.d)"},
                                              "ok.$": "$.e", "plain": "text"}, "Next": "F"},
        "F": {"Type": "Fail", "Error": "$.err", "Cause": "fine"},
    },
}

VARS_DEF = {
    "StartAt": "Set",
    "States": {
        "Set": {"Type": "Pass", "Assign": {"greeting": "hi", "n": 2, "copy.$": "$x"}, "Next": "Use"},
        "Use": {"Type": "Pass", "Parameters": {"g.$": "$greeting", "s.$": "States.Format('{} $no', $n)",
                                              "lit": "$notavariable"},
                "Next": "Pick"},
        "Pick": {"Type": "Choice", "Choices": [{"Variable": "$flag", "IsPresent": True, "Next": "Jsonata"}],
                 "Default": "Jsonata"},
        "Jsonata": {"Type": "Pass", "QueryLanguage": "JSONata",
                    "Output": "{% $greeting & $string($n) & $states.input.x %}", "Next": "Par"},
        "Par": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Parameters": {"v.$": "$inner"},
                                                      "End": True}}}]},
    },
}

VARS_REFS = {"Set": ["x"], "Use": ["greeting", "n"], "Pick": ["flag"], "Jsonata": ["greeting", "n"],
             "Inner": ["inner"]}


def cli(*args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION=REGION, AWS_PAGER="")
    p = subprocess.run(["aws", "--endpoint-url", endpoint(), "--output", "json", "stepfunctions"] + list(args),
                       capture_output=True, text=True, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


class Validation(E2ETestCase):

    def test_warnings_with_severity_warning(self):
        r = self.sfn.validate_state_machine_definition(definition=dumps(WARN_DEF), severity="WARNING")
        self.assertEqual(r["result"], "OK")
        self.assertFalse(r["truncated"])
        got = [(d["severity"], d["code"], d["location"]) for d in r["diagnostics"]]
        self.assertEqual(got, [
            ("WARNING", "PASS_RESULT_IS_STATIC", "/States/P/Result"),
            ("WARNING", "NO_DOLLAR", "/States/Q/Parameters/a"),
            ("WARNING", "NO_DOLLAR", "/States/Q/Parameters/nested/c"),
            ("WARNING", "NO_PATH", "/States/F/Error"),
        ])
        for d in r["diagnostics"]:
            self.assertTrue(d["message"])

    def test_severity_error_leaves_warnings_out(self):
        for kw in ({}, {"severity": "ERROR"}):
            r = self.sfn.validate_state_machine_definition(definition=dumps(WARN_DEF), **kw)
            self.assertEqual((r["result"], r["diagnostics"], r["truncated"]), ("OK", [], False))

    def test_warnings_never_fail_a_definition(self):
        arn, _ = self.create_sm(WARN_DEF)
        self.assertTrue(arn)

    def test_errors_come_first_and_max_results_truncates(self):
        d = json.loads(json.dumps(WARN_DEF))
        d["States"]["F"]["Next"] = "Nowhere"  # Fail with Next: an error
        d["States"]["Q"]["Next"] = "Missing"
        full = self.sfn.validate_state_machine_definition(definition=dumps(d), severity="WARNING")
        self.assertEqual(full["result"], "FAIL")
        sev = [x["severity"] for x in full["diagnostics"]]
        self.assertIn("ERROR", sev)
        self.assertIn("WARNING", sev)
        self.assertEqual(sev, sorted(sev))  # ERROR < WARNING: every error before every warning
        n = len(full["diagnostics"])
        self.assertFalse(full["truncated"])
        for limit in (1, n - 1):
            r = self.sfn.validate_state_machine_definition(definition=dumps(d), severity="WARNING",
                                                           maxResults=limit)
            self.assertEqual(r["diagnostics"], full["diagnostics"][:limit])
            self.assertTrue(r["truncated"])
        exact = self.sfn.validate_state_machine_definition(definition=dumps(d), severity="WARNING", maxResults=n)
        self.assertFalse(exact["truncated"])
        zero = self.sfn.validate_state_machine_definition(definition=dumps(d), severity="WARNING", maxResults=0)
        self.assertEqual(zero["diagnostics"], full["diagnostics"])
        errors_only = self.sfn.validate_state_machine_definition(definition=dumps(d), maxResults=1)
        self.assertEqual([x["severity"] for x in errors_only["diagnostics"]], ["ERROR"])

    def test_jsonata_states_have_no_path_warnings(self):
        d = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Output": {"a": "$.b"}, "Next": "F"},
            "F": {"Type": "Fail", "Error": "$.x"}}}
        r = self.sfn.validate_state_machine_definition(definition=dumps(d), severity="WARNING")
        self.assertEqual((r["result"], r["diagnostics"]), ("OK", []))

    def test_request_rules(self):
        for kw, constraint in (
                ({"maxResults": 101}, "Value '101' at 'maxResults' failed to satisfy constraint: "
                                      "Member must have value less than or equal to 100"),
                ({"maxResults": -1}, "Value '-1' at 'maxResults' failed to satisfy constraint: "
                                     "Member must have value greater than or equal to 0"),
                ({"severity": "INFO"}, "Value 'INFO' at 'severity' failed to satisfy constraint: "
                                       "Member must satisfy enum value set: [ERROR, WARNING]")):
            r = post_json("ValidateStateMachineDefinition", dict(definition=dumps(WARN_DEF), **kw))
            body = self.assertRawError(r, "ValidationException")
            self.assertEqual(body["message"], "1 validation error detected: " + constraint)

    def test_cli_severity_warning(self):
        code, out, err = cli("validate-state-machine-definition", "--severity", "WARNING",
                             "--max-results", "2", "--definition", dumps(WARN_DEF))
        self.assertEqual(code, 0, err)
        r = json.loads(out)
        self.assertEqual(r["result"], "OK")
        self.assertTrue(r["truncated"])
        self.assertEqual([d["code"] for d in r["diagnostics"]], ["PASS_RESULT_IS_STATIC", "NO_DOLLAR"])
        code, out, err = cli("validate-state-machine-definition", "--definition", dumps(WARN_DEF))
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["diagnostics"], [])


class VariableReferences(E2ETestCase):

    def test_describe_state_machine(self):
        arn, _ = self.create_sm(VARS_DEF, publish=True)
        r = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(r["variableReferences"], VARS_REFS)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn + ":1")["variableReferences"],
                         VARS_REFS)
        meta = self.sfn.describe_state_machine(stateMachineArn=arn, includedData="METADATA_ONLY")
        self.assertEqual(meta["definition"], "{}")
        self.assertNotIn("variableReferences", meta)

    def test_absent_without_variables(self):
        arn, _ = self.create_sm({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "$.b"},
                                                                   "End": True}}})
        self.assertNotIn("variableReferences", self.sfn.describe_state_machine(stateMachineArn=arn))

    def test_describe_state_machine_for_execution(self):
        arn, _ = self.create_sm(VARS_DEF)
        # (it fails at once: $x is no variable yet; the references are static)
        ex, desc = self.run_to_end(arn, {"x": 1})
        r = self.sfn.describe_state_machine_for_execution(executionArn=ex)
        self.assertEqual(r["variableReferences"], VARS_REFS)
        meta = self.sfn.describe_state_machine_for_execution(executionArn=ex, includedData="METADATA_ONLY")
        self.assertEqual(meta["definition"], "{}")
        self.assertNotIn("variableReferences", meta)


class Encryption(E2ETestCase):

    def test_default_is_aws_owned_key(self):
        arn, _ = self.create_sm()
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["encryptionConfiguration"],
                         {"type": "AWS_OWNED_KEY"})
        act, _ = self.create_activity()
        self.assertEqual(self.sfn.describe_activity(activityArn=act)["encryptionConfiguration"],
                         {"type": "AWS_OWNED_KEY"})

    def test_customer_managed_key_echoed(self):
        enc = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": KMS_KEY, "kmsDataKeyReusePeriodSeconds": 120}
        arn, _ = self.create_sm(encryptionConfiguration=enc, publish=True)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["encryptionConfiguration"], enc)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn + ":1")["encryptionConfiguration"],
                         enc)
        # the reuse period defaults to 300 seconds
        act, _ = self.create_activity(encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY",
                                                               "kmsKeyId": "alias/mine"})
        self.assertEqual(self.sfn.describe_activity(activityArn=act)["encryptionConfiguration"],
                         {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/mine",
                          "kmsDataKeyReusePeriodSeconds": 300})
        ex, _ = self.run_to_end(arn)
        self.assertEqual(self.sfn.describe_state_machine_for_execution(executionArn=ex)["encryptionConfiguration"],
                         enc)

    def test_update_changes_the_key_and_the_revision(self):
        arn, _ = self.create_sm()
        enc = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/k", "kmsDataKeyReusePeriodSeconds": 900}
        r = self.sfn.update_state_machine(stateMachineArn=arn, encryptionConfiguration=enc)
        self.assertIn("revisionId", r)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["encryptionConfiguration"], enc)
        r2 = self.sfn.update_state_machine(stateMachineArn=arn, encryptionConfiguration={"type": "AWS_OWNED_KEY"})
        self.assertNotEqual(r2["revisionId"], r["revisionId"])
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["encryptionConfiguration"],
                         {"type": "AWS_OWNED_KEY"})

    def test_idempotent_create_compares_the_encryption(self):
        name = uname("enc")
        enc = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/k"}
        arn, _ = self.create_sm(name=name, encryptionConfiguration=enc)
        again = self.sfn.create_state_machine(name=name, definition=dumps({"Comment": "single pass", "StartAt": "P",
                                                                            "States": {"P": {"Type": "Pass",
                                                                                             "Result": {"ok": True},
                                                                                             "End": True}}}),
                                              roleArn=ROLE_ARN, encryptionConfiguration=enc)
        self.assertEqual(again["stateMachineArn"], arn)
        self.assertClientError(self.sfn.exceptions.StateMachineAlreadyExists, self.sfn.create_state_machine,
                               name=name, definition=dumps({"Comment": "single pass", "StartAt": "P",
                                                            "States": {"P": {"Type": "Pass", "Result": {"ok": True},
                                                                             "End": True}}}),
                               roleArn=ROLE_ARN)

    def test_invalid_configurations(self):
        for enc, why in (({"type": "CUSTOMER_MANAGED_KMS_KEY"}, "kmsKeyId is required"),
                         ({"type": "AWS_OWNED_KEY", "kmsKeyId": "alias/k"}, "can only be set"),
                         ({"type": "AWS_OWNED_KEY", "kmsDataKeyReusePeriodSeconds": 100}, "can only be set")):
            e = self.assertClientError(self.sfn.exceptions.InvalidEncryptionConfiguration,
                                       self.sfn.create_state_machine, name=uname("enc"),
                                       definition=dumps({"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                                          "End": True}}}),
                                       roleArn=ROLE_ARN, encryptionConfiguration=enc)
            self.assertIn(why, e.response["Error"]["Message"])
            self.assertClientError(self.sfn.exceptions.InvalidEncryptionConfiguration,
                                   self.sfn.create_activity, name=uname("enc"), encryptionConfiguration=enc)
        for enc, msg in (
                ({"type": "AWS_OWNED"}, "Value 'AWS_OWNED' at 'encryptionConfiguration.type' failed to satisfy "
                                        "constraint: Member must satisfy enum value set: "
                                        "[AWS_OWNED_KEY, CUSTOMER_MANAGED_KMS_KEY]"),
                ({"kmsKeyId": "k"}, "Value null at 'encryptionConfiguration.type' failed to satisfy constraint: "
                                    "Member must not be null"),
                ({"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "k", "kmsDataKeyReusePeriodSeconds": 59},
                 "Value '59' at 'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy "
                 "constraint: Member must have value greater than or equal to 60"),
                ({"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "k", "kmsDataKeyReusePeriodSeconds": 901},
                 "Value '901' at 'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy "
                 "constraint: Member must have value less than or equal to 900")):
            r = post_json("CreateActivity", {"name": uname("enc"), "encryptionConfiguration": enc})
            body = self.assertRawError(r, "ValidationException")
            self.assertEqual(body["message"], "1 validation error detected: " + msg)

    def test_cli(self):
        name = uname("enc-cli")
        code, out, err = cli("create-activity", "--name", name, "--encryption-configuration",
                             "type=CUSTOMER_MANAGED_KMS_KEY,kmsKeyId=alias/cli,kmsDataKeyReusePeriodSeconds=60")
        self.assertEqual(code, 0, err)
        arn = json.loads(out)["activityArn"]
        self.addCleanup(self._quiet, self.sfn.delete_activity, activityArn=arn)
        code, out, err = cli("describe-activity", "--activity-arn", arn)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["encryptionConfiguration"],
                         {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/cli",
                          "kmsDataKeyReusePeriodSeconds": 60})


class LoggingAndTracing(E2ETestCase):

    def test_echoed_on_every_describe(self):
        logging = {"level": "ERROR", "includeExecutionData": True,
                   "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]}
        arn, _ = self.create_sm(loggingConfiguration=logging, tracingConfiguration={"enabled": True})
        d = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(d["loggingConfiguration"], logging)
        self.assertEqual(d["tracingConfiguration"], {"enabled": True})
        ex, _ = self.run_to_end(arn)
        f = self.sfn.describe_state_machine_for_execution(executionArn=ex)
        self.assertEqual(f["loggingConfiguration"], logging)
        self.assertEqual(f["tracingConfiguration"], {"enabled": True})

    def test_defaults(self):
        arn, _ = self.create_sm()
        d = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(d["loggingConfiguration"], {"level": "OFF", "includeExecutionData": False})
        self.assertEqual(d["tracingConfiguration"], {"enabled": False})

    def test_exactly_one_destination(self):
        dest = {"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}
        for dests in ([], [dest, dest]):
            e = self.assertClientError(self.sfn.exceptions.InvalidLoggingConfiguration,
                                       self.sfn.create_state_machine, name=uname("log"),
                                       definition=dumps({"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                                          "End": True}}}),
                                       roleArn=ROLE_ARN,
                                       loggingConfiguration={"level": "ALL", "destinations": dests})
            self.assertEqual(e.response["Error"]["Message"],
                             "Invalid Logging Configuration: Must specify exactly one Log Destination.")

    def test_log_group_arn_length(self):
        r = post_json("CreateStateMachine", {
            "name": uname("log"), "roleArn": ROLE_ARN,
            "definition": dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            "loggingConfiguration": {"level": "ALL", "destinations": [
                {"cloudWatchLogsLogGroup": {"logGroupArn": ""}}]}})
        body = self.assertRawError(r, "ValidationException")
        self.assertEqual(body["message"],
                         "1 validation error detected: Value '' at 'loggingConfiguration.destinations.1.member."
                         "cloudWatchLogsLogGroup.logGroupArn' failed to satisfy constraint: Member must have "
                         "length greater than or equal to 1")


class IncludedData(E2ETestCase):

    def test_describe_execution_metadata_only(self):
        arn, _ = self.create_sm()
        ex, full = self.run_to_end(arn, {"secret": 1})
        self.assertEqual(full["inputDetails"], {"included": True})
        meta = self.sfn.describe_execution(executionArn=ex, includedData="METADATA_ONLY")
        self.assertNotIn("input", meta)
        self.assertNotIn("output", meta)
        self.assertEqual(meta["inputDetails"], {"included": False})
        self.assertEqual(meta["outputDetails"], {"included": False})
        self.assertEqual(meta["status"], "SUCCEEDED")

    def test_start_sync_execution_metadata_only(self):
        arn, _ = self.create_sm(sm_type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=arn, input="{\"a\":1}", includedData="METADATA_ONLY",
                                          traceHeader="Root=1-5e1b4151-5ac6c58f5b1e2b2d0b1e0c1d")
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertNotIn("input", r)
        self.assertNotIn("output", r)
        self.assertEqual(r["inputDetails"], {"included": False})
        self.assertEqual(r["traceHeader"], "Root=1-5e1b4151-5ac6c58f5b1e2b2d0b1e0c1d")

    def test_cli_describe_state_machine_metadata_only(self):
        arn, _ = self.create_sm(VARS_DEF)
        code, out, err = cli("describe-state-machine", "--state-machine-arn", arn,
                             "--included-data", "METADATA_ONLY")
        self.assertEqual(code, 0, err)
        r = json.loads(out)
        self.assertEqual(r["definition"], "{}")
        self.assertNotIn("variableReferences", r)
        code, out, err = cli("describe-state-machine", "--state-machine-arn", arn)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["variableReferences"], VARS_REFS)

    def test_enum(self):
        for op, arn_key in (("DescribeExecution", "executionArn"), ("DescribeStateMachine", "stateMachineArn"),
                            ("DescribeStateMachineForExecution", "executionArn")):
            r = post_json(op, {arn_key: "arn:aws:states:us-east-1:123456789012:execution:a:b",
                               "includedData": "SOME"})
            body = self.assertRawError(r, "ValidationException")
            self.assertEqual(body["message"],
                             "1 validation error detected: Value 'SOME' at 'includedData' failed to satisfy "
                             "constraint: Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]")


if __name__ == "__main__":
    unittest.main()
