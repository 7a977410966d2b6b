# Data Center access review: the level is computed from the sources. jdoe
# reaches PRJ/api through a repository grant, a repository group, a project
# grant and a project group (all in order, then the project default);
# admin is global SYS_ADMIN, ann a member of a group with global ADMIN;
# REPO_CREATE reaches as write; the project default is a '*' row and ends
# every named user's via. --user by email (case ignored) leaves '*' out.
# --compare after a project grant is gone. The offboarding run end to end:
# export --user --revoke | plan -, apply with --undo-file, access --user
# shows the group grant that is left, the undo restores the state.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
has() { grep -qE -- "$1" "$2" || { echo "--- $2:"; cat "$2"; fail "no /$1/ in $2"; }; }
dc_fixture <<'JSON'
{
    "projects": [
      {"key": "PRJ", "name": "Project", "repos": ["web", "api"]},
      {"key": "OPS", "name": "Operations", "repos": ["tools"]}
    ],
    "groups": ["dev-team", "leads", "admins", "makers"],
    "users": [
      {"name": "jdoe", "displayName": "John Doe", "emailAddress": "john@example.com"},
      {"name": "ann", "displayName": "-Ann", "emailAddress": "Ann@Example.com"},
      {"name": "admin", "displayName": "Administrator", "emailAddress": "admin@example.com"},
      {"name": "maker", "displayName": "Mae Ker"}
    ],
    "permissions": [
      {"project": "PRJ", "repo": "api", "user": "jdoe", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "group": "dev-team", "permission": "REPO_READ"},
      {"project": "PRJ", "user": "jdoe", "permission": "PROJECT_READ"},
      {"project": "PRJ", "group": "leads", "permission": "PROJECT_ADMIN"},
      {"project": "OPS", "group": "makers", "permission": "REPO_CREATE"}
    ]
}
JSON
python3 - <<'PY'
import json
fx = json.load(open("fx.json"))
fx["access"] = {"datacenter": {
  "members": {"dev-team": ["jdoe"], "leads": ["jdoe"], "admins": ["ann"], "makers": ["maker"]},
  "global_users": {"admin": "SYS_ADMIN", "jdoe": "LICENSED_USER"},
  "global_groups": {"admins": "ADMIN"},
  "defaults": {"OPS": "PROJECT_READ"}}}
json.dump(fx, open("fx.json", "w"))
PY
dc_start || fail "fakebb"
"$BBPERM" access --base-url "$API" --no-progress > a.csv 2> err || fail "access: $(cat err)"
cat > want.csv <<'CSV'
workspace,repo,project,user,name,permission,via,email
,tools,OPS,*,,read,project default read,
,tools,OPS,admin,Administrator,admin,global SYS_ADMIN; project default read,admin@example.com
,tools,OPS,ann,'-Ann,admin,global ADMIN; project default read,Ann@Example.com
,tools,OPS,maker,Mae Ker,write,project group makers create-repo; project default read,
,api,PRJ,admin,Administrator,admin,global SYS_ADMIN,admin@example.com
,api,PRJ,ann,'-Ann,admin,global ADMIN,Ann@Example.com
,api,PRJ,jdoe,John Doe,admin,repository user write; repository group dev-team read; project user read; project group leads admin,john@example.com
,web,PRJ,admin,Administrator,admin,global SYS_ADMIN,admin@example.com
,web,PRJ,ann,'-Ann,admin,global ADMIN,Ann@Example.com
,web,PRJ,jdoe,John Doe,admin,project user read; project group leads admin,john@example.com
CSV
diff -u want.csv a.csv || fail "access rows"
"$BBPERM" access --base-url "$API" --no-progress -j 1 > b.csv 2>/dev/null
cmp a.csv b.csv || fail "two runs differ"
"$BBPERM" access --base-url "$API" --no-progress --user ann@example.com OPS > u.csv 2>/dev/null || fail "--user"
expect_eq "$(tail -n +2 u.csv)" ",tools,OPS,ann,'-Ann,admin,global ADMIN; project default read,Ann@Example.com" "--user email"
"$BBPERM" export --base-url "$API" --no-progress --user JOHN@example.com PRJ > e.csv 2>/dev/null || fail "export --user"
expect_eq "$(tail -n +2 e.csv | wc -l)" 2 "export --user rows"
# --compare: the default is gone, jdoe lowered on api
curl -sf -X DELETE -H "Authorization: Bearer dc-token-123" "$API/projects/PRJ/permissions/groups?name=leads" > /dev/null || fail "delete"
"$BBPERM" access --base-url "$API" --no-progress --compare a.csv PRJ > c.csv 2> errc || fail "compare: $(cat errc)"
has "^,api,PRJ,jdoe,John Doe,write,repository user write; repository group dev-team read; project user read,john@example.com,lowered$" c.csv
has "^,web,PRJ,jdoe,John Doe,read,project user read,john@example.com,lowered$" c.csv
has "0 added, 0 removed, 0 raised, 2 lowered" errc

# offboarding: export --user --revoke | plan -, apply with an undo file;
# access --user shows what is left through groups; the undo puts it back
state > before.state
"$BBPERM" export --base-url "$API" --no-progress --user john@example.com --revoke PRJ 2>/dev/null |
  "$BBPERM" plan --base-url "$API" --no-progress - > plan.csv 2> errp || fail "export | plan -: $(cat errp)"
expect_eq "$(tail -n +2 plan.csv | cut -d, -f2,3,5,6,9,12 | sort | tr '\n' ' ')" \
  ",PRJ,jdoe,none,planned,revoke read api,PRJ,jdoe,none,planned,revoke write " "the offboarding plan"
"$BBPERM" export --base-url "$API" --no-progress --user john@example.com --revoke PRJ > off.csv 2>/dev/null
"$BBPERM" --base-url "$API" --no-progress --undo-file undo.csv off.csv > res.csv 2> erra || fail "apply: $(cat erra)"
expect_eq "$(csv_col res.csv status | sort | uniq -c | tr -s ' ')" " 2 ok" "apply results"
"$BBPERM" export --base-url "$API" --no-progress --user john@example.com PRJ > gone.csv 2>/dev/null
expect_eq "$(tail -n +2 gone.csv | wc -l)" 0 "jdoe's explicit grants after the offboarding"
"$BBPERM" access --base-url "$API" --no-progress --user john@example.com PRJ > left.csv 2> errl || fail "access --user: $(cat errl)"
cat > want-left.csv <<'CSV'
workspace,repo,project,user,name,permission,via,email
,api,PRJ,jdoe,John Doe,read,repository group dev-team read,john@example.com
CSV
expect_file left.csv want-left.csv "what is left through groups"
"$BBPERM" --base-url "$API" --no-progress undo.csv > /dev/null 2>&1 || fail "undo"
state > after.state
expect_file after.state before.state "the state after the undo"
"$BBPERM" export --base-url "$API" --no-progress --user john@example.com PRJ > e2.csv 2>/dev/null
expect_file e2.csv e.csv "jdoe's grants after the undo"
exit 0
