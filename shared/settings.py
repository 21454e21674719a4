"""Settings every service shares: the bus, and the base a service's own settings extend.

Read through functions (never module-level instances) so tests and launchers can set the
environment first.
"""

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
Environment = Literal["development", "test", "production"]
DEV_SECRET = "dev-only-secret-change-me"


class KafkaSettings(BaseSettings):
    """How to reach the bus. Defaults suit the dev broker (Tansu); deploy/ sets production values."""

    model_config = SettingsConfigDict(env_prefix="BANCHENG_KAFKA_")

    bootstrap_servers: str = "127.0.0.1:9092"
    # Tansu rejects InitProducerId, so idempotence is off in dev and on for Apache Kafka.
    idempotence: bool = False
    acks: Literal["all", "1", "0"] = "all"
    partitions: int = 8
    replication_factor: int = 1
    # How long an idle consumer's fetch (on the broker) and poll (in the client) wait for records; records
    # that arrive end either wait at once. Every empty fetch costs CPU: a longer wait means fewer empty
    # fetches while idle, for a little more latency a hop (docs/performance.md).
    fetch_max_wait_ms: int = 100
    batch_timeout_ms: int = 100
    batch_max_records: int = 500
    # A consumer commits the offsets past its applied batches at most this often, not after each batch
    # (shared/offset_commits.py): a restart replays at most this long's batches, which change nothing.
    commit_interval_ms: int = 1000
    # A commit that has not gone through by then is given up (its offsets are carried by the next one):
    # the consume loop waits for it, and a stop too.
    commit_timeout_ms: int = 3000
    # Tansu holds a new group's join for half the session timeout, and a killed member is noticed only
    # when its session lapses: short here. Apache Kafka refuses less than 6 s by default (deploy/ sets 10 s).
    session_timeout_ms: int = 3000
    heartbeat_interval_ms: int = 500
    # Who this process is on the bus. The dev broker takes anyone (PLAINTEXT); Apache Kafka in deploy/
    # takes SCRAM-SHA-512 users, one per service, whose ACLs come from shared.topics.
    security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["", "SCRAM-SHA-512"] = ""
    sasl_username: str = ""
    sasl_password: SecretStr = SecretStr("")
    ssl_cafile: str = ""  # SASL_SSL: the CA that signed the brokers' certificates (the system's if empty)

    @model_validator(mode="after")
    def _credentials_with_sasl(self) -> "KafkaSettings":
        sasl = self.security_protocol.startswith("SASL_")
        if sasl and not (self.sasl_mechanism and self.sasl_username and self.sasl_password.get_secret_value()):
            raise ValueError(f"security_protocol {self.security_protocol} needs sasl_mechanism, sasl_username "
                             "and sasl_password")
        if not sasl and self.sasl_mechanism:
            raise ValueError(f"sasl_mechanism {self.sasl_mechanism} needs a SASL_* security_protocol")
        return self


class ServiceSettings(BaseSettings):
    """The base of each service's settings; a subclass sets its env prefix and default port."""

    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = 8100
    database_url: str = ""
    district: str = "demo"
    log_level: str = "INFO"
    # HMAC key for inbound webhooks and outbound signatures; refused at its default in production.
    signing_secret: str = DEV_SECRET
    outbox_poll_interval_s: float = 0.5
    # Woken by a commit, the relay waits this long so the commits that follow go out in the same pass:
    # a pass (read, send, delete, commit) per HTTP request or small batch cost more than its events.
    outbox_linger_s: float = 0.005
    consumer_retry_attempts: int = 3
    consumer_retry_backoff_s: float = 0.2
    # A request body past this is refused with 413 before a route reads it (shared/request_guard.py).
    max_body_bytes: int = 1024 * 1024
    # How often consumer lag, outbox age and the service's queue gauges are sampled (docs/operations.md).
    gauge_interval_s: float = 15.0
    # A broker not reachable at the start is tried again this long (/healthz answers meanwhile, /readyz
    # says so); then the process exits non-zero, for its supervisor to restart it.
    broker_wait_s: float = 60.0

    service_name: str = ""

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> "ServiceSettings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / self.service_name}.db"
        if self.environment == "production" and self.signing_secret == DEV_SECRET:
            raise ValueError("signing_secret must be set outside development")
        return self


def get_kafka_settings() -> KafkaSettings:
    return KafkaSettings()
