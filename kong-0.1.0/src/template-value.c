/*
 * template-value.c: what template values mean: their text, their truth,
 * comparisons, and the filters.
 *
 * Values are jansson values; NULL stands for an undefined variable, which is
 * not null (None). Semantics follow Django (Python's str(), truth and
 * operators) over JSON; where JSON made us choose, the comment at the
 * function says so (template_write, tpl_equal, tpl_contains, the filters).
 * Nothing here keeps state: every function may be called from any render.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kong.h"
#include "diag.h"
#include "template.h"
#include "template-int.h"

#define TPL_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define TPL_WORD(c) (((c) >= 'a' && (c) <= 'z') || \
	((c) >= 'A' && (c) <= 'Z') || TPL_DIGIT(c) || (c) == '_')

/* A byte that is not UTF-8, decoded as itself with this bit set. */
#define TPL_RAW 0x80000000u

#define TPL_ELLIPSIS "\xe2\x80\xa6"

/*
 * Characters.
 */

/* Decode the character at s[*ip] and move past it; bad bytes come alone. */
uint32_t
template_utf8_next(const char *str, size_t len, size_t *ip)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = *ip, n, k;
	uint32_t		 c, min;

	if (s[i] < 0x80) {
		*ip = i + 1;
		return (s[i]);
	}
	if ((s[i] & 0xe0) == 0xc0) {
		n = 1;
		c = s[i] & 0x1f;
		min = 0x80;
	} else if ((s[i] & 0xf0) == 0xe0) {
		n = 2;
		c = s[i] & 0x0f;
		min = 0x800;
	} else if ((s[i] & 0xf8) == 0xf0) {
		n = 3;
		c = s[i] & 0x07;
		min = 0x10000;
	} else
		goto raw;
	if (len - i <= n)
		goto raw;
	for (k = 1; k <= n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			goto raw;
		c = (c << 6) | (s[i + k] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto raw;
	*ip = i + n + 1;
	return (c);
raw:
	*ip = i + 1;
	return (TPL_RAW | s[i]);
}

static void
tpl_utf8_put(struct buf *b, uint32_t c)
{
	char	u[4];

	if (c & TPL_RAW)
		buf_addc(b, (char)(c & 0xff));
	else if (c < 0x80)
		buf_addc(b, (char)c);
	else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 4);
	}
}

static size_t
tpl_nchars(const char *s, size_t len)
{
	size_t	i = 0, n = 0;

	while (i < len) {
		template_utf8_next(s, len, &i);
		n++;
	}
	return (n);
}

/* Case in Latin Extended-A: mostly pairs, upper case first. */
static uint32_t
tpl_case_ext(uint32_t c, int upper)
{
	int	upper_even, is_upper;

	switch (c) {
	case 0x130:
		return (upper ? c : 'i');
	case 0x131:
		return (upper ? 'I' : c);
	case 0x138:
	case 0x149:
		return (c);
	case 0x178:
		return (upper ? c : 0xff);
	case 0x17f:
		return (upper ? 'S' : c);
	}
	upper_even = c < 0x138 || (c >= 0x14a && c < 0x178);
	is_upper = (c % 2 == 0) == upper_even;
	if (upper && !is_upper)
		return (c - 1);
	if (!upper && is_upper)
		return (c + 1);
	return (c);
}

/*
 * Lower case, for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic:
 * enough for site names without a Unicode table.
 */
static uint32_t
tpl_lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (c + 32);
	if (c < 0xc0 || (c & TPL_RAW))
		return (c);
	if (c <= 0xde && c != 0xd7)
		return (c + 32);
	if (c >= 0x100 && c <= 0x17f)
		return (tpl_case_ext(c, 0));
	if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
		return (c + 32);
	if (c >= 0x400 && c <= 0x40f)
		return (c + 80);
	if (c >= 0x410 && c <= 0x42f)
		return (c + 32);
	return (c);
}

/* Upper case, for the same scripts as tpl_lower. */
static uint32_t
tpl_upper(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return (c - 32);
	if (c < 0xe0 || (c & TPL_RAW))
		return (c);
	if (c <= 0xfe && c != 0xf7)
		return (c - 32);
	if (c == 0xff)
		return (0x178);
	if (c >= 0x100 && c <= 0x17f)
		return (tpl_case_ext(c, 1));
	if (c == 0x3c2)
		return (0x3a3);
	if (c >= 0x3b1 && c <= 0x3cb)
		return (c - 32);
	if (c >= 0x430 && c <= 0x44f)
		return (c - 32);
	if (c >= 0x450 && c <= 0x45f)
		return (c - 80);
	return (c);
}

static int
tpl_cased(uint32_t c)
{
	return (tpl_lower(c) != c || tpl_upper(c) != c || c == 0xdf);
}

/* Python's str.isspace(). */
static int
tpl_space(uint32_t c)
{
	return ((c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) ||
	    c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 &&
	    c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
	    c == 0x205f || c == 0x3000);
}

/*
 * Values.
 */

/* The text of a value, borrowed when it is a string. */
struct tpl_text {
	const char	*s;
	size_t		 len;
	struct buf	 tmp;
};

