#!/bin/sh
# The work pool and the deployments of prefect.yaml, on the Prefect server at $PREFECT_API_URL.
# Run on the writer host (srdi-worker.service runs it before the worker starts); idempotent.
#
#   set -a; . /etc/srdi/srdi-worker.env; set +a; /opt/srdi/deploy/srdi-deploy.sh
set -eu
: "${PREFECT_API_URL:?set PREFECT_API_URL, e.g. http://prefect.internal:4200/api}"
: "${SRDI_REPO:?set SRDI_REPO to the srdi checkout (where prefect.yaml is)}"
PREFECT="${PREFECT:-$SRDI_REPO/.venv/bin/prefect}"
POOL=srdi-local                      # the pool prefect.yaml's deployments name

cd "$SRDI_REPO"
if ! "$PREFECT" work-pool inspect "$POOL" >/dev/null 2>&1; then
    "$PREFECT" work-pool create "$POOL" --type process
fi
# one flow run at a time in the pool, whichever host its worker runs on: ingest and rollups write one DuckDB
"$PREFECT" work-pool set-concurrency-limit "$POOL" 1
"$PREFECT" --no-prompt deploy --all
echo "srdi-deploy: pool $POOL and the deployments of prefect.yaml are on $PREFECT_API_URL"
