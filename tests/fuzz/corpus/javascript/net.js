// JS-NET-*: sockets, HTTP, DNS, fetch, WebSocket (informational when the policy enables network).
const net = require('net'); // expect: JS-NET-001
const tls = require('node:tls'); // expect: JS-NET-001
const dgram = require('dgram'); // expect: JS-NET-001
const http = require('http'); // expect: JS-NET-002
const https = require('https'); // expect: JS-NET-002
const http2 = require('http2'); // expect: JS-NET-002
const dns = require('dns'); // expect: JS-NET-003
require('dns/promises'); // expect: JS-NET-003
fetch('https://example.com'); // expect: JS-NET-004
globalThis.fetch('https://example.com'); // expect: JS-NET-004
const f = fetch;
f('x'); // expect: JS-NET-004
const ws = new WebSocket('ws://example.com'); // expect: JS-NET-005
new XMLHttpRequest(); // expect: JS-NET-005
new window.EventSource('/events'); // expect: JS-NET-005

// Not the network: nothing.
const fetch2 = (u) => u;
fetch2('x');
function get(fetch) { return fetch('x'); }
console.log("fetch('http://x')");
api.fetch('x');
const url = new URL('https://example.com');
