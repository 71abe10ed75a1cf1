#!/usr/bin/env python3
"""Drive SnapTrade's official Python SDK against a SnapTrade-compatible server.

This is the interop proof for our sandbox: if SnapTrade's own client (pinned in
interop/requirements.txt) can check the status, register, log in, list, reset
the secret of and delete users (waiting for the asynchronous deletion), list the
connections a user made through the sandbox's Connection Portal, and gets the
documented errors where it should, then the sandbox's request parsing and signature
verification agree with the reference implementation of the signing scheme.

Usage:
    python interop/official_sdk_walkthrough.py \
        --base-url http://127.0.0.1:PORT --client-id ID --consumer-key KEY

Every check prints `PASS name` or `FAIL name: expected ..., got ...`; lines
starting with `NOTE` record observations (e.g. which status a rejected login
got). The last line is `N passed, M failed`. The exit status is 0 only when
nothing failed and nothing raised unexpectedly.

How the SDK reports errors (read from snaptrade_client 13.0.49): every non-2xx
response raises `snaptrade_client.exceptions.ApiException` with `.status` (the
HTTP status, int), `.reason`, `.headers` and `.body`. `.body` is the parsed JSON
(dict/list) when the response's Content-Type is JSON, otherwise the raw bytes.
Successful calls return an ApiResponse whose `.body` is the parsed JSON
(the SDK skips schema deserialization by default).
"""

import argparse
import json
import sys
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from snaptrade_client import SnapTrade, SnapTradeAuth
from snaptrade_client.exceptions import ApiException

# A user id that needs percent-escaping in `userId=` query values: space, slash
# (left unescaped by the SDK), non-ASCII (é, U+00E9), and the query
# metacharacters + & = ?. A unique suffix keeps reruns against one server apart.
ESCAPED_USER_PREFIX = "user with spaces/\u00e9+&=?"
# A character outside the Basic Multilingual Plane: signed as a UTF-16
# surrogate pair (\ud83d\ude00) but sent as 4 UTF-8 bytes in the body.
ASTRAL_USER_PREFIX = "astral \U0001F600 user"

SIGNATURE_ERROR_CODE = 1076
SIGNATURE_ERROR_DETAIL = "Unable to verify signature sent"


class Outcome:
    """Result of one SDK call: either a response or an ApiException."""

    def __init__(self, response=None, error=None):
        self.response = response
        self.error = error

    @property
    def ok(self):
        return self.error is None

    @property
    def status(self):
        if self.error is not None:
            return self.error.status
        return self.response.status

    @property
    def body(self):
        raw = self.error.body if self.error is not None else self.response.body
        return plain(raw)

    def describe(self):
        return "HTTP %s %s" % (self.status, short(self.body))


def plain(value):
    """Turn SDK response bodies (dicts, frozendicts, tuples, bytes) into plain JSON values."""
    if isinstance(value, (bytes, bytearray)):
        text = value.decode("utf-8", "replace")
        try:
            return json.loads(text)
        except ValueError:
            return text
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(v) for v in value]
    return value


