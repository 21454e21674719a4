#!/bin/bash
# The bus's users, topics and ACLs, applied by the one-shot `kafka-init` service after the brokers
# start (and again by `docker compose up kafka-init` after an edit): every step is idempotent.
#   - a SCRAM-SHA-512 user per service (passwords from KAFKA_PASSWORD_<SERVICE>) and per department
#     system (passwords from /run/secrets/kafka_department_passwords, `<code> <password>` a line);
#   - the fixed topics (every literal topic named in acls.txt), with the services' partition count;
#   - acls.txt, generated from shared/topics.py by `python -m shared.kafka_acls`.
# It talks to the brokers' INTERNAL listener, reachable only on the kafka-internal network, whose
# anonymous principal is the one super user.
set -euo pipefail

BOOTSTRAP=${KAFKA_INIT_BOOTSTRAP:-kafka-1-internal:19092,kafka-2-internal:19092,kafka-3-internal:19092}
ACLS=${KAFKA_INIT_ACLS:-/opt/bancheng/acls.txt}
DEPARTMENT_PASSWORDS=${KAFKA_INIT_DEPARTMENT_PASSWORDS:-/run/secrets/kafka_department_passwords}
SERVICES="intake routing sla notify audit identity console"
BIN=${KAFKA_INIT_BIN:-/opt/kafka/bin}

until "$BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP" >/dev/null 2>&1; do
  echo "kafka-init: waiting for the brokers"; sleep 3
done

scram_user() {  # name password: SCRAM's config syntax cannot quote, so passwords are [A-Za-z0-9] only
  [[ "$2" =~ ^[A-Za-z0-9]{16,}$ ]] || { echo "kafka-init: password of $1 must be 16+ letters or digits" >&2; exit 1; }
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --alter --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]" >/dev/null
  echo "kafka-init: user $1"
}

for service in $SERVICES; do
  variable="KAFKA_PASSWORD_${service^^}"
  scram_user "$service" "${!variable:?$variable is not set}"
done

for code in $(awk '{print $1}' "$ACLS" | sort -u | sed -n 's/^User:dept-//p'); do
  password=$(awk -v code="$code" '$1 == code {print $2}' "$DEPARTMENT_PASSWORDS")
  [ -n "$password" ] || { echo "kafka-init: no password for department $code in $DEPARTMENT_PASSWORDS" >&2; exit 1; }
  scram_user "dept-$code" "$password"
done

for topic in $(awk '$3 == "topic" && $4 == "literal" {print $5}' "$ACLS" | sort -u); do
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$topic" \
    --partitions "${KAFKA_INIT_PARTITIONS:?}" --replication-factor "${KAFKA_INIT_REPLICATION_FACTOR:?}" >/dev/null
done

while read -r principal operation resource pattern name; do
  "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --add --allow-principal "$principal" \
    --operation "$operation" "--$resource" "$name" --resource-pattern-type "$pattern" >/dev/null
done < "$ACLS"
echo "kafka-init: $(wc -l < "$ACLS") ACLs applied"
