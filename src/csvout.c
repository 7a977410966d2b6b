#include "csvout.h"

#include <string.h>

void csvout_cell(struct buf *out, const char *s, size_t len, char delim)
{
    int quote = len && (s[0] == ' ' || s[len - 1] == ' ');
    for (size_t i = 0; !quote && i < len; i++) {
        char c = s[i];
        if (c == delim || c == '"' || c == '\r' || c == '\n')
            quote = 1;
    }
    if (!quote) {
        buf_add(out, s, len);
        return;
    }
    buf_reserve(out, len * 2 + 2);
    char *d = out->data + out->len;
    *d++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            *d++ = '"';
        *d++ = s[i];
    }
    *d++ = '"';
    out->len = (size_t)(d - out->data);
    out->data[out->len] = '\0';
}

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

void csvout_text_cell(struct buf *out, const char *s, size_t len, char delim)
{
    size_t i = 0;
    while (i < len && !is_control((unsigned char)s[i]))
        i++;
    if (i == len) {             /* the usual case: nothing to replace */
        csvout_cell(out, s, len, delim);
        return;
    }
    struct buf t = {0};
    for (i = 0; i < len; i++) {
        if (is_control((unsigned char)s[i]))
            buf_adds(&t, "\xef\xbf\xbd");     /* U+FFFD */
        else
            buf_addc(&t, s[i]);
    }
    csvout_cell(out, t.data, t.len, delim);
    buf_free(&t);
}

int csvout_formula_start(unsigned char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* 1 when s[0..len) is some ' (maybe none) and then a formula start: the
 * values csvout_name_cell writes with one ' more. */
static int quotes_then_formula(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] == '\'')
        i++;
    return i < len && csvout_formula_start((unsigned char)s[i]);
}

void csvout_name_cell(struct buf *out, const char *s, size_t len, char delim)
{
    if (!quotes_then_formula(s, len)) {
        csvout_text_cell(out, s, len, delim);
        return;
    }
    struct buf t = {0};
    buf_addc(&t, '\'');
    buf_add(&t, s, len);
    csvout_text_cell(out, t.data, t.len, delim);
    buf_free(&t);
}

void csvout_name_unguard(const char **s, size_t *len)
{
    if (*len > 1 && (*s)[0] == '\'' && quotes_then_formula(*s + 1, *len - 1)) {
        (*s)++;
        (*len)--;
    }
}

void csvout_sanitize(const char *in, char *out)
{
    size_t n = 0;
    int pending = 0, truncated = 0; /* pending: blanks seen since the last word */
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        unsigned char c = *p;
        if (c <= ' ' || c == 0x7f) {
            pending = n > 0;
            continue;
        }
        if (n == 0 && csvout_formula_start(c))
            out[n++] = '\'';
        if (n + (size_t)pending >= CSVOUT_MSG_MAX) {
            truncated = 1;
            break;
        }
        if (pending)
            out[n++] = ' ';
        pending = 0;
        out[n++] = (char)c;
    }
    if (truncated) {
        /* leave room for "...", never cutting inside a UTF-8 sequence */
        size_t cut = n < CSVOUT_MSG_MAX - 3 ? n : CSVOUT_MSG_MAX - 3;
        while (cut && ((unsigned char)out[cut] & 0xc0) == 0x80)
            cut--;
        memcpy(out + cut, "...", 3);
        n = cut + 3;
    }
    out[n] = '\0';
}

void csvout_target(struct buf *out, const struct request *target, char delim)
{
    int repo = target->target == TARGET_REPO;
    csvout_name_cell(out, target->workspace, target->workspace_len, delim);
    buf_addc(out, delim);
    if (repo)
        csvout_name_cell(out, target->target_name, target->target_len, delim);
    buf_addc(out, delim);
    if (repo)
        csvout_name_cell(out, target->project, target->project_len, delim);
    else
        csvout_name_cell(out, target->target_name, target->target_len, delim);
    buf_addc(out, delim);
}

void csvout_permission(struct buf *out, const struct request *target, enum subject_kind kind,
                       const char *subject, size_t len, enum privilege p, char delim)
{
    csvout_target(out, target, delim);
    if (kind == SUBJECT_GROUP)
        csvout_name_cell(out, subject, len, delim);
    buf_addc(out, delim);
    if (kind == SUBJECT_USER)
        csvout_name_cell(out, subject, len, delim);
    buf_addc(out, delim);
    buf_adds(out, privilege_name(p));
}
