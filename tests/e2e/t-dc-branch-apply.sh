# Branch rules on Data Center: project and repository restrictions planned,
# applied with --diff and --undo-file, re-run without a write, undone, and
# exported then planned back unchanged. Data Center has no update: a
# changing row POSTs the restriction with its new lists (bulk content type);
# when the server answers another id (/_config dc_replace "new"), the old
# one is deleted after the new one is in place (the --log order shows it),
# so a changing row costs at most 2 writes. Access keys a restriction
# exempts are kept. Invalid rows and a write the server refuses (an unknown
# user: nothing changes, and the next row compares with the server's state).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
dc_fixture <<'JSON'
{
    "projects": [{"key": "PRJ", "repos": ["api", "web"]}, {"key": "OPS", "repos": ["tools"]}],
    "groups": ["dev-team", "admins", "qa"],
    "users": [{"name": "jdoe", "emailAddress": "john@example.com"}, "ann", "bob"],
    "access_keys": [{"id": 7, "label": "deploy"}],
    "branch_restrictions": [
        {"project": "PRJ", "restriction": {"type": "no-deletes", "matcher": {"type": {"id": "ANY_REF"}},
                                           "groups": ["admins"]}},
        {"project": "PRJ", "repo": "api",
         "restriction": {"type": "read-only", "matcher": {"id": "refs/heads/main", "type": {"id": "BRANCH"}},
                         "users": ["jdoe"], "accessKeyIds": [7]}},
        {"project": "PRJ", "repo": "api",
         "restriction": {"type": "fast-forward-only", "matcher": {"id": "release/*", "type": {"id": "PATTERN"}}}}]
}
JSON
dc_start --log "$T/log.txt" || fail "fakebb did not start"
run_dc() { RC=0; "$BBPERM" --base-url "$API" "$@" > out.csv 2>err.txt || RC=$?; }
branch_state() { state | grep '^branch' | sort; }
branch_state > start.txt

