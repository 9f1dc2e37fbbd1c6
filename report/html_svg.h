/*
 * html_svg.h -- a picture in SVG (gnuplot's output) made fit to stand inline
 * in an HTML page. The SVG is parsed and written anew, never copied, so that
 * nothing in it can become markup of the page whatever its labels held:
 *
 * - only drawing elements pass (svg, g, path, text, use, defs, filters, ...):
 *   no script, style, foreignObject, a, image or animation;
 * - no event attribute (on...), no link out of the picture: an href only to
 *   "#id", url() only as url(#id) (unquoted), no other function in a value
 *   but the colour and transform ones (rgb, translate, rotate, ...);
 * - every text and attribute value is escaped again (an '&' that starts no
 *   plain character reference becomes "&amp;"), control characters dropped;
 * - the tags must balance under one root <svg> (no CDATA, no declaration
 *   beyond the XML prolog and a DOCTYPE without internal subset);
 * - every id gets a prefix, so several pictures on one page keep their own
 *   markers, patterns and filters.
 *
 * Anything else refuses the picture, with the reason.
 */
#ifndef PB_HTML_SVG_H
#define PB_HTML_SVG_H

#include <stddef.h>
#include <stdio.h>

#define PB_SVG_MAX_DEPTH 64 /* deepest nesting of elements accepted */

/* Write svg (len bytes) to f as inline SVG, its ids prefixed with prefix
 * (which should be [A-Za-z0-9_-], ending in '-'). 0 ok; -1 with why in err
 * (the line and what is wrong) and nothing written to f. */
int pb_svg_inline(FILE *f, const char *svg, size_t len, const char *prefix, char *err,
                  size_t errlen);

#endif /* PB_HTML_SVG_H */
