/*
 * The live registry, reader side: list the entries that running supervisors publish, tell
 * live from stale, clean up stale ones, and signal a run's supervisor (include/sbx/live.h).
 *
 * Trust: registry files are written by other processes (our own user's, or, for root, other
 * users') and are parsed as untrusted input. Directories are opened through
 * sbx__live_dir_open() (owner and mode checked); files with O_NOFOLLOW|O_NONBLOCK (a FIFO must
 * not block us), must be regular, at most SBX_LIVE_OBJECT_MAX bytes, owned by the directory's
 * owner; JSON is parsed by jansson (bounded nesting) and every field is type-checked and copied
 * into a fixed-size struct. Nothing read from a file is ever used as a path except an id that
 * matched [A-Za-z0-9_-]+ and the file name it came from. A pid from a file is signalled only
 * after pidfd_open() and a re-check that the process still has the recorded starttime and the
 * directory owner as its real uid: a forged or stale entry cannot aim a signal at an unrelated
 * process.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "sbx/live.h"
#include "telemetry/live-dir.h"
#include "telemetry/live-read.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/macros.h"

#define SCAN_MAX 4096       /* directory entries looked at per directory */
#define OTHER_USERS_MAX 256 /* other users' directories listed by root */
#define WHY_MAX SBX__LIVE_WHY_MAX

/* One registry directory being read. */
struct dir_ctx {
    int fd;
    uint32_t owner;
    bool ours; /* owned by the euid: stale entries may be removed */
    const char *path;
};

struct builder {
    struct sbx_live_list *list;
    size_t cap_live, cap_finished;
    unsigned flags;
};

const char *sbx_live_state_name(enum sbx_live_state state)
{
    switch (state) {
    case SBX_LIVE_STARTING:
        return "starting";
    case SBX_LIVE_RUNNING:
        return "running";
    case SBX_LIVE_FINISHED:
        return "finished";
    case SBX_LIVE_LOST:
        return "lost";
    }
    return "unknown";
}

const char *sbx_live_enforcement(const struct sbx_live_entry *entry, const char *key)
{
    for (size_t i = 0; i < entry->n_enforcement; i++)
        if (!strcmp(entry->enforcement[i].key, key))
            return entry->enforcement[i].value;
    return NULL;
}

