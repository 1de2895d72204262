/*
 * The live run registry, writer side (/work/live-registry-spec.md, docs/telemetry.md):
 * each running supervisor publishes its run as live/<id>.json in a per-user runtime directory,
 * rewritten whole (tmp file + rename, no lock held) when the program starts (or as "starting"
 * when building the sandbox takes over 20 ms), on every sample tick and at most every 50 ms when
 * an event happens; at the end the final object goes to
 * live/finished/<id>.json, the live entry is removed and finished/ is pruned to the newest 50
 * once it holds more than 64.
 *
 * SECURITY: the directory is private (0700, owned by the euid, not group/other-writable, every
 * component the sandbox creates opened O_DIRECTORY|O_NOFOLLOW and checked); if it is not, the
 * registry is off for the run and the run goes on. Files are opened O_NOFOLLOW, mode 0600.
 * Nothing here is ever read back: the readers (ps, kill, the dashboard) parse with caps.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "platform/platform.h"
#include "telemetry/telemetry.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define PUBLISH_MIN_NS (50u * 1000u * 1000u)
/* "starting" is written only for a sandbox still being built this long after its workspace
 * was ready: a run normally execs within a few ms and goes straight to "running", and a write
 * then would take the CPU init is about to need (0.1-0.3 ms of each run's start). */
#define STARTING_AFTER_NS (20u * 1000u * 1000u)
#define STALE_TMP_AGE_S 60

struct recent {
    const char *type; /* static (the result's event types) */
    uint64_t at_us;
    char detail[160];
};

struct sbx__live {
    int dirfd, findir;
    char id[40];
    const char *state;
    long pid;
    unsigned long long starttime;
    uid_t uid;
    char user[64];
    char file[4096];
    char runtime[32];
    char started_at[40];
    uint64_t wall_t0_us, t0_ns;
    json_t *limits, *enforcement;
    bool have_sample;
    struct sbx_sample sample;
    uint64_t history[SBX_LIVE_HISTORY];
    size_t n_hist;
    struct recent recent[SBX_LIVE_RECENT];
    uint64_t n_events;
    bool finished;
    const char *verdict;
    int exit_code;
    uint64_t wall_time_us;
    uint64_t last_pub_ns;
    uint64_t first_due_ns; /* "starting" is not written before */
    bool dirty;
};

/* The directory, and how long its prefix is that the system provides (the components after
 * it are the sandbox's own: made 0700 and checked). */
static int dir_path(char *buf, size_t size, size_t *ret_base)
{
    const char *env = getenv("RUSTY_SANDBOX_RUNTIME_DIR");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    uid_t euid = geteuid();
    struct stat st;
    int n;
    size_t base = 4; /* "/run", "/tmp" */
    if (env && env[0] == '/') {
        n = snprintf(buf, size, "%s", env);
        while (n > 1 && buf[n - 1] == '/')
            buf[--n] = '\0';
        base = (size_t)(strrchr(buf, '/') - buf);
        base = base ? base : 1;
    } else if (euid == 0) {
        n = snprintf(buf, size, "/run/rusty-sandbox/live");
    } else if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) &&
               st.st_uid == euid && (st.st_mode & 07777) == 0700) {
        n = snprintf(buf, size, "%s/rusty-sandbox/live", xdg);
        base = strlen(xdg);
    } else {
        n = snprintf(buf, size, "/tmp/rusty-sandbox-%u/live", (unsigned)euid);
    }
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    *ret_base = base;
    return 0;
}

int sbx__live_dir_path(char *buf, size_t size)
{
    size_t base;
    return dir_path(buf, size, &base);
}

/* Open (creating it 0700 if missing) `name` in dirfd; it must be ours and private. */
static int private_subdir(int dirfd, const char *name)
{
    if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
        return -errno;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd); /* SECURITY: someone else's, or writable by others: not ours to trust */
        return -EPERM;
    }
    return fd;
}

/* Open the base (only opened: the system's), then each component after it: made 0700 if
 * missing, opened O_NOFOLLOW and checked. */
static int open_dir(char *p, size_t base_len)
{
    char base[PATH_MAX];
    snprintf(base, sizeof(base), "%.*s", (int)base_len, p);
    int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char *save = NULL;
    for (char *comp = strtok_r(p + base_len, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
        if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
            close(fd);
            return -EINVAL;
        }
        int sub = private_subdir(fd, comp);
        close(fd);
        if (sub < 0)
            return sub;
        fd = sub;
    }
    return fd;
}

