/* unit-template.c: tests of the template language (template*.c). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kong.h"
#include "diag.h"
#include "template.h"
#include "tap.h"

static const char ctx_json[] =
    "{\"site\": {\"name\": \"shop\", \"url\": \"http://shop.test/\","
    " \"type\": \"django\", \"tags\": [\"eu\", \"prod\"],"
    " \"servers\": [\"web1\", \"web2\"], \"managers\": [\"a@x\"],"
    " \"live\": true, \"insecure\": false, \"headline\": \"Latest News\","
    " \"weight\": \"10\", \"zero\": \"0\", \"count\": 3, \"ratio\": 1.5,"
    " \"whole\": 2.0, \"none\": null, \"empty\": \"\", \"nolist\": [],"
    " \"noobj\": {}, \"pages\": [\"/\", \"/about\"], \"ports\": [\"80\", \"443\"],"
    " \"attrs\": {\"color\": \"red\", \"size\": \"L\"},"
    " \"nested\": [[1, 2], [\"a\", \"b\"]], \"ml\": \"l1\\nl2\"},"
    " \"type\": {\"name\": \"django\", \"managers\": [\"m@x\"]},"
    " \"test\": {\"name\": \"home\"}}";

static json_t *ctx;

/* A test name from a template: newlines and '#' escaped, cut short. */
static const char *
tname(const char *text)
{
	static char	name[96];
	size_t		o = 0;

	for (; *text != '\0' && o + 4 < sizeof name; text++) {
		if (*text == '\n') {
			name[o++] = '\\';
			name[o++] = 'n';
		} else if (*text == '#') {
			name[o++] = '\\';
			name[o++] = '#';
		} else if ((unsigned char)*text < 0x20)
			name[o++] = '?';
		else
			name[o++] = *text;
	}
	name[o] = '\0';
	return (name);
}

static void
diag_text(struct buf *b, const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		buf_adds(b, d->v[i].text);
}

/*
 * Render len bytes of text against c: the output, "ERROR:" and the parse
 * errors, or the output and "FAILED:" and the errors if the render failed.
 * Warnings go to warns (if not NULL), the line map to lines. Caller frees.
 */
static char *
render_full(const char *text, size_t len, json_t *c, struct buf *warns,
    struct template_lines *lines, size_t *outlen)
{
	struct source	*src;
	struct diag	 d;
	struct template	*t;
	struct buf	 out;

	src = source_create("t.tpl", text, len);
	diag_init(&d);
	buf_init(&out);
	if ((t = template_parse(src, &d)) == NULL) {
		buf_adds(&out, "ERROR:");
		diag_text(&out, &d);
	} else if (template_render(t, c, &out, lines, &d) == -1) {
		buf_reset(&out);
		buf_adds(&out, "FAILED:");
		diag_text(&out, &d);
	} else if (warns != NULL)
		diag_text(warns, &d);
	if (outlen != NULL)
		*outlen = out.len;
	template_free(t);
	source_unref(src);
	diag_free(&d);
	return (buf_steal(&out));
}

static char *
render(const char *text)
{
	return (render_full(text, strlen(text), ctx, NULL, NULL, NULL));
}

/* The parse errors of a template, or "" if it parses. */
static char *
errors(const char *text)
{
	struct source	*src;
	struct diag	 d;
	struct template	*t;
	struct buf	 b;

	src = source_create("t.tpl", text, strlen(text));
	diag_init(&d);
	buf_init(&b);
	t = template_parse(src, &d);
	ok((t == NULL) == (d.nerrors > 0), "NULL exactly when errors");
	diag_text(&b, &d);
	template_free(t);
	source_unref(src);
	diag_free(&d);
	return (buf_steal(&b));
}

/* The warnings of a render. */
static char *
warnings(const char *text)
{
	struct buf	 w;
	char		*out;

	buf_init(&w);
	out = render_full(text, strlen(text), ctx, &w, NULL, NULL);
	free(out);
	return (buf_steal(&w));
}

/* The line map of a render, as "1,2,2". */
static char *
linemap(const char *text)
{
	struct template_lines	 l = { NULL, 0, 0 };
	struct buf		 b;
	char			*out;
	size_t			 i;

	out = render_full(text, strlen(text), ctx, NULL, &l, NULL);
	free(out);
	buf_init(&b);
	for (i = 0; i < l.n; i++)
		buf_printf(&b, "%s%d", i > 0 ? "," : "", l.v[i]);
	template_lines_free(&l);
	return (buf_steal(&b));
}

#define check(text, want) do {						\
	char	*got_ = render(text);					\
	is_str(got_, want, tname(text));				\
	free(got_);							\
} while (0)

#define check_error(text, want) do {					\
	char	*got_ = errors(text);					\
	is_str(got_, want, tname(text));				\
	free(got_);							\
} while (0)

#define check_warnings(text, want) do {					\
	char	*got_ = warnings(text);					\
	is_str(got_, want, tname(text));				\
	free(got_);							\
} while (0)

#define check_lines(text, want) do {					\
	char	*got_ = linemap(text);					\
	is_str(got_, want, tname(text));				\
	free(got_);							\
} while (0)

/* Nest n blocks of {% if a %}. */
static char *
nested(int n, const char *open, const char *close)
{
	struct buf	b;
	int		i;

	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_adds(&b, open);
	buf_adds(&b, "x");
	for (i = 0; i < n; i++)
		buf_adds(&b, close);
	return (buf_steal(&b));
}

static size_t
count(const char *s, const char *what)
{
	size_t	n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s++;
	}
	return (n);
}

static void
test_values(void)
{
	check("", "");
	check("plain text\n", "plain text\n");
	check("go {{ site.url }}", "go http://shop.test/");
	check("{{site.name}}", "shop");
	check("{{ site.tags }}", "eu, prod");
	check("{{ site.tags.0 }}/{{ site.tags.1 }}", "eu/prod");
	check("{{ site.live }} {{ site.insecure }} {{ site.none }}",
	    "True False None");
	check("{{ site.count }} {{ site.ratio }} {{ site.whole }}", "3 1.5 2.0");
	check("{{ site.attrs }}", "{\"color\":\"red\",\"size\":\"L\"}");
	check("{{ site.nested }}", "[1,2], [\"a\",\"b\"]");
	check("{{ site.nolist }}|{{ site.noobj }}", "|{}");
	check("{{ site.attrs.keys }}; {{ site.attrs.values }}", "color, size; red, L");
	check("{{ site.attrs.items }}", "[\"color\",\"red\"], [\"size\",\"L\"]");
	check("{{ site.attrs.color }}", "red");
	check("{{ test.name }}/{{ type.name }}/{{ type.managers }}",
	    "home/django/m@x");
	check("{{ \"double\" }} {{ 'single' }}", "double single");
	check("{{ \"a\\\"b\" }} {{ 'it\\'s' }} {{ \"back\\\\slash\" }} {{ \"\\n\" }}",
	    "a\"b it's back\\slash \\n");
	check("{{ 42 }} {{ -7 }} {{ 0.1 }} {{ 2.50 }}", "42 -7 0.1 2.5");
	check("{{ 1e20 }} {{ 1e-5 }} {{ 0.0001 }} {{ 1e16 }} {{ 1e15 }}",
	    "1e+20 1e-05 0.0001 1e+16 1000000000000000.0");
	check("{{ 123456789012345678901 }}", "1.2345678901234568e+20");
	check("{{ -0.0 }}", "-0.0");
	check("{{ True }} {{ False }} {{ None }}", "True False None");
	check("{{ site.ml }}", "l1\nl2");
}