static bool id_valid(const char *s, size_t len)
{
    if (len == 0 || len >= SBX_LIVE_ID_MAX || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

/* --- the supervisor process ----------------------------------------------------------------- */

/* starttime (field 22 of /proc/<pid>/stat) and real uid of `pid`; -ESRCH if it is gone. */
static int proc_identity(int pid, uint64_t *ret_start, uint32_t *ret_ruid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ESRCH : -errno;
    ssize_t n = sbx__read_full(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return n < 0 ? (int)n : -ESRCH;
    buf[n] = '\0';
    /* comm may hold spaces and ')': the fields start after the last ')'. Field 3 is first. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -EIO;
    p++;
    for (int field = 3; field < 22; field++) {
        p = strchr(p + 1, ' ');
        if (!p)
            return -EIO;
    }
    char *end;
    errno = 0;
    unsigned long long start = strtoull(p + 1, &end, 10);
    if (errno || end == p + 1)
        return -EIO;
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? -ESRCH : -errno;
    unsigned ruid;
    while (fgets(buf, sizeof(buf), f))
        if (sscanf(buf, "Uid: %u", &ruid) == 1) {
            *ret_start = start;
            *ret_ruid = ruid;
            return 0;
        }
    return -EIO;
}

/* Is the entry's supervisor the live process it names? */
static bool supervisor_alive(const struct sbx_live_entry *e, uint32_t owner)
{
    uint64_t start;
    uint32_t ruid;
    if (proc_identity(e->supervisor_pid, &start, &ruid) < 0)
        return false;
    return start == e->supervisor_start && ruid == owner;
}

/* --- JSON fields ------------------------------------------------------------------------------ */

/* Each getter: absent or null leaves the default (unless required); a wrong type or range is
 * an error, with `why` naming the key. */
static int bad(char *why, const char *key, const char *what)
{
    snprintf(why, WHY_MAX, "\"%s\": %s", key, what);
    return -EINVAL;
}

static int get_str(json_t *o, const char *key, char *buf, size_t size, bool required, char *why)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return required ? bad(why, key, "missing") : 0;
    if (!json_is_string(v))
        return bad(why, key, "expected a string");
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len < size) {
        memcpy(buf, s, len + 1);
        return 0;
    }
    /* Cut, and say so; back up to a UTF-8 boundary so the result stays valid UTF-8. */
    size_t keep = size > 4 ? size - 4 : 0;
    while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
        keep--;
    memcpy(buf, s, keep);
    snprintf(buf + keep, size - keep, "%s", size > 4 ? "..." : "");
    return 0;
}

static int get_u64(json_t *o, const char *key, uint64_t *ret, bool required, char *why)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return required ? bad(why, key, "missing") : 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return bad(why, key, "expected a non-negative integer");
    *ret = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_num(json_t *o, const char *key, double *ret, char *why)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    double d = json_is_number(v) ? json_number_value(v) : -1;
    if (!json_is_number(v) || !isfinite(d) || d < 0)
        return bad(why, key, "expected a non-negative number");
    *ret = d;
    return 0;
}

/* An optional member that must be an object when present; *ret is NULL when absent/null. */
static int get_obj(json_t *o, const char *key, json_t **ret, char *why)
{
    json_t *v = json_object_get(o, key);
    *ret = v && json_is_object(v) ? v : NULL;
    if (v && !json_is_null(v) && !json_is_object(v))
        return bad(why, key, "expected an object");
    return 0;
}

static int get_arr(json_t *o, const char *key, json_t **ret, char *why)
{
    json_t *v = json_object_get(o, key);
    *ret = v && json_is_array(v) ? v : NULL;
    if (v && !json_is_null(v) && !json_is_array(v))
        return bad(why, key, "expected an array");
    return 0;
}

/* --- one entry -------------------------------------------------------------------------------- */

static int parse_ident(json_t *o, struct sbx_live_entry *e, char *why)
{
    json_t *schema = json_object_get(o, "schema");
    if (!json_is_integer(schema) || json_integer_value(schema) != SBX_LIVE_SCHEMA)
        return bad(why, "schema", "expected 1");
    char state[16] = "";
    uint64_t pid = 0, uid = 0;
    if (get_str(o, "id", e->id, sizeof(e->id), true, why) < 0 ||
        get_str(o, "state", state, sizeof(state), true, why) < 0 ||
        get_u64(o, "supervisor_pid", &pid, true, why) < 0 ||
        get_u64(o, "supervisor_start", &e->supervisor_start, true, why) < 0 ||
        get_u64(o, "uid", &uid, true, why) < 0)
        return -EINVAL;
    if (!id_valid(e->id, strlen(e->id)))
        return bad(why, "id", "not a run id");
    if (!strcmp(state, "starting"))
        e->state = SBX_LIVE_STARTING;
    else if (!strcmp(state, "running"))
        e->state = SBX_LIVE_RUNNING;
    else if (!strcmp(state, "finished"))
        e->state = SBX_LIVE_FINISHED;
    else
        return bad(why, "state", "expected starting, running or finished");
    if (pid < 1 || pid > 0x3fffffff)
        return bad(why, "supervisor_pid", "not a pid");
    if (uid >= UINT32_MAX)
        return bad(why, "uid", "not a uid");
    e->supervisor_pid = (int)pid;
    e->uid = (uint32_t)uid;
    if (get_str(o, "user", e->user, sizeof(e->user), false, why) < 0 ||
        get_str(o, "file", e->file, sizeof(e->file), false, why) < 0 ||
        get_str(o, "runtime", e->runtime, sizeof(e->runtime), false, why) < 0 ||
        get_str(o, "started_at", e->started_at, sizeof(e->started_at), false, why) < 0 ||
        get_str(o, "updated_at", e->updated_at, sizeof(e->updated_at), false, why) < 0 ||
        get_u64(o, "elapsed_ms", &e->elapsed_ms, false, why) < 0)
        return -EINVAL;
    return 0;
}

static int parse_limits(json_t *o, struct sbx_live_entry *e, char *why)
{
    json_t *lim, *enf;
    if (get_obj(o, "limits", &lim, why) < 0 || get_obj(o, "enforcement", &enf, why) < 0)
        return -EINVAL;
    struct sbx_live_limits *l = &e->limits;
    if (lim && (get_u64(lim, "memory_limit_bytes", &l->memory_limit_bytes, false, why) < 0 ||
                get_num(lim, "cpu_time_limit_s", &l->cpu_time_limit_s, why) < 0 ||
                get_num(lim, "timeout_s", &l->timeout_s, why) < 0 ||
                get_u64(lim, "max_processes", &l->max_processes, false, why) < 0 ||
                get_num(lim, "cpus", &l->cpus, why) < 0))
        return -EINVAL;
    const char *key;
    json_t *v;
    json_object_foreach(enf, key, v)
    {
        if (!json_is_string(v))
            return bad(why, "enforcement", "values must be strings");
        if (e->n_enforcement >= SBX_LIVE_ENFORCEMENT_MAX)
            continue;
        struct sbx_live_kv *kv = &e->enforcement[e->n_enforcement++];
        snprintf(kv->key, sizeof(kv->key), "%s", key);
        if (get_str(enf, key, kv->value, sizeof(kv->value), true, why) < 0)
            return -EINVAL;
    }
    return 0;
}

static int parse_sample(json_t *o, struct sbx_live_entry *e, char *why)
{
    json_t *s;
    if (get_obj(o, "sample", &s, why) < 0)
        return -EINVAL;
    if (!s)
        return 0;
    struct sbx_live_sample *x = &e->sample;
    const struct {
        const char *key;
        uint64_t *slot;
    } fields[] = {
        {"cpu_time_ms", &x->cpu_time_ms},
        {"memory_bytes", &x->memory_bytes},
        {"memory_peak_bytes", &x->memory_peak_bytes},
        {"pids", &x->pids},
        {"io_read_bytes", &x->io_read_bytes},
        {"io_write_bytes", &x->io_write_bytes},
        {"stdout_bytes", &x->stdout_bytes},
        {"stderr_bytes", &x->stderr_bytes},
    };
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if (get_u64(s, fields[i].key, fields[i].slot, false, why) < 0)
            return -EINVAL;
    if (get_num(s, "cpu_percent", &x->cpu_percent, why) < 0)
        return -EINVAL;
    e->has_sample = true;
    return 0;
}

static int parse_history(json_t *o, struct sbx_live_entry *e, char *why)
{
    json_t *h, *ev;
    if (get_arr(o, "memory_history", &h, why) < 0 || get_arr(o, "recent_events", &ev, why) < 0 ||
        get_u64(o, "n_events", &e->n_events, false, why) < 0)
        return -EINVAL;
    size_t n = h ? json_array_size(h) : 0;
    for (size_t i = n > SBX_LIVE_HISTORY_MAX ? n - SBX_LIVE_HISTORY_MAX : 0; i < n; i++) {
        json_t *v = json_array_get(h, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return bad(why, "memory_history", "expected non-negative integers");
        e->memory_history[e->n_history++] = (uint64_t)json_integer_value(v);
    }
    n = ev ? json_array_size(ev) : 0;
    for (size_t i = n > SBX_LIVE_EVENTS_MAX ? n - SBX_LIVE_EVENTS_MAX : 0; i < n; i++) {
        json_t *v = json_array_get(ev, i);
        struct sbx_live_event *x = &e->recent_events[e->n_recent_events];
        if (!json_is_object(v))
            return bad(why, "recent_events", "expected objects");
        if (get_str(v, "type", x->type, sizeof(x->type), true, why) < 0 ||
            get_str(v, "time", x->time, sizeof(x->time), false, why) < 0 ||
            get_str(v, "detail", x->detail, sizeof(x->detail), false, why) < 0)
            return -EINVAL;
        e->n_recent_events++;
    }
    if (e->n_events < e->n_recent_events)
        e->n_events = e->n_recent_events;
    return 0;
}

static int parse_end(json_t *o, struct sbx_live_entry *e, char *why)
{
    if (get_str(o, "verdict", e->verdict, sizeof(e->verdict), false, why) < 0 ||
        get_u64(o, "wall_time_ms", &e->wall_time_ms, false, why) < 0)
        return -EINVAL;
    json_t *w = json_object_get(o, "wall_time_ms");
    e->has_wall_time = w && json_is_integer(w);
    json_t *x = json_object_get(o, "exit_code");
    if (x && !json_is_null(x)) {
        if (!json_is_integer(x) || json_integer_value(x) < -255 || json_integer_value(x) > 255)
            return bad(why, "exit_code", "expected an integer from -255 to 255");
        e->has_exit_code = true;
        e->exit_code = (int)json_integer_value(x);
    }
    return 0;
}

/* Parse one object into *e (zeroed first). 0 or -EINVAL with `why`. */
static int parse_entry(json_t *o, struct sbx_live_entry *e, char *why)
{
    memset(e, 0, sizeof(*e));
    if (!json_is_object(o))
        return bad(why, "(top)", "expected an object");
    if (parse_ident(o, e, why) < 0 || parse_limits(o, e, why) < 0 || parse_sample(o, e, why) < 0 ||
        parse_history(o, e, why) < 0 || parse_end(o, e, why) < 0)
        return -EINVAL;
    return 0;
}

int sbx__live_parse(const char *buf, size_t len, struct sbx_live_entry *e, char *why)
{
    if (len > SBX_LIVE_OBJECT_MAX) {
        snprintf(why, WHY_MAX, "larger than %d bytes: refused", SBX_LIVE_OBJECT_MAX);
        return -EFBIG;
    }
    json_error_t jerr;
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) {
        snprintf(why, WHY_MAX, "line %d: %s", jerr.line, jerr.text);
        return -EINVAL;
    }
    int r = parse_entry(o, e, why);
    json_decref(o);
    return r;
}

/* Read and parse dir/name into *e; the id must be the file's name without ".json". SECURITY:
 * O_NOFOLLOW (no symlink to a file elsewhere), O_NONBLOCK (a FIFO must not block the reader),
 * regular files only, owned by the directory's owner, size capped before reading. */
static int read_entry(const struct dir_ctx *d, const char *name, struct sbx_live_entry *e,
                      char *why)
{
    _cleanup_close_ int fd =
        openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int errnum = errno;
        snprintf(why, WHY_MAX, "%s", errnum == ELOOP ? "a symlink: refused" : strerror(errnum));
        return -errnum;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != d->owner) {
        snprintf(why, WHY_MAX, "not a regular file owned by uid %u: refused", d->owner);
        return -EPERM;
    }
    if (st.st_size > SBX_LIVE_OBJECT_MAX) {
        snprintf(why, WHY_MAX, "larger than %d bytes: refused", SBX_LIVE_OBJECT_MAX);
        return -EFBIG;
    }
    _cleanup_free_ char *buf = malloc(SBX_LIVE_OBJECT_MAX + 1);
    if (!buf)
        return -ENOMEM;
    ssize_t n = sbx__read_full(fd, buf, SBX_LIVE_OBJECT_MAX + 1);
    if (n < 0 || n > SBX_LIVE_OBJECT_MAX) {
        snprintf(why, WHY_MAX, "%s", n < 0 ? strerror((int)-n) : "grew too large: refused");
        return n < 0 ? (int)n : -EFBIG;
    }
    int r = sbx__live_parse(buf, (size_t)n, e, why);
    if (r < 0)
        return r;
    size_t id_len = strlen(e->id);
    if (strncmp(name, e->id, id_len) || strcmp(name + id_len, ".json"))
        return bad(why, "id", "does not match the file name");
    if (e->uid != d->owner)
        return bad(why, "uid", "is not the owner of the directory");
    e->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    return 0;
}

