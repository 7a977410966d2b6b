# --undo-file: a run that grants, changes and revokes (one permission changed
# twice, one user by email) writes an input CSV with one row per changed
# permission, holding its value before the run's first change ('none' for a
# permission that did not exist; a user named by email by account id).
# Applying it restores the initial state exactly.
. "$(dirname "$0")/lib.sh"
fakebb_start
state > state0.txt
cat > in.csv <<'CSV'
workspace,repo,project,group,user,privilege,ticket
acme,api,,developers,,write,grant
acme,api,PROJ,old-team,,admin,change (project cell informational)
acme,api,,admins,,revoke,revoke
acme,api,,developers,,admin,second change of the granted permission
acme,API,,Developers,,read,third change of it
acme,,PROJ,old-team,,none,project revoke
acme,,PROJ,,ann@example.com,create-repo,grant by email
acme,web,,,{aaaaaaaa-0000-0000-0000-000000000001},read,grant by uuid
acme,web,,old-team,,write,unchanged: no undo row
acme,docs,,contractors,,none,revoke of an absent permission: no undo row
acme,infra,,old-team,,read,change
acme,infra,,old-team,,admin,changed back: still one undo row
globex,portal,,engineers,,admin,other workspace
CSV
run_bb --undo-file undo.csv -j 8 -o run.csv in.csv
expect_eq "$RC" 0 "exit code of the run"
expect_eq "$(csv_col run.csv status | sort | uniq -c | tr -s ' ' | paste -sd' ')" " 13 ok" "statuses"
expect_eq "$(csv_col run.csv previous | paste -sd,)" "none,read,admin,write,admin,read,none,none,write,none,admin,read,none" "previous"
expect_eq "$(stat_of writes)" 11 "writes of the run"
expect_eq "$(head -1 undo.csv)" "workspace,repo,project,group,user,privilege" "undo header"
cat > want-undo.txt <<'CSV'
acme,,PROJ,,557058:ann,none
acme,,PROJ,old-team,,read
acme,api,,admins,,admin
acme,api,,developers,,none
acme,api,PROJ,old-team,,read
acme,infra,,old-team,,admin
acme,web,,,{aaaaaaaa-0000-0000-0000-000000000001},none
globex,portal,,engineers,,none
CSV
tail -n +2 undo.csv | sort > got-undo.txt
sort -o want-undo.txt want-undo.txt
expect_file got-undo.txt want-undo.txt "undo rows (any order)"
expect_eq "$(tail -c1 undo.csv | od -An -c | tr -d ' ')" '\n' "undo file ends with a newline"
state > state1.txt
cmp -s state0.txt state1.txt && fail "the run changed nothing"
# an undo file that holds rows is never overwritten: exit 2, no request
cp undo.csv undo-copy.csv
r0=$(stat_of requests)
run_bb --undo-file undo.csv -o again.csv in.csv
expect_eq "$RC" 2 "exit code with an existing undo file"
expect_eq "$(stat_of requests)" "$r0" "requests with an existing undo file"
expect_file undo.csv undo-copy.csv "the existing undo file"

# plan of the undo file: every row plans a change, nothing is written
before=$(stat_of writes)
RC=0; "$BBPERM" plan --base-url "$FAKEBB_URL" -o undo-plan.csv undo.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the undo plan"
# (infra was changed and changed back: its undo row changes nothing now)
expect_match "$(cat err.txt)" "plan: 2 to grant, 1 to change, 4 to revoke, 1 unchanged, 0 failed, 0 invalid" "undo plan summary"
expect_eq "$(stat_of writes)" "$before" "writes of the undo plan"

# apply it: the initial state exactly
run_bb -o undone.csv undo.csv
expect_eq "$RC" 0 "exit code of the undo"
expect_eq "$(csv_col undone.csv status | sort -u)" "ok" "undo statuses"
expect_eq "$(( $(stat_of writes) - before ))" 8 "writes of the undo (one per undo row)"
state > state2.txt
expect_file state2.txt state0.txt "state after the undo"

# an undo run of its own: undoing the undo gives the run's state back
run_bb --undo-file redo.csv -o undone2.csv in.csv
expect_eq "$RC" 0 "exit code of the second run"
run_bb -o undone3.csv redo.csv
state > state3.txt
expect_file state3.txt state0.txt "state after the second undo"
expect_file <(tail -n +2 redo.csv | sort) want-undo.txt "undo rows of the second run"
