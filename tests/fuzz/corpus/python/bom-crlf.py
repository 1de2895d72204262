import os
os.system("a")
