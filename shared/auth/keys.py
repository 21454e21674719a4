"""The issuer's signing keys: read over HTTP (discovery document → JWKS), cached by `kid`, refetched when
a token names a key not seen yet (rotation), at most once every few seconds so a flood of forged `kid`s
cannot turn into a flood of requests to the issuer."""

import asyncio
import time

from joserfc.jwk import RSAKey

from shared.auth.settings import AuthSettings


class KeysUnavailable(ConnectionError):
    """The issuer's key set could not be read: no token can be verified until it can. A ConnectionError, so a
    consumer retries the record (shared/consuming.py) rather than dead-letter a command that may be valid."""


class UnknownKey(Exception):
    """No key of the issuer has this `kid`, even after a refetch."""


class IssuerKeys:
    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks_url = settings.jwks_url
        self._keys: dict[str, RSAKey] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> RSAKey:
        """The verified key object for `kid`: from the cache, or after one refetch if it is due."""
        key = self._keys.get(kid)
        if key is not None and not self._stale():
            return key
        async with self._lock:
            key = self._keys.get(kid)
            if key is not None and not self._stale():
                return key
            if self._fetched_at is None or self._stale() or self._refetch_allowed():
                try:
                    await self._fetch()
                except KeysUnavailable:
                    if key is None:
                        raise  # a known key stays trusted while the issuer is briefly unreachable
        key = self._keys.get(kid, key)
        if key is None:
            raise UnknownKey(kid)
        return key

    def _stale(self) -> bool:
        return self._fetched_at is not None and time.monotonic() - self._fetched_at > self._settings.keys_max_age_s

    def _refetch_allowed(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= self._settings.refetch_interval_s

    async def _fetch(self) -> None:
        import httpx  # here, not at import: with its command-line tool's imports it slowed every service's start

        self._fetched_at = time.monotonic()  # a failed fetch also waits out the interval
        try:
            async with httpx.AsyncClient(timeout=self._settings.http_timeout_s) as client:
                if self._jwks_url is None:
                    discovery = await client.get(
                        f"{self._settings.issuer.rstrip('/')}/.well-known/openid-configuration"
                    )
                    discovery.raise_for_status()
                    self._jwks_url = discovery.json()["jwks_uri"]
                response = await client.get(self._jwks_url)
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError, KeyError) as error:
            raise KeysUnavailable(f"cannot read the issuer's keys: {type(error).__name__}: {error}") from error
        self._keys = {
            entry["kid"]: RSAKey.import_key(entry)
            for entry in document.get("keys", [])
            if entry.get("kty") == "RSA" and entry.get("use", "sig") == "sig" and entry.get("kid")
        }