/* --- the list --------------------------------------------------------------------------------- */

static void note_skip(struct sbx_live_list *l, const struct dir_ctx *d, const char *name,
                      const char *why)
{
    if (l->n_skipped++ == 0)
        snprintf(l->skipped_reason, sizeof(l->skipped_reason), "%.200s/%.72s: %s", d->path, name,
                 why);
}

/* Append a copy of *e to *arr (n, cap), growing up to `max`; false when full. */
static int push(struct sbx_live_entry **arr, size_t *n, size_t *cap, size_t max,
                const struct sbx_live_entry *e)
{
    if (*n >= max)
        return 0;
    if (*n == *cap) {
        size_t ncap = *cap ? MIN(*cap * 2, max) : MIN((size_t)8, max);
        struct sbx_live_entry *a = realloc(*arr, ncap * sizeof(*a));
        if (!a)
            return -ENOMEM;
        *arr = a;
        *cap = ncap;
    }
    (*arr)[(*n)++] = *e;
    return 0;
}

/* Names in dir that look like entries ("<id>.json", no leading '.'), at most SCAN_MAX. */
static int entry_names(int dirfd, char (**ret)[SBX_LIVE_ID_MAX + 8], size_t *ret_n)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    _cleanup_closedir_ DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return -errno;
    }
    char(*names)[SBX_LIVE_ID_MAX + 8] = NULL;
    size_t n = 0, cap = 0, seen = 0;
    struct dirent *de;
    while ((de = readdir(dir)) && seen++ < SCAN_MAX) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") || !id_valid(de->d_name, len - 5))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            void *p = realloc(names, cap * sizeof(*names));
            if (!p) {
                free(names);
                return -ENOMEM;
            }
            names = p;
        }
        memcpy(names[n++], de->d_name, len + 1);
    }
    *ret = names;
    *ret_n = n;
    return 0;
}

