/*
 * The emitter's flat form, which fbr-replay compares replies by: one
 * "path=value" line a field, objects and list items named by their path,
 * the values as the text form writes them, and the same describers
 * behind it as behind fbr-trace.
 */
#include <string.h>

#include "protocol/describe.h"
#include "protocol/emit.h"
#include "tap.h"

static void test_paths(void)
{
	struct fbr_emit e;

	fbr_emit_init_flat(&e);
	fbr_emit_u64(&e, "nodeid", 5);
	fbr_emit_begin(&e, "attr");
	fbr_emit_mode(&e, "mode", 0100644);
	fbr_emit_end(&e);
	fbr_emit_list_begin(&e, "entries");
	fbr_emit_begin(&e, NULL);
	fbr_emit_str(&e, "name", "a\nb", 3);
	fbr_emit_end(&e);
	fbr_emit_begin(&e, NULL);
	fbr_emit_hex(&e, "fh", 0x10);
	fbr_emit_end(&e);
	fbr_emit_list_end(&e);
	fbr_emit_u64(&e, "after", 1);
	if (!ok(e.p && !strcmp(e.p, "nodeid=5\nattr.mode=S_IFREG|0644\n"
			       "entries[0].name=\"a\\x0ab\"\n"
			       "entries[1].fh=0x10\nafter=1"),
		"flat paths and values"))
		diag("got:\n%s", e.p);
	fbr_emit_reset(&e);
	fbr_emit_u64(&e, "x", 0);
	ok(e.p && !strcmp(e.p, "x=0"), "reset: the path starts afresh");
	fbr_emit_release(&e);
}

/* Deeper than the path keeps: the fields still come, one a line. */
static void test_deep(void)
{
	struct fbr_emit e;
	int lines = 0;

	fbr_emit_init_flat(&e);
	for (int i = 0; i < FBR_EMIT_FLAT_DEPTH + 4; i++)
		fbr_emit_begin(&e, "a_rather_long_object_name");
	fbr_emit_u64(&e, "v", 1);
	fbr_emit_u64(&e, "w", 2);
	for (int i = 0; i < FBR_EMIT_FLAT_DEPTH + 4; i++)
		fbr_emit_end(&e);
	fbr_emit_u64(&e, "top", 3);
	for (const char *p = e.p; p && *p; p++)
		lines += *p == '\n';
	if (!ok(lines == 2 && strstr(e.p, "\ntop=3"), "deep nesting: cut paths"))
		diag("got:\n%s", e.p);
	fbr_emit_release(&e);
}

/* A GETATTR reply, as fbr-replay sees one. */
static void test_describer(void)
{
	struct fuse_attr_out o = { .attr_valid = 1, .attr = {
		.ino = 7, .size = 6, .mode = 0100600, .nlink = 1 } };
	struct fbr_emit e;

	fbr_emit_init_flat(&e);
	fbr_describe_reply(&e, FUSE_GETATTR, NULL, &o, sizeof(o));
	if (!ok(e.p && strstr(e.p, "attr_valid=1.000000000\nattr.ino=7\n"
			      "attr.mode=S_IFREG|0600\nattr.nlink=1\n") &&
		strstr(e.p, "\nattr.size=6\n"), "a GETATTR reply, by the describer"))
		diag("got:\n%s", e.p);
	fbr_emit_release(&e);
}

int main(void)
{
	test_paths();
	test_deep();
	test_describer();
	return done_testing();
}
