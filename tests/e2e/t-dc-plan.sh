# Data Center: plan, --diff and --undo-file against an initial state (the
# fixture's datacenter.permissions), with the server's page size clamped to
# 3 (POST /_config dc_max_limit) so every list of more than 3 permissions
# takes several pages (start=nextPageStart until isLastPage).
# plan: grant, change, revoke, unchanged (also a revoke of an absent
# permission, names in other case, Data Center names), rows for one
# permission compared with what the rows before them leave, the 'previous'
# column, a target whose list fails (404); it sends no write, and reads each
# target's list once per subject kind (the page count is exact).
# --diff writes exactly the planned rows; the state is what the CSV asked
# for; a re-run of the agreeing rows sends no write; --resume of the plan
# gives the same state; an undo file written by --undo-file puts the initial
# state back.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
dc_fixture <<'JSON'
{
    "projects": [{"key": "PRJ", "repos": ["api", "web"]}, {"key": "OPS", "repos": ["tools"]}],
    "groups": ["g1", "g2", "g3", "g4", "g5", "g6", "g7", "qa+ops", "a&b=c"],
    "users": ["u1", "u2", "u3", "u4", "u5", {"name": "jdoe", "emailAddress": "john@example.com"}],
    "permissions": [
      {"project": "PRJ", "repo": "api", "group": "g1", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "group": "g2", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "group": "g3", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "api", "group": "g4", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "group": "g5", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "group": "g6", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "group": "g7", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "group": "qa+ops", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "user": "u1", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "user": "u2", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "user": "u3", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "user": "u4", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "user": "jdoe", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "group": "g1", "permission": "PROJECT_READ"},
      {"project": "PRJ", "group": "g2", "permission": "PROJECT_WRITE"},
      {"project": "PRJ", "group": "g3", "permission": "PROJECT_ADMIN"},
      {"project": "PRJ", "group": "a&b=c", "permission": "REPO_CREATE"},
      {"project": "PRJ", "user": "u1", "permission": "REPO_CREATE"},
      {"project": "PRJ", "user": "u2", "permission": "PROJECT_READ"},
      {"project": "PRJ", "user": "u3", "permission": "PROJECT_READ"},
      {"project": "PRJ", "user": "u4", "permission": "PROJECT_ADMIN"},
      {"project": "OPS", "repo": "tools", "group": "g1", "permission": "REPO_WRITE"}
    ]
}
JSON
cat > in.csv <<'CSV'
repo,project,group,user,privilege,ticket
api,PRJ,g1,,read,P01
api,PRJ,G2,,REPO_ADMIN,P02
api,PRJ,g3,,none,P03
api,PRJ,g4,,revoke,P04
api,PRJ,g6,,write,P05
api,PRJ,g6,,read,P06
api,PRJ,g7,,read,P07
api,PRJ,qa+ops,,write,P08
api,PRJ,a&b=c,,read,P09
api,PRJ,,U1,read,P10
api,PRJ,,u2,admin,P11
api,PRJ,,u5,none,P12
api,PRJ,,u3,revoke,P13
api,PRJ,,jdoe,repo_admin,P14
,PRJ,g1,,PROJECT_READ,P15
,PRJ,g2,,read,P16
,PRJ,g3,,none,P17
,PRJ,a&b=c,,create-repo,P18
,PRJ,g4,,create-repo,P19
,PRJ,,u1,Repo_Create,P20
,PRJ,,u2,write,P21
,PRJ,,u4,revoke,P22
,PRJ,,u5,project_admin,P23
web,PRJ,g1,,write,P24
web,PRJ,g1,,none,P25
tools,OPS,g1,,write,P26
tools,OPS,,u1,read,P27
nope,PRJ,g1,,read,P28
web,,g1,,read,P29
CSV
cat > want-plan.csv <<'CSV'
repo,project,group,user,privilege,ticket,status,http_status,attempts,message,previous
api,PRJ,g1,,read,P01,ok,,0,unchanged,read
api,PRJ,G2,,REPO_ADMIN,P02,planned,,0,change write to admin,write
api,PRJ,g3,,none,P03,planned,,0,revoke admin,admin
api,PRJ,g4,,revoke,P04,planned,,0,revoke read,read
api,PRJ,g6,,write,P05,planned,,0,change read to write,read
api,PRJ,g6,,read,P06,planned,,0,change write to read,write
api,PRJ,g7,,read,P07,ok,,0,unchanged,read
api,PRJ,qa+ops,,write,P08,ok,,0,unchanged,write
api,PRJ,a&b=c,,read,P09,planned,,0,grant read,none
api,PRJ,,U1,read,P10,ok,,0,unchanged,read
api,PRJ,,u2,admin,P11,planned,,0,change read to admin,read
api,PRJ,,u5,none,P12,ok,,0,unchanged,none
api,PRJ,,u3,revoke,P13,planned,,0,revoke read,read
api,PRJ,,jdoe,repo_admin,P14,ok,,0,unchanged,admin
,PRJ,g1,,PROJECT_READ,P15,ok,,0,unchanged,read
,PRJ,g2,,read,P16,planned,,0,change write to read,write
,PRJ,g3,,none,P17,planned,,0,revoke admin,admin
,PRJ,a&b=c,,create-repo,P18,ok,,0,unchanged,create-repo
,PRJ,g4,,create-repo,P19,planned,,0,grant create-repo,none
,PRJ,,u1,Repo_Create,P20,ok,,0,unchanged,create-repo
,PRJ,,u2,write,P21,planned,,0,change read to write,read
,PRJ,,u4,revoke,P22,planned,,0,revoke admin,admin
,PRJ,,u5,project_admin,P23,planned,,0,grant admin,none
web,PRJ,g1,,write,P24,planned,,0,grant write,none
web,PRJ,g1,,none,P25,planned,,0,revoke write,write
tools,OPS,g1,,write,P26,ok,,0,unchanged,write
tools,OPS,,u1,read,P27,planned,,0,grant read,none
nope,PRJ,g1,,read,P28,failed,404,0,cannot read the permissions of PRJ/nope: Repository PRJ/nope does not exist.,
web,,g1,,read,P29,invalid,,0,line 30: project: empty; a Data Center repository row needs its project key,
CSV
# --diff: the planned rows are sent (204, attempts 1, empty message), the
# others are the plan's
python3 - <<'PY'
import csv
rows = list(csv.reader(open("want-plan.csv", newline="")))
w = csv.writer(open("want-diff.csv", "w", newline=""), lineterminator="\n")
w.writerow(rows[0])
for r in rows[1:]:
    if r[6] == "planned":
        r[6:10] = ["ok", "204", "1", ""]
    w.writerow(r)
