/*
 * sbx/live.h: the live run registry, reader side (`rusty-sandbox ps`, `kill`, `dashboard`).
 *
 * Every running supervisor publishes <dir>/<id>.json and, when its run ends,
 * <dir>/finished/<id>.json (schema 1; docs/telemetry.md). This header lists those entries into
 * fixed-size structs and stops a run:
 *
 *   struct sbx_live_list *l;   struct sbx_error err;
 *   if (sbx_live_list(SBX_LIVE_WITH_FINISHED, &l, &err) < 0) ... err.message ...
 *   for (size_t i = 0; i < l->n_live; i++) ... l->live[i].id, l->live[i].sample ...
 *   sbx_live_list_free(l);
 *   sbx_live_kill("3fa2", SIGTERM, 10000, &entry, &err);
 *
 * Registry files are written by other processes and are untrusted input: each is opened
 * without following symlinks, must be a regular file of at most SBX_LIVE_OBJECT_MAX bytes owned
 * by the directory's owner, and is parsed with caps on every string and array. Malformed files
 * are skipped and counted, never fatal. An entry is live only while its supervisor runs: the
 * process with supervisor_pid exists, its starttime equals supervisor_start, and its real uid
 * is the directory's owner. Other entries are stale ("lost"); when the reader owns the
 * directory it removes them.
 *
 * Which directories: sbx_live_dir() for this user. As root, and only when
 * RUSTY_SANDBOX_RUNTIME_DIR is unset, the other users' standard directories are listed too
 * (/tmp/rusty-sandbox-<uid>/live and /run/user/<uid>/rusty-sandbox/live), each used only when
 * every component the sandbox creates is owned by that uid and not group/other-writable, and
 * each entry only when its uid and its supervisor's real uid are that uid.
 */
#ifndef SBX_LIVE_H
#define SBX_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SBX_LIVE_SCHEMA 1
#define SBX_LIVE_OBJECT_MAX 65536 /* bytes; larger files are refused */
#define SBX_LIVE_ID_MAX 64        /* id: [A-Za-z0-9_-], 1..63 bytes, not starting with '-' */
#define SBX_LIVE_FILE_MAX 1024    /* longer paths are cut (and end in "...") */
#define SBX_LIVE_HISTORY_MAX 60
#define SBX_LIVE_EVENTS_MAX 10
#define SBX_LIVE_ENFORCEMENT_MAX 24
#define SBX_LIVE_MAX_LIVE 256    /* live entries listed at most (oldest first) */
#define SBX_LIVE_MAX_FINISHED 50 /* finished entries listed at most (newest first) */
#define SBX_LIVE_MAX_LOST 64     /* stale entries reported at most per call */
#define SBX_LIVE_PATH_MAX 4096

enum sbx_live_state {
    SBX_LIVE_STARTING,
    SBX_LIVE_RUNNING,
    SBX_LIVE_FINISHED,
    SBX_LIVE_LOST, /* set by the reader: the supervisor died without finishing the entry */
};

struct sbx_live_event {
    char type[32];
    char time[40]; /* RFC 3339 as written, "" if absent */
    char detail[200];
};

struct sbx_live_kv {
    char key[32];
    char value[64];
};

struct sbx_live_sample {
    double cpu_percent;
    uint64_t cpu_time_ms, memory_bytes, memory_peak_bytes, pids;
    uint64_t io_read_bytes, io_write_bytes, stdout_bytes, stderr_bytes;
};

/* Limits of the run; 0 means none. */
struct sbx_live_limits {
    uint64_t memory_limit_bytes;
    double cpu_time_limit_s, timeout_s;
    uint64_t max_processes;
    double cpus;
};

/* One registry entry. Strings are NUL-terminated and cut to their buffer; absent optional
 * fields are "" or 0 with their has_* flag false. Strings are as the writer wrote them (valid
 * UTF-8, no NUL) and may hold control characters: front ends sanitize before printing. */
struct sbx_live_entry {
    char id[SBX_LIVE_ID_MAX];
    enum sbx_live_state state;
    int supervisor_pid;
    uint64_t supervisor_start; /* field 22 of /proc/<pid>/stat */
    uint32_t uid;              /* always the owner of the directory it came from */
    char user[64];
    char file[SBX_LIVE_FILE_MAX];
    char runtime[32];
    char started_at[40], updated_at[40];
    uint64_t elapsed_ms;
    struct sbx_live_limits limits;
    struct sbx_live_kv enforcement[SBX_LIVE_ENFORCEMENT_MAX];
    size_t n_enforcement;
    bool has_sample;
    struct sbx_live_sample sample;
    uint64_t memory_history[SBX_LIVE_HISTORY_MAX]; /* oldest first */
    size_t n_history;
    uint64_t n_events;                                        /* all events of the run so far */
    struct sbx_live_event recent_events[SBX_LIVE_EVENTS_MAX]; /* the last ones, oldest first */
    size_t n_recent_events;
    char verdict[32]; /* "" unless finished ("lost" for SBX_LIVE_LOST) */
    bool has_exit_code;
    int exit_code;
    bool has_wall_time;
    uint64_t wall_time_ms;
    int64_t mtime_ns; /* modification time of the file (CLOCK_REALTIME ns) */
};

