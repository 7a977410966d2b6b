# CSVs as spreadsheets write them: Excel (BOM, ';', CRLF, quoted line
# breaks), Google Sheets (',', LF, no final newline), tabs and pipes, blank
# lines and lines of only delimiters; the result keeps the input's BOM,
# delimiter and line ends, and key cells are trimmed while pass-through cells are not.
. "$(dirname "$0")/lib.sh"
fakebb_start
# Excel, European locale
printf '\xef\xbb\xbfWorkspace;Repository;Group;Permission;Note\r\nacme; api ;developers; Write ;"two\r\nlines; one cell"\r\n\r\n;;;;\r\nacme;web;developers;read;  keep  spaces  \r\n' > excel.csv
run_bb excel.csv
expect_eq "$RC" 0 "Excel-style exit code"
printf '\xef\xbb\xbfWorkspace;Repository;Group;Permission;Note;status;http_status;attempts;message;previous\r\nacme;" api ";developers;" Write ";"two\r\nlines; one cell";ok;200;1;;\r\nacme;web;developers;read;"  keep  spaces  ";ok;200;1;;\r\n' > want.csv
expect_file out.csv want.csv "Excel-style result"
expect_eq "$(state | grep 'acme	api	group	developers')" "repository	acme	api	group	developers	write" "trimmed key cells applied"
# Google Sheets: LF, no final newline
printf 'workspace,repo,group,privilege\nacme,docs,developers,admin\nacme,infra,developers,read' > sheets.csv
run_bb sheets.csv
expect_eq "$RC" 0 "Sheets-style exit code"
expect_eq "$(cat out.csv)" "workspace,repo,group,privilege,status,http_status,attempts,message,previous
acme,docs,developers,admin,ok,200,1,,
acme,infra,developers,read,ok,200,1,," "Sheets-style result"
# tab and pipe, detected; --delimiter forces
printf 'workspace\trepo\tgroup\tprivilege\tnote\nacme\tapi\tadmins\tread\ta,b\n' > tab.tsv
run_bb tab.tsv
expect_eq "$(sed -n 2p out.csv)" "acme	api	admins	read	a,b	ok	200	1		" "tab-separated result"
printf 'workspace|repo|group|privilege\nacme|api|admins|read\n' > pipe.csv
run_bb pipe.csv
expect_eq "$(sed -n 2p out.csv)" "acme|api|admins|read|ok|200|1||" "pipe-separated result"
printf 'workspace;repo;group;privilege;a,b,c,d,e,f\nacme;api;admins;read;x\n' > semi.csv
run_bb --delimiter ';' semi.csv
expect_eq "$(sed -n 2p out.csv)" "acme;api;admins;read;x;ok;200;1;;" "--delimiter ';' where ',' would be detected"
# --no-header: positional columns, a header of those names in the result
printf 'acme,api,admins,read,extra\nacme,web,admins,write,more\n' > nohead.csv
run_bb --no-header nohead.csv
expect_eq "$(cat out.csv)" "workspace,repo,group,privilege,column5,status,http_status,attempts,message,previous
acme,api,admins,read,extra,ok,200,1,,
acme,web,admins,write,more,ok,200,1,," "--no-header result"
# --map
printf 'Space,Repository Name,Team,Access\nacme,api,admins,read\n' > mapped.csv
run_bb --map 'workspace=Space,repo=Repository Name,group=Team,privilege=Access' mapped.csv
expect_eq "$(sed -n 2p out.csv)" "acme,api,admins,read,ok,200,1,," "--map result"
