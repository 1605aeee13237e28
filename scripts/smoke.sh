#!/usr/bin/env bash
# `npm run smoke`: what a person does after cloning. Starts `npm run dev` with
# empty state, times it until it serves, runs the tutorial's curl walkthrough
# verbatim, the docs and API v1, waits for the notifications the tasks queue
# records, runs `npm run demo`, rotates the signing key in .dev.vars
# (`npm run signing-key -- rotate --local`), restarts, and checks that the
# orders survived and that tokens the old key signed still verify; then
# finishes the rotation, restarts, and checks that they no longer do. A
# .dev.vars that was there before is put back as it was at exit. Uses port
# 8787 (the walkthrough's) unless PORT is set; talks only to localhost.
#
# `npm run smoke -- --base https://gateway.example.workers.dev`: a deployed
# gateway instead (CI runs it after each deploy). Starts nothing; read-only
# checks plus one throwaway account (register, log in, order, list, health);
# no tutorial routes, which production does not serve.
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
		# One line each, and no token in a log (CI's logs may be public).
		local shown
		shown=$(tr '\n' ' ' <<<"$BODY" | sed -E 's/"(accessToken|refreshToken)":"[^"]*"/"\1":"(hidden)"/g')
		pass "$status ${shown:0:200}"
	else
		fail "expected $status $pattern, got $got_status $BODY  (curl $*)"
	fi
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

# One new account that places and lists an order, under a name no run reuses.
throwaway_account() {
	local name="smoke_$(date +%s)_$RANDOM" password="smoke $RANDOM correct horse"
	echo "== one throwaway account: $name"
	expect 201 '*' -- -X POST "$BASE/api/v1/users" -H 'Content-Type: application/json' -d "{\"username\":\"$name\",\"password\":\"$password\"}"
	expect 200 '*"accessToken"*' -- -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' -d "{\"username\":\"$name\",\"password\":\"$password\"}"
	local auth="Authorization: Bearer $(field accessToken)"
	expect 200 "*\"username\":\"$name\"*" -- "$BASE/api/v1/users/me" -H "$auth"
	expect 201 '*"status":"created"*' -- -X POST "$BASE/api/v1/orders" -H "$auth" -H 'Content-Type: application/json' -d '{"items":[{"sku":"smoke-1","quantity":1}]}'
	local order
	order=$(field id)
	expect 200 "*\"id\":\"$order\"*" -- "$BASE/api/v1/orders" -H "$auth"
	expect 200 '*"status":"ok"*' -- "$BASE/health"
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

echo "== the tutorial's walkthrough, as written (port 8787)"
expect 201 '{"message":"User created"}' -- -X POST -H "Content-Type: application/json" -d "{\"username\":\"alice\",\"password\":\"pass123\"}" http://localhost:$PORT/register
expect 409 '{"message":"Username already exists"}' -- -X POST -H "Content-Type: application/json" -d "{\"username\":\"alice\",\"password\":\"pass123\"}" http://localhost:$PORT/register
expect 400 '{"message":"Bad Request: Missing username or password"}' -- -X POST -H "Content-Type: application/json" -d "{\"username\":\"bob\"}" http://localhost:$PORT/register
expect 201 '{"message":"Order created"}' -- -X POST -H "Content-Type: application/json" -d "{\"user_id\":1,\"items\":[\"item1\"]}" http://localhost:$PORT/create_order
expect 401 '{"error":"Invalid user"}' -- -X POST -H "Content-Type: application/json" -d "{\"user_id\":999,\"items\":[\"item1\"]}" http://localhost:$PORT/create_order
expect 200 '{"message":"User is valid"}' -- http://localhost:$PORT/validate_user/1
expect 404 '{"error":"User not found"}' -- http://localhost:$PORT/validate_user/999
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

echo "== notifications through the tasks queue, within 5 s, each once"
# alice: her welcome and a confirmation for each of her two orders.
deadline=$((SECONDS + 5))
until [[ $(curl -s "$BASE/api/v1/users/me/notifications" -H "$AUTH" | grep -o '"kind"' | wc -l) -ge 3 ]] || ((SECONDS >= deadline)); do
	sleep 0.2
done
notifications=$(curl -s "$BASE/api/v1/users/me/notifications" -H "$AUTH")
if [[ $(grep -o '"kind":"welcome"' <<<"$notifications" | wc -l) -eq 1 &&
	$(grep -o '"kind":"order_confirmation"' <<<"$notifications" | wc -l) -eq 2 ]]; then
	pass "alice has 1 welcome and 2 order confirmations"
else
	fail "alice's notifications after 5 s: $notifications"
fi

echo "== npm run demo"
if node scripts/demo.ts --base "$BASE" >"$STATE/demo.log" 2>&1; then
	pass "npm run demo ran to the end"
else
	cat "$STATE/demo.log"
	fail "npm run demo"
fi

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

stop
echo "smoke: $passes passed, $failures failed"
((failures == 0))
