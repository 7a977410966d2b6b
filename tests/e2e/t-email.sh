# Users by email: 450 distinct addresses cost at most ceil(450/90)+2 member
# requests; each row's message names the account, the user cell passes
# through; unknown addresses fail with no http_status; mixed-case spellings
# of one address are one user, applied in file order; an address with '+'
# resolves (sent as %2B). Then email rows under plan, --diff, --undo-file
# (the undo file names the account id) and --resume.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
users = [{"uuid": "{00000000-0000-0000-0000-%012d}" % i, "account_id": "557058:e%03d" % i,
          "display_name": "User %d" % i, "email": "user%03d@example.com" % i} for i in range(446)]
users += [{"uuid": "{aaaaaaaa-0000-0000-0000-000000000001}", "account_id": "557058:ann", "email": "Ann.Case@Example.com"},
          {"uuid": "{bbbbbbbb-0000-0000-0000-000000000002}", "account_id": "557058:devops", "email": "dev+ops@example.com"},
          {"uuid": "{cccccccc-0000-0000-0000-000000000003}", "account_id": "557058:dev ops", "email": "dev ops@example.com"},
          {"uuid": "{dddddddd-0000-0000-0000-000000000004}", "account_id": "557058:nomail"}]
json.dump({"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
           "workspaces": {"acme": {"repositories": ["api", "web"], "projects": ["PROJ"],
                                   "groups": ["developers"], "users": users}},
           "permissions": [{"workspace": "acme", "repository": "web", "user": "557058:e001", "permission": "admin"}]},
          open("fx.json", "w"))
rows = [("user%03d@example.com" % i, "read", "557058:e%03d" % i) for i in range(446)]
rows.insert(10, ("ann.case@EXAMPLE.com", "write", "557058:ann"))
rows.insert(200, ("ANN.CASE@example.com", "admin", "557058:ann"))
rows.insert(400, ("Ann.Case@Example.Com", "read", "557058:ann"))
rows.insert(300, ("dev+ops@example.com", "write", "557058:devops"))
rows.insert(50, ("nobody@example.com", "read", ""))
rows.insert(350, ("no.one+else@example.com", "read", ""))
with open("in.csv", "w") as f:
    f.write("workspace,repo,project,group,user,privilege\n")
    for e, p, a in rows: f.write(f"acme,api,,,{e},{p}\n")
with open("accounts.txt", "w") as f:
    for e, p, a in rows: f.write(a + "\n")
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --log req.log
distinct=450
rows=$(($(wc -l < in.csv) - 1))

run_bb -j 8 -o run1.csv in.csv
expect_eq "$RC" 1 "exit code (two unknown addresses)"
members=$(stat_of member_lists)
echo "$distinct addresses: $members member requests"
[ "$members" -le $(( (distinct + 89) / 90 + 2 )) ] || fail "$members member requests for $distinct addresses"
expect_eq "$(stat_of requests)" $(( members + $(stat_of writes) )) "requests: member pages + writes"
expect_eq "$(stat_of writes)" $((rows - 2)) "writes: one per resolved row"
python3 - <<'PY' || exit 1
import csv
inp = list(csv.DictReader(open("in.csv", newline="")))
out = list(csv.DictReader(open("run1.csv", newline="")))
acc = open("accounts.txt").read().split("\n")
assert len(inp) == len(out)
for i, o, a in zip(inp, out, acc):
    assert o["user"] == i["user"], f"user cell changed: {i['user']} -> {o['user']}"
    if a:
        want = ("ok", "200", "1", f"{i['user']} is account {a}")
        got = (o["status"], o["http_status"], o["attempts"], o["message"])
        assert got == want, f"{got} != {want}"
    else:
        assert (o["status"], o["http_status"], o["attempts"]) == ("failed", "", "0"), o
        assert i["user"] in o["message"] and "no member of the workspace acme has" in o["message"], o["message"]
print("every row as expected")
PY
# one user, three spellings: applied in file order, never together
expect_eq "$(awk -F'\t' '$3=="PUT" && $4 ~ /\|557058:ann$/ {print $1, $2, $6}' req.log | sort -n | awk '{print $3}' | paste -sd,)" \
  "write,admin,read" "the three spellings of one address, in file order"
expect_eq "$(stat_of overlaps)" 0 "overlapping requests"
state > s1.txt
expect_eq "$(grep -c 'repository	acme	api	user' s1.txt)" 448 "api user permissions"
expect_eq "$(grep -P '\t(557058:ann|557058:devops|557058:e000|557058:e445)\t' s1.txt | paste -sd'|')" \
  "$(printf 'repository\tacme\tapi\tuser\t557058:ann\tread|repository\tacme\tapi\tuser\t557058:devops\twrite|repository\tacme\tapi\tuser\t557058:e000\tread|repository\tacme\tapi\tuser\t557058:e445\tread')" \
  "permissions of the resolved accounts"
grep -q '557058:dev ops' s1.txt && fail "'dev+ops' was sent as 'dev ops'"

