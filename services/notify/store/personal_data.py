"""The citizen's contact and the delivery requests as notify keeps them: sealed at rest.

The contact arrives sealed under the transport key (`bancheng.case.contacts`), is opened once and sealed
again under notify's current key, field by field (name, phone, e-mail), bound to its column and case. A
delivery's stored request (its envelope, with the address and the rendered message) is sealed whole,
bound to its delivery id. Both are opened only to plan and to send.
"""

from shared.personal_data import Keyring
from shared.personal_data.rotation import SealedTable

CONTACT_FIELDS = ("name", "phone", "email")


def contact_context(column: str, case_id: str) -> str:
    return f"notify.citizen_contact.{column}:{case_id}"


def request_context(column: str, delivery_id: str) -> str:
    return f"notify.delivery.{column}:{delivery_id}"


CONTACT_TABLE = SealedTable(table="citizencontact", key="case_id", columns=CONTACT_FIELDS, context=contact_context)
DELIVERY_TABLE = SealedTable(table="delivery", key="delivery_id", columns=("request",), context=request_context)
SEALED_TABLES = (CONTACT_TABLE, DELIVERY_TABLE)


def seal_request(keyring: Keyring, envelope_json: str, *, delivery_id: str) -> str:
    return keyring.seal(envelope_json, context=request_context("request", delivery_id))


def open_request(keyring: Keyring, sealed: str, *, delivery_id: str) -> str:
    return keyring.open(sealed, context=request_context("request", delivery_id))