/* A stale entry: report it as lost and, in our own directory, remove it. */
static int stale(struct builder *b, const struct dir_ctx *d, const char *name,
                 struct sbx_live_entry *e, size_t *cap_lost)
{
    struct sbx_live_list *l = b->list;
    e->state = SBX_LIVE_LOST;
    snprintf(e->verdict, sizeof(e->verdict), "lost");
    /* SECURITY: only our own directory, only this name, never following anything: unlinkat on a
     * directory fd removes the entry itself whatever it is. */
    if (d->ours && !(b->flags & SBX_LIVE_NO_CLEANUP))
        (void)unlinkat(d->fd, name, 0);
    return push(&l->lost, &l->n_lost, cap_lost, SBX_LIVE_MAX_LOST, e);
}

static int read_live_dir(struct builder *b, const struct dir_ctx *d, size_t *cap_lost)
{
    char(*names)[SBX_LIVE_ID_MAX + 8] = NULL;
    size_t n = 0;
    int r = entry_names(d->fd, &names, &n);
    if (r < 0)
        return r;
    _cleanup_free_ struct sbx_live_entry *e = malloc(sizeof(*e));
    if (!e) {
        free(names);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n && r == 0; i++) {
        char why[WHY_MAX] = "";
        int rr = read_entry(d, names[i], e, why);
        if (rr == -ENOMEM)
            r = rr;
        else if (rr < 0 && rr != -ENOENT) /* ENOENT: gone meanwhile (finished) */
            note_skip(b->list, d, names[i], why);
        if (rr < 0)
            continue;
        if (!supervisor_alive(e, d->owner))
            r = stale(b, d, names[i], e, cap_lost);
        else
            r = push(&b->list->live, &b->list->n_live, &b->cap_live, SBX_LIVE_MAX_LIVE, e);
    }
    free(names);
    return r;
}

