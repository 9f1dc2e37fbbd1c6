/*
 * html_svg.c -- see html_svg.h. A small XML tokenizer for the subset gnuplot
 * writes: tags with quoted attributes, text, comments, the prolog. The
 * picture is written to a memory stream as it is read, and copied to the
 * caller's stream only once all of it passed.
 */
#include "html_svg.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The elements that may pass: drawing, grouping, definitions, filters. */
static const char *const allowed_elements[] = {
    "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "use", "symbol", "clipPath", "pattern", "marker",
    "mask", "linearGradient", "radialGradient", "stop", "filter", "feFlood", "feComposite",
    "feOffset", "feGaussianBlur", "feBlend", "feMerge", "feMergeNode", "feColorMatrix",
};

/* The functions a value may call (url only as url(#id)). */
static const char *const allowed_functions[] = {
    "url", "rgb", "rgba", "translate", "rotate", "scale", "matrix", "skewX", "skewY",
};

/* The reader's state: the text, where it is, and what it has written. */
struct svg_parse {
    const char *s;
    size_t n, i;
    int line;
    FILE *out;
    const char *prefix;
    size_t stack[PB_SVG_MAX_DEPTH][2]; /* open elements: offset and length of each name */
    int depth;
    int root_seen;
    char *err;
    size_t errlen;
};

static int fail(struct svg_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record why the picture is refused ("line N: ..."); returns -1. */
static int fail(struct svg_parse *p, const char *fmt, ...)
{
    int used = snprintf(p->err, p->errlen, "line %d: ", p->line);
    if (used < 0 || (size_t)used >= p->errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + used, p->errlen - (size_t)used, fmt, ap);
    va_end(ap);
    return -1;
}

static int starts(const struct svg_parse *p, const char *lit)
{
    size_t k = strlen(lit);
    return p->n - p->i >= k && memcmp(p->s + p->i, lit, k) == 0;
}

/* Move on k bytes, counting lines. */
static void advance(struct svg_parse *p, size_t k)
{
    for (size_t j = 0; j < k && p->i < p->n; j++)
        p->line += p->s[p->i++] == '\n';
}

static void skip_space(struct svg_parse *p)
{
    while (p->i < p->n && isspace((unsigned char)p->s[p->i]))
        advance(p, 1);
}

/* Skip past the next occurrence of end; -1 when there is none. */
static int skip_past(struct svg_parse *p, const char *end)
{
    while (p->i < p->n && !starts(p, end))
        advance(p, 1);
    if (p->i >= p->n)
        return -1;
    advance(p, strlen(end));
    return 0;
}

static int in_list(const char *name, size_t len, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strlen(list[k]) == len && memcmp(list[k], name, len) == 0)
            return 1;
    return 0;
}

/* The length of a plain character reference at s (&lt; &gt; &amp; &quot;
 * &apos; &#N; &#xH;), 0 when s starts none. */
static size_t char_ref(const char *s, size_t n)
{
    static const char *const named[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
    for (size_t k = 0; k < 5; k++)
        if (n >= strlen(named[k]) && memcmp(s, named[k], strlen(named[k])) == 0)
            return strlen(named[k]);
    if (n < 4 || s[0] != '&' || s[1] != '#')
        return 0;
    int hex = s[2] == 'x';
    size_t j = hex ? 3 : 2, digits = 0;
    while (j < n && digits < 7 &&
           (hex ? isxdigit((unsigned char)s[j]) : isdigit((unsigned char)s[j]))) {
        j++;
        digits++;
    }
    return digits && j < n && s[j] == ';' ? j + 1 : 0;
}

/* Write s[0..n) escaped for text or a double-quoted attribute value. */
static void put_escaped(FILE *f, const char *s, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        unsigned char c = (unsigned char)s[j];
        size_t ref = c == '&' ? char_ref(s + j, n - j) : 0;
        if (ref) {
            fwrite(s + j, 1, ref, f);
            j += ref - 1;
        } else if (c == '&') {
            fputs("&amp;", f);
        } else if (c == '<') {
            fputs("&lt;", f);
        } else if (c == '>') {
            fputs("&gt;", f);
        } else if (c == '"') {
            fputs("&quot;", f);
        } else if (c == '\'') {
            fputs("&#39;", f);
        } else if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
            fputc(c, f);
        } /* other control characters are dropped */
    }
}

/* A name ([A-Za-z_:][A-Za-z0-9_:.-]*) at the reader: its length, 0 when none. */
static size_t name_at(const struct svg_parse *p)
{
    size_t j = p->i;
    if (j >= p->n || !(isalpha((unsigned char)p->s[j]) || p->s[j] == '_' || p->s[j] == ':'))
        return 0;
    while (j < p->n && (isalnum((unsigned char)p->s[j]) || strchr("_:.-", p->s[j])))
        j++;
    return j - p->i;
}

