f"{x!r:{y}}" "a" b"\xff" r"\d"