struct mtime_name {
    int64_t mtime;
    char name[SBX_LIVE_ID_MAX + 8];
};

static int by_mtime_desc(const void *a, const void *b)
{
    const struct mtime_name *x = a, *y = b;
    return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

/* finished/: the newest SBX_LIVE_MAX_FINISHED entries by mtime. */
static int read_finished_dir(struct builder *b, const struct dir_ctx *parent)
{
    struct dir_ctx d = *parent;
    char path[SBX_LIVE_PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/finished", parent->path);
    d.path = path;
    /* Same checks as the other components: a directory owned by the owner, not writable by
     * others (opened relative to the live directory, without following a symlink). */
    _cleanup_close_ int fd =
        openat(parent->fd, "finished", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0; /* no finished run yet, or a symlink: nothing to list */
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_uid != d.owner || (st.st_mode & 022)) {
        note_skip(b->list, parent, "finished", "wrong owner or mode: ignored");
        return 0;
    }
    d.fd = fd;
    char(*names)[SBX_LIVE_ID_MAX + 8] = NULL;
    size_t n = 0;
    int r = entry_names(fd, &names, &n);
    if (r < 0)
        return r;
    _cleanup_free_ struct mtime_name *order = calloc(n ? n : 1, sizeof(*order));
    _cleanup_free_ struct sbx_live_entry *e = malloc(sizeof(*e));
    if (!order || !e) {
        free(names);
        return -ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
            order[m].mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
            memcpy(order[m++].name, names[i], sizeof(names[i]));
        }
    free(names);
    qsort(order, m, sizeof(*order), by_mtime_desc);
    for (size_t i = 0; i < m && i < SBX_LIVE_MAX_FINISHED && r == 0; i++) {
        char why[WHY_MAX] = "";
        int rr = read_entry(&d, order[i].name, e, why);
        if (rr == -ENOMEM)
            r = rr;
        else if (rr < 0 && rr != -ENOENT) /* ENOENT: pruned meanwhile */
            note_skip(b->list, &d, order[i].name, why);
        if (rr < 0)
            continue;
        r = push(&b->list->finished, &b->list->n_finished, &b->cap_finished,
                 SBX_LIVE_MAX_FINISHED * 4, e);
    }
    return r;
}

/* Read one registry directory: its live entries and, if asked, its finished ones. */
static int read_registry(struct builder *b, const struct dir_ctx *d, size_t *cap_lost)
{
    b->list->n_dirs++;
    int r = read_live_dir(b, d, cap_lost);
    if (r == 0 && (b->flags & SBX_LIVE_WITH_FINISHED))
        r = read_finished_dir(b, d);
    return r;
}

/* Another user's standard directory (root only): used only when it passes every check. */
static int read_other(struct builder *b, unsigned kind, uint32_t uid, size_t *cap_lost)
{
    struct sbx__live_path p;
    if (sbx__live_path_of(kind, uid, &p) < 0)
        return 0;
    if (kind == 1) {
        /* SECURITY: /run/user/<uid> must be what XDG_RUNTIME_DIR would be: that user's, 0700. */
        char base[64];
        snprintf(base, sizeof(base), "%.*s", (int)p.base_len, p.path);
        struct stat st;
        if (lstat(base, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != uid ||
            (st.st_mode & 07777) != 0700)
            return 0;
    }
    int fd = sbx__live_dir_open(&p, uid, false, NULL);
    if (fd < 0)
        return 0; /* missing or untrusted: not listed */
    struct dir_ctx d = {.fd = fd, .owner = uid, .ours = false, .path = p.path};
    int r = read_registry(b, &d, cap_lost);
    close(fd);
    return r;
}

/* The uid in "<prefix><digits>", or -1. */
static int64_t uid_suffix(const char *name, const char *prefix)
{
    size_t plen = strlen(prefix);
    if (strncmp(name, prefix, plen) || !name[plen] || strlen(name + plen) > 10)
        return -1;
    int64_t v = 0;
    for (const char *s = name + plen; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v > 0 && v < UINT32_MAX && !(name[plen] == '0') ? v : -1;
}

/* As root: every other user's standard directories (/tmp/rusty-sandbox-<uid>/live,
 * /run/user/<uid>/rusty-sandbox/live), at most OTHER_USERS_MAX of each kind. */
static int read_others(struct builder *b, size_t *cap_lost)
{
    static const struct {
        const char *dir, *prefix;
    } kinds[] = {{"/tmp", "rusty-sandbox-"}, {"/run/user", ""}};
    int r = 0;
    for (unsigned k = 0; k < ARRAY_SIZE(kinds) && r == 0; k++) {
        _cleanup_closedir_ DIR *dir = opendir(kinds[k].dir);
        if (!dir)
            continue;
        struct dirent *de;
        size_t seen = 0, used = 0;
        while (r == 0 && (de = readdir(dir)) && seen++ < SCAN_MAX && used < OTHER_USERS_MAX) {
            int64_t uid = uid_suffix(de->d_name, kinds[k].prefix);
            if (uid < 0)
                continue;
            used++;
            r = read_other(b, k, (uint32_t)uid, cap_lost);
        }
    }
    return r;
}

static int by_start(const void *a, const void *b)
{
    const struct sbx_live_entry *x = a, *y = b;
    int c = strcmp(x->started_at, y->started_at);
    return c ? c : strcmp(x->id, y->id);
}

static int by_mtime_entry_desc(const void *a, const void *b)
{
    const struct sbx_live_entry *x = a, *y = b;
    return x->mtime_ns < y->mtime_ns ? 1 : x->mtime_ns > y->mtime_ns ? -1 : strcmp(x->id, y->id);
}

/* A run that has just finished may be seen in both directories for an instant (the writer
 * renames into finished/ before it unlinks the live entry): list it as finished only. */
static void drop_finished_from_live(struct sbx_live_list *l)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n_live; i++) {
        bool dup = false;
        for (size_t j = 0; j < l->n_finished && !dup; j++)
            dup = !strcmp(l->live[i].id, l->finished[j].id);
        if (!dup)
            l->live[k++] = l->live[i];
    }
    l->n_live = k;
}

static void finish_list(struct sbx_live_list *l)
{
    drop_finished_from_live(l);
    qsort(l->live, l->n_live, sizeof(*l->live), by_start);
    qsort(l->finished, l->n_finished, sizeof(*l->finished), by_mtime_entry_desc);
    if (l->n_finished > SBX_LIVE_MAX_FINISHED)
        l->n_finished = SBX_LIVE_MAX_FINISHED;
}

/* This user's own directory. A missing one is an empty registry; an untrusted one an error. */
static int read_own(struct builder *b, size_t *cap_lost, struct sbx_error *err)
{
    struct sbx__live_path p;
    if (sbx__live_path(&p) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, ENAMETOOLONG,
                          "live registry directory");
    snprintf(b->list->dir, sizeof(b->list->dir), "%s", p.path);
    struct sbx_error derr = {0};
    uid_t euid = geteuid();
    int fd = sbx__live_dir_open(&p, euid, false, &derr);
    if (fd == -ENOENT)
        return 0;
    if (fd < 0) {
        sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, 0, "live registry: %s", derr.message);
        return fd;
    }
    struct dir_ctx d = {.fd = fd, .owner = euid, .ours = true, .path = p.path};
    int r = read_registry(b, &d, cap_lost);
    close(fd);
    return r;
}

int sbx_live_list(unsigned flags, struct sbx_live_list **ret, struct sbx_error *err)
{
    struct sbx_live_list *l = calloc(1, sizeof(*l));
    if (!l)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_NONE, ENOMEM, "live registry");
    struct builder b = {.list = l, .flags = flags};
    size_t cap_lost = 0;
    int r = read_own(&b, &cap_lost, err);
    /* Root sees every user's runs, unless the directory was chosen explicitly (tests). */
    struct sbx__live_path p;
    if (r == 0 && geteuid() == 0 && sbx__live_path(&p) == 0 && !p.from_env)
        r = read_others(&b, &cap_lost);
    if (r < 0) {
        if (r == -ENOMEM)
            sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_NONE, ENOMEM, "live registry");
        sbx_live_list_free(l);
        return r;
    }
    finish_list(l);
    *ret = l;
    return 0;
}

