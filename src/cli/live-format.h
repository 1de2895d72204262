/*
 * Text for live registry entries, shared by `ps` and the dashboard: sizes, durations, short
 * ids, and sanitizing of strings that came from registry files (untrusted: never send their
 * control characters to a terminal).
 */
#ifndef SBX_CLI_LIVE_FORMAT_H
#define SBX_CLI_LIVE_FORMAT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx/live.h"

#define LIVE_SHORT_ID 8

/* "512B", "4.0K", "12M", "1.5G" (binary units, two or three significant digits). */
void live_fmt_bytes(char *buf, size_t size, uint64_t bytes);

/* "0.4s", "12s", "3m05s", "2h07m", "3d04h". */
void live_fmt_duration(char *buf, size_t size, uint64_t ms);

/* "12M/512M", or "12M/-" without a limit, or "-" without a sample. */
void live_fmt_mem(char *buf, size_t size, const struct sbx_live_entry *e);

/* Copy src into buf keeping only printable ASCII (anything else becomes '?'), so a name from
 * a registry file cannot move the cursor, change colors or retitle the terminal. */
void live_sanitize(char *buf, size_t size, const char *src);

/* The first LIVE_SHORT_ID characters of the id. */
void live_short_id(char *buf, size_t size, const char *id);

/* Elapsed time of the entry: wall_time_ms when finished, else elapsed_ms. */
uint64_t live_elapsed_ms(const struct sbx_live_entry *e);

/* The entry as one JSON object (schema 1 field names), for `ps --json`. Caller decrefs. */
json_t *live_entry_json(const struct sbx_live_entry *e);

#endif
