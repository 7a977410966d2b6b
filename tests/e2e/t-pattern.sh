# Repositories by pattern: '?', '*', '[...]', '[!...]', case-insensitive,
# KEY/PATTERN (that project's repositories only), no match, another
# workspace. Each pattern row becomes one row per match, sorted by slug,
# every other cell copied. The listing costs ceil(repositories/100) pages
# once per run per workspace or project filter. Then --diff, --dry-run and
# --resume of an expanded result.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
repos = [{"slug": "svc-%03d" % i, "project": "P1" if i % 2 == 0 else "P2"} for i in range(119, -1, -1)]
repos += [{"slug": s, "project": "P1"} for s in ["web", "api-gateway", "apx", "api", "app.web"]]
json.dump({"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
           "workspaces": {"acme": {"repositories": repos, "projects": ["P1", "P2"],
                                   "groups": ["developers", "contractors", "auditors"], "forbidden": ["svc-005"]},
                          "globex": {"repositories": ["portal", "billing", "core"], "projects": ["CORE"],
                                     "groups": ["auditors"]}},
           "permissions": [{"workspace": "acme", "repository": "api", "group": "contractors", "permission": "admin"}]},
          open("fx.json", "w"))
PY
cat > in.csv <<'CSV'
workspace,repo,project,group,user,privilege,note
acme,svc-00?,,developers,,write,question mark
acme,API*,,contractors,,read,star and case
acme,svc-1[01][0-4],,developers,,read,brackets
acme,P2/svc-01*,,auditors,,admin,project filter
acme,api,,developers,,admin,a plain row between
acme,[!s]*,,contractors,,none,negated bracket: revokes the API* grants
acme,P2/SVC-11?,PX,auditors,,write,same project filter again
acme,P1/svc-0?1,,auditors,,read,"no match in P1 (odd slugs are in P2)"
acme,nomatch-*,,auditors,,read,no match
globex,*,,auditors,,read,other workspace
CSV
# the model: expansion, result rows and final state
python3 - <<'PY'
import csv, json, fnmatch
fx = json.load(open("fx.json"))
def matches(ws, pat):
    repos = fx["workspaces"][ws]["repositories"]
    proj = None
    if "/" in pat:
        proj, pat = pat.split("/", 1)
    out = []
    for r in repos:
        slug, p = (r, "CORE") if isinstance(r, str) else (r["slug"], r["project"])
        if proj and p.lower() != proj.lower(): continue
        if fnmatch.fnmatchcase(slug.lower(), pat.lower()): out.append(slug)
    return sorted(out)
forbidden = set(fx["workspaces"]["acme"]["forbidden"])
state = {(p["workspace"], p["repository"], p["group"]): p["permission"] for p in fx["permissions"]}
rows = list(csv.reader(open("in.csv", newline="")))
out = [rows[0] + ["status", "http_status", "attempts", "message", "previous"]]
expand = {}
for r in rows[1:]:
    ws, repo, group, priv = r[0], r[1], r[3], r[5]
    slugs = matches(ws, repo) if any(c in repo for c in "*?[") else [repo]
    expand[repo] = len(slugs)
    if not slugs:
        out.append(r + ["failed", "", "0", f"no repository matches", ""]); continue
    for s in slugs:
        if s in forbidden:
            out.append([ws, s] + r[2:] + ["failed", "403", "1",
                       f"You must be an administrator of repository '{s}' to manage its permissions", ""])
            continue
        revoke = priv in ("none", "revoke")
        out.append([ws, s] + r[2:] + ["ok", "204" if revoke else "200", "1", "", ""])
        if revoke: state.pop((ws, s, group), None)
        else: state[(ws, s, group)] = priv
csv.writer(open("want.csv", "w", newline=""), lineterminator="\n").writerows(out)
with open("want-state.txt", "w") as f:
    f.writelines(sorted(f"repository\t{w}\t{s.lower()}\tgroup\t{g}\t{p}\n" for (w, s, g), p in state.items()))