static void
test_filters(void)
{
	check("{{ site.empty|default:\"x\" }}", "x");
	check("{{ site.nope|default:\"x\" }}", "x");
	check("{{ site.name|default:\"x\" }}", "shop");
	check("{{ site.zero|default:\"x\" }}", "0");
	check("{{ 0|default:\"x\" }} {{ site.nolist|default:'none' }}", "x none");
	check("{{ site.nope|default:site.name|upper }}", "SHOP");
	check("{{ site.none|default_if_none:\"n\" }}", "n");
	check("[{{ site.empty|default_if_none:\"n\" }}]", "[]");
	check("{{ site.nope|default_if_none:\"n\" }}", "n");
	check("{{ site.headline|lower }} {{ site.headline|upper }}",
	    "latest news LATEST NEWS");
	check("{{ \"\xc3\x89" "COLE \xc3\x87" "a\"|lower }}", "\xc3\xa9" "cole \xc3\xa7" "a");
	check("{{ \"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\"|upper }}",
	    "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2");
	check("{{ \"\xc5\x82\xc3\xb3" "d\xc5\xba\"|upper }}", "\xc5\x81\xc3\x93" "D\xc5\xb9");
	check("{{ site.live|lower }} {{ site.none|upper }}", "true NONE");
	check("{{ \"they're 1st class\"|title }}", "They're 1st Class");
	check("{{ \"hello WORLD-wide\"|title }}", "Hello World-Wide");
	check("{{ \"\xc3\xa9lan vital\"|capfirst }}", "\xc3\x89lan vital");
	check("{{ site.name|capfirst }}[{{ \"\"|capfirst }}]", "Shop[]");
	check("{{ \"a b/c?d=\xc3\xa9\"|urlencode }}", "a%20b/c%3Fd%3D%C3%A9");
	check("{{ \"a/b c\"|urlencode:\"\" }}", "a%2Fb%20c");
	check("{{ \"a/b?c\"|urlencode:\"/?\" }} {{ \"~_.-\"|urlencode }}",
	    "a/b?c ~_.-");
	check("{{ site.tags|length }} {{ \"h\xc3\xa9llo\"|length }} "
	    "{{ site.attrs|length }} {{ site.count|length }} "
	    "{{ site.nope|default:None|length }}", "2 5 2 0 0");
	check("{{ site.tags|join:\" | \" }}", "eu | prod");
	check("{{ \"abc\"|join:\"-\" }} {{ site.count|join:\",\" }}", "a-b-c 3");
	check("{{ site.tags|join:site.name }}", "eushopprod");
	check("{{ site.nested|join:\";\" }}", "[1,2];[\"a\",\"b\"]");
	check("{{ site.tags|first }} {{ site.tags|last }}", "eu prod");
	check("{{ \"h\xc3\xa9llo\"|first }}{{ \"h\xc3\xa9llo\"|last }}"
	    "{{ \"\xc3\xa9\"|last }}", "ho\xc3\xa9");
	check("[{{ site.nolist|first }}{{ site.count|last }}]", "[]");
	check("{{ \"a b c\"|cut:\" \" }} {{ 12321|cut:\"2\" }} {{ \"ab\"|cut:\"\" }}",
	    "abc 131 ab");
	check("{{ site.count|add:2 }} {{ site.weight|add:\"5\" }} "
	    "{{ site.count|add:-5 }}", "5 15 -2");
	check("{{ \"a\"|add:\"b\" }} {{ site.ratio|add:1 }}", "ab 2.5");
	check("{{ site.tags|add:site.servers }}", "eu, prod, web1, web2");
	check("[{{ \"a\"|add:1 }}]", "[]");
	check("{{ 9223372036854775807|add:1 }}", "9.223372036854776e+18");
	check("{{ site.live|yesno }} {{ site.insecure|yesno }} "
	    "{{ site.none|yesno }}", "yes no maybe");
	check("{{ site.live|yesno:\"on,off\" }} {{ site.none|yesno:\"on,off\" }}",
	    "on off");
	check("{{ site.none|yesno:\"y,n,?\" }} {{ site.live|yesno:\"bad\" }}",
	    "? True");
	check("{{ site.none|yesno:\"a,b,c,d\" }}", "b");
	check("{{ \" Hello, W\xc3\xb6rld! -- \xc3\x87" "a va_ \"|slugify }}",
	    "hello-world-ca-va");
	check("{{ \"\xc5\x81\xc3\xb3" "d\xc5\xba \xc4\xb3s\"|slugify }}", "odz-ijs");
	check("{{ \"Hello world\"|truncatechars:7 }}", "Hello \xe2\x80\xa6");
	check("{{ \"Hello\"|truncatechars:5 }} {{ \"Hello\"|truncatechars:1 }}",
	    "Hello \xe2\x80\xa6");
	check("[{{ \"Hello\"|truncatechars:0 }}] {{ \"Hello\"|truncatechars:\"x\" }}",
	    "[] Hello");
	check("{{ \"  one two\tthree \"|wordcount }} {{ \"\"|wordcount }}", "3 0");
	check("{% for p in \"/a /b,/c\"|split %}[{{ p }}]{% endfor %}", "[/a][/b][/c]");
	check("{{ \"a;b;;c\"|split:\";\"|length }} {{ \"\"|split|length }}", "4 0");
	check("{{ 34.23234|floatformat }} {{ 34.0|floatformat }} "
	    "{{ 34.26|floatformat }}", "34.2 34 34.3");
	check("{{ 34.23234|floatformat:3 }} {{ 34.0|floatformat:3 }} "
	    "{{ 34.26|floatformat:3 }}", "34.232 34.000 34.260");
	check("{{ 34.23234|floatformat:\"0\" }} {{ 39.56|floatformat:0 }}",
	    "34 40");
	check("{{ 34.23234|floatformat:-3 }} {{ 34.0|floatformat:-3 }} "
	    "{{ 34.26|floatformat:-3 }}", "34.232 34 34.260");
	check("{{ site.weight|floatformat:2 }} [{{ \"x\"|floatformat }}]",
	    "10.00 []");
	check("{{ 0.125|floatformat:2 }} {{ -0.01|floatformat }} "
	    "{{ -2.5|floatformat:0 }} {{ 0.005|floatformat:2 }}",
	    "0.13 0.0 -3 0.01");
	check("{{ 999.96|floatformat }} {{ \"1e3\"|floatformat }} "
	    "{{ 1.5|floatformat:\"x\" }}", "1000.0 1000 1.5");
	check("{{ \"<b>\"|safe }}", "<b>");
	check("{{ 10|divisibleby:5 }} {{ 10|divisibleby:3 }} "
	    "{{ 10|divisibleby:0 }}", "True False False");
	check("{{ site.name|upper|lower|capfirst|add:\"!\" }}", "Shop!");
}