/* Whether every function called in value v (n bytes) is allowed and every
 * url() points into the picture ("url(#id)"). */
static int value_calls_ok(const char *v, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        if (v[j] != '(')
            continue;
        size_t k = j;
        while (k > 0 && isalpha((unsigned char)v[k - 1]))
            k--;
        if (!in_list(v + k, j - k, allowed_functions,
                     sizeof allowed_functions / sizeof *allowed_functions))
            return 0;
        size_t after = j + 1;
        while (after < n && v[after] == ' ')
            after++;
        if (j - k == 3 && memcmp(v + k, "url", 3) == 0 && (after >= n || v[after] != '#'))
            return 0;
    }
    return 1;
}

static int is_href(const char *name, size_t nl)
{
    return (nl == 4 && memcmp(name, "href", 4) == 0) ||
           (nl > 5 && memcmp(name + nl - 5, ":href", 5) == 0);
}

/* Whether the '#' at v[j] starts the id of a url(#id). */
static int url_id_at(const char *v, size_t j)
{
    while (j > 0 && v[j - 1] == ' ')
        j--;
    return j >= 4 && memcmp(v + j - 4, "url(", 4) == 0;
}

/* Write value v (n bytes) of attribute name (nl bytes), with the prefix put
 * before every id it names: the id itself, the "#id" of an href, url(#id)
 * (a colour "#ffffff" stays as it is). */
static void put_value(const struct svg_parse *p, const char *name, size_t nl, const char *v,
                      size_t n)
{
    FILE *f = p->out;
    if (nl == 2 && memcmp(name, "id", 2) == 0) {
        fputs(p->prefix, f);
        put_escaped(f, v, n);
        return;
    }
    size_t from = 0;
    for (size_t j = 0; j < n; j++) {
        if (v[j] != '#' || !((j == 0 && is_href(name, nl)) || url_id_at(v, j)))
            continue;
        put_escaped(f, v + from, j + 1 - from);
        fputs(p->prefix, f);
        from = j + 1;
    }
    put_escaped(f, v + from, n - from);
}

/* Check attribute name = v (its value, n bytes) of an element. 0 ok; -1 refused. */
static int check_attribute(struct svg_parse *p, const char *name, size_t nl, const char *v,
                           size_t n)
{
    if (nl >= 2 && strncasecmp(name, "on", 2) == 0)
        return fail(p, "event attribute %.*s", (int)nl, name);
    if (is_href(name, nl) && (n == 0 || v[0] != '#'))
        return fail(p, "%.*s leads out of the picture", (int)nl, name);
    if (memchr(v, '<', n))
        return fail(p, "'<' in the value of %.*s", (int)nl, name);
    if (!value_calls_ok(v, n))
        return fail(p, "the value of %.*s calls a function other than url(#id), rgb() or a "
                       "transform", (int)nl, name);
    for (size_t j = 0; j + 11 <= n; j++)
        if (strncasecmp(v + j, "javascript:", 11) == 0)
            return fail(p, "javascript: in the value of %.*s", (int)nl, name);
    return 0;
}

/* One attribute at the reader (name="value" or name='value'): checked and
 * written. 0 ok; -1 refused. */
static int attribute(struct svg_parse *p)
{
    size_t nl = name_at(p);
    if (!nl)
        return fail(p, "expected an attribute name");
    const char *name = p->s + p->i;
    advance(p, nl);
    skip_space(p);
    if (p->i >= p->n || p->s[p->i] != '=')
        return fail(p, "attribute %.*s has no value", (int)nl, name);
    advance(p, 1);
    skip_space(p);
    char q = p->i < p->n ? p->s[p->i] : 0;
    if (q != '"' && q != '\'')
        return fail(p, "the value of %.*s is not quoted", (int)nl, name);
    advance(p, 1);
    const char *v = p->s + p->i, *end = memchr(v, q, p->n - p->i);
    if (!end)
        return fail(p, "the value of %.*s does not end", (int)nl, name);
    size_t n = (size_t)(end - v);
    if (check_attribute(p, name, nl, v, n))
        return -1;
    advance(p, n + 1);
    fprintf(p->out, " %.*s=\"", (int)nl, name);
    put_value(p, name, nl, v, n);
    fputc('"', p->out);
    return 0;
}