static unsigned long long self_starttime(void)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = sbx__read_full(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
    if (!p)
        return 0;
    p++;
    /* fields after comm start at 3 (state); starttime is field 22 */
    for (int field = 3; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

int sbx__live_open(struct sbx__live **ret)
{
    *ret = NULL;
    char path[PATH_MAX];
    size_t base;
    int r = dir_path(path, sizeof(path), &base);
    if (r < 0)
        return r;
    struct sbx__live *lv = calloc(1, sizeof(*lv));
    if (!lv)
        return -ENOMEM;
    lv->dirfd = open_dir(path, base);
    lv->findir = lv->dirfd >= 0 ? private_subdir(lv->dirfd, "finished") : -1;
    if (lv->dirfd < 0 || lv->findir < 0) {
        r = lv->dirfd < 0 ? lv->dirfd : lv->findir;
        sbx__live_close(lv);
        return r;
    }
    lv->pid = (long)getpid();
    lv->starttime = self_starttime();
    lv->uid = geteuid();
    lv->user[0] = '\0'; /* looked up at the first write, off the run's critical path */
    lv->state = "starting";
    lv->exit_code = -1;
    *ret = lv;
    return 0;
}

void sbx__live_start(struct sbx__live *lv, const struct sbx__ev_clock *c,
                     const struct sbx_result *res, const char *abs_file)
{
    if (!lv)
        return;
    snprintf(lv->id, sizeof(lv->id), "%s", c->id);
    lv->wall_t0_us = c->wall_t0_us;
    lv->t0_ns = c->t0_ns;
    snprintf(lv->file, sizeof(lv->file), "%s", abs_file ? abs_file : res->file);
    snprintf(lv->runtime, sizeof(lv->runtime), "%s", res->runtime_name);
    snprintf(lv->started_at, sizeof(lv->started_at), "%s", res->started_at);
    lv->limits = sbx__ev_limits_numbers(&res->limits);
    lv->enforcement = json_object();
    /* Not written here: "running" is written when the program starts; the supervisor's loop
     * writes "starting" only if the sandbox is not built STARTING_AFTER_NS from now. */
    lv->first_due_ns = sbx__now_ns() + STARTING_AFTER_NS;
    lv->dirty = true;
}

/* The user's name for the entry (NSS may read files or ask a daemon: done once, lazily). */
static void resolve_user(struct sbx__live *lv)
{
    if (lv->user[0])
        return;
    struct passwd pw, *found = NULL;
    char buf[1024];
    if (getpwuid_r(lv->uid, &pw, buf, sizeof(buf), &found) == 0 && found)
        snprintf(lv->user, sizeof(lv->user), "%s", found->pw_name);
    else
        snprintf(lv->user, sizeof(lv->user), "%u", (unsigned)lv->uid);
}

void sbx__live_running(struct sbx__live *lv, const struct sbx_result *res)
{
    if (!lv)
        return;
    lv->state = "running";
    json_decref(lv->enforcement);
    lv->enforcement = sbx__ev_enforcement(res);
    sbx__live_publish(lv, true);
}

void sbx__live_sample(struct sbx__live *lv, const struct sbx_sample *s)
{
    if (!lv)
        return;
    lv->sample = *s;
    lv->have_sample = true;
    if (lv->n_hist == SBX_LIVE_HISTORY)
        memmove(lv->history, lv->history + 1, sizeof(lv->history[0]) * (SBX_LIVE_HISTORY - 1));
    else
        lv->n_hist++;
    lv->history[lv->n_hist - 1] = s->memory_bytes;
    sbx__live_publish(lv, true);
}

void sbx__live_event(struct sbx__live *lv, const struct sbx_event *e)
{
    if (!lv)
        return;
    size_t slot = lv->n_events < SBX_LIVE_RECENT ? lv->n_events : SBX_LIVE_RECENT - 1;
    if (lv->n_events >= SBX_LIVE_RECENT)
        memmove(lv->recent, lv->recent + 1, sizeof(lv->recent[0]) * (SBX_LIVE_RECENT - 1));
    lv->recent[slot].type = e->type;
    lv->recent[slot].at_us = e->at_us;
    snprintf(lv->recent[slot].detail, sizeof(lv->recent[slot].detail), "%s", e->detail);
    lv->n_events++;
    lv->dirty = true;
    sbx__live_publish(lv, false);
}

static json_t *sample_json(const struct sbx_sample *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "cpu_percent",
                        json_real((double)(int64_t)(s->cpu_percent * 10 + 0.5) / 10.0));
    json_object_set_new(o, "cpu_time_ms", json_integer((json_int_t)(s->cpu_time_us / 1000)));
    json_object_set_new(o, "memory_bytes", json_integer((json_int_t)s->memory_bytes));
    json_object_set_new(o, "memory_peak_bytes", json_integer((json_int_t)s->memory_peak_bytes));
    json_object_set_new(o, "pids", json_integer((json_int_t)s->pids));
    json_object_set_new(o, "io_read_bytes", json_integer((json_int_t)s->io_read_bytes));
    json_object_set_new(o, "io_write_bytes", json_integer((json_int_t)s->io_write_bytes));
    json_object_set_new(o, "stdout_bytes", json_integer((json_int_t)s->stdout_bytes));
    json_object_set_new(o, "stderr_bytes", json_integer((json_int_t)s->stderr_bytes));
    return o;
}

static json_t *text(const char *s)
{
    json_t *j = json_string(s); /* NULL for invalid UTF-8 */
    return j ? j : json_string("?");
}

json_t *sbx__live_object(const struct sbx__live *lv)
{
    char when[40];
    uint64_t now_wall = lv->wall_t0_us + (sbx__now_ns() - lv->t0_ns) / 1000;
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_integer(SBX_LIVE_SCHEMA));
    json_object_set_new(o, "id", json_string(lv->id));
    json_object_set_new(o, "state", json_string(lv->state));
    json_object_set_new(o, "supervisor_pid", json_integer(lv->pid));
    json_object_set_new(o, "supervisor_start", json_integer((json_int_t)lv->starttime));
    json_object_set_new(o, "uid", json_integer((json_int_t)lv->uid));
    json_object_set_new(o, "user", text(lv->user));
    json_object_set_new(o, "file", text(lv->file));
    json_object_set_new(o, "runtime", text(lv->runtime));
    json_object_set_new(o, "started_at", json_string(lv->started_at));
    sbx__ev_rfc3339(now_wall, when, sizeof(when));
    json_object_set_new(o, "updated_at", json_string(when));
    json_object_set_new(o, "elapsed_ms",
                        json_integer((json_int_t)((sbx__now_ns() - lv->t0_ns) / 1000000u)));
    json_object_set(o, "limits", lv->limits ? lv->limits : json_object());
    json_object_set(o, "enforcement", lv->enforcement ? lv->enforcement : json_object());
    json_object_set_new(o, "sample", lv->have_sample ? sample_json(&lv->sample) : json_null());
    json_t *h = json_array();
    for (size_t i = 0; i < lv->n_hist; i++)
        json_array_append_new(h, json_integer((json_int_t)lv->history[i]));
    json_object_set_new(o, "memory_history", h);
    json_object_set_new(o, "n_events", json_integer((json_int_t)lv->n_events));
    json_t *ev = json_array();
    size_t n = lv->n_events < SBX_LIVE_RECENT ? lv->n_events : SBX_LIVE_RECENT;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        sbx__ev_rfc3339(lv->wall_t0_us + lv->recent[i].at_us, when, sizeof(when));
        json_object_set_new(e, "type", json_string(lv->recent[i].type));
        json_object_set_new(e, "time", json_string(when));
        json_object_set_new(e, "detail", text(lv->recent[i].detail));
        json_array_append_new(ev, e);
    }
    json_object_set_new(o, "recent_events", ev);
    json_object_set_new(o, "verdict", lv->finished ? json_string(lv->verdict) : json_null());
    json_object_set_new(o, "exit_code",
                        lv->finished && lv->exit_code >= 0 ? json_integer(lv->exit_code)
                                                           : json_null());
    json_object_set_new(o, "wall_time_ms",
                        lv->finished ? json_integer((json_int_t)(lv->wall_time_us / 1000))
                                     : json_null());
    return o;
}

