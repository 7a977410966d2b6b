# HTTPS: TLS verification is always on. A server certificate from an
# unknown CA fails the row with curl's certificate error; --cacert adds the
# CA and the same run succeeds, with keep-alive and no request lost.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || skip "openssl not installed"
make_certs certs
fakebb_start --tls-cert certs/server.pem --tls-key certs/server.key
URL="https://127.0.0.1:$FAKEBB_PORT"
rows_csv 50 > in.csv
# the check before the first row stops at once (exit 2), whatever --retries says
# bounds in seconds that a retried certificate error (25 s a row) would
# blow through; wide enough for a slow, busy machine and a sanitizer build
LIMIT=10; [ -n "${E2E_SANITIZED:-}" ] && LIMIT=30
t0=$(date +%s.%N)
RC=0; "$BBPERM" --base-url "$URL" in.csv > out.csv 2>err.txt || RC=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
expect_eq "$RC" 2 "exit code without the CA"
[ "$(echo "$secs < $LIMIT" | bc)" = 1 ] || fail "an untrusted certificate took $secs s"
expect_match "$(cat err.txt)" "[Cc]ertificate" "certificate error"
expect_eq "$(grep -c . out.csv)" 1 "only the header without the CA"
# an unreadable --cacert stops the same way
RC=0; "$BBPERM" --base-url "$URL" --cacert no-such-ca.pem in.csv > out.csv 2>err.txt || RC=$?
expect_eq "$RC" 2 "exit code with an unreadable --cacert"
# without the check, rows fail once each: no retry fixes a certificate
t0=$(date +%s.%N)
RC=0; "$BBPERM" --base-url "$URL" --no-check-auth --retries 5 in.csv > out.csv 2>err.txt || RC=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
expect_eq "$RC" 2 "exit code without the CA, no check: --fail-after-errors stops it"
expect_match "$(csv_col out.csv message | head -1)" "[Cc]ertificate" "certificate error in the row"
expect_eq "$(csv_col out.csv message | grep -c 'gave up after')" 0 "no retry for a certificate error"
[ "$(echo "$secs < $LIMIT" | bc)" = 1 ] || fail "50 rows with an untrusted certificate took $secs s"
expect_eq "$(curl -sf --cacert certs/ca.pem "$URL/_stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['requests'])")" 0 "requests that got through"
RC=0; "$BBPERM" --base-url "$URL" --cacert certs/ca.pem -j 4 in.csv > out.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code with --cacert"
expect_eq "$(csv_col out.csv status | sort | uniq -c | tr -s ' ')" " 50 ok" "statuses"
expect_eq "$(csv_col out.csv attempts | paste -sd+ | bc)" 50 "one request per row"
# localhost matches the certificate's name too
RC=0; "$BBPERM" --base-url "https://localhost:$FAKEBB_PORT" --cacert certs/ca.pem in.csv > out.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code with https://localhost"
