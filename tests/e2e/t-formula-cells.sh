# Names a spreadsheet would run (=cmd, -x, @team, +1) in every name cell of
# export and access (user, group, repo, project; --compare's carried rows
# too; a plan's result) start with ', and the input reader takes that '
# back off: an export planned back, with --prune, is all unchanged and
# prunes nothing; its
# --revoke applied with an undo file comes back exactly; access --compare
# of its own output finds no change. A name that starts with ' before
# anything else ('abc) is written and read as it is.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
has() { grep -qE -- "$1" "$2" || { echo "--- $2:"; cat "$2"; fail "no /$1/ in $2"; }; }
dc_fixture <<'JSON'
{
    "projects": [{"key": "PRJ", "name": "Project", "repos": ["web", "api"]}],
    "groups": ["=cmd", "@team", "'abc", "devs"],
    "users": [
      {"name": "-x", "displayName": "=evil", "emailAddress": "-x@example.com"},
      {"name": "+1", "displayName": "Plus One", "emailAddress": "plus@example.com"},
      {"name": "admin", "displayName": "Administrator", "emailAddress": "admin@example.com"}
    ],
    "permissions": [
      {"project": "PRJ", "repo": "web", "group": "=cmd", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "web", "group": "@team", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "web", "group": "'abc", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "web", "user": "-x", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "api", "user": "+1", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "group": "devs", "permission": "REPO_READ"},
      {"project": "PRJ", "group": "@team", "permission": "PROJECT_READ"}
    ]
}
JSON
python3 - <<'PY'
import json
fx = json.load(open("fx.json"))
fx["access"] = {"datacenter": {
  "members": {"=cmd": ["-x"], "@team": ["+1"], "'abc": ["admin"], "devs": ["+1"]},
  "global_users": {"admin": "SYS_ADMIN"}}}
json.dump(fx, open("fx.json", "w"))
PY
dc_start || fail "fakebb"
# Basic: a prune keeps the caller's own access, so the run must name a person
bb() { env -u BITBUCKET_TOKEN BITBUCKET_EMAIL=admin BITBUCKET_API_TOKEN=dc-pass \
         "$BBPERM" --base-url "$API" --no-progress "$@"; }

# export: every name cell guarded, the apostrophe of 'abc left alone
bb export -o e.csv PRJ 2> err || fail "export: $(cat err)"
cat > want.csv <<'CSV'
workspace,repo,project,group,user,privilege,name,email
,,PRJ,'@team,,read,'@team,
,api,PRJ,devs,,read,devs,
,api,PRJ,,'+1,write,Plus One,plus@example.com
,web,PRJ,'@team,,read,'@team,
,web,PRJ,'=cmd,,write,'=cmd,
,web,PRJ,'abc,,read,'abc,
,web,PRJ,,'-x,admin,'=evil,'-x@example.com
CSV
sort want.csv > want-sorted.csv
sort e.csv > e-sorted.csv
expect_file e-sorted.csv want-sorted.csv "export cells"

# planned back, with --prune: all unchanged, nothing to revoke
state > before.state
RC=0; bb plan --prune PRJ -o plan.csv e.csv 2> err || RC=$?
expect_eq "$RC" 0 "plan --prune of the export ($(cat err))"
expect_eq "$(csv_col plan.csv message | sort | uniq -c | tr -s ' ')" " 7 unchanged" "the export plans as unchanged"
expect_eq "$(csv_col plan.csv group | sort | paste -sd' ')" "  '=cmd '@team '@team 'abc devs" "the plan keeps the cells as read"

# --revoke applied with an undo file, then the undo: the state comes back
bb export --revoke -o off.csv PRJ 2> err || fail "export --revoke: $(cat err)"
RC=0; bb --undo-file undo.csv -o applied.csv off.csv 2> err || RC=$?
expect_eq "$RC" 0 "apply of the revocations ($(cat err))"
expect_eq "$(csv_col applied.csv status | sort | uniq -c | tr -s ' ')" " 7 ok" "revocations applied"
expect_eq "$(state | wc -l | tr -d ' ')" 0 "nothing left after the revocations"
has "^,web,PRJ,'=cmd,,write$" undo.csv
has "^,web,PRJ,,'-x,admin$" undo.csv
RC=0; bb -o undone.csv undo.csv 2> err || RC=$?
expect_eq "$RC" 0 "apply of the undo file ($(cat err))"
state > after.state
expect_file after.state before.state "the state after the undo"

