/* The analysis child's confinement (src/analysis/confine.c): memory and its result pipe only. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/confine.h"

enum attempt { ALLOC_AND_WRITE, OPEN_FILE, WRITE_OTHER_FD, MAP_EXEC, FORK };

/* Run `what` in a confined child; its wait status. */
static int confined(enum attempt what)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        if (sbx__analysis_confine(p[1]) < 0)
            _exit(90);
        switch (what) {
        case ALLOC_AND_WRITE: {
            char *big = malloc(64 << 20); /* mmap'd by malloc */
            if (!big)
                _exit(91);
            big[0] = 'x';
            free(big);
            _exit(write(p[1], "ok", 2) == 2 ? 0 : 92);
        }
        case OPEN_FILE:
            _exit(open("/etc/passwd", O_RDONLY) >= 0 ? 93 : 94);
        case WRITE_OTHER_FD:
            _exit(write(STDERR_FILENO, "x", 1) == 1 ? 95 : 96);
        case MAP_EXEC:
            _exit(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
                          MAP_FAILED
                      ? 97
                      : 98);
        case FORK:
            _exit(fork() >= 0 ? 99 : 100);
        }
        _exit(101);
    }
    close(p[1]);
    char buf[4] = {0};
    ssize_t n = read(p[0], buf, sizeof(buf));
    close(p[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    if (what == ALLOC_AND_WRITE)
        cr_assert(n == 2 && buf[0] == 'o', "the result pipe must work");
    return status;
}

static void killed(int status)
{
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x: not killed", status);
}

Test(confine, memory_and_the_result_pipe_work)
{
    int st = confined(ALLOC_AND_WRITE);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

Test(confine, opening_a_file_kills)
{
    killed(confined(OPEN_FILE));
}

Test(confine, writing_elsewhere_kills)
{
    killed(confined(WRITE_OTHER_FD));
}

Test(confine, executable_memory_kills)
{
    killed(confined(MAP_EXEC));
}

Test(confine, forking_kills)
{
    killed(confined(FORK));
}
