# --prune of branch rules on Cloud: a kind is pruned only when the file has
# rows of it. A branch-rules file: plan deletes the restrictions it does not
# name and takes off the subjects it does not name (export's cells, after
# the file's rows, privilege none); apply does it with an undo file that
# puts the start state back; a re-plan changes nothing. A permissions file
# leaves branch rules alone (not even read), a branch-rules file leaves
# permissions alone, a mixed file prunes both. The guard counts
# restrictions; its held rows name what is live, so the plan fed back
# (plain or --resume) changes nothing. An invalid branch row, a user plan
# finds no member, and a write answered 400 (an unknown user) each stop the
# scope; a row of another workspace stops none; a saved plan's branch
# prune rows stay behind a row that failed.
. "$(dirname "$0")/lib.sh"

python3 - "$ROOT/tests/fakebb/fixture.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f['branch_restrictions'] = [
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "push", "pattern": "main", "users": [{"account_id": "557058:ann"}],
                     "groups": [{"slug": "admins"}, {"slug": "developers"}]}},
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "require_approvals_to_merge", "branch_match_kind": "branching_model",
                     "branch_type": "production", "value": 2}},
    {"workspace": "acme", "repository": "web", "restriction": {"kind": "delete", "pattern": "release/*"}},
    {"workspace": "acme", "repository": "infra", "restriction": {"kind": "force", "pattern": "main"}}]
json.dump(f, open('fx.json', 'w'), indent=1)
PY
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb did not start"
branch_state() { state | grep '^branch' | sort; }
perm_state() { state | grep -v '^branch' | sort; }
reset() { curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null || fail "_reset"; }
state > start.txt
branch_state > branch-start.txt
perm_state > perm-start.txt

# ann by email: one user however the file writes her
cat > rules.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value
acme,api,,main,push,developers,,,
acme,api,,main,push,,ann@example.com,,
CSV

