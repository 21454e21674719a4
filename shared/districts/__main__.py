"""``python -m shared.districts validate [PATH...]`` and ``list``.

``validate`` takes pack folders, or folders of packs (default: the packs every service reads); it prints
one line per problem and exits 1, or prints what it checked and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .loader import PackInvalid, load_pack, load_packs, packs_dir


def _is_pack(folder: Path) -> bool:
    return (folder / "district.yaml").is_file()


def validate(paths: list[Path]) -> int:
    problems: list[str] = []
    checked: list[str] = []
    for path in paths or [packs_dir()]:
        if not path.is_dir():
            problems.append(f"{path}: not a folder")
            continue
        try:
            if _is_pack(path):
                checked.append(load_pack(path).code)
            else:
                checked.extend(load_packs(path))
        except PackInvalid as invalid:
            problems.extend(invalid.problems)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"ok: {', '.join(checked)}")
    return 0


def list_packs(root: Path | None) -> int:
    try:
        packs = load_packs(root)
    except PackInvalid as invalid:
        for line in invalid.problems:
            print(line, file=sys.stderr)
        return 1
    for pack in packs.values():
        halls = ",".join(h.code for h in pack.halls)
        print(f"{pack.code}\t{pack.name_zh}\t{pack.name_en}\thalls={halls}\tkinds={len(pack.problem_kinds)}"
              f"\tdepartments={len(pack.departments)}\tmatters={len(pack.matters)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.districts", description="District packs")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="validate packs (default: the packs every service reads)")
    check.add_argument("paths", nargs="*", type=Path, help="a pack folder or a folder of packs")
    listing = commands.add_parser("list", help="list the packs")
    listing.add_argument("root", nargs="?", type=Path)
    args = parser.parse_args(argv)
    if args.command == "validate":
        return validate(args.paths)
    return list_packs(args.root)


if __name__ == "__main__":
    sys.exit(main())
