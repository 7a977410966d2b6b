# Branch rules on Cloud: plan, apply with --diff and --undo-file, a re-run
# that sends no write, the undo file putting the start state back, the
# export round trip (every row unchanged, no write), a file that mixes
# permission and branch rows, invalid rows (each message), a KEY/* row over
# a project's repositories, --dry-run's request, and writes that fail
# (a forbidden repository, an unknown user) leaving the state as it was.
# Costs: one list page per repository read, one write per changing row.
. "$(dirname "$0")/lib.sh"

python3 - "$ROOT/tests/fakebb/fixture.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f['workspaces']['acme']['forbidden'] = f['workspaces']['acme'].get('forbidden', []) + ['infra']
f['branch_restrictions'] = [
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "push", "pattern": "main",
                     "users": [{"account_id": "557058:ann"}], "groups": [{"slug": "admins"}]}},
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "require_approvals_to_merge", "branch_match_kind": "branching_model",
                     "branch_type": "production", "value": 2}},
    {"workspace": "acme", "repository": "web", "restriction": {"kind": "delete", "pattern": "release/*"}}]
json.dump(f, open('fx.json', 'w'), indent=1)
PY
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start --log "$T/log.txt" || fail "fakebb did not start"
branch_state() { state | grep '^branch' | sort; }
branch_state > start.txt

