# Nothing here is dangerous: strings, comments, look-alike names.
# os.system("rm -rf /") in a comment
print("eval")
print('os.system("id")')
doc = """
import subprocess
subprocess.run("ls", shell=True)
eval(x)
"""
model.eval()
model.train().eval()
my_exec_plan = {"steps": 3}
self.system = "linux"
self.system.reboot()
obj.exec("x")
evaluation = evaluate(x)


def system(cmd):
    return cmd


system("not the os one")


class Runner:
    def eval(self):
        return 1

    def exec(self, x):
        return x


r = Runner()
r.eval()
r.exec(1)
config.open("x")
socket_count = 3
requests_made = 0
opener = "open('/etc/passwd')"
data.compile
re.compile("x")
