/*
 * config.c - the xl.cfg(5) parser behind `xl create`.
 *
 * Workload: one short hand-written file per guest, often copied from a Xen
 * host, plus a few KEY=VALUE overrides from the command line. Speed does
 * not matter. What matters is that any input, however broken (a binary
 * passed by mistake, a file cut short, a key we do not implement yet), gets
 * a precise one-line error and never a crash.
 *
 * Three layers, top to bottom:
 *   lexer      bytes -> tokens; quoted strings are checked here and
 *              decoded later, so a token never owns memory;
 *   parser     tokens -> statements KEY = VALUE, VALUE a small tree
 *              (string, bare word, or list of values);
 *   key table  one row per key: what value it takes and the function that
 *              stores it. Keys Xen has but we do not are rows without a
 *              function, so enabling one is a one-line change.
 *
 * Each statement is checked and applied as soon as it is read, and the
 * first error stops the parse: a later duplicate cannot hide a bad value.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenolith/control.h"

_Static_assert(sizeof(((struct xl_domain_config *)0)->name) == XLCTL_NAME_MAX,
               "a config name must fit the control protocol's name");

#define CMDLINE_MAX     sizeof(((struct xl_domain_config *)0)->cmdline)
#define LIST_DEPTH_MAX  8   /* xl.cfg nests lists two deep at most (vnuma, vsnd) */
#define LIST_ITEMS_MAX  1024 /* disks, vifs, args: a handful; bounds memory per list */
#define SHOW_MAX        48  /* bytes of a value quoted in a message */

/* ------------------------------------------------------------------ */
/* Parse state                                                         */

enum tok_kind {
    T_EOF, T_NEWLINE, T_SEMI, T_EQUALS, T_COMMA, T_LBRACKET, T_RBRACKET,
    T_STRING,   /* "..." or '...', start/len include the quotes */
    T_WORD,     /* anything unquoted: a key, a number, a bare word */
};

struct token {
    enum tok_kind kind;
    unsigned line;
    const char *start;
    size_t len;
};

enum value_kind { V_STRING, V_WORD, V_LIST };

struct value {
    enum value_kind kind;
    unsigned line;
    char *text;             /* V_STRING decoded, V_WORD as written; NUL-terminated */
    size_t len;             /* strlen(text): strings cannot hold a NUL */
    struct value *items;    /* V_LIST */
    size_t nitems;
    uint64_t num;           /* V_WORD of a number key, once checked */
};

struct parse {
    struct xl_domain_config cfg;
    char root[CMDLINE_MAX], extra[CMDLINE_MAX];
    bool has_name, has_kernel, has_cmdline, has_root, has_extra;

    /* The text being read. */
    const char *source;     /* its name in messages */
    const char *base_dir;   /* for relative kernel paths; NULL = cwd */
    const char *p, *end;
    unsigned line;          /* line of p */
    struct token tok;       /* the next token, not yet consumed */

    char *err;
    size_t errlen;
};

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/* A value made safe for a one-line message: escaped, cut at SHOW_MAX. */
struct shown {
    char s[SHOW_MAX * 4 + 8];   /* every byte as \xNN, "...", two quotes, NUL */
};

static const char *show(struct shown *buf, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, o = 0;

    for (i = 0; i < n && i < SHOW_MAX; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\n' || c == '\t' || c == '\r' || c == '\\') {
            buf->s[o++] = '\\';
            buf->s[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : '\\';
        } else if (c < 0x20 || c >= 0x7f) {
            buf->s[o++] = '\\';
            buf->s[o++] = 'x';
            buf->s[o++] = hex[c >> 4];
            buf->s[o++] = hex[c & 15];
        } else {
            buf->s[o++] = (char)c;
        }
    }
    if (i < n) {
        memcpy(buf->s + o, "...", 3);
        o += 3;
    }
    buf->s[o] = '\0';
    return buf->s;
}