def short(value, limit=300):
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Walkthrough:
    def __init__(self, base_url, client_id, consumer_key):
        self.base_url = base_url
        self.client_id = client_id
        self.consumer_key = consumer_key
        self.passed = 0
        self.failed = 0
        self.unexpected = 0
        self.sdk = self.client(consumer_key)

    def client(self, consumer_key):
        return SnapTrade(
            auth=SnapTradeAuth.commercial_api_key(consumer_key=consumer_key, client_id=self.client_id),
            host=self.base_url,
        )

    # -- reporting -----------------------------------------------------------

    def report(self, name, ok, expected, got):
        if ok:
            self.passed += 1
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: expected %s, got %s" % (name, expected, got), flush=True)
        return ok

    def note(self, text):
        print("NOTE %s" % text, flush=True)

    def call(self, name, fn):
        """Run one SDK call. ApiException is an outcome; anything else is a failure of `name`."""
        try:
            return Outcome(response=fn())
        except ApiException as e:
            return Outcome(error=e)
        except Exception as e:  # noqa: BLE001 - reported, counted, and turned into a non-zero exit
            self.unexpected += 1
            traceback.print_exc()
            self.report(name, False, "an HTTP response", "%s: %s" % (type(e).__name__, e))
            return None

    # -- reusable expectations ----------------------------------------------

    def expect_success(self, name, outcome, predicate, expected):
        if outcome is None:
            return False
        if not outcome.ok:
            return self.report(name, False, expected, outcome.describe())
        body = outcome.body
        try:
            good = predicate(body)
        except Exception as e:  # noqa: BLE001
            good = False
            self.note("%s: checking the body raised %s: %s" % (name, type(e).__name__, e))
        return self.report(name, good, expected, outcome.describe())

    def expect_error(self, name, outcome, statuses, expected):
        if outcome is None:
            return False
        if outcome.ok:
            return self.report(name, False, expected, "success " + outcome.describe())
        good = outcome.status in statuses
        if good and not is_error_body(outcome.body):
            self.note("%s: error body is not a SnapTrade error object: %s" % (name, short(outcome.body)))
        return self.report(name, good, expected, outcome.describe())

    # -- operations (thin wrappers so each check reads as one line) ----------

    def register(self, name, user_id, sdk=None):
        sdk = sdk or self.sdk
        return self.call(name, lambda: sdk.authentication.register_snap_trade_user(user_id=user_id))

    def login(self, name, user_id, user_secret, **options):
        return self.call(
            name,
            lambda: self.sdk.authentication.login_snap_trade_user(
                user_id=user_id, user_secret=user_secret, **options
            ),
        )

    def list_users(self, name, sdk=None):
        sdk = sdk or self.sdk
        return self.call(name, lambda: sdk.authentication.list_snap_trade_users())

    def delete(self, name, user_id):
        return self.call(name, lambda: self.sdk.authentication.delete_snap_trade_user(user_id=user_id))

    def reset(self, name, user_id, user_secret):
        return self.call(
            name,
            lambda: self.sdk.authentication.reset_snap_trade_user_secret(
                user_id=user_id, user_secret=user_secret
            ),
        )

    def secret_of(self, outcome):
        if outcome is not None and outcome.ok and isinstance(outcome.body, dict):
            return outcome.body.get("userSecret")
        return None

    def listed(self, name):
        """The list of user ids, or None (after reporting a failure of `name`)."""
        outcome = self.list_users(name)
        if outcome is None:
            return None
        if not outcome.ok or not isinstance(outcome.body, list):
            self.report(name, False, "HTTP 200 with a JSON array of user ids", outcome.describe())
            return None
        return outcome.body

    # -- the walkthrough -----------------------------------------------------

    def run(self):
        run_id = uuid.uuid4().hex[:12]
        self.status_check()
        self.user_lifecycle("interop-%s" % run_id)
        self.duplicate_registration("interop-dup-%s" % run_id)
        self.unknown_user_delete("interop-missing-%s" % run_id)
        self.escaped_user("escaped", "%s %s" % (ESCAPED_USER_PREFIX, run_id))
        self.escaped_user("astral", "%s %s" % (ASTRAL_USER_PREFIX, run_id))
        self.wrong_consumer_key("interop-wrongkey-%s" % run_id)
        self.connection_portal("interop-portal-%s" % run_id)

    def status_check(self):
        outcome = self.call("api_status_check", lambda: self.sdk.api_status.check())
        self.expect_success(
            "api_status_check",
            outcome,
            lambda b: isinstance(b, dict) and b.get("online") is True,
            'HTTP 200 with {"online": true, ...}',
        )

    def user_lifecycle(self, user_id):
        registered = self.register("register_user", user_id)
        self.expect_success(
            "register_user",
            registered,
            lambda b: b.get("userId") == user_id and isinstance(b.get("userSecret"), str) and b["userSecret"] != "",
            "HTTP 200 with userId %r and a non-empty userSecret" % user_id,
        )
        old_secret = self.secret_of(registered)
        if old_secret is None:
            self.report("user_lifecycle", False, "a registered user to continue with", "no secret")
            return

        portal = lambda b: (  # noqa: E731
            isinstance(b.get("redirectURI"), str) and b["redirectURI"] != ""
            and isinstance(b.get("sessionId"), str) and b["sessionId"] != ""
        )
        portal_expected = "HTTP 200 with non-empty redirectURI and sessionId"
        self.expect_success(
            "login_without_options", self.login("login_without_options", user_id, old_secret), portal, portal_expected
        )
        self.expect_success(
            "login_with_options",
            self.login(
                "login_with_options",
                user_id,
                old_secret,
                broker="ALPACA",
                immediate_redirect=True,
                custom_redirect="https://example.com/after-connect?from=interop&lang=fr&q=caf\u00e9",
                connection_type="trade-if-available",
                show_close_button=False,
                dark_mode=True,
                locale="pt-BR",
                connection_portal_version="v4",
            ),
            portal,
            portal_expected,
        )

        users = self.listed("list_users_includes_user")
        if users is not None:
            self.report("list_users_includes_user", user_id in users, "%r in the list" % user_id, short(users))

        reset = self.reset("reset_user_secret", user_id, old_secret)
        self.expect_success(
            "reset_user_secret",
            reset,
            lambda b: (
                b.get("userId") == user_id and isinstance(b.get("userSecret"), str)
                and b["userSecret"] != "" and b["userSecret"] != old_secret
            ),
            "HTTP 200 with userId %r and a new non-empty userSecret different from the old one" % user_id,
        )
        new_secret = self.secret_of(reset)

        stale = self.login("login_with_old_secret_rejected", user_id, old_secret)
        if stale is not None and not stale.ok:
            self.note("login with the old secret was rejected with %s" % stale.describe())
        self.expect_error("login_with_old_secret_rejected", stale, {401, 403}, "HTTP 401 or 403")

        if new_secret is not None:
            self.expect_success(
                "login_with_new_secret",
                self.login("login_with_new_secret", user_id, new_secret),
                portal,
                portal_expected,
            )
        else:
            self.report("login_with_new_secret", False, "a new secret from reset", "none")

        self.expect_success(
            "delete_user",
            self.delete("delete_user", user_id),
            lambda b: b.get("status") == "deleted" and b.get("userId", user_id) == user_id,
            'HTTP 200 with status "deleted"',
        )
        # Deletion is asynchronous: the user lingers, then is gone.
        users = self.listed("deleted_user_lingers")
        if users is not None:
            self.report("deleted_user_lingers", user_id in users, "%r still in the list" % user_id, short(users))
        self.wait_until_gone("deleted_user_gone", user_id)

    def wait_until_gone(self, name, user_id, timeout_s=20.0):
        deadline = time.monotonic() + timeout_s
        users = None
        while time.monotonic() < deadline:
            users = self.listed(name)
            if users is None:
                return
            if user_id not in users:
                return self.report(name, True, "", "")
            time.sleep(0.25)
        self.report(name, False, "%r gone within %.0f s" % (user_id, timeout_s), short(users))

    def portal_connect(self, redirect_uri, broker):
        """What the portal page does when a brokerage is clicked: POST its token.

        Returns (HTTP status, message) where the message is what the page posts
        to the embedding window."""
        base, _, query = redirect_uri.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        url = base.rsplit("/", 1)[0] + "/portal/connect"
        body = json.dumps({"token": params.get("token", ""), "broker": broker}).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def connection_portal(self, user_id):
        """Log in, connect ALPACA through the portal, list the connection with the SDK."""
        registered = self.register("portal_register", user_id)
        secret = self.secret_of(registered)
        if secret is None:
            self.report("portal_register", False, "a registered user", registered and registered.describe())
            return
        login = self.login("portal_login", user_id, secret, connection_type="trade")
        if login is None or not login.ok:
            self.report("portal_login", False, "HTTP 200 with a redirectURI", login and login.describe())
            return
        link = login.body.get("redirectURI", "")
        self.report(
            "portal_link_points_at_the_sandbox",
            link.startswith(self.base_url + "/snapTrade/redeemToken?token="),
            "a link under %s" % self.base_url,
            link.split("token=")[0],
        )
        status, message = self.portal_connect(link, "SANDBOX_FAIL")
        self.report(
            "portal_failing_broker",
            status == 401 and message.get("status") == "ERROR" and message.get("statusCode") == 401,
            'HTTP 401 and {"status": "ERROR", "statusCode": 401, ...}',
            "%s %s" % (status, short(message)),
        )
        status, message = self.portal_connect(link, "ALPACA")
        authorization_id = message.get("authorizationId") if isinstance(message, dict) else None
        self.report(
            "portal_connect",
            status == 200 and message.get("status") == "SUCCESS" and isinstance(authorization_id, str),
            'HTTP 200 and {"status": "SUCCESS", "authorizationId": ...}',
            "%s %s" % (status, short(message)),
        )
        listed = self.call(
            "list_brokerage_authorizations",
            lambda: self.sdk.connections.list_brokerage_authorizations(user_id=user_id, user_secret=secret),
        )
        self.expect_success(
            "list_brokerage_authorizations",
            listed,
            lambda b: (
                isinstance(b, list) and len(b) == 1 and b[0].get("id") == authorization_id
                and b[0].get("type") == "trade" and b[0].get("disabled") is False
                and b[0].get("brokerage", {}).get("slug") == "ALPACA"
            ),
            "HTTP 200 with the one ALPACA connection %r" % authorization_id,
        )
        self.expect_error(
            "list_brokerage_authorizations_wrong_secret",
            self.call(
                "list_brokerage_authorizations_wrong_secret",
                lambda: self.sdk.connections.list_brokerage_authorizations(user_id=user_id, user_secret="wrong"),
            ),
            {401, 403},
            "HTTP 401 or 403",
        )
        self.cleanup(user_id)

    def duplicate_registration(self, user_id):
        first = self.register("register_duplicate_rejected", user_id)
        if first is None:
            return
        if not first.ok:
            self.report("register_duplicate_rejected", False, "the first registration to succeed", first.describe())
            return
        second = self.register("register_duplicate_rejected", user_id)
        self.expect_error("register_duplicate_rejected", second, {400}, "HTTP 400")
        self.cleanup(user_id)

    def unknown_user_delete(self, user_id):
        self.expect_error("delete_unknown_user", self.delete("delete_unknown_user", user_id), {404}, "HTTP 404")

    def escaped_user(self, label, user_id):
        registered = self.register("%s_user_register" % label, user_id)
        self.expect_success(
            "%s_user_register" % label,
            registered,
            lambda b: b.get("userId") == user_id and isinstance(b.get("userSecret"), str) and b["userSecret"] != "",
            "HTTP 200 with userId %r and a userSecret" % user_id,
        )
        secret = self.secret_of(registered)
        if secret is None:
            return
        self.expect_success(
            "%s_user_login" % label,
            self.login("%s_user_login" % label, user_id, secret, dark_mode=False),
            lambda b: isinstance(b.get("redirectURI"), str) and isinstance(b.get("sessionId"), str),
            "HTTP 200 with redirectURI and sessionId",
        )
        users = self.listed("%s_user_listed" % label)
        if users is not None:
            self.report("%s_user_listed" % label, user_id in users, "%r in the list" % user_id, short(users))
        self.expect_success(
            "%s_user_delete" % label,
            self.delete("%s_user_delete" % label, user_id),
            lambda b: b.get("status") == "deleted" and b.get("userId", user_id) == user_id,
            'HTTP 200 with status "deleted"',
        )

    def wrong_consumer_key(self, user_id):
        wrong = self.client(self.consumer_key + "-wrong")
        expected = "HTTP 401 with default_code %d and default_detail %r" % (SIGNATURE_ERROR_CODE, SIGNATURE_ERROR_DETAIL)
        for name, outcome in (
            ("wrong_consumer_key_list_users", self.list_users("wrong_consumer_key_list_users", sdk=wrong)),
            ("wrong_consumer_key_register", self.register("wrong_consumer_key_register", user_id, sdk=wrong)),
        ):
            if outcome is None:
                continue
            body = outcome.body
            good = (
                not outcome.ok
                and outcome.status == 401
                and isinstance(body, dict)
                and body.get("default_code") == SIGNATURE_ERROR_CODE
                and not isinstance(body.get("default_code"), bool)
                and body.get("default_detail") == SIGNATURE_ERROR_DETAIL
            )
            self.report(name, good, expected, outcome.describe())
        # The failed registration must not have created the user.
        users = self.listed("wrong_consumer_key_created_nothing")
        if users is not None:
            self.report(
                "wrong_consumer_key_created_nothing", user_id not in users, "%r not in the list" % user_id, short(users)
            )
            if user_id in users:
                self.cleanup(user_id)

    def cleanup(self, user_id):
        outcome = self.delete("cleanup", user_id)
        if outcome is not None and not outcome.ok:
            self.note("cleanup of %r failed: %s" % (user_id, outcome.describe()))


