"""schemathesis over each service's OpenAPI document: generated requests, valid and invalid, never
answer 5xx, and every answer conforms to the document (status, content type, schema)."""

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from shared.dev.stack import SERVICES, Stack

# Valid and invalid requests alike: the five services take about two minutes on 2 busy cores.
EXAMPLES_PER_OPERATION = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_generated_requests_never_fail_the_server_and_conform_to_the_document(
    stack: Stack, service: str, auth_headers: dict[str, str]
) -> None:
    base_url = stack.url(service)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    examples = 0
    covered: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        covered.append(operation.label)
        seen: set[str] = set()

        @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                             suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.explicit,
                                                                              hypothesis.Phase.generate])
        @hypothesis.given(case=hypothesis.strategies.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)))
        # run() is called once, below, in this same iteration: the loop variables it reads are this operation's.
        def run(case: schemathesis.Case) -> None:
            nonlocal examples
            examples += 1
            response = case.call(base_url=base_url, headers=auth_headers, timeout=30)
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as error:  # noqa: BLE001 - every failure is collected, then reported together
                message = f"{operation.label}: {type(error).__name__}: {str(error)[:600]}"  # noqa: B023 - see run()
                if message not in seen:  # noqa: B023 - see run()
                    seen.add(message)  # noqa: B023 - see run()
                    failures.append(message)

        run()
    print(f"\n{service}: {examples} examples over {len(covered)} operations: {', '.join(covered)}")
    assert not failures, "\n\n".join(failures)
