"""Schemathesis hooks for test/api/schemathesis.test.ts (loaded through SCHEMATHESIS_HOOKS).

Two credentials the CLI's `-H` cannot give, each an auth provider for its own routes (Schemathesis then treats it as
the run's explicit credential: its `ignored_auth` check removes or spoils it and expects a 401):
- POST /webhooks/desktop-callback: the Standard Webhooks signature over the exact body bytes Schemathesis sends
  (CALLBACK_SIGNING_SECRET, `whsec_<base64 key>`).
- POST /agent-app/actions: an agent-app session (AGENT_APP_SESSION, minted by the test from an emulator user).
"""

import base64
import hashlib
import hmac
import os
import time
import uuid

import requests
import schemathesis

CALLBACK_PATH = "/webhooks/desktop-callback"


def _wire_body(case) -> bytes:
    """The body bytes as the requests transport will send them (serialised the same way, then prepared)."""
    kwargs = case.as_transport_kwargs(base_url="http://signing.invalid")
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        data=kwargs.get("data"),
        json=kwargs.get("json"),
        files=kwargs.get("files"),
    ).prepare()
    body = prepared.body or b""
    return body.encode("utf-8") if isinstance(body, str) else body


@schemathesis.auth(refresh_interval=None).apply_to(path=CALLBACK_PATH)
class StandardWebhooksSignature:
    def get(self, case, ctx):
        secret = os.environ["CALLBACK_SIGNING_SECRET"]  # required: without it every callback would be a 401
        return base64.b64decode(secret.removeprefix("whsec_"))

    def set(self, case, key, ctx):
        msg_id = f"msg_{uuid.uuid4().hex}"
        timestamp = str(int(time.time()))
        signed = f"{msg_id}.{timestamp}.".encode() + _wire_body(case)
        signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        case.headers = dict(case.headers or {})
        case.headers.update(
            {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": f"v1,{signature}"}
        )


@schemathesis.auth(refresh_interval=None).apply_to(path="/agent-app/actions")
class AgentAppSession:
    def get(self, case, ctx):
        return os.environ["AGENT_APP_SESSION"]

    def set(self, case, token, ctx):
        case.headers = dict(case.headers or {})
        case.headers["Authorization"] = f"Bearer {token}"