/* A value's text as {{ }} shows it; undefined is "". */
static void
tpl_text(struct tpl_text *t, json_t *v)
{
	buf_init(&t->tmp);
	if (json_is_string(v)) {
		t->s = json_string_value(v);
		t->len = json_string_length(v);
		return;
	}
	template_write(&t->tmp, v);
	t->s = t->tmp.data != NULL ? t->tmp.data : "";
	t->len = t->tmp.len;
}

static void
tpl_text_free(struct tpl_text *t)
{
	buf_free(&t->tmp);
}

/* A new string of len bytes, which need not be UTF-8. */
json_t *
template_string(const char *s, size_t len)
{
	return (json_stringn_nocheck(len == 0 ? "" : s, len));
}

/* A string made of a buffer, which is freed. */
static json_t *
tpl_buf_string(struct buf *b)
{
	json_t	*v;

	v = template_string(b->data, b->len);
	buf_free(b);
	return (v);
}

/* A real, or NULL (undefined) for infinities, which JSON cannot hold. */
static json_t *
tpl_real(double d)
{
	return (isfinite(d) ? json_real(d) : NULL);
}

/*
 * The shortest digits that read back as x, as Python's repr() finds them:
 * x = 0.DIGITS x 10^decpt. Returns the number of digits (at most 17).
 */
static size_t
tpl_real_digits(double x, char *dig, int *decpt, int *neg)
{
	char	 tmp[40], *p;
	int	 prec;
	size_t	 n = 0;

	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	if (prec == 17)
		snprintf(tmp, sizeof tmp, "%.16e", x);
	p = tmp;
	if ((*neg = *p == '-'))
		p++;
	for (; *p != 'e' && *p != '\0'; p++) {
		if (TPL_DIGIT(*p))
			dig[n++] = *p;
	}
	*decpt = (*p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0) + 1;
	while (n > 1 && dig[n - 1] == '0')
		n--;
	return (n);
}

/* A real as Python's str() shows it: 1.5, 2.0, 1e+16, 1e-05. */
static void
tpl_write_real(struct buf *b, double x)
{
	char	dig[24];
	int	decpt, neg, i;
	size_t	n;

	n = tpl_real_digits(x, dig, &decpt, &neg);
	if (neg)
		buf_addc(b, '-');
	if (decpt > 16 || decpt < -3) {
		buf_addc(b, dig[0]);
		if (n > 1) {
			buf_addc(b, '.');
			buf_add(b, dig + 1, n - 1);
		}
		buf_printf(b, "e%c%02d", decpt - 1 < 0 ? '-' : '+',
		    abs(decpt - 1));
	} else if (decpt <= 0) {
		buf_adds(b, "0.");
		for (i = decpt; i < 0; i++)
			buf_addc(b, '0');
		buf_add(b, dig, n);
	} else if ((size_t)decpt >= n) {
		buf_add(b, dig, n);
		for (i = (int)n; i < decpt; i++)
			buf_addc(b, '0');
		buf_adds(b, ".0");
	} else {
		buf_add(b, dig, (size_t)decpt);
		buf_addc(b, '.');
		buf_add(b, dig + decpt, n - (size_t)decpt);
	}
}

static int
tpl_dump_cb(const char *s, size_t len, void *arg)
{
	buf_add(arg, s, len);
	return (0);
}

/* An item of a list: lists and objects in it show as JSON. */
static void
tpl_write_item(struct buf *b, json_t *v)
{
	if (json_is_array(v) || json_is_object(v))
		json_dump_callback(v, tpl_dump_cb, b, JSON_COMPACT);
	else
		template_write(b, v);
}

/*
 * Append a value as {{ }} shows it: Python's str() for scalars (True, None,
 * 2.0), a list's items joined by ", " and an object as compact JSON.
 */
void
template_write(struct buf *b, json_t *v)
{
	size_t	i;

	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		buf_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		tpl_write_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		buf_adds(b, "True");
		break;
	case JSON_FALSE:
		buf_adds(b, "False");
		break;
	case JSON_NULL:
		buf_adds(b, "None");
		break;
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				buf_adds(b, ", ");
			tpl_write_item(b, json_array_get(v, i));
		}
		break;
	case JSON_OBJECT:
		json_dump_callback(v, tpl_dump_cb, b, JSON_COMPACT);
		break;
	}
}

/* Python's truth: "", 0, 0.0, [], {}, False and None are false. */
int
template_truthy(json_t *v)
{
	if (v == NULL)
		return (0);
	switch (json_typeof(v)) {
	case JSON_STRING:
		return (json_string_length(v) > 0);
	case JSON_INTEGER:
		return (json_integer_value(v) != 0);
	case JSON_REAL:
		return (json_real_value(v) != 0.0);
	case JSON_TRUE:
		return (1);
	case JSON_ARRAY:
		return (json_array_size(v) > 0);
	case JSON_OBJECT:
		return (json_object_size(v) > 0);
	default:
		return (0);
	}
}

struct tpl_num {
	int		is_int;
	json_int_t	i;
	double		d;
};