PY
cat > want-state.txt <<'TXT'
project dc prj group a&b=c create-repo
project dc prj group g1 read
project dc prj group g2 read
project dc prj group g4 create-repo
project dc prj user u1 create-repo
project dc prj user u2 write
project dc prj user u3 read
project dc prj user u5 admin
repository dc ops/tools group g1 write
repository dc ops/tools user u1 read
repository dc prj/api group a&b=c read
repository dc prj/api group g1 read
repository dc prj/api group g2 admin
repository dc prj/api group g5 write
repository dc prj/api group g6 read
repository dc prj/api group g7 read
repository dc prj/api group qa+ops write
repository dc prj/api user jdoe admin
repository dc prj/api user u1 read
repository dc prj/api user u2 admin
repository dc prj/api user u4 write
TXT
tr ' ' '\t' < want-state.txt > want-state.tsv
dc_start
dc_page_limit 3
state > state0.txt
# run_dc COMMAND-AND-ARGS...: bbperm against the Data Center root; sets RC
run_dc() { RC=0; "$BBPERM" "$@" --base-url "$API" 2>err.txt || RC=$?; }

# Pages each read costs with 3 per page (an empty list is one page):
#   PRJ/api groups 8 -> 3, users 5 -> 2; PRJ groups 4 -> 2, users 4 -> 2;
#   PRJ/web groups 0 -> 1 (no user row); OPS/tools groups 1 -> 1, users 0 -> 1
pages=12

