# A result CSV fed back in: its status columns are replaced in place, not
# duplicated; --resume keeps the 'ok' rows and runs the others again.
. "$(dirname "$0")/lib.sh"
fakebb_start
cat > in.csv <<'CSV'
workspace,repo,group,privilege,note
acme,api,developers,write,a
acme,web,newgroup,write,b
acme,docs,developers,bogus,c
CSV
run_bb in.csv
expect_eq "$RC" 1 "first run"
cp out.csv run1.csv
expect_eq "$(head -1 run1.csv)" "workspace,repo,group,privilege,note,status,http_status,attempts,message,previous" "header"
# feed the result back: same columns, statuses replaced
run_bb run1.csv
expect_eq "$(head -1 out.csv)" "workspace,repo,group,privilege,note,status,http_status,attempts,message,previous" "header fed back"
expect_eq "$(csv_col out.csv status | paste -sd,)" "ok,failed,invalid" "statuses fed back"
expect_eq "$(stat_of requests)" 4 "requests for two runs of two valid rows"
# --resume: only the non-ok rows run again
run_bb --resume run1.csv
expect_eq "$(stat_of requests)" 5 "resume sends only the failed row again"
expect_eq "$(sed -n 2p out.csv)" "$(sed -n 2p run1.csv)" "an ok row is copied unchanged"
expect_eq "$(csv_col out.csv status | paste -sd,)" "ok,failed,invalid" "statuses after resume"
# result columns in the middle of the header stay where they are
printf 'status,workspace,repo,group,privilege,message\nfailed,acme,api,developers,read,old\n' > mid.csv
run_bb mid.csv
expect_eq "$(cat out.csv | tr -d '\r')" "status,workspace,repo,group,privilege,message,http_status,attempts,previous
ok,acme,api,developers,read,,200,1," "result columns in place"