/*
 * Whether the string s (NUL at len) is entirely a decimal number: "10",
 * "-1.5", "2e3"; no spaces.
 */
static int
tpl_parse_num(const char *s, size_t len, struct tpl_num *n)
{
	size_t	i = 0, digits = 0;
	int	is_int = 1;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len && TPL_DIGIT(s[i]); i++)
		digits++;
	if (i < len && s[i] == '.') {
		is_int = 0;
		for (i++; i < len && TPL_DIGIT(s[i]); i++)
			digits++;
	}
	if (digits == 0)
		return (0);
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		is_int = 0;
		if (++i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		if (i == len || !TPL_DIGIT(s[i]))
			return (0);
		while (i < len && TPL_DIGIT(s[i]))
			i++;
	}
	if (i != len)
		return (0);
	if (is_int) {
		errno = 0;
		n->i = strtoll(s, NULL, 10);
		if (errno == 0) {
			n->is_int = 1;
			n->d = (double)n->i;
			return (1);
		}
	}
	n->is_int = 0;
	n->d = strtod(s, NULL);
	return (1);
}

/* Whether v is a number or a string that is one. */
static int
tpl_num_of(json_t *v, struct tpl_num *n)
{
	if (json_is_integer(v)) {
		n->is_int = 1;
		n->i = json_integer_value(v);
		n->d = (double)n->i;
		return (1);
	}
	if (json_is_real(v)) {
		n->is_int = 0;
		n->d = json_real_value(v);
		return (1);
	}
	if (json_is_string(v))
		return (tpl_parse_num(json_string_value(v),
		    json_string_length(v), n));
	return (0);
}

static int
tpl_num_cmp(const struct tpl_num *a, const struct tpl_num *b)
{
	if (a->is_int && b->is_int)
		return ((a->i > b->i) - (a->i < b->i));
	return ((a->d > b->d) - (a->d < b->d));
}

/* Compare two strings bytewise. */
static int
tpl_str_cmp(json_t *a, json_t *b)
{
	size_t	la = json_string_length(a), lb = json_string_length(b);
	int	c;

	c = memcmp(json_string_value(a), json_string_value(b),
	    la < lb ? la : lb);
	if (c != 0)
		return (c < 0 ? -1 : 1);
	return ((la > lb) - (la < lb));
}

/*
 * Django's ==, over JSON: numbers and strings that are entirely numbers
 * (inventory attributes are strings) compare as numbers, so "10" == 10.0;
 * otherwise values of different types are never equal, strings compare
 * bytewise and lists and objects deeply. Undefined is None.
 */
static int
tpl_equal(json_t *a, json_t *b)
{
	struct tpl_num	x, y;

	if (a == NULL)
		a = json_null();
	if (b == NULL)
		b = json_null();
	if (tpl_num_of(a, &x) && tpl_num_of(b, &y))
		return (tpl_num_cmp(&x, &y) == 0);
	if (json_typeof(a) != json_typeof(b))
		return (0);
	if (json_is_string(a))
		return (tpl_str_cmp(a, b) == 0);
	return (json_equal(a, b));
}

/* <, >, <=, >=: numbers (as for ==) or strings; nothing else is ordered. */
static int
tpl_order(json_t *a, json_t *b, int *cmp)
{
	struct tpl_num	x, y;

	if (tpl_num_of(a, &x) && tpl_num_of(b, &y)) {
		*cmp = tpl_num_cmp(&x, &y);
		return (1);
	}
	if (json_is_string(a) && json_is_string(b)) {
		*cmp = tpl_str_cmp(a, b);
		return (1);
	}
	return (0);
}

/*
 * Django's in: a substring of a string, an item of a list (compared as by ==,
 * so 1 is in ["1"]), a key of an object. Nothing is in anything else.
 */
static int
tpl_contains(json_t *hay, json_t *needle)
{
	struct tpl_text	t;
	size_t		i;
	int		found = 0;

	if (json_is_array(hay)) {
		for (i = 0; i < json_array_size(hay) && !found; i++)
			found = tpl_equal(json_array_get(hay, i), needle);
		return (found);
	}
	if (!json_is_string(needle) && !json_is_number(needle))
		return (0);
	tpl_text(&t, needle);
	if (json_is_string(hay)) {
		found = t.len == 0 || memmem(json_string_value(hay),
		    json_string_length(hay), t.s, t.len) != NULL;
	} else if (json_is_object(hay))
		found = json_object_getn(hay, t.s, t.len) != NULL;
	tpl_text_free(&t);
	return (found);
}

/* Python's is: None (or undefined) is None, True is True, or the same value. */
static int
tpl_same(json_t *a, json_t *b)
{
	int	an = a == NULL || json_is_null(a);
	int	bn = b == NULL || json_is_null(b);

	if (an || bn)
		return (an && bn);
	if (json_is_boolean(a) && json_is_boolean(b))
		return (json_typeof(a) == json_typeof(b));
	return (a == b);
}

/*
 * Python's int() of a value: integers, booleans, integer strings (spaces
 * around allowed) and, if reals is set, reals truncated.
 */
