"""The bus's access-control lists, generated from the topic ownership in `shared.topics`.

    python -m shared.kafka_acls shared/districts/packs/demo/catalogue.yaml > deploy/kafka/acls.txt

One ACL a line: `principal operation resource pattern name`, e.g.
`User:intake WRITE topic literal bancheng.case.events`; deploy/kafka/init.sh feeds each to kafka-acls.sh.
A service may write (and create) what it produces and its groups' dead letters, read what it consumes
in its own groups, and see (describe) the shared event streams its runtime checks at start; a
department's system reads its own feed and writes commands. Nothing else: the brokers refuse what no
ACL allows (`allow.everyone.if.no.acl.found=false`).
"""

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from shared import topics
from shared.topics import DEPARTMENT, DEPARTMENT_SYSTEM, SERVICE_PRINCIPALS, Principal


@dataclass(frozen=True, order=True)
class Acl:
    principal: str
    operation: str  # READ, WRITE, CREATE, DESCRIBE
    resource: str  # topic, group
    pattern: str  # literal, prefixed
    name: str

    def line(self) -> str:
        return f"User:{self.principal} {self.operation} {self.resource} {self.pattern} {self.name}"

    @classmethod
    def parse(cls, line: str) -> "Acl":
        principal, operation, resource, pattern, name = line.split()
        return cls(principal.removeprefix("User:"), operation, resource, pattern, name)


def acls(department_codes: Iterable[str]) -> list[Acl]:
    codes = sorted(set(department_codes))
    found: set[Acl] = set()
    for service, principal in SERVICE_PRINCIPALS.items():
        dead_letters = tuple(topics.dead_letter_topic(group) for group in principal.groups)
        found |= _grants(service, principal.produces + dead_letters, ("WRITE", "CREATE", "DESCRIBE"), codes)
        found |= _grants(service, principal.consumes + principal.follows, ("READ", "DESCRIBE"), codes)
        found |= _grants(service, principal.groups, ("READ", "DESCRIBE"), codes, resource="group")
        if principal.produces or principal.consumes:  # the runtime checks every event stream exists at start
            found |= _grants(service, topics.EVENT_STREAMS, ("DESCRIBE",), codes)
    for code in codes:
        name = topics.department_principal(code)
        own = Principal(**{field: _bind(getattr(DEPARTMENT_SYSTEM, field), code)
                           for field in ("produces", "consumes", "groups")})
        found |= _grants(name, own.produces, ("WRITE", "DESCRIBE"), codes)
        found |= _grants(name, own.consumes, ("READ", "DESCRIBE"), codes)
        found |= _grants(name, own.groups, ("READ", "DESCRIBE"), codes, resource="group")
    return sorted(found)


def _bind(names: tuple[str, ...], code: str) -> tuple[str, ...]:
    return tuple(name.replace(DEPARTMENT, code) for name in names)


def _grants(principal: str, names: Iterable[str], operations: Iterable[str], codes: list[str], *,
            resource: str = "topic") -> set[Acl]:
    """`{department}` stands for each department (one literal name each); any other placeholder for a
    family the principal owns whole (a prefix)."""
    grants = set()
    for name in names:
        expanded = [name.replace(DEPARTMENT, code) for code in codes] if DEPARTMENT in name else [name]
        for concrete in expanded:
            pattern = "prefixed" if "{" in concrete else "literal"
            concrete = concrete.partition("{")[0]
            grants |= {Acl(principal, operation, resource, pattern, concrete) for operation in operations}
    return grants


def department_codes(directory: Path) -> list[str]:
    """The department codes of a district pack's catalogue (shared/districts/packs/*/catalogue.yaml)."""
    return [entry["code"] for entry in yaml.safe_load(directory.read_text(encoding="utf-8"))["departments"]]


if __name__ == "__main__":
    codes = [code for path in sys.argv[1:] for code in department_codes(Path(path))]
    if not codes:
        sys.exit("usage: python -m shared.kafka_acls CATALOGUE_YAML...")
    for acl in acls(codes):
        print(acl.line())
