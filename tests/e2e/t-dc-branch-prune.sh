# --prune of branch rules on Data Center: scope PRJ, its project's
# restrictions and its repositories'. Plan deletes the restrictions the file
# does not name and takes off the users and groups it does not name (a user
# named in any case, access keys kept: no row can name them); apply with an
# undo file, a re-plan that changes nothing, the undo putting the state
# back; OPS and the permissions left alone; a permissions file leaves
# branch rules alone. The guard counts restrictions (held rows fed back
# change nothing); an invalid row and a write answered 400 (an unknown
# user) each stop the scope.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
dc_fixture <<'JSON'
{
    "projects": [{"key": "PRJ", "repos": ["api", "web"]}, {"key": "OPS", "repos": ["tools"]}],
    "groups": ["dev-team", "admins", "qa"],
    "users": [{"name": "jdoe", "emailAddress": "john@example.com"}, "ann", "bob", "admin"],
    "access_keys": [{"id": 7, "label": "deploy"}],
    "permissions": [
      {"project": "PRJ", "group": "admins", "permission": "PROJECT_ADMIN"},
      {"project": "PRJ", "user": "admin", "permission": "PROJECT_ADMIN"},
      {"project": "PRJ", "repo": "api", "group": "dev-team", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "web", "group": "qa", "permission": "REPO_READ"}
    ],
    "branch_restrictions": [
        {"project": "PRJ", "restriction": {"type": "no-deletes", "matcher": {"type": {"id": "ANY_REF"}},
                                           "groups": ["admins"]}},
        {"project": "PRJ", "repo": "api",
         "restriction": {"type": "read-only", "matcher": {"id": "refs/heads/main", "type": {"id": "BRANCH"}},
                         "users": ["jdoe", "ann"], "groups": ["qa"], "accessKeyIds": [7]}},
        {"project": "PRJ", "repo": "api",
         "restriction": {"type": "fast-forward-only", "matcher": {"id": "release/*", "type": {"id": "PATTERN"}}}},
        {"project": "OPS", "repo": "tools",
         "restriction": {"type": "fast-forward-only", "matcher": {"id": "release/*", "type": {"id": "PATTERN"}}}}]
}
JSON
dc_start || fail "fakebb did not start"
unset BITBUCKET_TOKEN
export BITBUCKET_EMAIL=admin BITBUCKET_API_TOKEN=dc-pass
run_dc() { RC=0; "$BBPERM" --base-url "$API" "$@" > out.csv 2>err.txt || RC=$?; }
branch_state() { state | grep '^branch' | sort; }
perm_state() { state | grep -v '^branch' | sort; }
reset() { curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null || fail "_reset"; }
state > start.txt
branch_state > branch-start.txt
perm_state > perm-start.txt

cat > rules.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value
,api,PRJ,main,read-only,,JDOE,,
,api,PRJ,main,read-only,qa,,,
,web,PRJ,model:feature,pull-request-only,,,,
CSV