static void vfail_at(char *err, size_t errlen, const char *source, unsigned line,
                     const char *fmt, va_list ap)
{
    int n;

    if (!err || !errlen)
        return;
    if (line)
        n = snprintf(err, errlen, "%s:%u: ", source, line);
    else
        n = snprintf(err, errlen, "%s: ", source);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

/* "<source>:<line>: <message>", or "<source>: <message>" for line 0. Returns -1. */
__attribute__((format(printf, 3, 4)))
static int fail(struct parse *ps, unsigned line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail_at(ps->err, ps->errlen, ps->source, line, fmt, ap);
    va_end(ap);
    return -1;
}

/* What a token is, for "expected X, found Y". */
static const char *describe(struct shown *buf, const struct token *t)
{
    switch (t->kind) {
    case T_EOF:      return "end of file";
    case T_NEWLINE:  return "end of line";
    case T_SEMI:     return "';'";
    case T_EQUALS:   return "'='";
    case T_COMMA:    return "','";
    case T_LBRACKET: return "'['";
    case T_RBRACKET: return "']'";
    case T_STRING:
    case T_WORD:
        break;
    }
    show(buf, t->start, t->len);
    /* Quote it without losing the escaping show() did. */
    memmove(buf->s + 1, buf->s, strlen(buf->s) + 1);
    buf->s[0] = '\'';
    strcat(buf->s, "'");
    return buf->s;
}

/* ------------------------------------------------------------------ */
/* Lexer                                                               */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_value(char c)
{
    if (is_digit(c))
        return (unsigned)(c - '0');
    return (unsigned)((c | 0x20) - 'a' + 10);
}

/* Bytes of an unquoted word: printable ASCII except the syntax characters. */
static bool is_word_char(char c)
{
    return c > ' ' && c < 0x7f && !strchr("=,;[]#\"'", c);
}

static bool is_blank(char c)
{
    /* '\r' so that files written on Windows read the same. */
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The character after a backslash, as libxlu decodes it; 0 if not a simple escape. */
static char escape_char(char c)
{
    switch (c) {
    case '"':  return '"';
    case '\'': return '\'';
    case '\\': return '\\';
    case 'a':  return '\a';
    case 'b':  return '\b';
    case 'f':  return '\f';
    case 'n':  return '\n';
    case 'r':  return '\r';
    case 't':  return '\t';
    case 'v':  return '\v';
    default:   return 0;
    }
}

/*
 * A quoted string starting at ps->p. Checks every escape now, so that
 * decoding it later cannot fail: a string never spans lines (as libxlu),
 * never holds a NUL (the config fields are C strings), and only has the
 * escapes libxlu knows, less its octal ones (libxlu reads "\101" as
 * decimal, so no file can rely on them meaning what they look like).
 */
static int lex_string(struct parse *ps)
{
    char quote = *ps->p;
    const char *s = ps->p + 1;
    struct shown sh;

    while (s < ps->end) {
        char c = *s;

        if (c == quote) {
            ps->tok.kind = T_STRING;
            ps->tok.len = (size_t)(s + 1 - ps->p);
            ps->p = s + 1;
            return 0;
        }
        if (c == '\n')
            return fail(ps, ps->line, "newline inside a quoted string (missing closing %c?)", quote);
        if (c == '\0')
            return fail(ps, ps->line, "NUL byte inside a quoted string");
        if (c != '\\') {
            s++;
            continue;
        }
        if (ps->end - s < 2)
            break;
        c = s[1];
        if (escape_char(c)) {
            s += 2;
        } else if (c == 'x') {
            if (ps->end - s < 4 || !is_hex(s[2]) || !is_hex(s[3]))
                return fail(ps, ps->line, "'\\x' must be followed by two hex digits");
            if (s[2] == '0' && s[3] == '0')
                return fail(ps, ps->line, "'\\x00' (NUL) is not allowed in a string");
            s += 4;
        } else if (c == '\n') {
            return fail(ps, ps->line, "newline inside a quoted string (missing closing %c?)", quote);
        } else {
            return fail(ps, ps->line, "unknown escape '\\%s' in a quoted string", show(&sh, &c, 1));
        }
    }
    return fail(ps, ps->line, "unterminated string (missing closing %c)", quote);
}

/* Read the next token into ps->tok. */
static int lex(struct parse *ps)
{
    struct token *t = &ps->tok;
    struct shown sh;
    char c;

    while (ps->p < ps->end) {
        if (is_blank(*ps->p)) {
            ps->p++;
        } else if (*ps->p == '#') {
            while (ps->p < ps->end && *ps->p != '\n')
                ps->p++;
        } else {
            break;
        }
    }

    t->line = ps->line;
    t->start = ps->p;
    t->len = 1;
    if (ps->p == ps->end) {
        t->kind = T_EOF;
        t->len = 0;
        return 0;
    }

    c = *ps->p;
    switch (c) {
    case '\n': t->kind = T_NEWLINE; ps->line++; break;
    case ';':  t->kind = T_SEMI; break;
    case '=':  t->kind = T_EQUALS; break;
    case ',':  t->kind = T_COMMA; break;
    case '[':  t->kind = T_LBRACKET; break;
    case ']':  t->kind = T_RBRACKET; break;
    case '"':
    case '\'':
        return lex_string(ps);
    default:
        if (!is_word_char(c))
            return fail(ps, ps->line, "unexpected character '%s'", show(&sh, &c, 1));
        while (ps->p < ps->end && is_word_char(*ps->p))
            ps->p++;
        t->kind = T_WORD;
        t->len = (size_t)(ps->p - t->start);
        return 0;
    }
    ps->p++;
    return 0;
}

static int skip_newlines(struct parse *ps)
{
    while (ps->tok.kind == T_NEWLINE)
        if (lex(ps))
            return -1;
    return 0;
}

/* Decode a T_STRING token that lex_string() accepted. */
static size_t decode_string(const struct token *t, char *out)
{
    const char *s = t->start + 1, *end = t->start + t->len - 1;
    size_t o = 0;

    while (s < end) {
        if (*s != '\\') {
            out[o++] = *s++;
        } else if (s[1] == 'x') {
            out[o++] = (char)(hex_value(s[2]) << 4 | hex_value(s[3]));
            s += 4;
        } else {
            out[o++] = escape_char(s[1]);
            s += 2;
        }
    }
    out[o] = '\0';
    return o;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */

static void value_free(struct value *v)
{
    size_t i;

    for (i = 0; i < v->nitems; i++)
        value_free(&v->items[i]);
    free(v->items);
    free(v->text);
    memset(v, 0, sizeof(*v));
}

static int parse_value(struct parse *ps, const char *key, struct value *v, int depth);

/* '[' value, value, ... ']' with newlines allowed anywhere and a trailing comma. */
static int parse_list(struct parse *ps, const char *key, struct value *v, int depth)
{
    struct shown sh;
    size_t cap = 0;

    if (depth > LIST_DEPTH_MAX)
        return fail(ps, v->line, "%s: lists nested more than %d deep", key, LIST_DEPTH_MAX);
    v->kind = V_LIST;
    if (lex(ps) || skip_newlines(ps))
        return -1;

    for (;;) {
        if (ps->tok.kind == T_RBRACKET)
            break;
        if (ps->tok.kind == T_EOF)
            return fail(ps, v->line, "%s: '[' without a matching ']'", key);
        if (v->nitems == LIST_ITEMS_MAX)
            return fail(ps, ps->tok.line, "%s: list longer than %d items", key, LIST_ITEMS_MAX);
        if (v->nitems == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct value *n = realloc(v->items, ncap * sizeof(*n));

            if (!n)
                return fail(ps, ps->tok.line, "out of memory");
            v->items = n;
            cap = ncap;
        }
        if (parse_value(ps, key, &v->items[v->nitems], depth)) {
            value_free(&v->items[v->nitems]);
            return -1;
        }
        v->nitems++;
        if (skip_newlines(ps))
            return -1;
        if (ps->tok.kind == T_COMMA) {
            if (lex(ps) || skip_newlines(ps))
                return -1;
            continue;
        }
        if (ps->tok.kind == T_RBRACKET)
            break;
        if (ps->tok.kind == T_EOF)
            return fail(ps, v->line, "%s: '[' without a matching ']'", key);
        return fail(ps, ps->tok.line, "%s: expected ',' or ']' in the list, found %s",
                    key, describe(&sh, &ps->tok));
    }
    return lex(ps);
}

/*
 * One value at ps->tok into *v (which the caller frees, also on error).
 * Leaves ps->tok at the token after it.
 */
static int parse_value(struct parse *ps, const char *key, struct value *v, int depth)
{
    struct shown sh;

    memset(v, 0, sizeof(*v));
    v->line = ps->tok.line;

    switch (ps->tok.kind) {
    case T_STRING:
        v->kind = V_STRING;
        v->text = malloc(ps->tok.len);     /* decoded is shorter than quoted */
        if (!v->text)
            return fail(ps, v->line, "out of memory");
        v->len = decode_string(&ps->tok, v->text);
        return lex(ps);
    case T_WORD:
        v->kind = V_WORD;
        v->text = strndup(ps->tok.start, ps->tok.len);
        if (!v->text)
            return fail(ps, v->line, "out of memory");
        v->len = ps->tok.len;
        return lex(ps);
    case T_LBRACKET:
        return parse_list(ps, key, v, depth + 1);
    default:
        return fail(ps, ps->tok.line, "expected a value for '%s', found %s",
                    key, describe(&sh, &ps->tok));
    }
}

/* ------------------------------------------------------------------ */
/* Values of keys                                                      */

enum takes { TAKES_LATER, TAKES_STRING, TAKES_NUMBER, TAKES_STRING_LIST };

struct cfg_key {
    const char *name;
    enum takes takes;
    const char *what;       /* "number of MiB", for "'x' is not a <what>" */
    /* Store a checked value; NULL for keys not supported yet. */
    int (*set)(struct parse *ps, const struct cfg_key *key, const struct value *v);
    const char *doc;        /* for xl.cfg(5) and nothing else */
};

enum num_result { NUM_OK, NUM_BAD, NUM_NEGATIVE, NUM_FRACTION, NUM_LEADING_ZERO };

/*
 * A number as xl.cfg(5) writes one: decimal or 0x hex. Too large
 * saturates to UINT64_MAX, for the caller's range check to report. xl
 * reads a leading 0 as octal (strtol base 0); we refuse it rather than
 * read "010" differently from xl.
 */
static enum num_result parse_number(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    bool neg = false, over = false;
    unsigned base = 10, d;
    const char *p;

    if (*s == '-') {
        neg = true;
        s++;
    }
    if (!is_digit(*s))
        return NUM_BAD;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return NUM_BAD;
    } else if (s[0] == '0' && is_digit(s[1])) {
        return NUM_LEADING_ZERO;
    }
    for (p = s; *p; p++) {
        if (base == 16 ? !is_hex(*p) : !is_digit(*p))
            break;
        d = hex_value(*p);
        if (v > (UINT64_MAX - d) / base)
            over = true;
        else
            v = v * base + d;
    }
    if (*p == '.' && base == 10) {
        for (p++; is_digit(*p); p++)
            ;
        return *p ? NUM_BAD : NUM_FRACTION;
    }
    if (*p)
        return NUM_BAD;
    if (neg && (v || over))
        return NUM_NEGATIVE;
    *out = over ? UINT64_MAX : v;
    return NUM_OK;
}

/* Check v is the kind of value the key takes; for numbers, fill v->num. */
static int check_value(struct parse *ps, const struct cfg_key *k, struct value *v, unsigned line)
{
    struct shown sh;

    if (k->takes == TAKES_STRING_LIST) {
        if (v->kind != V_LIST)
            return fail(ps, line, "%s: expected a %s", k->name, k->what);
        for (size_t i = 0; i < v->nitems; i++)
            if (v->items[i].kind != V_STRING)
                return fail(ps, v->items[i].line, "%s: item %zu is not a quoted string", k->name,
                            i + 1);
        return 0;
    }
    if (v->kind == V_LIST)
        return fail(ps, line, "%s: expected a %s, not a list", k->name, k->what);

    if (k->takes == TAKES_STRING) {
        if (v->kind != V_STRING)
            return fail(ps, line, "%s: expected a %s, not '%s'", k->name, k->what,
                        show(&sh, v->text, v->len));
        return 0;
    }

    if (v->kind == V_STRING)
        return fail(ps, line, "%s: expected a %s, not the string \"%s\"", k->name, k->what,
                    show(&sh, v->text, v->len));
    switch (parse_number(v->text, &v->num)) {
    case NUM_OK:
        return 0;
    case NUM_NEGATIVE:
        return fail(ps, line, "%s: '%s' is not a positive %s", k->name,
                    show(&sh, v->text, v->len), k->what);
    case NUM_FRACTION:
        return fail(ps, line, "%s: '%s' is not a whole %s", k->name,
                    show(&sh, v->text, v->len), k->what);
    case NUM_LEADING_ZERO:
        return fail(ps, line, "%s: '%s' has a leading zero, which xl reads as octal", k->name,
                    show(&sh, v->text, v->len));
    case NUM_BAD:
        break;
    }
    return fail(ps, line, "%s: '%s' is not a %s", k->name, show(&sh, v->text, v->len), k->what);
}

static bool is_name_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}

static int set_name(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    struct shown sh;
    bool all_digits = true;
    size_t i;

    if (v->len == 0)
        return fail(ps, v->line, "%s: empty name", k->name);
    if (v->len >= sizeof(ps->cfg.name))
        return fail(ps, v->line, "%s: '%s' is longer than %zu characters", k->name,
                    show(&sh, v->text, v->len), sizeof(ps->cfg.name) - 1);
    for (i = 0; i < v->len; i++) {
        if (!is_name_char(v->text[i]))
            return fail(ps, v->line, "%s: '%s' has a character other than A-Z a-z 0-9 _ . -",
                        k->name, show(&sh, v->text, v->len));
        all_digits = all_digits && is_digit(v->text[i]);
    }
    /* xl takes a number where a domain is named as a domid. */
    if (all_digits)
        return fail(ps, v->line, "%s: '%s' is all digits, which reads as a domain id",
                    k->name, v->text);
    if (!strcmp(v->text, "Domain-0"))
        return fail(ps, v->line, "%s: 'Domain-0' is reserved for Dom0", k->name);
    memcpy(ps->cfg.name, v->text, v->len + 1);
    ps->has_name = true;
    return 0;
}

/* Skip leading "./" so "./vmlinuz" against "/srv/xen" is "/srv/xen/vmlinuz". */
static const char *skip_dot_slash(const char *s)
{
    while (s[0] == '.' && s[1] == '/' && s[2]) {
        s += 2;
        while (*s == '/' && s[1])
            s++;
    }
    return s;
}

/* Append s to out[*o], with a '/' between parts. False if it does not fit. */
static bool path_append(char *out, size_t outlen, size_t *o, const char *s)
{
    size_t n = strlen(s);

    if (*o && out[*o - 1] != '/') {
        if (*o + 1 >= outlen)
            return false;
        out[(*o)++] = '/';
    }
    if (n >= outlen - *o)
        return false;
    memcpy(out + *o, s, n + 1);
    *o += n;
    return true;
}

/*
 * Make `path` absolute: as is if it is, else against base_dir, itself
 * against the cwd if relative or NULL. The daemon and the builder may run
 * elsewhere, so the config never carries a relative path.
 * Returns 0, -ENAMETOOLONG, or -errno of getcwd().
 */
static int resolve_path(const char *base_dir, const char *path, char *out, size_t outlen)
{
    char cwd[PATH_MAX];
    size_t o = 0;

    out[0] = '\0';
    if (path[0] != '/') {
        if (!base_dir || base_dir[0] != '/') {
            if (!getcwd(cwd, sizeof(cwd)))
                return -errno;
            if (!path_append(out, outlen, &o, cwd))
                return -ENAMETOOLONG;
        }
        if (base_dir) {
            base_dir = skip_dot_slash(base_dir);
            if (strcmp(base_dir, ".") && !path_append(out, outlen, &o, base_dir))
                return -ENAMETOOLONG;
        }
        path = skip_dot_slash(path);
    }
    if (!path_append(out, outlen, &o, path))
        return -ENAMETOOLONG;
    return 0;
}

static int set_kernel(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    struct shown sh;
    int rc;

    if (v->len == 0)
        return fail(ps, v->line, "%s: empty path", k->name);
    rc = resolve_path(ps->base_dir, v->text, ps->cfg.kernel, sizeof(ps->cfg.kernel));
    if (rc == -ENAMETOOLONG)
        return fail(ps, v->line, "%s: '%s' makes a path longer than %d bytes", k->name,
                    show(&sh, v->text, v->len), PATH_MAX - 1);
    if (rc)
        return fail(ps, v->line, "%s: cannot resolve '%s': %s", k->name,
                    show(&sh, v->text, v->len), strerror(-rc));
    ps->has_kernel = true;
    return 0;
}

/* cmdline, root, extra: a string that fits the command line buffer. */
static int set_text(struct parse *ps, const struct cfg_key *k, const struct value *v,
                    char *dst, bool *given)
{
    if (v->len >= CMDLINE_MAX)
        return fail(ps, v->line, "%s: %zu bytes is longer than the %zu-byte limit", k->name,
                    v->len, CMDLINE_MAX - 1);
    memcpy(dst, v->text, v->len + 1);
    *given = true;
    return 0;
}

static int set_cmdline(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    return set_text(ps, k, v, ps->cfg.cmdline, &ps->has_cmdline);
}

static int set_root(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    return set_text(ps, k, v, ps->root, &ps->has_root);
}

static int set_extra(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    return set_text(ps, k, v, ps->extra, &ps->has_extra);
}

static int set_memory(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    struct shown sh;

    if (v->num == 0)
        return fail(ps, v->line, "%s: '%s' is not a positive %s", k->name,
                    show(&sh, v->text, v->len), k->what);
    if (v->num > XL_CONFIG_MEMORY_MAX_MIB)
        return fail(ps, v->line, "%s: %s MiB is more than the 1 TiB limit", k->name,
                    show(&sh, v->text, v->len));
    ps->cfg.memory_mib = v->num;
    snprintf(ps->cfg.memory_origin, sizeof(ps->cfg.memory_origin), "%s:%u", ps->source, v->line);
    return 0;
}

static int set_vcpus(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    struct shown sh;

    if (v->num < 1 || v->num > XLCTL_MAX_VCPUS)
        return fail(ps, v->line, "%s: %s is out of range (1..%u)", k->name,
                    show(&sh, v->text, v->len), XLCTL_MAX_VCPUS);
    ps->cfg.vcpus = (uint32_t)v->num;
    return 0;
}

static int set_maxvcpus(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    struct shown sh;

    if (v->num < 1 || v->num > XLCTL_MAX_VCPUS)
        return fail(ps, v->line, "%s: %s is out of range (1..%u)", k->name,
                    show(&sh, v->text, v->len), XLCTL_MAX_VCPUS);
    ps->cfg.max_vcpus = (uint32_t)v->num;
    return 0;
}

static int set_max_grant_frames(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    struct shown sh;

    if (v->num < 1 || v->num > XLCTL_GNTTAB_MAX_FRAMES)
        return fail(ps, v->line, "%s: %s is out of range (1..%u)", k->name,
                    show(&sh, v->text, v->len), XLCTL_GNTTAB_MAX_FRAMES);
    ps->cfg.max_grant_frames = (uint32_t)v->num;
    return 0;
}

/* disk = [ 'spec', ... ]: each item parsed by device_spec.c; the list
 * replaces any earlier one, as a key given twice does. */
static int set_disk(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    char why[256];
    if (v->nitems > XL_MAX_DISKS)
        return fail(ps, v->line, "%s: %zu disks, at most %u", k->name, v->nitems, XL_MAX_DISKS);
    ps->cfg.n_disks = 0;
    for (size_t i = 0; i < v->nitems; i++) {
        struct xl_disk *d = &ps->cfg.disks[i];
        if (xl_disk_parse(v->items[i].text, d, why, sizeof(why)))
            return fail(ps, v->items[i].line, "%s", why);
        char given[PATH_MAX];
        memcpy(given, d->target, sizeof(given));
        if (resolve_path(ps->base_dir, given, d->target, sizeof(d->target)))
            return fail(ps, v->items[i].line, "disk: cannot resolve target '%.64s'", given);
        for (size_t j = 0; j < i; j++)
            if (ps->cfg.disks[j].devid == d->devid)
                return fail(ps, v->items[i].line, "disk: vdev '%s' is given twice", d->vdev);
        ps->cfg.n_disks++;
    }
    return 0;
}

static int set_vif(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    char why[256];
    if (v->nitems > XL_MAX_VIFS)
        return fail(ps, v->line, "%s: %zu vifs, at most %u", k->name, v->nitems, XL_MAX_VIFS);
    ps->cfg.n_vifs = 0;
    for (size_t i = 0; i < v->nitems; i++) {
        if (xl_vif_parse(v->items[i].text, &ps->cfg.vifs[i], why, sizeof(why)))
            return fail(ps, v->items[i].line, "%s", why);
        ps->cfg.vifs[i].devid = (uint32_t)i;
        ps->cfg.n_vifs++;
    }
    return 0;
}

static int set_type(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    struct shown sh;

    /* libxl matches enum names case-insensitively. */
    if (!strcasecmp(v->text, "pv"))
        ps->cfg.type = XL_TYPE_PV;
    else if (!strcasecmp(v->text, "pvh"))
        ps->cfg.type = XL_TYPE_PVH;
    else if (!strcasecmp(v->text, "hvm"))
        return fail(ps, v->line, "%s: 'hvm' is not supported (pv or pvh)", k->name);
    else
        return fail(ps, v->line, "%s: '%s' is not a guest type (pv or pvh)", k->name,
                    show(&sh, v->text, v->len));
    return 0;
}

/* xl's action keywords, in xl's order; those without an action are not ours yet. */
static const struct {
    const char *name;
    int action;             /* enum xlctl_action, or -1 */
} actions[] = {
    { "destroy",          XLCTL_ACTION_DESTROY },
    { "restart",          XLCTL_ACTION_RESTART },
    { "rename-restart",   -1 },
    { "preserve",         XLCTL_ACTION_PRESERVE },
    { "coredump-destroy", -1 },
    { "coredump-restart", -1 },
    { "soft-reset",       -1 },
};

static int set_action(struct parse *ps, const struct cfg_key *k, const struct value *v,
                      uint8_t *dst)
{
    struct shown sh;
    size_t i;

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(v->text, actions[i].name))
            continue;
        if (actions[i].action < 0)
            return fail(ps, v->line,
                        "%s: '%s' is not supported yet (destroy, restart or preserve)",
                        k->name, actions[i].name);
        *dst = (uint8_t)actions[i].action;
        return 0;
    }
    return fail(ps, v->line, "%s: '%s' is not an action (destroy, restart or preserve)",
                k->name, show(&sh, v->text, v->len));
}

