"""Token verification against a real issuer over HTTP: what is accepted, what is refused, and key rotation."""

import base64
import hashlib
import hmac
import time

import orjson
import pytest
from joserfc.jwk import RSAKey

from shared.auth.keys import KeysUnavailable
from shared.auth.settings import AuthSettings
from shared.auth.tokens import InvalidToken, TokenVerifier
from tests.issuer import TokenIssuer


@pytest.fixture
def verifier(issuer: TokenIssuer) -> TokenVerifier:
    return TokenVerifier(AuthSettings(issuer=issuer.url, refetch_interval_s=0.2))


async def test_a_token_of_the_issuer_names_its_principal(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.token("dept_handler", sub="u-42", name="李娜", department="market")
    principal = await verifier.verify(token)
    assert (principal.subject, principal.name, principal.kind) == ("u-42", "李娜", "person")
    assert principal.roles == {"dept_handler"} and principal.department == "market" and principal.district == "demo"
    assert principal.actor == "person:u-42"
    assert orjson.loads(principal.actor_detail) == {"name": "李娜", "roles": ["dept_handler"], "district": "demo",
                                                    "department": "market"}


async def test_a_system_token_names_a_system(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    principal = await verifier.verify(issuer.token("dept_system", sub="market-erp", department="market"))
    assert principal.kind == "system" and principal.actor == "system:market-erp"


async def test_unknown_roles_are_dropped(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    principal = await verifier.verify(issuer.token("supervisor", "root"))
    assert principal.roles == {"supervisor"}


def _forge(claims: dict, header: dict, signature: bytes = b"") -> str:
    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    return f"{part(orjson.dumps(header))}.{part(orjson.dumps(claims))}.{part(signature)}"


def _claims(issuer: TokenIssuer, **overrides: object) -> dict:
    now = int(time.time())
    return {"iss": issuer.url, "aud": "bancheng", "sub": "u-1", "exp": now + 600, "iat": now, "roles": ["auditor"],
            **overrides}


@pytest.mark.parametrize("case", ["expired", "not_yet_valid", "wrong_audience", "other_issuer_name", "no_exp"])
async def test_a_token_outside_its_claims_is_refused(issuer: TokenIssuer, verifier: TokenVerifier, case: str) -> None:
    now = int(time.time())
    claims = {"expired": _claims(issuer, exp=now - 120, iat=now - 3600),
              "not_yet_valid": _claims(issuer, nbf=now + 600),
              "wrong_audience": _claims(issuer, aud="someone-else"),
              "other_issuer_name": _claims(issuer, iss="http://evil.example"),
              "no_exp": {k: v for k, v in _claims(issuer).items() if k != "exp"}}[case]
    with pytest.raises(InvalidToken):
        await verifier.verify(issuer.sign(claims))


async def test_expiry_within_the_leeway_is_tolerated(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    now = int(time.time())
    assert await verifier.verify(issuer.sign(_claims(issuer, exp=now - 5)))


async def test_alg_none_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    with pytest.raises(InvalidToken, match="alg"):
        await verifier.verify(_forge(_claims(issuer), {"alg": "none", "kid": issuer.key.kid}))


async def test_hs256_signed_with_the_public_key_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    header = {"alg": "HS256", "kid": issuer.key.kid}
    unsigned = _forge(_claims(issuer), header).rsplit(".", 1)[0]
    mac = hmac.new(issuer.key.as_pem(private=False), unsigned.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken, match="alg"):
        await verifier.verify(_forge(_claims(issuer), header, mac))


async def test_a_tampered_token_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    header, _body, signature = issuer.token("auditor").split(".")
    raised = base64.urlsafe_b64encode(orjson.dumps(_claims(issuer, roles=["audit_admin"]))).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        await verifier.verify(f"{header}.{raised}.{signature}")


async def test_a_token_signed_by_a_key_the_issuer_never_published_is_refused(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": issuer.key.kid})  # claims the issuer's kid
    with pytest.raises(InvalidToken):
        await verifier.verify(issuer.sign(_claims(issuer), key=impostor))
    unpublished = RSAKey.generate_key(2048, parameters={"kid": "unpublished"})
    with pytest.raises(InvalidToken, match="no key"):
        await verifier.verify(issuer.sign(_claims(issuer), key=unpublished))


async def test_a_rotated_key_is_fetched_on_first_sight(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    await verifier.verify(issuer.token("auditor"))
    issuer.rotate()
    time.sleep(0.25)  # past the refetch interval of this verifier: a fetch is allowed again
    principal = await verifier.verify(issuer.token("auditor"))
    assert principal.roles == {"auditor"}


async def test_unknown_kids_refetch_at_most_once_an_interval(issuer: TokenIssuer) -> None:
    verifier = TokenVerifier(AuthSettings(issuer=issuer.url, refetch_interval_s=60))
    await verifier.verify(issuer.token("auditor"))
    issuer.rotate()
    with pytest.raises(InvalidToken, match="no key"):
        await verifier.verify(issuer.token("auditor"))  # the key set was read a moment ago: not again


async def test_an_unreachable_issuer_is_not_an_invalid_token() -> None:
    verifier = TokenVerifier(AuthSettings(issuer="http://127.0.0.1:9", http_timeout_s=0.5))
    with pytest.raises(KeysUnavailable):
        await verifier.verify(TokenIssuer().token("auditor"))
