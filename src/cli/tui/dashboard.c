/*
 * rusty-sandbox dashboard: watch and stop live runs from a terminal (ncurses).
 *
 * The loop wakes at least every FRAME_MS (getch with a timeout) and redraws: erase() then the
 * frame into curses' buffer, then doupdate(), which sends only the cells that changed, so the
 * screen never flickers and an idle dashboard writes almost nothing. The registry is read at
 * most every READ_MIN_MS, and only when its directories changed (sbx_live_stamp(), two
 * lstat() calls) or a periodic re-check is due (stale supervisors, other users' directories
 * for root). Works on any terminal terminfo knows (TERM=xterm over ssh included): Unicode
 * blocks for bars and sparklines in a UTF-8 locale, ASCII otherwise; line drawing through
 * curses' ACS characters.
 *
 * Keys: Up/Down/PgUp/PgDn/Home/End select, k kill (y/n confirmation), f or / filter, Esc clear
 * the filter, ? help, q quit. SIGINT, SIGTERM and SIGHUP end it cleanly (the terminal is
 * restored by endwin()).
 */
#include <ctype.h>
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/live-format.h"
#include "cli/tui/tui.h"
#include "util/macros.h"

#define FRAME_MS 200         /* redraw at least 5 times a second */
#define READ_MIN_MS 250      /* read the registry at most 4 times a second */
#define RECHECK_LIVE_MS 1000 /* with live runs: re-check supervisors at least this often */
#define RECHECK_IDLE_MS 2000 /* without: look for new directories (root) this often */
#define MESSAGE_MS 5000

static volatile sig_atomic_t quit_signal;

