# Credentials: Basic (API token), Bearer, legacy app password, netrc; a
# refused credential fails rows with 401 and stops the run early; secrets
# never appear in output or logs.
. "$(dirname "$0")/lib.sh"
fakebb_start
printf 'workspace,repo,group,privilege\nacme,api,developers,write\n' > one.csv
run_bb -v one.csv
expect_eq "$RC" 0 "Basic with BITBUCKET_EMAIL + BITBUCKET_API_TOKEN"
grep -q 's3cret-token' out.csv err.txt && fail "the token appears in the output or the log"
grep -qi 'authorization' err.txt && fail "an Authorization header appears in the verbose log"
expect_match "$(cat err.txt)" "> PUT http://127.0.0.1:[0-9]+/repositories/acme/api/permissions-config/groups/developers" "verbose request line"
expect_match "$(cat err.txt)" "< 200 PUT" "verbose response line"
(unset BITBUCKET_EMAIL BITBUCKET_API_TOKEN
 BITBUCKET_TOKEN=dc-token-123 run_bb one.csv; expect_eq "$RC" 0 "Bearer"
 BITBUCKET_USERNAME=admin@example.com BITBUCKET_APP_PASSWORD=s3cret-token run_bb one.csv
 expect_eq "$RC" 0 "legacy app password"
 printf 'machine 127.0.0.1\nlogin admin@example.com\npassword s3cret-token\n' > netrc
 run_bb --netrc-file netrc one.csv; expect_eq "$RC" 0 "netrc file"
 printf 'machine 127.0.0.1\nlogin admin@example.com\npassword wrong\n' > netrc
 run_bb --netrc-file netrc one.csv; expect_eq "$RC" 2 "netrc with a wrong password: the check before the first row"
 expect_match "$(cat err.txt)" "refused \(401 Unauthorized\)" "message for a refused netrc password") || exit 1
# wrong token: rows fail with 401, and the run stops after the first 5
python3 -c "
print('workspace,repo,group,privilege')
for i in range(200): print(f'acme,bulk-{i},developers,write')" > many.csv
BITBUCKET_API_TOKEN=wrong run_bb -j 2 many.csv
expect_eq "$RC" 2 "exit code: the check before the first row"
expect_match "$(cat err.txt)" "BITBUCKET_EMAIL \+ BITBUCKET_API_TOKEN were refused \(401" "message of the check"
expect_eq "$(grep -c . out.csv)" 1 "only the header after a refused check"
# without the check, the rows' own 401s stop the run
BITBUCKET_API_TOKEN=wrong run_bb -j 2 --no-check-auth many.csv
expect_eq "$RC" 2 "exit code after the early stop"
expect_match "$(cat err.txt)" "first 5 answers were all 401.*BITBUCKET_EMAIL \+ BITBUCKET_API_TOKEN" "early-stop message"
grep -q wrong out.csv err.txt && fail "the wrong token appears in the output"
expect_eq "$(wc -l < out.csv)" 201 "every row still written"
n401=$(csv_col out.csv http_status | grep -c 401)
[ "$n401" -ge 5 ] && [ "$n401" -le 20 ] || fail "401 rows: $n401 (expected 5 to 20)"
expect_eq "$(csv_col out.csv status | grep -vc -e failed -e cancelled)" 0 "rows are failed or cancelled"
BITBUCKET_API_TOKEN=wrong run_bb --no-check-auth --fail-after-401 0 -j 2 many.csv
expect_eq "$(csv_col out.csv http_status | grep -c 401)" 200 "--fail-after-401 0 never stops"
# --check-auth: one GET /user first
before=$(stat_of requests)
BITBUCKET_API_TOKEN=wrong run_bb --check-auth many.csv
expect_eq "$RC" 2 "--check-auth with a wrong token"
expect_match "$(cat err.txt)" "credentials from BITBUCKET_EMAIL \+ BITBUCKET_API_TOKEN were refused" "--check-auth message"
expect_eq "$(stat_of requests)" "$before" "no permission request after a failed --check-auth"
expect_eq "$(grep -c . out.csv)" 1 "only the header after a failed --check-auth"
run_bb --check-auth one.csv
expect_eq "$RC" 0 "--check-auth with the right token"
