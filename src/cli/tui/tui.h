/*
 * The terminal dashboard (`rusty-sandbox dashboard`): state shared by its loop (dashboard.c)
 * and its drawing (draw.c). One screen: a title bar, the table of live runs, a detail pane for
 * the selected run, the recently finished runs, and a one-line footer for keys, prompts and
 * messages. Data comes only from the live registry reader (sbx/live.h).
 */
#ifndef SBX_CLI_TUI_H
#define SBX_CLI_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx/live.h"

#define TUI_FILTER_MAX 64
#define TUI_LOST_MAX 20
#define TUI_MESSAGE_MAX 200

enum tui_mode { TUI_NORMAL, TUI_FILTER, TUI_CONFIRM_KILL, TUI_HELP };

/* Color pairs (used only when the terminal has colors; attributes otherwise). */
enum tui_color { TUI_C_TITLE = 1, TUI_C_OK, TUI_C_WARN, TUI_C_BAD, TUI_C_DIM };

struct tui {
    struct sbx_live_list *list; /* the last listing (NULL before the first) */
    char list_error[SBX_ERROR_MESSAGE_MAX];
    /* Runs whose supervisor died without finishing its entry, remembered (newest first) since
     * the reader removes their files. */
    struct sbx_live_entry lost[TUI_LOST_MAX];
    size_t n_lost;
    /* The live runs shown (indices into list->live after the filter) and the finished ones
     * (finished and lost, newest first) as pointers into list / lost. */
    size_t *shown;
    size_t n_shown;
    const struct sbx_live_entry **done;
    size_t n_done;
    size_t sel, top;                   /* selected row of `shown`, first row on screen */
    char sel_id[SBX_LIVE_ID_MAX];      /* kept across refreshes */
    char filter[TUI_FILTER_MAX];       /* case-insensitive text in id, file or runtime */
    char filter_saved[TUI_FILTER_MAX]; /* restored when the filter prompt is cancelled */
    enum tui_mode mode;
    char kill_id[SBX_LIVE_ID_MAX];
    char message[TUI_MESSAGE_MAX];
    int64_t message_until_ms;
    bool utf8, color;
    int64_t now_ms; /* monotonic, at the start of the frame */
    int64_t last_read_ms;
    uint64_t stamp;
    bool force_read;
};

/* draw.c: the whole frame into the curses buffer (the caller calls doupdate()). */
void tui_draw(struct tui *t);

/* dashboard.c: does the entry pass the filter? */
bool tui_match(const struct tui *t, const struct sbx_live_entry *e);

#endif