static int
tpl_int_of(json_t *v, int reals, json_int_t *out)
{
	const char	*s, *e, *p;
	char		*end;
	double		 d;
	long long	 n;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return (1);
	}
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return (1);
	}
	if (json_is_real(v) && reals) {
		d = json_real_value(v);
		if (d <= -9.2e18 || d >= 9.2e18)
			return (0);
		*out = (json_int_t)d;
		return (1);
	}
	if (!json_is_string(v))
		return (0);
	s = json_string_value(v);
	e = s + json_string_length(v);
	while (s < e && *s != '\0' && strchr(" \t\n\r\f\v", *s) != NULL)
		s++;
	while (e > s && e[-1] != '\0' && strchr(" \t\n\r\f\v", e[-1]) != NULL)
		e--;
	p = s;
	if (p < e && (*p == '-' || *p == '+'))
		p++;
	if (p == e)
		return (0);
	for (; p < e; p++) {
		if (!TPL_DIGIT(*p))
			return (0);
	}
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end != e)
		return (0);
	*out = n;
	return (1);
}

/*
 * Filters. Each takes the value (NULL if undefined) and the argument (NULL
 * if absent or undefined), both borrowed, and returns a new reference.
 */

static json_t *
tpl_f_default(json_t *v, json_t *a)
{
	return (json_incref(template_truthy(v) ? v : a));
}

/* Undefined counts as None here: a missing key is the usual "none". */
static json_t *
tpl_f_default_if_none(json_t *v, json_t *a)
{
	return (json_incref(v == NULL || json_is_null(v) ? a : v));
}

static json_t *
tpl_f_safe(json_t *v, json_t *a KONG_UNUSED)
{
	return (json_incref(v));
}

static json_t *
tpl_map_case(json_t *v, uint32_t (*fn)(uint32_t))
{
	struct tpl_text	t;
	struct buf	b;
	size_t		i = 0;

	tpl_text(&t, v);
	buf_init(&b);
	while (i < t.len)
		tpl_utf8_put(&b, fn(template_utf8_next(t.s, t.len, &i)));
	tpl_text_free(&t);
	return (tpl_buf_string(&b));
}

static json_t *
tpl_f_lower(json_t *v, json_t *a KONG_UNUSED)
{
	return (tpl_map_case(v, tpl_lower));
}

static json_t *
tpl_f_upper(json_t *v, json_t *a KONG_UNUSED)
{
	return (tpl_map_case(v, tpl_upper));
}

/* Python's str.title(), then Django's fixes for "they're" and "1st". */
static json_t *
tpl_f_title(json_t *v, json_t *a KONG_UNUSED)
{
	struct tpl_text	 t;
	struct buf	 b;
	size_t		 i = 0, done = 0;
	uint32_t	 c;
	int		 prev = 0;
	char		*s;

	tpl_text(&t, v);
	buf_init(&b);
	while (i < t.len) {
		c = template_utf8_next(t.s, t.len, &i);
		c = prev ? tpl_lower(c) : tpl_upper(c);
		prev = tpl_cased(c);
		tpl_utf8_put(&b, c);
	}
	tpl_text_free(&t);
	s = b.data;
	for (i = 2; i < b.len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z' && i - 2 >= done &&
		    s[i - 1] == '\'' && s[i - 2] >= 'a' && s[i - 2] <= 'z') {
			s[i] += 32;
			done = i + 1;
		}
	}
	for (i = 1; i < b.len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z' && TPL_DIGIT(s[i - 1]))
			s[i] += 32;
	}
	return (tpl_buf_string(&b));
}

static json_t *
tpl_f_capfirst(json_t *v, json_t *a KONG_UNUSED)
{
	struct tpl_text	t;
	struct buf	b;
	size_t		i = 0;

	tpl_text(&t, v);
	buf_init(&b);
	if (t.len > 0) {
		tpl_utf8_put(&b, tpl_upper(template_utf8_next(t.s, t.len, &i)));
		buf_add(&b, t.s + i, t.len - i);
	}
	tpl_text_free(&t);
	return (tpl_buf_string(&b));
}

/* Python's urllib.parse.quote(value, safe="/" or the argument). */
static json_t *
tpl_f_urlencode(json_t *v, json_t *a)
{
	struct tpl_text	 t, safe;
	struct buf	 b;
	size_t		 i;
	unsigned char	 c;

	tpl_text(&t, v);
	if (a != NULL)
		tpl_text(&safe, a);
	else {
		buf_init(&safe.tmp);
		safe.s = "/";
		safe.len = 1;
	}
	buf_init(&b);
	for (i = 0; i < t.len; i++) {
		c = (unsigned char)t.s[i];
		if (TPL_WORD(c) || c == '.' || c == '-' || c == '~' ||
		    (c < 0x80 && c != 0 && memchr(safe.s, c, safe.len) != NULL))
			buf_addc(&b, (char)c);
		else
			buf_printf(&b, "%%%02X", c);
	}
	tpl_text_free(&t);
	tpl_text_free(&safe);
	return (tpl_buf_string(&b));
}

