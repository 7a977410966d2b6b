# A reviewed plan is applied as reviewed. A pruning plan's held rows and the
# caller's kept row name the live level, so the plan fed back (plain, and
# with --resume) sends nothing for them; a plan whose live state moved
# since it was made (the fake's state changed between plan and apply) is
# stale: nothing is sent, exit 1, stderr names the rows; a plan that is not
# stale applies, also where two of its rows name one permission; a plan read
# from a pipe cannot be checked and is refused before any request.
. "$(dirname "$0")/lib.sh"
FAKEBB_FIXTURE=$ROOT/tests/e2e/data/prune-fx.json
fakebb_start
put() {  # put PATH PERMISSION: a hand grant behind the plan's back
  curl -sf -X PUT -H 'Content-Type: application/json' -u admin@example.com:s3cret-token \
    -d "{\"permission\": \"$2\"}" "$FAKEBB_URL/2.0/$1" >/dev/null || fail "hand grant $1"
}
reset() { curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null; }
cat > file.csv <<'CSV'
workspace,repo,project,group,user,privilege,ticket
acme,api,,developers,,admin,T-1
acme,api,,,ann@example.com,read,T-2
acme,api,,,{bbbbbbbb-0000-0000-0000-000000000002},admin,T-3
acme,,PROJ,admins,,admin,T-4
acme,web,,old-team,,none,T-5
CSV
state > before.txt

# held rows (3 revocations over 25%): fed back plain, then with --resume
run_bb plan --prune acme/PROJ -o held.csv file.csv
expect_eq "$RC" 1 "held plan exit"
expect_eq "$(csv_col held.csv status | grep -c held)" 3 "held rows"
expect_eq "$(csv_col held.csv privilege | tail -4 | paste -sd,)" "write,read,read,admin" "held and kept rows name the live level"
grep -q 'held: would revoke write; 3 revocations in acme/PROJ exceed --max-prune 25% of ' held.csv \
  || fail "held message: $(cat held.csv)"
grep -q "kept: the caller's own admin; would be revoked, but" held.csv || fail "kept message: $(cat held.csv)"
# the plan also changes T-1 and T-2: take those out, so that only what
# must not run is left to feed back
grep -v 'T-1\|T-2' held.csv > held2.csv
reset
run_bb -o fed.csv held2.csv
expect_eq "$(stat_of writes)" 0 "held and kept rows fed back plain: no write"
state > after.txt
expect_file after.txt before.txt "held and kept rows fed back plain: state unchanged"
reset
run_bb --resume -o fed.csv held2.csv
expect_eq "$(stat_of writes)" 0 "held and kept rows fed back with --resume: no write"
state > after.txt
expect_file after.txt before.txt "held and kept rows fed back with --resume: state unchanged"

# the kept row alone (the guard allows the rest): nothing but the caller's
# own admin is left out
run_bb plan --prune acme/PROJ --max-prune 100% -o plan.csv file.csv
grep -v 'not in the file' plan.csv > kept.csv
grep -q "kept: the caller's own admin" kept.csv || fail "kept row in the plan"
reset
run_bb -o fed.csv kept.csv
expect_eq "$(stat_of writes)" 2 "plain: the two planned rows are written, the kept row is not"
grep -q 'web.*user.*fa6e.*admin' <(state) || fail "the caller's own admin stays: $(state)"

# a stale plan: the state moves between plan and apply
reset
run_bb plan --prune acme/PROJ --max-prune 100% -o plan.csv file.csv
put repositories/acme/web/permissions-config/groups/contractors write
state > moved.txt
for how in plain resume; do
  curl -sf -X POST "$FAKEBB_URL/_config" -d '{}' >/dev/null
  w0=$(stat_of writes)
  if [ $how = plain ]; then run_bb -o applied.csv --markdown applied.md plan.csv
  else run_bb --resume -o applied.csv --undo-file undo-$how.csv --markdown applied.md plan.csv; fi
  expect_eq "$RC" 1 "stale plan ($how): exit"
  expect_eq "$(stat_of writes)" "$w0" "stale plan ($how): nothing sent"
  state > now.txt
  expect_file now.txt moved.txt "stale plan ($how): state unchanged"
  expect_match "$(cat err.txt)" "the plan in plan.csv is stale: 1 of its 9 rows" "stale plan ($how): stderr says so"
  expect_match "$(cat err.txt)" "stale: line 9: acme/web group contractors: the plan saw read, it is now write" "stale plan ($how): the row named"
  expect_match "$(cat err.txt)" "re-plan and apply" "stale plan ($how): what to do"
  [ -e applied.csv ] || [ -e applied.csv.partial ] && fail "stale plan ($how): no result written"
  grep -q 'The plan is stale' applied.md || fail "stale plan ($how): the report says so: $(cat applied.md)"
  [ -e undo-$how.csv ] && fail "stale plan ($how): no undo file left"