static void
test_if(void)
{
	check("{% if site.live %}a{% else %}b{% endif %}", "a");
	check("{% if site.insecure %}a{% elif site.live %}b{% else %}c{% endif %}",
	    "b");
	check("{% if site.insecure %}a{% elif site.none %}b{% else %}c{% endif %}",
	    "c");
	check("{% if site.insecure %}a{% endif %}", "");
	check("{% if not site.insecure %}a{% endif %}", "a");
	check("{% if site.live or site.live and site.insecure %}y{% else %}n"
	    "{% endif %}", "y");
	check("{% if site.insecure and site.live or site.live %}y{% endif %}", "y");
	check("{% if not site.count == 4 %}y{% else %}n{% endif %}", "y");
	check("{% if not site.live or site.live %}y{% endif %}", "y");
	check("{% if site.type == \"django\" %}y{% endif %}", "y");
	check("{% if site.type != \"django\" %}y{% else %}n{% endif %}", "n");
	check("{% if site.weight == 10 %}y{% endif %}", "y");
	check("{% if site.weight == \"10.0\" %}y{% endif %}", "y");
	check("{% if site.weight > 9 %}y{% endif %}", "y");
	check("{% if site.weight > \"9\" %}y{% endif %}", "y");
	check("{% if site.name > \"apple\" %}y{% endif %}", "y");
	check("{% if site.name < \"apple\" %}y{% else %}n{% endif %}", "n");
	check("{% if site.count <= 3 and site.count >= 3 and site.count < 4 %}y"
	    "{% endif %}", "y");
	check("{% if site.count > 3 %}y{% else %}n{% endif %}", "n");
	check("{% if site.live == 1 %}y{% else %}n{% endif %}", "n");
	check("{% if site.live == True %}y{% endif %}", "y");
	check("{% if site.tags == site.tags %}y{% endif %}", "y");
	check("{% if site.tags > 1 %}y{% else %}n{% endif %}", "n");
	check("{% if site.tags >= site.tags %}y{% else %}n{% endif %}", "n");
	check("{% if site.ratio == 1.5 and site.whole == 2 %}y{% endif %}", "y");
	check("{% if site.nope == None %}y{% endif %}", "y");
	check("{% if site.none is None %}y{% endif %}", "y");
	check("{% if site.nope is not None %}y{% else %}n{% endif %}", "n");
	check("{% if site.live is True %}y{% endif %}", "y");
	check("{% if \"eu\" in site.tags %}y{% endif %}", "y");
	check("{% if \"us\" not in site.tags %}y{% endif %}", "y");
	check("{% if \"sho\" in site.name %}y{% endif %}", "y");
	check("{% if \"color\" in site.attrs %}y{% endif %}", "y");
	check("{% if \"red\" in site.attrs %}y{% else %}n{% endif %}", "n");
	check("{% if 80 in site.ports %}y{% endif %}", "y");
	check("{% if 1 in site.nested.0 and \"1\" in site.nested.0 %}y{% endif %}",
	    "y");
	check("{% if \"x\" in site.nope %}y{% else %}n{% endif %}", "n");
	check("{% if \"x\" not in site.nope %}y{% endif %}", "y");
	check("{% if site.tags|length > 1 %}y{% endif %}", "y");
	check("{% if site.name|upper == \"SHOP\" %}y{% endif %}", "y");
	check("{% if site.count|divisibleby:3 %}y{% endif %}", "y");
	check("{% if site.zero %}y{% endif %}", "y");
	check("{% if 0 %}y{% elif 0.0 %}y{% elif site.nolist %}y{% elif site.noobj %}"
	    "y{% elif site.empty %}y{% elif site.none %}y{% elif site.nope %}y"
	    "{% elif site.insecure %}y{% else %}n{% endif %}", "n");
	check("{% if site.count == 3 == True %}y{% endif %}", "y");
	check("{%if site.count==3%}y{%endif%}", "y");
	check("{% if site.live %}\nyes\n{% endif %}\n", "\nyes\n\n");
}

static void
test_for(void)
{
	check("{% for t in site.tags %}{{ t }} {% endfor %}", "eu prod ");
	check("{% for t in site.tags %}{{ forloop.counter }}{{ forloop.counter0 }}"
	    "{{ forloop.revcounter }}{{ forloop.revcounter0 }}{{ forloop.first }}"
	    "{{ forloop.last }} {% endfor %}", "1021TrueFalse 2110FalseTrue ");
	check("{% for t in site.nolist %}x{% empty %}none{% endfor %}", "none");
	check("{% for t in site.nope|default:None %}x{% empty %}none{% endfor %}",
	    "none");
	check("{% for t in site.count %}x{% empty %}none{% endfor %}", "none");
	check("{% for t in site.none %}x{% empty %}none{% endfor %}", "none");
	check("{% for t in site.tags %}x{% empty %}none{% endfor %}", "xx");
	check("{% for t in site.tags reversed %}{{ t }}{{ forloop.counter }} "
	    "{% endfor %}", "prod1 eu2 ");
	check("{% for a in site.tags %}{% for b in site.servers %}"
	    "{{ forloop.parentloop.counter }}.{{ forloop.counter }} "
	    "{% endfor %}{% endfor %}", "1.1 1.2 2.1 2.2 ");
	check("{% for a in site.tags %}{% for b in site.servers %}{{ a }}-{{ b }} "
	    "{% endfor %}{% endfor %}", "eu-web1 eu-web2 prod-web1 prod-web2 ");
	check("{% for k, v in site.attrs.items %}{{ k }}={{ v }};{% endfor %}",
	    "color=red;size=L;");
	check("{% for k in site.attrs %}{{ k }};{% endfor %}", "color;size;");
	check("{% for k, v in site.attrs %}{{ k }}={{ v }};{% endfor %}",
	    "color=red;size=L;");
	check("{% for k,v in site.attrs.items reversed %}{{ k }}={{ v }};"
	    "{% endfor %}", "size=L;color=red;");
	check("{% for p in site.attrs.items %}{{ p.0 }}:{{ p.1 }} {% endfor %}",
	    "color:red size:L ");
	check("{% for a, b in site.nested %}{{ b }}{% endfor %}", "2b");
	check("{% for a, b, c in site.nested %}[{{ c|default:\"-\" }}]{% endfor %}",
	    "[-][-]");
	check("{% for c in \"h\xc3\xa9j\" %}[{{ c }}]{% endfor %}",
	    "[h][\xc3\xa9][j]");
	check("{% for site in site.tags %}{{ site }}{% endfor %}{{ site.name }}",
	    "euprodshop");
	check("{% for t in site.pages %}{% if forloop.last %}{{ forloop }}"
	    "{% endif %}{% endfor %}", "{\"counter\":2,\"counter0\":1,"
	    "\"revcounter\":1,\"revcounter0\":0,\"first\":false,\"last\":true,"
	    "\"parentloop\":{}}");
	check("{% for t in site.tags %}{{ forloop.parentloop }}{% endfor %}",
	    "{}{}");
	check("{% for p in site.pages %}go {{ site.url }}{{ p }}\ncode 200\n"
	    "{% empty %}echo no pages{% endfor %}",
	    "go http://shop.test//\ncode 200\ngo http://shop.test//about\n"
	    "code 200\n");
	check("{% for t in site.tags %}{% with n=forloop.counter %}"
	    "{% for s in site.servers %}{{ n }}{{ forloop.counter }}"
	    "{% endfor %}{% endwith %}{% endfor %}", "11122122");
}

static void
test_other_tags(void)
{
	check("{% with n=site.name u=site.url %}{{ n }}@{{ u }}{% endwith %}",
	    "shop@http://shop.test/");
	check("{% with site.tags|length as n %}{{ n }}{% endwith %}", "2");
	check("{% with x=1 %}{% with x=2 %}{{ x }}{% endwith %}{{ x }}{% endwith %}",
	    "21");
	check("{% with n=1 %}{% endwith %}[{{ n|default:\"\" }}]", "[]");
	check("{% with a=site.nope|default:None %}[{{ a }}]{% endwith %}",
	    "[None]");
	check("a{# note {{ x }} #}b", "ab");
	check("a{% comment %}x {{ y }} {% if %}\nzz{% endcomment %}b", "ab");
	check("a{% comment \"note\" %}x{% endcomment %}b", "ab");
	check("a{% comment %}{% comment %}x{% endcomment %}b", "ab");
	check("{% verbatim %}{{ x }}{% if %}{% endverbatim %}", "{{ x }}{% if %}");
	check("{% verbatim v1 %}{% endverbatim %}{% endverbatim v1 %}",
	    "{% endverbatim %}");
	check("{% templatetag openvariable %} x {% templatetag closevariable %}"
	    "{% templatetag openblock %}{% templatetag closeblock %}"
	    "{% templatetag openbrace %}{% templatetag closebrace %}"
	    "{% templatetag opencomment %}{% templatetag closecomment %}",
	    "{{ x }}{%%}{}{##}");
	check("{% firstof site.nope site.empty site.name \"x\" %}", "shop");
	check("{% firstof site.nope \"fallback\" %}", "fallback");
	check("[{% firstof site.nope site.none %}]", "[]");
	check("{ x } {x} %} }} #} {", "{ x } {x} %} }} #} {");
}

/* One error of a render: its message with the source line and caret. */
#define E(col, line, msg, src)						\
	"t.tpl:" #line ":" #col ": error: undefined variable " msg "\n"	\
	" " #line " | " src "\n"