/* tmp + rename in dirfd: readers see the old object or the new one, never a mix. */
static int write_entry(const struct sbx__live *lv, int dirfd)
{
    json_t *o = sbx__live_object(lv);
    char *s =
        o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(o);
    if (!s)
        return -ENOMEM;
    size_t len = strlen(s);
    char tmp[64], name[64];
    snprintf(tmp, sizeof(tmp), ".%s.json.tmp", lv->id);
    snprintf(name, sizeof(name), "%s.json", lv->id);
    int r = len > SBX_LIVE_MAX_BYTES ? -EFBIG : 0;
    int fd =
        r ? -1 : openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (!r && fd < 0)
        r = -errno;
    if (fd >= 0) {
        if (fchmod(fd, 0600) < 0 || (r = sbx__write_all(fd, s, len)) < 0)
            r = r ? r : -errno;
        if (close(fd) < 0 && !r)
            r = -errno;
        if (!r && renameat(dirfd, tmp, dirfd, name) < 0)
            r = -errno;
        if (r)
            unlinkat(dirfd, tmp, 0);
    }
    free(s);
    return r;
}

int sbx__live_publish(struct sbx__live *lv, bool force)
{
    if (!lv || lv->dirfd < 0 || !lv->id[0] || lv->finished)
        return 0;
    uint64_t now = sbx__now_ns();
    if (!force && ((lv->last_pub_ns && now - lv->last_pub_ns < PUBLISH_MIN_NS) ||
                   (!lv->last_pub_ns && now < lv->first_due_ns))) {
        lv->dirty = true;
        return 0;
    }
    lv->last_pub_ns = now;
    lv->dirty = false;
    resolve_user(lv);
    return write_entry(lv, lv->dirfd);
}

