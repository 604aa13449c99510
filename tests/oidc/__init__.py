"""The test suite's identity provider: tests/oidc/provider.mjs (the npm package oidc-provider)
run by Node on a loopback port, with two clients (Återgång and another service) and test users
carrying HSA-ids and assurance levels. `sign_in` plays the user's browser at the provider."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from tests.waiting import HelperDidNotStart, OutputReader

ROOT = Path(__file__).resolve().parents[2]
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
CLIENT_ID = "atergang"
CLIENT_SECRET = "tests-only-client-secret"
OTHER_CLIENT_ID = "annan-tjanst"
OTHER_CLIENT_SECRET = "tests-only-other-secret"

# Test users at the provider. The app's accounts are made by each test, matched by HSA-id.
ACCOUNTS = {
    "anna": {
        "acr": LOA3,
        "claims": {
            "hsa_id": "SE2321000016-A001",
            "given_name": "Anna",
            "family_name": "Andersson",
            "name": "Anna Andersson",
            "title": "Distriktsläkare",
        },
    },
    "bertil": {
        "acr": LOA2,
        "claims": {
            "hsa_id": "SE2321000016-B002",
            "given_name": "Bertil",
            "family_name": "Berg",
            "name": "Bertil Berg",
            "title": "Sjuksköterska",
        },
    },
    "okand": {
        "acr": LOA3,
        "claims": {"hsa_id": "SE2321000016-X999", "given_name": "Olle", "family_name": "Okänd"},
    },
    "utan-hsa": {"acr": LOA3, "claims": {"given_name": "Ulla", "family_name": "Utan"}},
}


class IdentityProvider:
    def __init__(self, app_base_url: str, *, accounts: dict | None = None, echo: bool = False):
        self.app_base_url = app_base_url.rstrip("/")
        self.callback = f"{self.app_base_url}/accounts/oidc/callback/"
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("Node.js is needed for the test identity provider (make test).")
        client = {
            "redirect_uris": [self.callback],
            "post_logout_redirect_uris": [f"{self.app_base_url}/accounts/login/"],
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }
        config = {
            "clients": [
                {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **client},
                {"client_id": OTHER_CLIENT_ID, "client_secret": OTHER_CLIENT_SECRET, **client},
            ],
            "accounts": ACCOUNTS if accounts is None else accounts,
            "acrValues": [LOA2, LOA3],
        }
        self.process = subprocess.Popen(
            [node, str(ROOT / "tests" / "oidc" / "provider.mjs")],
            cwd=ROOT,
            env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config), "NODE_ENV": "test"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Reads everything the provider prints, so a full pipe never blocks it.
        self.output = OutputReader(
            self.process.stdout, echo="identitetsleverantör" if echo else None
        )
        try:
            ready = self.output.wait_for(
                r"^ready (\d+)$", process=self.process, what="The test identity provider"
            )
        except HelperDidNotStart:
            self.stop()
            raise
        self.port = int(ready.group(1))
        self.issuer = f"http://localhost:{self.port}"
        self.discovery_url = f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def settings(self, **overrides) -> dict:
        """The app's settings for this provider."""
        values = {
            "OIDC_ENABLED": True,
            "OIDC_DISCOVERY_URL": self.discovery_url,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": "openid profile hsa",
            "OIDC_ACR_LEVELS": [LOA2, LOA3],
            "OIDC_PATIENT_DATA_ACR": LOA3,
            # Asked for, the provider puts the login's acr in the id token.
            "OIDC_REQUEST_ACR_VALUES": f"{LOA3} {LOA2}",
        }
        values.update(overrides)
        return values

    def browser(self) -> requests.Session:
        """A user's browser at the provider: it keeps the provider's cookies (its session)."""
        return requests.Session()

    def sign_in(self, authorize_url: str, login: str | None, browser=None) -> str:
        """Follows the authorization request at the provider, logging in as `login` when asked
        (None: expect no login prompt, an existing session), and returns the address the
        provider sends the browser back to (the app's callback with code and state)."""
        browser = browser or self.browser()
        url = authorize_url
        for _ in range(10):
            if url.startswith(self.app_base_url):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status_code == 200 and "/interaction/" in url:
                if login is None:
                    raise AssertionError("The provider asked the user to log in again.")
                action = re.search(r'action="([^"]+)"', response.text).group(1)
                response = browser.post(
                    urljoin(url, action), data={"login": login}, allow_redirects=False, timeout=10
                )
                url = urljoin(url, response.headers["Location"])
                continue
            raise AssertionError(f"Unexpected answer from the provider: {response.status_code}")
        raise AssertionError("Too many redirects at the provider.")

    def end_session(self, end_session_url: str, browser) -> str:
        """Confirms the logout at the provider; returns where it sends the browser back."""
        response = browser.get(end_session_url, allow_redirects=False, timeout=10)
        action = re.search(r'action="([^"]+)"', response.text).group(1)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', response.text))
        fields["logout"] = "yes"
        response = browser.post(
            urljoin(end_session_url, action), data=fields, allow_redirects=False, timeout=10
        )
        return urljoin(end_session_url, response.headers["Location"])

    def token_for_other_client(self, browser=None) -> dict:
        """A real id token the provider issued to the other client, for the same user."""
        import base64
        import hashlib
        import secrets
        from urllib.parse import parse_qs, urlencode

        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        nonce = secrets.token_urlsafe(16)
        query = urlencode(
            {
                "client_id": OTHER_CLIENT_ID,
                "response_type": "code",
                "scope": "openid profile hsa",
                "redirect_uri": self.callback,
                "state": "x" * 20,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        back = self.sign_in(f"{self.issuer}/auth?{query}", "anna", browser)
        code = parse_qs(urlsplit(back).query)["code"][0]
        response = requests.post(
            f"{self.issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.callback,
                "code_verifier": verifier,
            },
            auth=(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET),
            timeout=10,
        )
        response.raise_for_status()
        return {**response.json(), "nonce": nonce}
