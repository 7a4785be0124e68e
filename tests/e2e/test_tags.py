"""TagResource / UntagResource / ListTagsForResource on state machines and
activities."""

import unittest

from common import E2ETestCase, PASS_DEF, ROLE_ARN, activity_arn, dumps, sm_arn, uname


def by_key(tags):
    return sorted(tags, key=lambda t: t["key"])


class TagsMixin:
    """Shared tests; subclasses provide make(tags=None) -> arn and missing_arn()."""

    def tags_of(self, arn):
        r = self.sfn.list_tags_for_resource(resourceArn=arn)
        return by_key(r["tags"])

    def test_no_tags_initially(self):
        arn = self.make()
        self.assertEqual(self.sfn.list_tags_for_resource(resourceArn=arn)["tags"], [])

    def test_tags_on_create(self):
        tags = [{"key": "team", "value": "core"}, {"key": "env", "value": ""}]
        arn = self.make(tags=tags)
        self.assertEqual(self.tags_of(arn), by_key(tags))

    def test_tag_overwrite_and_untag(self):
        arn = self.make(tags=[{"key": "a", "value": "1"}])
        r = self.sfn.tag_resource(resourceArn=arn, tags=[{"key": "b", "value": "2"},
                                                         {"key": "a", "value": "one"}])
        self.assertEqual({k: v for k, v in r.items() if k != "ResponseMetadata"}, {})
        self.assertEqual(self.tags_of(arn), [{"key": "a", "value": "one"}, {"key": "b", "value": "2"}])
        r = self.sfn.untag_resource(resourceArn=arn, tagKeys=["a", "not-there"])
        self.assertEqual({k: v for k, v in r.items() if k != "ResponseMetadata"}, {})
        self.assertEqual(self.tags_of(arn), [{"key": "b", "value": "2"}])

    def test_tag_keys_are_case_sensitive(self):
        arn = self.make()
        self.sfn.tag_resource(resourceArn=arn, tags=[{"key": "K", "value": "upper"},
                                                     {"key": "k", "value": "lower"}])
        self.assertEqual(self.tags_of(arn), [{"key": "K", "value": "upper"}, {"key": "k", "value": "lower"}])

    def test_fifty_tags_allowed(self):
        arn = self.make()
        tags = [{"key": "k%02d" % i, "value": "v%d" % i} for i in range(50)]
        self.sfn.tag_resource(resourceArn=arn, tags=tags)
        self.assertEqual(self.tags_of(arn), by_key(tags))
        # Re-tagging existing keys does not count as new tags.
        self.sfn.tag_resource(resourceArn=arn, tags=[{"key": "k00", "value": "new"}])
        self.assertEqual(len(self.tags_of(arn)), 50)

    def test_too_many_tags(self):
        arn = self.make()
        tags = [{"key": "k%02d" % i, "value": "v"} for i in range(51)]
        self.assertClientError(self.sfn.exceptions.TooManyTags, self.sfn.tag_resource,
                               resourceArn=arn, tags=tags)
        self.assertEqual(self.tags_of(arn), [])

    def test_too_many_tags_cumulative(self):
        arn = self.make(tags=[{"key": "old%02d" % i, "value": "v"} for i in range(40)])
        self.assertClientError(self.sfn.exceptions.TooManyTags, self.sfn.tag_resource,
                               resourceArn=arn, tags=[{"key": "new%02d" % i, "value": "v"} for i in range(11)])
        self.assertEqual(len(self.tags_of(arn)), 40)

    def test_tag_length_constraints(self):
        # TagKey max 128, TagValue max 256 (model constraints, enforced by
        # the service: botocore only checks minimums).
        arn = self.make()
        self.sfn.tag_resource(resourceArn=arn, tags=[{"key": "k" * 128, "value": "v" * 256}])
        self.assertErrorCode("ValidationException", self.sfn.tag_resource, resourceArn=arn,
                             tags=[{"key": "k" * 129, "value": "v"}])
        self.assertErrorCode("ValidationException", self.sfn.tag_resource, resourceArn=arn,
                             tags=[{"key": "k", "value": "v" * 257}])
        self.assertEqual(self.tags_of(arn), [{"key": "k" * 128, "value": "v" * 256}])

    def test_unknown_resource(self):
        arn = self.missing_arn()
        self.assertClientError(self.sfn.exceptions.ResourceNotFound, self.sfn.list_tags_for_resource,
                               resourceArn=arn)
        self.assertClientError(self.sfn.exceptions.ResourceNotFound, self.sfn.tag_resource,
                               resourceArn=arn, tags=[{"key": "a", "value": "b"}])
        self.assertClientError(self.sfn.exceptions.ResourceNotFound, self.sfn.untag_resource,
                               resourceArn=arn, tagKeys=["a"])

    def test_malformed_arn(self):
        for fn, kw in [(self.sfn.list_tags_for_resource, {}),
                       (self.sfn.tag_resource, {"tags": [{"key": "a", "value": "b"}]}),
                       (self.sfn.untag_resource, {"tagKeys": ["a"]})]:
            with self.subTest(op=fn.__name__):
                self.assertClientError(self.sfn.exceptions.InvalidArn, fn, resourceArn="no-arn", **kw)


class StateMachineTags(TagsMixin, E2ETestCase):

    def make(self, tags=None):
        kw = {"tags": tags} if tags is not None else {}
        return self.create_sm(PASS_DEF, **kw)[0]

    def missing_arn(self):
        return sm_arn(uname("missing"))

    def test_too_many_tags_on_create(self):
        name = uname("sm")
        self.assertClientError(self.sfn.exceptions.TooManyTags, self.sfn.create_state_machine,
                               name=name, definition=dumps(PASS_DEF), roleArn=ROLE_ARN,
                               tags=[{"key": "k%02d" % i, "value": "v"} for i in range(51)])
        self.assertClientError(self.sfn.exceptions.StateMachineDoesNotExist,
                               self.sfn.describe_state_machine, stateMachineArn=sm_arn(name))

    def test_tags_gone_after_delete_and_recreate(self):
        arn, name = self.create_sm(PASS_DEF, tags=[{"key": "x", "value": "y"}])
        self.sfn.delete_state_machine(stateMachineArn=arn)
        import time
        deadline = time.monotonic() + 5
        while True:
            try:
                self.sfn.describe_state_machine(stateMachineArn=arn)
            except self.sfn.exceptions.StateMachineDoesNotExist:
                break
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        arn2, _ = self.create_sm(PASS_DEF, name=name)
        self.assertEqual(self.sfn.list_tags_for_resource(resourceArn=arn2)["tags"], [])


class ActivityTags(TagsMixin, E2ETestCase):

    def make(self, tags=None):
        kw = {"tags": tags} if tags is not None else {}
        return self.create_activity(**kw)[0]

    def missing_arn(self):
        return activity_arn(uname("missing"))

    def test_too_many_tags_on_create(self):
        name = uname("act")
        self.assertClientError(self.sfn.exceptions.TooManyTags, self.sfn.create_activity,
                               name=name, tags=[{"key": "k%02d" % i, "value": "v"} for i in range(51)])
        self.assertClientError(self.sfn.exceptions.ActivityDoesNotExist, self.sfn.describe_activity,
                               activityArn=activity_arn(name))


if __name__ == "__main__":
    unittest.main()
