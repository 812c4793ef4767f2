#!/bin/sh
# The work pool and the deployments of prefect.yaml, on the Prefect server at $PREFECT_API_URL.
# Run on the writer host (srdi-worker.service runs it before the worker starts); idempotent.
#
#   set -a; . /etc/srdi/srdi-worker.env; set +a; /opt/srdi/deploy/srdi-deploy.sh
set -eu
: "${PREFECT_API_URL:?set PREFECT_API_URL, e.g. https://prefect.internal/api}"
: "${SRDI_REPO:?set SRDI_REPO to the srdi checkout (where prefect.yaml is)}"
case "${PREFECT_API_AUTH_STRING:-}" in
    ""|*CHANGE_ME*)
        echo "srdi-deploy: PREFECT_API_AUTH_STRING is not set: run deploy/setup-auth.sh on the env files first" >&2
        exit 2 ;;
esac
PREFECT="${PREFECT:-$SRDI_REPO/.venv/bin/prefect}"
POOL=srdi-local                      # the pool prefect.yaml's deployments name
# Prefect's process template without `command`, `env` and `working_dir`, and no other job variable allowed: no
# caller chooses what the worker runs (docs/security.md)
TEMPLATE="$SRDI_REPO/deploy/process-work-pool.json"

cd "$SRDI_REPO"
if "$PREFECT" work-pool inspect "$POOL" >/dev/null 2>&1; then
    "$PREFECT" work-pool update "$POOL" --base-job-template "$TEMPLATE"
else
    "$PREFECT" work-pool create "$POOL" --type process --base-job-template "$TEMPLATE"
fi
# one flow run at a time in the pool, whichever host its worker runs on: ingest and rollups write one DuckDB
"$PREFECT" work-pool set-concurrency-limit "$POOL" 1
"$PREFECT" --no-prompt deploy --all
echo "srdi-deploy: pool $POOL and the deployments of prefect.yaml are on $PREFECT_API_URL"
