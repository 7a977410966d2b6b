# Branch rules with --undo-file, the run killed with SIGKILL in the middle:
# every restriction the server saw written has its undo rows (written
# ahead), and applying the undo file restores the initial restrictions
# exactly (lists and values; a restriction the run created is deleted, one
# it deleted is recreated).
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
N = 150
br = []
for i in range(N):
    r = "r%03d" % i
    if i % 2 == 0:
        br.append({"workspace": "acme", "repository": r, "restriction":
                   {"kind": "push", "pattern": "main", "users": [], "groups": [{"slug": "contractors"}]}})
    if i % 3 == 0:
        br.append({"workspace": "acme", "repository": r, "restriction": {"kind": "delete", "pattern": "release/*"}})
    if i % 4 == 0:
        br.append({"workspace": "acme", "repository": r, "restriction":
                   {"kind": "require_approvals_to_merge", "pattern": "main", "value": 2}})
json.dump({"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
           "workspaces": {"acme": {"repositories": ["r%03d" % i for i in range(N)], "projects": ["PROJ"],
                                   "groups": ["developers", "contractors"],
                                   "users": [{"uuid": "{aaaaaaaa-0000-0000-0000-000000000001}",
                                              "account_id": "557058:ann"}]}},
           "branch_restrictions": br}, open("fx.json", "w"))
with open("in.csv", "w") as f:
    f.write("workspace,repo,project,branch,rule,group,user,privilege,value\n")
    for i in range(N):
        r = "r%03d" % i
        f.write(f"acme,{r},,main,push,developers,,,\n")
        f.write(f"acme,{r},,main,push,contractors,,none,\n")
        f.write(f"acme,{r},,main,push,,557058:ann,,\n")
        f.write(f"acme,{r},,main,require_approvals_to_merge,,,,3\n")
        if i % 3 == 0:
            f.write(f"acme,{r},,release/*,delete,,,none,\n")
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --latency 40 --log req.log
state > state0.txt
grep -q '^branch' state0.txt || fail "the fixture has no branch restrictions"
"$BBPERM" --base-url "$FAKEBB_URL" -j 4 --undo-file undo.csv -o run1.csv in.csv 2>err.txt &
bb=$!
for i in $(seq 1 300); do
  [ "$(stat_of branch_writes)" -ge 40 ] && break
  kill -0 $bb 2>/dev/null || break
  sleep 0.1
done
kill -KILL $bb 2>/dev/null
wait $bb 2>/dev/null
for i in $(seq 1 100); do [ "$(stat_of in_flight)" = 0 ] && break; sleep 0.1; done
writes=$(stat_of branch_writes)
echo "killed after $writes branch writes"
[ "$writes" -ge 40 ] || fail "the run was killed before it wrote anything much ($writes writes)"
[ "$writes" -lt 500 ] || fail "the run was nearly done when killed ($writes writes): nothing proved"
state > state1.txt
cmp -s state0.txt state1.txt && fail "the killed run changed nothing"
# every repository the server saw a branch write for has undo rows
python3 - <<'PY' || exit 1
import csv, re
undo = list(csv.reader(open("undo.csv", newline="")))
head = undo[0]
for col in ("workspace", "repo", "branch", "rule", "privilege", "value"):
    assert col in head, f"undo header {head} lacks {col}"
repos = {r[head.index("repo")] for r in undo[1:]}
written = set()
for l in open("req.log"):
    f = l.rstrip("\n").split("\t")
    # start, end, method, branch-restrictions|workspace|repo, status, ...
    if len(f) > 4 and f[2] in ("POST", "PUT", "DELETE") and f[3].startswith("branch-restrictions|") \
            and f[4].startswith("2"):
        written.add(f[3].split("|")[2])
missing = sorted(written - repos)
assert written, "no branch write in the server's log"
assert not missing, f"repositories written without undo rows: {missing[:5]}"
print(f"{len(written)} repositories written, {len(undo) - 1} undo rows, all covered")
PY
curl -sf -X POST -d '{"latency_ms": 0}' "$FAKEBB_URL/_config" > /dev/null
run_bb -j 4 -o undone.csv undo.csv
expect_eq "$RC" 0 "exit code of the undo ($(grep -v ',ok,' undone.csv | head -3))"
state > state2.txt
expect_file state2.txt state0.txt "restrictions after the undo of a killed run"
# and the undo applied again changes nothing
before=$(stat_of branch_writes)
run_bb -j 4 -o undone2.csv undo.csv
expect_eq "$RC" 0 "exit code of the undo applied again"
expect_eq "$(( $(stat_of branch_writes) - before ))" 0 "writes of the undo applied again"