# access: the user cell guarded; --compare of its own output finds nothing
bb access -o a.csv PRJ 2> err || fail "access: $(cat err)"
has "^,web,PRJ,'-x,'=evil,admin,repository user admin; repository group =cmd write,'-x@example.com$" a.csv
has "^,api,PRJ,'\+1,Plus One,write," a.csv
RC=0; bb access --compare a.csv -o c.csv PRJ 2> errc || RC=$?
expect_eq "$RC" 0 "access --compare ($(cat errc))"
has "0 added, 0 removed, 0 raised, 0 lowered" errc
expect_eq "$(csv_col c.csv change | sort -u | paste -sd' ')" "" "no change against its own output"
# a carried row ('removed') keeps its guard
for q in users?name=-x groups?name=%3Dcmd; do
  curl -sf -X DELETE -H "Authorization: Bearer dc-token-123" \
    "$API/projects/PRJ/repos/web/permissions/$q" > /dev/null || fail "delete $q"
done
bb access --compare a.csv -o c2.csv PRJ 2> errc || true
has "^,web,PRJ,'-x,'=evil,none,,'-x@example.com,removed$" c2.csv

# a plan's prune row names the server's group with the guard too, and the
# plan applied revokes that group; a name the file wrote bare (=cmd) comes
# out guarded and reads back the same
bb export -o e2.csv PRJ 2> err || fail "export: $(cat err)"
grep -v "^,web,PRJ,'@team," e2.csv > keep.csv
printf ',api,PRJ,=cmd,,read,,\n' >> keep.csv
RC=0; bb plan --prune PRJ --max-prune 100% -o prune.csv keep.csv 2> err || RC=$?
expect_eq "$RC" 0 "plan --prune without @team ($(cat err))"
has "^,web,PRJ,'@team,,none,,,planned,,0,revoke read: not in the file,read$" prune.csv
has "^,api,PRJ,'=cmd,,read,,,planned,,0,grant read,none$" prune.csv
RC=0; bb -o pruned.csv prune.csv 2> err || RC=$?
expect_eq "$RC" 0 "apply of the pruning plan ($(cat err))"
expect_eq "$(state | grep -c 'web	group	@team')" 0 "@team revoked on web"
expect_eq "$(state | grep -c 'api	group	=cmd	read')" 1 "=cmd granted on api"

# Cloud: a group slug that starts with -, and the workspace export planned back
fakebb_stop
python3 - <<'PY'
import json
fx = {"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
      "workspaces": {"acme": {"repositories": ["api"], "projects": ["P"],
                              "groups": [{"slug": "-ops", "name": "-ops"}, {"slug": "+dev", "name": "+dev"}],
                              "users": [{"uuid": "{00000000-0000-0000-0000-000000000001}",
                                         "account_id": "557058:u1", "display_name": "@me"}]}},
      "permissions": [{"workspace": "acme", "repository": "api", "group": "-ops", "permission": "admin"},
                      {"workspace": "acme", "project": "P", "group": "+dev", "permission": "read"},
                      {"workspace": "acme", "repository": "api", "user": "557058:u1", "permission": "read"}]}
json.dump(fx, open("cloud.json", "w"))
PY
export BITBUCKET_EMAIL=admin@example.com BITBUCKET_API_TOKEN=s3cret-token
unset BITBUCKET_TOKEN
FAKEBB_FIXTURE=$PWD/cloud.json
fakebb_start || fail "fakebb"
run_bb export acme
expect_eq "$RC" 0 "Cloud export ($(cat err.txt))"
cp out.csv cloud.csv
has "^acme,api,P,'-ops,,admin,'-ops$" cloud.csv
has "^acme,,P,'\+dev,,read,'\+dev$" cloud.csv
run_bb plan --prune acme -o cplan.csv cloud.csv
expect_eq "$RC" 0 "Cloud plan --prune of the export ($(cat err.txt))"
expect_eq "$(csv_col cplan.csv message | sort | uniq -c | tr -s ' ')" " 3 unchanged" "the Cloud export plans as unchanged"
echo "formula cells: ok"
