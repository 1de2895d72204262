# PY-NET-001: imports a network module
import socket  # expect: PY-NET-001
import urllib.request  # expect: PY-NET-001
import requests as r  # expect: PY-NET-001
from http import client  # expect: PY-NET-001
from urllib.request import urlopen  # expect: PY-NET-001
# negatives: harmless parts of the same packages
import urllib.parse
from http import HTTPStatus
import json
