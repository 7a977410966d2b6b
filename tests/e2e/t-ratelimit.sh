# A server that allows 50 requests per 200 ms sliding window (Bitbucket's
# shape, scaled down) answers the rest with plain 429s and no Retry-After.
# 1,000 rows with 8 jobs: every row ok, the state exact, and the 429s stay a
# small multiple of the number of windows the run spans.
. "$(dirname "$0")/lib.sh"
fakebb_start --rate-limit 50/200
rows_csv 1000 > in.csv
start=$(date +%s.%N)
run_bb -j 8 --backoff-base 0.05 --max-backoff 0.4 in.csv
secs=$(echo "$(date +%s.%N) - $start" | bc)
expect_eq "$RC" 0 "exit code"
expect_eq "$(csv_col out.csv status | sort | uniq -c | tr -s ' ')" " 1000 ok" "statuses"
expect_eq "$(state | grep -c 'bulk-.*developers	write')" 1000 "permissions on the server"
n429=$(stat_of status_429)
windows=$(echo "($secs / 0.2 + 0.999)/1" | bc)
echo "429s: $n429 over $windows windows of 200 ms ($secs s; ideal 4.0 s); $(tail -1 err.txt)"
[ "$n429" -gt 0 ] || fail "the server never limited: the test proves nothing"
[ "$n429" -le $((windows * 12)) ] || fail "$n429 429s for $windows windows"
expect_eq "$(csv_col out.csv attempts | paste -sd+ | bc)" "$(stat_of requests)" "attempts against server requests"
expect_match "$(tail -1 err.txt)" "[0-9]+ x 429, [0-9.]+ s paused" "summary counts 429s and the pause"
# a short burst limit on top (no Retry-After either): still every row ok
fakebb_stop
fakebb_start --rate-limit 200/1000 --burst 10/50
rows_csv 300 > burst.csv
run_bb -j 8 --backoff-base 0.02 --max-backoff 0.2 burst.csv
expect_eq "$RC" 0 "exit code with a burst limit"
expect_eq "$(csv_col out.csv status | sort | uniq -c | tr -s ' ')" " 300 ok" "statuses with a burst limit"
echo "burst limit: $(stat_of status_429) x 429 for 300 rows"
[ "$(stat_of status_429)" -gt 0 ] || fail "the burst limit never triggered"
