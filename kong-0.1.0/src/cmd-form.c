/*
 * cmd-form.c: form commands: formvalue (fv), formclear, formaction,
 * formfile, submit, showforms.
 */
#include <unistd.h>

#include "session-int.h"

/* The form a spec names on the current page, or NULL after an error. */
static struct form *
form_cmd_find(struct session *s, const char *spec)
{
	struct form	*f;
	char		*cause;

	if (browser_tree(s, "form") == NULL)
		return (NULL);
	if ((f = form_find(s->page, spec, &cause)) != NULL)
		return (f);
	if (cause != NULL) {
		session_error(s, ERR_SCRIPT, "%s", cause);
		free(cause);
	} else
		session_error(s, ERR_ASSERT, "Form not found");
	return (NULL);
}

/* The form and field specs name, or NULL after an error. */
static struct form *
form_cmd_field(struct session *s, const char *form_spec,
    const char *field_spec, struct field *fld)
{
	struct form	*f;
	char		*cause;

	if ((f = form_cmd_find(s, form_spec)) == NULL)
		return (NULL);
	if (form_field(f, field_spec, fld, &cause) != 0) {
		session_error(s, ERR_SCRIPT, "%s", cause);
		free(cause);
		return (NULL);
	}
	return (f);
}

/* formvalue FORM FIELD VALUE: set a field (and record a click on it). */
enum cmd_retval
cmd_formvalue(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	struct form	*f;
	struct field	 fld;
	char		*cause;
	enum cmd_retval	 rv = CMD_NORMAL;

	if (!browser_ready(s, PAGE_TREE))
		return (CMD_WAIT);

	(void)in;
	(void)argc;
	if ((f = form_cmd_field(s, argv[0], argv[1], &fld)) == NULL)
		return (CMD_ERROR);
	browser_clicked(s, f, fld.kind == FIELD_CONTROL ? fld.ctl : NULL);
	if (fld.kind == FIELD_CONTROL && control_has(fld.ctl, "readonly")) {
		if (!s->readonly_writeable) {
			session_printf(s, "Form field is read-only or ignorable; "
			    "nothing done.\n");
			goto out;
		}
		xmlUnsetProp(fld.ctl->node, (const xmlChar *)"readonly");
	}
	if (fld.kind == FIELD_CONTROL && fld.ctl->kind == CONTROL_INPUT &&
	    strcmp(fld.ctl->type, "file") == 0) {
		rv = session_error(s, ERR_SCRIPT, "form field is for file upload; "
		    "use \"formfile\" instead");
		goto out;
	}
	if (form_set_value(&fld, argv[2], &cause) != 0) {
		rv = session_error(s, ERR_SCRIPT, "%s", cause);
		free(cause);
	}
out:
	field_clear(&fld);
	return (rv);
}

/* formclear FORM: empty what a user could change; forget the button. */
enum cmd_retval
cmd_formclear(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	struct form	*f;

	if (!browser_ready(s, PAGE_TREE))
		return (CMD_WAIT);

	(void)in;
	(void)argc;
	if ((f = form_cmd_find(s, argv[0])) == NULL)
		return (CMD_ERROR);
	form_clear_values(f);
	s->last_button = NULL;
	return (CMD_NORMAL);
}

/* formaction FORM URL: replace the form's action. */
enum cmd_retval
cmd_formaction(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	struct form	*f;

	if (!browser_ready(s, PAGE_TREE))
		return (CMD_WAIT);

	(void)in;
	(void)argc;
	if ((f = form_cmd_find(s, argv[0])) == NULL)
		return (CMD_ERROR);
	form_set_action(f, argv[1]);
	return (CMD_NORMAL);
}

/*
 * formfile FORM FIELD FILE [TYPE]: queue an upload; the part is named after
 * the field argument as typed, as in twill, and a second upload for the
 * same name replaces the first. As in twill, the MIME type comes from the
 * file's extension and TYPE is ignored.
 */