/* Characters of a string, items of a list or keys of an object; else 0. */
static json_t *
tpl_f_length(json_t *v, json_t *a KONG_UNUSED)
{
	if (json_is_string(v))
		return (json_integer((json_int_t)tpl_nchars(
		    json_string_value(v), json_string_length(v))));
	if (json_is_array(v))
		return (json_integer((json_int_t)json_array_size(v)));
	if (json_is_object(v))
		return (json_integer((json_int_t)json_object_size(v)));
	return (json_integer(0));
}

/* Items of a list (or characters of a string) joined by the argument. */
static json_t *
tpl_f_join(json_t *v, json_t *a)
{
	struct tpl_text	 sep;
	struct buf	 b;
	const char	*s;
	size_t		 i, j, len;

	if (!json_is_array(v) && !json_is_string(v))
		return (json_incref(v));
	tpl_text(&sep, a);
	buf_init(&b);
	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				buf_add(&b, sep.s, sep.len);
			tpl_write_item(&b, json_array_get(v, i));
		}
	} else {
		s = json_string_value(v);
		len = json_string_length(v);
		for (i = 0; i < len; i = j) {
			if (i > 0)
				buf_add(&b, sep.s, sep.len);
			j = i;
			template_utf8_next(s, len, &j);
			buf_add(&b, s + i, j - i);
		}
	}
	tpl_text_free(&sep);
	return (tpl_buf_string(&b));
}

static json_t *
tpl_first_last(json_t *v, int last)
{
	const char	*s;
	size_t		 n, i = 0, start = 0, len;

	if (json_is_array(v)) {
		if ((n = json_array_size(v)) == 0)
			return (template_string("", 0));
		return (json_incref(json_array_get(v, last ? n - 1 : 0)));
	}
	if (!json_is_string(v) || json_string_length(v) == 0)
		return (template_string("", 0));
	s = json_string_value(v);
	len = json_string_length(v);
	do {
		start = i;
		template_utf8_next(s, len, &i);
	} while (last && i < len);
	return (template_string(s + start, i - start));
}

static json_t *
tpl_f_first(json_t *v, json_t *a KONG_UNUSED)
{
	return (tpl_first_last(v, 0));
}

static json_t *
tpl_f_last(json_t *v, json_t *a KONG_UNUSED)
{
	return (tpl_first_last(v, 1));
}

static json_t *
tpl_f_cut(json_t *v, json_t *a)
{
	struct tpl_text	 t, x;
	struct buf	 b;
	const char	*p, *q, *end;

	tpl_text(&t, v);
	tpl_text(&x, a);
	buf_init(&b);
	p = t.s;
	end = t.s + t.len;
	if (x.len == 0)
		buf_add(&b, t.s, t.len);
	else {
		while ((q = memmem(p, (size_t)(end - p), x.s, x.len)) != NULL) {
			buf_add(&b, p, (size_t)(q - p));
			p = q + x.len;
		}
		buf_add(&b, p, (size_t)(end - p));
	}
	tpl_text_free(&t);
	tpl_text_free(&x);
	return (tpl_buf_string(&b));
}

/*
 * Django's add: integers (and integer strings) add, other numbers add as
 * reals (Django would truncate them to integers first), strings and lists
 * concatenate; anything else gives "".
 */
static json_t *
tpl_f_add(json_t *v, json_t *a)
{
	json_int_t	 x, y, sum;
	json_t		*r;
	struct buf	 b;

	if (tpl_int_of(v, 0, &x) && tpl_int_of(a, 0, &y)) {
		if (!__builtin_add_overflow(x, y, &sum))
			return (json_integer(sum));
		return (tpl_real((double)x + (double)y));
	}
	if (json_is_number(v) && json_is_number(a))
		return (tpl_real(json_number_value(v) + json_number_value(a)));
	if (json_is_string(v) && json_is_string(a)) {
		buf_init(&b);
		buf_add(&b, json_string_value(v), json_string_length(v));
		buf_add(&b, json_string_value(a), json_string_length(a));
		return (tpl_buf_string(&b));
	}
	if (json_is_array(v) && json_is_array(a)) {
		r = json_array();
		json_array_extend(r, v);
		json_array_extend(r, a);
		return (r);
	}
	return (template_string("", 0));
}

/* "yes,no,maybe": None and undefined are maybe (or no if there are two). */
static json_t *
tpl_f_yesno(json_t *v, json_t *a)
{
	struct tpl_text	 t;
	const char	*part[3], *comma, *end;
	size_t		 len[3], n = 0;
	json_t		*r;
	int		 which;

	if (a != NULL)
		tpl_text(&t, a);
	else {
		buf_init(&t.tmp);
		t.s = "yes,no,maybe";
		t.len = strlen(t.s);
	}
	part[0] = t.s;
	end = t.s + t.len;
	for (;;) {
		comma = memchr(part[n], ',', (size_t)(end - part[n]));
		len[n] = (size_t)((comma != NULL ? comma : end) - part[n]);
		n++;
		if (comma == NULL)
			break;
		if (n == 3) {
			n = 4;	/* more than three: Django's maybe is no */
			break;
		}
		part[n] = comma + 1;
	}
	if (n < 2) {
		tpl_text_free(&t);
		return (json_incref(v));
	}
	if (v == NULL || json_is_null(v))
		which = n == 3 ? 2 : 1;
	else
		which = template_truthy(v) ? 0 : 1;
	r = template_string(part[which], len[which]);
	tpl_text_free(&t);
	return (r);
}

