#!/usr/bin/env bash
# `npm run smoke`: what a person does after cloning. Starts `npm run dev` with
# empty state, times it until it serves, runs the tutorial's curl walkthrough
# verbatim and the API v1 flow, waits for the notifications the tasks queue
# records, restarts, and checks that the orders survived.
# Uses port 8787 (the walkthrough's) unless PORT is set; talks only to localhost.
set -euo pipefail
PORT=${PORT:-8787}
BASE=http://localhost:$PORT
STATE=$(mktemp -d)
PID=

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
trap 'stop; rm -rf "$STATE"' EXIT

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
# expect STATUS BODY -- curl arguments...: runs curl, compares status and body.
expect() {
	local status=$1 body=$2
	shift 3
	local out
	out=$(curl -s -w '\n%{http_code}' "$@")
	local got_body=${out%$'\n'*} got_status=${out##*$'\n'}
	if [[ $got_status == "$status" && ($body == "*" || $got_body == "$body") ]]; then
		pass "$status $got_body"
	else
		fail "expected $status $body, got $got_status $got_body  (curl $*)"
	fi
}

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

echo "== API v1"
expect 201 '*' -- -X POST "$BASE/api/v1/users" -H 'Content-Type: application/json' -d '{"username":"carol","password":"correct horse battery"}'
TOKEN=$(curl -s -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
	-d '{"username":"alice","password":"pass123"}' | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
[[ -n $TOKEN ]] || fail "alice could not log in"
AUTH="Authorization: Bearer $TOKEN"
expect 201 '*' -- -X POST "$BASE/api/v1/orders" -H "$AUTH" -H 'Content-Type: application/json' -d '{"items":[{"sku":"book-1","quantity":2}]}'
expect 200 '*' -- "$BASE/health"
before=$(curl -s "$BASE/api/v1/orders" -H "$AUTH")

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

echo "== restart: orders survive"
stop
start
after=$(curl -s "$BASE/api/v1/orders" -H "$AUTH")
if [[ $before == "$after" && $after == *'"sku":"item1"'* && $after == *'"sku":"book-1"'* ]]; then
	pass "alice's 2 orders (tutorial and v1) are there after the restart"
else
	fail "orders before restart: $before; after: $after"
fi

stop
echo "smoke: $passes passed, $failures failed"
((failures == 0))
