"""`python -m services.audit tools verify|export|verify-bundle|public-key|rotate-key`: the auditor's command line.

- verify: stream the whole log in chain order and check every link and signed checkpoint; prints one
  line per fault (naming the chain, sequence and event), exits 1 when any is found.
- export CASE_ID: sign every chain's current head, then write the case's signed bundle (JSON).
- verify-bundle FILE: check a bundle with the public key alone, no database.
- public-key: print the PEM public key an outside auditor verifies with.
- rotate-key: retire the signing key (its public key kept for verifying what it signed) and make a new one;
  restart audit to sign with it.
The database and key come from the service's settings (BANCHENG_AUDIT_*).
"""

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared import db
from services.audit.config import AuditSettings, get_settings
from services.audit.domain.case_bundle import BundleError, ProofRun, build_case_bundle, verify_case_bundle
from services.audit.domain.signing import keyring, load_public_key_pem, public_key_to_pem
from services.audit.store import audit_log
from services.audit.store.keys import load_signing_key, rotate_signing_key, verifying_keys
from services.audit.store.verification import verify_database


def _public_keys(settings: AuditSettings, paths: list[Path] | None) -> dict[str, Ed25519PublicKey]:
    """The keys given, or the signing key's and every retired one's."""
    return keyring(*(load_public_key_pem(path.read_bytes()) for path in paths)) if paths else verifying_keys(settings)


async def export_case(settings: AuditSettings, case_id: str) -> dict[str, object]:
    """Raises BundleError when the case has no entries or its stored chain is broken."""
    private_key = load_signing_key(settings)
    engine = db.create_engine(settings.database_url)
    try:
        sessions = db.session_factory(engine)
        async with sessions() as session, session.begin():
            await audit_log.sign_heads(session, private_key=private_key, now=datetime.now(UTC))
        async with sessions() as session:
            runs = await audit_log.case_runs(session, case_id=case_id)
        if not runs:
            raise BundleError(f"no log entries for case {case_id}")
        proofs = [ProofRun(entries=entries, checkpoint=audit_log.signed_checkpoint(cp)) for entries, cp in runs if cp]
        return build_case_bundle(case_id=case_id, runs=proofs, private_key=private_key, exported_at=datetime.now(UTC))
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.audit tools", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check every entry and signed checkpoint of the log")
    verify.add_argument("--public-key", type=Path, action="append",
                        help="PEM public key, repeatable (default: the signing key's and the retired keys')")
    export = commands.add_parser("export", help="write one case's signed trail")
    export.add_argument("case_id")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    bundle = commands.add_parser("verify-bundle", help="check an exported bundle with the public key only")
    bundle.add_argument("file", type=Path)
    bundle.add_argument("--public-key", type=Path, action="append", required=True)
    commands.add_parser("public-key", help="print the PEM public key auditors verify with")
    commands.add_parser("rotate-key", help="retire the signing key and make a new one (then restart audit)")
    args = parser.parse_args(argv)

    try:
        settings = get_settings()
        if args.command == "verify":
            report = asyncio.run(verify_database(settings.database_url, _public_keys(settings, args.public_key)))
            for fault in report.faults:
                print(fault)
            hidden = report.fault_count - len(report.faults)
            print(f"{report.entries_checked} entries checked, {report.fault_count} faults"
                  + (f" ({hidden} not shown)" if hidden else ""))
            sys.exit(1 if report.fault_count else 0)
        if args.command == "export":
            document = orjson.dumps(asyncio.run(export_case(settings, args.case_id)), option=orjson.OPT_INDENT_2)
            args.out.write_bytes(document) if args.out else sys.stdout.buffer.write(document + b"\n")
        elif args.command == "verify-bundle":
            checked = verify_case_bundle(orjson.loads(args.file.read_bytes()),
                                         public_key=_public_keys(settings, args.public_key))
            for problem in checked.problems:
                print(problem)
            print(f"{len(checked.entries)} entries proven, {len(checked.problems)} problems")
            sys.exit(1 if checked.problems else 0)
        elif args.command == "rotate-key":
            old_id, new_id = rotate_signing_key(settings)
            print(f"retired key {old_id} (public key kept in {settings.retired_keys_dir}); "
                  f"new key {new_id}: restart audit")
        else:
            sys.stdout.write(public_key_to_pem(load_signing_key(settings).public_key()).decode())
    except (ValueError, OSError) as error:  # bad settings, key, file or case: one clear line
        sys.exit("error: " + " ".join(str(error).split()))
