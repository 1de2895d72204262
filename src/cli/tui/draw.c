/*
 * Drawing the dashboard: one frame into curses' buffer from struct tui. Nothing here clears the
 * terminal: the loop erases the buffer and curses sends only what changed (no flicker).
 *
 * Layout, top to bottom: title bar; live runs table (header + rows, scrolled to keep the
 * selection visible); detail pane of the selected run; finished runs; footer (keys, prompts,
 * messages). Rows are shared out by need (live rows first, then detail, then finished); columns
 * that do not fit the width are dropped, least useful first, so 80x24 shows everything that
 * matters and smaller terminals degrade to id, memory and state. Text from registry entries is
 * untrusted: it is drawn only through live_sanitize() (printable ASCII), and no line is drawn
 * past the right edge or into the bottom-right cell (which would scroll some terminals).
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/live-format.h"
#include "cli/tui/tui.h"
#include "util/macros.h"

#define LINE_MAX_BYTES 1024

struct frame {
    struct tui *t;
    int w, h;
    int ymax; /* nothing is drawn below this row (a pane's last row) */
};

static attr_t color(const struct tui *t, enum tui_color c, attr_t fallback)
{
    return t->color ? (attr_t)COLOR_PAIR(c) : fallback;
}

/* Draw ASCII text at (y, x), clipped to n columns and to the screen. */
static void put(const struct frame *f, int y, int x, int n, const char *s)
{
    if (y < 0 || y >= f->h || y > f->ymax || x >= f->w || n <= 0)
        return;
    int room = f->w - x - (y == f->h - 1 ? 1 : 0);
    mvaddnstr(y, x, s, MIN(n, room));
}

/* printf into a line, sanitized, then put(). */
static void putf(const struct frame *f, int y, int x, int n, const char *fmt, ...)
    PRINTF_LIKE(5, 6);
