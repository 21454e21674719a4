"""The answers of Open311 GeoReport v2 in its two formats: JSON, and XML as the specification shows it
(a root element, one element per item, one child per field; booleans `true`/`false`, a null empty).
Errors are the specification's list: `[{"code": 400, "description": "..."}]`, `<errors><error>...`."""

from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from fastapi import Response
from fastapi.responses import JSONResponse

FORMATS = ("json", "xml")
# Which element holds each item of a list, by the list's element name.
_ITEM_TAGS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
              "values": "value"}


class Open311Error(Exception):
    """An answer in the specification's error shape; the description names the field, in English and Chinese."""

    def __init__(self, status_code: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status_code = status_code
        self.descriptions = descriptions


def response_format(value: str) -> str:
    if value not in FORMATS:
        raise Open311Error(400, f"response format {value!r} is not served; use json or xml (格式仅支持 json 或 xml)")
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            _append(element, _ITEM_TAGS[tag], item)
    else:
        element.text = _text(value)


def to_xml(root: str, body: Mapping[str, Any] | Sequence[Any]) -> bytes:
    """`body` (a list of items, or one mapping) under the element `root`, with the XML declaration."""
    element = ElementTree.Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            _append(element, key, value)
    else:
        for item in body:
            _append(element, _ITEM_TAGS[root], item)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def answer(fmt: str, root: str, body: Mapping[str, Any] | Sequence[Any], status_code: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, body), status_code=status_code, media_type="text/xml; charset=utf-8")
    return JSONResponse(body, status_code=status_code)


def error_answer(fmt: str, error: Open311Error) -> Response:
    body = [{"code": error.status_code, "description": description} for description in error.descriptions]
    return answer(fmt if fmt in FORMATS else "json", "errors", body, status_code=error.status_code)
