# A run with --undo-file killed with SIGKILL in the middle: the undo file
# holds a row for every write that went out (written ahead), and applying it
# restores the initial state exactly.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
P = lambda **kw: dict(workspace="acme", **kw)
perm = [P(repository="r%03d" % i, group="developers", permission="read") for i in range(0, 300, 2)]
perm += [P(repository="r%03d" % i, group="contractors", permission="write") for i in range(0, 300, 3)]
perm += [P(repository="r%03d" % i, user="557058:ann", permission="admin") for i in range(0, 300, 5)]
json.dump({"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
           "workspaces": {"acme": {"repositories": ["r%03d" % i for i in range(300)], "projects": ["PROJ"],
                                   "groups": ["developers", "contractors"],
                                   "users": [{"uuid": "{aaaaaaaa-0000-0000-0000-000000000001}", "account_id": "557058:ann"}]}},
           "permissions": perm}, open("fx.json", "w"))
with open("in.csv", "w") as f:
    f.write("workspace,repo,group,user,privilege\n")
    for i in range(300):
        f.write(f"acme,r{i:03d},developers,,write\n")                 # change or grant
        f.write(f"acme,r{i:03d},contractors,,{'none' if i % 2 else 'read'}\n")  # revoke, change, unchanged
        f.write(f"acme,r{i:03d},,{{aaaaaaaa-0000-0000-0000-000000000001}},{'write' if i % 4 else 'none'}\n")
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --latency 40 --log req.log
state > state0.txt
"$BBPERM" --base-url "$FAKEBB_URL" -j 4 --undo-file undo.csv -o run1.csv in.csv 2>err.txt &
bb=$!
# kill once a good number of writes went out (bounded wait)
for i in $(seq 1 300); do
  [ "$(stat_of writes)" -ge 40 ] && break
  kill -0 $bb 2>/dev/null || break
  sleep 0.1
done
kill -KILL $bb 2>/dev/null
wait $bb 2>/dev/null
# let the requests in flight when it died finish on the server
for i in $(seq 1 100); do [ "$(stat_of in_flight)" = 0 ] && break; sleep 0.1; done
writes=$(stat_of writes)
echo "killed after $writes writes"
[ "$writes" -ge 40 ] || fail "the run was killed before it wrote anything much ($writes writes)"
[ "$writes" -lt 600 ] || fail "the run was nearly done when killed ($writes writes): nothing proved"
state > state1.txt
cmp -s state0.txt state1.txt && fail "the killed run changed nothing"
# every write the server saw has its undo row, with the value before the run
python3 - <<'PY' || exit 1
import csv, sys
lines = open("state0.txt").read().splitlines()
before = {tuple(l.split("\t")[:5]): l.split("\t")[5] for l in lines}
undo = list(csv.reader(open("undo.csv", newline="")))
assert undo[0] == ["workspace", "repo", "project", "group", "user", "privilege"], undo[0]
rows = {}
for r in undo[1:]:
    assert len(r) == 6, f"malformed undo row {r}"
    ws, repo, proj, group, user, priv = r
    kind = ("repository", repo) if repo else ("project", proj)
    subj = ("group", group) if group else ("user", user)
    key = (kind[0], ws.lower(), kind[1].lower(), subj[0], subj[1].lower())
    assert key not in rows, f"two undo rows for {key}"
    rows[key] = priv
ann = "{aaaaaaaa-0000-0000-0000-000000000001}"
written = set()
for l in open("req.log"):
    f = l.rstrip("\n").split("\t")
    if f[2] in ("PUT", "DELETE"):
        k = f[3].split("|")
        if k[4] == "557058:ann": k[4] = ann   # the log names it by the id the request used
        written.add(tuple(k))
missing = [k for k in written if k not in rows]
assert not missing, f"writes without an undo row: {missing[:5]}"
for k in written:
    want = before.get(k if k[4] != ann else k[:4] + ("557058:ann",), "none")
    assert rows[k] == want, f"undo row for {k}: {rows[k]}, want {want}"
print(f"{len(written)} permissions written, {len(rows)} undo rows, all covered")
PY
# apply the undo file: the initial state exactly
curl -sf -X POST -d '{"latency_ms": 0}' "$FAKEBB_URL/_config" > /dev/null
run_bb -j 4 -o undone.csv undo.csv
expect_eq "$RC" 0 "exit code of the undo"
state > state2.txt
expect_file state2.txt state0.txt "state after the undo of a killed run"
