# With Retry-After (delta-seconds, then HTTP-date) the gate waits what the
# server says, not its own backoff.
. "$(dirname "$0")/lib.sh"
fakebb_start --rate-limit 30/1000 --retry-after 1
rows_csv 100 > in.csv
run_bb -v -j 4 --backoff-base 5 --max-backoff 60 in.csv
expect_eq "$RC" 0 "exit code"
pauses=$(grep -c 'pausing all requests for 1.00 s (Retry-After)' err.txt)
other=$(grep 'pausing all requests' err.txt | grep -vc 'for 1.00 s (Retry-After)')
echo "pauses of 1 s: $pauses, others: $other"
[ "$pauses" -ge 2 ] || fail "expected pauses of exactly 1 s from Retry-After"
expect_eq "$other" 0 "pauses not taken from Retry-After"
fakebb_stop
fakebb_start --rate-limit 30/1000 --retry-after 2 --retry-after-date
run_bb -v -j 4 --backoff-base 5 --max-backoff 60 in.csv
expect_eq "$RC" 0 "exit code with an HTTP-date"
# an HTTP-date has whole seconds: the wait is 1 to 2 s
grep 'pausing all requests' err.txt | grep -vqE 'for [12]\.[0-9]{2} s \(Retry-After\)' && fail "$(grep pausing err.txt | head -3)"
grep -q 'pausing all requests' err.txt || fail "no pause logged"
