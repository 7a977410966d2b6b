# Data Center export. With no key: every project the server lists (by key),
# each project's rows, then its repositories' (by slug); within a target
# groups, then users. The header is Data Center's
# (workspace,repo,project,group,user,privilege,name,email), workspace cells
# are empty, privileges use the portable names, 'name' holds the group's name
# or the user's display name, 'email' the user's emailAddress (empty for
# groups and for users without one). The server's page size is clamped to 2
# so that every listing pages. Two exports (-j 1, -j 8) are byte-identical.
# A slug found in three projects gets one line on stderr. A not_admin
# repository and a not_admin project are named on stderr, the exit code is 1,
# and every other row is written. Scopes: PRJ alone; OPS then PRJ. A plan of
# the export against the same server changes nothing.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
dc_fixture <<'JSON'
{
    "projects": [
      {"key": "PRJ", "name": "Project", "repos": ["web", "api", "secret", "tools", "zeta"]},
      {"key": "OPS", "name": "Operations", "repos": ["tools", "deploy"]},
      {"key": "EMPTY", "name": "Nothing here", "repos": ["tools"]},
      {"key": "LOCK", "name": "Locked", "repos": ["vault"]}
    ],
    "groups": ["dev-team", "qa+ops", "a&b=c", "ops team", "admins", "Readers"],
    "users": [
      {"name": "jdoe", "displayName": "John Doe", "emailAddress": "john@example.com"},
      {"name": "nomail", "displayName": "No Mail"},
      {"name": "ann", "displayName": "Ann, \"the\" Admin", "emailAddress": "Ann@Example.com"},
      {"name": "admin", "displayName": "Administrator", "emailAddress": "admin@example.com"}
    ],
    "permissions": [
      {"project": "PRJ", "group": "dev-team", "permission": "PROJECT_WRITE"},
      {"project": "PRJ", "group": "Readers", "permission": "PROJECT_READ"},
      {"project": "PRJ", "group": "a&b=c", "permission": "REPO_CREATE"},
      {"project": "PRJ", "group": "admins", "permission": "PROJECT_ADMIN"},
      {"project": "PRJ", "user": "jdoe", "permission": "REPO_CREATE"},
      {"project": "PRJ", "user": "nomail", "permission": "PROJECT_READ"},
      {"project": "PRJ", "repo": "api", "group": "qa+ops", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "group": "ops team", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "group": "dev-team", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "api", "group": "admins", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "api", "user": "ann", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "user": "jdoe", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "user": "nomail", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "api", "user": "admin", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "web", "user": "jdoe", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "secret", "group": "admins", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "tools", "group": "dev-team", "permission": "REPO_READ"},
      {"project": "OPS", "group": "ops team", "permission": "PROJECT_ADMIN"},
      {"project": "OPS", "repo": "tools", "user": "ann", "permission": "REPO_ADMIN"},
      {"project": "OPS", "repo": "deploy", "group": "qa+ops", "permission": "REPO_READ"},
      {"project": "LOCK", "group": "admins", "permission": "PROJECT_ADMIN"}
    ],
    "not_admin": ["PRJ/secret", "LOCK"]
}
JSON
cat > want-ops.csv <<'CSV'
,,OPS,ops team,,admin,ops team,
,deploy,OPS,qa+ops,,read,qa+ops,
,tools,OPS,,ann,admin,"Ann, ""the"" Admin",Ann@Example.com
CSV
cat > want-prj.csv <<'CSV'
,,PRJ,a&b=c,,create-repo,a&b=c,
,,PRJ,admins,,admin,admins,
,,PRJ,dev-team,,write,dev-team,
,,PRJ,Readers,,read,Readers,
,,PRJ,,jdoe,create-repo,John Doe,john@example.com
,,PRJ,,nomail,read,No Mail,
,api,PRJ,admins,,admin,admins,
,api,PRJ,dev-team,,admin,dev-team,
,api,PRJ,ops team,,read,ops team,
,api,PRJ,qa+ops,,write,qa+ops,
,api,PRJ,,admin,admin,Administrator,admin@example.com
,api,PRJ,,ann,write,"Ann, ""the"" Admin",Ann@Example.com
,api,PRJ,,jdoe,read,John Doe,john@example.com
,api,PRJ,,nomail,admin,No Mail,
,tools,PRJ,dev-team,,read,dev-team,
,web,PRJ,,jdoe,write,John Doe,john@example.com
CSV
header=workspace,repo,project,group,user,privilege,name,email
{ echo "$header"; cat want-ops.csv want-prj.csv; } > want-all.csv       # EMPTY and LOCK add no row
{ echo "$header"; cat want-prj.csv; } > want-PRJ.csv
cp want-all.csv want-OPS-PRJ.csv