static void on_quit_signal(int sig)
{
    quit_signal = sig;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void message(struct tui *t, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void message(struct tui *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->message, sizeof(t->message), fmt, ap);
    va_end(ap);
    t->message_until_ms = mono_ms() + MESSAGE_MS;
}

/* --- data ----------------------------------------------------------------------------------- */

bool tui_match(const struct tui *t, const struct sbx_live_entry *e)
{
    if (!t->filter[0])
        return true;
    const char *fields[] = {e->id, e->file, e->runtime, e->user};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if (strcasestr(fields[i], t->filter))
            return true;
    return false;
}

/* Remember the stale entries of this listing (the reader has removed their files). */
static void remember_lost(struct tui *t, const struct sbx_live_list *l)
{
    for (size_t i = 0; i < l->n_lost; i++) {
        bool known = false;
        for (size_t j = 0; j < t->n_lost && !known; j++)
            known = !strcmp(t->lost[j].id, l->lost[i].id);
        if (known)
            continue;
        size_t keep = MIN(t->n_lost, (size_t)TUI_LOST_MAX - 1);
        memmove(&t->lost[1], &t->lost[0], keep * sizeof(t->lost[0]));
        t->lost[0] = l->lost[i];
        t->n_lost = keep + 1;
    }
}

static int by_mtime_desc(const void *a, const void *b)
{
    const struct sbx_live_entry *x = *(const struct sbx_live_entry *const *)a;
    const struct sbx_live_entry *y = *(const struct sbx_live_entry *const *)b;
    return x->mtime_ns < y->mtime_ns ? 1 : x->mtime_ns > y->mtime_ns ? -1 : 0;
}

/* Rebuild the shown rows from the list and the filter; keep the selection on the same run. */
static void rebuild(struct tui *t)
{
    const struct sbx_live_list *l = t->list;
    t->n_shown = t->n_done = 0;
    for (size_t i = 0; l && i < l->n_live; i++)
        if (tui_match(t, &l->live[i]))
            t->shown[t->n_shown++] = i;
    for (size_t i = 0; l && i < l->n_finished; i++)
        if (tui_match(t, &l->finished[i]))
            t->done[t->n_done++] = &l->finished[i];
    for (size_t i = 0; i < t->n_lost; i++)
        if (tui_match(t, &t->lost[i]))
            t->done[t->n_done++] = &t->lost[i];
    qsort(t->done, t->n_done, sizeof(*t->done), by_mtime_desc);
    size_t sel = t->n_shown ? MIN(t->sel, t->n_shown - 1) : 0;
    for (size_t i = 0; i < t->n_shown && t->sel_id[0]; i++)
        if (!strcmp(l->live[t->shown[i]].id, t->sel_id))
            sel = i;
    t->sel = sel;
    if (t->n_shown)
        memcpy(t->sel_id, l->live[t->shown[sel]].id, sizeof(t->sel_id));
}

static void read_registry(struct tui *t)
{
    struct sbx_live_list *l = NULL;
    struct sbx_error err = {0};
    t->stamp = sbx_live_stamp();
    t->last_read_ms = t->now_ms;
    t->force_read = false;
    if (sbx_live_list(SBX_LIVE_WITH_FINISHED, &l, &err) < 0) {
        live_sanitize(t->list_error, sizeof(t->list_error), err.message);
        return; /* keep showing the last good listing */
    }
    t->list_error[0] = '\0';
    remember_lost(t, l);
    sbx_live_list_free(t->list);
    t->list = l;
    rebuild(t);
}

static bool read_due(const struct tui *t)
{
    int64_t since = t->now_ms - t->last_read_ms;
    if (t->last_read_ms == 0 || t->force_read)
        return true;
    if (since < READ_MIN_MS)
        return false;
    if (!t->list) /* the registry was unreadable: try again, at most 4 times a second */
        return true;
    if (sbx_live_stamp() != t->stamp)
        return true;
    return since >= (t->list->n_live ? RECHECK_LIVE_MS : RECHECK_IDLE_MS);
}

/* --- keys ----------------------------------------------------------------------------------- */

static void move_sel(struct tui *t, long delta)
{
    if (!t->n_shown)
        return;
    long s = (long)t->sel + delta;
    s = MAX(0, MIN(s, (long)t->n_shown - 1));
    t->sel = (size_t)s;
    memcpy(t->sel_id, t->list->live[t->shown[t->sel]].id, sizeof(t->sel_id));
}

static void do_kill(struct tui *t)
{
    struct sbx_error err = {0};
    struct sbx_live_entry *e = malloc(sizeof(*e));
    if (!e)
        return;
    if (sbx_live_kill(t->kill_id, SIGTERM, 0, e, &err) == 0)
        message(t, "sent SIGTERM to run %.8s: it ends as cancelled", t->kill_id);
    else
        message(t, "kill: %s", err.message);
    free(e);
    t->force_read = true;
}

static void key_filter(struct tui *t, int ch)
{
    size_t len = strlen(t->filter);
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        t->mode = TUI_NORMAL;
    } else if (ch == 27) { /* Esc: back to the filter before the prompt */
        memcpy(t->filter, t->filter_saved, sizeof(t->filter));
        t->mode = TUI_NORMAL;
    } else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len) {
        t->filter[len - 1] = '\0';
    } else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(t->filter)) {
        t->filter[len] = (char)ch;
        t->filter[len + 1] = '\0';
    }
    rebuild(t);
}

static void key_normal(struct tui *t, int ch, int page, bool *quit)
{
    switch (ch) {
    case 'q':
    case 'Q':
        *quit = true;
        break;
    case KEY_UP:
        move_sel(t, -1);
        break;
    case KEY_DOWN:
        move_sel(t, 1);
        break;
    case KEY_PPAGE:
        move_sel(t, -page);
        break;
    case KEY_NPAGE:
        move_sel(t, page);
        break;
    case KEY_HOME:
        move_sel(t, -(long)t->n_shown);
        break;
    case KEY_END:
        move_sel(t, (long)t->n_shown);
        break;
    case 'k':
    case 'K':
        if (!t->n_shown) {
            message(t, "no live run selected");
            break;
        }
        memcpy(t->kill_id, t->list->live[t->shown[t->sel]].id, sizeof(t->kill_id));
        t->mode = TUI_CONFIRM_KILL;
        break;
    case 'f':
    case '/':
        memcpy(t->filter_saved, t->filter, sizeof(t->filter));
        t->mode = TUI_FILTER;
        break;
    case 27:
        t->filter[0] = '\0';
        rebuild(t);
        break;
    case '?':
    case 'h':
        t->mode = TUI_HELP;
        break;
    default:
        break;
    }
}