enum cmd_retval
cmd_formfile(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	struct form	*f;
	struct field	 fld;
	struct upload	*u = NULL;
	size_t		 i;

	if (!browser_ready(s, PAGE_TREE))
		return (CMD_WAIT);

	(void)in;
	(void)argc;
	if ((f = form_cmd_field(s, argv[0], argv[1], &fld)) == NULL)
		return (CMD_ERROR);
	if (fld.kind != FIELD_CONTROL || fld.ctl->kind != CONTROL_INPUT ||
	    strcmp(fld.ctl->type, "file") != 0) {
		field_clear(&fld);
		return (session_error(s, ERR_SCRIPT, "field '%s' is not a file "
		    "upload field", argv[1]));
	}
	browser_clicked(s, f, fld.ctl);
	field_clear(&fld);
	if (access(argv[2], R_OK) != 0)
		return (session_error(s, ERR_SCRIPT, "cannot open file '%s'",
		    argv[2]));
	for (i = 0; i < s->nuploads && u == NULL; i++) {
		if (strcmp(s->uploads[i].field, argv[1]) == 0) {
			u = &s->uploads[i];
			free(u->path);
		}
	}
	if (u == NULL) {
		s->uploads = xreallocarray(s->uploads, s->nuploads + 1,
		    sizeof *s->uploads);
		u = &s->uploads[s->nuploads++];
		u->field = xstrdup(argv[1]);
	}
	u->path = xstrdup(argv[2]);
	return (CMD_NORMAL);
}

/*
 * submit [BUTTON [FORM]]: the named form, else the one fv selected, else
 * the only one; the named button, else the one fv clicked, else the first
 * submit button.
 */
enum cmd_retval
cmd_submit(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	struct form	*f;
	struct control	*button = NULL;
	struct field	 fld;
	char		*cause;
	size_t		 i;
	enum cmd_retval	 rv;

	if (!browser_ready(s, PAGE_TREE))
		return (CMD_WAIT);

	(void)in;
	if (browser_tree(s, "forms") == NULL)
		return (CMD_ERROR);
	if (s->page->nforms == 0)
		return (session_error(s, ERR_SCRIPT, "There are no forms on this "
		    "page."));
	if (argc > 1) {
		if ((f = form_find(s->page, argv[1], &cause)) == NULL &&
		    cause != NULL) {
			rv = session_error(s, ERR_SCRIPT, "%s", cause);
			free(cause);
			return (rv);
		}
	} else
		f = s->sel_form;
	if (f == NULL) {
		if (s->page->nforms > 1)
			return (session_error(s, ERR_SCRIPT, "There is more than "
			    "one form on this page; therefore you must specify "
			    "a form explicitly or select one (use 'fv') before "
			    "submitting."));
		f = s->page->forms[0];
	}
	if (argc > 0) {
		if (form_field(f, argv[0], &fld, &cause) != 0) {
			rv = session_error(s, ERR_SCRIPT, "%s", cause);
			free(cause);
			return (rv);
		}
		button = fld.ctl;
		field_clear(&fld);
	} else if (f != s->sel_form || s->last_button == NULL) {
		for (i = 0; i < f->nctls && button == NULL; i++) {
			if (f->ctls[i].kind == CONTROL_INPUT &&
			    (strcmp(f->ctls[i].type, "submit") == 0 ||
			    strcmp(f->ctls[i].type, "image") == 0))
				button = &f->ctls[i];
		}
	} else
		button = s->last_button;
	return (browser_submit(s, f, button));
}

/* showforms: every form's table, the global form first. */
enum cmd_retval
cmd_showforms(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	return (display_forms(s));
}

/* The forms of the page as twill's showforms prints them. */
enum cmd_retval
display_forms(struct session *s)
{
	struct buf	b;
	size_t		i;

	if (!browser_ready(s, PAGE_TREE))
		return (CMD_WAIT);
	if (browser_tree(s, "forms") == NULL)
		return (CMD_ERROR);
	buf_init(&b);
	for (i = 0; i < s->page->nforms; i++) {
		form_describe(s->page->forms[i], (int)i + 1, &b);
		buf_addc(&b, '\n');
	}
	if (b.len > 0)
		session_write(s, b.data, b.len);
	buf_free(&b);
	return (CMD_NORMAL);
}