cat > in.csv <<'CSV'
project,repo,branch,rule,group,user,privilege
PRJ,api,main,read-only,dev-team,,
PRJ,api,main,read-only,,JDOE,
PRJ,api,main,read-only,,bob,
PRJ,,*,no-deletes,admins,,none
PRJ,,*,no-deletes,qa,,
PRJ,api,release/*,fast-forward-only,,,none
PRJ,web,model:feature,pull-request-only,,,
PRJ,web,pattern:hotfix,no-creates,,ann,
CSV

run_dc plan in.csv
expect_eq "$RC" 0 "plan exit code"
cat > want-plan.csv <<'CSV'
project,repo,branch,rule,group,user,privilege,status,http_status,attempts,message,previous
PRJ,api,main,read-only,dev-team,,,planned,,0,add group dev-team to read-only on main,not listed
PRJ,api,main,read-only,,JDOE,,ok,,0,unchanged,listed
PRJ,api,main,read-only,,bob,,planned,,0,add user bob to read-only on main,not listed
PRJ,,*,no-deletes,admins,,none,planned,,0,remove group admins from no-deletes on *,listed
PRJ,,*,no-deletes,qa,,,planned,,0,add group qa to no-deletes on *,not listed
PRJ,api,release/*,fast-forward-only,,,none,planned,,0,delete fast-forward-only on release/*,present
PRJ,web,model:feature,pull-request-only,,,,planned,,0,create pull-request-only on model:feature,absent
PRJ,web,pattern:hotfix,no-creates,,ann,,planned,,0,create no-creates on pattern:hotfix with user ann,absent
CSV
expect_file out.csv want-plan.csv "plan result"
expect_eq "$(stat_of branch_writes)" 0 "plan writes"
expect_eq "$(stat_of branch_lists)" 3 "plan reads: one page per target (PRJ, PRJ/api, PRJ/web)"

# --dry-run: the bulk POST it would send
run_dc --dry-run in.csv
expect_match "$(csv_col out.csv message | sed -n 1p)" '^POST /rest/branch-permissions/latest/projects/PRJ/repos/api/restrictions \[\{"type":"read-only","matcher":\{"id":"refs/heads/main","displayId":"main","type":\{"id":"BRANCH"\}\},"userSlugs":\[\],"groupNames":\["dev-team"\],"accessKeyIds":\[\]\}\]' "--dry-run POST"
expect_match "$(csv_col out.csv message | sed -n 6p)" '^DELETE /rest/branch-permissions/latest/projects/PRJ/repos/api/restrictions/\{id of fast-forward-only on release/\*\}' "--dry-run DELETE"

# ---- apply: the server answers a new id for a changed restriction ------------
curl -sf -X POST -d '{"dc_replace": "new"}' "$FAKEBB_URL/_config" > /dev/null || fail "_config"
: > "$T/log.txt"
run_dc --diff --undo-file undo.csv -o applied.csv in.csv
expect_eq "$RC" 0 "apply exit code"
expect_eq "$(csv_col applied.csv status | tr '\n' ' ')" "ok ok ok ok ok ok ok ok " "apply statuses"
expect_eq "$(csv_col applied.csv attempts | tr '\n' ' ')" "2 0 2 2 2 1 1 1 " "writes per row: POST + DELETE of the old one for a change"
expect_eq "$(stat_of branch_writes)" 11 "apply writes"
cat > want-state.txt <<'TXT'
branch	dc	prj	no-deletes	ANY_REF:ANY_REF_MATCHER_ID	value=-	users=	groups=qa	keys=
branch	dc	prj/api	read-only	BRANCH:refs/heads/main	value=-	users=bob,jdoe	groups=dev-team	keys=7
branch	dc	prj/web	no-creates	PATTERN:hotfix	value=-	users=ann	groups=	keys=
branch	dc	prj/web	pull-request-only	MODEL_CATEGORY:FEATURE	value=-	users=	groups=	keys=
TXT
branch_state > applied-state.txt
expect_file applied-state.txt want-state.txt "state after apply (one restriction per key: each old one deleted; the access key kept)"
# never unprotected: each DELETE of a replaced restriction comes after the
# POST that put its successor in place (the log's end times)
python3 - "$T/log.txt" <<'PY' || fail "a replaced restriction was deleted before its successor was in place"
import sys
lines = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
dels = [(i, l) for i, l in enumerate(lines) if l[2] == 'DELETE']
# the fixture's fast-forward-only (id 3) is deleted by its row; the four
# others are replaced: no-deletes and read-only twice each
assert len(dels) == 5 and sum(l[3] == 'branch-restriction|dc|prj/api|3' for _, l in dels) == 1, dels
for i, l in dels:
    if l[3].endswith('|3'):
        continue
    scope = l[3].rsplit('|', 1)[0].replace('branch-restriction|', 'branch-restrictions|')
    before = [p for p in lines[:i] if p[3] == scope]
    assert before and before[-1][2] == 'POST' and before[-1][4] == '200', (l, before[-1:])
    assert int(before[-1][1]) <= int(l[0]), (l, before[-1])
PY

cat > want-undo.csv <<'CSV'
workspace,repo,project,group,user,privilege,branch,rule,value
,api,PRJ,,jdoe,,main,read-only,
,api,PRJ,,bob,none,main,read-only,
,api,PRJ,dev-team,,none,main,read-only,
,,PRJ,admins,,,*,no-deletes,
,,PRJ,qa,,none,*,no-deletes,
,api,PRJ,,,,release/*,fast-forward-only,
,web,PRJ,,,none,model:feature,pull-request-only,
,web,PRJ,,,none,pattern:hotfix,no-creates,
CSV
sort undo.csv > a.csv; sort want-undo.csv > b.csv
expect_file a.csv b.csv "undo rows"

# ---- re-run: no write ---------------------------------------------------------
w=$(stat_of branch_writes)
run_dc --diff in.csv
expect_eq "$RC" 0 "re-run exit code"
expect_eq "$(stat_of branch_writes)" "$w" "re-run writes"

# ---- export round trip ----------------------------------------------------------
run_dc export --branch-rules PRJ
expect_eq "$RC" 0 "export exit code"
cp out.csv exported.csv
run_dc plan exported.csv
expect_eq "$RC" 0 "plan of the export exit code"
expect_eq "$(csv_col out.csv message | sort -u | tr '\n' ' ')" "unchanged " "plan of the export: all unchanged"
expect_eq "$(stat_of branch_writes)" "$w" "plan of the export: writes"

# ---- the undo file puts the start state back ---------------------------------------
run_dc --diff undo.csv
expect_eq "$RC" 0 "undo exit code"
branch_state > undone.txt
expect_file undone.txt start.txt "state after the undo file"

# ---- invalid rows and a refused write -------------------------------------------------
cat > bad.csv <<'CSV'
project,repo,branch,rule,group,user,privilege,value
PRJ,api,main,push,,,,
PRJ,api,main,read-only,,,,2
,api,main,read-only,,,,
PRJ,api,main,read-only,,nosuchuser,,
PRJ,api,main,read-only,,nosuchuser,none,
CSV
run_dc --diff bad.csv
expect_eq "$RC" 1 "bad rows exit code"
expect_eq "$(csv_col out.csv status | tr '\n' ' ')" "invalid invalid invalid failed ok " "bad rows statuses"
msgs=$(csv_col out.csv message)
expect_match "$msgs" "line 2: rule: 'push' is not a branch rule of Data Center; it has: read-only, no-deletes, fast-forward-only, pull-request-only, no-creates" "rule message"
expect_match "$msgs" "line 3: value: '2': the rule read-only takes no value" "value message"
expect_match "$msgs" "line 4: project: empty; a Data Center repository row needs its project key" "project message"
expect_eq "$(csv_col out.csv http_status | sed -n 4p)" 400 "refused write status"
expect_eq "$(csv_col out.csv message | sed -n 5p)" "unchanged" "after a refused write the cache is the server's"
branch_state > after-bad.txt
expect_file after-bad.txt start.txt "a refused write changes nothing"
echo ok