static void key(struct tui *t, int ch, bool *quit)
{
    if (ch == ERR || ch == KEY_RESIZE)
        return; /* a resize: the next frame is laid out for the new size */
    switch (t->mode) {
    case TUI_FILTER:
        key_filter(t, ch);
        break;
    case TUI_CONFIRM_KILL:
        t->mode = TUI_NORMAL;
        if (ch == 'y' || ch == 'Y')
            do_kill(t);
        else
            message(t, "kill cancelled");
        break;
    case TUI_HELP:
        t->mode = TUI_NORMAL;
        break;
    case TUI_NORMAL:
        key_normal(t, ch, MAX(LINES / 3, 1), quit);
        break;
    }
}

/* --- terminal ------------------------------------------------------------------------------- */

static void init_colors(struct tui *t)
{
    t->color = has_colors() && start_color() == OK;
    if (!t->color)
        return;
    use_default_colors();
    init_pair(TUI_C_TITLE, COLOR_BLACK, COLOR_CYAN);
    init_pair(TUI_C_OK, COLOR_GREEN, -1);
    init_pair(TUI_C_WARN, COLOR_YELLOW, -1);
    init_pair(TUI_C_BAD, COLOR_RED, -1);
    init_pair(TUI_C_DIM, COLOR_MAGENTA, -1);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_quit_signal; /* no SA_RESTART: getch() returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* newterm() rather than initscr(): on an unknown TERM it returns NULL instead of exiting. */
static SCREEN *start_terminal(struct tui *t)
{
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    t->utf8 = cs && !strcasecmp(cs, "UTF-8");
    SCREEN *s = newterm(NULL, stdout, stdin);
    if (!s)
        return NULL;
    set_term(s);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    timeout(FRAME_MS);
    init_colors(t);
    return s;
}

static void loop(struct tui *t)
{
    bool quit = false;
    while (!quit && !quit_signal) {
        t->now_ms = mono_ms();
        if (read_due(t))
            read_registry(t);
        erase();
        tui_draw(t);
        wnoutrefresh(stdscr);
        doupdate();
        key(t, getch(), &quit);
    }
}

int cmd_dashboard(struct cli *cli)
{
    (void)cli;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        cli_err("dashboard: needs a terminal (stdin and stdout); use 'rusty-sandbox ps' in "
                "scripts");
        return 1;
    }
    struct tui *t = calloc(1, sizeof(*t));
    size_t cap = SBX_LIVE_MAX_LIVE;
    if (t) {
        t->shown = calloc(cap, sizeof(*t->shown));
        t->done = calloc(SBX_LIVE_MAX_FINISHED + TUI_LOST_MAX, sizeof(*t->done));
    }
    if (!t || !t->shown || !t->done) {
        cli_err("dashboard: out of memory");
        if (t) {
            free(t->shown);
            free(t->done);
        }
        free(t);
        return EXIT_SANDBOX;
    }
    catch_signals();
    SCREEN *s = start_terminal(t);
    int r = 0;
    if (!s) {
        cli_err("dashboard: cannot use terminal type '%s' (set TERM, e.g. TERM=xterm)",
                getenv("TERM") ? getenv("TERM") : "");
        r = 1;
    } else {
        loop(t);
        endwin();
        delscreen(s);
    }
    sbx_live_list_free(t->list);
    free(t->shown);
    free(t->done);
    free(t);
    return r;
}
