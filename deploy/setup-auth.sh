#!/bin/sh
# The Prefect API credential of a site (Prefect's basic auth: `srdi:<random>`), written into the env files given:
# PREFECT_SERVER_API_AUTH_STRING in prefect-server.env, PREFECT_API_AUTH_STRING in srdi-worker.env. Each file is left
# mode 600. The credential already in the first file is kept (running it again changes nothing); a placeholder
# (CHANGE_ME) or none is replaced by a new one. The credential is never printed.
#
#   /opt/srdi/deploy/setup-auth.sh /etc/srdi/prefect-server.env                       # the server host
#   /opt/srdi/deploy/setup-auth.sh /etc/srdi/prefect-server.env /etc/srdi/srdi-worker.env   # one host for both
#
# With two hosts: run it on the server host, then copy its PREFECT_SERVER_API_AUTH_STRING value (over ssh, never
# by mail) into the writer host's srdi-worker.env as PREFECT_API_AUTH_STRING, or copy the file and run it there
# with both files. Restart prefect-server and srdi-worker after a change.
set -eu
[ "$#" -ge 1 ] || { echo "usage: $0 prefect-server.env [srdi-worker.env ...]" >&2; exit 2; }
umask 077
current=$(sed -n 's/^PREFECT_\(SERVER_\)\{0,1\}API_AUTH_STRING=//p' "$1" | tail -n 1)
case "$current" in
    ""|*CHANGE_ME*) auth="srdi:$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')" ;;
    *) auth="$current" ;;
esac
for f in "$@"; do
    case "$(basename "$f")" in
        *server*) key=PREFECT_SERVER_API_AUTH_STRING ;;
        *) key=PREFECT_API_AUTH_STRING ;;
    esac
    tmp="$f.setup-auth.$$"
    { grep -v "^$key=" "$f" || true; echo "$key=$auth"; } > "$tmp"
    chmod 600 "$tmp"
    mv "$tmp" "$f"
    echo "setup-auth: $key set in $f (mode 600)"
done
