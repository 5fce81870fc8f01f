#!/bin/sh
# One-shot (temporal-admin-tools): wait for the Temporal server and its namespace, then register
# the alert search attributes listed in SEARCH_ATTRIBUTES ("Name=Type ..."). Safe to run again.
set -eu
: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${SEARCH_ATTRIBUTES:?Name=Type pairs to register}"
export TEMPORAL_ADDRESS

echo "waiting for namespace '$TEMPORAL_NAMESPACE' on $TEMPORAL_ADDRESS ..."
tries=0
until temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 90 ]; then
    echo "Temporal at $TEMPORAL_ADDRESS has no namespace '$TEMPORAL_NAMESPACE' after 180 s" >&2
    exit 1
  fi
  sleep 2
done

for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" | grep -qw "$name"; then
    echo "search attribute $name already registered"
  else
    temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "$type"
    echo "registered search attribute $name ($type)"
  fi
done
