exec("exec(\"exec(\\\"import os\\\")\")")