/*
 * ASCII for U+00C0 to U+017F, as NFKD then dropping what is not ASCII would
 * give it; '.' drops the character, '2' stands for "ij".
 */
static const char tpl_slug_latin[] =
    "aaaaaa.ceeeeiiii" ".nooooo..uuuuy.." "aaaaaa.ceeeeiiii" ".nooooo..uuuuy.y"
    "aaaaaaccccccccdd" "..eeeeeeeeeegggg" "gggghh..iiiiiiii" "i.22jjkk.lllllll"
    "l..nnnnnnn..oooo" "oo..rrrrrrssssss" "sstttt..uuuuuuuu" "uuuuwwyyyzzzzzzs";
_Static_assert(sizeof tpl_slug_latin == 0x180 - 0xc0 + 1, "slug table size");

static int
tpl_slug_space(int c)
{
	return (c == ' ' || (c >= 0x09 && c <= 0x0d) ||
	    (c >= 0x1c && c <= 0x1f));
}

/*
 * Django's slugify: to ASCII (accents dropped, other characters too), lower
 * case, only word characters, spaces and hyphens, runs of spaces and hyphens
 * to one hyphen, hyphens and underscores stripped from both ends.
 */
static json_t *
tpl_f_slugify(json_t *v, json_t *a KONG_UNUSED)
{
	struct tpl_text	 t;
	struct buf	 b;
	size_t		 i = 0, start, end;
	uint32_t	 c;
	int		 ch, dash = 0;

	tpl_text(&t, v);
	buf_init(&b);
	while (i < t.len) {
		c = template_utf8_next(t.s, t.len, &i);
		if (c >= 0xc0 && c < 0x180 && !(c & TPL_RAW)) {
			ch = tpl_slug_latin[c - 0xc0];
			if (ch == '2') {
				if (dash)
					buf_addc(&b, '-');
				dash = 0;
				buf_adds(&b, "ij");
				continue;
			}
		} else if (c < 0x80)
			ch = (int)tpl_lower(c);
		else
			continue;
		if (ch == '-' || tpl_slug_space(ch))
			dash = 1;
		else if (TPL_WORD(ch)) {
			if (dash)
				buf_addc(&b, '-');
			dash = 0;
			buf_addc(&b, (char)ch);
		}
	}
	if (dash)
		buf_addc(&b, '-');
	tpl_text_free(&t);
	/* A leading run became "-" too, as with Python's re.sub. */
	start = 0;
	end = b.len;
	while (start < end && (b.data[start] == '-' || b.data[start] == '_'))
		start++;
	while (end > start &&
	    (b.data[end - 1] == '-' || b.data[end - 1] == '_'))
		end--;
	v = template_string(b.data + start, end - start);
	buf_free(&b);
	return (v);
}

/* At most n characters, the last of them an ellipsis if it was cut. */
static json_t *
tpl_f_truncatechars(json_t *v, json_t *a)
{
	struct tpl_text	 t;
	struct buf	 b;
	json_int_t	 n;
	size_t		 i = 0, k;
	json_t		*r;

	if (!tpl_int_of(a, 1, &n))
		return (json_incref(v));
	if (n <= 0)
		return (template_string("", 0));
	tpl_text(&t, v);
	if (tpl_nchars(t.s, t.len) <= (size_t)n)
		r = template_string(t.s, t.len);
	else {
		for (k = 0; k + 1 < (size_t)n; k++)
			template_utf8_next(t.s, t.len, &i);
		buf_init(&b);
		buf_add(&b, t.s, i);
		buf_adds(&b, TPL_ELLIPSIS);
		r = tpl_buf_string(&b);
	}
	tpl_text_free(&t);
	return (r);
}