cat > in.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,note
acme,api,,main,push,developers,,,,add a group
acme,api,,main,push,,bob@example.com,,,add a user by email
acme,api,,main,push,,{aaaaaaaa-0000-0000-0000-000000000001},,,ann by uuid: listed
acme,api,,main,push,admins,,none,,remove a group
acme,api,,model:production,require_approvals_to_merge,,,,3,set a value
acme,web,,release/*,delete,,,none,,delete it
acme,web,,main,restrict_merges,,,,,create with empty lists
acme,web,,v?.x,force,,,,,create a pattern
acme,api,,main,push,,557058:ann,none,,remove ann by account id
acme,api,,main,push,,557058:ann,,,and add her back
CSV

# ---- plan: the changes, no write, one list per repository ------------------
run_bb plan in.csv
expect_eq "$RC" 0 "plan exit code"
cat > want-plan.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,note,status,http_status,attempts,message,previous
acme,api,,main,push,developers,,,,add a group,planned,,0,add group developers to push on main,not listed
acme,api,,main,push,,bob@example.com,,,add a user by email,planned,,0,add user 557058:bob to push on main; bob@example.com is account 557058:bob,not listed
acme,api,,main,push,,{aaaaaaaa-0000-0000-0000-000000000001},,,ann by uuid: listed,ok,,0,unchanged,listed
acme,api,,main,push,admins,,none,,remove a group,planned,,0,remove group admins from push on main,listed
acme,api,,model:production,require_approvals_to_merge,,,,3,set a value,planned,,0,set value 3 (was 2) on require_approvals_to_merge on model:production,present value 2
acme,web,,release/*,delete,,,none,,delete it,planned,,0,delete delete on release/*,present
acme,web,,main,restrict_merges,,,,,create with empty lists,planned,,0,create restrict_merges on main,absent
acme,web,,v?.x,force,,,,,create a pattern,planned,,0,create force on v?.x,absent
acme,api,,main,push,,557058:ann,none,,remove ann by account id,planned,,0,remove user 557058:ann from push on main,listed
acme,api,,main,push,,557058:ann,,,and add her back,planned,,0,add user 557058:ann to push on main,not listed
CSV
expect_file out.csv want-plan.csv "plan result"
expect_match "$(cat err.txt)" "plan: 5 to grant, 1 to change, 3 to revoke, 1 unchanged, 0 failed" "plan summary"
expect_eq "$(stat_of branch_writes)" 0 "plan writes"
expect_eq "$(stat_of branch_lists)" 2 "plan reads: one list page per repository"
branch_state > after-plan.txt
expect_file after-plan.txt start.txt "state after the plan"

# ---- --dry-run: the request each row would send; nothing is read ------------
run_bb --dry-run in.csv
expect_eq "$RC" 0 "--dry-run exit code"
expect_eq "$(stat_of branch_lists)" 2 "--dry-run reads nothing"
expect_match "$(csv_col out.csv message | sed -n 1p)" '^POST /repositories/acme/api/branch-restrictions \{"type":"branchrestriction","kind":"push","branch_match_kind":"glob","pattern":"main","users":\[\],"groups":\[\{"type":"group","slug":"developers"\}\]\}' "--dry-run POST"
expect_match "$(csv_col out.csv message | sed -n 6p)" '^DELETE /repositories/acme/web/branch-restrictions/\{id of delete on release/\*\}' "--dry-run DELETE"
expect_match "$(csv_col out.csv message | sed -n 2p)" 'the email is resolved to an account when applied' "--dry-run email"

# ---- apply with --diff and --undo-file --------------------------------------
run_bb --diff --undo-file undo.csv -o applied.csv in.csv
expect_eq "$RC" 0 "apply exit code"
sed -e 's/,planned,,0,/,ok,2XX,1,/' want-plan.csv > want-applied.csv
python3 - applied.csv <<'PY' > applied-norm.csv
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
w = csv.writer(sys.stdout, lineterminator='\n')
for r in rows:
    if r[11].startswith('2') and len(r[11]) == 3: r[11] = '2XX'
    w.writerow(r)
PY
expect_file applied-norm.csv want-applied.csv "apply result (every status 2xx, one request per changing row)"
expect_eq "$(stat_of branch_writes)" 9 "writes: one per changing row (9)"
cat > want-state.txt <<'TXT'
branch	acme	api	push	glob:main	value=-	users=557058:ann,557058:bob	groups=developers	keys=
branch	acme	api	require_approvals_to_merge	model:production	value=3	users=	groups=	keys=
branch	acme	web	force	glob:v?.x	value=-	users=	groups=	keys=
branch	acme	web	restrict_merges	glob:main	value=-	users=	groups=	keys=
TXT
branch_state > applied-state.txt
expect_file applied-state.txt want-state.txt "state after apply"

# the undo file: written ahead, one row set per restriction (ann, named by
# account id and {uuid}, is one subject)
cat > want-undo.csv <<'CSV'
workspace,repo,project,group,user,privilege,branch,rule,value
acme,api,,admins,,,main,push,
acme,api,,,557058:ann,,main,push,
acme,api,,developers,,none,main,push,
acme,api,,,557058:bob,none,main,push,
acme,api,,,,,model:production,require_approvals_to_merge,2
acme,web,,,,,release/*,delete,
acme,web,,,,none,main,restrict_merges,
acme,web,,,,none,v?.x,force,
CSV
sort undo.csv > undo-sorted.csv; sort want-undo.csv > want-undo-sorted.csv
expect_file undo-sorted.csv want-undo-sorted.csv "undo rows"

# ---- a re-run sends no write (the rows that agree with the state: not the
# last two, which remove ann and add her back, each a write) ------------------
writes=$(stat_of branch_writes)
head -9 in.csv > agree.csv
run_bb --diff agree.csv
expect_eq "$RC" 0 "re-run exit code"
expect_eq "$(stat_of branch_writes)" "$writes" "re-run writes"
expect_eq "$(csv_col out.csv status | sort -u | tr '\n' ' ')" "ok " "re-run statuses"

# ---- the undo file puts the start state back ---------------------------------
run_bb --diff -o undone.csv undo.csv
expect_eq "$RC" 0 "undo exit code"
branch_state > undone.txt
expect_file undone.txt start.txt "state after the undo file"

# ---- export round trip: every row unchanged, no write --------------------------
run_bb --diff agree.csv
run_bb export --branch-rules -o exported.csv acme/PROJ
expect_eq "$RC" 0 "export exit code"
writes=$(stat_of branch_writes)
RC=0; "$BBPERM" --base-url "$FAKEBB_URL" plan - < exported.csv > rt.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "plan of the export: exit code"
expect_eq "$(csv_col rt.csv message | sort -u | tr '\n' ' ')" "unchanged " "plan of the export: every row unchanged"
expect_eq "$(( $(wc -l < rt.csv) - 1 ))" "$(( $(wc -l < exported.csv) - 1 ))" "plan of the export: every row"
expect_eq "$(stat_of branch_writes)" "$writes" "plan of the export: writes"
RC=0; "$BBPERM" --base-url "$FAKEBB_URL" --diff - < exported.csv > rt2.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "apply of the export: exit code"
expect_eq "$(stat_of branch_writes)" "$writes" "apply of the export: writes"
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null || fail "_reset"

# ---- a mixed file: permissions and branch rules --------------------------------
cat > mixed.csv <<'CSV'
workspace,repo,branch,rule,group,user,privilege,value
acme,api,,,developers,,write,
acme,api,main,push,developers,,,
acme,web,,,,557058:ann,read,
acme,web,main,restrict_merges,,557058:ann,,
CSV
run_bb --diff mixed.csv
expect_eq "$RC" 0 "mixed exit code"
expect_eq "$(csv_col out.csv message | tr '\n' '|')" "|add group developers to push on main||create restrict_merges on main with user 557058:ann|" "mixed messages"
expect_eq "$(csv_col out.csv status | tr '\n' ' ')" "ok ok ok ok " "mixed statuses"
state | grep -q $'acme\tapi\tgroup\tdevelopers\twrite' || state | grep -q 'api.*developers.*write' || fail "mixed: the permission row's write"
expect_match "$(branch_state)" $'acme\tweb\trestrict_merges\tglob:main\tvalue=-\tusers=557058:ann' "mixed: the branch row's write"
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null || fail "_reset"

# ---- invalid rows: each message, nothing sent ------------------------------------
cat > bad.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value
acme,api,,,push,developers,,,
acme,api,,main,read-only,,,,
acme,api,,main,push,developers,557058:ann,,
acme,api,,main,delete,developers,,,
acme,api,,main,push,developers,,write,
acme,api,,main,push,,,,2
acme,api,,main,require_approvals_to_merge,,,,many
acme,,PROJ,main,push,,,,
acme,api,,,,,,,
CSV
run_bb --diff bad.csv
expect_eq "$RC" 1 "invalid rows: exit code"
expect_eq "$(csv_col out.csv status | sort -u | tr '\n' ' ')" "invalid " "invalid statuses"
msgs=$(csv_col out.csv message)
for want in "line 2: branch: empty" "line 3: rule: read-only is a Data Center rule; to carry Data Center branch rules to Cloud, give --workspace W \(and --map user=email\): see docs/datacenter.md; Cloud's rules are push, delete, force," \
            "line 4: group and user: both are set" "line 5: group: the rule delete lists no users or groups" \
            "line 6: privilege: 'write' is not a branch rule's" "line 7: value: '2': the rule push takes no value" \
            "line 8: value: 'many' is not a whole number" \
            "line 9: project: Cloud has no project-level branch restrictions; write 'PROJ/\*' in the repo cell" \
            "line 10: group and user: both are empty"; do
  expect_match "$msgs" "$want" "invalid message '$want'"
done
expect_eq "$(stat_of branch_writes)" 0 "invalid rows: writes"

# ---- KEY/* over a project's repositories -------------------------------------------
cat > proj.csv <<'CSV'
workspace,repo,branch,rule,group,user,privilege,value
acme,PROJ/*,main,push,developers,,,
CSV
run_bb --diff proj.csv
expect_eq "$RC" 0 "KEY/* exit code"
expect_eq "$(csv_col out.csv repo | tr '\n' '|')" "a b|api|docs|web|x?y|" "KEY/*: one row per repository of PROJ, by slug"
expect_eq "$(csv_col out.csv status | sort -u | tr '\n' ' ')" "ok " "KEY/* statuses"
expect_eq "$(branch_state | grep $'\tpush\tglob:main\t' | grep -c 'groups=[^\t]*developers')" 5 "KEY/*: push on main with developers on each"
expect_eq "$(stat_of branch_writes)" 5 "KEY/*: one write per repository"
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null || fail "_reset"

# ---- writes that fail leave the state as it was --------------------------------------
cat > failing.csv <<'CSV'
workspace,repo,branch,rule,group,user,privilege,value
acme,infra,main,push,developers,,,
acme,api,main,push,,557058:nobody,,
acme,api,main,push,,557058:nobody,none,
acme,api,main,push,admins,,none,
CSV
branch_state > before-fail.txt
run_bb --diff failing.csv
expect_eq "$RC" 1 "failing writes: exit code"
expect_eq "$(csv_col out.csv status | tr '\n' ' ')" "failed failed ok ok " "failing writes: statuses"
expect_eq "$(csv_col out.csv http_status | tr '\n' ' ')" "403 400  200 " "failing writes: http_status"
expect_match "$(csv_col out.csv message | sed -n 1p)" "cannot read the branch restrictions of acme/infra" "403 message"
# the failed add left the cache as the server is: the remove finds it not listed
expect_eq "$(csv_col out.csv previous | sed -n 3p)" "not listed" "after a failed write, the cache is the server's"
expect_eq "$(csv_col out.csv message | sed -n 3p)" "unchanged" "nothing to remove after a failed write"
grep -v $'\tapi\tpush\t' before-fail.txt > a.txt; branch_state | grep -v $'\tapi\tpush\t' > b.txt
expect_file b.txt a.txt "failing writes: other restrictions unchanged"
expect_match "$(branch_state)" $'acme\tapi\tpush\tglob:main\tvalue=-\tusers=557058:ann\tgroups=\tkeys=' "failing writes: only the good row's change"

# --resume of that result: the ok rows are kept as they are, the failed ones
# run again (and fail again: the repository is forbidden, the user unknown)
cp out.csv failing-result.csv
w=$(stat_of branch_writes)
run_bb --diff --resume -o resumed.csv failing-result.csv
expect_eq "$RC" 1 "--resume exit code"
expect_eq "$(csv_col resumed.csv status | tr '\n' ' ')" "failed failed ok ok " "--resume statuses"
expect_eq "$(csv_col resumed.csv message | sed -n 4p)" "$(csv_col failing-result.csv message | sed -n 4p)" "--resume keeps an ok row"
expect_eq "$(( $(stat_of branch_writes) - w ))" 1 "--resume: only the failed write is sent again"
echo ok
