# PY-NET-002: opens a network socket or resolves a host
import socket  # expect: PY-NET-001
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # expect: PY-NET-002
socket.create_connection(("example.com", 80))  # expect: PY-NET-002
socket.gethostbyname("example.com")  # expect: PY-NET-002
# negatives
s.connect
socket.AF_INET
mysocket.socket()
