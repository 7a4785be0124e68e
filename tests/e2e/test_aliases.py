"""State machine aliases: CreateStateMachineAlias, DescribeStateMachineAlias,
UpdateStateMachineAlias, DeleteStateMachineAlias, ListStateMachineAliases,
and executions started through an alias ARN. Messages as AWS recorded them
(LocalStack's test_sfn_api_aliasing snapshots)."""

import json

from common import E2ETestCase, PASS_DEF, ROLE_ARN, dumps, sm_arn, uname, wait_for_status

NOT_FOUND = "Request references a resource that does not exist."


def pass_def(tag):
    return {"Comment": tag, "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Result": {"tag": tag}, "End": True}}}


class AliasCase(E2ETestCase):

    def machine_with_versions(self, n=2, **kw):
        arn, name = self.create_sm(pass_def("v1"), publish=True, **kw)
        for i in range(2, n + 1):
            self.sfn.update_state_machine(stateMachineArn=arn, definition=dumps(pass_def("v%d" % i)),
                                          publish=True)
        return arn, name

    def route(self, version_arn, weight=100):
        return {"stateMachineVersionArn": version_arn, "weight": weight}

    def message(self, e):
        return e.response["Error"]["Message"]


class Lifecycle(AliasCase):

    def test_create_describe_update_delete(self):
        arn, _ = self.machine_with_versions(2)
        r = self.sfn.create_state_machine_alias(name="prod", description="first",
                                                routingConfiguration=[self.route(arn + ":1")])
        self.assertEqual(r["stateMachineAliasArn"], arn + ":prod")
        self.assertRecent(r["creationDate"])
        d = self.sfn.describe_state_machine_alias(stateMachineAliasArn=arn + ":prod")
        self.assertEqual(d["name"], "prod")
        self.assertEqual(d["description"], "first")
        self.assertEqual(d["stateMachineAliasArn"], arn + ":prod")
        self.assertEqual(d["routingConfiguration"], [self.route(arn + ":1")])
        self.assertRecent(d["creationDate"])
        self.assertRecent(d["updateDate"])
        u = self.sfn.update_state_machine_alias(stateMachineAliasArn=arn + ":prod",
                                                description="new description")
        self.assertRecent(u["updateDate"])
        u = self.sfn.update_state_machine_alias(
            stateMachineAliasArn=arn + ":prod",
            routingConfiguration=[self.route(arn + ":1", 50), self.route(arn + ":2", 50)])
        d = self.sfn.describe_state_machine_alias(stateMachineAliasArn=arn + ":prod")
        self.assertEqual(d["description"], "new description")
        self.assertEqual(d["routingConfiguration"],
                         [self.route(arn + ":1", 50), self.route(arn + ":2", 50)])
        self.sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":prod")
        self.sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":prod")  # again: fine
        e = self.assertClientError(self.sfn.exceptions.ResourceNotFound,
                                   self.sfn.describe_state_machine_alias,
                                   stateMachineAliasArn=arn + ":prod")
        self.assertEqual(self.message(e), NOT_FOUND)
        e = self.assertClientError(self.sfn.exceptions.ResourceNotFound,
                                   self.sfn.update_state_machine_alias,
                                   stateMachineAliasArn=arn + ":prod", description="x")
        self.assertEqual(self.message(e), NOT_FOUND)

    def test_idempotent_create_and_conflicts(self):
        arn, _ = self.machine_with_versions(2)
        routes = [self.route(arn + ":1")]
        a = self.sfn.create_state_machine_alias(name="a", description="d", routingConfiguration=routes)
        b = self.sfn.create_state_machine_alias(name="a", description="d", routingConfiguration=routes)
        self.assertEqual(a["stateMachineAliasArn"], b["stateMachineAliasArn"])
        self.assertEqual(a["creationDate"], b["creationDate"])
        msg = ("Failed to create alias because an alias with the same name and a different "
               "routing configuration already exists.")
        e = self.assertClientError(self.sfn.exceptions.ConflictException,
                                   self.sfn.create_state_machine_alias, name="a", description="other",
                                   routingConfiguration=routes)
        self.assertEqual(self.message(e), msg)
        e = self.assertClientError(self.sfn.exceptions.ConflictException,
                                   self.sfn.create_state_machine_alias, name="a", description="d",
                                   routingConfiguration=[self.route(arn + ":2")])
        self.assertEqual(self.message(e), msg)

    def test_list_aliases_and_paging(self):
        arn, _ = self.machine_with_versions(2)
        self.assertEqual(self.sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"], [])
        for i in range(3):
            self.sfn.create_state_machine_alias(name="base-%d" % i,
                                                routingConfiguration=[self.route(arn + ":%d" % (1 + i % 2))])
        listed = self.sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]
        self.assertEqual([a["stateMachineAliasArn"] for a in listed],
                         [arn + ":base-0", arn + ":base-1", arn + ":base-2"])
        seen, token = [], None
        while True:
            kw = {"nextToken": token} if token else {}
            page = self.sfn.list_state_machine_aliases(stateMachineArn=arn, maxResults=2, **kw)
            seen += [a["stateMachineAliasArn"] for a in page["stateMachineAliases"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, [a["stateMachineAliasArn"] for a in listed])
        # a version ARN lists the aliases routing to it
        by_version = self.sfn.list_state_machine_aliases(stateMachineArn=arn + ":2")
        self.assertEqual([a["stateMachineAliasArn"] for a in by_version["stateMachineAliases"]],
                         [arn + ":base-1"])
        self.sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":base-0")
        listed = self.sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]
        self.assertEqual(len(listed), 2)
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                               self.sfn.list_state_machine_aliases,
                               stateMachineArn=sm_arn(uname("none")))
        self.assertClientError(self.sfn.exceptions.InvalidToken, self.sfn.list_state_machine_aliases,
                               stateMachineArn=arn, nextToken="garbage")

    def test_delete_version_routed_by_alias(self):
        arn, _ = self.machine_with_versions(2)
        self.sfn.create_state_machine_alias(name="one", routingConfiguration=[self.route(arn + ":1")])
        self.sfn.create_state_machine_alias(
            name="two", routingConfiguration=[self.route(arn + ":1", 10), self.route(arn + ":2", 90)])
        e = self.assertClientError(self.sfn.exceptions.ConflictException,
                                   self.sfn.delete_state_machine_version,
                                   stateMachineVersionArn=arn + ":1")
        self.assertEqual(self.message(e),
                         "Version to be deleted must not be referenced by an alias. Current list of "
                         "aliases referencing this version: [one, two]")
        self.sfn.update_state_machine_alias(stateMachineAliasArn=arn + ":one",
                                            routingConfiguration=[self.route(arn + ":2")])
        self.sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":two")
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")

    def test_deleting_machine_deletes_aliases(self):
        arn, name = self.machine_with_versions(1)
        self.sfn.create_state_machine_alias(name="gone", routingConfiguration=[self.route(arn + ":1")])
        self.sfn.delete_state_machine(stateMachineArn=arn)
        self.assertClientError(self.sfn.exceptions.ResourceNotFound,
                               self.sfn.describe_state_machine_alias, stateMachineAliasArn=arn + ":gone")
        self.sfn.create_state_machine(name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN,
                                      publish=True)
        self.assertEqual(self.sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"], [])


    def test_quota_of_100_aliases(self):
        arn, _ = self.machine_with_versions(1)
        for i in range(100):
            self.sfn.create_state_machine_alias(name="a%d" % i, routingConfiguration=[self.route(arn + ":1")])
        e = self.assertClientError(self.sfn.exceptions.ServiceQuotaExceededException,
                                   self.sfn.create_state_machine_alias, name="more",
                                   routingConfiguration=[self.route(arn + ":1")])
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 402)  # as AWS documents
        self.assertEqual(e.response["Error"]["Message"],
                         "Maximum number of aliases (100) reached for state machine: '%s'" % arn)
        # an identical create of an existing alias is still answered
        self.sfn.create_state_machine_alias(name="a7", routingConfiguration=[self.route(arn + ":1")])
        pages = [a for p in self.sfn.get_paginator("list_state_machine_aliases").paginate(
            stateMachineArn=arn, PaginationConfig={"PageSize": 30}) for a in p["stateMachineAliases"]] \
            if self.sfn.can_paginate("list_state_machine_aliases") else \
            self.sfn.list_state_machine_aliases(stateMachineArn=arn, maxResults=1000)["stateMachineAliases"]
        self.assertEqual(len(pages), 100)