static int set_on_poweroff(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    return set_action(ps, k, v, &ps->cfg.on_poweroff);
}

static int set_on_reboot(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    return set_action(ps, k, v, &ps->cfg.on_reboot);
}

static int set_on_crash(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    return set_action(ps, k, v, &ps->cfg.on_crash);
}

static int set_uuid(struct parse *ps, const struct cfg_key *k, const struct value *v)
{
    struct shown sh;
    const char *s = v->text;
    unsigned b = 0;
    size_t i;

    if (v->len != 36)
        goto bad;
    for (i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-' : !is_hex(s[i]))
            goto bad;
    }
    for (i = 0; i < 36; i += 2) {
        if (s[i] == '-')
            i++;
        ps->cfg.uuid[b++] = (uint8_t)(hex_value(s[i]) << 4 | hex_value(s[i + 1]));
    }
    ps->cfg.has_uuid = true;
    return 0;
bad:
    return fail(ps, v->line, "%s: '%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                k->name, show(&sh, v->text, v->len));
}

#define LATER(key) { key, TAKES_LATER, NULL, NULL, NULL }

/*
 * Every key xl.cfg(5) documents. A row without a handler is a key Xen has
 * and Xenolith does not implement yet: an error, not silently ignored.
 */
static const struct cfg_key keys[] = {
    { "name",        TAKES_STRING, "quoted name",     set_name,
      "The domain's name: 1-63 of A-Z a-z 0-9 _ . -, not all digits, unique among running domains. Required." },
    { "type",        TAKES_STRING, "quoted type",     set_type,
      "pv or pvh: the boot path. Without it the builder picks from the kernel's ELF notes (XEN_ELFNOTE_PHYS32_ENTRY means PVH)." },
    { "memory",      TAKES_NUMBER, "number of MiB",   set_memory,
      "MiB of RAM, default 128. Above the host's free memory the domain is refused, naming this line." },
    { "vcpus",       TAKES_NUMBER, "number of vCPUs", set_vcpus,
      "Number of virtual CPUs, default 1, at most 32. Each is a thread of the hypervisor daemon." },
    { "maxvcpus",    TAKES_NUMBER, "number of vCPUs", set_maxvcpus,
      "vCPUs the domain may bring online later (xl vcpu-set); vcpus is how many start online. Default: vcpus." },
    { "kernel",      TAKES_STRING, "quoted path",     set_kernel,
      "The guest kernel, an ELF image with Xen notes; a relative path is relative to the config file. Required." },
    { "cmdline",     TAKES_STRING, "quoted string",   set_cmdline,
      "The kernel command line. Xenolith's guest reads app=NAME and the app's options from it." },
    { "root",        TAKES_STRING, "quoted string",   set_root,
      "Prepended to the command line as root=VALUE when cmdline is not given, as xl does." },
    { "extra",       TAKES_STRING, "quoted string",   set_extra,
      "Appended to the command line when cmdline is not given, as xl does." },
    { "on_poweroff", TAKES_STRING, "quoted action",   set_on_poweroff,
      "What to do when the guest powers off: destroy (default), restart, or preserve (keep it listed, shut down)." },
    { "on_reboot",   TAKES_STRING, "quoted action",   set_on_reboot,
      "What to do when the guest reboots: restart (default), destroy or preserve." },
    { "on_crash",    TAKES_STRING, "quoted action",   set_on_crash,
      "What to do when the guest crashes: destroy (default), restart or preserve." },
    { "uuid",        TAKES_STRING, "quoted UUID",     set_uuid,
      "The domain's UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); random when not given. Written to /vm/UUID." },
    { "max_grant_frames", TAKES_NUMBER, "number of frames", set_max_grant_frames,
      "Grant table frames the guest may set up (512 grants each), 1..64; default 64." },
    { "disk",        TAKES_STRING_LIST, "list of quoted disk specs", set_disk,
      "A list of disks, each a string as in xl-disk-configuration: 'vdev=xvda,access=rw,target=/img/a.img' (target last) or positional '/img/a.img,raw,xvda,rw'. Format raw; access r or w. A relative target is relative to the config file. Served by blkback." },
    { "vif",         TAKES_STRING_LIST, "list of quoted vif specs",  set_vif,
      "A list of network interfaces, each 'mac=00:16:3e:xx:xx:xx,bridge=NAME,ip=A.B.C.D': bridge defaults to xenbr0 (a switch inside netback; tap:NAME also joins host TAP device NAME); mac defaults to a random 00:16:3e address; ip reaches the guest through xenstore." },

    /* Guest type, CPUs, memory, actions. */
    LATER("builder"), LATER("pvh"), LATER("pool"), LATER("cpus"),
    LATER("cpus_soft"), LATER("cpu_weight"), LATER("cap"), LATER("maxmem"), LATER("vnuma"),
    LATER("on_watchdog"), LATER("on_soft_reset"),
    /* Boot. */
    LATER("ramdisk"), LATER("firmware"), LATER("pvshim"), LATER("pvshim_path"),
    LATER("pvshim_cmdline"), LATER("pvshim_extra"), LATER("bootloader"),
    LATER("bootloader_args"), LATER("bootloader_restrict"), LATER("bootloader_user"),
    /* Other general options. */
    LATER("seclabel"), LATER("init_seclabel"), LATER("max_maptrack_frames"), LATER("max_grant_version"), LATER("nomigrate"),
    LATER("driver_domain"), LATER("device_tree"), LATER("passthrough"),
    LATER("xend_suspend_evtchn_compat"), LATER("vmtrace_buf_kb"), LATER("vpmu"),
    LATER("e820_host"), LATER("max_event_channels"),
    /* Devices. */
    LATER("vtpm"), LATER("p9"), LATER("pvcalls"), LATER("vfb"),
    LATER("channel"), LATER("rdm"), LATER("usbctrl"), LATER("usbdev"), LATER("pci"),
    LATER("pci_permissive"), LATER("pci_msitranslate"), LATER("pci_seize"),
    LATER("pci_power_mgmt"), LATER("gfx_passthru"), LATER("rdm_mem_boundary"),
    LATER("dtdev"), LATER("ioports"), LATER("iomem"), LATER("irqs"), LATER("vdispl"),
    LATER("dm_restrict"), LATER("device_model_user"), LATER("vsnd"), LATER("vkb"),
    LATER("virtio"), LATER("tee"),
    /* HVM. */
    LATER("boot"), LATER("hdtype"), LATER("hap"), LATER("oos"), LATER("shadow_memory"),
    LATER("bios"), LATER("bios_path_override"), LATER("pae"), LATER("acpi"),
    LATER("acpi_s3"), LATER("acpi_s4"), LATER("acpi_laptop_slate"), LATER("apic"),
    LATER("nx"), LATER("hpet"), LATER("altp2m"), LATER("altp2mhvm"), LATER("nestedhvm"),
    LATER("cpuid"), LATER("acpi_firmware"), LATER("smbios_firmware"), LATER("smbios"),
    LATER("ms_vm_genid"), LATER("tsc_mode"), LATER("localtime"), LATER("rtc_timeoffset"),
    LATER("vpt_align"), LATER("timer_mode"), LATER("mmio_hole"), LATER("xen_platform_pci"),
    LATER("viridian"), LATER("hvm_pirq"), LATER("videoram"), LATER("stdvga"), LATER("vga"),
    LATER("vnc"), LATER("vnclisten"), LATER("vncdisplay"), LATER("vncunused"),
    LATER("vncpasswd"), LATER("keymap"), LATER("sdl"), LATER("opengl"), LATER("nographic"),
    LATER("spice"), LATER("spicehost"), LATER("spiceport"), LATER("spicetls_port"),
    LATER("spicedisable_ticketing"), LATER("spicepasswd"), LATER("spiceagent_mouse"),
    LATER("spicevdagent"), LATER("spice_clipboard_sharing"), LATER("spiceusbredirection"),
    LATER("spice_image_compression"), LATER("spice_streaming_video"), LATER("serial"),
    LATER("soundhw"), LATER("vkb_device"), LATER("usb"), LATER("usbversion"),
    LATER("usbdevice"), LATER("vendor_device"),
    /* Device model. */
    LATER("device_model_version"), LATER("device_model_override"),
    LATER("stubdomain_kernel"), LATER("stubdomain_cmdline"), LATER("stubdomain_ramdisk"),
    LATER("stubdomain_memory"), LATER("device_model_stubdomain_override"),
    LATER("device_model_stubdomain_seclabel"), LATER("device_model_args"),
    LATER("device_model_args_pv"), LATER("device_model_args_hvm"),
    /* Architecture specific. */
    LATER("gic_version"), LATER("vuart"), LATER("sve"), LATER("mca_caps"),
    LATER("msr_relaxed"),
};

static const struct cfg_key *key_lookup(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strlen(keys[i].name) == n && !memcmp(keys[i].name, s, n))
            return &keys[i];
    return NULL;
}