static void putf(const struct frame *f, int y, int x, int n, const char *fmt, ...)
{
    char buf[LINE_MAX_BYTES], clean[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    live_sanitize(clean, sizeof(clean), buf);
    put(f, y, x, n, clean);
}

/* Line drawing: Unicode box characters in a UTF-8 locale, ASCII otherwise. Not curses' ACS
 * characters: those need the terminal's alternate character set, which terminals in UTF-8 mode
 * (and some ssh clients) get wrong. */
enum line_glyph { G_H, G_V, G_UL, G_UR, G_LL, G_LR };

static const char *line_glyph(const struct tui *t, enum line_glyph g)
{
    static const char *const box[] = {"\u2500", "\u2502", "\u250c", "\u2510", "\u2514", "\u2518"};
    static const char *const ascii[] = {"-", "|", "+", "+", "+", "+"};
    return t->utf8 ? box[g] : ascii[g];
}

/* n copies of a glyph from (y, x) rightwards (vertical: downwards), clipped to the screen. */
static void glyphs(const struct frame *f, int y, int x, int n, enum line_glyph g, bool down)
{
    const char *s = line_glyph(f->t, g);
    for (int i = 0; i < n; i++) {
        int yy = down ? y + i : y, xx = down ? x : x + i;
        if (yy < 0 || yy >= f->h || yy > f->ymax || xx < 0 || xx >= f->w ||
            (yy == f->h - 1 && xx == f->w - 1))
            continue;
        mvaddstr(yy, xx, s);
    }
}

/* A titled rule across the screen: "-- title ------". */
static void rule(const struct frame *f, int y, const char *title)
{
    attr_t a = A_BOLD;
    attron(a);
    glyphs(f, y, 0, f->w, G_H, false);
    putf(f, y, 2, f->w - 4, " %s ", title);
    attroff(a);
}

/* --- columns -------------------------------------------------------------------------------- */

struct col {
    const char *title;
    int w;    /* minimum width */
    int prio; /* dropped lowest first */
    int flex; /* share of the spare width */
    bool right;
    int x, width; /* set by fit() */
    bool on;
};

/* Choose the columns that fit `width` (one marker column first) and place them. */
static void fit(struct col *c, size_t n, int width)
{
    for (size_t i = 0; i < n; i++)
        c[i].on = true;
    for (;;) {
        int total = 1, on = 0;
        size_t low = n;
        for (size_t i = 0; i < n; i++)
            if (c[i].on) {
                total += c[i].w + (on++ ? 1 : 0);
                if (low == n || c[i].prio < c[low].prio)
                    low = i;
            }
        if (total <= width || on <= 1) {
            int spare = MAX(width - total, 0), flex = 0, x = 1;
            for (size_t i = 0; i < n; i++)
                flex += c[i].on ? c[i].flex : 0;
            for (size_t i = 0; i < n; i++) {
                if (!c[i].on)
                    continue;
                c[i].width = c[i].w + (flex ? spare * c[i].flex / flex : 0);
                c[i].x = x;
                x += c[i].width + 1;
            }
            return;
        }
        c[low].on = false;
    }
}

/* Draw text in a column: cut (from the left for paths, marked "...") or padded. */
static void cell(const struct frame *f, int y, const struct col *c, const char *text, bool path)
{
    if (!c->on)
        return;
    char clean[LINE_MAX_BYTES];
    live_sanitize(clean, sizeof(clean), text);
    const char *s = clean;
    int len = (int)strlen(clean);
    if (len > c->width && path && c->width > 3) {
        put(f, y, c->x, 3, "...");
        put(f, y, c->x + 3, c->width - 3, s + len - (c->width - 3));
        return;
    }
    int x = c->right && len < c->width ? c->x + c->width - len : c->x;
    put(f, y, x, c->width, s);
}

static void headers(const struct frame *f, int y, const struct col *c, size_t n)
{
    attron(A_BOLD | A_UNDERLINE);
    mvhline(y, 0, ' ', f->w);
    for (size_t i = 0; i < n; i++)
        cell(f, y, &c[i], c[i].title, false);
    attroff(A_BOLD | A_UNDERLINE);
}

/* --- glyphs --------------------------------------------------------------------------------- */

/* Level 0..8 of a bar or sparkline cell as a glyph for this locale. */
static const char *level_glyph(const struct tui *t, int level, bool spark)
{
    static const char *const blocks[] = {" ",      "\u2581", "\u2582", "\u2583", "\u2584",
                                         "\u2585", "\u2586", "\u2587", "\u2588"};
    static const char *const ascii[] = {" ", "_", "_", ".", "-", "=", "+", "*", "#"};
    level = MAX(0, MIN(8, level));
    if (!spark)
        return t->utf8 ? (level ? "\u2588" : "\u2591") : (level ? "#" : ".");
    return t->utf8 ? blocks[level] : ascii[level];
}

/* A memory bar "[####....] 12M/512M" in `width` columns at (y, x). */
static void mem_bar(const struct frame *f, int y, int x, int width, const struct sbx_live_entry *e)
{
    char text[48];
    live_fmt_mem(text, sizeof(text), e);
    uint64_t limit = e->limits.memory_limit_bytes;
    if (e->has_sample && !limit) {
        char used[16];
        live_fmt_bytes(used, sizeof(used), e->sample.memory_bytes);
        snprintf(text, sizeof(text), width >= 18 ? "%s (no limit)" : "%s", used);
    }
    int tl = (int)strlen(text), bw = width - tl - 3;
    if (!e->has_sample || !limit || bw < 3) {
        put(f, y, x, width, text);
        return;
    }
    double frac = (double)e->sample.memory_bytes / (double)limit;
    int fill = (int)(frac * bw + 0.5);
    if (e->sample.memory_bytes && fill == 0)
        fill = 1;
    fill = MIN(fill, bw);
    if (y > f->ymax)
        return;
    enum tui_color c = frac >= 0.9 ? TUI_C_BAD : frac >= 0.7 ? TUI_C_WARN : TUI_C_OK;
    put(f, y, x, 1, "[");
    attr_t a = color(f->t, c, A_BOLD);
    attron(a);
    for (int i = 0; i < bw && x + 1 + i < f->w; i++)
        mvaddstr(y, x + 1 + i, level_glyph(f->t, i < fill ? 8 : 0, false));
    attroff(a);
    put(f, y, x + 1 + bw, 1, "]");
    put(f, y, x + bw + 3, tl, text);
}

/* The last `width` samples of the memory history, scaled to their maximum. */
static void sparkline(const struct frame *f, int y, int x, int width,
                      const struct sbx_live_entry *e)
{
    size_t n = MIN(e->n_history, (size_t)width);
    const uint64_t *h = e->memory_history + e->n_history - n;
    uint64_t max = 1;
    if (y > f->ymax)
        return;
    for (size_t i = 0; i < n; i++)
        max = MAX(max, h[i]);
    attr_t a = color(f->t, TUI_C_OK, A_BOLD);
    attron(a);
    for (size_t i = 0; i < n && x + (int)i < f->w; i++) {
        int level = (int)((double)h[i] * 8 / (double)max + 0.5);
        mvaddstr(y, x + (int)i, level_glyph(f->t, h[i] ? MAX(level, 1) : 0, true));
    }
    attroff(a);
}

/* --- the live table ------------------------------------------------------------------------- */

enum { L_ID, L_USER, L_RUNTIME, L_FILE, L_ELAPSED, L_CPU, L_MEM, L_PIDS, L_STATE, L_EV, L_N };

static void live_columns(struct col *c, int width)
{
    const struct col def[L_N] = {
        [L_ID] = {"ID", 8, 100, 0, false},         [L_USER] = {"USER", 8, 1, 0, false},
        [L_RUNTIME] = {"RUNTIME", 7, 4, 0, false}, [L_FILE] = {"FILE", 8, 6, 3, false},
        [L_ELAPSED] = {"ELAPSED", 7, 8, 0, true},  [L_CPU] = {"CPU%", 5, 7, 0, true},
        [L_MEM] = {"MEMORY", 18, 90, 2, false},    [L_PIDS] = {"PIDS", 4, 3, 0, true},
        [L_STATE] = {"STATE", 8, 5, 0, false},     [L_EV] = {"EVENTS", 6, 2, 0, true},
    };
    memcpy(c, def, sizeof(def));
    fit(c, L_N, width);
}

static void live_row(const struct frame *f, int y, const struct col *c,
                     const struct sbx_live_entry *e, bool selected)
{
    char buf[64];
    attr_t a = selected ? A_REVERSE : 0;
    attron(a);
    if (selected)
        mvhline(y, 0, ' ', f->w);
    put(f, y, 0, 1, selected ? ">" : " ");
    live_short_id(buf, sizeof(buf), e->id);
    cell(f, y, &c[L_ID], buf, false);
    if (e->user[0])
        cell(f, y, &c[L_USER], e->user, false);
    else {
        snprintf(buf, sizeof(buf), "%u", e->uid);
        cell(f, y, &c[L_USER], buf, false);
    }
    cell(f, y, &c[L_RUNTIME], e->runtime, false);
    cell(f, y, &c[L_FILE], e->file, true);
    live_fmt_duration(buf, sizeof(buf), live_elapsed_ms(e));
    cell(f, y, &c[L_ELAPSED], buf, false);
    snprintf(buf, sizeof(buf), e->has_sample ? "%.1f" : "-", e->sample.cpu_percent);
    cell(f, y, &c[L_CPU], buf, false);
    snprintf(buf, sizeof(buf), e->has_sample ? "%llu" : "-", (unsigned long long)e->sample.pids);
    cell(f, y, &c[L_PIDS], buf, false);
    cell(f, y, &c[L_STATE], sbx_live_state_name(e->state), false);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)e->n_events);
    cell(f, y, &c[L_EV], buf, false);
    attroff(a);
    if (c[L_MEM].on)
        mem_bar(f, y, c[L_MEM].x, c[L_MEM].width, e);
}