class Validation(AliasCase):

    def test_names(self):
        arn, _ = self.machine_with_versions(1)
        pattern = r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$"
        for bad in ("123", "INVALID ALIAS", "!INVALID", "ALIAS@"):
            e = self.assertErrorCode("ValidationException", self.sfn.create_state_machine_alias,
                                     name=bad, routingConfiguration=[self.route(arn + ":1")])
            self.assertEqual(self.message(e),
                             "1 validation error detected: Value '%s' at 'name' failed to satisfy "
                             "constraint: Member must satisfy regular expression pattern: %s"
                             % (bad, pattern))
        e = self.assertErrorCode("ValidationException", self.sfn.create_state_machine_alias,
                                 name="A" * 81, routingConfiguration=[self.route(arn + ":1")])
        self.assertEqual(self.message(e),
                         "1 validation error detected: Value '%s' at 'name' failed to satisfy "
                         "constraint: Member must have length less than or equal to 80" % ("A" * 81))
        ok = self.sfn.create_state_machine_alias(name="a1_b-c.d", routingConfiguration=[self.route(arn + ":1")])
        self.assertEqual(ok["stateMachineAliasArn"], arn + ":a1_b-c.d")

    def test_routing_configurations(self):
        arn, _ = self.machine_with_versions(3)
        v1, v2, v3 = arn + ":1", arn + ":2", arn + ":3"
        e = self.assertErrorCode("ValidationException", self.sfn.create_state_machine_alias, name="x",
                                 routingConfiguration=[self.route(v1, 50), self.route(v2, 30),
                                                       self.route(v3, 20)])
        self.assertEqual(self.message(e),
                         "1 validation error detected: Value '[RoutingConfigurationListItem("
                         "stateMachineVersionArn=%s, weight=50), RoutingConfigurationListItem("
                         "stateMachineVersionArn=%s, weight=30), RoutingConfigurationListItem("
                         "stateMachineVersionArn=%s, weight=20)]' at 'routingConfiguration' failed "
                         "to satisfy constraint: Member must have length less than or equal to 2"
                         % (v1, v2, v3))
        e = self.assertErrorCode("ValidationException", self.sfn.create_state_machine_alias, name="x",
                                 routingConfiguration=[self.route(v1, 50), self.route(v1, 50)])
        self.assertEqual(self.message(e),
                         "Routing configuration must contain distinct state machine version ARNs. "
                         "Received: [%s, %s]" % (v1, v1))
        e = self.assertErrorCode("ValidationException", self.sfn.create_state_machine_alias, name="x",
                                 routingConfiguration=[self.route(arn, 50), self.route(v2, 50)])
        self.assertEqual(self.message(e),
                         "Routing configuration must contain state machine version ARNs. "
                         "Received: [%s, %s]" % (arn, v2))
        e = self.assertErrorCode("ValidationException", self.sfn.create_state_machine_alias, name="x",
                                 routingConfiguration=[self.route(v1, 101)])
        self.assertEqual(self.message(e),
                         "1 validation error detected: Value '101' at "
                         "'routingConfiguration.1.member.weight' failed to satisfy constraint: "
                         "Member must have value less than or equal to 100")
        for weights in ((70, 29), (70, 31)):
            e = self.assertErrorCode("ValidationException", self.sfn.create_state_machine_alias,
                                     name="x", routingConfiguration=[self.route(v1, weights[0]),
                                                                     self.route(v2, weights[1])])
            self.assertEqual(self.message(e),
                             "Sum of routing configuration weights must equal 100. Received: [%d, %d]"
                             % weights)
        other, _ = self.machine_with_versions(1)
        self.assertErrorCode("ValidationException", self.sfn.create_state_machine_alias, name="x",
                             routingConfiguration=[self.route(v1, 50), self.route(other + ":1", 50)])
        e = self.assertClientError(self.sfn.exceptions.ResourceNotFound,
                                   self.sfn.create_state_machine_alias, name="x",
                                   routingConfiguration=[self.route(arn + ":9")])
        self.assertEqual(self.message(e), NOT_FOUND)
        self.assertErrorCode("ValidationException", self.sfn.update_state_machine_alias,
                             stateMachineAliasArn=arn + ":x")
        self.sfn.create_state_machine_alias(name="x", routingConfiguration=[self.route(v1)])
        self.assertErrorCode("ValidationException", self.sfn.update_state_machine_alias,
                             stateMachineAliasArn=arn + ":x",
                             routingConfiguration=[self.route(other + ":1")])
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.describe_state_machine_alias,
                               stateMachineAliasArn=arn + ":1")
        self.assertClientError(self.sfn.exceptions.InvalidArn, self.sfn.describe_state_machine_alias,
                               stateMachineAliasArn="not-an-arn")