static void
test_undefined(void)
{
	struct source	*src;
	struct diag	 d;
	struct template	*t;
	struct buf	 out;

	/* The typo that made a check pass: find "" matches every page. */
	check("find \"{{ site.headng }}\"", "FAILED:"
	    "t.tpl:1:10: error: undefined variable 'site.headng': 'site' has "
	    "no key 'headng'; did you mean 'site.headline'?\n"
	    " 1 | find \"{{ site.headng }}\"\n"
	    "   |          ^\n");
	/* Each segment: the top-level name, then a key, then a nested key. */
	check("go {{ sit.url }}", "FAILED:"
	    "t.tpl:1:7: error: undefined variable 'sit.url'; did you mean "
	    "'site.url'?\n"
	    " 1 | go {{ sit.url }}\n"
	    "   |       ^\n");
	check("{{ sit.urll }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'sit.urll'; did you mean "
	    "'site.url'?\n"
	    " 1 | {{ sit.urll }}\n"
	    "   |    ^\n");
	check("{{ site.atrs.colr }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.atrs.colr': 'site' has "
	    "no key 'atrs'; did you mean 'site.attrs.color'?\n"
	    " 1 | {{ site.atrs.colr }}\n"
	    "   |    ^\n");
	check("{{ site.attrs.colour }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.attrs.colour': "
	    "'site.attrs' has no key 'colour'; did you mean 'site.attrs.color'?\n"
	    " 1 | {{ site.attrs.colour }}\n"
	    "   |    ^\n");
	/* No close name: say what there is instead. */
	check("{{ site.foo }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.foo': 'site' has no "
	    "key 'foo'\n"
	    " 1 | {{ site.foo }}\n"
	    "   |    ^\n");
	check("[{{ server.name }}]", "FAILED:"
	    "t.tpl:1:5: error: undefined variable 'server.name': the names "
	    "defined here are site, type and test\n"
	    " 1 | [{{ server.name }}]\n"
	    "   |     ^\n");
	/* A close top-level name whose path still does not exist: no guess. */
	check("{{ sit.qqq }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'sit.qqq': the names defined "
	    "here are site, type and test\n"
	    " 1 | {{ sit.qqq }}\n"
	    "   |    ^\n");
	/* Indexes out of range, keys of what is not an object. */
	check("{{ site.tags.2 }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.tags.2': 'site.tags' "
	    "has 2 items (indexes 0 to 1)\n"
	    " 1 | {{ site.tags.2 }}\n"
	    "   |    ^\n");
	check("{{ site.managers.1 }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.managers.1': "
	    "'site.managers' has 1 item (index 0)\n"
	    " 1 | {{ site.managers.1 }}\n"
	    "   |    ^\n");
	check("{{ site.nolist.0 }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.nolist.0': "
	    "'site.nolist' is an empty list\n"
	    " 1 | {{ site.nolist.0 }}\n"
	    "   |    ^\n");
	check("{{ site.tags.name }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.tags.name': 'site.tags' "
	    "is a list of 2 items, which has no key 'name'; a list takes an "
	    "index, as in 'site.tags.0'\n"
	    " 1 | {{ site.tags.name }}\n"
	    "   |    ^\n");
	check("{{ site.url.host }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.url.host': 'site.url' is "
	    "the string \"http://shop.test/\", which has no key 'host'\n"
	    " 1 | {{ site.url.host }}\n"
	    "   |    ^\n");
	check("{{ site.ml.0 }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.ml.0': 'site.ml' is the "
	    "string \"l1?l2\", which has no items\n"
	    " 1 | {{ site.ml.0 }}\n"
	    "   |    ^\n");
	check("{{ site.count.x }}", "FAILED:"
	    E(4, 1, "'site.count.x': 'site.count' is the number 3, which has no key 'x'", "{{ site.count.x }}")
	    "   |    ^\n");
	check("{{ site.ratio.x }}", "FAILED:"
	    E(4, 1, "'site.ratio.x': 'site.ratio' is the number 1.5, which has no key 'x'", "{{ site.ratio.x }}")
	    "   |    ^\n");
	check("{{ site.live.x }}", "FAILED:"
	    E(4, 1, "'site.live.x': 'site.live' is True, which has no key 'x'", "{{ site.live.x }}")
	    "   |    ^\n");
	check("{{ site.none.x }}", "FAILED:"
	    E(4, 1, "'site.none.x': 'site.none' is None, which has no key 'x'", "{{ site.none.x }}")
	    "   |    ^\n");
	check("{{ site.noobj.x }}", "FAILED:"
	    E(4, 1, "'site.noobj.x': 'site.noobj' has no key 'x'", "{{ site.noobj.x }}")
	    "   |    ^\n");
	check("{{ site.nested.0.5 }}", "FAILED:"
	    E(4, 1, "'site.nested.0.5': 'site.nested.0' has 2 items (indexes 0 to 1)", "{{ site.nested.0.5 }}")
	    "   |    ^\n");
	/* A long string is cut short in the message. */
	check("{% with s=\"0123456789012345678901234567890123456789abc\" %}"
	    "{{ s.x }}{% endwith %}", "FAILED:"
	    "t.tpl:1:62: error: undefined variable 's.x': 's' is the string "
	    "\"0123456789012345678901234567890123456789...\", which has no key "
	    "'x'\n"
	    " 1 | {% with s=\"0123456789012345678901234567890123456789abc\" %}"
	    "{{ s.x }}{% endwith %}\n"
	    "   |                                                              ^\n");

	/* Filters do not hide an undefined value; their arguments count too. */
	check("{{ site.beta|upper }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.beta': 'site' has no key "
	    "'beta'\n"
	    " 1 | {{ site.beta|upper }}\n"
	    "   |    ^\n");
	check("{{ site.beta|yesno:\"y,n,?\" }}", "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'site.beta': 'site' has no key "
	    "'beta'\n"
	    " 1 | {{ site.beta|yesno:\"y,n,?\" }}\n"
	    "   |    ^\n");
	check("{{ site.tags|join:sepp }}", "FAILED:"
	    "t.tpl:1:19: error: undefined variable 'sepp': the names defined "
	    "here are site, type and test\n"
	    " 1 | {{ site.tags|join:sepp }}\n"
	    "   |                   ^\n");
	check("{{ site.beta|default:site.alpha }}", "FAILED:"
	    "t.tpl:1:22: error: undefined variable 'site.alpha': 'site' has no "
	    "key 'alpha'\n"
	    " 1 | {{ site.beta|default:site.alpha }}\n"
	    "   |                      ^\n");

	/* for, with: errors, even with {% empty %}; with reports only once. */
	check("{% for p in site.pagse %}x{% empty %}none{% endfor %}", "FAILED:"
	    "t.tpl:1:13: error: undefined variable 'site.pagse': 'site' has no "
	    "key 'pagse'; did you mean 'site.pages'?\n"
	    " 1 | {% for p in site.pagse %}x{% empty %}none{% endfor %}\n"
	    "   |             ^\n");
	check("{% for k, v in site.atrs.items %}{{ k }}{% endfor %}", "FAILED:"
	    "t.tpl:1:16: error: undefined variable 'site.atrs.items': 'site' has "
	    "no key 'atrs'; did you mean 'site.attrs.items'?\n"
	    " 1 | {% for k, v in site.atrs.items %}{{ k }}{% endfor %}\n"
	    "   |                ^\n");
	check("{% with h=site.headng %}{{ h }}{{ h.x }}{% endwith %}", "FAILED:"
	    "t.tpl:1:11: error: undefined variable 'site.headng': 'site' has no "
	    "key 'headng'; did you mean 'site.headline'?\n"
	    " 1 | {% with h=site.headng %}{{ h }}{{ h.x }}{% endwith %}\n"
	    "   |           ^\n");

	/* Names bound by for and with are known names, and suggested. */
	check("{% for page in site.pages %}{{ pgae }}{% endfor %}", "FAILED:"
	    "t.tpl:1:32: error: undefined variable 'pgae'; did you mean 'page'?\n"
	    " 1 | {% for page in site.pages %}{{ pgae }}{% endfor %}\n"
	    "   |                                ^\n");
	check("{% with head=site.headline %}{{ haed|upper }}{% endwith %}",
	    "FAILED:"
	    "t.tpl:1:33: error: undefined variable 'haed'; did you mean 'head'?\n"
	    " 1 | {% with head=site.headline %}{{ haed|upper }}{% endwith %}\n"
	    "   |                                 ^\n");
	check("{% with a=site.attrs %}{{ a.sise }}{% endwith %}", "FAILED:"
	    "t.tpl:1:27: error: undefined variable 'a.sise': 'a' has no key "
	    "'sise'; did you mean 'a.size'?\n"
	    " 1 | {% with a=site.attrs %}{{ a.sise }}{% endwith %}\n"
	    "   |                           ^\n");
	check("{% for t in site.tags %}{% with n=1 %}{{ zzz }}{% endwith %}"
	    "{% endfor %}", "FAILED:"
	    "t.tpl:1:42: error: undefined variable 'zzz': the names defined here "
	    "are site, type, test, t, forloop and n\n"
	    " 1 | {% for t in site.tags %}{% with n=1 %}{{ zzz }}{% endwith %}"
	    "{% endfor %}\n"
	    "   |                                          ^\n");
	check("{% for a, b, c in site.nested %}[{{ c }}]{% endfor %}", "FAILED:"
	    "t.tpl:1:37: error: undefined variable 'c': the loop's item has only "
	    "2 values for its 3 names\n"
	    " 1 | {% for a, b, c in site.nested %}[{{ c }}]{% endfor %}\n"
	    "   |                                     ^\n");
	check("{% for t in site.tags %}{{ t.x }}{% endfor %}", "FAILED:"
	    "t.tpl:1:28: error: undefined variable 't.x': 't' is the string "
	    "\"eu\", which has no key 'x'\n"
	    " 1 | {% for t in site.tags %}{{ t.x }}{% endfor %}\n"
	    "   |                            ^\n");

	/* forloop: its attributes, and only inside a loop. */
	check("{% for t in site.tags %}{{ forloop.count }}{% endfor %}", "FAILED:"
	    "t.tpl:1:28: error: undefined variable 'forloop.count': 'forloop' "
	    "has no key 'count'; did you mean 'forloop.counter'?\n"
	    " 1 | {% for t in site.tags %}{{ forloop.count }}{% endfor %}\n"
	    "   |                            ^\n");
	check("[{{ forloop.counter }}]", "FAILED:"
	    "t.tpl:1:5: error: undefined variable 'forloop.counter': forloop "
	    "exists only inside {% for %}\n"
	    " 1 | [{{ forloop.counter }}]\n"
	    "   |     ^\n");
	check("{% for t in site.tags %}{{ forloop.parentloop.counter }}"
	    "{% endfor %}", "FAILED:"
	    "t.tpl:1:28: error: undefined variable 'forloop.parentloop.counter': "
	    "'forloop.parentloop' has no key 'counter'\n"
	    " 1 | {% for t in site.tags %}{{ forloop.parentloop.counter }}"
	    "{% endfor %}\n"
	    "   |                            ^\n");

	/* Every use is reported, once, and the render goes on after each. */
	check("{{ a }}\n{% for t in site.tags %}{{ a }}{{ b }}{% endfor %}",
	    "FAILED:"
	    E(4, 1, "'a': the names defined here are site, type and test",
	    "{{ a }}")
	    "   |    ^\n"
	    E(28, 2, "'a': the names defined here are site, type, test, t and "
	    "forloop", "{% for t in site.tags %}{{ a }}{{ b }}{% endfor %}")
	    "   |                            ^\n"
	    E(35, 2, "'b': the names defined here are site, type, test, t and "
	    "forloop", "{% for t in site.tags %}{{ a }}{{ b }}{% endfor %}")
	    "   |                                   ^\n");

	/* Without a diag list the render still fails, and says nothing. */
	src = source_create("t.tpl", "x{{ site.foo }}y", 16);
	diag_init(&d);
	t = template_parse(src, &d);
	buf_init(&out);
	is_int(template_render(t, ctx, &out, NULL, NULL), -1,
	    "undefined without a diag list: -1");
	is_int(template_render(t, ctx, &out, NULL, &d), -1,
	    "undefined with a diag list: -1");
	is_int(d.nerrors, 1, "one error");
	template_free(t);
	source_unref(src);
	buf_free(&out);
	diag_free(&d);
}