void sbx_live_list_free(struct sbx_live_list *list)
{
    if (!list)
        return;
    free(list->live);
    free(list->finished);
    free(list->lost);
    free(list);
}

/* --- kill ------------------------------------------------------------------------------------- */

static int pidfd_open_(int pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_send_signal_(int pidfd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* The one live entry `key` names: an exact id, or the only id that begins with it. */
static int find_run(const struct sbx_live_list *l, const char *key, struct sbx_live_entry *ret,
                    struct sbx_error *err)
{
    size_t len = strlen(key), n = 0, hit = 0;
    for (size_t i = 0; i < l->n_live; i++) {
        if (!strcmp(l->live[i].id, key)) {
            *ret = l->live[i];
            return 0;
        }
        if (!strncmp(l->live[i].id, key, len) && n++ == 0)
            hit = i;
    }
    if (n == 1) {
        *ret = l->live[hit];
        return 0;
    }
    if (n > 1) {
        char list[SBX_ERROR_MESSAGE_MAX] = "";
        size_t shown = 0;
        for (size_t i = 0; i < l->n_live && shown < 4; i++)
            if (!strncmp(l->live[i].id, key, len)) {
                size_t at = strlen(list);
                snprintf(list + at, sizeof(list) - at, "%s%s (%s)", shown++ ? ", " : "",
                         l->live[i].id, l->live[i].runtime[0] ? l->live[i].runtime : "?");
            }
        sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_NONE, 0,
                   "'%s' matches %zu live runs: %s%s; give more of the id", key, n, list,
                   n > shown ? ", ..." : "");
        return -EINVAL;
    }
    for (size_t i = 0; i < l->n_finished; i++)
        if (!strncmp(l->finished[i].id, key, len)) {
            sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_NONE, 0,
                       "run %s has already finished (verdict %s)", l->finished[i].id,
                       l->finished[i].verdict[0] ? l->finished[i].verdict : "unknown");
            return -ENOENT;
        }
    sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_NONE, 0, "no live run with id '%s' (see %s)", key,
               l->dir);
    return -ENOENT;
}