struct sbx_live_list {
    struct sbx_live_entry *live; /* by started_at, then id */
    size_t n_live;
    struct sbx_live_entry *finished; /* newest first (with SBX_LIVE_WITH_FINISHED) */
    size_t n_finished;
    struct sbx_live_entry *lost; /* stale entries seen by this call (state SBX_LIVE_LOST) */
    size_t n_lost;
    size_t n_skipped;            /* files refused: malformed, oversize, not regular, ... */
    char skipped_reason[512];    /* why the first one was refused ("FILE: why"), or "" */
    size_t n_dirs;               /* registry directories read */
    char dir[SBX_LIVE_PATH_MAX]; /* this user's directory (sbx_live_dir()) */
};

enum sbx_live_flags {
    SBX_LIVE_WITH_FINISHED = 1u << 0, /* also read finished/ */
    SBX_LIVE_NO_CLEANUP = 1u << 1,    /* do not remove stale entries */
};

/*
 * This user's registry directory, by the rule of docs/telemetry.md:
 * $RUSTY_SANDBOX_RUNTIME_DIR (the directory itself) if that is set and absolute; else
 * /run/rusty-sandbox/live as root; else $XDG_RUNTIME_DIR/rusty-sandbox/live if XDG_RUNTIME_DIR is
 * an absolute directory owned by the euid with mode 0700; else /tmp/rusty-sandbox-<euid>/live.
 * Writes it into buf; returns 0, or -ENAMETOOLONG when it does not fit in size bytes. Touches no
 * file except the stat() of XDG_RUNTIME_DIR.
 */
SBX_API int sbx_live_dir(char *buf, size_t size);

/*
 * List the registry: live entries (supervisor alive), finished ones with
 * SBX_LIVE_WITH_FINISHED, and stale ones found on the way (removed when this process owns their
 * directory, unless SBX_LIVE_NO_CLEANUP). A missing directory is an empty list. Fails (kind
 * SBX_ERR_HOST, -EPERM) when this user's directory exists but is untrusted (a symlink, owned by
 * someone else, group/other-writable); -ENOMEM on allocation failure. *ret is set on success
 * only; free it with sbx_live_list_free() (NULL is fine).
 */
SBX_API int sbx_live_list(unsigned flags, struct sbx_live_list **ret, struct sbx_error *err);
SBX_API void sbx_live_list_free(struct sbx_live_list *list);

/*
 * Send `sig` to the supervisor of the live run whose id is `id_or_prefix` or begins with it.
 * The pid is opened with pidfd_open(), its starttime and real uid re-checked after the open
 * (a reused pid is never signalled), then the signal is sent with pidfd_send_signal(). With
 * wait_ms > 0 it then waits up to wait_ms for the supervisor to exit. On success writes the
 * entry (as listed before the signal) to *ret_entry if not NULL. Returns 0, or:
 *   -ENOENT      no live run matches (the message says if a finished run does)
 *   -EINVAL      the prefix is ambiguous (the message lists the candidates) or not an id
 *   -ESRCH       the run ended before the signal could be sent
 *   -EPERM       not allowed (another user's run)
 *   -ETIMEDOUT   the signal was sent but the supervisor still runs after wait_ms
 *   other -errno on system failures.
 */
SBX_API int sbx_live_kill(const char *id_or_prefix, int sig, int wait_ms,
                          struct sbx_live_entry *ret_entry, struct sbx_error *err);

/* "starting", "running", "finished", "lost"; never NULL. */
SBX_API const char *sbx_live_state_name(enum sbx_live_state state);

/* The value of `key` in the entry's enforcement map, or NULL. */
SBX_API const char *sbx_live_enforcement(const struct sbx_live_entry *entry, const char *key);

/*
 * A cheap fingerprint of the registry directories (their inode and modification times), so a
 * front end can skip sbx_live_list() while nothing changed. Any rename or unlink in a
 * directory changes it. Never fails: a missing directory contributes a fixed value.
 */
SBX_API uint64_t sbx_live_stamp(void);

#ifdef __cplusplus
}
#endif
#endif
