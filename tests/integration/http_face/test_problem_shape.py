"""Every service refuses in one shape: RFC 9457 problem details, in Chinese and English."""

import httpx
import pytest

from shared.dev.stack import SERVICES, Stack

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "zh", "en"}
# A route of each service that takes a JSON body with a required string field.
BODY_ROUTE = {
    "intake": ("/status-lookup", {"case_number": "FT-20261121-0001"}, "phone_last4"),
    "routing": ("/work-orders/nowhere/reply", {}, "reply"),
    "sla": ("/supervision/nowhere/urge", {}, "text"),
    "notify": ("/templates/case_registered/preview?channel=fax", {}, "channel"),
    "audit": ("/cases?limit=0", None, "limit"),
}


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem.keys() >= PROBLEM_FIELDS, problem
    assert problem["status"] == status and problem["zh"] and problem["en"] and problem["detail"] == problem["en"]
    assert problem["zh"] != problem["en"]
    return problem


@pytest.mark.parametrize("service", SERVICES)
def test_an_unknown_route_is_a_404_problem(stack: Stack, service: str, auth_headers: dict[str, str]) -> None:
    response = httpx.get(f"{stack.url(service)}/no/such/route", headers=auth_headers)
    problem = assert_problem(response, 404)
    assert problem["instance"] == "/no/such/route"


@pytest.mark.parametrize("service", SERVICES)
def test_a_bad_field_is_a_422_problem_naming_it_in_both_languages(stack: Stack, service: str,
                                                                   auth_headers: dict[str, str]) -> None:
    path, body, field = BODY_ROUTE[service]
    url = f"{stack.url(service)}{path}"
    response = (
        httpx.get(url, headers=auth_headers) if body is None else httpx.post(url, json=body, headers=auth_headers)
    )
    problem = assert_problem(response, 422)
    named = [error for error in problem["errors"] if error["field"] == field]
    assert named and named[0]["zh"] and named[0]["en"], problem


@pytest.mark.parametrize("service", SERVICES)
def test_an_oversized_body_is_a_413_problem(stack: Stack, service: str, auth_headers: dict[str, str]) -> None:
    path = BODY_ROUTE[service][0] if BODY_ROUTE[service][1] is not None else "/cases"
    body = b'{"text": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    response = httpx.post(f"{stack.url(service)}{path}", content=body,
                          headers={**auth_headers, "content-type": "application/json"})
    assert_problem(response, 413)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("body, field", [
    (b'{"text": "\xff\xfe"}', "body"),
    (b"[" * 5000 + b"]" * 5000, "body"),
    (b'{"text": "a\\u0000b"}', "text"),
    (b'{"count": 123456789012345678901234567890}', "count"),
], ids=["invalid UTF-8", "deeply nested", "a control character", "a huge integer"])
def test_malformed_json_is_refused_naming_the_field(stack: Stack, service: str, body: bytes, field: str,
                                                     auth_headers: dict[str, str]) -> None:
    path = BODY_ROUTE[service][0] if BODY_ROUTE[service][1] is not None else "/cases"
    response = httpx.post(f"{stack.url(service)}{path}", content=body,
                          headers={**auth_headers, "content-type": "application/json"})
    problem = assert_problem(response, 422)
    assert [error["field"] for error in problem["errors"]] == [field]


@pytest.mark.parametrize("service", SERVICES)
def test_docs_load_only_local_assets(stack: Stack, service: str) -> None:  # no token: the docs are public
    import re

    for page in ("/docs", "/redoc"):
        html = httpx.get(f"{stack.url(service)}{page}").text
        assert not re.search(r"https?://", html), html
        assets = re.findall(r"""(?:src|href)=["']?(/[^"' >]+)""", html)
        assert any(a.endswith(".js") for a in assets), html
        for asset in assets:
            assert httpx.get(f"{stack.url(service)}{asset}").status_code == 200, asset
