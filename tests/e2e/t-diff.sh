# --diff: a first run writes only the rows that differ from the live state
# ('previous' is that state); a re-run sends no write and costs one list
# page per target, subject kind and 100 permissions. Pagination in play:
# 130 repositories, one repository with 150 user and 105 group permissions,
# rows shuffled (not grouped by target), then the server's page size
# clamped to 7 to prove the client never assumes a page size.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json, random
uid = lambda i: "{00000000-0000-0000-0000-%012d}" % i
aid = lambda i: "557058:u%03d" % i
repos = [{"slug": "r%03d" % i, "project": "P1" if i % 2 else "P2"} for i in range(130)] + ["big"]
fx = {"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
      "workspaces": {"acme": {
          "repositories": repos, "projects": ["P1", "P2"],
          "groups": ["developers"] + ["g%03d" % i for i in range(120)],
          "users": [{"uuid": uid(i), "account_id": aid(i), "display_name": "User %d" % i} for i in range(150)]}},
      "permissions": []}
perm = fx["permissions"]
for i in range(120):
    perm.append({"workspace": "acme", "repository": "big", "user": uid(i) if i % 2 else aid(i), "permission": "read"})
for i in range(105):
    perm.append({"workspace": "acme", "repository": "big", "group": "g%03d" % i, "permission": "write"})
for i in range(50):
    perm.append({"workspace": "acme", "repository": "r%03d" % i, "group": "developers", "permission": "read"})
perm.append({"workspace": "acme", "project": "P1", "group": "developers", "permission": "read"})
json.dump(fx, open("fx.json", "w"))

rows = [["acme", "r%03d" % i, "", "developers", "", "write"] for i in range(130)]
for i in range(150):
    p = "read" if i < 60 else "admin" if i < 120 else "write"
    rows.append(["acme", "big", "", "", uid(i) if i % 3 == 0 else aid(i), p])
for i in range(105):
    rows.append(["acme", "big", "", "g%03d" % i, "", "write" if i < 50 else "none"])
rows.append(["acme", "", "P1", "developers", "", "create-repo"])
rows.append(["acme", "", "P2", "developers", "", "revoke"])
random.Random(5).shuffle(rows)
rows.append(["acme", "r005", "", "developers", "", "Write"])      # a repeat that agrees
with open("in.csv", "w") as f:
    f.write("workspace,repo,project,group,user,privilege,n\n")
    for n, r in enumerate(rows):
        f.write(",".join(r) + ",%d\n" % n)

# the model: state keyed by (target, kind, subject) with users by account id
norm = lambda s: aid(int(s[-13:-1])) if s.startswith("{") else s
state = {}
for p in perm:
    t = ("repository", p["repository"]) if "repository" in p else ("project", p["project"])
    k = ("group", p["group"]) if "group" in p else ("user", norm(p["user"]))
    state[(t, k)] = p["permission"]
