# plan: reads the live state, writes what apply would do, sends no write.
# Grant, change, revoke, unchanged, revoke of an absent permission, a
# permission repeated in the file (each row compared with what the rows
# before it leave), a user by {uuid} where the state has the account id and
# the other way round, targets whose list fails (404, 403), an invalid row.
# Then --resume of the plan applies the planned rows and the state is what
# the CSV asked for.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
ann = {"uuid": "{aaaaaaaa-0000-0000-0000-000000000001}", "account_id": "557058:ann", "display_name": "Ann"}
bob = {"uuid": "{bbbbbbbb-0000-0000-0000-000000000002}", "account_id": "557058:bob", "display_name": "Bob"}
P = lambda **kw: dict(workspace="acme", **kw)
json.dump({
 "credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
 "workspaces": {"acme": {
   "repositories": ["api", "web", "secret"], "projects": ["PROJ", "HIDDEN"],
   "groups": ["developers", "contractors", "old-team", "admins"],
   "users": [ann, bob], "forbidden": ["secret", "project:HIDDEN"]}},
 "permissions": [
   P(repository="api", group="old-team", permission="read"),
   P(repository="api", group="admins", permission="admin"),
   P(repository="api", user="557058:ann", permission="write"),        # by account id
   P(repository="web", group="developers", permission="write"),
   P(repository="web", user=bob["uuid"], permission="read"),          # by uuid
   P(project="PROJ", group="old-team", permission="read")]}, open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --log req.log
state > state0.txt
cat > in.csv <<'CSV'
workspace,repo,project,group,user,privilege,note
acme,api,,developers,,write,grant
acme,api,,old-team,,admin,change
acme,api,,admins,,revoke,revoke
acme,web,,developers,,write,unchanged
acme,web,,contractors,,none,revoke of an absent permission
acme,api,,developers,,admin,repeat: after the grant above
acme,API,,Developers,,ADMIN,repeat again: unchanged
acme,api,,,{aaaaaaaa-0000-0000-0000-000000000001},write,uuid where the state has the account id
acme,web,,,557058:bob,read,account id where the state has the uuid
acme,web,,,557058:bob,admin,change by account id
acme,nope,,developers,,write,unknown repo
acme,secret,,developers,,read,forbidden repo
acme,secret,,admins,,none,forbidden repo again
acme,,PROJ,old-team,,create-repo,project change
acme,,PROJ,developers,,revoke,project revoke of an absent permission
acme,,HIDDEN,developers,,read,forbidden project
acme,api,,developers,,owner,invalid
acme,api,,,{AAAAAAAA-0000-0000-0000-000000000001},none,revoke by uuid after the unchanged row
CSV
RC=0; "$BBPERM" plan --base-url "$FAKEBB_URL" -o plan.csv in.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "plan exit code (failed and invalid rows)"
NF403="You must be an administrator of repository 'secret' to manage its permissions"
cat > want.csv <<CSV
workspace,repo,project,group,user,privilege,note,status,http_status,attempts,message,previous
acme,api,,developers,,write,grant,planned,,0,grant write,none
acme,api,,old-team,,admin,change,planned,,0,change read to admin,read
acme,api,,admins,,revoke,revoke,planned,,0,revoke admin,admin
acme,web,,developers,,write,unchanged,ok,,0,unchanged,write
acme,web,,contractors,,none,revoke of an absent permission,ok,,0,unchanged,none
acme,api,,developers,,admin,repeat: after the grant above,planned,,0,change write to admin,write
acme,API,,Developers,,ADMIN,repeat again: unchanged,ok,,0,unchanged,admin
acme,api,,,{aaaaaaaa-0000-0000-0000-000000000001},write,uuid where the state has the account id,ok,,0,unchanged,write
acme,web,,,557058:bob,read,account id where the state has the uuid,ok,,0,unchanged,read
acme,web,,,557058:bob,admin,change by account id,planned,,0,change read to admin,read
acme,nope,,developers,,write,unknown repo,failed,404,0,cannot read the permissions of acme/nope: Repository 'acme/nope' not found,
acme,secret,,developers,,read,forbidden repo,failed,403,0,cannot read the permissions of acme/secret: $NF403,
acme,secret,,admins,,none,forbidden repo again,failed,403,0,cannot read the permissions of acme/secret: $NF403,
acme,,PROJ,old-team,,create-repo,project change,planned,,0,change read to create-repo,read
acme,,PROJ,developers,,revoke,project revoke of an absent permission,ok,,0,unchanged,none
acme,,HIDDEN,developers,,read,forbidden project,failed,403,0,cannot read the permissions of acme/HIDDEN: You must be an administrator of project 'HIDDEN' to manage its permissions,
acme,api,,developers,,owner,invalid,invalid,,0,"line 18: privilege: 'owner' is not one of read, write, admin, create-repo, none, revoke (or REPO_READ, REPO_WRITE, REPO_ADMIN, PROJECT_READ, PROJECT_WRITE, PROJECT_ADMIN, REPO_CREATE)",
acme,api,,,{AAAAAAAA-0000-0000-0000-000000000001},none,revoke by uuid after the unchanged row,planned,,0,revoke write,write
CSV
expect_file plan.csv want.csv "plan result"
expect_match "$(cat err.txt)" "plan: 1 to grant, 4 to change, 2 to revoke, 6 unchanged, 4 failed \(403 x3, 404 x1\), 1 invalid" "plan summary"
expect_eq "$(stat_of writes)" 0 "writes sent by plan"
expect_eq "$(stat_of gets)" 0 "single-permission GETs sent by plan"
state > state1.txt
expect_file state1.txt state0.txt "state after plan"
# one walk per target and subject kind: api groups+users, web groups+users,
# PROJ groups, and each failing list once (not asked again for the second row)
expect_eq "$(stat_of lists)" 5 "permission list pages answered 200"
expect_eq "$(stat_of requests)" 8 "requests of the plan (5 lists + 3 failed lists)"
expect_eq "$(grep -c 'repository|acme|secret|groups' req.log)" 1 "the forbidden list is asked once"

# apply the plan: it is compared with the live state first (as --diff
# reads it), ok rows are copied, planned rows are sent, the failed rows
# fail again at their read; nothing else is written
: > req.log
run_bb --resume -o applied.csv plan.csv
expect_eq "$RC" 1 "exit code of the applied plan (the failed rows again)"
planned=$(csv_col plan.csv status | grep -c '^planned$')
failed=$(csv_col plan.csv status | grep -c '^failed$')
expect_eq "$planned" 7 "planned rows"
expect_eq "$(stat_of writes)" "$planned" "writes: the planned rows"
expect_eq "$(awk -F'\t' '($3=="PUT"||$3=="DELETE") && $5 ~ /^20/' req.log | wc -l)" "$planned" "successful writes = planned rows"
python3 - plan.csv applied.csv <<'PY' || exit 1
import csv, sys
plan = list(csv.DictReader(open(sys.argv[1], newline='')))
done = list(csv.DictReader(open(sys.argv[2], newline='')))
assert len(plan) == len(done), (len(plan), len(done))
for p, d in zip(plan, done):
    if p['status'] == 'ok':
        assert d == p, f'ok row not copied as it was: {p} -> {d}'
    elif p['status'] == 'planned':
        assert (d['status'], d['attempts']) == ('ok', '1'), f'planned row not applied once: {d}'
        assert d['http_status'] == ('204' if p['privilege'] in ('revoke', 'none') else '200'), d
    elif p['status'] == 'failed':
        assert (d['status'], d['http_status'], d['attempts']) == ('failed', p['http_status'], '0'), d
print('applied plan ok')
PY
cat > want-state.txt <<'EOF2'
project	acme	proj	group	old-team	create-repo
repository	acme	api	group	developers	admin
repository	acme	api	group	old-team	admin
repository	acme	web	group	developers	write
repository	acme	web	user	557058:bob	admin
EOF2
state > state2.txt
expect_file state2.txt want-state.txt "state after applying the plan"
# a second plan against the applied state: the rows that repeat a permission
# with different values still plan a change each (the last one restores
# what is there); every other row is unchanged
RC=0; "$BBPERM" plan --base-url "$FAKEBB_URL" -o plan2.csv in.csv 2>err.txt || RC=$?
expect_eq "$(csv_col plan2.csv status | paste -sd' ')" \
  "planned ok ok ok ok planned ok planned planned planned failed failed failed ok ok failed invalid planned" "statuses of the second plan"
expect_eq "$(csv_col plan2.csv message | sed -n '1p;6p;8p;9p;10p;18p' | paste -sd'|')" \
  "change admin to write|change write to admin|grant write|change admin to read|change read to admin|revoke write" \
  "planned messages of the second plan"
expect_match "$(cat err.txt)" "plan: 1 to grant, 4 to change, 1 to revoke, 7 unchanged, 4 failed \(403 x3, 404 x1\), 1 invalid" "second plan summary"
