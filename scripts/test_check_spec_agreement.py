#!/usr/bin/env python3
"""Tests of scripts/check_spec_agreement.py's handling of listed deviations:
exactly the listed ones are accepted; an unlisted difference, a stale entry
(on either side) or an entry without a reason fails.

Run: python3 scripts/test_check_spec_agreement.py   (needs PyYAML)
Self-contained (small documents written to a temp dir); the last test also
runs the real spec against ../shared/snaptrade/upstream-api.yaml when present.
"""

import copy
import os
import subprocess
import sys
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "check_spec_agreement.py")
ROOT = os.path.dirname(HERE)
REAL_UPSTREAM = os.path.join(ROOT, "..", "shared", "snaptrade", "upstream-api.yaml")

POINTER = "/components/requestBodies/Body/content/application~1json/schema"

UPSTREAM = {
    "openapi": "3.0.0",
    "info": {"title": "T", "version": "1"},
    "servers": [{"url": "https://example.com"}],
    "tags": [{"name": "Authentication"}],
    "paths": {
        "/reset": {
            "post": {
                "tags": ["Authentication"],
                "operationId": "Authentication_reset",
                "requestBody": {"$ref": "#/components/requestBodies/Body"},
                "responses": {"200": {
                    "description": "ok",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Pair"}}},
                }},
            }
        }
    },
    "components": {
        "requestBodies": {"Body": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Pair"}}}}},
        "schemas": {
            "Pair": {"type": "object", "properties": {
                "a": {"type": "string"}, "b": {"type": "string"}}},
        },
    },
}

INLINE = {"type": "object", "required": ["a", "b"],
          "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}


def ours_with_deviation():
    doc = copy.deepcopy(UPSTREAM)
    doc["components"]["requestBodies"]["Body"]["content"]["application/json"]["schema"] = \
        dict(INLINE, description="prose is ignored")
    return doc


def deviation(**changes):
    entry = {"id": "body-required", "kind": "required-input", "pointer": POINTER,
             "reason": "the API answers 400 without them",
             "ours": INLINE, "upstream": {"$ref": "#/components/schemas/Pair"}}
    entry.update(changes)
    return entry


class DeviationTests(unittest.TestCase):
    def run_check(self, ours, deviations, extra=()):
        with tempfile.TemporaryDirectory() as tmp:
            ours_path = os.path.join(tmp, "ours.yaml")
            up_path = os.path.join(tmp, "upstream.yaml")
            with open(ours_path, "w") as f:
                yaml.safe_dump(ours, f)
            with open(up_path, "w") as f:
                yaml.safe_dump(UPSTREAM, f)
            if deviations is not None:
                # Beside our spec, where the script looks by default.
                with open(os.path.join(tmp, "deviations.yaml"), "w") as f:
                    yaml.safe_dump({"deviations": deviations}, f)
            args = [sys.executable, SCRIPT, *extra, ours_path, up_path]
            args = [a.replace("{tmp}", tmp) for a in args]
            proc = subprocess.run(args, capture_output=True, text=True)
            reverted = None
            if os.path.exists(os.path.join(tmp, "reverted.yaml")):
                with open(os.path.join(tmp, "reverted.yaml")) as f:
                    reverted = yaml.safe_load(f)
            return proc.returncode, proc.stdout + proc.stderr, reverted

    def test_identical_documents_agree(self):
        code, out, _ = self.run_check(copy.deepcopy(UPSTREAM), None)
        self.assertEqual(code, 0, out)

    def test_a_listed_deviation_is_accepted(self):
        code, out, _ = self.run_check(ours_with_deviation(), [deviation()])
        self.assertEqual(code, 0, out)
        self.assertIn("1 listed deviation(s) accepted", out)

    def test_the_same_deviation_unlisted_fails(self):
        code, out, _ = self.run_check(ours_with_deviation(), [])
        self.assertEqual(code, 1, out)
        self.assertIn("requestBodies.Body", out)
        code, out, _ = self.run_check(ours_with_deviation(), None)
        self.assertEqual(code, 1, out)

    def test_another_difference_beside_a_listed_one_fails(self):
        ours = ours_with_deviation()
        ours["components"]["schemas"]["Pair"]["required"] = ["a"]
        code, out, _ = self.run_check(ours, [deviation()])
        self.assertEqual(code, 1, out)
        self.assertIn("components.schemas.Pair.required", out)
        self.assertEqual(out.count("MISMATCH"), 1, out)

    def test_a_listed_value_that_ours_no_longer_has_fails(self):
        code, out, _ = self.run_check(copy.deepcopy(UPSTREAM), [deviation()])
        self.assertEqual(code, 1, out)
        self.assertIn("ours has", out)
        narrower = dict(INLINE, required=["a"])
        code, out, _ = self.run_check(ours_with_deviation(), [deviation(ours=narrower)])
        self.assertEqual(code, 1, out)

    def test_a_listed_value_that_upstream_no_longer_has_fails(self):
        code, out, _ = self.run_check(ours_with_deviation(),
                                      [deviation(upstream={"$ref": "#/components/schemas/Other"})])
        self.assertEqual(code, 1, out)
        self.assertIn("upstream changed", out)

    def test_an_entry_without_a_reason_is_refused(self):
        code, out, _ = self.run_check(ours_with_deviation(), [deviation(reason=" ")])
        self.assertEqual(code, 2, out)
        self.assertIn("no reason", out)

    def test_an_entry_of_an_unknown_kind_is_refused(self):
        code, out, _ = self.run_check(ours_with_deviation(), [deviation(kind="preference")])
        self.assertEqual(code, 2, out)
        self.assertIn("not one of", out)

    def test_reverted_document_has_upstream_s_value_back(self):
        code, out, reverted = self.run_check(ours_with_deviation(), [deviation()],
                                             extra=("--write-reverted", "{tmp}/reverted.yaml"))
        self.assertEqual(code, 0, out)
        body = reverted["components"]["requestBodies"]["Body"]["content"]["application/json"]
        self.assertEqual(body["schema"], {"$ref": "#/components/schemas/Pair"})

    @unittest.skipUnless(os.path.exists(REAL_UPSTREAM), "upstream document not found")
    def test_the_real_spec_agrees_only_through_its_listed_deviations(self):
        spec = os.path.join(ROOT, "spec", "snaptrade.yaml")
        ok = subprocess.run([sys.executable, SCRIPT, spec, REAL_UPSTREAM], capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            empty = os.path.join(tmp, "none.yaml")
            with open(empty, "w") as f:
                f.write("deviations: []\n")
            bad = subprocess.run([sys.executable, SCRIPT, "--deviations", empty, spec, REAL_UPSTREAM],
                                 capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1, bad.stdout)
        self.assertIn("ResetUserSecretRequestBody", bad.stdout)


if __name__ == "__main__":
    unittest.main()
