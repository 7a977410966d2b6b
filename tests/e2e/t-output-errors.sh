# Output errors stop the run at once with exit 2 and a clear message; after
# SIGKILL the result is left as FILE.partial (never FILE: a result named as
# asked is a finished one) holding the rows written so far; --resume refuses
# it, and --resume-from with the input finishes the run.
. "$(dirname "$0")/lib.sh"
fakebb_start
rows_csv 2000 > in.csv
run_bb -o /dev/full in.csv
expect_eq "$RC" 2 "exit code on a full disk"
expect_match "$(cat err.txt)" "cannot write /dev/full: No space left on device" "message"
RC=0; "$BBPERM" --base-url "$FAKEBB_URL" in.csv 2>err.txt | head -1 > /dev/null; RC=${PIPESTATUS[0]}
expect_eq "$RC" 2 "exit code on a closed pipe"
expect_match "$(cat err.txt)" "cannot write to standard output: Broken pipe" "message"
# SIGKILL mid-run
fakebb_stop; fakebb_start --latency 20
"$BBPERM" --base-url "$FAKEBB_URL" -j 2 -o part.csv in.csv 2>/dev/null &
bb=$!
sleep 1.5; kill -KILL $bb; wait $bb 2>/dev/null
[ -e part.csv ] && fail "a killed run left a result named as a finished one"
done_rows=$(($(wc -l < part.csv.partial) - 1))
echo "rows in the result file after SIGKILL: $done_rows"
[ "$done_rows" -gt 0 ] && [ "$done_rows" -lt 2000 ] || fail "expected a partial file, got $done_rows rows"
run_bb --resume -o final.csv part.csv.partial
expect_eq "$RC" 2 "--resume of a result that did not finish"
expect_match "$(cat err.txt)" "did not finish.*--resume-from part.csv.partial" "message of --resume of a .partial"
[ -e final.csv ] || [ -e final.csv.partial ] && fail "the refused run left an output file"
# --resume-from: INPUT again, with the cut-short result: its ok rows are not sent again
before=$(stat_of requests)
run_bb -j 4 --resume-from part.csv.partial -o final.csv in.csv
expect_eq "$RC" 0 "exit code of the resumed run"
expect_eq "$(csv_col final.csv n | python3 -c 'import sys; print([int(x) for x in sys.stdin] == list(range(2000)))')" True "all rows once, in order"
expect_eq "$(csv_col final.csv status | sort | uniq -c | tr -s ' ')" " 2000 ok" "statuses"
expect_eq "$(state | grep -c bulk-)" 2000 "final state"
ok_before=$(csv_col part.csv.partial status | grep -c '^ok$')
sent=$(( $(stat_of requests) - before ))
echo "ok before the kill: $ok_before; sent on resume: $sent"
expect_eq "$sent" $((2000 - ok_before)) "requests sent by the resumed run"
expect_eq "$(csv_col final.csv message | grep -c 'ok in the earlier run')" "$ok_before" "rows marked as done before"
run_bb --resume-from part.csv.partial -o part.csv in.csv
expect_eq "$RC" 2 "--resume-from file as the output"
expect_match "$(cat err.txt)" "written as 'part.csv.partial'" "message of an output written over --resume-from"
