eval('never closed
require("fs").readFileSync('/etc/x')