static json_t *
tpl_f_wordcount(json_t *v, json_t *a KONG_UNUSED)
{
	struct tpl_text	t;
	size_t		i = 0, n = 0;
	int		in = 0;

	tpl_text(&t, v);
	while (i < t.len) {
		if (tpl_space(template_utf8_next(t.s, t.len, &i)))
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	tpl_text_free(&t);
	return (json_integer((json_int_t)n));
}

/*
 * Kong's own filter: a string as a list, split like inventory lists (on
 * commas and/or whitespace), or on the argument when one is given. Lets a
 * free attribute such as "pages = /about /health" drive a for loop.
 */
static json_t *
tpl_f_split(json_t *v, json_t *a)
{
	struct tpl_text	  t, sep;
	json_t		 *r;
	char		**words, *str;
	const char	 *p, *q;
	size_t		  i;

	if (json_is_array(v))
		return (json_incref(v));
	r = json_array();
	tpl_text(&t, v);
	str = xstrndup(t.s, t.len);
	if (a == NULL) {
		words = split_list(str, NULL);
		for (i = 0; words[i] != NULL; i++)
			json_array_append_new(r, template_string(words[i],
			    strlen(words[i])));
		free_strv(words);
	} else {
		tpl_text(&sep, a);
		if (sep.len == 0 || t.len == 0) {
			if (t.len > 0)
				json_array_append_new(r, template_string(t.s,
				    t.len));
		} else {
			for (p = str; (q = strstr(p, sep.s)) != NULL;
			    p = q + sep.len)
				json_array_append_new(r, template_string(p,
				    (size_t)(q - p)));
			json_array_append_new(r, template_string(p, strlen(p)));
		}
		tpl_text_free(&sep);
	}
	free(str);
	tpl_text_free(&t);
	return (r);
}

static json_t *
tpl_f_divisibleby(json_t *v, json_t *a)
{
	json_int_t	x, y;

	if (!tpl_int_of(v, 1, &x) || !tpl_int_of(a, 1, &y) || y == 0)
		return (json_false());
	if (y == -1)
		return (json_true());
	return (json_boolean(x % y == 0));
}

#define TPL_DEC_MAX 512

/* 0.D x 10^decpt, D without leading or trailing zeros (none for zero). */
struct tpl_dec {
	char	d[TPL_DEC_MAX];
	size_t	n;
	int	decpt;
	int	neg;
};

/* Read a decimal number like Python's Decimal(), within limits. */
static int
tpl_dec_parse(const char *s, size_t len, struct tpl_dec *x)
{
	size_t	i = 0, digits = 0;
	long	exp = 0;
	int	eneg = 0, intd = 0;

	while (len > 0 && s[len - 1] != '\0' &&
	    strchr(" \t\n\r\f\v", s[len - 1]) != NULL)
		len--;
	while (i < len && s[i] != '\0' && strchr(" \t\n\r\f\v", s[i]) != NULL)
		i++;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		x->neg = s[i++] == '-';
	for (; i < len && TPL_DIGIT(s[i]); i++, intd++, digits++) {
		if (x->n == TPL_DEC_MAX)
			return (0);
		x->d[x->n++] = s[i];
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && TPL_DIGIT(s[i]); i++, digits++) {
			if (x->n == TPL_DEC_MAX)
				return (0);
			x->d[x->n++] = s[i];
		}
	}
	if (digits == 0)
		return (0);
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < len && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		if (i == len || !TPL_DIGIT(s[i]))
			return (0);
		for (; i < len && TPL_DIGIT(s[i]); i++) {
			exp = exp * 10 + (s[i] - '0');
			if (exp > 1000)
				return (0);
		}
	}
	if (i != len)
		return (0);
	x->decpt = intd + (int)(eneg ? -exp : exp);
	return (1);
}

/* A number, numeric string or boolean as a decimal; 0 if it is none. */
static int
tpl_dec_of(json_t *v, struct tpl_dec *x)
{
	char	tmp[32];
	size_t	k;

	memset(x, 0, sizeof *x);
	if (json_is_integer(v) || json_is_boolean(v)) {
		snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT,
		    json_is_boolean(v) ? (json_int_t)json_is_true(v) :
		    json_integer_value(v));
		tpl_dec_parse(tmp, strlen(tmp), x);
	} else if (json_is_real(v))
		x->n = tpl_real_digits(json_real_value(v), x->d, &x->decpt,
		    &x->neg);
	else if (!json_is_string(v) ||
	    !tpl_dec_parse(json_string_value(v), json_string_length(v), x))
		return (0);
	for (k = 0; k < x->n && x->d[k] == '0'; k++)
		x->decpt--;
	memmove(x->d, x->d + k, x->n - k);
	x->n -= k;
	while (x->n > 0 && x->d[x->n - 1] == '0')
		x->n--;
	if (x->n == 0)
		x->decpt = 0;
	return (1);
}

/*
 * Django's floatformat: N decimals (rounding half up), or for -N up to N
 * only if there is a fraction; default -1.
 */