# ---- plan: the unnamed restrictions deleted, the unnamed subject taken off --
run_bb plan --prune acme/PROJ --max-prune 100% --detailed-exitcode rules.csv
expect_eq "$RC" 3 "plan --prune exit (changes)"
cat > want-plan.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,status,http_status,attempts,message,previous
acme,api,,main,push,developers,,,,ok,,0,unchanged,listed
acme,api,,main,push,,ann@example.com,,,ok,,0,unchanged; ann@example.com is account 557058:ann,listed
acme,api,PROJ,main,push,admins,,none,,planned,,0,remove group admins from push on main: not in the file,listed
acme,api,PROJ,model:production,require_approvals_to_merge,,,none,,planned,,0,delete require_approvals_to_merge on model:production: not in the file,present value 2
acme,web,PROJ,release/*,delete,,,none,,planned,,0,delete delete on release/*: not in the file,present
CSV
expect_file out.csv want-plan.csv "plan --prune rows"
expect_eq "$(stat_of branch_writes)" 0 "plan writes"
# one list page per repository of PROJ (api, web, docs, a b, x?y): the
# file's rows and the walk share the read of api
expect_eq "$(stat_of branch_lists)" 5 "plan reads each repository's restrictions once"
state > s.txt; expect_file s.txt start.txt "state after the plan"

# ---- apply with an undo file; the re-plan is unchanged; the undo restores --
run_bb apply --prune acme/PROJ --max-prune 100% --undo-file undo.csv -o applied.csv rules.csv
expect_eq "$RC" 0 "apply --prune exit"
expect_eq "$(csv_col applied.csv status | tr '\n' ' ')" "ok ok ok ok ok " "apply statuses"
expect_eq "$(csv_col applied.csv message | sed -n 3,5p | tr '\n' '|')" "remove group admins from push on main: not in the file|delete require_approvals_to_merge on model:production: not in the file|delete delete on release/*: not in the file|" "apply prune messages"
expect_eq "$(stat_of branch_writes)" 3 "one write per prune row"
cat > want-branch.txt <<'TXT'
branch	acme	api	push	glob:main	value=-	users=557058:ann	groups=developers	keys=
branch	acme	infra	force	glob:main	value=-	users=	groups=	keys=
TXT
branch_state > b.txt; expect_file b.txt want-branch.txt "branch rules after apply (infra is OPS: kept)"
perm_state > p.txt; expect_file p.txt perm-start.txt "a branch-rules file leaves permissions alone"
run_bb plan --prune acme/PROJ --max-prune 100% --detailed-exitcode rules.csv
expect_eq "$RC" 0 "re-plan: nothing to change"
expect_eq "$(( $(wc -l < out.csv) - 1 ))" 2 "re-plan: no prune row"
run_bb apply -o undone.csv undo.csv
expect_eq "$RC" 0 "undo exit"
state > s.txt; expect_file s.txt start.txt "the undo file restores the state, pruned rules included"
reset

# ---- a permissions file leaves branch rules alone, and reads none ---------
run_bb export -o perms-all.csv acme/PROJ
grep -v '^acme,web,PROJ,old-team' perms-all.csv > perms.csv
run_bb apply --prune acme/PROJ --max-prune 100% perms.csv
expect_eq "$RC" 0 "permissions --prune exit"
expect_match "$(tail -1 out.csv)" '^acme,web,PROJ,old-team,,none,,ok,.*revoke write: not in the file' "the permission prune row"
expect_eq "$(stat_of branch_lists)" 0 "a permissions file reads no branch rules"
expect_eq "$(stat_of branch_writes)" 0 "a permissions file writes no branch rule"
branch_state > b.txt; expect_file b.txt branch-start.txt "a permissions file leaves branch rules alone"
# a header with a rule column but permission rows only is a permissions file too
sed -e '1s/$/,branch,rule/' -e '2,$s/$/,,/' perms.csv > perms-rule.csv
reset
run_bb plan --prune acme/PROJ --max-prune 100% perms-rule.csv
expect_eq "$(csv_col out.csv message | tail -1)" "revoke write: not in the file" "rule column, permission rows: permissions pruned"
expect_eq "$(stat_of branch_lists)" 0 "rule column, permission rows: no branch rule read"

# ---- a mixed file prunes both -------------------------------------------------
python3 - perms.csv rules.csv > mixed.csv <<'PY'
import csv, sys
w = csv.writer(sys.stdout, lineterminator='\n')
w.writerow(['workspace', 'repo', 'project', 'branch', 'rule', 'group', 'user', 'privilege', 'value'])
for r in list(csv.DictReader(open(sys.argv[1])))[1:]:
    w.writerow([r['workspace'], r['repo'], r['project'], '', '', r['group'], r['user'], r['privilege'], ''])
for r in csv.DictReader(open(sys.argv[2])):
    w.writerow([r[k] for k in ['workspace', 'repo', 'project', 'branch', 'rule', 'group', 'user', 'privilege', 'value']])
PY
run_bb apply --prune acme/PROJ --max-prune 100% --undo-file undo-mixed.csv -o mixed-out.csv mixed.csv
expect_eq "$RC" 0 "mixed --prune exit"
expect_eq "$(csv_col mixed-out.csv message | grep -c ': not in the file$')" 5 "mixed: 1 revocation + 3 branch prune rows + the first export row left out"
perm_state > p.txt
grep -q $'repository\tacme\tweb\tgroup\told-team' p.txt && fail "mixed: the permission not in the file stays: $(cat p.txt)"
branch_state > b.txt; expect_file b.txt want-branch.txt "mixed: branch rules pruned"
run_bb apply -o /dev/null undo-mixed.csv
state > s.txt; expect_file s.txt start.txt "mixed: the undo file restores both kinds"
reset

# ---- the guard counts restrictions: 3 of 3 exceed 25% -------------------------
run_bb plan --prune acme/PROJ -o plan-held.csv rules.csv
expect_eq "$RC" 1 "held: exit 1"
expect_match "$(cat err.txt)" "acme/PROJ: its branch rules are not pruned: 3 restrictions would change or go, which exceeds --max-prune 25% of 3; their rows are written 'held'" "held: stderr"
cat > want-held.csv <<'CSV'
acme,api,PROJ,main,push,admins,,,,held,,0,held: would remove group admins from push on main; 3 restrictions in acme/PROJ exceed --max-prune 25% of 3,listed
acme,api,PROJ,model:production,require_approvals_to_merge,,,,2,held,,0,held: would delete require_approvals_to_merge on model:production; 3 restrictions in acme/PROJ exceed --max-prune 25% of 3,present value 2
acme,web,PROJ,release/*,delete,,,,,held,,0,held: would delete delete on release/*; 3 restrictions in acme/PROJ exceed --max-prune 25% of 3,present
CSV
tail -3 plan-held.csv > got.csv; expect_file got.csv want-held.csv "held rows name what is live"
run_bb plan --prune acme/PROJ --max-prune 3 rules.csv
expect_eq "$RC" 0 "--max-prune 3 lets 3 restrictions go"
# held rows fed back, plain and with --resume, change nothing
run_bb apply -o fed.csv plan-held.csv
expect_eq "$RC" 0 "held plan fed back: exit"
expect_eq "$(csv_col fed.csv message | sort -u | tr '\n' '|')" "unchanged|unchanged; ann@example.com is account 557058:ann|" "held plan fed back: all unchanged"
run_bb --resume -o fed2.csv plan-held.csv
expect_eq "$(stat_of branch_writes)" 0 "held plan fed back: no write"
state > s.txt; expect_file s.txt start.txt "held plan fed back: state unchanged"

# ---- rows that stop the scope ----------------------------------------------------
# an invalid branch row (no such rule); a row of another workspace stops none
{ cat rules.csv; echo 'other,api,,main,read-only,,,,'; } > other.csv
run_bb plan --prune acme/PROJ --max-prune 100% other.csv
expect_eq "$RC" 1 "another workspace's invalid row: exit 1"
expect_eq "$(csv_col out.csv message | grep -c ': not in the file$')" 3 "another workspace's row stops none"
{ cat rules.csv; echo 'acme,api,,main,no-such-rule,,,,'; } > invalid.csv
run_bb plan --prune acme/PROJ --max-prune 100% invalid.csv
expect_eq "$RC" 1 "invalid branch row: exit 1"
expect_eq "$(( $(wc -l < out.csv) - 1 ))" 3 "invalid branch row: no prune row"
expect_match "$(cat err.txt)" "bbperm: prune: acme/PROJ is not pruned: line 4 is invalid.*rule: 'no-such-rule' is not a branch rule of Cloud" "invalid branch row: the scope and the line"
expect_eq "$(grep -c 'not pruned' err.txt)" 1 "invalid branch row: one stderr line"
# ... and it stops the permissions of its scope as well
{ cat mixed.csv; echo 'acme,web,,main,read-only,,,,'; } > mixed-invalid.csv
run_bb plan --prune acme/PROJ --max-prune 100% mixed-invalid.csv
expect_eq "$(csv_col out.csv message | grep -c ': not in the file$')" 0 "an invalid branch row stops the permission prune too"
# a mistyped repository (its list answers 404) may stand for one of the scope's
{ cat rules.csv; echo 'acme,apii,,main,push,developers,,,'; } > typo.csv
run_bb plan --prune acme/PROJ --max-prune 100% typo.csv
expect_eq "$RC" 1 "mistyped repository: exit 1"
expect_eq "$(csv_col out.csv http_status | sed -n 3p)" 404 "mistyped repository: 404"
expect_eq "$(( $(wc -l < out.csv) - 1 ))" 3 "mistyped repository: no prune row"
expect_match "$(cat err.txt)" "acme/PROJ is not pruned: line 4 " "mistyped repository: the scope and the line"
# a user who is no member of the workspace: plan checks it, and it stops the scope
{ cat rules.csv; echo 'acme,web,,main,push,,557058:nobody,,'; } > nobody.csv
run_bb plan --prune acme/PROJ --max-prune 100% nobody.csv
expect_eq "$RC" 1 "plan, unknown user: exit 1"
expect_eq "$(csv_col out.csv message | sed -n 3p)" "not a member of acme: 557058:nobody" "plan checks the new subject"
expect_eq "$(( $(wc -l < out.csv) - 1 ))" 3 "plan, unknown user: no prune row"
# apply: the write answered 400 stops the scope: no revocation is sent
run_bb apply --prune acme/PROJ --max-prune 100% nobody.csv
expect_eq "$RC" 1 "apply, write answered 400: exit 1"
expect_eq "$(csv_col out.csv http_status | sed -n 3p)" 400 "the unknown user's write: 400"
expect_eq "$(( $(wc -l < out.csv) - 1 ))" 3 "apply, write answered 400: no prune row"
expect_match "$(cat err.txt)" "acme/PROJ is not pruned: line 4 " "apply, write answered 400: the scope and the line"
expect_eq "$(stat_of branch_writes)" 1 "apply, write answered 400: only its own write"
state > s.txt; expect_file s.txt start.txt "apply, write answered 400: nothing pruned"

# ---- a saved plan's branch prune rows stay behind a row that failed ---------------
{ cat rules.csv; echo 'acme,web,,main,push,,557058:ann,,'; } > grow.csv
run_bb plan --prune acme/PROJ --max-prune 100% -o saved.csv grow.csv
expect_eq "$(csv_col saved.csv status | tr '\n' ' ')" "ok ok planned planned planned planned " "saved plan"
# the plan is edited by hand: its new user is mistyped
sed -i 's/^acme,web,,main,push,,557058:ann,/acme,web,,main,push,,557058:nobody,/' saved.csv
run_bb apply -o saved-out.csv saved.csv
expect_eq "$RC" 1 "saved plan with a failing row: exit 1"
expect_eq "$(csv_col saved-out.csv status | tr '\n' ' ')" "ok ok failed cancelled cancelled cancelled " "saved plan: the prune rows are not sent"
expect_match "$(csv_col saved-out.csv message | tail -1)" "^not sent: line 4 of the plan did not succeed" "saved plan: why"
run_bb --resume -o saved-out2.csv saved.csv
expect_eq "$(csv_col saved-out2.csv status | tail -3 | tr '\n' ' ')" "cancelled cancelled cancelled " "saved plan, --resume: the prune rows are not sent"
state > s.txt; expect_file s.txt start.txt "saved plan: nothing pruned"
echo ok
