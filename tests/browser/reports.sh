#!/usr/bin/env bash
# Real-browser check of the supervisors' reports page (/wall/reports): starts its own
# `hotline serve` (HTTP on 127.0.0.1:$HOTLINE_REPORTS_PORT, default 27220; no SIP calls), with
# demo data and a day of call records written into its SQLite file (the demo has none:
# calls come from SIP), and runs reports.test.js (playwright-core + Debian's Chromium). A screenshot in
# tests/browser/out-reports/reports.png.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override).
# Usage: tests/browser/reports.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-reports
HTTP_PORT=${HOTLINE_REPORTS_PORT:-27220}
SIP_PORT=$((HTTP_PORT + 1))
. $DIR/engine.sh
browser_engine "$BIN" "$OUT" $SIP_PORT $HTTP_PORT $((HTTP_PORT + 10))-$((HTTP_PORT + 49))
# Yesterday's calls in the centre's zone: 09:xx answered by the first agent (wait 10 s / 40 s),
# one abandoned after 3 s (short) and one after 30 s, one self-served in the IVR.
DAY=$(python3 - "$OUT/data/hotline.db" <<'PY'
import sqlite3, sys, time, datetime, zoneinfo
db = sqlite3.connect(sys.argv[1], timeout=10)
agent = db.execute("SELECT id FROM agents WHERE login = 'zhangmin'").fetchone()[0]
z = zoneinfo.ZoneInfo("Asia/Shanghai")
day = datetime.datetime.now(z).date() - datetime.timedelta(days=1)
nine = int(datetime.datetime(day.year, day.month, day.day, 9, tzinfo=z).timestamp() * 1000)
rows = [  # ref, minute, queue, agent, disposition, wait, talk
    ("rep-1", 0, "general", agent, "answered", 10000, 120000),
    ("rep-2", 5, "general", agent, "answered", 40000, 60000),
    ("rep-3", 10, "general", None, "abandoned_in_queue", 3000, None),
    ("rep-4", 15, "general", None, "abandoned_in_queue", 30000, None),
    ("rep-5", 20, None, None, "self_served", None, None),
]
for ref, minute, queue, ag, disp, wait, talk in rows:
    at = nine + minute * 60000
    db.execute(
        "INSERT INTO calls (call_ref, caller, dialled, started_at, ivr_ended_at, ended_at, queue, agent_id, "
        "disposition, wait_ms, talk_ms, wrapup_ms) VALUES (?, '13800000000', '96655', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ref, at, at + 20000, at + 300000, queue, ag, disp, wait, talk, 10000 if ag else None),
    )
db.execute("INSERT INTO call_reasons (call_ref, code, source, agent_id, at) VALUES ('rep-1', 'billing/dispute', 'agent', ?, ?)", (agent, nine))
db.commit()
print(day.isoformat())
PY
)
SUP_PASSWORD=$(demo_password zhaolei)
# The page runs in the centre's zone (Asia/Shanghai); the test writes its times in the same.
TZ=Asia/Shanghai BASE_URL=http://127.0.0.1:$HTTP_PORT OUT=$OUT SUP_PASSWORD=$SUP_PASSWORD DAY=$DAY node $DIR/reports.test.js