run_dc plan -v -j 4 -o plan.csv in.csv
expect_eq "$RC" 1 "exit code of the plan (one failed, one invalid row)"
expect_file plan.csv want-plan.csv "plan"
expect_eq "$(stat_of writes)" 0 "writes of the plan"
expect_eq "$(stat_of lists)" "$pages" "permission list pages of the plan"
expect_eq "$(stat_of requests)" $((pages + 2)) "requests of the plan (the pages, the 404 and the check before the first row)"
expect_match "$(tail -1 err.txt)" "plan: 5 to grant, 6 to change, 6 to revoke, 10 unchanged, 1 failed \(404 x1\), 1 invalid; 13 requests \(13 reads\)" "plan summary"
grep -q '^bbperm: > GET [^ ]*/projects/PRJ/repos/api/permissions/groups?limit=1000&start=3$' err.txt ||
  fail "no second page asked with start=3: $(grep -m3 'permissions/groups' err.txt)"
grep -q '^bbperm: > GET [^ ]*/projects/PRJ/repos/api/permissions/groups?limit=1000&start=6$' err.txt ||
  fail "no third page asked with start=6"
expect_eq "$(state)" "$(cat state0.txt)" "state after the plan"

run_dc --diff -j 4 -o diff.csv in.csv
expect_eq "$RC" 1 "exit code of --diff"
expect_file diff.csv want-diff.csv "--diff result"
expect_eq "$(stat_of writes)" 17 "writes of --diff: the planned rows"
state > state1.txt
expect_file state1.txt want-state.tsv "state after --diff"

# the rows that agree on their permission's value, again: no write at all
grep -v 'P05\|P24' in.csv > again.csv
w0=$(stat_of writes)
run_dc --diff -j 4 -o again-out.csv again.csv
expect_eq "$RC" 1 "exit code of the re-run"
expect_eq "$(stat_of writes)" "$w0" "writes of a --diff re-run"
expect_eq "$(csv_col again-out.csv message | sort | uniq -c | tr -s ' ')" \
  " 1 cannot read the permissions of PRJ/nope: Repository PRJ/nope does not exist.
 1 line 28: project: empty; a Data Center repository row needs its project key
 25 unchanged" "messages of the re-run"

# --resume of the plan from the initial state: the same state. The plan is
# compared with the live state first (the plan's reads, once each), so the
# failed row fails at its read again and only the planned rows are written
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null
run_dc --resume -j 4 -o resumed.csv plan.csv
expect_eq "$RC" 1 "exit code of --resume of the plan"
expect_eq "$(stat_of writes)" 17 "writes of --resume of the plan"
expect_eq "$(grep -c ',ok,204,1,,' resumed.csv)" 17 "planned rows applied by --resume"
expect_match "$(grep P28 resumed.csv)" ",P28,failed,404,0,cannot read the permissions of PRJ/nope: Repository PRJ/nope does not exist.,$" "the failed row, again"
expect_eq "$(stat_of lists)" "$pages" "lists of --resume of the plan: the plan's"
state > state2.txt
expect_file state2.txt want-state.tsv "state after --resume of the plan"

# --undo-file from the initial state, then the undo file: the initial state
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null
run_dc --undo-file undo.csv -j 4 -o undone-run.csv in.csv
expect_eq "$RC" 1 "exit code of the run with --undo-file"
expect_file undone-run.csv want-diff.csv "result with --undo-file"
expect_eq "$(head -1 undo.csv)" "workspace,repo,project,group,user,privilege" "undo header"
expect_eq "$(($(wc -l < undo.csv) - 1))" 15 "undo rows: one per permission changed"
grep -qx ',web,PRJ,g1,,none' undo.csv || fail "granted then revoked: its undo row is not 'none': $(grep web undo.csv)"
grep -qi '^,api,PRJ,g2,,write$' undo.csv || fail "changed: its undo row is not its first value: $(grep -i g2 undo.csv)"
run_dc -j 4 -o undo-out.csv undo.csv
expect_eq "$RC" 0 "exit code of the undo"
state > state3.txt
expect_file state3.txt state0.txt "state after the undo"
