"""`make run-sso`: the demo with single sign-on. Starts the test identity provider
(tests/oidc/provider.mjs) with the demo users' HSA-ids, then the development server configured
against it, so "Logga in med e-tjänstekort" can be tried without a region's provider.

    python -m tests.oidc.demo [PORT]
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.oidc import LOA2, LOA3, IdentityProvider


def demo_accounts() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from accounts.demo import DEMO_USERS, demo_hsa_id

    accounts = {}
    for demo in DEMO_USERS:
        hsa_id = demo_hsa_id(demo)
        if hsa_id:
            accounts[demo.username] = {
                "acr": LOA3,
                "claims": {
                    "hsa_id": hsa_id,
                    "given_name": demo.first_name,
                    "family_name": demo.last_name,
                    "name": f"{demo.first_name} {demo.last_name}",
                },
            }
    # The same person with a weaker login (a password at the provider), and an HSA-id that has
    # no account: both are turned away from patient data, with the reason.
    accounts["kerstin-losenord"] = {**accounts["kerstin"], "acr": LOA2}
    accounts["okand"] = {
        "acr": LOA3,
        "claims": {"hsa_id": "SE2321000131-P9999", "given_name": "Okänd", "family_name": "Person"},
    }
    return accounts


def main(argv: list[str]) -> int:
    port = argv[0] if argv else "8000"
    accounts = demo_accounts()
    provider = IdentityProvider(f"http://127.0.0.1:{port}", accounts=accounts, echo=True)
    env = dict(os.environ)
    for name, value in provider.settings().items():
        if name == "OIDC_ENABLED":
            continue
        env[name] = ",".join(value) if isinstance(value, list) else str(value)
    print(
        f"\nIdentity provider for the demo: {provider.issuer}\n"
        f"Open http://127.0.0.1:{port}/ and press 'Logga in med e-tjänstekort'; at the provider, "
        f"type a test id: {', '.join(accounts)}.\n"
        "kerstin-losenord logs in with a weaker level (no patient data); okand has no account.\n",
        flush=True,
    )
    try:
        return subprocess.call(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"], env=env
        )
    except KeyboardInterrupt:
        return 0
    finally:
        provider.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