static json_t *
tpl_f_floatformat(json_t *v, json_t *a)
{
	struct tpl_dec	x;
	struct buf	b, r;
	json_int_t	p = -1;
	int		places, keep, i, nonzero = 0;
	size_t		k, intlen;

	if (!tpl_dec_of(v, &x))
		return (template_string("", 0));
	if (a != NULL && !tpl_int_of(a, 1, &p)) {
		buf_init(&b);
		template_write(&b, v);
		return (tpl_buf_string(&b));
	}
	if (p > 100)
		p = 100;
	if (p < -100)
		p = -100;
	places = (int)(p < 0 ? -p : p);
	buf_init(&b);
	if ((int)x.n <= x.decpt && p <= 0) {
		/* No fraction: the integer. */
		if (x.n == 0)
			buf_addc(&b, '0');
		else {
			if (x.neg)
				buf_addc(&b, '-');
			buf_add(&b, x.d, x.n);
			for (i = (int)x.n; i < x.decpt; i++)
				buf_addc(&b, '0');
		}
		return (tpl_buf_string(&b));
	}
	/* r: the digits of round(|x| * 10^places), after a 0 for the carry. */
	keep = x.decpt + places;
	buf_init(&r);
	buf_addc(&r, '0');
	for (i = 0; i < keep; i++)
		buf_addc(&r, i < (int)x.n ? x.d[i] : '0');
	if (keep >= 0 && keep < (int)x.n && x.d[keep] >= '5') {
		for (k = r.len - 1; r.data[k] == '9'; k--)
			r.data[k] = '0';
		r.data[k]++;
	}
	for (k = 0; k < r.len; k++)
		nonzero |= r.data[k] != '0';
	if (x.neg && nonzero)
		buf_addc(&b, '-');
	/* Integer part: r without its last places digits (at least "0"). */
	intlen = r.len > (size_t)places ? r.len - (size_t)places : 0;
	for (k = 0; k + 1 < intlen && r.data[k] == '0'; k++)
		/* nothing */;
	if (intlen == 0)
		buf_addc(&b, '0');
	else
		buf_add(&b, r.data + k, intlen - k);
	if (places > 0) {
		buf_addc(&b, '.');
		for (i = (int)(r.len - intlen); i < places; i++)
			buf_addc(&b, '0');
		buf_add(&b, r.data + intlen, r.len - intlen);
	}
	buf_free(&r);
	return (tpl_buf_string(&b));
}

static const struct tpl_filter_def tpl_filters[] = {
	{ "add", TPL_ARG_REQUIRED, "add:1", 0, tpl_f_add },
	{ "capfirst", TPL_ARG_NONE, NULL, 0, tpl_f_capfirst },
	{ "cut", TPL_ARG_REQUIRED, "cut:\" \"", 0, tpl_f_cut },
	{ "default", TPL_ARG_REQUIRED, "default:\"none\"", 1, tpl_f_default },
	{ "default_if_none", TPL_ARG_REQUIRED, "default_if_none:\"none\"", 1,
	    tpl_f_default_if_none },
	{ "divisibleby", TPL_ARG_REQUIRED, "divisibleby:2", 0,
	    tpl_f_divisibleby },
	{ "first", TPL_ARG_NONE, NULL, 0, tpl_f_first },
	{ "floatformat", TPL_ARG_OPTIONAL, NULL, 0, tpl_f_floatformat },
	{ "join", TPL_ARG_REQUIRED, "join:\", \"", 0, tpl_f_join },
	{ "last", TPL_ARG_NONE, NULL, 0, tpl_f_last },
	{ "length", TPL_ARG_NONE, NULL, 0, tpl_f_length },
	{ "lower", TPL_ARG_NONE, NULL, 0, tpl_f_lower },
	{ "safe", TPL_ARG_NONE, NULL, 0, tpl_f_safe },
	{ "slugify", TPL_ARG_NONE, NULL, 0, tpl_f_slugify },
	{ "split", TPL_ARG_OPTIONAL, NULL, 0, tpl_f_split },
	{ "title", TPL_ARG_NONE, NULL, 0, tpl_f_title },
	{ "truncatechars", TPL_ARG_REQUIRED, "truncatechars:40", 0,
	    tpl_f_truncatechars },
	{ "upper", TPL_ARG_NONE, NULL, 0, tpl_f_upper },
	{ "urlencode", TPL_ARG_OPTIONAL, NULL, 0, tpl_f_urlencode },
	{ "wordcount", TPL_ARG_NONE, NULL, 0, tpl_f_wordcount },
	{ "yesno", TPL_ARG_OPTIONAL, NULL, 0, tpl_f_yesno },
};

/* The filter called name, or NULL. */
const struct tpl_filter_def *
template_filter_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(tpl_filters); i++) {
		if (strcmp(tpl_filters[i].name, name) == 0)
			return (&tpl_filters[i]);
	}
	return (NULL);
}

/* The i-th filter in alphabetical order, or NULL past the last. */
const struct tpl_filter_def *
template_filter_at(size_t i)
{
	return (i < nitems(tpl_filters) ? &tpl_filters[i] : NULL);
}

/* Whether a op b holds, for the comparison operators and in and is. */
int
template_compare(enum tpl_op op, json_t *a, json_t *b)
{
	int	cmp;

	switch (op) {
	case TPL_OP_EQ:
		return (tpl_equal(a, b));
	case TPL_OP_NE:
		return (!tpl_equal(a, b));
	case TPL_OP_IN:
		return (tpl_contains(b, a));
	case TPL_OP_NOTIN:
		return (!tpl_contains(b, a));
	case TPL_OP_IS:
		return (tpl_same(a, b));
	case TPL_OP_ISNOT:
		return (!tpl_same(a, b));
	default:
		break;
	}
	if (!tpl_order(a, b, &cmp))
		return (0);
	switch (op) {
	case TPL_OP_LT:
		return (cmp < 0);
	case TPL_OP_GT:
		return (cmp > 0);
	case TPL_OP_LE:
		return (cmp <= 0);
	case TPL_OP_GE:
		return (cmp >= 0);
	default:
		return (0);
	}
}