/* The table: header at y, then `rows` rows; scrolls so the selection is visible. */
static void draw_live(const struct frame *f, int y, int rows)
{
    struct tui *t = f->t;
    struct col c[L_N];
    live_columns(c, f->w);
    headers(f, y, c, L_N);
    if (t->n_shown == 0) {
        bool any = t->list && t->list->n_live;
        if (t->list_error[0])
            putf(f, y + 1, 2, f->w - 3, "registry unreadable: %s", t->list_error);
        else if (any)
            putf(f, y + 1, 2, f->w - 3, "No live runs match the filter \"%s\" (f to change).",
                 t->filter);
        else
            putf(f, y + 1, 2, f->w - 3, "No live runs. Start one: rusty-sandbox run FILE");
        return;
    }
    if (t->sel < t->top)
        t->top = t->sel;
    if (t->sel >= t->top + (size_t)rows)
        t->top = t->sel - (size_t)rows + 1;
    for (int i = 0; i < rows && t->top + (size_t)i < t->n_shown; i++) {
        size_t k = t->top + (size_t)i;
        live_row(f, y + 1 + i, c, &t->list->live[t->shown[k]], k == t->sel);
    }
}

/* --- the detail pane ------------------------------------------------------------------------ */

static const struct sbx_live_entry *selected(const struct tui *t)
{
    return t->n_shown ? &t->list->live[t->shown[t->sel]] : NULL;
}

