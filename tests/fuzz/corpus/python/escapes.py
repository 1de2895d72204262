x = "\N{BULLET} \u00e9 \U0001F600 \777 \x4"
open("\x2fetc\x2fpasswd")