done
# re-plan and apply: not stale, applied as planned
run_bb plan --prune acme/PROJ --max-prune 100% -o plan.csv file.csv
w0=$(stat_of writes)
run_bb --resume -o applied.csv plan.csv
expect_eq "$RC" 0 "a plan that is not stale applies"
expect_eq "$(($(stat_of writes) - w0))" "$(csv_col plan.csv status | grep -c planned)" "one write per planned row"
run_bb plan --prune acme/PROJ --detailed-exitcode file.csv
expect_eq "$RC" 0 "applied as planned: a re-plan changes nothing"

# two rows of one permission: the second saw what the first leaves
reset
printf 'workspace,repo,group,privilege\nacme,web,developers,write\nacme,web,developers,admin\nacme,api,old-team,none\n' > twice.csv
run_bb plan -o plan2.csv twice.csv
expect_eq "$(csv_col plan2.csv previous | paste -sd,)" "none,write,read" "the plan's previous"
run_bb -o applied2.csv plan2.csv
expect_eq "$RC" 0 "a plan with a repeated permission is not stale: $(cat err.txt)"
grep -q 'web.*developers.*admin' <(state) || fail "applied: $(state)"
# a stale email row: ann is granted by hand before the plan's grant
reset
printf 'workspace,repo,user,privilege\nacme,web,ann@example.com,read\n' > ann.csv
run_bb plan -o plan3.csv ann.csv
put repositories/acme/web/permissions-config/users/557058:ann admin
run_bb -o applied3.csv plan3.csv
expect_eq "$RC" 1 "stale email row"
expect_match "$(cat err.txt)" "line 2: acme/web user ann@example.com: the plan saw none, it is now admin" "email row named"

# a plan edited by hand (an unchanged row's privilege raised) is still
# checked: its planned rows make it a plan
reset
run_bb plan -o plan4.csv twice.csv
python3 - plan4.csv <<'PY2'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
rows.append(dict(rows[0], repo='api', group='admins', privilege='write', status='ok', message='unchanged', previous='admin'))
w = csv.DictWriter(open(sys.argv[1], 'w', newline=''), fieldnames=list(rows[0].keys()))
w.writeheader(); w.writerows(rows)
PY2
put repositories/acme/web/permissions-config/groups/developers read
w0=$(stat_of writes)
run_bb -o applied4.csv plan4.csv
expect_eq "$RC" 1 "an edited plan is checked"
expect_eq "$(stat_of writes)" "$w0" "an edited stale plan: nothing sent"
# a planned row with no previous (a --dry-run's) in a plan cannot be checked
reset
run_bb plan -o plan5.csv twice.csv
sed -n 2p plan5.csv | sed 's/,planned,,0,[^,]*,none$/,planned,,0,x,/' > row.txt
{ cat plan5.csv; sed 's/developers,write/admins,write/' row.txt; } > plan6.csv
w0=$(stat_of writes)
run_bb -o applied6.csv plan6.csv
expect_eq "$RC" 1 "a planned row with no previous"
expect_match "$(cat err.txt)" "planned with no previous level" "named"
expect_eq "$(stat_of writes)" "$w0" "nothing sent"

# a plan read from a pipe cannot be checked: refused before any request
r0=$(stat_of requests)
RC=0; cat plan3.csv | "$BBPERM" --base-url "$FAKEBB_URL" - >out.csv 2>err.txt || RC=$?
expect_eq "$RC" 2 "a result from a pipe"
expect_eq "$(stat_of requests)" "$r0" "no request"
expect_match "$(cat err.txt)" "give it as a file" "what to do"
# a result that wrote (an apply's) is fed back as before, unchecked
reset
run_bb -o run1.csv --diff twice.csv
run_bb -o run2.csv run1.csv
expect_eq "$RC" 0 "an apply's result fed back"
exit 0