json.dump(expand, open("expand.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --log req.log

run_bb -j 8 -o run1.csv in.csv
expect_eq "$RC" 1 "exit code (forbidden repository, no match)"
# the no-match messages say more than the model's prefix: check, then cut
python3 - <<'PY' || exit 1
import csv
got = list(csv.reader(open("run1.csv", newline="")))
want = list(csv.reader(open("want.csv", newline="")))
assert len(got) == len(want), f"{len(got)} rows, want {len(want)}"
for g, w in zip(got, want):
    if w[-2] == "no repository matches":
        assert g[-2].startswith("no repository matches") and g[1].split("/")[-1] in g[-2], g
        g[-2] = w[-2]
    assert g == w, f"\n got {g}\nwant {w}"
print(len(got) - 1, "result rows as the model says")
PY
state > state1.txt
expect_file state1.txt want-state.txt "state after the pattern run"
# acme: 125 repositories = 2 pages (once, for all its patterns), P2: 60 = 1
# page (once, for both P2 patterns), P1: 65 = 1, globex: 3 = 1
expect_eq "$(stat_of repo_lists)" 5 "repository list pages"
expect_eq "$(grep -c 'GET	repositories|acme' req.log)" 4 "acme listings"
expect_eq "$(stat_of writes)" "$(csv_col run1.csv attempts | paste -sd+ | bc)" "writes against attempts"
expect_eq "$(stat_of requests)" $(( $(stat_of writes) + 5 )) "requests: writes + listings"

# --diff with a pattern: the matching repositories that have it are unchanged
w0=$(stat_of writes); l0=$(stat_of repo_lists)
printf 'workspace,repo,group,privilege\nacme,svc-0*,developers,write\n' > diff.csv
run_bb --diff -j 8 -o diff-out.csv diff.csv
expect_eq "$RC" 1 "exit code of --diff (the forbidden repository)"
expect_eq "$(( $(stat_of repo_lists) - l0 ))" 2 "repository pages of the --diff run"
expect_eq "$(( $(stat_of writes) - w0 ))" 90 "writes of --diff: svc-010..099"
python3 - <<'PY' || exit 1
import csv
rows = list(csv.DictReader(open("diff-out.csv", newline="")))
assert [r["repo"] for r in rows] == ["svc-%03d" % i for i in range(100)], [r["repo"] for r in rows][:5]
for i, r in enumerate(rows):
    if i == 5:
        want = ("failed", "403", "0")
    elif i < 10:
        want = ("ok", "", "0", "unchanged", "write")
    else:
        want = ("ok", "200", "1", "", "none")
    got = (r["status"], r["http_status"], r["attempts"], r["message"], r["previous"])[:len(want)]
    assert got == want, f"{r['repo']}: {got}, want {want}"
print("--diff with a pattern ok")
PY

# --dry-run: one planned row, nothing sent
r0=$(stat_of requests)
RC=0; "$BBPERM" -n --base-url "$FAKEBB_URL" diff.csv > dry.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of --dry-run"
expect_eq "$(tail -n +2 dry.csv)" "acme,svc-0*,developers,write,planned,,0,pattern not expanded in --dry-run," "dry-run row"
expect_eq "$(stat_of requests)" "$r0" "requests of --dry-run"

# --resume of an expanded result: a run where 30% of the answers are 5xx
# and nothing is retried, then the rest with --resume
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null
curl -sf -X POST -d '{"fail_rate": 0.3}' "$FAKEBB_URL/_config" > /dev/null
run_bb -j 1 --retries 0 -o flaky.csv in.csv
curl -sf -X POST -d '{"fail_rate": 0}' "$FAKEBB_URL/_config" > /dev/null
w0=$(stat_of writes)
python3 - <<'PY' > resume-writes.txt || exit 1
import csv, json
expand = json.load(open("expand.json"))
rows = list(csv.DictReader(open("flaky.csv", newline="")))
n5xx = sum(1 for r in rows if r["http_status"].startswith("5"))
assert n5xx >= 3, f"only {n5xx} rows got a 5xx: nothing proved"
# a concrete non-ok row is sent again once; a pattern row whose listing
# failed expands now; a no-match row sends nothing
print(sum(expand.get(r["repo"], 1) if any(c in r["repo"] for c in "*?[") else 1
          for r in rows if r["status"] != "ok"))
PY
run_bb -j 8 --resume -o resumed.csv flaky.csv
expect_eq "$RC" 1 "exit code of the resumed run"
expect_eq "$(( $(stat_of writes) - w0 ))" "$(cat resume-writes.txt)" "writes of the resumed run (its non-ok rows only)"
python3 - <<'PY' || exit 1
import csv, json
flaky = list(csv.DictReader(open("flaky.csv", newline="")))
got = list(csv.DictReader(open("resumed.csv", newline="")))
want = list(csv.DictReader(open("want.csv", newline="")))
key = lambda r: (r["workspace"], r["repo"], r["group"], r["privilege"], r["status"])
assert [key(r) for r in got] == [key(r) for r in want], "resumed result differs from a clean run"
ok_before = [r for r in flaky if r["status"] == "ok"]
for r in ok_before:
    assert r in got, f"an ok row was not copied as it was: {r}"
print(f"resumed: {sum(1 for r in flaky if r['status'] != 'ok')} rows ran again")
# the final state: the first run's ok rows in file order, then the rows the
# resumed run sent, in file order (a row that failed first may now come
# after a later row for the same permission: the API* grant after the
# [!s]* revoke)
fx = json.load(open("fx.json"))
state = {(p["workspace"], p["repository"], p["group"]): p["permission"] for p in fx["permissions"]}
key = lambda r: (r["workspace"], r["repo"], r["group"], r["privilege"])
done = {key(r) for r in ok_before}
for r in ok_before + [r for r in got if r["status"] == "ok" and key(r) not in done]:
    if r["privilege"] in ("none", "revoke"): state.pop((r["workspace"], r["repo"], r["group"]), None)
    else: state[(r["workspace"], r["repo"], r["group"])] = r["privilege"]
with open("want-state2.txt", "w") as f:
    f.writelines(sorted(f"repository\t{w}\t{s.lower()}\tgroup\t{g}\t{p}\n" for (w, s, g), p in state.items()))
PY
state > state2.txt
expect_file state2.txt want-state2.txt "state after the resumed run"
