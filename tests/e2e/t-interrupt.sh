# SIGINT in the middle of a slow run: exit 130, every row written once,
# no row reported ok that the server does not have, the rest 'cancelled';
# then --resume completes the run and the final state is exact.
. "$(dirname "$0")/lib.sh"
fakebb_start --latency 100
rows_csv 300 > in.csv
"$BBPERM" --base-url "$FAKEBB_URL" -j 4 -o run1.csv in.csv 2>err.txt &
bb=$!
sleep 1.5
kill -INT $bb
RC=0; wait $bb || RC=$?
expect_eq "$RC" 130 "exit code after SIGINT"
expect_eq "$(csv_col run1.csv n | python3 -c 'import sys; print([int(x) for x in sys.stdin] == list(range(300)))')" True "every row once, in order"
ok=$(csv_col run1.csv status | grep -c '^ok$')
cancelled=$(csv_col run1.csv status | grep -c '^cancelled$')
echo "after SIGINT: $ok ok, $cancelled cancelled; $(grep 'rows:' err.txt)"
[ "$ok" -gt 0 ] && [ "$cancelled" -gt 0 ] || fail "expected some rows ok and some cancelled"
expect_eq $((ok + cancelled)) 300 "ok + cancelled"
# every ok row is on the server, and nothing else is
python3 - run1.csv <<'PY' > want-ok.txt
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r['status'] == 'ok': print(r['repo'])
PY
state | grep -o 'bulk-[0-9]*' | sort > have.txt
sort want-ok.txt > want-sorted.txt
expect_file have.txt want-sorted.txt "server state against ok rows"
expect_match "$(cat err.txt)" "interrupted" "message on stderr"
# resume the run: only the cancelled rows are sent
before=$(stat_of requests)
run_bb -j 4 --resume -o run2.csv run1.csv
expect_eq "$RC" 0 "exit code of the resumed run"
expect_eq "$(csv_col run2.csv status | sort | uniq -c | tr -s ' ')" " 300 ok" "statuses after resume"
expect_eq $(( $(stat_of requests) - before )) "$cancelled" "requests sent by the resumed run"
expect_eq "$(state | grep -c bulk-)" 300 "final state"
# a second signal aborts the requests in flight
fakebb_stop; fakebb_start --latency 6000
"$BBPERM" --base-url "$FAKEBB_URL" -j 4 -o run3.csv in.csv 2>err.txt &
bb=$!
sleep 1; kill -INT $bb; sleep 0.3; kill -INT $bb
t0=$(date +%s.%N); RC=0; wait $bb || RC=$?
expect_eq "$RC" 130 "exit code after two signals"
secs=$(echo "$(date +%s.%N) - $t0" | bc)
echo "stopped $secs s after the second signal"
[ "$(echo "$secs < 2.5" | bc)" = 1 ] || fail "took $secs s to stop after the second signal"
expect_eq "$(csv_col run3.csv status | grep -vc cancelled)" 0 "all rows cancelled"
expect_match "$(csv_col run3.csv message | head -1)" "aborted in flight" "message of an aborted row"