/* Where the template says what to do with a missing value: no error. */
static void
test_lenient(void)
{
	check_warnings("{{ site.foo|default:\"x\" }}", "");
	check("{{ site.beta|default:\"x\" }} {{ site.beta|default_if_none:\"y\" }}"
	    " {{ site.beta|upper|default:\"z\" }} {{ site.beta|default:\"w\"|upper }}",
	    "x y z W");
	check("{{ site.beta|default:site.name }}", "shop");
	check("{{ site.beta|default:None|yesno:\"y,n,?\" }}", "?");
	check("{% if site.beta %}y{% else %}n{% endif %}", "n");
	check("{% if site.live %}a{% elif site.beta %}b{% else %}c{% endif %}", "a");
	check("{% if site.insecure %}a{% elif site.beta %}b{% else %}c{% endif %}",
	    "c");
	check("{% if not site.beta %}y{% endif %}", "y");
	check("{% if site.beta.x.y == \"x\" %}y{% else %}n{% endif %}", "n");
	check("{% if site.beta == None %}y{% endif %}", "y");
	check("{% if \"a\" in site.beta %}y{% else %}n{% endif %}", "n");
	check("{% if site.beta in site.tags %}y{% else %}n{% endif %}", "n");
	check("{% if site.beta > 1 or site.beta < 1 %}y{% else %}n{% endif %}", "n");
	check("{% if site.beta|upper == \"\" %}y{% endif %}", "y");
	check("{% if site.name|default:site.beta %}y{% endif %}", "y");
	check("{% if sit.url %}y{% else %}n{% endif %}", "n");
	check("{% for t in site.tags %}{% if forloop.parentloop.counter %}y"
	    "{% endif %}{% endfor %}", "");
	check("{% firstof site.beta site.alpha site.name %}", "shop");
	check("[{% firstof site.beta site.alpha %}]", "[]");
	check("{% for x in site.beta|default:None %}x{% empty %}none{% endfor %}",
	    "none");
	check("{% with b=site.beta|default:False %}{{ b }}{% endwith %}", "False");
	/* The defined-but-empty values are not undefined. */
	check("[{{ site.empty }}][{{ site.none }}][{{ site.nolist }}]",
	    "[][None][]");
	check("{% for t in site.nolist %}x{% empty %}none{% endfor %}", "none");
}

static void
vars_cb(const char *path, void *arg)
{
	struct buf	*b = arg;

	buf_printf(b, "%s%s", b->len > 0 ? " " : "", path);
}

/* The paths template_foreach_var reports for a template, space-separated. */
static char *
vars(const char *text)
{
	struct source	*src;
	struct diag	 d;
	struct template	*t;
	struct buf	 b;

	src = source_create("t.tpl", text, strlen(text));
	diag_init(&d);
	buf_init(&b);
	if ((t = template_parse(src, &d)) == NULL)
		buf_adds(&b, "ERROR");
	else
		template_foreach_var(t, vars_cb, &b);
	template_free(t);
	source_unref(src);
	diag_free(&d);
	if (b.data == NULL)
		buf_adds(&b, "");
	return (buf_steal(&b));
}

#define check_vars(text, want) do {					\
	char	*got_ = vars(text);					\
	is_str(got_, want, tname(text));				\
	free(got_);							\
} while (0)