need = {}
def lists_cost(state, pagelen):
    cost = 0
    for t, kind in need:
        n = sum(1 for (tt, (kk, _)) in state if tt == t and kk == kind)
        cost += max(1, -(-n // pagelen))
    return cost
want = []
initial = dict(state)
for r in rows:
    t = ("repository", r[1]) if r[1] else ("project", r[2])
    k = ("group", r[3]) if r[3] else ("user", norm(r[4]))
    need[(t, k[0])] = 1
    prev = state.get((t, k), "none")
    p = r[5].lower()
    p = "none" if p == "revoke" else p
    want.append((prev, p != prev))
    if p == "none": state.pop((t, k), None)
    else: state[(t, k)] = p
json.dump({"rows": want, "lists1": lists_cost(initial, 100), "lists100": lists_cost(state, 100),
           "lists7": lists_cost(state, 7), "changed": sum(c for _, c in want)}, open("model.json", "w"))
with open("want-state.txt", "w") as f:
    f.writelines(sorted("\t".join([t[0], "acme", t[1].lower(), k[0], k[1].lower(), p]) + "\n"
                        for (t, k), p in state.items()))
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start
model() { python3 -c "import json; print(json.load(open('model.json'))['$1'])"; }
echo "model: $(model changed) rows change; list pages $(model lists1) / $(model lists100) / $(model lists7)"
stats() { curl -sf "$FAKEBB_URL/_stats" > "$1"; }
delta() { python3 -c "import json; a=json.load(open('$1')); b=json.load(open('$2')); print(b['$3']-a['$3'])"; }
rows=$(($(wc -l < in.csv) - 1))

# run 1: --diff from the initial state
stats s0.json
run_bb --diff -j 8 -o run1.csv in.csv
stats s1.json
expect_eq "$RC" 0 "exit code of the first --diff run"
python3 - run1.csv <<'PY' || exit 1
import csv, json, sys
want = json.load(open("model.json"))["rows"]
got = list(csv.DictReader(open(sys.argv[1], newline="")))
assert [int(r["n"]) for r in got] == list(range(len(want))), "rows out of order"
for r, (prev, changed) in zip(got, want):
    if changed:
        ok = r["status"] == "ok" and r["attempts"] == "1" and r["previous"] == prev and \
             r["http_status"] == ("204" if r["privilege"].lower() in ("none", "revoke") else "200")
    else:
        ok = (r["status"], r["http_status"], r["attempts"], r["message"], r["previous"]) == ("ok", "", "0", "unchanged", prev)
    assert ok, f"row {r['n']}: want previous={prev} changed={changed}, got {r}"
print("first --diff run: every row as the model says")
PY
expect_eq "$(delta s0.json s1.json writes)" "$(model changed)" "writes of the first --diff run"
expect_eq "$(delta s0.json s1.json lists)" "$(model lists1)" "list pages of the first --diff run"
state > state1.txt
expect_file state1.txt want-state.txt "state after the first run"

# check_rerun FILE: every row ok, unchanged, previous = its privilege
check_rerun() {
  python3 - "$1" <<'PY' || exit 1
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    p = r["privilege"].lower()
    p = "none" if p == "revoke" else p
    got = (r["status"], r["http_status"], r["attempts"], r["message"], r["previous"])
    assert got == ("ok", "", "0", "unchanged", p), f"row {r['n']}: {got}"
PY
}
# run 2: the same file again sends no write, one page per target, kind and 100
run_bb --diff -j 8 -o run2.csv in.csv
stats s2.json
expect_eq "$RC" 0 "exit code of the re-run"
check_rerun run2.csv
expect_eq "$(delta s1.json s2.json writes)" 0 "writes of the --diff re-run"
expect_eq "$(delta s1.json s2.json gets)" 0 "single GETs of the --diff re-run"
expect_eq "$(delta s1.json s2.json lists)" "$(model lists100)" "list pages of the --diff re-run"
expect_eq "$(delta s1.json s2.json requests)" "$(model lists100)" "requests of the --diff re-run"
expect_match "$(cat err.txt)" "$rows rows: $rows ok" "summary of the re-run"

# run 3: the server's pages now hold 7 items at most
curl -sf -X POST -d '{"max_pagelen": 7}' "$FAKEBB_URL/_config" > /dev/null || fail "POST /_config"
run_bb --diff -j 8 -o run3.csv in.csv
stats s3.json
expect_eq "$RC" 0 "exit code with 7-item pages"
check_rerun run3.csv
expect_eq "$(delta s2.json s3.json writes)" 0 "writes with 7-item pages"
expect_eq "$(delta s2.json s3.json lists)" "$(model lists7)" "list pages with 7-item pages"
expect_eq "$(delta s2.json s3.json status_4xx)" 0 "refused requests (a page token made up by the client)"

# run 4: 7-item pages from the initial state: the same writes as run 1
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null || fail "POST /_reset"
run_bb --diff -j 8 -o run4.csv in.csv
expect_eq "$RC" 0 "exit code of a first run with 7-item pages"
expect_eq "$(stat_of writes)" "$(model changed)" "writes of a first run with 7-item pages"
expect_eq "$(csv_col run4.csv previous | paste -sd,)" "$(csv_col run1.csv previous | paste -sd,)" "previous with 7-item pages"
state > state4.txt
expect_file state4.txt want-state.txt "state after a first run with 7-item pages"