dc_start
dc_page_limit 2
state > state0.txt
# run_export [args...]: bbperm export against the Data Center root; sets RC
run_export() { RC=0; "$BBPERM" export --base-url "$API" "$@" 2>err.txt || RC=$?; }

# unreadable EXPORT-STDERR: the lines naming what could not be read
unreadable() { grep -E 'cannot (read|list)' "$1" | sort; }

run_export -j 1 -o e1.csv
expect_eq "$RC" 1 "exit code with unreadable targets"
expect_file e1.csv want-all.csv "export of every project"
cp err.txt err1.txt
expect_eq "$(unreadable err1.txt)" "bbperm: export: cannot list the repositories of LOCK: 401 You are not permitted to access this resource
bbperm: export: cannot read LOCK: 401 You are not permitted to access this resource
bbperm: export: cannot read PRJ/secret: 401 You are not permitted to access this resource" "unreadable targets on stderr"
expect_eq "$(grep -c 'more than one project' err1.txt)" 1 "lines about slugs in several projects"
grep -q "slug 'tools' exists in more than one project" err1.txt || fail "the slug 'tools' is not named: $(cat err1.txt)"
# 12 targets: EMPTY, EMPTY/tools, LOCK, OPS, OPS/deploy, OPS/tools, PRJ and its 5 repositories
expect_match "$(tail -1 err1.txt)" "export: 12 targets \(3 could not be read\), 19 rows;" "export summary"
# paging: 4 projects by 2, and the check before the first row (projects?limit=1);
# repositories: EMPTY 1, OPS 1, PRJ 3 (LOCK's answers 401)
expect_eq "$(stat_of project_lists)" 3 "project pages"
expect_eq "$(stat_of repo_lists)" 5 "repository pages"
# permission pages (groups + users, an empty list is a page): EMPTY 2, EMPTY/tools 2,
# OPS 2, deploy 2, OPS/tools 2, PRJ 2+1, api 2+2, PRJ/tools 2, web 2, zeta 2
expect_eq "$(stat_of lists)" 23 "permission list pages"
expect_eq "$(stat_of requests)" 34 "requests: the pages, three 401s and the check before the first row"
expect_eq "$(stat_of writes)" 0 "writes of an export"

run_export -j 8 -o e2.csv
expect_eq "$RC" 1 "exit code of the second export"
expect_file e2.csv e1.csv "a second export, -j 8 (byte-identical)"
expect_eq "$(unreadable err.txt)" "$(unreadable err1.txt)" "unreadable targets of the second export"
expect_eq "$(grep -c 'more than one project' err.txt)" 1 "slug lines of the second export"

# to standard output, with the options after the scope
RC=0
"$BBPERM" export PRJ --base-url "$API" > e-prj.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "exit code of the export of PRJ"
expect_file e-prj.csv want-PRJ.csv "export of PRJ"
expect_eq "$(unreadable err.txt)" "bbperm: export: cannot read PRJ/secret: 401 You are not permitted to access this resource" "unreadable in PRJ"
expect_eq "$(grep -c 'more than one project' err.txt)" 0 "slug lines of the export of PRJ"

run_export -o e-two.csv OPS PRJ
expect_eq "$RC" 1 "exit code of the export of OPS and PRJ"
expect_file e-two.csv want-OPS-PRJ.csv "export of OPS PRJ"
expect_eq "$(grep -c "slug 'tools' exists in more than one project" err.txt)" 1 "slug line of OPS PRJ"

run_export -o e-ops.csv OPS
expect_eq "$RC" 0 "exit code of the export of OPS ($(cat err.txt))"
{ echo "$header"; cat want-ops.csv; } > want-OPS.csv
expect_file e-ops.csv want-OPS.csv "export of OPS"

# the export is an input: a plan of it against the same server changes nothing
RC=0
"$BBPERM" plan --base-url "$API" -o plan.csv e1.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the plan of the export ($(tail -1 err.txt))"
expect_eq "$(csv_col plan.csv message | sort | uniq -c | tr -s ' ')" " 19 unchanged" "plan of the export"
expect_eq "$(stat_of writes)" 0 "writes"
expect_eq "$(state)" "$(cat state0.txt)" "state after exports and a plan"