def is_error_body(body):
    return isinstance(body, dict) and (
        ("default_code" in body and "default_detail" in body) or ("detail" in body and "code" in body)
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="scheme://host:port of the server, no path")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--consumer-key", required=True)
    args = parser.parse_args(argv)
    parts = urlsplit(args.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        parser.error("--base-url must look like http://127.0.0.1:PORT")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        # The SDK signs only the operation path, never a path in its host, so a
        # prefix would make every signed request fail verification.
        parser.error("--base-url must not carry a path: the SDK does not sign the host's path")
    args.base_url = "%s://%s" % (parts.scheme, parts.netloc)
    return args


def main(argv=None):
    # User ids with non-ASCII characters end up in FAIL lines: never let a
    # non-UTF-8 console turn a report into an encoding crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    walkthrough = None
    try:
        walkthrough = Walkthrough(args.base_url, args.client_id, args.consumer_key)
        walkthrough.run()
    except Exception:  # noqa: BLE001 - any escape is a failed run
        traceback.print_exc()
        passed = walkthrough.passed if walkthrough else 0
        failed = (walkthrough.failed if walkthrough else 0) + 1
        print("FAIL walkthrough: expected to finish, got an unexpected exception (traceback above)")
        print("%d passed, %d failed" % (passed, failed))
        return 1
    print("%d passed, %d failed" % (walkthrough.passed, walkthrough.failed))
    return 1 if walkthrough.failed or walkthrough.unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
