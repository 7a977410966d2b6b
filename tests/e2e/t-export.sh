# export: 130 repositories (listed out of order) in 3 projects, one
# repository with 110 group and 151 user permissions. The output is exactly
# the README's format (project rows first, repositories by slug, groups then
# users, each sorted), two exports are byte-identical, the request count is
# the README's formula, a plan of the export changes nothing, the export
# applied to another workspace reproduces the permissions, a project scope
# exports that project only, and unreadable targets are named, counted and
# exit 1 while every other row is still written.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json, random
uid = lambda i: "{00000000-0000-0000-0000-%012d}" % i
aid = lambda i: "557058:u%03d" % i
users = [{"uuid": uid(i), "account_id": aid(i), "display_name": "User %d" % i} for i in range(150)]
users += ["{11111111-2222-3333-4444-555555555555}",
          {"uuid": "{22222222-0000-0000-0000-000000000000}", "display_name": "No Account"}]
repos = [{"slug": "r%03d" % i, "project": ["P1", "P2"][i % 2]} for i in range(130)]
random.Random(3).shuffle(repos)                   # the server lists them in this order
def ws():
    return {"repositories": repos, "projects": [{"key": "P1", "name": "One"}, "P2", "P3"],
            "groups": [{"slug": "g%03d" % i, "name": "Group %d" % i} for i in range(110)] + ["developers"],
            "users": users}
P = lambda **kw: dict(workspace="acme", **kw)
perm = []
for i in range(150):
    perm.append(P(repository="r007", user=uid(i) if i % 2 else aid(i), permission=["read", "write", "admin"][i % 3]))
for i in range(110):
    perm.append(P(repository="r007", group="g%03d" % i, permission=["write", "admin", "read"][i % 3]))
perm.append(P(repository="r007", user="{22222222-0000-0000-0000-000000000000}", permission="read"))
for i in range(0, 130, 4):
    perm.append(P(repository="r%03d" % i, group="developers", permission="read"))
perm.append(P(repository="r003", user="{11111111-2222-3333-4444-555555555555}", permission="admin"))
perm.append(P(repository="r003", user="{22222222-0000-0000-0000-000000000000}", permission="write"))
perm.append(P(repository="r005", group="g005", permission="write"))
perm.append(P(project="P1", group="developers", permission="create-repo"))
perm.append(P(project="P1", group="g002", permission="write"))
perm.append(P(project="P2", user=aid(3), permission="admin"))
perm.append(P(project="P2", group="g001", permission="read"))
fx = {"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
      "workspaces": {"acme": ws(), "other": ws()}, "permissions": perm}
json.dump(fx, open("fx.json", "w"))
fx["workspaces"]["acme"]["forbidden"] = ["r005", "project:P2"]
json.dump(fx, open("fx-forbidden.json", "w"))

# the expected export
names = {u["account_id"] if "account_id" in u else u["uuid"]: u.get("display_name") for u in users if isinstance(u, dict)}
names["{11111111-2222-3333-4444-555555555555}"] = "{11111111-2222-3333-4444-555555555555}"
ident = {uid(i): aid(i) for i in range(150)}
gname = {"g%03d" % i: "Group %d" % i for i in range(110)}; gname["developers"] = "developers"
proj_of = {r["slug"]: r["project"] for r in repos}
targets = {}
for p in perm:
    t = ("", p["project"]) if "project" in p else (p["repository"], proj_of[p["repository"]])
    if "group" in p: targets.setdefault(t, []).append((0, p["group"], p["permission"], gname[p["group"]]))
    else:
        u = ident.get(p["user"], p["user"])
        targets.setdefault(t, []).append((1, u, p["permission"], names[u]))
def rows(t):   # groups first, then users, each sorted by id
    return [["acme", t[0], t[1], s if k == 0 else "", s if k == 1 else "", pr, n]
            for k, s, pr, n in sorted(targets[t])]
order = [("", k) for k in ("P1", "P2", "P3")] + sorted(((r["slug"], r["project"]) for r in repos))
def write(path, keep):
    with open(path, "w") as f:
        f.write("workspace,repo,project,group,user,privilege,name\n")
        for t in order:
            if t in targets and keep(t):
                for r in rows(t): f.write(",".join(r) + "\n")