int sbx__live_due_ms(const struct sbx__live *lv)
{
    if (!lv || !lv->dirty)
        return -1;
    uint64_t now = sbx__now_ns();
    if (!lv->last_pub_ns)
        return now >= lv->first_due_ns ? 0 : (int)((lv->first_due_ns - now) / 1000000u) + 1;
    uint64_t since = now - lv->last_pub_ns;
    return since >= PUBLISH_MIN_NS ? 0 : (int)((PUBLISH_MIN_NS - since) / 1000000u) + 1;
}

struct entry {
    char name[64];
    struct timespec mtime;
};

static int older(const void *a, const void *b)
{
    const struct timespec *x = &((const struct entry *)a)->mtime;
    const struct timespec *y = &((const struct entry *)b)->mtime;
    if (x->tv_sec != y->tv_sec)
        return x->tv_sec < y->tv_sec ? -1 : 1;
    return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

#define PRUNE_SLACK 14

/* Entries of `d` that look like registry files (dot names included), rewinding it after. */
static size_t count_entries(DIR *d)
{
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += ends_with(de->d_name, ".json") || ends_with(de->d_name, ".json.tmp");
    rewinddir(d);
    return n;
}

/* Keep the newest `keep` entries of dirfd (by mtime), and drop tmp files a writer killed
 * mid-write left behind (older than a minute: a live write takes microseconds). finished/ may
 * hold up to keep + PRUNE_SLACK entries between prunes. */
static void prune(int dirfd, size_t keep)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct entry *list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    time_t now = time(NULL);
    /* Stat and sort only when there are PRUNE_SLACK more entries than kept: one getdents per
     * run instead of a stat of every entry (about 50 syscalls on each run's critical path). */
    if (keep != (size_t)-1 && count_entries(d) <= keep + PRUNE_SLACK) {
        closedir(d);
        return;
    }
    while ((de = readdir(d))) {
        struct stat st;
        if (!ends_with(de->d_name, ".json") && !ends_with(de->d_name, ".json.tmp"))
            continue;
        if (keep == (size_t)-1 && de->d_name[0] != '.')
            continue; /* live/: only leftover tmp files are looked at */
        if (strlen(de->d_name) >= sizeof(list->name) ||
            fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (de->d_name[0] == '.') {
            if (ends_with(de->d_name, ".json.tmp") && now - st.st_mtime > STALE_TMP_AGE_S)
                unlinkat(dirfd, de->d_name, 0);
            continue;
        }
        if (keep == (size_t)-1 || !ends_with(de->d_name, ".json"))
            continue;
        if (n == cap) {
            struct entry *p = realloc(list, (cap = cap ? cap * 2 : 64) * sizeof(*list));
            if (!p)
                break;
            list = p;
        }
        snprintf(list[n].name, sizeof(list[n].name), "%s", de->d_name);
        list[n++].mtime = st.st_mtim;
    }
    closedir(d);
    if (n > keep) {
        qsort(list, n, sizeof(*list), older);
        for (size_t i = 0; i < n - keep; i++)
            unlinkat(dirfd, list[i].name, 0);
    }
    free(list);
}

int sbx__live_finish(struct sbx__live *lv, const struct sbx_result *res)
{
    if (!lv || lv->dirfd < 0 || !lv->id[0])
        return 0;
    lv->state = "finished";
    lv->verdict = res ? sbx_status_name(res->status) : "internal_error";
    lv->exit_code = res ? res->exit_code : -1;
    lv->wall_time_us = res ? res->wall_time_us : 0;
    if (res) {
        json_decref(lv->enforcement);
        lv->enforcement = sbx__ev_enforcement(res);
    }
    lv->finished = true; /* no more publishing in live/ */
    resolve_user(lv);
    int r = write_entry(lv, lv->findir);
    char name[64];
    snprintf(name, sizeof(name), "%s.json", lv->id);
    if (unlinkat(lv->dirfd, name, 0) < 0 && errno != ENOENT && !r)
        r = -errno;
    prune(lv->findir, SBX_LIVE_KEEP_FINISHED);
    prune(lv->dirfd, (size_t)-1);
    return r;
}

void sbx__live_close(struct sbx__live *lv)
{
    if (!lv)
        return;
    if (lv->dirfd >= 0)
        close(lv->dirfd);
    if (lv->findir >= 0)
        close(lv->findir);
    json_decref(lv->limits);
    json_decref(lv->enforcement);
    free(lv);
}
