"""A test issuer: OIDC discovery and a JWKS served over real HTTP on a free port, and RS256 tokens for any
role and org unit, signed with a key generated for the session. Services under test trust it through
`BANCHENG_AUTH_ISSUER`, exactly as they trust the identity service."""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from shared.dev.broker import free_port

AUDIENCE = "bancheng"


@dataclass
class TokenIssuer:
    port: int = field(default_factory=free_port)
    key: RSAKey = field(default_factory=lambda: _new_key("test-key-1"))
    retired: list[RSAKey] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {"BANCHENG_AUTH_ISSUER": self.url}

    def token(self, *roles: str, sub: str | None = None, name: str | None = None, district: str | None = "demo",
              hall: str | None = None, department: str | None = None, lifetime_s: int = 3600,
              **claims: Any) -> str:
        """An access token of `roles`, its org unit as given; extra `claims` override the defaults."""
        now = int(time.time())
        subject = sub or f"{'-'.join(roles) or 'nobody'}-{uuid.uuid4().hex[:6]}"
        body = {"iss": self.url, "aud": AUDIENCE, "sub": subject, "name": name or subject, "iat": now, "nbf": now,
                "exp": now + lifetime_s, "jti": uuid.uuid4().hex, "roles": list(roles), "azp": "test-suite",
                "district": district, "hall": hall, "department": department}
        body = {k: v for k, v in {**body, **claims}.items() if v is not None}
        return self.sign(body)

    def sign(self, claims: dict[str, Any], *, key: RSAKey | None = None, header: dict[str, Any] | None = None) -> str:
        key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid, **(header or {})}, claims, key)

    def headers(self, *roles: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*roles, **claims)}"}

    def rotate(self) -> RSAKey:
        """Sign with a new key from now on; the old one stays published (as an issuer rolls keys)."""
        self.retired.append(self.key)
        self.key = _new_key(f"test-key-{len(self.retired) + 1}")
        return self.key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**k.as_dict(private=False), "kid": k.kid, "use": "sig", "alg": "RS256"}
                         for k in (self.key, *self.retired)]}

    def start(self) -> "TokenIssuer":
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    self._json({"issuer": issuer.url, "jwks_uri": f"{issuer.url}/.well-known/jwks.json",
                                "id_token_signing_alg_values_supported": ["RS256"]})
                elif self.path == "/.well-known/jwks.json":
                    self._json(issuer.jwks())
                else:
                    self.send_error(404)

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name="test-issuer", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


_session: list[TokenIssuer] = []


def session_issuer() -> TokenIssuer:
    """The issuer the suite's session fixture started (tests/conftest.py), for helpers that mint tokens
    outside a fixture's reach (module-level clients, benchmarks run under pytest)."""
    if not _session:
        raise RuntimeError("no session issuer: the `issuer` fixture of tests/conftest.py starts it")
    return _session[-1]
