#!/usr/bin/env bash
# `npm run smoke`: what a person does after cloning. Starts `npm run dev` with
# empty state, times it until it serves, runs the tutorial's curl walkthrough
# verbatim, the docs and API v1, the README's curl session (and its second
# half in docs/API.md) as written, waits for the notifications the tasks
# queue records, runs `npm run demo`, rotates the signing key in .dev.vars
# (`npm run signing-key -- rotate --local`), restarts, and checks that the
# orders survived and that tokens the old key signed still verify; then
# finishes the rotation, restarts, and checks that they no longer do; then
# places 80 orders over 4 users, SIGKILLs the whole dev session the moment
# the last is acknowledged, restarts, and checks that every acknowledged
# order gets exactly one confirmation within 30 s (npm run dev's redrive). A
# .dev.vars that was there before is put back as it was at exit. Uses port
# 8787 (the walkthrough's) unless PORT is set, and stops at once if something
# already answers there; talks only to localhost.
#
# Both ways, one throwaway account also goes through its whole life: refresh
# rotation and reuse detection, sessions listed and ended, a password change,
# its deletion (its tokens, its login and, where the tutorial's routes are on,
# /validate_user refused), its name registered again with no orders, logout.
# Locally the smoke also finds the order worker's eraseOrders for that
# deletion in the dev log.
#
# `npm run smoke -- --base https://gateway.example.workers.dev`: a deployed
# gateway instead (CI runs it after each deploy). Starts nothing; read-only
# checks plus that one throwaway account, the only account it deletes; no
# tutorial walkthrough (production does not serve those routes), and the
# /validate_user check only where /openapi.json lists that route.
set -euo pipefail

REMOTE=
while (($#)); do
	case $1 in
	--base) REMOTE=${2:?--base needs a URL}; shift 2 ;;
	--base=*) REMOTE=${1#--base=}; shift ;;
	*) echo "usage: npm run smoke [-- --base URL]" >&2; exit 2 ;;
	esac
done

