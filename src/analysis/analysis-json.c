/*
 * Findings as JSON, for the run report, the audit log and `rusty-sandbox check --json`. Details
 * quote the analysed source, which is untrusted: they are made valid UTF-8 first.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "core/report.h"

static json_t *utf8(const char *s)
{
    size_t n;
    char *clean = sbx__utf8_sanitize(s, strlen(s), &n);
    json_t *j = clean ? json_stringn(clean, n) : NULL;
    free(clean);
    return j ? j : json_null();
}

static json_t *finding_json(const struct sbx_finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "rule", json_string(f->rule));
    json_object_set_new(o, "category", json_string(f->category));
    json_object_set_new(o, "severity", json_string(sbx_severity_name(f->severity)));
    json_object_set_new(o, "line", json_integer(f->line));
    json_object_set_new(o, "column", json_integer(f->column));
    json_object_set_new(o, "message", json_string(f->message));
    json_object_set_new(o, "hint", json_string(f->hint));
    json_object_set_new(o, "detail", utf8(f->detail));
    json_object_set_new(o, "informational", json_boolean(f->informational));
    json_object_set_new(o, "allowed", json_boolean(f->allowed));
    return o;
}

json_t *sbx__analysis_findings_json(const struct sbx_analysis *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; a && i < a->n_findings; i++)
        json_array_append_new(arr, finding_json(&a->findings[i]));
    return arr;
}

const char *sbx_analysis_mode_name(enum sbx_analysis_mode mode)
{
    switch (mode) {
    case SBX_ANALYSIS_WARN:
        return "warn";
    case SBX_ANALYSIS_BLOCK:
        return "block";
    case SBX_ANALYSIS_OFF:
        return "off";
    }
    return "unknown";
}

json_t *sbx__analysis_json(const struct sbx_analysis *a, enum sbx_analysis_mode mode)
{
    json_t *o = json_object();
    json_object_set_new(o, "mode", json_string(sbx_analysis_mode_name(mode)));
    json_object_set_new(o, "language", a ? json_string(a->language) : json_null());
    json_object_set_new(o, "elapsed_us", a ? json_integer((json_int_t)a->elapsed_us) : json_null());
    json_t *se = json_null();
    if (a && a->syntax_error) {
        se = json_object();
        json_object_set_new(se, "line", json_integer(a->error_line));
        json_object_set_new(se, "column", json_integer(a->error_column));
    }
    json_object_set_new(o, "syntax_error", se);
    json_object_set_new(o, "blocks", json_boolean(a && a->blocks));
    json_object_set_new(o, "findings_dropped", json_integer(a ? (json_int_t)a->n_dropped : 0));
    return o;
}

char *sbx_analysis_to_json(const struct sbx_analysis *a, const char *file)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "file", file ? utf8(file) : json_null());
    json_object_set_new(o, "language", json_string(a->language));
    json_object_set_new(o, "findings", sbx__analysis_findings_json(a));
    json_t *meta = sbx__analysis_json(a, SBX_ANALYSIS_WARN);
    json_object_del(meta, "mode");
    json_object_del(meta, "language");
    json_object_update(o, meta);
    json_decref(meta);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
