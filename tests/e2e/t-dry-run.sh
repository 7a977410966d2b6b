# --dry-run needs no credentials, sends nothing, and shows each request.
. "$(dirname "$0")/lib.sh"
unset BITBUCKET_EMAIL BITBUCKET_API_TOKEN
fakebb_start
cat > in.csv <<'CSV'
workspace,repo,project,group,user,privilege
acme,api,,developers,,write
acme,,PROJ,,{11111111-2222-3333-4444-555555555555},create-repo
acme,a/b,,old-team,,revoke
acme,x?y,,%2F,,read
acme,x%3Fy,,%2F,,read
acme,api,,developers,,sudo
CSV
RC=0; "$BBPERM" -n --base-url "$FAKEBB_URL" in.csv > out.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "exit code (invalid rows)"
cat > want.csv <<'CSV'
workspace,repo,project,group,user,privilege,status,http_status,attempts,message,previous
acme,api,,developers,,write,planned,,0,"PUT /repositories/acme/api/permissions-config/groups/developers {""permission"":""write""}",
acme,,PROJ,,{11111111-2222-3333-4444-555555555555},create-repo,planned,,0,"PUT /workspaces/acme/projects/PROJ/permissions-config/users/%7B11111111-2222-3333-4444-555555555555%7D {""permission"":""create-repo""}",
acme,a/b,,old-team,,revoke,invalid,,0,"line 4: repo: 'a/b' contains '/', which is not a valid name",
acme,x?y,,%2F,,read,planned,,0,pattern not expanded in --dry-run,
acme,x%3Fy,,%2F,,read,planned,,0,"PUT /repositories/acme/x%253Fy/permissions-config/groups/%252F {""permission"":""read""}",
acme,api,,developers,,sudo,invalid,,0,"line 7: privilege: 'sudo' is not one of read, write, admin, create-repo, none, revoke (or REPO_READ, REPO_WRITE, REPO_ADMIN, PROJECT_READ, PROJECT_WRITE, PROJECT_ADMIN, REPO_CREATE)",
CSV
expect_file out.csv want.csv "dry-run result"
expect_eq "$(stat_of requests)" 0 "requests the server saw"
# all valid: exit 0
head -3 in.csv | "$BBPERM" -n -q > /dev/null || fail "dry run of valid rows should exit 0"
