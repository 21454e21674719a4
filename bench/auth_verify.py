"""What authenticating a request costs: a bearer token verified as every service verifies it (RS256
signature, header and claims checks, the principal built), the issuer's key already cached, so no
network per request. Starts the suite's test issuer (discovery + JWKS over HTTP) on a free port.
Prints CPU time per verification; asserts nothing.

    .venv/bin/python bench/auth_verify.py [--count 5000]
"""

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.auth.settings import AuthSettings
from shared.auth.tokens import TokenVerifier
from tests.issuer import TokenIssuer


async def cpu_per_verification(verifier: TokenVerifier, token: str, count: int) -> float:
    """CPU seconds per verification of `token`, after one verification has fetched the issuer's keys."""
    await verifier.verify(token)
    start = time.process_time()
    for _ in range(count):
        await verifier.verify(token)
    return (time.process_time() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    issuer = TokenIssuer().start()
    try:
        verifier = TokenVerifier(AuthSettings(issuer=issuer.url))
        token = issuer.token("window_clerk", hall="FT", name="窗口 王敏")
        per = asyncio.run(cpu_per_verification(verifier, token, args.count))
        print(f"token verification: {per * 1000:.3f} ms CPU per request ({args.count} verifications, "
              f"RS256 2048-bit, {len(token)} byte token; target ≤ 0.3 ms)")
    finally:
        issuer.stop()


if __name__ == "__main__":
    main()