/* pidfd_open the supervisor, then check it is still the process the entry names: after the
 * open the pidfd pins that process, so a pid reused before the open shows a different
 * starttime and is refused. Returns the pidfd or -errno. */
static int open_supervisor(const struct sbx_live_entry *e, struct sbx_error *err)
{
    int pidfd = pidfd_open_(e->supervisor_pid);
    if (pidfd < 0 && errno == ESRCH) {
        sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_NONE, 0, "run %s has ended", e->id);
        return -ESRCH;
    }
    if (pidfd < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_NONE, errno, "pidfd_open(%d)",
                          e->supervisor_pid);
    uint64_t start;
    uint32_t ruid;
    if (proc_identity(e->supervisor_pid, &start, &ruid) < 0 || start != e->supervisor_start ||
        ruid != e->uid) {
        close(pidfd);
        sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_NONE, 0,
                   "run %s has ended (its supervisor pid %d is gone or reused)", e->id,
                   e->supervisor_pid);
        return -ESRCH;
    }
    return pidfd;
}

/* Wait up to wait_ms for the process behind pidfd to exit (a pidfd polls readable then). */
static int wait_exit(int pidfd, int wait_ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        int64_t spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= wait_ms)
            return -ETIMEDOUT;
        struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
        int n = poll(&pfd, 1, (int)(wait_ms - spent));
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