PORT=${PORT:-8787}
BASE=${REMOTE:-http://localhost:$PORT}
BASE=${BASE%/}
STATE=$(mktemp -d)
PID=
DEV_VARS_SAVED=

start() {
	local started=$SECONDS
	# npm run dev refuses a busy port, but the wait below would then reach
	# whatever holds it (often another npm run dev) and test that instead.
	if curl -s -o /dev/null "$BASE/health"; then
		echo "FAIL: something already answers on $BASE; stop it or choose another port (PORT=9000 npm run smoke)"
		exit 1
	fi
	PERSIST_TO="$STATE/state" setsid npm run dev -- --port "$PORT" >>"$STATE/dev.log" 2>&1 &
	PID=$!
	until curl -s -o /dev/null "$BASE/health"; do
		if ((SECONDS - started > 20)); then
			cat "$STATE/dev.log"
			echo "FAIL: npm run dev did not serve $BASE within 20 s"
			exit 1
		fi
		sleep 0.2
	done
	echo "npm run dev served $BASE after $((SECONDS - started)) s"
}

stop() {
	if [[ -n $PID ]]; then
		kill -TERM -- "-$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
		PID=
	fi
}
restore_dev_vars() {
	if [[ -n $DEV_VARS_SAVED ]]; then
		cp -p "$DEV_VARS_SAVED" .dev.vars
	fi
}
trap 'stop; restore_dev_vars; rm -rf "$STATE"' EXIT

passes=0
failures=0
pass() {
	echo "ok   $*"
	passes=$((passes + 1))
}
fail() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
# alice_notified_once AUTH-HEADER PASS-TEXT WHEN: alice's welcome and her two
# order confirmations, each once (a redelivery or redrive must not add one).
alice_notified_once() {
	local notifications
	notifications=$(curl -s "$BASE/api/v1/users/me/notifications" -H "$1")
	if [[ $(grep -o '"kind":"welcome"' <<<"$notifications" | wc -l) -eq 1 &&
		$(grep -o '"kind":"order_confirmation"' <<<"$notifications" | wc -l) -eq 2 ]]; then
		pass "$2"
	else
		fail "alice's notifications $3: $notifications"
	fi
}
# expect STATUS BODY -- curl arguments...: runs curl, compares the status, and
# the body with BODY (a glob: '*' is anything). The body is left in BODY.
BODY=
expect() {
	local status=$1 pattern=$2
	shift 3
	local out
	out=$(curl -s -w '\n%{http_code}' "$@")
	BODY=${out%$'\n'*}
	local got_status=${out##*$'\n'}
	# shellcheck disable=SC2053 # the pattern is a glob on purpose
	if [[ $got_status == "$status" && $BODY == $pattern ]]; then
		# One line each.
		local shown
		shown=$(tr '\n' ' ' <<<"$BODY" | hide)
		pass "$status ${shown:0:200}"
	else
		fail "$(hide <<<"expected $status $pattern, got $got_status $BODY  (curl $*)")"
	fi
}
# No token or password in a log (CI's logs may be public, and a refresh token
# lives 30 days): access and refresh tokens, Bearer headers and the passwords
# in request bodies are shown as (hidden).
hide() {
	sed -E -e 's/"(accessToken|refreshToken|password|currentPassword|newPassword)":"[^"]*"/"\1":"(hidden)"/g' \
		-e 's/(Bearer )[^ "]+/\1(hidden)/g'
}
# The value of a JSON string field in BODY.
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" <<<"$BODY"; }
# The key id (`kid`) in a JWT's header.
kid() { node -e 'console.log(JSON.parse(Buffer.from(process.argv[1].split(".")[0], "base64url")).kid ?? "")' "$1" 2>/dev/null || true; }

# Nothing here writes.
read_only() {
	echo "== read-only: health, index, docs, contract"
	expect 200 '*"status":"ok"*' -- "$BASE/health"
	expect 200 '*"docs":"/docs"*' -- "$BASE/"
	expect 302 '' -- -H 'Accept: text/html' "$BASE/"
	expect 200 '*<div id="swagger-ui">*' -- "$BASE/docs"
	expect 200 '*' -- -o /dev/null "$BASE/docs/swagger-ui-bundle.js"
	expect 200 '*"openapi":"3.1.0"*' -- "$BASE/openapi.json"
	expect 404 '*"/problems/not_found"*' -- "$BASE/no-such-route"
}

# One new account that places and lists an order, under a name no run reuses;
# then account_lifecycle, which ends it.
throwaway_account() {
	local name="smoke_$(date +%s)_$RANDOM" password="smoke $RANDOM correct horse"
	echo "== one throwaway account: $name"
	expect 201 '*' -- -X POST "$BASE/api/v1/users" -H 'Content-Type: application/json' -d "{\"username\":\"$name\",\"password\":\"$password\"}"
	local id
	id=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' <<<"$BODY")
	expect 200 '*"accessToken"*' -- -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' -d "{\"username\":\"$name\",\"password\":\"$password\"}"
	local access refresh
	access=$(field accessToken) refresh=$(field refreshToken)
	local auth="Authorization: Bearer $access"
	expect 200 "*\"username\":\"$name\"*" -- "$BASE/api/v1/users/me" -H "$auth"
	expect 201 '*"status":"created"*' -- -X POST "$BASE/api/v1/orders" -H "$auth" -H 'Content-Type: application/json' -d '{"items":[{"sku":"smoke-1","quantity":1}]}'
	local order
	order=$(field id)
	expect 200 "*\"id\":\"$order\"*" -- "$BASE/api/v1/orders" -H "$auth"
	expect 200 '*"status":"ok"*' -- "$BASE/health"
	account_lifecycle "$name" "$password" "$id" "$refresh"
}

# The rest of the throwaway account's life, from its first session (its
# refresh token given): refresh and reuse, sessions, a password change,
# deletion, its name registered again. It logs in with that name five times,
# the most LOGIN_LIMITER allows in a minute, so each session serves as much
# as it can: the first shows reuse detection, the new account's shows logout.
account_lifecycle() {
	local name=$1 password=$2 id=$3 refresh=$4
	local json='Content-Type: application/json' login="$BASE/api/v1/auth/login" me="$BASE/api/v1/users/me"
	local credentials="{\"username\":\"$name\",\"password\":\"$password\"}"
	bearer() { echo "Authorization: Bearer $1"; }
	refresh_body() { echo "{\"refreshToken\":\"$1\"}"; }

	echo "== refresh: a new pair; sending the spent token again ends the session"
	expect 200 '*"refreshToken"*' -- -X POST "$BASE/api/v1/auth/refresh" -H "$json" -d "$(refresh_body "$refresh")"
	local access2 refresh2
	access2=$(field accessToken) refresh2=$(field refreshToken)
	expect 200 "*\"username\":\"$name\"*" -- "$me" -H "$(bearer "$access2")"
	expect 401 '*"/problems/invalid_refresh_token"*' -- -X POST "$BASE/api/v1/auth/refresh" -H "$json" -d "$(refresh_body "$refresh")"
	expect 401 '*"/problems/invalid_refresh_token"*' -- -X POST "$BASE/api/v1/auth/refresh" -H "$json" -d "$(refresh_body "$refresh2")"
	expect 401 '*"/problems/invalid_token"*' -- -D "$STATE/headers" "$me" -H "$(bearer "$access2")"
	if grep -qi '^www-authenticate: Bearer realm="api", error="invalid_token"' "$STATE/headers"; then
		pass 'WWW-Authenticate: Bearer realm="api", error="invalid_token", ...'
	else
		fail "no invalid_token challenge: $(grep -i '^www-authenticate' "$STATE/headers")"
	fi

	echo "== sessions: two logins; one ends the other"
	expect 200 '*"accessToken"*' -- -X POST "$login" -H "$json" -d "$credentials"
	local access3
	access3=$(field accessToken)
	expect 200 '*"accessToken"*' -- -X POST "$login" -H "$json" -d "$credentials"
	local access4
	access4=$(field accessToken)
	expect 200 '*"current":true*' -- "$me/sessions" -H "$(bearer "$access3")"
	local other
	other=$(grep -o '"id":"[0-9a-f]*"[^}]*"current":false' <<<"$BODY" | sed 's/"id":"\([0-9a-f]*\)".*/\1/') || true
	if [[ $(grep -o '"id":' <<<"$BODY" | wc -l) -eq 2 && $(wc -w <<<"$other") -eq 1 ]]; then
		pass "2 sessions listed, 1 current"
	else
		fail "sessions: $BODY"
	fi
	expect 204 '' -- -X DELETE "$me/sessions/$other" -H "$(bearer "$access3")"
	expect 401 '*"/problems/invalid_token"*' -- "$me" -H "$(bearer "$access4")"

	echo "== password change: a new pair; every older token refused"
	local new_password="$password, changed"
	expect 200 '*"refreshToken"*' -- -X PUT "$me/password" -H "$(bearer "$access3")" -H "$json" -d "{\"currentPassword\":\"$password\",\"newPassword\":\"$new_password\"}"
	local access5
	access5=$(field accessToken)
	expect 401 '*"/problems/invalid_token"*' -- "$me" -H "$(bearer "$access3")"
	expect 200 "*\"username\":\"$name\"*" -- "$me" -H "$(bearer "$access5")"

	echo "== deletion: the token, the login and validate_user refused"
	expect 204 '' -- -D "$STATE/headers" -X DELETE "$me" -H "$(bearer "$access5")" -H "$json" -d "{\"password\":\"$new_password\"}"
	local deletion
	deletion=$(sed -n 's/^x-request-id: *\([^[:space:]]*\).*/\1/Ip' "$STATE/headers")
	expect 401 '*"/problems/invalid_token"*' -- "$me" -H "$(bearer "$access5")"
	expect 401 '*"/problems/invalid_credentials"*' -- -X POST "$login" -H "$json" -d "{\"username\":\"$name\",\"password\":\"$new_password\"}"
	# Where the tutorial's routes are on (the contract lists them), /validate_user forgets the id.
	if [[ $(curl -s "$BASE/openapi.json") == *'"/validate_user/{user_id}"'* ]]; then
		expect 404 '{"error":"User not found"}'$'\n' -- "$BASE/validate_user/$id"
	fi

	echo "== the same name again: a new account without the old orders; logout"
	expect 201 "*\"username\":\"$name\"*" -- -X POST "$BASE/api/v1/users" -H "$json" -d "$credentials"
	expect 200 '*"accessToken"*' -- -X POST "$login" -H "$json" -d "$credentials"
	local access6 refresh6
	access6=$(field accessToken) refresh6=$(field refreshToken)
	expect 200 '*"orders":\[\]*' -- "$BASE/api/v1/orders" -H "$(bearer "$access6")"
	expect 204 '' -- -X POST "$BASE/api/v1/auth/logout" -H "$json" -d "$(refresh_body "$refresh6")"
	expect 401 '*"/problems/invalid_token"*' -- "$me" -H "$(bearer "$access6")"

	# The deleted account's orders are erased through the tasks queue (the
	# user worker's consumer calls the order worker's eraseOrders); locally
	# its log line, under the deletion's request id, says it happened.
	if [[ -z $REMOTE ]]; then
		local deadline=$((SECONDS + 15)) erased=
		until erased=$(grep -F "\"requestId\":\"$deletion\"" "$STATE/dev.log" | grep -F '"rpc":"eraseOrders","status":"ok"') || ((SECONDS >= deadline)); do
			sleep 0.2
		done
		if [[ -n $deletion && -n $erased ]]; then
			pass "the order worker erased the deleted account's orders (eraseOrders, request $deletion)"
		else
			fail "no eraseOrders for the deletion (request '$deletion') in the dev log within 15 s"
		fi
	fi
}

if [[ -n $REMOTE ]]; then
	# A fresh deploy's workers.dev route can take a moment to answer.
	for _ in {1..30}; do
		curl -sf -o /dev/null "$BASE/health" && break
		sleep 2
	done
	read_only
	throwaway_account
	echo "smoke ($BASE): $passes passed, $failures failed"
	((failures == 0))
	exit
fi

# The rotation check below rewrites .dev.vars: a developer's own is put back at exit.
if [[ -f .dev.vars ]]; then
	DEV_VARS_SAVED=$STATE/dev.vars
	cp -p .dev.vars "$DEV_VARS_SAVED"
fi

start

echo "== the tutorial's walkthrough, as written (on port $PORT for 8787)"
expect 201 '{"message":"User created"}'$'\n' -- -X POST -H "Content-Type: application/json" -d "{\"username\":\"alice\",\"password\":\"pass123\"}" http://localhost:$PORT/register
expect 409 '{"message":"Username already exists"}'$'\n' -- -X POST -H "Content-Type: application/json" -d "{\"username\":\"alice\",\"password\":\"pass123\"}" http://localhost:$PORT/register
expect 400 '{"message":"Bad Request: Missing username or password"}'$'\n' -- -X POST -H "Content-Type: application/json" -d "{\"username\":\"bob\"}" http://localhost:$PORT/register
expect 201 '{"message":"Order created"}'$'\n' -- -X POST -H "Content-Type: application/json" -d "{\"user_id\":1,\"items\":[\"item1\"]}" http://localhost:$PORT/create_order
expect 401 '{"error":"Invalid user"}'$'\n' -- -X POST -H "Content-Type: application/json" -d "{\"user_id\":999,\"items\":[\"item1\"]}" http://localhost:$PORT/create_order
expect 200 '{"message":"User is valid"}'$'\n' -- http://localhost:$PORT/validate_user/1
expect 404 '{"error":"User not found"}'$'\n' -- http://localhost:$PORT/validate_user/999
expect 400 '*' -- -X POST -H "Content-Type: application/json" -d "{\"items\":[\"item1\"]}" http://localhost:$PORT/create_order
expect 400 '*' -- -X POST -H "Content-Type: application/json" -d "not json" http://localhost:$PORT/create_order

read_only

echo "== API v1"
expect 201 '*' -- -X POST "$BASE/api/v1/users" -H 'Content-Type: application/json' -d '{"username":"carol","password":"correct horse battery"}'
TOKEN=$(curl -s -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
	-d '{"username":"alice","password":"pass123"}' | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
[[ -n $TOKEN ]] || fail "alice could not log in"
AUTH="Authorization: Bearer $TOKEN"
expect 201 '*' -- -X POST "$BASE/api/v1/orders" -H "$AUTH" -H 'Content-Type: application/json' -d '{"items":[{"sku":"book-1","quantity":2}]}'
expect 200 '*' -- "$BASE/health"
before=$(curl -s "$BASE/api/v1/orders" -H "$AUTH")

throwaway_account

echo "== the README's curl session and docs/API.md's second half, as a reader pastes them"
# Each fenced block after a "<!-- smoke: runs this block" line, in bash with
# set -e, against this server: a command that fails stops it.
awk '/^<!-- smoke: runs this block/ { take = 1; next }
	take && /^```/ { if (inside) take = inside = 0; else inside = 1; next }
	take && inside' README.md docs/API.md | sed "s#http://localhost:8787#$BASE#g" >"$STATE/session.sh"
if bash -eo pipefail "$STATE/session.sh" >"$STATE/session.log" 2>&1; then
	pass "the docs' curl session ran to the end ($(grep -c . "$STATE/session.sh") lines)"
else
	tail -n 20 "$STATE/session.log"
	fail "the docs' curl session stopped (its output is above)"
fi
for shown in 'Idempotent-Replayed: true' '"status":409' '"current":true' '"/problems/invalid_token"'; do
	if grep -qiF -- "$shown" "$STATE/session.log"; then pass "the session shows $shown"; else fail "the session never shows $shown"; fi
done

echo "== notifications through the tasks queue, within 15 s (usually 1-2), each once"
# alice: her welcome and a confirmation for each of her two orders.
deadline=$((SECONDS + 15))
until [[ $(curl -s "$BASE/api/v1/users/me/notifications" -H "$AUTH" | grep -o '"kind"' | wc -l) -ge 3 ]] || ((SECONDS >= deadline)); do
	sleep 0.2
done
alice_notified_once "$AUTH" "alice has 1 welcome and 2 order confirmations" "after 15 s"

echo "== npm run demo"
if npm run -s demo -- --base "$BASE" >"$STATE/demo.log" 2>&1; then
	pass "npm run demo ran to the end"
else
	cat "$STATE/demo.log"
	fail "npm run demo"
fi

echo "== every HTTP method on listed, unlisted and malformed paths: no 5xx"
# CONNECT included: npm run dev's front answers it (scripts/dev-front.mjs).
answered_5xx=""
for method in GET HEAD POST PUT PATCH DELETE OPTIONS TRACE CONNECT; do
	for path in / /health /register /validate_user/1 /create_order /api/v1/orders /api/v1/orders/x /api/v1/users/me/sessions /docs /openapi.json /nope /%ZZ; do
		# curl -X HEAD would wait for the body the headers announce.
		if [[ $method == HEAD ]]; then how=(--head); else how=(-X "$method"); fi
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${how[@]}" "$BASE$path" || true)
		[[ $code =~ ^[1-4][0-9][0-9]$ ]] || answered_5xx+=" $method $path: $code;"
	done
done
if [[ -z $answered_5xx ]]; then pass "9 methods on 12 paths, no 5xx"; else fail "answered:$answered_5xx"; fi

echo "== npm run signing-key -- rotate --local"
rotator="rotate_$(date +%s)_$RANDOM"
credentials="{\"username\":\"$rotator\",\"password\":\"rotate $RANDOM correct horse\"}"
expect 201 '*' -- -X POST "$BASE/api/v1/users" -H 'Content-Type: application/json' -d "$credentials"
expect 200 '*"accessToken"*' -- -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' -d "$credentials"
OLD_TOKEN=$(field accessToken)
if npm run -s signing-key -- rotate --local >>"$STATE/dev.log" 2>&1; then
	pass "rotated the signing key in .dev.vars"
else
	tail -n 5 "$STATE/dev.log"
	fail "npm run signing-key -- rotate --local"
fi

echo "== restart: orders survive; tokens the old key signed still verify, new ones name the new key"
stop
start
after=$(curl -s "$BASE/api/v1/orders" -H "$AUTH")
if [[ $before == "$after" && $after == *'"sku":"item1"'* && $after == *'"sku":"book-1"'* ]]; then
	pass "alice's 2 orders (tutorial and v1) are there after the restart"
else
	fail "orders before restart: $before; after: $after"
fi
expect 200 "*\"username\":\"$rotator\"*" -- "$BASE/api/v1/users/me" -H "Authorization: Bearer $OLD_TOKEN"
expect 200 '*"accessToken"*' -- -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' -d "$credentials"
NEW_TOKEN=$(field accessToken)
old_kid=$(kid "$OLD_TOKEN") new_kid=$(kid "$NEW_TOKEN")
if [[ -n $old_kid && -n $new_kid && $old_kid != "$new_kid" ]]; then
	pass "a new login's token names another key ($old_kid, now $new_kid)"
else
	fail "key ids before and after the rotation: '$old_kid', '$new_kid'"
fi

echo "== npm run signing-key -- finish --local, restart: the old key verifies nothing"
if npm run -s signing-key -- finish --local >>"$STATE/dev.log" 2>&1; then
	pass "finished the rotation in .dev.vars"
else
	tail -n 5 "$STATE/dev.log"
	fail "npm run signing-key -- finish --local"
fi
stop
start
expect 401 '*' -- "$BASE/api/v1/users/me" -H "Authorization: Bearer $OLD_TOKEN"
expect 200 "*\"username\":\"$rotator\"*" -- "$BASE/api/v1/users/me" -H "Authorization: Bearer $NEW_TOKEN"

echo "== SIGKILL with events in flight: after the restart, one confirmation for every acknowledged order within 30 s"
# The local queue keeps its messages in memory: the kill loses what it held,
# and npm run dev's redrive at the next start sends it again from the outboxes.
if placed=$(node scripts/events-in-flight.mjs place --base "$BASE" --users 4 --orders 80 --out "$STATE/in-flight.json" --kill-group "$PID" 2>&1); then
	pass "$placed"
	wait "$PID" 2>/dev/null || true
	PID=
	start
	if checked=$(node scripts/events-in-flight.mjs check --base "$BASE" --in "$STATE/in-flight.json" --within 30 2>&1); then
		pass "$checked"
	else
		fail "$checked"
	fi
	if grep -q '^Redrive #[0-9]*: events sent since' "$STATE/dev.log"; then
		pass "npm run dev asked for a redrive of the last session's events: $(grep '^Redrive #' "$STATE/dev.log" | tail -n 1 | cut -c1-120)"
	else
		fail "no redrive request in the dev log after the restart"
	fi
	# Re-sent at every restart of this run, alice's events still count once each.
	ALICE=$(curl -s -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
		-d '{"username":"alice","password":"pass123"}' | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
	alice_notified_once "Authorization: Bearer $ALICE" \
		"alice still has 1 welcome and 2 order confirmations after three restarts' redrives" "after the restarts"
else
	fail "$placed"
fi

stop
echo "smoke: $passes passed, $failures failed"
((failures == 0))