/* Lines the detail pane would like for entry e. */
static int detail_want(const struct sbx_live_entry *e)
{
    return e ? 5 + (int)MIN(e->n_recent_events, (size_t)5) : 0;
}

static void fmt_limit_s(char *buf, size_t size, double s)
{
    if (s > 0)
        snprintf(buf, size, "%gs", s);
    else
        snprintf(buf, size, "none");
}

static void detail_limits(const struct frame *f, int y, const struct sbx_live_entry *e)
{
    char mem[16] = "none", cpu[24], wall[24], procs[24] = "none", cpus[24] = "none";
    const struct sbx_live_limits *l = &e->limits;
    if (l->memory_limit_bytes)
        live_fmt_bytes(mem, sizeof(mem), l->memory_limit_bytes);
    fmt_limit_s(cpu, sizeof(cpu), l->cpu_time_limit_s);
    fmt_limit_s(wall, sizeof(wall), l->timeout_s);
    if (l->max_processes)
        snprintf(procs, sizeof(procs), "%llu", (unsigned long long)l->max_processes);
    if (l->cpus > 0)
        snprintf(cpus, sizeof(cpus), "%g", l->cpus);
    putf(f, y, 1, f->w - 2, "Limits   memory %s  cpu %s  wall %s  procs %s  cpus %s", mem, cpu,
         wall, procs, cpus);
    char enf[LINE_MAX_BYTES] = "";
    for (size_t i = 0; i < e->n_enforcement; i++) {
        size_t at = strlen(enf);
        snprintf(enf + at, sizeof(enf) - at, "%s%s=%s", i ? "  " : "", e->enforcement[i].key,
                 e->enforcement[i].value);
    }
    putf(f, y + 1, 1, f->w - 2, "Enforced %s", enf[0] ? enf : "(not reported yet)");
}

