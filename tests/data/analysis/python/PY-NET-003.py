# PY-NET-003: makes an HTTP request
import requests  # expect: PY-NET-001
import urllib.request  # expect: PY-NET-001
import http.client  # expect: PY-NET-001
requests.get("https://example.com")  # expect: PY-NET-003
requests.Session()  # expect: PY-NET-003
urllib.request.urlopen("http://x")  # expect: PY-NET-003
http.client.HTTPSConnection("x")  # expect: PY-NET-003
# negatives
session.get("https://example.com")
d.get("key")
"requests.get"
