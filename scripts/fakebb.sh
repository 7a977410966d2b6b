# Source this: start and stop the fake Bitbucket server of tests/fakebb.
#   fakebb_start [fakebb options...]   sets FAKEBB_PID, FAKEBB_PORT, FAKEBB_URL
#   fakebb_stop                        stops it (state file written if asked)
#   make_certs DIR                     a throwaway CA (ca.pem) and a server
#                                      certificate for 127.0.0.1 and localhost
#                                      (server.pem, server.key), for --tls-*
# FAKEBB is the server binary (default build/fakebb).

FAKEBB=${FAKEBB:-build/fakebb}
FAKEBB_FIXTURE=${FAKEBB_FIXTURE:-$(dirname "${BASH_SOURCE[0]}")/../tests/fakebb/fixture.json}

fakebb_start() {
  local portfile
  portfile=$(mktemp)
  rm -f "$portfile"
  "$FAKEBB" --port 0 --port-file "$portfile" --fixture "$FAKEBB_FIXTURE" "$@" >/dev/null &
  FAKEBB_PID=$!
  local i
  for i in $(seq 1 200); do
    if [ -s "$portfile" ]; then break; fi
    if ! kill -0 "$FAKEBB_PID" 2>/dev/null; then
      echo "fakebb did not start" >&2; rm -f "$portfile"; return 1
    fi
    sleep 0.05
  done
  FAKEBB_PORT=$(cat "$portfile" 2>/dev/null)
  rm -f "$portfile"
  if [ -z "$FAKEBB_PORT" ]; then echo "fakebb gave no port" >&2; return 1; fi
  FAKEBB_URL="http://127.0.0.1:$FAKEBB_PORT"
}

fakebb_stop() {
  if [ -n "${FAKEBB_PID:-}" ]; then
    kill -TERM "$FAKEBB_PID" 2>/dev/null || true
    wait "$FAKEBB_PID" 2>/dev/null || true
    FAKEBB_PID=
  fi
}

make_certs() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/ca.key" -out "$d/ca.pem" -days 1 -subj "/CN=bbperm test CA" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost" 2>/dev/null
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,DNS:localhost' > "$d/ext.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -out "$d/server.pem" -days 1 -extfile "$d/ext.cnf" 2>/dev/null
}
