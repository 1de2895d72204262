# PY-FS-003: removes, moves or changes permissions of files at a computed path
import os
import shutil
shutil.rmtree(target)  # expect: PY-FS-003
os.remove(name)  # expect: PY-FS-003
os.chmod(path, 0o777)  # expect: PY-FS-003
shutil.move(src, dst)  # expect: PY-FS-003
# negatives: literal paths inside the sandbox, creating files
os.remove("/tmp/x")
os.makedirs(out_dir)