# --resume of that result: only the two failed rows run again (one member
# query, no write)
m0=$(stat_of member_lists); w0=$(stat_of writes)
run_bb --resume -o run2.csv run1.csv
expect_eq "$RC" 1 "exit code of the resumed run"
expect_eq "$(( $(stat_of member_lists) - m0 ))" 1 "member requests of the resumed run"
expect_eq "$(( $(stat_of writes) - w0 ))" 0 "writes of the resumed run"
expect_eq "$(csv_col run2.csv status | sort | uniq -c | awk '{print $1, $2}' | paste -sd,)" "2 failed,$((rows - 2)) ok" "statuses of the resumed run"

# plan, then apply the plan, then --diff: email rows compare with the live state
cat > two.csv <<'CSV'
workspace,repo,project,group,user,privilege,note
acme,api,,,USER001@example.com,read,unchanged
acme,api,,,user002@example.com,write,change
acme,api,,,user003@example.com,none,revoke
acme,web,,,user001@example.com,admin,unchanged on web
acme,web,,,user004@example.com,read,grant
acme,web,,,User004@Example.com,write,change after the grant
acme,,PROJ,,dev+ops@example.com,create-repo,grant on a project
acme,web,,,ghost@example.com,read,unknown
CSV
w0=$(stat_of writes)
RC=0; "$BBPERM" plan --base-url "$FAKEBB_URL" -o plan.csv two.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "plan exit code"
expect_eq "$(stat_of writes)" "$w0" "writes of the plan"
cat > want-plan.csv <<'CSV'
workspace,repo,project,group,user,privilege,note,status,http_status,attempts,message,previous
acme,api,,,USER001@example.com,read,unchanged,ok,,0,unchanged; USER001@example.com is account 557058:e001,read
acme,api,,,user002@example.com,write,change,planned,,0,change read to write; user002@example.com is account 557058:e002,read
acme,api,,,user003@example.com,none,revoke,planned,,0,revoke read; user003@example.com is account 557058:e003,read
acme,web,,,user001@example.com,admin,unchanged on web,ok,,0,unchanged; user001@example.com is account 557058:e001,admin
acme,web,,,user004@example.com,read,grant,planned,,0,grant read; user004@example.com is account 557058:e004,none
acme,web,,,User004@Example.com,write,change after the grant,planned,,0,change read to write; User004@Example.com is account 557058:e004,read
acme,,PROJ,,dev+ops@example.com,create-repo,grant on a project,planned,,0,grant create-repo; dev+ops@example.com is account 557058:devops,none
acme,web,,,ghost@example.com,read,unknown,failed,,0,no member of the workspace acme has the email ghost@example.com,
CSV
expect_file plan.csv want-plan.csv "plan of email rows"
expect_match "$(cat err.txt)" "plan: 2 to grant, 2 to change, 1 to revoke, 2 unchanged, 1 failed" "plan summary"
state > before-apply.txt
run_bb --resume --undo-file undo.csv -o applied.csv plan.csv
expect_eq "$RC" 1 "exit code of the applied plan (the unknown address again)"
expect_eq "$(( $(stat_of writes) - w0 ))" 5 "writes of the applied plan (its planned rows)"
expect_eq "$(grep -P '\t(557058:e00[1-4]|557058:devops)\t' <(state) | paste -sd'|')" \
  "$(printf 'project\tacme\tproj\tuser\t557058:devops\tcreate-repo|repository\tacme\tapi\tuser\t557058:devops\twrite|repository\tacme\tapi\tuser\t557058:e001\tread|repository\tacme\tapi\tuser\t557058:e002\twrite|repository\tacme\tapi\tuser\t557058:e004\tread|repository\tacme\tweb\tuser\t557058:e001\tadmin|repository\tacme\tweb\tuser\t557058:e004\twrite')" \
  "state after the plan was applied"
# the undo file names users by account id
expect_eq "$(tail -n +2 undo.csv | sort | paste -sd'|')" \
  "acme,,PROJ,,557058:devops,none|acme,api,,,557058:e002,read|acme,api,,,557058:e003,read|acme,web,,,557058:e004,none" \
  "undo rows of the email rows"
w1=$(stat_of writes)
run_bb --diff -o diff.csv two.csv
# user004 is read then write in the file: those two rows disagree, so they
# write again (and leave write); every other row is unchanged
expect_eq "$(( $(stat_of writes) - w1 ))" 2 "writes of --diff after the plan was applied"
python3 - diff.csv <<'PY' || exit 1
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
for r in rows[:-1]:
    if r["user"].lower() == "user004@example.com":
        want_prev = "write" if r["privilege"] == "read" else "read"
        assert (r["status"], r["attempts"], r["previous"]) == ("ok", "1", want_prev), r
        assert r["message"] == f"{r['user']} is account 557058:e004", r
        continue
    assert (r["status"], r["attempts"], r["http_status"]) == ("ok", "0", ""), r
    assert r["message"].startswith("unchanged; ") and " is account 557058:" in r["message"], r
assert rows[-1]["status"] == "failed" and "ghost@example.com" in rows[-1]["message"], rows[-1]
PY
run_bb -o undone.csv undo.csv
expect_eq "$RC" 0 "exit code of the undo"
state > after-undo.txt
expect_file after-undo.txt before-apply.txt "state after the undo of the email rows"