static void
test_foreach_var(void)
{
	check_vars("", "");
	check_vars("plain {{ \"literal\" }} {{ 1 }} {{ None }}", "");
	check_vars("go {{ site.url }}\nfind \"{{ type.admin_path }}\"\n"
	    "{{ site.url }}{{ site.headline|default:type.headline }}",
	    "site.url type.admin_path site.headline type.headline");
	check_vars("{% if site.beta and \"x\" in site.tags or not site.a|upper %}"
	    "{{ site.b }}{% elif site.c == site.d %}{% else %}{{ site.e }}"
	    "{% endif %}",
	    "site.beta site.tags site.a site.b site.c site.d site.e");
	/* A loop variable stands for the path the loop iterates over. */
	check_vars("{% for p in site.pages %}{{ p }}{{ p.x }}{{ forloop.counter }}"
	    "{{ site.url }}{% empty %}{{ site.none }}{% endfor %}",
	    "site.pages site.url site.none");
	check_vars("{% for k, v in site.attrs.items %}{{ k }}={{ v.x }}"
	    "{% endfor %}", "site.attrs.items");
	check_vars("{% for a in site.nested %}{% for b in a %}{{ b }}"
	    "{{ forloop.parentloop }}{% endfor %}{% endfor %}", "site.nested");
	check_vars("{% for site in site.tags %}{{ site.name }}{% endfor %}"
	    "{{ site.name }}", "site.tags site.name");
	check_vars("{% for c in \"abc\" %}{{ c.x }}{% endfor %}", "");
	/* with x=path: x.y is path.y; with a filter, x is its base path. */
	check_vars("{% with a=site.attrs n=site.tags|length o=1 %}{{ a.color }}"
	    "{{ n }}{{ o.x }}{{ a }}{% endwith %}{{ a.x }}",
	    "site.attrs site.tags site.attrs.color a.x");
	check_vars("{% with site.tags as t %}{% with u=t %}{{ u.0 }}{% endwith %}"
	    "{% endwith %}", "site.tags site.tags.0");
	check_vars("{% with a=b b=c %}{{ a }}{{ b }}{% endwith %}", "b c");
	check_vars("{% firstof site.a site.b|default:type.c \"x\" %}",
	    "site.a site.b type.c");
	check_vars("{{ forloop.counter }}", "forloop.counter");
	check_vars("{% for forloop in site.tags %}{{ forloop.counter }}"
	    "{% with forloop=site.attrs %}{{ forloop.color }}{% endwith %}"
	    "{% endfor %}", "site.tags site.attrs site.attrs.color");
	check_vars("{% verbatim %}{{ site.x }}{% endverbatim %}{# {{ site.y }} #}"
	    "{% comment %}{{ site.z }}{% endcomment %}", "");
}

static void
test_lines(void)
{
	struct source		*src;
	struct diag		 d;
	struct template		*t;
	struct template_lines	 l = { NULL, 0, 0 };
	struct buf		 out;
	json_t			*other;

	check_lines("", "");
	check_lines("a\nb\n", "1,2");
	check_lines("a\nb", "1,2");
	check_lines("{% for t in site.tags %}x {{ t }}\n{% endfor %}", "1,1");
	check_lines("{% comment %}\n\n{% endcomment %}x\ny", "3,4");
	check_lines("a{# c #}\n\nb", "1,2,3");
	check_lines("{% if site.live %}\nyes\n{% endif %}\n", "1,2,3");
	check_lines("{{ site.ml }}\nz", "1,1,2");
	check_lines("{% for t in site.tags %}\n{{ t }}\n{% endfor %}", "1,2,1,2");
	check_lines("{% verbatim %}\na\n{% endverbatim %}b", "1,2,3");
	check_lines("go {{ site.url }}\ncode 200\n"
	    "{% if site.type == \"django\" %}find \"csrf\"{% endif %}\n"
	    "{% for p in site.pages %}go {{ site.url }}{{ p }}\ncode 200\n"
	    "{% empty %}echo no pages{% endfor %}\n", "1,2,3,4,5,4,5,6");
	check_lines("{% if site.insecure %}\n\n\n{% else %}x{% endif %}", "4");
	check_lines("{% for t in site.tags %}{% endfor %}\n\n", "1,2");

	/* A line map and a template are reused: each render starts afresh. */
	src = source_create("t.tpl", "a\n{{ site.name }}\n", 18);
	diag_init(&d);
	t = template_parse(src, &d);
	buf_init(&out);
	ok(t != NULL, "parse for reuse");
	template_render(t, ctx, &out, &l, NULL);
	template_render(t, ctx, &out, &l, NULL);
	is_int(l.n, 2, "line map reset by each render");
	is_str(out.data, "a\nshop\na\nshop\n", "render appends");
	other = json_pack("{s:{s:s}}", "site", "name", "other");
	buf_reset(&out);
	template_render(t, other, &out, NULL, NULL);
	is_str(out.data, "a\nother\n", "same template, other context");
	json_decref(other);
	buf_free(&out);
	template_lines_free(&l);
	template_lines_free(&l);
	template_lines_free(NULL);
	template_free(t);
	template_free(NULL);
	source_unref(src);
	diag_free(&d);
}