/* libxlu's identifiers, plus upper case: [A-Za-z_][A-Za-z0-9_]*. */
static bool is_key(const char *s, size_t n)
{
    size_t i;

    if (!is_alpha(s[0]) && s[0] != '_')
        return false;
    for (i = 1; i < n; i++)
        if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_')
            return false;
    return true;
}

/* KEY '=' VALUE (';' | newline | end of file), with ps->tok at KEY. */
static int parse_assignment(struct parse *ps)
{
    struct token key = ps->tok;
    const struct cfg_key *k;
    struct value v;
    struct shown sh;
    int rc;

    if (!is_key(key.start, key.len))
        return fail(ps, key.line, "'%s' is not a key (letters, digits and '_')",
                    show(&sh, key.start, key.len));
    k = key_lookup(key.start, key.len);
    if (!k)
        return fail(ps, key.line, "unknown key '%s'", show(&sh, key.start, key.len));
    if (!k->set)
        return fail(ps, key.line, "key '%s' is not supported yet", k->name);

    if (lex(ps))
        return -1;
    if (ps->tok.kind != T_EQUALS)
        return fail(ps, ps->tok.line, "expected '=' after '%s', found %s", k->name,
                    describe(&sh, &ps->tok));
    if (lex(ps))
        return -1;

    rc = parse_value(ps, k->name, &v, 0);
    if (!rc && ps->tok.kind != T_EOF && ps->tok.kind != T_NEWLINE && ps->tok.kind != T_SEMI)
        rc = fail(ps, ps->tok.line, "expected ';' or a new line after the value of '%s', found %s",
                  k->name, describe(&sh, &ps->tok));
    if (!rc)
        rc = check_value(ps, k, &v, key.line);
    if (!rc) {
        v.line = key.line;
        rc = k->set(ps, k, &v);
    }
    value_free(&v);
    return rc;
}