/* A start tag at the reader ("<name ...>" or "<name .../>"). 0 ok; -1 refused. */
static int start_tag(struct svg_parse *p)
{
    advance(p, 1);
    size_t nl = name_at(p);
    const char *name = p->s + p->i;
    if (!nl)
        return fail(p, "'<' that starts no tag");
    if (!in_list(name, nl, allowed_elements, sizeof allowed_elements / sizeof *allowed_elements))
        return fail(p, "element <%.*s> is not a drawing element", (int)nl, name);
    if (p->depth == 0 && (p->root_seen || nl != 3 || memcmp(name, "svg", 3) != 0))
        return fail(p, "<%.*s> outside the one root <svg>", (int)nl, name);
    if (p->depth >= PB_SVG_MAX_DEPTH)
        return fail(p, "elements nested deeper than %d", PB_SVG_MAX_DEPTH);
    size_t at = p->i;
    advance(p, nl);
    fprintf(p->out, "<%.*s", (int)nl, name);
    for (;;) {
        int space = p->i < p->n && isspace((unsigned char)p->s[p->i]);
        skip_space(p);
        if (p->i >= p->n)
            return fail(p, "tag <%.*s> does not end", (int)nl, name);
        if (starts(p, "/>") || p->s[p->i] == '>')
            break;
        if (!space)
            return fail(p, "no space before an attribute of <%.*s>", (int)nl, name);
        if (attribute(p))
            return -1;
    }
    p->root_seen = 1;
    if (starts(p, "/>")) {
        advance(p, 2);
        fputs("/>", p->out);
        return 0;
    }
    advance(p, 1);
    fputc('>', p->out);
    p->stack[p->depth][0] = at;
    p->stack[p->depth][1] = nl;
    p->depth++;
    return 0;
}

/* An end tag at the reader ("</name>"), closing the innermost open element. */
static int end_tag(struct svg_parse *p)
{
    advance(p, 2);
    size_t nl = name_at(p);
    const char *name = p->s + p->i;
    if (p->depth == 0)
        return fail(p, "</%.*s> closes nothing", (int)nl, name);
    size_t at = p->stack[p->depth - 1][0], open = p->stack[p->depth - 1][1];
    if (nl != open || memcmp(name, p->s + at, nl) != 0)
        return fail(p, "</%.*s> where </%.*s> is due", (int)nl, name, (int)open, p->s + at);
    advance(p, nl);
    skip_space(p);
    if (p->i >= p->n || p->s[p->i] != '>')
        return fail(p, "end tag </%.*s> does not end", (int)nl, name);
    advance(p, 1);
    fprintf(p->out, "</%.*s>", (int)nl, name);
    p->depth--;
    return 0;
}

/* Text up to the next '<': escaped inside the root, only space outside it. */
static int text(struct svg_parse *p)
{
    const char *t = p->s + p->i, *lt = memchr(t, '<', p->n - p->i);
    size_t n = lt ? (size_t)(lt - t) : p->n - p->i;
    if (p->depth == 0) {
        for (size_t j = 0; j < n; j++)
            if (!isspace((unsigned char)t[j]))
                return fail(p, "text outside the root <svg>");
    } else {
        put_escaped(p->out, t, n);
    }
    advance(p, n);
    return 0;
}

/* A comment, the XML declaration or a DOCTYPE (outside the root): skipped. */
static int skipped(struct svg_parse *p)
{
    if (starts(p, "<!--"))
        return skip_past(p, "-->") ? fail(p, "a comment does not end") : 0;
    if (starts(p, "<![CDATA["))
        return fail(p, "a CDATA section");
    if (p->depth > 0 || p->root_seen)
        return fail(p, "a declaration inside or after the picture");
    if (starts(p, "<?"))
        return skip_past(p, "?>") ? fail(p, "the XML declaration does not end") : 0;
    if (!starts(p, "<!DOCTYPE"))
        return fail(p, "a declaration other than DOCTYPE");
    const char *gt = memchr(p->s + p->i, '>', p->n - p->i);
    if (!gt || memchr(p->s + p->i, '[', (size_t)(gt - (p->s + p->i))))
        return fail(p, "a DOCTYPE with an internal subset, or one that does not end");
    return skip_past(p, ">");
}

static int parse(struct svg_parse *p)
{
    while (p->i < p->n) {
        int rc;
        if (p->s[p->i] != '<')
            rc = text(p);
        else if (starts(p, "<!") || starts(p, "<?"))
            rc = skipped(p);
        else if (starts(p, "</"))
            rc = end_tag(p);
        else
            rc = start_tag(p);
        if (rc)
            return -1;
    }
    if (!p->root_seen)
        return fail(p, "no <svg> element");
    if (p->depth)
        return fail(p, "the picture ends with %d elements open", p->depth);
    return 0;
}

int pb_svg_inline(FILE *f, const char *svg, size_t len, const char *prefix, char *err,
                  size_t errlen)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    if (!mem) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct svg_parse p = {svg, len, 0, 1, mem, prefix, {{0}}, 0, 0, err, errlen};
    if (memchr(svg, '\0', len)) {
        fail(&p, "a NUL byte in the picture");
        fclose(mem);
        free(buf);
        return -1;
    }
    int rc = parse(&p);
    if (fclose(mem) != 0 && rc == 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0 && fwrite(buf, 1, size, f) != size) {
        snprintf(err, errlen, "cannot write the picture");
        rc = -1;
    }
    free(buf);
    return rc;
}