write("want.csv", lambda t: True)
write("want-p1.csv", lambda t: t[1] == "P1")
write("want-forbidden.csv", lambda t: t[0] != "r005" and t != ("", "P2"))
# cost: per target one page per 100 group and per 100 user permissions (an empty list is a page)
cost = lambda keep: sum(max(1, -(-sum(1 for x in targets.get(t, []) if x[0] == k) // 100))
                        for t in order if keep(t) for k in (0, 1))
json.dump({"lists": cost(lambda t: True), "lists_p1": cost(lambda t: t[1] == "P1"),
           "targets": len(order), "rows": len(perm)}, open("model.json", "w"))
PY
model() { python3 -c "import json; print(json.load(open('model.json'))['$1'])"; }
# run_cmd COMMAND [args...]: like run_bb, the command word first
run_cmd() { RC=0; "$BBPERM" "$1" --base-url "$FAKEBB_URL" "${@:2}" >out.csv 2>err.txt || RC=$?; }
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start
state > state0.txt

run_cmd export acme
expect_eq "$RC" 0 "exit code of the export"
mv out.csv e1.csv
expect_file e1.csv want.csv "export of acme"
expect_eq "$(stat_of writes)" 0 "writes of an export"
expect_eq "$(stat_of repo_lists)" 2 "repository pages: ceil(130/100)"
expect_eq "$(stat_of project_lists)" 1 "project pages: ceil(3/100)"
expect_eq "$(stat_of lists)" "$(model lists)" "permission list pages"
expect_eq "$(stat_of requests)" $(( 2 + 1 + $(model lists) )) "requests of the export"
expect_match "$(cat err.txt)" "export: $(model targets) targets \(0 could not be read\), $(model rows) rows" "export summary"
run_cmd export -o e2.csv acme
expect_file e2.csv e1.csv "a second export (byte-identical)"

# plan of the export against the same workspace: nothing to do
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null
run_cmd plan -o plan.csv e1.csv
expect_eq "$RC" 0 "exit code of the plan of the export"
expect_eq "$(csv_col plan.csv status | sort | uniq -c | tr -s ' ')" " $(model rows) ok" "plan statuses"
expect_eq "$(csv_col plan.csv message | sort -u)" "unchanged" "plan messages"
expect_eq "$(stat_of writes)" 0 "writes of the plan"
expect_match "$(cat err.txt)" "plan: 0 to grant, 0 to change, 0 to revoke, $(model rows) unchanged, 0 failed, 0 invalid" "plan summary"

# applied to the workspace 'other' (cells replaced): the same permissions there
python3 -c "
import csv, sys
r = list(csv.reader(open('e1.csv', newline='')))
w = csv.writer(open('other.csv', 'w', newline=''), lineterminator='\n')
w.writerow(r[0]); [w.writerow(['other'] + x[1:]) for x in r[1:]]
w = csv.writer(open('empty-ws.csv', 'w', newline=''), lineterminator='\n')
w.writerow(r[0]); [w.writerow([''] + x[1:]) for x in r[1:]]"
run_bb -j 8 -o applied.csv other.csv
expect_eq "$RC" 0 "exit code of the apply to 'other'"
expect_eq "$(stat_of writes)" "$(model rows)" "writes of the apply to 'other'"
state | awk -F'\t' '$2=="acme"' | cut -f1,3- > acme.txt
state | awk -F'\t' '$2=="other"' | cut -f1,3- > other.txt
[ -s acme.txt ] || fail "no acme permissions"
expect_file other.txt acme.txt "permissions of 'other' against 'acme'"
# the emptied cells with --workspace: a plan there changes nothing
run_cmd plan --workspace other -o plan-other.csv empty-ws.csv
expect_eq "$RC" 0 "exit code of the plan with --workspace"
expect_eq "$(csv_col plan-other.csv message | sort -u)" "unchanged" "plan with --workspace"
# and the export of 'other' is the export of 'acme' with its cells replaced
run_cmd export -o e-other.csv other
expect_file e-other.csv other.csv "export of 'other'"

# a project scope: that project and its repositories only
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null
run_cmd export -o p1.csv acme/P1
expect_eq "$RC" 0 "exit code of the project export"
expect_file p1.csv want-p1.csv "export of acme/P1"
expect_eq "$(stat_of repo_lists)" 1 "repository pages of P1 (65 repositories)"
expect_eq "$(stat_of lists)" "$(model lists_p1)" "permission list pages of P1"
state > state1.txt; state0=$(awk -F'\t' '$2=="acme"' state0.txt)
expect_eq "$(awk -F'\t' '$2=="acme"' state1.txt)" "$state0" "acme unchanged by reset"

# unreadable targets: named on stderr, counted, exit 1, the rest written
fakebb_stop
FAKEBB_FIXTURE=$PWD/fx-forbidden.json
fakebb_start
run_cmd export -o ef.csv acme
expect_eq "$RC" 1 "exit code with unreadable targets"
expect_file ef.csv want-forbidden.csv "export with unreadable targets"
expect_match "$(cat err.txt)" "export: cannot read acme/r005: 403 " "r005 named"
expect_match "$(cat err.txt)" "export: cannot read acme/P2: 403 " "P2 named"
expect_match "$(cat err.txt)" "export: $(model targets) targets \(2 could not be read\)" "summary counts them"
expect_eq "$(grep -c 'cannot read' err.txt)" 2 "lines naming unreadable targets"

# README: the command word is the first argument that is not an option
RC=0; "$BBPERM" --base-url "$FAKEBB_URL" export acme > pre.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "exit code of 'bbperm --base-url URL export acme' ($(head -c 200 err.txt))"
expect_file pre.csv want-forbidden.csv "export with the options before the command"