# ---- plan ----------------------------------------------------------------------
run_dc plan --prune PRJ --max-prune 100% --detailed-exitcode rules.csv
expect_eq "$RC" 3 "plan --prune exit (changes)"
cat > want-plan.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,status,http_status,attempts,message,previous
,api,PRJ,main,read-only,,JDOE,,,ok,,0,unchanged,listed
,api,PRJ,main,read-only,qa,,,,ok,,0,unchanged,listed
,web,PRJ,model:feature,pull-request-only,,,,,planned,,0,create pull-request-only on model:feature,absent
,,PRJ,*,no-deletes,,,none,,planned,,0,delete no-deletes on *: not in the file,present
,api,PRJ,main,read-only,,ann,none,,planned,,0,remove user ann from read-only on main: not in the file,listed
,api,PRJ,release/*,fast-forward-only,,,none,,planned,,0,delete fast-forward-only on release/*: not in the file,present
CSV
expect_file out.csv want-plan.csv "plan --prune rows (project first, then its repositories)"
expect_eq "$(stat_of branch_writes)" 0 "plan writes"
expect_eq "$(stat_of branch_lists)" 3 "plan reads each target once (PRJ, PRJ/api, PRJ/web)"

# ---- apply, re-plan, undo ------------------------------------------------------------
run_dc apply --prune PRJ --max-prune 100% --undo-file undo.csv -o applied.csv rules.csv
expect_eq "$RC" 0 "apply --prune exit"
expect_eq "$(csv_col applied.csv status | tr '\n' ' ')" "ok ok ok ok ok ok " "apply statuses"
cat > want-branch.txt <<'TXT'
branch	dc	ops/tools	fast-forward-only	PATTERN:release/*	value=-	users=	groups=	keys=
branch	dc	prj/api	read-only	BRANCH:refs/heads/main	value=-	users=jdoe	groups=qa	keys=7
branch	dc	prj/web	pull-request-only	MODEL_CATEGORY:FEATURE	value=-	users=	groups=	keys=
TXT
branch_state > b.txt; expect_file b.txt want-branch.txt "branch rules after apply (the access key kept; OPS left alone)"
perm_state > p.txt; expect_file p.txt perm-start.txt "a branch-rules file leaves permissions alone"
run_dc plan --prune PRJ --max-prune 100% --detailed-exitcode rules.csv
expect_eq "$RC" 0 "re-plan: nothing to change"
run_dc apply -o undone.csv undo.csv
expect_eq "$RC" 0 "undo exit"
state > s.txt; expect_file s.txt start.txt "the undo file restores the state"
reset

# ---- a permissions file leaves branch rules alone -------------------------------------
cat > perms.csv <<'CSV'
workspace,repo,project,group,user,privilege
,,PRJ,admins,,admin
,api,PRJ,dev-team,,write
CSV
run_dc apply --prune PRJ --max-prune 100% perms.csv
expect_eq "$RC" 0 "permissions --prune exit"
expect_match "$(csv_col out.csv message | tail -1)" "revoke read: not in the file" "the permission prune row"
expect_eq "$(stat_of branch_lists)" 0 "a permissions file reads no branch rules"
branch_state > b.txt; expect_file b.txt branch-start.txt "a permissions file leaves branch rules alone"
reset

# ---- the guard counts restrictions: 3 of the 4 the file leaves exceed 25% ---------
run_dc plan --prune PRJ -o held.csv rules.csv
expect_eq "$RC" 1 "held: exit 1"
expect_match "$(cat err.txt)" "PRJ: its branch rules are not pruned: 3 restrictions would change or go, which exceeds --max-prune 25% of 4" "held: stderr"
expect_eq "$(csv_col held.csv status | tail -3 | tr '\n' ' ')" "held held held " "held rows"
expect_eq "$(csv_col held.csv privilege | tail -3 | tr '\n' ' ')" "   " "held rows name what is live (no none)"
run_dc apply -o fed.csv held.csv
expect_eq "$(csv_col fed.csv message | tail -3 | sort -u)" "unchanged" "held rows fed back: unchanged"
expect_eq "$(stat_of branch_writes)" 1 "held rows fed back: only the file's own create"
grep -v $'\tprj/web\t' branch-start.txt > a.txt; branch_state | grep -v $'\tprj/web\t' > b.txt
expect_file b.txt a.txt "held rows fed back: nothing pruned"
reset

# ---- rows that stop the scope -----------------------------------------------------------
{ cat rules.csv; echo ',api,PRJ,main,push,,,,'; } > invalid.csv
run_dc plan --prune PRJ --max-prune 100% invalid.csv
expect_eq "$RC" 1 "invalid row: exit 1"
expect_eq "$(csv_col out.csv message | grep -c ': not in the file$')" 0 "invalid row: no prune row"
expect_match "$(cat err.txt)" "bbperm: prune: PRJ is not pruned: line 5 is invalid" "invalid row: the scope and the line"
# OPS's invalid row stops PRJ's prune not
{ cat rules.csv; echo ',tools,OPS,main,push,,,,'; } > ops.csv
run_dc plan --prune PRJ --max-prune 100% ops.csv
expect_eq "$(csv_col out.csv message | grep -c ': not in the file$')" 3 "another project's row stops none"
{ cat rules.csv; echo ',web,PRJ,main,no-deletes,,nobody,,'; } > nobody.csv
run_dc plan --prune PRJ --max-prune 100% nobody.csv
expect_eq "$(csv_col out.csv message | sed -n 4p)" "no such user: nobody" "plan checks the new subject"
expect_eq "$(csv_col out.csv message | grep -c ': not in the file$')" 0 "plan, unknown user: no prune row"
run_dc apply --prune PRJ --max-prune 100% nobody.csv
expect_eq "$RC" 1 "apply, unknown user: exit 1"
expect_eq "$(csv_col out.csv http_status | sed -n 4p)" 400 "the unknown user's write: 400"
expect_eq "$(csv_col out.csv message | grep -c ': not in the file$')" 0 "apply, unknown user: no prune row"
expect_match "$(cat err.txt)" "PRJ is not pruned: line 5 " "apply, unknown user: the scope and the line"
grep -v $'\tprj/web\t' branch-start.txt > a.txt; branch_state | grep -v $'\tprj/web\t' > b.txt
expect_file b.txt a.txt "apply, unknown user: nothing pruned"
echo ok