static void
test_errors(void)
{
	char	*e;

	check_error("{{ site.name|lowr }}",
	    "t.tpl:1:14: error: unknown filter 'lowr'; did you mean 'lower'?\n"
	    " 1 | {{ site.name|lowr }}\n"
	    "   |              ^\n");
	check_error("{% load static %}",
	    "t.tpl:1:4: error: unknown tag 'load'; Kong supports if, elif, else, "
	    "for, empty, with, comment, verbatim, firstof and templatetag\n"
	    " 1 | {% load static %}\n"
	    "   |    ^\n");
	check_error("{% endfr %}",
	    "t.tpl:1:4: error: unknown tag 'endfr'; did you mean 'endfor'?\n"
	    " 1 | {% endfr %}\n"
	    "   |    ^\n");
	check_error("a\n{% for x in site.tags %}\nb",
	    "t.tpl:2:1: error: unclosed {% for %}: expected {% endfor %}\n"
	    " 2 | {% for x in site.tags %}\n"
	    "   | ^\n");
	check_error("x {% endif %}",
	    "t.tpl:1:3: error: {% endif %} without a matching {% if %}\n"
	    " 1 | x {% endif %}\n"
	    "   |   ^\n");
	check_error("{% else %}",
	    "t.tpl:1:1: error: {% else %} outside {% if %}\n"
	    " 1 | {% else %}\n"
	    "   | ^\n");
	check_error("{% for x in y %}{% else %}{% endfor %}",
	    "t.tpl:1:17: error: {% else %} in {% for %}; did you mean "
	    "{% empty %}?\n"
	    " 1 | {% for x in y %}{% else %}{% endfor %}\n"
	    "   |                 ^\n");
	check_error("go {{ site.url\ncode 200\n",
	    "t.tpl:1:4: error: unterminated '{{': no '}}' on the same line\n"
	    " 1 | go {{ site.url\n"
	    "   |    ^\n");
	check_error("{% if a and %}{% endif %}",
	    "t.tpl:1:13: error: expected an operand after 'and'\n"
	    " 1 | {% if a and %}{% endif %}\n"
	    "   |             ^\n");
	check_error("{% if a and or b %}{% endif %}",
	    "t.tpl:1:13: error: expected an operand after 'and'\n"
	    " 1 | {% if a and or b %}{% endif %}\n"
	    "   |             ^\n");
	check_error("{% if a == %}{% endif %}",
	    "t.tpl:1:12: error: expected an operand after '=='\n"
	    " 1 | {% if a == %}{% endif %}\n"
	    "   |            ^\n");
	check_error("{% if (a) %}{% endif %}",
	    "t.tpl:1:7: error: unexpected token '('; use nested {% if %} tags "
	    "instead of parentheses\n"
	    " 1 | {% if (a) %}{% endif %}\n"
	    "   |       ^\n");
	check_error("{% if a) %}{% endif %}",
	    "t.tpl:1:8: error: unexpected token ')'; use nested {% if %} tags "
	    "instead of parentheses\n"
	    " 1 | {% if a) %}{% endif %}\n"
	    "   |        ^\n");
	check_error("{% if a b %}{% endif %}",
	    "t.tpl:1:9: error: unexpected token 'b'\n"
	    " 1 | {% if a b %}{% endif %}\n"
	    "   |         ^\n");
	check_error("{% if %}{% endif %}",
	    "t.tpl:1:7: error: expected a condition after 'if'\n"
	    " 1 | {% if %}{% endif %}\n"
	    "   |       ^\n");
	check_error("x{{ }}",
	    "t.tpl:1:2: error: empty variable '{{ }}'\n"
	    " 1 | x{{ }}\n"
	    "   |  ^\n");
	check_error("{% %}",
	    "t.tpl:1:1: error: empty tag '{% %}'\n"
	    " 1 | {% %}\n"
	    "   | ^\n");
	check_error("{{ \"abc }}",
	    "t.tpl:1:4: error: unterminated string literal\n"
	    " 1 | {{ \"abc }}\n"
	    "   |    ^\n");
	check_error("{{ site.tags|join }}",
	    "t.tpl:1:14: error: filter 'join' needs an argument, as in "
	    "join:\", \"\n"
	    " 1 | {{ site.tags|join }}\n"
	    "   |              ^\n");
	check_error("{{ site.name|lower:\"x\" }}",
	    "t.tpl:1:14: error: filter 'lower' takes no argument\n"
	    " 1 | {{ site.name|lower:\"x\" }}\n"
	    "   |              ^\n");
	check_error("{{ a|default: }}",
	    "t.tpl:1:15: error: expected an operand after ':'\n"
	    " 1 | {{ a|default: }}\n"
	    "   |               ^\n");
	check_error("{{ a| }}",
	    "t.tpl:1:7: error: expected a filter name after '|'\n"
	    " 1 | {{ a| }}\n"
	    "   |       ^\n");
	check_error("{{ a|default:(b) }}",
	    "t.tpl:1:14: error: unexpected token '('; use nested {% if %} tags "
	    "instead of parentheses\n"
	    " 1 | {{ a|default:(b) }}\n"
	    "   |              ^\n");
	check_error("{% if a %}\n{% for x in b %}\n{% endif %}",
	    "t.tpl:2:1: error: unclosed {% for %}: expected {% endfor %} before "
	    "the {% endif %} on line 3\n"
	    " 2 | {% for x in b %}\n"
	    "   | ^\n");
	check_error("{{ a|uper }}\n{% bogus %}\n\t{{ }}",
	    "t.tpl:1:6: error: unknown filter 'uper'; did you mean 'upper'?\n"
	    " 1 | {{ a|uper }}\n"
	    "   |      ^\n"
	    "t.tpl:2:4: error: unknown tag 'bogus'; Kong supports if, elif, else, "
	    "for, empty, with, comment, verbatim, firstof and templatetag\n"
	    " 2 | {% bogus %}\n"
	    "   |    ^\n"
	    "t.tpl:3:2: error: empty variable '{{ }}'\n"
	    " 3 | \t{{ }}\n"
	    "   | \t^\n");
	check_error("{# x\ny #}",
	    "t.tpl:1:1: error: unterminated '{#': no '#}' on the same line (use "
	    "{% comment %} for comments over several lines)\n"
	    " 1 | {# x\n"
	    "   | ^\n");
	check_error("{% if a\n%}",
	    "t.tpl:1:1: error: unterminated '{%': no '%}' on the same line\n"
	    " 1 | {% if a\n"
	    "   | ^\n");
	check_error("{{ 1abc }}",
	    "t.tpl:1:4: error: invalid number '1abc'\n"
	    " 1 | {{ 1abc }}\n"
	    "   |    ^\n");
	check_error("{{ site. }}",
	    "t.tpl:1:4: error: invalid variable name 'site.'\n"
	    " 1 | {{ site. }}\n"
	    "   |    ^\n");
	check_error("{{ a @ b }}",
	    "t.tpl:1:6: error: unexpected character '@'\n"
	    " 1 | {{ a @ b }}\n"
	    "   |      ^\n");
	check_error("{{ \xc3\xa9t\xc3\xa9 }}",
	    "t.tpl:1:4: error: unexpected character '\xc3\xa9'\n"
	    " 1 | {{ \xc3\xa9t\xc3\xa9 }}\n"
	    "   |    ^\n");
	check_error("{{ 1e999 }}",
	    "t.tpl:1:4: error: number out of range '1e999'\n"
	    " 1 | {{ 1e999 }}\n"
	    "   |    ^\n");
	check_error("{% if a %}{% else if b %}{% endif %}",
	    "t.tpl:1:19: error: use {% elif %} instead of {% else if %}\n"
	    " 1 | {% if a %}{% else if b %}{% endif %}\n"
	    "   |                   ^\n");
	check_error("{% if a %}{% else %}{% elif b %}{% else %}{% endif %}",
	    "t.tpl:1:21: error: {% elif %} after {% else %}\n"
	    " 1 | {% if a %}{% else %}{% elif b %}{% else %}{% endif %}\n"
	    "   |                     ^\n"
	    "t.tpl:1:33: error: second {% else %} in {% if %}\n"
	    " 1 | {% if a %}{% else %}{% elif b %}{% else %}{% endif %}\n"
	    "   |                                 ^\n");
	check_error("{% empty %}{% for x in y %}{% empty %}{% empty %}{% endfor %}",
	    "t.tpl:1:1: error: {% empty %} outside {% for %}\n"
	    " 1 | {% empty %}{% for x in y %}{% empty %}{% empty %}{% endfor %}\n"
	    "   | ^\n"
	    "t.tpl:1:39: error: second {% empty %} in {% for %}\n"
	    " 1 | {% empty %}{% for x in y %}{% empty %}{% empty %}{% endfor %}\n"
	    "   |                                       ^\n");
	check_error("{% for x.y in z %}{% endfor %}",
	    "t.tpl:1:8: error: invalid loop variable 'x.y'\n"
	    " 1 | {% for x.y in z %}{% endfor %}\n"
	    "   |        ^\n");
	check_error("{% for x of z %}{% endfor %}",
	    "t.tpl:1:10: error: expected 'in' after 'x'\n"
	    " 1 | {% for x of z %}{% endfor %}\n"
	    "   |          ^\n");
	check_error("{% for %}{% endfor %}",
	    "t.tpl:1:8: error: expected a loop variable after 'for'\n"
	    " 1 | {% for %}{% endfor %}\n"
	    "   |        ^\n");
	check_error("{% for x in %}{% endfor %}",
	    "t.tpl:1:13: error: expected an operand after 'in'\n"
	    " 1 | {% for x in %}{% endfor %}\n"
	    "   |             ^\n");
	check_error("{% with %}{% endwith %}",
	    "t.tpl:1:9: error: expected 'name=value' after 'with'\n"
	    " 1 | {% with %}{% endwith %}\n"
	    "   |         ^\n");
	check_error("{% with a b %}{% endwith %}",
	    "t.tpl:1:11: error: expected 'as' after 'a'\n"
	    " 1 | {% with a b %}{% endwith %}\n"
	    "   |           ^\n");
	check_error("{% with a=1 b %}{% endwith %}",
	    "t.tpl:1:13: error: expected 'name=value' after '1'\n"
	    " 1 | {% with a=1 b %}{% endwith %}\n"
	    "   |             ^\n");
	check_error("{% comment %} abc",
	    "t.tpl:1:1: error: unclosed {% comment %}: expected "
	    "{% endcomment %}\n"
	    " 1 | {% comment %} abc\n"
	    "   | ^\n");
	check_error("{% verbatim x %} abc {% endverbatim %}",
	    "t.tpl:1:1: error: unclosed {% verbatim %}: expected "
	    "{% endverbatim x %}\n"
	    " 1 | {% verbatim x %} abc {% endverbatim %}\n"
	    "   | ^\n");
	check_error("{% endcomment %}",
	    "t.tpl:1:1: error: {% endcomment %} without a matching "
	    "{% comment %}\n"
	    " 1 | {% endcomment %}\n"
	    "   | ^\n");
	check_error("{% templatetag foo %}",
	    "t.tpl:1:16: error: unknown templatetag 'foo'; expected openblock, "
	    "closeblock, openvariable, closevariable, openbrace, closebrace, "
	    "opencomment or closecomment\n"
	    " 1 | {% templatetag foo %}\n"
	    "   |                ^\n");
	check_error("{% endif x %}",
	    "t.tpl:1:10: error: unexpected token 'x'\n"
	    " 1 | {% endif x %}\n"
	    "   |          ^\n"
	    "t.tpl:1:1: error: {% endif %} without a matching {% if %}\n"
	    " 1 | {% endif x %}\n"
	    "   | ^\n");
	check_error("{% firstof %}",
	    "t.tpl:1:12: error: expected an operand after 'firstof'\n"
	    " 1 | {% firstof %}\n"
	    "   |            ^\n");
	check_error("{% if not %}{% endif %}",
	    "t.tpl:1:11: error: expected an operand after 'not'\n"
	    " 1 | {% if not %}{% endif %}\n"
	    "   |           ^\n");

	/* The text of the list of filters. */
	e = errors("{{ a|escape }}");
	ok(strstr(e, "unknown filter 'escape'; Kong's filters are add, capfirst, "
	    "cut, default,") != NULL && strstr(e, "wordcount and yesno\n") != NULL,
	    "unknown filter lists the filters");
	free(e);

	/* A bad tag's body still pairs with its end tag: one error only. */
	e = errors("{% if a == %}\n{% for x in y %}{% endfor %}\n{% endif %}");
	ok(strstr(e, "expected an operand") != NULL && count(e, "error:") == 1,
	    "bad if still matches its endif");
	free(e);
}

