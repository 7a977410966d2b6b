# --rate 20/s on 200 rows takes at least 9.5 s and earns no 429 from a
# server that allows 25 per second.
. "$(dirname "$0")/lib.sh"
fakebb_start --rate-limit 25/1000
rows_csv 200 > in.csv
start=$(date +%s.%N)
run_bb -j 8 --rate 20/s in.csv
secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "200 rows at --rate 20/s: $secs s, $(stat_of status_429) x 429"
expect_eq "$RC" 0 "exit code"
[ "$(echo "$secs >= 9.5" | bc)" = 1 ] || fail "finished in $secs s"
expect_eq "$(stat_of status_429)" 0 "429s"
expect_eq "$(stat_of requests)" 200 "requests"