class AliasExecutions(AliasCase):

    def test_start_through_alias(self):
        arn, name = self.machine_with_versions(2)
        self.sfn.create_state_machine_alias(name="live", routingConfiguration=[self.route(arn + ":1")])
        ex = self.start(arn + ":live")
        self.assertEqual(wait_for_status(self.sfn, ex)["status"], "SUCCEEDED")
        d = self.sfn.describe_execution(executionArn=ex)
        self.assertEqual(d["stateMachineArn"], arn)
        self.assertEqual(d["stateMachineVersionArn"], arn + ":1")
        self.assertEqual(d["stateMachineAliasArn"], arn + ":live")
        self.assertEqual(json.loads(d["output"]), {"tag": "v1"})
        started = self.sfn.get_execution_history(executionArn=ex)["events"][0]
        self.assertEqual(started["type"], "ExecutionStarted")
        details = started["executionStartedEventDetails"]
        self.assertEqual(details["stateMachineAliasArn"], arn + ":live")
        self.assertEqual(details["stateMachineVersionArn"], arn + ":1")
        self.assertEqual(details["roleArn"], ROLE_ARN)
        by_version = self.start(arn + ":2")
        wait_for_status(self.sfn, by_version)
        listed = self.sfn.list_executions(stateMachineArn=arn + ":live")["executions"]
        self.assertEqual([e["executionArn"] for e in listed], [ex])
        self.assertEqual(listed[0]["stateMachineAliasArn"], arn + ":live")
        everything = self.sfn.list_executions(stateMachineArn=arn)["executions"]
        self.assertEqual({e["executionArn"] for e in everything}, {by_version, ex})
        for e in everything:
            self.assertEqual(e["stateMachineVersionArn"], arn + (":1" if e["executionArn"] == ex else ":2"))
            self.assertEqual("stateMachineAliasArn" in e, e["executionArn"] == ex)
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist, self.sfn.start_execution,
                               stateMachineArn=arn + ":nope")

    def test_weights_route_both_ways(self):
        arn, _ = self.machine_with_versions(2)
        self.sfn.create_state_machine_alias(
            name="split", routingConfiguration=[self.route(arn + ":1", 50), self.route(arn + ":2", 50)])
        versions = set()
        for _ in range(40):
            ex = self.start(arn + ":split")
            versions.add(self.sfn.describe_execution(executionArn=ex)["stateMachineVersionArn"])
        self.assertEqual(versions, {arn + ":1", arn + ":2"})
        self.sfn.update_state_machine_alias(
            stateMachineAliasArn=arn + ":split",
            routingConfiguration=[self.route(arn + ":1", 0), self.route(arn + ":2", 100)])
        for _ in range(10):
            ex = self.start(arn + ":split")
            self.assertEqual(self.sfn.describe_execution(executionArn=ex)["stateMachineVersionArn"],
                             arn + ":2")

    def test_sync_express_through_alias(self):
        arn, _ = self.machine_with_versions(2, sm_type="EXPRESS")
        self.sfn.create_state_machine_alias(name="x", routingConfiguration=[self.route(arn + ":2")])
        r = self.sfn.start_sync_execution(stateMachineArn=arn + ":x")
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertEqual(json.loads(r["output"]), {"tag": "v2"})
