"""The applicant's personal data as intake keeps it: sealed at rest, found by blind index, shown masked.

A case row holds each personal field (name, phone, e-mail, ID number, credit code, the enterprise's
agent) sealed under the keyring's current key, bound to its column and case (`context`); the blind
indexes of the phone, ID number, credit code and name for exact lookups; and `applicant_masked`, the
masked forms every response shows, so reading a case decrypts nothing. Only `reveal` opens the sealed fields.
"""

from collections.abc import Mapping
from typing import Any

from shared.masking import mask_email, mask_id_number, mask_name, mask_phone
from shared.personal_data import Keyring
from shared.personal_data.rotation import SealedTable

# The applicant's fields sealed on the case row (column applicant_<field>); `kind` and `id_type` are not personal.
SEALED_FIELDS = ("name", "phone", "email", "id_number", "credit_code", "contact_name")
# field → blind-index kind: what staff find a case by (POST /cases/search)
INDEXED_FIELDS = {"phone": "phone", "id_number": "id_number", "credit_code": "credit_code", "name": "name"}
APPLICANT_FIELDS = ("kind", "name", "phone", "email", "id_type", "id_number", "credit_code", "contact_name")

CASE_TABLE = SealedTable(
    table="case", key="id",
    columns=tuple(f"applicant_{name}" for name in SEALED_FIELDS),
    indexes={f"applicant_{name}_index": (f"applicant_{name}", kind) for name, kind in INDEXED_FIELDS.items()},
    context=lambda column, case_id: context(column, case_id),
)


def context(column: str, case_id: str) -> str:
    """What a sealed value is bound to: a value copied into another column or case does not open."""
    return f"intake.case.{column}:{case_id}"


def masked(applicant: Mapping[str, Any]) -> dict[str, Any]:
    """The applicant as responses show it (张*, 138****5678, 110***********1234, z***@example.com).
    An enterprise's registered name and credit code are public record and shown whole."""
    person = applicant["kind"] == "person"

    def optional(value, mask):
        return None if value is None else mask(value)

    return {
        "kind": applicant["kind"],
        "name": mask_name(applicant["name"]) if person else applicant["name"],
        "phone": mask_phone(applicant["phone"]),
        "email": optional(applicant["email"], mask_email),
        "id_type": applicant["id_type"],
        "id_number": optional(applicant["id_number"], mask_id_number),
        "credit_code": applicant["credit_code"],
        "contact_name": mask_name(applicant["contact_name"]) if applicant["contact_name"] else "",
    }


def sealed_columns(keyring: Keyring, *, case_id: str, applicant: Mapping[str, Any]) -> dict[str, Any]:
    """The case row's applicant columns for a plaintext applicant: sealed values, blind indexes, masked forms."""
    columns: dict[str, Any] = {"applicant_kind": applicant["kind"], "applicant_id_type": applicant["id_type"]}
    for name in SEALED_FIELDS:
        column = f"applicant_{name}"
        columns[column] = keyring.seal_optional(applicant[name], context=context(column, case_id))
    for name, kind in INDEXED_FIELDS.items():
        value = applicant[name]
        columns[f"applicant_{name}_index"] = None if value is None else keyring.blind_index(kind, value)
    columns["applicant_masked"] = masked(applicant)
    return columns


def opened(keyring: Keyring, case: Mapping[str, Any], fields: tuple[str, ...] = SEALED_FIELDS) -> dict[str, Any]:
    """The plaintext of `fields` of a stored case (a row's columns by name)."""
    return {name: keyring.open_optional(case[f"applicant_{name}"], context=context(f"applicant_{name}", case["id"]))
            for name in fields}
