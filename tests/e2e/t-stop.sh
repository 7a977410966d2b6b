# Stop means stop: an output that cannot be written sends (almost) nothing;
# a wrong port or an untrusted certificate stops before the first row in
# seconds; rows failing without an answer stop the run; a signal stops a
# pattern's listing and an export under a failing server at once.
. "$(dirname "$0")/lib.sh"
fakebb_start --latency 20
rows_csv 400 > in.csv
reqs() { stat_of requests; }

# -o /dev/full: the header cannot be written, so no request goes out
run_bb -o /dev/full in.csv
expect_eq "$RC" 2 "exit code on a full disk"
expect_eq "$(reqs)" 0 "requests with -o /dev/full"

# | head -1: the reader is gone; queued rows are dropped
RC=0; "$BBPERM" --base-url "$FAKEBB_URL" -j 4 in.csv 2>err.txt | head -1 > head.txt; RC=${PIPESTATUS[0]}
expect_eq "$RC" 2 "exit code on a closed pipe"
expect_eq "$(cat head.txt)" "workspace,repo,group,privilege,n,status,http_status,attempts,message,previous" "the header came first"
sent=$(reqs)
echo "requests after | head -1: $sent of 400"
[ "$sent" -lt 100 ] || fail "$sent of 400 requests went out after the output closed"
expect_match "$(cat err.txt)" "not in it" "summary says rows were dropped"

# a port nobody listens on: the check before the first row stops in seconds
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
t0=$(date +%s.%N)
RC=0; "$BBPERM" --base-url "http://127.0.0.1:$port" in.csv > out.csv 2>err.txt || RC=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
expect_eq "$RC" 2 "exit code for a wrong port"
[ "$(echo "$secs < 8" | bc)" = 1 ] || fail "a wrong port took $secs s"
expect_match "$(cat err.txt)" "cannot reach http://127.0.0.1:$port" "message for a wrong port"
expect_eq "$(grep -c . out.csv)" 1 "only the header for a wrong port"

# the check comes after the checks that need no request: a header without
# its columns stops the run with no request at all
fakebb_stop; fakebb_start
printf 'workspace,repo,privilege\nacme,api,write\n' > nohdr.csv
run_bb nohdr.csv
expect_eq "$RC" 2 "exit code for a header without a subject column"
expect_eq "$(stat_of requests)$(curl -sf "$FAKEBB_URL/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("identity", 0))')" "00" "requests before the header is good"

# a base URL that is not the API's root: 404 names the URL and a right one
run_bb --base-url "$FAKEBB_URL/nothing/here" in.csv
expect_eq "$RC" 2 "exit code for a wrong base URL"
expect_match "$(cat err.txt)" "base URL .*looks wrong.*https://api.bitbucket.org/2.0" "message for a wrong base URL"

# rows failing without an answer, in a row: stop after --fail-after-errors
fakebb_stop; fakebb_start --drop-rate 1
rows_csv 40 > in40.csv
run_bb --no-check-auth --retries 0 -j 1 --fail-after-errors 5 in40.csv
expect_eq "$RC" 2 "exit code after rows without answers"
expect_eq "$(csv_col out.csv status | grep -c '^failed$')" 5 "failed rows before the stop"
expect_eq "$(csv_col out.csv status | grep -c '^cancelled$')" 35 "rows not sent"
expect_match "$(cat err.txt)" "fail-after-errors" "message names the option"
expect_match "$(csv_col out.csv message | tail -1)" "^not sent: the run was stopped: .*--fail-after-errors" "a row not sent says why"

# SIGINT while the main thread lists a pattern's repositories from a failing server
fakebb_stop; fakebb_start --fail-rate 1
printf 'workspace,repo,group,privilege\nacme,bulk-*,developers,write\nacme,api,developers,read\n' > pat.csv
"$BBPERM" --base-url "$FAKEBB_URL" --no-check-auth -o pat-out.csv pat.csv 2>err.txt &
bb=$!
sleep 1.5; kill -INT $bb
t0=$(date +%s.%N); RC=0; wait $bb || RC=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
echo "pattern listing stopped $secs s after SIGINT"
expect_eq "$RC" 130 "exit code after SIGINT in a pattern listing"
[ "$(echo "$secs < 3" | bc)" = 1 ] || fail "took $secs s to stop"
expect_eq "$(csv_col pat-out.csv status | tr '\n' ' ')" "cancelled cancelled " "statuses"

# SIGINT during an export from a failing server
"$BBPERM" --base-url "$FAKEBB_URL" --no-check-auth export acme > exp.csv 2>err.txt &
bb=$!
sleep 1.5; kill -INT $bb
t0=$(date +%s.%N); RC=0; wait $bb || RC=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
echo "export stopped $secs s after SIGINT"
expect_eq "$RC" 130 "exit code of an interrupted export"
[ "$(echo "$secs < 3" | bc)" = 1 ] || fail "export took $secs s to stop"
echo ok
