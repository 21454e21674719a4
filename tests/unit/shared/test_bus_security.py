"""The bus credentials: none on the dev broker, SCRAM-SHA-512 for Apache Kafka, the same for every client."""

import pytest
from faststream.kafka.security import parse_security
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from shared.bus import broker_security, client_security, create_broker, create_producer
from shared.settings import KafkaSettings


def test_plaintext_by_default_adds_no_credentials() -> None:
    settings = KafkaSettings()
    assert settings.security_protocol == "PLAINTEXT"
    assert client_security(settings) == {}
    assert broker_security(settings) is None


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_scram_user_reaches_the_clients_and_the_broker_alike(protocol: str) -> None:
    settings = KafkaSettings(
        security_protocol=protocol, sasl_mechanism="SCRAM-SHA-512", sasl_username="intake", sasl_password="s3cret"
    )
    clients = client_security(settings)
    assert clients["security_protocol"] == protocol
    assert (clients["sasl_mechanism"], clients["sasl_plain_username"], clients["sasl_plain_password"]) == (
        "SCRAM-SHA-512", "intake", "s3cret",
    )
    assert (clients.pop("ssl_context") is not None) == (protocol == "SASL_SSL")
    broker = parse_security(broker_security(settings))
    assert (broker.pop("ssl_context") is not None) == (protocol == "SASL_SSL")
    assert broker == clients


def test_password_stays_out_of_the_settings_repr() -> None:
    settings = KafkaSettings(
        security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512", sasl_username="intake",
        sasl_password="s3cret",
    )
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"security_protocol": "SASL_PLAINTEXT"}, "sasl_mechanism"),
        ({"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "x"},
         "sasl_password"),
        ({"sasl_mechanism": "SCRAM-SHA-512"}, "security_protocol"),
    ],
)
def test_incomplete_credentials_are_refused_naming_what_is_missing(fields: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        KafkaSettings(**fields)


SCRAM = {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "intake",
         "sasl_password": "s3cret"}


def test_the_consumers_faststream_builds_log_in_as_the_service_user() -> None:
    broker = create_broker(KafkaSettings(**SCRAM), service="intake", registry=CollectorRegistry())
    consumer_options = broker.config.broker_config.builder.keywords
    assert (consumer_options["security_protocol"], consumer_options["sasl_mechanism"]) == (
        "SASL_PLAINTEXT", "SCRAM-SHA-512",
    )
    assert (consumer_options["sasl_plain_username"], consumer_options["sasl_plain_password"]) == ("intake", "s3cret")


async def test_the_outbox_producer_logs_in_as_the_service_user() -> None:
    producer = create_producer(KafkaSettings(**SCRAM), service="intake")
    try:
        client = producer.client
        assert (client._security_protocol, client._sasl_mechanism) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
        assert (client._sasl_plain_username, client._sasl_plain_password) == ("intake", "s3cret")
    finally:
        await producer.stop()