static void detail_usage(const struct frame *f, int y, const struct sbx_live_entry *e)
{
    char now[16], peak[16], rd[16], wr[16], out[16], err[16], cpu[16];
    const struct sbx_live_sample *s = &e->sample;
    live_fmt_bytes(now, sizeof(now), s->memory_bytes);
    live_fmt_bytes(peak, sizeof(peak), s->memory_peak_bytes);
    char tail[96];
    snprintf(tail, sizeof(tail), " now %s  peak %s", now, peak);
    int spark = f->w - 10 - (int)strlen(tail) - 1;
    put(f, y, 1, 9, "Memory");
    if (!e->has_sample) {
        put(f, y, 10, f->w - 11, "no sample yet");
    } else if (spark >= 4 && e->n_history) {
        int n = (int)MIN(e->n_history, (size_t)spark);
        sparkline(f, y, 10, n, e);
        put(f, y, 10 + n, f->w - 11 - n, tail);
    } else {
        put(f, y, 10, f->w - 11, tail + 1);
    }
    live_fmt_bytes(rd, sizeof(rd), s->io_read_bytes);
    live_fmt_bytes(wr, sizeof(wr), s->io_write_bytes);
    live_fmt_bytes(out, sizeof(out), s->stdout_bytes);
    live_fmt_bytes(err, sizeof(err), s->stderr_bytes);
    live_fmt_duration(cpu, sizeof(cpu), s->cpu_time_ms);
    putf(f, y + 1, 1, f->w - 2,
         "Usage    cpu %.1f%% (%s)  pids %llu  read %s  write %s  stdout %s  stderr %s",
         s->cpu_percent, cpu, (unsigned long long)s->pids, rd, wr, out, err);
}

static void detail_events(const struct frame *f, int y, int rows, const struct sbx_live_entry *e)
{
    if (e->n_events == 0) {
        putf(f, y, 1, f->w - 2, "Events   none");
        return;
    }
    attr_t a = color(f->t, TUI_C_BAD, A_BOLD);
    attron(a);
    putf(f, y, 1, f->w - 2, "Events   %llu security event%s%s", (unsigned long long)e->n_events,
         e->n_events == 1 ? "" : "s", e->n_recent_events ? ", latest:" : "");
    attroff(a);
    int shown = MIN(rows - 1, (int)e->n_recent_events);
    for (int i = 0; i < shown; i++) {
        const struct sbx_live_event *ev =
            &e->recent_events[e->n_recent_events - (size_t)shown + (size_t)i];
        /* "2026-11-28T18:00:01.123456Z" -> "18:00:01" */
        const char *tm = strlen(ev->time) >= 19 ? ev->time + 11 : ev->time;
        putf(f, y + 1 + i, 3, f->w - 4, "%.8s  %s  %s", tm, ev->type, ev->detail);
    }
}

/* Title rule at y, then up to `rows` lines: limits, enforcement, memory, usage, events. */
static void draw_detail(const struct frame *outer, int y, int rows)
{
    struct frame pane = *outer, *f = &pane;
    pane.ymax = y + rows;
    const struct sbx_live_entry *e = selected(f->t);
    if (!e)
        return;
    char title[SBX_LIVE_FILE_MAX + 128];
    snprintf(title, sizeof(title), "Run %s  %s  %s", e->id, e->runtime, e->file);
    rule(f, y, title);
    detail_limits(f, y + 1, e);
    detail_usage(f, y + 3, e);
    if (rows >= 5)
        detail_events(f, y + 5, rows - 4, e);
}

/* --- finished runs -------------------------------------------------------------------------- */

enum { F_ID, F_RUNTIME, F_VERDICT, F_EXIT, F_WALL, F_ENDED, F_FILE, F_N };

static enum tui_color verdict_color(const char *v)
{
    if (!strcmp(v, "ok"))
        return TUI_C_OK;
    if (!strcmp(v, "cancelled") || !strcmp(v, "runtime_error"))
        return TUI_C_WARN;
    if (!strcmp(v, "lost"))
        return TUI_C_DIM;
    return TUI_C_BAD;
}

