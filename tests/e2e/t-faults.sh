# 20% of answers are 500/502/503 with HTML bodies and 5% of connections
# close with no answer: with --retries 10 every row ends ok, and the
# attempts in the result add up to the requests the server saw.
. "$(dirname "$0")/lib.sh"
fakebb_start --fail-rate 0.2 --drop-rate 0.05 --seed 7
rows_csv 600 > in.csv
run_bb -j 8 --retries 10 --backoff-base 0.01 --max-backoff 0.1 in.csv
expect_eq "$RC" 0 "exit code"
expect_eq "$(csv_col out.csv status | sort | uniq -c | tr -s ' ')" " 600 ok" "statuses"
sum=$(csv_col out.csv attempts | paste -sd+ | bc)
echo "attempts $sum, server requests $(stat_of requests), 5xx $(stat_of status_5xx), dropped $(stat_of dropped)"
expect_eq "$sum" "$(stat_of requests)" "attempts against server requests"
[ "$(stat_of status_5xx)" -gt 50 ] || fail "too few 5xx to prove anything"
[ "$(stat_of dropped)" -gt 5 ] || fail "too few dropped connections to prove anything"
expect_eq "$(state | grep -c bulk-)" 600 "permissions on the server"
# without retries, faults fail rows with the status and the page's title
fakebb_stop
fakebb_start --fail-rate 1 --seed 1
rows_csv 3 > three.csv
run_bb --retries 2 --backoff-base 0.01 three.csv
expect_eq "$RC" 1 "exit code when retries run out"
expect_eq "$(csv_col out.csv attempts | paste -sd,)" "3,3,3" "1 + 2 retries per row"
expect_match "$(csv_col out.csv message | head -1)" "^gave up after 2 retries: 50[023] " "message"
expect_match "$(csv_col out.csv http_status | head -1)" "^50[023]$" "http_status"
# 4xx are final at once
fakebb_stop
fakebb_start
printf 'workspace,repo,group,privilege\nacme,api,nosuch,write\nacme,nosuch,developers,write\n' > bad.csv
run_bb --retries 5 bad.csv
expect_eq "$(csv_col out.csv attempts | paste -sd,)" "1,1" "no retry on 404"
# no server at all: failed, empty http_status, curl's error text
port=$FAKEBB_PORT; fakebb_stop
RC=0; "$BBPERM" --base-url "http://127.0.0.1:$port" --retries 1 --backoff-base 0.01 --no-check-auth three.csv > out.csv 2>/dev/null || RC=$?
expect_eq "$RC" 1 "exit code with no server (no check before the run)"
expect_eq "$(csv_col out.csv http_status | paste -sd,)" ",," "no http_status"
expect_match "$(csv_col out.csv message | head -1)" "gave up after 1 retry: .*(connect|Connection refused)" "curl's error text"
# a server slower than --timeout: retried, then failed with curl's timeout text
fakebb_start --latency 2500
rows_csv 2 > two.csv
run_bb --timeout 1 --retries 1 --backoff-base 0.01 two.csv
expect_eq "$RC" 1 "exit code after timeouts"
expect_eq "$(csv_col out.csv attempts | paste -sd,)" "2,2" "a timed-out request is retried"
expect_match "$(csv_col out.csv message | head -1)" "gave up after 1 retry: .*[Tt]imeout|timed out" "timeout message"
expect_eq "$(csv_col out.csv http_status | paste -sd,)" "," "no http_status after timeouts"
# a 503 with Retry-After: the retry waits what the server says
fakebb_stop
fakebb_start --fail-rate 1 --retry-after 1 --seed 5
rows_csv 6 > six.csv
run_bb -v -j 6 --retries 1 --backoff-base 3 --max-backoff 3 six.csv
expect_eq "$(csv_col out.csv status | sort -u)" failed "statuses"
n=$(grep -c 'in 1.00 s (server error, Retry-After)' err.txt)
echo "retries that waited the 503's Retry-After: $n"
[ "$n" -ge 1 ] || fail "no retry waited the 503's Retry-After: $(grep retry err.txt)"