/* Parse and apply one text. `line` is the number of its first line. */
static int parse_source(struct parse *ps, const char *text, size_t len, const char *source,
                        const char *base_dir, unsigned line)
{
    struct shown sh;

    ps->source = source;
    ps->base_dir = base_dir;
    ps->p = text;
    ps->end = text + len;
    ps->line = line;

    if (lex(ps))
        return -1;
    for (;;) {
        switch (ps->tok.kind) {
        case T_EOF:
            return 0;
        case T_NEWLINE:
        case T_SEMI:
            if (lex(ps))
                return -1;
            break;
        case T_WORD:
            if (parse_assignment(ps))
                return -1;
            break;
        default:
            return fail(ps, ps->tok.line, "expected a key, found %s", describe(&sh, &ps->tok));
        }
    }
}

/* ------------------------------------------------------------------ */
/* Whole configurations                                                */

static void parse_init(struct parse *ps, char *err, size_t errlen)
{
    memset(ps, 0, sizeof(*ps));
    xl_config_init(&ps->cfg);
    ps->err = err;
    ps->errlen = errlen;
    if (err && errlen)
        err[0] = '\0';
}

/* The checks that need the whole configuration; `source` names the file. */
static int parse_finish(struct parse *ps, const char *source)
{
    int n;

    ps->source = source;
    if (!ps->has_name)
        return fail(ps, 0, "missing required key 'name'");
    if (!ps->has_kernel)
        return fail(ps, 0, "missing required key 'kernel'");
    if (ps->cfg.max_vcpus && ps->cfg.max_vcpus < ps->cfg.vcpus)
        return fail(ps, 0, "maxvcpus (%u) is less than vcpus (%u)", ps->cfg.max_vcpus,
                    ps->cfg.vcpus);

    /* As xl: cmdline wins; else "root=<root> <extra>", "root=<root>" or "<extra>". */
    if (ps->has_cmdline || (!ps->has_root && !ps->has_extra))
        return 0;
    if (ps->has_root && ps->has_extra)
        n = snprintf(ps->cfg.cmdline, CMDLINE_MAX, "root=%s %s", ps->root, ps->extra);
    else if (ps->has_root)
        n = snprintf(ps->cfg.cmdline, CMDLINE_MAX, "root=%s", ps->root);
    else
        n = snprintf(ps->cfg.cmdline, CMDLINE_MAX, "%s", ps->extra);
    if (n < 0 || (size_t)n >= CMDLINE_MAX)
        return fail(ps, 0, "'root' and 'extra' make a %d-byte command line, more than the %zu-byte limit",
                    n, CMDLINE_MAX - 1);
    return 0;
}