static void finished_row(const struct frame *f, int y, const struct col *c,
                         const struct sbx_live_entry *e)
{
    char buf[64];
    live_short_id(buf, sizeof(buf), e->id);
    cell(f, y, &c[F_ID], buf, false);
    cell(f, y, &c[F_RUNTIME], e->runtime, false);
    const char *v = e->verdict[0] ? e->verdict : "?";
    attr_t a = color(f->t, verdict_color(v), A_BOLD);
    attron(a);
    cell(f, y, &c[F_VERDICT], v, false);
    attroff(a);
    snprintf(buf, sizeof(buf), e->has_exit_code ? "%d" : "-", e->exit_code);
    cell(f, y, &c[F_EXIT], buf, false);
    live_fmt_duration(buf, sizeof(buf), live_elapsed_ms(e));
    cell(f, y, &c[F_WALL], buf, false);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t ago = ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec - e->mtime_ns) / 1000000;
    live_fmt_duration(buf, sizeof(buf), (uint64_t)MAX(ago, 0));
    size_t at = strlen(buf);
    snprintf(buf + at, sizeof(buf) - at, " ago");
    cell(f, y, &c[F_ENDED], buf, false);
    cell(f, y, &c[F_FILE], e->file, true);
}

static void draw_finished(const struct frame *f, int y, int rows)
{
    const struct tui *t = f->t;
    char title[64];
    snprintf(title, sizeof(title), "Finished (%zu)", t->n_done);
    rule(f, y, title);
    if (rows < 1)
        return;
    if (t->n_done == 0) {
        putf(f, y + 1, 2, f->w - 3, "No finished runs%s.", t->filter[0] ? " match" : " yet");
        return;
    }
    struct col c[F_N] = {
        [F_ID] = {"ID", 8, 100, 0, false},           [F_RUNTIME] = {"RUNTIME", 7, 3, 0, false},
        [F_VERDICT] = {"VERDICT", 12, 90, 0, false}, [F_EXIT] = {"EXIT", 4, 4, 0, true},
        [F_WALL] = {"WALL", 6, 5, 0, true},          [F_ENDED] = {"ENDED", 9, 2, 0, true},
        [F_FILE] = {"FILE", 8, 6, 1, false},
    };
    fit(c, F_N, f->w);
    if (rows >= 3) { /* room for a header row as well */
        headers(f, ++y, c, F_N);
        rows--;
    }
    for (int i = 0; i < rows && (size_t)i < t->n_done; i++)
        finished_row(f, y + 1 + i, c, t->done[i]);
}

/* --- title, footer, help -------------------------------------------------------------------- */

static void draw_title(const struct frame *f)
{
    const struct tui *t = f->t;
    attr_t a = color(t, TUI_C_TITLE, A_REVERSE) | A_BOLD;
    attron(a);
    mvhline(0, 0, ' ', f->w);
    size_t live = t->list ? t->list->n_live : 0;
    char clock[16] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm))
        strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
    putf(f, 0, 1, f->w - 2, "rusty-sandbox dashboard  %zu live  %zu finished%s%s%s", live,
         t->n_done, t->filter[0] ? "  filter: " : "", t->filter, "");
    if (f->w >= 60)
        put(f, 0, f->w - 9, 8, clock);
    attroff(a);
}

static void draw_footer(const struct frame *f)
{
    const struct tui *t = f->t;
    int y = f->h - 1;
    if (t->mode == TUI_FILTER) {
        putf(f, y, 0, f->w - 1, "Filter: %s_   (Enter: keep, Esc: cancel)", t->filter);
    } else if (t->mode == TUI_CONFIRM_KILL) {
        attr_t a = color(t, TUI_C_BAD, A_REVERSE) | A_BOLD;
        attron(a);
        putf(f, y, 0, f->w - 1, "Kill run %s? It ends as cancelled. [y/N]", t->kill_id);
        attroff(a);
    } else if (t->message[0] && t->now_ms < t->message_until_ms) {
        putf(f, y, 0, f->w - 1, "%s", t->message);
    } else {
        put(f, y, 0, f->w - 1,
            f->w >= 60 ? "Up/Down select  k kill  f filter  ? help  q quit"
                       : "arrows k:kill f:filter ?:help q:quit");
    }
}