static void
test_limits(void)
{
	struct buf	 b;
	char		*t, *out, *e;
	size_t		 i, len, outlen;
	unsigned int	 seed = 12345;
	static const char alphabet[] = "{}%#|:\"' \n\tabcdefiorntlvwhy.0123456789"
	    "=!<>,()_-\\";
	int		 n;

	/* Nesting: 100 deep is fine, 101 is one error. */
	t = nested(100, "{% if site.live %}", "{% endif %}");
	out = render(t);
	is_str(out, "x", "100 nested ifs");
	free(out);
	free(t);
	t = nested(5000, "{% for a in site.tags %}", "{% endfor %}");
	e = errors(t);
	is_int(count(e, "error:"), 1, "5000 nested fors: one error");
	ok(strstr(e, "blocks nested more than 100 deep") != NULL, "depth message");
	free(e);
	free(t);
	t = nested(5000, "{% if a %}", "");
	e = errors(t);
	ok(count(e, "error:") == 20 || count(e, "error:") == 2, "5000 unclosed ifs");
	free(e);
	free(t);

	/* Deep conditions are an error, not a stack overflow. */
	buf_init(&b);
	buf_adds(&b, "{% if ");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "not ");
	buf_adds(&b, "a %}{% endif %}");
	e = errors(b.data);
	ok(strstr(e, "condition nested too deeply") != NULL, "deep not");
	free(e);
	buf_reset(&b);
	buf_adds(&b, "{% if a");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, " or a");
	buf_adds(&b, " %}{% endif %}");
	e = errors(b.data);
	ok(strstr(e, "condition nested too deeply") != NULL, "long or chain");
	free(e);
	buf_reset(&b);
	buf_adds(&b, "{% if a");
	for (i = 0; i < 150; i++)
		buf_adds(&b, " or a");
	buf_adds(&b, " %}y{% endif %}");
	out = render(b.data);
	is_str(out, "", "150 ors are fine");
	free(out);

	/* A 1 MB line: text, variables, openers without closers. */
	buf_reset(&b);
	while (b.len < (1 << 20))
		buf_adds(&b, "abc {{ site.name }} ");
	out = render_full(b.data, b.len, ctx, NULL, NULL, &outlen);
	is_int(outlen, b.len / 20 * 9, "1 MB line rendered");
	free(out);
	buf_reset(&b);
	while (b.len < (1 << 20))
		buf_adds(&b, "{{{%{#");
	e = errors(b.data);
	is_int(count(e, "error:"), 20, "1 MB of openers: capped errors");
	free(e);
	buf_reset(&b);
	buf_adds(&b, "{% comment %}");
	while (b.len < (1 << 20))
		buf_adds(&b, "{%{% x %}");
	e = errors(b.data);
	ok(strstr(e, "unclosed {% comment %}") != NULL, "1 MB comment");
	free(e);
	buf_reset(&b);
	for (n = 0; b.len < (1 << 20); n++)
		buf_adds(&b, "{{ site.name|upper|lower|default:\"x\"|first }}");
	out = render(b.data);
	is_int(strlen(out), n, "1 MB of filters");
	free(out);
	buf_reset(&b);
	buf_adds(&b, "{{ site.empty");
	while (b.len < (1 << 20))
		buf_adds(&b, "|lower");
	buf_adds(&b, " }}");
	out = render(b.data);
	is_str(out, "", "a filter chain 1 MB long");
	free(out);

	/* Long lists of branches and arguments cost linear time. */
	buf_reset(&b);
	buf_adds(&b, "{% if site.insecure %}");
	for (n = 0; b.len < (1 << 20); n++)
		buf_adds(&b, "{% elif site.none %}");
	buf_adds(&b, "{% else %}else{% endif %}");
	out = render(b.data);
	is_str(out, "else", "100000 elifs");
	free(out);
	buf_reset(&b);
	buf_adds(&b, "{% firstof");
	while (b.len < (1 << 20))
		buf_adds(&b, " a");
	buf_adds(&b, " site.name %}");
	out = render(b.data);
	is_str(out, "shop", "500000 firstof arguments");
	free(out);

	/* NUL bytes are text like any other. */
	out = render_full("a\0{{ site.name }}\0b", 19, ctx, NULL, NULL, &outlen);
	ok(outlen == 8 && memcmp(out, "a\0shop\0b", 8) == 0, "NUL bytes");
	free(out);
	out = render_full("{{ \"a\0b\"|upper }}", 17, ctx, NULL, NULL, &outlen);
	ok(outlen == 3 && memcmp(out, "A\0B", 3) == 0, "NUL in a literal");
	free(out);

	/* Run-away loops stop with an error. */
	t = nested(8, "{% for c in \"0123456789\" %}", "{% endfor %}");
	out = render(t);
	ok(strncmp(out, "FAILED:t.tpl:1:", 15) == 0 &&
	    strstr(out, "error: rendering stopped after 2097152 steps; is a loop "
	    "too large?") != NULL, "run-away loop stopped");
	free(out);
	free(t);

	/* A render without a context. */
	out = render_full("{{ a }}{% for x in b %}{% endfor %}{% if c %}{% endif %}",
	    56, NULL, NULL, NULL, NULL);
	is_str(out, "FAILED:"
	    "t.tpl:1:4: error: undefined variable 'a': no names are defined "
	    "here\n"
	    " 1 | {{ a }}{% for x in b %}{% endfor %}{% if c %}{% endif %}\n"
	    "   |    ^\n"
	    "t.tpl:1:20: error: undefined variable 'b': no names are defined "
	    "here\n"
	    " 1 | {{ a }}{% for x in b %}{% endfor %}{% if c %}{% endif %}\n"
	    "   |                    ^\n", "NULL context");
	free(out);
	out = render_full("{% if c %}{% endif %}", 21, NULL, NULL, NULL, NULL);
	is_str(out, "", "NULL context, if only");
	free(out);

	/* Random junk: no crash, no leak, errors or output. */
	for (n = 0; n < 3000; n++) {
		buf_reset(&b);
		len = (size_t)(rand_r(&seed) % 300);
		for (i = 0; i < len; i++) {
			if (rand_r(&seed) % 8 == 0)
				buf_addc(&b, (char)(rand_r(&seed) % 256));
			else
				buf_addc(&b, alphabet[(size_t)rand_r(&seed) %
				    (sizeof alphabet - 1)]);
		}
		out = render_full(b.data != NULL ? b.data : "", b.len, ctx, NULL,
		    NULL, NULL);
		free(out);
	}
	ok(1, "3000 random templates");
	buf_free(&b);
}

int
main(void)
{
	ctx = json_loads(ctx_json, 0, NULL);
	if (ctx == NULL)
		return (99);
	test_values();
	test_filters();
	test_if();
	test_for();
	test_other_tags();
	test_undefined();
	test_lenient();
	test_foreach_var();
	test_lines();
	test_errors();
	test_limits();
	json_decref(ctx);
	return (done_testing());
}