void xl_config_init(struct xl_domain_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->memory_mib = 128;
    cfg->vcpus = 1;
    cfg->type = XL_TYPE_AUTO;
    cfg->on_poweroff = XLCTL_ACTION_DESTROY;
    cfg->on_reboot = XLCTL_ACTION_RESTART;
    cfg->on_crash = XLCTL_ACTION_DESTROY;
}

int xl_config_parse_text(const char *text, size_t len, const char *source, const char *base_dir,
                         struct xl_domain_config *cfg, char *err, size_t errlen)
{
    struct parse ps;

    if (!source)
        source = "config";
    parse_init(&ps, err, errlen);
    ps.source = source;
    if (!text && len)
        return fail(&ps, 0, "no text");
    if (parse_source(&ps, text ? text : "", len, source, base_dir, 1) ||
        parse_finish(&ps, source))
        return -1;
    *cfg = ps.cfg;
    return 0;
}

/* The whole file, at most XL_CONFIG_FILE_MAX bytes. Returns 0 or -1 with errno set. */
static int read_file(const char *path, char **text_r, size_t *len_r)
{
    size_t cap = XL_CONFIG_FILE_MAX + 1, len = 0;
    char *buf;
    ssize_t n;
    int fd, saved;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    buf = malloc(cap);
    if (!buf)
        goto err_close;
    while (len < cap) {
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto err_free;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > XL_CONFIG_FILE_MAX) {
        errno = EFBIG;
        goto err_free;
    }
    close(fd);
    *text_r = buf;
    *len_r = len;
    return 0;

err_free:
    saved = errno;
    free(buf);
    errno = saved;
err_close:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int xl_config_parse_file(const char *path, char *const *overrides, int n_overrides,
                         struct xl_domain_config *cfg, char *err, size_t errlen)
{
    struct parse ps;
    const char *slash;
    char *text, *dir = NULL;
    size_t len;
    int i, rc;

    parse_init(&ps, err, errlen);
    ps.source = path ? path : "(null)";
    if (!path)
        return fail(&ps, 0, "no file given");
    if (read_file(path, &text, &len)) {
        if (errno == EFBIG)
            return fail(&ps, 0, "larger than %u bytes, not a config file", XL_CONFIG_FILE_MAX);
        return fail(&ps, 0, "cannot read: %s", strerror(errno));
    }

    slash = strrchr(path, '/');
    if (slash) {
        dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
        if (!dir) {
            free(text);
            return fail(&ps, 0, "out of memory");
        }
    }
    rc = parse_source(&ps, text, len, path, dir, 1);
    free(text);
    free(dir);
    if (rc)
        return -1;

    if (!overrides)
        n_overrides = 0;
    for (i = 0; i < n_overrides; i++) {
        const char *o = overrides[i] ? overrides[i] : "";

        if (parse_source(&ps, o, strlen(o), "command line", NULL, (unsigned)i + 1))
            return -1;
    }

    if (parse_finish(&ps, path))
        return -1;
    *cfg = ps.cfg;
    return 0;
}

const char *xl_action_name(uint8_t action)
{
    switch (action) {
    case XLCTL_ACTION_DESTROY:  return "destroy";
    case XLCTL_ACTION_RESTART:  return "restart";
    case XLCTL_ACTION_PRESERVE: return "preserve";
    default:                    return "unknown";
    }
}

void xl_config_each_key(void (*fn)(const char *name, const char *what, const char *doc, void *arg),
                        void *arg)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        fn(keys[i].name, keys[i].what, keys[i].set ? keys[i].doc : NULL, arg);
}
