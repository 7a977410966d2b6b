# --resume-from matches rows, not positions: a reordered spreadsheet, a
# pattern that matches other repositories than before, a row given twice;
# only PREV's ok rows count, each for one input row; a PREV that matches no
# row of the input stops the run before any request.
. "$(dirname "$0")/lib.sh"
fakebb_start
cat > in.csv <<'CSV'
workspace,repo,group,privilege,note
acme,api,developers,write,A
acme,web,developers,write,B
acme,docs,nosuchgroup,write,C
CSV
run_bb -o run1.csv in.csv
expect_eq "$RC" 1 "exit code of the first run"
expect_eq "$(csv_col run1.csv status | paste -sd,)" "ok,ok,failed" "statuses of the first run"

# the same rows in another order: only the failed one is sent again
{ head -1 in.csv; tail -n +2 in.csv | tac; } > reversed.csv
w0=$(stat_of writes)
run_bb --resume-from run1.csv -o run2.csv reversed.csv
expect_eq "$(( $(stat_of writes) - w0 ))" 1 "writes for the reordered input"
expect_eq "$(csv_col run2.csv note | paste -sd,)" "C,B,A" "rows in input order"
expect_eq "$(csv_col run2.csv status | paste -sd,)" "failed,ok,ok" "statuses of the reordered input"
expect_eq "$(csv_col run2.csv message | grep -c 'ok in the earlier run')" 2 "rows done before"
expect_match "$(csv_col run2.csv message | head -1)" "nosuchgroup|[Nn]ot found|404|exist" "the failed row was sent again"

# a row twice: one ok row of PREV stands for one of them
{ cat in.csv; echo "acme,api,developers,write,A2"; } > twice.csv
w0=$(stat_of writes)
run_bb --resume-from run1.csv -o run3.csv twice.csv
expect_eq "$(( $(stat_of writes) - w0 ))" 2 "writes with a row given twice (C and A2)"
expect_match "$(grep ',A2,' run3.csv)" ',A2,ok,200,1,' "the second api row is sent"

# a pattern that matched two repositories then and six now
cat > prev-pattern.csv <<'CSV'
workspace,repo,group,privilege,status,http_status,attempts,message,previous
acme,api,contractors,read,ok,200,1,,
acme,web,contractors,read,ok,200,1,,
CSV
printf 'workspace,repo,group,privilege\nacme,*,contractors,read\n' > pattern.csv
w0=$(stat_of writes)
run_bb --resume-from prev-pattern.csv -o run4.csv pattern.csv
expect_eq "$RC" 0 "exit code of the pattern run ($(cat err.txt))"
expect_eq "$(( $(stat_of writes) - w0 ))" 4 "writes of the pattern run"
expect_match "$(grep '^acme,api,' run4.csv)" 'ok in the earlier run' "api: done before"
expect_match "$(grep '^acme,web,' run4.csv)" 'ok in the earlier run' "web: done before"
expect_match "$(grep '^acme,a b,' run4.csv)" ',ok,200,1,' "a b: sent"
expect_match "$(grep '^acme,docs,' run4.csv)" ',ok,200,1,' "docs: sent"

# the result of another file: stop, exit 2, nothing sent
printf 'workspace,repo,group,privilege\nacme,infra,admins,read\nacme,docs,admins,read\n' > other.csv
r0=$(stat_of requests)
run_bb --resume-from run1.csv -o run5.csv other.csv
expect_eq "$RC" 2 "exit code for the result of another input"
expect_match "$(cat err.txt)" "matches none of the rows" "message for the result of another input"
expect_eq "$(stat_of requests)" "$r0" "requests for the result of another input"
[ -e run5.csv ] || [ -e run5.csv.partial ] && fail "the refused run left an output file"

# other options (here --workspace for an input without workspace cells) make
# other rows: their PREV matches none either
printf 'repo,group,privilege\napi,developers,write\n' > nows.csv
run_bb --workspace globex --resume-from run1.csv -o run6.csv nows.csv
expect_eq "$RC" 2 "exit code for the result of a run with another --workspace"
run_bb --workspace acme --resume-from run1.csv -o run6.csv nows.csv
expect_eq "$RC" 0 "exit code with the same --workspace ($(cat err.txt))"
expect_match "$(tail -1 run6.csv)" 'ok in the earlier run' "the row done before"
