#!/bin/busybox sh
# A tiny MCP server for the quick start, as a CGI script of busybox httpd: enough of the
# protocol for dindctl's handshake (2026-07-28's server/discover and tools/list, and the
# initialize handshake of 2025-11-25 with tools/list and ping). A demo, not an implementation.
bb=/bin/busybox
if [ "$REQUEST_METHOD" != POST ]; then
  printf 'Status: 405 Method Not Allowed\r\nAllow: POST\r\nContent-Length: 0\r\n\r\n'
  exit 0
fi
body=$($bb head -c "${CONTENT_LENGTH:-0}")
method=$(printf '%s' "$body" | $bb sed -n 's/.*"method":"\([^"]*\)".*/\1/p')
id=$(printf '%s' "$body" | $bb sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
if [ -z "$id" ]; then
  printf 'Status: 202 Accepted\r\nContent-Length: 0\r\n\r\n'
  exit 0
fi
info='{"name":"hello","version":"1.0.0"}'
tools='[{"name":"hello","description":"Says hello","inputSchema":{"type":"object"}},{"name":"echo","description":"Echoes its input","inputSchema":{"type":"object","properties":{"text":{"type":"string"}}}}]'
case "$body" in
  *'"io.modelcontextprotocol/protocolVersion"'*) modern=1 ;;
  *) modern= ;;
esac
case "$method" in
  server/discover) result='{"resultType":"complete","supportedVersions":["2026-07-28","2025-11-25"],"capabilities":{"tools":{}},"_meta":{"io.modelcontextprotocol/serverInfo":'"$info"'}}' ;;
  initialize) result='{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":'"$info"'}' ;;
  tools/list) result='{"tools":'"$tools"${modern:+',"resultType":"complete"'}'}' ;;
  ping) result='{}' ;;
  *) result= ;;
esac
if [ -n "$result" ]; then
  reply='{"jsonrpc":"2.0","id":'"$id"',"result":'"$result"'}'
else
  reply='{"jsonrpc":"2.0","id":'"$id"',"error":{"code":-32601,"message":"Method not found"}}'
fi
printf 'Content-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' "${#reply}" "$reply"
