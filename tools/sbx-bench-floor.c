/*
 * sbx-bench-floor: the floor under any sandbox that is a command of its own and gives each run
 * fresh namespaces (bench/bench.py's `ns-floor` rows; not installed).
 *
 *   sbx-bench-floor [--new-netns] PROGRAM [ARGS...]
 *
 * It is exec'd like a CLI, makes a child with one clone3() in new user, mount, pid, ipc, uts
 * and cgroup namespaces (and a network namespace with --new-netns, as an unprivileged
 * rusty-sandbox run makes one; root's runs join a pre-made one), and that child, pid 1 of its
 * namespace, forks PROGRAM and reaps it. Nothing else: no id maps, no mounts, no cgroup, no
 * rlimits, no Landlock, no seccomp, no report. What a sandbox costs above the bare program
 * minus what this costs is what its own work costs; the rest belongs to the kernel and exec.
 */
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 125;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
    int i = 1;
    unsigned long long flags =
        CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
    if (i < argc && !strcmp(argv[i], "--new-netns")) {
        flags |= CLONE_NEWNET;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: sbx-bench-floor [--new-netns] PROGRAM [ARGS...]\n");
        return 2;
    }
    struct clone_args ca = {.flags = flags, .exit_signal = SIGCHLD};
    pid_t init = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
    if (init < 0) {
        fprintf(stderr, "sbx-bench-floor: clone3: %s\n", strerror(errno));
        return 125;
    }
    if (init == 0) {
        pid_t prog = fork();
        if (prog < 0)
            _exit(125);
        if (prog == 0) {
            execv(argv[i], argv + i);
            fprintf(stderr, "sbx-bench-floor: %s: %s\n", argv[i], strerror(errno));
            _exit(127);
        }
        _exit(wait_status(prog));
    }
    return wait_status(init);
}