static void draw_help(const struct frame *f)
{
    static const char *const lines[] = {
        "Keys",
        "  Up/Down PgUp/PgDn Home/End   select a live run",
        "  k    kill (cancel) the selected run; asks y/n",
        "  f /  filter by text in id, file or runtime",
        "  Esc  clear the filter",
        "  ?    this help          q  quit",
        "",
        "MEMORY: usage against the run's memory limit.",
        "Finished: verdicts of recent runs; \"lost\": the",
        "supervisor died without finishing its entry.",
        "",
        "Press any key.",
    };
    int bw = MIN(f->w - 2, 54), bh = MIN(f->h - 2, (int)ARRAY_SIZE(lines) + 2);
    if (bw < 20 || bh < 4)
        return;
    int x0 = (f->w - bw) / 2, y0 = (f->h - bh) / 2;
    for (int y = y0; y < y0 + bh; y++)
        mvhline(y, x0, ' ', bw);
    glyphs(f, y0, x0 + 1, bw - 2, G_H, false);
    glyphs(f, y0 + bh - 1, x0 + 1, bw - 2, G_H, false);
    glyphs(f, y0 + 1, x0, bh - 2, G_V, true);
    glyphs(f, y0 + 1, x0 + bw - 1, bh - 2, G_V, true);
    glyphs(f, y0, x0, 1, G_UL, false);
    glyphs(f, y0, x0 + bw - 1, 1, G_UR, false);
    glyphs(f, y0 + bh - 1, x0, 1, G_LL, false);
    glyphs(f, y0 + bh - 1, x0 + bw - 1, 1, G_LR, false);
    for (int i = 0; i < bh - 2; i++)
        put(f, y0 + 1 + i, x0 + 2, bw - 4, lines[i]);
}

/* --- the frame ------------------------------------------------------------------------------ */

struct rows {
    int table, detail, finished; /* rows of content, not counting headers/rules */
};

/* Share out the body rows: some of each part, then more table, detail, finished. */
static struct rows share_rows(const struct tui *t, int body)
{
    struct rows r = {0, 0, 0};
    int table_want = MAX(1, (int)t->n_shown), fin_want = MAX(1, (int)t->n_done);
    int detail = detail_want(selected(t)), used;
    r.table = MIN(table_want, MAX(1, MIN(3, body - 1)));
    used = 1 + r.table;
    if (body - used >= 2) {
        r.finished = MIN(fin_want, MIN(2, body - used - 1));
        used += 1 + r.finished;
    } else {
        r.finished = -1; /* no room for the section at all */
    }
    if (detail && body - used >= 4) {
        r.detail = MIN(detail, body - used - 1);
        used += 1 + r.detail;
    }
    int extra = body - used, g = MIN(extra, table_want - r.table);
    r.table += g;
    extra -= g;
    if (r.detail) {
        g = MIN(extra, detail - r.detail);
        r.detail += g;
        extra -= g;
    }
    if (r.finished >= 0)
        r.finished += extra;
    return r;
}

void tui_draw(struct tui *t)
{
    struct frame f = {.t = t};
    getmaxyx(stdscr, f.h, f.w);
    f.ymax = f.h - 1;
    if (f.w < 24 || f.h < 5) {
        put(&f, 0, 0, f.w, "terminal too small");
        return;
    }
    draw_title(&f);
    struct rows r = share_rows(t, f.h - 2);
    int y = 1;
    draw_live(&f, y, r.table);
    y += 1 + r.table;
    if (r.detail > 0) {
        draw_detail(&f, y, r.detail);
        y += 1 + r.detail;
    }
    if (r.finished >= 0)
        draw_finished(&f, y, r.finished);
    draw_footer(&f);
    if (t->mode == TUI_HELP)
        draw_help(&f);
}