int sbx_live_kill(const char *id_or_prefix, int sig, int wait_ms, struct sbx_live_entry *ret_entry,
                  struct sbx_error *err)
{
    if (!id_or_prefix || !id_valid(id_or_prefix, strlen(id_or_prefix))) {
        sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_NONE, 0,
                   "'%s' is not a run id (letters, digits, '-' and '_')",
                   id_or_prefix ? id_or_prefix : "");
        return -EINVAL;
    }
    struct sbx_live_list *l = NULL;
    int r = sbx_live_list(SBX_LIVE_WITH_FINISHED, &l, err);
    if (r < 0)
        return r;
    _cleanup_free_ struct sbx_live_entry *e = malloc(sizeof(*e));
    r = e ? find_run(l, id_or_prefix, e, err)
          : sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_NONE, ENOMEM, "kill");
    sbx_live_list_free(l);
    if (r < 0)
        return r;
    _cleanup_close_ int pidfd = open_supervisor(e, err);
    if (pidfd < 0)
        return pidfd;
    if (pidfd_send_signal_(pidfd, sig) < 0) {
        int errnum = errno;
        if (errnum == ESRCH) {
            sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_NONE, 0, "run %s has ended", e->id);
            return -ESRCH;
        }
        sbx__error(err, errnum == EPERM ? SBX_ERR_USAGE : SBX_ERR_INTERNAL, SBX_STAGE_NONE, errnum,
                   "cannot signal run %s (supervisor pid %d, uid %u)", e->id, e->supervisor_pid,
                   e->uid);
        return -errnum;
    }
    if (ret_entry)
        *ret_entry = *e;
    if (wait_ms > 0 && (r = wait_exit(pidfd, wait_ms)) < 0) {
        sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_NONE, 0,
                   "signal %d sent to run %s, but its supervisor still runs after %d ms", sig,
                   e->id, wait_ms);
        return r;
    }
    return 0;
}

/* --- change detection ------------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t stamp_of(const char *path, uint64_t h)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return mix(h, 1);
    h = mix(h, st.st_ino);
    h = mix(h, (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec);
    return mix(h, (uint64_t)st.st_ctim.tv_nsec);
}

uint64_t sbx_live_stamp(void)
{
    struct sbx__live_path p;
    if (sbx__live_path(&p) < 0)
        return 0;
    char fin[SBX_LIVE_PATH_MAX + 16];
    snprintf(fin, sizeof(fin), "%s/finished", p.path);
    return stamp_of(fin, stamp_of(p.path, 0));
}
